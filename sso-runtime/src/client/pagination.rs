//! What the list endpoints share: the sort order a request asks for and the cursors a page answers with.

use serde::Deserialize;

/// The most items WorkOS returns in one page.
pub(crate) const MAX_LIMIT: u32 = 100;

/// A page size outside WorkOS's range of 1 to 100, refused by the list builders
/// ([`ListConnections::limit`](super::ListConnections::limit),
/// [`ListOrganizations::limit`](super::ListOrganizations::limit)) rather than by WorkOS.
///
/// ```
/// use rocket_workos_sso::client::{InvalidLimit, ListConnections, ListOrganizations};
///
/// assert_eq!(ListOrganizations::new().limit(0), Err(InvalidLimit(0)));
/// assert_eq!(ListConnections::new().limit(101).unwrap_err().to_string(), "a page holds 1 to 100 items, not 101");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a page holds 1 to 100 items, not {0}")]
pub struct InvalidLimit(pub u32);

/// `limit` if it is a page size WorkOS accepts.
pub(crate) fn checked_limit(limit: u32) -> Result<u32, InvalidLimit> {
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(InvalidLimit(limit))
    }
}

/// Pagination cursors of one page. An absent (or `null`) cursor means there is no page in that direction.
///
/// # Example
///
/// ```no_run
/// use rocket_workos_sso::client::{ListOrganizations, WorkosClient};
///
/// # async fn demo(client: WorkosClient) -> Result<(), rocket_workos_sso::client::WorkosError> {
/// let page = client.list_organizations(&ListOrganizations::new().domain("foo-corp.com")).await?;
/// if let Some(after) = page.list_metadata.after {
///     let next = client.list_organizations(&ListOrganizations::new().domain("foo-corp.com").after(after)).await?;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ListMetadata {
    /// Pass as `before` of the same request (e.g. [`ListConnections::before`]) for the previous page.
    ///
    /// [`ListConnections::before`]: super::ListConnections::before
    #[serde(default)]
    pub before: Option<String>,
    /// Pass as `after` of the same request (e.g. [`ListOrganizations::after`]) for the next page.
    ///
    /// [`ListOrganizations::after`]: super::ListOrganizations::after
    #[serde(default)]
    pub after: Option<String>,
}

/// Sort order of a list, by creation time.
///
/// # Example
///
/// ```
/// use rocket_workos_sso::client::{ListOrganizations, Order};
///
/// let oldest_first = ListOrganizations::new().order(Order::Asc);
/// # let _ = oldest_first;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Order {
    /// Oldest first.
    Asc,
    /// Newest first (the WorkOS default).
    Desc,
    /// Newest first, with the cursors reversed: `before` fetches older objects and `after` newer ones.
    Normal,
}

impl Order {
    /// The wire spelling of the `order` query parameter.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Asc => "asc",
            Self::Desc => "desc",
            Self::Normal => "normal",
        }
    }
}

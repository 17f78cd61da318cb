//! What the list endpoints share: the sort order a request asks for and the cursors a page answers with.

use serde::Deserialize;

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
    /// Pass as `before` of the same request (e.g. [`ListConnectionsParams::before`]) for the previous page.
    ///
    /// [`ListConnectionsParams::before`]: super::ListConnectionsParams::before
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

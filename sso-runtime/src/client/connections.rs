//! The Connections API: list, fetch and delete the SSO connections of the environment.

use reqwest::Method;
use serde::Deserialize;

use super::http::Call;
use super::open_enum::open_enum;
use super::pagination::{checked_limit, InvalidLimit, ListMetadata, Order};
use super::{WorkosClient, WorkosError};
use crate::client::profile::ConnectionType;

/// An SSO connection between an organization and its identity provider.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Connection {
    /// The connection ID, `conn_…`.
    pub id: String,
    /// The organization it belongs to, `org_…`, if any.
    #[serde(default)]
    pub organization_id: Option<String>,
    /// The kind of identity provider.
    pub connection_type: ConnectionType,
    /// A human-readable name, usually the organization's.
    pub name: String,
    /// Whether the connection can authenticate users.
    pub state: ConnectionState,
    /// Deprecated by WorkOS (`linked` / `unlinked`); use [`state`](Self::state).
    #[serde(default)]
    pub status: Option<String>,
    /// The organization domains attached to the connection.
    #[serde(default)]
    pub domains: Vec<ConnectionDomain>,
    /// Creation time, ISO 8601.
    pub created_at: String,
    /// Last update time, ISO 8601.
    pub updated_at: String,
}

/// A domain attached to a [`Connection`].
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ConnectionDomain {
    /// The domain ID, `org_domain_…`.
    pub id: String,
    /// The domain, e.g. `foo-corp.com`.
    pub domain: String,
}

open_enum! {
    /// Whether a [`Connection`] can authenticate users. New connections are `validating` until their first
    /// successful login, then `active`.
    ///
    /// # Example
    ///
    /// ```
    /// use rocket_workos_sso::client::ConnectionState;
    ///
    /// assert_eq!(ConnectionState::from("active"), ConnectionState::Active);
    /// ```
    pub enum ConnectionState {
        RequiresType = "requires_type",
        Draft = "draft",
        Active = "active",
        Validating = "validating",
        Inactive = "inactive",
        Deleting = "deleting",
    }
}

/// One page of connections.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ConnectionList {
    /// The connections on this page.
    pub data: Vec<Connection>,
    /// The cursors to the neighbouring pages.
    #[serde(default)]
    pub list_metadata: ListMetadata,
}

/// Filters and paging for [`WorkosClient::list_connections`]. Everything is optional.
///
/// # Example
///
/// ```
/// use rocket_workos_sso::client::{ListConnections, Order};
/// use rocket_workos_sso::profile::ConnectionType;
///
/// let params = ListConnections::new()
///     .organization_id("org_01JSSZ5AWSH8VHTPRE95B9EE0Z")
///     .connection_type(ConnectionType::OktaSAML)
///     .limit(50)?
///     .order(Order::Asc);
/// # let _ = params;
/// # Ok::<(), rocket_workos_sso::client::InvalidLimit>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct ListConnections {
    connection_type: Option<ConnectionType>,
    organization_id: Option<String>,
    domain: Option<String>,
    search: Option<String>,
    limit: Option<u32>,
    order: Option<Order>,
    before: Option<String>,
    after: Option<String>,
}

impl ListConnections {
    /// No filters, WorkOS's default page size (10) and order (newest first).
    pub fn new() -> Self {
        Self::default()
    }

    /// Only connections of this type.
    pub fn connection_type(mut self, connection_type: ConnectionType) -> Self {
        self.connection_type = Some(connection_type);
        self
    }

    /// Only connections of this organization.
    pub fn organization_id(mut self, organization_id: impl Into<String>) -> Self {
        self.organization_id = Some(organization_id.into());
        self
    }

    /// Only connections with this domain.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Only connections whose name matches this text.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }

    /// Page size, 1 to 100; anything else is refused here rather than by WorkOS.
    pub fn limit(mut self, limit: u32) -> Result<Self, InvalidLimit> {
        self.limit = Some(checked_limit(limit)?);
        Ok(self)
    }

    /// Sort order.
    pub fn order(mut self, order: Order) -> Self {
        self.order = Some(order);
        self
    }

    /// Items before this cursor (see [`ListMetadata::before`]).
    pub fn before(mut self, cursor: impl Into<String>) -> Self {
        self.before = Some(cursor.into());
        self
    }

    /// Items after this cursor (see [`ListMetadata::after`]).
    pub fn after(mut self, cursor: impl Into<String>) -> Self {
        self.after = Some(cursor.into());
        self
    }

    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let limit = self.limit.map(|limit| limit.to_string());
        let pairs = [
            (
                "connection_type",
                self.connection_type.as_ref().map(filter_spelling),
            ),
            ("organization_id", self.organization_id.as_deref()),
            ("domain", self.domain.as_deref()),
            ("search", self.search.as_deref()),
            ("limit", limit.as_deref()),
            ("order", self.order.map(Order::as_str)),
            ("before", self.before.as_deref()),
            ("after", self.after.as_deref()),
        ];
        pairs
            .into_iter()
            .filter_map(|(name, value)| Some((name, value?.to_owned())))
            .collect()
    }
}

/// The `/connections` filter enum spells GitHub `GithubOAuth`, unlike every other WorkOS enum.
fn filter_spelling(connection_type: &ConnectionType) -> &str {
    match connection_type {
        ConnectionType::GitHubOAuth => "GithubOAuth",
        other => other.as_str(),
    }
}

impl WorkosClient {
    /// Lists one page of connections (`GET /connections`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use rocket_workos_sso::client::{ListConnections, WorkosClient};
    ///
    /// # async fn demo(client: WorkosClient) -> Result<(), rocket_workos_sso::client::WorkosError> {
    /// let page = client.list_connections(&ListConnections::new().domain("foo-corp.com")).await?;
    /// if let Some(after) = page.list_metadata.after {
    ///     let next = client.list_connections(&ListConnections::new().domain("foo-corp.com").after(after)).await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_connections(
        &self,
        params: &ListConnections,
    ) -> Result<ConnectionList, WorkosError> {
        Call::with_api_key(self, Method::GET, "GET /connections", &["connections"])
            .query(&params.query_pairs())
            .receive()
            .await
    }

    /// Lists every connection matching `params`, following `after` cursors from `params`' position to the end.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use rocket_workos_sso::client::{ListConnections, WorkosClient};
    ///
    /// # async fn demo(client: WorkosClient) -> Result<(), Box<dyn std::error::Error>> {
    /// let all = client.list_all_connections(ListConnections::new().limit(100)?).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_all_connections(
        &self,
        params: ListConnections,
    ) -> Result<Vec<Connection>, WorkosError> {
        let mut params = ListConnections {
            before: None,
            ..params
        };
        let mut connections = Vec::new();
        loop {
            let page = self.list_connections(&params).await?;
            connections.extend(page.data);
            // A cursor that does not move would loop forever; treat it as the end.
            match page.list_metadata.after {
                Some(after) if params.after.as_ref() != Some(&after) => params.after = Some(after),
                _ => return Ok(connections),
            }
        }
    }

    /// Fetches one connection (`GET /connections/{id}`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use rocket_workos_sso::client::{ApiErrorKind, WorkosClient};
    ///
    /// # async fn demo(client: WorkosClient) {
    /// match client.get_connection("conn_01JE28JT97KB6CQ643DZVMXXQK").await {
    ///     Ok(connection) => println!("{} is {}", connection.name, connection.state),
    ///     Err(err) if err.api_kind() == Some(ApiErrorKind::NotFound) => println!("gone"),
    ///     Err(err) => eprintln!("{err}"),
    /// }
    /// # }
    /// ```
    pub async fn get_connection(&self, id: &str) -> Result<Connection, WorkosError> {
        Call::with_api_key(
            self,
            Method::GET,
            "GET /connections/{id}",
            &["connections", id],
        )
        .receive()
        .await
    }

    /// Permanently deletes a connection (`DELETE /connections/{id}`). Never retried: a retry after a lost
    /// response would report 404 for a deletion that succeeded.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn demo(client: rocket_workos_sso::client::WorkosClient) -> Result<(), rocket_workos_sso::client::WorkosError> {
    /// client.delete_connection("conn_01JE28JT97KB6CQ643DZVMXXQK").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_connection(&self, id: &str) -> Result<(), WorkosError> {
        Call::with_api_key(
            self,
            Method::DELETE,
            "DELETE /connections/{id}",
            &["connections", id],
        )
        .receive_nothing()
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"{
      "object": "list",
      "data": [
        {
          "object": "connection",
          "id": "conn_01JE28JT97KB6CQ643DZVMXXQK",
          "organization_id": "org_01JSSZ5AWSH8VHTPRE95B9EE0Z",
          "connection_type": "OktaSAML",
          "name": "Foo Corp",
          "state": "active",
          "status": "linked",
          "domains": [
            { "id": "org_domain_01JA7N36096Q14DR9GPQY77ZXY", "object": "connection_domain", "domain": "foo-corp.com" }
          ],
          "created_at": "2026-05-11T09:14:27.381Z",
          "updated_at": "2026-07-02T16:40:05.912Z"
        },
        {
          "object": "connection",
          "id": "conn_01JX45HY43KWJRP1XPA7Z3DJ8F",
          "organization_id": "org_01JBGJ09TQM83XSSSS6YS3C4DW",
          "connection_type": "EntraIdOIDC",
          "name": "Globex",
          "state": "validating",
          "status": "unlinked",
          "domains": [
            { "id": "org_domain_01JYK596NGYA1DQ91K5GQAPENE", "object": "connection_domain", "domain": "globex.io" }
          ],
          "created_at": "2026-04-28T13:02:55.004Z",
          "updated_at": "2026-04-28T13:02:55.004Z"
        }
      ],
      "list_metadata": { "before": null, "after": "conn_01JX45HY43KWJRP1XPA7Z3DJ8F" }
    }"#;

    fn query(params: &ListConnections) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.query_pairs())
            .finish()
    }

    #[test]
    fn contract_list_example_decodes() {
        let list: ConnectionList = serde_json::from_str(LIST).unwrap();
        assert_eq!(list.data.len(), 2);
        assert_eq!(list.data[0].state, ConnectionState::Active);
        assert_eq!(list.data[0].domains[0].domain, "foo-corp.com");
        assert_eq!(list.data[1].connection_type, ConnectionType::EntraIdOIDC);
        assert_eq!(
            list.list_metadata.after.as_deref(),
            Some("conn_01JX45HY43KWJRP1XPA7Z3DJ8F")
        );
        assert_eq!(list.list_metadata.before, None);
    }

    #[test]
    fn list_without_object_and_with_empty_metadata_decodes() {
        let list: ConnectionList =
            serde_json::from_str(r#"{"data": [], "list_metadata": {}}"#).unwrap();
        assert_eq!(list.list_metadata, ListMetadata::default());
    }

    #[test]
    fn connection_without_optional_fields_and_unknown_state_decodes() {
        let json = r#"{"id":"conn_1","connection_type":"FutureSAML","name":"X","state":"paused",
                       "created_at":"2026-01-15T12:00:00.000Z","updated_at":"2026-01-15T12:00:00.000Z"}"#;
        let connection: Connection = serde_json::from_str(json).unwrap();
        assert_eq!(
            connection.state,
            ConnectionState::Unknown("paused".to_owned())
        );
        assert_eq!(connection.connection_type.as_str(), "FutureSAML");
        assert!(connection.organization_id.is_none() && connection.domains.is_empty());
    }

    #[test]
    fn empty_params_send_no_query() {
        assert_eq!(query(&ListConnections::new()), "");
    }

    #[test]
    fn every_filter_is_sent_with_its_wire_name() {
        let params = ListConnections::new()
            .connection_type(ConnectionType::OktaSAML)
            .organization_id("org_1")
            .domain("foo-corp.com")
            .search("Foo Corp")
            .limit(20)
            .unwrap()
            .order(Order::Asc)
            .before("conn_0")
            .after("conn_9");
        assert_eq!(
            query(&params),
            "connection_type=OktaSAML&organization_id=org_1&domain=foo-corp.com&search=Foo+Corp\
             &limit=20&order=asc&before=conn_0&after=conn_9"
        );
    }

    #[test]
    fn github_filter_uses_the_filter_enum_spelling() {
        let params = ListConnections::new().connection_type(ConnectionType::GitHubOAuth);
        assert_eq!(query(&params), "connection_type=GithubOAuth");
    }

    #[test]
    fn a_limit_outside_the_api_range_is_refused() {
        for limit in [0, 101, 250] {
            assert_eq!(
                ListConnections::new().limit(limit),
                Err(InvalidLimit(limit))
            );
        }
        for limit in [1, 100] {
            let params = ListConnections::new().limit(limit).unwrap();
            assert_eq!(query(&params), format!("limit={limit}"));
        }
    }
}

//! WorkOS's Events API (`GET /events`): what happened in the environment, oldest first, kept 30 days. The
//! library reads the Directory Sync events that end someone's access; an application can read any.

use reqwest::Method;
use serde::Deserialize;

use super::http::Call;
use super::pagination::{checked_limit, InvalidLimit, ListMetadata};
use super::{WorkosClient, WorkosError};

/// One event: `{"object": "event", "id", "event", "data", "created_at"}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// The event's id (`event_…`), sortable in the order WorkOS created the events: the cursor to read
    /// on from.
    pub id: String,
    /// What happened: `dsync.user.deleted`, `connection.deactivated`, …
    pub event: String,
    /// The object it happened to (a directory user, a connection, an organization, …), as JSON.
    #[serde(default)]
    pub data: serde_json::Value,
    /// When, ISO 8601.
    #[serde(default)]
    pub created_at: String,
}

/// A page of events, oldest first.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct EventList {
    /// The events on this page.
    pub data: Vec<Event>,
    /// `after`: where the next page starts, `None` when there is none yet.
    #[serde(default)]
    pub list_metadata: ListMetadata,
}

/// The filters and paging of [`WorkosClient::list_events`] (`GET /events`).
///
/// ```
/// use rocket_workos_sso::client::ListEvents;
///
/// let request = ListEvents::new()
///     .event("dsync.user.deleted")
///     .after("event_01JHQKFBF5KZNWJ47TAN9ZT24M")
///     .limit(100)
///     .unwrap();
/// # let _ = request;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListEvents {
    events: Vec<String>,
    after: Option<String>,
    range_start: Option<String>,
    organization_id: Option<String>,
    limit: Option<u32>,
}

impl ListEvents {
    /// Every event, WorkOS's default page size (10).
    pub fn new() -> Self {
        Self::default()
    }

    /// Only events named `event` (several calls: any of them).
    pub fn event(mut self, event: impl Into<String>) -> Self {
        self.events.push(event.into());
        self
    }

    /// The events after the one with this id (the last one a reader handled), oldest first.
    pub fn after(mut self, event_id: impl Into<String>) -> Self {
        self.after = Some(event_id.into());
        self
    }

    /// The events created at or after this ISO 8601 time (a first read, without a cursor yet).
    pub fn range_start(mut self, at: impl Into<String>) -> Self {
        self.range_start = Some(at.into());
        self
    }

    /// Only the events of one organization.
    pub fn organization_id(mut self, organization_id: impl Into<String>) -> Self {
        self.organization_id = Some(organization_id.into());
        self
    }

    /// At most `limit` events on a page: 1 to 100, else [`InvalidLimit`].
    pub fn limit(mut self, limit: u32) -> Result<Self, InvalidLimit> {
        self.limit = Some(checked_limit(limit)?);
        Ok(self)
    }

    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = self
            .events
            .iter()
            .map(|event| ("events", event.clone()))
            .collect();
        let optional = [
            ("after", &self.after),
            ("range_start", &self.range_start),
            ("organization_id", &self.organization_id),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                pairs.push((name, value.clone()));
            }
        }
        if let Some(limit) = self.limit {
            pairs.push(("limit", limit.to_string()));
        }
        pairs
    }
}

impl WorkosClient {
    /// Lists events (`GET /events`), oldest first: pass the id of the last event handled as
    /// [`ListEvents::after`] to read on from there.
    ///
    /// ```no_run
    /// use rocket_workos_sso::client::{ListEvents, WorkosClient};
    ///
    /// # async fn demo(client: WorkosClient) -> Result<(), rocket_workos_sso::client::WorkosError> {
    /// let page = client.list_events(&ListEvents::new().event("dsync.user.deleted")).await?;
    /// for event in &page.data {
    ///     println!("{} {}", event.id, event.event);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_events(&self, request: &ListEvents) -> Result<EventList, WorkosError> {
        Call::with_api_key(self, Method::GET, "GET /events", &["events"])
            .query(&request.query_pairs())
            .receive()
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_names_each_event_and_the_cursor() {
        let request = ListEvents::new()
            .event("dsync.user.deleted")
            .event("dsync.user.updated")
            .after("event_01")
            .organization_id("org_01")
            .limit(100)
            .unwrap();
        assert_eq!(
            request.query_pairs(),
            vec![
                ("events", "dsync.user.deleted".to_owned()),
                ("events", "dsync.user.updated".to_owned()),
                ("after", "event_01".to_owned()),
                ("organization_id", "org_01".to_owned()),
                ("limit", "100".to_owned()),
            ]
        );
        assert_eq!(ListEvents::new().limit(101), Err(InvalidLimit(101)));
    }

    #[test]
    fn an_event_page_parses_as_workos_sends_it() {
        let page: EventList = serde_json::from_str(
            r#"{"object":"list","data":[{"object":"event","id":"event_01","event":"dsync.user.deleted",
                "data":{"object":"directory_user","idp_id":"123"},"created_at":"2026-12-04T10:00:00.000Z"}],
                "list_metadata":{"after":"event_01"}}"#,
        )
        .unwrap();
        assert_eq!(page.data[0].event, "dsync.user.deleted");
        assert_eq!(page.data[0].data["idp_id"], "123");
        assert_eq!(page.list_metadata.after.as_deref(), Some("event_01"));
    }
}

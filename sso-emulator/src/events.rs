//! The event log: what `GET /events` lists and webhooks deliver. Every event gets an `event_` + ULID
//! identifier strictly greater than the one before it, so ordering by ID is ordering by creation, and an
//! event ID is a cursor that keeps its place.

use std::time::SystemTime;

use serde_json::{json, Value};

use super::ids;
use super::wire;

/// One event, as WorkOS's `event` object shows it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), rocket_workos_sso_emulator::EmulatorError> {
/// use rocket_workos_sso_emulator::Emulator;
///
/// let emulator = Emulator::start_default().await?;
/// let id = emulator.deprovision_user("bob@example.com")?;
/// let event = &emulator.events()[0];
/// assert_eq!((event.id.as_str(), event.event.as_str()), (id.as_str(), "dsync.user.updated"));
/// assert_eq!(event.to_json()["data"]["state"], "inactive");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// `event_…` identifier, greater than every earlier event's.
    pub id: String,
    /// The event's name, e.g. `dsync.user.deleted`.
    pub event: String,
    /// The object the event is about (a directory user, a connection…).
    pub data: Value,
    /// When it happened on the emulator's clock, ISO 8601 with milliseconds; the ID's time.
    pub created_at: String,
}

impl Event {
    /// The wire object: `{"object": "event", "id", "event", "data", "created_at"}`.
    pub fn to_json(&self) -> Value {
        json!({
            "object": "event",
            "id": self.id,
            "event": self.event,
            "data": self.data,
            "created_at": self.created_at,
        })
    }

    /// The organization the event belongs to, for the `organization_id` filter: the data's
    /// `organization_id`, or the organization itself for `organization.*` events.
    pub(crate) fn organization_id(&self) -> Option<&str> {
        let key = if self.event.starts_with("organization.") {
            "id"
        } else {
            "organization_id"
        };
        self.data.get(key).and_then(Value::as_str)
    }

    /// The creation time, in milliseconds since the Unix epoch, taken from the ID.
    pub(crate) fn created_millis(&self) -> u64 {
        ids::timestamp_millis(&self.id).unwrap_or(0)
    }
}

/// The events emitted so far, and those whose webhooks have not been sent yet.
#[derive(Debug, Default)]
pub(crate) struct EventLog {
    /// Every event, oldest first.
    pub(crate) events: Vec<Event>,
    /// Events not yet handed to the webhook courier.
    pub(crate) outbox: Vec<Event>,
}

/// Hands out event IDs that only go up, even when the clock goes back (a reset clears the test clock's
/// offset) or two events share a millisecond. It outlives resets, so a cursor kept by a client never
/// points past events emitted later.
#[derive(Debug, Default)]
pub(crate) struct EventIds {
    last: Option<String>,
}

impl EventIds {
    /// A fresh `event_…` ID for `now`, greater than every ID handed out before.
    pub(crate) fn next(&mut self, now: SystemTime) -> String {
        let mut id = ids::prefixed("event", now);
        if let Some(last) = self.last.as_deref().filter(|last| id.as_str() <= *last) {
            id = ids::successor(last);
        }
        self.last = Some(id.clone());
        id
    }
}

impl EventLog {
    /// Records an event named `name` about `data`, for `GET /events` and the webhooks, and returns it.
    pub(crate) fn emit(&mut self, id: String, name: &str, data: Value) -> Event {
        let event = Event {
            created_at: wire::timestamp(&id),
            id,
            event: name.to_owned(),
            data,
        };
        self.events.push(event.clone());
        self.outbox.push(event.clone());
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn ids_only_go_up_within_a_millisecond_and_when_the_clock_goes_back() {
        let mut ids = EventIds::default();
        let now = SystemTime::now();
        let mut seen = vec![ids.next(now)];
        for _ in 0..50 {
            seen.push(ids.next(now));
        }
        seen.push(ids.next(now - Duration::from_secs(3600)));
        seen.push(ids.next(now + Duration::from_secs(1)));
        assert!(seen.windows(2).all(|pair| pair[0] < pair[1]), "{seen:?}");
        assert!(seen
            .iter()
            .all(|id| id.len() == "event_".len() + 26 && id.starts_with("event_01")));
    }

    #[test]
    fn an_event_knows_its_organization() {
        let mut log = EventLog::default();
        let mut ids = EventIds::default();
        let user = log.emit(
            ids.next(SystemTime::now()),
            "dsync.user.deleted",
            json!({ "organization_id": "org_1" }),
        );
        let org = log.emit(
            ids.next(SystemTime::now()),
            "organization.deleted",
            json!({ "id": "org_2" }),
        );
        assert_eq!(
            (user.organization_id(), org.organization_id()),
            (Some("org_1"), Some("org_2"))
        );
        assert_eq!(log.outbox.len(), 2);
    }
}

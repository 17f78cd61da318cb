//! Access that follows the customer's directory: WorkOS's Directory Sync events end the sessions of the
//! people, connections, directories and organizations they name, on every instance, through the
//! server-side store's revocation marks.
//!
//! Two ways in, which may both be on (each event is handled once: the store keeps a record of every event
//! it handled):
//! - `poll.rs`: a background task reads `GET /events` every `workos.events_poll_interval_ms`, from a
//!   cursor kept in Redis and shared by every instance;
//! - `webhook.rs`: the route WorkOS delivers events to, mounted when `workos.webhook_secret` is set; the
//!   signature is checked before the body is read as JSON.
//!
//! Which sessions an event ends is [`marks_of`], a plain function.

pub(crate) mod poll;
pub(crate) mod webhook;

use std::sync::Arc;

use serde_json::Value;

use crate::audit::{self, AuditEvent, Hook, Outcome};
use crate::client::Event;
use crate::sso::Sso;
use crate::store::{Mark, Marked, RedisStore, Unavailable};

/// What handling events needs, owned, for the poller's task and the webhook route alike.
#[derive(Clone)]
pub(crate) struct Directory {
    store: Arc<RedisStore>,
    audit: Option<Hook>,
}

impl Directory {
    /// The application's, when sessions live in a store (events cannot end cookie sessions).
    pub(crate) fn of(sso: &Sso) -> Option<Directory> {
        Some(Directory {
            store: Arc::clone(sso.sessions.store()?),
            audit: sso.audit.clone(),
        })
    }
}

/// The events that end someone's access, as the poller asks `GET /events` for them.
pub(crate) const EVENTS: [&str; 6] = [
    "dsync.user.deleted",
    "dsync.user.updated",
    "dsync.deleted",
    "connection.deactivated",
    "connection.deleted",
    "organization.deleted",
];

/// The sessions `event` ends, as revocation marks; none for an event that ends no access (an update
/// that leaves the person active, an event of another kind, or one missing what it would need).
///
/// A directory user is matched by its organization and the identity provider's id of the person (what an
/// SSO profile of the same person carries as `idp_id`), and by its email within the organization as the
/// fallback, for identity providers that send different ids to SSO and to the directory.
pub(crate) fn marks_of(event: &Event) -> Vec<Mark<'_>> {
    let data = &event.data;
    let text = |key: &str| {
        data.get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    match event.event.as_str() {
        "dsync.user.deleted" => person(data),
        "dsync.user.updated" if text("state").is_some_and(|state| state != "active") => {
            person(data)
        }
        "dsync.deleted" => text("organization_id")
            .map(Mark::Organization)
            .into_iter()
            .collect(),
        "connection.deactivated" | "connection.deleted" => {
            text("id").map(Mark::Connection).into_iter().collect()
        }
        "organization.deleted" => text("id").map(Mark::Organization).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The marks of a directory user: by `idp_id`, and by email (the primary one of older payloads'
/// `emails` when `email` is absent), within its organization.
fn person(user: &Value) -> Vec<Mark<'_>> {
    let text = |key: &str| {
        user.get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let Some(organization) = text("organization_id") else {
        return Vec::new();
    };
    let email = text("email").or_else(|| {
        let emails = user.get("emails")?.as_array()?;
        let primary = emails
            .iter()
            .find(|email| email.get("primary").and_then(Value::as_bool) == Some(true))
            .or_else(|| emails.first())?;
        primary.get("value")?.as_str().filter(|v| !v.is_empty())
    });
    let mut marks = Vec::new();
    if let Some(idp_id) = text("idp_id") {
        marks.push(Mark::Person {
            organization,
            idp_id,
        });
    }
    if let Some(email) = email {
        marks.push(Mark::Email {
            organization,
            email,
        });
    }
    marks
}

/// What handling an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handled {
    /// Its sessions end from now on.
    Ended,
    /// It ends no access.
    Ignored,
    /// It was handled before (a retried delivery, or polled and delivered).
    Before,
}

/// Handles `event` once: ends the sessions it names (on every instance) and records it in the audit
/// trail. `Err` when the store could not take it: the event must come again (the webhook answers 503,
/// the poller keeps its cursor).
pub(crate) async fn handle(directory: &Directory, event: &Event) -> Result<Handled, Unavailable> {
    let marks = marks_of(event);
    if marks.is_empty() {
        return Ok(Handled::Ignored);
    }
    match directory.store.mark(&marks, Some(&event.id)).await? {
        Marked::Before => Ok(Handled::Before),
        Marked::Now => {
            let organization = marks.iter().find_map(|mark| match mark {
                Mark::Organization(id)
                | Mark::Person {
                    organization: id, ..
                }
                | Mark::Email {
                    organization: id, ..
                } => Some(*id),
                Mark::Connection(_) => None,
            });
            let mut audited = AuditEvent::new(Outcome::Deprovisioned)
                .reason(event.event.clone())
                .organization(
                    organization
                        .or_else(|| event.data.get("organization_id").and_then(Value::as_str)),
                );
            audited.workos_event_id = Some(event.id.clone());
            match marks.first() {
                Some(Mark::Connection(id)) => audited.connection_id = Some((*id).to_owned()),
                Some(Mark::Person { .. } | Mark::Email { .. }) => {
                    audited.directory_user_id = event
                        .data
                        .get("id")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                }
                _ => {}
            }
            audit::record(directory.audit.as_ref(), &audited);
            Ok(Handled::Ended)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(name: &str, data: Value) -> Event {
        serde_json::from_value(
            json!({"object": "event", "id": "event_01", "event": name, "data": data}),
        )
        .unwrap()
    }

    fn user(state: &str) -> Value {
        json!({"object": "directory_user", "organization_id": "org_1", "idp_id": "00u1", "email": "Ann@Example.com",
               "state": state})
    }

    #[test]
    fn a_deleted_or_deactivated_person_is_matched_by_idp_id_and_email() {
        let both = vec![
            Mark::Person {
                organization: "org_1",
                idp_id: "00u1",
            },
            Mark::Email {
                organization: "org_1",
                email: "Ann@Example.com",
            },
        ];
        assert_eq!(marks_of(&event("dsync.user.deleted", user("active"))), both);
        for state in ["inactive", "suspended", "deleted"] {
            assert_eq!(marks_of(&event("dsync.user.updated", user(state))), both);
        }
        // An update that leaves the person active ends nothing.
        assert!(marks_of(&event("dsync.user.updated", user("active"))).is_empty());
        assert!(marks_of(&event(
            "dsync.user.updated",
            json!({"organization_id": "org_1"})
        ))
        .is_empty());
    }

    #[test]
    fn older_payloads_give_the_email_in_a_list_and_nothing_is_marked_without_an_organization() {
        let older = json!({"organization_id": "org_1", "idp_id": "",
                           "emails": [{"primary": false, "value": "b@x.test"}, {"primary": true, "value": "a@x.test"}]});
        assert_eq!(
            marks_of(&event("dsync.user.deleted", older)),
            vec![Mark::Email {
                organization: "org_1",
                email: "a@x.test"
            }]
        );
        assert!(marks_of(&event(
            "dsync.user.deleted",
            json!({"idp_id": "1", "email": "a@x.test"})
        ))
        .is_empty());
    }

    #[test]
    fn directories_connections_and_organizations_end_theirs() {
        assert_eq!(
            marks_of(&event(
                "dsync.deleted",
                json!({"id": "directory_1", "organization_id": "org_1"})
            )),
            vec![Mark::Organization("org_1")]
        );
        for name in ["connection.deactivated", "connection.deleted"] {
            assert_eq!(
                marks_of(&event(
                    name,
                    json!({"id": "conn_1", "organization_id": "org_1"})
                )),
                vec![Mark::Connection("conn_1")]
            );
        }
        assert_eq!(
            marks_of(&event("organization.deleted", json!({"id": "org_1"}))),
            vec![Mark::Organization("org_1")]
        );
        assert!(marks_of(&event("connection.activated", json!({"id": "conn_1"}))).is_empty());
        assert!(marks_of(&event("dsync.user.created", user("active"))).is_empty());
    }
}

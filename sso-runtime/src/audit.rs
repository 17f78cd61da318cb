//! The audit trail: every sign-in outcome as one structured [`tracing`] event, and to the application's
//! hook ([`WorkosSso::on_audit`](crate::WorkosSso::on_audit)) for its own audit table.
//!
//! Each event is logged at `INFO` with the target `workos_sso::audit` and these fields (absent when they
//! do not apply): `outcome`, `reason`, `organization_id`, `connection_id`, `connection_type`,
//! `profile_id`, `ip`, `workos_event_id`, `directory_user_id`, `sessions_ended`. Never a code, a state, a cookie, a key or a
//! token: only identifiers WorkOS shows on its dashboard, and the client's address as Rocket sees it
//! (`Request::client_ip`, which honours `ip_header` behind a proxy).
//!
//! Without a `tracing` subscriber the events still reach Rocket's log (through `tracing`'s `log`
//! records), so an application that only reads Rocket's output sees them too.

use std::net::IpAddr;
use std::sync::Arc;

use crate::client::profile::Profile;

/// The `tracing` target of every audit event.
pub const TARGET: &str = "workos_sso::audit";

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// A login started: the browser was sent to WorkOS.
    Started,
    /// A sign-in finished and a session started.
    SignedIn,
    /// A person was refused: by organization or tenant, role, group, or the application's approval
    /// hook. `reason` says which.
    Refused,
    /// A sign-in failed: WorkOS said no, the login state was unknown, expired or replayed, the store was
    /// down. `reason` says which.
    Failed,
    /// A session ended by the logout route.
    SignedOut,
    /// The application revoked sessions ([`Revocation`](crate::Revocation)).
    Revoked,
    /// The customer's directory deprovisioned someone, or removed a connection, directory or
    /// organization: their sessions end. `reason` is WorkOS's event name.
    Deprovisioned,
}

impl Outcome {
    /// The outcome as the `outcome` field spells it: `started`, `signed_in`, `refused`, `failed`,
    /// `signed_out`, `revoked`, `deprovisioned`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Started => "started",
            Outcome::SignedIn => "signed_in",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
            Outcome::SignedOut => "signed_out",
            Outcome::Revoked => "revoked",
            Outcome::Deprovisioned => "deprovisioned",
        }
    }
}

/// One audit event: what the `tracing` event carries, for the application's hook. It serializes with
/// the same field names (absent fields as `null`), for an audit table or a log line of JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct AuditEvent {
    /// What happened.
    pub outcome: Outcome,
    /// Why, for refusals and failures (a stable code such as `wrong_organization`, `state_replayed`,
    /// `session_store_unavailable`, or the refusal's own words); WorkOS's event name for
    /// [`Outcome::Deprovisioned`].
    pub reason: Option<String>,
    /// The organization (`org_…`).
    pub organization_id: Option<String>,
    /// The connection (`conn_…`).
    pub connection_id: Option<String>,
    /// The connection's type (`OktaSAML`, `GoogleOAuth`, …).
    pub connection_type: Option<String>,
    /// The profile (`prof_…`).
    pub profile_id: Option<String>,
    /// The client's address, as Rocket sees it.
    pub ip: Option<IpAddr>,
    /// The WorkOS event (`event_…`) a deprovisioning came from.
    pub workos_event_id: Option<String>,
    /// The directory user (`directory_user_…`) a deprovisioning of one person named.
    pub directory_user_id: Option<String>,
    /// How many sessions a revocation ended, when it knows.
    pub sessions_ended: Option<usize>,
}

impl AuditEvent {
    /// An event of `outcome` with nothing else known yet.
    pub fn new(outcome: Outcome) -> Self {
        AuditEvent {
            outcome,
            reason: None,
            organization_id: None,
            connection_id: None,
            connection_type: None,
            profile_id: None,
            ip: None,
            workos_event_id: None,
            directory_user_id: None,
            sessions_ended: None,
        }
    }

    /// With `reason`.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// With the identifiers of `profile`.
    pub fn profile(mut self, profile: &Profile) -> Self {
        self.organization_id.clone_from(&profile.organization_id);
        self.connection_id = Some(profile.connection_id.clone());
        self.connection_type = Some(profile.connection_type.as_str().to_owned());
        self.profile_id = Some(profile.id.clone());
        self
    }

    /// With the client's address.
    pub fn ip(mut self, ip: Option<IpAddr>) -> Self {
        self.ip = ip;
        self
    }

    /// With the organization.
    pub fn organization(mut self, organization_id: Option<&str>) -> Self {
        self.organization_id = organization_id.map(str::to_owned);
        self
    }
}

/// The application's audit hook.
pub(crate) type Hook = Arc<dyn Fn(&AuditEvent) + Send + Sync>;

/// What a request learned on its way that its audit event needs: the profile WorkOS returned, and a
/// reason more precise than the answer's code (kept in Rocket's request-local cache).
#[derive(Default)]
pub(crate) struct Note(std::sync::Mutex<(Option<AuditEvent>, Option<&'static str>)>);

impl Note {
    /// The request's note.
    pub(crate) fn of<'r>(request: &'r rocket::Request<'_>) -> &'r Note {
        request.local_cache(Note::default)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Option<AuditEvent>, Option<&'static str>)> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The profile WorkOS signed the request in as, before the library's and the application's checks.
    pub(crate) fn profile(&self, profile: &Profile) {
        self.lock().0 = Some(AuditEvent::new(Outcome::SignedIn).profile(profile));
    }

    /// A precise reason (`state_replayed`).
    pub(crate) fn reason(&self, reason: &'static str) {
        self.lock().1 = Some(reason);
    }

    /// The event of `outcome` with what was noted, and the request's address.
    pub(crate) fn event(
        &self,
        outcome: Outcome,
        ip: Option<IpAddr>,
    ) -> (AuditEvent, Option<&'static str>) {
        let (noted, reason) = self.lock().clone();
        let mut event = noted.unwrap_or_else(|| AuditEvent::new(outcome)).ip(ip);
        event.outcome = outcome;
        (event, reason)
    }
}

/// Records `event`: the `tracing` event, then the application's hook (a hook that panics is logged and
/// changes nothing else).
pub(crate) fn record(hook: Option<&Hook>, event: &AuditEvent) {
    tracing::info!(
        target: TARGET,
        outcome = event.outcome.as_str(),
        reason = event.reason.as_deref(),
        organization_id = event.organization_id.as_deref(),
        connection_id = event.connection_id.as_deref(),
        connection_type = event.connection_type.as_deref(),
        profile_id = event.profile_id.as_deref(),
        ip = event.ip.map(tracing::field::display),
        workos_event_id = event.workos_event_id.as_deref(),
        directory_user_id = event.directory_user_id.as_deref(),
        sessions_ended = event.sessions_ended,
        "WorkOS SSO audit: {}",
        event.outcome.as_str()
    );
    if let Some(hook) = hook {
        let called = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(event)));
        if called.is_err() {
            rocket::log::private::error!("WorkOS SSO: the application's audit hook panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_serializes_with_the_tracing_field_names() {
        let mut event = AuditEvent::new(Outcome::SignedIn)
            .organization(Some("org_1"))
            .ip(Some("203.0.113.7".parse().unwrap()));
        event.sessions_ended = Some(2);
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            serde_json::json!({"outcome": "signed_in", "reason": null, "organization_id": "org_1",
                "connection_id": null, "connection_type": null, "profile_id": null, "ip": "203.0.113.7",
                "workos_event_id": null, "directory_user_id": null, "sessions_ended": 2})
        );
        for outcome in [
            Outcome::Started,
            Outcome::SignedIn,
            Outcome::Refused,
            Outcome::Failed,
            Outcome::SignedOut,
            Outcome::Revoked,
            Outcome::Deprovisioned,
        ] {
            assert_eq!(serde_json::to_value(outcome).unwrap(), outcome.as_str());
        }
    }
}

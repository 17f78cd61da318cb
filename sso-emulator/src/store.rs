//! The emulator's state: its configuration and directory, plus everything that comes and goes with
//! requests (pending logins, codes, tokens, counters, faults, the test clock).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use subtle::ConstantTimeEq as _;
use url::Url;

use super::events::{EventIds, EventLog};
use super::faults::{Fault, FaultQueue};
use super::seed::Seed;
use super::webhooks::{Webhook, WebhookDelivery};
use super::AutoLogin;

/// What the emulator was configured with; `reset` returns to a copy of it. `Debug` redacts the API key.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) client_id: String,
    pub(crate) api_key: String,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) seed: Seed,
    pub(crate) auto_login: AutoLogin,
    pub(crate) code_ttl: Duration,
    /// Where `GET /sso/logout` sends the browser; a signed-out page without one.
    pub(crate) logout_redirect: Option<Url>,
    /// Where every event is POSTed.
    pub(crate) webhooks: Vec<Webhook>,
}

/// What `Debug` shows instead of the API key.
pub(crate) const REDACTED: &str = "<redacted>";

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("client_id", &self.client_id)
            .field("api_key", &REDACTED)
            .field("redirect_uris", &self.redirect_uris)
            .field("seed", &self.seed)
            .field("auto_login", &self.auto_login)
            .field("code_ttl", &self.code_ttl)
            .field("logout_redirect", &self.logout_redirect)
            .field("webhooks", &self.webhooks)
            .finish()
    }
}

impl Settings {
    /// Whether `candidate` is the API key, compared in constant time.
    pub(crate) fn is_api_key(&self, candidate: &str) -> bool {
        self.api_key.as_bytes().ct_eq(candidate.as_bytes()).into()
    }
}

/// Where the browser goes back to: an allow-listed redirect URI and the `state` to return unchanged.
#[derive(Clone, Debug)]
pub(crate) struct Callback {
    pub(crate) redirect_uri: Url,
    pub(crate) state: Option<String>,
}

impl Callback {
    /// The redirect URI with `pairs`, then `state` if one was sent, appended to its query.
    pub(crate) fn location(&self, pairs: &[(&str, &str)]) -> Url {
        let mut url = self.redirect_uri.clone();
        {
            let mut query = url.query_pairs_mut();
            query.extend_pairs(pairs);
            if let Some(state) = &self.state {
                query.append_pair("state", state);
            }
        }
        url
    }
}

/// A validated authorization request waiting for (or granted to) a user.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub(crate) client_id: String,
    pub(crate) callback: Callback,
    pub(crate) connection_id: String,
    pub(crate) code_challenge: Option<String>,
    pub(crate) provider_scopes: Vec<String>,
    pub(crate) login_hint: Option<String>,
}

/// An authorization code: the grant and who signed in.
#[derive(Clone, Debug)]
pub(crate) struct IssuedCode {
    pub(crate) grant: Grant,
    pub(crate) user_id: String,
}

/// An Admin Portal session opened by a generated link.
#[derive(Clone, Debug)]
pub(crate) struct PortalLink {
    pub(crate) organization_id: String,
    pub(crate) success_url: Option<String>,
}

/// The longest time-to-live and clock offset honoured. Larger durations would overflow `Instant`
/// arithmetic (a panic); a century is "forever" for a test.
const LONGEST_SPAN: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// Values that stop existing at a deadline of the test clock.
#[derive(Debug)]
pub(crate) struct Expiring<T>(HashMap<String, (T, Instant)>);

impl<T> Default for Expiring<T> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

impl<T> Expiring<T> {
    /// Stores `value` for `ttl` from `now` (capped at [`LONGEST_SPAN`]), forgetting anything already
    /// expired so the map cannot grow forever.
    pub(crate) fn insert(&mut self, key: String, value: T, now: Instant, ttl: Duration) {
        self.0.retain(|_, (_, deadline)| *deadline > now);
        self.0.insert(key, (value, now + ttl.min(LONGEST_SPAN)));
    }

    /// The value under `key` if it has not expired.
    pub(crate) fn get(&self, key: &str, now: Instant) -> Option<&T> {
        self.0
            .get(key)
            .filter(|(_, deadline)| *deadline > now)
            .map(|(value, _)| value)
    }

    /// Removes the value under `key`, returning it if it had not expired: single use.
    pub(crate) fn take(&mut self, key: &str, now: Instant) -> Option<T> {
        self.0
            .remove(key)
            .filter(|(_, deadline)| *deadline > now)
            .map(|(value, _)| value)
    }
}

/// Everything that `reset` clears.
#[derive(Debug, Default)]
pub(crate) struct Session {
    /// How far the test clock runs ahead of the real one.
    pub(crate) clock_offset: Duration,
    /// Logins showing the Test Identity Provider page, by page session ID.
    pub(crate) pending: Expiring<Grant>,
    /// Authorization codes not yet exchanged.
    pub(crate) codes: Expiring<IssuedCode>,
    /// Access tokens and the profile each one returns.
    pub(crate) tokens: Expiring<Value>,
    /// Open Admin Portal links, by secret.
    pub(crate) portal_links: Expiring<PortalLink>,
    /// Single Logout tokens not yet used, and the profile each one signs out.
    pub(crate) logout_tokens: Expiring<String>,
    /// The profiles signed out at the identity provider through `GET /sso/logout`, in order.
    pub(crate) logouts: Vec<String>,
    pub(crate) faults: FaultQueue,
    /// Requests seen, by method and path.
    pub(crate) requests: BTreeMap<(String, String), u64>,
    pub(crate) connections_accepted: u64,
    /// Events emitted, and those whose webhooks are still to be sent.
    pub(crate) log: EventLog,
    /// Finished webhook deliveries, in the order they finished.
    pub(crate) deliveries: Vec<WebhookDelivery>,
}

/// The whole state behind the emulator's mutex.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) settings: Settings,
    pub(crate) session: Session,
    /// Outlives resets: event IDs keep increasing.
    pub(crate) event_ids: EventIds,
    /// How many resets there were: a webhook delivery that ends after one is not recorded in the new session.
    pub(crate) generation: u64,
    initial: Settings,
}

impl State {
    /// A fresh state for `settings`.
    pub(crate) fn new(settings: Settings) -> Self {
        Self {
            initial: settings.clone(),
            settings,
            session: Session::default(),
            event_ids: EventIds::default(),
            generation: 0,
        }
    }

    /// Back to how `start` left it: initial configuration and directory, nothing issued, counters at zero.
    pub(crate) fn reset(&mut self) {
        self.settings = self.initial.clone();
        self.session = Session::default();
        self.generation += 1;
    }

    /// The test clock's monotonic "now", for deadlines.
    pub(crate) fn now(&self) -> Instant {
        Instant::now() + self.session.clock_offset
    }

    /// The test clock's wall-clock "now", for timestamps on the wire.
    pub(crate) fn wall_clock(&self) -> SystemTime {
        SystemTime::now() + self.session.clock_offset
    }

    /// Moves the test clock forward by `by`, in total at most [`LONGEST_SPAN`].
    pub(crate) fn advance_clock(&mut self, by: Duration) {
        self.session.clock_offset = self
            .session
            .clock_offset
            .saturating_add(by)
            .min(LONGEST_SPAN);
    }

    /// Counts a request and returns the fault it should suffer, if one is queued for its path.
    pub(crate) fn admit(&mut self, method: &str, path: &str) -> Option<Fault> {
        *self
            .session
            .requests
            .entry((method.to_owned(), path.to_owned()))
            .or_default() += 1;
        self.session.faults.take(path)
    }
}

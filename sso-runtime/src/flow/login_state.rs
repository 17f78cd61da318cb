//! The state of one login in progress: the OAuth `state`, the PKCE verifier, where to go afterwards and
//! which identity provider was asked, sealed in a private cookie that only the callback route receives.
//!
//! Each login gets its own cookie, named after a hash of its `state`, so two logins started in two tabs
//! both complete, and a `state` from one flow can never unlock another flow's cookie (the cookie name is
//! the sealed value's associated data). The callback removes the cookie before it calls WorkOS, so a
//! replayed callback URL finds nothing.

use rocket::http::{Cookie, CookieJar};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::client::State;
use crate::session::harden;

/// How long a login may take, in seconds: WorkOS's authorization codes live as long.
pub const LOGIN_TTL_SECS: i64 = 10 * 60;

const COOKIE_PREFIX: &str = "workos_sso_flow_";

/// The identity provider a login asked for, so the callback can require profiles from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Expected {
    /// The profile's `organization_id` must be this.
    Organization(String),
    /// The profile's `connection_id` must be this.
    Connection(String),
    /// An environment-level OAuth provider: nothing to compare.
    Provider(String),
}

impl Expected {
    /// The same choice, borrowed, for [`profile_is_from`](crate::guard::profile_is_from).
    pub(crate) fn selector(&self) -> crate::guard::Selector<'_> {
        use crate::guard::Selector;
        match self {
            Expected::Organization(id) => Selector::Organization(id),
            Expected::Connection(id) => Selector::Connection(id),
            Expected::Provider(name) => Selector::Provider(name),
        }
    }
}

/// One login in progress.
#[derive(Debug, Serialize, Deserialize)]
pub struct LoginState {
    /// The OAuth `state` sent to WorkOS.
    pub state: String,
    /// The PKCE verifier whose challenge was sent to WorkOS.
    pub verifier: String,
    /// A safe same-origin path to return to.
    pub return_to: String,
    /// The flow key of the handler configuration that started the login.
    pub flow: String,
    /// The identity provider asked for.
    pub expected: Expected,
    /// Unix seconds after which the login is refused.
    pub expires_at: i64,
}

/// Why a callback's `state` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateError {
    /// No login in progress matches this `state` (never started, already finished, or started in
    /// another browser).
    Unknown,
    /// The login took longer than [`LOGIN_TTL_SECS`].
    Expired,
}

/// The cookie that holds the login for `state`.
pub(crate) fn cookie_name(state: &str) -> String {
    let digest = Sha256::digest(state.as_bytes());
    let hex: String = digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{COOKIE_PREFIX}{hex}")
}

/// Seals `login` into its cookie, visible only on `callback_path`.
pub(crate) fn remember(jar: &CookieJar<'_>, login: &LoginState, callback_path: &str, secure: bool) {
    // Plain strings always serialize.
    let Ok(json) = serde_json::to_string(login) else {
        return;
    };
    let mut cookie = Cookie::new(cookie_name(&login.state), json);
    cookie.set_path(callback_path.to_owned());
    cookie.set_max_age(rocket::time::Duration::seconds(LOGIN_TTL_SECS));
    harden(&mut cookie, secure);
    jar.add_private(cookie);
}

/// Takes the login that `state` belongs to out of the jar: whatever the outcome, its cookie is gone.
pub(crate) fn take(
    jar: &CookieJar<'_>,
    state: &str,
    callback_path: &str,
    now: i64,
) -> Result<LoginState, StateError> {
    let name = cookie_name(state);
    let cookie = jar.get_private(&name).ok_or(StateError::Unknown)?;
    jar.remove_private(Cookie::build(name).path(callback_path.to_owned()));
    check(cookie.value(), state, now)
}

/// Checks a decrypted login cookie against the callback's `state` at `now`.
pub(crate) fn check(json: &str, state: &str, now: i64) -> Result<LoginState, StateError> {
    let login: LoginState = serde_json::from_str(json).map_err(|_| StateError::Unknown)?;
    // The cookie name already commits to the state; comparing the full value in constant time keeps the
    // check independent of the hash.
    if !State::new(login.state.clone()).matches(state) {
        return Err(StateError::Unknown);
    }
    if now >= login.expires_at {
        return Err(StateError::Expired);
    }
    Ok(login)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(expires_at: i64) -> String {
        serde_json::to_string(&LoginState {
            state: "state-a".into(),
            verifier: "v".repeat(43),
            return_to: "/dashboard".into(),
            flow: "0123456789ab".into(),
            expected: Expected::Organization("org_01A".into()),
            expires_at,
        })
        .unwrap()
    }

    #[test]
    fn the_matching_state_before_expiry_is_accepted() {
        let login = check(&login(2000), "state-a", 1999).unwrap();
        assert_eq!(login.return_to, "/dashboard");
        assert_eq!(login.expected, Expected::Organization("org_01A".into()));
    }

    #[test]
    fn another_state_is_unknown() {
        assert_eq!(
            check(&login(2000), "state-b", 1000).unwrap_err(),
            StateError::Unknown
        );
        assert_eq!(
            check(&login(2000), "", 1000).unwrap_err(),
            StateError::Unknown
        );
    }

    #[test]
    fn an_expired_login_is_refused() {
        assert_eq!(
            check(&login(2000), "state-a", 2000).unwrap_err(),
            StateError::Expired
        );
    }

    #[test]
    fn garbage_is_unknown() {
        for garbage in ["", "{}", "null", "{\"state\":\"state-a\"}"] {
            assert_eq!(
                check(garbage, "state-a", 0).unwrap_err(),
                StateError::Unknown,
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn each_state_has_its_own_cookie() {
        assert_ne!(cookie_name("state-a"), cookie_name("state-b"));
        assert!(cookie_name("state-a").starts_with(COOKIE_PREFIX));
        assert!(!cookie_name("state-a").contains("state-a"));
    }
}

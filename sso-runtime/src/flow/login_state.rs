//! The state of one login in progress: the OAuth `state`, the PKCE verifier, where to go afterwards and
//! which identity provider was asked, sealed (by [`crate::seal`], like the session) in a cookie that only
//! the callback route receives.
//!
//! Each login gets its own cookie, named after a hash of its `state`, so two logins started in two tabs
//! both complete, and a `state` from one flow can never unlock another flow's cookie (the cookie name is
//! the sealed value's associated data). The callback removes the cookie before it calls WorkOS, so a
//! replayed callback URL finds nothing.

use rocket::http::{Cookie, CookieJar};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::client::{ConnectionSelector, State};
use crate::seal::CookieKey;

/// How long a login may take, in seconds: WorkOS's authorization codes live as long.
pub const LOGIN_TTL_SECS: i64 = 10 * 60;

const COOKIE_PREFIX: &str = "workos_sso_flow_";

/// One login in progress, as sealed in its cookie (MessagePack, like the session).
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
    /// The identity provider asked for; the callback requires the profile to come from it.
    pub expected: ConnectionSelector,
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
    let mut name = String::with_capacity(COOKIE_PREFIX.len() + 16);
    name.push_str(COOKIE_PREFIX);
    for byte in &digest[..8] {
        name.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        name.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    name
}

/// The plaintext of `login`'s cookie.
pub(crate) fn encode(login: &LoginState) -> Vec<u8> {
    // Strings and numbers always encode.
    rmp_serde::to_vec(login).unwrap_or_default()
}

/// Seals `login` into its cookie, visible only on `callback_path`.
pub(crate) fn remember(
    jar: &CookieJar<'_>,
    key: &CookieKey,
    login: &LoginState,
    callback_path: &str,
    secure: bool,
) {
    let name = cookie_name(&login.state);
    jar.add(key.cookie(name, &encode(login), callback_path, LOGIN_TTL_SECS, secure));
}

/// Takes the login that `state` belongs to out of the jar: whatever the outcome, its cookie is gone.
pub(crate) fn take(
    jar: &CookieJar<'_>,
    key: &CookieKey,
    state: &str,
    callback_path: &str,
    now: i64,
) -> Result<LoginState, StateError> {
    let name = cookie_name(state);
    let sealed = jar
        .get(&name)
        .ok_or(StateError::Unknown)?
        .value()
        .to_owned();
    jar.remove(Cookie::build(name.clone()).path(callback_path.to_owned()));
    let plaintext = key.open(&name, &sealed).ok_or(StateError::Unknown)?;
    check(&plaintext, state, now)
}

/// Checks a decrypted login cookie against the callback's `state` at `now`.
pub(crate) fn check(plaintext: &[u8], state: &str, now: i64) -> Result<LoginState, StateError> {
    let login: LoginState = crate::session::decode_exact(plaintext).ok_or(StateError::Unknown)?;
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

    fn login(expires_at: i64) -> Vec<u8> {
        encode(&LoginState {
            state: "state-a".into(),
            verifier: "v".repeat(43),
            return_to: "/dashboard".into(),
            flow: "0123456789ab".into(),
            expected: ConnectionSelector::Organization("org_01A".into()),
            expires_at,
        })
    }

    #[test]
    fn the_matching_state_before_expiry_is_accepted() {
        let login = check(&login(2000), "state-a", 1999).unwrap();
        assert_eq!(login.return_to, "/dashboard");
        assert_eq!(
            login.expected,
            ConnectionSelector::Organization("org_01A".into())
        );
    }

    #[test]
    fn another_state_is_unknown() {
        for other in ["state-b", "", "state-a "] {
            assert_eq!(
                check(&login(2000), other, 1000).unwrap_err(),
                StateError::Unknown
            );
        }
    }

    #[test]
    fn an_expired_login_is_refused() {
        assert_eq!(
            check(&login(2000), "state-a", 2000).unwrap_err(),
            StateError::Expired
        );
    }

    #[test]
    fn garbage_truncations_and_trailing_bytes_are_unknown() {
        let whole = login(2000);
        for end in 0..whole.len() {
            assert_eq!(
                check(&whole[..end], "state-a", 0).unwrap_err(),
                StateError::Unknown,
                "cut at {end}"
            );
        }
        let mut longer = whole.clone();
        longer.push(0);
        assert_eq!(
            check(&longer, "state-a", 0).unwrap_err(),
            StateError::Unknown
        );
        for garbage in [&b""[..], b"{}", b"null", b"\xc0", br#"{"state":"state-a"}"#] {
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
        assert_eq!(cookie_name("state-a").len(), COOKIE_PREFIX.len() + 16);
    }
}

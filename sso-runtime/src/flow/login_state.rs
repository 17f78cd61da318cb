//! One login in progress: where to go afterwards, which flow started it and which identity provider was
//! asked, sealed (by [`crate::seal`], like the session) in a cookie that only the callback route
//! receives.
//!
//! Each login gets its own cookie, named after a hash of its OAuth `state`, so two logins started in two
//! tabs both complete, and a `state` from one login can never unlock another's cookie (the cookie name is
//! the sealed value's associated data). Neither the state (the name commits to it) nor the PKCE verifier
//! (derived from the state under the cookie key, [`CookieKey::pkce_verifier`]) is stored, so a pending
//! login costs about 100 to 200 bytes of the callback's `Cookie` header: twenty logins in twenty tabs
//! stay under 4 KB. The callback removes the cookie before it calls WorkOS, so a replayed callback URL
//! finds nothing.
//!
//! Over https the cookie is named with the `__Secure-` prefix, which browsers accept only from a secure
//! origin with the `Secure` attribute, so a sibling subdomain over plain http cannot plant one.

use rocket::http::CookieJar;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::client::ConnectionSelector;
use crate::seal::{CookieKey, CookieSpec};

/// How long a login may take, in seconds: WorkOS's authorization codes live as long.
pub const LOGIN_TTL_SECS: i64 = 10 * 60;

/// The start of every login cookie's name over http.
pub const COOKIE_PREFIX: &str = "workos_sso_flow_";

/// The start of every login cookie's name over https.
pub const SECURE_COOKIE_PREFIX: &str = "__Secure-workos_sso_flow_";

/// One login in progress, as sealed in its cookie (MessagePack, like the session).
#[derive(Debug, Serialize, Deserialize)]
pub struct LoginState {
    /// A safe same-origin path to return to.
    pub return_to: String,
    /// The flow key of the handler configuration that started the login.
    pub flow: String,
    /// The identity provider asked for, when the login chose it (a flow without a pin); `None` for the
    /// flow's own pin. The callback requires the profile to come from it.
    pub expected: Option<ConnectionSelector>,
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

/// The cookie that holds the login for `state`, with the `__Secure-` prefix over https.
pub(crate) fn cookie_name(state: &str, secure: bool) -> String {
    let prefix = if secure {
        SECURE_COOKIE_PREFIX
    } else {
        COOKIE_PREFIX
    };
    let digest = Sha256::digest(state.as_bytes());
    let mut name = String::with_capacity(prefix.len() + 16);
    name.push_str(prefix);
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

/// The cookie of the login whose OAuth state is `state`, visible only on `callback_path`: `Secure` when
/// the login's callback is https (`secure`), and with the `__Secure-` prefix when `prefixed` (every
/// callback of the application is https). Both the cookie and its removal are built from it.
fn cookie_spec(state: &str, callback_path: &str, (secure, prefixed): (bool, bool)) -> CookieSpec {
    CookieSpec::new(cookie_name(state, prefixed), callback_path, secure)
}

/// Seals `login`, whose OAuth state is `state`, into its cookie (see [`cookie_spec`]).
pub(crate) fn remember(
    jar: &CookieJar<'_>,
    key: &CookieKey,
    (state, login): (&str, &LoginState),
    callback_path: &str,
    secure: (bool, bool),
) {
    let spec = cookie_spec(state, callback_path, secure);
    jar.add(key.cookie(&spec, &encode(login), LOGIN_TTL_SECS));
}

/// Takes the login that `state` belongs to out of the jar: whatever the outcome, its cookie is gone.
/// `secure_flow` says whether the flow of a key sets `Secure` cookies, so that the removal carries the
/// `Secure` its cookie was set with.
pub(crate) fn take(
    jar: &CookieJar<'_>,
    key: &CookieKey,
    state: &str,
    (callback_path, prefixed): (&str, bool),
    now: i64,
    secure_flow: impl Fn(&str) -> bool,
) -> Result<LoginState, StateError> {
    let name = cookie_name(state, prefixed);
    let sealed = jar.get(&name).ok_or(StateError::Unknown)?.value();
    let login = key
        .open(&name, sealed)
        .and_then(|plaintext| decode(&plaintext));
    // A cookie that does not open is not this application's: it is removed as a plain-named one is set
    // over http, which an https page may do as well (see `Sessions::end`).
    let secure = login.as_ref().is_some_and(|login| secure_flow(&login.flow));
    cookie_spec(state, callback_path, (secure, prefixed)).remove_from(jar);
    unexpired(login.ok_or(StateError::Unknown)?, now)
}

/// Reads a decrypted login cookie at `now`.
pub(crate) fn check(plaintext: &[u8], now: i64) -> Result<LoginState, StateError> {
    unexpired(decode(plaintext).ok_or(StateError::Unknown)?, now)
}

fn decode(plaintext: &[u8]) -> Option<LoginState> {
    crate::session::decode_exact(plaintext)
}

fn unexpired(login: LoginState, now: i64) -> Result<LoginState, StateError> {
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
            return_to: "/dashboard".into(),
            flow: "0123456789ab".into(),
            expected: Some(ConnectionSelector::Organization("org_01A".into())),
            expires_at,
        })
    }

    #[test]
    fn a_login_before_expiry_is_accepted() {
        let login = check(&login(2000), 1999).unwrap();
        assert_eq!(login.return_to, "/dashboard");
        assert_eq!(
            login.expected,
            Some(ConnectionSelector::Organization("org_01A".into()))
        );
    }

    #[test]
    fn an_expired_login_is_refused() {
        assert_eq!(check(&login(2000), 2000).unwrap_err(), StateError::Expired);
    }

    #[test]
    fn garbage_truncations_and_trailing_bytes_are_unknown() {
        let whole = login(2000);
        for end in 0..whole.len() {
            assert_eq!(
                check(&whole[..end], 0).unwrap_err(),
                StateError::Unknown,
                "cut at {end}"
            );
        }
        let mut longer = whole.clone();
        longer.push(0);
        assert_eq!(check(&longer, 0).unwrap_err(), StateError::Unknown);
        for garbage in [&b""[..], b"{}", b"null", b"\xc0", br#"{"state":"state-a"}"#] {
            assert_eq!(
                check(garbage, 0).unwrap_err(),
                StateError::Unknown,
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn each_state_has_its_own_cookie_and_https_its_prefix() {
        assert_ne!(cookie_name("state-a", false), cookie_name("state-b", false));
        assert!(cookie_name("state-a", false).starts_with(COOKIE_PREFIX));
        assert!(!cookie_name("state-a", false).contains("state-a"));
        assert_eq!(
            cookie_name("state-a", false).len(),
            COOKIE_PREFIX.len() + 16
        );
        assert_eq!(
            cookie_name("state-a", true),
            format!("__Secure-{}", cookie_name("state-a", false))
        );
    }

    #[test]
    fn a_pending_login_is_small() {
        let key = CookieKey::derive(&[7; 64]);
        let state = "x".repeat(43);
        let pinned = LoginState {
            return_to: "/reports/2026?tab=q3".into(),
            flow: "0123456789ab".into(),
            expected: None,
            expires_at: crate::now() + LOGIN_TTL_SECS,
        };
        let unpinned = LoginState {
            return_to: pinned.return_to.clone(),
            flow: pinned.flow.clone(),
            expected: Some(ConnectionSelector::Organization(
                "org_01JH3E28JT97KB6CQ643DZVMXX".into(),
            )),
            expires_at: pinned.expires_at,
        };
        for (login, most) in [(&unpinned, 200), (&pinned, 160)] {
            let spec = cookie_spec(&state, "/callback", (true, true));
            let cookie = key.cookie(&spec, &encode(login), 600);
            // What the browser sends: `name=value; `.
            let sent = cookie.name().len() + 1 + cookie.value().len() + 2;
            assert!(sent <= most, "{sent} bytes for {login:?}");
        }
    }
}

//! One login in progress: where to go afterwards, which flow started it and which identity provider was
//! asked, sealed (by [`crate::seal`], like the session) in a cookie that only the callback route
//! receives.
//!
//! A browser has [`LOGIN_SLOTS`] login cookies at most, `workos_sso_flow_0` to `workos_sso_flow_19`:
//! each login takes the slot a small cookie (`workos_sso_next_login`, on every path, since the login
//! route cannot see cookies scoped to the callback) names, and moves it on, so twenty logins in twenty
//! tabs all complete and a twenty-first replaces the oldest. However often a hostile page sends a
//! browser to the login route, the callback's `Cookie` header holds twenty login cookies at most, and
//! each is small: the `return_to` kept in it is at most [`MAX_KEPT_RETURN_TO`] bytes (a longer one
//! keeps its path alone, or becomes `/`). SECURITY.md gives the measured worst case.
//!
//! The login's OAuth `state` is not stored: it is bound to the cookie as the sealed value's associated
//! data (with the cookie's name), so only the callback carrying that state opens it, and a `state` from
//! one login can never unlock another's cookie. Nor is the PKCE verifier stored (it is derived from the
//! state under the cookie key, [`CookieKey::pkce_verifier`]). The callback removes the cookie before it
//! calls WorkOS, so a replayed callback URL finds nothing.
//!
//! Over https the cookies are named with the `__Secure-` prefix (`__Host-` for the slot cookie), which
//! browsers accept only from a secure origin with the `Secure` attribute, so a sibling subdomain over
//! plain http cannot plant one.

use rocket::http::CookieJar;
use serde::{Deserialize, Serialize};

use crate::client::ConnectionSelector;
use crate::seal::{CookieKey, CookieSpec};

/// How long a login may take, in seconds: WorkOS's authorization codes live as long.
#[cfg_attr(not(feature = "fuzzing"), allow(unreachable_pub))] // public through `fuzzing`
pub const LOGIN_TTL_SECS: i64 = 10 * 60;

/// The start of every login cookie's name over http.
pub(crate) const COOKIE_PREFIX: &str = "workos_sso_flow_";

/// The start of every login cookie's name over https.
pub(crate) const SECURE_COOKIE_PREFIX: &str = "__Secure-workos_sso_flow_";

/// How many logins a browser can have in progress at once; a login beyond them replaces the oldest.
#[cfg_attr(not(feature = "fuzzing"), allow(unreachable_pub))] // public through `fuzzing`
pub const LOGIN_SLOTS: usize = 20;

/// The cookie naming the slot the browser's next login takes, over http.
pub(crate) const NEXT_SLOT_COOKIE: &str = "workos_sso_next_login";

/// The cookie naming the slot the browser's next login takes, over https.
pub(crate) const SECURE_NEXT_SLOT_COOKIE: &str = "__Host-workos_sso_next_login";

/// The longest `return_to` a login cookie keeps, in bytes. A longer one keeps its path alone when that
/// fits, else [`DEFAULT_RETURN_TO`](crate::flow::DEFAULT_RETURN_TO): what bounds the callback's
/// `Cookie` header, however many logins a hostile page starts.
pub const MAX_KEPT_RETURN_TO: usize = 64;

/// One login in progress, as sealed in its cookie (MessagePack, like the session).
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(not(feature = "fuzzing"), allow(unreachable_pub))] // public through `fuzzing`
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
#[cfg_attr(not(feature = "fuzzing"), allow(unreachable_pub))] // public through `fuzzing`
pub enum StateError {
    /// No login in progress matches this `state` (never started, already finished, or started in
    /// another browser).
    Unknown,
    /// The login took longer than [`LOGIN_TTL_SECS`].
    Expired,
}

/// The login cookie of `slot`, with the `__Secure-` prefix when `prefixed` (every callback is https).
pub(crate) fn slot_cookie_name(slot: usize, prefixed: bool) -> String {
    let prefix = if prefixed {
        SECURE_COOKIE_PREFIX
    } else {
        COOKIE_PREFIX
    };
    format!("{prefix}{slot}")
}

/// The associated data a login cookie is sealed with: its name and its login's state.
pub(crate) fn associated_data(name: &str, state: &str) -> String {
    // A name never holds a line break, so the pair is read back unambiguously.
    format!("{name}\n{state}")
}

/// The cookie naming the next login's slot, on every path: `Secure` with its `__Host-` name when every
/// callback is https (`prefixed`). It holds a slot number only, so an application that also has a
/// plain-http callback keeps it plain, for its logins over either scheme to share it.
fn next_slot(prefixed: bool) -> CookieSpec {
    let name = if prefixed {
        SECURE_NEXT_SLOT_COOKIE
    } else {
        NEXT_SLOT_COOKIE
    };
    CookieSpec::new(name, "/", false)
}

/// The slot a value of the next-slot cookie names; the first for anything else.
fn parse_slot(value: &str) -> usize {
    match value.parse::<usize>() {
        Ok(slot) if slot < LOGIN_SLOTS && value.bytes().all(|b| b.is_ascii_digit()) => slot,
        _ => 0,
    }
}

/// The `return_to` a login cookie keeps of `return_to` (see [`MAX_KEPT_RETURN_TO`]).
pub(crate) fn kept_return_to(return_to: String) -> String {
    if return_to.len() <= MAX_KEPT_RETURN_TO {
        return return_to;
    }
    match return_to.split_once('?') {
        Some((path, _)) if path.len() <= MAX_KEPT_RETURN_TO => path.to_owned(),
        _ => crate::flow::DEFAULT_RETURN_TO.to_owned(),
    }
}

/// The plaintext of `login`'s cookie.
pub(crate) fn encode(login: &LoginState) -> Vec<u8> {
    // Strings and numbers always encode.
    rmp_serde::to_vec(login).unwrap_or_default()
}

/// Seals `login`, whose OAuth state is `state`, into the slot the browser's next login takes, visible
/// only on `callback_path`, and moves the next slot on. The cookies are `Secure` when the login's
/// callback is https (`secure.0`), and prefixed when every callback of the application is (`secure.1`).
pub(crate) fn remember(
    jar: &CookieJar<'_>,
    key: &CookieKey,
    (state, login): (&str, &LoginState),
    callback_path: &str,
    secure: (bool, bool),
) {
    let next = next_slot(secure.1);
    let slot = jar
        .get(next.name())
        .map_or(0, |cookie| parse_slot(cookie.value()));
    let spec = CookieSpec::new(slot_cookie_name(slot, secure.1), callback_path, secure.0);
    let sealed = key.seal(&associated_data(spec.name(), state), &encode(login));
    jar.add(spec.cookie(sealed, LOGIN_TTL_SECS));
    jar.add(next.cookie(((slot + 1) % LOGIN_SLOTS).to_string(), LOGIN_TTL_SECS));
}

/// Takes the login that `state` belongs to out of the jar: the one slot whose cookie opens with this
/// state, removed whatever the outcome. `secure_flow` says whether the flow of a key sets `Secure`
/// cookies, so that the removal carries the `Secure` its cookie was set with.
pub(crate) fn take(
    jar: &CookieJar<'_>,
    key: &CookieKey,
    state: &str,
    (callback_path, prefixed): (&str, bool),
    now: i64,
    secure_flow: impl Fn(&str) -> bool,
) -> Result<LoginState, StateError> {
    let (name, plaintext) = (0..LOGIN_SLOTS)
        .map(|slot| slot_cookie_name(slot, prefixed))
        .find_map(|name| {
            let sealed = jar.get(&name)?.value();
            let plaintext = key.open(&associated_data(&name, state), sealed)?;
            Some((name, plaintext))
        })
        .ok_or(StateError::Unknown)?;
    let login = decode(&plaintext);
    let secure = prefixed || login.as_ref().is_some_and(|login| secure_flow(&login.flow));
    CookieSpec::new(name, callback_path, secure).remove_from(jar);
    unexpired(login.ok_or(StateError::Unknown)?, now)
}

/// Forgets which slot the next login takes (at sign-out: the browser keeps no cookie of the library).
pub(crate) fn forget_next_slot(jar: &CookieJar<'_>, prefixed: bool) {
    next_slot(prefixed).remove_from(jar);
}

/// Reads a decrypted login cookie at `now`.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn check(plaintext: &[u8], now: i64) -> Result<LoginState, StateError> {
    unexpired(decode(plaintext).ok_or(StateError::Unknown)?, now)
}

fn decode(plaintext: &[u8]) -> Option<LoginState> {
    crate::codec::decode_exact(plaintext)
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
    fn each_slot_has_its_cookie_and_https_its_prefix() {
        assert_eq!(slot_cookie_name(0, false), "workos_sso_flow_0");
        assert_eq!(slot_cookie_name(19, true), "__Secure-workos_sso_flow_19");
        let names: std::collections::BTreeSet<_> = (0..LOGIN_SLOTS)
            .map(|slot| slot_cookie_name(slot, false))
            .collect();
        assert_eq!(names.len(), LOGIN_SLOTS);
    }

    #[test]
    fn the_next_slot_is_read_strictly() {
        for (value, slot) in [("0", 0), ("7", 7), ("19", 19)] {
            assert_eq!(parse_slot(value), slot, "{value}");
        }
        for value in [
            "20",
            "-1",
            "+3",
            " 3",
            "3 ",
            "",
            "x",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_slot(value), 0, "{value:?}");
        }
    }

    #[test]
    fn a_long_return_to_keeps_its_path_or_becomes_the_default() {
        let short = "/reports/2026?tab=q3".to_owned();
        assert_eq!(kept_return_to(short.clone()), short);
        let at_most = format!("/{}", "a".repeat(MAX_KEPT_RETURN_TO - 1));
        assert_eq!(kept_return_to(at_most.clone()), at_most);
        let path = format!("/{}", "p".repeat(60));
        let long_query = format!("{path}?q={}", "x".repeat(200));
        assert_eq!(kept_return_to(long_query), path);
        let long_path = format!("/{}?q=1", "p".repeat(MAX_KEPT_RETURN_TO));
        assert_eq!(kept_return_to(long_path), "/");
    }

    /// What a login cookie costs the callback's `Cookie` header: `name=value; `.
    fn sent(login: &LoginState, slot: usize) -> usize {
        let key = CookieKey::derive(&[7; 64]);
        let name = slot_cookie_name(slot, true);
        let sealed = key.seal(&associated_data(&name, &"x".repeat(43)), &encode(login));
        name.len() + 1 + sealed.len() + 2
    }

    #[test]
    fn a_pending_login_is_small() {
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
        assert!(sent(&unpinned, 19) <= 190, "{}", sent(&unpinned, 19));
        assert!(sent(&pinned, 19) <= 150, "{}", sent(&pinned, 19));
    }
}

//! The decoders that read what a browser sends back, for property tests and fuzz harnesses (feature
//! `fuzzing`). Their inputs are the decrypted contents of sealed cookies: an attacker cannot forge
//! those without `secret_key`, but the decoders must still be total (no panic on any input) and must
//! accept only what the runtime itself writes, checked at the given time.
//!
//! This module is not a supported API and may change in any release. It sits behind a feature rather
//! than a hidden public module so that an application's build never contains it by accident.

use rocket::http::Cookie;
use rocket::{Phase, Rocket};

use crate::client::profile::Profile;
use crate::sso::Sso;

pub use crate::flow::login_state::{LoginState, StateError, LOGIN_SLOTS, LOGIN_TTL_SECS};

/// A session as the decoder read it.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// The signed-in user, as kept in the cookie.
    pub profile: Profile,
    /// When the user signed in, Unix seconds.
    pub issued_at: i64,
    /// When the session stops being accepted, Unix seconds.
    pub expires_at: i64,
}

/// Reads a decrypted session cookie at `now` (Unix seconds): `None` unless it is a current session of
/// the format the runtime writes (described in [`crate::session`]).
pub fn decode_session(plaintext: &[u8], now: i64) -> Option<Session> {
    crate::codec::decode(plaintext, now).map(|session| Session {
        profile: session.profile,
        issued_at: session.issued_at,
        expires_at: session.expires_at,
    })
}

/// The plaintext the runtime seals into the session cookie for `profile`, issued at `iat`, expiring at
/// `exp`.
pub fn encode_session(profile: &Profile, iat: i64, exp: i64) -> Vec<u8> {
    crate::codec::encode(profile, iat, exp)
}

/// Reads a decrypted login cookie at `now` (Unix seconds). (The callback's `state` is bound to the
/// cookie as associated data; see [`seal_login`].)
pub fn check_login(plaintext: &[u8], now: i64) -> Result<LoginState, StateError> {
    crate::flow::login_state::check(plaintext, now)
}

/// The plaintext the runtime seals into the cookie of `login`.
pub fn encode_login(login: &LoginState) -> Vec<u8> {
    crate::flow::login_state::encode(login)
}

/// The name of the login cookie of `slot` (below [`LOGIN_SLOTS`]), for an application whose callbacks
/// are plain http.
pub fn login_slot_cookie_name(slot: usize) -> String {
    crate::flow::login_state::slot_cookie_name(slot, false)
}

/// A login cookie's value: `plaintext` as is sealed for the cookie `name` and the login whose OAuth
/// state is `state`, under the key of `rocket`'s fairing, as an attacker with the key could make one.
/// `None` without the fairing.
pub fn seal_login<P: Phase>(
    rocket: &Rocket<P>,
    name: &str,
    state: &str,
    plaintext: &[u8],
) -> Option<String> {
    let bound = crate::flow::login_state::associated_data(name, state);
    Some(rocket.state::<Sso>()?.key.seal(&bound, plaintext))
}

/// The plaintext of the login cookie `name` of the login whose OAuth state is `state`, if `rocket`'s
/// fairing sealed it.
pub fn open_login<P: Phase>(
    rocket: &Rocket<P>,
    name: &str,
    state: &str,
    sealed: &str,
) -> Option<Vec<u8>> {
    let bound = crate::flow::login_state::associated_data(name, state);
    rocket.state::<Sso>()?.key.open(&bound, sealed)
}

/// The PKCE verifier `rocket`'s fairing derives for the login whose OAuth state is `state`. `None`
/// without the fairing.
pub fn pkce_verifier<P: Phase>(rocket: &Rocket<P>, state: &str) -> Option<String> {
    Some(rocket.state::<Sso>()?.key.pkce_verifier(state))
}

/// A cookie called `name` holding `plaintext` as is (any bytes, valid or not), sealed under the key of
/// `rocket`'s fairing, as an attacker with the key could make one. `None` without the fairing.
pub fn seal_cookie<P: Phase>(
    rocket: &Rocket<P>,
    name: &str,
    plaintext: &[u8],
) -> Option<Cookie<'static>> {
    let sso = rocket.state::<Sso>()?;
    let spec = crate::seal::CookieSpec::new(name, "/", false);
    Some(sso.key.cookie(&spec, plaintext, 600))
}

/// The plaintext of a cookie called `name`, if `rocket`'s fairing sealed it.
pub fn open_cookie<P: Phase>(rocket: &Rocket<P>, name: &str, sealed: &str) -> Option<Vec<u8>> {
    rocket.state::<Sso>()?.key.open(name, sealed)
}

/// The `Location` header the library sends for `location` (a `return_to` the flow accepted): what a
/// header must not carry raw, percent-encoded.
pub fn location_header(location: &str) -> String {
    crate::reply::encode_location(location)
}

//! The decoders that read what a browser sends back, for property tests and fuzz harnesses (feature
//! `fuzzing`). Their inputs are the decrypted contents of sealed cookies: an attacker cannot forge
//! those without `secret_key`, but the decoders must still be total (no panic on any input) and must
//! accept only what the runtime itself writes, checked at the given time.
//!
//! This module is not a supported API and may change in any release. It sits behind a feature rather
//! than a hidden public module so that an application's build never contains it by accident.

use rocket::http::Cookie;
use rocket::{Phase, Rocket};

use crate::profile::Profile;
use crate::session::SESSION_COOKIE;
use crate::sso::Sso;

pub use crate::flow::login_state::{Expected, LoginState, StateError, LOGIN_TTL_SECS};
pub use crate::session::Session;

/// Reads a decrypted session cookie at `now` (Unix seconds): `None` unless it is a current session of
/// the format the runtime writes (format 2, described in [`crate::session`]).
pub fn decode_session(json: &str, now: i64) -> Option<Session> {
    crate::session::decode(json, now)
}

/// The plaintext (a format 2 JSON array) the runtime seals into the session cookie for `profile`,
/// issued at `iat`, expiring at `exp`.
pub fn encode_session(profile: &Profile, iat: i64, exp: i64) -> String {
    crate::session::encode(profile, iat, exp)
}

/// Checks a decrypted login cookie against the callback's `state` at `now` (Unix seconds).
pub fn check_login(json: &str, state: &str, now: i64) -> Result<LoginState, StateError> {
    crate::flow::login_state::check(json, state, now)
}

/// The name of the cookie that holds the login whose OAuth state is `state`.
pub fn login_cookie_name(state: &str) -> String {
    crate::flow::login_state::cookie_name(state)
}

/// A session cookie holding `plaintext` as is (any text, valid or not), sealed under the key of
/// `rocket`'s fairing, as an attacker with the key could make one. `None` without the fairing.
pub fn seal_session<P: Phase>(rocket: &Rocket<P>, plaintext: &str) -> Option<Cookie<'static>> {
    let sso = rocket.state::<Sso>()?;
    Some(
        sso.sessions
            .seal(Cookie::new(SESSION_COOKIE, plaintext.to_owned())),
    )
}

/// The plaintext of a session cookie's value, if `rocket`'s fairing sealed it.
pub fn open_session<P: Phase>(rocket: &Rocket<P>, sealed: &str) -> Option<String> {
    rocket.state::<Sso>()?.sessions.open(sealed)
}

//! Signing a user in for `rocket::local` tests, with no WorkOS server and no emulator.
//!
//! [`SignedIn::signed_in_as`] adds the session cookie to a [`LocalRequest`](rocket::local), built and
//! sealed exactly as the callback route builds it after a real sign-in (same format, same trimming
//! of oversized profiles, the lifetime configured by `workos.session_lifetime`). The guards then see that
//! user signed in; [`profile`] gives a plausible [`Profile`] to start from.
//!
//! # Passing launch in a test
//!
//! The fairing refuses to launch without a WorkOS API key unless it may use the embedded emulator (the
//! `emulator` feature in a debug build). A test that only signs users in with this module needs neither:
//! give the test figment any well-formed key, such as `("workos.api_key", "sk_test_unused")`. Nothing is
//! sent to WorkOS until a browser reaches the callback route, which such a test never does. Outside the
//! `debug` profile Rocket also needs a `secret_key`.
//!
//! # Example
//!
//! ```
//! use rocket::http::Status;
//! use rocket::local::blocking::Client;
//! use rocket::{get, routes};
//! use rocket_workos_sso::testing::{self, SignedIn};
//! use rocket_workos_sso::{workos_sso, Profile, WorkosSso};
//!
//! #[workos_sso(
//!     redirect_uri = "http://localhost:8000/callback",
//!     client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
//!     organization = "org_01JH3E28JT97KB6CQ643DZVMXX",
//!     role = "admin",
//! )]
//! #[get("/admin")]
//! fn admin(profile: Profile) -> String {
//!     format!("Hello, {}", profile.email)
//! }
//!
//! fn main() {
//!     let figment = rocket::Config::figment().merge(("workos.api_key", "sk_test_unused"));
//!     let rocket = rocket::custom(figment)
//!         .mount("/", routes![admin])
//!         .attach(WorkosSso::fairing());
//!     let client = Client::untracked(rocket).expect("the app launches");
//!
//!     let mut alice = testing::profile("alice@example.com");
//!     alice.organization_id = Some("org_01JH3E28JT97KB6CQ643DZVMXX".into());
//!     alice.role = Some(rocket_workos_sso::profile::Role { slug: "admin".into() });
//!     let response = client.get("/admin").signed_in_as(&alice).dispatch();
//!     assert_eq!(response.status(), Status::Ok);
//!     assert_eq!(response.into_string().unwrap(), "Hello, alice@example.com");
//!
//!     // Without the role: signed in, but refused.
//!     alice.role = None;
//!     let response = client.get("/admin").signed_in_as(&alice).dispatch();
//!     assert_eq!(response.status(), Status::Forbidden);
//!
//!     // Nobody signed in: an API client gets 401.
//!     assert_eq!(client.get("/admin").dispatch().status(), Status::Unauthorized);
//! }
//! ```

use std::fmt::Write as _;
use std::time::Duration;

use rocket::http::Cookie;
use rocket::local::{asynchronous, blocking};
use rocket::{Orbit, Phase, Rocket};
use serde_json::Map;
use sha2::{Digest, Sha256};

use crate::client::profile::{ConnectionType, Profile, ProfileData};
use crate::codec::fit_profile;
use crate::session::Sessions;
use crate::sso::Sso;

/// Adds a signed-in session to a local request; implemented for both local clients' requests.
pub trait SignedIn: Sized {
    /// This request, carrying the session of `profile`, issued now, as the app under test would have
    /// set it after a sign-in.
    ///
    /// # Panics
    ///
    /// If the app has no [`WorkosSso`](crate::WorkosSso) fairing attached (nothing could read the
    /// session), if `profile`'s id, email, organization and connection alone are too large for a
    /// session cookie (the callback refuses such a sign-in too), or if the app keeps its sessions in a
    /// store (`workos.session_store`): these sessions are stateless cookies.
    fn signed_in_as(self, profile: &Profile) -> Self;
}

impl SignedIn for asynchronous::LocalRequest<'_> {
    fn signed_in_as(self, profile: &Profile) -> Self {
        let cookie = app_session_cookie(self.inner().rocket(), profile);
        self.cookie(cookie)
    }
}

impl SignedIn for blocking::LocalRequest<'_> {
    fn signed_in_as(self, profile: &Profile) -> Self {
        let cookie = app_session_cookie(self.inner().rocket(), profile);
        self.cookie(cookie)
    }
}

fn sso<P: Phase>(rocket: &Rocket<P>) -> &Sso {
    rocket.state::<Sso>().expect(
        "the app under test has no WorkOS SSO fairing: attach `WorkosSso::fairing()`, which keeps the \
         key sessions are sealed with",
    )
}

/// The session cookie the app would set for `profile` now.
fn app_session_cookie(rocket: &Rocket<Orbit>, profile: &Profile) -> Cookie<'static> {
    let sso = sso(rocket);
    let now = rocket::time::OffsetDateTime::now_utc().unix_timestamp();
    let fitted = fit_profile(profile.clone(), &sso.required);
    build(&sso.sessions, &fitted, now, sso.settings.session_lifetime)
}

/// The session cookie `rocket` would set for `profile`, issued at `issued_at` (Unix seconds) and valid
/// for `lifetime`, sealed under the app's key: add it to a request with `LocalRequest::cookie`. For
/// tests of sessions that expired or were issued at a given time; [`SignedIn::signed_in_as`] covers
/// the usual case. Unlike it, this does not trim `profile`.
///
/// # Panics
///
/// If `rocket` has no [`WorkosSso`](crate::WorkosSso) fairing, the profile is too large for a session
/// cookie, or the app keeps its sessions in a store (`workos.session_store`).
///
/// ```
/// use std::time::Duration;
/// use rocket::http::Status;
/// use rocket::local::blocking::Client;
/// use rocket::{get, routes};
/// use rocket_workos_sso::{testing, workos_sso, Profile, WorkosSso};
///
/// #[workos_sso(
///     redirect_uri = "http://localhost:8000/callback",
///     client_id = "client_01JHM9S346Q3D25VT4F5V37E3S"
/// )]
/// #[get("/")]
/// fn home(profile: Profile) -> String {
///     format!("Hello, {}", profile.email)
/// }
///
/// let figment = rocket::Config::figment().merge(("workos.api_key", "sk_test_unused"));
/// let rocket = rocket::custom(figment).attach(WorkosSso::fairing()).mount("/", routes![home]);
/// let client = Client::untracked(rocket).unwrap();
/// let two_hours_ago = rocket::time::OffsetDateTime::now_utc().unix_timestamp() - 2 * 60 * 60;
/// let cookie = testing::session_cookie(
///     client.rocket(),
///     &testing::profile("bob@example.com"),
///     two_hours_ago,
///     Duration::from_secs(60 * 60),
/// );
/// // A request whose session expired an hour ago: not signed in.
/// let response = client.get("/").cookie(cookie).dispatch();
/// assert_eq!(response.status(), Status::Unauthorized);
/// ```
pub fn session_cookie<P: Phase>(
    rocket: &Rocket<P>,
    profile: &Profile,
    issued_at: i64,
    lifetime: Duration,
) -> Cookie<'static> {
    build(&sso(rocket).sessions, profile, issued_at, lifetime)
}

fn build(sessions: &Sessions, profile: &Profile, now: i64, lifetime: Duration) -> Cookie<'static> {
    assert!(
        sessions.store().is_none(),
        "rocket_workos_sso::testing makes stateless cookie sessions, and this application keeps its \
         sessions in a store (workos.session_store); leave the store unset in rocket::local tests"
    );
    // The request side of a cookie carries no attributes, so `Secure` makes no difference here.
    sessions.cookie(profile, now, lifetime, false).expect(
        "the profile's id, email, organization and connection are too large for a session cookie: \
         the callback would refuse this sign-in",
    )
}

/// The session cookie's name in `rocket`'s application: `__Host-workos_sso_session` when every
/// callback is https, else `workos_sso_session` (see [`crate::session`]). Panics without the fairing.
pub fn session_cookie_name<P: Phase>(rocket: &Rocket<P>) -> &'static str {
    sso(rocket).sessions.name()
}

/// A plausible profile for `email`: an id derived from the email, a `TestIdp` connection, a name made
/// from the email's local part, and no organization, role, groups or attributes. Change the fields a
/// test cares about, e.g. `organization_id` for a handler pinned to an organization.
///
/// ```
/// let mut profile = rocket_workos_sso::testing::profile("dana.reyes@example.com");
/// assert!(profile.id.starts_with("prof_"));
/// assert_eq!(profile.first_name.as_deref(), Some("Dana"));
/// profile.groups.push("Engineering".into());
/// ```
pub fn profile(email: &str) -> Profile {
    let digest = Sha256::digest(email.as_bytes());
    let suffix = digest[..10].iter().fold(String::new(), |mut hex, byte| {
        let _ = write!(hex, "{byte:02X}");
        hex
    });
    let local = email.split('@').next().unwrap_or(email);
    let mut words = local
        .split(['.', '_', '-', '+'])
        .filter(|word| !word.is_empty())
        .map(capitalize);
    let first_name = words.next();
    let last_name = words.next();
    let name = match (&first_name, &last_name) {
        (Some(first), Some(last)) => Some(format!("{first} {last}")),
        (first, _) => first.clone(),
    };
    Profile::new(ProfileData {
        object: Some("profile".to_owned()),
        id: format!("prof_{suffix}"),
        organization_id: None,
        connection_id: "conn_01TESTING0000000000000000".to_owned(),
        connection_type: ConnectionType::TestIdp,
        idp_id: format!("test-{}", &suffix[..8].to_ascii_lowercase()),
        email: email.to_owned(),
        first_name,
        last_name,
        name,
        role: None,
        roles: Vec::new(),
        groups: Vec::new(),
        custom_attributes: Map::new(),
        raw_attributes: Map::new(),
    })
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_profile_is_stable_and_named_after_the_email() {
        let dana = profile("dana.reyes@example.com");
        assert_eq!(dana, profile("dana.reyes@example.com"));
        assert_ne!(dana.id, profile("other@example.com").id);
        assert_eq!(dana.name.as_deref(), Some("Dana Reyes"));
        assert_eq!(profile("bob@example.com").last_name, None);
    }

    #[test]
    fn a_test_session_reads_back_as_the_runtime_reads_sessions() {
        // The seal is the app's (`session_cookie` through a launched app is tested by its doctest
        // and by tests/tests/testing_api.rs).
        let sessions = Sessions::new(crate::seal::CookieKey::derive(&[7; 32]), false);
        let dana = profile("dana@example.com");
        let cookie = build(&sessions, &dana, 1000, Duration::from_secs(600));
        let plaintext = sessions
            .open(cookie.value())
            .expect("sealed under the app's key");
        let session = crate::codec::decode(&plaintext, 1500).expect("valid at 1500");
        assert_eq!(session.profile, dana);
        assert_eq!((session.issued_at, session.expires_at), (1000, 1600));
        assert!(crate::codec::decode(&plaintext, 1600).is_none());
    }
}

//! The application every benchmark measures, and how to sign in to it, shared by the load-test server,
//! the callback driver, the request loop and the micro benchmarks (each includes this file with
//! `#[path]`, so the `#[workos_sso]` registrations are compiled into each binary).
//!
//! Routes, all answering the same 5-byte body so that only the guard differs:
//! - `GET /plain`: no guard at all (the ceiling);
//! - `GET /protected`: `#[workos_sso]` plus a `Profile` argument, as an application writes it;
//! - `GET /handwritten`: the hand-written alternative, a private cookie holding the profile as JSON,
//!   decrypted and parsed by a ten-line guard (`HandSession`);
//! - `GET /handwritten/start`: copies the signed-in `Profile` into that hand-written cookie, so both
//!   guards carry the same profile;
//! - `GET /handwritten/login`: the hand-written login route of the README's "Before" (a random state in a
//!   private cookie, then the redirect to WorkOS; no PKCE, no return_to), next to the fairing's
//!   `/sso/login`.
//!
//! The fairing adds `/sso/login`, `/callback` and `/sso/logout`.

#![allow(dead_code)]

use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::local::asynchronous::Client;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::Redirect;
use rocket::{get, routes, Build, Rocket};
use rocket_workos_sso::emulator::AutoLogin;
use rocket_workos_sso::session::SESSION_COOKIE;
use rocket_workos_sso::{workos_sso, Profile, WorkosSso};
use serde::{Deserialize, Serialize};

/// The port the redirect URI names; the load-test server listens there.
pub const PORT: u16 = 8000;
/// The seeded organization of the embedded emulator (Example Corp).
pub const ORGANIZATION: &str = "org_01JH3E28JT97KB6CQ643DZVMXX";
/// A fixed key, so a cookie minted by one run is valid in the next (bench only).
pub const SECRET_KEY: &str = "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk=";
/// The hand-written guard's cookie.
pub const HAND_COOKIE: &str = "hand_session";

#[get("/plain")]
pub fn plain() -> &'static str {
    "hello"
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[get("/protected")]
pub fn protected(profile: Profile) -> &'static str {
    std::hint::black_box(&profile);
    "hello"
}

/// What a hand-written session cookie holds: an expiry and the profile.
#[derive(Serialize, Deserialize)]
pub struct HandSession {
    pub exp: i64,
    pub profile: Profile,
}

fn now() -> i64 {
    rocket::time::OffsetDateTime::now_utc().unix_timestamp()
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for HandSession {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        let session = request
            .cookies()
            .get_private(HAND_COOKIE)
            .and_then(|cookie| serde_json::from_str::<HandSession>(cookie.value()).ok())
            .filter(|session| now() < session.exp);
        match session {
            Some(session) => Outcome::Success(session),
            None => Outcome::Error((Status::Unauthorized, ())),
        }
    }
}

#[get("/handwritten")]
pub fn handwritten(session: HandSession) -> &'static str {
    std::hint::black_box(&session);
    "hello"
}

#[get("/handwritten/start")]
pub fn handwritten_start(profile: Profile, jar: &CookieJar<'_>) -> &'static str {
    let session = HandSession {
        exp: now() + 8 * 3600,
        profile,
    };
    let json = serde_json::to_string(&session).expect("a profile serializes");
    jar.add_private(Cookie::build((HAND_COOKIE, json)).path("/").http_only(true));
    "started"
}

/// The WorkOS client id of the protected handler.
pub const CLIENT_ID: &str = "client_01JHM9S346Q3D25VT4F5V37E3S";

/// The README's hand-written login route, as it writes it.
#[get("/handwritten/login")]
pub fn handwritten_login(jar: &CookieJar<'_>) -> Redirect {
    let state: String = std::iter::repeat_with(|| format!("{:02x}", rand::random::<u8>()))
        .take(32)
        .collect();
    jar.add_private(
        Cookie::build(("oauth_state", state.clone()))
            .same_site(SameSite::Lax)
            .http_only(true),
    );
    Redirect::to(format!(
        "https://api.workos.com/sso/authorize?client_id={CLIENT_ID}&response_type=code\
         &redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2Fcallback&organization={ORGANIZATION}&state={state}"
    ))
}

/// The application, on the embedded emulator, logging off, on 127.0.0.1:`PORT`.
pub fn rocket() -> Rocket<Build> {
    let figment = rocket::Config::figment()
        .merge(("address", "127.0.0.1"))
        .merge(("port", PORT))
        .merge(("log_level", "off"))
        .merge(("secret_key", SECRET_KEY))
        .merge(("workos.emulator", true));
    rocket::custom(figment).attach(WorkosSso::fairing()).mount(
        "/",
        routes![
            plain,
            protected,
            handwritten,
            handwritten_start,
            handwritten_login
        ],
    )
}

/// Signs in through the emulator and returns the sealed session cookie's value (as a browser holds it).
pub async fn signed_in_cookie(client: &Client) -> String {
    let emulator = WorkosSso::emulator(client.rocket()).expect("on the emulator");
    emulator.set_auto_login(AutoLogin::FirstUser);
    let login = client
        .get("/sso/login?return_to=/protected")
        .dispatch()
        .await;
    let authorize = login.headers().get_one("Location").unwrap().to_owned();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let idp = browser.get(&authorize).send().await.unwrap();
    let callback = url::Url::parse(idp.headers()["location"].to_str().unwrap()).unwrap();
    let path = format!("{}?{}", callback.path(), callback.query().unwrap());
    let done = client.get(path).dispatch().await;
    assert_eq!(done.status(), Status::SeeOther);
    let cookie = client
        .cookies()
        .get(SESSION_COOKIE)
        .expect("a session cookie")
        .value()
        .to_owned();
    assert_eq!(
        client.get("/protected").dispatch().await.status(),
        Status::Ok,
        "the cookie signs in"
    );
    cookie
}

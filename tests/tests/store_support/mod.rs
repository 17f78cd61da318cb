//! What the session-store tests share: an application with revocation routes on a Redis store, and
//! the requests its tests make (sign in, who is this, the protected page, logout, revoke).
#![allow(dead_code)] // each test binary uses its own subset

use std::time::Duration;

use rocket::figment::Figment;
use rocket::http::{Accept, Cookie, Method, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, post, routes};
use rocket_workos_sso::emulator::AutoLogin;
use rocket_workos_sso::{Profile, Revocation, RevocationError, WorkosSso};

use super::redis_support::Redis;
use super::security_support::*;

/// Revocation, as an application's handlers call it.
#[post("/revoke/user/<id>")]
async fn revoke_user(id: &str, store: Revocation) -> String {
    answer(store.revoke_user(id).await)
}

#[post("/revoke/organization/<id>")]
async fn revoke_organization(id: &str, store: Revocation) -> String {
    answer(store.revoke_organization(id).await)
}

#[post("/revoke/others")]
async fn revoke_others(_profile: Profile, store: Revocation) -> String {
    answer(store.revoke_other_sessions().await)
}

pub fn answer(result: Result<usize, RevocationError>) -> String {
    match result {
        Ok(ended) => format!("ended {ended}"),
        Err(error) => format!("error: {error}"),
    }
}

/// The test configuration with the sessions in `redis`; `session_cache_ms = 0` unless a test sets it,
/// so that each request reads the store.
pub fn with_store(redis: &Redis) -> Figment {
    figment(SECRET_KEY)
        .merge(("workos.session_store", redis.url()))
        .merge(("workos.session_cache_ms", 0))
        .merge(("workos.session_store_timeout_ms", 300))
}

/// An instance of the application on `figment`, its emulator signing in at once.
pub async fn instance(figment: Figment) -> Client {
    instance_with(figment, WorkosSso::fairing()).await
}

pub async fn instance_with(figment: Figment, fairing: WorkosSso) -> Client {
    let rocket = app_with(figment, fairing).mount(
        "/",
        routes![revoke_user, revoke_organization, revoke_others, store_kind],
    );
    let client = Client::tracked(rocket)
        .await
        .expect("the application launches");
    emulator(&client).set_auto_login(AutoLogin::FirstUser);
    client
}

#[get("/store")]
fn store_kind(store: Revocation) -> &'static str {
    if store.is_server_side() {
        "server"
    } else {
        "cookie"
    }
}

/// Signs `email` in on `client` through `/sec/any` of `organization`; returns the session cookie's value.
pub async fn signed_in(client: &Client, organization: &str, email: &str) -> String {
    let login = format!("/sso/login?organization={organization}&return_to=/sec/any");
    let response = sign_in(client, &login, email).await;
    let status = response.status();
    assert_eq!(
        status,
        Status::SeeOther,
        "{email} signs in: {:?}",
        response.into_string().await
    );
    session_of(client)
}

pub fn session_of(client: &Client) -> String {
    client
        .cookies()
        .get(SESSION_COOKIE)
        .expect("a session cookie")
        .value()
        .to_owned()
}

/// Who `client`'s instance says the bearer of `session` is (`/sec/me` with only that cookie): the
/// status and `email|organization` or `anonymous`.
pub async fn who(client: &Client, session: &str) -> (Status, String) {
    let response = client
        .get("/sec/me")
        .cookie(Cookie::new(SESSION_COOKIE, session.to_owned()))
        .dispatch()
        .await;
    let status = response.status();
    (status, response.into_string().await.unwrap_or_default())
}

/// What a protected page answers the bearer of `session` (JSON, so a 401 or 503 is a status, not a
/// redirect).
pub async fn protected(client: &Client, session: &str) -> (Status, String) {
    let response = client
        .get("/sec/any")
        .header(Accept::JSON)
        .cookie(Cookie::new(SESSION_COOKIE, session.to_owned()))
        .dispatch()
        .await;
    let status = response.status();
    (status, response.into_string().await.unwrap_or_default())
}

/// The logout route, by `POST` (the Sign out button) or `GET` (a link, or the identity provider's
/// logout arriving), for the bearer of `session`.
pub async fn logout<'c>(
    client: &'c Client,
    method: Method,
    session: &str,
) -> rocket::local::asynchronous::LocalResponse<'c> {
    client
        .req(method, "/sso/logout")
        .header(Accept::JSON)
        .cookie(Cookie::new(SESSION_COOKIE, session.to_owned()))
        .dispatch()
        .await
}

pub async fn post(client: &Client, uri: &str, session: &str) -> String {
    client
        .post(uri.to_owned())
        .cookie(Cookie::new(SESSION_COOKIE, session.to_owned()))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap_or_default()
}

/// The profile id of the seeded user `email` (WorkOS's `prof_…`).
pub fn user_id(client: &Client, email: &str) -> String {
    emulator(client).seed_with(|seed| {
        seed.users
            .iter()
            .find(|user| user.email == email)
            .expect("a seeded user")
            .id
            .clone()
    })
}

pub fn alice() -> String {
    format!("alice@example.com|{EXAMPLE_ORG_ID}")
}

/// Waits (up to 10 s) until `instance` serves `session` as `expected`; anything else on the way must
/// be a 503, never someone else and never "signed out".
pub async fn eventually_served(instance: &Client, session: &str, expected: &str) {
    for _ in 0..100 {
        let (status, body) = protected(instance, session).await;
        match status {
            Status::Ok => {
                assert_eq!(
                    who(instance, session).await,
                    (Status::Ok, expected.to_owned())
                );
                return;
            }
            Status::ServiceUnavailable => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("while Redis comes back: {other} {body}"),
        }
    }
    panic!("service did not resume within 10 s");
}

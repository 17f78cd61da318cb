//! `rocket_workos_sso::testing` as an application's own tests use it: no emulator, no WorkOS, an API key
//! in the test figment so the fairing launches, and sessions added with `signed_in_as`.

use std::time::Duration;

use rocket::http::{Accept, Status};
use rocket::{get, routes, Build, Rocket};
use rocket_workos_sso::profile::Role;
use rocket_workos_sso::session::SESSION_COOKIE;
use rocket_workos_sso::testing::{self, SignedIn};
use rocket_workos_sso::{workos_sso, Profile, WorkosSso};

const ORG: &str = "org_01JH3E28JT97KB6CQ643DZVMXX";

#[workos_sso(
    redirect_uri = "http://localhost:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX",
    role = "admin"
)]
#[get("/admin")]
fn admin(profile: Profile) -> String {
    format!("admin {}", profile.email)
}

#[workos_sso(
    redirect_uri = "http://localhost:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX",
    groups = ["Ops"]
)]
#[get("/ops")]
fn ops(profile: Profile) -> String {
    format!("{} groups={:?}", profile.email, profile.groups)
}

#[get("/me")]
fn me(profile: Profile) -> String {
    profile.name.clone().unwrap_or_default()
}

#[get("/maybe")]
fn maybe(profile: Option<Profile>) -> String {
    profile.map_or_else(|| "anonymous".to_owned(), |p| p.email.clone())
}

/// The app as a user's test builds it: an API key that is never used, and the emulator not asked for.
fn rocket() -> Rocket<Build> {
    let figment = rocket::Config::figment()
        .merge(("log_level", "off"))
        .merge(("workos.api_key", "sk_test_unused_in_tests"));
    rocket::custom(figment)
        .mount("/", routes![admin, ops, me, maybe])
        .attach(WorkosSso::fairing())
}

fn admin_profile() -> Profile {
    let mut profile = testing::profile("dana.reyes@example.com");
    profile.organization_id = Some(ORG.into());
    profile.role = Some(Role {
        slug: "admin".into(),
    });
    profile
}

#[rocket::async_test]
async fn an_app_with_an_api_key_launches_without_any_workos_server() {
    let client = rocket::local::asynchronous::Client::untracked(rocket())
        .await
        .expect("launches");
    assert!(WorkosSso::emulator(client.rocket()).is_none());
}

#[rocket::async_test]
async fn signed_in_as_reaches_a_protected_handler_with_the_async_client() {
    let client = rocket::local::asynchronous::Client::untracked(rocket())
        .await
        .unwrap();
    let response = client
        .get("/admin")
        .signed_in_as(&admin_profile())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_string().await.unwrap(),
        "admin dana.reyes@example.com"
    );
}

#[test]
fn signed_in_as_reaches_a_protected_handler_with_the_blocking_client() {
    let client = rocket::local::blocking::Client::untracked(rocket()).unwrap();
    let response = client
        .get("/admin")
        .signed_in_as(&admin_profile())
        .dispatch();
    assert_eq!(response.status(), Status::Ok);
    let response = client.get("/me").signed_in_as(&admin_profile()).dispatch();
    assert_eq!(response.into_string().unwrap(), "Dana Reyes");
}

#[test]
fn the_handler_rules_apply_to_a_test_session() {
    let client = rocket::local::blocking::Client::untracked(rocket()).unwrap();
    let mut member = admin_profile();
    member.role = Some(Role {
        slug: "member".into(),
    });
    let response = client.get("/admin").signed_in_as(&member).dispatch();
    assert_eq!(response.status(), Status::Forbidden);

    // Another organization is not signed in for a pinned handler: 403, with a link to sign in through
    // the handler's own organization.
    let mut outsider = admin_profile();
    outsider.organization_id = Some("org_01OTHER".into());
    let response = client
        .get("/admin")
        .header(Accept::HTML)
        .signed_in_as(&outsider)
        .dispatch();
    assert_eq!(response.status(), Status::Forbidden);
    let page = response.into_string().unwrap();
    assert!(
        page.contains("this page belongs to another organization"),
        "{page}"
    );
    assert!(page.contains("href=\"/sso/login?flow="), "{page}");

    let response = client.get("/maybe").dispatch();
    assert_eq!(response.into_string().unwrap(), "anonymous");
    let response = client.get("/maybe").signed_in_as(&outsider).dispatch();
    assert_eq!(response.into_string().unwrap(), "dana.reyes@example.com");
}

#[test]
fn a_test_session_is_trimmed_like_a_real_one() {
    let client = rocket::local::blocking::Client::untracked(rocket()).unwrap();
    let mut huge = admin_profile();
    huge.groups = (0..500).map(|i| format!("Group {i:03}")).collect();
    huge.groups.push("Ops".into());
    huge.custom_attributes
        .insert("blob".into(), "x".repeat(10_000).into());
    let response = client.get("/ops").signed_in_as(&huge).dispatch();
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_string().unwrap(),
        "dana.reyes@example.com groups=[\"Ops\"]"
    );
}

#[test]
fn a_session_cookie_issued_long_ago_has_expired() {
    let client = rocket::local::blocking::Client::untracked(rocket()).unwrap();
    let now = rocket::time::OffsetDateTime::now_utc().unix_timestamp();
    let expired = testing::session_cookie(
        client.rocket(),
        &admin_profile(),
        now - 7200,
        Duration::from_secs(3600),
    );
    assert_eq!(expired.name(), SESSION_COOKIE);
    let response = client.get("/maybe").cookie(expired).dispatch();
    assert_eq!(response.into_string().unwrap(), "anonymous");

    let fresh = testing::session_cookie(
        client.rocket(),
        &admin_profile(),
        now - 60,
        Duration::from_secs(3600),
    );
    let response = client.get("/maybe").cookie(fresh).dispatch();
    assert_eq!(response.into_string().unwrap(), "dana.reyes@example.com");
}

#[test]
fn the_configured_session_lifetime_applies_to_test_sessions() {
    // A test session is issued now with the app's lifetime, so it is valid now.
    let figment = rocket::Config::figment()
        .merge(("log_level", "off"))
        .merge(("workos.api_key", "sk_test_unused_in_tests"))
        .merge(("workos.session_lifetime", 60));
    let rocket = rocket::custom(figment)
        .mount("/", routes![maybe])
        .attach(WorkosSso::fairing());
    let client = rocket::local::blocking::Client::untracked(rocket).unwrap();
    let response = client
        .get("/maybe")
        .signed_in_as(&admin_profile())
        .dispatch();
    assert_eq!(response.into_string().unwrap(), "dana.reyes@example.com");
}

#[test]
fn test_profiles_are_plausible_and_stable() {
    let dana = testing::profile("dana.reyes@example.com");
    assert!(dana.id.starts_with("prof_"));
    assert_eq!(dana.email, "dana.reyes@example.com");
    assert_eq!(dana.first_name.as_deref(), Some("Dana"));
    assert_eq!(dana.last_name.as_deref(), Some("Reyes"));
    assert_eq!(dana, testing::profile("dana.reyes@example.com"));
    assert_eq!(dana.organization_id, None);
}

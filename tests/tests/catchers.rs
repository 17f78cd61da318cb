//! Catchers compose: an application without 401/403 catchers gets the library's; one with its own keeps
//! them (the library adds none over them) and can still send browsers to sign in with
//! `rocket_workos_sso::sign_in`, while its JSON clients see the application's own body.

mod support;

use rocket::http::{Accept, Status};
use rocket::serde::json::{json, Json, Value};
use rocket::{catch, catchers, get, routes, Request};
use rocket_workos_sso::{workos_sso, Profile, SignIn, WorkosSso};
use support::*;

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[get("/reports")]
fn reports(profile: Profile) -> String {
    profile.email.clone()
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX",
    role = "auditor"
)]
#[get("/audit")]
fn audit() -> &'static str {
    "audit"
}

/// A 401 of the application's own, not the library's.
struct ApiKey;

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for ApiKey {
    type Error = ();

    async fn from_request(_: &'r Request<'_>) -> rocket::request::Outcome<Self, ()> {
        rocket::request::Outcome::Error((Status::Unauthorized, ()))
    }
}

#[get("/api/key")]
fn api_key(_key: ApiKey) -> &'static str {
    "never"
}

/// The application's 401 catcher, as the README shows it: browsers the library turned away go to sign
/// in, everyone else gets the application's JSON.
#[catch(401)]
fn unauthorized(request: &Request<'_>) -> Result<SignIn, Json<Value>> {
    match rocket_workos_sso::sign_in(request) {
        Some(sign_in) if sign_in.is_browser() => Ok(sign_in),
        sign_in => Err(Json(json!({
            "app_error": "please authenticate",
            "login_url": sign_in.map(|sign_in| sign_in.login_url().to_owned()),
        }))),
    }
}

#[catch(403)]
fn forbidden() -> Json<Value> {
    Json(json!({ "app_error": "not yours" }))
}

#[catch(default)]
fn everything(status: Status, _: &Request<'_>) -> String {
    format!("the application's page for {}", status.code)
}

fn app() -> rocket::Rocket<rocket::Build> {
    rocket::custom(figment()).mount("/", routes![reports, audit, api_key])
}

#[rocket::async_test]
async fn without_catchers_of_its_own_an_app_gets_the_librarys() {
    let client = client(app()).await;
    let response = browse(&client, "/reports").await;
    assert_eq!(response.status(), Status::SeeOther);
    assert!(location(&response).starts_with("/sso/login?flow="));
    let response = client.get("/reports").header(Accept::JSON).dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized);
    let body: Value = response.into_json().await.unwrap();
    assert_eq!(body["error"], "unauthenticated");
    assert!(body["login_url"]
        .as_str()
        .unwrap()
        .starts_with("/sso/login?flow="));
}

#[rocket::async_test]
async fn an_apps_own_401_catcher_still_sends_browsers_to_sign_in_through_the_helper() {
    let client = client(app().register("/", catchers![unauthorized, forbidden])).await;
    let response = browse(&client, "/reports").await;
    assert_eq!(response.status(), Status::SeeOther);
    let login = location(&response);
    assert!(login.starts_with("/sso/login?flow="), "{login}");
    assert!(login.ends_with("&return_to=%2Freports"), "{login}");
    assert_eq!(
        response.headers().get_one("Cache-Control"),
        Some("no-store")
    );
    // The sign-in it starts completes and lands on the page.
    assert_eq!(sign_in(&client, "/reports").await, "/reports");
    assert_eq!(browse(&client, "/reports").await.status(), Status::Ok);
}

#[rocket::async_test]
async fn json_clients_see_the_apps_own_body() {
    let client = client(app().register("/", catchers![unauthorized, forbidden])).await;
    let response = client.get("/reports").header(Accept::JSON).dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized);
    let body: Value = response.into_json().await.unwrap();
    assert_eq!(body["app_error"], "please authenticate");
    assert!(body["login_url"]
        .as_str()
        .unwrap()
        .starts_with("/sso/login?flow="));
    assert!(body.get("error").is_none(), "{body}");
    // A 401 of the application's own guard is not a sign-in, for a browser either.
    let response = browse(&client, "/api/key").await;
    assert_eq!(response.status(), Status::Unauthorized);
    let body: Value = response.into_json().await.unwrap();
    assert_eq!(body["login_url"], Value::Null);
}

#[rocket::async_test]
async fn the_apps_403_catcher_answers_refusals() {
    let client = client(app().register("/", catchers![unauthorized, forbidden])).await;
    sign_in(&client, "/reports").await;
    // Alice has no `auditor` role.
    let response = browse(&client, "/audit").await;
    assert_eq!(response.status(), Status::Forbidden);
    let body: Value = response.into_json().await.unwrap();
    assert_eq!(body, json!({ "app_error": "not yours" }));
}

#[rocket::async_test]
async fn the_librarys_pages_offer_only_next_steps_that_work() {
    // This app has no home page: no page of the library links to one.
    let client = client(app()).await;
    sign_in(&client, "/reports").await;
    let response = browse(&client, "/audit").await;
    assert_eq!(response.status(), Status::Forbidden);
    let page = response.into_string().await.unwrap();
    assert!(page.contains("requires the role `auditor`"), "{page}");
    assert!(
        page.contains(r#"<form method="post" action="/sso/logout"><button type="submit">Sign out</button></form>"#),
        "signed in but refused: sign out to sign in as someone else\n{page}"
    );
    assert!(!page.contains(r#"href="/""#), "{page}");
    let response = browse(&client, "/sso/login?flow=0123456789ab").await;
    assert_eq!(response.status(), Status::BadRequest);
    let page = response.into_string().await.unwrap();
    assert!(page.contains(">Sign in again</a>"), "{page}");
    // With a home page, the refusal offers it too.
    let client = client_with_home().await;
    sign_in(&client, "/reports").await;
    let page = browse(&client, "/audit").await.into_string().await.unwrap();
    assert!(
        page.contains(r#"<a href="/">Back to the home page</a>"#),
        "{page}"
    );
}

#[get("/")]
fn home() -> &'static str {
    "home"
}

async fn client_with_home() -> rocket::local::asynchronous::Client {
    client(app().mount("/", routes![home])).await
}

#[rocket::async_test]
async fn a_default_catcher_of_the_app_is_not_overridden() {
    let client = client(app().register("/", catchers![everything])).await;
    let response = browse(&client, "/reports").await;
    assert_eq!(response.status(), Status::Unauthorized);
    assert_eq!(
        response.into_string().await.unwrap(),
        "the application's page for 401"
    );
}

#[rocket::async_test]
async fn the_librarys_catchers_can_be_registered_under_a_base() {
    let rocket = rocket::custom(figment())
        .mount("/app", routes![reports])
        .mount("/", routes![api_key])
        .register("/", catchers![everything])
        .register("/app", WorkosSso::catchers());
    let client = client(rocket).await;
    let response = browse(&client, "/app/reports").await;
    assert_eq!(response.status(), Status::SeeOther);
    assert!(location(&response).contains("return_to=%2Fapp%2Freports"));
    let response = browse(&client, "/api/key").await;
    assert_eq!(
        response.into_string().await.unwrap(),
        "the application's page for 401"
    );
}

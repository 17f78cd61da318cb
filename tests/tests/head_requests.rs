//! A HEAD to the login, callback or logout route changes nothing. Rocket answers HEAD with a route's GET
//! handler when there is no HEAD route, so without routes of their own a link checker or prefetcher
//! would consume a login, call WorkOS, start a session or sign the user out.

mod support;

use rocket::http::Status;
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{get, routes};
use rocket_workos_sso::{workos_sso, Profile};
use support::*;

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    profile.email.clone()
}

async fn app() -> Client {
    client(rocket::custom(figment()).mount("/", routes![dashboard])).await
}

/// A HEAD to `uri`, which must answer without a body, a cookie or a redirect.
async fn head<'c>(client: &'c Client, uri: &str) -> LocalResponse<'c> {
    let response = client.head(uri.to_owned()).dispatch().await;
    assert_eq!(response.status(), Status::NoContent, "HEAD {uri}");
    assert_eq!(set_cookies(&response), Vec::<String>::new(), "HEAD {uri}");
    assert_eq!(response.headers().get_one("Location"), None, "HEAD {uri}");
    response
}

#[rocket::async_test]
async fn a_head_to_the_callback_consumes_nothing_and_calls_no_workos() {
    let client = app().await;
    let authorize_url = start_login(&client, "/sso/login").await;
    let callback = path_and_query(&authorize(authorize_url.as_str()).await);
    head(&client, &callback).await;
    assert_eq!(emulator(&client).request_count("/sso/token"), 0);
    assert_eq!(
        browse(&client, "/dashboard").await.status(),
        Status::SeeOther
    );
    // The login is still there for the browser's GET, which completes it.
    let response = browse(&client, &callback).await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(location(&response), "/");
    assert_eq!(emulator(&client).request_count("/sso/token"), 1);
    drop(response);
    assert_eq!(browse(&client, "/dashboard").await.status(), Status::Ok);
}

#[rocket::async_test]
async fn a_head_to_the_login_route_starts_no_login() {
    let client = app().await;
    head(&client, "/sso/login?return_to=%2Fdashboard").await;
    assert!(client.cookies().iter().next().is_none());
}

#[rocket::async_test]
async fn a_head_to_the_logout_route_leaves_the_session_valid() {
    let client = app().await;
    sign_in(&client, "/dashboard").await;
    head(&client, "/sso/logout").await;
    let response = browse(&client, "/dashboard").await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.into_string().await.unwrap(), "alice@example.com");
}

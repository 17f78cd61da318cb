//! Every branch of the login flow through `rocket::local`, against the emulator the fairing starts for
//! each test: the guards' challenges, the login route, the callback's state, error, organization and
//! fault handling, sessions (lifetime, tampering, size), logout, and several handler configurations
//! side by side.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rocket::http::{Accept, Header, Method, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, post, route, routes, Build, Rocket};
use rocket_workos_sso::emulator::{AutoLogin, Fault, User, EXAMPLE_CONNECTION_ID};
use rocket_workos_sso::session::SESSION_COOKIE;
use rocket_workos_sso::{fuzzing, testing, workos_sso, Profile, WorkosSso};
use serde_json::Value;
use support::*;
use url::Url;

const EXAMPLE_ORG: &str = "org_01JH3E28JT97KB6CQ643DZVMXX";
const GLOBEX_ORG: &str = "org_01JHS3C4DWA7N36096Q14DR9GP";

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    format!("dashboard for {}", profile.email)
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[post("/dashboard")]
fn save_dashboard() -> &'static str {
    "saved"
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX",
    role = "admin"
)]
#[get("/admin")]
fn admin(profile: Profile) -> String {
    format!("admin {}", profile.email)
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX",
    groups = ["Engineering"]
)]
#[get("/engineering")]
fn engineering() -> &'static str {
    "engineering"
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX",
    groups = ["Finance", "Engineering"]
)]
#[get("/finance")]
fn finance() -> &'static str {
    "finance"
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JHS3C4DWA7N36096Q14DR9GP"
)]
#[get("/globex")]
fn globex(profile: Profile) -> String {
    format!("globex for {}", profile.email)
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/idp/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX",
    allow_idp_initiated = true
)]
#[get("/idp")]
fn idp(profile: Profile) -> String {
    format!("idp for {}", profile.email)
}

#[workos_sso(
    redirect_uri = "https://localhost:8000/secure/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[get("/secure")]
fn secure() -> &'static str {
    "secure"
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S"
)]
#[get("/any")]
fn any_organization(profile: Profile) -> String {
    format!("any for {}", profile.email)
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX",
    login_hint = "bob@example.com",
    domain_hint = "example.com"
)]
#[get("/hinted")]
fn hinted(profile: Profile) -> String {
    format!("hinted for {}", profile.email)
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    connection = "conn_01JHQY77ZXYYK596NGYA1DQ91K"
)]
#[get("/globex-okta")]
fn globex_okta(profile: Profile) -> String {
    format!("okta for {}", profile.email)
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    provider = "GoogleOAuth"
)]
#[get("/google")]
fn google(profile: Profile) -> String {
    format!("google for {}", profile.email)
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    providers = ["GoogleOAuth"]
)]
#[get("/any-or-google")]
fn any_or_google(profile: Profile) -> String {
    format!("any or google for {}", profile.email)
}

static COUNTED_RUNS: AtomicUsize = AtomicUsize::new(0);

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[route(GET, uri = "/counted")]
fn counted() -> &'static str {
    COUNTED_RUNS.fetch_add(1, Ordering::SeqCst);
    "ran"
}

#[get("/me")]
fn me(profile: Profile) -> String {
    format!(
        "{} groups={} attributes={}",
        profile.email,
        profile.groups.len(),
        profile.custom_attributes.len()
    )
}

#[get("/maybe")]
fn maybe(profile: Option<Profile>) -> String {
    profile.map_or_else(|| "anonymous".to_owned(), |p| p.email.clone())
}

fn rocket_with(figment: rocket::figment::Figment) -> Rocket<Build> {
    rocket::custom(figment).mount(
        "/",
        routes![
            dashboard,
            save_dashboard,
            admin,
            engineering,
            finance,
            globex,
            idp,
            secure,
            any_organization,
            counted,
            hinted,
            globex_okta,
            google,
            any_or_google,
            me,
            maybe
        ],
    )
}

async fn app() -> Client {
    client(rocket_with(figment())).await
}

/// Now, in Unix seconds, as the runtime reads the clock.
fn now() -> i64 {
    rocket::time::OffsetDateTime::now_utc().unix_timestamp()
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// The flow key in a login route URL.
fn flow_of(login_url: &str) -> String {
    let url = Url::parse("http://app.test")
        .unwrap()
        .join(login_url)
        .unwrap();
    query_param(&url, "flow").expect("a flow parameter")
}

fn token_calls(client: &Client) -> u64 {
    emulator(client).request_count("/sso/token")
}

// ---------------------------------------------------------------------------------------------------
// Guards: who is sent to sign in, who gets 401, and that the handler never runs.

#[rocket::async_test]
async fn unauthenticated_browser_get_is_sent_to_login_with_the_original_path_and_query() {
    let client = app().await;
    let response = browse(&client, "/dashboard?tab=2&q=a%20b").await;
    assert_eq!(response.status(), Status::SeeOther);
    let login = location(&response);
    let flow = flow_of(&login);
    assert_eq!(
        login,
        format!("/sso/login?flow={flow}&return_to=%2Fdashboard%3Ftab%3D2%26q%3Da%2520b")
    );
    assert_eq!(
        response.headers().get_one("Cache-Control"),
        Some("no-store")
    );
}

#[rocket::async_test]
async fn unauthenticated_requests_never_run_the_protected_handler() {
    let client = app().await;
    let before = COUNTED_RUNS.load(Ordering::SeqCst);
    assert_eq!(browse(&client, "/counted").await.status(), Status::SeeOther);
    let api = client
        .get("/counted")
        .header(json_accept())
        .dispatch()
        .await;
    assert_eq!(api.status(), Status::Unauthorized);
    assert_eq!(COUNTED_RUNS.load(Ordering::SeqCst), before);
}

#[rocket::async_test]
async fn unauthenticated_json_request_gets_401_json_naming_the_login_url() {
    let client = app().await;
    let response = client
        .get("/dashboard?x=1")
        .header(json_accept())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Unauthorized);
    assert_eq!(
        response.content_type(),
        Some(rocket::http::ContentType::JSON)
    );
    let body = json(&response.into_string().await.unwrap());
    assert_eq!(body["error"], "unauthenticated");
    let login_url = body["login_url"].as_str().unwrap();
    assert!(
        login_url.starts_with("/sso/login?flow=")
            && login_url.ends_with("&return_to=%2Fdashboard%3Fx%3D1"),
        "{login_url}"
    );
}

#[rocket::async_test]
async fn unauthenticated_xhr_with_html_accept_gets_401_json() {
    let client = app().await;
    let response = client
        .get("/dashboard")
        .header(Header::new("Accept", "text/html"))
        .header(Header::new("X-Requested-With", "XMLHttpRequest"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Unauthorized);
    let body = json(&response.into_string().await.unwrap());
    assert_eq!(body["error"], "unauthenticated");
}

#[rocket::async_test]
async fn unauthenticated_post_from_a_browser_gets_401_not_a_redirect() {
    let client = app().await;
    let response = client
        .post("/dashboard")
        .header(Header::new("Accept", "text/html"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Unauthorized);
    assert!(response.headers().get_one("Location").is_none());
    let page = response.into_string().await.unwrap();
    assert!(page.contains("Sign in required"), "{page}");
}

#[rocket::async_test]
async fn profile_as_a_plain_guard_challenges_then_serves_the_signed_in_user() {
    let client = app().await;
    let response = browse(&client, "/me").await;
    assert_eq!(response.status(), Status::SeeOther);
    let login = location(&response);
    assert!(login.ends_with("&return_to=%2Fme"), "{login}");
    // The plain guard's login is the flow that takes the organization from the query.
    let authorize_url = start_login(&client, &format!("{login}&organization={EXAMPLE_ORG}")).await;
    assert_eq!(
        query_param(&authorize_url, "organization").as_deref(),
        Some(EXAMPLE_ORG)
    );
    let callback = authorize(authorize_url.as_str()).await;
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(location(&response), "/me");
    let response = browse(&client, "/me").await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_string().await.unwrap(),
        "alice@example.com groups=2 attributes=2"
    );
}

#[rocket::async_test]
async fn optional_profile_is_none_when_signed_out_and_some_when_signed_in() {
    let client = app().await;
    let response = browse(&client, "/maybe").await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.into_string().await.unwrap(), "anonymous");
    sign_in(&client, "/dashboard").await;
    let response = browse(&client, "/maybe").await;
    assert_eq!(response.into_string().await.unwrap(), "alice@example.com");
}

// ---------------------------------------------------------------------------------------------------
// The login route.

#[rocket::async_test]
async fn login_seals_a_fresh_state_and_pkce_in_a_lax_httponly_cookie_and_redirects_to_workos() {
    let client = app().await;
    let response = browse(&client, "/dashboard").await;
    let login = location(&response);
    let response = browse(&client, &login).await;
    assert_eq!(response.status(), Status::SeeOther);
    let authorize_url = Url::parse(&location(&response)).unwrap();
    let emulator_base = emulator(&client).base_url().clone();
    assert_eq!(
        authorize_url.as_str().split('?').next().unwrap(),
        emulator_base.join("sso/authorize").unwrap().as_str()
    );
    let param = |name| query_param(&authorize_url, name);
    assert_eq!(param("client_id").as_deref(), Some(CLIENT_ID));
    assert_eq!(
        param("redirect_uri").as_deref(),
        Some("http://127.0.0.1:8000/callback")
    );
    assert_eq!(param("response_type").as_deref(), Some("code"));
    assert_eq!(param("organization").as_deref(), Some(EXAMPLE_ORG));
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(param("code_challenge").unwrap().len(), 43);
    // At least 128 bits of randomness, base64url-encoded: 22 characters or more.
    let state = param("state").unwrap();
    assert!(state.len() >= 22, "{state}");

    // The login's cookie, and the one naming the slot the next login takes.
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    let cookie = &login_cookie(&response, "workos_sso_flow_");
    let next = login_cookie(&response, "workos_sso_next_login=");
    assert!(next.starts_with("workos_sso_next_login=1;"), "{next}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/callback", "Max-Age=600"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http callback: {cookie}");
    // The state and the verifier are sealed, not readable.
    assert!(!cookie.contains(&state), "{cookie}");

    // Another login gets another state.
    let again = start_login(&client, &login).await;
    assert_ne!(query_param(&again, "state").unwrap(), state);
}

#[rocket::async_test]
async fn login_for_an_https_callback_marks_its_cookie_secure() {
    let client = app().await;
    let login = location(&browse(&client, "/secure").await);
    let response = browse(&client, &login).await;
    assert_eq!(response.status(), Status::SeeOther);
    let cookie = login_cookie(&response, "workos_sso_flow_");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("Path=/secure/callback"), "{cookie}");
    // This app also has plain-http callbacks, so the names are plain; the callback's removal still
    // carries the `Secure` of this login's own flow.
    let name = cookie.split('=').next().unwrap().to_owned();
    let callback = authorize(&location(&response)).await;
    drop(response);
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::SeeOther);
    let removal = removal_of(&response, &name);
    assert_eq!(removal.secure(), Some(true), "{removal}");
    assert_eq!(removal.path(), Some("/secure/callback"), "{removal}");
}

#[rocket::async_test]
async fn login_with_an_unknown_flow_is_a_400_page() {
    let client = app().await;
    let response = browse(&client, "/sso/login?flow=000000000000&return_to=%2F").await;
    assert_eq!(response.status(), Status::BadRequest);
    assert!(set_cookies(&response).is_empty());
    let page = response.into_string().await.unwrap();
    assert!(page.contains("<code>unknown_flow</code>"), "{page}");
}

#[rocket::async_test]
async fn login_for_the_unpinned_flow_needs_exactly_one_identity_provider() {
    let client = app().await;
    let login = location(&browse(&client, "/any").await);
    let response = client
        .get(login.clone())
        .header(json_accept())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::BadRequest);
    let body = json(&response.into_string().await.unwrap());
    assert_eq!(body["error"], "missing_selector");
    let response = client
        .get(format!("{login}&organization=acme"))
        .header(json_accept())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::BadRequest);
    let body = json(&response.into_string().await.unwrap());
    assert_eq!(body["error"], "invalid_selector");
}

#[rocket::async_test]
async fn a_pinned_login_refuses_a_malformed_selector_and_ignores_a_valid_one() {
    let client = app().await;
    // `/dashboard` is pinned to Example Corp.
    let login = location(&browse(&client, "/dashboard").await);
    for bad in [
        "organization=acme",
        "connection=org_01A",
        "provider=Google%20OAuth",
    ] {
        let response = client
            .get(format!("{login}&{bad}"))
            .header(json_accept())
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::BadRequest, "{bad}");
        let body = json(&response.into_string().await.unwrap());
        assert_eq!(body["error"], "invalid_selector", "{bad}");
    }
    let authorize_url = start_login(&client, &format!("{login}&organization={GLOBEX_ORG}")).await;
    assert_eq!(
        query_param(&authorize_url, "organization").as_deref(),
        Some(EXAMPLE_ORG),
        "the pin wins over a well-formed selector in the query"
    );
}

#[rocket::async_test]
async fn an_offsite_return_to_lands_on_the_home_page() {
    let client = app().await;
    let login = location(&browse(&client, "/dashboard").await);
    let flow = flow_of(&login);
    for hostile in [
        "%2F%2Fevil.example%2Fphish",
        "https%3A%2F%2Fevil.example",
        "%2F%5Cevil.example",
    ] {
        let authorize_url = start_login(
            &client,
            &format!("/sso/login?flow={flow}&return_to={hostile}"),
        )
        .await;
        let callback = authorize(authorize_url.as_str()).await;
        let response = browse(&client, &path_and_query(&callback)).await;
        assert_eq!(response.status(), Status::SeeOther);
        assert_eq!(location(&response), "/", "{hostile}");
    }
}

// ---------------------------------------------------------------------------------------------------
// The callback: state, errors, organization.

#[rocket::async_test]
async fn a_full_sign_in_returns_to_the_original_page_and_serves_it() {
    let client = app().await;
    let target = sign_in(&client, "/dashboard?tab=2&q=a%20b").await;
    assert_eq!(target, "/dashboard?tab=2&q=a%20b");
    assert_eq!(token_calls(&client), 1);
    let response = browse(&client, &target).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_string().await.unwrap(),
        "dashboard for alice@example.com"
    );
}

#[rocket::async_test]
async fn the_callback_clears_the_state_cookie_and_sets_a_hardened_session_cookie() {
    let client = app().await;
    let login = location(&browse(&client, "/dashboard").await);
    let authorize_url = start_login(&client, &login).await;
    let callback = authorize(authorize_url.as_str()).await;
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::SeeOther);
    let cookies = set_cookies(&response);
    let removal = cookies
        .iter()
        .find(|c| c.starts_with("workos_sso_flow_"))
        .expect("the state cookie is removed");
    assert!(removal.contains("Max-Age=0"), "{removal}");
    assert!(removal.contains("Path=/callback"), "{removal}");
    let session = set_cookie(&response, SESSION_COOKIE).expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=28800"] {
        assert!(
            session.contains(attribute),
            "{attribute} missing: {session}"
        );
    }
    assert!(
        !session.contains("alice"),
        "the session is sealed: {session}"
    );
}

#[rocket::async_test]
async fn two_logins_started_in_two_tabs_both_complete() {
    let client = app().await;
    let first = start_login(&client, &location(&browse(&client, "/dashboard").await)).await;
    let second = start_login(&client, &location(&browse(&client, "/admin").await)).await;
    let first_callback = authorize(first.as_str()).await;
    let second_callback = authorize(second.as_str()).await;

    let response = browse(&client, &path_and_query(&second_callback)).await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(location(&response), "/admin");
    let response = browse(&client, &path_and_query(&first_callback)).await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(location(&response), "/dashboard");
    assert_eq!(token_calls(&client), 2);
    assert_eq!(browse(&client, "/dashboard").await.status(), Status::Ok);
}

#[rocket::async_test]
async fn a_callback_without_a_state_cookie_is_400_and_workos_is_not_called() {
    let client = app().await;
    let response = client
        .get("/callback?code=01JCODE&state=forged-state-value")
        .header(json_accept())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::BadRequest);
    let body = json(&response.into_string().await.unwrap());
    assert_eq!(body["error"], "invalid_state");
    assert_eq!(token_calls(&client), 0);
}

#[rocket::async_test]
async fn a_callback_with_another_state_is_400_and_workos_is_not_called() {
    let client = app().await;
    let authorize_url = start_login(&client, &location(&browse(&client, "/dashboard").await)).await;
    let mut callback = authorize(authorize_url.as_str()).await;
    let code = query_param(&callback, "code").unwrap();
    callback
        .query_pairs_mut()
        .clear()
        .append_pair("code", &code)
        .append_pair("state", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::BadRequest);
    let page = response.into_string().await.unwrap();
    assert!(page.contains("<code>invalid_state</code>"), "{page}");
    assert_eq!(token_calls(&client), 0);
    assert_eq!(
        browse(&client, "/dashboard").await.status(),
        Status::SeeOther
    );
}

#[rocket::async_test]
async fn a_replayed_callback_is_400_and_the_code_is_not_exchanged_again() {
    let client = app().await;
    let authorize_url = start_login(&client, &location(&browse(&client, "/dashboard").await)).await;
    let callback = path_and_query(&authorize(authorize_url.as_str()).await);
    assert_eq!(browse(&client, &callback).await.status(), Status::SeeOther);
    let replay = browse(&client, &callback).await;
    assert_eq!(replay.status(), Status::BadRequest);
    assert!(set_cookie(&replay, SESSION_COOKIE).is_none());
    assert_eq!(token_calls(&client), 1);
}

#[rocket::async_test]
async fn a_state_cookie_from_another_browser_does_not_complete_the_login() {
    let victim = app().await;
    let attacker = app().await;
    let authorize_url =
        start_login(&attacker, &location(&browse(&attacker, "/dashboard").await)).await;
    // The attacker's login, finished with the attacker's own code, in the victim's browser.
    let (status, _) = {
        let callback = authorize(authorize_url.as_str()).await;
        let response = browse(&victim, &path_and_query(&callback)).await;
        (response.status(), ())
    };
    assert_eq!(status, Status::BadRequest);
    assert_eq!(token_calls(&victim), 0);
}

#[rocket::async_test]
async fn an_error_callback_shows_an_escaped_page_without_calling_workos() {
    let client = app().await;
    let authorize_url = start_login(&client, &location(&browse(&client, "/dashboard").await)).await;
    let state = query_param(&authorize_url, "state").unwrap();
    let mut callback = Url::parse("http://127.0.0.1:8000/callback").unwrap();
    callback
        .query_pairs_mut()
        .append_pair("error", "<script>alert(1)</script>")
        .append_pair("error_description", "<img src=x onerror=alert(2)>")
        .append_pair("state", &state);
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::BadRequest);
    assert_eq!(
        response.content_type(),
        Some(rocket::http::ContentType::HTML)
    );
    let page = response.into_string().await.unwrap();
    assert!(
        !page.contains("<script>") && !page.contains("<img"),
        "{page}"
    );
    assert!(page.contains("<code>sso_error</code>"), "{page}");
    assert!(page.contains("Sign-in failed"), "{page}");
    assert_eq!(token_calls(&client), 0);
}

#[rocket::async_test]
async fn an_access_denied_callback_is_403_json_for_api_clients() {
    let client = app().await;
    let authorize_url = start_login(&client, &location(&browse(&client, "/dashboard").await)).await;
    let state = query_param(&authorize_url, "state").unwrap();
    let response = client
        .get(format!(
            "/callback?error=access_denied&error_description=User%20cancelled&state={state}"
        ))
        .header(json_accept())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Forbidden);
    let body = json(&response.into_string().await.unwrap());
    assert_eq!(body["error"], "access_denied");
    assert!(body["login_url"]
        .as_str()
        .unwrap()
        .starts_with("/sso/login"));
    assert_eq!(token_calls(&client), 0);
}

#[rocket::async_test]
async fn an_error_redirect_from_the_emulator_is_shown_as_a_sign_in_failure() {
    let client = app().await;
    let login = location(&browse(&client, "/any").await);
    // Umbrella's only connection is inactive: WorkOS sends the browser back with an error.
    let authorize_url = start_login(
        &client,
        &format!("{login}&organization=org_01JH1RNJ47E65GH2BH8VGS9ZM5"),
    )
    .await;
    let callback = authorize(authorize_url.as_str()).await;
    assert!(query_param(&callback, "error").is_some(), "{callback}");
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::BadRequest);
    let page = response.into_string().await.unwrap();
    assert!(page.contains("Sign-in failed"), "{page}");
    assert_eq!(token_calls(&client), 0);
}

#[rocket::async_test]
async fn a_profile_from_another_organization_is_refused_with_403_and_no_session() {
    let client = app().await;
    let authorize_url = start_login(&client, &location(&browse(&client, "/dashboard").await)).await;
    // The browser is steered to Globex's IdP with the state of a login for Example Corp.
    let mut steered = authorize_url.clone();
    let pairs: Vec<(String, String)> = authorize_url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "organization" {
                GLOBEX_ORG.into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    steered.query_pairs_mut().clear().extend_pairs(pairs);
    let callback = authorize(steered.as_str()).await;
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::Forbidden);
    assert!(set_cookie(&response, SESSION_COOKIE).is_none());
    let page = response.into_string().await.unwrap();
    assert!(page.contains("<code>wrong_organization</code>"), "{page}");
    assert_eq!(token_calls(&client), 1);
    assert_eq!(
        browse(&client, "/dashboard").await.status(),
        Status::SeeOther
    );
    assert_eq!(
        browse(&client, "/maybe").await.into_string().await.unwrap(),
        "anonymous"
    );
}

#[rocket::async_test]
async fn an_idp_initiated_callback_is_refused_where_not_allowed_without_calling_workos() {
    let client = app().await;
    let response = browse(&client, "/callback?code=01JCODEFROMTHEIDP").await;
    assert_eq!(response.status(), Status::BadRequest);
    let page = response.into_string().await.unwrap();
    assert!(page.contains("<code>missing_state</code>"), "{page}");
    assert_eq!(token_calls(&client), 0);
}

/// What WorkOS sends the browser for a login started at the identity provider: a code for `organization`'s
/// first user, without `state`.
async fn unsolicited_callback(client: &Client, organization: &str) -> Url {
    let mut authorize_url = emulator(client).base_url().join("sso/authorize").unwrap();
    authorize_url
        .query_pairs_mut()
        .append_pair("client_id", CLIENT_ID)
        .append_pair("redirect_uri", "http://127.0.0.1:8000/idp/callback")
        .append_pair("response_type", "code")
        .append_pair("organization", organization);
    let callback = authorize(authorize_url.as_str()).await;
    assert_eq!(query_param(&callback, "state"), None);
    callback
}

#[rocket::async_test]
async fn an_idp_initiated_login_starts_over_from_this_site_and_lands_on_the_home_page() {
    let client = app().await;
    let callback = unsolicited_callback(&client, EXAMPLE_ORG).await;
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::SeeOther);
    let login = location(&response);
    assert!(
        login.starts_with("/sso/login?flow=") && login.ends_with("&return_to=%2F"),
        "{login}"
    );
    assert_eq!(
        token_calls(&client),
        0,
        "the unsolicited code is not exchanged"
    );
    assert_eq!(sign_in_from(&client, &login).await, "/");
    assert_eq!(token_calls(&client), 1);
    let response = browse(&client, "/idp").await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_string().await.unwrap(),
        "idp for alice@example.com"
    );
}

#[rocket::async_test]
async fn with_the_opt_in_an_idp_initiated_code_is_exchanged_as_it_arrives() {
    let client = client_with(
        rocket_with(figment()),
        WorkosSso::fairing().exchange_unsolicited_codes(),
    )
    .await;
    let callback = unsolicited_callback(&client, EXAMPLE_ORG).await;
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(location(&response), "/");
    assert_eq!(token_calls(&client), 1);
    assert_eq!(browse(&client, "/idp").await.status(), Status::Ok);
}

// ---------------------------------------------------------------------------------------------------
// WorkOS failures during the code exchange: the right gateway status, and no retry.

async fn exchange_with_fault(fault: Fault) -> (Status, String, u64) {
    let client = client(rocket_with(fast_timeout())).await;
    let authorize_url = start_login(&client, &location(&browse(&client, "/dashboard").await)).await;
    let callback = authorize(authorize_url.as_str()).await;
    emulator(&client).inject("/sso/token", fault, 1);
    let response = browse(&client, &path_and_query(&callback)).await;
    let status = response.status();
    assert!(set_cookie(&response, SESSION_COOKIE).is_none());
    let page = response.into_string().await.unwrap();
    (status, page, token_calls(&client))
}

#[rocket::async_test]
async fn workos_503_on_token_is_a_502_page_and_the_code_is_not_retried() {
    let (status, page, calls) = exchange_with_fault(Fault::Status(503)).await;
    assert_eq!((status, calls), (Status::BadGateway, 1));
    assert!(page.contains("<code>workos_error</code>"), "{page}");
}

#[rocket::async_test]
async fn workos_500_on_token_is_a_502_page_and_the_code_is_not_retried() {
    let (status, page, calls) = exchange_with_fault(Fault::Status(500)).await;
    assert_eq!((status, calls), (Status::BadGateway, 1));
    assert!(page.contains("<code>workos_error</code>"), "{page}");
}

#[rocket::async_test]
async fn workos_429_on_token_is_a_503_page_and_the_code_is_not_retried() {
    let fault = Fault::RateLimited {
        retry_after: Duration::from_secs(30),
    };
    let (status, page, calls) = exchange_with_fault(fault).await;
    assert_eq!((status, calls), (Status::ServiceUnavailable, 1));
    assert!(page.contains("<code>workos_unavailable</code>"), "{page}");
}

#[rocket::async_test]
async fn workos_slower_than_the_request_timeout_is_a_504_page_and_not_retried() {
    let (status, page, calls) =
        exchange_with_fault(Fault::Delay(Duration::from_millis(1500))).await;
    assert_eq!((status, calls), (Status::GatewayTimeout, 1));
    assert!(page.contains("<code>workos_timeout</code>"), "{page}");
}

#[rocket::async_test]
async fn workos_dropping_the_connection_is_a_502_page_and_not_retried() {
    let (status, page, calls) = exchange_with_fault(Fault::DropConnection).await;
    assert_eq!((status, calls), (Status::BadGateway, 1));
    assert!(page.contains("<code>workos_error</code>"), "{page}");
}

#[rocket::async_test]
async fn workos_answering_garbage_is_a_502_page_and_not_retried() {
    let (status, page, calls) = exchange_with_fault(Fault::MalformedJson).await;
    assert_eq!((status, calls), (Status::BadGateway, 1));
    assert!(page.contains("<code>workos_error</code>"), "{page}");
}

#[rocket::async_test]
async fn an_expired_code_is_a_400_asking_to_sign_in_again() {
    let client = app().await;
    let authorize_url = start_login(&client, &location(&browse(&client, "/dashboard").await)).await;
    let callback = authorize(authorize_url.as_str()).await;
    emulator(&client).advance_clock(Duration::from_secs(11 * 60));
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::BadRequest);
    let page = response.into_string().await.unwrap();
    assert!(page.contains("<code>invalid_grant</code>"), "{page}");
    assert_eq!(token_calls(&client), 1);
}

// ---------------------------------------------------------------------------------------------------
// Authorization: organizations, roles, groups.

#[rocket::async_test]
async fn handlers_for_two_organizations_work_side_by_side_on_one_callback() {
    let client = app().await;
    // One callback route serves every flow whose redirect_uri is /callback.
    let callbacks = client
        .rocket()
        .routes()
        .filter(|route| route.uri.path() == "/callback" && route.method == Method::Get)
        .count();
    assert_eq!(callbacks, 1);

    let example_flow = flow_of(&location(&browse(&client, "/dashboard").await));
    assert_eq!(
        flow_of(&location(&browse(&client, "/admin").await)),
        example_flow
    );
    assert_eq!(sign_in(&client, "/dashboard").await, "/dashboard");
    // Signed in through Example Corp is not signed in for Globex's handler: it refuses with 403 and
    // offers Globex's own flow.
    let globex_login = refusal_login_url(&client, "/globex").await;
    assert_ne!(flow_of(&globex_login), example_flow);
    let target = sign_in_from(&client, &globex_login).await;
    assert_eq!(target, "/globex");
    let response = browse(&client, "/globex").await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_string().await.unwrap(),
        "globex for hank@globex.test"
    );
}

#[rocket::async_test]
async fn a_required_role_admits_admins_and_refuses_members_with_403() {
    let client = app().await;
    sign_in(&client, "/admin").await;
    let response = browse(&client, "/admin").await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_string().await.unwrap(),
        "admin alice@example.com"
    );

    let client = app().await;
    emulator(&client).set_auto_login(AutoLogin::Email("bob@example.com".into()));
    sign_in(&client, "/admin").await;
    let response = browse(&client, "/admin").await;
    assert_eq!(response.status(), Status::Forbidden);
    let page = response.into_string().await.unwrap();
    assert!(
        page.contains("this page requires the role `admin`"),
        "{page}"
    );
    let response = client.get("/admin").header(json_accept()).dispatch().await;
    assert_eq!(response.status(), Status::Forbidden);
    let body = json(&response.into_string().await.unwrap());
    assert_eq!(body["error"], "forbidden");
    assert_eq!(browse(&client, "/dashboard").await.status(), Status::Ok);
}

#[rocket::async_test]
async fn required_groups_must_all_be_present() {
    let client = app().await;
    sign_in(&client, "/engineering").await;
    assert_eq!(browse(&client, "/engineering").await.status(), Status::Ok);
    let response = client
        .get("/finance")
        .header(json_accept())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Forbidden);
    let body = json(&response.into_string().await.unwrap());
    assert_eq!(
        body["message"],
        "You are signed in, but this page requires membership of: Finance."
    );
}

// ---------------------------------------------------------------------------------------------------
// Sessions.

#[rocket::async_test]
async fn the_session_lifetime_comes_from_the_configuration() {
    let client = client(rocket_with(
        figment().merge(("workos.session_lifetime", 120)),
    ))
    .await;
    let authorize_url = start_login(&client, &location(&browse(&client, "/dashboard").await)).await;
    let callback = authorize(authorize_url.as_str()).await;
    let response = browse(&client, &path_and_query(&callback)).await;
    let session = set_cookie(&response, SESSION_COOKIE).unwrap();
    assert!(session.contains("Max-Age=120"), "{session}");
    drop(response);
    let sealed = client
        .cookies()
        .get(SESSION_COOKIE)
        .unwrap()
        .value()
        .to_owned();
    let plaintext =
        fuzzing::open_cookie(client.rocket(), SESSION_COOKIE, &sealed).expect("sealed by the app");
    let session = fuzzing::decode_session(&plaintext, now()).expect("a current session");
    assert_eq!(session.expires_at - session.issued_at, 120, "{session:?}");
}

#[rocket::async_test]
async fn an_expired_session_is_not_signed_in() {
    let client = app().await;
    let mut alice = testing::profile("alice@example.com");
    alice.organization_id = Some(EXAMPLE_ORG.into());
    let issued = now() - 2 * 60 * 60;
    let expired = testing::session_cookie(
        client.rocket(),
        &alice,
        issued,
        Duration::from_secs(60 * 60),
    );
    let response = client
        .get("/dashboard")
        .cookie(expired)
        .header(json_accept())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Unauthorized);
    let still_valid = testing::session_cookie(
        client.rocket(),
        &alice,
        issued,
        Duration::from_secs(3 * 60 * 60),
    );
    let response = client
        .get("/dashboard")
        .cookie(still_valid)
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
}

#[rocket::async_test]
async fn a_tampered_session_cookie_is_not_signed_in() {
    let client = app().await;
    sign_in(&client, "/dashboard").await;
    let sealed = client
        .cookies()
        .get(SESSION_COOKIE)
        .expect("the session cookie")
        .value()
        .to_owned();
    // Flip one character in the middle of the ciphertext.
    let mut bytes = sealed.into_bytes();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    let fresh =
        Client::untracked(rocket_with(figment()).attach(rocket_workos_sso::WorkosSso::fairing()))
            .await
            .unwrap();
    for value in [tampered.as_str(), "garbage", ""] {
        let response = fresh
            .get("/maybe")
            .cookie((SESSION_COOKIE, value.to_owned()))
            .dispatch()
            .await;
        assert_eq!(
            response.into_string().await.unwrap(),
            "anonymous",
            "{value:?}"
        );
    }
}

#[rocket::async_test]
async fn a_session_sealed_under_another_secret_key_is_not_signed_in() {
    let other = client(rocket_with(
        figment().merge(("secret_key", OTHER_SECRET_KEY)),
    ))
    .await;
    sign_in(&other, "/dashboard").await;
    let foreign = other
        .cookies()
        .get(SESSION_COOKIE)
        .unwrap()
        .value()
        .to_owned();
    assert_eq!(
        browse(&other, "/maybe").await.into_string().await.unwrap(),
        "alice@example.com"
    );

    let client = app().await;
    let response = client
        .get("/maybe")
        .cookie((SESSION_COOKIE, foreign))
        .dispatch()
        .await;
    assert_eq!(response.into_string().await.unwrap(), "anonymous");
}

#[rocket::async_test]
async fn a_huge_profile_still_signs_in_with_a_cookie_under_4_kb() {
    let client = app().await;
    let groups: Vec<String> = (0..500)
        .map(|i| format!("Directory group number {i:03}"))
        .chain(["Engineering".to_owned()])
        .collect();
    emulator(&client).add_user(
        User::new(EXAMPLE_CONNECTION_ID, "grace@example.com")
            .named("Grace", "Hopper")
            .with_role("admin")
            .with_groups(groups)
            .with_attribute("biography", "x".repeat(8_000))
            .with_attribute("manager", "y".repeat(2_000)),
    );
    emulator(&client).set_auto_login(AutoLogin::Email("grace@example.com".into()));
    let authorize_url =
        start_login(&client, &location(&browse(&client, "/engineering").await)).await;
    let callback = authorize(authorize_url.as_str()).await;
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::SeeOther);
    let session = set_cookie(&response, SESSION_COOKIE).expect("a session cookie");
    assert!(session.len() < 4096, "{} bytes", session.len());
    drop(response);
    let response = browse(&client, "/me").await;
    assert_eq!(response.status(), Status::Ok);
    // Attributes and the groups no handler checks were dropped; the required ones were kept.
    assert_eq!(
        response.into_string().await.unwrap(),
        "grace@example.com groups=1 attributes=0"
    );
    assert_eq!(browse(&client, "/engineering").await.status(), Status::Ok);
    assert_eq!(browse(&client, "/admin").await.status(), Status::Ok);
}

// ---------------------------------------------------------------------------------------------------
// Logout.

#[rocket::async_test]
async fn logout_clears_the_session_and_redirects_to_the_configured_page() {
    let client = client(rocket_with(
        figment().merge(("workos.logout_redirect", "/goodbye")),
    ))
    .await;
    sign_in(&client, "/dashboard").await;
    assert_eq!(browse(&client, "/dashboard").await.status(), Status::Ok);
    let response = client.post("/sso/logout").dispatch().await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(location(&response), "/goodbye");
    let removal = set_cookie(&response, SESSION_COOKIE).expect("the session cookie is removed");
    assert!(removal.contains("Max-Age=0"), "{removal}");
    drop(response);
    assert_eq!(
        browse(&client, "/dashboard").await.status(),
        Status::SeeOther
    );
    assert_eq!(
        browse(&client, "/maybe").await.into_string().await.unwrap(),
        "anonymous"
    );

    let response = browse(&client, "/sso/logout").await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(location(&response), "/goodbye");
}

#[rocket::async_test]
async fn a_profile_with_huge_names_still_signs_in_with_a_cookie_under_4_kb() {
    let client = app().await;
    emulator(&client).add_user(
        User::new(EXAMPLE_CONNECTION_ID, "long@example.com")
            .named("A".repeat(2500), "B".repeat(2500))
            .with_role("admin"),
    );
    emulator(&client).set_auto_login(AutoLogin::Email("long@example.com".into()));
    let authorize_url = start_login(&client, &location(&browse(&client, "/admin").await)).await;
    let callback = authorize(authorize_url.as_str()).await;
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::SeeOther);
    let session = set_cookie(&response, SESSION_COOKIE).expect("a session cookie");
    assert!(session.len() < 4096, "{} bytes", session.len());
    drop(response);
    let response = browse(&client, "/admin").await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_string().await.unwrap(),
        "admin long@example.com"
    );
}

#[rocket::async_test]
async fn a_profile_too_large_for_any_cookie_is_refused_instead_of_setting_one() {
    let client = app().await;
    let email = format!("{}@example.com", "a".repeat(4000));
    emulator(&client).add_user(User::new(EXAMPLE_CONNECTION_ID, email.clone()));
    emulator(&client).set_auto_login(AutoLogin::Email(email));
    let authorize_url = start_login(&client, &location(&browse(&client, "/dashboard").await)).await;
    let callback = authorize(authorize_url.as_str()).await;
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::BadGateway);
    assert!(set_cookie(&response, SESSION_COOKIE).is_none());
    assert!(set_cookies(&response).iter().all(|c| c.len() < 4096));
    let page = response.into_string().await.unwrap();
    assert!(page.contains("<code>profile_too_large</code>"), "{page}");
    assert_eq!(
        browse(&client, "/maybe").await.into_string().await.unwrap(),
        "anonymous"
    );
}

#[rocket::async_test]
async fn attaching_the_fairing_twice_launches_one_wiring() {
    let rocket = rocket_with(figment())
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .attach(rocket_workos_sso::WorkosSso::fairing());
    let client = Client::tracked(rocket).await.expect("launches");
    let logins = client
        .rocket()
        .routes()
        .filter(|route| {
            route.uri.path() == "/sso/login" && route.method == rocket::http::Method::Get
        })
        .count();
    assert_eq!(logins, 1);
    emulator(&client).set_auto_login(AutoLogin::FirstUser);
    assert_eq!(sign_in(&client, "/dashboard").await, "/dashboard");
}

#[rocket::async_test]
async fn a_failed_callback_offers_to_restart_the_same_login() {
    let client = app().await;
    let globex_login = location(&browse(&client, "/globex?page=1").await);
    let authorize_url = start_login(&client, &globex_login).await;
    let state = query_param(&authorize_url, "state").unwrap();
    let response = client
        .get(format!("/callback?error=access_denied&state={state}"))
        .header(json_accept())
        .dispatch()
        .await;
    let body = json(&response.into_string().await.unwrap());
    assert_eq!(body["login_url"], globex_login.as_str());

    // For the unpinned flow the restart names the identity provider that was asked.
    let any_login = format!(
        "{}&organization={GLOBEX_ORG}",
        location(&browse(&client, "/any").await)
    );
    let authorize_url = start_login(&client, &any_login).await;
    let state = query_param(&authorize_url, "state").unwrap();
    let response = client
        .get(format!("/callback?error=access_denied&state={state}"))
        .header(json_accept())
        .dispatch()
        .await;
    let body = json(&response.into_string().await.unwrap());
    assert_eq!(body["login_url"], any_login.as_str());
}

#[rocket::async_test]
async fn an_exchanged_idp_initiated_login_from_another_organization_is_refused_with_403() {
    let client = client_with(
        rocket_with(figment()),
        WorkosSso::fairing().exchange_unsolicited_codes(),
    )
    .await;
    let callback = unsolicited_callback(&client, GLOBEX_ORG).await;
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::Forbidden);
    assert!(set_cookie(&response, SESSION_COOKIE).is_none());
    let page = response.into_string().await.unwrap();
    assert!(page.contains("<code>wrong_organization</code>"), "{page}");
    assert_eq!(token_calls(&client), 1);
}

#[rocket::async_test]
async fn custom_login_and_logout_paths_are_used_by_the_guards_and_routes() {
    let figment = figment()
        .merge(("workos.login_path", "/auth/start"))
        .merge(("workos.logout_path", "/auth/end"));
    let client = client(rocket_with(figment)).await;
    let login = location(&browse(&client, "/dashboard").await);
    assert!(login.starts_with("/auth/start?flow="), "{login}");
    assert_eq!(sign_in(&client, "/dashboard").await, "/dashboard");
    assert_eq!(
        browse(&client, "/sso/login").await.status(),
        Status::NotFound
    );
    let response = client.post("/auth/end").dispatch().await;
    assert_eq!(response.status(), Status::SeeOther);
    drop(response);
    assert_eq!(
        browse(&client, "/maybe").await.into_string().await.unwrap(),
        "anonymous"
    );
}

#[rocket::async_test]
async fn login_and_domain_hints_reach_workos_and_the_hinted_user_signs_in() {
    let client = app().await;
    let login = location(&browse(&client, "/hinted").await);
    let authorize_url = start_login(&client, &login).await;
    assert_eq!(
        query_param(&authorize_url, "login_hint").as_deref(),
        Some("bob@example.com")
    );
    assert_eq!(
        query_param(&authorize_url, "domain_hint").as_deref(),
        Some("example.com")
    );
    let callback = authorize(authorize_url.as_str()).await;
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(location(&response), "/hinted");
    drop(response);
    let response = browse(&client, "/hinted").await;
    assert_eq!(
        response.into_string().await.unwrap(),
        "hinted for bob@example.com"
    );
}

#[rocket::async_test]
async fn a_handler_pinned_to_a_connection_signs_in_through_it_and_refuses_others() {
    let client = app().await;
    sign_in(&client, "/dashboard").await;
    // Signed in through Example Corp's connection: not signed in for the Globex Okta handler.
    let response = client
        .get("/globex-okta")
        .header(json_accept())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Forbidden);
    drop(response);
    let login = refusal_login_url(&client, "/globex-okta").await;
    let authorize_url = start_login(&client, &login).await;
    assert_eq!(
        query_param(&authorize_url, "connection").as_deref(),
        Some("conn_01JHQY77ZXYYK596NGYA1DQ91K")
    );
    let callback = authorize(authorize_url.as_str()).await;
    assert_eq!(
        browse(&client, &path_and_query(&callback)).await.status(),
        Status::SeeOther
    );
    let response = browse(&client, "/globex-okta").await;
    assert_eq!(
        response.into_string().await.unwrap(),
        "okta for hank@globex.test"
    );
}

#[rocket::async_test]
async fn a_handler_pinned_to_a_provider_admits_only_that_providers_sign_ins() {
    let client = app().await;
    sign_in(&client, "/dashboard").await;
    // Signed in through Example Corp's SAML connection: not a Google sign-in.
    let google_login = refusal_login_url(&client, "/google").await;
    let authorize_url = start_login(&client, &google_login).await;
    assert_eq!(
        query_param(&authorize_url, "provider").as_deref(),
        Some("GoogleOAuth")
    );
    let callback = authorize(authorize_url.as_str()).await;
    assert_eq!(
        browse(&client, &path_and_query(&callback)).await.status(),
        Status::SeeOther
    );
    let response = browse(&client, "/google").await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_string().await.unwrap(),
        "google for gail.google@gmail.test"
    );
}

#[rocket::async_test]
async fn head_navigation_is_sent_to_sign_in_and_a_wildcard_accept_gets_401() {
    let client = app().await;
    let response = client
        .head("/dashboard")
        .header(Accept::HTML)
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::SeeOther);
    let response = client
        .get("/dashboard")
        .header(Header::new("Accept", "*/*"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Unauthorized);
    let response = client.get("/dashboard").dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized);
}

#[rocket::async_test]
async fn an_expired_state_cookie_is_400_without_calling_workos() {
    let client = app().await;
    let authorize_url = start_login(&client, &location(&browse(&client, "/dashboard").await)).await;
    let state = query_param(&authorize_url, "state").unwrap();
    let jar = client.cookies();
    let name = jar
        .iter()
        .map(|cookie| cookie.name().to_owned())
        .find(|name| name.starts_with("workos_sso_flow_"))
        .expect("the state cookie");
    let sealed = jar.get(&name).unwrap().value();
    let plaintext =
        fuzzing::open_login(client.rocket(), &name, &state, sealed).expect("sealed by the app");
    let mut login = fuzzing::check_login(&plaintext, now()).expect("a current login");
    let callback = format!("/callback?code=01JCODE&state={state}");

    // The same browser, ten minutes and a second later: the sealed expiry has passed.
    let later =
        Client::untracked(rocket_with(figment()).attach(rocket_workos_sso::WorkosSso::fairing()))
            .await
            .unwrap();
    let sealed_as = |login: &fuzzing::LoginState| {
        let plaintext = fuzzing::encode_login(login);
        let sealed = fuzzing::seal_login(later.rocket(), &name, &state, &plaintext);
        rocket::http::Cookie::new(name.clone(), sealed.expect("the fairing is attached"))
    };
    login.expires_at = now() - 1;
    let response = later
        .get(callback.clone())
        .cookie(sealed_as(&login))
        .header(json_accept())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::BadRequest);
    let body = json(&response.into_string().await.unwrap());
    assert_eq!(body["error"], "invalid_state");
    assert_eq!(
        body["message"],
        "The sign-in took too long. Please sign in again."
    );
    assert_eq!(token_calls(&later), 0);

    // Unexpired, the same cookie passes the state check and reaches WorkOS.
    login.expires_at = now() + 60;
    let response = later
        .get(callback)
        .cookie(sealed_as(&login))
        .header(json_accept())
        .dispatch()
        .await;
    let body = json(&response.into_string().await.unwrap());
    assert_eq!(body["error"], "invalid_grant", "{body}");
    assert_eq!(token_calls(&later), 1);
}

#[rocket::async_test]
async fn workos_unreachable_is_a_503_page() {
    // No emulator: WorkOS is a closed port on loopback.
    let figment = figment()
        .merge(("workos.emulator", false))
        .merge(("workos.api_key", "sk_test_unreachable"))
        .merge(("workos.base_url", "http://127.0.0.1:1/"));
    let client =
        Client::tracked(rocket_with(figment).attach(rocket_workos_sso::WorkosSso::fairing()))
            .await
            .unwrap();
    assert!(rocket_workos_sso::WorkosSso::emulator(client.rocket()).is_none());
    let authorize_url = start_login(&client, &location(&browse(&client, "/dashboard").await)).await;
    assert!(authorize_url
        .as_str()
        .starts_with("http://127.0.0.1:1/sso/authorize?"));
    let state = query_param(&authorize_url, "state").unwrap();
    let response = browse(&client, &format!("/callback?code=01JCODE&state={state}")).await;
    assert_eq!(response.status(), Status::ServiceUnavailable);
    assert!(set_cookie(&response, SESSION_COOKIE).is_none());
    let page = response.into_string().await.unwrap();
    assert!(page.contains("<code>workos_unavailable</code>"), "{page}");
}

// ---------------------------------------------------------------------------------------------------
// The tenant policy of handlers without a pin: any customer organization, OAuth providers only by opt-in.

/// Signs in with Google through the handler pinned to it; returns the session cookie's value.
async fn sign_in_with_google(client: &Client) -> String {
    let login = location(&browse(client, "/google").await);
    let authorize_url = start_login(client, &login).await;
    let callback = authorize(authorize_url.as_str()).await;
    let response = browse(client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::SeeOther);
    client
        .cookies()
        .get(SESSION_COOKIE)
        .unwrap()
        .value()
        .to_owned()
}

#[rocket::async_test]
async fn a_google_account_is_refused_by_an_unpinned_handler_unless_it_lists_google() {
    let client = app().await;
    sign_in_with_google(&client).await;
    assert_eq!(browse(&client, "/google").await.status(), Status::Ok);

    let response = client.get("/any").header(json_accept()).dispatch().await;
    assert_eq!(
        response.status(),
        Status::Forbidden,
        "no organization, no opt-in"
    );
    let body = json(&response.into_string().await.unwrap());
    assert_eq!(
        body["message"]
            .as_str()
            .map(|m| m.contains("customer organization")),
        Some(true),
        "{body}"
    );

    let response = browse(&client, "/any-or-google").await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_string().await.unwrap(),
        "any or google for gail.google@gmail.test"
    );
}

#[rocket::async_test]
async fn an_unpinned_login_starts_a_provider_only_where_the_handler_lists_it() {
    let client = app().await;
    let authorize_calls = || emulator(&client).request_count("/sso/authorize");
    let any = location(&browse(&client, "/any").await);
    for provider in ["GoogleOAuth", "MicrosoftOAuth", "GithubOAuth", "NewOAuth"] {
        let response = browse(&client, &format!("{any}&provider={provider}")).await;
        assert_eq!(response.status(), Status::BadRequest, "{provider}");
        assert!(
            set_cookies(&response).is_empty(),
            "{provider}: no login state"
        );
        let page = response.into_string().await.unwrap();
        assert!(page.contains("<code>provider_not_allowed</code>"), "{page}");
    }
    let listed = location(&browse(&client, "/any-or-google").await);
    let response = browse(&client, &format!("{listed}&provider=MicrosoftOAuth")).await;
    assert_eq!(
        response.status(),
        Status::BadRequest,
        "only the listed provider"
    );
    assert_eq!(authorize_calls(), 0);

    // With the opt-in: a whole Google sign-in through the unpinned handler's own login.
    let authorize_url = start_login(&client, &format!("{listed}&provider=GoogleOAuth")).await;
    assert_eq!(
        query_param(&authorize_url, "provider").as_deref(),
        Some("GoogleOAuth")
    );
    let callback = authorize(authorize_url.as_str()).await;
    assert_eq!(authorize_calls(), 1);
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(browse(&client, "/any-or-google").await.status(), Status::Ok);
    // An organization's account is still welcome there.
    assert_eq!(browse(&client, "/any").await.status(), Status::Forbidden);
}

#[rocket::async_test]
async fn a_provider_sign_in_smuggled_into_an_unpinned_flow_starts_no_session() {
    let client = app().await;
    let any = location(&browse(&client, "/any").await);
    let flow = flow_of(&any);
    // A login state that names Google for the flow that does not list it, sealed with the app's key
    // (what a bug elsewhere, or an attacker with the key, could produce): the callback's own tenant
    // check still refuses the profile.
    let state = "smuggled-state-0123456789abcdefghijklmnopqrstuv";
    let verifier = fuzzing::pkce_verifier(client.rocket(), state).unwrap();
    let login = fuzzing::LoginState {
        return_to: "/any".to_owned(),
        flow,
        expected: Some(rocket_workos_sso::client::ConnectionSelector::Provider(
            rocket_workos_sso::client::Provider::GoogleOAuth,
        )),
        expires_at: rocket::time::OffsetDateTime::now_utc().unix_timestamp() + 600,
    };
    let name = fuzzing::login_slot_cookie_name(0);
    let sealed = fuzzing::seal_login(
        client.rocket(),
        &name,
        state,
        &fuzzing::encode_login(&login),
    )
    .unwrap();
    let cookie = rocket::http::Cookie::new(name, sealed);
    // The code WorkOS would give that browser for a Google sign-in with this verifier's challenge.
    let mut authorize_url = emulator(&client).base_url().join("sso/authorize").unwrap();
    let challenge = rocket_workos_sso::client::PkceVerifier::new(verifier)
        .unwrap()
        .code_challenge();
    authorize_url
        .query_pairs_mut()
        .append_pair("client_id", CLIENT_ID)
        .append_pair("redirect_uri", "http://127.0.0.1:8000/callback")
        .append_pair("response_type", "code")
        .append_pair("provider", "GoogleOAuth")
        .append_pair("state", state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let callback = authorize(authorize_url.as_str()).await;
    let response = client
        .get(path_and_query(&callback))
        .cookie(cookie)
        .header(Accept::HTML)
        .dispatch()
        .await;
    let status = response.status();
    let no_session = set_cookie(&response, SESSION_COOKIE).is_none();
    let page = response.into_string().await.unwrap();
    assert_eq!(status, Status::Forbidden, "{page}");
    assert!(no_session, "no session");
    assert_eq!(
        token_calls(&client),
        1,
        "the code was exchanged, then refused"
    );
    assert_eq!(
        browse(&client, "/maybe").await.into_string().await.unwrap(),
        "anonymous"
    );
}

#[rocket::async_test]
async fn deep_links_with_backslashes_quotes_pluses_and_non_ascii_land_where_they_started() {
    // What the browser asked for, and the Location the callback answers with (encoded where needed).
    for (page, back) in [
        ("/dashboard?path=C:\\docs", "/dashboard?path=C:%5Cdocs"),
        ("/dashboard?q=a+b", "/dashboard?q=a+b"),
        ("/dashboard?q=%22x%22%20y", "/dashboard?q=%22x%22%20y"),
        ("/dashboard?city=K%C3%B6ln", "/dashboard?city=K%C3%B6ln"),
    ] {
        let client = app().await;
        assert_eq!(sign_in(&client, page).await, back, "{page}");
    }
    // A return_to written by hand with raw characters: same place, percent-encoded.
    let client = app().await;
    let login = location(&browse(&client, "/dashboard").await);
    let flow = flow_of(&login);
    let raw = "/dashboard?city=Köln&note=\"a b\"";
    let encoded: String = url::form_urlencoded::byte_serialize(raw.as_bytes()).collect();
    let back = sign_in_from(
        &client,
        &format!("/sso/login?flow={flow}&return_to={encoded}"),
    )
    .await;
    assert_eq!(back, "/dashboard?city=K%C3%B6ln&note=%22a%20b%22");
}

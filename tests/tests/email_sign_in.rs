//! Sign-in by work email for a handler without a pin: the page a browser gets from the login route, the
//! form's `POST` (address checks, domain to organization, login with `login_hint`), hostile input, WorkOS
//! failing, the resolver's cache, and an application's own resolver and page.

mod support;

use std::collections::HashMap;

use rocket::http::{Accept, ContentType, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{get, routes, Build, Orbit, Rocket};
use rocket_workos_sso::email::{escape_html, DomainResolver, EmailForm, ResolveError};
use rocket_workos_sso::emulator::{AutoLogin, Fault, EXAMPLE_ORG_ID, GLOBEX_ORG_ID};
use rocket_workos_sso::{workos_sso, Profile, WorkosSso};
use support::*;
use url::Url;

const LOGIN_COOKIE_PREFIX: &str = "workos_sso_flow_";

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S"
)]
#[get("/any")]
fn any_organization(profile: Profile) -> String {
    format!("any for {} of {:?}", profile.email, profile.organization_id)
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    format!("dashboard for {}", profile.email)
}

fn rocket_with(figment: rocket::figment::Figment) -> Rocket<Build> {
    rocket::custom(figment).mount("/", routes![any_organization, dashboard])
}

async fn app() -> Client {
    client(rocket_with(figment())).await
}

/// An app whose fairing is `fairing` (the support client attaches the default one).
async fn app_with(fairing: WorkosSso) -> Client {
    let client = Client::tracked(rocket_with(figment()).attach(fairing))
        .await
        .expect("the app launches");
    emulator(&client).set_auto_login(AutoLogin::FirstUser);
    client
}

/// The login route URL a browser is sent to from `page`.
async fn login_of(client: &Client, page: &str) -> String {
    let response = browse(client, page).await;
    assert_eq!(
        response.status(),
        Status::SeeOther,
        "{page} asks to sign in"
    );
    location(&response)
}

/// The `flow` and `return_to` of a login route URL.
fn flow_and_return_to(login: &str) -> (String, String) {
    let url = Url::parse("http://app.test").unwrap().join(login).unwrap();
    (
        query_param(&url, "flow").expect("a flow"),
        query_param(&url, "return_to").expect("a return_to"),
    )
}

/// A form body.
fn form(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// The browser submits the email page's form for the flow of `login`.
async fn submit<'c>(client: &'c Client, login: &str, email: &str) -> LocalResponse<'c> {
    let (flow, return_to) = flow_and_return_to(login);
    post_form(
        client,
        &[
            ("flow", flow.as_str()),
            ("return_to", return_to.as_str()),
            ("email", email),
        ],
    )
    .await
}

async fn post_form<'c>(client: &'c Client, fields: &[(&str, &str)]) -> LocalResponse<'c> {
    client
        .post("/sso/login")
        .header(ContentType::Form)
        .header(Accept::HTML)
        .body(form(fields))
        .dispatch()
        .await
}

/// The five HTML-significant characters escaped, written independently of the library's.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn sets_login_cookie(response: &LocalResponse<'_>) -> bool {
    set_cookies(response)
        .iter()
        .any(|cookie| cookie.starts_with(LOGIN_COOKIE_PREFIX))
}

/// Asserts `response` is the email page again, `status`, with `entered` escaped in the input, a message,
/// and no login started; returns the page.
async fn assert_page_again(response: LocalResponse<'_>, status: Status, entered: &str) -> String {
    assert_eq!(response.status(), status, "for {entered:?}");
    assert!(
        response.headers().get_one("Location").is_none(),
        "{entered:?}"
    );
    assert!(!sets_login_cookie(&response), "{entered:?}");
    assert_eq!(response.content_type(), Some(ContentType::HTML));
    let page = response.into_string().await.unwrap();
    assert!(
        page.contains(&format!(r#"value="{}""#, escaped(entered))),
        "{entered:?} is shown escaped in the input: {page}"
    );
    assert!(page.contains(r#"role="alert""#), "a message: {page}");
    page
}

/// Follows a `303` to WorkOS through the emulator and the callback; returns where the app sends the
/// browser afterwards.
async fn finish_sign_in(client: &Client, response: LocalResponse<'_>) -> String {
    assert_eq!(response.status(), Status::SeeOther);
    let authorize_url = Url::parse(&location(&response)).unwrap();
    let callback = authorize(authorize_url.as_str()).await;
    let response = browse(client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::SeeOther, "the callback signs in");
    location(&response)
}

// ---------------------------------------------------------------------------------------------------
// The page.

#[rocket::async_test]
async fn a_browser_on_the_login_route_of_an_unpinned_flow_gets_the_email_page() {
    let client = app().await;
    let login = login_of(&client, "/any").await;
    let (flow, _) = flow_and_return_to(&login);
    let response = browse(&client, &login).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.content_type(), Some(ContentType::HTML));
    assert!(!sets_login_cookie(&response));
    let page = response.into_string().await.unwrap();
    for part in [
        "<html lang=\"en\">",
        "<title>Sign in</title>",
        "<main>",
        "<h1>",
        r#"<form method="post" action="/sso/login">"#,
        &format!(r#"<input type="hidden" name="flow" value="{flow}">"#),
        r#"<input type="hidden" name="return_to" value="/any">"#,
        r#"<label for="email">Work email</label>"#,
        r#"id="email" name="email" type="email" autocomplete="email""#,
        " required ",
        r#"<button type="submit">"#,
    ] {
        assert!(page.contains(part), "the page holds {part}: {page}");
    }
    for absent in ["<script", "src=", "href=\"http", "@import", "url("] {
        assert!(!page.contains(absent), "no {absent} on the page: {page}");
    }
    assert_eq!(emulator(&client).request_count("/organizations"), 0);
}

#[rocket::async_test]
async fn json_clients_on_the_login_route_still_get_the_400_json() {
    let client = app().await;
    let login = login_of(&client, "/any").await;
    let response = client.get(login).header(json_accept()).dispatch().await;
    assert_eq!(response.status(), Status::BadRequest);
    let body: serde_json::Value =
        serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
    assert_eq!(body["error"], "missing_selector");
}

#[rocket::async_test]
async fn a_selector_in_the_query_still_starts_the_login_without_the_page() {
    let client = app().await;
    let login = login_of(&client, "/any").await;
    let authorize_url =
        start_login(&client, &format!("{login}&organization={GLOBEX_ORG_ID}")).await;
    assert_eq!(
        query_param(&authorize_url, "organization").as_deref(),
        Some(GLOBEX_ORG_ID)
    );
}

// ---------------------------------------------------------------------------------------------------
// Signing in through the page.

#[rocket::async_test]
async fn an_example_corp_address_signs_in_to_example_corp_as_that_user() {
    let client = app().await;
    let login = login_of(&client, "/any").await;
    let response = submit(&client, &login, "Bob@Example.com").await;
    assert!(sets_login_cookie(&response));
    let authorize_url = Url::parse(&location(&response)).unwrap();
    assert_eq!(
        query_param(&authorize_url, "organization").as_deref(),
        Some(EXAMPLE_ORG_ID)
    );
    assert_eq!(
        query_param(&authorize_url, "login_hint").as_deref(),
        Some("bob@example.com")
    );
    assert_eq!(finish_sign_in(&client, response).await, "/any");
    let page = browse(&client, "/any").await.into_string().await.unwrap();
    assert_eq!(
        page,
        format!("any for bob@example.com of Some({EXAMPLE_ORG_ID:?})")
    );
}

#[rocket::async_test]
async fn a_globex_address_signs_in_to_globex_as_that_user() {
    let client = app().await;
    let login = login_of(&client, "/any").await;
    let response = submit(&client, &login, "marge@globex.test").await;
    let authorize_url = Url::parse(&location(&response)).unwrap();
    assert_eq!(
        query_param(&authorize_url, "organization").as_deref(),
        Some(GLOBEX_ORG_ID)
    );
    assert_eq!(
        query_param(&authorize_url, "login_hint").as_deref(),
        Some("marge@globex.test")
    );
    assert_eq!(finish_sign_in(&client, response).await, "/any");
    let page = browse(&client, "/any").await.into_string().await.unwrap();
    assert_eq!(
        page,
        format!("any for marge@globex.test of Some({GLOBEX_ORG_ID:?})")
    );
}

#[rocket::async_test]
async fn an_unsafe_return_to_in_the_form_returns_home() {
    let client = app().await;
    let login = login_of(&client, "/any").await;
    let (flow, _) = flow_and_return_to(&login);
    let response = post_form(
        &client,
        &[
            ("flow", flow.as_str()),
            ("return_to", "https://evil.test/"),
            ("email", "alice@example.com"),
        ],
    )
    .await;
    assert_eq!(finish_sign_in(&client, response).await, "/");
}

// ---------------------------------------------------------------------------------------------------
// Addresses that start nothing.

#[rocket::async_test]
async fn an_unknown_domain_shows_the_page_again_saying_so() {
    let client = app().await;
    let login = login_of(&client, "/any").await;
    let response = submit(&client, &login, "ada@example.org").await;
    let page = assert_page_again(response, Status::BadRequest, "ada@example.org").await;
    assert!(
        page.contains("No organization signs in with example.org here."),
        "{page}"
    );
    assert_eq!(emulator(&client).request_count("/sso/authorize"), 0);
}

#[rocket::async_test]
async fn a_domain_of_two_organizations_shows_the_page_again_saying_so() {
    let client = app().await;
    let login = login_of(&client, "/any").await;
    let response = submit(&client, &login, "peter@initech.test").await;
    let page = assert_page_again(response, Status::BadRequest, "peter@initech.test").await;
    assert!(
        page.contains("Several organizations use initech.test"),
        "{page}"
    );
    assert_eq!(emulator(&client).request_count("/sso/authorize"), 0);
}

/// Hostile and malformed addresses: each refused before any WorkOS call.
fn hostile_inputs() -> Vec<String> {
    let mut inputs: Vec<String> = [
        "",
        " ",
        "alice",
        "alice@",
        "@example.com",
        "alice@@example.com",
        "alice@example.com@globex.test",
        "a@b@c@example.com",
        "\"alice\"@example.com",
        "\"a@b\"@example.com",
        "alice'@example.com",
        "<script>alert(1)</script>@example.com",
        "alice@example.com<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>@example.com",
        "alice@example.com\r\nSet-Cookie: x=1",
        "alice@example.com\n",
        "alice\r@example.com",
        " alice@example.com",
        "alice @example.com",
        "alice@exa mple.com",
        "alice@example.com.",
        "alice@.example.com",
        "alice@example..com",
        ".alice@example.com",
        "alice.@example.com",
        "alice@localhost",
        "alice@127.0.0.1",
        "alice@[127.0.0.1]",
        "alice@-example.com",
        "alice@exam_ple.com",
        "alice@exämple.com",
        "alice@пример.рф",
        "аlice@example.com", // Cyrillic а
        "alice@exаmple.com", // Cyrillic а in the domain
        "alice@例え.テスト",
        "alice@example.com\u{202e}",
        "alice\u{0}@example.com",
        "alice@example.com,bob@globex.test",
        "alice@example.com;bob@globex.test",
        "alice(comment)@example.com",
        "alice@example.com/../",
    ]
    .map(str::to_owned)
    .to_vec();
    inputs.push(format!("{}@example.com", "a".repeat(65)));
    inputs.push(format!("alice@{}.com", "b".repeat(64)));
    inputs.push(format!("{}@example.com", "a".repeat(10_000)));
    inputs.push(format!("alice@{}example.com", "sub.".repeat(70)));
    inputs
}

#[rocket::async_test]
async fn every_hostile_address_shows_the_page_with_a_message_and_starts_nothing() {
    let client = app().await;
    let login = login_of(&client, "/any").await;
    let inputs = hostile_inputs();
    assert!(inputs.len() >= 20);
    for input in &inputs {
        let response = submit(&client, &login, input).await;
        assert_page_again(response, Status::BadRequest, input).await;
    }
    assert_eq!(emulator(&client).request_count("/sso/authorize"), 0);
    assert_eq!(emulator(&client).request_count("/organizations"), 0);
}

#[rocket::async_test]
async fn script_in_the_address_is_shown_as_text() {
    let client = app().await;
    let login = login_of(&client, "/any").await;
    let input = "<script>alert(1)</script>@example.com";
    let page = assert_page_again(
        submit(&client, &login, input).await,
        Status::BadRequest,
        input,
    )
    .await;
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;@example.com"));
}

#[rocket::async_test]
async fn an_internationalized_domain_is_refused_with_a_clear_message() {
    let client = app().await;
    let login = login_of(&client, "/any").await;
    let input = "jose@bücher.example";
    let page = assert_page_again(
        submit(&client, &login, input).await,
        Status::BadRequest,
        input,
    )
    .await;
    assert!(page.contains("Internationalized domain names"), "{page}");
    assert!(page.contains("xn--"), "{page}");
}

#[rocket::async_test]
async fn a_repeated_email_field_is_refused() {
    let client = app().await;
    let login = login_of(&client, "/any").await;
    let (flow, return_to) = flow_and_return_to(&login);
    let response = post_form(
        &client,
        &[
            ("flow", flow.as_str()),
            ("return_to", return_to.as_str()),
            ("email", "alice@example.com"),
            ("email", "hank@globex.test"),
        ],
    )
    .await;
    assert_page_again(response, Status::BadRequest, "hank@globex.test").await;
    assert_eq!(emulator(&client).request_count("/organizations"), 0);
}

#[rocket::async_test]
async fn posting_to_a_pinned_or_unknown_flow_is_the_unknown_flow_page() {
    let client = app().await;
    let (pinned, _) = flow_and_return_to(&login_of(&client, "/dashboard").await);
    for flow in [pinned.as_str(), "no-such-flow"] {
        let response = post_form(
            &client,
            &[
                ("flow", flow),
                ("return_to", "/"),
                ("email", "alice@example.com"),
            ],
        )
        .await;
        assert_eq!(response.status(), Status::BadRequest);
        assert!(!sets_login_cookie(&response));
        let page = response.into_string().await.unwrap();
        assert!(page.contains("<code>unknown_flow</code>"), "{page}");
    }
    assert_eq!(emulator(&client).request_count("/organizations"), 0);
}

#[rocket::async_test]
async fn a_json_client_posting_a_bad_address_gets_json() {
    let client = app().await;
    let (flow, _) = flow_and_return_to(&login_of(&client, "/any").await);
    let response = client
        .post("/sso/login")
        .header(ContentType::Form)
        .header(json_accept())
        .body(form(&[("flow", &flow), ("email", "ada@example.org")]))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::BadRequest);
    let body: serde_json::Value =
        serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
    assert_eq!(body["error"], "unknown_domain");
}

// ---------------------------------------------------------------------------------------------------
// WorkOS failing, and the cache in front of it.

#[rocket::async_test]
async fn workos_down_is_a_503_page_and_starts_nothing() {
    let client = client(rocket_with(fast_timeout())).await;
    let login = login_of(&client, "/any").await;
    emulator(&client).inject("/organizations", Fault::Status(503), 10);
    let response = submit(&client, &login, "alice@example.com").await;
    let page = assert_page_again(response, Status::ServiceUnavailable, "alice@example.com").await;
    assert!(page.contains("try again"), "{page}");
    assert_eq!(emulator(&client).request_count("/sso/authorize"), 0);
}

#[rocket::async_test]
async fn an_unreadable_workos_answer_is_a_502_page_and_is_not_cached() {
    let client = client(rocket_with(fast_timeout())).await;
    let login = login_of(&client, "/any").await;
    emulator(&client).inject("/organizations", Fault::MalformedJson, 1);
    let response = submit(&client, &login, "alice@example.com").await;
    assert_page_again(response, Status::BadGateway, "alice@example.com").await;
    let response = submit(&client, &login, "alice@example.com").await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(emulator(&client).request_count("/organizations"), 2);
}

#[rocket::async_test]
async fn a_domain_is_asked_of_workos_once_while_its_answer_is_fresh() {
    let client = app().await;
    let login = login_of(&client, "/any").await;
    for _ in 0..2 {
        assert_eq!(
            submit(&client, &login, "alice@example.com").await.status(),
            Status::SeeOther
        );
    }
    for _ in 0..2 {
        let response = submit(&client, &login, "ada@unknown.test").await;
        assert_eq!(response.status(), Status::BadRequest);
    }
    assert_eq!(emulator(&client).request_count("/organizations"), 2);
}

// ---------------------------------------------------------------------------------------------------
// The application's own resolver and page.

/// Customers by domain, as an application might keep them.
struct Customers(HashMap<&'static str, Vec<&'static str>>);

#[rocket::async_trait]
impl DomainResolver for Customers {
    async fn organizations(
        &self,
        domain: &str,
        _: &Rocket<Orbit>,
    ) -> Result<Vec<String>, ResolveError> {
        match self.0.get(domain) {
            Some(ids) => Ok(ids.iter().map(|id| (*id).to_owned()).collect()),
            None if domain == "down.test" => Err(ResolveError::Unavailable("down".to_owned())),
            None => Ok(Vec::new()),
        }
    }
}

fn customers() -> Customers {
    Customers(HashMap::from([
        ("acme.test", vec![EXAMPLE_ORG_ID]),
        ("twice.test", vec![EXAMPLE_ORG_ID, GLOBEX_ORG_ID]),
        ("broken.test", vec!["not an id"]),
    ]))
}

fn acme_page(form: &EmailForm<'_>) -> String {
    format!(
        r#"<h1>ACME sign-in</h1><form method="post" action="{}">{}<input name="email" value="{}"><p role="alert">{}</p></form>"#,
        escape_html(form.action),
        form.hidden_inputs(),
        escape_html(form.email),
        escape_html(form.message.unwrap_or("")),
    )
}

#[rocket::async_test]
async fn the_applications_resolver_is_asked_instead_of_workos() {
    let client = app_with(WorkosSso::fairing().domain_resolver(customers())).await;
    let login = login_of(&client, "/any").await;
    let response = submit(&client, &login, "ada@acme.test").await;
    let authorize_url = Url::parse(&location(&response)).unwrap();
    assert_eq!(
        query_param(&authorize_url, "organization").as_deref(),
        Some(EXAMPLE_ORG_ID)
    );
    assert_eq!(finish_sign_in(&client, response).await, "/any");
    let response = submit(&client, &login, "bob@example.com").await;
    assert_page_again(response, Status::BadRequest, "bob@example.com").await;
    assert_eq!(emulator(&client).request_count("/organizations"), 0);
}

#[rocket::async_test]
async fn the_applications_resolver_answers_are_checked() {
    let client = app_with(WorkosSso::fairing().domain_resolver(customers())).await;
    let login = login_of(&client, "/any").await;
    for (input, status) in [
        ("ada@twice.test", Status::BadRequest),
        ("ada@broken.test", Status::BadGateway),
        ("ada@down.test", Status::ServiceUnavailable),
    ] {
        assert_page_again(submit(&client, &login, input).await, status, input).await;
    }
    assert_eq!(emulator(&client).request_count("/sso/authorize"), 0);
}

#[rocket::async_test]
async fn the_applications_page_is_shown_instead_of_the_librarys() {
    let client = app_with(WorkosSso::fairing().email_page(acme_page)).await;
    let login = login_of(&client, "/any").await;
    let (flow, _) = flow_and_return_to(&login);
    let page = browse(&client, &login).await.into_string().await.unwrap();
    assert!(page.starts_with("<h1>ACME sign-in</h1>"), "{page}");
    assert!(
        page.contains(&format!(r#"name="flow" value="{flow}""#)),
        "{page}"
    );
    let page = assert_page_again(
        submit(&client, &login, "<b>@example.com").await,
        Status::BadRequest,
        "<b>@example.com",
    )
    .await;
    assert!(page.starts_with("<h1>ACME sign-in</h1>"), "{page}");
    let response = submit(&client, &login, "hank@globex.test").await;
    assert_eq!(finish_sign_in(&client, response).await, "/any");
}

#[rocket::async_test]
async fn the_page_is_not_shown_for_a_pinned_flow() {
    let client = app().await;
    let login = login_of(&client, "/dashboard").await;
    let response = browse(&client, &login).await;
    assert_eq!(response.status(), Status::SeeOther);
}

//! `/sso/authorize` and the Test Identity Provider.

mod emulator_support;

use emulator_support::*;
use reqwest::StatusCode;
use rocket_workos_sso_emulator::{
    AutoLogin, Emulator, EmulatorError, User, AMBIGUOUS_ORG_ID, EXAMPLE_CONNECTION_ID,
    EXAMPLE_ORG_ID, GLOBEX_ORG_ID, INACTIVE_CONNECTION_ID,
};

/// The error code of an error redirect for these extra parameters (with `state=s1`).
async fn refusal(extra: &[(&str, &str)]) -> (String, Option<String>) {
    let emulator = Emulator::start_default().await.unwrap();
    let mut pairs = vec![("state", "s1")];
    pairs.extend_from_slice(extra);
    let target = redirected(authorize_url(&emulator, &pairs)).await;
    assert_eq!(&target.as_str()[..CALLBACK.len()], CALLBACK);
    assert!(param(&target, "error_description").is_some());
    (param(&target, "error").unwrap(), param(&target, "state"))
}

/// Status and body of an authorize request that must not redirect.
async fn error_page(url: url::Url) -> (StatusCode, String) {
    let response = client().get(url).send().await.unwrap();
    assert!(
        response.headers().get("location").is_none(),
        "an error page never redirects"
    );
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn an_unknown_client_id_gets_an_error_page() {
    let emulator = Emulator::start_default().await.unwrap();
    let mut url = authorize_url(&emulator, &[("organization", EXAMPLE_ORG_ID)]);
    url.set_query(Some(
        &url.query()
            .unwrap()
            .replace(emulator.client_id(), "client_nope"),
    ));
    let (status, page) = error_page(url).await;
    assert_eq!(
        (status, page.contains("Invalid client ID")),
        (StatusCode::BAD_REQUEST, true)
    );
}

#[tokio::test]
async fn a_missing_client_id_gets_an_error_page() {
    let emulator = Emulator::start_default().await.unwrap();
    let mut url = emulator.base_url().join("sso/authorize").unwrap();
    url.query_pairs_mut()
        .append_pair("redirect_uri", CALLBACK)
        .append_pair("response_type", "code");
    assert_eq!(error_page(url).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_redirect_uri_must_match_the_allow_list_exactly() {
    let emulator = Emulator::start_default().await.unwrap();
    let url = authorize_url(&emulator, &[("organization", EXAMPLE_ORG_ID)]);
    let with_slash = url.as_str().replace("callback", "callback%2F");
    let (status, page) = error_page(with_slash.parse().unwrap()).await;
    assert_eq!(
        (status, page.contains("Invalid redirect URI")),
        (StatusCode::BAD_REQUEST, true)
    );
}

#[tokio::test]
async fn an_added_redirect_uri_is_accepted() {
    let emulator = Emulator::builder()
        .auto_login(AutoLogin::FirstUser)
        .start()
        .await
        .unwrap();
    emulator
        .add_redirect_uri("https://app.example.com/auth/callback")
        .unwrap();
    let mut url = emulator.base_url().join("sso/authorize").unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", emulator.client_id())
        .append_pair("redirect_uri", "https://app.example.com/auth/callback")
        .append_pair("response_type", "code")
        .append_pair("organization", EXAMPLE_ORG_ID);
    assert!(redirected(url)
        .await
        .as_str()
        .starts_with("https://app.example.com/auth/callback?code="));
}

#[tokio::test]
async fn plain_http_redirect_uris_are_refused_off_loopback() {
    let error = Emulator::builder()
        .redirect_uri("http://app.example.com/callback")
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(error, EmulatorError::InvalidRedirectUri { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn adding_a_plain_http_redirect_uri_at_runtime_is_refused() {
    let emulator = Emulator::start_default().await.unwrap();
    assert!(emulator
        .add_redirect_uri("http://app.example.com/callback")
        .is_err());
    assert!(emulator
        .add_redirect_uri("http://localhost:3000/cb")
        .is_ok());
}

#[tokio::test]
async fn a_bind_error_names_the_address() {
    let first = Emulator::start_default().await.unwrap();
    let error = Emulator::builder()
        .bind(first.local_addr())
        .start()
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains(&first.local_addr().to_string()),
        "{error}"
    );
}

#[tokio::test]
async fn a_response_type_other_than_code_is_refused() {
    let emulator = Emulator::start_default().await.unwrap();
    let url = authorize_url(&emulator, &[("organization", EXAMPLE_ORG_ID)]);
    let target = redirected(
        url.as_str()
            .replace("response_type=code", "response_type=token")
            .parse()
            .unwrap(),
    )
    .await;
    assert_eq!(
        param(&target, "error").as_deref(),
        Some("unsupported_response_type")
    );
}

#[tokio::test]
async fn no_selector_is_an_invalid_connection_selector_and_keeps_state() {
    assert_eq!(
        refusal(&[]).await,
        ("invalid_connection_selector".into(), Some("s1".into()))
    );
}

#[tokio::test]
async fn two_selectors_are_an_invalid_connection_selector() {
    let pairs = [
        ("organization", EXAMPLE_ORG_ID),
        ("connection", EXAMPLE_CONNECTION_ID),
    ];
    assert_eq!(refusal(&pairs).await.0, "invalid_connection_selector");
}

#[tokio::test]
async fn an_unknown_organization_is_organization_invalid() {
    assert_eq!(
        refusal(&[("organization", "org_01JH0000000000000000000000")])
            .await
            .0,
        "organization_invalid"
    );
}

#[tokio::test]
async fn an_unknown_connection_is_connection_invalid() {
    assert_eq!(
        refusal(&[("connection", "conn_01JH0000000000000000000000")])
            .await
            .0,
        "connection_invalid"
    );
}

#[tokio::test]
async fn an_organization_with_two_connections_is_ambiguous() {
    assert_eq!(
        refusal(&[("organization", AMBIGUOUS_ORG_ID)]).await.0,
        "ambiguous_connection_selector"
    );
}

#[tokio::test]
async fn an_inactive_connection_is_unlinked() {
    assert_eq!(
        refusal(&[("connection", INACTIVE_CONNECTION_ID)]).await.0,
        "connection_unlinked"
    );
}

#[tokio::test]
async fn an_unconfigured_provider_is_an_invalid_connection_selector() {
    assert_eq!(
        refusal(&[("provider", "AppleOAuth")]).await.0,
        "invalid_connection_selector"
    );
}

#[tokio::test]
async fn the_deprecated_domain_selector_is_not_allowed() {
    assert_eq!(
        refusal(&[("domain", "example.com")]).await.0,
        "domain_connection_selector_not_allowed"
    );
}

#[tokio::test]
async fn only_s256_pkce_is_accepted() {
    let pairs = [
        ("organization", EXAMPLE_ORG_ID),
        ("code_challenge", "abc"),
        ("code_challenge_method", "plain"),
    ];
    assert_eq!(refusal(&pairs).await.0, "invalid_request");
}

#[tokio::test]
async fn an_error_redirect_without_state_has_no_state() {
    let emulator = Emulator::start_default().await.unwrap();
    let target = redirected(authorize_url(&emulator, &[])).await;
    assert_eq!(param(&target, "state"), None);
}

#[tokio::test]
async fn authorize_responses_are_not_cached() {
    let emulator = Emulator::start_default().await.unwrap();
    let response = client()
        .get(authorize_url(
            &emulator,
            &[("organization", EXAMPLE_ORG_ID)],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
}

/// The Test IdP page for `organization` and the page session it carries.
async fn idp_page(emulator: &Emulator, organization: &str) -> (String, String) {
    let response = client()
        .get(authorize_url(
            emulator,
            &[("organization", organization), ("state", "st8 &=?")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    let start = page.find("name=\"session\" value=\"").unwrap() + "name=\"session\" value=\"".len();
    let session = page[start..].split('"').next().unwrap().to_owned();
    (page, session)
}

async fn sign_in(emulator: &Emulator, form: &[(&str, &str)]) -> reqwest::Response {
    client()
        .post(emulator.base_url().join("test-idp/sign-in").unwrap())
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_test_idp_lists_the_connections_users_only() {
    let emulator = Emulator::start_default().await.unwrap();
    let (page, _) = idp_page(&emulator, EXAMPLE_ORG_ID).await;
    let shown = [
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
        "hank@globex.test",
    ]
    .map(|email| page.contains(email));
    assert_eq!(shown, [true, true, true, false]);
}

#[tokio::test]
async fn the_test_idp_escapes_user_data() {
    let emulator = Emulator::start_default().await.unwrap();
    emulator.add_user(
        User::new(EXAMPLE_CONNECTION_ID, "eve@example.com")
            .named("<script>alert(1)</script>", "\"Eve\""),
    );
    let (page, _) = idp_page(&emulator, EXAMPLE_ORG_ID).await;
    assert!(
        !page.contains("<script>alert")
            && page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;Eve&quot;")
    );
}

#[tokio::test]
async fn picking_a_user_redirects_with_a_code_and_the_state_unchanged() {
    let emulator = Emulator::start_default().await.unwrap();
    let (_, session) = idp_page(&emulator, GLOBEX_ORG_ID).await;
    let target = location(
        &sign_in(
            &emulator,
            &[
                ("session", &session),
                ("user", "prof_01JHWPQ5E6EYCNDY0YP57RCYBV"),
            ],
        )
        .await,
    );
    let (code, state) = (param(&target, "code").unwrap(), param(&target, "state"));
    assert_eq!((code.len(), state.as_deref()), (26, Some("st8 &=?")));
    let (_, body) = json(exchange_code(&emulator, &code).await).await;
    assert_eq!(body["profile"]["email"], "marge@globex.test");
}

#[tokio::test]
async fn a_sign_in_page_works_once() {
    let emulator = Emulator::start_default().await.unwrap();
    let (_, session) = idp_page(&emulator, GLOBEX_ORG_ID).await;
    let form = [
        ("session", session.as_str()),
        ("user", "prof_01JHWPQ5E6EYCNDY0YP57RCYBV"),
    ];
    sign_in(&emulator, &form).await;
    assert_eq!(
        sign_in(&emulator, &form).await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn cancelling_redirects_with_access_denied() {
    let emulator = Emulator::start_default().await.unwrap();
    let (_, session) = idp_page(&emulator, EXAMPLE_ORG_ID).await;
    let target = location(&sign_in(&emulator, &[("session", &session), ("cancel", "1")]).await);
    assert_eq!(
        (
            param(&target, "error").as_deref(),
            param(&target, "state").as_deref()
        ),
        (Some("access_denied"), Some("st8 &=?"))
    );
}

#[tokio::test]
async fn picking_someone_from_another_connection_is_refused() {
    let emulator = Emulator::start_default().await.unwrap();
    let (_, session) = idp_page(&emulator, EXAMPLE_ORG_ID).await;
    let response = sign_in(
        &emulator,
        &[
            ("session", &session),
            ("user", "prof_01JH5GQAPENECFSECZP11HYGCP"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn auto_login_signs_in_the_first_user_at_once() {
    let emulator = auto_emulator().await;
    let (_, body) = json(exchange_code(&emulator, &example_code(&emulator).await).await).await;
    assert_eq!(body["profile"]["email"], "alice@example.com");
}

#[tokio::test]
async fn auto_login_follows_a_matching_login_hint() {
    let emulator = auto_emulator().await;
    let code = code_for(
        &emulator,
        ("organization", EXAMPLE_ORG_ID),
        &[("login_hint", "carol@example.com")],
    )
    .await;
    assert_eq!(
        json(exchange_code(&emulator, &code).await).await.1["profile"]["email"],
        "carol@example.com"
    );
}

#[tokio::test]
async fn auto_login_by_email_signs_in_that_user() {
    let emulator = Emulator::builder()
        .auto_login(AutoLogin::Email("bob@example.com".into()))
        .start()
        .await
        .unwrap();
    let code = example_code(&emulator).await;
    assert_eq!(
        json(exchange_code(&emulator, &code).await).await.1["profile"]["email"],
        "bob@example.com"
    );
}

#[tokio::test]
async fn auto_login_can_be_switched_at_runtime() {
    let emulator = auto_emulator().await;
    emulator.set_auto_login(AutoLogin::Off);
    let response = client()
        .get(authorize_url(
            &emulator,
            &[("organization", EXAMPLE_ORG_ID)],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_provider_login_is_environment_level_with_oauth_tokens() {
    let emulator = auto_emulator().await;
    let code = code_for(
        &emulator,
        ("provider", "GoogleOAuth"),
        &[("provider_scopes", "calendar,drive")],
    )
    .await;
    let (_, body) = json(exchange_code(&emulator, &code).await).await;
    assert_eq!(
        (
            &body["profile"]["organization_id"],
            &body["profile"]["connection_type"],
            &body["oauth_tokens"]["scopes"][4]
        ),
        (
            &serde_json::Value::Null,
            &serde_json::json!("GoogleOAuth"),
            &serde_json::json!("drive")
        )
    );
}

#[tokio::test]
async fn the_github_provider_accepts_both_spellings() {
    let emulator = auto_emulator().await;
    let code = code_for(&emulator, ("provider", "GithubOAuth"), &[]).await;
    assert_eq!(
        json(exchange_code(&emulator, &code).await).await.1["profile"]["email"],
        "gus.github@github.test"
    );
}

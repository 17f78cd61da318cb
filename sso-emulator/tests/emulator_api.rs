//! `/sso/token`, `/sso/profile`, `/connections` and the Admin Portal.

mod emulator_support;

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use emulator_support::*;
use reqwest::StatusCode;
use rocket_workos_sso_emulator::{
    Emulator, Seed, EXAMPLE_CONNECTION_ID, EXAMPLE_ORG_ID, GLOBEX_ORG_ID,
};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

// The `required` lists of the OpenAPI excerpt (workos-openapi-sso.yaml, spec 7fd8359), transcribed.
const TOKEN_REQUIRED: [&str; 4] = ["token_type", "access_token", "expires_in", "profile"];
const PROFILE_REQUIRED: [&str; 11] = [
    "object",
    "id",
    "organization_id",
    "connection_id",
    "connection_type",
    "idp_id",
    "email",
    "first_name",
    "last_name",
    "name",
    "raw_attributes",
];
const OAUTH_TOKENS_REQUIRED: [&str; 5] = [
    "provider",
    "refresh_token",
    "access_token",
    "expires_at",
    "scopes",
];
const CONNECTION_REQUIRED: [&str; 9] = [
    "object",
    "id",
    "connection_type",
    "name",
    "state",
    "status",
    "domains",
    "created_at",
    "updated_at",
];
const CONNECTION_DOMAIN_REQUIRED: [&str; 3] = ["id", "object", "domain"];
const LIST_REQUIRED: [&str; 3] = ["object", "data", "list_metadata"];
const LIST_METADATA_REQUIRED: [&str; 2] = ["before", "after"];

fn missing<'a>(value: &Value, required: &[&'a str]) -> Vec<&'a str> {
    required
        .iter()
        .copied()
        .filter(|key| value.get(key).is_none())
        .collect()
}

fn token_body(emulator: &Emulator, code: &str, extra: Value) -> Value {
    let mut body = json!({ "client_id": emulator.client_id(), "grant_type": "authorization_code", "code": code });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    body
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

async fn pkce_code(emulator: &Emulator) -> String {
    let challenge = challenge(VERIFIER);
    let pkce = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    code_for(emulator, ("organization", EXAMPLE_ORG_ID), &pkce).await
}

async fn error_code(response: reqwest::Response) -> (StatusCode, String) {
    let (status, body) = json(response).await;
    assert!(body["error_description"].is_string(), "{body}");
    (status, body["error"].as_str().unwrap().to_owned())
}

fn invalid(code: &str) -> (StatusCode, String) {
    (StatusCode::BAD_REQUEST, code.to_owned())
}

// ---- /sso/token -------------------------------------------------------------------------------

#[tokio::test]
async fn a_json_exchange_returns_the_full_token_shape() {
    let emulator = auto_emulator().await;
    let (status, body) = json(exchange_code(&emulator, &example_code(&emulator).await).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            missing(&body, &TOKEN_REQUIRED),
            missing(&body["profile"], &PROFILE_REQUIRED)
        ),
        (vec![], vec![])
    );
    assert_eq!(
        (&body["token_type"], &body["expires_in"]),
        (&json!("Bearer"), &json!(600))
    );
}

#[tokio::test]
async fn a_profile_carries_role_groups_and_organization() {
    let emulator = auto_emulator().await;
    let (_, body) = json(exchange_code(&emulator, &example_code(&emulator).await).await).await;
    let profile = &body["profile"];
    assert_eq!(
        (
            &profile["organization_id"],
            &profile["role"],
            &profile["groups"][0],
            &profile["name"]
        ),
        (
            &json!(EXAMPLE_ORG_ID),
            &json!({ "slug": "admin" }),
            &json!("Engineering"),
            &json!("Alice Anders")
        )
    );
}

#[tokio::test]
async fn unknown_profile_values_are_null_not_absent() {
    let emulator = auto_emulator().await;
    emulator.seed_with(|seed| {
        seed.users
            .retain(|user| user.connection_id != EXAMPLE_CONNECTION_ID)
    });
    emulator.add_user(rocket_workos_sso_emulator::User::new(
        EXAMPLE_CONNECTION_ID,
        "anon@example.com",
    ));
    let (_, body) = json(exchange_code(&emulator, &example_code(&emulator).await).await).await;
    let nulls = ["first_name", "last_name", "name", "role", "roles"]
        .map(|key| body["profile"].get(key) == Some(&Value::Null));
    assert_eq!(nulls, [true; 5]);
}

#[tokio::test]
async fn a_provider_token_response_has_complete_oauth_tokens() {
    let emulator = auto_emulator().await;
    let code = code_for(&emulator, ("provider", "MicrosoftOAuth"), &[]).await;
    let (_, body) = json(exchange_code(&emulator, &code).await).await;
    assert_eq!(
        missing(&body["oauth_tokens"], &OAUTH_TOKENS_REQUIRED),
        Vec::<&str>::new()
    );
}

#[tokio::test]
async fn a_form_exchange_with_a_charset_works_like_the_node_sdk() {
    let emulator = auto_emulator().await;
    let code = example_code(&emulator).await;
    let body = format!(
        "client_id={}&grant_type=authorization_code&code={code}&client_secret={}",
        emulator.client_id(),
        emulator.api_key()
    );
    let response = client()
        .post(emulator.base_url().join("sso/token").unwrap())
        .header(
            "content-type",
            "application/x-www-form-urlencoded;charset=utf-8",
        )
        .bearer_auth(emulator.api_key())
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        json(response).await.1["profile"]["email"],
        "alice@example.com"
    );
}

#[tokio::test]
async fn token_responses_are_not_cached() {
    let emulator = auto_emulator().await;
    let response = exchange_code(&emulator, &example_code(&emulator).await).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn a_code_works_once() {
    let emulator = auto_emulator().await;
    let code = example_code(&emulator).await;
    exchange_code(&emulator, &code).await;
    assert_eq!(
        error_code(exchange_code(&emulator, &code).await).await,
        invalid("invalid_grant")
    );
}

#[tokio::test]
async fn a_code_expires_after_its_ttl() {
    let emulator = auto_emulator().await;
    let code = example_code(&emulator).await;
    emulator.advance_clock(Duration::from_secs(10 * 60 + 1));
    assert_eq!(
        error_code(exchange_code(&emulator, &code).await).await,
        invalid("invalid_grant")
    );
}

#[tokio::test]
async fn a_code_is_still_good_just_before_its_ttl() {
    let emulator = auto_emulator().await;
    let code = example_code(&emulator).await;
    emulator.advance_clock(Duration::from_secs(9 * 60));
    assert_eq!(
        exchange_code(&emulator, &code).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_public_client_redeems_a_pkce_code_with_its_verifier_alone() {
    let emulator = auto_emulator().await;
    let code = pkce_code(&emulator).await;
    let response = exchange(
        &emulator,
        token_body(&emulator, &code, json!({ "code_verifier": VERIFIER })),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_confidential_client_sends_secret_and_verifier() {
    let emulator = auto_emulator().await;
    let code = pkce_code(&emulator).await;
    let extra = json!({ "code_verifier": VERIFIER, "client_secret": emulator.api_key() });
    assert_eq!(
        exchange(&emulator, token_body(&emulator, &code, extra))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_wrong_verifier_is_an_invalid_grant_and_burns_the_code() {
    let emulator = auto_emulator().await;
    let code = pkce_code(&emulator).await;
    let wrong = json!({ "code_verifier": "x".repeat(43), "client_secret": emulator.api_key() });
    assert_eq!(
        error_code(exchange(&emulator, token_body(&emulator, &code, wrong)).await).await,
        invalid("invalid_grant")
    );
    let right = json!({ "code_verifier": VERIFIER, "client_secret": emulator.api_key() });
    assert_eq!(
        error_code(exchange(&emulator, token_body(&emulator, &code, right)).await).await,
        invalid("invalid_grant")
    );
}

#[tokio::test]
async fn a_missing_verifier_for_a_pkce_code_is_an_invalid_grant() {
    let emulator = auto_emulator().await;
    let code = pkce_code(&emulator).await;
    assert_eq!(
        error_code(exchange_code(&emulator, &code).await).await,
        invalid("invalid_grant")
    );
}

#[tokio::test]
async fn a_verifier_cannot_replace_the_secret_for_a_code_without_challenge() {
    let emulator = auto_emulator().await;
    let code = example_code(&emulator).await;
    let response = exchange(
        &emulator,
        token_body(&emulator, &code, json!({ "code_verifier": VERIFIER })),
    )
    .await;
    assert_eq!(error_code(response).await, invalid("invalid_client"));
}

#[tokio::test]
async fn a_wrong_secret_is_an_invalid_client() {
    let emulator = auto_emulator().await;
    let code = example_code(&emulator).await;
    let response = exchange(
        &emulator,
        token_body(
            &emulator,
            &code,
            json!({ "client_secret": "sk_test_wrong" }),
        ),
    )
    .await;
    let (status, body) = json(response).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({ "error": "invalid_client", "error_description": "Invalid client ID or secret." })
        )
    );
}

#[tokio::test]
async fn an_unknown_client_id_is_an_invalid_client() {
    let emulator = auto_emulator().await;
    let body = json!({ "client_id": "client_x", "client_secret": emulator.api_key(), "grant_type": "authorization_code", "code": "c" });
    assert_eq!(
        error_code(exchange(&emulator, body).await).await,
        invalid("invalid_client")
    );
}

#[tokio::test]
async fn another_grant_type_is_unsupported() {
    let emulator = auto_emulator().await;
    let body = token_body(
        &emulator,
        "c",
        json!({ "grant_type": "refresh_token", "client_secret": emulator.api_key() }),
    );
    assert_eq!(
        error_code(exchange(&emulator, body).await).await,
        invalid("unsupported_grant_type")
    );
}

#[tokio::test]
async fn a_missing_code_is_an_invalid_request() {
    let emulator = auto_emulator().await;
    let body = json!({ "client_id": emulator.client_id(), "client_secret": emulator.api_key(), "grant_type": "authorization_code" });
    assert_eq!(
        error_code(exchange(&emulator, body).await).await,
        invalid("invalid_request")
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_an_invalid_request() {
    let emulator = auto_emulator().await;
    let response = client()
        .post(emulator.base_url().join("sso/token").unwrap())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(response).await, invalid("invalid_request"));
}

// ---- /sso/profile ------------------------------------------------------------------------------

async fn access_token(emulator: &Emulator) -> String {
    let (_, body) = json(exchange_code(emulator, &example_code(emulator).await).await).await;
    body["access_token"].as_str().unwrap().to_owned()
}

async fn profile(emulator: &Emulator, token: Option<&str>) -> (StatusCode, Value) {
    let request = client().get(emulator.base_url().join("sso/profile").unwrap());
    json(
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
        .await
        .unwrap(),
    )
    .await
}

#[tokio::test]
async fn the_access_token_fetches_the_bare_profile() {
    let emulator = auto_emulator().await;
    let token = access_token(&emulator).await;
    let (status, body) = profile(&emulator, Some(&token)).await;
    assert_eq!(
        (status, &body["email"], missing(&body, &PROFILE_REQUIRED)),
        (StatusCode::OK, &json!("alice@example.com"), vec![])
    );
}

#[tokio::test]
async fn no_token_is_unauthorized() {
    let emulator = auto_emulator().await;
    assert_eq!(
        profile(&emulator, None).await,
        (StatusCode::UNAUTHORIZED, json!({ "error": "Unauthorized" }))
    );
}

#[tokio::test]
async fn an_unknown_token_is_unauthorized() {
    let emulator = auto_emulator().await;
    assert_eq!(
        profile(&emulator, Some("01JH0000000000000000000000"))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_api_key_is_not_an_access_token() {
    let emulator = auto_emulator().await;
    let key = emulator.api_key().to_owned();
    assert_eq!(
        profile(&emulator, Some(&key)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_access_token_expires_after_expires_in() {
    let emulator = auto_emulator().await;
    let token = access_token(&emulator).await;
    emulator.advance_clock(Duration::from_secs(601));
    assert_eq!(
        profile(&emulator, Some(&token)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

// ---- /connections ------------------------------------------------------------------------------

async fn list(emulator: &Emulator, query: &str) -> Value {
    let (status, body) = json(api_get(emulator, &format!("connections?{query}")).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|connection| connection["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_connection_list_has_the_full_shape() {
    let emulator = Emulator::start_default().await.unwrap();
    let page = list(&emulator, "").await;
    let first = &page["data"][0];
    assert_eq!(
        (
            missing(&page, &LIST_REQUIRED),
            missing(&page["list_metadata"], &LIST_METADATA_REQUIRED),
            missing(first, &CONNECTION_REQUIRED)
        ),
        (vec![], vec![], vec![])
    );
}

#[tokio::test]
async fn a_provider_connection_has_no_organization_id_key_and_never_null() {
    let emulator = Emulator::start_default().await.unwrap();
    let page = list(&emulator, "limit=100").await;
    let connections = page["data"].as_array().unwrap();
    let (providers, organizations): (Vec<&Value>, Vec<&Value>) =
        connections.iter().partition(|connection| {
            connection["connection_type"]
                .as_str()
                .unwrap()
                .ends_with("OAuth")
        });
    assert!(providers.len() >= 3, "{page}");
    for connection in providers {
        assert!(connection.get("organization_id").is_none(), "{connection}");
    }
    for connection in organizations {
        assert!(connection["organization_id"].is_string(), "{connection}");
    }
}

#[tokio::test]
async fn connection_domains_have_the_full_shape() {
    let emulator = Emulator::start_default().await.unwrap();
    let (_, connection) =
        json(api_get(&emulator, &format!("connections/{EXAMPLE_CONNECTION_ID}")).await).await;
    assert_eq!(
        (
            missing(&connection["domains"][0], &CONNECTION_DOMAIN_REQUIRED),
            &connection["domains"][0]["domain"]
        ),
        (vec![], &json!("example.com"))
    );
}

#[tokio::test]
async fn walking_forward_visits_every_connection_once_in_order() {
    let emulator = Emulator::start_default().await.unwrap();
    let (mut seen, mut query) = (Vec::new(), "limit=3".to_owned());
    loop {
        let page = list(&emulator, &query).await;
        seen.extend(ids(&page));
        match page["list_metadata"]["after"].as_str() {
            Some(after) => query = format!("limit=3&after={after}"),
            None => break,
        }
    }
    let mut expected: Vec<String> = Seed::default()
        .connections
        .into_iter()
        .map(|connection| connection.id)
        .collect();
    expected.sort_by(|left, right| right.cmp(left));
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn walking_backward_from_the_last_page_returns_the_previous_page() {
    let emulator = Emulator::start_default().await.unwrap();
    let first = list(&emulator, "limit=3&order=asc").await;
    let second = list(
        &emulator,
        &format!(
            "limit=3&order=asc&after={}",
            first["list_metadata"]["after"].as_str().unwrap()
        ),
    )
    .await;
    let back = list(
        &emulator,
        &format!(
            "limit=3&order=asc&before={}",
            second["list_metadata"]["before"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(
        (ids(&back), &back["list_metadata"]["before"]),
        (ids(&first), &Value::Null)
    );
}

#[tokio::test]
async fn a_single_page_has_no_cursors() {
    let emulator = Emulator::start_default().await.unwrap();
    let page = list(&emulator, "limit=100").await;
    assert_eq!(
        page["list_metadata"],
        json!({ "before": null, "after": null })
    );
}

#[tokio::test]
async fn the_list_filters_by_organization() {
    let emulator = Emulator::start_default().await.unwrap();
    assert_eq!(
        ids(&list(&emulator, &format!("organization_id={GLOBEX_ORG_ID}")).await),
        ["conn_01JHQY77ZXYYK596NGYA1DQ91K"]
    );
}

#[tokio::test]
async fn the_list_filters_by_type_in_either_github_spelling() {
    let emulator = Emulator::start_default().await.unwrap();
    let filter = ids(&list(&emulator, "connection_type=GithubOAuth").await);
    assert_eq!(
        (filter.len(), filter),
        (
            1,
            ids(&list(&emulator, "connection_type=GitHubOAuth").await)
        )
    );
}

#[tokio::test]
async fn the_list_filters_by_domain_and_search() {
    let emulator = Emulator::start_default().await.unwrap();
    let by_domain = ids(&list(&emulator, "domain=initech.test").await).len();
    let by_search = ids(&list(&emulator, "search=oauth").await).len();
    assert_eq!((by_domain, by_search), (2, 3));
}

#[tokio::test]
async fn a_limit_out_of_range_is_unprocessable() {
    let emulator = Emulator::start_default().await.unwrap();
    for limit in ["0", "101", "ten"] {
        let (status, body) =
            json(api_get(&emulator, &format!("connections?limit={limit}")).await).await;
        assert_eq!(
            (status, body["message"].is_string()),
            (StatusCode::UNPROCESSABLE_ENTITY, true),
            "limit={limit}"
        );
    }
}

#[tokio::test]
async fn the_connection_api_needs_the_api_key() {
    let emulator = Emulator::start_default().await.unwrap();
    let url = emulator.base_url().join("connections").unwrap();
    let anonymous = client().get(url.clone()).send().await.unwrap().status();
    let (wrong, body) = json(
        client()
            .get(url)
            .bearer_auth("sk_test_wrong")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (anonymous, wrong, body["message"].is_string()),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED, true)
    );
}

#[tokio::test]
async fn an_unknown_connection_is_not_found() {
    let emulator = Emulator::start_default().await.unwrap();
    let (status, body) =
        json(api_get(&emulator, "connections/conn_01JH0000000000000000000000").await).await;
    assert_eq!(
        (status, body["message"].is_string()),
        (StatusCode::NOT_FOUND, true)
    );
}

async fn delete(emulator: &Emulator, id: &str) -> reqwest::Response {
    let url = emulator
        .base_url()
        .join(&format!("connections/{id}"))
        .unwrap();
    client()
        .delete(url)
        .bearer_auth(emulator.api_key())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn deleting_answers_204_without_body_then_404() {
    let emulator = Emulator::start_default().await.unwrap();
    let first = delete(&emulator, EXAMPLE_CONNECTION_ID).await;
    let (status, body) = (first.status(), first.bytes().await.unwrap());
    let again = delete(&emulator, EXAMPLE_CONNECTION_ID).await.status();
    let fetched = api_get(&emulator, &format!("connections/{EXAMPLE_CONNECTION_ID}"))
        .await
        .status();
    assert_eq!(
        (status, body.len(), again, fetched),
        (
            StatusCode::NO_CONTENT,
            0,
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND
        )
    );
}

#[tokio::test]
async fn nobody_signs_in_through_a_deleted_connection() {
    let emulator = auto_emulator().await;
    let code = example_code(&emulator).await;
    delete(&emulator, EXAMPLE_CONNECTION_ID).await;
    let target = redirected(authorize_url(
        &emulator,
        &[("connection", EXAMPLE_CONNECTION_ID)],
    ))
    .await;
    assert_eq!(
        param(&target, "error").as_deref(),
        Some("connection_invalid")
    );
    assert_eq!(
        error_code(exchange_code(&emulator, &code).await).await,
        invalid("invalid_grant")
    );
}

// ---- Admin Portal ------------------------------------------------------------------------------

async fn generate_link(emulator: &Emulator, body: Value) -> (StatusCode, Value) {
    let url = emulator.base_url().join("portal/generate_link").unwrap();
    json(
        client()
            .post(url)
            .bearer_auth(emulator.api_key())
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_portal_link_needs_an_existing_organization() {
    let emulator = Emulator::start_default().await.unwrap();
    let (status, body) = generate_link(
        &emulator,
        json!({ "organization": "org_01JH0000000000000000000000", "intent": "sso" }),
    )
    .await;
    assert_eq!(
        (status, body["message"].is_string()),
        (StatusCode::NOT_FOUND, true)
    );
}

#[tokio::test]
async fn a_portal_link_supports_the_sso_intent_only() {
    let emulator = Emulator::start_default().await.unwrap();
    let (status, _) = generate_link(
        &emulator,
        json!({ "organization": GLOBEX_ORG_ID, "intent": "dsync" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_portal_success_url_must_be_a_web_url() {
    let emulator = Emulator::start_default().await.unwrap();
    let body = json!({ "organization": GLOBEX_ORG_ID, "intent": "sso", "success_url": "javascript:alert(1)" });
    assert_eq!(
        generate_link(&emulator, body).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn a_portal_link_needs_the_api_key() {
    let emulator = Emulator::start_default().await.unwrap();
    let url = emulator.base_url().join("portal/generate_link").unwrap();
    let response = client()
        .post(url)
        .json(&json!({ "organization": GLOBEX_ORG_ID, "intent": "sso" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// A fresh `sso` portal link for Globex.
async fn globex_portal_link(emulator: &Emulator) -> url::Url {
    let (status, body) = generate_link(
        emulator,
        json!({ "organization": GLOBEX_ORG_ID, "intent": "sso" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    url::Url::parse(body["link"].as_str().unwrap()).unwrap()
}

/// Submits the portal form behind `link`.
async fn submit_portal(
    link: &url::Url,
    name: &str,
    connection_type: &str,
    users: &str,
) -> reqwest::Response {
    let secret = param(link, "secret").unwrap();
    let form = [
        ("secret", secret.as_str()),
        ("name", name),
        ("connection_type", connection_type),
        ("users", users),
    ];
    client()
        .post(link.join("/portal/launch").unwrap())
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_portal_link_opens_a_form() {
    let emulator = Emulator::start_default().await.unwrap();
    let page = client()
        .get(globex_portal_link(&emulator).await)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            page.status(),
            page.text().await.unwrap().contains("Set up SSO for Globex")
        ),
        (StatusCode::OK, true)
    );
}

#[tokio::test]
async fn a_connection_made_in_the_portal_signs_users_in() {
    let emulator = auto_emulator().await;
    let link = globex_portal_link(&emulator).await;
    let created = submit_portal(
        &link,
        "Globex Entra",
        "EntraIdOIDC",
        "Ada Lovelace <ada@globex.test>",
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let page = list(
        &emulator,
        &format!("organization_id={GLOBEX_ORG_ID}&search=entra"),
    )
    .await;
    let connection_id = ids(&page).pop().unwrap();
    let code = code_for(&emulator, ("connection", &connection_id), &[]).await;
    let (_, token) = json(exchange_code(&emulator, &code).await).await;
    assert_eq!(
        (&token["profile"]["email"], &token["profile"]["name"]),
        (&json!("ada@globex.test"), &json!("Ada Lovelace"))
    );
}

#[tokio::test]
async fn a_portal_form_with_bad_input_is_shown_again() {
    let emulator = Emulator::start_default().await.unwrap();
    let link = globex_portal_link(&emulator).await;
    let response = submit_portal(&link, "X", "OktaSAML", "not-an-email").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_portal_link_expires() {
    let emulator = Emulator::start_default().await.unwrap();
    let link = globex_portal_link(&emulator).await;
    emulator.advance_clock(Duration::from_secs(301));
    let response = client().get(link).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

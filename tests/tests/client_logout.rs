//! Single Logout against the emulator, strictly to the spec (`workos-openapi-sso.yaml`,
//! `/sso/logout/authorize` and `/sso/logout`), through the client: a GenericOIDC profile gets a logout
//! URL whose token works once and is recorded; other connections get `400 connection_invalid`; unknown
//! profiles `404`; a wrong API key `401`.

use std::time::Duration;

use reqwest::{redirect, Client, StatusCode};
use rocket_workos_sso::client::{ApiErrorKind, WorkosClient, WorkosError};
use rocket_workos_sso::config::{ApiKey, ClientId, WorkosConfig};
use rocket_workos_sso::emulator::{Connection, Emulator, User, EXAMPLE_ORG_ID};
use serde_json::{json, Value};
use url::Url;

/// An HTTP client that shows redirects instead of following them.
fn client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("client")
}

/// Alice's profile id: a TestIdp connection, for which WorkOS offers no Single Logout.
const ALICE: &str = "prof_01JHNPZX45HY43KWJRP1XPA7Z3";

fn workos(emulator: &Emulator, api_key: &str) -> WorkosClient {
    let config = WorkosConfig::builder(
        ApiKey::new(api_key).unwrap(),
        ClientId::new(emulator.client_id()).unwrap(),
    )
    .base_url(emulator.base_url().as_str())
    .build()
    .unwrap();
    WorkosClient::new(config).unwrap()
}

/// An emulator with Oscar, who signs in through a GenericOIDC connection of Example Corp.
async fn with_oidc_user(
    builder: rocket_workos_sso::emulator::EmulatorBuilder,
) -> (Emulator, String) {
    let emulator = builder.start().await.unwrap();
    let connection = Connection::for_organization(EXAMPLE_ORG_ID, "GenericOIDC", "Example OIDC");
    let oscar = User::new(connection.id.clone(), "oscar@example.com");
    let profile_id = oscar.id.clone();
    emulator.add_connection(connection);
    emulator.add_user(oscar);
    (emulator, profile_id)
}

#[tokio::test]
async fn a_generic_oidc_profile_is_signed_out_once_and_recorded() {
    let (emulator, oscar) = with_oidc_user(Emulator::builder()).await;
    let workos = workos(&emulator, emulator.api_key());
    let logout = workos.authorize_logout(&oscar).await.unwrap();
    let url = Url::parse(logout.logout_url.expose()).unwrap();
    assert_eq!(url.origin(), emulator.base_url().origin());
    assert_eq!(url.path(), "/sso/logout");
    let token: Vec<_> = url.query_pairs().collect();
    assert_eq!(token.len(), 1);
    assert_eq!(token[0].0, "token");
    assert_eq!(token[0].1, logout.logout_token.expose());
    assert!(
        emulator.logouts().is_empty(),
        "nothing until the browser goes there"
    );

    let response = client().get(url.clone()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("signed out"));
    assert_eq!(emulator.logouts(), vec![oscar.clone()]);

    // A token works once.
    let again = client().get(url).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let body: Value = again.json().await.unwrap();
    assert!(body["message"].is_string(), "{body}");
    assert_eq!(emulator.logouts(), vec![oscar]);
}

#[tokio::test]
async fn with_a_logout_redirect_the_browser_goes_there() {
    let back = Url::parse("http://localhost:8000/signed-out").unwrap();
    let (emulator, oscar) = with_oidc_user(Emulator::builder().logout_redirect(back.clone())).await;
    let logout = workos(&emulator, emulator.api_key())
        .authorize_logout(&oscar)
        .await
        .unwrap();
    let response = client()
        .get(logout.logout_url.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], back.as_str());
}

#[tokio::test]
async fn an_expired_or_unknown_token_signs_nobody_out() {
    let (emulator, oscar) = with_oidc_user(Emulator::builder()).await;
    let logout = workos(&emulator, emulator.api_key())
        .authorize_logout(&oscar)
        .await
        .unwrap();
    emulator.advance_clock(Duration::from_secs(6 * 60));
    let expired = client()
        .get(logout.logout_url.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), StatusCode::NOT_FOUND);
    for query in ["", "?token=", "?token=made-up"] {
        let url = format!("{}sso/logout{query}", emulator.base_url());
        let response = client().get(url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{query}");
    }
    assert!(emulator.logouts().is_empty());
}

#[tokio::test]
async fn other_connections_unknown_profiles_and_wrong_keys_are_refused() {
    let (emulator, oscar) = with_oidc_user(Emulator::builder()).await;
    let workos_client = workos(&emulator, emulator.api_key());
    let api = |error: WorkosError| match error {
        WorkosError::Api(api) => api,
        other => panic!("{other}"),
    };

    let not_oidc = api(workos_client.authorize_logout(ALICE).await.unwrap_err());
    assert_eq!(
        (not_oidc.status, not_oidc.kind()),
        (400, ApiErrorKind::BadRequest)
    );
    assert_eq!(not_oidc.code.as_deref(), Some("connection_invalid"));
    assert_eq!(
        not_oidc.description.as_deref(),
        Some("Single Logout is only supported for GenericOIDC connections.")
    );

    let unknown = api(workos_client
        .authorize_logout("prof_01UNKNOWN")
        .await
        .unwrap_err());
    assert_eq!(unknown.kind(), ApiErrorKind::NotFound);

    let wrong_key = workos(&emulator, "sk_test_not_the_emulators_key_0123456789");
    let refused = api(wrong_key.authorize_logout(&oscar).await.unwrap_err());
    assert_eq!(refused.kind(), ApiErrorKind::Unauthorized);

    // The raw contract: the body is a JSON object with a profile_id.
    let url = emulator.base_url().join("sso/logout/authorize").unwrap();
    for body in [json!({}), json!({ "profile": oscar })] {
        let response = client()
            .post(url.clone())
            .bearer_auth(emulator.api_key())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
    }
    assert!(emulator.logouts().is_empty());
}

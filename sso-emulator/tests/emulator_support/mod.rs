//! Helpers shared by the emulator's integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use reqwest::{redirect, Client, Response, StatusCode};
use rocket_workos_sso_emulator::{AutoLogin, Emulator, EXAMPLE_ORG_ID};
use serde_json::Value;
use url::Url;

/// The default allow-listed redirect URI.
pub const CALLBACK: &str = "http://localhost:8000/callback";

/// An HTTP client that shows redirects instead of following them.
pub fn client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("client")
}

/// An emulator that signs in automatically.
pub async fn auto_emulator() -> Emulator {
    Emulator::builder()
        .auto_login(AutoLogin::FirstUser)
        .start()
        .await
        .expect("emulator starts")
}

/// `/sso/authorize` with a valid client, redirect URI and response type, plus `extra`.
pub fn authorize_url(emulator: &Emulator, extra: &[(&str, &str)]) -> Url {
    let mut url = emulator.base_url().join("sso/authorize").unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", emulator.client_id())
        .append_pair("redirect_uri", CALLBACK)
        .append_pair("response_type", "code")
        .extend_pairs(extra);
    url
}

/// The redirect target of a 302.
pub fn location(response: &Response) -> Url {
    assert_eq!(response.status(), StatusCode::FOUND, "expected a redirect");
    Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
}

/// The value of a query parameter.
pub fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// GET `url` and return where it redirects.
pub async fn redirected(url: Url) -> Url {
    location(&client().get(url).send().await.unwrap())
}

/// A code for the first user of `selector` (needs auto-login).
pub async fn code_for(
    emulator: &Emulator,
    selector: (&str, &str),
    extra: &[(&str, &str)],
) -> String {
    let mut pairs = vec![selector];
    pairs.extend_from_slice(extra);
    param(&redirected(authorize_url(emulator, &pairs)).await, "code").expect("a code")
}

/// A code for alice@example.com (needs auto-login).
pub async fn example_code(emulator: &Emulator) -> String {
    code_for(emulator, ("organization", EXAMPLE_ORG_ID), &[]).await
}

/// POST `/sso/token` with a JSON body.
pub async fn exchange(emulator: &Emulator, body: Value) -> Response {
    client()
        .post(emulator.base_url().join("sso/token").unwrap())
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The standard confidential-client exchange of `code`.
pub async fn exchange_code(emulator: &Emulator, code: &str) -> Response {
    exchange(
        emulator,
        serde_json::json!({
            "client_id": emulator.client_id(),
            "client_secret": emulator.api_key(),
            "grant_type": "authorization_code",
            "code": code,
        }),
    )
    .await
}

/// Status and JSON body.
pub async fn json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

/// GET an API path with the emulator's API key.
pub async fn api_get(emulator: &Emulator, path_and_query: &str) -> Response {
    client()
        .get(emulator.base_url().join(path_and_query).unwrap())
        .bearer_auth(emulator.api_key())
        .send()
        .await
        .unwrap()
}

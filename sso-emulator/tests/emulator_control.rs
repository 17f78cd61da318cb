//! Fault injection, counters, the `/__emulator` control endpoints and the server's lifecycle.

mod emulator_support;

use std::time::{Duration, Instant};

use emulator_support::*;
use reqwest::StatusCode;
use rocket_workos_sso_emulator::{Emulator, Fault, EXAMPLE_CONNECTION_ID};
use serde_json::{json, Value};

async fn get_connections(emulator: &Emulator) -> Result<reqwest::Response, reqwest::Error> {
    client()
        .get(emulator.base_url().join("connections").unwrap())
        .bearer_auth(emulator.api_key())
        .send()
        .await
}

#[tokio::test]
async fn a_status_fault_answers_a_message_body_then_stops() {
    let emulator = Emulator::start_default().await.unwrap();
    emulator.inject("/connections", Fault::Status(503), 1);
    let (status, body) = json(get_connections(&emulator).await.unwrap()).await;
    let after = get_connections(&emulator).await.unwrap().status();
    assert_eq!(
        (status, body["message"].is_string(), after),
        (StatusCode::SERVICE_UNAVAILABLE, true, StatusCode::OK)
    );
}

#[tokio::test]
async fn a_rate_limit_fault_sends_retry_after() {
    let emulator = Emulator::start_default().await.unwrap();
    emulator.inject(
        "/connections",
        Fault::RateLimited {
            retry_after: Duration::from_millis(1500),
        },
        1,
    );
    let response = get_connections(&emulator).await.unwrap();
    assert_eq!(
        (
            response.status(),
            response.headers()["retry-after"].to_str().unwrap()
        ),
        (StatusCode::TOO_MANY_REQUESTS, "2")
    );
}

#[tokio::test]
async fn a_delay_fault_answers_normally_afterwards() {
    let emulator = Emulator::start_default().await.unwrap();
    emulator.inject("/connections", Fault::Delay(Duration::from_millis(300)), 1);
    let started = Instant::now();
    let status = get_connections(&emulator).await.unwrap().status();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_malformed_json_fault_sends_a_json_typed_body_that_does_not_parse() {
    let emulator = Emulator::start_default().await.unwrap();
    emulator.inject("/connections", Fault::MalformedJson, 1);
    let response = get_connections(&emulator).await.unwrap();
    assert_eq!(
        (
            response.status(),
            response.headers()["content-type"].to_str().unwrap()
        ),
        (StatusCode::OK, "application/json")
    );
    assert!(response.json::<Value>().await.is_err());
}

#[tokio::test]
async fn a_truncated_body_fails_to_read_after_the_request_was_processed() {
    let emulator = auto_emulator().await;
    let code = example_code(&emulator).await;
    emulator.inject("/sso/token", Fault::TruncatedBody, 1);
    let response = exchange_code(&emulator, &code).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.is_err(), "the body must end early");
    let (status, body) = json(exchange_code(&emulator, &code).await).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_grant"))
    );
}

#[tokio::test]
async fn a_dropped_connection_sends_nothing_and_processes_nothing() {
    let emulator = auto_emulator().await;
    let code = example_code(&emulator).await;
    emulator.inject("/sso/token", Fault::DropConnection, 1);
    let error = client()
        .post(emulator.base_url().join("sso/token").unwrap())
        .json(&json!({ "client_id": emulator.client_id(), "client_secret": emulator.api_key(), "grant_type": "authorization_code", "code": code }))
        .send()
        .await
        .unwrap_err();
    assert!(!error.is_status() && !error.is_timeout(), "{error}");
    assert_eq!(
        exchange_code(&emulator, &code).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_fault_repeats_the_requested_number_of_times() {
    let emulator = Emulator::start_default().await.unwrap();
    emulator.inject("/connections", Fault::Status(500), 2);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(get_connections(&emulator).await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [500, 500, 200]);
}

#[tokio::test]
async fn requests_are_counted_per_path_and_method() {
    let emulator = Emulator::start_default().await.unwrap();
    for _ in 0..3 {
        get_connections(&emulator).await.unwrap();
    }
    client()
        .delete(emulator.base_url().join("connections").unwrap())
        .send()
        .await
        .unwrap();
    let counts = (
        emulator.request_count("/connections"),
        emulator.request_count_for("GET", "/connections"),
        emulator.request_count("/sso/token"),
    );
    assert_eq!(counts, (4, 3, 0));
}

#[tokio::test]
async fn a_client_reusing_its_pool_opens_one_connection() {
    let emulator = Emulator::start_default().await.unwrap();
    let pooled = client();
    for _ in 0..5 {
        pooled
            .get(emulator.base_url().join("connections").unwrap())
            .bearer_auth(emulator.api_key())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
    }
    client()
        .get(emulator.base_url().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(emulator.connections_accepted(), 2);
}

#[tokio::test]
async fn every_response_has_a_request_id() {
    let emulator = Emulator::start_default().await.unwrap();
    let not_found = client()
        .get(emulator.base_url().join("nope").unwrap())
        .send()
        .await
        .unwrap();
    let id = not_found.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let (status, body) = json(not_found).await;
    assert_eq!(
        (status, body, id.len()),
        (StatusCode::NOT_FOUND, json!({ "message": "Not found" }), 36)
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let emulator = Emulator::start_default().await.unwrap();
    let response = client()
        .post(emulator.base_url().join("sso/token").unwrap())
        .body(vec![b'a'; 100_000])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn garbage_input_never_breaks_the_server() {
    let emulator = Emulator::start_default().await.unwrap();
    for path in [
        "sso/authorize?%ff%fe=%00&client_id=%E2%82",
        "sso/token",
        "connections/%2F..%2F",
        "portal/launch?secret=",
        "__emulator/faults",
    ] {
        let _ = client()
            .post(emulator.base_url().join(path).unwrap())
            .body("\u{0}{[")
            .send()
            .await
            .unwrap();
        let _ = client()
            .get(emulator.base_url().join(path).unwrap())
            .send()
            .await
            .unwrap();
    }
    assert_eq!(
        get_connections(&emulator).await.unwrap().status(),
        StatusCode::OK
    );
}

// ---- /__emulator -------------------------------------------------------------------------------

async fn control(emulator: &Emulator, path: &str, body: Value) -> StatusCode {
    client()
        .post(emulator.base_url().join(path).unwrap())
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn faults_can_be_injected_over_http() {
    let emulator = Emulator::start_default().await.unwrap();
    let injection = json!({ "path": "/connections", "times": 1, "fault": { "kind": "rate_limited", "retry_after_secs": 3 } });
    assert_eq!(
        control(&emulator, "__emulator/faults", injection).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        get_connections(&emulator).await.unwrap().headers()["retry-after"],
        "3"
    );
}

#[tokio::test]
async fn an_unknown_fault_kind_is_unprocessable() {
    let emulator = Emulator::start_default().await.unwrap();
    let injection = json!({ "path": "/connections", "fault": { "kind": "explode" } });
    assert_eq!(
        control(&emulator, "__emulator/faults", injection).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn stats_report_requests_and_connections() {
    let emulator = Emulator::start_default().await.unwrap();
    get_connections(&emulator).await.unwrap();
    let (_, stats) = json(
        client()
            .get(emulator.base_url().join("__emulator/stats").unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    let listed = stats["requests"]
        .as_array()
        .unwrap()
        .iter()
        .any(|row| row == &json!({ "method": "GET", "path": "/connections", "count": 1 }));
    assert!(
        listed && stats["connections_accepted"].as_u64().unwrap() >= 1,
        "{stats}"
    );
}

#[tokio::test]
async fn the_clock_can_be_advanced_over_http() {
    let emulator = auto_emulator().await;
    let code = example_code(&emulator).await;
    assert_eq!(
        control(
            &emulator,
            "__emulator/clock",
            json!({ "advance_secs": 601 })
        )
        .await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        exchange_code(&emulator, &code).await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn absurd_clock_advances_do_not_break_the_server() {
    let emulator = auto_emulator().await;
    emulator.advance_clock(Duration::MAX);
    control(
        &emulator,
        "__emulator/clock",
        json!({ "advance_secs": u64::MAX }),
    )
    .await;
    let code = example_code(&emulator).await;
    assert_eq!(
        exchange_code(&emulator, &code).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn reset_restores_the_seed_and_clears_codes() {
    let emulator = auto_emulator().await;
    let code = example_code(&emulator).await;
    let url = emulator
        .base_url()
        .join(&format!("connections/{EXAMPLE_CONNECTION_ID}"))
        .unwrap();
    client()
        .delete(url)
        .bearer_auth(emulator.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(
        control(&emulator, "__emulator/reset", json!({})).await,
        StatusCode::NO_CONTENT
    );
    let restored = api_get(&emulator, &format!("connections/{EXAMPLE_CONNECTION_ID}"))
        .await
        .status();
    assert_eq!(
        (restored, exchange_code(&emulator, &code).await.status()),
        (StatusCode::OK, StatusCode::BAD_REQUEST)
    );
}

// ---- lifecycle ---------------------------------------------------------------------------------

#[tokio::test]
async fn shutdown_frees_the_port() {
    let emulator = Emulator::start_default().await.unwrap();
    let addr = emulator.local_addr();
    emulator.shutdown().await;
    let again = Emulator::builder().bind(addr).start().await;
    assert!(again.is_ok());
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let emulator = Emulator::start_default().await.unwrap();
    let url = emulator.base_url().clone();
    drop(emulator);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(client().get(url).send().await.is_err());
}

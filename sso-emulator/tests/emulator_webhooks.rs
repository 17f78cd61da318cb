//! Webhooks: every event POSTed to each endpoint, signed as WorkOS signs (checked against an HMAC computed
//! here from SHA-256 alone), retried until a 2xx, never blocking the emitter; and the control endpoints
//! that deprovision people and register endpoints.

mod emulator_support;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use emulator_support::*;
use http_body_util::{BodyExt as _, Full};
use hyper::header::HeaderMap;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode as HyperStatus};
use hyper_util::rt::TokioIo;
use reqwest::StatusCode;
use rocket_workos_sso_emulator::{Emulator, EmulatorError, WEBHOOK_ATTEMPTS};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const SECRET: &str = "whsec_emulator_test";
const WAIT: Duration = Duration::from_secs(10);

/// A request the test endpoint received.
struct Seen {
    path: String,
    headers: HeaderMap,
    body: Bytes,
    at: Instant,
}

/// A local webhook endpoint answering `statuses` in turn (the last one from then on), after `delay`.
struct Endpoint {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Endpoint {
    async fn start(statuses: &[u16], delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks/workos", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let statuses = statuses.to_vec();
        let log = Arc::clone(&seen);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (log, statuses) = (Arc::clone(&log), statuses.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                        let (log, statuses) = (Arc::clone(&log), statuses.clone());
                        async move {
                            let (parts, body) = request.into_parts();
                            let body = body.collect().await.unwrap().to_bytes();
                            let count = {
                                let mut log = log.lock().unwrap();
                                log.push(Seen {
                                    path: parts.uri.path().to_owned(),
                                    headers: parts.headers,
                                    body,
                                    at: Instant::now(),
                                });
                                log.len()
                            };
                            tokio::time::sleep(delay).await;
                            let status = statuses[(count - 1).min(statuses.len() - 1)];
                            let mut response = Response::new(Full::new(Bytes::from_static(b"ok")));
                            *response.status_mut() = HyperStatus::from_u16(status).unwrap();
                            Ok::<_, Infallible>(response)
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { url, seen, task }
    }

    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

/// HMAC-SHA256 (RFC 2104) built from SHA-256 alone, to check the emulator's signature independently.
fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(move |key| key ^ byte);
    let inner = Sha256::digest(
        pad(0x36)
            .chain(message.iter().copied())
            .collect::<Vec<u8>>(),
    );
    let outer = Sha256::digest(pad(0x5c).chain(inner).collect::<Vec<u8>>());
    outer.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn now_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

#[test]
fn the_reference_hmac_matches_rfc_4231() {
    assert_eq!(
        hmac_sha256(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[tokio::test]
async fn every_event_is_posted_signed_with_the_real_time() {
    let endpoint = Endpoint::start(&[200], Duration::ZERO).await;
    let emulator = Emulator::builder()
        .webhook(&endpoint.url, SECRET)
        .start()
        .await
        .unwrap();
    // The test clock does not move the signature's time: SDKs check it against the real clock.
    emulator.advance_clock(Duration::from_secs(3600));
    let id = emulator.deprovision_user("bob@example.com").unwrap();
    let deliveries = emulator.wait_for_webhook_deliveries(1, WAIT).await;

    let seen = endpoint.seen.lock().unwrap();
    let request = &seen[0];
    assert_eq!(request.path, "/webhooks/workos");
    assert_eq!(request.headers["content-type"], "application/json");
    let header = request.headers["workos-signature"].to_str().unwrap();
    let (t, v1) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(", v1="))
        .unwrap_or_else(|| panic!("not `t=…, v1=…`: {header}"));
    let t_millis: u128 = t.parse().unwrap();
    assert!(now_millis().abs_diff(t_millis) < 10_000, "t={t}");
    let signed = [t.as_bytes(), b".", &request.body].concat();
    assert_eq!(v1, hmac_sha256(SECRET.as_bytes(), &signed));

    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body, emulator.events()[0].to_json());
    assert_eq!(
        (body["id"].as_str(), body["event"].as_str()),
        (Some(id.as_str()), Some("dsync.user.updated"))
    );
    let delivery = &deliveries[0];
    assert_eq!(
        (
            delivery.event_id.as_str(),
            delivery.url.as_str(),
            delivery.status,
            delivery.attempts,
            delivery.succeeded()
        ),
        (id.as_str(), endpoint.url.as_str(), Some(200), 1, true)
    );
}

#[tokio::test]
async fn a_delivery_without_a_2xx_is_retried_with_backoff() {
    let endpoint = Endpoint::start(&[503, 500, 204], Duration::ZERO).await;
    let emulator = Emulator::start_default().await.unwrap();
    emulator.add_webhook(&endpoint.url, SECRET).unwrap();
    emulator.delete_directory_user("alice@example.com").unwrap();
    let deliveries = emulator.wait_for_webhook_deliveries(1, WAIT).await;
    assert_eq!(
        (
            deliveries[0].status,
            deliveries[0].attempts,
            deliveries[0].succeeded()
        ),
        (Some(204), 3, true)
    );
    let seen = endpoint.seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter().all(|request| request.body == seen[0].body),
        "the same event each time"
    );
    let gaps = [seen[1].at - seen[0].at, seen[2].at - seen[1].at];
    assert!(
        gaps[0] >= Duration::from_millis(180) && gaps[1] >= Duration::from_millis(900),
        "{gaps:?}"
    );
}

#[tokio::test]
async fn a_delivery_gives_up_after_the_last_attempt() {
    let failing = Endpoint::start(&[500], Duration::ZERO).await;
    // A port that was just free: nothing answers there.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hooks", listener.local_addr().unwrap())
    };
    let emulator = Emulator::builder()
        .webhook(&failing.url, SECRET)
        .webhook(&closed, SECRET)
        .start()
        .await
        .unwrap();
    emulator.deprovision_user("carol@example.com").unwrap();
    let mut deliveries = emulator.wait_for_webhook_deliveries(2, WAIT).await;
    deliveries.sort_by(|left, right| left.url.cmp(&right.url));
    let outcomes: Vec<_> = deliveries
        .iter()
        .map(|delivery| {
            (
                delivery.url.as_str(),
                delivery.status,
                delivery.attempts,
                delivery.error.is_some(),
            )
        })
        .collect();
    let mut expected = vec![
        (failing.url.as_str(), Some(500), WEBHOOK_ATTEMPTS, false),
        (closed.as_str(), None, WEBHOOK_ATTEMPTS, true),
    ];
    expected.sort();
    assert_eq!(outcomes, expected);
    assert_eq!(failing.count(), 3);
}

#[tokio::test]
async fn a_slow_endpoint_never_blocks_the_emitter() {
    let slow = Endpoint::start(&[200], Duration::from_millis(1500)).await;
    let emulator = Emulator::builder()
        .webhook(&slow.url, SECRET)
        .start()
        .await
        .unwrap();
    let started = Instant::now();
    emulator.deprovision_user("alice@example.com").unwrap();
    emulator.deprovision_user("bob@example.com").unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        (emulator.events().len(), emulator.webhook_deliveries().len()),
        (2, 0)
    );
    let deliveries = emulator.wait_for_webhook_deliveries(2, WAIT).await;
    assert!(deliveries.iter().all(|delivery| delivery.succeeded()));
}

#[tokio::test]
async fn each_endpoint_gets_each_event_and_a_reset_forgets_added_endpoints() {
    let configured = Endpoint::start(&[200], Duration::ZERO).await;
    let added = Endpoint::start(&[200], Duration::ZERO).await;
    let emulator = Emulator::builder()
        .webhook(&configured.url, SECRET)
        .start()
        .await
        .unwrap();
    emulator.add_webhook(&added.url, "another secret").unwrap();
    emulator.deprovision_user("alice@example.com").unwrap();
    emulator
        .deactivate_connection(rocket_workos_sso_emulator::GLOBEX_CONNECTION_ID)
        .unwrap();
    assert_eq!(emulator.wait_for_webhook_deliveries(4, WAIT).await.len(), 4);
    assert_eq!((configured.count(), added.count()), (2, 2));

    emulator.reset();
    assert!(emulator.webhook_deliveries().is_empty());
    emulator.deprovision_user("alice@example.com").unwrap();
    emulator.wait_for_webhook_deliveries(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!((configured.count(), added.count()), (3, 2));
}

#[tokio::test]
async fn endpoints_the_emulator_cannot_deliver_to_are_refused() {
    let emulator = Emulator::start_default().await.unwrap();
    for (url, secret) in [
        ("https://app.example.com/webhooks", SECRET),
        ("not a url", SECRET),
        ("http://127.0.0.1:3000/webhooks", ""),
    ] {
        let refused = emulator.add_webhook(url, secret);
        assert!(
            matches!(refused, Err(EmulatorError::InvalidWebhook { .. })),
            "{url}: {refused:?}"
        );
    }
    let refused = Emulator::builder()
        .webhook("ftp://127.0.0.1/x", SECRET)
        .start()
        .await;
    assert!(matches!(refused, Err(EmulatorError::InvalidWebhook { .. })));
}

async fn control(emulator: &Emulator, path: &str, body: Value) -> (StatusCode, Value) {
    let url = emulator.base_url().join(path).unwrap();
    let response = client().post(url).json(&body).send().await.unwrap();
    if response.status() == StatusCode::NO_CONTENT {
        return (response.status(), Value::Null);
    }
    json(response).await
}

#[tokio::test]
async fn control_endpoints_register_webhooks_and_deprovision_people() {
    let endpoint = Endpoint::start(&[200], Duration::ZERO).await;
    let emulator = Emulator::start_default().await.unwrap();
    let (status, _) = control(
        &emulator,
        "__emulator/webhooks",
        json!({ "url": endpoint.url, "secret": SECRET }),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let path = "__emulator/directory_users/deprovision";
    let (status, updated) = control(&emulator, path, json!({ "email": "bob@example.com" })).await;
    assert_eq!(
        (
            status,
            updated["event"].as_str(),
            updated["data"]["state"].as_str()
        ),
        (StatusCode::OK, Some("dsync.user.updated"), Some("inactive"))
    );
    let (status, deleted) = control(
        &emulator,
        path,
        json!({ "email": "bob@example.com", "delete": true }),
    )
    .await;
    assert_eq!(
        (status, deleted["event"].as_str()),
        (StatusCode::OK, Some("dsync.user.deleted"))
    );
    assert_eq!(
        emulator
            .events()
            .iter()
            .map(|event| event.to_json())
            .collect::<Vec<_>>(),
        [updated, deleted]
    );

    let (status, gone) = control(&emulator, path, json!({ "email": "bob@example.com" })).await;
    assert_eq!(
        (status, gone["message"].is_string()),
        (StatusCode::NOT_FOUND, true)
    );
    for (path, body) in [
        (path, json!({ "mail": "bob@example.com" })),
        (path, json!("bob@example.com")),
        (
            "__emulator/webhooks",
            json!({ "url": "https://example.com/", "secret": SECRET }),
        ),
        ("__emulator/webhooks", json!({ "url": endpoint.url })),
    ] {
        let (status, refused) = control(&emulator, path, body.clone()).await;
        assert_eq!(
            (status, refused["message"].is_string()),
            (StatusCode::UNPROCESSABLE_ENTITY, true),
            "{body}"
        );
    }

    emulator.wait_for_webhook_deliveries(2, WAIT).await;
    let stats = reqwest::get(emulator.base_url().join("__emulator/stats").unwrap())
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let delivered: Vec<_> = stats["webhook_deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|delivery| (delivery["status"].as_u64(), delivery["attempts"].as_u64()))
        .collect();
    assert_eq!(delivered, [(Some(200), Some(1)), (Some(200), Some(1))]);
}

#[tokio::test]
async fn a_delivery_that_ends_after_a_reset_is_not_reported_in_the_new_session() {
    let slow = Endpoint::start(&[200], Duration::from_millis(300)).await;
    let emulator = Emulator::builder()
        .webhook(&slow.url, SECRET)
        .start()
        .await
        .unwrap();
    emulator.deprovision_user("alice@example.com").unwrap();
    emulator.reset();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!((slow.count(), emulator.webhook_deliveries().len()), (1, 0));
}

//! Webhooks: every event is POSTed to each registered endpoint as WorkOS does, its JSON body signed in
//! the `WorkOS-Signature` header (`t=<unix ms>, v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with the
//! endpoint's secret). A delivery that gets no 2xx is tried again, [`WEBHOOK_ATTEMPTS`] times in all.
//! Deliveries run on background tasks: emitting an event never waits for them.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hmac::{Hmac, Mac as _};
use http_body_util::Full;
use hyper::header::{CONNECTION, CONTENT_TYPE, HOST, USER_AGENT};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use sha2::Sha256;
use tokio::net::TcpStream;
use tokio::runtime::Handle;
use tokio::task::JoinSet;
use url::{Host, Url};

use super::events::Event;

/// How many times one event is sent to one endpoint before giving up.
pub const WEBHOOK_ATTEMPTS: u32 = 3;

/// The pauses before the second and third attempts: short, so tests stay fast.
const BACKOFF: [Duration; 2] = [Duration::from_millis(200), Duration::from_secs(1)];

/// How long one attempt may take, connection included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// The header that carries the signature.
pub(crate) const SIGNATURE_HEADER: &str = "workos-signature";

/// A registered endpoint: where to POST and the secret that signs. `Debug` redacts the secret.
#[derive(Clone)]
pub(crate) struct Webhook {
    url: Url,
    secret: String,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url.as_str())
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl Webhook {
    /// An endpoint, or why `url` cannot be one: the emulator delivers over plain HTTP (an app running
    /// locally), so only `http://` URLs with a host are accepted, and the secret must not be empty.
    pub(crate) fn new(url: &str, secret: &str) -> Result<Self, String> {
        let parsed = Url::parse(url).map_err(|error| format!("not a URL: {error}"))?;
        if parsed.scheme() != "http" {
            return Err(
                "the emulator delivers webhooks over plain HTTP only: use an http:// URL"
                    .to_owned(),
            );
        }
        if parsed.host().is_none() {
            return Err("the URL has no host".to_owned());
        }
        if secret.is_empty() {
            return Err("the webhook secret is empty".to_owned());
        }
        Ok(Self {
            url: parsed,
            secret: secret.to_owned(),
        })
    }
}

/// What became of one event sent to one endpoint, once its last attempt is over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// The event's `event_…` ID.
    pub event_id: String,
    /// The event's name, e.g. `dsync.user.updated`.
    pub event: String,
    /// The endpoint.
    pub url: String,
    /// The HTTP status of the last attempt; `None` if it got no response (refused, timed out, cut).
    pub status: Option<u16>,
    /// How many attempts were made, at most [`WEBHOOK_ATTEMPTS`].
    pub attempts: u32,
    /// Why the last attempt got no response, when it got none.
    pub error: Option<String>,
}

impl WebhookDelivery {
    /// Whether the endpoint answered with a 2xx.
    pub fn succeeded(&self) -> bool {
        self.status
            .is_some_and(|status| (200..300).contains(&status))
    }
}

/// The `WorkOS-Signature` value for `body` sent at `millis` (Unix time in milliseconds).
pub(crate) fn signature(secret: &str, millis: u128, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(millis.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("t={millis}, v1={hex}")
}

/// Where finished deliveries are reported.
pub(crate) type Record = Arc<dyn Fn(WebhookDelivery) + Send + Sync>;

/// Sends events to endpoints on background tasks of the emulator's runtime; stopping it (or dropping
/// it) aborts what is still under way.
#[derive(Debug)]
pub(crate) struct Courier {
    runtime: Handle,
    tasks: Mutex<JoinSet<()>>,
}

impl Courier {
    /// A courier spawning on `runtime`.
    pub(crate) fn new(runtime: Handle) -> Self {
        Self {
            runtime,
            tasks: Mutex::new(JoinSet::new()),
        }
    }

    /// Starts delivering each of `events` to each of `endpoints`, reporting each outcome to `record`.
    pub(crate) fn send(&self, endpoints: &[Webhook], events: &[Event], record: &Record) {
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        // Forget finished tasks, so the set holds only those under way.
        while tasks.try_join_next().is_some() {}
        for event in events {
            let body = Bytes::from(event.to_json().to_string());
            for endpoint in endpoints {
                let delivery = deliver(
                    endpoint.clone(),
                    event.id.clone(),
                    event.event.clone(),
                    body.clone(),
                    Arc::clone(record),
                );
                tasks.spawn_on(delivery, &self.runtime);
            }
        }
    }

    /// Aborts every delivery under way.
    pub(crate) fn stop(&self) {
        self.tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .abort_all();
    }
}

/// Sends one event to one endpoint until it gets a 2xx or runs out of attempts, then records the outcome.
async fn deliver(endpoint: Webhook, event_id: String, event: String, body: Bytes, record: Record) {
    let mut outcome = Err(String::new());
    let mut attempts = 0;
    for pause in [Duration::ZERO].iter().chain(&BACKOFF) {
        tokio::time::sleep(*pause).await;
        attempts += 1;
        outcome = tokio::time::timeout(ATTEMPT_TIMEOUT, attempt(&endpoint, body.clone()))
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {ATTEMPT_TIMEOUT:?}")));
        if outcome
            .as_ref()
            .is_ok_and(|status| (200..300).contains(status))
        {
            break;
        }
    }
    let (status, error) = match outcome {
        Ok(status) => (Some(status), None),
        Err(error) => (None, Some(error)),
    };
    record(WebhookDelivery {
        event_id,
        event,
        url: endpoint.url.to_string(),
        status,
        attempts,
        error,
    });
}

/// One POST of `body` to `endpoint`, signed with the current real time; the response's status.
async fn attempt(endpoint: &Webhook, body: Bytes) -> Result<u16, String> {
    let url = &endpoint.url;
    let host = match url.host() {
        Some(Host::Ipv6(address)) => address.to_string(),
        Some(host) => host.to_string(),
        None => return Err("the URL has no host".to_owned()),
    };
    let port = url.port_or_known_default().unwrap_or(80);
    let stream = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|error| format!("cannot connect: {error}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| format!("HTTP handshake failed: {error}"))?;
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis());
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let authority = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let request = Request::builder()
        .method(Method::POST)
        .uri(target)
        .header(HOST, authority)
        .header(CONTENT_TYPE, "application/json")
        .header(USER_AGENT, "WorkOS Emulator Webhooks")
        .header(CONNECTION, "close")
        .header(SIGNATURE_HEADER, signature(&endpoint.secret, millis, &body))
        .body(Full::new(body))
        .map_err(|error| format!("cannot build the request: {error}"))?;
    // The connection is driven alongside the request; only the status is read, then both are dropped.
    let response = sender.send_request(request);
    tokio::pin!(response);
    let closed = tokio::select! {
        biased;
        response = &mut response => return read_status(response),
        closed = connection => closed,
    };
    // The connection can end just after handing the response over: read it before giving up.
    match (response.await, closed) {
        (Ok(response), _) => read_status(Ok(response)),
        (Err(_), Err(error)) => Err(format!("the connection failed: {error}")),
        (Err(error), Ok(())) => Err(format!("no response: {error}")),
    }
}

/// The status of a response, or why there was none.
fn read_status<B>(response: Result<hyper::Response<B>, hyper::Error>) -> Result<u16, String> {
    response
        .map(|response| response.status().as_u16())
        .map_err(|error| format!("no response: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_the_timestamp_a_dot_and_the_body() {
        // Computed independently with Python's hmac module.
        assert_eq!(
            signature("whsec_test", 1_700_000_000_000, br#"{"id":"event_01"}"#),
            "t=1700000000000, v1=0e8114ca990ee23d0ce573db4e209eca0c625e5bab339fe1890ea3fb751fa7cd"
        );
    }

    #[test]
    fn only_plain_http_endpoints_with_a_secret_are_accepted() {
        assert!(Webhook::new("http://127.0.0.1:9/hooks", "s3cret").is_ok());
        for (url, secret) in [
            ("https://127.0.0.1:9/hooks", "s3cret"),
            ("127.0.0.1:9/hooks", "s3cret"),
            ("http://127.0.0.1:9/hooks", ""),
        ] {
            assert!(Webhook::new(url, secret).is_err(), "{url} {secret:?}");
        }
        let debug = format!("{:?}", Webhook::new("http://localhost/", "s3cret").unwrap());
        assert!(!debug.contains("s3cret"), "{debug}");
    }
}

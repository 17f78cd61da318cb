//! The accept loop and the per-request pipeline: count, apply any fault, read, route, answer.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use url::Url;

use super::faults::Disposition;
use super::ids;
use super::params::Params;
use super::reply::{Reply, ReplyBody};
use super::router::{self, Request};
use super::store::State;
use super::webhooks::{Courier, Record};

/// Largest request body read; WorkOS requests are a few hundred bytes.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the server and the [`Emulator`](super::Emulator) handle share.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    pub(crate) base_url: Url,
    /// Delivers events to the webhooks, on the runtime the emulator started on.
    pub(crate) courier: Courier,
}

impl Shared {
    pub(crate) fn new(state: State, base_url: Url, courier: Courier) -> Self {
        Self {
            state: Mutex::new(state),
            base_url,
            courier,
        }
    }

    /// Hands the events emitted since the last call to the courier, for every registered webhook. Called
    /// after anything that may emit, once the state's lock is released.
    pub(crate) fn dispatch(self: &Arc<Self>) {
        let (events, endpoints, generation) = {
            let mut state = self.lock();
            let events = std::mem::take(&mut state.session.log.outbox);
            (events, state.settings.webhooks.clone(), state.generation)
        };
        if events.is_empty() || endpoints.is_empty() {
            return;
        }
        // Weak, so deliveries under way do not keep a stopped emulator alive.
        let shared = Arc::downgrade(self);
        let record: Record = Arc::new(move |delivery| {
            if let Some(shared) = shared.upgrade() {
                let mut state = shared.lock();
                if state.generation == generation {
                    state.session.deliveries.push(delivery);
                }
            }
        });
        self.courier.send(&endpoints, &events, &record);
    }

    /// The state. Held only for synchronous work, never across an `await`. A handler that panicked while
    /// holding it leaves consistent-enough data for an emulator, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Accepts connections until the task is aborted; aborting it also ends every open connection, since
/// they live in its `JoinSet`.
pub(crate) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    shared.lock().session.connections_accepted += 1;
                    connections.spawn(serve_connection(stream, Arc::clone(&shared)));
                }
                // Typically out of file descriptors: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let service = service_fn(move |request| answer(Arc::clone(&shared), request));
    // An error here is the client leaving, or a fault closing the connection on purpose: nothing to do.
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Returned by the service to make hyper close the connection without writing a response.
#[derive(Debug)]
struct DroppedOnPurpose;

impl std::fmt::Display for DroppedOnPurpose {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DroppedOnPurpose {}

async fn answer(
    shared: Arc<Shared>,
    request: hyper::Request<Incoming>,
) -> Result<Response<ReplyBody>, DroppedOnPurpose> {
    let request_id = ids::request_id();
    let fault = shared
        .lock()
        .admit(request.method().as_str(), request.uri().path());
    let truncated = match fault.map_or(Disposition::Answer, |fault| fault.disposition()) {
        Disposition::Drop => return Err(DroppedOnPurpose),
        Disposition::Replace(reply) => return Ok(reply.into_response(&request_id, false)),
        Disposition::AnswerAfter(delay) => {
            tokio::time::sleep(delay).await;
            false
        }
        Disposition::AnswerTruncated => true,
        Disposition::Answer => false,
    };
    let reply = match read(request).await {
        Ok(request) => router::route(&mut shared.lock(), &shared.base_url, &request),
        Err(reply) => reply,
    };
    shared.dispatch();
    Ok(reply.into_response(&request_id, truncated))
}

/// Reads the whole request, refusing bodies over [`MAX_BODY_BYTES`].
async fn read(request: hyper::Request<Incoming>) -> Result<Request, Reply> {
    let (parts, body) = request.into_parts();
    let body = Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
        .map_err(|_| {
            Reply::message(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is too large or was cut short.",
            )
        })?
        .to_bytes();
    Ok(Request {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: Params::from_form(parts.uri.query().unwrap_or_default().as_bytes()),
        headers: parts.headers,
        body,
    })
}

//! Emulator-only control endpoints under `/__emulator/`, for tests written in other languages. They do
//! what the Rust [`Emulator`](super::Emulator) handle does.
//!
//! - `GET /__emulator/stats`: `{"connections_accepted": n, "requests": [{"method", "path", "count"}]}`
//! - `POST /__emulator/faults`: `{"path": "/sso/token", "times": 1, "fault": {"kind": "status", "status": 503}}`;
//!   kinds: `status`, `rate_limited` (`retry_after_secs`), `delay` (`millis`), `malformed_json`,
//!   `truncated_body`, `drop_connection`
//! - `POST /__emulator/clock`: `{"advance_secs": 600}` moves the test clock forward
//! - `POST /__emulator/reset`: back to the state `start` left
//! - `POST /__emulator/directory_users/deprovision`: `{"email": "bob@example.com", "delete": false}`, the
//!   identity provider deactivating that person (`dsync.user.updated`, state `inactive`) or, with
//!   `"delete": true`, removing them (`dsync.user.deleted`); answers the event
//! - `POST /__emulator/webhooks`: `{"url": "http://127.0.0.1:3000/webhooks", "secret": "…"}` registers an
//!   endpoint that every later event is POSTed to

use std::time::Duration;

use hyper::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::faults::Injection;
use super::lifecycle::Missing;
use super::reply::Reply;
use super::store::State;
use super::webhooks::Webhook;

/// Handles `GET /__emulator/stats`.
pub(crate) fn stats(state: &State) -> Reply {
    let requests: Vec<_> = state
        .session
        .requests
        .iter()
        .map(|((method, path), count)| json!({ "method": method, "path": path, "count": count }))
        .collect();
    let deliveries: Vec<_> = state
        .session
        .deliveries
        .iter()
        .map(|delivery| {
            json!({
                "event_id": delivery.event_id,
                "event": delivery.event,
                "url": delivery.url,
                "status": delivery.status,
                "attempts": delivery.attempts,
                "error": delivery.error,
            })
        })
        .collect();
    Reply::json(
        StatusCode::OK,
        &json!({
            "connections_accepted": state.session.connections_accepted,
            "requests": requests,
            "webhook_deliveries": deliveries,
        }),
    )
}

/// Handles `POST /__emulator/faults`.
pub(crate) fn inject(state: &mut State, body: &[u8]) -> Reply {
    match serde_json::from_slice::<Injection>(body) {
        Ok(injection) => {
            state
                .session
                .faults
                .push(injection.path, injection.fault.into(), injection.times);
            Reply::empty(StatusCode::NO_CONTENT)
        }
        Err(error) => Reply::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Invalid fault: {error}"),
        ),
    }
}

/// Handles `POST /__emulator/clock`.
pub(crate) fn advance_clock(state: &mut State, body: &[u8]) -> Reply {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Advance {
        advance_secs: u64,
    }
    match serde_json::from_slice::<Advance>(body) {
        Ok(advance) => {
            state.advance_clock(Duration::from_secs(advance.advance_secs));
            Reply::empty(StatusCode::NO_CONTENT)
        }
        Err(error) => Reply::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Invalid clock change: {error}"),
        ),
    }
}

/// Handles `POST /__emulator/reset`.
pub(crate) fn reset(state: &mut State) -> Reply {
    state.reset();
    Reply::empty(StatusCode::NO_CONTENT)
}

/// Handles `POST /__emulator/directory_users/deprovision`.
pub(crate) fn deprovision(state: &mut State, body: &[u8]) -> Reply {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Deprovision {
        email: String,
        #[serde(default)]
        delete: bool,
    }
    let request = match serde_json::from_slice::<Deprovision>(body) {
        Ok(request) => request,
        Err(error) => {
            return Reply::message(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Invalid deprovisioning: {error}"),
            )
        }
    };
    let emitted = if request.delete {
        state.delete_directory_user(&request.email)
    } else {
        state.deprovision_user(&request.email)
    };
    match emitted {
        Ok(event) => Reply::json(StatusCode::OK, &event.to_json()),
        Err(Missing { kind, key }) => Reply::message(
            StatusCode::NOT_FOUND,
            format!("No {kind} with the email '{key}'."),
        ),
    }
}

/// Handles `POST /__emulator/webhooks`.
pub(crate) fn add_webhook(state: &mut State, body: &[u8]) -> Reply {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Endpoint {
        url: String,
        secret: String,
    }
    let endpoint = serde_json::from_slice::<Endpoint>(body)
        .map_err(|error| error.to_string())
        .and_then(|endpoint| Webhook::new(&endpoint.url, &endpoint.secret));
    match endpoint {
        Ok(webhook) => {
            state.settings.webhooks.push(webhook);
            Reply::empty(StatusCode::NO_CONTENT)
        }
        Err(reason) => Reply::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Invalid webhook endpoint: {reason}"),
        ),
    }
}

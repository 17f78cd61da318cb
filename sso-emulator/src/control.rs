//! Emulator-only control endpoints under `/__emulator/`, for tests written in other languages. They do
//! what the Rust [`Emulator`](super::Emulator) handle does.
//!
//! - `GET /__emulator/stats`: `{"connections_accepted": n, "requests": [{"method", "path", "count"}]}`
//! - `POST /__emulator/faults`: `{"path": "/sso/token", "times": 1, "fault": {"kind": "status", "status": 503}}`;
//!   kinds: `status`, `rate_limited` (`retry_after_secs`), `delay` (`millis`), `malformed_json`,
//!   `truncated_body`, `drop_connection`
//! - `POST /__emulator/clock`: `{"advance_secs": 600}` moves the test clock forward
//! - `POST /__emulator/reset`: back to the state `start` left

use std::time::Duration;

use hyper::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::faults::Injection;
use super::reply::Reply;
use super::store::State;

/// Handles `GET /__emulator/stats`.
pub(crate) fn stats(state: &State) -> Reply {
    let requests: Vec<_> = state
        .session
        .requests
        .iter()
        .map(|((method, path), count)| json!({ "method": method, "path": path, "count": count }))
        .collect();
    Reply::json(
        StatusCode::OK,
        &json!({ "connections_accepted": state.session.connections_accepted, "requests": requests }),
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

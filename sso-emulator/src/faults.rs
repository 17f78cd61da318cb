//! Failures injected on purpose, so clients can be tested against a misbehaving WorkOS.

use std::time::Duration;

use hyper::header::RETRY_AFTER;
use hyper::StatusCode;
use serde::Deserialize;

use super::reply::Reply;

/// A failure the emulator produces for a request instead of (or before) its normal answer.
///
/// ```no_run
/// # async fn demo() -> Result<(), rocket_workos_sso_emulator::EmulatorError> {
/// use std::time::Duration;
/// use rocket_workos_sso_emulator::{Emulator, Fault};
///
/// let emulator = Emulator::start_default().await?;
/// // The next two profile fetches are rate limited, then it answers normally again.
/// emulator.inject("/sso/profile", Fault::RateLimited { retry_after: Duration::from_secs(1) }, 2);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and a WorkOS message-style body (`{"message": …}`). A value that is not a
    /// final HTTP status (below 200 or above 999) answers 500.
    Status(u16),
    /// Answer `429 Too Many Requests` with `Retry-After` in whole seconds (rounded up).
    RateLimited {
        /// How long the client is told to wait.
        retry_after: Duration,
    },
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Answer `200` with a JSON content type and a body that is not JSON. The request is not processed.
    MalformedJson,
    /// Process the request, then send half of the answer under a `Content-Length` for all of it and close
    /// the connection: the "WorkOS did it but the response was lost" case.
    TruncatedBody,
    /// Close the connection without any response. The request is not processed.
    DropConnection,
}

/// What the server does with a request once its fault (if any) is known.
#[derive(Debug)]
pub(crate) enum Disposition {
    /// Route it and send the answer.
    Answer,
    /// Route it, after waiting.
    AnswerAfter(Duration),
    /// Route it, but truncate the answer.
    AnswerTruncated,
    /// Send this instead of routing.
    Replace(Reply),
    /// Close the connection.
    Drop,
}

impl Fault {
    /// How the server handles a request hit by this fault.
    pub(crate) fn disposition(&self) -> Disposition {
        match self {
            Self::Status(status) => {
                let status = StatusCode::from_u16(*status)
                    .ok()
                    // A 1xx head would make the client wait for the real response forever.
                    .filter(|status| !status.is_informational())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let reason = status.canonical_reason().unwrap_or("Injected failure");
                Disposition::Replace(Reply::message(status, reason))
            }
            Self::RateLimited { retry_after } => {
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                Disposition::Replace(
                    Reply::message(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded.")
                        .header(RETRY_AFTER, &seconds.to_string()),
                )
            }
            Self::Delay(delay) => Disposition::AnswerAfter(*delay),
            Self::MalformedJson => Disposition::Replace(Reply::with_body(
                StatusCode::OK,
                "application/json",
                "{\"object\":\"profile\",\"id\":",
            )),
            Self::TruncatedBody => Disposition::AnswerTruncated,
            Self::DropConnection => Disposition::Drop,
        }
    }
}

/// Faults waiting for requests to a path, applied in the order they were injected.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue(Vec<Pending>);

#[derive(Debug)]
struct Pending {
    path: String,
    fault: Fault,
    remaining: u32,
}

impl FaultQueue {
    /// Queues `fault` for the next `times` requests to `path` (exact path, no query).
    pub(crate) fn push(&mut self, path: String, fault: Fault, times: u32) {
        if times > 0 {
            self.0.push(Pending {
                path,
                fault,
                remaining: times,
            });
        }
    }

    /// The fault for a request to `path`, using up one of its repetitions.
    pub(crate) fn take(&mut self, path: &str) -> Option<Fault> {
        let index = self.0.iter().position(|pending| pending.path == path)?;
        let pending = &mut self.0[index];
        pending.remaining -= 1;
        let fault = pending.fault.clone();
        if pending.remaining == 0 {
            self.0.remove(index);
        }
        Some(fault)
    }
}

/// A fault injection as JSON, for `POST /__emulator/faults`:
/// `{"path": "/sso/token", "times": 1, "fault": {"kind": "status", "status": 503}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Injection {
    pub(crate) path: String,
    pub(crate) fault: FaultSpec,
    #[serde(default = "once")]
    pub(crate) times: u32,
}

fn once() -> u32 {
    1
}

/// [`Fault`] as JSON, durations in whole units.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum FaultSpec {
    Status { status: u16 },
    RateLimited { retry_after_secs: u64 },
    Delay { millis: u64 },
    MalformedJson,
    TruncatedBody,
    DropConnection,
}

impl From<FaultSpec> for Fault {
    fn from(spec: FaultSpec) -> Self {
        match spec {
            FaultSpec::Status { status } => Self::Status(status),
            FaultSpec::RateLimited { retry_after_secs } => Self::RateLimited {
                retry_after: Duration::from_secs(retry_after_secs),
            },
            FaultSpec::Delay { millis } => Self::Delay(Duration::from_millis(millis)),
            FaultSpec::MalformedJson => Self::MalformedJson,
            FaultSpec::TruncatedBody => Self::TruncatedBody,
            FaultSpec::DropConnection => Self::DropConnection,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_is_used_up_after_its_repetitions() {
        let mut queue = FaultQueue::default();
        queue.push("/x".into(), Fault::MalformedJson, 2);
        assert_eq!(
            (queue.take("/x"), queue.take("/x"), queue.take("/x")),
            (Some(Fault::MalformedJson), Some(Fault::MalformedJson), None)
        );
    }

    #[test]
    fn an_informational_status_is_answered_as_500() {
        let Disposition::Replace(reply) = Fault::Status(101).disposition() else {
            panic!("a status fault replaces the answer");
        };
        assert_eq!(
            reply.into_response("id", false).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn a_fault_waits_for_its_own_path() {
        let mut queue = FaultQueue::default();
        queue.push("/x".into(), Fault::DropConnection, 1);
        assert_eq!(queue.take("/y"), None);
    }
}

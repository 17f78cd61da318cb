//! When to retry a failed idempotent request, and how long to wait first.
//!
//! Only `GET`s are retried: a replayed `POST /sso/token` turns a successful login into
//! `invalid_grant` (a code is single-use), and a replayed `DELETE` turns success into 404. Timeouts are not retried either, so a
//! call never takes much longer than the configured request timeout.

use std::time::Duration;

use rand::Rng as _;

use super::error::{ApiErrorKind, TransportErrorKind, WorkosError};

/// The longest `Retry-After` worth waiting out; a longer one is returned to the caller as the 429 it is.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The longest exponential-backoff delay.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The retry rules of one client.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RetryPolicy {
    pub(crate) max_retries: u32,
    pub(crate) backoff: Duration,
}

impl RetryPolicy {
    /// How long to wait before retrying after `error`, or `None` to give up and return it.
    pub(crate) fn delay(&self, retries_so_far: u32, error: &WorkosError) -> Option<Duration> {
        if retries_so_far >= self.max_retries {
            return None;
        }
        match error {
            WorkosError::Api(api) if api.kind() == ApiErrorKind::RateLimited => {
                match api.retry_after {
                    Some(wait) if wait > MAX_RETRY_AFTER => None,
                    Some(wait) => Some(wait),
                    None => Some(self.backoff(retries_so_far)),
                }
            }
            WorkosError::Api(api) if api.kind() == ApiErrorKind::Server => {
                Some(self.backoff(retries_so_far))
            }
            WorkosError::Transport(transport)
                if transport.kind() == TransportErrorKind::Connect =>
            {
                Some(self.backoff(retries_so_far))
            }
            _ => None,
        }
    }

    /// Exponential backoff with "equal jitter": half the delay is fixed, half random, so many clients
    /// failing together do not retry in lockstep.
    fn backoff(&self, retries_so_far: u32) -> Duration {
        let factor = 2u32.saturating_pow(retries_so_far);
        let ceiling = self.backoff.saturating_mul(factor).min(MAX_BACKOFF);
        let half = ceiling / 2;
        half + rand::thread_rng().gen_range(Duration::ZERO..=half)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::error::ApiError;

    const POLICY: RetryPolicy = RetryPolicy {
        max_retries: 3,
        backoff: Duration::from_millis(100),
    };

    fn api(status: u16, retry_after: Option<u64>) -> WorkosError {
        let retry_after = retry_after.map(Duration::from_secs);
        ApiError::from_response("GET /connections", status, None, retry_after, b"{}", &[]).into()
    }

    #[test]
    fn server_errors_back_off_exponentially_within_jitter() {
        for (retries, ceiling_ms) in [(0, 100), (1, 200), (2, 400)] {
            let delay = POLICY.delay(retries, &api(503, None)).unwrap();
            let ceiling = Duration::from_millis(ceiling_ms);
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "{retries}: {delay:?}"
            );
        }
    }

    #[test]
    fn backoff_is_capped() {
        let policy = RetryPolicy {
            max_retries: 100,
            backoff: Duration::from_secs(1),
        };
        assert!(policy.delay(40, &api(500, None)).unwrap() <= MAX_BACKOFF);
    }

    #[test]
    fn gives_up_after_max_retries() {
        assert_eq!(POLICY.delay(3, &api(503, None)), None);
    }

    #[test]
    fn rate_limit_waits_exactly_retry_after() {
        assert_eq!(
            POLICY.delay(0, &api(429, Some(7))),
            Some(Duration::from_secs(7))
        );
    }

    #[test]
    fn rate_limit_beyond_the_cap_is_returned_not_waited_out() {
        assert_eq!(POLICY.delay(0, &api(429, Some(61))), None);
    }

    #[test]
    fn rate_limit_without_retry_after_backs_off() {
        assert!(POLICY.delay(0, &api(429, None)).unwrap() <= Duration::from_millis(100));
    }

    #[test]
    fn client_errors_are_not_retried() {
        for status in [400, 401, 403, 404, 422] {
            assert_eq!(POLICY.delay(0, &api(status, None)), None, "{status}");
        }
    }
}

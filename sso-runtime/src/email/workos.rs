//! The default [`DomainResolver`]: WorkOS's Organizations API, with answers kept briefly, one lookup per
//! domain in flight, and a bound on lookups per second.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rocket::{Orbit, Rocket};

use super::{DomainResolver, ResolveError};
use crate::client::{
    ApiErrorKind, OrganizationDomainState, TransportErrorKind, WorkosClient, WorkosError,
};
use crate::kept::Kept;

/// How long an answer is kept.
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(60);

/// How many domains are kept at most.
const CACHE_CAPACITY: usize = 1024;

/// The window the lookup bound counts in.
const WINDOW: Duration = Duration::from_secs(1);

/// Resolves a domain to the organizations that claim it, verified, in WorkOS.
///
/// Answers (including "no organization") are kept for [`CACHE_TTL`], at most [`CACHE_CAPACITY`] domains:
/// organizations change their domains rarely, so a minute's delay costs nothing. Anyone can post the
/// email form, so what they can make WorkOS do is bounded three ways: a kept answer costs no call;
/// requests for a domain whose lookup is in flight wait for that lookup (one call, its answer or its
/// failure for all of them); and new lookups are bounded per second on this instance
/// (`workos.organization_lookups_per_second`), beyond which the page answers 503 with `Retry-After`,
/// so one client cannot spend the application's WorkOS rate limit. Failures and refusals are not kept.
pub(crate) struct WorkosDomains {
    client: WorkosClient,
    answers: Kept<Arc<[String]>, ResolveError>,
    budget: Mutex<Budget>,
}

impl WorkosDomains {
    /// Resolves with `client`, starting at most `per_second` lookups in any one second.
    pub(crate) fn new(client: WorkosClient, per_second: u32) -> Self {
        WorkosDomains {
            client,
            answers: Kept::new(CACHE_CAPACITY, CACHE_TTL, Result::is_ok),
            budget: Mutex::new(Budget::new(per_second)),
        }
    }
}

async fn ask_workos(client: &WorkosClient, domain: &str) -> Result<Vec<String>, ResolveError> {
    let organizations = client
        .organizations_by_domain(domain)
        .await
        .map_err(resolve_error)?;
    // Only a verified claim proves the organization controls the domain (an absent state is
    // WorkOS not saying, as before domain verification existed).
    let mut ids: Vec<String> = organizations
        .into_iter()
        .filter(|org| {
            org.domains.iter().any(|claim| {
                claim.domain.eq_ignore_ascii_case(domain)
                    && matches!(
                        claim.state,
                        None | Some(
                            OrganizationDomainState::Verified
                                | OrganizationDomainState::LegacyVerified
                        )
                    )
            })
        })
        .map(|org| org.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

#[rocket::async_trait]
impl DomainResolver for WorkosDomains {
    async fn organizations(
        &self,
        domain: &str,
        _: &Rocket<Orbit>,
    ) -> Result<Vec<String>, ResolveError> {
        let start = || {
            self.budget
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(Instant::now())
                .map_err(|retry_after| ResolveError::Throttled { retry_after })?;
            let (client, domain) = (self.client.clone(), domain.to_owned());
            Ok(async move {
                ask_workos(&client, &domain)
                    .await
                    .map(|ids| Arc::from(ids.as_slice()))
            })
        };
        let lost = || ResolveError::Failed("the lookup ended without an answer".to_owned());
        self.answers
            .get(domain, start, lost)
            .await
            .map(|ids| ids.to_vec())
    }
}

/// At most `per_second` lookups start in any window of one second: the instants of the latest ones,
/// oldest first. Unlike a token bucket, whose burst comes on top of its rate, this never lets more than
/// the setting through in any one second.
struct Budget {
    per_second: usize,
    started: VecDeque<Instant>,
}

impl Budget {
    fn new(per_second: u32) -> Self {
        let per_second = usize::try_from(per_second).unwrap_or(usize::MAX).max(1);
        Budget {
            per_second,
            started: VecDeque::with_capacity(per_second.min(1024)),
        }
    }

    /// Counts a lookup starting `now`, or says how long until one may.
    fn take(&mut self, now: Instant) -> Result<(), Duration> {
        while self
            .started
            .front()
            .is_some_and(|&at| now.saturating_duration_since(at) >= WINDOW)
        {
            self.started.pop_front();
        }
        match self.started.front() {
            Some(&oldest) if self.started.len() >= self.per_second => {
                Err(WINDOW.saturating_sub(now.saturating_duration_since(oldest)))
            }
            _ => {
                self.started.push_back(now);
                Ok(())
            }
        }
    }
}

/// WorkOS unreachable, overloaded or rate limiting: unavailable (503); anything else: failed (502).
fn resolve_error(error: WorkosError) -> ResolveError {
    let unavailable = matches!(
        error.api_kind(),
        Some(ApiErrorKind::RateLimited | ApiErrorKind::Server)
    ) || matches!(
        error.transport_kind(),
        Some(TransportErrorKind::Connect | TransportErrorKind::Timeout)
    );
    if unavailable {
        ResolveError::Unavailable(error.to_string())
    } else {
        ResolveError::Failed(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_lets_at_most_its_rate_through_in_any_second() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut budget = Budget::new(3);
        for ms in [0, 100, 900] {
            assert_eq!(budget.take(at(ms)), Ok(()), "lookup at {ms} ms");
        }
        assert_eq!(budget.take(at(950)), Err(Duration::from_millis(50)));
        // The first lookup's second is over; the other two still count.
        assert_eq!(budget.take(at(1000)), Ok(()));
        assert!(budget.take(at(1050)).is_err());
        assert_eq!(budget.take(at(1100)), Ok(()));
        // Refusals do not count: a second later every slot is free again.
        for ms in [2100, 2101, 2102] {
            assert_eq!(budget.take(at(ms)), Ok(()), "lookup at {ms} ms");
        }
    }

    #[test]
    fn a_budget_of_zero_is_one() {
        let now = Instant::now();
        let mut budget = Budget::new(0);
        assert_eq!(budget.take(now), Ok(()));
        assert!(budget.take(now).is_err());
    }
}

//! The default [`DomainResolver`]: WorkOS's Organizations API, with answers kept briefly, one lookup per
//! domain in flight, and a bound on lookups per second.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rocket::{Orbit, Rocket};
use tokio::sync::watch;

use super::{DomainResolver, ResolveError};
use crate::client::{
    ApiErrorKind, OrganizationDomainState, TransportErrorKind, WorkosClient, WorkosError,
};

/// How long an answer is kept.
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(60);

/// How many domains are kept at most.
const CACHE_CAPACITY: usize = 1024;

/// The window the lookup bound counts in.
const WINDOW: Duration = Duration::from_secs(1);

/// Answers kept, by domain: when each was fetched, and the organizations.
type Answers = quick_cache::sync::Cache<String, (Instant, Arc<[String]>)>;

/// A lookup's outcome, shared by every request that waited for it.
type Outcome = Result<Arc<[String]>, ResolveError>;

/// The lookups in flight, by domain: a receiver each that a second request for the domain waits on.
type Flights = Mutex<HashMap<String, watch::Receiver<Option<Outcome>>>>;

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
    answers: Arc<Answers>,
    flights: Arc<Flights>,
    budget: Mutex<Budget>,
}

impl WorkosDomains {
    /// Resolves with `client`, starting at most `per_second` lookups in any one second.
    pub(crate) fn new(client: WorkosClient, per_second: u32) -> Self {
        WorkosDomains {
            client,
            answers: Arc::new(quick_cache::sync::Cache::new(CACHE_CAPACITY)),
            flights: Arc::default(),
            budget: Mutex::new(Budget::new(per_second)),
        }
    }

    /// The kept answer for `domain`, if it is fresh.
    fn kept(&self, domain: &str, now: Instant) -> Option<Arc<[String]>> {
        self.answers
            .get(domain)
            .filter(|(at, _)| now.duration_since(*at) < CACHE_TTL)
            .map(|(_, ids)| ids)
    }

    /// What a request for `domain` waits for: the lookup in flight, or a new one if the bound allows it,
    /// or the answer a lookup that just ended kept.
    fn flight(&self, domain: &str, now: Instant) -> Result<Wait, ResolveError> {
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(flight) = flights.get(domain) {
            return Ok(Wait::Flight(flight.clone()));
        }
        // A lookup keeps its answer before it leaves `flights`, so this sees it.
        if let Some(ids) = self.kept(domain, now) {
            return Ok(Wait::Kept(ids));
        }
        self.budget
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take(now)
            .map_err(|retry_after| ResolveError::Throttled { retry_after })?;
        let (sender, receiver) = watch::channel(None);
        flights.insert(domain.to_owned(), receiver.clone());
        // Its own task, so that a request that goes away does not cancel the lookup the others wait for.
        tokio::spawn(lookup(
            self.client.clone(),
            domain.to_owned(),
            (Arc::clone(&self.answers), Arc::clone(&self.flights)),
            sender,
        ));
        Ok(Wait::Flight(receiver))
    }
}

/// What a request waits for.
enum Wait {
    /// A lookup in flight.
    Flight(watch::Receiver<Option<Outcome>>),
    /// Nothing: the answer is kept.
    Kept(Arc<[String]>),
}

/// Asks WorkOS for the organizations of `domain`, keeps a successful answer, then leaves `flights` and
/// hands the outcome to the requests waiting for it.
async fn lookup(
    client: WorkosClient,
    domain: String,
    (answers, flights): (Arc<Answers>, Arc<Flights>),
    sender: watch::Sender<Option<Outcome>>,
) {
    // Leaves `flights` however the lookup ends, so a domain is never stuck on a lookup that died.
    let landing = Landing {
        domain: &domain,
        flights: &flights,
    };
    let started = Instant::now();
    let outcome = ask_workos(&client, &domain)
        .await
        .map(|ids| Arc::from(ids.as_slice()));
    if let Ok(ids) = &outcome {
        answers.insert(domain.clone(), (started, Arc::clone(ids)));
    }
    drop(landing);
    sender.send_replace(Some(outcome));
}

/// Removes a lookup from the flights when dropped.
struct Landing<'a> {
    domain: &'a str,
    flights: &'a Flights,
}

impl Drop for Landing<'_> {
    fn drop(&mut self) {
        self.flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(self.domain);
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
        let now = Instant::now();
        if let Some(ids) = self.kept(domain, now) {
            return Ok(ids.to_vec());
        }
        let mut flight = match self.flight(domain, now)? {
            Wait::Flight(flight) => flight,
            Wait::Kept(ids) => return Ok(ids.to_vec()),
        };
        let outcome = match flight.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone(),
            Err(_) => None,
        };
        outcome
            .unwrap_or_else(|| {
                Err(ResolveError::Failed(
                    "the lookup ended without an answer".to_owned(),
                ))
            })
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

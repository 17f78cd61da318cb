//! Answers kept for a while, with at most one fetch in flight per key: what the work-email page keeps of
//! WorkOS's organization lookups and what an instance keeps of the sessions it read from Redis.
//!
//! A fresh answer costs one cache read. On a miss, the first request starts the fetch on a task of its
//! own (so a request that goes away does not cancel what the others wait for) and every concurrent
//! request for the key waits for that one fetch: one call to WorkOS or one read from Redis, however many
//! requests arrive together.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// An outcome, shared by every request that waited for it.
type Outcome<V, E> = Result<V, E>;

/// The fetches in flight, by key: a receiver each that a second request for the key waits on.
type Flights<V, E> = Mutex<HashMap<String, watch::Receiver<Option<Outcome<V, E>>>>>;

/// The values kept, by key, with when each was fetched.
type Answers<V> = quick_cache::sync::Cache<String, (Instant, V)>;

/// Values kept for `fresh_for` (at most `capacity` keys), fetched once at a time per key.
pub(crate) struct Kept<V, E> {
    fresh_for: Duration,
    answers: Arc<Answers<V>>,
    flights: Arc<Flights<V, E>>,
    /// Which outcomes are kept (the others are only handed to the requests that waited).
    keep: fn(&Outcome<V, E>) -> bool,
}

impl<V, E> Kept<V, E>
where
    V: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    /// Keeps the outcomes `keep` accepts for `fresh_for`, for at most `capacity` keys. With a zero
    /// `fresh_for` nothing is kept, and concurrent requests still share one fetch.
    pub(crate) fn new(
        capacity: usize,
        fresh_for: Duration,
        keep: fn(&Outcome<V, E>) -> bool,
    ) -> Self {
        Kept {
            fresh_for,
            answers: Arc::new(quick_cache::sync::Cache::new(capacity.max(1))),
            flights: Arc::default(),
            keep,
        }
    }

    /// The value kept for `key`, if it is fresh.
    pub(crate) fn fresh(&self, key: &str) -> Option<V> {
        self.answers
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.fresh_for)
            .map(|(_, value)| value)
    }

    /// Forgets the value kept for `key` (a session this instance ended).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn forget(&self, key: &str) {
        self.answers.remove(key);
    }

    /// The fresh value for `key`; else the outcome of the fetch in flight for it; else the outcome of a
    /// new fetch, the future `start` makes. `start` may refuse (a rate bound): its error is the answer,
    /// and nothing starts. `lost` is the answer should a fetch's task end without one (it panicked).
    pub(crate) async fn get<F>(
        &self,
        key: &str,
        start: impl FnOnce() -> Result<F, E>,
        lost: impl FnOnce() -> E,
    ) -> Outcome<V, E>
    where
        F: Future<Output = Outcome<V, E>> + Send + 'static,
    {
        if let Some(value) = self.fresh(key) {
            return Ok(value);
        }
        let mut flight = {
            let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
            match flights.get(key) {
                Some(flight) => flight.clone(),
                None => {
                    // A fetch keeps its value before it leaves `flights`, so this sees it.
                    if let Some(value) = self.fresh(key) {
                        return Ok(value);
                    }
                    let fetch = start()?;
                    let (sender, receiver) = watch::channel(None);
                    flights.insert(key.to_owned(), receiver.clone());
                    tokio::spawn(land(
                        fetch,
                        key.to_owned(),
                        (Arc::clone(&self.answers), Arc::clone(&self.flights)),
                        self.keep,
                        sender,
                    ));
                    receiver
                }
            }
        };
        let outcome = match flight.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone(),
            Err(_) => None,
        };
        outcome.unwrap_or_else(|| Err(lost()))
    }
}

/// Runs `fetch`, keeps its outcome if `keep` accepts it, then leaves `flights` and hands the outcome to
/// the requests waiting for it.
async fn land<V, E>(
    fetch: impl Future<Output = Outcome<V, E>>,
    key: String,
    (answers, flights): (Arc<Answers<V>>, Arc<Flights<V, E>>),
    keep: fn(&Outcome<V, E>) -> bool,
    sender: watch::Sender<Option<Outcome<V, E>>>,
) where
    V: Clone,
{
    // Leaves `flights` however the fetch ends, so a key is never stuck on a fetch that died.
    let landing = Landing {
        key: &key,
        flights: &flights,
    };
    let started = Instant::now();
    let outcome = fetch.await;
    if keep(&outcome) {
        if let Ok(value) = &outcome {
            answers.insert(key.clone(), (started, value.clone()));
        }
    }
    drop(landing);
    sender.send_replace(Some(outcome));
}

/// Removes a fetch from the flights when dropped.
struct Landing<'a, V, E> {
    key: &'a str,
    flights: &'a Flights<V, E>,
}

impl<V, E> Drop for Landing<'_, V, E> {
    fn drop(&mut self) {
        self.flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(self.key);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn kept(fresh_for: Duration) -> Kept<usize, &'static str> {
        Kept::new(16, fresh_for, Result::is_ok)
    }

    #[tokio::test]
    async fn concurrent_misses_share_one_fetch() {
        let kept = Arc::new(kept(Duration::from_secs(60)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (release, released) = watch::channel(false);
        let requests: Vec<_> = (0..8)
            .map(|_| {
                let (kept, fetches, mut released) =
                    (Arc::clone(&kept), Arc::clone(&fetches), released.clone());
                tokio::spawn(async move {
                    kept.get(
                        "k",
                        || {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            Ok(async move {
                                let _ = released.wait_for(|go| *go).await;
                                Ok(7)
                            })
                        },
                        || "lost",
                    )
                    .await
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        release.send_replace(true);
        for request in requests {
            assert_eq!(request.await.unwrap(), Ok(7));
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        // Kept: the next request fetches nothing.
        let again = kept
            .get(
                "k",
                || Err::<std::future::Ready<_>, _>("no fetch expected"),
                || "lost",
            )
            .await;
        assert_eq!(again, Ok(7));
    }

    #[tokio::test]
    async fn failures_are_shared_but_not_kept_and_a_zero_freshness_keeps_nothing() {
        let failing = kept(Duration::from_secs(60));
        let outcome = failing
            .get("k", || Ok(async { Err("down") }), || "lost")
            .await;
        assert_eq!(outcome, Err("down"));
        assert_eq!(failing.fresh("k"), None);

        let unkept = kept(Duration::ZERO);
        assert_eq!(
            unkept.get("k", || Ok(async { Ok(1) }), || "lost").await,
            Ok(1)
        );
        assert_eq!(
            unkept.get("k", || Ok(async { Ok(2) }), || "lost").await,
            Ok(2)
        );
    }

    #[tokio::test]
    async fn a_refused_start_is_the_answer_and_a_fetch_that_panics_is_lost() {
        let kept = kept(Duration::from_secs(60));
        let refused = kept
            .get(
                "k",
                || Err::<std::future::Ready<_>, _>("throttled"),
                || "lost",
            )
            .await;
        assert_eq!(refused, Err("throttled"));
        let panicked = kept
            .get(
                "k",
                || {
                    Ok(async {
                        if true {
                            panic!("the fetch failed");
                        }
                        Ok(1)
                    })
                },
                || "lost",
            )
            .await;
        assert_eq!(panicked, Err("lost"));
        // The key is not stuck: a later fetch runs.
        assert_eq!(
            kept.get("k", || Ok(async { Ok(3) }), || "lost").await,
            Ok(3)
        );
        kept.forget("k");
        assert_eq!(kept.fresh("k"), None);
    }
}

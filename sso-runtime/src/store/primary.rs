//! The primary behind Redis Sentinel, as the link knows it: a connection to the primary the Sentinels
//! named, replaced when it is lost.
//!
//! A call that finds the connection broken, or the server answering READONLY (after a failover the old
//! primary comes back as a replica, and Sentinel closes its clients' connections), marks the primary
//! lost and starts a lookup. One lookup at a time, in a task of its own (never cancelled by a request
//! giving up): it asks the Sentinels for the primary, connects, checks ROLE, and publishes the new
//! connection. Calls made while the first lookup runs wait for it within their own bound; once a lookup
//! has failed, the primary is unknown and calls fail at once (503) while lookups go on in the
//! background, spaced out, until one succeeds. A call that times out on a live connection (a frozen
//! primary: no error, no answer) asks for a check, at most once a second, which replaces the connection
//! only if the Sentinels name a primary that answers.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use redis::{RedisError, RedisResult};
use tokio::sync::watch;

use super::link::Connection;
use super::sentinel::{Found, Miss, Sentinels};

/// The first pause between two failed lookups; it doubles up to [`LONGEST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(100);

/// The longest pause between two failed lookups: how late, at most, a promoted replica is found.
const LONGEST_PAUSE: Duration = Duration::from_secs(1);

/// The least time between two checks asked for by calls that timed out.
const CHECK_SPACING: Duration = Duration::from_secs(1);

/// What the link knows of the primary.
#[derive(Clone)]
enum State {
    /// Connected to the primary the Sentinels named (`generation` counts the connections made).
    Connected {
        connection: MultiplexedConnection,
        generation: u64,
    },
    /// The connection was lost and the first lookup runs: calls wait for it.
    Finding,
    /// A lookup failed: no primary is known, calls fail at once, and lookups go on.
    Lost,
}

/// Why a call on the primary failed.
pub(super) enum Failure {
    /// The call failed, or the connection did.
    Redis(RedisError),
    /// No primary is known: the Sentinels are being asked again.
    NoPrimary,
}

/// The primary of one Sentinel service, shared by the clones of a link.
pub(super) struct Primary {
    state: watch::Sender<State>,
    /// Whether a lookup task runs.
    finding: AtomicBool,
    /// The generation of the next connection.
    generations: AtomicU64,
    /// When a timed-out call last asked for a check.
    checked: Mutex<Option<Instant>>,
    /// The Sentinels, asked by one lookup at a time.
    sentinels: tokio::sync::Mutex<Sentinels>,
    /// The longest one lookup may take.
    bound: Duration,
}

impl Primary {
    /// The primary `found` at launch through `sentinels`; each later lookup is bounded by `bound`.
    pub(super) fn new(sentinels: Sentinels, found: Found, bound: Duration) -> Arc<Primary> {
        let (state, _) = watch::channel(State::Connected {
            connection: found.connection,
            generation: 0,
        });
        Arc::new(Primary {
            state,
            finding: AtomicBool::new(false),
            generations: AtomicU64::new(1),
            checked: Mutex::new(None),
            sentinels: tokio::sync::Mutex::new(sentinels),
            bound,
        })
    }

    /// Runs `call` on the primary. A call that failed because the primary was lost is made once more
    /// on the next primary if `repeat`, or if the server refused it as a replica (READONLY: nothing was
    /// written). The caller bounds the whole in time.
    pub(super) async fn run<T, F, Fut>(
        self: &Arc<Self>,
        repeat: bool,
        call: &F,
    ) -> Result<T, Failure>
    where
        F: Fn(Connection) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let (connection, generation) = self.current().await?;
        match call(Connection::Primary(connection)).await {
            Err(error) if is_lost(&error) => {
                self.lost(generation);
                if !(repeat || is_read_only(&error)) {
                    return Err(Failure::Redis(error));
                }
                let (connection, _) = self.current().await?;
                call(Connection::Primary(connection))
                    .await
                    .map_err(Failure::Redis)
            }
            outcome => outcome.map_err(Failure::Redis),
        }
    }

    /// A call timed out on the connection the link has: asks the Sentinels whether the primary
    /// changed (at most once per [`CHECK_SPACING`]), without giving the connection up.
    pub(super) fn timed_out(self: &Arc<Self>) {
        if !matches!(*self.state.borrow(), State::Connected { .. }) {
            return;
        }
        {
            let mut checked = self.checked.lock().unwrap_or_else(PoisonError::into_inner);
            if checked.is_some_and(|at| at.elapsed() < CHECK_SPACING) {
                return;
            }
            *checked = Some(Instant::now());
        }
        self.find();
    }

    /// The connection to the primary and its generation: at once when connected, after the lookup in
    /// flight when the primary was just lost, and [`Failure::NoPrimary`] when no lookup found it.
    async fn current(self: &Arc<Self>) -> Result<(MultiplexedConnection, u64), Failure> {
        let mut state = self.state.subscribe();
        let known = state
            .wait_for(|state| !matches!(state, State::Finding))
            .await
            .map(|state| state.clone());
        match known {
            Ok(State::Connected {
                connection,
                generation,
            }) => Ok((connection, generation)),
            _ => {
                // Lookups go on while the primary is unknown; this only restarts one that ended.
                self.find();
                Err(Failure::NoPrimary)
            }
        }
    }

    /// The connection of `generation` lost the primary: unless it was replaced already, calls wait for
    /// a lookup, which starts.
    fn lost(self: &Arc<Self>, generation: u64) {
        self.state.send_if_modified(|state| match state {
            State::Connected {
                generation: current,
                ..
            } if *current == generation => {
                *state = State::Finding;
                true
            }
            _ => false,
        });
        self.find();
    }

    /// Starts the lookup task, unless one runs.
    fn find(self: &Arc<Self>) {
        if !self.finding.swap(true, Ordering::SeqCst) {
            tokio::spawn(Primary::lookups(Arc::downgrade(self)));
        }
    }

    /// Whether a lookup task that is done should stop: it lets go of the flag, then takes it again if
    /// the primary is still unknown (a call may have lost it in between) and no other task did.
    fn done(&self) -> bool {
        self.finding.store(false, Ordering::SeqCst);
        let unknown = matches!(*self.state.borrow(), State::Finding | State::Lost);
        !unknown || self.finding.swap(true, Ordering::SeqCst)
    }

    /// The lookup task: asks the Sentinels until a primary answers, or once for a check while
    /// connected. Holds the primary only weakly between lookups, so it ends with the application.
    async fn lookups(primary: Weak<Primary>) {
        let mut pause = FIRST_PAUSE;
        loop {
            let Some(primary) = primary.upgrade() else {
                return;
            };
            let found = {
                let mut sentinels = primary.sentinels.lock().await;
                match tokio::time::timeout(primary.bound, sentinels.primary()).await {
                    Ok(found) => found,
                    Err(_) => Err(Miss::NoAnswer(primary.bound)),
                }
            };
            match found {
                Ok(found) => {
                    primary.publish(found);
                    pause = FIRST_PAUSE;
                    if primary.done() {
                        return;
                    }
                    continue;
                }
                Err(miss) => {
                    let was_lost = primary.state.send_if_modified(|state| match state {
                        State::Finding => {
                            *state = State::Lost;
                            true
                        }
                        _ => false,
                    });
                    if was_lost {
                        rocket::log::private::error!(
                            "WorkOS SSO: the session store's primary is lost and the Sentinels name no \
                             primary that answers ({miss}); requests that need a session answer 503 \
                             until they do, and the Sentinels are asked again"
                        );
                    }
                    // A check while connected keeps the connection it had.
                    let connected = matches!(*primary.state.borrow(), State::Connected { .. });
                    if connected && primary.done() {
                        return;
                    }
                }
            }
            drop(primary);
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
    }

    /// Makes `found` the primary calls use.
    fn publish(&self, found: Found) {
        let generation = self.generations.fetch_add(1, Ordering::SeqCst);
        let address = found.address();
        let previous = self.state.send_replace(State::Connected {
            connection: found.connection,
            generation,
        });
        if !matches!(previous, State::Connected { .. }) {
            rocket::log::private::warn!(
                "WorkOS SSO: the session store's primary is {address}, as the Sentinels name it"
            );
        }
    }
}

/// Whether `error` says the connection no longer reaches a primary: it broke, or the server answers as
/// a replica (READONLY), or is a replica that lost its primary (MASTERDOWN).
fn is_lost(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_dropped()
        || error.is_unrecoverable_error()
        || is_read_only(error)
        || error.code() == Some("MASTERDOWN")
}

/// Whether the server refused the call as a replica does, so that nothing of it was written.
fn is_read_only(error: &RedisError) -> bool {
    error.code() == Some("READONLY")
}

#[cfg(test)]
mod tests {
    use redis::{ErrorKind, RedisError};

    use super::{is_lost, is_read_only};

    #[test]
    fn a_replica_or_a_broken_connection_is_a_lost_primary() {
        let io = RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(is_lost(&io) && !is_read_only(&io));
        let parse = |reply: &[u8]| -> RedisError {
            match redis::parse_redis_value(reply) {
                Ok(redis::Value::ServerError(error)) => error.into(),
                other => panic!("{other:?}"),
            }
        };
        let read_only = parse(b"-READONLY You can't write against a read only replica.\r\n");
        assert!(is_lost(&read_only) && is_read_only(&read_only));
        assert!(is_lost(&parse(b"-MASTERDOWN Link with MASTER is down\r\n")));
        let script = parse(b"-ERR user_script:1: wrong number of arguments\r\n");
        assert!(!is_lost(&script));
        assert!(!is_lost(&RedisError::from((
            ErrorKind::Client,
            "a client error"
        ))));
    }
}

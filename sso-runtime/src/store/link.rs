//! The connection to Redis: made at launch (refusing the launch with an explained error when Redis
//! cannot be used, `launch_error.rs`), and every call through it bounded by `session_store_timeout_ms`.
//!
//! With a `redis://` URL, one multiplexed connection (the `redis` crate's tokio `ConnectionManager`),
//! reconnected after a failure. A connection that broke while the instance was idle is found by the
//! first call that uses it: that call is tried once more on a fresh connection within the same bound,
//! so the first request after Redis comes back is served rather than answered 503.
//!
//! With a `redis+sentinel://` URL, a connection to the primary the Sentinels name (`sentinel.rs`),
//! replaced by the next primary they name when a call finds it lost (`primary.rs`).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{Cmd, Pipeline, RedisError, RedisFuture, RedisResult, Value};

use super::launch_error::Store;
use super::primary::{Failure, Primary};
use super::Unavailable;
use crate::settings::{redacted, SentinelUrl, StoreSettings};

/// redis-rs builds the TLS configuration of `rediss://` connections on rustls's process-wide crypto
/// provider. When an application's dependencies compile in both of rustls's providers (Rocket's `tls`
/// feature brings `ring`, reqwest `aws-lc-rs`), rustls cannot choose one and the first TLS connection
/// would panic. So unless the application installed a provider itself, the store installs the one
/// reqwest already uses; an application that wants another installs it before the launch.
fn ensure_tls_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may have installed one in the meantime: either way one is installed.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
}

/// What a call is handed: the connection it runs its commands on.
#[derive(Clone)]
pub(crate) enum Connection {
    /// The one Redis of a `redis://` URL, reconnected by the redis crate's manager.
    Direct(ConnectionManager),
    /// The primary the Sentinels named.
    Primary(MultiplexedConnection),
}

impl redis::aio::ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connection::Direct(connection) => connection.req_packed_command(cmd),
            Connection::Primary(connection) => connection.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connection::Direct(connection) => {
                connection.req_packed_commands(pipeline, offset, count)
            }
            Connection::Primary(connection) => {
                connection.req_packed_commands(pipeline, offset, count)
            }
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Direct(connection) => connection.get_db(),
            Connection::Primary(connection) => connection.get_db(),
        }
    }
}

/// Where the link sends its calls.
#[derive(Clone)]
enum Target {
    /// The one Redis of a `redis://` URL.
    Direct(ConnectionManager),
    /// The primary behind Sentinel, replaced after a failover.
    Sentinel(Arc<Primary>),
}

/// The application's connection to its Redis (a handle: clones share the connection).
#[derive(Clone)]
pub(crate) struct Link {
    target: Target,
    timeout: Duration,
}

impl Link {
    /// Connects to the store `settings` names and checks that it answers commands. A URL that is not
    /// Redis's, or a server that cannot be reached or used, is an error naming the setting, what
    /// happened and the fix.
    pub(crate) async fn connect(settings: &StoreSettings) -> Result<Link, String> {
        let shown = redacted(&settings.url);
        ensure_tls_provider();
        let sentinel = SentinelUrl::parse(&settings.url).map_err(|why| {
            format!(
                "{} = {shown} is not a valid Sentinel URL: {why}",
                settings.from
            )
        })?;
        if let Some(url) = sentinel {
            return Link::connect_sentinel(settings, &url).await;
        }
        let client = redis::Client::open(settings.url.as_str()).map_err(|error| {
            format!(
                "{} = {shown} is not a Redis URL: {}\nhelp: write redis://host:port/db, or rediss:// for TLS",
                settings.from,
                error.detail().unwrap_or("unrecognised")
            )
        })?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(settings.timeout))
            .set_response_timeout(Some(settings.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(2));
        let waited = settings.timeout * 4;
        let connect = ConnectionManager::new_with_config(client.clone(), config);
        let explain = Store {
            settings,
            client: &client,
            waited,
        };
        let connection = match tokio::time::timeout(waited, connect).await {
            Ok(Ok(connection)) => connection,
            Ok(Err(error)) => return Err(explain.failed(&error).await),
            Err(_) => return Err(explain.no_answer()),
        };
        // One round trip now, so a server that accepts connections but not commands (a wrong
        // password, a replica) is found at launch.
        let ping: Result<String, _> = redis::cmd("PING")
            .query_async(&mut connection.clone())
            .await;
        if let Err(error) = ping {
            return Err(explain.failed(&error).await);
        }
        check_eviction(&mut connection.clone(), &explain).await?;
        Ok(Link {
            target: Target::Direct(connection),
            timeout: settings.timeout,
        })
    }

    /// [`Link::connect`] to the primary the Sentinels of `url` name.
    async fn connect_sentinel(settings: &StoreSettings, url: &SentinelUrl) -> Result<Link, String> {
        // The Sentinels are asked, then the primary they name; each may take a connection timeout.
        let bound = (settings.timeout * 4).max(Duration::from_secs(2));
        let (sentinels, found) = super::sentinel::connect(settings, url, bound).await?;
        let explain = Store {
            settings,
            client: &found.client,
            waited: bound,
        };
        check_eviction(&mut found.connection.clone(), &explain).await?;
        Ok(Link {
            target: Target::Sentinel(Primary::new(sentinels, found, bound)),
            timeout: settings.timeout,
        })
    }

    /// Runs `call` on the connection within the timeout; a failure or a timeout is [`Unavailable`],
    /// logged as `what` without keys or values. A call that failed because the connection had broken is
    /// made once more, on a new connection, if the bound leaves time: `call` must be safe to repeat.
    pub(crate) async fn run<T, F, Fut>(&self, what: &str, call: F) -> Result<T, Unavailable>
    where
        F: Fn(Connection) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        self.bounded(what, true, call).await
    }

    /// [`Link::run`] for a call that must not be repeated (its answer would not say what the first
    /// call did): a broken connection is a failure.
    pub(crate) async fn run_once<T, F, Fut>(&self, what: &str, call: F) -> Result<T, Unavailable>
    where
        F: Fn(Connection) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        self.bounded(what, false, call).await
    }

    async fn bounded<T, F, Fut>(&self, what: &str, repeat: bool, call: F) -> Result<T, Unavailable>
    where
        F: Fn(Connection) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let deadline = Instant::now() + self.timeout;
        let outcome = match &self.target {
            Target::Direct(connection) => {
                let attempt = async {
                    match call(Connection::Direct(connection.clone())).await {
                        Err(error) if repeat && is_broken_connection(&error) => {
                            call(Connection::Direct(connection.clone())).await
                        }
                        outcome => outcome,
                    }
                };
                tokio::time::timeout_at(deadline.into(), attempt)
                    .await
                    .map(|outcome| outcome.map_err(Failure::Redis))
            }
            Target::Sentinel(primary) => {
                let outcome =
                    tokio::time::timeout_at(deadline.into(), primary.run(repeat, &call)).await;
                if outcome.is_err() {
                    primary.timed_out();
                }
                outcome
            }
        };
        match outcome {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(Failure::Redis(error))) => {
                rocket::log::private::error!(
                    "WorkOS SSO: the session store failed to {what}: {}",
                    describe(&error)
                );
                Err(Unavailable)
            }
            Ok(Err(Failure::NoPrimary)) => {
                rocket::log::private::error!(
                    "WorkOS SSO: the session store could not {what}: no primary is known (the Sentinels \
                     are being asked)"
                );
                Err(Unavailable)
            }
            Err(_) => {
                rocket::log::private::error!(
                    "WorkOS SSO: the session store did not {what} within {} ms",
                    self.timeout.as_millis()
                );
                Err(Unavailable)
            }
        }
    }
}

/// Refuses a store that evicts keys (`INFO memory`), explained by `explain`; a store that does not
/// answer INFO is accepted with a warning.
async fn check_eviction(
    connection: &mut impl redis::aio::ConnectionLike,
    explain: &Store<'_>,
) -> Result<(), String> {
    let info: Result<String, _> = redis::cmd("INFO")
        .arg("memory")
        .query_async(connection)
        .await;
    match info {
        Ok(info) => refuse_eviction(&info).map_err(|why| explain.evicts(&why)),
        // Some managed services do not offer INFO: the launch goes on, and says what to check.
        Err(_) => {
            rocket::log::private::warn!(
                "WorkOS SSO: {} does not say whether it evicts keys (INFO memory was refused). Make \
                 sure its maxmemory-policy is noeviction: a Redis that evicts keys under memory \
                 pressure can forget sessions, indexes and revocations",
                redacted(&explain.settings.url)
            );
            Ok(())
        }
    }
}

/// Refuses a Redis that evicts keys under memory pressure, as `INFO memory` describes it: one with a
/// memory limit and a policy other than `noeviction` (every key of the store has a TTL, so the
/// `volatile-*` policies evict them as readily as the `allkeys-*` ones). Without a limit nothing is
/// evicted, whatever the policy.
fn refuse_eviction(info: &str) -> Result<(), String> {
    let field = |name: &str| {
        info.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .map(str::trim)
    };
    let limit = field("maxmemory").and_then(|bytes| bytes.parse::<u64>().ok());
    match (limit, field("maxmemory_policy")) {
        (Some(limit), Some(policy)) if limit > 0 && policy != "noeviction" => Err(format!(
            "maxmemory {limit} bytes with maxmemory-policy {policy}"
        )),
        _ => Ok(()),
    }
}

/// Whether `error` says the connection itself failed (rather than the command), so that the same call
/// on a new connection may succeed.
fn is_broken_connection(error: &RedisError) -> bool {
    error.is_io_error() || error.is_connection_dropped() || error.is_unrecoverable_error()
}

/// What went wrong, in Redis's own words for the kind of error: never the URL or a key.
pub(super) fn describe(error: &RedisError) -> String {
    let kind = format!("{:?}", error.kind());
    match error.code() {
        Some(code) => format!("{kind} ({code})"),
        None => kind,
    }
}

#[cfg(test)]
mod tests {
    use super::refuse_eviction;

    #[test]
    fn only_a_limited_evicting_redis_is_refused() {
        let info = |limit: u64, policy: &str| {
            format!("# Memory\r\nused_memory:1000\r\nmaxmemory:{limit}\r\nmaxmemory_human:x\r\nmaxmemory_policy:{policy}\r\n")
        };
        assert_eq!(refuse_eviction(&info(0, "allkeys-lru")), Ok(()));
        assert_eq!(refuse_eviction(&info(2_097_152, "noeviction")), Ok(()));
        for policy in [
            "allkeys-lru",
            "volatile-lru",
            "allkeys-lfu",
            "volatile-ttl",
            "allkeys-random",
        ] {
            let refused = refuse_eviction(&info(2_097_152, policy)).unwrap_err();
            assert_eq!(
                refused,
                format!("maxmemory 2097152 bytes with maxmemory-policy {policy}")
            );
        }
        assert_eq!(refuse_eviction("# Memory\r\n"), Ok(()));
    }
}

//! Sessions on Redis, through the `redis` crate's tokio `ConnectionManager` (one multiplexed connection,
//! reconnected in the background after a failure; rustls for `rediss://`).
//!
//! Keys, all under `workos_sso:`:
//! - `session:<key>`: the session (the same MessagePack plaintext a cookie session seals), with a TTL of
//!   the idle timeout (slid by every read) or else the absolute lifetime; the absolute expiry inside is
//!   checked on every read whatever the TTL.
//! - `user:<profile id>` and `organization:<organization id>`: sorted sets of the session keys of that
//!   user or organization, scored by expiry, so revocation reads one set instead of scanning keys. Expired
//!   members are pruned whenever a session is added; each index expires with its last session.
//! - `login:<hash of the state>`: a login in progress, deleted by its callback, so a replayed callback
//!   fails on the server even with a restored cookie.
//!
//! Every call is bounded by `session_store_timeout_ms`; a call that fails or times out is
//! [`Unavailable`], which the guards answer with 503. Writes that touch several keys are Lua scripts,
//! atomic on the server.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands as _, Script};
use sha2::{Digest, Sha256};

use super::launch_error::Store;
use super::{SessionKey, Unavailable};
use crate::codec::{self, Session};
use crate::settings::{redacted, StoreSettings};

const PREFIX: &str = "workos_sso:";

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

/// Adds a session and indexes it: KEYS = session, user index[, organization index];
/// ARGV = value, TTL in ms, session key, expiry (Unix s), now (Unix s).
const CREATE: &str = r"
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
for i = 2, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[5])
  redis.call('ZADD', KEYS[i], ARGV[4], ARGV[3])
  local last = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
  redis.call('EXPIREAT', KEYS[i], tonumber(last[2]) + 1)
end
return 1
";

/// Deletes the sessions an index lists, but one to keep: KEYS = index; ARGV = session key prefix, the
/// key to keep ('' for none). Returns the keys deleted.
const REVOKE: &str = r"
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local ended = {}
for _, id in ipairs(ids) do
  if id ~= ARGV[2] then
    if redis.call('DEL', ARGV[1] .. id) == 1 then
      table.insert(ended, id)
    end
    redis.call('ZREM', KEYS[1], id)
  end
end
return ended
";

/// The sessions of one application on one Redis.
pub(crate) struct RedisStore {
    connection: ConnectionManager,
    idle_timeout: Option<Duration>,
    cache_for: Duration,
    timeout: Duration,
    /// Sessions this instance read, with when: trusted for `cache_for`, then read again.
    cache: quick_cache::sync::Cache<String, (Instant, Arc<Session>)>,
    create: Script,
    revoke: Script,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("idle_timeout", &self.idle_timeout)
            .field("cache_for", &self.cache_for)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to the store `settings` names. A URL that is not Redis's, or a server that cannot be
    /// reached or used, refuses the launch with a message naming the setting, what happened and the fix
    /// (`launch_error.rs`).
    pub(crate) async fn connect(settings: &StoreSettings) -> Result<Self, String> {
        let shown = redacted(&settings.url);
        ensure_tls_provider();
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
            // Reconnecting is the manager's, in the background; a request never waits for it.
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
        let store = RedisStore {
            connection,
            idle_timeout: settings.idle_timeout,
            cache_for: settings.cache,
            timeout: settings.timeout,
            cache: quick_cache::sync::Cache::new(super::OPENED_CAPACITY),
            create: Script::new(CREATE),
            revoke: Script::new(REVOKE),
        };
        // One round trip now, so a server that accepts connections but not commands (a wrong
        // password, a replica) is found at launch.
        let mut connection = store.connection.clone();
        let ping: Result<String, _> = redis::cmd("PING").query_async(&mut connection).await;
        if let Err(error) = ping {
            return Err(explain.failed(&error).await);
        }
        Ok(store)
    }

    /// Runs `call` within the timeout; a failure or a timeout is [`Unavailable`], logged without keys.
    async fn bounded<T>(
        &self,
        what: &str,
        call: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, Unavailable> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => {
                rocket::log::private::error!(
                    "WorkOS SSO: the session store failed to {what}: {}",
                    describe(&error)
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

    /// Stores a new session for `plaintext` (an encoded [`Session`]) of `user` and `organization`,
    /// expiring at `expires_at`; returns the random id the cookie seals.
    pub(crate) async fn create(
        &self,
        plaintext: &[u8],
        (user, organization): (&str, Option<&str>),
        (now, expires_at): (i64, i64),
    ) -> Result<[u8; 32], Unavailable> {
        let mut id = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
        let key = SessionKey::of_id(&id);
        let lifetime = Duration::from_secs(u64::try_from(expires_at - now).unwrap_or(0));
        let ttl = self
            .idle_timeout
            .map_or(lifetime, |idle| idle.min(lifetime));
        let mut invocation = self.create.prepare_invoke();
        invocation
            .key(format!("{PREFIX}session:{}", key.0))
            .key(format!("{PREFIX}user:{user}"));
        if let Some(organization) = organization {
            invocation.key(format!("{PREFIX}organization:{organization}"));
        }
        invocation
            .arg(plaintext)
            .arg(ttl.as_millis().max(1) as u64)
            .arg(&key.0)
            .arg(expires_at)
            .arg(now);
        let mut connection = self.connection.clone();
        self.bounded(
            "store a session",
            invocation.invoke_async::<i64>(&mut connection),
        )
        .await?;
        Ok(id)
    }

    /// The session stored under `key`, if it exists and is valid at `now`; a read slides the idle
    /// timeout. Read from this instance's cache when read less than `session_cache_ms` ago.
    pub(crate) async fn read(
        &self,
        key: &SessionKey,
        now: i64,
    ) -> Result<Option<Arc<Session>>, Unavailable> {
        if let Some((read_at, session)) = self.cache.get(&key.0) {
            if read_at.elapsed() < self.cache_for {
                return Ok(session.is_valid_at(now).then_some(session));
            }
        }
        let name = format!("{PREFIX}session:{}", key.0);
        let mut connection = self.connection.clone();
        let stored: Option<Vec<u8>> = match self.idle_timeout {
            Some(idle) => {
                let mut command = redis::cmd("GETEX");
                command.arg(&name).arg("PX").arg(idle.as_millis() as u64);
                self.bounded("read a session", command.query_async(&mut connection))
                    .await?
            }
            None => {
                self.bounded("read a session", connection.get(&name))
                    .await?
            }
        };
        let Some(session) = stored.and_then(|plaintext| codec::decode(&plaintext, now)) else {
            self.cache.remove(&key.0);
            return Ok(None);
        };
        let session = Arc::new(session);
        if !self.cache_for.is_zero() {
            self.cache
                .insert(key.0.clone(), (Instant::now(), Arc::clone(&session)));
        }
        Ok(Some(session))
    }

    /// Ends the session stored under `key` (logout), on every instance.
    pub(crate) async fn end(&self, key: &SessionKey) -> Result<(), Unavailable> {
        self.cache.remove(&key.0);
        let mut connection = self.connection.clone();
        let name = format!("{PREFIX}session:{}", key.0);
        self.bounded("end a session", connection.del::<_, usize>(name))
            .await?;
        Ok(())
    }

    /// Ends every session of `user` but `keep`; how many ended.
    pub(crate) async fn revoke_user(
        &self,
        user: &str,
        keep: Option<&SessionKey>,
    ) -> Result<usize, Unavailable> {
        self.revoke_index(format!("{PREFIX}user:{user}"), keep)
            .await
    }

    /// Ends every session of `organization`; how many ended.
    pub(crate) async fn revoke_organization(
        &self,
        organization: &str,
    ) -> Result<usize, Unavailable> {
        self.revoke_index(format!("{PREFIX}organization:{organization}"), None)
            .await
    }

    async fn revoke_index(
        &self,
        index: String,
        keep: Option<&SessionKey>,
    ) -> Result<usize, Unavailable> {
        let mut invocation = self.revoke.prepare_invoke();
        invocation
            .key(index)
            .arg(format!("{PREFIX}session:"))
            .arg(keep.map_or("", |key| key.0.as_str()));
        let mut connection = self.connection.clone();
        let ended: Vec<String> = self
            .bounded("revoke sessions", invocation.invoke_async(&mut connection))
            .await?;
        for key in &ended {
            self.cache.remove(key);
        }
        Ok(ended.len())
    }

    /// Records a login in progress under `state`, for `ttl`.
    pub(crate) async fn begin_login(&self, state: &str, ttl: Duration) -> Result<(), Unavailable> {
        let mut connection = self.connection.clone();
        let mut command = redis::cmd("SET");
        command
            .arg(login_key(state))
            .arg(1)
            .arg("PX")
            .arg(ttl.as_millis() as u64)
            .arg("NX");
        self.bounded(
            "record a login",
            command.query_async::<Option<String>>(&mut connection),
        )
        .await?;
        Ok(())
    }

    /// Takes the login in progress under `state`: `true` the first time, `false` after (a replay).
    pub(crate) async fn finish_login(&self, state: &str) -> Result<bool, Unavailable> {
        let mut connection = self.connection.clone();
        let deleted: usize = self
            .bounded("take a login", connection.del(login_key(state)))
            .await?;
        Ok(deleted == 1)
    }
}

/// What went wrong, in Redis's own words for the kind of error: never the URL or a key.
fn describe(error: &redis::RedisError) -> String {
    let kind = format!("{:?}", error.kind());
    match error.code() {
        Some(code) => format!("{kind} ({code})"),
        None => kind,
    }
}

fn login_key(state: &str) -> String {
    format!(
        "{PREFIX}login:{}",
        URL_SAFE_NO_PAD.encode(Sha256::digest(state.as_bytes()))
    )
}

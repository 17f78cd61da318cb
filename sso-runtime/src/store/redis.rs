//! Sessions on Redis.
//!
//! Keys, all under `workos_sso:2:` (the layout's version: keys of an earlier layout are never read and
//! expire by themselves):
//! - `session:<key>`: a hash of the session: `v` the MessagePack plaintext a cookie session would seal,
//!   `u` the user (profile id), `o` the organization (or empty), `n` its sequence number, `e` its
//!   absolute expiry (Unix seconds). Its TTL is the idle timeout, slid by every read, never past `e`.
//! - `sequence`: a counter that orders sign-ins and revocations on the server, whatever the clocks of
//!   the instances say.
//! - `revoked:user:<id>` and `revoked:organization:<id>`: the sequence number of the latest revocation
//!   of that user or organization. A session numbered at or below it is refused on its next read, in
//!   the same round trip as the read: revocation does not depend on finding the session. They live
//!   [`MARKER_TTL`], longer than any session.
//! - `user:<id>` and `organization:<id>`: sorted sets of the live session keys of that user or
//!   organization, scored by when each ends (idle or absolute), so that a revocation finds the sessions
//!   it ends without scanning keys, in batches. A logout and a revocation remove their members; every
//!   write prunes the members that ended; each set expires after its last session could.
//! - `used:<hash of the state>`: a login whose callback was taken, so a replayed callback fails on
//!   the server even with a restored cookie. Written only by a callback with a valid sealed login
//!   cookie: requests without one write nothing.
//!
//! Every call is bounded by `session_store_timeout_ms` (`link.rs`). Writes that touch several keys are
//! Lua scripts, atomic on the server.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use redis::Script;
use sha2::{Digest, Sha256};

use super::link::Link;
use super::{SessionKey, Swept, Unavailable};
use crate::codec::{self, Session};
use crate::kept::Kept;
use crate::settings::StoreSettings;

/// Every key's prefix, with the layout's version.
const PREFIX: &str = "workos_sso:2:";

/// How long a revocation's marker lives: the longest session lifetime the settings accept (30 days), so
/// it outlives every session it revokes, whatever lifetime each instance is configured with.
pub(crate) const MARKER_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// How many index members one sweep call looks at: about 2 ms of Redis's time (measured here: 11 µs a
/// member, with an append-only file).
pub(crate) const SWEEP_BATCH: usize = 200;

/// Stores a session and indexes it. KEYS = session, sequence, user index[, organization index];
/// ARGV = plaintext, user, organization ('' for none), expiry (Unix s), TTL (ms), index score (Unix s),
/// now (Unix s), session key. Returns the session's sequence number.
const CREATE: &str = r"
local n = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'u', ARGV[2], 'o', ARGV[3], 'n', n, 'e', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local lasts = tonumber(ARGV[4]) - tonumber(ARGV[7]) + 1
for i = 3, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[7])
  redis.call('ZADD', KEYS[i], ARGV[6], ARGV[8])
  if redis.call('TTL', KEYS[i]) < lasts then
    redis.call('EXPIRE', KEYS[i], lasts)
  end
end
return n
";

/// Reads a session: refused (nil) when a revocation of its user or organization came after it, else
/// its plaintext, with the idle timeout slid. KEYS = session; ARGV = prefix, session key, idle timeout
/// (ms, 0 for none), now (Unix s).
const READ: &str = r"
local s = redis.call('HMGET', KEYS[1], 'v', 'u', 'o', 'n', 'e')
if not s[1] then return false end
local p, id = ARGV[1], ARGV[2]
local n, e, now = tonumber(s[4]), tonumber(s[5]), tonumber(ARGV[4])
if e <= now then return false end
local user = redis.call('GET', p .. 'revoked:user:' .. s[2])
if user and n <= tonumber(user) then return false end
if s[3] ~= '' then
  local organization = redis.call('GET', p .. 'revoked:organization:' .. s[3])
  if organization and n <= tonumber(organization) then return false end
end
local idle = tonumber(ARGV[3])
if idle > 0 then
  local left = (e - now) * 1000
  if idle < left then left = idle end
  redis.call('PEXPIRE', KEYS[1], left)
  local ends = now + math.ceil(left / 1000)
  redis.pcall('ZADD', p .. 'user:' .. s[2], 'XX', ends, id)
  if s[3] ~= '' then redis.pcall('ZADD', p .. 'organization:' .. s[3], 'XX', ends, id) end
end
return s[1]
";

/// Ends a session (logout) and removes it from its indexes, pruning them. KEYS = session; ARGV = prefix,
/// session key, now (Unix s). Returns 1 if the session existed.
const END: &str = r"
local s = redis.call('HMGET', KEYS[1], 'u', 'o')
if not s[1] then return 0 end
redis.call('DEL', KEYS[1])
local p, id = ARGV[1], ARGV[2]
local indexes = { p .. 'user:' .. s[1] }
if s[2] ~= '' then table.insert(indexes, p .. 'organization:' .. s[2]) end
for _, index in ipairs(indexes) do
  redis.call('ZREM', index, id)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', ARGV[3])
end
return 1
";

/// Revokes, at once, every session of a user or organization: sets its marker to a new sequence
/// number. With a session to keep (its user's own, for "sign out my other devices"), that session is
/// renumbered after the marker. KEYS = marker, sequence; ARGV = marker TTL (s), the kept session's name
/// ('' for none), the user it must belong to. Returns the marker, or -1 when Redis is full (at
/// `maxmemory` under `noeviction` it refuses writes that need memory, and deletes still work).
const MARK: &str = r"
local m = redis.pcall('INCR', KEYS[2])
if type(m) == 'table' then
  if string.find(m.err, 'OOM', 1, true) then return -1 end
  return redis.error_reply(m.err)
end
redis.call('SET', KEYS[1], m, 'EX', ARGV[1])
if ARGV[2] ~= '' and redis.call('HGET', ARGV[2], 'u') == ARGV[3] then
  redis.call('HSET', ARGV[2], 'n', redis.call('INCR', KEYS[2]))
end
return m
";

/// One batch of a revocation: looks at up to `count` members of an index from `cursor` on, deletes
/// those numbered at or below the marker (and removes them from every index), drops members whose
/// session is gone, and leaves later sessions and the one to keep alone. KEYS = index; ARGV = prefix,
/// marker, cursor, count, now (Unix s), the key to keep ('' for none). Returns the next cursor ('0' when
/// done), then the keys of the sessions it deleted.
const SWEEP: &str = r"
local p, m, keep = ARGV[1], tonumber(ARGV[2]), ARGV[6]
local scan = redis.call('ZSCAN', KEYS[1], ARGV[3], 'COUNT', ARGV[4])
local result = { scan[1] }
local members = scan[2]
for i = 1, #members, 2 do
  local id = members[i]
  local s = redis.call('HMGET', p .. 'session:' .. id, 'u', 'o', 'n')
  if not s[3] then
    redis.call('ZREM', KEYS[1], id)
  elseif tonumber(s[3]) <= m and id ~= keep then
    if redis.call('DEL', p .. 'session:' .. id) == 1 then table.insert(result, id) end
    redis.call('ZREM', p .. 'user:' .. s[1], id)
    if s[2] ~= '' then redis.call('ZREM', p .. 'organization:' .. s[2], id) end
  end
end
if scan[1] == '0' then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[5]) end
return result
";

/// Takes a login's state: the token of whoever took it first, or nil (and the caller's token kept) if
/// nobody did. KEYS = used state; ARGV = token, TTL (ms).
const CONSUME: &str = r"
local taken = redis.call('GET', KEYS[1])
if taken then return taken end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
";

/// The scripts, loaded once.
#[derive(Clone)]
struct Scripts {
    create: Script,
    read: Script,
    end: Script,
    mark: Script,
    sweep: Script,
    consume: Script,
}

/// The sessions of one application on one Redis.
pub(crate) struct RedisStore {
    link: Link,
    idle_timeout: Option<Duration>,
    /// Sessions this instance read, trusted for `session_cache_ms`; one read in flight per session.
    sessions: Kept<Option<Arc<Session>>, Unavailable>,
    scripts: Scripts,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

/// Whether a read is kept: a session that exists (a missing one is not asked for again soon, as its key
/// is random and the cookie that names it is sealed).
fn is_kept(outcome: &Result<Option<Arc<Session>>, Unavailable>) -> bool {
    matches!(outcome, Ok(Some(_)))
}

impl RedisStore {
    /// Connects to the store `settings` names; an error explains why it cannot be used (`link.rs`).
    pub(crate) async fn connect(settings: &StoreSettings) -> Result<Self, String> {
        let link = Link::connect(settings).await?;
        Ok(RedisStore {
            link,
            idle_timeout: settings.idle_timeout,
            sessions: Kept::new(super::OPENED_CAPACITY, settings.cache, is_kept),
            scripts: Scripts {
                create: Script::new(CREATE),
                read: Script::new(READ),
                end: Script::new(END),
                mark: Script::new(MARK),
                sweep: Script::new(SWEEP),
                consume: Script::new(CONSUME),
            },
        })
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
        let ends = now.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX));
        let mut invocation = self.scripts.create.prepare_invoke();
        invocation
            .key(format!("{PREFIX}session:{}", key.0))
            .key(format!("{PREFIX}sequence"))
            .key(format!("{PREFIX}user:{user}"));
        if let Some(organization) = organization {
            invocation.key(format!("{PREFIX}organization:{organization}"));
        }
        invocation
            .arg(plaintext)
            .arg(user)
            .arg(organization.unwrap_or(""))
            .arg(expires_at)
            .arg(ttl.as_millis().max(1) as u64)
            .arg(ends)
            .arg(now)
            .arg(&key.0);
        self.link
            .run("store a session", |mut connection| {
                let invocation = &invocation;
                async move { invocation.invoke_async::<i64>(&mut connection).await }
            })
            .await?;
        Ok(id)
    }

    /// The session stored under `key`, if it exists, is valid at `now` and was not revoked; a read
    /// slides the idle timeout. Read from this instance's memory when read less than
    /// `session_cache_ms` ago; concurrent requests for a session not in memory share one read.
    pub(crate) async fn read(
        &self,
        key: &SessionKey,
        now: i64,
    ) -> Result<Option<Arc<Session>>, Unavailable> {
        let start = || {
            let (link, script) = (self.link.clone(), self.scripts.read.clone());
            let idle = self.idle_timeout.map_or(0, |idle| idle.as_millis() as u64);
            let key = key.0.clone();
            Ok(async move {
                let mut invocation = script.prepare_invoke();
                invocation
                    .key(format!("{PREFIX}session:{key}"))
                    .arg(PREFIX)
                    .arg(&key)
                    .arg(idle)
                    .arg(now);
                let stored: Option<Vec<u8>> = link
                    .run("read a session", |mut connection| {
                        let invocation = &invocation;
                        async move { invocation.invoke_async(&mut connection).await }
                    })
                    .await?;
                Ok(stored
                    .and_then(|plaintext| codec::decode(&plaintext, now))
                    .map(Arc::new))
            })
        };
        let session = self.sessions.get(&key.0, start, || Unavailable).await?;
        Ok(session.filter(|session| session.is_valid_at(now)))
    }

    /// Ends the session stored under `key` (logout), on every instance, and removes it from its indexes.
    pub(crate) async fn end(&self, key: &SessionKey, now: i64) -> Result<(), Unavailable> {
        self.sessions.forget(&key.0);
        let mut invocation = self.scripts.end.prepare_invoke();
        invocation
            .key(format!("{PREFIX}session:{}", key.0))
            .arg(PREFIX)
            .arg(&key.0)
            .arg(now);
        self.link
            .run("end a session", |mut connection| {
                let invocation = &invocation;
                async move { invocation.invoke_async::<i64>(&mut connection).await }
            })
            .await?;
        Ok(())
    }

    /// Revokes every session of `user` but `keep`: refused from now on (on other instances within
    /// their `session_cache_ms`), then deleted in batches.
    pub(crate) async fn revoke_user(
        &self,
        user: &str,
        keep: Option<&SessionKey>,
        now: i64,
    ) -> Result<usize, Swept> {
        self.revoke(("user", user), keep, now).await
    }

    /// Revokes every session of `organization`, as [`RedisStore::revoke_user`] does.
    pub(crate) async fn revoke_organization(
        &self,
        organization: &str,
        now: i64,
    ) -> Result<usize, Swept> {
        self.revoke(("organization", organization), None, now).await
    }

    /// Marks the revocation (after which the sessions are refused), then sweeps the index: each batch
    /// one short script, so Redis serves other requests in between. Counts exactly the sessions this
    /// call deleted; safe to call again after a failure (a new marker, and the rest swept).
    async fn revoke(
        &self,
        (kind, id): (&str, &str),
        keep: Option<&SessionKey>,
        now: i64,
    ) -> Result<usize, Swept> {
        let mut invocation = self.scripts.mark.prepare_invoke();
        invocation
            .key(format!("{PREFIX}revoked:{kind}:{id}"))
            .key(format!("{PREFIX}sequence"))
            .arg(MARKER_TTL.as_secs())
            .arg(keep.map_or(String::new(), |key| format!("{PREFIX}session:{}", key.0)))
            .arg(id);
        let marker: i64 = self
            .link
            .run("revoke sessions", |mut connection| {
                let invocation = &invocation;
                async move { invocation.invoke_async(&mut connection).await }
            })
            .await
            .map_err(|Unavailable| Swept::NotMarked)?;
        // A full Redis takes no marker: the indexes (complete, as nothing is evicted) say which
        // sessions to delete, which it still allows.
        let marker = if marker < 0 {
            rocket::log::private::warn!(
                "WorkOS SSO: the session store is full (maxmemory): revoking by deleting the sessions \
                 its index lists"
            );
            i64::MAX
        } else {
            marker
        };
        let index = format!("{PREFIX}{kind}:{id}");
        let (mut cursor, mut ended) = (String::from("0"), 0);
        loop {
            let mut invocation = self.scripts.sweep.prepare_invoke();
            invocation
                .key(&index)
                .arg(PREFIX)
                .arg(marker)
                .arg(&cursor)
                .arg(SWEEP_BATCH)
                .arg(now)
                .arg(keep.map_or("", |key| key.0.as_str()));
            let batch: Vec<String> = self
                .link
                .run_once("sweep revoked sessions", |mut connection| {
                    let invocation = &invocation;
                    async move { invocation.invoke_async(&mut connection).await }
                })
                .await
                .map_err(|Unavailable| Swept::Interrupted { ended })?;
            let mut batch = batch.into_iter();
            cursor = batch.next().unwrap_or_else(|| String::from("0"));
            for key in batch {
                self.sessions.forget(&key);
                ended += 1;
            }
            if cursor == "0" {
                return Ok(ended);
            }
        }
    }

    /// Takes the login whose callback carries `state`, which this browser's sealed login cookie proved:
    /// `true` the first time, `false` after (a replay). The record lasts `ttl`, as long as the login
    /// could still be finished.
    pub(crate) async fn take_login(&self, state: &str, ttl: Duration) -> Result<bool, Unavailable> {
        let mut token = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut token);
        let token = URL_SAFE_NO_PAD.encode(token);
        let mut invocation = self.scripts.consume.prepare_invoke();
        invocation
            .key(used_key(state))
            .arg(&token)
            .arg(ttl.as_millis().max(1) as u64);
        // Repeated after a broken connection, the call finds this token if the first one landed.
        let taken: Option<String> = self
            .link
            .run("take a login", |mut connection| {
                let invocation = &invocation;
                async move { invocation.invoke_async(&mut connection).await }
            })
            .await?;
        Ok(taken.is_none_or(|taken| taken == token))
    }
}

fn used_key(state: &str) -> String {
    format!(
        "{PREFIX}used:{}",
        URL_SAFE_NO_PAD.encode(Sha256::digest(state.as_bytes()))
    )
}

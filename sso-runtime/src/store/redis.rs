//! Sessions on Redis.
//!
//! Keys, all under `workos_sso:2:` (the layout's version: keys of an earlier layout are never read and
//! expire by themselves):
//! - `session:<key>`: a hash of the session: `v` the MessagePack plaintext a cookie session would seal,
//!   `u` the user (profile id), `o` the organization (or empty), `c` the connection, `i` the identity
//!   provider's id of the person, `m` the email (lowercase), `n` its sequence number, `e` its absolute
//!   expiry (Unix seconds). Its TTL is the idle timeout, slid by every read, never past `e`.
//! - `sequence`: a counter that orders sign-ins and revocations on the server, whatever the clocks of
//!   the instances say.
//! - `revoked:user:<id>`, `revoked:organization:<id>`, `revoked:connection:<id>`,
//!   `revoked:person:<organization>:<idp id>` and `revoked:email:<organization>:<email>`: the sequence
//!   number of the latest revocation of that user, organization, connection or person (as a directory
//!   names them: [`Mark`]). A session numbered at or below any of its marks is refused on its next read,
//!   in the same round trip as the read: revocation does not depend on finding the session. They live
//!   [`MARKER_TTL`], longer than any session.
//! - `user:<id>` and `organization:<id>`: sorted sets of the live session keys of that user or
//!   organization, scored by when each ends (idle or absolute), so that a revocation finds the sessions
//!   it ends without scanning keys, in batches. A logout and a revocation remove their members; every
//!   write prunes the members that ended; each set expires after its last session could.
//! - `used:<hash of the state>`: a login whose callback was taken, so a replayed callback fails on
//!   the server even with a restored cookie. Written only by a callback with a valid sealed login
//!   cookie: requests without one write nothing.
//! - `event:<id>`: a WorkOS event that was handled (31 days, longer than WorkOS keeps events), so an
//!   event is handled once however often it is polled or delivered; `events:cursor`: the id of the
//!   latest event the instances polled, shared by all of them.
//!
//! Every call is bounded by `session_store_timeout_ms` (`link.rs`). Every operation is one Lua script
//! (`scripts.rs`), atomic on the server.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use redis::Script;
use sha2::{Digest, Sha256};

use super::link::Link;
use super::scripts::{ADVANCE, CONSUME, CREATE, END, MARK, READ, SWEEP};
use super::{Mark, Owner, SessionKey, Swept, Unavailable};
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

/// How long the record of a handled event lives: longer than WorkOS keeps events (30 days).
const EVENT_TTL: Duration = Duration::from_secs(31 * 24 * 3600);

/// The scripts, loaded once.
#[derive(Clone)]
struct Scripts {
    create: Script,
    read: Script,
    end: Script,
    mark: Script,
    sweep: Script,
    consume: Script,
    advance: Script,
}

/// What [`RedisStore::mark`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marked {
    /// The marks are set: every session they name is refused from now on.
    Now,
    /// The event was handled before; nothing changed.
    Before,
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
                advance: Script::new(ADVANCE),
            },
        })
    }

    /// Stores a new session for `plaintext` (an encoded [`Session`]) of `owner`, expiring at
    /// `expires_at`; returns the random id the cookie seals.
    pub(crate) async fn create(
        &self,
        plaintext: &[u8],
        owner: &Owner<'_>,
        (now, expires_at): (i64, i64),
    ) -> Result<[u8; 32], Unavailable> {
        let (user, organization) = (owner.user, owner.organization);
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
            .arg(&key.0)
            .arg(owner.connection)
            .arg(owner.idp_id)
            .arg(owner.email.to_lowercase());
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
        let keep_name = keep.map_or(String::new(), |key| format!("{PREFIX}session:{}", key.0));
        let marker = self
            .set_marks(
                &[format!("{PREFIX}revoked:{kind}:{id}")],
                (&keep_name, id),
                "",
            )
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

    /// Runs the mark script: sets `marks` (key names) to a new number, renumbering the kept session
    /// `(name, user)` after them, once per `event` record name ('' for none). The script's answer: the
    /// number, -1 for a full Redis, -2 for an event handled before.
    async fn set_marks(
        &self,
        marks: &[String],
        (keep, user): (&str, &str),
        event: &str,
    ) -> Result<i64, Unavailable> {
        let mut invocation = self.scripts.mark.prepare_invoke();
        invocation.key(format!("{PREFIX}sequence"));
        for mark in marks {
            invocation.key(mark);
        }
        invocation
            .arg(MARKER_TTL.as_secs())
            .arg(keep)
            .arg(user)
            .arg(event)
            .arg(EVENT_TTL.as_secs());
        self.link
            .run("revoke sessions", |mut connection| {
                let invocation = &invocation;
                async move { invocation.invoke_async(&mut connection).await }
            })
            .await
    }

    /// Revokes every session `marks` name, on every instance, once per WorkOS `event` (an event id, or
    /// `None`): refused from their next read on. A full Redis cannot take the marks: [`Unavailable`], so
    /// that the event is tried again (a webhook answers 503, the poller keeps its cursor).
    pub(crate) async fn mark(
        &self,
        marks: &[Mark<'_>],
        event: Option<&str>,
    ) -> Result<Marked, Unavailable> {
        let names: Vec<String> = marks
            .iter()
            .map(|mark| format!("{PREFIX}revoked:{}", mark.key()))
            .collect();
        let record = event.map_or(String::new(), |id| format!("{PREFIX}event:{id}"));
        match self.set_marks(&names, ("", ""), &record).await? {
            -2 => Ok(Marked::Before),
            number if number < 0 => {
                rocket::log::private::error!(
                    "WorkOS SSO: the session store is full (maxmemory): a revocation could not be recorded"
                );
                Err(Unavailable)
            }
            _ => Ok(Marked::Now),
        }
    }

    /// The id of the latest WorkOS event the instances polled, if any.
    pub(crate) async fn events_cursor(&self) -> Result<Option<String>, Unavailable> {
        self.link
            .run("read the events cursor", |mut connection| async move {
                redis::cmd("GET")
                    .arg(format!("{PREFIX}events:cursor"))
                    .query_async(&mut connection)
                    .await
            })
            .await
    }

    /// Where the instances started reading events, before any was handled: `at` if no instance said so
    /// before (kept for good, so a restart skips nothing), else what the first one said.
    pub(crate) async fn events_since(&self, at: &str) -> Result<String, Unavailable> {
        let key = format!("{PREFIX}events:since");
        self.link
            .run("read where events start", |mut connection| {
                let key = &key;
                async move {
                    let () = redis::cmd("SET")
                        .arg(key)
                        .arg(at)
                        .arg("NX")
                        .query_async::<Option<String>>(&mut connection)
                        .await
                        .map(|_| ())?;
                    redis::cmd("GET")
                        .arg(key)
                        .query_async(&mut connection)
                        .await
                }
            })
            .await
    }

    /// Moves the shared events cursor to `to`, never back.
    pub(crate) async fn advance_events_cursor(&self, to: &str) -> Result<(), Unavailable> {
        let mut invocation = self.scripts.advance.prepare_invoke();
        invocation.key(format!("{PREFIX}events:cursor")).arg(to);
        self.link
            .run("move the events cursor", |mut connection| {
                let invocation = &invocation;
                async move { invocation.invoke_async::<String>(&mut connection).await }
            })
            .await?;
        Ok(())
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

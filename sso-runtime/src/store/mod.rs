//! Where sessions live, and the handle an application revokes them with.
//!
//! By default nowhere on the server: the session is the sealed cookie, so any instance sharing the
//! `secret_key` serves it, and logout ends it in one browser only. With a server-side store
//! (`workos.session_store = "redis://…"`, cargo feature `redis`), the cookie carries a sealed random id
//! of 256 bits and Redis holds the session: logout ends it on every instance, [`Revocation`] revokes
//! a user's or an organization's sessions, an idle timeout ends sessions nobody uses, and each login's
//! state is single-use on the server too.
//!
//! ```toml
//! [release.workos]
//! session_store = "redis://127.0.0.1:6379/0"   # or WORKOS_SESSION_STORE; rediss:// for TLS (rustls)
//! session_idle_timeout = 1800                  # seconds without a request before a session ends
//! session_cache_ms = 1000                      # how long an instance trusts a session it read (0 to 60000)
//! session_store_timeout_ms = 500               # the longest a request waits for Redis before a 503
//! ```
//!
//! A primary behind Redis Sentinel is named by its Sentinels and the name they monitor it under:
//!
//! ```text
//! redis+sentinel://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...]/SERVICE[/DB][?sentinel_password=P&sentinel_username=U]
//! ```
//!
//! The hosts are the Sentinels' (26379 when a host has no port), asked in turn; SERVICE is the name in
//! their `sentinel monitor SERVICE …`; DB the database (0 by default). The credentials before `@` are the
//! Redis servers'; the Sentinels' own, if they require any, are the `sentinel_password` (and
//! `sentinel_username`) parameters. `rediss+sentinel://` speaks TLS to both (the servers' certificates
//! must be valid for the addresses the Sentinels announce). Percent-encode `@ : / ? & # % ,` in a
//! password. The store connects to the primary the Sentinels name and checks with ROLE that it is one.
//! When a call finds it gone (the connection broke, or it answers as a replica after a failover), the
//! Sentinels are asked again, one lookup at a time: requests wait for it within
//! `session_store_timeout_ms`, and while no primary is known they answer 503 at once (`primary.rs`,
//! `sentinel.rs`).

use std::fmt;

#[cfg(feature = "redis")]
mod launch_error;
#[cfg(feature = "redis")]
mod link;
#[cfg(feature = "redis")]
mod primary;
#[cfg(feature = "redis")]
mod redis;
#[cfg(all(test, feature = "redis"))]
mod redis_test_server;
#[cfg(feature = "redis")]
mod scripts;
#[cfg(feature = "redis")]
mod sentinel;

#[cfg(feature = "redis")]
pub(crate) use self::redis::{Marked, RedisStore};

/// Whose a session is, as the store indexes and revokes it.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Owner<'a> {
    /// The profile id.
    pub(crate) user: &'a str,
    /// The organization, if the profile has one.
    pub(crate) organization: Option<&'a str>,
    /// The connection the profile signed in through.
    pub(crate) connection: &'a str,
    /// The identity provider's id of the person (what a directory user carries too).
    pub(crate) idp_id: &'a str,
    /// The email, compared without case.
    pub(crate) email: &'a str,
}

/// Something whose sessions a revocation ends: the marks the store checks on every read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark<'a> {
    /// Every session of an organization.
    Organization(&'a str),
    /// Every session signed in through a connection.
    Connection(&'a str),
    /// Every session of the person an organization's identity provider knows by this id.
    Person {
        /// The organization.
        organization: &'a str,
        /// The identity provider's id of the person.
        idp_id: &'a str,
    },
    /// Every session of an organization with this email (compared without case).
    Email {
        /// The organization.
        organization: &'a str,
        /// The email.
        email: &'a str,
    },
}

impl Mark<'_> {
    /// The mark's key under `revoked:`, as the read script builds it from a session's fields.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn key(&self) -> String {
        match self {
            Mark::Organization(id) => format!("organization:{id}"),
            Mark::Connection(id) => format!("connection:{id}"),
            Mark::Person {
                organization,
                idp_id,
            } => format!("person:{organization}:{idp_id}"),
            Mark::Email {
                organization,
                email,
            } => format!("email:{organization}:{}", email.to_lowercase()),
        }
    }
}

/// What [`RedisStore::mark`] did (without the feature, nothing can).
#[cfg(not(feature = "redis"))]
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marked {
    /// The marks are set.
    Now,
    /// The event was handled before.
    Before,
}

/// Without the `redis` feature there is no server-side store: this type has no values, so every path
/// that would use one is statically unreachable.
#[cfg(not(feature = "redis"))]
#[derive(Debug)]
pub(crate) enum RedisStore {}

/// The store's operations, which no value can reach without the feature.
#[cfg(not(feature = "redis"))]
#[allow(clippy::unused_async)]
impl RedisStore {
    pub(crate) async fn create(
        &self,
        _: &[u8],
        _: &Owner<'_>,
        _: (i64, i64),
    ) -> Result<[u8; 32], Unavailable> {
        match *self {}
    }

    pub(crate) async fn mark(
        &self,
        _: &[Mark<'_>],
        _: Option<&str>,
    ) -> Result<Marked, Unavailable> {
        match *self {}
    }

    pub(crate) async fn events_cursor(&self) -> Result<Option<String>, Unavailable> {
        match *self {}
    }

    pub(crate) async fn advance_events_cursor(&self, _: &str) -> Result<(), Unavailable> {
        match *self {}
    }

    pub(crate) async fn events_since(&self, _: &str) -> Result<String, Unavailable> {
        match *self {}
    }

    pub(crate) async fn read(
        &self,
        _: &SessionKey,
        _: i64,
    ) -> Result<Option<std::sync::Arc<crate::codec::Session>>, Unavailable> {
        match *self {}
    }

    pub(crate) async fn end(&self, _: &SessionKey, _: i64) -> Result<(), Unavailable> {
        match *self {}
    }

    pub(crate) async fn revoke_user(
        &self,
        _: &str,
        _: Option<&SessionKey>,
        _: i64,
    ) -> Result<usize, Swept> {
        match *self {}
    }

    pub(crate) async fn revoke_organization(&self, _: &str, _: i64) -> Result<usize, Swept> {
        match *self {}
    }

    pub(crate) async fn take_login(
        &self,
        _: &str,
        _: std::time::Duration,
    ) -> Result<bool, Unavailable> {
        match *self {}
    }
}

/// How many opened sessions a process keeps (see `Sessions`); at about 2 KiB each, 16 MiB at most.
pub(crate) const OPENED_CAPACITY: usize = 8192;

/// The key a server-side session is stored under: the SHA-256 of the random id the cookie seals, so
/// a copy of the store's data cannot be turned back into cookies.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct SessionKey(pub(crate) String);

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey([redacted])")
    }
}

impl SessionKey {
    /// The key of the session whose cookie seals `id`.
    pub(crate) fn of_id(id: &[u8]) -> SessionKey {
        use base64::Engine as _;
        use sha2::Digest as _;
        SessionKey(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(id)),
        )
    }
}

/// The session store did not answer in time or failed: requests that need a session answer 503.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unavailable;

/// How a revocation stopped short.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Swept {
    /// The store did not answer: nothing was revoked.
    NotMarked,
    /// The sessions are revoked (refused from now on), and the store stopped answering while deleting
    /// them, after `ended`.
    Interrupted {
        /// How many this call deleted.
        ended: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::redacted;

    #[test]
    fn a_url_is_printed_without_its_password() {
        assert_eq!(
            redacted("redis://:hunter2@10.0.0.5:6379/0"),
            "redis://:redacted@10.0.0.5:6379/0"
        );
        assert_eq!(
            redacted("rediss://user:pw@cache.example:6380"),
            "rediss://user:redacted@cache.example:6380"
        );
        assert_eq!(redacted("redis://127.0.0.1/1"), "redis://127.0.0.1/1");
        assert_eq!(redacted("not a url :pw@"), "(not a URL)");
    }

    #[test]
    fn a_session_key_never_prints() {
        assert_eq!(
            format!("{:?}", SessionKey("abc".into())),
            "SessionKey([redacted])"
        );
    }
}

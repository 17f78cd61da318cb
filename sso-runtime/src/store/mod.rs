//! Where sessions live, and the handle an application revokes them with.
//!
//! By default nowhere on the server: the session is the sealed cookie, so any instance sharing the
//! `secret_key` serves it, and logout ends it in one browser only. With a server-side store
//! (`workos.session_store = "redis://…"`, cargo feature `redis`), the cookie carries a sealed random id
//! of 256 bits and Redis holds the session: logout ends it on every instance, [`SessionStore`] revokes
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

use std::fmt;
use std::sync::Arc;

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Phase, Rocket};

#[cfg(feature = "redis")]
mod launch_error;
#[cfg(feature = "redis")]
mod redis;

#[cfg(feature = "redis")]
pub(crate) use self::redis::RedisStore;

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
        _: (&str, Option<&str>),
        _: (i64, i64),
    ) -> Result<[u8; 32], Unavailable> {
        match *self {}
    }

    pub(crate) async fn read(
        &self,
        _: &SessionKey,
        _: i64,
    ) -> Result<Option<Arc<crate::codec::Session>>, Unavailable> {
        match *self {}
    }

    pub(crate) async fn end(&self, _: &SessionKey) -> Result<(), Unavailable> {
        match *self {}
    }

    pub(crate) async fn revoke_user(
        &self,
        _: &str,
        _: Option<&SessionKey>,
    ) -> Result<usize, Unavailable> {
        match *self {}
    }

    pub(crate) async fn revoke_organization(&self, _: &str) -> Result<usize, Unavailable> {
        match *self {}
    }

    pub(crate) async fn begin_login(
        &self,
        _: &str,
        _: std::time::Duration,
    ) -> Result<(), Unavailable> {
        match *self {}
    }

    pub(crate) async fn finish_login(&self, _: &str) -> Result<bool, Unavailable> {
        match *self {}
    }
}

/// The key a server-side session is stored under: the SHA-256 of the random id the cookie seals, so
/// a copy of the store's data cannot be turned back into cookies.
/// How many opened sessions a process keeps (see `Sessions`); at about 2 KiB each, 16 MiB at most.
pub(crate) const OPENED_CAPACITY: usize = 8192;

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

/// Why a revocation did not happen. The messages name the fix and never carry a session's id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Sessions are stateless cookies, which cannot be revoked before they expire.
    #[error(
        "sessions are stateless cookies and cannot be revoked; set `workos.session_store` (or \
         WORKOS_SESSION_STORE) to a redis:// URL, with the `redis` feature of rocket-workos-sso"
    )]
    NotConfigured,
    /// "Sign out my other sessions" needs the request's own session, and it had none.
    #[error("the request has no server-side session of its own to keep")]
    NotSignedIn,
    /// The store did not answer in time or failed; nothing may have been revoked. Try again.
    #[error("the session store is unavailable; nothing was revoked, try again")]
    Unavailable,
}

impl From<Unavailable> for StoreError {
    fn from(_: Unavailable) -> Self {
        StoreError::Unavailable
    }
}

/// The application's sessions on the server: revoke every session of a user or of an organization, or
/// the other sessions of the signed-in user. A request guard in handlers, and
/// [`SessionStore::of`] for fairings and background tasks.
///
/// A revoked session is refused on its next request on every instance, at most `session_cache_ms`
/// (default 1000 ms) later on instances other than the one that revoked it. Without a server-side store
/// (`workos.session_store`) every method answers [`StoreError::NotConfigured`].
///
/// ```rust,no_run
/// use rocket::{get, post};
/// use rocket_workos_sso::{workos_sso, Profile, SessionStore};
///
/// /// An administrator signs everyone of their organization out, on every instance.
/// #[workos_sso(role = "admin")]
/// #[post("/admin/sign-out-everyone")]
/// async fn sign_out_everyone(profile: Profile, store: SessionStore) -> Result<String, String> {
///     let organization = profile.organization_id.clone().unwrap_or_default();
///     let ended = store.revoke_organization(&organization).await.map_err(|e| e.to_string())?;
///     Ok(format!("{ended} sessions ended"))
/// }
///
/// /// "Sign out my other devices": every session of this user but the one making the request.
/// #[workos_sso]
/// #[post("/account/sign-out-others")]
/// async fn sign_out_others(_profile: Profile, store: SessionStore) -> Result<String, String> {
///     let ended = store.revoke_other_sessions().await.map_err(|e| e.to_string())?;
///     Ok(format!("{ended} other sessions ended"))
/// }
/// ```
#[derive(Clone)]
pub struct SessionStore {
    store: Option<Arc<RedisStore>>,
    /// The request's own session and its user, for [`SessionStore::revoke_other_sessions`].
    current: Option<(SessionKey, String)>,
}

impl fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionStore")
            .field("server_side", &self.is_server_side())
            .finish_non_exhaustive()
    }
}

impl SessionStore {
    /// The store of a launched application, for fairings and background tasks; `None` without the
    /// fairing or before it ran.
    pub fn of<P: Phase>(rocket: &Rocket<P>) -> Option<SessionStore> {
        let sso = rocket.state::<crate::sso::Sso>()?;
        Some(SessionStore {
            store: sso.sessions.store().cloned(),
            current: None,
        })
    }

    /// Whether sessions live on the server (and can be revoked), rather than in stateless cookies.
    pub fn is_server_side(&self) -> bool {
        self.store.is_some()
    }

    fn store(&self) -> Result<&RedisStore, StoreError> {
        self.store.as_deref().ok_or(StoreError::NotConfigured)
    }

    /// Ends every session of the user whose profile id is `user_id` (`Profile::id`), on every instance.
    /// Returns how many sessions ended.
    pub async fn revoke_user(&self, user_id: &str) -> Result<usize, StoreError> {
        Ok(self.store()?.revoke_user(user_id, None).await?)
    }

    /// Ends every session of the organization `organization_id` (`Profile::organization_id`), on every
    /// instance: for a customer who leaves, or whose connection was compromised. Returns how many ended.
    pub async fn revoke_organization(&self, organization_id: &str) -> Result<usize, StoreError> {
        Ok(self.store()?.revoke_organization(organization_id).await?)
    }

    /// Ends every session of the signed-in user except the one making this request ("sign out my
    /// other devices"). Returns how many ended.
    pub async fn revoke_other_sessions(&self) -> Result<usize, StoreError> {
        let store = self.store()?;
        let (key, user) = self.current.as_ref().ok_or(StoreError::NotSignedIn)?;
        Ok(store.revoke_user(user, Some(key)).await?)
    }
}

/// The application's [`SessionStore`], with the request's own session for
/// [`SessionStore::revoke_other_sessions`]. Fails with 500 without the fairing.
#[rocket::async_trait]
impl<'r> FromRequest<'r> for SessionStore {
    type Error = crate::Unauthenticated;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(sso) = request.rocket().state::<crate::sso::Sso>() else {
            return Outcome::Error((
                rocket::http::Status::InternalServerError,
                crate::Unauthenticated,
            ));
        };
        let store = sso.sessions.store().cloned();
        let current = match (&store, crate::guard::current_session(sso, request).await) {
            (Some(_), Ok(Some(session))) => sso
                .sessions
                .key_of(request.cookies())
                .map(|key| (key, session.profile.id.clone())),
            _ => None,
        };
        Outcome::Success(SessionStore { store, current })
    }
}

impl rocket::Sentinel for SessionStore {
    fn abort(rocket: &Rocket<rocket::Ignite>) -> bool {
        crate::guard::missing_fairing(rocket, "SessionStore")
    }
}

/// The server-side store's settings, as read from the `workos` table.
#[derive(Clone)]
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) struct StoreSettings {
    /// The store's URL (`redis://…` or `rediss://…`); it may carry a password, so it is never printed
    /// whole.
    pub(crate) url: String,
    /// Where the URL was read, for messages.
    pub(crate) from: String,
    /// Sessions unused this long end (sliding); `None`: only the absolute lifetime.
    pub(crate) idle_timeout: Option<std::time::Duration>,
    /// How long an instance trusts a session it read from the store.
    pub(crate) cache: std::time::Duration,
    /// The longest one call to the store may take before the request answers 503.
    pub(crate) timeout: std::time::Duration,
}

/// The URL without its password.
impl fmt::Debug for StoreSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreSettings")
            .field("url", &redacted(&self.url))
            .field("idle_timeout", &self.idle_timeout)
            .field("cache", &self.cache)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// `url` without its password, for messages and logs.
pub(crate) fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("redacted"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(not a URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

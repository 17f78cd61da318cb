//! Revoking sessions from the application: the [`SessionStore`] handle (a request guard, and
//! [`SessionStore::of`] for fairings and background tasks) over the server-side store.

use std::fmt;
use std::sync::Arc;

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Phase, Rocket};

use crate::store::{RedisStore, SessionKey, Unavailable};

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
        let current = match (&store, sso.sessions.of_request(request).await) {
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
        crate::sso::missing_fairing(rocket, "SessionStore")
    }
}

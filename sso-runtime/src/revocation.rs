//! Revoking sessions from the application: the [`Revocation`] handle (a request guard, and
//! [`Revocation::of`] for fairings and background tasks) over the server-side store.

use std::fmt;
use std::sync::Arc;

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Phase, Rocket};

use crate::audit::{self, AuditEvent, Hook, Outcome as AuditOutcome};
use crate::store::{RedisStore, SessionKey, Swept};

/// Why a revocation did not happen. The messages name the fix and never carry a session's id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// Sessions are stateless cookies, which cannot be revoked before they expire.
    #[error(
        "sessions are stateless cookies and cannot be revoked; set `workos.session_store` (or \
         WORKOS_SESSION_STORE) to a redis:// URL, with the `redis` feature of rocket-workos-sso"
    )]
    NotConfigured,
    /// "Sign out my other sessions" needs the request's own session, and it had none.
    #[error("the request has no server-side session of its own to keep")]
    NotSignedIn,
    /// The store did not answer in time or failed before the revocation took effect: nothing was
    /// revoked. Try again.
    #[error("the session store is unavailable; nothing was revoked, try again")]
    Unavailable,
    /// The revocation took effect (every session it names is refused from now on, on every instance),
    /// and the store stopped answering while it deleted them: `ended` were deleted by this call. Call
    /// again to delete the rest and count them; nothing is counted twice.
    #[error(
        "the sessions are revoked, but the session store stopped answering while deleting them \
         ({ended} deleted); call again to finish"
    )]
    Incomplete {
        /// How many sessions this call deleted before the store stopped answering.
        ended: usize,
    },
}

impl From<Swept> for RevocationError {
    fn from(swept: Swept) -> Self {
        match swept {
            Swept::NotMarked => RevocationError::Unavailable,
            Swept::Interrupted { ended } => RevocationError::Incomplete { ended },
        }
    }
}

/// The application's sessions on the server: revoke every session of a user or of an organization, or
/// the other sessions of the signed-in user. A request guard in handlers, and
/// [`Revocation::of`] for fairings and background tasks.
///
/// A revoked session is refused on its next request on every instance, at most `session_cache_ms`
/// (default 1000 ms) later on instances other than the one that revoked it. Without a server-side store
/// (`workos.session_store`) every method answers [`RevocationError::NotConfigured`].
///
/// ```rust,no_run
/// use rocket::{get, post};
/// use rocket_workos_sso::{workos_sso, Profile, Revocation};
///
/// /// An administrator signs everyone of their organization out, on every instance.
/// #[workos_sso(role = "admin")]
/// #[post("/admin/sign-out-everyone")]
/// async fn sign_out_everyone(profile: Profile, store: Revocation) -> Result<String, String> {
///     let organization = profile.organization_id.clone().unwrap_or_default();
///     let ended = store.revoke_organization(&organization).await.map_err(|e| e.to_string())?;
///     Ok(format!("{ended} sessions ended"))
/// }
///
/// /// "Sign out my other devices": every session of this user but the one making the request.
/// #[workos_sso]
/// #[post("/account/sign-out-others")]
/// async fn sign_out_others(_profile: Profile, store: Revocation) -> Result<String, String> {
///     let ended = store.revoke_other_sessions().await.map_err(|e| e.to_string())?;
///     Ok(format!("{ended} other sessions ended"))
/// }
/// ```
#[derive(Clone)]
pub struct Revocation {
    store: Option<Arc<RedisStore>>,
    /// The request's own session and its user, for [`Revocation::revoke_other_sessions`].
    current: Option<(SessionKey, String)>,
    /// The application's audit hook.
    audit: Option<Hook>,
}

impl fmt::Debug for Revocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Revocation")
            .field("server_side", &self.is_server_side())
            .finish_non_exhaustive()
    }
}

impl Revocation {
    /// The store of a launched application, for fairings and background tasks; `None` without the
    /// fairing or before it ran.
    pub fn of<P: Phase>(rocket: &Rocket<P>) -> Option<Revocation> {
        let sso = rocket.state::<crate::sso::Sso>()?;
        Some(Revocation {
            store: sso.sessions.store().cloned(),
            current: None,
            audit: sso.audit.clone(),
        })
    }

    /// Whether sessions live on the server (and can be revoked), rather than in stateless cookies.
    pub fn is_server_side(&self) -> bool {
        self.store.is_some()
    }

    fn store(&self) -> Result<&RedisStore, RevocationError> {
        self.store.as_deref().ok_or(RevocationError::NotConfigured)
    }

    /// Ends every session of the user whose profile id is `user_id` (`Profile::id`), on every instance.
    /// Returns how many sessions ended.
    ///
    /// The revocation takes effect in one short step (a marker that every read of a session checks),
    /// then the sessions are deleted in batches of a few hundred, so even an organization with hundreds
    /// of thousands of sessions never holds Redis for more than a few milliseconds at a time. Safe to
    /// call again after an error.
    pub async fn revoke_user(&self, user_id: &str) -> Result<usize, RevocationError> {
        let ended = self
            .store()?
            .revoke_user(user_id, None, crate::now())
            .await?;
        let mut event = AuditEvent::new(AuditOutcome::Revoked).reason("user");
        event.profile_id = Some(user_id.to_owned());
        Ok(self.revoked(event, ended))
    }

    /// Records a revocation that ended `ended` sessions in the audit trail.
    fn revoked(&self, mut event: AuditEvent, ended: usize) -> usize {
        event.sessions_ended = Some(ended);
        audit::record(self.audit.as_ref(), &event);
        ended
    }

    /// Ends every session of the organization `organization_id` (`Profile::organization_id`), on every
    /// instance: for a customer who leaves, or whose connection was compromised. Returns how many ended;
    /// as [`Revocation::revoke_user`], in one step then in batches.
    pub async fn revoke_organization(
        &self,
        organization_id: &str,
    ) -> Result<usize, RevocationError> {
        let ended = self
            .store()?
            .revoke_organization(organization_id, crate::now())
            .await?;
        let event = AuditEvent::new(AuditOutcome::Revoked)
            .reason("organization")
            .organization(Some(organization_id));
        Ok(self.revoked(event, ended))
    }

    /// Ends every session of the signed-in user except the one making this request ("sign out my
    /// other devices"). Returns how many ended.
    pub async fn revoke_other_sessions(&self) -> Result<usize, RevocationError> {
        let store = self.store()?;
        let (key, user) = self.current.as_ref().ok_or(RevocationError::NotSignedIn)?;
        let ended = store.revoke_user(user, Some(key), crate::now()).await?;
        let mut event = AuditEvent::new(AuditOutcome::Revoked).reason("other_sessions");
        event.profile_id = Some(user.clone());
        Ok(self.revoked(event, ended))
    }
}

/// The application's [`Revocation`], with the request's own session for
/// [`Revocation::revoke_other_sessions`]. Fails with 500 without the fairing.
#[rocket::async_trait]
impl<'r> FromRequest<'r> for Revocation {
    type Error = crate::GuardError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(sso) = request.rocket().state::<crate::sso::Sso>() else {
            return Outcome::Error((
                rocket::http::Status::InternalServerError,
                crate::GuardError::NotConfigured,
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
        Outcome::Success(Revocation {
            store,
            current,
            audit: sso.audit.clone(),
        })
    }
}

impl rocket::Sentinel for Revocation {
    fn abort(rocket: &Rocket<rocket::Ignite>) -> bool {
        crate::sso::missing_fairing(rocket, "Revocation")
    }
}

/// The former name of [`Revocation`], which read like a storage backend.
#[deprecated(
    since = "0.1.0",
    note = "renamed `Revocation`: it revokes sessions, it does not store them"
)]
pub type SessionStore = Revocation;

/// The former name of [`RevocationError`].
#[deprecated(since = "0.1.0", note = "renamed `RevocationError`")]
pub type StoreError = RevocationError;

//! Request guards: [`Profile`] (and `Option<Profile>`) for any handler, and the `Protected` guard that
//! `#[workos_sso]` adds to the handlers it protects. Both refuse to launch without the fairing.
//!
//! A guard cannot answer a request itself, so a refusal leaves a [`Challenge`] or a [`Refusal`] in the
//! request's local cache and fails with 401 or 403; the catchers the fairing registers turn that into a
//! redirect to the login route, a 401 JSON body or a 403 page.

use std::marker::PhantomData;
use std::sync::Arc;

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use crate::audit::{self, AuditEvent, Outcome as AuditOutcome};
use crate::client::profile::Profile;
use crate::client::WorkosClient;
use crate::codec::Session;
use crate::handler::{Candidate, Handler};
use crate::policy::{authorize, tenant_refusal, Forbidden};
use crate::reply::{Challenge, Refusal, StoreDown};
use crate::sso::Sso;
use crate::store::Unavailable;
use crate::tenant::{NoTenant, Tenancy, Tenant};

fn challenge<T>(request: &Request<'_>, login_url: String) -> Outcome<T, GuardError> {
    request.local_cache(|| Challenge(Some(login_url)));
    Outcome::Error((Status::Unauthorized, GuardError::SignedOut))
}

/// Why a guard of the library failed. The status it fails with says the same, and the library's
/// catchers answer each (a handler that takes `Result<Profile, GuardError>` answers it itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuardError {
    /// Nobody is signed in (401): a browser is sent to sign in, an API client gets JSON with a
    /// `login_url`.
    SignedOut,
    /// Signed in, but not as someone this page serves: another organization or tenant, or without the
    /// role or groups it requires (403).
    Forbidden,
    /// The request's tenant is unknown to the application's resolver (404).
    UnknownTenant,
    /// The session store did not answer in time: neither signed in nor signed out (503).
    StoreUnavailable,
    /// The WorkOS SSO fairing is not attached, or did not see this handler (500).
    NotConfigured,
}

/// The former name of [`GuardError`], from when it had no variants.
#[deprecated(
    since = "0.1.0",
    note = "renamed `GuardError`, whose variants say why the guard failed"
)]
pub type Unauthenticated = GuardError;

/// The signed-in user. Fails with 401 (and a redirect to sign in, for a browser) when nobody is
/// signed in; `Option<Profile>` never fails and gives `None` instead.
///
/// In a handler under `#[workos_sso]`, this guard applies that handler's settings: it finds them from
/// the route Rocket matched, and refuses (403) a user of another organization, or without the required
/// role or groups. Elsewhere it accepts anyone signed in.
///
/// With a tenant resolver (`WorkosSso::fairing().tenant(..)`), a request of a tenant admits only that
/// tenant's organization's users (another's session: 403), and a request the resolver calls
/// [`Tenancy::Unknown`] fails with 404. Under `Option<Profile>` both become `None`: the handler sees an
/// anonymous visitor, never the refused user, so it shows no more than it shows anyone signed out. A
/// page that must not render at all for an unknown tenant takes the [`Tenant`] guard as well.
///
/// One thing to know when mixing guards: a 401 is answered by the library's catcher as a sign-in
/// challenge whenever this guard found nobody signed in during the request, even under `Option`. So if
/// a handler takes `Option<Profile>` and another of its guards fails with 401 for a visitor who is not
/// signed in, that visitor is sent to sign in (an API client gets the JSON 401 with a `login_url`)
/// rather than your catcher's answer. Fail such guards with 403 or a forward if that matters.
///
/// With a server-side session store (`workos.session_store`), a request whose session the store cannot
/// read in time fails with 503, never as "signed out"; under `Option` Rocket turns that failure into
/// `None` too, so a page that must not show a signed-in user as signed out during a store outage takes
/// `Result<Profile, GuardError>` and answers the error itself.
///
/// ```rust,no_run
/// use rocket::get;
/// use rocket_workos_sso::Profile;
///
/// #[get("/me")]
/// fn me(profile: Option<Profile>) -> String {
///     match profile {
///         Some(profile) => format!("signed in as {}", profile.email),
///         None => "not signed in".into(),
///     }
/// }
/// ```
#[rocket::async_trait]
impl<'r> FromRequest<'r> for Profile {
    type Error = GuardError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(sso) = request.rocket().state::<Sso>() else {
            return Outcome::Error((Status::InternalServerError, GuardError::NotConfigured));
        };
        let handler = request.route().and_then(|route| sso.handler_of(route));
        let admitted = admit(sso, request, handler).await;
        admitted.map(|session| session.profile.clone())
    }
}

impl Sentinel for Profile {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        if crate::sso::missing_fairing(rocket, "Profile") {
            return true;
        }
        match rocket
            .state::<Sso>()
            .map(|sso| sso.ambiguous_routes(rocket.routes()))
        {
            Some(Err(message)) => {
                rocket::log::private::error!("WorkOS SSO cannot start: {message}");
                true
            }
            _ => false,
        }
    }
}

/// The WorkOS client the fairing built, the one the sign-in flow uses (same pool, timeouts and base URL),
/// for a handler that calls WorkOS itself, say for an Admin Portal link. Fails with 500 without the
/// fairing, which its sentinel reports at launch.
///
/// ```rust,no_run
/// use rocket::get;
/// use rocket::http::Status;
/// use rocket::response::Redirect;
/// use rocket_workos_sso::client::{PortalIntent, PortalLinkRequest};
/// use rocket_workos_sso::{workos_sso, Profile, WorkosClient};
///
/// /// "Set up SSO for your organization": the signed-in admin goes to WorkOS's Admin Portal.
/// #[workos_sso(redirect_uri = "https://app.example.com/callback", client_id = "client_01ABC", role = "admin")]
/// #[get("/settings/sso")]
/// async fn set_up_sso(profile: Profile, workos: &WorkosClient) -> Result<Redirect, Status> {
///     let organization = profile.organization_id.clone().ok_or(Status::Forbidden)?;
///     let request = PortalLinkRequest::new(organization, PortalIntent::Sso);
///     let link = workos.generate_portal_link(&request).await.map_err(|_| Status::BadGateway)?;
///     Ok(Redirect::to(link.expose().to_owned()))
/// }
/// ```
#[rocket::async_trait]
impl<'r> FromRequest<'r> for &'r WorkosClient {
    type Error = GuardError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match request.rocket().state::<Sso>() {
            Some(sso) => Outcome::Success(&sso.client),
            None => Outcome::Error((Status::InternalServerError, GuardError::NotConfigured)),
        }
    }
}

impl Sentinel for &WorkosClient {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        crate::sso::missing_fairing(rocket, "&WorkosClient")
    }
}

/// The guard `#[workos_sso]` adds, as a hidden first parameter, to a protected handler that takes no
/// `Profile` of its own. It succeeds only for a session whose profile the handler's configuration
/// accepts: from the pinned organization or connection, with the required role and groups.
pub struct Protected<M: Handler> {
    handler: PhantomData<M>,
}

#[rocket::async_trait]
impl<'r, M: Handler> FromRequest<'r> for Protected<M> {
    type Error = GuardError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(sso) = request.rocket().state::<Sso>() else {
            return Outcome::Error((Status::InternalServerError, GuardError::NotConfigured));
        };
        // Every registered handler has its candidate; a marker the fairing did not see (the handler
        // was compiled into another program) is refused rather than admitted without its settings.
        let Some(handler) = sso.handler(M::config()) else {
            return Outcome::Error((Status::InternalServerError, GuardError::NotConfigured));
        };
        admit(sso, request, Some(handler)).await.map(|_| Protected {
            handler: PhantomData,
        })
    }
}

impl<M: Handler> Sentinel for Protected<M> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        crate::sso::missing_fairing(
            rocket,
            &format!("#[workos_sso] on `{}`", M::config().handler),
        )
    }
}

/// The request's session, if the `handler`'s settings (none for a plain `Profile` guard) and the
/// request's tenant admit its user; otherwise the challenge (401) or the refusal (403) that the catchers
/// answer with.
async fn admit(
    sso: &Sso,
    request: &Request<'_>,
    handler: Option<&Candidate>,
) -> Outcome<Arc<Session>, GuardError> {
    let handler = handler.and_then(|handler| Some((handler, sso.flows.get(&handler.flow)?)));
    let tenancy = tenancy(sso, request);
    // Tenant-scoped, but no tenant's: nothing here for anyone, signed in or not, pinned handler or not.
    if *tenancy == Tenancy::Unknown {
        return Outcome::Error((Status::NotFound, GuardError::UnknownTenant));
    }
    // The request's tenant's organization: every guard admits only its users, a pinned handler's too
    // (whose `Tenant` guard would otherwise hand one tenant to another's users).
    let tenant = tenancy.tenant().map(Tenant::organization_id);
    let pinned = handler.is_some_and(|(_, flow)| flow.login.selector.is_some());
    let login = || {
        let return_to = request.uri().to_string();
        let mut url = match handler {
            Some((handler, _)) => sso.login_url(&handler.flow, &return_to),
            None => sso.default_login_url(&return_to),
        };
        // Where to sign in: the tenant's organization, but a pinned handler's pin decides.
        if let Some(organization) = tenant.filter(|_| !pinned) {
            url.push_str("&organization=");
            url.extend(url::form_urlencoded::byte_serialize(
                organization.as_bytes(),
            ));
        }
        url
    };
    let session = match sso.sessions.of_request(request).await {
        Ok(Some(session)) => session,
        Ok(None) => return challenge(request, login()),
        // Neither signed in nor signed out: the store cannot say, so the request waits for it.
        Err(Unavailable) => {
            request.local_cache(|| StoreDown(true));
            return Outcome::Error((Status::ServiceUnavailable, GuardError::StoreUnavailable));
        }
    };
    let profile = &session.profile;
    // Signed in through another tenant, organization, connection or provider is not signed in for this
    // page: the refusal offers to sign in through the right one.
    let other_tenant =
        tenant.is_some_and(|organization| profile.organization_id.as_deref() != Some(organization));
    let refusal = if other_tenant && !pinned {
        Some((
            "this page belongs to another organization".to_owned(),
            Some(login()),
        ))
    } else if let Some((handler, flow)) = handler {
        match tenant_refusal(profile, &flow.login) {
            // From the pin, but not of this tenant: no sign-in through the pin could serve this page.
            None if other_tenant => {
                Some(("this page belongs to another organization".to_owned(), None))
            }
            None => authorize(profile, handler.config)
                .err()
                .map(|Forbidden(reason)| (reason, None)),
            Some(reason) => Some((reason.to_owned(), Some(login()))),
        }
    } else {
        None
    };
    match refusal {
        None => Outcome::Success(session),
        Some((reason, login_url)) => {
            let refused = AuditEvent::new(AuditOutcome::Refused)
                .profile(profile)
                .ip(request.client_ip())
                .reason(reason.clone());
            audit::record(sso.audit.as_ref(), &refused);
            request.local_cache(|| Refusal {
                reason: Some(reason),
                login_url,
            });
            Outcome::Error((Status::Forbidden, GuardError::Forbidden))
        }
    }
}

/// The request's tenancy by the application's resolver, asked once per request: every guard, the
/// [`Tenant`] guard included, reads this one answer.
fn tenancy<'r>(sso: &Sso, request: &'r Request<'_>) -> &'r Tenancy {
    struct Resolved(Tenancy);
    &request.local_cache(|| Resolved(sso.tenant_of(request))).0
}

/// The tenant of the request, as the library's guards checked it (see [`Tenant`] for an example).
#[rocket::async_trait]
impl<'r> FromRequest<'r> for Tenant {
    type Error = NoTenant;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(sso) = request.rocket().state::<Sso>() else {
            return Outcome::Error((Status::InternalServerError, NoTenant));
        };
        match tenancy(sso, request).tenant() {
            Some(tenant) => Outcome::Success(tenant.clone()),
            None => Outcome::Error((Status::NotFound, NoTenant)),
        }
    }
}

impl Sentinel for Tenant {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        if crate::sso::missing_fairing(rocket, "Tenant") {
            return true;
        }
        let no_resolver = rocket
            .state::<Sso>()
            .is_some_and(|sso| sso.tenant.is_none());
        if no_resolver {
            rocket::log::private::error!(
                "a route takes `Tenant` but the WorkOS SSO fairing has no tenant resolver, so every \
                 request would be refused; give it one, such as \
                 `WorkosSso::fairing().tenant(TenantPaths::under(\"/t\").tenant(\"acme\", \"org_...\"))`"
            );
        }
        no_resolver
    }
}

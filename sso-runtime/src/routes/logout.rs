//! The logout route: end the session (on every instance with the store), and Single Logout when the
//! application asked for it.

use rocket::http::{Method, Status};
use rocket::request::Request;
use rocket::route::{self, Handler};
use rocket::Data;

use super::*;
use crate::audit::{self, AuditEvent, Outcome};
use crate::client::profile::ConnectionType;
use crate::flow::login_state::{self};
use crate::reply::{Problem, Reply};
use crate::sso::Sso;

#[derive(Clone)]
pub(super) struct Logout;

#[rocket::async_trait]
impl Handler for Logout {
    async fn handle<'r>(&self, request: &'r Request<'_>, _: Data<'r>) -> route::Outcome<'r> {
        let reply = match request.rocket().state::<Sso>() {
            Some(sso) => logout(sso, request).await,
            None => no_wiring(),
        };
        route::Outcome::from(request, reply)
    }
}

/// Ends the session (on every instance, when sessions live in a store), then sends the browser to
/// `workos.logout_redirect`; or, for a `POST` with Single Logout on and a profile of an OIDC
/// connection, to WorkOS to end the identity provider's session too.
///
/// A `GET` (a link, or the identity provider's own logout arriving through WorkOS, which any site can
/// also trigger) only ends this browser's session: it never starts a Single Logout, so a cross-site
/// page can at worst sign the user out of this application, as clearing cookies would (SECURITY.md).
async fn logout(sso: &Sso, request: &Request<'_>) -> Reply {
    let single_logout = sso.single_logout && request.method() == Method::Post;
    let session = sso.sessions.of_request(request).await.ok().flatten();
    let profile = session
        .as_ref()
        .filter(|session| {
            single_logout && session.profile.connection_type == ConnectionType::GenericOIDC
        })
        .map(|session| session.profile.id.clone());
    if sso.sessions.end(request.cookies()).await.is_err() {
        // The session is still valid on the server, so the browser keeps its cookie to try again.
        return Problem::new(
            Status::ServiceUnavailable,
            "session_store_unavailable",
            "Sign-out could not be completed",
            "Your session could not be ended right now. Please try signing out again in a moment.",
        )
        .into();
    }
    if let Some(session) = &session {
        let event = AuditEvent::new(Outcome::SignedOut)
            .profile(&session.profile)
            .ip(request.client_ip());
        audit::record(sso.audit.as_ref(), &event);
    }
    login_state::forget_next_slot(request.cookies(), sso.secure_cookies);
    if let Some(profile) = profile {
        match sso.client.authorize_logout(&profile).await {
            Ok(logout) => return Reply::Redirect(logout.logout_url.expose().to_owned()),
            // The application's session is over either way; the identity provider's may outlive it.
            Err(error) => rocket::log::private::warn!(
                "WorkOS SSO: Single Logout could not start, so only the application's session ended: \
                 {error}"
            ),
        }
    }
    Reply::Redirect(sso.settings.logout_redirect.clone())
}

//! The callback route: check the login cookie for the state, exchange the code once, check the
//! profile, ask the application's approval hook, and start the session.

use rocket::http::Status;
use rocket::request::Request;
use rocket::route::{self, Handler};
use rocket::Data;

use super::*;
use crate::audit::{self, Outcome};
use crate::client::{
    ApiErrorKind, AuthorizationCode, PkceVerifier, TransportErrorKind, WorkosError,
};
use crate::codec::{self, fit_profile};
use crate::flow::login_state::{self, LoginState, StateError};
use crate::hooks::Approval;
use crate::now;
use crate::policy::{profile_is_from, tenant_refusal};
use crate::reply::{store_unavailable, Problem, Reply};
use crate::sso::{Flow, Sso};
use crate::store::Unavailable;

/// The callback route mounted at `path` (a callback path of some flow).
#[derive(Clone)]
pub(super) struct Callback {
    pub(super) path: String,
}

#[rocket::async_trait]
impl Handler for Callback {
    async fn handle<'r>(&self, request: &'r Request<'_>, _: Data<'r>) -> route::Outcome<'r> {
        let reply = match request.rocket().state::<Sso>() {
            Some(sso) => {
                let result = callback(sso, request, &self.path).await;
                audit_callback(sso, request, &result);
                result.unwrap_or_else(Reply::from)
            }
            None => no_wiring(),
        };
        route::Outcome::from(request, reply)
    }
}

/// The callback's audit event: signed in, refused (organization, IdP-initiated, the approval hook) or
/// failed (everything else), with the profile when WorkOS returned one. A callback that only starts the
/// login over (an IdP-initiated one) records nothing: the login it starts will.
fn audit_callback(sso: &Sso, request: &Request<'_>, result: &Result<Reply, Problem>) {
    let note = audit::Note::of(request);
    let (event, reason) = match result {
        Ok(_) => match note.event(Outcome::SignedIn, request.client_ip()) {
            (event, _) if event.profile_id.is_some() => (event, None),
            _ => return,
        },
        Err(problem) => {
            let refused = matches!(
                problem.code.as_str(),
                "wrong_organization" | "idp_initiated_refused" | "sign_in_refused"
            );
            let outcome = if refused {
                Outcome::Refused
            } else {
                Outcome::Failed
            };
            let (event, noted) = note.event(outcome, request.client_ip());
            let reason = match (noted, problem.code.as_str()) {
                (Some(noted), _) => noted.to_owned(),
                (None, "sign_in_refused") => format!("sign_in_refused: {}", problem.detail),
                (None, code) => code.to_owned(),
            };
            (event, Some(reason))
        }
    };
    let event = match reason {
        Some(reason) => event.reason(reason),
        None => event,
    };
    audit::record(sso.audit.as_ref(), &event);
}

/// Finishes a login: the state must match a login this browser started (checked before WorkOS is
/// called), the code is exchanged once, the profile must come from the identity provider that was asked,
/// and only then does the session start.
///
/// `path` is the callback path the route is mounted at, which the login cookies are scoped to (the
/// request's own path may spell it differently, percent-encoded).
async fn callback(sso: &Sso, request: &Request<'_>, path: &str) -> Result<Reply, Problem> {
    let restart = sso.default_login_url("/");
    let secure_flow = |key: &str| sso.flows.get(key).is_some_and(|flow| flow.secure);
    let cookies = (path, sso.secure_cookies);
    let login = match query(request, "state") {
        Some(state) => Some(login_state::take(request.cookies(), &sso.key, state, cookies, now(), secure_flow).map_err(|error| {
            let detail = match error {
                StateError::Unknown => {
                    "This sign-in response does not match a sign-in started in this browser. It may have been \
                     used already. Please sign in again."
                }
                StateError::Expired => "The sign-in took too long. Please sign in again.",
            };
            Problem::new(Status::BadRequest, "invalid_state", "Sign-in could not be completed", detail)
                .with_login_url(restart.clone())
        })?),
        None => None,
    };
    // The cookie said this browser started the login; the store (when sessions live in one) says it
    // was not finished before, whatever cookie the browser sent. Only a valid sealed login gets here,
    // so a request without one writes nothing to the store.
    if let (Some(store), Some(login), Some(state)) =
        (sso.sessions.store(), &login, query(request, "state"))
    {
        let left = std::time::Duration::from_secs((login.expires_at - now()).max(1).unsigned_abs());
        match store.take_login(state, left).await {
            Ok(true) => {}
            Ok(false) => {
                audit::Note::of(request).reason("state_replayed");
                return Err(Problem::new(
                    Status::BadRequest,
                    "invalid_state",
                    "Sign-in could not be completed",
                    "This sign-in response was used already. Please sign in again.",
                )
                .with_login_url(restart));
            }
            Err(Unavailable) => return Err(store_unavailable().with_login_url(restart)),
        }
    }
    // Once the login is known, "sign in again" restarts that login, not the app's default one.
    let restart = login
        .as_ref()
        .and_then(|login| restart_url(sso, login))
        .unwrap_or(restart);
    if let Some(error) = query(request, "error") {
        return Err(callback_error(
            error,
            query(request, "error_description"),
            &restart,
        ));
    }
    let code = query(request, "code").ok_or_else(|| {
        Problem::new(
            Status::BadRequest,
            "missing_code",
            "Sign-in could not be completed",
            "Your identity provider sent you back here without signing you in. Please sign in again.",
        )
        .with_login_url(restart.clone())
    })?;
    let (flow, login) = match login {
        Some(login) => {
            let flow = sso.flows.get(&login.flow).ok_or_else(|| {
                Problem::new(
                    Status::BadRequest,
                    "unknown_flow",
                    "Sign-in could not be completed",
                    "This sign-in was started by another version of the application. Please sign in again.",
                )
                .with_login_url(restart.clone())
            })?;
            (flow, Some(login))
        }
        None => {
            let (key, flow) = idp_initiated_flow(sso, path, &restart)?;
            // Anyone can send a victim a callback URL carrying the sender's own code: exchanged, it
            // would sign the victim in as the sender. So the login starts over from this site, pinned
            // to the flow's organization or connection (the identity provider's session makes it
            // instant), and only a code that comes back with its state is exchanged.
            if !sso.exchange_unsolicited_codes {
                return Ok(Reply::Redirect(sso.login_url(key, "/")));
            }
            (flow, None)
        }
    };
    // The verifier of a login this site started is derived from its state; an IdP-initiated one has
    // none.
    let verifier = match (&login, query(request, "state")) {
        (Some(_), Some(state)) => Some(
            PkceVerifier::new(sso.key.pkce_verifier(state)).unwrap_or_else(|_| {
                unreachable!("43 characters of URL-safe base64 make a verifier")
            }),
        ),
        _ => None,
    };
    let signed_in = sso
        .client
        .exchange_code(&AuthorizationCode::new(code), verifier.as_ref())
        .await
        .map_err(|error| exchange_problem(&error, &restart))?;
    // What the login asked for, else the flow's pin (only pinned flows accept IdP-initiated logins).
    let expected = login
        .as_ref()
        .and_then(|login| login.expected.clone())
        .or_else(|| flow.login.selector.clone())
        .ok_or_else(|| {
            Problem::new(
                Status::Forbidden,
                "idp_initiated_refused",
                "Sign-in refused",
                "Please sign in from this site.",
            )
        })?;
    let profile = signed_in.profile;
    audit::Note::of(request).profile(&profile);
    // The login's own choice, then the flow's tenant policy: a provider sign-in reaches an unpinned flow
    // only if its handlers list the provider, however the login state came to name it.
    if !profile_is_from(&profile, &expected) || tenant_refusal(&profile, &flow.login).is_some() {
        rocket::log::private::warn!(
            "WorkOS SSO: refused a profile from another organization, connection or provider (expected \
             {expected:?})"
        );
        return Err(Problem::new(
            Status::Forbidden,
            "wrong_organization",
            "Sign-in refused",
            "Your account belongs to an organization that cannot sign in here.",
        )
        .with_login_url(restart));
    }
    approve(sso, request, &profile, &restart).await?;
    let profile = fit_profile(profile, &sso.required);
    let session = sso
        .sessions
        .start(&profile, now(), sso.settings.session_lifetime, flow.secure)
        .await
        .map_err(|Unavailable| store_unavailable().with_login_url(restart.clone()))?;
    let Some(session) = session else {
        rocket::log::private::error!(
            "WorkOS SSO: the profile's id, email, organization and connection alone exceed the {} bytes a \
             session cookie holds; no session was started",
            codec::MAX_SESSION_PLAINTEXT
        );
        return Err(Problem::new(
            Status::BadGateway,
            "profile_too_large",
            "Sign-in failed",
            "Your identity provider sent an account too large to sign in with. Please contact your \
             administrator.",
        )
        .with_login_url(restart));
    };
    request.cookies().add(session);
    let return_to = login.map_or_else(|| "/".to_owned(), |login| login.return_to);
    Ok(Reply::Redirect(return_to))
}

/// The application's approval hook, if it gave one: refused is a 403 page with its reason, an error a 503
/// page (logged, not shown); no session either way.
async fn approve(
    sso: &Sso,
    request: &Request<'_>,
    profile: &crate::Profile,
    restart: &str,
) -> Result<(), Problem> {
    let Some(hook) = &sso.approve else {
        return Ok(());
    };
    match hook.approve(request, profile).await {
        Ok(Approval::Accept) => Ok(()),
        Ok(Approval::Refuse(reason)) => Err(Problem::new(
            Status::Forbidden,
            "sign_in_refused",
            "Sign-in refused",
            reason,
        )
        .with_login_url(restart.to_owned())),
        Err(error) => {
            rocket::log::private::error!("WorkOS SSO: the approval hook failed: {error}");
            Err(Problem::new(
                Status::ServiceUnavailable,
                "approval_unavailable",
                "Sign-in is unavailable",
                "Your account could not be checked right now. Please try again in a moment.",
            )
            .with_login_url(restart.to_owned()))
        }
    }
}

/// The login route URL that starts `login` over: same flow, same identity provider, same `return_to`.
fn restart_url(sso: &Sso, login: &LoginState) -> Option<String> {
    let flow = sso.flows.get(&login.flow)?;
    let mut url = sso.login_url(&login.flow, &login.return_to);
    if let (None, Some(expected)) = (&flow.login.selector, &login.expected) {
        let (name, value) = expected.query_pair();
        let value: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        url.push_str(&format!("&{name}={value}"));
    }
    Some(url)
}

/// The flow that accepts an IdP-initiated login at `path`, if any opted in.
fn idp_initiated_flow<'a>(
    sso: &'a Sso,
    path: &'a str,
    restart: &str,
) -> Result<(&'a String, &'a Flow), Problem> {
    sso.flows_at(path)
        .find(|(_, flow)| flow.login.allow_idp_initiated)
        .ok_or_else(|| {
            Problem::new(
                Status::BadRequest,
                "missing_state",
                "Sign-in could not be completed",
                "Sign-ins must start from this site. Please sign in again.",
            )
            .with_login_url(restart.to_owned())
        })
}

/// WorkOS's `?error=` callback, shown without trusting its description (it is logged, not displayed).
fn callback_error(error: &str, description: Option<&str>, restart: &str) -> Problem {
    // Both values come from the query string: quoted and escaped, so they cannot forge log lines.
    rocket::log::private::warn!(
        "WorkOS SSO: sign-in failed with {error:?}: {:?}",
        description.unwrap_or("-")
    );
    let (status, title, detail) = match error {
        "access_denied" | "signin_consent_denied" => (
            Status::Forbidden,
            "Sign-in cancelled",
            "The sign-in was cancelled, or your identity provider did not allow it. You can sign in again \
             whenever you are ready.",
        ),
        "profile_not_allowed_outside_organization" => (
            Status::Forbidden,
            "Sign-in failed",
            "Your account is not allowed to sign in to this organization.",
        ),
        "server_error" | "oauth_failed" => (
            Status::BadGateway,
            "Sign-in failed",
            "Your identity provider could not complete the sign-in. Please try again.",
        ),
        _ => (
            Status::BadRequest,
            "Sign-in failed",
            "Single sign-on is not set up correctly for this organization. Please contact your administrator.",
        ),
    };
    // Only well-formed codes are echoed; anything else is shown as `sso_error`.
    let code = if error.len() <= 64 && error.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        error.to_owned()
    } else {
        "sso_error".to_owned()
    };
    Problem::new(status, code, title, detail).with_login_url(restart.to_owned())
}

/// A failed code exchange, mapped to the status that tells the user (and monitoring) whose fault it is.
fn exchange_problem(error: &WorkosError, restart: &str) -> Problem {
    rocket::log::private::error!("WorkOS SSO: code exchange failed: {error}");
    let (status, code, detail) = match (error.api_kind(), error.transport_kind()) {
        (Some(ApiErrorKind::InvalidGrant), _) => (
            Status::BadRequest,
            "invalid_grant",
            "This sign-in link has expired or was already used. Please sign in again.",
        ),
        (Some(ApiErrorKind::RateLimited), _) | (_, Some(TransportErrorKind::Connect)) => (
            Status::ServiceUnavailable,
            "workos_unavailable",
            "The sign-in service is unavailable right now. Please try again in a moment.",
        ),
        (_, Some(TransportErrorKind::Timeout)) => (
            Status::GatewayTimeout,
            "workos_timeout",
            "The sign-in service did not answer in time. Please try again.",
        ),
        _ => (
            Status::BadGateway,
            "workos_error",
            "The sign-in service failed. Please try again.",
        ),
    };
    Problem::new(status, code, "Sign-in failed", detail).with_login_url(restart.to_owned())
}

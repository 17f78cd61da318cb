//! The routes the fairing mounts: login (start a login and send the browser to WorkOS), callback (finish
//! it and start the session) and logout. One set serves every protected handler in the app.

use rocket::http::{Method, Status};
use rocket::request::Request;
use rocket::route::{self, Handler, Route};
use rocket::Data;
use rocket_workos_sso_rules as rules;

use crate::client::profile::ConnectionType;
use crate::client::{
    ApiErrorKind, AuthorizationCode, AuthorizationRequest, ConnectionSelector, PkceVerifier,
    Provider, State, TransportErrorKind, WorkosError,
};
use crate::codec::{self, fit_profile};
use crate::email;
use crate::flow::login_state::{self, LoginState, StateError, LOGIN_TTL_SECS};
use crate::flow::return_to_or_default;
use crate::guard::{profile_is_from, tenant_refusal};
use crate::hooks::Approval;
use crate::now;
use crate::reply::{store_unavailable, Problem, Reply};
use crate::sso::{Flow, Sso};
use crate::store::Unavailable;

/// The routes for `sso`: login and logout at their configured paths, one callback per callback path.
pub(crate) fn routes(sso: &Sso) -> Vec<Route> {
    let mut callback_paths: Vec<&str> = sso.flows.values().map(Flow::callback_path).collect();
    callback_paths.sort_unstable();
    callback_paths.dedup();
    let mut routes = vec![
        Route::new(Method::Get, &sso.settings.login_path, Login),
        Route::new(Method::Get, &sso.settings.logout_path, Logout),
        Route::new(Method::Post, &sso.settings.logout_path, Logout),
        // Sign-in by work email: the form of the page the login route shows posts here.
        Route::new(Method::Post, &sso.settings.login_path, email::EmailSignIn),
    ];
    routes.extend(callback_paths.iter().map(|&path| {
        Route::new(
            Method::Get,
            path,
            Callback {
                path: path.to_owned(),
            },
        )
    }));
    // Without a HEAD route of its own, Rocket answers HEAD by running the GET route: a link checker or
    // prefetcher would then start a login, finish one, or sign the user out.
    let head_paths = [&sso.settings.login_path, &sso.settings.logout_path];
    routes.extend(
        head_paths
            .into_iter()
            .map(String::as_str)
            .chain(callback_paths)
            .map(|path| Route::new(Method::Head, path, Head)),
    );
    routes
}

/// HEAD on the login, callback and logout routes: `204 No Content`, and nothing else happens. These
/// routes act when a browser GETs them, and a HEAD must change nothing.
#[derive(Clone)]
struct Head;

#[rocket::async_trait]
impl Handler for Head {
    async fn handle<'r>(&self, _: &'r Request<'_>, _: Data<'r>) -> route::Outcome<'r> {
        route::Outcome::Success(
            rocket::Response::build()
                .status(Status::NoContent)
                .raw_header("Cache-Control", "no-store")
                .finalize(),
        )
    }
}

pub(crate) fn query<'r>(request: &'r Request<'_>, name: &str) -> Option<&'r str> {
    request
        .query_value::<&str>(name)
        .and_then(Result::ok)
        .filter(|value| !value.is_empty())
}

pub(crate) fn no_wiring() -> Reply {
    Problem::new(
        Status::InternalServerError,
        "not_configured",
        "Sign-in is not set up",
        "The WorkOS SSO fairing is not attached to this application.",
    )
    .into()
}

#[derive(Clone)]
struct Login;

#[rocket::async_trait]
impl Handler for Login {
    async fn handle<'r>(&self, request: &'r Request<'_>, _: Data<'r>) -> route::Outcome<'r> {
        let reply = match request.rocket().state::<Sso>() {
            Some(sso) => login(sso, request).await.unwrap_or_else(Reply::from),
            None => no_wiring(),
        };
        route::Outcome::from(request, reply)
    }
}

/// Starts a login: a fresh state and PKCE verifier, sealed with `return_to` in a per-login cookie, then
/// off to WorkOS. A browser on the login route of a flow without a pin and without a selector in the
/// query is asked for its work email instead.
async fn login(sso: &Sso, request: &Request<'_>) -> Result<Reply, Problem> {
    let (key, flow) = flow_named(sso, query(request, "flow"))?;
    let return_to = return_to_or_default(query(request, "return_to")).to_owned();
    let expected = match &flow.login.selector {
        // A pinned flow signs in through its pin; a selector in the query is still checked, then
        // ignored.
        Some(selector) => {
            query_selectors(request)?;
            selector.clone()
        }
        None if email::is_asked_for(request) => return Ok(email::page(sso, key, &return_to)),
        None => expected_from_query(request, flow.login.providers)?,
    };
    Ok(start_login(sso, request, (key, flow), return_to, expected, None).await)
}

/// The flow `key` names, or the [default flow](Sso::default_flow) without a key.
pub(crate) fn flow_named<'a>(
    sso: &'a Sso,
    key: Option<&str>,
) -> Result<(&'a String, &'a Flow), Problem> {
    match key {
        Some(key) => sso
            .flows
            .get_key_value(key)
            .ok_or_else(|| unknown_flow(sso)),
        None => sso.default_flow().ok_or_else(|| {
            Problem::new(
                Status::NotFound,
                "no_login",
                "Nothing to sign in to",
                "No handler in this application uses #[workos_sso].",
            )
        }),
    }
}

/// A sign-in link (or form) naming a flow this application does not have.
pub(crate) fn unknown_flow(sso: &Sso) -> Problem {
    Problem::new(
        Status::BadRequest,
        "unknown_flow",
        "Sign-in link not recognised",
        "This sign-in link does not belong to this application (or to this version of it).",
    )
    .with_login_url(sso.default_login_url("/"))
}

/// Sends the browser to WorkOS to sign in with `expected` for `flow`, remembering the login in its
/// cookie. `login_hint` (an email the user typed) replaces the flow's own.
pub(crate) async fn start_login(
    sso: &Sso,
    request: &Request<'_>,
    (key, flow): (&String, &Flow),
    return_to: String,
    expected: ConnectionSelector,
    login_hint: Option<&str>,
) -> Reply {
    let state = State::generate();
    let verifier = PkceVerifier::new(sso.key.pkce_verifier(state.expose()))
        .unwrap_or_else(|_| unreachable!("43 characters of URL-safe base64 make a verifier"));
    let mut authorization = AuthorizationRequest::new(flow.redirect_uri.clone(), expected.clone())
        .state(&state)
        .pkce(&verifier);
    if let Some(hint) = flow.login.domain_hint {
        authorization = authorization.domain_hint(hint);
    }
    if let Some(hint) = login_hint.or(flow.login.login_hint) {
        authorization = authorization.login_hint(hint);
    }
    if !flow.login.provider_scopes.is_empty() {
        authorization = authorization.provider_scopes(flow.login.provider_scopes.iter().copied());
    }
    // With a server-side store, the login is recorded there too, so its callback works once even if
    // the browser's cookie is restored.
    if let Some(store) = sso.sessions.store() {
        let ttl = std::time::Duration::from_secs(LOGIN_TTL_SECS.unsigned_abs());
        if store.begin_login(state.expose(), ttl).await.is_err() {
            return store_unavailable().into();
        }
    }
    let login = LoginState {
        return_to: login_state::kept_return_to(return_to),
        flow: key.clone(),
        // The flow's own pin is the flow's to say; only a choice the login made is kept.
        expected: flow.login.selector.is_none().then_some(expected),
        expires_at: now() + LOGIN_TTL_SECS,
    };
    login_state::remember(
        request.cookies(),
        &sso.key,
        (state.expose(), &login),
        flow.callback_path(),
        (flow.secure, sso.secure_cookies),
    );
    Reply::Redirect(sso.client.authorization_url(&authorization).into())
}

/// The selectors in the login route's query, each checked: a malformed one is refused (400
/// `invalid_selector`) on every flow's login, pinned or not, so a bad link fails the same everywhere.
fn query_selectors(
    request: &Request<'_>,
) -> Result<Vec<(&'static str, ConnectionSelector)>, Problem> {
    let given = [
        query(request, "organization").map(|id| {
            (
                "organization",
                ConnectionSelector::Organization(id.to_owned()),
                rules::ORGANIZATION_PREFIXES,
            )
        }),
        query(request, "connection").map(|id| {
            (
                "connection",
                ConnectionSelector::Connection(id.to_owned()),
                rules::CONNECTION_PREFIXES,
            )
        }),
        query(request, "provider").map(|name| {
            (
                "provider",
                ConnectionSelector::Provider(Provider::from(name)),
                // A provider's name: letters and digits, as WorkOS spells them.
                &[""][..],
            )
        }),
    ];
    given
        .into_iter()
        .flatten()
        .map(|(name, selector, prefixes)| {
            let (_, value) = selector.query_pair();
            if rules::is_id(value, prefixes) {
                Ok((name, selector))
            } else {
                Err(Problem::new(
                    Status::BadRequest,
                    "invalid_selector",
                    "This sign-in link is not valid",
                    format!(
                        "The link's `{name}` is not a valid WorkOS value. Sign in from the page you wanted \
                         to open instead."
                    ),
                ))
            }
        })
        .collect()
}

/// The identity provider named in the login route's query of an unpinned flow: exactly one of three
/// parameters, and a provider only if the flow's handlers list it in `providers`.
fn expected_from_query(
    request: &Request<'_>,
    providers: &[&str],
) -> Result<ConnectionSelector, Problem> {
    let mut given = query_selectors(request)?.into_iter();
    let (Some((_, expected)), None) = (given.next(), given.next()) else {
        return Err(Problem::new(
            Status::BadRequest,
            "missing_selector",
            "Which identity provider?",
            "Say where to sign in with exactly one of ?organization=org_…, ?connection=conn_… or \
             ?provider=GoogleOAuth.",
        ));
    };
    if let ConnectionSelector::Provider(provider) = &expected {
        if !providers
            .iter()
            .any(|listed| Provider::from(*listed) == *provider)
        {
            return Err(Problem::new(
                Status::BadRequest,
                "provider_not_allowed",
                "Sign-in method not available",
                "This application does not accept this sign-in method. Please sign in with your \
                 organization's account.",
            ));
        }
    }
    Ok(expected)
}

/// The callback route mounted at `path` (a callback path of some flow).
#[derive(Clone)]
struct Callback {
    path: String,
}

#[rocket::async_trait]
impl Handler for Callback {
    async fn handle<'r>(&self, request: &'r Request<'_>, _: Data<'r>) -> route::Outcome<'r> {
        let reply = match request.rocket().state::<Sso>() {
            Some(sso) => callback(sso, request, &self.path)
                .await
                .unwrap_or_else(Reply::from),
            None => no_wiring(),
        };
        route::Outcome::from(request, reply)
    }
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
    // was not finished before, whatever cookie the browser sent.
    if let (Some(store), Some(_), Some(state)) =
        (sso.sessions.store(), &login, query(request, "state"))
    {
        match store.finish_login(state).await {
            Ok(true) => {}
            Ok(false) => {
                return Err(Problem::new(
                    Status::BadRequest,
                    "invalid_state",
                    "Sign-in could not be completed",
                    "This sign-in response was used already. Please sign in again.",
                )
                .with_login_url(restart))
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

#[derive(Clone)]
struct Logout;

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
    let profile = if single_logout {
        crate::guard::current_session(sso, request)
            .await
            .ok()
            .flatten()
            .filter(|session| session.profile.connection_type == ConnectionType::GenericOIDC)
            .map(|session| session.profile.id.clone())
    } else {
        None
    };
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

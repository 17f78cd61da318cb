//! The login route: start a login (state, PKCE, the login cookie) and send the browser to WorkOS; the
//! work-email page for an unpinned flow without a selector.

use rocket::http::Status;
use rocket::request::Request;
use rocket::route::{self, Handler};
use rocket::Data;
use rocket_workos_sso_rules as rules;

use super::*;
use crate::audit::{self, AuditEvent, Outcome};
use crate::client::{AuthorizationRequest, ConnectionSelector, PkceVerifier, Provider, State};
use crate::flow::login_state::{self, LoginState, LOGIN_TTL_SECS};
use crate::flow::return_to_or_default;
use crate::now;
use crate::reply::{Problem, Reply};
use crate::sso::{Flow, Sso};

#[derive(Clone)]
pub(super) struct Login;

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
        None if email_sign_in::is_asked_for(request) => {
            return Ok(email_page::page(sso, key, &return_to))
        }
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
    let mut started = AuditEvent::new(Outcome::Started).ip(request.client_ip());
    match &expected {
        ConnectionSelector::Organization(id) => started.organization_id = Some(id.clone()),
        ConnectionSelector::Connection(id) => started.connection_id = Some(id.clone()),
        ConnectionSelector::Provider(provider) => {
            started.connection_type = Some(provider.as_str().to_owned());
        }
    }
    audit::record(sso.audit.as_ref(), &started);
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

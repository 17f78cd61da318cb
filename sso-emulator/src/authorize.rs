//! `GET /sso/authorize` and the Test Identity Provider behind it: validate the request, pick the
//! connection, let a user sign in (or sign one in automatically), and send the browser back with a code.
//!
//! Problems with the client or the redirect URI get an error page, never a redirect: sending a browser
//! to an unverified URI would make the emulator an open redirector. Every later problem is reported to
//! the application by redirecting with `error` and `error_description`, as WorkOS does.

use hyper::StatusCode;
use url::Url;

use super::ids;
use super::pages;
use super::params::Params;
use super::reply::Reply;
use super::seed::{same_connection_type, Connection, ConnectionState, Seed, User};
use super::store::{Callback, Grant, IssuedCode, Settings, State};
use super::AutoLogin;

/// Handles `GET /sso/authorize`.
pub(crate) fn start(state: &mut State, query: &Params) -> Reply {
    let (client_id, redirect_uri) = match trusted_client(&state.settings, query) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let callback = Callback {
        redirect_uri,
        state: query.raw("state").map(String::from),
    };
    let connection_id =
        match check_protocol(query).and_then(|()| select_connection(&state.settings.seed, query)) {
            Ok(connection) => connection.id.clone(),
            Err(refusal) => return refusal.redirect(&callback),
        };
    let grant = Grant {
        client_id,
        callback,
        connection_id,
        code_challenge: query.get("code_challenge").map(String::from),
        provider_scopes: query.list("provider_scopes"),
        login_hint: query.get("login_hint").map(String::from),
    };
    match auto_pick(&state.settings, &grant) {
        Some(user_id) => issue_code(state, grant, user_id),
        None => show_test_idp(state, grant),
    }
}

/// Handles the Test Identity Provider's form: a user was picked, or the login was cancelled.
pub(crate) fn sign_in(state: &mut State, form: &Params) -> Reply {
    let now = state.now();
    let Some(grant) = form
        .get("session")
        .and_then(|session| state.session.pending.take(session, now))
    else {
        return error_page(
            "This sign-in page has expired",
            "Start the login again from the application.",
        );
    };
    if form.get("cancel").is_some() {
        return Refusal::new("access_denied", "User cancelled the authentication request")
            .redirect(&grant.callback);
    }
    let user = form.get("user").filter(|id| {
        state
            .settings
            .seed
            .users_of(&grant.connection_id)
            .any(|user| user.id == *id)
    });
    match user {
        Some(user_id) => {
            let user_id = user_id.to_owned();
            issue_code(state, grant, user_id)
        }
        None => error_page(
            "Unknown user",
            "Pick one of the users listed on the sign-in page.",
        ),
    }
}

/// The client ID and the allow-listed redirect URI, or the error page that stands in for a redirect.
fn trusted_client(settings: &Settings, query: &Params) -> Result<(String, Url), Reply> {
    let client_id = query
        .get("client_id")
        .filter(|id| *id == settings.client_id)
        .ok_or_else(|| {
            error_page(
                "Invalid client ID",
                "The client_id parameter is missing or does not name this environment.",
            )
        })?;
    let redirect_uri = query
        .get("redirect_uri")
        .filter(|uri| settings.redirect_uris.iter().any(|allowed| allowed == uri))
        .and_then(|uri| Url::parse(uri).ok())
        .ok_or_else(|| {
            error_page(
                "Invalid redirect URI",
                "The redirect_uri parameter is missing or is not one of this environment's redirect URIs (exact match).",
            )
        })?;
    Ok((client_id.to_owned(), redirect_uri))
}

/// Protocol rules checked once the redirect URI is trusted (RFC 6749 §4.1.2.1 reports these by redirect).
fn check_protocol(query: &Params) -> Result<(), Refusal> {
    if query.get("response_type") != Some("code") {
        return Err(Refusal::new(
            "unsupported_response_type",
            "The response_type parameter must be `code`.",
        ));
    }
    if query.get("code_challenge").is_some() && query.get("code_challenge_method") != Some("S256") {
        return Err(Refusal::new(
            "invalid_request",
            "Only the S256 code_challenge_method is supported.",
        ));
    }
    Ok(())
}

/// The connection named by exactly one of `connection`, `organization` or `provider`.
fn select_connection<'s>(seed: &'s Seed, query: &Params) -> Result<&'s Connection, Refusal> {
    if query.get("domain").is_some() {
        return Err(Refusal::new(
            "domain_connection_selector_not_allowed",
            "The domain parameter is no longer supported; use connection or organization.",
        ));
    }
    let connection = match [
        query.get("connection"),
        query.get("organization"),
        query.get("provider"),
    ] {
        [Some(id), None, None] => seed.connection(id).ok_or_else(|| {
            Refusal::new(
                "connection_invalid",
                format!("No connection exists with ID '{id}'."),
            )
        })?,
        [None, Some(id), None] => organization_connection(seed, id)?,
        [None, None, Some(provider)] => seed
            .connections
            .iter()
            .find(|connection| {
                connection.organization_id.is_none()
                    && same_connection_type(&connection.connection_type, provider)
            })
            .ok_or_else(|| {
                Refusal::new(
                    "invalid_connection_selector",
                    format!("The provider '{provider}' is not configured."),
                )
            })?,
        _ => {
            return Err(Refusal::new(
                "invalid_connection_selector",
                "Exactly one of connection, organization or provider must be given.",
            ))
        }
    };
    if !connection.state.can_authenticate() {
        return Err(Refusal::new(
            "connection_unlinked",
            "The connection is not active.",
        ));
    }
    Ok(connection)
}

/// An organization's only connection.
fn organization_connection<'s>(seed: &'s Seed, id: &str) -> Result<&'s Connection, Refusal> {
    if seed.organization(id).is_none() {
        return Err(Refusal::new(
            "organization_invalid",
            format!("No organization exists with ID '{id}'."),
        ));
    }
    let mut connections = seed
        .connections
        .iter()
        .filter(|connection| connection.organization_id.as_deref() == Some(id));
    match (connections.next(), connections.next()) {
        (Some(only), None) => Ok(only),
        (None, _) => Err(Refusal::new(
            "organization_invalid",
            "No connection associated with organization",
        )),
        (Some(_), Some(_)) => Err(Refusal::new(
            "ambiguous_connection_selector",
            "The organization has several connections; use the connection parameter.",
        )),
    }
}

/// The user auto-login signs in, if any: a `login_hint` naming a user of the connection wins.
fn auto_pick(settings: &Settings, grant: &Grant) -> Option<String> {
    let users: Vec<&User> = settings.seed.users_of(&grant.connection_id).collect();
    let by_email = |email: &str| {
        users
            .iter()
            .find(|user| user.email.eq_ignore_ascii_case(email))
            .map(|user| user.id.clone())
    };
    let hinted = || grant.login_hint.as_deref().and_then(by_email);
    match &settings.auto_login {
        AutoLogin::Off => None,
        AutoLogin::FirstUser => hinted().or_else(|| users.first().map(|user| user.id.clone())),
        AutoLogin::Email(email) => hinted().or_else(|| by_email(email)),
    }
}

/// Shows the Test Identity Provider page, remembering the grant until the user picks.
fn show_test_idp(state: &mut State, grant: Grant) -> Reply {
    let seed = &state.settings.seed;
    let Some(connection) = seed.connection(&grant.connection_id) else {
        return error_page("Unknown connection", "The connection no longer exists.");
    };
    let users: Vec<&User> = seed.users_of(&connection.id).collect();
    let session = ids::secret();
    let page = pages::test_idp(connection, &users, &session, grant.login_hint.as_deref());
    let now = state.now();
    state
        .session
        .pending
        .insert(session, grant, now, state.settings.code_ttl);
    Reply::html(StatusCode::OK, page)
}

/// Issues a single-use code for `user_id` and redirects back with it.
fn issue_code(state: &mut State, grant: Grant, user_id: String) -> Reply {
    if let Some(connection) = state
        .settings
        .seed
        .connections
        .iter_mut()
        .find(|connection| connection.id == grant.connection_id)
    {
        // A validating connection becomes active on its first successful login, as at WorkOS.
        if connection.state == ConnectionState::Validating {
            connection.state = ConnectionState::Active;
        }
    }
    let code = ids::ulid(state.wall_clock());
    let location = grant.callback.location(&[("code", &code)]);
    let now = state.now();
    state.session.codes.insert(
        code,
        IssuedCode { grant, user_id },
        now,
        state.settings.code_ttl,
    );
    Reply::redirect(&location)
}

/// A 400 error page.
fn error_page(title: &str, detail: &str) -> Reply {
    Reply::html(StatusCode::BAD_REQUEST, pages::error(title, detail))
}

/// A login failure reported to the application through the redirect URI.
#[derive(Debug)]
struct Refusal {
    error: &'static str,
    description: String,
}

impl Refusal {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            description: description.into(),
        }
    }

    fn redirect(&self, callback: &Callback) -> Reply {
        Reply::redirect(&callback.location(&[
            ("error", self.error),
            ("error_description", &self.description),
        ]))
    }
}

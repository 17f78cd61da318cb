//! Which handler answers a request.

use bytes::Bytes;
use hyper::header::HeaderMap;
use hyper::{Method, StatusCode};
use url::Url;

use super::params::{bearer, Params};
use super::reply::Reply;
use super::store::State;
use super::{authorize, connections, control, event_list, logout, organizations, portal, token};

/// A request, fully read.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Params,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// The answer to `request`.
pub(crate) fn route(state: &mut State, base_url: &Url, request: &Request) -> Reply {
    let Request {
        method,
        path,
        query,
        headers,
        body,
    } = request;
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (&Method::GET, ["sso", "authorize"]) => authorize::start(state, query).no_store(),
        (&Method::POST, ["test-idp", "sign-in"]) => {
            authorize::sign_in(state, &Params::from_form(body)).no_store()
        }
        (&Method::POST, ["sso", "token"]) => token::exchange(state, headers, body).no_store(),
        (&Method::GET, ["sso", "profile"]) => token::profile(state, headers).no_store(),
        (&Method::POST, ["sso", "logout", "authorize"]) => with_api_key(state, headers, |state| {
            logout::authorize(state, base_url, headers, body).no_store()
        }),
        (&Method::GET, ["sso", "logout"]) => logout::logout(state, query).no_store(),
        (&Method::GET, ["connections"]) => {
            with_api_key(state, headers, |state| connections::list(state, query))
        }
        (&Method::GET, ["connections", id]) => {
            with_api_key(state, headers, |state| connections::get(state, id))
        }
        (&Method::DELETE, ["connections", id]) => {
            with_api_key(state, headers, |state| connections::delete(state, id))
        }
        (&Method::GET, ["organizations"]) => {
            with_api_key(state, headers, |state| organizations::list(state, query))
        }
        (&Method::GET, ["organizations", id]) => {
            with_api_key(state, headers, |state| organizations::get(state, id))
        }
        (&Method::GET, ["events"]) => {
            with_api_key(state, headers, |state| event_list::list(state, query))
        }
        (&Method::POST, ["portal", "generate_link"]) => with_api_key(state, headers, |state| {
            portal::generate_link(state, base_url, headers, body)
        }),
        (&Method::GET, ["portal", "launch"]) => portal::form(state, query),
        (&Method::POST, ["portal", "launch"]) => portal::create(state, &Params::from_form(body)),
        (&Method::GET, ["__emulator", "stats"]) => control::stats(state),
        (&Method::POST, ["__emulator", "faults"]) => control::inject(state, body),
        (&Method::POST, ["__emulator", "clock"]) => control::advance_clock(state, body),
        (&Method::POST, ["__emulator", "reset"]) => control::reset(state),
        (&Method::POST, ["__emulator", "directory_users", "deprovision"]) => {
            control::deprovision(state, body)
        }
        (&Method::POST, ["__emulator", "webhooks"]) => control::add_webhook(state, body),
        _ => Reply::message(StatusCode::NOT_FOUND, "Not found"),
    }
}

/// Runs `handler` only for requests bearing the API key; others get WorkOS's 401.
fn with_api_key(
    state: &mut State,
    headers: &HeaderMap,
    handler: impl FnOnce(&mut State) -> Reply,
) -> Reply {
    if bearer(headers).is_some_and(|key| state.settings.is_api_key(key)) {
        handler(state)
    } else {
        Reply::message(
            StatusCode::UNAUTHORIZED,
            "Could not authorize the request. Maybe your API key is invalid?",
        )
    }
}

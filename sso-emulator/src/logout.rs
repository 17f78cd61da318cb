//! Single Logout, as the application starts it: `POST /sso/logout/authorize` (API key) with
//! `{"profile_id"}` answers `200 {"logout_url", "logout_token"}` for a profile of a `GenericOIDC`
//! connection, the only kind WorkOS supports it for; `GET /sso/logout?token=…` ends that profile's
//! session at the identity provider (recorded, for tests to assert) and shows a signed-out page, or
//! redirects to the emulator's configured logout redirect.

use std::time::Duration;

use hyper::header::HeaderMap;
use hyper::StatusCode;
use serde_json::json;
use url::Url;

use super::ids;
use super::pages;
use super::params::Params;
use super::reply::Reply;
use super::store::State;

/// How long a logout token stays usable: WorkOS calls them short-lived.
const TOKEN_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Handles `POST /sso/logout/authorize`.
pub(crate) fn authorize(
    state: &mut State,
    base_url: &Url,
    headers: &HeaderMap,
    body: &[u8],
) -> Reply {
    let Ok(params) = Params::from_body(headers, body) else {
        return Reply::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The request body must be a JSON object.",
        );
    };
    let Some(profile_id) = params.get("profile_id") else {
        return Reply::message(StatusCode::UNPROCESSABLE_ENTITY, "profile_id is required.");
    };
    let seed = &state.settings.seed;
    let Some(user) = seed.users.iter().find(|user| user.id == profile_id) else {
        return Reply::message(
            StatusCode::NOT_FOUND,
            format!("Profile not found: '{profile_id}'."),
        );
    };
    let generic_oidc = seed
        .connection(&user.connection_id)
        .is_some_and(|connection| connection.connection_type == "GenericOIDC");
    if !generic_oidc {
        return Reply::json(
            StatusCode::BAD_REQUEST,
            &json!({
                "error": "connection_invalid",
                "error_description": "Single Logout is only supported for GenericOIDC connections.",
            }),
        );
    }
    let token = ids::secret();
    let mut logout_url = base_url
        .join("sso/logout")
        .unwrap_or_else(|_| base_url.clone());
    logout_url.query_pairs_mut().append_pair("token", &token);
    let profile_id = user.id.clone();
    let now = state.now();
    state
        .session
        .logout_tokens
        .insert(token.clone(), profile_id, now, TOKEN_LIFETIME);
    Reply::json(
        StatusCode::OK,
        &json!({ "logout_url": logout_url.as_str(), "logout_token": token }),
    )
}

/// Handles `GET /sso/logout?token=…`: each token works once.
pub(crate) fn logout(state: &mut State, query: &Params) -> Reply {
    let now = state.now();
    let profile_id = query
        .get("token")
        .and_then(|token| state.session.logout_tokens.take(token, now));
    let Some(profile_id) = profile_id else {
        return Reply::message(
            StatusCode::NOT_FOUND,
            "Logout token not found: it is unknown, used already or expired.",
        );
    };
    state.session.logouts.push(profile_id);
    match &state.settings.logout_redirect {
        Some(url) => Reply::redirect(url),
        None => Reply::html(
            StatusCode::OK,
            pages::error(
                "Signed out",
                "You are signed out of your identity provider. You can close this page.",
            ),
        ),
    }
}

//! `POST /sso/token` (code exchange, with PKCE) and `GET /sso/profile` (access token to profile).

use std::time::{Duration, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hyper::header::HeaderMap;
use hyper::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use super::ids;
use super::params::{bearer, BodyError, Params};
use super::reply::Reply;
use super::store::{IssuedCode, State};
use super::wire;

/// Lifetime of an access token, sent as `expires_in`.
const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(600);

/// Lifetime of the provider tokens in `oauth_tokens`.
const PROVIDER_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// Handles `POST /sso/token`.
pub(crate) fn exchange(state: &mut State, headers: &HeaderMap, body: &[u8]) -> Reply {
    let params = match Params::from_body(headers, body) {
        Ok(params) => params,
        Err(BodyError::InvalidJson) => {
            return TokenError::InvalidRequest("The request body is not a JSON object.").reply()
        }
        Err(BodyError::UnsupportedMediaType) => {
            return TokenError::InvalidRequest(
                "Send application/json or application/x-www-form-urlencoded.",
            )
            .reply()
        }
    };
    match redeem(state, &params) {
        Ok(response) => Reply::json(StatusCode::OK, &response),
        Err(error) => error.reply(),
    }
}

/// Handles `GET /sso/profile`: the profile captured when the bearer access token was issued.
pub(crate) fn profile(state: &State, headers: &HeaderMap) -> Reply {
    match bearer(headers).and_then(|token| state.session.tokens.get(token, state.now())) {
        Some(profile) => Reply::json(StatusCode::OK, profile),
        None => Reply::json(
            StatusCode::UNAUTHORIZED,
            &json!({ "error": "Unauthorized" }),
        ),
    }
}

/// Why a code exchange failed, as the OAuth-style 400 WorkOS sends.
#[derive(Debug, PartialEq, Eq)]
enum TokenError {
    InvalidRequest(&'static str),
    UnsupportedGrantType,
    InvalidClient,
    InvalidGrant(&'static str),
}

impl TokenError {
    fn reply(&self) -> Reply {
        match self {
            Self::InvalidRequest(description) => Reply::oauth_error("invalid_request", description),
            Self::UnsupportedGrantType => {
                Reply::oauth_error("unsupported_grant_type", "The grant type is not supported.")
            }
            Self::InvalidClient => {
                Reply::oauth_error("invalid_client", "Invalid client ID or secret.")
            }
            Self::InvalidGrant(description) => Reply::oauth_error("invalid_grant", description),
        }
    }
}

const CODE_UNUSABLE: &str = "The code has expired or has already been used.";

/// Checks the request, consumes the code and builds the token response.
fn redeem(state: &mut State, params: &Params) -> Result<Value, TokenError> {
    let grant_type = params
        .get("grant_type")
        .ok_or(TokenError::InvalidRequest("grant_type is required."))?;
    if grant_type != "authorization_code" {
        return Err(TokenError::UnsupportedGrantType);
    }
    let client_id = params
        .get("client_id")
        .ok_or(TokenError::InvalidRequest("client_id is required."))?;
    let code = params
        .get("code")
        .ok_or(TokenError::InvalidRequest("code is required."))?;
    let verifier = params.get("code_verifier");
    let secret = params.get("client_secret");
    // A confidential client proves itself with the secret; a public client only with a PKCE verifier,
    // which is checked against the code below.
    let secret_ok = secret.is_some_and(|secret| state.settings.is_api_key(secret));
    if client_id != state.settings.client_id
        || (secret.is_some() && !secret_ok)
        || (secret.is_none() && verifier.is_none())
    {
        return Err(TokenError::InvalidClient);
    }
    // Taking the code makes it single-use even when the rest of the exchange fails: a wrong verifier
    // must not leave the code open to guessing.
    let now = state.now();
    let issued = state
        .session
        .codes
        .take(code, now)
        .ok_or(TokenError::InvalidGrant(CODE_UNUSABLE))?;
    // Unreachable while the emulator serves a single client, but a code must never cross clients.
    if issued.grant.client_id != client_id {
        return Err(TokenError::InvalidGrant(CODE_UNUSABLE));
    }
    match (&issued.grant.code_challenge, verifier) {
        (Some(challenge), Some(verifier)) if pkce_matches(challenge, verifier) => {}
        (Some(_), _) => {
            return Err(TokenError::InvalidGrant(
                "The code_verifier does not match the code_challenge.",
            ))
        }
        (None, _) if !secret_ok => return Err(TokenError::InvalidClient),
        (None, _) => {}
    }
    token_response(state, &issued).ok_or(TokenError::InvalidGrant(CODE_UNUSABLE))
}

/// Whether `BASE64URL-NOPAD(SHA-256(verifier))` equals `challenge` (RFC 7636 S256), in constant time.
fn pkce_matches(challenge: &str, verifier: &str) -> bool {
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    computed.as_bytes().ct_eq(challenge.as_bytes()).into()
}

/// Issues an access token for the code's user; `None` if the user or connection is gone since.
fn token_response(state: &mut State, issued: &IssuedCode) -> Option<Value> {
    let seed = &state.settings.seed;
    let user = seed.users.iter().find(|user| user.id == issued.user_id)?;
    let connection = seed.connection(&user.connection_id)?;
    let profile = wire::profile(user, connection);
    let oauth_tokens = connection.organization_id.is_none().then(|| {
        let mut scopes = vec![
            "openid".to_owned(),
            "profile".to_owned(),
            "email".to_owned(),
        ];
        for scope in &issued.grant.provider_scopes {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
        let expires_at = (state.wall_clock() + PROVIDER_TOKEN_LIFETIME)
            .duration_since(UNIX_EPOCH)
            .map_or(0, |at| at.as_secs());
        json!({
            "provider": connection.connection_type,
            "access_token": format!("emulated-provider-access-{}", ids::secret()),
            "refresh_token": format!("emulated-provider-refresh-{}", ids::secret()),
            "expires_at": expires_at,
            "scopes": scopes,
        })
    });
    let access_token = ids::ulid(state.wall_clock());
    let now = state.now();
    state.session.tokens.insert(
        access_token.clone(),
        profile.clone(),
        now,
        ACCESS_TOKEN_LIFETIME,
    );
    let mut response = json!({
        "token_type": "Bearer",
        "access_token": access_token,
        "expires_in": ACCESS_TOKEN_LIFETIME.as_secs(),
        "profile": profile,
    });
    if let (Some(tokens), Some(object)) = (oauth_tokens, response.as_object_mut()) {
        object.insert("oauth_tokens".into(), tokens);
    }
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::pkce_matches;

    #[test]
    fn the_rfc_7636_example_verifier_matches_its_challenge() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(pkce_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            verifier
        ));
        assert!(!pkce_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN",
            verifier
        ));
    }
}

//! What can go wrong talking to WorkOS, in three families: WorkOS answered with an error ([`ApiError`]), the
//! exchange itself failed ([`TransportError`]), or WorkOS answered with something we cannot read
//! ([`DecodeError`]); plus a list that a call follows page by page not ending within its bound.
//!
//! No `Display` here includes a secret: the API key, authorization code, PKCE verifier and tokens are scrubbed
//! from any server text we quote, and bodies that carry tokens are never quoted.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use super::secret::scrub;

/// Any failure of a [`WorkosClient`](super::WorkosClient) call.
///
/// # Example
///
/// ```no_run
/// use rocket_workos_sso::client::{ApiErrorKind, AuthorizationCode, WorkosClient, WorkosError};
///
/// # async fn demo(client: WorkosClient, code: AuthorizationCode) {
/// match client.exchange_code(&code, None).await {
///     Ok(login) => println!("signed in {}", login.profile.id),
///     Err(err) if err.api_kind() == Some(ApiErrorKind::InvalidGrant) => {
///         // Expired or replayed code: restart the login instead of retrying.
///     }
///     Err(err) => eprintln!("login failed: {err}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkosError {
    /// WorkOS answered with a non-success status.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The request did not complete: connection failure, timeout, or an interrupted response.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// WorkOS answered with a success status but a body that does not match the expected shape.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A call that follows a list's cursors (such as
    /// [`organizations_by_domain`](super::WorkosClient::organizations_by_domain)) fetched as many pages as it
    /// may and the list still went on. Nothing was returned, rather than a part of the list.
    #[error("WorkOS {endpoint} still had more results after {pages} pages")]
    ListTooLong {
        /// The operation, e.g. `GET /organizations`.
        endpoint: &'static str,
        /// How many pages were fetched.
        pages: usize,
    },
}

impl WorkosError {
    /// The [`ApiErrorKind`] when WorkOS answered with an error status, `None` otherwise.
    pub fn api_kind(&self) -> Option<ApiErrorKind> {
        match self {
            Self::Api(api) => Some(api.kind()),
            Self::Transport(_) | Self::Decode(_) | Self::ListTooLong { .. } => None,
        }
    }

    /// The [`TransportErrorKind`] when the request did not complete, `None` otherwise.
    pub fn transport_kind(&self) -> Option<TransportErrorKind> {
        match self {
            Self::Transport(transport) => Some(transport.kind),
            Self::Api(_) | Self::Decode(_) | Self::ListTooLong { .. } => None,
        }
    }
}

/// A non-success answer from WorkOS, with what every official SDK surfaces.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation, e.g. `POST /sso/token`.
    pub endpoint: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// The machine-readable code: body `code`, else body `error` (e.g. `invalid_grant`).
    pub code: Option<String>,
    /// The human-readable text: body `error_description`, else `message`. Free text for logs; never match on it.
    pub description: Option<String>,
    /// The `X-Request-ID` response header; quote it to WorkOS support.
    pub request_id: Option<String>,
    /// The `Retry-After` header of a 429 or 503, when given in seconds.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// Reads an error response. Non-JSON bodies (a proxy's HTML error page) just leave `code` and `description`
    /// empty. `secrets` are scrubbed from the quoted text.
    pub(crate) fn from_response(
        endpoint: &'static str,
        status: u16,
        request_id: Option<String>,
        retry_after: Option<Duration>,
        body: &[u8],
        secrets: &[&str],
    ) -> Self {
        let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let text = |key: &str| {
            json.get(key)
                .and_then(Value::as_str)
                .map(|text| scrub(text, secrets))
        };
        Self {
            endpoint,
            status,
            code: text("code").or_else(|| text("error")),
            description: text("error_description").or_else(|| text("message")),
            request_id,
            retry_after,
        }
    }

    /// Classifies the error, so callers can branch without matching strings.
    ///
    /// OAuth codes from `POST /sso/token` take precedence over the status.
    pub fn kind(&self) -> ApiErrorKind {
        match (self.code.as_deref(), self.status) {
            (Some("invalid_grant"), _) => ApiErrorKind::InvalidGrant,
            (Some("invalid_client"), _) => ApiErrorKind::InvalidClient,
            (Some("unauthorized_client"), _) => ApiErrorKind::UnauthorizedClient,
            (_, 400) => ApiErrorKind::BadRequest,
            (_, 401) => ApiErrorKind::Unauthorized,
            (_, 403) => ApiErrorKind::Forbidden,
            (_, 404) => ApiErrorKind::NotFound,
            (_, 422) => ApiErrorKind::UnprocessableEntity,
            (_, 429) => ApiErrorKind::RateLimited,
            (_, 500..=599) => ApiErrorKind::Server,
            _ => ApiErrorKind::Other,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "WorkOS {} failed with HTTP {}",
            self.endpoint, self.status
        )?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(description) = &self.description {
            write!(f, ": {description}")?;
        }
        if let Some(retry_after) = self.retry_after {
            write!(f, " (retry after {} s)", retry_after.as_secs())?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, " [request id {request_id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The class of an [`ApiError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// `invalid_grant`: the code expired, was already used, or the PKCE verifier does not match. Restart the login.
    InvalidGrant,
    /// `invalid_client`: unknown client ID or wrong API key.
    InvalidClient,
    /// `unauthorized_client`: the client may not use this grant type.
    UnauthorizedClient,
    /// Any other 400.
    BadRequest,
    /// 401: the API key (or the access token, for `/sso/profile`) is missing or invalid.
    Unauthorized,
    /// 403: the key is valid but lacks permission.
    Forbidden,
    /// 404: no such object.
    NotFound,
    /// 422: validation failed.
    UnprocessableEntity,
    /// 429: rate limited; see [`ApiError::retry_after`].
    RateLimited,
    /// 5xx: WorkOS-side failure.
    Server,
    /// Any other status, including a 3xx redirect (redirects are never followed).
    Other,
}

/// A request that did not complete.
#[derive(Debug, thiserror::Error)]
#[error("WorkOS {endpoint} could not complete: {kind}")]
pub struct TransportError {
    endpoint: &'static str,
    kind: TransportErrorKind,
    #[source]
    source: reqwest::Error,
}

impl TransportError {
    pub(crate) fn new(endpoint: &'static str, source: reqwest::Error) -> Self {
        let kind = if source.is_timeout() {
            TransportErrorKind::Timeout
        } else if source.is_connect() {
            TransportErrorKind::Connect
        } else {
            TransportErrorKind::Other
        };
        Self {
            endpoint,
            kind,
            source,
        }
    }

    /// The operation, e.g. `GET /sso/profile`.
    pub fn endpoint(&self) -> &'static str {
        self.endpoint
    }

    /// Whether it failed to connect, timed out, or broke otherwise.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
}

/// The class of a [`TransportError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made (DNS, refused, TLS handshake, connect timeout).
    Connect,
    /// The configured request timeout elapsed.
    Timeout,
    /// Anything else, e.g. the connection dropped mid-response.
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "could not connect",
            Self::Timeout => "timed out",
            Self::Other => "the connection failed",
        })
    }
}

/// A success response whose body does not have the expected shape.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("WorkOS {endpoint} returned a body that could not be read: {message}{}", excerpt_suffix(.excerpt))]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation, e.g. `GET /connections`.
    pub endpoint: &'static str,
    /// The parser's explanation.
    pub message: String,
    /// The first characters of the body, or `None` when the body carries tokens and is never quoted.
    pub excerpt: Option<String>,
}

/// How many characters of a body a [`DecodeError`] quotes.
const EXCERPT_CHARS: usize = 200;

impl DecodeError {
    /// `body` is `None` when it must not be quoted; `secrets` are scrubbed from the message and the excerpt.
    pub(crate) fn new(
        endpoint: &'static str,
        error: &serde_json::Error,
        body: Option<&[u8]>,
        secrets: &[&str],
    ) -> Self {
        let excerpt = body.map(|body| {
            let text = scrub(&String::from_utf8_lossy(body), secrets);
            let mut excerpt: String = text.chars().take(EXCERPT_CHARS).collect();
            if text.chars().nth(EXCERPT_CHARS).is_some() {
                excerpt.push('…');
            }
            excerpt
        });
        Self {
            endpoint,
            message: scrub(&error.to_string(), secrets),
            excerpt,
        }
    }
}

fn excerpt_suffix(excerpt: &Option<String>) -> String {
    excerpt
        .as_ref()
        .map(|excerpt| format!(" (body starts: {excerpt})"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(status: u16, body: &str) -> ApiError {
        ApiError::from_response(
            "POST /sso/token",
            status,
            Some("req_1".to_owned()),
            None,
            body.as_bytes(),
            &[],
        )
    }

    #[test]
    fn oauth_style_400_reads_error_and_description() {
        let err = api_error(
            400,
            r#"{ "error": "invalid_grant", "error_description": "The code has expired or has already been used." }"#,
        );
        assert_eq!(err.code.as_deref(), Some("invalid_grant"));
        assert_eq!(
            err.description.as_deref(),
            Some("The code has expired or has already been used.")
        );
        assert_eq!(err.kind(), ApiErrorKind::InvalidGrant);
    }

    #[test]
    fn invalid_client_and_unauthorized_client_have_their_own_kinds() {
        let kind = |code: &str| {
            api_error(
                400,
                &format!(r#"{{"error":"{code}","error_description":"x"}}"#),
            )
            .kind()
        };
        assert_eq!(kind("invalid_client"), ApiErrorKind::InvalidClient);
        assert_eq!(
            kind("unauthorized_client"),
            ApiErrorKind::UnauthorizedClient
        );
        assert_eq!(kind("unsupported_grant_type"), ApiErrorKind::BadRequest);
    }

    #[test]
    fn profile_401_with_bare_error_is_unauthorized() {
        let err = api_error(401, r#"{"error": "Unauthorized"}"#);
        assert_eq!(
            (err.code.as_deref(), err.description.as_deref()),
            (Some("Unauthorized"), None)
        );
        assert_eq!(err.kind(), ApiErrorKind::Unauthorized);
    }

    #[test]
    fn message_style_404_and_422_read_the_message() {
        let body = r#"{ "message": "Organization not found: 'org_01EHQMYV6MBK39QC5PZXHY59C3'." }"#;
        for (status, kind) in [
            (404, ApiErrorKind::NotFound),
            (422, ApiErrorKind::UnprocessableEntity),
        ] {
            let err = api_error(status, body);
            assert_eq!(err.code, None);
            assert_eq!(
                err.description.as_deref(),
                Some("Organization not found: 'org_01EHQMYV6MBK39QC5PZXHY59C3'.")
            );
            assert_eq!(err.kind(), kind);
        }
    }

    #[test]
    fn message_with_code_reads_both() {
        let err = api_error(
            422,
            r#"{"message":"Validation failed","code":"invalid_request_parameters","errors":[]}"#,
        );
        assert_eq!(err.code.as_deref(), Some("invalid_request_parameters"));
        assert_eq!(err.description.as_deref(), Some("Validation failed"));
    }

    #[test]
    fn non_json_body_leaves_code_and_description_empty() {
        let err = api_error(502, "<html>Bad Gateway</html>");
        assert_eq!(
            (err.kind(), err.code, err.description),
            (ApiErrorKind::Server, None, None)
        );
    }

    #[test]
    fn status_classes_map_to_kinds() {
        let kind = |status| api_error(status, "{}").kind();
        assert_eq!(kind(403), ApiErrorKind::Forbidden);
        assert_eq!(kind(429), ApiErrorKind::RateLimited);
        assert_eq!(kind(503), ApiErrorKind::Server);
        assert_eq!(kind(302), ApiErrorKind::Other);
    }

    #[test]
    fn display_names_endpoint_status_code_and_request_id() {
        let err = api_error(
            400,
            r#"{"error":"invalid_grant","error_description":"Expired."}"#,
        );
        assert_eq!(err.to_string(), "WorkOS POST /sso/token failed with HTTP 400 invalid_grant: Expired. [request id req_1]");
    }

    #[test]
    fn secrets_echoed_by_the_server_are_scrubbed() {
        let body = r#"{"error":"invalid_grant","error_description":"The code '01JCFSECZP11' has expired or is invalid."}"#;
        let err = ApiError::from_response(
            "POST /sso/token",
            400,
            None,
            None,
            body.as_bytes(),
            &["01JCFSECZP11"],
        );
        assert!(!err.to_string().contains("01JCFSECZP11"), "{err}");
        assert!(!format!("{err:?}").contains("01JCFSECZP11"), "{err:?}");
    }

    #[test]
    fn decode_excerpt_is_truncated_to_200_characters() {
        let body = format!("{{\"id\": \"{}\"", "é".repeat(500));
        let error = serde_json::from_str::<Value>(&body).unwrap_err();
        let err = DecodeError::new("GET /connections", &error, Some(body.as_bytes()), &[]);
        let excerpt = err.excerpt.unwrap();
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS + 1);
        assert!(excerpt.ends_with('…'));
    }

    #[test]
    fn decode_without_excerpt_says_so_in_display() {
        let error = serde_json::from_str::<Value>("{").unwrap_err();
        let err = DecodeError::new("POST /sso/token", &error, None, &[]);
        assert!(!err.to_string().contains("body starts"), "{err}");
    }
}

//! The WorkOS HTTP client for standalone SSO: authorization URLs, the code exchange, profiles, connections,
//! organizations, Admin Portal links and Single Logout.
//!
//! One [`WorkosClient`] holds one connection pool; clone it freely (for example into Rocket managed state).
//! Requests never follow redirects, carry `Accept: application/json` and a `rocket-workos-sso/<version>`
//! `User-Agent`, and time out as configured. Only `GET`s are retried.
//!
//! # Example
//!
//! ```no_run
//! use rocket_workos_sso::client::{AuthorizationCode, AuthorizationRequest, ConnectionSelector, PkceVerifier, State, WorkosClient};
//! use rocket_workos_sso::config::WorkosConfig;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = WorkosClient::new(WorkosConfig::from_env()?)?;
//!
//! // Login: remember state and verifier (e.g. in an encrypted cookie), redirect to the URL.
//! let (state, verifier) = (State::generate(), PkceVerifier::generate());
//! let selector = ConnectionSelector::Organization("org_01JSSZ5AWSH8VHTPRE95B9EE0Z".to_owned());
//! let url = client.authorization_url(
//!     &AuthorizationRequest::new("https://app.example.com/callback".parse()?, selector).state(&state).pkce(&verifier),
//! );
//!
//! // Callback: check `state` first, then exchange the code once.
//! # let (received_state, received_code) = ("", "");
//! if state.matches(received_state) {
//!     let login = client.exchange_code(&AuthorizationCode::new(received_code), Some(&verifier)).await?;
//!     println!("welcome {}", login.profile.email);
//! }
//! # Ok(())
//! # }
//! ```

mod authorize;
pub mod config;
mod connections;
mod error;
mod events;
mod http;
mod logout;
pub(crate) mod open_enum;
mod organizations;
mod pagination;
mod pkce;
mod portal;
pub mod profile;
mod retry;
pub(crate) mod secret;
mod state;
mod token;

#[cfg(test)]
mod http_tests;
#[cfg(test)]
mod test_server;

use std::sync::Arc;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use url::Url;

pub use authorize::{AuthorizationRequest, ConnectionSelector, Prompt, Provider};
pub use connections::{
    Connection, ConnectionDomain, ConnectionList, ConnectionState, ListConnections,
};
pub use error::{
    ApiError, ApiErrorKind, DecodeError, TransportError, TransportErrorKind, WorkosError,
};
pub use events::{Event, EventList, ListEvents};
pub use logout::{LogoutAuthorization, LogoutToken, LogoutUrl};
pub use organizations::{
    DomainVerificationStrategy, ListOrganizations, Organization, OrganizationDomain,
    OrganizationDomainState, OrganizationList, MAX_DOMAIN_PAGES,
};
pub use pagination::{InvalidLimit, ListMetadata, Order};
pub use pkce::{InvalidPkceVerifier, PkceVerifier};
pub use portal::{PortalIntent, PortalLink, PortalLinkRequest};
pub use state::State;
pub use token::{AccessToken, AuthorizationCode, OAuthToken, OAuthTokens, ProfileAndToken};

use crate::client::config::WorkosConfig;
use retry::RetryPolicy;

/// The `User-Agent` product token; an application suffix may follow.
const USER_AGENT: &str = concat!("rocket-workos-sso/", env!("CARGO_PKG_VERSION"));

/// A WorkOS API client. Cheap to clone: clones share one connection pool and configuration.
///
/// # Example
///
/// ```
/// use rocket_workos_sso::client::WorkosClient;
/// use rocket_workos_sso::config::{ApiKey, ClientId, WorkosConfig};
///
/// let config = WorkosConfig::builder(ApiKey::new("sk_test_123")?, ClientId::new("client_123")?).build()?;
/// let client = WorkosClient::new(config)?;
/// let for_another_task = client.clone();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct WorkosClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    config: WorkosConfig,
    retry: RetryPolicy,
}

impl WorkosClient {
    /// Builds the client and its connection pool.
    pub fn new(config: WorkosConfig) -> Result<Self, ClientBuildError> {
        let user_agent = match &config.user_agent_suffix {
            Some(suffix) => format!("{USER_AGENT} {suffix}"),
            None => USER_AGENT.to_owned(),
        };
        let http = reqwest::Client::builder()
            // Following redirects could send the API key elsewhere (SSRF); WorkOS's API never redirects.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(user_agent)
            .default_headers(HeaderMap::from_iter([(
                ACCEPT,
                HeaderValue::from_static("application/json"),
            )]))
            .build()
            .map_err(ClientBuildError)?;
        let retry = RetryPolicy {
            max_retries: config.max_retries,
            backoff: config.retry_backoff,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                config,
                retry,
            }),
        })
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &WorkosConfig {
        &self.inner.config
    }

    /// The `GET /sso/authorize` URL for `request` in this client's environment. Pure: no request is made.
    ///
    /// # Example
    ///
    /// ```
    /// use rocket_workos_sso::client::{AuthorizationRequest, ConnectionSelector, Provider, State, WorkosClient};
    /// use rocket_workos_sso::config::{ApiKey, ClientId, WorkosConfig};
    ///
    /// let client = WorkosClient::new(WorkosConfig::builder(ApiKey::new("sk_1")?, ClientId::new("client_1")?).build()?)?;
    /// let request = AuthorizationRequest::new(
    ///     "https://app.example.com/callback".parse()?,
    ///     ConnectionSelector::Provider(Provider::GoogleOAuth),
    /// )
    /// .state(&State::generate());
    /// assert_eq!(client.authorization_url(&request).path(), "/sso/authorize");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authorization_url(&self, request: &AuthorizationRequest) -> Url {
        request.url(&self.inner.config)
    }
}

/// The HTTP client could not be set up (for example, the TLS backend failed to initialise).
#[derive(Debug, thiserror::Error)]
#[error("could not set up the HTTP client for WorkOS")]
pub struct ClientBuildError(#[source] reqwest::Error);

//! The `GET /sso/authorize` URL that starts a login. Building it is pure: no I/O, no clock, no randomness.

use std::collections::BTreeMap;

use url::Url;

use super::http::endpoint_url;
use super::open_enum::open_enum;
use super::{PkceVerifier, State};
use crate::client::config::WorkosConfig;

/// Which connection WorkOS should send the user to. WorkOS requires exactly one; the enum makes that the only
/// possibility.
///
/// # Example
///
/// ```
/// use rocket_workos_sso::client::{ConnectionSelector, Provider};
///
/// let by_org = ConnectionSelector::Organization("org_01JSSZ5AWSH8VHTPRE95B9EE0Z".to_owned());
/// let by_provider = ConnectionSelector::Provider(Provider::GoogleOAuth);
/// # let _ = (by_org, by_provider);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ConnectionSelector {
    /// A connection ID, `conn_…` (sent as `connection`). Use it for organizations with several connections.
    Connection(String),
    /// An organization ID, `org_…` (sent as `organization`); WorkOS picks the organization's connection.
    Organization(String),
    /// An environment-level OAuth provider (sent as `provider`).
    Provider(Provider),
}

impl ConnectionSelector {
    /// The query parameter WorkOS reads this choice from, and its value.
    pub(crate) fn query_pair(&self) -> (&'static str, &str) {
        match self {
            Self::Connection(id) => ("connection", id),
            Self::Organization(id) => ("organization", id),
            Self::Provider(provider) => ("provider", provider.as_str()),
        }
    }
}

open_enum! {
    /// An OAuth provider for [`ConnectionSelector::Provider`]: the 13 values of the WorkOS spec plus
    /// [`Unknown`](Self::Unknown) for newer ones.
    ///
    /// # Example
    ///
    /// ```
    /// use rocket_workos_sso::client::Provider;
    ///
    /// assert_eq!(Provider::GitHubOAuth.as_str(), "GitHubOAuth");
    /// assert_eq!(Provider::from("DiscordOAuth").as_str(), "DiscordOAuth");
    /// ```
    pub enum Provider {
        AppleOAuth = "AppleOAuth",
        BitbucketOAuth = "BitbucketOAuth",
        GitHubOAuth = "GitHubOAuth" | "GithubOAuth",
        GitLabOAuth = "GitLabOAuth",
        GoogleOAuth = "GoogleOAuth",
        IntuitOAuth = "IntuitOAuth",
        LinkedInOAuth = "LinkedInOAuth",
        MicrosoftOAuth = "MicrosoftOAuth",
        SalesforceOAuth = "SalesforceOAuth",
        SlackOAuth = "SlackOAuth",
        VercelMarketplaceOAuth = "VercelMarketplaceOAuth",
        VercelOAuth = "VercelOAuth",
        XeroOAuth = "XeroOAuth",
    }
}

/// The `prompt` parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Prompt {
    /// Force re-authentication at the identity provider (`ForceAuthn="true"` for SAML providers that support it).
    Login,
}

impl Prompt {
    fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
        }
    }
}

/// The parameters of a `GET /sso/authorize` URL. Chain the optional settings, then call
/// [`url`](Self::url) or [`WorkosClient::authorization_url`](super::WorkosClient::authorization_url).
///
/// # Example
///
/// ```
/// use rocket_workos_sso::client::{AuthorizationRequest, ConnectionSelector, PkceVerifier, State};
/// use rocket_workos_sso::config::{ApiKey, ClientId, WorkosConfig};
///
/// let config = WorkosConfig::builder(ApiKey::new("sk_test_123")?, ClientId::new("client_123")?).build()?;
/// let (state, verifier) = (State::generate(), PkceVerifier::generate());
/// let redirect_uri = "https://app.example.com/auth/workos/callback".parse()?;
/// let url = AuthorizationRequest::new(redirect_uri, ConnectionSelector::Organization("org_123".to_owned()))
///     .state(&state)
///     .pkce(&verifier)
///     .login_hint("dana@foo-corp.com")
///     .url(&config);
/// assert!(url.as_str().starts_with("https://api.workos.com/sso/authorize?client_id=client_123&"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "call `url()` to build the authorization URL"]
pub struct AuthorizationRequest {
    redirect_uri: Url,
    selector: ConnectionSelector,
    state: Option<String>,
    code_challenge: Option<String>,
    domain_hint: Option<String>,
    login_hint: Option<String>,
    provider_scopes: Vec<String>,
    provider_query_params: BTreeMap<String, String>,
    nonce: Option<String>,
    prompt: Option<Prompt>,
}

impl AuthorizationRequest {
    /// A request that sends the user to `selector` and back to `redirect_uri`, which must be one of the
    /// environment's configured redirect URIs.
    pub fn new(redirect_uri: Url, selector: ConnectionSelector) -> Self {
        Self {
            redirect_uri,
            selector,
            state: None,
            code_challenge: None,
            domain_hint: None,
            login_hint: None,
            provider_scopes: Vec::new(),
            provider_query_params: BTreeMap::new(),
            nonce: None,
            prompt: None,
        }
    }

    /// Sends `state`, which WorkOS returns unchanged on the callback. Always set it for logins your app starts.
    pub fn state(mut self, state: &State) -> Self {
        self.state = Some(state.expose().to_owned());
        self
    }

    /// Sends the S256 challenge of `verifier`; pass the same verifier to
    /// [`exchange_code`](super::WorkosClient::exchange_code).
    pub fn pkce(mut self, verifier: &PkceVerifier) -> Self {
        self.code_challenge = Some(verifier.code_challenge());
        self
    }

    /// Pre-fills the domain field (Microsoft OAuth, Google SAML).
    pub fn domain_hint(mut self, domain: impl Into<String>) -> Self {
        self.domain_hint = Some(domain.into());
        self
    }

    /// Pre-fills the username or email at the identity provider.
    pub fn login_hint(mut self, login: impl Into<String>) -> Self {
        self.login_hint = Some(login.into());
        self
    }

    /// Requests extra scopes from an OAuth or OIDC provider; sent comma-separated.
    pub fn provider_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.provider_scopes
            .extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Forwards a query parameter to the OAuth provider, e.g. Google's `hd`.
    pub fn provider_query_param(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.provider_query_params.insert(name.into(), value.into());
        self
    }

    /// Sends a `nonce`.
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// Sends a `prompt`.
    pub fn prompt(mut self, prompt: Prompt) -> Self {
        self.prompt = Some(prompt);
        self
    }

    /// The authorization URL for the environment of `config`.
    pub fn url(&self, config: &WorkosConfig) -> Url {
        let mut url = endpoint_url(config.base_url(), &["sso", "authorize"]);
        {
            let mut query = url.query_pairs_mut();
            let (selector, id) = self.selector.query_pair();
            query
                .append_pair("client_id", config.client_id().as_str())
                .append_pair("redirect_uri", self.redirect_uri.as_str())
                .append_pair("response_type", "code")
                .append_pair(selector, id);
            let optional = [
                ("state", self.state.as_deref()),
                ("domain_hint", self.domain_hint.as_deref()),
                ("login_hint", self.login_hint.as_deref()),
                ("nonce", self.nonce.as_deref()),
                ("prompt", self.prompt.map(Prompt::as_str)),
            ];
            for (name, value) in optional {
                if let Some(value) = value {
                    query.append_pair(name, value);
                }
            }
            if !self.provider_scopes.is_empty() {
                query.append_pair("provider_scopes", &self.provider_scopes.join(","));
            }
            for (name, value) in &self.provider_query_params {
                query.append_pair(&format!("provider_query_params[{name}]"), value);
            }
            if let Some(challenge) = &self.code_challenge {
                query
                    .append_pair("code_challenge", challenge)
                    .append_pair("code_challenge_method", "S256");
            }
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_providers_are_the_rules_providers() {
        for name in rocket_workos_sso_rules::OAUTH_PROVIDERS {
            let provider = Provider::from(*name);
            assert!(!matches!(provider, Provider::Unknown(_)), "{name}");
            assert_eq!(provider.as_str(), *name);
            let kind = crate::client::profile::ConnectionType::from(*name);
            assert!(
                !matches!(kind, crate::client::profile::ConnectionType::Unknown(_)),
                "{name}"
            );
        }
        // And no provider the rules do not list (the alias `GithubOAuth` reads as GitHubOAuth).
        for name in ["DiscordOAuth", "GoogleOIDC", "OktaSAML", ""] {
            assert!(!rocket_workos_sso_rules::OAUTH_PROVIDERS.contains(&name));
            assert!(
                matches!(Provider::from(name), Provider::Unknown(_)),
                "{name}"
            );
        }
    }
    use crate::client::config::{ApiKey, ClientId};

    fn config() -> WorkosConfig {
        WorkosConfig::builder(
            ApiKey::new("sk_test_secret").unwrap(),
            ClientId::new("client_123").unwrap(),
        )
        .build()
        .unwrap()
    }

    fn request(selector: ConnectionSelector) -> AuthorizationRequest {
        let redirect_uri = Url::parse("https://app.example.com/auth/workos/callback").unwrap();
        AuthorizationRequest::new(redirect_uri, selector)
    }

    fn pairs(url: &Url) -> Vec<(String, String)> {
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn minimal_url_has_exactly_the_required_parameters() {
        let url = request(ConnectionSelector::Organization("org_1".to_owned())).url(&config());
        assert_eq!(
            url.as_str(),
            "https://api.workos.com/sso/authorize?client_id=client_123\
             &redirect_uri=https%3A%2F%2Fapp.example.com%2Fauth%2Fworkos%2Fcallback&response_type=code&organization=org_1"
        );
    }

    #[test]
    fn each_selector_uses_its_own_parameter_name() {
        let cases = [
            (
                ConnectionSelector::Connection("conn_1".to_owned()),
                ("connection", "conn_1"),
            ),
            (
                ConnectionSelector::Organization("org_1".to_owned()),
                ("organization", "org_1"),
            ),
            (
                ConnectionSelector::Provider(Provider::GitHubOAuth),
                ("provider", "GitHubOAuth"),
            ),
            (
                ConnectionSelector::Provider(Provider::from("DiscordOAuth")),
                ("provider", "DiscordOAuth"),
            ),
        ];
        for (selector, (name, value)) in cases {
            let pairs = pairs(&request(selector).url(&config()));
            assert_eq!(pairs[3], (name.to_owned(), value.to_owned()));
            let selector_names = ["connection", "organization", "provider"];
            assert_eq!(
                pairs
                    .iter()
                    .filter(|(k, _)| selector_names.contains(&k.as_str()))
                    .count(),
                1
            );
        }
    }

    #[test]
    fn every_option_appears_once_in_a_fixed_order() {
        let state = State::new("st4te".to_owned());
        let verifier =
            PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_owned()).unwrap();
        let url = request(ConnectionSelector::Provider(Provider::GoogleOAuth))
            .state(&state)
            .domain_hint("foo-corp.com")
            .login_hint("dana@foo-corp.com")
            .nonce("n0nce")
            .prompt(Prompt::Login)
            .provider_scopes(["openid", "profile", "email"])
            .provider_query_param("hd", "foo-corp.com")
            .pkce(&verifier)
            .url(&config());
        let expected = owned(&[
            ("client_id", "client_123"),
            (
                "redirect_uri",
                "https://app.example.com/auth/workos/callback",
            ),
            ("response_type", "code"),
            ("provider", "GoogleOAuth"),
            ("state", "st4te"),
            ("domain_hint", "foo-corp.com"),
            ("login_hint", "dana@foo-corp.com"),
            ("nonce", "n0nce"),
            ("prompt", "login"),
            ("provider_scopes", "openid,profile,email"),
            ("provider_query_params[hd]", "foo-corp.com"),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
        ]);
        assert_eq!(pairs(&url), expected);
    }

    #[test]
    fn scopes_are_one_comma_joined_parameter() {
        let url = request(ConnectionSelector::Provider(Provider::GoogleOAuth))
            .provider_scopes(["openid", "email"])
            .url(&config());
        assert!(
            url.as_str().ends_with("&provider_scopes=openid%2Cemail"),
            "{url}"
        );
    }

    #[test]
    fn reserved_characters_are_percent_encoded() {
        let url = request(ConnectionSelector::Connection("conn_1".to_owned()))
            .login_hint("dana+sso@foo-corp.com & co=1")
            .url(&config());
        assert!(
            url.as_str()
                .ends_with("&login_hint=dana%2Bsso%40foo-corp.com+%26+co%3D1"),
            "{url}"
        );
        assert_eq!(pairs(&url)[4].1, "dana+sso@foo-corp.com & co=1");
    }

    #[test]
    fn the_verifier_itself_never_appears_in_the_url() {
        let verifier = PkceVerifier::generate();
        let url = request(ConnectionSelector::Connection("conn_1".to_owned()))
            .pkce(&verifier)
            .url(&config());
        assert!(!url.as_str().contains(verifier.expose()));
    }

    #[test]
    fn a_prefixed_base_url_keeps_its_prefix() {
        let config = WorkosConfig::builder(
            ApiKey::new("sk_1").unwrap(),
            ClientId::new("client_1").unwrap(),
        )
        .base_url("http://127.0.0.1:9000/workos")
        .build()
        .unwrap();
        let url = request(ConnectionSelector::Connection("conn_1".to_owned())).url(&config);
        assert!(
            url.as_str()
                .starts_with("http://127.0.0.1:9000/workos/sso/authorize?"),
            "{url}"
        );
    }
}

//! Runtime configuration of the WorkOS client: the API key, the client ID, where WorkOS lives and how patient
//! to be with it.
//!
//! Secrets are read at runtime, never at compile time: `env!("WORKOS_API_KEY")` would embed the key in the
//! binary. [`WorkosConfig::from_env`] reads the variable names every official WorkOS SDK uses.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use url::Url;

use crate::client::secret::secret_string;

/// The API base URL every official SDK defaults to.
pub const DEFAULT_BASE_URL: &str = "https://api.workos.com";

/// How long to wait for a TCP + TLS connection by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one request attempt may take by default, from connecting to the last body byte.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// How many times an idempotent `GET` is retried by default.
pub const DEFAULT_MAX_RETRIES: u32 = 3;

/// The first backoff delay between `GET` retries by default; it doubles per retry.
pub const DEFAULT_RETRY_BACKOFF: Duration = Duration::from_millis(100);

secret_string! {
    /// The WorkOS API key (`sk_…`), also sent as `client_secret` to `POST /sso/token`.
    ///
    /// `Debug` and `Display` print `<redacted>`; [`expose`](Self::expose) returns the key.
    ///
    /// # Example
    ///
    /// ```
    /// use rocket_workos_sso::config::ApiKey;
    ///
    /// let key = ApiKey::new("sk_test_123")?;
    /// assert_eq!(format!("{key:?} {key}"), "<redacted> <redacted>");
    /// assert_eq!(key.expose(), "sk_test_123");
    /// # Ok::<(), rocket_workos_sso::config::ConfigError>(())
    /// ```
    pub struct ApiKey;
}

impl ApiKey {
    /// Wraps an API key, refusing empty values and values that cannot travel in an HTTP header.
    pub fn new(key: impl Into<String>) -> Result<Self, ConfigError> {
        let key = key.into();
        if key.is_empty() {
            return Err(ConfigError::Missing(Setting::ApiKey));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::invalid(
                Setting::ApiKey,
                "it contains whitespace or non-ASCII characters; copy the key again from the WorkOS dashboard",
            ));
        }
        Ok(Self(key))
    }
}

/// The WorkOS client ID (`client_…`, or `project_…` in very old environments). Not a secret.
///
/// # Example
///
/// ```
/// use rocket_workos_sso::config::ClientId;
///
/// let id: ClientId = "client_01JNDY0YP57RCYBVN5SXS5AA81".parse()?;
/// assert_eq!(id.as_str(), "client_01JNDY0YP57RCYBVN5SXS5AA81");
/// assert!("sk_test_123".parse::<ClientId>().is_err());
/// # Ok::<(), rocket_workos_sso::config::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    const PREFIXES: [&'static str; 2] = ["client_", "project_"];

    /// Validates and wraps a client ID.
    pub fn new(id: impl Into<String>) -> Result<Self, ConfigError> {
        let id = id.into();
        if id.is_empty() {
            return Err(ConfigError::Missing(Setting::ClientId));
        }
        // The value is never echoed: a misplaced API key would end up in the error message.
        if id.starts_with("sk_") {
            return Err(ConfigError::invalid(
                Setting::ClientId,
                "it starts with `sk_`, so it looks like an API key; use the `client_…` ID from the dashboard",
            ));
        }
        let has_prefix = Self::PREFIXES
            .iter()
            .any(|p| id.len() > p.len() && id.starts_with(p));
        if !has_prefix || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(ConfigError::invalid(
                Setting::ClientId,
                "it must be `client_` (or, for very old environments, `project_`) followed by letters and digits",
            ));
        }
        Ok(Self(id))
    }

    /// The client ID as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ClientId {
    type Err = ConfigError;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        Self::new(id)
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Everything the WorkOS client needs: credentials, base URL, timeouts and retry policy.
///
/// Build it with [`WorkosConfig::builder`] or read it with [`WorkosConfig::from_env`].
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use rocket_workos_sso::config::{ApiKey, ClientId, WorkosConfig};
///
/// let config = WorkosConfig::builder(ApiKey::new("sk_test_123")?, ClientId::new("client_123")?)
///     .request_timeout(Duration::from_secs(10))
///     .user_agent_suffix("my-app/1.2")
///     .build()?;
/// assert_eq!(config.base_url().as_str(), "https://api.workos.com/");
/// assert_eq!(config.request_timeout(), Duration::from_secs(10));
/// # Ok::<(), rocket_workos_sso::config::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct WorkosConfig {
    pub(crate) api_key: ApiKey,
    pub(crate) client_id: ClientId,
    pub(crate) base_url: Url,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) retry_backoff: Duration,
    pub(crate) user_agent_suffix: Option<String>,
}

impl WorkosConfig {
    /// Starts a configuration with the two required settings; everything else has a default.
    pub fn builder(api_key: ApiKey, client_id: ClientId) -> WorkosConfigBuilder {
        WorkosConfigBuilder {
            api_key,
            client_id,
            base_url: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            retry_backoff: DEFAULT_RETRY_BACKOFF,
            user_agent_suffix: None,
        }
    }

    /// Reads `WORKOS_API_KEY`, `WORKOS_CLIENT_ID` and the optional `WORKOS_BASE_URL` from the process environment.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use rocket_workos_sso::config::WorkosConfig;
    ///
    /// let config = WorkosConfig::from_env()?;
    /// # Ok::<(), rocket_workos_sso::config::ConfigError>(())
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup` instead of the process
    /// environment (for tests, or for values that come from another source).
    ///
    /// Surrounding whitespace is trimmed (secret files often end with a newline), and an empty value counts
    /// as unset.
    ///
    /// # Example
    ///
    /// ```
    /// use rocket_workos_sso::config::WorkosConfig;
    ///
    /// let config = WorkosConfig::from_lookup(|name| match name {
    ///     "WORKOS_API_KEY" => Some("sk_test_123".to_owned()),
    ///     "WORKOS_CLIENT_ID" => Some("client_123".to_owned()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(config.client_id().as_str(), "client_123");
    /// # Ok::<(), rocket_workos_sso::config::ConfigError>(())
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let read = |setting: Setting| {
            setting
                .env_var()
                .and_then(&lookup)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let api_key = ApiKey::new(read(Setting::ApiKey).unwrap_or_default())?;
        let client_id = ClientId::new(read(Setting::ClientId).unwrap_or_default())?;
        let mut builder = Self::builder(api_key, client_id);
        if let Some(base_url) = read(Setting::BaseUrl) {
            builder = builder.base_url(base_url);
        }
        builder.build()
    }

    /// The client ID sent to `/sso/authorize` and `/sso/token`.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// The API base URL, always ending in `/`.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The connect timeout of every request.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The overall timeout of one request attempt.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// How many times an idempotent `GET` is retried.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }
}

/// Builds a [`WorkosConfig`]; see [`WorkosConfig::builder`].
#[derive(Debug)]
#[must_use = "call `build()` to get the configuration"]
pub struct WorkosConfigBuilder {
    api_key: ApiKey,
    client_id: ClientId,
    base_url: Option<String>,
    connect_timeout: Duration,
    request_timeout: Duration,
    max_retries: u32,
    retry_backoff: Duration,
    user_agent_suffix: Option<String>,
}

impl WorkosConfigBuilder {
    /// Overrides the API base URL (a mock server, the emulator). Plain `http` is only accepted for loopback
    /// hosts, because the API key travels with every request.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Sets how long to wait for a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets how long one request attempt may take in total (default 15 s). Timed-out requests are not retried.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets how many times an idempotent `GET` is retried after a 5xx, a 429 or a connect failure (default 3).
    /// `POST` and `DELETE` requests are never retried.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the first delay between `GET` retries (default 100 ms); it doubles per retry, up to a cap.
    pub fn retry_backoff(mut self, base: Duration) -> Self {
        self.retry_backoff = base;
        self
    }

    /// Appends text to the `User-Agent` header, e.g. `my-app/1.2`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Validates the settings.
    pub fn build(self) -> Result<WorkosConfig, ConfigError> {
        let base_url = parse_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        for (setting, timeout) in [
            (Setting::ConnectTimeout, self.connect_timeout),
            (Setting::RequestTimeout, self.request_timeout),
        ] {
            if timeout.is_zero() {
                return Err(ConfigError::invalid(setting, "it must be longer than zero"));
            }
        }
        if let Some(suffix) = &self.user_agent_suffix {
            if suffix.is_empty() || !suffix.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
                return Err(ConfigError::invalid(
                    Setting::UserAgentSuffix,
                    "it must be non-empty printable ASCII, e.g. `my-app/1.2`",
                ));
            }
        }
        Ok(WorkosConfig {
            api_key: self.api_key,
            client_id: self.client_id,
            base_url,
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            max_retries: self.max_retries,
            retry_backoff: self.retry_backoff,
            user_agent_suffix: self.user_agent_suffix,
        })
    }
}

/// Parses the base URL and normalises it to end in `/`, so endpoint paths append instead of replacing the
/// last segment of a prefixed base such as `http://127.0.0.1:9000/workos`.
fn parse_base_url(raw: &str) -> Result<Url, ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid {
        setting: Setting::BaseUrl,
        reason,
    };
    let mut url =
        Url::parse(raw).map_err(|e| invalid(format!("it is not an absolute URL ({e})")))?;
    let loopback = url
        .host()
        .is_some_and(|host| rocket_workos_sso_rules::is_loopback(&host));
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(invalid(
                "plain http is only allowed for localhost; use https".to_owned(),
            ))
        }
        _ => {
            return Err(invalid(
                "it must be an http(s) URL, e.g. https://api.workos.com".to_owned(),
            ))
        }
    }
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(invalid(
            "it must not carry credentials, a query or a fragment".to_owned(),
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// A configuration setting, named after its environment variable where it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// `WORKOS_API_KEY`.
    ApiKey,
    /// `WORKOS_CLIENT_ID`.
    ClientId,
    /// `WORKOS_BASE_URL`.
    BaseUrl,
    /// The connect timeout.
    ConnectTimeout,
    /// The request timeout.
    RequestTimeout,
    /// The `User-Agent` suffix.
    UserAgentSuffix,
}

impl Setting {
    /// The environment variable [`WorkosConfig::from_env`] reads this setting from, if any.
    pub fn env_var(self) -> Option<&'static str> {
        match self {
            Self::ApiKey => Some("WORKOS_API_KEY"),
            Self::ClientId => Some("WORKOS_CLIENT_ID"),
            Self::BaseUrl => Some("WORKOS_BASE_URL"),
            Self::ConnectTimeout | Self::RequestTimeout | Self::UserAgentSuffix => None,
        }
    }

    fn how_to_set(self) -> &'static str {
        match self {
            Self::ApiKey => "set WORKOS_API_KEY to the `sk_…` key from the WorkOS dashboard's API Keys page",
            Self::ClientId => "set WORKOS_CLIENT_ID to the `client_…` ID from the WorkOS dashboard's API Keys page",
            Self::BaseUrl => "set WORKOS_BASE_URL, or leave it unset for https://api.workos.com",
            Self::ConnectTimeout | Self::RequestTimeout | Self::UserAgentSuffix => {
                "set it with the WorkosConfig builder"
            }
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::ApiKey => "WorkOS API key (WORKOS_API_KEY)",
            Self::ClientId => "WorkOS client ID (WORKOS_CLIENT_ID)",
            Self::BaseUrl => "WorkOS base URL (WORKOS_BASE_URL)",
            Self::ConnectTimeout => "connect timeout",
            Self::RequestTimeout => "request timeout",
            Self::UserAgentSuffix => "User-Agent suffix",
        };
        f.write_str(name)
    }
}

/// A missing or invalid setting. Messages name the setting and the fix, and never include the value.
///
/// # Example
///
/// ```
/// use rocket_workos_sso::config::{ConfigError, Setting, WorkosConfig};
///
/// let err = WorkosConfig::from_lookup(|_| None).unwrap_err();
/// assert_eq!(err.setting(), Setting::ApiKey);
/// assert!(err.to_string().contains("WORKOS_API_KEY"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required setting has no value.
    #[error("the {0} is missing: {how}", how = .0.how_to_set())]
    Missing(Setting),
    /// A setting has a value that cannot be used.
    #[error("the {setting} is invalid: {reason}")]
    Invalid {
        /// Which setting.
        setting: Setting,
        /// What is wrong with it and how to fix it.
        reason: String,
    },
}

impl ConfigError {
    fn invalid(setting: Setting, reason: &str) -> Self {
        Self::Invalid {
            setting,
            reason: reason.to_owned(),
        }
    }

    /// The setting at fault.
    pub fn setting(&self) -> Setting {
        match self {
            Self::Missing(setting) | Self::Invalid { setting, .. } => *setting,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    const REQUIRED: [(&str, &str); 2] = [
        ("WORKOS_API_KEY", "sk_test_secret"),
        ("WORKOS_CLIENT_ID", "client_123"),
    ];

    fn config_with_base_url(base_url: &str) -> Result<WorkosConfig, ConfigError> {
        WorkosConfig::builder(ApiKey::new("sk_test_secret")?, ClientId::new("client_123")?)
            .base_url(base_url)
            .build()
    }

    #[test]
    fn from_lookup_applies_defaults() {
        let config = WorkosConfig::from_lookup(lookup(&REQUIRED)).unwrap();
        assert_eq!(config.base_url().as_str(), "https://api.workos.com/");
        assert_eq!(config.connect_timeout(), DEFAULT_CONNECT_TIMEOUT);
        assert_eq!(config.request_timeout(), DEFAULT_REQUEST_TIMEOUT);
        assert_eq!(config.max_retries(), 3);
    }

    #[test]
    fn from_lookup_reads_the_base_url_override() {
        let vars = [
            REQUIRED[0],
            REQUIRED[1],
            ("WORKOS_BASE_URL", "http://127.0.0.1:9000/workos"),
        ];
        let config = WorkosConfig::from_lookup(lookup(&vars)).unwrap();
        assert_eq!(config.base_url().as_str(), "http://127.0.0.1:9000/workos/");
    }

    #[test]
    fn from_lookup_trims_values_and_treats_empty_as_unset() {
        let vars = [
            ("WORKOS_API_KEY", " sk_test_secret\n"),
            ("WORKOS_CLIENT_ID", "client_123"),
            ("WORKOS_BASE_URL", ""),
        ];
        let config = WorkosConfig::from_lookup(lookup(&vars)).unwrap();
        assert_eq!(config.api_key.expose(), "sk_test_secret");
        assert_eq!(config.base_url().as_str(), "https://api.workos.com/");
    }

    #[test]
    fn missing_api_key_names_the_variable() {
        let err = WorkosConfig::from_lookup(lookup(&[REQUIRED[1]])).unwrap_err();
        assert!(matches!(err, ConfigError::Missing(Setting::ApiKey)));
        assert!(err.to_string().contains("WORKOS_API_KEY"), "{err}");
    }

    #[test]
    fn missing_client_id_names_the_variable() {
        let err = WorkosConfig::from_lookup(lookup(&[REQUIRED[0]])).unwrap_err();
        assert!(matches!(err, ConfigError::Missing(Setting::ClientId)));
        assert!(err.to_string().contains("WORKOS_CLIENT_ID"), "{err}");
    }

    #[test]
    fn client_id_accepts_client_and_legacy_project_prefixes() {
        assert!(ClientId::new("client_01JNDY0YP57RCYBVN5SXS5AA81").is_ok());
        assert!(ClientId::new("project_01EGKAEB7G5N88E83MF99J785F").is_ok());
    }

    #[test]
    fn client_id_rejects_other_prefixes_with_a_fix() {
        for bad in [
            "conn_123",
            "client_",
            "client_ 1",
            "01JNDY0YP57RCYBVN5SXS5AA81",
        ] {
            let err = ClientId::new(bad).unwrap_err();
            assert_eq!(err.setting(), Setting::ClientId, "{bad}");
            assert!(err.to_string().contains("`client_`"), "{err}");
        }
    }

    #[test]
    fn an_api_key_in_the_client_id_slot_is_flagged_without_echoing_it() {
        let vars = [
            ("WORKOS_API_KEY", "sk_test_secret"),
            ("WORKOS_CLIENT_ID", "sk_test_secret"),
        ];
        let err = WorkosConfig::from_lookup(lookup(&vars))
            .unwrap_err()
            .to_string();
        assert!(err.contains("looks like an API key"), "{err}");
        assert!(!err.contains("sk_test_secret"), "{err}");
    }

    #[test]
    fn api_key_with_inner_whitespace_is_rejected_without_echoing_it() {
        let err = ApiKey::new("sk_test secret").unwrap_err();
        assert_eq!(err.setting(), Setting::ApiKey);
        assert!(!format!("{err} {err:?}").contains("secret"), "{err}");
    }

    #[test]
    fn api_key_debug_and_display_are_redacted() {
        let key = ApiKey::new("sk_test_secret").unwrap();
        assert_eq!(format!("{key:?}|{key}"), "<redacted>|<redacted>");
    }

    #[test]
    fn config_debug_does_not_show_the_api_key() {
        let config = WorkosConfig::from_lookup(lookup(&REQUIRED)).unwrap();
        assert!(!format!("{config:?}").contains("sk_test_secret"));
    }

    #[test]
    fn plain_http_is_refused_for_remote_hosts() {
        let err = config_with_base_url("http://api.workos.com").unwrap_err();
        assert_eq!(err.setting(), Setting::BaseUrl);
        assert!(err.to_string().contains("https"), "{err}");
    }

    #[test]
    fn plain_http_is_allowed_for_loopback_hosts() {
        for url in [
            "http://localhost:8080",
            "http://127.0.0.1:1",
            "http://[::1]:1",
        ] {
            assert!(config_with_base_url(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn base_url_must_be_absolute_and_plain() {
        for url in [
            "api.workos.com",
            "ftp://api.workos.com",
            "https://user:pw@api.workos.com",
            "https://x.io/?a=b",
        ] {
            assert_eq!(
                config_with_base_url(url).unwrap_err().setting(),
                Setting::BaseUrl,
                "{url}"
            );
        }
    }

    #[test]
    fn zero_timeouts_are_refused() {
        let builder = || {
            WorkosConfig::builder(
                ApiKey::new("sk_1").unwrap(),
                ClientId::new("client_1").unwrap(),
            )
        };
        let err = builder()
            .request_timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert_eq!(err.setting(), Setting::RequestTimeout);
        let err = builder()
            .connect_timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert_eq!(err.setting(), Setting::ConnectTimeout);
    }

    #[test]
    fn user_agent_suffix_must_be_printable() {
        let builder = WorkosConfig::builder(
            ApiKey::new("sk_1").unwrap(),
            ClientId::new("client_1").unwrap(),
        );
        let err = builder
            .user_agent_suffix("my-app\r\nX-Evil: 1")
            .build()
            .unwrap_err();
        assert_eq!(err.setting(), Setting::UserAgentSuffix);
    }
}

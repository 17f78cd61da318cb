//! The fairing's run-time settings: the `workos` table of Rocket's configuration (`[default.workos]` in
//! `Rocket.toml`, or `ROCKET_WORKOS='{...}'`), with WorkOS's own environment variables as fallback.
//!
//! ```toml
//! [default.workos]
//! session_lifetime = 28800      # seconds a sign-in lasts (default 8 hours)
//! logout_redirect = "/"         # where the logout route sends the browser
//! login_path = "/sso/login"     # where the generated login route is mounted
//! logout_path = "/sso/logout"   # where the generated logout route is mounted
//! # api_key = "sk_..."          # prefer the WORKOS_API_KEY environment variable
//! # base_url = "https://api.workos.com"
//! # emulator = true             # use the embedded WorkOS emulator (feature `emulator`)
//! # redirect_origin = "https://staging.example.com"
//! organization_lookups_per_second = 10 # the work-email page's WorkOS lookups, per instance (1 to 1000)
//! # The sign-in of handlers whose #[workos_sso] writes no redirect_uri and client_id (bare, or only
//! # role and groups); each falls back to the environment variable named.
//! # client_id = "client_..."                        # WORKOS_CLIENT_ID
//! # redirect_uri = "https://app.example.com/callback" # WORKOS_REDIRECT_URI
//! # organization = "org_..."                        # WORKOS_ORGANIZATION_ID (or connection, WORKOS_CONNECTION_ID)
//! # Server-side sessions (feature `redis`): see the `store` module.
//! # session_store = "redis://127.0.0.1:6379/0"       # WORKOS_SESSION_STORE
//! # session_store = "redis+sentinel://:PASSWORD@10.0.0.7:26379,10.0.0.8:26379/mymaster/0" # behind Sentinel
//! # session_idle_timeout = 1800
//! # session_cache_ms = 1000
//! # session_store_timeout_ms = 500
//! # Sessions that end when the customer's directory deprovisions someone (needs session_store):
//! # events_poll_interval_ms = 5000                 # poll WorkOS's Events API (WORKOS_EVENTS_POLL_INTERVAL_MS)
//! # webhook_secret = "..."                         # mount the webhook route (WORKOS_WEBHOOK_SECRET)
//! # webhook_path = "/sso/webhooks"                 # where the webhook route is mounted
//! ```
//!
//! `redirect_origin` replaces the scheme, host and port of every handler's compile-time `redirect_uri`,
//! keeping its path: one build can then run at several addresses (staging and production hosts, or an
//! app on an ephemeral port in tests). Each effective redirect URI must still be allowlisted on the WorkOS
//! dashboard; the embedded emulator allowlists the effective ones itself. Cookies are marked `Secure` when
//! the effective scheme is `https`.

use std::time::Duration;

use rocket::figment::Figment;
use serde::Deserialize;
use url::Url;

use crate::client::config::{ApiKey, ConfigError};

mod store_url;

pub(crate) use store_url::{is_sentinel, SentinelUrl};

/// How long a sign-in lasts unless `workos.session_lifetime` says otherwise.
pub(crate) const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);

/// The longest `workos.session_lifetime` accepted: 30 days. A longer-lived cookie is a longer-lived
/// credential to steal.
pub(crate) const MAX_SESSION_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The table as written; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Raw {
    api_key: Option<String>,
    base_url: Option<String>,
    session_lifetime: Option<u64>,
    logout_redirect: Option<String>,
    login_path: Option<String>,
    logout_path: Option<String>,
    emulator: Option<bool>,
    request_timeout: Option<u64>,
    redirect_origin: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    organization: Option<String>,
    connection: Option<String>,
    session_store: Option<String>,
    session_idle_timeout: Option<u64>,
    session_cache_ms: Option<u64>,
    session_store_timeout_ms: Option<u64>,
    organization_lookups_per_second: Option<u64>,
    events_poll_interval_ms: Option<u64>,
    webhook_secret: Option<String>,
    webhook_path: Option<String>,
}

/// The settings, checked.
#[derive(Debug)]
pub(crate) struct Settings {
    /// The WorkOS API key, if one is configured.
    pub api_key: Option<ApiKey>,
    /// The WorkOS API base URL override.
    pub base_url: Option<String>,
    /// How long a sign-in lasts.
    pub session_lifetime: Duration,
    /// Where the logout route sends the browser.
    pub logout_redirect: String,
    /// The login route's path.
    pub login_path: String,
    /// The logout route's path.
    pub logout_path: String,
    /// `Some(true)` to use the embedded emulator, `Some(false)` to never use it, `None` to decide from
    /// the build and the API key.
    pub emulator: Option<bool>,
    /// The WorkOS request timeout override.
    pub request_timeout: Option<Duration>,
    /// The scheme, host and port that replace those of every handler's `redirect_uri`: an origin such as
    /// `https://staging.example.com`, without a path.
    pub redirect_origin: Option<Url>,
    /// The sign-in of handlers that leave `redirect_uri` and `client_id` to the application: the values
    /// as read, checked per handler at launch (the same rules as the attribute's).
    pub sign_in: AppSignIn,
    /// The server-side session store, if sessions live in one (`workos.session_store`).
    pub(crate) store: Option<StoreSettings>,
    /// How many domains the work-email page may look up in WorkOS's Organizations API in any one second
    /// on this instance (`workos.organization_lookups_per_second`); answers it kept do not count.
    pub organization_lookups_per_second: u32,
    /// How the application learns that a customer's directory deprovisioned someone.
    pub(crate) directory: DirectorySettings,
}

/// Directory Sync events that end sessions: polled from the Events API, delivered to a webhook route,
/// or both (each event is handled once).
#[derive(Debug, Default)]
pub(crate) struct DirectorySettings {
    /// Poll `GET /events` this often (`workos.events_poll_interval_ms`).
    pub(crate) poll_interval: Option<Duration>,
    /// The webhook route's secret and path (`workos.webhook_secret`, `workos.webhook_path`).
    pub(crate) webhook: Option<(WebhookSecret, String)>,
}

/// The secret WorkOS signs webhook deliveries with: never printed.
#[derive(Clone)]
pub(crate) struct WebhookSecret(pub(crate) String);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

/// The bounds of `workos.events_poll_interval_ms`: from a tenth of a second to an hour.
const POLL_INTERVAL_MS: std::ops::RangeInclusive<u64> = 100..=3_600_000;

/// A value as settings read it: trimmed, and unset when blank.
fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The directory settings of `raw`, which need a session store: stateless cookies cannot be revoked.
fn directory_settings(
    raw: &mut Raw,
    store: Option<&StoreSettings>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<DirectorySettings, SettingsError> {
    let (poll, poll_from) = match raw.events_poll_interval_ms {
        Some(ms) => (Some(ms.to_string()), "workos.events_poll_interval_ms"),
        None => (
            non_empty(env("WORKOS_EVENTS_POLL_INTERVAL_MS")),
            "the WORKOS_EVENTS_POLL_INTERVAL_MS environment variable",
        ),
    };
    let (secret, secret_from) = match non_empty(raw.webhook_secret.take()) {
        Some(secret) => (Some(secret), "workos.webhook_secret"),
        None => (
            non_empty(env("WORKOS_WEBHOOK_SECRET")),
            "the WORKOS_WEBHOOK_SECRET environment variable",
        ),
    };
    let asked = [(poll.is_some(), poll_from), (secret.is_some(), secret_from)];
    if let (None, Some((_, from))) = (store, asked.iter().find(|(set, _)| *set)) {
        return Err(SettingsError(format!(
            "{from} ends sessions when a customer's directory deprovisions someone, and sessions are \
             stateless cookies, which cannot be ended before they expire\nhelp: set `workos.session_store` \
             (or WORKOS_SESSION_STORE) to a redis:// URL, with the `redis` feature"
        )));
    }
    let poll_interval = match poll {
        None => None,
        Some(ms) => match ms.parse::<u64>() {
            Ok(ms) if POLL_INTERVAL_MS.contains(&ms) => Some(Duration::from_millis(ms)),
            _ => {
                return Err(SettingsError(format!(
                "{poll_from} = {ms} is out of range\nhelp: give it in milliseconds, from {} to {}",
                POLL_INTERVAL_MS.start(),
                POLL_INTERVAL_MS.end()
            )))
            }
        },
    };
    let webhook = match secret {
        None if raw.webhook_path.is_some() => {
            return Err(SettingsError(
                "workos.webhook_path is set, and no webhook secret is\nhelp: set `workos.webhook_secret` \
                 (or WORKOS_WEBHOOK_SECRET) to the secret the WorkOS dashboard shows for the endpoint"
                    .to_owned(),
            ))
        }
        None => None,
        Some(secret) => Some((
            WebhookSecret(secret),
            route_path("webhook_path", raw.webhook_path.take(), "/sso/webhooks")?,
        )),
    };
    Ok(DirectorySettings {
        poll_interval,
        webhook,
    })
}

/// How many domains the work-email page looks up in WorkOS per second and instance unless
/// `workos.organization_lookups_per_second` says otherwise: well under WorkOS's rate limits, and far
/// more than people typing their address.
pub(crate) const DEFAULT_ORGANIZATION_LOOKUPS_PER_SECOND: u32 = 10;

/// The most `workos.organization_lookups_per_second` may be.
const MAX_ORGANIZATION_LOOKUPS_PER_SECOND: u64 = 1000;

/// The application's sign-in settings, for handlers that leave `redirect_uri` and `client_id` to it:
/// each value with where it was read, for messages.
#[derive(Debug, Default, Clone)]
pub(crate) struct AppSignIn {
    /// `workos.client_id` or WORKOS_CLIENT_ID.
    pub client_id: Option<Read>,
    /// `workos.redirect_uri` or WORKOS_REDIRECT_URI.
    pub redirect_uri: Option<Read>,
    /// `workos.organization` or WORKOS_ORGANIZATION_ID.
    pub organization: Option<Read>,
    /// `workos.connection` or WORKOS_CONNECTION_ID.
    pub connection: Option<Read>,
}

/// A value read at launch, and where it was read (`workos.client_id`, `the WORKOS_CLIENT_ID environment
/// variable`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Read {
    /// The value, trimmed.
    pub value: String,
    /// Where it came from, as a message names it.
    pub from: String,
}

/// The environment variable the application's `key` falls back to.
pub(crate) fn env_name(key: &str) -> &'static str {
    match key {
        "client_id" => "WORKOS_CLIENT_ID",
        "redirect_uri" => "WORKOS_REDIRECT_URI",
        "organization" => "WORKOS_ORGANIZATION_ID",
        _ => "WORKOS_CONNECTION_ID",
    }
}

/// A setting that cannot be used; the message names the setting and the fix, never a secret value.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct SettingsError(String);

impl Settings {
    /// Reads the `workos` table of `figment`, falling back to `WORKOS_API_KEY` and `WORKOS_BASE_URL`
    /// looked up with `env`.
    pub(crate) fn from_figment(
        figment: &Figment,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        // Rocket reads each top-level table of Rocket.toml as a profile: a `[workos]` table there is a
        // profile named "workos" that no launch selects, and every setting in it would be ignored.
        if figment.profile() != "workos" && figment.profiles().any(|profile| profile == "workos") {
            return Err(SettingsError(
                "Rocket.toml has a top-level [workos] table, which Rocket reads as a profile named \
                 \"workos\" and never uses, so none of its settings would apply\nhelp: rename it \
                 [default.workos] (or [release.workos] / [debug.workos] for one profile only)"
                    .to_owned(),
            ));
        }
        let mut raw: Raw = if figment.find_value("workos").is_ok() {
            figment.extract_inner("workos").map_err(|error| {
                SettingsError(format!(
                    "the workos configuration table is invalid: {error}\nhelp: the keys are api_key, \
                     base_url, session_lifetime, logout_redirect, login_path, logout_path, emulator, \
                     request_timeout, redirect_origin, client_id, redirect_uri, organization, connection, \
                     session_store, session_idle_timeout, session_cache_ms, session_store_timeout_ms, \
                     organization_lookups_per_second, events_poll_interval_ms, webhook_secret and \
                     webhook_path"
                ))
            })?
        } else {
            Raw::default()
        };
        let session_lifetime = match raw.session_lifetime {
            None => DEFAULT_SESSION_LIFETIME,
            Some(seconds @ 60..) if Duration::from_secs(seconds) <= MAX_SESSION_LIFETIME => {
                Duration::from_secs(seconds)
            }
            Some(seconds) => {
                return Err(SettingsError(format!(
                    "workos.session_lifetime = {seconds} is out of range\nhelp: give it in seconds, from 60 to \
                     {} (30 days)",
                    MAX_SESSION_LIFETIME.as_secs()
                )))
            }
        };
        let store = store_settings(&raw, session_lifetime, &env)?;
        let directory = directory_settings(&mut raw, store.as_ref(), &env)?;
        let organization_lookups_per_second = match raw.organization_lookups_per_second {
            None => DEFAULT_ORGANIZATION_LOOKUPS_PER_SECOND,
            Some(n @ 1..=MAX_ORGANIZATION_LOOKUPS_PER_SECOND) => {
                u32::try_from(n).unwrap_or(DEFAULT_ORGANIZATION_LOOKUPS_PER_SECOND)
            }
            Some(n) => {
                return Err(SettingsError(format!(
                    "workos.organization_lookups_per_second = {n} is out of range\nhelp: from 1 to \
                     {MAX_ORGANIZATION_LOOKUPS_PER_SECOND}: how many domains the work-email page may look \
                     up in WorkOS in any one second on this instance"
                )))
            }
        };
        let api_key = non_empty(raw.api_key.or_else(|| env("WORKOS_API_KEY")))
            .map(ApiKey::new)
            .transpose()
            .map_err(|error: ConfigError| SettingsError(error.to_string()))?;
        let logout_redirect = raw.logout_redirect.unwrap_or_else(|| "/".to_owned());
        if crate::flow::safe_return_to(&logout_redirect).is_none() {
            return Err(SettingsError(format!(
                "workos.logout_redirect = {logout_redirect:?} is not a path on this site\nhelp: write a path such \
                 as \"/\" or \"/goodbye\""
            )));
        }
        // The table, else WorkOS's environment name; where each came from, for messages.
        let read = |key: &str, table: Option<String>| {
            let variable = env_name(key);
            match non_empty(table) {
                Some(value) => Some(Read {
                    value,
                    from: format!("`workos.{key}`"),
                }),
                None => non_empty(env(variable)).map(|value| Read {
                    value,
                    from: format!("the {variable} environment variable"),
                }),
            }
        };
        let sign_in = AppSignIn {
            client_id: read("client_id", raw.client_id),
            redirect_uri: read("redirect_uri", raw.redirect_uri),
            organization: read("organization", raw.organization),
            connection: read("connection", raw.connection),
        };
        Ok(Settings {
            store,
            directory,
            organization_lookups_per_second,
            sign_in,
            api_key,
            base_url: non_empty(raw.base_url.or_else(|| env("WORKOS_BASE_URL"))),
            session_lifetime,
            logout_redirect,
            login_path: route_path("login_path", raw.login_path, "/sso/login")?,
            logout_path: route_path("logout_path", raw.logout_path, "/sso/logout")?,
            emulator: raw.emulator,
            request_timeout: raw.request_timeout.map(Duration::from_secs),
            redirect_origin: non_empty(raw.redirect_origin)
                .map(|origin| redirect_origin(&origin))
                .transpose()?,
        })
    }
}

/// How long an instance trusts a session it read from the store unless `workos.session_cache_ms` says
/// otherwise: a session revoked elsewhere is refused here at most this much later.
pub(crate) const DEFAULT_SESSION_CACHE: Duration = Duration::from_millis(1000);

/// The longest a request waits for the session store unless `workos.session_store_timeout_ms` says
/// otherwise; after it, the request answers 503.
pub(crate) const DEFAULT_STORE_TIMEOUT: Duration = Duration::from_millis(500);

/// `workos.session_store` (or WORKOS_SESSION_STORE) and the settings that go with it.
fn store_settings(
    raw: &Raw,
    lifetime: Duration,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<StoreSettings>, SettingsError> {
    let read = non_empty(raw.session_store.clone())
        .map(|url| (url, "workos.session_store"))
        .or_else(|| {
            non_empty(env("WORKOS_SESSION_STORE"))
                .map(|url| (url, "the WORKOS_SESSION_STORE environment variable"))
        });
    let (url, from) = match read {
        Some((url, from)) => (url, from.to_owned()),
        None => {
            let needs_store = [
                ("session_idle_timeout", raw.session_idle_timeout.is_some()),
                ("session_cache_ms", raw.session_cache_ms.is_some()),
                (
                    "session_store_timeout_ms",
                    raw.session_store_timeout_ms.is_some(),
                ),
            ];
            if let Some((key, _)) = needs_store.iter().find(|(_, set)| *set) {
                return Err(SettingsError(format!(
                    "workos.{key} applies to server-side sessions, and no session store is configured\n\
                     help: set `workos.session_store` (or WORKOS_SESSION_STORE) to a redis:// URL, or \
                     remove `workos.{key}`"
                )));
            }
            return Ok(None);
        }
    };
    let shown = redacted(&url);
    if url == "cookie" {
        return Ok(None);
    }
    if !["redis://", "rediss://", "redis+unix://", "unix://"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
        && !is_sentinel(&url)
    {
        return Err(SettingsError(format!(
            "{from} = {shown} is not a Redis URL\nhelp: write redis://host:port/db (rediss:// for TLS), \
             redis+sentinel://host:port[,host:port...]/service/db for a primary behind Redis Sentinel, or \
             \"cookie\" for stateless cookie sessions"
        )));
    }
    if let Err(why) = SentinelUrl::parse(&url) {
        return Err(SettingsError(format!(
            "{from} = {shown} is not a valid Sentinel URL: {why}"
        )));
    }
    if !cfg!(feature = "redis") {
        return Err(SettingsError(format!(
            "{from} names a Redis session store, and this build has no Redis support\nhelp: enable the \
             `redis` feature of rocket-workos-sso in Cargo.toml"
        )));
    }
    let idle_timeout = match raw.session_idle_timeout {
        None => None,
        Some(seconds @ 1..) if Duration::from_secs(seconds) <= lifetime => {
            Some(Duration::from_secs(seconds))
        }
        Some(seconds) => {
            return Err(SettingsError(format!(
                "workos.session_idle_timeout = {seconds} is out of range\nhelp: give it in seconds, from 1 to \
                 the session lifetime ({})",
                lifetime.as_secs()
            )))
        }
    };
    let cache = match raw.session_cache_ms {
        None => DEFAULT_SESSION_CACHE,
        Some(ms @ 0..=60_000) => Duration::from_millis(ms),
        Some(ms) => {
            return Err(SettingsError(format!(
                "workos.session_cache_ms = {ms} is out of range\nhelp: from 0 (read the store on every \
                 request) to 60000; a revoked session is refused on other instances at most this late"
            )))
        }
    };
    let timeout = match raw.session_store_timeout_ms {
        None => DEFAULT_STORE_TIMEOUT,
        Some(ms @ 10..=10_000) => Duration::from_millis(ms),
        Some(ms) => {
            return Err(SettingsError(format!(
                "workos.session_store_timeout_ms = {ms} is out of range\nhelp: from 10 to 10000 milliseconds"
            )))
        }
    };
    Ok(Some(StoreSettings {
        url,
        from,
        idle_timeout,
        cache,
        timeout,
    }))
}

/// Parses `workos.redirect_origin`: `http` or `https`, a host, an optional port, and nothing else.
fn redirect_origin(value: &str) -> Result<Url, SettingsError> {
    let invalid = |reason: &str| {
        SettingsError(format!(
            "workos.redirect_origin = {value:?} {reason}\nhelp: write only a scheme, a host and an optional port, \
             such as \"https://staging.example.com\" or \"http://127.0.0.1:8000\""
        ))
    };
    let url = Url::parse(value).map_err(|_| invalid("is not an absolute URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid("is not an http or https origin"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("has a path, query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("has credentials"));
    }
    Ok(url)
}

fn route_path(key: &str, value: Option<String>, default: &str) -> Result<String, SettingsError> {
    let path = value.unwrap_or_else(|| default.to_owned());
    let valid = path.starts_with('/')
        && !path.contains(['?', '#', '<', '>', '\\'])
        && !path.chars().any(|c| c.is_control() || c.is_whitespace());
    if valid {
        Ok(path)
    } else {
        Err(SettingsError(format!(
            "workos.{key} = {path:?} is not a route path\nhelp: write a path such as \"{default}\""
        )))
    }
}

/// The server-side store's settings, as read from the `workos` table.
#[derive(Clone)]
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) struct StoreSettings {
    /// The store's URL (`redis://…`, `rediss://…`, or `redis+sentinel://…` as [`SentinelUrl`] reads
    /// it); it may carry passwords, so it is never printed whole.
    pub(crate) url: String,
    /// Where the URL was read, for messages.
    pub(crate) from: String,
    /// Sessions unused this long end (sliding); `None`: only the absolute lifetime.
    pub(crate) idle_timeout: Option<std::time::Duration>,
    /// How long an instance trusts a session it read from the store.
    pub(crate) cache: std::time::Duration,
    /// The longest one call to the store may take before the request answers 503.
    pub(crate) timeout: std::time::Duration,
}

/// The URL without its password.
impl std::fmt::Debug for StoreSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSettings")
            .field("url", &redacted(&self.url))
            .field("idle_timeout", &self.idle_timeout)
            .field("cache", &self.cache)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// `url` without its password (a Sentinel URL without either of its passwords), for messages and logs.
pub(crate) fn redacted(url: &str) -> String {
    if let Some(shown) = store_url::redacted_sentinel(url) {
        return shown;
    }
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("redacted"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(not a URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use rocket::figment::providers::{Format, Toml};

    use super::*;

    fn settings(toml: &str, env: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let figment = Figment::from(Toml::string(toml));
        Settings::from_figment(&figment, |name| {
            env.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn a_top_level_workos_table_in_rocket_toml_is_refused_and_default_workos_is_read() {
        // As Rocket reads Rocket.toml: each top-level table is a profile.
        let rocket_toml = |text: &str| {
            Figment::from(rocket::Config::debug_default())
                .merge(Toml::string(text).nested())
                .select("debug")
        };
        let error =
            Settings::from_figment(&rocket_toml("[workos]\napi_key = \"sk_test_x\""), |_| None)
                .unwrap_err()
                .to_string();
        assert!(error.contains("top-level [workos] table"), "{error}");
        assert!(
            error.contains("help: rename it [default.workos]"),
            "{error}"
        );
        for table in ["[default.workos]", "[debug.workos]", "[global.workos]"] {
            let toml = format!("{table}\napi_key = \"sk_test_x\"");
            let settings = Settings::from_figment(&rocket_toml(&toml), |_| None).unwrap();
            assert_eq!(settings.api_key.unwrap().expose(), "sk_test_x", "{table}");
        }
        // A launch that selects a profile named "workos" reads it, as Rocket does.
        let selected = rocket_toml("[workos.workos]\napi_key = \"sk_test_x\"").select("workos");
        assert!(Settings::from_figment(&selected, |_| None).is_ok());
    }

    #[test]
    fn defaults_apply_without_a_table() {
        let settings = settings("", &[]).unwrap();
        assert!(settings.api_key.is_none());
        assert_eq!(settings.session_lifetime, DEFAULT_SESSION_LIFETIME);
        assert_eq!(settings.login_path, "/sso/login");
        assert_eq!(settings.logout_path, "/sso/logout");
        assert_eq!(settings.logout_redirect, "/");
        assert_eq!(settings.organization_lookups_per_second, 10);
    }

    #[test]
    fn the_table_wins_over_the_environment() {
        let toml = "[workos]\napi_key = \"sk_test_table\"\nbase_url = \"http://127.0.0.1:9\"";
        let settings = settings(toml, &[("WORKOS_API_KEY", "sk_test_env")]).unwrap();
        assert_eq!(settings.api_key.unwrap().expose(), "sk_test_table");
        assert_eq!(settings.base_url.as_deref(), Some("http://127.0.0.1:9"));
    }

    #[test]
    fn the_environment_fills_in_and_blank_values_count_as_unset() {
        let settings = settings(
            "",
            &[("WORKOS_API_KEY", "sk_test_env"), ("WORKOS_BASE_URL", " ")],
        )
        .unwrap();
        assert_eq!(settings.api_key.unwrap().expose(), "sk_test_env");
        assert!(settings.base_url.is_none());
    }

    #[test]
    fn bad_values_name_the_setting_and_the_fix() {
        let cases = [
            (
                "[workos]\nsession_lifetime = 5",
                "workos.session_lifetime = 5 is out of range",
            ),
            (
                "[workos]\nlogout_redirect = \"https://evil.example\"",
                "workos.logout_redirect",
            ),
            ("[workos]\nlogin_path = \"login\"", "workos.login_path"),
            ("[workos]\napi_kee = \"x\"", "the keys are api_key"),
            (
                "[workos]\nredirect_origin = \"http://127.0.0.1:8000/app\"",
                "workos.redirect_origin",
            ),
            (
                "[workos]\nredirect_origin = \"ftp://files.test\"",
                "workos.redirect_origin",
            ),
            (
                "[workos]\nredirect_origin = \"https://user:pw@app.test\"",
                "has credentials",
            ),
            (
                "[workos]\nredirect_origin = \"127.0.0.1:8000\"",
                "workos.redirect_origin",
            ),
            (
                "[workos]\norganization_lookups_per_second = 0",
                "workos.organization_lookups_per_second = 0 is out of range\nhelp: from 1 to 1000",
            ),
            (
                "[workos]\norganization_lookups_per_second = 1001",
                "workos.organization_lookups_per_second = 1001 is out of range",
            ),
        ];
        for (toml, expected) in cases {
            let error = settings(toml, &[]).unwrap_err().to_string();
            assert!(error.contains(expected), "{toml}: {error}");
        }
    }

    #[test]
    fn the_organization_lookup_bound_is_read() {
        let toml = "[workos]\norganization_lookups_per_second = 5";
        assert_eq!(
            settings(toml, &[]).unwrap().organization_lookups_per_second,
            5
        );
    }

    #[test]
    fn a_redirect_origin_is_an_origin() {
        let toml = "[workos]\nredirect_origin = \"http://127.0.0.1:41234\"";
        let origin = settings(toml, &[]).unwrap().redirect_origin.unwrap();
        assert_eq!(origin.as_str(), "http://127.0.0.1:41234/");
        let trailing_slash = "[workos]\nredirect_origin = \"https://staging.example.com/\"";
        assert!(settings(trailing_slash, &[])
            .unwrap()
            .redirect_origin
            .is_some());
        assert!(settings("", &[]).unwrap().redirect_origin.is_none());
    }

    #[test]
    fn the_session_store_is_read_from_the_table_or_the_environment() {
        assert!(
            settings("", &[]).unwrap().store.is_none(),
            "cookies by default"
        );
        let toml = "[workos]\nsession_store = \"cookie\"";
        assert!(settings(toml, &[]).unwrap().store.is_none());
        if !cfg!(feature = "redis") {
            let error = settings("", &[("WORKOS_SESSION_STORE", "redis://127.0.0.1/0")])
                .unwrap_err()
                .to_string();
            assert!(error.contains("`redis` feature"), "{error}");
            return;
        }
        let store = settings(
            "",
            &[("WORKOS_SESSION_STORE", " redis://127.0.0.1:6390/2 ")],
        )
        .unwrap()
        .store
        .unwrap();
        assert_eq!(store.url, "redis://127.0.0.1:6390/2");
        assert_eq!(store.from, "the WORKOS_SESSION_STORE environment variable");
        assert_eq!(
            (store.idle_timeout, store.cache, store.timeout),
            (None, DEFAULT_SESSION_CACHE, DEFAULT_STORE_TIMEOUT)
        );
        let toml = "[workos]\nsession_store = \"rediss://:pw@cache.test:6380\"\nsession_idle_timeout = 900\n\
                    session_cache_ms = 0\nsession_store_timeout_ms = 50";
        let store = settings(toml, &[("WORKOS_SESSION_STORE", "redis://elsewhere")])
            .unwrap()
            .store
            .unwrap();
        assert_eq!(store.from, "workos.session_store", "the table wins");
        assert_eq!(store.idle_timeout, Some(Duration::from_secs(900)));
        assert_eq!(store.cache, Duration::ZERO);
        assert_eq!(store.timeout, Duration::from_millis(50));
        let debug = format!("{store:?}");
        assert!(!debug.contains("pw@"), "{debug}");
    }

    #[test]
    fn bad_session_store_settings_name_the_setting_and_never_the_password() {
        let cases = [
            (
                "[workos]\nsession_store = \"http://:secret@cache.test\"",
                "is not a Redis URL",
            ),
            (
                "[workos]\nsession_idle_timeout = 600",
                "no session store is configured",
            ),
            (
                "[workos]\nsession_cache_ms = 10",
                "workos.session_cache_ms applies to server-side sessions",
            ),
        ];
        for (toml, expected) in cases {
            let error = settings(toml, &[]).unwrap_err().to_string();
            assert!(error.contains(expected), "{toml}: {error}");
            assert!(!error.contains("secret"), "{error}");
        }
        if cfg!(feature = "redis") {
            let with_store = |extra: &str| {
                let toml = format!("[workos]\nsession_store = \"redis://:secret@r.test\"\n{extra}");
                settings(&toml, &[]).unwrap_err().to_string()
            };
            for (extra, expected) in [
                (
                    "session_idle_timeout = 0",
                    "session_idle_timeout = 0 is out of range",
                ),
                (
                    "session_idle_timeout = 999999",
                    "from 1 to the session lifetime (28800)",
                ),
                (
                    "session_cache_ms = 60001",
                    "session_cache_ms = 60001 is out of range",
                ),
                (
                    "session_store_timeout_ms = 5",
                    "session_store_timeout_ms = 5 is out of range",
                ),
            ] {
                let error = with_store(extra);
                assert!(error.contains(expected), "{extra}: {error}");
                assert!(!error.contains("secret"), "{error}");
            }
        }
    }

    #[test]
    fn a_sentinel_url_is_a_session_store_checked_and_printed_without_its_passwords() {
        let url =
            "redis+sentinel://:hunter2@10.0.0.7:26379,10.0.0.8/mymaster/1?sentinel_password=s3cret";
        assert_eq!(
            redacted(url),
            "redis+sentinel://:redacted@10.0.0.7:26379,10.0.0.8/mymaster/1?sentinel_password=redacted"
        );
        let toml = format!("[workos]\nsession_store = \"{url}\"");
        if !cfg!(feature = "redis") {
            let error = settings(&toml, &[]).unwrap_err().to_string();
            assert!(error.contains("`redis` feature"), "{error}");
            return;
        }
        let store = settings(&toml, &[]).unwrap().store.unwrap();
        assert_eq!(store.url, url);
        let debug = format!("{store:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("s3cret"),
            "{debug}"
        );
        for (url, expected) in [
            (
                "redis+sentinel://:hunter2@10.0.0.7:26379",
                "workos.session_store = redis+sentinel://:redacted@10.0.0.7:26379 is not a valid \
                 Sentinel URL: it names no service",
            ),
            (
                "rediss+sentinel://:hunter2@10.0.0.7:2637x/mymaster",
                "is not a valid Sentinel URL: the port of the Sentinel address \"10.0.0.7:2637x\"",
            ),
            (
                "redis+sentinel://:hunter2@a/mymaster/x",
                "the database \"x\" is not a number from 0",
            ),
        ] {
            let toml = format!("[workos]\nsession_store = \"{url}\"");
            let error = settings(&toml, &[]).unwrap_err().to_string();
            assert!(error.contains(expected), "{url}: {error}");
            assert!(error.contains("\nhelp: write redis+sentinel://"), "{error}");
            assert!(!error.contains("hunter2"), "{error}");
        }
        let error = settings("[workos]\nsession_store = \"sentinel://a/b\"", &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("redis+sentinel://host:port"), "{error}");
    }

    #[test]
    fn debug_never_prints_the_api_key() {
        let settings = settings("", &[("WORKOS_API_KEY", "sk_test_do_not_print_me")]).unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("do_not_print_me"), "{printed}");
        assert!(printed.contains("redacted"), "{printed}");
    }

    #[test]
    fn an_invalid_api_key_is_refused_without_echoing_it() {
        let error = settings("", &[("WORKOS_API_KEY", "sk_test_12 34")])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("API key") || error.contains("WORKOS_API_KEY"),
            "{error}"
        );
        assert!(!error.contains("sk_test_12"), "{error}");
    }
}

//! What `#[workos_sso]` compiles into: each protected handler's configuration as static data, registered
//! so that the fairing finds every one of them at launch.
//!
//! The macro emits a [`HandlerConfig`] and a [`Registration`]; nothing here is written by hand, so the
//! items are reachable only through the hidden `__private` module.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// How a handler picks the identity provider, as written in the attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StaticSelector {
    /// `organization = "org_…"`: start login for this organization and require its profiles.
    Organization(&'static str),
    /// `connection = "conn_…"`: start login with this connection and require its profiles.
    Connection(&'static str),
    /// `provider = "GoogleOAuth"`: an environment-level OAuth provider.
    Provider(&'static str),
}

/// One protected handler's settings, as written in its `#[workos_sso(...)]`.
#[derive(Debug)]
pub struct HandlerConfig {
    /// The handler function's name, for messages.
    pub handler: &'static str,
    /// The callback URL WorkOS sends the browser back to.
    pub redirect_uri: &'static str,
    /// The WorkOS client id (`client_…` or legacy `project_…`).
    pub client_id: &'static str,
    /// The pinned identity provider selector, or `None` to take it from the login route's query.
    pub selector: Option<StaticSelector>,
    /// Passed to WorkOS as `domain_hint`.
    pub domain_hint: Option<&'static str>,
    /// Passed to WorkOS as `login_hint`.
    pub login_hint: Option<&'static str>,
    /// Extra OAuth scopes requested from the provider.
    pub provider_scopes: &'static [&'static str],
    /// The role a profile must have to reach the handler.
    pub role: Option<&'static str>,
    /// Groups a profile must all belong to to reach the handler.
    pub groups: &'static [&'static str],
    /// Accept logins started at the identity provider (callbacks without `state`).
    pub allow_idp_initiated: bool,
}

impl HandlerConfig {
    /// A short, stable name for the settings that decide how a login starts and what the callback
    /// accepts. Handlers that differ only in role or group requirements share one; it is the same on every
    /// instance of the same build, so any instance can finish a login another one started.
    pub fn flow_key(&self) -> String {
        let mut hasher = Sha256::new();
        let selector = match self.selector {
            None => String::new(),
            Some(StaticSelector::Organization(id)) => format!("organization={id}"),
            Some(StaticSelector::Connection(id)) => format!("connection={id}"),
            Some(StaticSelector::Provider(name)) => format!("provider={name}"),
        };
        let parts = [
            self.redirect_uri,
            self.client_id,
            &selector,
            self.domain_hint.unwrap_or_default(),
            self.login_hint.unwrap_or_default(),
            &self.provider_scopes.join(","),
            if self.allow_idp_initiated { "idp" } else { "" },
        ];
        for part in parts {
            // Length-prefixed so that no two different lists hash the same.
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        hasher.finalize()[..6]
            .iter()
            .fold(String::new(), |mut key, byte| {
                let _ = write!(key, "{byte:02x}");
                key
            })
    }
}

/// Ties a generated marker type to its handler's configuration; the `Protected` guard is generic over it.
pub trait Handler: Send + Sync + 'static {
    /// The handler's settings.
    const CONFIG: &'static HandlerConfig;
}

/// A handler configuration submitted to the registry that the fairing reads at launch.
pub struct Registration(pub &'static HandlerConfig);

inventory::collect!(Registration);

/// Every `#[workos_sso]` handler compiled into this program.
pub fn registered() -> impl Iterator<Item = &'static HandlerConfig> {
    inventory::iter::<Registration>
        .into_iter()
        .map(|registration| registration.0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const DASHBOARD: HandlerConfig = HandlerConfig {
        handler: "dashboard",
        redirect_uri: "http://localhost:8000/callback",
        client_id: "client_01TEST",
        selector: Some(StaticSelector::Organization("org_01A")),
        domain_hint: None,
        login_hint: None,
        provider_scopes: &[],
        role: None,
        groups: &[],
        allow_idp_initiated: false,
    };

    #[test]
    fn role_and_groups_do_not_change_the_flow_key() {
        let admin = HandlerConfig {
            role: Some("admin"),
            groups: &["Ops"],
            ..DASHBOARD
        };
        assert_eq!(admin.flow_key(), DASHBOARD.flow_key());
        assert_eq!(DASHBOARD.flow_key().len(), 12);
    }

    #[test]
    fn every_login_setting_changes_the_flow_key() {
        let variants = [
            HandlerConfig {
                selector: Some(StaticSelector::Organization("org_01B")),
                ..DASHBOARD
            },
            HandlerConfig {
                selector: Some(StaticSelector::Connection("org_01A")),
                ..DASHBOARD
            },
            HandlerConfig {
                selector: None,
                ..DASHBOARD
            },
            HandlerConfig {
                redirect_uri: "http://localhost:8000/cb",
                ..DASHBOARD
            },
            HandlerConfig {
                login_hint: Some("a@example.com"),
                ..DASHBOARD
            },
            HandlerConfig {
                provider_scopes: &["email"],
                ..DASHBOARD
            },
            HandlerConfig {
                allow_idp_initiated: true,
                ..DASHBOARD
            },
        ];
        for variant in &variants {
            assert_ne!(variant.flow_key(), DASHBOARD.flow_key(), "{variant:?}");
        }
    }
}

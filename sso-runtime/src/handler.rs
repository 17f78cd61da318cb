//! What `#[workos_sso]` compiles into: each protected handler's configuration, registered so that the
//! fairing finds every one of them at launch and the guards find the one of the route a request matched.
//!
//! The macro emits a [`Handler`] marker whose configuration is built on first use and a
//! [`Registration`]; nothing here is written by hand, so the items are reachable only through the hidden
//! `__private` module.

use std::fmt::Write as _;

use rocket::http::uri::Origin;
use rocket::http::Method;
use rocket::Route;
use sha2::{Digest, Sha256};

use crate::client::ConnectionSelector;

/// One protected handler's settings, as written in its `#[workos_sso(...)]`.
#[derive(Debug)]
pub struct HandlerConfig {
    /// The handler function's name, for messages; Rocket names the handler's route after it.
    pub handler: &'static str,
    /// The route attribute's method (`"GET"`, ...) and path as written, to tell apart two handlers of
    /// the same name; `None` when the attribute did not say them plainly.
    pub route: Option<(&'static str, &'static str)>,
    /// The callback URL WorkOS sends the browser back to.
    pub redirect_uri: &'static str,
    /// The WorkOS client id (`client_…` or legacy `project_…`).
    pub client_id: &'static str,
    /// The pinned identity provider, or `None` to take it from the login route's query.
    pub selector: Option<ConnectionSelector>,
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
    /// OAuth providers (`GoogleOAuth`, ...) whose sign-ins, which belong to no organization, a handler
    /// without a pin admits, and which its login route may start; empty for a pinned handler.
    pub providers: &'static [&'static str],
    /// Accept logins started at the identity provider (callbacks without `state`).
    pub allow_idp_initiated: bool,
}

impl HandlerConfig {
    /// A short, stable name for the settings that decide how a login starts and what the callback
    /// accepts. Handlers that differ only in role or group requirements share one; it is the same on every
    /// instance of the same build, so any instance can finish a login another one started.
    pub fn flow_key(&self) -> String {
        let mut hasher = Sha256::new();
        let selector = self
            .selector
            .as_ref()
            .map(|selector| {
                let (name, value) = selector.query_pair();
                format!("{name}={value}")
            })
            .unwrap_or_default();
        let parts = [
            self.redirect_uri,
            self.client_id,
            &selector,
            self.domain_hint.unwrap_or_default(),
            self.login_hint.unwrap_or_default(),
            &self.provider_scopes.join(","),
            &self.providers.join(","),
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

/// A registered handler as the guards look it up: its settings and, when its route attribute said them,
/// the method and the path of its route, parsed and normalized once, at launch, as Rocket parses a route.
#[derive(Debug)]
pub(crate) struct Candidate {
    pub(crate) config: &'static HandlerConfig,
    route: Option<(Method, String)>,
}

impl Candidate {
    pub(crate) fn new(config: &'static HandlerConfig) -> Self {
        let route = config.route.and_then(|(method, path)| {
            let method = method.parse::<Method>().ok()?;
            let origin = Origin::parse_route(path).ok()?.into_normalized();
            Some((method, origin.path().as_str().to_owned()))
        });
        Self { config, route }
    }

    /// Whether `route` may be this handler's: same name, and the same method and unmounted path when the
    /// attribute said them.
    pub(crate) fn may_be(&self, route: &Route) -> bool {
        route.name.as_deref() == Some(self.config.handler)
            && self.route.as_ref().is_none_or(|(method, path)| {
                route.method == *method && route.uri.unmounted_origin.path().as_str() == path
            })
    }
}

/// Ties a generated marker type to its handler's configuration; the hidden guard is generic over it.
pub trait Handler: Send + Sync + 'static {
    /// The handler's settings.
    fn config() -> &'static HandlerConfig;
}

/// A handler configuration submitted to the registry that the fairing reads at launch.
pub struct Registration(pub fn() -> &'static HandlerConfig);

inventory::collect!(Registration);

/// Every `#[workos_sso]` handler compiled into this program.
pub fn registered() -> impl Iterator<Item = &'static HandlerConfig> {
    inventory::iter::<Registration>
        .into_iter()
        .map(|registration| (registration.0)())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn dashboard() -> HandlerConfig {
        HandlerConfig {
            handler: "dashboard",
            route: Some(("GET", "/dashboard")),
            redirect_uri: "http://localhost:8000/callback",
            client_id: "client_01TEST",
            selector: Some(ConnectionSelector::Organization("org_01A".into())),
            domain_hint: None,
            login_hint: None,
            provider_scopes: &[],
            role: None,
            groups: &[],
            providers: &[],
            allow_idp_initiated: false,
        }
    }

    #[test]
    fn role_and_groups_do_not_change_the_flow_key() {
        let admin = HandlerConfig {
            role: Some("admin"),
            groups: &["Ops"],
            ..dashboard()
        };
        assert_eq!(admin.flow_key(), dashboard().flow_key());
        assert_eq!(dashboard().flow_key().len(), 12);
    }

    #[test]
    fn every_login_setting_changes_the_flow_key() {
        let variants = [
            HandlerConfig {
                selector: Some(ConnectionSelector::Organization("org_01B".into())),
                ..dashboard()
            },
            HandlerConfig {
                selector: Some(ConnectionSelector::Connection("org_01A".into())),
                ..dashboard()
            },
            HandlerConfig {
                selector: None,
                ..dashboard()
            },
            HandlerConfig {
                redirect_uri: "http://localhost:8000/cb",
                ..dashboard()
            },
            HandlerConfig {
                login_hint: Some("a@example.com"),
                ..dashboard()
            },
            HandlerConfig {
                provider_scopes: &["email"],
                ..dashboard()
            },
            HandlerConfig {
                allow_idp_initiated: true,
                ..dashboard()
            },
            HandlerConfig {
                selector: None,
                providers: &["GoogleOAuth"],
                ..dashboard()
            },
        ];
        for variant in &variants {
            assert_ne!(variant.flow_key(), dashboard().flow_key(), "{variant:?}");
        }
    }

    #[test]
    fn a_route_is_the_handlers_by_name_method_and_path() {
        let named = |name: &'static str, method, path| {
            let mut route = Route::new(method, path, rocket::route::dummy_handler);
            route.name = Some(name.into());
            route
        };
        use rocket::http::Method::{Get, Post};
        let config: &'static HandlerConfig = Box::leak(Box::new(dashboard()));
        let candidate = Candidate::new(config);
        assert!(candidate.may_be(&named("dashboard", Get, "/dashboard")));
        assert!(candidate.may_be(&named("dashboard", Get, "/dashboard?<q>")));
        assert!(candidate.may_be(
            &named("dashboard", Get, "/dashboard")
                .map_base(|_| "/app".to_owned())
                .unwrap()
        ));
        assert!(!candidate.may_be(&named("dashboard", Post, "/dashboard")));
        assert!(!candidate.may_be(&named("dashboard", Get, "/other")));
        assert!(!candidate.may_be(&named("home", Get, "/dashboard")));
        // Paths Rocket normalizes are compared as Rocket normalizes them.
        for written in ["/a//b/<id>", "/a/b/<id>?<q>", "//a/b/<id>"] {
            let config = Box::leak(Box::new(HandlerConfig {
                route: Some(("GET", written)),
                ..dashboard()
            }));
            let candidate = Candidate::new(config);
            assert!(
                candidate.may_be(&named("dashboard", Get, written)),
                "{written}"
            );
            assert!(
                candidate.may_be(&named("dashboard", Get, "/a/b/<id>")),
                "{written}"
            );
        }
        let unsaid = Candidate::new(Box::leak(Box::new(HandlerConfig {
            route: None,
            ..dashboard()
        })));
        assert!(unsaid.may_be(&named("dashboard", Post, "/anything")));
    }
}

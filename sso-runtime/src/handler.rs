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

use rocket_workos_sso_rules as rules;
use url::Url;

use crate::client::{ConnectionSelector, Provider};
use crate::settings::{env_name, AppSignIn, Read};

/// One protected handler's settings, as written in its `#[workos_sso(...)]`.
#[derive(Debug)]
pub struct HandlerConfig {
    /// The handler function's name, for messages; Rocket names the handler's route after it.
    pub handler: &'static str,
    /// The route attribute's method (`"GET"`, ...) and path as written, to tell apart two handlers of
    /// the same name; `None` when the attribute did not say them plainly.
    pub route: Option<(&'static str, &'static str)>,
    /// The callback URL WorkOS sends the browser back to; `None` (with `client_id`) for a handler that
    /// uses the application's sign-in settings, read at launch.
    pub redirect_uri: Option<HandlerSetting>,
    /// The WorkOS client id (`client_…` or legacy `project_…`); `None` with `redirect_uri`.
    pub client_id: Option<HandlerSetting>,
    /// The pinned identity provider, or `None` to take it from the application's settings or the login
    /// route's query.
    pub selector: Option<Pin>,
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

/// A setting's value: written in the attribute (a literal or `env!`, fixed when the app compiles), or
/// the name of the environment variable it is read from at launch (`env("NAME")`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerSetting {
    /// Fixed at compile time.
    Written(&'static str),
    /// Read at launch from this environment variable.
    Launch(&'static str),
}

/// The identity provider a handler pins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin {
    /// `organization = ...`
    Organization(HandlerSetting),
    /// `connection = ...`
    Connection(HandlerSetting),
    /// `provider = "GoogleOAuth"` (fixed at compile time).
    Provider(&'static str),
}

/// How a login of some handlers starts and what its callback accepts, with every setting resolved:
/// handlers that differ only in role or groups share one. The fairing builds these at launch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Login {
    /// The callback URL, as configured (before `workos.redirect_origin`).
    pub(crate) redirect_uri: Url,
    /// The WorkOS client id.
    pub(crate) client_id: String,
    /// The pinned identity provider, if any.
    pub(crate) selector: Option<ConnectionSelector>,
    pub(crate) domain_hint: Option<&'static str>,
    pub(crate) login_hint: Option<&'static str>,
    pub(crate) provider_scopes: &'static [&'static str],
    pub(crate) providers: &'static [&'static str],
    pub(crate) allow_idp_initiated: bool,
}

impl HandlerConfig {
    /// The handler's login settings, every value read and checked: those written in the attribute, those
    /// it reads at launch with `env("NAME")` (looked up with `env`), and for a handler that leaves
    /// `redirect_uri` and `client_id` to the application, `app`'s. The error names the setting, the
    /// handler and where the value came from, in the words the attribute's compile-time checks use.
    pub(crate) fn resolve(
        &self,
        app: &AppSignIn,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Login, String> {
        let at = self.handler;
        let own = |key: &str, setting: HandlerSetting| -> Result<Read, String> {
            match setting {
                HandlerSetting::Written(value) => Ok(Read {
                    value: value.to_owned(),
                    from: format!("#[workos_sso] on `{at}`"),
                }),
                HandlerSetting::Launch(name) => env(name)
                    .map(|value| value.trim().to_owned())
                    .filter(|value| !value.is_empty())
                    .map(|value| Read {
                        value,
                        from: format!("the {name} environment variable"),
                    })
                    .ok_or_else(|| {
                        format!(
                            "`{at}` reads its {key} at launch from the {name} environment variable \
                             (`{key} = env(\"{name}\")`), and it is not set\nhelp: set {name} to the {} of \
                             this environment on the WorkOS dashboard",
                            what(key)
                        )
                    }),
            }
        };
        let (redirect_uri, client_id) = match (self.redirect_uri, self.client_id) {
            (Some(redirect_uri), Some(client_id)) => (
                own("redirect_uri", redirect_uri)?,
                own("client_id", client_id)?,
            ),
            _ => match (&app.redirect_uri, &app.client_id) {
                (Some(redirect_uri), Some(client_id)) => (redirect_uri.clone(), client_id.clone()),
                (redirect_uri, client_id) => {
                    // Every setting that is missing, so one launch names them all.
                    let missing: Vec<&str> =
                        [("redirect_uri", redirect_uri), ("client_id", client_id)]
                            .into_iter()
                            .filter(|(_, read)| read.is_none())
                            .map(|(key, _)| key)
                            .collect();
                    return Err(missing_app_settings(at, &missing));
                }
            },
        };
        let uses_app = self.redirect_uri.is_none();
        let selector = match self.selector {
            Some(Pin::Organization(setting)) => {
                Some(("organization", own("organization", setting)?))
            }
            Some(Pin::Connection(setting)) => Some(("connection", own("connection", setting)?)),
            Some(Pin::Provider(name)) => {
                return self.login(redirect_uri, client_id, Some(provider_pin(at, name)?));
            }
            // The application's pin applies to the handlers of its sign-in that set none and admit no
            // OAuth provider of their own.
            None if uses_app && self.providers.is_empty() => {
                match (&app.organization, &app.connection) {
                    (Some(organization), Some(connection)) => {
                        return Err(format!(
                            "both an organization ({}) and a connection ({}) are configured for the \
                             application's sign-in, and WorkOS takes one\nhelp: keep the one that picks the \
                             identity provider",
                            organization.from, connection.from
                        ))
                    }
                    (Some(organization), None) => Some(("organization", organization.clone())),
                    (None, Some(connection)) => Some(("connection", connection.clone())),
                    (None, None) => None,
                }
            }
            None => None,
        };
        let selector = selector
            .map(|(key, read)| {
                let (prefixes, example) = match key {
                    "organization" => (rules::ORGANIZATION_PREFIXES, "org_01H..."),
                    _ => (rules::CONNECTION_PREFIXES, "conn_01H..."),
                };
                check(
                    at,
                    key,
                    &read,
                    rules::id_problem(key, &read.value, prefixes, example),
                )?;
                Ok::<_, String>(match key {
                    "organization" => ConnectionSelector::Organization(read.value),
                    _ => ConnectionSelector::Connection(read.value),
                })
            })
            .transpose()?;
        self.login(redirect_uri, client_id, selector)
    }

    fn login(
        &self,
        redirect_uri: Read,
        client_id: Read,
        selector: Option<ConnectionSelector>,
    ) -> Result<Login, String> {
        let at = self.handler;
        check(
            at,
            "redirect_uri",
            &redirect_uri,
            rules::redirect_uri_problem(&redirect_uri.value),
        )?;
        check(
            at,
            "client_id",
            &client_id,
            rules::id_problem(
                "client_id",
                &client_id.value,
                rules::CLIENT_ID_PREFIXES,
                "client_01H...",
            ),
        )?;
        if let Some(name) = self
            .providers
            .iter()
            .find(|name| !rules::OAUTH_PROVIDERS.contains(name))
        {
            return Err(format!(
                "the providers of `{at}` name \"{name}\", which is not a WorkOS OAuth provider\nhelp: write \
                 the provider as WorkOS spells it, e.g. \"GoogleOAuth\" or \"MicrosoftOAuth\""
            ));
        }
        Ok(Login {
            redirect_uri: Url::parse(&redirect_uri.value)
                .map_err(|error| format!("the redirect_uri of `{at}`: {error}"))?,
            client_id: client_id.value,
            selector,
            domain_hint: self.domain_hint,
            login_hint: self.login_hint,
            provider_scopes: self.provider_scopes,
            providers: self.providers,
            allow_idp_initiated: self.allow_idp_initiated,
        })
    }
}

/// A refused value's message: the setting, the handler, where the value came from, then the rule.
fn check(at: &str, key: &str, read: &Read, problem: Option<String>) -> Result<(), String> {
    match problem {
        None => Ok(()),
        Some(problem) => Err(format!(
            "the {key} of `{at}`, from {}, is not acceptable: {problem}",
            read.from
        )),
    }
}

fn provider_pin(at: &str, name: &'static str) -> Result<ConnectionSelector, String> {
    if !rules::OAUTH_PROVIDERS.contains(&name) {
        return Err(format!(
            "the provider of `{at}` is \"{name}\", which is not a WorkOS OAuth provider\nhelp: write the \
             provider as WorkOS spells it, e.g. \"GoogleOAuth\""
        ));
    }
    Ok(ConnectionSelector::Provider(Provider::from(name)))
}

/// The launch error of `at`, a handler of the application's sign-in, when the application's settings
/// named in `missing` (one or both of `redirect_uri` and `client_id`) are not configured.
fn missing_app_settings(at: &str, missing: &[&str]) -> String {
    let keys = missing.join(" and ");
    let variables: Vec<String> = missing
        .iter()
        .map(|key| format!("{} to the {}", env_name(key), what(key)))
        .collect();
    let table: Vec<String> = missing.iter().map(|key| format!("`{key}`")).collect();
    format!(
        "`{at}` uses the application's {keys} (its #[workos_sso] writes no redirect_uri and client_id), \
         and {} configured\nhelp: set {} of this environment on the WorkOS dashboard (or {} in the \
         [default.workos] table of Rocket.toml)",
        if missing.len() == 1 { "none is" } else { "neither is" },
        variables.join(", and "),
        table.join(" and "),
    )
}

/// What a setting holds, as the WorkOS dashboard calls it.
fn what(key: &str) -> &'static str {
    match key {
        "client_id" => "`client_...` id",
        "redirect_uri" => "callback URL allowlisted on the Redirects page",
        "organization" => "`org_...` id of the organization",
        _ => "`conn_...` id of the connection",
    }
}

impl Login {
    /// A short, stable name for the settings that decide how a login starts and what the callback
    /// accepts. It is the same on every instance of the same build with the same settings, so any
    /// instance can finish a login another one started.
    pub(crate) fn flow_key(&self) -> String {
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
            self.redirect_uri.as_str(),
            &self.client_id,
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
    /// The key of the handler's [`Login`] among the application's flows.
    pub(crate) flow: String,
    route: Option<(Method, String)>,
}

impl Candidate {
    pub(crate) fn new(config: &'static HandlerConfig, flow: String) -> Self {
        let route = config.route.and_then(|(method, path)| {
            let method = method.parse::<Method>().ok()?;
            let origin = Origin::parse_route(path).ok()?.into_normalized();
            Some((method, origin.path().as_str().to_owned()))
        });
        Self {
            config,
            flow,
            route,
        }
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
pub(crate) fn registered() -> impl Iterator<Item = &'static HandlerConfig> {
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
            redirect_uri: Some(HandlerSetting::Written("http://localhost:8000/callback")),
            client_id: Some(HandlerSetting::Written("client_01TEST")),
            selector: Some(Pin::Organization(HandlerSetting::Written("org_01A"))),
            domain_hint: None,
            login_hint: None,
            provider_scopes: &[],
            role: None,
            groups: &[],
            providers: &[],
            allow_idp_initiated: false,
        }
    }

    /// `config`'s login with no application settings and an empty environment.
    pub(crate) fn login_of(config: &HandlerConfig) -> Login {
        config.resolve(&AppSignIn::default(), &|_| None).unwrap()
    }

    fn read(value: &str, from: &str) -> Option<Read> {
        Some(Read {
            value: value.to_owned(),
            from: from.to_owned(),
        })
    }

    fn app() -> AppSignIn {
        AppSignIn {
            client_id: read("client_01APP", "the WORKOS_CLIENT_ID environment variable"),
            redirect_uri: read(
                "https://app.example.com/callback",
                "the WORKOS_REDIRECT_URI environment variable",
            ),
            organization: None,
            connection: None,
        }
    }

    /// A handler that leaves its sign-in to the application.
    fn bare() -> HandlerConfig {
        HandlerConfig {
            redirect_uri: None,
            client_id: None,
            selector: None,
            ..dashboard()
        }
    }

    #[test]
    fn role_and_groups_do_not_change_the_flow_key() {
        let admin = HandlerConfig {
            role: Some("admin"),
            groups: &["Ops"],
            ..dashboard()
        };
        assert_eq!(
            login_of(&admin).flow_key(),
            login_of(&dashboard()).flow_key()
        );
        assert_eq!(login_of(&dashboard()).flow_key().len(), 12);
    }

    #[test]
    fn every_login_setting_changes_the_flow_key() {
        let variants = [
            HandlerConfig {
                selector: Some(Pin::Organization(HandlerSetting::Written("org_01B"))),
                ..dashboard()
            },
            HandlerConfig {
                selector: Some(Pin::Connection(HandlerSetting::Written("conn_01A"))),
                ..dashboard()
            },
            HandlerConfig {
                selector: None,
                ..dashboard()
            },
            HandlerConfig {
                redirect_uri: Some(HandlerSetting::Written("http://localhost:8000/cb")),
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
            assert_ne!(
                login_of(variant).flow_key(),
                login_of(&dashboard()).flow_key(),
                "{variant:?}"
            );
        }
    }

    #[test]
    fn launch_values_come_from_the_named_variables() {
        let config = HandlerConfig {
            redirect_uri: Some(HandlerSetting::Launch("CALLBACK")),
            client_id: Some(HandlerSetting::Launch("CLIENT")),
            selector: Some(Pin::Connection(HandlerSetting::Launch("CONN"))),
            ..dashboard()
        };
        let env = |name: &str| match name {
            "CALLBACK" => Some("https://staging.example.com/callback".to_owned()),
            "CLIENT" => Some(" client_01STAGING ".to_owned()),
            "CONN" => Some("conn_01STAGING".to_owned()),
            _ => None,
        };
        let login = config.resolve(&AppSignIn::default(), &env).unwrap();
        assert_eq!(
            login.redirect_uri.as_str(),
            "https://staging.example.com/callback"
        );
        assert_eq!(login.client_id, "client_01STAGING");
        assert_eq!(
            login.selector,
            Some(ConnectionSelector::Connection("conn_01STAGING".into()))
        );
    }

    #[test]
    fn a_handler_without_its_own_sign_in_takes_the_applications() {
        let login = bare().resolve(&app(), &|_| None).unwrap();
        assert_eq!(login.client_id, "client_01APP");
        assert_eq!(
            login.redirect_uri.as_str(),
            "https://app.example.com/callback"
        );
        assert_eq!(login.selector, None);
        let pinned = AppSignIn {
            organization: read("org_01APP", "`workos.organization`"),
            ..app()
        };
        let login = bare().resolve(&pinned, &|_| None).unwrap();
        assert_eq!(
            login.selector,
            Some(ConnectionSelector::Organization("org_01APP".into()))
        );
        // A handler's own pin or provider list wins over the application's pin; a handler with its own
        // sign-in ignores the application's settings altogether.
        let own_pin = HandlerConfig {
            selector: Some(Pin::Organization(HandlerSetting::Launch("ACME"))),
            ..bare()
        };
        let env = |name: &str| (name == "ACME").then(|| "org_01ACME".to_owned());
        assert_eq!(
            own_pin.resolve(&pinned, &env).unwrap().selector,
            Some(ConnectionSelector::Organization("org_01ACME".into()))
        );
        let google = HandlerConfig {
            providers: &["GoogleOAuth"],
            ..bare()
        };
        assert_eq!(google.resolve(&pinned, &|_| None).unwrap().selector, None);
        let own = HandlerConfig {
            selector: None,
            ..dashboard()
        };
        let login = own.resolve(&pinned, &|_| None).unwrap();
        assert_eq!(
            (login.client_id.as_str(), login.selector),
            ("client_01TEST", None)
        );
    }

    #[test]
    fn refusals_name_the_setting_the_handler_and_the_source() {
        let launch = |redirect_uri: &'static str, env: &'static str, value: &'static str| {
            let config = HandlerConfig {
                redirect_uri: Some(HandlerSetting::Launch(redirect_uri)),
                client_id: Some(HandlerSetting::Launch("CLIENT")),
                selector: Some(Pin::Organization(HandlerSetting::Launch("ORG"))),
                ..dashboard()
            };
            let lookup = move |name: &str| {
                if name == env {
                    return Some(value.to_owned());
                }
                if name == "UNSET" {
                    return None;
                }
                Some(
                    match name {
                        "CALLBACK" => "https://app.example.com/callback",
                        "CLIENT" => "client_01A",
                        _ => "org_01A",
                    }
                    .to_owned(),
                )
            };
            config.resolve(&AppSignIn::default(), &lookup).unwrap_err()
        };
        let cases = [
            (launch("CALLBACK", "CLIENT", "org_01A"), "the client_id of `dashboard`, from the CLIENT environment variable, is not acceptable: `client_id` must be a WorkOS id starting with `client_` or `project_`"),
            (launch("CALLBACK", "ORG", "conn_01A"), "the organization of `dashboard`, from the ORG environment variable, is not acceptable: `organization` must be a WorkOS id starting with `org_`"),
            (launch("CALLBACK", "CALLBACK", "http://app.example.com/cb"), "the redirect_uri of `dashboard`, from the CALLBACK environment variable, is not acceptable: `redirect_uri` uses plain http"),
            (launch("CALLBACK", "CALLBACK", "https://app.example.com/cb#x"), "must not contain a fragment"),
            (launch("CALLBACK", "CALLBACK", "/callback"), "must be an absolute URL"),
            (launch("UNSET", "OTHER", ""), "`dashboard` reads its redirect_uri at launch from the UNSET environment variable"),
            (bare().resolve(&AppSignIn::default(), &|_| None).unwrap_err(), "`dashboard` uses the application's redirect_uri"),
        ];
        for (error, expected) in cases {
            assert!(error.contains(expected), "{error}\n  expected: {expected}");
            assert!(error.contains("help: "), "{error}");
        }
        // Both application settings missing: one error names both, with no run of spaces inside.
        let neither = bare()
            .resolve(&AppSignIn::default(), &|_| None)
            .unwrap_err();
        for expected in [
            "uses the application's redirect_uri and client_id",
            "neither is configured",
            "help: set WORKOS_REDIRECT_URI to the callback URL",
            "and WORKOS_CLIENT_ID to the `client_...` id",
            "[default.workos] table of Rocket.toml",
        ] {
            assert!(
                neither.contains(expected),
                "{neither}\n  expected: {expected}"
            );
        }
        let only_client = AppSignIn {
            client_id: None,
            ..app()
        };
        let error = bare().resolve(&only_client, &|_| None).unwrap_err();
        assert!(
            error.contains("uses the application's client_id ("),
            "{error}"
        );
        assert!(error.contains("none is configured"), "{error}");
        assert!(!error.contains("WORKOS_REDIRECT_URI"), "{error}");
        for error in [&neither, &error, &launch("UNSET", "OTHER", "")] {
            assert!(!error.contains("  "), "a run of spaces in {error:?}");
        }
        // Blank counts as unset.
        let blank = launch("CALLBACK", "CLIENT", "  ");
        assert!(blank.contains("reads its client_id at launch"), "{blank}");
        // Both an application organization and connection: ambiguous.
        let both = AppSignIn {
            organization: read("org_01A", "`workos.organization`"),
            connection: read("conn_01A", "the WORKOS_CONNECTION_ID environment variable"),
            ..app()
        };
        let error = bare().resolve(&both, &|_| None).unwrap_err();
        assert!(
            error.contains("`workos.organization`") && error.contains("WORKOS_CONNECTION_ID"),
            "{error}"
        );
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
        let candidate = Candidate::new(config, String::new());
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
            let candidate = Candidate::new(config, String::new());
            assert!(
                candidate.may_be(&named("dashboard", Get, written)),
                "{written}"
            );
            assert!(
                candidate.may_be(&named("dashboard", Get, "/a/b/<id>")),
                "{written}"
            );
        }
        let unsaid = Candidate::new(
            Box::leak(Box::new(HandlerConfig {
                route: None,
                ..dashboard()
            })),
            String::new(),
        );
        assert!(unsaid.may_be(&named("dashboard", Post, "/anything")));
    }
}

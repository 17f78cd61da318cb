//! The state the fairing builds at launch and every guard and route reads: the WorkOS client, the
//! settings, and one [`Flow`] per distinct login configuration.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use std::sync::Arc;

use rocket::{Ignite, Request, Rocket, Route};

use url::form_urlencoded::byte_serialize;
use url::Url;

use crate::client::WorkosClient;
use crate::email::EmailSettings;
use crate::handler::{Candidate, HandlerConfig, Login};
use crate::hooks::{ApproveSignIn, ResolveTenant};
use crate::seal::CookieKey;
use crate::session::Sessions;
use crate::settings::Settings;
use crate::tenant::Tenancy;

/// Everything a login started by some handler needs: its settings and where its callback lives.
#[derive(Debug)]
pub(crate) struct Flow {
    /// The login settings of the handlers sharing this flow (they differ only in role and groups).
    pub(crate) login: Login,
    /// The effective `redirect_uri`: as written, or with `workos.redirect_origin` applied.
    pub(crate) redirect_uri: Url,
    /// Whether cookies for this flow are marked `Secure` (the callback is https).
    pub(crate) secure: bool,
}

impl Flow {
    /// The path the callback route is mounted at.
    pub(crate) fn callback_path(&self) -> &str {
        self.redirect_uri.path()
    }
}

/// Managed state: the wiring is attached when Rocket manages one of these.
pub(crate) struct Sso {
    pub(crate) client: WorkosClient,
    pub(crate) settings: Settings,
    /// By flow key.
    pub(crate) flows: BTreeMap<String, Flow>,
    /// The groups and roles some handler requires; the session keeps them when a profile must be trimmed.
    pub(crate) required: BTreeSet<&'static str>,
    /// Every registered handler configuration, by handler name (Rocket names a route after its handler).
    pub(crate) handlers: HashMap<&'static str, Vec<Candidate>>,
    /// The application's approval hook, if it gave one.
    pub(crate) approve: Option<Arc<dyn ApproveSignIn>>,
    /// The application's tenant resolver, if it gave one.
    pub(crate) tenant: Option<Arc<dyn ResolveTenant>>,
    /// The application's audit hook, if it gave one.
    pub(crate) audit: Option<crate::audit::Hook>,
    /// Exchange the codes of IdP-initiated logins instead of starting them over (the application's
    /// explicit opt-in, [`crate::WorkosSso::exchange_unsolicited_codes`]).
    pub(crate) exchange_unsolicited_codes: bool,
    /// Logout also ends the identity provider's session through WorkOS (the application's opt-in,
    /// [`crate::WorkosSso::single_logout`]).
    pub(crate) single_logout: bool,
    /// The key every cookie of the library is sealed with.
    pub(crate) key: CookieKey,
    /// Every callback is https: the cookies carry the `__Host-` (session) and `__Secure-` (logins)
    /// prefixes.
    pub(crate) secure_cookies: bool,
    /// The sessions, sealed under `key`, and those already opened.
    pub(crate) sessions: Sessions,
    /// Sign-in by work email: the domain resolver and the page (the application's or the library's).
    pub(crate) email: EmailSettings,
    /// The embedded emulator, kept alive as long as the app.
    #[cfg(feature = "emulator")]
    pub(crate) emulator: Option<crate::emulator::Emulator>,
}

impl Sso {
    /// The login route's URL for flow `key`, returning to `return_to` afterwards.
    pub(crate) fn login_url(&self, key: &str, return_to: &str) -> String {
        let return_to: String = byte_serialize(return_to.as_bytes()).collect();
        format!(
            "{}?flow={key}&return_to={return_to}",
            self.settings.login_path
        )
    }

    /// The tenancy of `request`, by the application's tenant resolver (none without one). The guards
    /// read it through `guard::tenancy`, which asks once per request.
    pub(crate) fn tenant_of(&self, request: &Request<'_>) -> Tenancy {
        self.tenant
            .as_ref()
            .map_or(Tenancy::None, |resolver| resolver.resolve(request))
    }

    /// The flow a login without `?flow=` starts, and the one a plain `Profile` guard (which belongs to no
    /// handler) sends browsers to: the flow that takes its identity provider from the query if there is
    /// one, else the first.
    pub(crate) fn default_flow(&self) -> Option<(&String, &Flow)> {
        self.flows
            .iter()
            .find(|(_, flow)| flow.login.selector.is_none())
            .or_else(|| self.flows.iter().next())
    }

    /// The login URL of the [default flow](Self::default_flow), returning to `return_to`.
    pub(crate) fn default_login_url(&self, return_to: &str) -> String {
        match self.default_flow() {
            Some((key, _)) => self.login_url(key, return_to),
            None => self.settings.login_path.clone(),
        }
    }

    /// The `#[workos_sso]` handler `route` belongs to, if it belongs to one.
    pub(crate) fn handler_of(&self, route: &Route) -> Option<&Candidate> {
        let candidates = self.handlers.get(route.name.as_deref()?)?;
        match candidates.as_slice() {
            // The only handler of that name: its settings, even for a same-named route of another
            // module that the attribute did not protect (the strict side).
            [only] => Some(only),
            several => several.iter().find(|candidate| candidate.may_be(route)),
        }
    }

    /// The handler whose compiled settings are `config` (the hidden guard knows them by its marker).
    pub(crate) fn handler(&self, config: &'static HandlerConfig) -> Option<&Candidate> {
        self.handlers
            .get(config.handler)?
            .iter()
            .find(|candidate| std::ptr::eq(candidate.config, config))
    }

    /// Refuses mounted routes that could belong to more than one `#[workos_sso]` handler: handlers of
    /// the same name, method and path in different modules, which no guard could tell apart.
    pub(crate) fn ambiguous_routes<'a>(
        &self,
        routes: impl Iterator<Item = &'a Route>,
    ) -> Result<(), String> {
        for route in routes {
            let Some(candidates) = route
                .name
                .as_deref()
                .and_then(|name| self.handlers.get(name))
            else {
                continue;
            };
            let matching = candidates
                .iter()
                .filter(|candidate| candidate.may_be(route))
                .count();
            if matching > 1 {
                return Err(format!(
                    "{matching} #[workos_sso] handlers are named `{}` with the route {} {}, so the route \
                     mounted at {} could be any of them; rename one of the handler functions",
                    candidates[0].config.handler, route.method, route.uri.unmounted_origin, route.uri
                ));
            }
        }
        Ok(())
    }

    /// The flows whose callback is mounted at `path`.
    pub(crate) fn flows_at<'a>(
        &'a self,
        path: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a Flow)> + 'a {
        self.flows
            .iter()
            .filter(move |(_, flow)| flow.callback_path() == path)
    }
}
/// Whether the fairing is missing from `rocket`, saying so (a route takes `what`): the sentinel of every
/// request guard of the library.
pub(crate) fn missing_fairing(rocket: &Rocket<Ignite>, what: &str) -> bool {
    let missing = rocket.state::<Sso>().is_none();
    if missing {
        rocket::log::private::error!(
            "a route takes `{what}` but the WorkOS SSO fairing is not attached; add \
             `.attach(rocket_workos_sso::WorkosSso::fairing())` to your Rocket builder"
        );
    }
    missing
}

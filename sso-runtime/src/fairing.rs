//! The one line of wiring: `.attach(WorkosSso::fairing())`. At launch it reads the settings, checks every
//! `#[workos_sso]` handler's configuration, decides between WorkOS and the embedded emulator, and mounts
//! the login, callback and logout routes. Anything wrong aborts the launch with a message naming the fix.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::log::private as log;
use rocket::{Build, Rocket};

use crate::client::config::{ApiKey, ClientId, WorkosConfig};
use crate::client::WorkosClient;
use crate::email::{DomainResolver, EmailForm, EmailOptions};
use crate::handler::{self, Candidate, HandlerConfig};
use crate::hooks::{ApproveSignIn, ResolveTenant};
use crate::reply::catchers;
use crate::routes::routes;
use crate::seal::CookieKey;
use crate::session::Sessions;
use crate::settings::Settings;
use crate::sso::{Flow, Sso};

/// WorkOS SSO for a Rocket application.
///
/// ```rust,no_run
/// use rocket_workos_sso::WorkosSso;
///
/// #[rocket::launch]
/// fn rocket() -> _ {
///     rocket::build().attach(WorkosSso::fairing())
/// }
/// ```
pub struct WorkosSso {
    // The application's hooks (approval, tenant), carried into the managed state at launch.
    approve: Option<Arc<dyn ApproveSignIn>>,
    tenant: Option<Arc<dyn ResolveTenant>>,
    audit: Option<crate::audit::Hook>,
    // Sign-in by work email (`email_page`, `domain_resolver`).
    email: EmailOptions,
    // The opt-in to exchange the codes of IdP-initiated logins.
    exchange_unsolicited_codes: bool,
    // The opt-in to Single Logout.
    single_logout: bool,
}

impl WorkosSso {
    /// The fairing that wires SSO into the application. Attaching it more than once is harmless: Rocket
    /// keeps the last one.
    pub fn fairing() -> WorkosSso {
        WorkosSso {
            approve: None,
            tenant: None,
            audit: None,
            email: EmailOptions::default(),
            exchange_unsolicited_codes: false,
            single_logout: false,
        }
    }

    /// Single Logout: signing out (a `POST` to the logout route, the library's Sign out button) also
    /// ends the user's session at their identity provider, through WorkOS (`POST
    /// /sso/logout/authorize`, then the browser goes to the returned URL). WorkOS supports it for OIDC
    /// connections (`GenericOIDC`) whose provider has an end-session endpoint, and asks to be told
    /// before it is used; other users are signed out of the application only. Register the logout
    /// route's URL (`workos.logout_path`) as the logout redirect with WorkOS, so the browser comes back
    /// to it, and as the identity provider's logout URL for logouts it starts.
    #[must_use]
    pub fn single_logout(mut self) -> Self {
        self.single_logout = true;
        self
    }

    /// Exchanges the code of an IdP-initiated login (a callback without `state`, on a handler with
    /// `allow_idp_initiated = true`) as it arrives, instead of starting the login over from this site.
    ///
    /// **This lets anyone sign a victim in as themselves** (login CSRF): an attacker with an account at
    /// a pinned organization sends the victim a callback URL carrying the attacker's own code, and the
    /// victim's browser ends up in the attacker's session, where what the victim types is the
    /// attacker's to read. Without this opt-in, such a callback starts an ordinary login for the
    /// handler's organization or connection instead: the identity provider's session makes it
    /// instant for the real user, and only a code that comes back with this browser's `state` is
    /// exchanged. Turn this on only if your identity provider cannot complete that second round trip.
    #[must_use]
    pub fn exchange_unsolicited_codes(mut self) -> Self {
        self.exchange_unsolicited_codes = true;
        self
    }

    /// Asks `hook` to accept or refuse every sign-in before its session starts (see [`ApproveSignIn`]).
    #[must_use]
    pub fn approve(mut self, hook: impl ApproveSignIn) -> Self {
        self.approve = Some(Arc::new(hook));
        self
    }

    /// Hands every audit event (see [`audit`](crate::audit)) to `hook` as well as to `tracing`: to write
    /// the application's own audit table. The hook runs on the request's thread: keep it quick (send
    /// the event to a channel or spawn a task for slow writes).
    ///
    /// ```rust,no_run
    /// use rocket_workos_sso::audit::AuditEvent;
    /// use rocket_workos_sso::WorkosSso;
    ///
    /// let fairing = WorkosSso::fairing().on_audit(|event: &AuditEvent| {
    ///     println!("{} {:?} {:?}", event.outcome.as_str(), event.profile_id, event.reason);
    /// });
    /// # let _ = fairing;
    /// ```
    #[must_use]
    pub fn on_audit(
        mut self,
        hook: impl Fn(&crate::audit::AuditEvent) + Send + Sync + 'static,
    ) -> Self {
        self.audit = Some(Arc::new(hook));
        self
    }

    /// Says which tenant each request is for, with `resolver`: the library's
    /// [`TenantPaths`](crate::tenant::TenantPaths) or [`TenantHosts`](crate::tenant::TenantHosts), or
    /// any [`ResolveTenant`]. Guards then admit only the tenant's organization's users, and refuse a
    /// request of an unknown tenant with 404; handlers take the [`Tenant`](crate::Tenant) guard.
    #[must_use]
    pub fn tenant(mut self, resolver: impl ResolveTenant) -> Self {
        self.tenant = Some(Arc::new(resolver));
        self
    }

    /// The WorkOS client the fairing built (the flow's own: same connection pool, timeouts and base
    /// URL, the embedded emulator's when it runs), for fairings, background tasks and tests; handlers
    /// take `&WorkosClient` as a request guard instead. `None` before launch or without the fairing.
    pub fn client<P: rocket::Phase>(rocket: &Rocket<P>) -> Option<&WorkosClient> {
        Some(&rocket.state::<Sso>()?.client)
    }

    /// The library's 401 catcher (a browser turned away by a guard is sent to sign in, an API client gets
    /// a JSON body with the `login_url`) and 403 catcher (a page or JSON saying what the signed-in user
    /// lacks). The fairing registers them at `/` unless the application has its own there; an application
    /// with its own catchers at `/` can register these at a narrower base, or call [`crate::sign_in`]
    /// from its own 401 catcher.
    ///
    /// ```rust,no_run
    /// use rocket_workos_sso::WorkosSso;
    ///
    /// // The library's pages under /app; the application's own catchers everywhere else.
    /// let rocket = rocket::build().attach(WorkosSso::fairing()).register("/app", WorkosSso::catchers());
    /// # let _ = rocket;
    /// ```
    pub fn catchers() -> Vec<rocket::Catcher> {
        catchers()
    }

    /// The embedded emulator the fairing started, if it started one: for tests that seed it, inject
    /// faults or count calls, and for printing where to sign in.
    #[cfg(feature = "emulator")]
    pub fn emulator<P: rocket::Phase>(rocket: &Rocket<P>) -> Option<&crate::emulator::Emulator> {
        rocket.state::<Sso>()?.emulator.as_ref()
    }
}

// Sign-in by work email: the application's resolver and page.
impl WorkosSso {
    /// Resolves the domain of an address entered on the work email page with `resolver` (say, from the
    /// application's database) instead of WorkOS's Organizations API. See [`crate::email`].
    ///
    /// The library's own bounds on the default resolver (one lookup per domain in flight, at most
    /// `workos.organization_lookups_per_second` lookups a second) do not apply to yours: a resolver that
    /// calls a rate-limited service can return [`ResolveError::Throttled`](crate::email::ResolveError),
    /// which the page answers with 503 and `Retry-After`.
    ///
    /// ```rust,no_run
    /// # use rocket::{Orbit, Rocket};
    /// # use rocket_workos_sso::email::{DomainResolver, ResolveError};
    /// # use rocket_workos_sso::WorkosSso;
    /// struct OneCustomer;
    ///
    /// #[rocket::async_trait]
    /// impl DomainResolver for OneCustomer {
    ///     async fn organizations(&self, domain: &str, _: &Rocket<Orbit>) -> Result<Vec<String>, ResolveError> {
    ///         Ok(if domain == "foo-corp.com" { vec!["org_01EHZNVPK3SFK441A1RGBFSHRT".into()] } else { vec![] })
    ///     }
    /// }
    ///
    /// let fairing = WorkosSso::fairing().domain_resolver(OneCustomer);
    /// # let _ = fairing;
    /// ```
    pub fn domain_resolver(mut self, resolver: impl DomainResolver) -> WorkosSso {
        self.email.resolver = Some(Arc::new(resolver));
        self
    }

    /// Shows `page`'s HTML instead of the library's work email page. It must hold a `<form
    /// method="post">` to [`EmailForm::action`] with the [hidden fields](EmailForm::hidden_inputs) and an
    /// `email` input; the library still checks the address, resolves its domain and sets the status.
    ///
    /// ```rust,no_run
    /// use rocket_workos_sso::email::{escape_html, EmailForm};
    /// use rocket_workos_sso::WorkosSso;
    ///
    /// fn sign_in_page(form: &EmailForm<'_>) -> String {
    ///     format!(
    ///         r#"<h1>Acme sign-in</h1><form method="post" action="{}">{}
    ///         <label>Email <input name="email" type="email" autocomplete="email" value="{}" required></label>
    ///         <p>{}</p><button>Continue</button></form>"#,
    ///         escape_html(form.action),
    ///         form.hidden_inputs(),
    ///         escape_html(form.email),
    ///         escape_html(form.message.unwrap_or_default()),
    ///     )
    /// }
    ///
    /// let fairing = WorkosSso::fairing().email_page(sign_in_page);
    /// # let _ = fairing;
    /// ```
    pub fn email_page(
        mut self,
        page: impl Fn(&EmailForm<'_>) -> String + Send + Sync + 'static,
    ) -> WorkosSso {
        self.email.page = Some(Arc::new(page));
        self
    }
}

#[rocket::async_trait]
impl Fairing for WorkosSso {
    fn info(&self) -> Info {
        Info {
            name: "WorkOS SSO",
            // Singleton: attached twice, Rocket keeps one, instead of two managing the same state.
            kind: Kind::Ignite | Kind::Liftoff | Kind::Singleton,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        match prepare(&rocket, handler::registered().collect(), &self.email).await {
            Ok(mut sso) => {
                sso.approve.clone_from(&self.approve);
                sso.tenant.clone_from(&self.tenant);
                sso.audit.clone_from(&self.audit);
                sso.exchange_unsolicited_codes = self.exchange_unsolicited_codes;
                sso.single_logout = self.single_logout;
                log::info!("WorkOS SSO:");
                let uris = sso.flows.values().map(|flow| flow.redirect_uri.as_str());
                let settings = &sso.settings;
                for line in launch_lines(uris, settings.store.as_ref(), &settings.directory) {
                    // A target ending in `_` is Rocket's indented launch line (`>> …`).
                    log::info!(target: "rocket_workos_sso::fairing::_", "{line}");
                }
                let mut routes = routes(&sso);
                if let Some((_, path)) = &sso.settings.directory.webhook {
                    let webhook = crate::directory::webhook::Webhook;
                    routes.push(rocket::Route::new(
                        rocket::http::Method::Post,
                        path,
                        webhook,
                    ));
                }
                let server_side = sso.sessions.store().is_some();
                let rocket = register_catchers(rocket, server_side).mount("/", routes);
                Ok(rocket.manage(sso))
            }
            Err(message) => {
                log::error!("WorkOS SSO cannot start: {message}");
                Err(rocket)
            }
        }
    }

    async fn on_liftoff(&self, rocket: &Rocket<rocket::Orbit>) {
        crate::directory::poll::spawn(rocket);
    }
}

/// Registers the library's 401 and 403 catchers at `/` (and 503, for a session store that cannot be
/// reached, when sessions live in one), each unless the application has its own there (for that
/// status, or a default catcher): the library never replaces the application's pages.
fn register_catchers(rocket: Rocket<Build>, server_side: bool) -> Rocket<Build> {
    let apps: Vec<Option<u16>> = rocket
        .catchers()
        .filter(|catcher| catcher.base.path() == "/")
        .map(|catcher| catcher.code)
        .collect();
    let taken = |code: u16| apps.iter().any(|app| app.is_none_or(|app| app == code));
    let (theirs, ours): (Vec<_>, Vec<_>) = catchers()
        .into_iter()
        .filter(|catcher| server_side || catcher.code != Some(503))
        .partition(|catcher| catcher.code.is_some_and(taken));
    for catcher in theirs {
        let code = catcher.code.unwrap_or_default();
        log::warn!(
            "WorkOS SSO: the application has its own catcher for {code} at `/`, so the library adds none; \
             for sign-in redirects, answer with `rocket_workos_sso::sign_in(request)` in that catcher, or \
             register `WorkosSso::catchers()` at a base of your choice"
        );
    }
    rocket.register("/", ours)
}

/// Everything checked and built, or the message that aborts the launch.
async fn prepare(
    rocket: &Rocket<Build>,
    handlers: Vec<&'static HandlerConfig>,
    email: &EmailOptions,
) -> Result<Sso, String> {
    let debug = rocket.figment().profile() == rocket::Config::DEBUG_PROFILE;
    let settings = Settings::from_figment(rocket.figment(), |name| std::env::var(name).ok())
        .map_err(|e| e.to_string())?;
    let secret_key_set = rocket
        .figment()
        .extract_inner::<rocket::config::SecretKey>(rocket::Config::SECRET_KEY)
        .is_ok_and(|key| key.is_provided());
    if !debug && !secret_key_set {
        return Err("no `secret_key` is configured, and sessions are sealed with it\nhelp: set ROCKET_SECRET_KEY \
                    (or `secret_key` in Rocket.toml) to the output of `openssl rand -base64 32`, the same on \
                    every instance"
            .to_owned());
    }
    let key = CookieKey::from_figment(rocket.figment())?;
    let env = |name: &str| std::env::var(name).ok();
    let mut flows = BTreeMap::new();
    let mut candidates: HashMap<&'static str, Vec<Candidate>> = HashMap::new();
    for config in &handlers {
        let login = config.resolve(&settings.sign_in, &env)?;
        let mut redirect_uri = login.redirect_uri.clone();
        if let Some(origin) = &settings.redirect_origin {
            redirect_uri = crate::redirect_uri::with_origin(&redirect_uri, origin).map_err(|reason| {
                format!(
                    "the redirect_uri of `{}` with workos.redirect_origin = \"{origin}\" is not acceptable: \
                     {reason}",
                    config.handler
                )
            })?;
        }
        let key = login.flow_key();
        candidates
            .entry(config.handler)
            .or_default()
            .push(Candidate::new(config, key.clone()));
        let secure = redirect_uri.scheme() == "https";
        flows.entry(key).or_insert(Flow {
            login,
            redirect_uri,
            secure,
        });
    }
    let client_id = common_client_id(&flows)?;
    // The cookie prefixes need https everywhere: one plain-http callback (local development) and the
    // cookies keep their plain names.
    let secure_cookies = !flows.is_empty() && flows.values().all(|flow| flow.secure);
    let required = handlers
        .iter()
        .flat_map(|config| config.groups.iter().copied().chain(config.role))
        .collect();
    let backend = Backend::choose(&settings, debug, client_id.as_ref(), &flows).await?;
    let config = backend.workos_config(&settings)?;
    let client = WorkosClient::new(config)
        .map_err(|error| format!("the HTTP client cannot be built: {error}"))?;
    let store = connect_store(&settings).await?;
    Ok(Sso {
        email: email.settle(&client, settings.organization_lookups_per_second),
        client,
        settings,
        flows,
        required,
        handlers: candidates,
        approve: None,
        tenant: None,
        audit: None,
        exchange_unsolicited_codes: false,
        single_logout: false,
        sessions: Sessions::new(key.clone(), secure_cookies).with_store(store),
        secure_cookies,
        key,
        #[cfg(feature = "emulator")]
        emulator: backend.emulator,
    })
}

/// The server-side session store `workos.session_store` names, connected; `None` for cookie sessions.
/// A store that cannot be reached refuses the launch (ARCHITECTURE.md says why).
async fn connect_store(settings: &Settings) -> Result<Option<crate::store::RedisStore>, String> {
    match &settings.store {
        #[cfg(feature = "redis")]
        Some(store) => crate::store::RedisStore::connect(store).await.map(Some),
        // The settings refuse a store in such a build already.
        #[cfg(not(feature = "redis"))]
        Some(store) => Err(format!(
            "{} names a Redis session store, and this build has no Redis support",
            store.from
        )),
        None => Ok(None),
    }
}

/// The client id every flow uses; one application talks to one WorkOS client.
fn common_client_id(flows: &BTreeMap<String, Flow>) -> Result<Option<ClientId>, String> {
    let ids: BTreeSet<&str> = flows
        .values()
        .map(|flow| flow.login.client_id.as_str())
        .collect();
    let mut ids = ids.into_iter();
    match (ids.next(), ids.next()) {
        (None, _) => Ok(None),
        (Some(id), None) => ClientId::new(id)
            .map(Some)
            .map_err(|error| format!("the client_id of #[workos_sso] is invalid: {error}")),
        (Some(a), Some(b)) => Err(format!(
            "#[workos_sso] handlers use two client ids, `{a}` and `{b}`\nhelp: one application uses one WorkOS \
             client id; write the same `client_id` on every handler, or leave it to the application's \
             `workos.client_id` (WORKOS_CLIENT_ID)"
        )),
    }
}

/// Where WorkOS calls go: WorkOS itself, or the embedded emulator.
struct Backend {
    api_key: ApiKey,
    client_id: ClientId,
    base_url: Option<String>,
    #[cfg(feature = "emulator")]
    emulator: Option<crate::emulator::Emulator>,
}

impl Backend {
    /// The emulator only when asked for, or in a debug build with no API key; never in a release build
    /// unless asked for explicitly.
    async fn choose(
        settings: &Settings,
        debug: bool,
        client_id: Option<&ClientId>,
        flows: &BTreeMap<String, Flow>,
    ) -> Result<Backend, String> {
        let fallback = settings.api_key.is_none() && debug && cfg!(debug_assertions);
        let use_emulator = settings.emulator.unwrap_or(fallback);
        if use_emulator {
            return Self::emulator(client_id, flows).await;
        }
        let api_key = settings.api_key.clone().ok_or_else(|| {
            let emulator_hint = if cfg!(feature = "emulator") {
                "; or set `workos.emulator = true` to use the embedded emulator"
            } else {
                ""
            };
            format!(
                "no WorkOS API key is configured\nhelp: set the WORKOS_API_KEY environment variable (or \
                 `api_key` in the [default.workos] table of Rocket.toml) to your `sk_...` key{emulator_hint}"
            )
        })?;
        let client_id = client_id.cloned().ok_or_else(|| {
            "no #[workos_sso] handler is compiled into this application, so there is no client id\nhelp: put \
             #[workos_sso(...)] on at least one route"
                .to_owned()
        })?;
        Ok(Backend {
            api_key,
            client_id,
            base_url: settings.base_url.clone(),
            #[cfg(feature = "emulator")]
            emulator: None,
        })
    }

    #[cfg(feature = "emulator")]
    async fn emulator(
        client_id: Option<&ClientId>,
        flows: &BTreeMap<String, Flow>,
    ) -> Result<Backend, String> {
        use crate::emulator::Emulator;

        let mut builder = Emulator::builder();
        if let Some(id) = client_id {
            builder = builder.client_id(id.as_str());
        }
        for flow in flows.values() {
            // The effective URI: the one `workos.redirect_origin` made, if set.
            builder = builder.redirect_uri(flow.redirect_uri.as_str());
        }
        let emulator = builder
            .start()
            .await
            .map_err(|error| format!("the embedded emulator cannot start: {error}"))?;
        log::warn!(
            "{}",
            emulator_notice(
                emulator.base_url().as_str(),
                emulator.client_id(),
                flows.values().map(|flow| flow.redirect_uri.as_str())
            )
        );
        Ok(Backend {
            api_key: ApiKey::new(emulator.api_key()).map_err(|error| error.to_string())?,
            client_id: ClientId::new(emulator.client_id()).map_err(|error| error.to_string())?,
            base_url: Some(emulator.base_url().to_string()),
            emulator: Some(emulator),
        })
    }

    #[cfg(not(feature = "emulator"))]
    async fn emulator(_: Option<&ClientId>, _: &BTreeMap<String, Flow>) -> Result<Backend, String> {
        Err("no WorkOS API key is configured, and the embedded emulator is not compiled in\nhelp: set the \
             WORKOS_API_KEY environment variable to your `sk_...` key, or enable the `emulator` feature of \
             rocket-workos-sso for local development"
            .to_owned())
    }

    fn workos_config(&self, settings: &Settings) -> Result<WorkosConfig, String> {
        let mut builder = WorkosConfig::builder(self.api_key.clone(), self.client_id.clone());
        if let Some(base_url) = &self.base_url {
            builder = builder.base_url(base_url.clone());
        }
        if let Some(timeout) = settings.request_timeout {
            builder = builder.request_timeout(timeout);
        }
        builder.build().map_err(|error| error.to_string())
    }
}

/// What the launch log says of the fairing, under Rocket's own lines: the effective redirect URIs (after
/// `workos.redirect_origin`, as WorkOS must allowlist them), where sessions live, a store's password
/// redacted, and how directory events reach the app (never the webhook's secret).
fn launch_lines<'a>(
    redirect_uris: impl Iterator<Item = &'a str>,
    store: Option<&crate::settings::StoreSettings>,
    directory: &crate::settings::DirectorySettings,
) -> [String; 3] {
    let sessions = match store {
        Some(store) => format!(
            "sessions: Redis at {}",
            crate::settings::redacted(&store.url)
        ),
        None => "sessions: sealed cookies".to_owned(),
    };
    let mut ways = Vec::new();
    if let Some(interval) = directory.poll_interval {
        ways.push(format!("Events API every {} ms", interval.as_millis()));
    }
    if let Some((_, path)) = &directory.webhook {
        ways.push(format!("webhook at POST {path}"));
    }
    let events = if ways.is_empty() {
        "directory events: not read (workos.events_poll_interval_ms or workos.webhook_secret)"
            .to_owned()
    } else {
        format!("directory events: {}", ways.join(", "))
    };
    [
        format!("redirect URIs: {}", redirect_uri_list(redirect_uris)),
        sessions,
        events,
    ]
}

/// The redirect URIs, each once, sorted; or why there are none.
fn redirect_uri_list<'a>(redirect_uris: impl Iterator<Item = &'a str>) -> String {
    let mut uris: Vec<&str> = redirect_uris.collect();
    uris.sort_unstable();
    uris.dedup();
    if uris.is_empty() {
        "none yet (no #[workos_sso] handler is mounted)".to_owned()
    } else {
        uris.join(", ")
    }
}

/// The launch notice of the embedded emulator at `base_url`: that sign-ins are simulated, the client id
/// it accepts (the application's, whatever it is: WorkOS accepts only its environment's own) and the
/// redirect URIs it allowlisted, so a developer sees what their app was configured with.
#[cfg_attr(not(feature = "emulator"), allow(dead_code))]
fn emulator_notice<'a>(
    base_url: &str,
    client_id: &str,
    redirect_uris: impl Iterator<Item = &'a str>,
) -> String {
    let uris = redirect_uri_list(redirect_uris);
    format!(
        "WorkOS SSO is using the EMBEDDED EMULATOR at {base_url} (no WorkOS API key in a debug build, or \
         `workos.emulator = true`): sign-ins are simulated. It accepts the client id {client_id} (any \
         well-formed id works here; WorkOS accepts only your environment's) and the redirect URIs {uris}. \
         Set WORKOS_API_KEY to use WorkOS."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_launch_log_names_the_redirect_uris_and_where_sessions_live_without_a_password() {
        let uris = [
            "https://app.example.com/callback",
            "https://app.example.com/admin/callback",
            "https://app.example.com/callback",
        ];
        let none = crate::settings::DirectorySettings::default();
        assert_eq!(
            launch_lines(uris.into_iter(), None, &none),
            [
                "redirect URIs: https://app.example.com/admin/callback, https://app.example.com/callback",
                "sessions: sealed cookies",
                "directory events: not read (workos.events_poll_interval_ms or workos.webhook_secret)",
            ]
        );
        let store = crate::settings::StoreSettings {
            url: "redis://:hunter2@10.0.0.5:6379/3".to_owned(),
            from: "workos.session_store".to_owned(),
            idle_timeout: None,
            cache: std::time::Duration::ZERO,
            timeout: std::time::Duration::from_millis(500),
        };
        let directory = crate::settings::DirectorySettings {
            poll_interval: Some(std::time::Duration::from_millis(1000)),
            webhook: Some((
                crate::settings::WebhookSecret("whsec_hunter3".to_owned()),
                "/sso/webhooks".to_owned(),
            )),
        };
        let [_, sessions, events] = launch_lines(std::iter::empty(), Some(&store), &directory);
        assert_eq!(
            sessions,
            "sessions: Redis at redis://:redacted@10.0.0.5:6379/3"
        );
        assert_eq!(
            events,
            "directory events: Events API every 1000 ms, webhook at POST /sso/webhooks"
        );
    }

    #[test]
    fn the_emulator_notice_names_the_client_id_and_each_redirect_uri_once() {
        let notice = emulator_notice(
            "http://127.0.0.1:4100/",
            "client_01A",
            [
                "http://127.0.0.1:8000/callback",
                "http://127.0.0.1:8000/admin/callback",
                "http://127.0.0.1:8000/callback",
            ]
            .into_iter(),
        );
        assert!(
            notice.contains("EMBEDDED EMULATOR at http://127.0.0.1:4100/"),
            "{notice}"
        );
        assert!(
            notice.contains("accepts the client id client_01A"),
            "{notice}"
        );
        assert!(
            notice.contains(
                "redirect URIs http://127.0.0.1:8000/admin/callback, http://127.0.0.1:8000/callback."
            ),
            "{notice}"
        );
        assert!(!notice.contains("  "), "{notice}");
        let none = emulator_notice("http://127.0.0.1:4100/", "client_01A", std::iter::empty());
        assert!(none.contains("none yet"), "{none}");
    }
}

//! The public face: [`EmulatorBuilder`] configures and starts, [`Emulator`] controls a running server.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use url::Url;

use super::faults::Fault;
use super::seed::{Connection, Organization, Seed, User};
use super::server::{self, Shared};
use super::store::{Settings, State};
use super::webhooks::{Courier, Webhook};

/// The client ID the emulator accepts unless [`EmulatorBuilder::client_id`] says otherwise.
pub const DEFAULT_CLIENT_ID: &str = "client_01JHM9S346Q3D25VT4F5V37E3S";

/// The API key (and `client_secret`) the emulator accepts unless [`EmulatorBuilder::api_key`] says otherwise.
pub const DEFAULT_API_KEY: &str = "sk_test_emulator_0123456789abcdefghijklmnop";

/// The redirect URIs allow-listed unless more are added.
pub const DEFAULT_REDIRECT_URIS: [&str; 2] = [
    "http://localhost:8000/callback",
    "http://127.0.0.1:8000/callback",
];

/// How long an authorization code lives unless [`EmulatorBuilder::code_ttl`] says otherwise (WorkOS: 10 minutes).
pub const DEFAULT_CODE_TTL: Duration = Duration::from_secs(10 * 60);

/// Whether `/sso/authorize` waits for someone to pick a user on the Test Identity Provider page.
///
/// With auto-login, a `login_hint` naming one of the connection's users picks that user.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), rocket_workos_sso_emulator::EmulatorError> {
/// use rocket_workos_sso_emulator::{AutoLogin, Emulator};
///
/// let emulator = Emulator::builder().auto_login(AutoLogin::Email("bob@example.com".into())).start().await?;
/// // Later, a test that wants to click through the Test Identity Provider page:
/// emulator.set_auto_login(AutoLogin::Off);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AutoLogin {
    /// Show the Test Identity Provider page.
    #[default]
    Off,
    /// Sign in the connection's first user at once.
    FirstUser,
    /// Sign in the connection's user with this email at once; show the page if it has none.
    Email(String),
}

/// Why the emulator could not start or accept a setting.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use rocket_workos_sso_emulator::{Emulator, EmulatorError};
///
/// let refused = Emulator::builder().redirect_uri("http://app.example.com/callback").start().await;
/// assert!(matches!(refused, Err(EmulatorError::InvalidRedirectUri { .. })));
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The listening socket could not be opened.
    #[error("the WorkOS emulator cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        source: io::Error,
    },
    /// A redirect URI that WorkOS would not accept either.
    #[error("the redirect URI `{uri}` cannot be allow-listed: {reason}")]
    InvalidRedirectUri {
        /// The URI as given.
        uri: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A webhook endpoint the emulator cannot deliver to.
    #[error("the webhook endpoint `{url}` cannot be registered: {reason}")]
    InvalidWebhook {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The directory has no such object, so no event was emitted.
    #[error("the emulator has no {kind} `{key}`")]
    NotFound {
        /// `directory user`, `connection`, `directory` or `organization`.
        kind: &'static str,
        /// The email or ID asked for.
        key: String,
    },
}

/// Configures an [`Emulator`]; every setting has a working default.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), rocket_workos_sso_emulator::EmulatorError> {
/// use std::time::Duration;
/// use rocket_workos_sso_emulator::{AutoLogin, Emulator};
///
/// let emulator = Emulator::builder()
///     .redirect_uri("http://localhost:3000/auth/callback")
///     .auto_login(AutoLogin::FirstUser)
///     .code_ttl(Duration::from_secs(60))
///     .start()
///     .await?;
/// assert!(emulator.base_url().as_str().starts_with("http://127.0.0.1:"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "nothing runs until `start` is awaited"]
pub struct EmulatorBuilder {
    bind: SocketAddr,
    settings: Settings,
    /// Endpoints given to [`webhook`](Self::webhook), or the URL and why it was refused.
    webhooks: Vec<Result<Webhook, (String, String)>>,
}

impl EmulatorBuilder {
    /// Where to listen; default `127.0.0.1:0` (any free port, see [`Emulator::local_addr`]).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// The client ID to accept; default [`DEFAULT_CLIENT_ID`].
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.settings.client_id = client_id.into();
        self
    }

    /// The API key to accept; default [`DEFAULT_API_KEY`].
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.settings.api_key = api_key.into();
        self
    }

    /// Adds a redirect URI to the allow-list (which starts as [`DEFAULT_REDIRECT_URIS`]). Matching is
    /// exact, trailing slash included. `start` refuses URIs WorkOS would refuse: relative ones, ones with
    /// a fragment, and plain `http` to anything but localhost or a loopback IP.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.settings.redirect_uris.push(uri.into());
        self
    }

    /// The directory to serve; default [`Seed::default`].
    pub fn seed(mut self, seed: Seed) -> Self {
        self.settings.seed = seed;
        self
    }

    /// Whether logins skip the Test Identity Provider page; default [`AutoLogin::Off`].
    pub fn auto_login(mut self, auto_login: AutoLogin) -> Self {
        self.settings.auto_login = auto_login;
        self
    }

    /// How long authorization codes (and unanswered sign-in pages) live; default [`DEFAULT_CODE_TTL`].
    pub fn code_ttl(mut self, ttl: Duration) -> Self {
        self.settings.code_ttl = ttl;
        self
    }

    /// Where `GET /sso/logout` sends the browser after a Single Logout, as the identity provider would
    /// send it to the application's logout URL; without one it shows a signed-out page.
    pub fn logout_redirect(mut self, url: Url) -> Self {
        self.settings.logout_redirect = Some(url);
        self
    }

    /// Registers a webhook endpoint: every event is POSTed to `url` (plain `http://`: an app running
    /// locally), signed with `secret` in the `WorkOS-Signature` header as WorkOS signs it. `start` refuses
    /// other URLs and an empty secret.
    pub fn webhook(mut self, url: impl Into<String>, secret: impl Into<String>) -> Self {
        let url = url.into();
        self.webhooks
            .push(Webhook::new(&url, &secret.into()).map_err(|reason| (url, reason)));
        self
    }

    /// Checks the settings, binds the socket and starts serving on the current Tokio runtime.
    pub async fn start(mut self) -> Result<Emulator, EmulatorError> {
        for uri in &self.settings.redirect_uris {
            check_redirect_uri(uri)?;
        }
        for webhook in self.webhooks.drain(..) {
            let webhook =
                webhook.map_err(|(url, reason)| EmulatorError::InvalidWebhook { url, reason })?;
            self.settings.webhooks.push(webhook);
        }
        let bind_error = |source| EmulatorError::Bind {
            addr: self.bind,
            source,
        };
        let listener = TcpListener::bind(self.bind).await.map_err(bind_error)?;
        let local_addr = listener.local_addr().map_err(bind_error)?;
        // A wildcard address is not something a browser can visit; point at loopback on the same port.
        let mut reachable = local_addr;
        if reachable.ip().is_unspecified() {
            reachable.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        let base_url = Url::parse(&format!("http://{reachable}/"))
            .map_err(|error| bind_error(io::Error::other(error)))?;
        let (client_id, api_key) = (
            self.settings.client_id.clone(),
            self.settings.api_key.clone(),
        );
        let courier = Courier::new(tokio::runtime::Handle::current());
        let shared = Arc::new(Shared::new(State::new(self.settings), base_url, courier));
        let task = tokio::spawn(server::accept_loop(listener, Arc::clone(&shared)));
        Ok(Emulator {
            shared,
            local_addr,
            client_id,
            api_key,
            task,
        })
    }
}

fn check_redirect_uri(uri: &str) -> Result<(), EmulatorError> {
    rocket_workos_sso_rules::parse_redirect_uri(uri)
        .map(drop)
        .map_err(|reason| EmulatorError::InvalidRedirectUri {
            uri: uri.to_owned(),
            reason,
        })
}

/// A running WorkOS-compatible server. It stops on [`shutdown`](Self::shutdown) or when dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), rocket_workos_sso_emulator::EmulatorError> {
/// use rocket_workos_sso_emulator::{Emulator, DEFAULT_CLIENT_ID};
///
/// let emulator = Emulator::start_default().await?;
/// assert_eq!(emulator.client_id(), DEFAULT_CLIENT_ID);
/// println!("WORKOS_BASE_URL={}", emulator.base_url());
/// emulator.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Emulator {
    pub(crate) shared: Arc<Shared>,
    local_addr: SocketAddr,
    client_id: String,
    api_key: String,
    task: JoinHandle<()>,
}

/// The API key is redacted, like every secret of the client; the directory is left out.
impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.shared.base_url.as_str())
            .field("client_id", &self.client_id)
            .field("api_key", &super::store::REDACTED)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// A builder with every default.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            bind: (Ipv4Addr::LOCALHOST, 0).into(),
            settings: Settings {
                client_id: DEFAULT_CLIENT_ID.to_owned(),
                api_key: DEFAULT_API_KEY.to_owned(),
                redirect_uris: DEFAULT_REDIRECT_URIS.map(String::from).to_vec(),
                seed: Seed::default(),
                auto_login: AutoLogin::Off,
                code_ttl: DEFAULT_CODE_TTL,
                logout_redirect: None,
                webhooks: Vec::new(),
            },
            webhooks: Vec::new(),
        }
    }

    /// Starts with every default, on a free loopback port.
    pub async fn start_default() -> Result<Self, EmulatorError> {
        Self::builder().start().await
    }

    /// The URL to give a WorkOS client as its base URL, e.g. `http://127.0.0.1:41234/`.
    pub fn base_url(&self) -> &Url {
        &self.shared.base_url
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The accepted client ID.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The accepted API key, which is also the `client_secret`.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Adds a redirect URI to the allow-list, under the rules of [`EmulatorBuilder::redirect_uri`].
    pub fn add_redirect_uri(&self, uri: impl Into<String>) -> Result<(), EmulatorError> {
        let uri = uri.into();
        check_redirect_uri(&uri)?;
        self.shared.lock().settings.redirect_uris.push(uri);
        Ok(())
    }

    /// Changes the directory in place and returns what `change` returns.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), rocket_workos_sso_emulator::EmulatorError> {
    /// use rocket_workos_sso_emulator::{Connection, Emulator, Organization, User};
    ///
    /// let emulator = Emulator::start_default().await?;
    /// let connection_id = emulator.seed_with(|seed| {
    ///     let org = Organization::new("Hooli", ["hooli.test"]);
    ///     let connection = Connection::for_organization(org.id.clone(), "OktaSAML", "Hooli Okta");
    ///     seed.users.push(User::new(connection.id.clone(), "gavin@hooli.test").named("Gavin", "Belson"));
    ///     let id = connection.id.clone();
    ///     seed.organizations.push(org);
    ///     seed.connections.push(connection);
    ///     id
    /// });
    /// assert!(connection_id.starts_with("conn_"));
    /// # Ok(()) }
    /// ```
    pub fn seed_with<R>(&self, change: impl FnOnce(&mut Seed) -> R) -> R {
        change(&mut self.shared.lock().settings.seed)
    }

    /// Adds an organization.
    pub fn add_organization(&self, organization: Organization) {
        self.seed_with(|seed| seed.organizations.push(organization));
    }

    /// Adds a connection.
    pub fn add_connection(&self, connection: Connection) {
        self.seed_with(|seed| seed.connections.push(connection));
    }

    /// Adds a user.
    pub fn add_user(&self, user: User) {
        self.seed_with(|seed| seed.users.push(user));
    }

    /// The profiles signed out at the identity provider by Single Logout (`GET /sso/logout` with a valid
    /// token), oldest first.
    pub fn logouts(&self) -> Vec<String> {
        self.shared.lock().session.logouts.clone()
    }

    /// Switches auto-login for the next logins.
    pub fn set_auto_login(&self, auto_login: AutoLogin) {
        self.shared.lock().settings.auto_login = auto_login;
    }

    /// Moves the emulator's clock forward, so codes, tokens and links expire without waiting.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.lock().advance_clock(by);
    }

    /// Makes the next `times` requests to `path` (exact, without query) suffer `fault`. Faults queued for
    /// the same path apply one after another.
    pub fn inject(&self, path: impl Into<String>, fault: Fault, times: u32) {
        self.shared
            .lock()
            .session
            .faults
            .push(path.into(), fault, times);
    }

    /// How many requests reached `path` (exact, without query), any method, faulted ones included.
    pub fn request_count(&self, path: &str) -> u64 {
        self.shared
            .lock()
            .session
            .requests
            .iter()
            .filter(|((_, seen), _)| seen == path)
            .map(|(_, count)| count)
            .sum()
    }

    /// How many `method` requests (e.g. `"GET"`) reached `path`.
    pub fn request_count_for(&self, method: &str, path: &str) -> u64 {
        let key = (method.to_ascii_uppercase(), path.to_owned());
        self.shared
            .lock()
            .session
            .requests
            .get(&key)
            .copied()
            .unwrap_or(0)
    }

    /// How many TCP connections the server accepted: a client that reuses its connections keeps this low.
    pub fn connections_accepted(&self) -> u64 {
        self.shared.lock().session.connections_accepted
    }

    /// Back to how `start` left it: configuration, directory and webhooks restored; codes, tokens,
    /// faults, counters, events, webhook deliveries and the clock offset cleared. Event IDs still only go
    /// up, so a cursor a client kept stays before every later event.
    pub fn reset(&self) {
        self.shared.lock().reset();
    }

    /// Stops accepting, closes every open connection, abandons the webhook deliveries under way and frees
    /// the port.
    pub async fn shutdown(mut self) {
        self.task.abort();
        self.shared.courier.stop();
        // The only possible outcome is the cancellation just requested.
        let _ = (&mut self.task).await;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
        self.shared.courier.stop();
    }
}

//! What the adversarial suite (`security_*.rs`) shares: one small application with protected handlers of
//! every kind, a Rocket configured for tests, a "browser" that walks the login flow by hand (so a test can
//! tamper with any step), and a real server on 127.0.0.1 for the tests that need sockets.
//!
//! Every test binary that includes this module compiles the same handlers, so they all use the emulator's
//! default client id and redirect URIs on `http://127.0.0.1:8000`.
#![allow(dead_code, unused_imports)]

#[path = "../support/emulator_stats.rs"]
pub mod emulator_stats;

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::http::{Accept, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{Build, Rocket, Shutdown};
use rocket_workos_sso::emulator::{AutoLogin, Emulator};
use rocket_workos_sso::{workos_sso, Profile, WorkosSso};
use url::Url;

/// The emulator's default client id, shared by every handler of every test binary.
pub const CLIENT_ID: &str = "client_01JHM9S346Q3D25VT4F5V37E3S";
/// The emulator's default API key: the fairing's emulator uses it, so it is the secret to look for.
pub const API_KEY: &str = rocket_workos_sso::emulator::DEFAULT_API_KEY;
/// The `secret_key` the sessions of these tests are sealed with.
pub const SECRET_KEY: &str = "NTnhgJXGk431DflAZ3RdsNXyFx/AZM+M8zUV6rLhbbI=";
/// Another key, standing for a rotated-out `secret_key`.
pub const OLD_SECRET_KEY: &str = "X5DUcIfSSMWbIgg2XPrr2zT3i9IpelBgJUI1zVd8bx0=";

/// Where the app pretends to live: the origin of every redirect URI below.
pub const APP_ORIGIN: &str = "http://127.0.0.1:8000";
/// The callback of the ordinary flows.
pub const CALLBACK: &str = "/sec/callback";
/// The callback of the one flow that accepts IdP-initiated logins.
pub const IDP_CALLBACK: &str = "/sec/idp/callback";

pub const SESSION_COOKIE: &str = rocket_workos_sso::session::SESSION_COOKIE;
pub const FLOW_COOKIE_PREFIX: &str = "workos_sso_flow_";

pub use rocket_workos_sso::emulator::{
    EXAMPLE_CONNECTION_ID, EXAMPLE_ORG_ID, GLOBEX_CONNECTION_ID, GLOBEX_ORG_ID,
};

/// Any organization, named in the login URL (`?organization=` / `?connection=`).
#[workos_sso(
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    redirect_uri = "http://127.0.0.1:8000/sec/callback"
)]
#[rocket::get("/sec/any")]
pub fn any_org(profile: Profile) -> String {
    profile.email.clone()
}

/// Example Corp only.
#[workos_sso(
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    redirect_uri = "http://127.0.0.1:8000/sec/callback",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[rocket::get("/sec/example")]
pub fn example_only(profile: Profile) -> String {
    profile.email.clone()
}

/// Example Corp admins only.
#[workos_sso(
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    redirect_uri = "http://127.0.0.1:8000/sec/callback",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX",
    role = "admin"
)]
#[rocket::get("/sec/example/admin")]
pub fn example_admin(profile: Profile) -> String {
    profile.email.clone()
}

/// Members of Example Corp's `Admins` group only.
#[workos_sso(
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    redirect_uri = "http://127.0.0.1:8000/sec/callback",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX",
    groups = ["Admins"]
)]
#[rocket::get("/sec/example/admins-group")]
pub fn example_admins_group(profile: Profile) -> String {
    profile.email.clone()
}

/// Globex only.
#[workos_sso(
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    redirect_uri = "http://127.0.0.1:8000/sec/callback",
    organization = "org_01JHS3C4DWA7N36096Q14DR9GP"
)]
#[rocket::get("/sec/globex")]
pub fn globex_only(profile: Profile) -> String {
    profile.email.clone()
}

/// Globex only, and Globex's IdP may start the login (no `state`).
#[workos_sso(
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    redirect_uri = "http://127.0.0.1:8000/sec/idp/callback",
    organization = "org_01JHS3C4DWA7N36096Q14DR9GP",
    allow_idp_initiated = true
)]
#[rocket::get("/sec/idp")]
pub fn globex_idp(profile: Profile) -> String {
    profile.email.clone()
}

/// Open to everyone: the route that must keep answering while WorkOS misbehaves.
#[rocket::get("/sec/open")]
pub fn open() -> &'static str {
    "open"
}

/// Who is signed in, if anyone: `email|organization_id`, or `anonymous`.
#[rocket::get("/sec/me")]
pub fn me(profile: Option<Profile>) -> String {
    match profile {
        Some(profile) => format!(
            "{}|{}",
            profile.email,
            profile.organization_id.clone().unwrap_or_default()
        ),
        None => "anonymous".to_owned(),
    }
}

/// The configuration every test starts from: the emulator, a fixed key, no shutdown grace, quiet logs, and
/// a real server (if launched) on a free loopback port.
pub fn figment(secret_key: &str) -> Figment {
    rocket::Config::figment()
        .merge(("secret_key", secret_key))
        .merge(("workos.emulator", true))
        .merge(("address", "127.0.0.1"))
        .merge(("port", 0))
        .merge(("shutdown.grace", 0))
        .merge(("shutdown.mercy", 0))
        .merge(("log_level", "off"))
}

/// The application on `figment`.
pub fn app(figment: Figment) -> Rocket<Build> {
    app_with(figment, WorkosSso::fairing())
}

/// The application on `figment` with `fairing`.
pub fn app_with(figment: Figment, fairing: WorkosSso) -> Rocket<Build> {
    rocket::custom(figment).attach(fairing).mount(
        "/",
        rocket::routes![
            any_org,
            example_only,
            example_admin,
            example_admins_group,
            globex_only,
            globex_idp,
            open,
            me
        ],
    )
}

/// A tracked local client of the application under `secret_key`, its emulator signing in the connection's
/// first user (or the `login_hint` user) at once.
pub async fn client_with_key(secret_key: &str) -> Client {
    let client = Client::tracked(app(figment(secret_key)))
        .await
        .expect("the application launches");
    emulator(&client).set_auto_login(AutoLogin::FirstUser);
    client
}

/// [`client_with_key`] with [`SECRET_KEY`].
pub async fn client() -> Client {
    client_with_key(SECRET_KEY).await
}

/// [`client`] for an application that opted in to exchanging the codes of IdP-initiated logins.
pub async fn client_exchanging_unsolicited_codes() -> Client {
    let fairing = WorkosSso::fairing().exchange_unsolicited_codes();
    let client = Client::tracked(app_with(figment(SECRET_KEY), fairing))
        .await
        .expect("the application launches");
    emulator(&client).set_auto_login(AutoLogin::FirstUser);
    client
}

pub fn emulator(client: &Client) -> &Emulator {
    WorkosSso::emulator(client.rocket()).expect("`workos.emulator = true` starts the emulator")
}

/// How many code exchanges reached the emulator so far.
pub fn token_calls(client: &Client) -> u64 {
    emulator(client).request_count("/sso/token")
}

/// A request as a browser sends it: HTML first.
pub async fn browse<'c>(client: &'c Client, uri: &str) -> LocalResponse<'c> {
    client
        .get(uri.to_owned())
        .header(Accept::HTML)
        .dispatch()
        .await
}

/// The `Location` of a response, which must be a redirect.
pub fn location(response: &LocalResponse<'_>) -> String {
    assert!(
        response.status().class().is_redirection(),
        "expected a redirect, got {}",
        response.status()
    );
    let mut values = response.headers().get("Location");
    let first = values.next().expect("a redirect has a Location").to_owned();
    assert!(values.next().is_none(), "exactly one Location header");
    first
}

/// Starts a login at `login_uri` (a path on the app) and returns the WorkOS authorization URL it
/// redirects to.
pub async fn start_login(client: &Client, login_uri: &str) -> Url {
    let response = browse(client, login_uri).await;
    assert_eq!(response.status(), Status::SeeOther, "{login_uri}");
    let url = Url::parse(&location(&response)).expect("the login redirects to an absolute URL");
    assert_eq!(url.path(), "/sso/authorize");
    url
}

/// The browser's leg at WorkOS: `authorize` (possibly tampered with) is followed once; auto-login answers
/// with a redirect to the app's callback, returned as a path and query on the app.
pub async fn at_workos(authorize: Url) -> String {
    let response = plain_http()
        .get(authorize)
        .send()
        .await
        .expect("the emulator answers");
    assert_eq!(response.status(), 302, "the emulator redirects back");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    app_path(&location)
}

/// `url` (an absolute URL on [`APP_ORIGIN`]) as a path and query.
pub fn app_path(url: &str) -> String {
    let url = Url::parse(url).expect("an absolute URL");
    assert_eq!(url.origin().ascii_serialization(), APP_ORIGIN, "{url}");
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// `url` with `name=value` appended to its query (the browser tampering with a URL, or picking a user).
pub fn with_param(mut url: Url, name: &str, value: &str) -> Url {
    url.query_pairs_mut().append_pair(name, value);
    url
}

/// `url` with every `name` parameter replaced by `name=value`.
pub fn replace_param(url: &Url, name: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let mut out = url.clone();
    out.query_pairs_mut().clear().extend_pairs(pairs);
    out
}

/// A whole login: start at `login_uri`, sign in as `email` at WorkOS, and return the callback's response.
pub async fn sign_in<'c>(client: &'c Client, login_uri: &str, email: &str) -> LocalResponse<'c> {
    let authorize = start_login(client, login_uri).await;
    let callback = at_workos(with_param(authorize, "login_hint", email)).await;
    browse(client, &callback).await
}

/// Who `/sec/me` says is signed in.
pub async fn whoami(client: &Client) -> String {
    let response = client.get("/sec/me").dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    response.into_string().await.unwrap()
}

/// The names of the login cookies the client holds.
pub fn flow_cookies(client: &Client) -> Vec<String> {
    client
        .cookies()
        .iter()
        .map(|cookie| cookie.name().to_owned())
        .filter(|name| name.starts_with(FLOW_COOKIE_PREFIX))
        .collect()
}

/// Whether the response sets (not removes) a cookie named `name`.
pub fn sets_cookie(response: &LocalResponse<'_>, name: &str) -> bool {
    response
        .headers()
        .get("Set-Cookie")
        .any(|value| value.starts_with(&format!("{name}=")) && !value.contains("Max-Age=0"))
}

/// An HTTP client that follows nothing and keeps no cookies: the raw leg to the emulator.
pub fn plain_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Asserts that a redirect target stays on the app's origin: a path that starts with exactly one `/`,
/// with no backslash and no control character, that the WHATWG URL parser resolves on the app's origin.
pub fn assert_same_origin(location: &str) {
    assert!(location.starts_with('/'), "{location:?}");
    assert!(!location.starts_with("//"), "{location:?}");
    assert!(
        !location.chars().any(|c| c == '\\' || c.is_control()),
        "{location:?}"
    );
    let base = Url::parse(APP_ORIGIN).unwrap();
    let resolved = base.join(location).expect("resolves against the app");
    assert_eq!(
        resolved.origin(),
        base.origin(),
        "{location:?} leaves the app"
    );
    // A second resolution (an app or proxy that normalises and redirects again) stays too.
    let again = base.join(resolved.path()).unwrap();
    assert_eq!(again.origin(), base.origin(), "{location:?} re-resolved");
}

/// The application launched on a real socket, stopped when dropped.
pub struct Server {
    pub addr: SocketAddr,
    /// The base URL of the server's embedded emulator.
    pub emulator_url: Url,
    shutdown: Shutdown,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Launches `rocket` on 127.0.0.1 with a free port; `prepare` runs on the ignited instance's emulator
    /// first (seed it, inject faults).
    pub async fn launch(rocket: Rocket<Build>, prepare: impl FnOnce(&Emulator)) -> Server {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let tx = Mutex::new(Some(tx));
        let rocket = rocket.attach(AdHoc::on_liftoff("test: report the port", move |rocket| {
            Box::pin(async move {
                let found = (rocket.config().port, rocket.shutdown());
                if let Some(tx) = tx.lock().unwrap().take() {
                    let _ = tx.send(found);
                }
            })
        }));
        let rocket = rocket.ignite().await.expect("the application ignites");
        let emulator = WorkosSso::emulator(&rocket).expect("the emulator runs");
        emulator.set_auto_login(AutoLogin::FirstUser);
        prepare(emulator);
        let emulator_url = emulator.base_url().clone();
        let task = tokio::spawn(async move {
            let _ = rocket.launch().await;
        });
        let (port, shutdown) = tokio::time::timeout(Duration::from_secs(10), rx)
            .await
            .expect("the server lifts off in time")
            .expect("the server reports its port");
        Server {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            emulator_url,
            shutdown,
            task: Some(task),
        }
    }

    /// `path` on this server.
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{path}", self.addr)).unwrap()
    }

    /// `url` (an absolute URL on [`APP_ORIGIN`], as WorkOS redirects to) moved to this server.
    pub fn here(&self, url: &str) -> Url {
        self.url(&app_path(url))
    }

    /// How many requests reached `path` on the emulator, from its stats endpoint.
    pub async fn emulator_requests(&self, path: &str) -> u64 {
        emulator_stats::request_count(&self.emulator_url, path).await
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        self.shutdown.clone().notify();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.clone().notify();
    }
}

/// A callback (or any) request asking for JSON: the status and the body's `error` code.
pub async fn json_error(client: &Client, uri: &str) -> (Status, String) {
    let response = client
        .get(uri.to_owned())
        .header(Accept::JSON)
        .dispatch()
        .await;
    let status = response.status();
    let body: serde_json::Value = response
        .into_json()
        .await
        .unwrap_or(serde_json::Value::Null);
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The current Unix time, as the runtime reads it.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `callback` (a path and query) with its `state` replaced by `state`, or removed when `None`.
pub fn with_state(callback: &str, state: Option<&str>) -> String {
    let url = Url::parse(&format!("{APP_ORIGIN}{callback}")).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "state")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut out = url.clone();
    {
        let mut query = out.query_pairs_mut();
        query.clear().extend_pairs(pairs);
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    app_path(out.as_str())
}

/// The `state` of a callback path.
pub fn state_of(callback: &str) -> String {
    Url::parse(&format!("{APP_ORIGIN}{callback}"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("the callback carries a state")
}

/// `plaintext` (any bytes) sealed as the value of the cookie `name` under the key of `client`'s app,
/// exactly as the runtime seals its cookies (see `rocket_workos_sso::fuzzing::seal_cookie`): what an
/// attacker holding the key could forge.
pub fn seal_cookie(client: &Client, name: &str, plaintext: &[u8]) -> String {
    let cookie = rocket_workos_sso::fuzzing::seal_cookie(client.rocket(), name, plaintext)
        .expect("the fairing is attached");
    cookie.value().to_owned()
}

/// [`seal_cookie`] as the session cookie.
pub fn seal_session(client: &Client, plaintext: &[u8]) -> String {
    seal_cookie(client, SESSION_COOKIE, plaintext)
}

/// The plaintext of the cookie `name`'s value, if `client`'s app sealed it for that name.
pub fn open_cookie(client: &Client, name: &str, sealed: &str) -> Option<Vec<u8>> {
    rocket_workos_sso::fuzzing::open_cookie(client.rocket(), name, sealed)
}

/// [`open_cookie`] for the session cookie.
pub fn open_session(client: &Client, sealed: &str) -> Option<Vec<u8>> {
    open_cookie(client, SESSION_COOKIE, sealed)
}

/// `value` sealed as Rocket's private cookie `name` under `secret_key` (how login cookies were sealed
/// before the library sealed every cookie itself), as the raw cookie value a browser would hold.
pub async fn seal_private(secret_key: &str, name: &str, value: &str) -> String {
    let sealer = Client::untracked(rocket::custom(
        rocket::Config::figment()
            .merge(("secret_key", secret_key))
            .merge(("log_level", "off")),
    ))
    .await
    .unwrap();
    let request = sealer
        .get("/")
        .private_cookie(rocket::http::Cookie::new(name.to_owned(), value.to_owned()));
    let sealed = request
        .inner()
        .cookies()
        .get(name)
        .expect("the sealed cookie")
        .value()
        .to_owned();
    sealed
}

/// Byte strings a MessagePack decoder treats specially: a marker of every kind, length headers that claim
/// far more than any input holds, integers and floats at their edges, strings that are not UTF-8, the
/// login selector's variants, and the JSON of the earlier formats.
pub const MSGPACK_PIECES: &[&[u8]] = &[
    b"\xc0",
    b"\xc2",
    b"\xc3",
    b"\xc1",
    b"\x90",
    b"\x80",
    b"\xa0",
    b"\x91",
    b"\x9f",
    b"\x8f",
    b"\xdc\x00\x12",
    b"\xdc\xff\xff",
    b"\xdd\xff\xff\xff\xff",
    b"\xde\xff\xff",
    b"\xdf\xff\xff\xff\xff",
    b"\xd9\xff",
    b"\xda\xff\xff",
    b"\xdb\xff\xff\xff\xff",
    b"\xc4\xff",
    b"\xc5\xff\xff",
    b"\xc6\xff\xff\xff\xff",
    b"\xc7\xff\x01",
    b"\xc9\xff\xff\xff\xff\x01",
    b"\xd4\x01\x00",
    b"\xd8\xff",
    b"\xca\x7f\xc0\x00\x00",
    b"\xcb\x7f\xf0\x00\x00\x00\x00\x00\x00",
    b"\xcb\x80\x00\x00\x00\x00\x00\x00\x00",
    b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff",
    b"\xd3\x80\x00\x00\x00\x00\x00\x00\x00",
    b"\xd3\x7f\xff\xff\xff\xff\xff\xff\xff",
    b"\xce\xff\xff\xff\xff",
    b"\xff",
    b"\xe0",
    b"\xcc\x03",
    b"\xa1x",
    b"\xa7profile",
    b"\xa5\xed\xa0\x80ab",
    b"\xa2\xc3\x28",
    b"\x81\xa1k",
    b"\x81\xacOrganization",
    b"\x81\xaaConnection",
    b"\x81\xa8Provider",
    b"\x81\xa7Unknown",
    b"[2,",
    b"{\"v\":1,",
];

/// Plaintexts that decrypt fine but are neither a session nor a login, each with what it is: MessagePack
/// of the wrong shape, nested far deeper than a decoder may follow, or whose length headers claim
/// gigabytes the input does not hold; JSON like the earlier formats; bytes that are no MessagePack.
pub fn hostile_plaintexts() -> Vec<(&'static str, Vec<u8>)> {
    const FOUR_GIB: [u8; 4] = [0xff; 4];
    let claiming = |head: &[u8], tail: &[u8]| [head, &FOUR_GIB, tail].concat();
    vec![
        ("nothing", vec![]),
        ("nil", vec![0xc0]),
        ("an empty map", vec![0x80]),
        ("an empty array", vec![0x90]),
        ("a string", vec![0xa1, b'x']),
        ("the version alone", vec![0x91, 3]),
        (
            "a map with a version",
            rmp_serde::to_vec(&serde_json::json!({"v": 3})).unwrap(),
        ),
        ("100,000 nested arrays", [0x91].repeat(100_000)),
        ("100,000 nested maps", [0x81, 0xa1, b'k'].repeat(100_000)),
        (
            "an array claiming 4 billion elements",
            claiming(&[0xdd], &[3]),
        ),
        (
            "a map claiming 4 billion entries",
            claiming(&[0xdf], &[0xa1, b'k']),
        ),
        (
            "a string claiming 4 GiB",
            claiming(&[0xdc, 0, 18, 3, 1, 2, 0xdb], b"x"),
        ),
        ("bytes claiming 4 GiB", claiming(&[0x93, 3, 1, 0xc6], b"x")),
        ("an extension claiming 4 GiB", claiming(&[0xc9], &[1, 0])),
        ("JSON null", b"null".to_vec()),
        (
            "JSON of format 1",
            br#"{"v":1,"iat":0,"exp":0,"profile":{}}"#.to_vec(),
        ),
        ("10,000 JSON braces", b"{".repeat(10_000)),
        ("100,000 JSON brackets", b"[".repeat(100_000)),
        ("6,000 bytes of one value", vec![0x5a; 6000]),
        ("never a MessagePack marker", vec![0xc1; 64]),
    ]
}

/// A second (third…) browser on one untracked client: its own cookie jar, kept by hand.
#[derive(Default)]
pub struct Jar(Mutex<Vec<rocket::http::Cookie<'static>>>);

impl Jar {
    /// GETs `uri` with this jar's cookies (HTML first, or JSON) and keeps what the response sets.
    pub async fn get<'c>(&self, client: &'c Client, uri: &str, json: bool) -> LocalResponse<'c> {
        let cookies = self.0.lock().unwrap().clone();
        let accept = if json { Accept::JSON } else { Accept::HTML };
        let response = client
            .get(uri.to_owned())
            .header(accept)
            .cookies(cookies)
            .dispatch()
            .await;
        let mut jar = self.0.lock().unwrap();
        for cookie in response.cookies().iter() {
            jar.retain(|kept| kept.name() != cookie.name());
            let removed = cookie
                .max_age()
                .is_some_and(|age| age <= rocket::time::Duration::ZERO);
            if !removed {
                jar.push(cookie.clone().into_owned());
            }
        }
        response
    }

    /// The raw value of this jar's first cookie whose name starts with `prefix`, and its name.
    pub fn find(&self, prefix: &str) -> Option<(String, String)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .find(|cookie| cookie.name().starts_with(prefix))
            .map(|cookie| (cookie.name().to_owned(), cookie.value().to_owned()))
    }
}

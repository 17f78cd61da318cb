//! The login flow through a real Rocket server on 127.0.0.1 and an HTTP client that behaves like a
//! browser (cookies scoped by path, redirects followed by hand), plus the launch failures that must stop
//! a misconfigured app before it serves anything.

mod support;

use std::collections::BTreeMap;

use rocket::error::ErrorKind;
use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::{get, routes, Build, Ignite, Rocket, Shutdown};
use rocket_workos_sso::emulator::AutoLogin;
use rocket_workos_sso::session::SESSION_COOKIE;
use rocket_workos_sso::{workos_sso, Profile, WorkosSso};
use serde_json::{json, Value};
use support::{figment, SECRET_KEY};
use tokio::task::JoinHandle;
use url::Url;

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    format!("dashboard for {}", profile.email)
}

#[get("/me")]
fn me(profile: Profile) -> String {
    profile.email.clone()
}

#[get("/maybe")]
fn maybe(profile: Option<Profile>) -> String {
    profile.map_or_else(|| "anonymous".to_owned(), |p| p.email.clone())
}

/// A launched app and the emulator its fairing started.
struct Server {
    base: Url,
    emulator: Url,
    shutdown: Shutdown,
    task: JoinHandle<Result<Rocket<Ignite>, rocket::Error>>,
}

impl Server {
    async fn launch(rocket: Rocket<Build>) -> Server {
        let (port_tx, port_rx) = tokio::sync::oneshot::channel();
        let rocket = rocket
            .attach(WorkosSso::fairing())
            .attach(AdHoc::on_liftoff("Bound port", move |rocket| {
                Box::pin(async move {
                    let _ = port_tx.send(rocket.config().port);
                })
            }));
        let ignited = rocket.ignite().await.expect("the app ignites");
        let emulator = WorkosSso::emulator(&ignited).expect("the fairing started the emulator");
        emulator.set_auto_login(AutoLogin::FirstUser);
        let emulator = emulator.base_url().clone();
        let shutdown = ignited.shutdown();
        let task = tokio::spawn(ignited.launch());
        let port = port_rx.await.expect("the server lifts off");
        Server {
            base: Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(),
            emulator,
            shutdown,
            task,
        }
    }

    fn url(&self, path_and_query: &str) -> Url {
        self.base.join(path_and_query).unwrap()
    }

    /// How many times the emulator's `path` was requested, read over its control API.
    async fn emulator_count(&self, path: &str) -> u64 {
        support::emulator_stats::request_count(&self.emulator, path).await
    }

    async fn inject(&self, fault: Value) {
        let response = reqwest::Client::new()
            .post(self.emulator.join("__emulator/faults").unwrap())
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }

    async fn stop(self) {
        self.shutdown.notify();
        self.task
            .await
            .expect("the server task completes")
            .expect("the server shuts down cleanly");
    }
}

/// What a browser keeps: cookies by name, with the path they were set for.
#[derive(Default)]
struct Browser {
    jar: BTreeMap<String, (String, String)>,
    http: Option<reqwest::Client>,
}

struct Page {
    status: u16,
    location: Option<String>,
    set_cookies: Vec<String>,
    body: String,
}

impl Browser {
    fn new() -> Self {
        Browser {
            jar: BTreeMap::new(),
            http: Some(support::browser()),
        }
    }

    /// The cookies a browser sends to `path` (RFC 6265 path matching).
    fn cookie_header(&self, path: &str) -> String {
        self.jar
            .iter()
            .filter(|(_, (_, cookie_path))| {
                path == cookie_path
                    || (path.starts_with(cookie_path.as_str())
                        && (cookie_path.ends_with('/')
                            || path[cookie_path.len()..].starts_with('/')))
            })
            .map(|(name, (value, _))| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn store(&mut self, header: &str) {
        let mut parts = header.split(';').map(str::trim);
        let (name, value) = parts.next().unwrap().split_once('=').unwrap();
        let mut path = "/".to_owned();
        let mut removed = false;
        for attribute in parts {
            let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
            match key.to_ascii_lowercase().as_str() {
                "path" => path = val.to_owned(),
                "max-age" => removed = val.parse::<i64>().is_ok_and(|age| age <= 0),
                _ => {}
            }
        }
        if removed {
            self.jar.remove(name);
        } else {
            self.jar.insert(name.to_owned(), (value.to_owned(), path));
        }
    }

    async fn request(&mut self, method: reqwest::Method, url: Url) -> Page {
        let cookies = self.cookie_header(url.path());
        let mut request = self
            .http
            .as_ref()
            .unwrap()
            .request(method, url)
            .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
        if !cookies.is_empty() {
            request = request.header("Cookie", cookies);
        }
        let response = request.send().await.unwrap();
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for header in &set_cookies {
            self.store(header);
        }
        Page {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned()),
            set_cookies,
            body: response.text().await.unwrap(),
        }
    }

    async fn get(&mut self, url: Url) -> Page {
        self.request(reqwest::Method::GET, url).await
    }

    /// Follows a sign-in from a protected page to the callback's redirect, rewriting the callback (on
    /// the port the handler declares) to the server's real port.
    async fn sign_in(&mut self, server: &Server, page: &str) -> Page {
        let challenge = self.get(server.url(page)).await;
        assert_eq!(challenge.status, 303, "{}", challenge.body);
        let login = self.get(server.url(&challenge.location.unwrap())).await;
        assert_eq!(login.status, 303, "{}", login.body);
        let authorize = Url::parse(&login.location.unwrap()).unwrap();
        assert!(authorize.as_str().starts_with(server.emulator.as_str()));
        let at_workos = self.get(authorize).await;
        assert_eq!(at_workos.status, 302, "{}", at_workos.body);
        let mut callback = Url::parse(&at_workos.location.unwrap()).unwrap();
        assert_eq!(callback.port(), Some(8000));
        callback.set_port(server.base.port()).unwrap();
        self.get(callback).await
    }
}

fn app(figment: Figment) -> Rocket<Build> {
    rocket::custom(figment).mount("/", routes![dashboard, me, maybe])
}

#[rocket::async_test]
async fn a_browser_signs_in_over_http_reaches_the_page_and_signs_out() {
    let server = Server::launch(app(figment())).await;
    let mut browser = Browser::new();

    let landed = browser.sign_in(&server, "/dashboard?tab=2").await;
    assert_eq!(landed.status, 303, "{}", landed.body);
    assert_eq!(landed.location.as_deref(), Some("/dashboard?tab=2"));
    assert!(landed
        .set_cookies
        .iter()
        .any(|c| c.starts_with(&format!("{SESSION_COOKIE}="))));
    // The state cookie was removed; the session is left, and the slot the next login takes.
    assert_eq!(
        browser.jar.keys().collect::<Vec<_>>(),
        ["workos_sso_next_login", SESSION_COOKIE]
    );
    assert_eq!(server.emulator_count("/sso/token").await, 1);

    let page = browser.get(server.url("/dashboard?tab=2")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body, "dashboard for alice@example.com");
    assert_eq!(
        browser.get(server.url("/maybe")).await.body,
        "alice@example.com"
    );

    let logout = browser
        .request(reqwest::Method::POST, server.url("/sso/logout"))
        .await;
    assert_eq!(logout.status, 303);
    assert_eq!(logout.location.as_deref(), Some("/"));
    assert!(browser.jar.is_empty());
    let again = browser.get(server.url("/dashboard")).await;
    assert_eq!(again.status, 303);
    assert!(again.location.unwrap().starts_with("/sso/login?flow="));
    server.stop().await;
}

#[rocket::async_test]
async fn the_state_cookie_is_only_sent_to_the_callback_and_two_tabs_both_complete() {
    let server = Server::launch(app(figment())).await;
    let mut browser = Browser::new();
    let challenge = browser.get(server.url("/dashboard")).await;
    let login = challenge.location.unwrap();
    let first = browser.get(server.url(&login)).await;
    let second = browser.get(server.url(&login)).await;
    assert_eq!(
        browser.jar.len(),
        3,
        "one state cookie per login, and the next slot"
    );
    // Pages get the next login's slot number alone.
    assert_eq!(
        browser.cookie_header("/dashboard"),
        "workos_sso_next_login=2"
    );
    assert_eq!(
        browser
            .cookie_header("/callback")
            .matches("workos_sso_flow_")
            .count(),
        2
    );

    for login in [second, first] {
        let authorize = Url::parse(&login.location.unwrap()).unwrap();
        let mut callback = Url::parse(&browser.get(authorize).await.location.unwrap()).unwrap();
        callback.set_port(server.base.port()).unwrap();
        let done = browser.get(callback).await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(done.location.as_deref(), Some("/dashboard"));
    }
    assert_eq!(
        browser.jar.keys().collect::<Vec<_>>(),
        ["workos_sso_next_login", SESSION_COOKIE]
    );
    assert_eq!(server.emulator_count("/sso/token").await, 2);
    server.stop().await;
}

#[rocket::async_test]
async fn a_callback_with_a_forged_state_is_400_over_http_without_calling_workos() {
    let server = Server::launch(app(figment())).await;
    let mut browser = Browser::new();
    let page = browser
        .get(server.url("/callback?code=01JFORGED&state=forged"))
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("<code>invalid_state</code>"),
        "{}",
        page.body
    );
    assert_eq!(server.emulator_count("/sso/token").await, 0);
    server.stop().await;
}

#[rocket::async_test]
async fn workos_failing_the_exchange_over_http_is_a_gateway_error_and_not_retried() {
    let server = Server::launch(app(support::fast_timeout())).await;
    server
        .inject(
            json!({"path": "/sso/token", "times": 1, "fault": {"kind": "status", "status": 500}}),
        )
        .await;
    let mut browser = Browser::new();
    let landed = browser.sign_in(&server, "/dashboard").await;
    assert_eq!(landed.status, 502, "{}", landed.body);
    assert!(
        landed.body.contains("<code>workos_error</code>"),
        "{}",
        landed.body
    );
    assert!(!browser.jar.contains_key(SESSION_COOKIE));
    assert_eq!(server.emulator_count("/sso/token").await, 1);

    server
        .inject(
            json!({"path": "/sso/token", "times": 1, "fault": {"kind": "delay", "millis": 1500}}),
        )
        .await;
    let landed = browser.sign_in(&server, "/dashboard").await;
    assert_eq!(landed.status, 504, "{}", landed.body);
    assert_eq!(server.emulator_count("/sso/token").await, 2);
    server.stop().await;
}

#[rocket::async_test]
async fn the_session_lifetime_setting_reaches_the_browser() {
    let server = Server::launch(app(figment().merge(("workos.session_lifetime", 3600)))).await;
    let mut browser = Browser::new();
    let landed = browser.sign_in(&server, "/me").await;
    // /me is a plain `Profile` route; the only flow in this app is pinned, so its login starts that one.
    assert_eq!(landed.status, 303, "{}", landed.body);
    let session = landed
        .set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{SESSION_COOKIE}=")))
        .unwrap();
    assert!(session.contains("Max-Age=3600"), "{session}");
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------------
// Launch failures.

fn release() -> Figment {
    figment().select("release")
}

async fn ignite(rocket: Rocket<Build>) -> Result<Rocket<Ignite>, rocket::Error> {
    rocket.ignite().await
}

#[rocket::async_test]
async fn without_the_fairing_a_protected_handler_aborts_the_launch() {
    for routes in [routes![dashboard], routes![me], routes![maybe]] {
        let error = ignite(rocket::custom(figment()).mount("/", routes))
            .await
            .expect_err("the sentinel aborts the launch");
        assert!(
            matches!(error.kind(), ErrorKind::SentinelAborts(_)),
            "{:?}",
            error.kind()
        );
    }
}

#[rocket::async_test]
async fn without_a_secret_key_outside_debug_the_launch_aborts() {
    let figment = Figment::from(rocket::Config::default())
        .merge(("log_level", "off"))
        .merge(("workos.emulator", true))
        .select("release");
    let rocket = rocket::custom(figment)
        .mount("/", routes![dashboard])
        .attach(WorkosSso::fairing());
    let error = ignite(rocket).await.expect_err("no secret_key in release");
    assert!(
        matches!(error.kind(), ErrorKind::FailedFairings(_)),
        "the fairing refuses before Rocket's own check: {:?}",
        error.kind()
    );
}

#[rocket::async_test]
async fn without_an_api_key_outside_debug_the_launch_aborts() {
    let rocket = rocket::custom(release().merge(("workos.emulator", false)))
        .mount("/", routes![dashboard])
        .attach(WorkosSso::fairing());
    let error = ignite(rocket).await.expect_err("no API key in release");
    assert!(
        matches!(error.kind(), ErrorKind::FailedFairings(_)),
        "{:?}",
        error.kind()
    );

    // The same app with a secret key and an API key launches: the key was the only thing missing.
    let rocket = rocket::custom(
        release()
            .merge(("workos.emulator", false))
            .merge(("workos.api_key", "sk_test_release_key"))
            .merge(("secret_key", SECRET_KEY)),
    )
    .mount("/", routes![dashboard])
    .attach(WorkosSso::fairing());
    ignite(rocket)
        .await
        .expect("a complete release configuration launches");
}

#[rocket::async_test]
async fn with_the_emulator_switched_off_and_no_api_key_a_debug_launch_aborts_too() {
    let rocket = rocket::custom(figment().merge(("workos.emulator", false)))
        .mount("/", routes![dashboard])
        .attach(WorkosSso::fairing());
    let error = ignite(rocket)
        .await
        .expect_err("no API key and no emulator");
    assert!(matches!(error.kind(), ErrorKind::FailedFairings(_)));
}

#[test]
fn the_release_figment_really_selects_the_release_profile() {
    assert_eq!(release().profile(), "release");
}

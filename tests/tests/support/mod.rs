//! Shared by the flow tests: the test figment, a tracked local client whose fairing runs its own
//! emulator, and the browser's legs of a sign-in done by hand.
#![allow(dead_code)] // each test binary uses its own subset

pub mod emulator_stats;

use rocket::figment::Figment;
use rocket::http::{Accept, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{Build, Rocket};
use rocket_workos_sso::emulator::{AutoLogin, Emulator};
use rocket_workos_sso::WorkosSso;
use url::Url;

/// The one client id every handler in every test binary uses: the emulator's default.
pub const CLIENT_ID: &str = "client_01JHM9S346Q3D25VT4F5V37E3S";

/// A 512-bit master key for private cookies.
pub const SECRET_KEY: &str =
    "kbAi7lJ+la1O01Zf9kxS2jPVZdEZGOZJ953R69Af3dOoyESxUQsEJJNCcVjOdMyxVcNmWcGbt2Le9JzVvHb12w==";

/// Another key: cookies sealed under it are foreign to apps using [`SECRET_KEY`].
pub const OTHER_SECRET_KEY: &str =
    "e4USg33hNnYCIb3SWSGaL6coShyiDKr+xfBLFodN+NHMK3rhrCa9znnr7n1KGEaW+nqQ/49sXLqjqFrtYtSUZQ==";

/// The debug profile with a fixed key, the embedded emulator, no shutdown grace, an ephemeral loopback
/// port and quiet logs. WorkOS calls time out after 5 s (loaded CI machines); timeout tests use
/// [`fast_timeout`].
pub fn figment() -> Figment {
    rocket::Config::figment()
        .merge(("secret_key", SECRET_KEY))
        .merge(("address", "127.0.0.1"))
        .merge(("port", 0))
        .merge(("shutdown.grace", 0))
        .merge(("shutdown.mercy", 0))
        .merge(("log_level", "off"))
        .merge(("workos.emulator", true))
        .merge(("workos.request_timeout", 5))
}

/// [`figment`] with a 1 s WorkOS timeout, for tests that make WorkOS slower than that.
pub fn fast_timeout() -> Figment {
    figment().merge(("workos.request_timeout", 1))
}

/// A tracked client for `rocket` with the fairing attached; its emulator signs in the first user of
/// the asked-for connection at once.
pub async fn client(rocket: Rocket<Build>) -> Client {
    client_with(rocket, WorkosSso::fairing()).await
}

/// [`client`] with `fairing` (Rocket keeps one fairing of the kind: the last attached).
pub async fn client_with(rocket: Rocket<Build>, fairing: WorkosSso) -> Client {
    let client = Client::tracked(rocket.attach(fairing))
        .await
        .expect("the app launches");
    emulator(&client).set_auto_login(AutoLogin::FirstUser);
    client
}

/// The emulator the client's fairing started.
pub fn emulator(client: &Client) -> &Emulator {
    WorkosSso::emulator(client.rocket()).expect("workos.emulator = true starts the emulator")
}

/// The `Location` header of a redirect.
pub fn location(response: &LocalResponse<'_>) -> String {
    response
        .headers()
        .get_one("Location")
        .expect("a Location header")
        .to_owned()
}

/// Every `Set-Cookie` header of a response.
pub fn set_cookies(response: &LocalResponse<'_>) -> Vec<String> {
    response
        .headers()
        .get("Set-Cookie")
        .map(str::to_owned)
        .collect()
}

/// The `Set-Cookie` header for the cookie `name`, if the response sets or removes it.
pub fn set_cookie(response: &LocalResponse<'_>, name: &str) -> Option<String> {
    set_cookies(response)
        .into_iter()
        .find(|header| header.starts_with(&format!("{name}=")))
}

/// The one `Set-Cookie` of `response` for a cookie whose name starts with `prefix`.
pub fn login_cookie(response: &LocalResponse<'_>, prefix: &str) -> String {
    let found: Vec<String> = set_cookies(response)
        .into_iter()
        .filter(|header| header.starts_with(prefix))
        .collect();
    assert_eq!(found.len(), 1, "{:?}", set_cookies(response));
    found[0].clone()
}

/// The `Set-Cookie` of `response` that removes the cookie `name`, parsed; panics unless there is one
/// (an empty value and `Max-Age=0`).
pub fn removal_of(response: &LocalResponse<'_>, name: &str) -> rocket::http::Cookie<'static> {
    let header = set_cookie(response, name).unwrap_or_else(|| {
        panic!(
            "no Set-Cookie for {name}; the response sets {:?}",
            set_cookies(response)
        )
    });
    let cookie = rocket::http::Cookie::parse(header.clone())
        .unwrap_or_else(|error| panic!("{header}: {error}"))
        .into_owned();
    assert_eq!(cookie.value(), "", "{header}");
    assert_eq!(
        cookie.max_age(),
        Some(rocket::time::Duration::ZERO),
        "{header}"
    );
    cookie
}

/// The `Cookie` header a browser sends to `path`: every cookie whose path is a prefix of it.
pub fn cookie_header_for(client: &Client, path: &str) -> String {
    client
        .cookies()
        .iter()
        .filter(|cookie| path.starts_with(cookie.path().unwrap_or("/")))
        .map(|cookie| format!("{}={}", cookie.name(), cookie.value()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A browser navigation.
pub async fn browse<'c>(client: &'c Client, uri: &str) -> LocalResponse<'c> {
    client
        .get(uri.to_owned())
        .header(Accept::HTML)
        .dispatch()
        .await
}

/// A browser that follows nothing by itself.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The browser at WorkOS: follows `authorize_url` once and returns the callback URL it is sent to.
pub async fn authorize(authorize_url: &str) -> Url {
    let response = browser().get(authorize_url).send().await.unwrap();
    assert_eq!(
        response.status(),
        302,
        "the emulator answers the authorization with a redirect to the callback"
    );
    Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
}

/// The path and query of an absolute URL, to dispatch it to the local app.
pub fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// The value of query parameter `name` in `url`.
pub fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Starts a login at `login_uri` (a path on the app) and returns the WorkOS authorization URL.
pub async fn start_login(client: &Client, login_uri: &str) -> Url {
    let response = browse(client, login_uri).await;
    assert_eq!(
        response.status(),
        Status::SeeOther,
        "the login route redirects"
    );
    Url::parse(&location(&response)).expect("an absolute authorization URL")
}

/// Walks a whole sign-in the way a browser would, starting at the protected page `page`: page → login
/// route → WorkOS (auto-login) → callback. Returns the callback's redirect target.
pub async fn sign_in(client: &Client, page: &str) -> String {
    let response = browse(client, page).await;
    assert_eq!(
        response.status(),
        Status::SeeOther,
        "{page} asks to sign in"
    );
    let login = location(&response);
    let authorize_url = start_login(client, &login).await;
    let callback = authorize(authorize_url.as_str()).await;
    let response = browse(client, &path_and_query(&callback)).await;
    if response.status() != Status::SeeOther {
        let status = response.status();
        panic!(
            "the callback answers {status}: {:?}",
            response.into_string().await
        );
    }
    location(&response)
}

/// The login URL a 403 refusal offers (a user signed in through another organization), read from its
/// JSON body.
pub async fn refusal_login_url(client: &Client, page: &str) -> String {
    let response = client.get(page).header(json_accept()).dispatch().await;
    assert_eq!(
        response.status(),
        Status::Forbidden,
        "{page} refuses the signed-in user"
    );
    let body: serde_json::Value =
        serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
    body["login_url"]
        .as_str()
        .expect("the refusal offers a login URL")
        .to_owned()
}

/// Completes a sign-in from a login route URL: login → WorkOS (auto-login) → callback. Returns the
/// callback's redirect target.
pub async fn sign_in_from(client: &Client, login: &str) -> String {
    let authorize_url = start_login(client, login).await;
    let callback = authorize(authorize_url.as_str()).await;
    let response = browse(client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::SeeOther, "the callback signs in");
    location(&response)
}

/// A JSON request header.
pub fn json_accept() -> Header<'static> {
    Header::new("Accept", "application/json")
}

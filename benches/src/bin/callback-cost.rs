//! Callback cost: N sequential complete sign-ins (login route, the emulator's authorize, callback with
//! the code exchange) against the embedded emulator, with the time per sign-in and the number of TCP
//! connections the emulator accepted from the runtime's WorkOS client.
//!
//! The application is driven in-process through `rocket::local` (no socket between driver and app); the
//! driver's own hop to the emulator's authorize endpoint goes through one keep-alive connection that is
//! opened before counting starts, so every connection counted after that is the runtime's.
//!
//! `callback-cost [N]` (default 1000) prints one line of `key=value` pairs.

#[path = "../app.rs"]
mod app;

use std::time::{Duration, Instant};

use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket_workos_sso::emulator::AutoLogin;
use rocket_workos_sso::WorkosSso;

/// One complete sign-in; returns how long the callback request alone took.
async fn sign_in(app: &Client, browser: &reqwest::Client) -> Duration {
    let login = app.get("/sso/login?return_to=/protected").dispatch().await;
    assert_eq!(login.status(), Status::SeeOther, "login redirects");
    let authorize = login
        .headers()
        .get_one("Location")
        .expect("a Location")
        .to_owned();
    let idp = browser
        .get(&authorize)
        .send()
        .await
        .expect("the emulator answers");
    assert!(idp.status().is_redirection(), "auto-login redirects");
    let callback = idp.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let callback = url::Url::parse(&callback).expect("an absolute callback URL");
    let path = format!("{}?{}", callback.path(), callback.query().unwrap_or(""));
    let started = Instant::now();
    let done = app.get(path).dispatch().await;
    let elapsed = started.elapsed();
    assert_eq!(done.status(), Status::SeeOther, "the callback signs in");
    elapsed
}

#[rocket::main]
async fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .map(|arg| arg.parse().expect("N is a number"))
        .unwrap_or(1000);
    let app = Client::tracked(app::rocket())
        .await
        .expect("the app ignites");
    let emulator = WorkosSso::emulator(app.rocket()).expect("on the emulator");
    emulator.set_auto_login(AutoLogin::FirstUser);
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .build()
        .expect("a client");

    // Warm-up: opens the driver's connection and the runtime's first pooled one.
    sign_in(&app, &browser).await;
    let before = emulator.connections_accepted();
    let exchanges_before = emulator.request_count("/sso/token");

    let started = Instant::now();
    let mut callback_total = Duration::ZERO;
    let mut worst = Duration::ZERO;
    for _ in 0..n {
        let callback = sign_in(&app, &browser).await;
        callback_total += callback;
        worst = worst.max(callback);
    }
    let total = started.elapsed();
    let connections = emulator.connections_accepted() - before;
    let exchanges = emulator.request_count("/sso/token") - exchanges_before;
    println!(
        "sign_ins={n} token_exchanges={exchanges} per_sign_in_us={:.1} per_callback_us={:.1} \
         worst_callback_us={} new_connections={connections} connections_total={}",
        total.as_secs_f64() * 1e6 / f64::from(n),
        callback_total.as_secs_f64() * 1e6 / f64::from(n),
        worst.as_micros(),
        emulator.connections_accepted(),
    );
}

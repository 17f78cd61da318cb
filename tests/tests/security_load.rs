//! Load: 500 complete logins at once against a real server on 127.0.0.1 and the emulator in auto-login
//! mode, each browser with its own cookie jar and its own user. All succeed, and each browser ends up
//! signed in as its own user: no session is handed to the wrong browser. Then the same with the sessions
//! in a real Redis, where what is asserted is the property, not the machine's speed: no browser is ever
//! someone else, nothing answers 500, and a login that does not finish was answered a clean 503 with
//! `Retry-After` (a busy machine can starve the store's calls past their bound), after which the
//! browser's retry succeeds.

mod redis_support;
mod security_support;
use redis_support::redis_or_skip_with;

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::cookie::{CookieStore as _, Jar};
use rocket_workos_sso::emulator::{Emulator, User};
use security_support::*;
use url::Url;

const BROWSERS: usize = 500;
/// The whole test gives up after this, whatever happens.
const DEADLINE: Duration = Duration::from_secs(90);

fn email(n: usize) -> String {
    format!("load{n:03}@example.com")
}

/// One browser's whole login, with its own cookie jar on the shared connection pool; returns who
/// `/sec/me` says it is at the end.
async fn one_login(server: Arc<Shared>, n: usize) -> Result<String, Failure> {
    let jar = Jar::default();
    let get = |url: Url| {
        let (http, jar) = (&server.http, &jar);
        async move {
            let mut request = http.get(url.clone()).header("Accept", "text/html");
            if let Some(cookies) = jar.cookies(&url) {
                request = request.header("Cookie", cookies);
            }
            let response = request
                .send()
                .await
                .map_err(|e| Failure::Other(format!("{n}: GET {url}: {e}")))?;
            let mut set = response.headers().get_all("set-cookie").iter().peekable();
            if set.peek().is_some() {
                jar.set_cookies(&mut set, &url);
            }
            let status = response.status().as_u16();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let location = header("location");
            if status == 503 {
                return Err(Failure::Unavailable {
                    retry_after: header("retry-after"),
                });
            }
            let body = response
                .text()
                .await
                .map_err(|e| Failure::Other(e.to_string()))?;
            Ok::<_, Failure>((status, location, body))
        }
    };
    // The protected page sends the browser to sign in, the login route to WorkOS.
    let (status, to_login, _) = get(server.app.join("/sec/example").unwrap()).await?;
    expect(status, 303, n, "protected page")?;
    let (status, to_workos, _) = get(server.app.join(&to_login.unwrap()).unwrap()).await?;
    expect(status, 303, n, "login")?;
    // At WorkOS the browser picks its user (the emulator's auto-login honours `login_hint`).
    let mut authorize =
        Url::parse(&to_workos.unwrap()).map_err(|e| Failure::Other(e.to_string()))?;
    authorize
        .query_pairs_mut()
        .append_pair("login_hint", &email(n));
    let (status, callback, _) = get(authorize).await?;
    expect(status, 302, n, "authorize")?;
    let callback = server.app.join(&app_path(&callback.unwrap())).unwrap();
    let (status, back, _) = get(callback).await?;
    expect(status, 303, n, "callback")?;
    let back = back.unwrap();
    if back != "/sec/example" {
        return Err(Failure::Other(format!("{n}: returned to {back}")));
    }
    let (status, _, page) = get(server.app.join(&back).unwrap()).await?;
    expect(status, 200, n, "protected page, signed in")?;
    if page != email(n) {
        return Err(Failure::Other(format!("{n}: the page shows {page}")));
    }
    let (_, _, me) = get(server.app.join("/sec/me").unwrap()).await?;
    Ok(me)
}

fn expect(status: u16, expected: u16, n: usize, step: &str) -> Result<(), Failure> {
    if status == expected {
        Ok(())
    } else {
        Err(Failure::Other(format!(
            "{n}: {step} answered {status}, expected {expected}"
        )))
    }
}

/// Why a browser's login did not end signed in.
#[derive(Debug)]
enum Failure {
    /// A 503: the store could not answer in time. Clean only with `Retry-After`.
    Unavailable { retry_after: Option<String> },
    /// Anything else: always a failure of the test (its words are shown through `Debug`).
    Other(#[allow(dead_code)] String),
}

/// One browser: its login, tried again (up to five times, as a browser following `Retry-After` would)
/// after a clean 503; how many 503s it met.
async fn browser(server: Arc<Shared>, n: usize) -> Result<(String, usize), Failure> {
    let mut unavailable = 0;
    loop {
        match one_login(Arc::clone(&server), n).await {
            Ok(me) => return Ok((me, unavailable)),
            Err(Failure::Unavailable {
                retry_after: Some(seconds),
            }) if seconds == "1" && unavailable < 5 => {
                unavailable += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(failure) => return Err(failure),
        }
    }
}

/// What every browser shares: the app's URL and one connection pool (building a TLS-capable client per
/// browser would dominate the run). Each browser keeps its own `reqwest::cookie::Jar`.
struct Shared {
    app: Url,
    http: reqwest::Client,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_logins_each_end_signed_in_as_their_own_user() {
    // Without a store nothing can be unavailable.
    assert_eq!(load(figment(SECRET_KEY)).await, 0);
}

/// The same with the sessions in a real Redis: every session stored, none shown to another browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_logins_with_sessions_in_redis() {
    // Redis's latency monitor records every stall of 1 ms or more (fsync of the append-only file,
    // slow commands), printed at the end: where the time went on a slow run.
    let Some(redis) = redis_or_skip_with(
        "five_hundred_concurrent_logins_with_sessions_in_redis",
        &["--latency-monitor-threshold", "1"],
    ) else {
        return;
    };
    // Every request reads the store: no instance cache hides a lost or crossed session.
    let figment = figment(SECRET_KEY)
        .merge(("workos.session_store", redis.url()))
        .merge(("workos.session_cache_ms", 0))
        .merge(("workos.session_store_timeout_ms", 5000));
    let retried = load(figment).await;
    eprintln!(
        "Redis stalls of 1 ms or more (event, when, latest ms, worst ms):\n{}",
        redis.cli(&["LATENCY", "LATEST"])
    );
    // One stored session per browser, and at most one more per retried login (a 503 after the session
    // was stored: its browser never got the cookie, and the session expires unused).
    let sessions = redis.keys("workos_sso:2:session:*").len();
    assert!(
        (BROWSERS..=BROWSERS + retried).contains(&sessions),
        "{sessions} sessions for {BROWSERS} browsers and {retried} retries"
    );
    let taken = redis.keys("workos_sso:2:used:*").len();
    assert!(
        (BROWSERS..=BROWSERS + retried).contains(&taken),
        "every login state taken by its callback once: {taken}"
    );
}

/// 500 browsers sign in at once on a server launched with `figment`.
/// Returns how many clean 503s the browsers met (and got past by retrying).
async fn load(figment: rocket::figment::Figment) -> usize {
    let started = Instant::now();
    let server = Server::launch(app(figment), |emulator: &Emulator| {
        emulator.seed_with(|seed| {
            for n in 0..BROWSERS {
                seed.users
                    .push(User::new(EXAMPLE_CONNECTION_ID, email(n)).with_role("member"));
            }
        });
    })
    .await;
    let urls = Arc::new(Shared {
        app: server.url("/"),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
    });
    // Every browser starts at once.
    let tasks: Vec<_> = (0..BROWSERS)
        .map(|n| {
            let urls = Arc::clone(&urls);
            tokio::spawn(browser(urls, n))
        })
        .collect();
    let results = tokio::time::timeout(DEADLINE, async {
        let mut results = Vec::with_capacity(tasks.len());
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    })
    .await
    .expect("500 logins finish within the deadline");
    let failures: Vec<&Failure> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{} failed, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let mut unavailable = 0;
    for (n, result) in results.iter().enumerate() {
        let (me, retries) = result.as_ref().unwrap();
        assert_eq!(me, &format!("{}|{EXAMPLE_ORG_ID}", email(n)));
        unavailable += retries;
    }
    // Every browser's code was exchanged once per login that reached WorkOS's token endpoint; a
    // retried login makes a new one.
    let exchanges = server.emulator_requests("/sso/token").await;
    assert!(
        exchanges >= BROWSERS as u64 && exchanges <= (BROWSERS + unavailable) as u64,
        "{exchanges} exchanges for {BROWSERS} browsers and {unavailable} retries"
    );
    eprintln!("{unavailable} clean 503s, each retried to success");
    eprintln!("{BROWSERS} logins in {:?}", started.elapsed());
    server.stop().await;
    unavailable
}

//! Store capacity: what the Redis session store costs Redis, measured on a real server, for the capacity
//! table of BENCHMARKS.md.
//!
//! `WORKOS_SESSION_STORE=redis://127.0.0.1:PORT/0 store-capacity [N]` (default 10000) signs in N
//! distinct users of one organization through the embedded emulator, then reads Redis's own counters
//! (`INFO memory`, `INFO commandstats`, `MEMORY USAGE`) around each operation:
//! - memory per session: the session's hash, its member in its user's index and in its organization's
//!   index, and its user's index key, from `used_memory` before and after;
//! - the same broken down by key (`MEMORY USAGE`);
//! - round trips and Redis commands per sign-in, per session read (one per `session_cache_ms` per
//!   instance) and per revocation of the whole organization, and the Redis CPU each costs
//!   (`usec_per_call` of the scripts).
//!
//! Prints `key=value` lines. The Redis should be this run's alone (it is flushed first).

#[path = "../app.rs"]
mod app;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rocket::http::{Cookie, Status};
use rocket::local::asynchronous::Client;
use rocket_workos_sso::emulator::{AutoLogin, User};
use rocket_workos_sso::session::SESSION_COOKIE;
use rocket_workos_sso::{Revocation, WorkosSso};

/// Redis's counters, through a plain connection of the driver's own.
struct Redis(redis::Connection);

impl Redis {
    fn query<T: redis::FromRedisValue>(&mut self, args: &[&str]) -> T {
        let mut command = redis::cmd(args[0]);
        for arg in &args[1..] {
            command.arg(*arg);
        }
        command.query(&mut self.0).expect("Redis answers")
    }

    fn used_memory(&mut self) -> i64 {
        let info: String = self.query(&["INFO", "memory"]);
        field(&info, "used_memory").parse().expect("a number")
    }

    /// Calls and CPU microseconds by command, from `INFO commandstats`.
    fn commandstats(&mut self) -> HashMap<String, (u64, f64)> {
        let info: String = self.query(&["INFO", "commandstats"]);
        info.lines()
            .filter_map(|line| {
                let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
                let value = |key: &str| {
                    stats
                        .split(',')
                        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
                        .unwrap_or("0")
                        .to_owned()
                };
                Some((
                    name.to_owned(),
                    (value("calls").parse().ok()?, value("usec").parse().ok()?),
                ))
            })
            .collect()
    }

    /// What happened between two `commandstats`: round trips (script calls), the commands they ran
    /// inside, and Redis's CPU microseconds for the scripts.
    fn delta(
        before: &HashMap<String, (u64, f64)>,
        after: &HashMap<String, (u64, f64)>,
    ) -> (u64, u64, f64) {
        let (mut trips, mut commands, mut usec) = (0, 0, 0.0);
        for (name, (calls, micros)) in after {
            let (was, was_usec) = before.get(name).copied().unwrap_or((0, 0.0));
            let calls = calls - was;
            if name == "evalsha" || name == "eval" {
                trips += calls;
                usec += micros - was_usec;
            } else if !["info", "memory", "keys", "scan", "config"].contains(&name.as_str()) {
                commands += calls;
            }
        }
        (trips, commands, usec)
    }

    fn keys(&mut self, pattern: &str) -> Vec<String> {
        self.query(&["KEYS", pattern])
    }

    fn memory_usage(&mut self, keys: &[String]) -> i64 {
        keys.iter()
            .map(|key| self.query::<i64>(&["MEMORY", "USAGE", key, "SAMPLES", "0"]))
            .sum()
    }
}

fn field<'a>(info: &'a str, name: &str) -> &'a str {
    info.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .expect("the field")
        .trim()
}

fn email(n: usize) -> String {
    format!("capacity{n:06}@example.com")
}

/// One complete sign-in of `email`; returns the session cookie's value.
async fn sign_in(app: &Client, browser: &reqwest::Client, email: &str) -> String {
    let login = app.get("/sso/login?return_to=/protected").dispatch().await;
    assert_eq!(login.status(), Status::SeeOther, "login redirects");
    let mut authorize = url::Url::parse(login.headers().get_one("Location").unwrap()).unwrap();
    authorize.query_pairs_mut().append_pair("login_hint", email);
    let idp = browser.get(authorize).send().await.expect("the emulator");
    let callback = url::Url::parse(idp.headers()["location"].to_str().unwrap()).unwrap();
    let path = format!("{}?{}", callback.path(), callback.query().unwrap_or(""));
    let done = app.get(path).dispatch().await;
    assert_eq!(done.status(), Status::SeeOther, "the callback signs in");
    let cookie = app
        .cookies()
        .get(SESSION_COOKIE)
        .expect("a session")
        .value()
        .to_owned();
    app.cookies().remove(SESSION_COOKIE);
    cookie
}

#[rocket::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|arg| arg.parse().expect("N is a number"))
        .unwrap_or(10_000);
    let url = std::env::var("WORKOS_SESSION_STORE").expect("WORKOS_SESSION_STORE names the Redis");
    let mut redis = Redis(
        redis::Client::open(url.as_str())
            .and_then(|client| client.get_connection())
            .expect("the Redis of WORKOS_SESSION_STORE"),
    );
    let _: String = redis.query(&["FLUSHDB"]);
    let app = Client::tracked(app::rocket())
        .await
        .expect("the app ignites");
    let emulator = WorkosSso::emulator(app.rocket()).expect("on the emulator");
    emulator.set_auto_login(AutoLogin::FirstUser);
    let connection = emulator.seed_with(|seed| {
        let connection = seed
            .connections
            .iter()
            .find(|c| c.organization_id.as_deref() == Some(app::ORGANIZATION))
            .expect("the organization's connection")
            .id
            .clone();
        for i in 0..n {
            seed.users.push(User::new(connection.clone(), email(i)));
        }
        connection
    });
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // One sign-in first, so the scripts are loaded and the indexes exist.
    let first = sign_in(&app, &browser, &email(0)).await;

    let memory_before = redis.used_memory();
    let stats = redis.commandstats();
    let started = Instant::now();
    let mut cookies = Vec::with_capacity(n);
    for i in 1..n {
        cookies.push(sign_in(&app, &browser, &email(i)).await);
    }
    let signing = started.elapsed();
    let after = redis.commandstats();
    let (trips, commands, usec) = Redis::delta(&stats, &after);
    let signed = (n - 1) as f64;
    let memory = redis.used_memory() - memory_before;
    println!(
        "connection={connection} sessions={n} sign_in_wall_ms={:.2}",
        signing.as_secs_f64() * 1e3 / signed
    );
    println!(
        "per_sign_in round_trips={:.2} commands={:.2} redis_cpu_us={:.1}",
        trips as f64 / signed,
        commands as f64 / signed,
        usec / signed
    );
    println!(
        "memory_per_session_bytes={:.0} (used_memory delta over {} sessions)",
        memory as f64 / signed,
        n - 1
    );

    let sessions = redis.keys("workos_sso:2:session:*");
    let users = redis.keys("workos_sso:2:user:*");
    let organization = redis.keys("workos_sso:2:organization:*");
    println!(
        "memory_usage session_hash={:.0} user_index_key={:.0} organization_index_entry={:.1} (MEMORY USAGE, averaged)",
        redis.memory_usage(&sessions) as f64 / sessions.len() as f64,
        redis.memory_usage(&users) as f64 / users.len() as f64,
        redis.memory_usage(&organization) as f64 / n as f64,
    );

    // A session read: once per `session_cache_ms` (1 s by default) per instance while in use.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let stats = redis.commandstats();
    let reads = 1000.min(cookies.len());
    for cookie in &cookies[..reads] {
        let response = app
            .get("/protected")
            .cookie(Cookie::new(SESSION_COOKIE, cookie.clone()))
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::Ok);
    }
    let (trips, commands, usec) = Redis::delta(&stats, &redis.commandstats());
    println!(
        "per_session_read round_trips={:.2} commands={:.2} redis_cpu_us={:.1} (each session read once, {reads} sessions)",
        trips as f64 / reads as f64,
        commands as f64 / reads as f64,
        usec / reads as f64
    );
    // Within the cache period: no round trip at all.
    let stats = redis.commandstats();
    for cookie in &cookies[..reads] {
        app.get("/protected")
            .cookie(Cookie::new(SESSION_COOKIE, cookie.clone()))
            .dispatch()
            .await;
    }
    let (trips, _, _) = Redis::delta(&stats, &redis.commandstats());
    println!("cached_reads round_trips={trips} (the same {reads} sessions again within the cache period)");

    // Revoking the whole organization.
    let revocation = Revocation::of(app.rocket()).expect("the fairing");
    let memory_before = redis.used_memory();
    let stats = redis.commandstats();
    let started = Instant::now();
    let ended = revocation
        .revoke_organization(app::ORGANIZATION)
        .await
        .expect("the revocation");
    let took = started.elapsed();
    let (trips, commands, usec) = Redis::delta(&stats, &redis.commandstats());
    println!(
        "revoke_organization ended={ended} round_trips={trips} commands={commands} redis_cpu_ms={:.1} wall_ms={:.0} memory_freed_bytes={}",
        usec / 1e3,
        took.as_secs_f64() * 1e3,
        memory_before - redis.used_memory()
    );
    let markers = redis.keys("workos_sso:2:revoked:*");
    println!(
        "marker_bytes={}",
        redis.memory_usage(&markers) / markers.len().max(1) as i64
    );
    drop(first);
}

//! Sessions on a Redis behind Sentinel (`workos.session_store = "redis+sentinel://…"`), through a real
//! failover: a primary, its replica and one Sentinel (redis_support/sentinel.rs). The primary is killed
//! under a signed-in user; while the Sentinel promotes the replica, requests that need the session
//! answer 503 with `Retry-After` (never 500, never "signed out"); once it has, the same cookie is
//! served again, by the promoted replica, and a new sign-in works.

mod redis_support;
mod security_support;
mod store_support;

use std::time::{Duration, Instant};

use redis_support::sentinel::{replicated_or_skip, DOWN_AFTER_MS};
use rocket::figment::Figment;
use rocket::http::{Accept, Cookie, Status};
use rocket::local::asynchronous::Client;
use rocket_workos_sso::emulator::AutoLogin;
use security_support::*;

/// The name the Sentinel monitors the primary under.
const SERVICE: &str = "sessions";

/// The longest the Sentinel may take to promote the replica once the primary is killed.
const PROMOTION: Duration = Duration::from_secs(30);

/// The application with its sessions behind the Sentinel at `url`, reading the store on every request.
async fn instance(url: &str) -> Client {
    let figment: Figment = figment(SECRET_KEY)
        .merge(("workos.session_store", url))
        .merge(("workos.session_cache_ms", 0))
        .merge(("workos.session_store_timeout_ms", 300));
    let client = Client::tracked(app(figment))
        .await
        .expect("the application launches against the Sentinel");
    emulator(&client).set_auto_login(AutoLogin::FirstUser);
    client
}

/// What a protected page answers the bearer of `session` (JSON): the status, the `Retry-After` header,
/// whether the response touched the session cookie, and the body.
async fn protected(client: &Client, session: &str) -> (Status, Option<String>, bool, String) {
    let response = client
        .get("/sec/any")
        .header(Accept::JSON)
        .cookie(Cookie::new(SESSION_COOKIE, session.to_owned()))
        .dispatch()
        .await;
    let status = response.status();
    let retry_after = response.headers().get_one("Retry-After").map(str::to_owned);
    let touches_session = response
        .headers()
        .get("Set-Cookie")
        .any(|cookie| cookie.starts_with(&format!("{SESSION_COOKIE}=")));
    let body = response.into_string().await.unwrap_or_default();
    (status, retry_after, touches_session, body)
}

/// Who `/sec/me` says the bearer of `session` is: `email|organization` or `anonymous`.
async fn who(client: &Client, session: &str) -> String {
    let response = client
        .get("/sec/me")
        .cookie(Cookie::new(SESSION_COOKIE, session.to_owned()))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    response.into_string().await.unwrap_or_default()
}

#[rocket::async_test]
async fn a_failover_keeps_the_session_and_answers_503_while_it_runs() {
    let Some(mut servers) = replicated_or_skip("a_failover_keeps_the_session", SERVICE) else {
        return;
    };
    let (primary_port, replica_port) = (servers.primary.port(), servers.replica.port());
    assert_eq!(servers.sentinel.primary_port(), Some(primary_port));
    let a = instance(&servers.sentinel.url()).await;
    let alice = format!("alice@example.com|{EXAMPLE_ORG_ID}");

    let session = store_support::signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    let (status, _, _, body) = protected(&a, &session).await;
    assert_eq!(status, Status::Ok, "{body}");
    assert_eq!(who(&a, &session).await, alice);
    let stored = servers.primary.keys("workos_sso:*session:*");
    assert_eq!(stored.len(), 1, "the primary holds the session: {stored:?}");
    // The replica has it too before the primary goes: WAIT for its acknowledgement, then look.
    let acknowledged = servers.primary.cli(&["WAIT", "1", "5000"]);
    assert_eq!(acknowledged, "1", "the replica acknowledged the writes");
    assert_eq!(servers.replica.keys("workos_sso:*session:*"), stored);

    // The primary dies (SIGKILL). Until the Sentinel has promoted the replica (it waits DOWN_AFTER_MS
    // first), requests that need the session answer 503 with Retry-After, and keep the cookie.
    servers.primary.kill();
    let killed = Instant::now();
    let mut unavailable = 0;
    loop {
        let (status, retry_after, touches_session, body) = protected(&a, &session).await;
        assert!(
            !touches_session,
            "no answer during the failover signs the user out: {status} {body}"
        );
        match status {
            Status::Ok => break,
            Status::ServiceUnavailable => {
                assert_eq!(retry_after.as_deref(), Some("1"), "{body}");
                assert!(body.contains("session_store_unavailable"), "{body}");
                unavailable += 1;
            }
            other => panic!("during the failover: {other} {body}"),
        }
        assert!(
            killed.elapsed() < PROMOTION,
            "the session was not served again within {} s of the primary's death; the Sentinel \
             names port {:?} (the replica is {replica_port}); its log ends:\n{}",
            PROMOTION.as_secs(),
            servers.sentinel.primary_port(),
            servers.sentinel.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let served_after = killed.elapsed();
    assert!(
        unavailable > 0,
        "requests answered 503 while no primary was known (served again after {served_after:?})"
    );
    assert!(
        served_after >= Duration::from_millis(DOWN_AFTER_MS),
        "the session was served again before the Sentinel could have promoted the replica"
    );
    assert_eq!(
        servers.sentinel.primary_port(),
        Some(replica_port),
        "the Sentinel promoted the replica"
    );
    assert_eq!(
        who(&a, &session).await,
        alice,
        "the same session, by the promoted replica"
    );
    assert!(
        servers.replica.cli(&["ROLE"]).starts_with("master"),
        "the replica is the primary now"
    );

    // A new sign-in is written to the promoted replica, and served.
    let bob = store_support::signed_in(&a, EXAMPLE_ORG_ID, "bob@example.com").await;
    let (status, _, _, body) = protected(&a, &bob).await;
    assert_eq!(status, Status::Ok, "{body}");
    assert_eq!(
        who(&a, &bob).await,
        format!("bob@example.com|{EXAMPLE_ORG_ID}")
    );
    assert_eq!(servers.replica.keys("workos_sso:*session:*").len(), 2);
    eprintln!(
        "a_failover_keeps_the_session: {unavailable} answers of 503, served again {} ms after the \
         primary was killed",
        served_after.as_millis()
    );
}

/// Waits (up to [`PROMOTION`]) until `client` serves `session` again; anything else on the way must be a
/// 503 with `Retry-After` that keeps the cookie. Returns how many 503 it saw.
async fn served_again(client: &Client, session: &str, during: &str) -> usize {
    let started = Instant::now();
    let mut unavailable = 0;
    loop {
        let (status, retry_after, touches_session, body) = protected(client, session).await;
        assert!(!touches_session, "{during}: {status} {body}");
        match status {
            Status::Ok => return unavailable,
            Status::ServiceUnavailable => {
                assert_eq!(retry_after.as_deref(), Some("1"), "{during}: {body}");
                unavailable += 1;
            }
            other => panic!("{during}: {other} {body}"),
        }
        assert!(
            started.elapsed() < PROMOTION,
            "{during}: the session was not served again within {} s",
            PROMOTION.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A switchover asked of the Sentinel (`SENTINEL FAILOVER`), and the old primary made a replica under
/// the instance's open connection (`REPLICAOF`, which closes no client connection): the instance's
/// next write is refused with READONLY. The instance follows the new primary: the session is served,
/// and a new sign-in is written to the new primary, not refused by the old one.
#[rocket::async_test]
async fn a_switchover_moves_the_sessions_to_the_new_primary() {
    let Some(servers) = replicated_or_skip("a_switchover_moves_the_sessions", SERVICE) else {
        return;
    };
    let replica_port = servers.replica.port();
    let a = instance(&servers.sentinel.url()).await;
    let alice = format!("alice@example.com|{EXAMPLE_ORG_ID}");
    let session = store_support::signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    assert_eq!(servers.primary.cli(&["WAIT", "1", "5000"]), "1");

    assert_eq!(
        servers.sentinel.cli(&["SENTINEL", "FAILOVER", SERVICE]),
        "OK"
    );
    let switched = Instant::now();
    while servers.sentinel.primary_port() != Some(replica_port) {
        assert!(
            switched.elapsed() < PROMOTION,
            "the Sentinel did not promote the replica within {} s; its log ends:\n{}",
            PROMOTION.as_secs(),
            servers.sentinel.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The Sentinel would demote the old primary on its next look at it (up to 10 s); done at once here.
    let demoted = servers
        .primary
        .cli(&["REPLICAOF", "127.0.0.1", &replica_port.to_string()]);
    assert_eq!(demoted, "OK");
    assert!(servers.primary.cli(&["ROLE"]).starts_with("slave"));
    served_again(&a, &session, "after the switchover").await;
    assert_eq!(who(&a, &session).await, alice);
    let bob = store_support::signed_in(&a, EXAMPLE_ORG_ID, "bob@example.com").await;
    assert_eq!(protected(&a, &bob).await.0, Status::Ok);
    assert_eq!(
        servers.replica.keys("workos_sso:*session:*").len(),
        2,
        "the new sign-in is on the new primary"
    );
}

/// A primary that freezes (SIGSTOP: connections stay open, nothing answers) is no error the instance
/// can see: each request gives up after `session_store_timeout_ms` with 503, and asks the Sentinel
/// whether the primary changed. Once the replica is promoted, the session is served by it; when the old
/// primary thaws (still a primary until the Sentinel demotes it), the instance stays with the new one.
#[rocket::async_test]
async fn a_frozen_primary_is_left_for_the_promoted_replica() {
    let Some(servers) = replicated_or_skip("a_frozen_primary", SERVICE) else {
        return;
    };
    let replica_port = servers.replica.port();
    let a = instance(&servers.sentinel.url()).await;
    let alice = format!("alice@example.com|{EXAMPLE_ORG_ID}");
    let session = store_support::signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    assert_eq!(servers.primary.cli(&["WAIT", "1", "5000"]), "1");

    servers.primary.pause();
    let unavailable = served_again(&a, &session, "while the primary is frozen").await;
    assert!(unavailable > 0, "the frozen primary was noticed");
    assert_eq!(servers.sentinel.primary_port(), Some(replica_port));
    assert_eq!(who(&a, &session).await, alice);

    servers.primary.resume();
    let bob = store_support::signed_in(&a, EXAMPLE_ORG_ID, "bob@example.com").await;
    assert_eq!(protected(&a, &bob).await.0, Status::Ok);
    assert_eq!(protected(&a, &session).await.0, Status::Ok);
    assert_eq!(
        servers.replica.keys("workos_sso:*session:*").len(),
        2,
        "the new sign-in is on the new primary"
    );
    assert!(
        servers.primary.keys("workos_sso:*session:*").len() == 1,
        "and not on the thawed old one"
    );
}

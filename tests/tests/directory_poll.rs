//! The Events API poller in one process, against the embedded emulator and a real Redis: WorkOS
//! failing or slow never holds a request, and the event is handled once WorkOS answers again; a
//! deactivated connection ends its sessions; events from before the first poll are not acted on.

mod redis_support;
mod security_support;
mod store_support;

use std::time::{Duration, Instant};

use redis_support::redis_or_skip;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket_workos_sso::emulator::Fault;
use security_support::*;
use store_support::*;

/// Waits (up to 15 s, a bound for a hung poller, not a timing) until `client` refuses `session`.
async fn until_refused(client: &Client, session: &str) -> Duration {
    let started = Instant::now();
    while protected(client, session).await.0 != Status::Unauthorized {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still served after 15 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    started.elapsed()
}

#[rocket::async_test]
async fn workos_down_or_slow_holds_no_request_and_the_event_is_handled_when_it_answers() {
    let Some(redis) = redis_or_skip("workos_down_or_slow_holds_no_request") else {
        return;
    };
    let figment = with_store(&redis).merge(("workos.events_poll_interval_ms", 200));
    let a = instance(figment).await;
    let alice = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    let bob = signed_in(&a, EXAMPLE_ORG_ID, "bob@example.com").await;
    let emulator = emulator(&a);
    // WorkOS fails the next polls, then answers slowly: requests are served meanwhile, at once.
    emulator.inject("/events", Fault::Status(503), 5);
    emulator.inject("/events", Fault::Delay(Duration::from_millis(3000)), 1);
    emulator
        .deprovision_user("alice@example.com")
        .expect("alice's directory user");
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1000) {
        let asked = Instant::now();
        assert_eq!(protected(&a, &bob).await.0, Status::Ok);
        assert!(
            asked.elapsed() < Duration::from_millis(1500),
            "a request waited for WorkOS, which answers after 3 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Once WorkOS answers, the event is handled: alice is out, bob stays.
    until_refused(&a, &alice).await;
    assert_eq!(protected(&a, &bob).await.0, Status::Ok);
    assert!(
        emulator.request_count("/events") >= 6,
        "the poller kept trying"
    );
}

#[rocket::async_test]
async fn a_deactivated_connection_ends_its_sessions_and_earlier_events_are_not_replayed() {
    let Some(redis) = redis_or_skip("a_deactivated_connection_ends_its_sessions") else {
        return;
    };
    // An event from before any instance polled: not acted on when polling starts.
    let first = instance(with_store(&redis)).await;
    let bob = signed_in(&first, EXAMPLE_ORG_ID, "bob@example.com").await;
    emulator(&first)
        .deprovision_user("bob@example.com")
        .expect("bob's directory user");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Now an instance that polls, on the first one's emulator (WORKOS_BASE_URL-style).
    let base_url = emulator(&first).base_url().to_string();
    let figment = with_store(&redis)
        .merge(("workos.events_poll_interval_ms", 200))
        .merge(("workos.emulator", false))
        .merge(("workos.api_key", API_KEY))
        .merge(("workos.base_url", base_url));
    let polling = Client::tracked(app(figment)).await.expect("launches");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        protected(&polling, &bob).await.0,
        Status::Ok,
        "an old event replayed"
    );

    let hank = signed_in(&first, GLOBEX_ORG_ID, "hank@globex.test").await;
    emulator(&first)
        .deactivate_connection(GLOBEX_CONNECTION_ID)
        .expect("Globex's connection");
    until_refused(&polling, &hank).await;
    assert_eq!(protected(&polling, &bob).await.0, Status::Ok);
}

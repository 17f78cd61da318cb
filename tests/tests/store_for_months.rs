//! The Redis store as it is after months in production, each against a real `redis-server`: indexes
//! that hold only live sessions after a thousand sign-ins and logouts, anonymous requests that write
//! nothing, revocation that holds when the indexes are gone (evicted), an evicting Redis refused at launch, a full Redis that refuses
//! sign-ins but still revokes, and concurrent requests for one session sharing one read.

mod redis_support;
mod security_support;
mod store_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis_support::{redis_or_skip, redis_or_skip_with, Redis};
use rocket::http::{Method, Status};
use rocket::local::asynchronous::Client;
use rocket_workos_sso::audit::{AuditEvent, Outcome};
use rocket_workos_sso::WorkosSso;
use security_support::*;
use store_support::*;

/// How many members the store's indexes hold, in all.
fn index_members(redis: &Redis) -> usize {
    let mut indexes = redis.keys("workos_sso:2:user:*");
    indexes.extend(redis.keys("workos_sso:2:organization:*"));
    indexes
        .iter()
        .map(|index| redis.cli(&["ZCARD", index]).parse::<usize>().unwrap())
        .sum()
}

fn sessions_stored(redis: &Redis) -> usize {
    redis.keys("workos_sso:2:session:*").len()
}

#[rocket::async_test]
async fn a_thousand_sign_ins_and_logouts_leave_no_index_member() {
    let Some(redis) = redis_or_skip("a_thousand_sign_ins_and_logouts") else {
        return;
    };
    let (a, b) = (
        instance(with_store(&redis)).await,
        instance(with_store(&redis)).await,
    );
    let people = [
        (EXAMPLE_ORG_ID, "alice@example.com"),
        (EXAMPLE_ORG_ID, "bob@example.com"),
        (GLOBEX_ORG_ID, "hank@globex.test"),
    ];
    for n in 0..1000 {
        let (organization, email) = people[n % people.len()];
        // Signed in on one instance, signed out on the other (POST, then GET, in turn).
        let (on, off) = if n % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let session = signed_in(on, organization, email).await;
        let method = if n % 4 < 2 { Method::Post } else { Method::Get };
        let status = logout(off, method, &session).await.status();
        assert!(
            status.class().is_success() || status.class().is_redirection(),
            "{status}"
        );
        assert_eq!(who(on, &session).await.1, "anonymous");
    }
    assert_eq!(sessions_stored(&redis), 0);
    assert_eq!(
        index_members(&redis),
        0,
        "an index holds only live sessions"
    );
}

#[rocket::async_test]
async fn sessions_that_ended_by_themselves_leave_the_index_on_the_next_sign_in() {
    let Some(redis) = redis_or_skip("sessions_that_ended_by_themselves") else {
        return;
    };
    let a = instance(with_store(&redis).merge(("workos.session_idle_timeout", 1))).await;
    for email in ["alice@example.com", "bob@example.com"] {
        signed_in(&a, EXAMPLE_ORG_ID, email).await;
    }
    let organization = format!("workos_sso:2:organization:{EXAMPLE_ORG_ID}");
    assert_eq!(redis.cli(&["ZCARD", &organization]), "2");
    // Both idle out; the next sign-in of the organization prunes them.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(sessions_stored(&redis), 0, "Redis expired them");
    signed_in(&a, EXAMPLE_ORG_ID, "carol@example.com").await;
    assert_eq!(redis.cli(&["ZCARD", &organization]), "1", "only carol's");
}

#[rocket::async_test]
async fn anonymous_requests_write_nothing_to_the_store() {
    let Some(redis) = redis_or_skip("anonymous_requests_write_nothing") else {
        return;
    };
    let a = instance(with_store(&redis)).await;
    let keys = |redis: &Redis| redis.cli(&["DBSIZE"]).parse::<usize>().unwrap();
    let before = keys(&redis);
    for n in 0..2000 {
        let uri = match n % 4 {
            0 => "/sso/login".to_owned(),
            1 => format!("/sso/login?organization={EXAMPLE_ORG_ID}&return_to=/sec/any"),
            // Callbacks with no login cookie, or a made-up state.
            2 => format!("{CALLBACK}?code=01J{n}&state=forged{n}"),
            _ => format!("{CALLBACK}?error=access_denied&state=forged{n}"),
        };
        let response = a.get(uri).dispatch().await;
        assert_ne!(response.status(), Status::ServiceUnavailable);
        // Each request in a fresh browser.
        for cookie in a.cookies().iter() {
            a.cookies().remove(cookie.name().to_owned());
        }
        drop(response);
    }
    assert_eq!(
        keys(&redis),
        before,
        "2,000 anonymous requests wrote no key"
    );
    // A real sign-in writes its session and the one record that its login was taken.
    signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    assert_eq!(redis.keys("workos_sso:2:used:*").len(), 1);
}

#[rocket::async_test]
async fn revocation_holds_when_the_indexes_are_gone() {
    let Some(redis) = redis_or_skip("revocation_holds_when_the_indexes_are_gone") else {
        return;
    };
    let (a, b) = (
        instance(with_store(&redis)).await,
        instance(with_store(&redis)).await,
    );
    let alice_laptop = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    let alice_phone = signed_in(&b, EXAMPLE_ORG_ID, "alice@example.com").await;
    let marge = signed_in(&a, EXAMPLE_ORG_ID, "bob@example.com").await;
    let hank = signed_in(&b, GLOBEX_ORG_ID, "hank@globex.test").await;
    // As an evicting Redis would: every index gone, the sessions still there.
    let mut indexes = redis.keys("workos_sso:2:user:*");
    indexes.extend(redis.keys("workos_sso:2:organization:*"));
    assert_eq!(indexes.len(), 5);
    for index in &indexes {
        redis.cli(&["DEL", index]);
    }

    // "Sign out my other devices" finds no index to delete from, and still ends the phone's session.
    assert_eq!(post(&a, "/revoke/others", &alice_laptop).await, "ended 0");
    assert_eq!(protected(&b, &alice_phone).await.0, Status::Unauthorized);
    assert_eq!(protected(&b, &alice_laptop).await.0, Status::Ok);
    // The organization's revocation ends every session of it that is left.
    post(&b, &format!("/revoke/organization/{EXAMPLE_ORG_ID}"), "").await;
    for session in [&alice_laptop, &marge] {
        for instance in [&a, &b] {
            assert_eq!(protected(instance, session).await.0, Status::Unauthorized);
        }
    }
    assert_eq!(
        protected(&a, &hank).await.0,
        Status::Ok,
        "another organization stays"
    );
    // A sign-in after the revocation is served.
    let again = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    assert_eq!(who(&b, &again).await, (Status::Ok, alice()));
}

/// The launch error of an application whose store is `redis`.
async fn launch_refusal(redis: &Redis) -> String {
    let figment = with_store(redis).merge(("log_level", "critical"));
    match Client::tracked(app(figment)).await {
        Ok(_) => "launched".to_owned(),
        Err(error) => format!("{error:?}"),
    }
}

#[rocket::async_test]
async fn a_redis_that_evicts_keys_is_refused_at_launch() {
    for policy in ["allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-ttl"] {
        let Some(redis) = redis_or_skip_with(
            "a_redis_that_evicts_keys_is_refused_at_launch",
            &["--maxmemory", "2mb", "--maxmemory-policy", policy],
        ) else {
            return;
        };
        let refusal = launch_refusal(&redis).await;
        assert!(refusal.contains("FailedFairings"), "{policy}: {refusal}");
        // Set to noeviction, the same Redis is accepted.
        redis.cli(&["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
        assert_eq!(launch_refusal(&redis).await, "launched", "{policy}");
    }
}

#[rocket::async_test]
async fn a_full_redis_refuses_sign_ins_with_503_and_revocation_still_ends_sessions() {
    let Some(redis) = redis_or_skip_with(
        "a_full_redis_refuses_sign_ins",
        &["--maxmemory", "64mb", "--maxmemory-policy", "noeviction"],
    ) else {
        return;
    };
    let audited = Arc::new(Mutex::new(Vec::new()));
    let trail = Arc::clone(&audited);
    let fairing = WorkosSso::fairing().on_audit(move |event: &AuditEvent| {
        trail.lock().unwrap().push(event.clone());
    });
    let a = instance_with(with_store(&redis), fairing).await;
    let alice_session = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    let bob = signed_in(&a, EXAMPLE_ORG_ID, "bob@example.com").await;
    // Full: its limit set below what it holds, so it refuses every write that needs memory.
    assert_eq!(redis.cli(&["CONFIG", "SET", "maxmemory", "100kb"]), "OK");
    assert!(redis.cli(&["SET", "another", "value"]).starts_with("OOM"));
    // A sign-in cannot be stored: 503 with Retry-After, and no cookie that leads nowhere.
    let login = format!("/sso/login?organization={EXAMPLE_ORG_ID}&return_to=/sec/any");
    let response = sign_in(&a, &login, "carol@example.com").await;
    assert_eq!(response.status(), Status::ServiceUnavailable);
    assert_eq!(response.headers().get_one("Retry-After"), Some("1"));
    drop(response);
    // Sessions already stored are still served, and revocation still ends them.
    assert_eq!(who(&a, &alice_session).await, (Status::Ok, alice()));
    let ended = post(&a, &format!("/revoke/organization/{EXAMPLE_ORG_ID}"), "").await;
    assert!(
        ended.starts_with("ended") || ended.starts_with("error"),
        "{ended}"
    );
    for session in [&alice_session, &bob] {
        assert_eq!(
            protected(&a, session).await.0,
            Status::Unauthorized,
            "{ended}"
        );
    }
    // The audit trail says why carol is not signed in, and that the organization was revoked.
    let trail: Vec<(Outcome, Option<String>)> = audited
        .lock()
        .unwrap()
        .iter()
        .filter(|event| matches!(event.outcome, Outcome::Failed | Outcome::Revoked))
        .map(|event| (event.outcome, event.reason.clone()))
        .collect();
    assert_eq!(
        trail,
        [
            (
                Outcome::Failed,
                Some("session_store_unavailable".to_owned())
            ),
            (Outcome::Revoked, Some("organization".to_owned())),
        ]
    );
}

/// The number of script calls Redis has run (every store operation is one).
fn script_calls(redis: &Redis) -> u64 {
    redis
        .cli(&["INFO", "commandstats"])
        .lines()
        .filter(|line| line.starts_with("cmdstat_evalsha:") || line.starts_with("cmdstat_eval:"))
        .filter_map(|line| {
            let calls = line.split("calls=").nth(1)?.split(',').next()?;
            calls.parse::<u64>().ok()
        })
        .sum()
}

#[rocket::async_test]
async fn concurrent_requests_for_one_session_share_one_read() {
    let Some(redis) = redis_or_skip("concurrent_requests_for_one_session_share_one_read") else {
        return;
    };
    let figment = with_store(&redis)
        .merge(("workos.session_cache_ms", 1000))
        .merge(("workos.session_store_timeout_ms", 3000));
    let a = instance(figment).await;
    let alice = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    // Read once (Redis has the script from now on), then nothing kept of it beyond the cache period.
    assert_eq!(protected(&a, &alice).await.0, Status::Ok);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let before = script_calls(&redis);
    // Redis holds the first read; twenty requests arrive meanwhile.
    redis.pause();
    let requests = rocket::futures::future::join_all((0..20).map(|_| protected(&a, &alice)));
    let resume = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        redis.resume();
    };
    let (answers, ()) = tokio::join!(requests, resume);
    for (status, body) in answers {
        assert_eq!(status, Status::Ok, "{body}");
    }
    assert_eq!(
        script_calls(&redis) - before,
        1,
        "one read for twenty requests"
    );
    // Within the cache period, no read at all.
    let before = script_calls(&redis);
    for _ in 0..10 {
        assert_eq!(protected(&a, &alice).await.0, Status::Ok);
    }
    assert_eq!(script_calls(&redis) - before, 0);
}

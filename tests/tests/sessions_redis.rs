//! Server-side sessions on a real Redis (`workos.session_store`): the cookie holds only a sealed id;
//! logout, revocation by user, by organization and of "my other sessions" end sessions on every
//! instance; the idle timeout ends unused sessions; a replayed callback never reaches WorkOS; an
//! unreachable, killed or frozen Redis answers 503 (never 500, never "signed out", never someone else)
//! and service resumes by itself. Each test runs its own `redis-server` (redis_support).
//!
//! Instances here are separate Rockets in one process (each with its own emulator), sharing the Redis
//! and the `secret_key`, as two processes would; the two-process test is in sessions_processes.rs.

mod redis_support;
mod security_support;
mod store_support;

use std::time::Duration;

use redis_support::redis_or_skip;
use rocket::http::{Accept, Cookie, Method, Status};
use rocket::local::asynchronous::Client;
use rocket_workos_sso::emulator::{Connection, ConnectionState, Organization, User};
use rocket_workos_sso::{RevocationError, WorkosSso};
use security_support::*;
use store_support::*;

#[rocket::async_test]
async fn the_session_lives_in_redis_and_the_cookie_holds_only_a_sealed_id() {
    let Some(redis) = redis_or_skip("the_session_lives_in_redis") else {
        return;
    };
    let a = instance(with_store(&redis)).await;
    let b = instance(with_store(&redis)).await;
    assert_eq!(
        a.get("/store")
            .dispatch()
            .await
            .into_string()
            .await
            .unwrap(),
        "server"
    );
    let session = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    // 1 marker byte and 32 random bytes, sealed: far smaller than alice's 441-byte cookie session.
    assert!(session.len() < 100, "{} bytes: {session}", session.len());
    let stored = redis.keys("workos_sso:2:session:*");
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(
        !stored[0].contains(&session),
        "the store knows a hash of the id, not the cookie"
    );
    assert_eq!(
        redis.keys("workos_sso:2:used:*").len(),
        1,
        "the login was taken, once"
    );
    assert_eq!(redis.keys("workos_sso:2:user:*").len(), 1);
    assert_eq!(redis.keys("workos_sso:2:organization:*").len(), 1);
    // Another instance serves it.
    assert_eq!(who(&b, &session).await, (Status::Ok, alice()));
    // The store is the authority: deleted there, the session is gone everywhere.
    redis.cli(&["DEL", &stored[0]]);
    assert_eq!(
        who(&a, &session).await,
        (Status::Ok, "anonymous".to_owned())
    );
    assert_eq!(protected(&b, &session).await.0, Status::Unauthorized);
}

#[rocket::async_test]
async fn logout_ends_every_copy_of_the_session_on_every_instance() {
    let Some(redis) = redis_or_skip("logout_ends_every_copy") else {
        return;
    };
    let a = instance(with_store(&redis)).await;
    let b = instance(with_store(&redis)).await;
    let session = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    assert_eq!(who(&b, &session).await, (Status::Ok, alice()));
    // Logout on B, with a copy of the cookie (a stolen one, or another tab).
    let response = logout(&b, Method::Post, &session).await;
    assert_eq!(response.status(), Status::SeeOther);
    assert!(redis.keys("workos_sso:2:session:*").is_empty());
    for instance in [&a, &b] {
        assert_eq!(protected(instance, &session).await.0, Status::Unauthorized);
    }
    // A GET to the logout route (the identity provider's logout arriving) ends a session too.
    let session = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    let response = logout(&b, Method::Get, &session).await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(protected(&a, &session).await.0, Status::Unauthorized);
}

#[rocket::async_test]
async fn a_revoked_session_is_refused_elsewhere_within_the_cache_bound() {
    let Some(redis) = redis_or_skip("a_revoked_session_within_the_cache_bound") else {
        return;
    };
    // The default bound: an instance trusts a session it read for up to 1 s.
    let figment = with_store(&redis).merge(("workos.session_cache_ms", 1000));
    let a = instance(figment.clone()).await;
    let b = instance(figment).await;
    let session = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    assert_eq!(
        who(&b, &session).await,
        (Status::Ok, alice()),
        "B has read it"
    );
    let ended = post(
        &a,
        &format!("/revoke/organization/{EXAMPLE_ORG_ID}"),
        &session,
    )
    .await;
    assert_eq!(ended, "ended 1");
    // The instance that revoked forgets at once; the other within the bound.
    assert_eq!(protected(&a, &session).await.0, Status::Unauthorized);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(protected(&b, &session).await.0, Status::Unauthorized);
}

#[rocket::async_test]
async fn revocation_by_user_by_organization_and_of_other_sessions() {
    let Some(redis) = redis_or_skip("revocation_by_user_by_organization") else {
        return;
    };
    let a = instance(with_store(&redis)).await;
    let b = instance(with_store(&redis)).await;
    // Alice on two devices, Bob of the same organization, Hank of Globex.
    let alice_laptop = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    let alice_phone = signed_in(&b, EXAMPLE_ORG_ID, "alice@example.com").await;
    let bob = signed_in(&a, EXAMPLE_ORG_ID, "bob@example.com").await;
    let hank = signed_in(&b, GLOBEX_ORG_ID, "hank@globex.test").await;
    let everyone = [&alice_laptop, &alice_phone, &bob, &hank];
    for session in everyone {
        assert_eq!(protected(&a, session).await.0, Status::Ok);
    }

    // "Sign out my other devices" from the laptop, on A: the phone's session ends on B too.
    assert_eq!(post(&a, "/revoke/others", &alice_laptop).await, "ended 1");
    assert_eq!(protected(&b, &alice_phone).await.0, Status::Unauthorized);
    assert_eq!(
        protected(&b, &alice_laptop).await.0,
        Status::Ok,
        "this device stays"
    );
    assert_eq!(protected(&b, &bob).await.0, Status::Ok, "other users stay");

    // Example Corp leaves: every session of it ends on both; Globex's stays.
    let ended = post(&b, &format!("/revoke/organization/{EXAMPLE_ORG_ID}"), &hank).await;
    assert_eq!(ended, "ended 2");
    for session in [&alice_laptop, &bob] {
        for instance in [&a, &b] {
            assert_eq!(protected(instance, session).await.0, Status::Unauthorized);
        }
    }
    assert_eq!(protected(&a, &hank).await.0, Status::Ok);

    // Hank is cut off by his profile id.
    let hank_id = user_id(&a, "hank@globex.test");
    assert_eq!(
        post(&a, &format!("/revoke/user/{hank_id}"), "").await,
        "ended 1"
    );
    assert_eq!(protected(&b, &hank).await.0, Status::Unauthorized);
    // Nothing left to revoke; the indexes say so without scanning.
    assert_eq!(
        post(&a, &format!("/revoke/user/{hank_id}"), "").await,
        "ended 0"
    );
    assert!(redis.keys("workos_sso:2:session:*").is_empty());
    // "Other sessions" needs a session of the request's own.
    let anonymous = a
        .post("/revoke/others")
        .header(Accept::JSON)
        .dispatch()
        .await;
    assert_eq!(anonymous.status(), Status::Unauthorized);
}

#[rocket::async_test]
async fn revocation_without_a_store_says_how_to_get_one() {
    let a = instance(figment(SECRET_KEY)).await;
    assert_eq!(
        a.get("/store")
            .dispatch()
            .await
            .into_string()
            .await
            .unwrap(),
        "cookie"
    );
    let answer = post(&a, &format!("/revoke/organization/{EXAMPLE_ORG_ID}"), "").await;
    assert!(answer.contains("workos.session_store"), "{answer}");
    assert_eq!(
        RevocationError::NotConfigured.to_string(),
        answer.trim_start_matches("error: ")
    );
}

#[rocket::async_test]
async fn an_idle_session_ends_and_a_used_one_slides() {
    let Some(redis) = redis_or_skip("an_idle_session_ends") else {
        return;
    };
    let a = instance(with_store(&redis).merge(("workos.session_idle_timeout", 2))).await;
    let session = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    // Used every 1.2 s, it outlives the 2 s idle timeout.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(who(&a, &session).await, (Status::Ok, alice()));
    }
    // Unused for 2.5 s, it ends.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(protected(&a, &session).await.0, Status::Unauthorized);
}

#[rocket::async_test]
async fn a_replayed_callback_never_reaches_workos_even_with_its_cookie_restored() {
    let Some(redis) = redis_or_skip("a_replayed_callback") else {
        return;
    };
    let a = instance(with_store(&redis)).await;
    let authorize = start_login(&a, &format!("/sso/login?organization={EXAMPLE_ORG_ID}")).await;
    // The browser's login cookie, as an attacker who copied it would restore it.
    let login_cookie = a
        .cookies()
        .iter()
        .find(|cookie| cookie.name().starts_with(FLOW_COOKIE_PREFIX))
        .map(|cookie| cookie.clone().into_owned())
        .expect("a login cookie");
    let callback = at_workos(authorize).await;
    assert_eq!(browse(&a, &callback).await.status(), Status::SeeOther);
    let calls = token_calls(&a);
    let replay = a
        .get(callback.clone())
        .header(Accept::JSON)
        .cookie(login_cookie)
        .dispatch()
        .await;
    assert_eq!(replay.status(), Status::BadRequest);
    let body = replay.into_string().await.unwrap();
    assert!(body.contains("invalid_state"), "{body}");
    assert_eq!(token_calls(&a), calls, "no code exchange for the replay");
}

#[rocket::async_test]
async fn cookie_sessions_and_tampered_ids_do_not_open_a_store_session() {
    let Some(redis) = redis_or_skip("cookie_sessions_and_tampered_ids") else {
        return;
    };
    // A stateless session sealed under the same key (the app before the store was turned on).
    let stateless = instance(figment(SECRET_KEY)).await;
    let cookie_session = signed_in(&stateless, EXAMPLE_ORG_ID, "alice@example.com").await;
    let a = instance(with_store(&redis)).await;
    assert_eq!(protected(&a, &cookie_session).await.0, Status::Unauthorized);
    // And a store session does not open on a stateless instance.
    let session = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    assert_eq!(
        protected(&stateless, &session).await.0,
        Status::Unauthorized
    );
    // Any changed character of the sealed id is refused.
    for at in [0, session.len() / 2, session.len() - 1] {
        let mut tampered = session.clone().into_bytes();
        tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(
            protected(&a, &tampered).await.0,
            Status::Unauthorized,
            "at {at}"
        );
    }
    // Under another key nothing opens.
    let other = instance(with_store(&redis).merge(("secret_key", OLD_SECRET_KEY))).await;
    assert_eq!(protected(&other, &session).await.0, Status::Unauthorized);
    assert_eq!(protected(&a, &session).await.0, Status::Ok);
}

#[rocket::async_test]
async fn redis_killed_or_frozen_answers_503_and_service_resumes() {
    let Some(mut redis) = redis_or_skip("redis_killed_or_frozen") else {
        return;
    };
    let a = instance(with_store(&redis)).await;
    let b = instance(with_store(&redis)).await;
    let alice_session = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    let hank_session = signed_in(&b, GLOBEX_ORG_ID, "hank@globex.test").await;
    let hank = format!("hank@globex.test|{GLOBEX_ORG_ID}");
    let check_all_served = |label: &'static str| {
        let (a, b) = (&a, &b);
        let (alice_session, hank_session, hank) = (&alice_session, &hank_session, &hank);
        async move {
            for instance in [a, b] {
                assert_eq!(
                    who(instance, alice_session).await,
                    (Status::Ok, alice()),
                    "{label}"
                );
                assert_eq!(
                    who(instance, hank_session).await,
                    (Status::Ok, hank.clone()),
                    "{label}"
                );
            }
        }
    };
    check_all_served("before").await;

    // Killed: every request that needs a session is 503, as a page for a browser and as JSON for an
    // API client; a public page still answers.
    redis.kill();
    for instance in [&a, &b] {
        let (status, body) = protected(instance, &alice_session).await;
        assert_eq!(status, Status::ServiceUnavailable, "{body}");
        assert!(body.contains("session_store_unavailable"), "{body}");
        let page = instance
            .get("/sec/any")
            .header(Accept::HTML)
            .cookie(Cookie::new(SESSION_COOKIE, alice_session.clone()))
            .dispatch()
            .await;
        assert_eq!(page.status(), Status::ServiceUnavailable);
        assert_eq!(page.headers().get_one("Retry-After"), Some("1"));
        assert!(page.into_string().await.unwrap().contains("<html"));
        assert_eq!(
            instance.get("/sec/open").dispatch().await.status(),
            Status::Ok
        );
        // A sign-in starts without the store (it writes nothing there), and its callback, which must
        // record the login as taken and store the session, answers 503 with Retry-After.
        let login = format!("/sso/login?organization={EXAMPLE_ORG_ID}&return_to=/sec/any");
        let callback = sign_in(instance, &login, "bob@example.com").await;
        assert_eq!(callback.status(), Status::ServiceUnavailable);
        assert_eq!(callback.headers().get_one("Retry-After"), Some("1"));
        drop(callback);
        // Logout keeps the cookie so it can be tried again.
        let sign_out = logout(instance, Method::Post, &alice_session).await;
        assert_eq!(sign_out.status(), Status::ServiceUnavailable);
        assert_eq!(sign_out.headers().get_one("Retry-After"), Some("1"));
    }
    // Back with its data (append-only file): the same sessions are served again, by themselves.
    redis.restart();
    eventually_served(&a, &alice_session, &alice()).await;
    check_all_served("after the restart").await;

    // Frozen for 2 s: requests give up after the 300 ms timeout with 503, never wait for Redis.
    redis.pause();
    let frozen = tokio::time::Instant::now();
    let mut answers = Vec::new();
    while frozen.elapsed() < Duration::from_secs(2) {
        answers.push(protected(&b, &hank_session).await);
    }
    redis.resume();
    assert!(
        answers.len() >= 3,
        "requests kept being answered: {}",
        answers.len()
    );
    for (status, body) in &answers {
        assert_eq!(*status, Status::ServiceUnavailable, "{body}");
    }
    eventually_served(&b, &hank_session, &hank).await;
    check_all_served("after the pause").await;
}

#[rocket::async_test]
async fn a_launch_with_redis_unreachable_is_refused_naming_the_setting() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let figment = figment(SECRET_KEY)
        .merge((
            "workos.session_store",
            format!("redis://:hunter2@127.0.0.1:{port}/0"),
        ))
        .merge(("workos.session_store_timeout_ms", 200));
    match Client::tracked(app(figment)).await {
        Ok(_) => panic!("the launch is refused"),
        Err(error) => assert!(
            matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(_)),
            "{error:?}"
        ),
    }
}

#[rocket::async_test]
async fn single_logout_ends_the_identity_providers_session_through_workos() {
    let Some(redis) = redis_or_skip("single_logout") else {
        return;
    };
    let a = instance_with(with_store(&redis), WorkosSso::fairing().single_logout()).await;
    let b = instance(with_store(&redis)).await;
    // An organization on an OIDC connection, the kind WorkOS offers Single Logout for.
    let oidc = "conn_01JHZZOIDC00000000000000SLO";
    emulator(&a).seed_with(|seed| {
        let organization = Organization::new("Oidc Inc", ["oidc.test"]);
        let organization_id = organization.id.clone();
        seed.organizations.push(organization);
        seed.connections.push(Connection {
            id: oidc.into(),
            organization_id: Some(organization_id),
            connection_type: "GenericOIDC".into(),
            name: "Example Corp OIDC".into(),
            state: ConnectionState::Active,
        });
        seed.users.push(User::new(oidc, "olivia@oidc.test"));
    });
    let login = format!("/sso/login?connection={oidc}&return_to=/sec/any");
    let response = sign_in(&a, &login, "olivia@oidc.test").await;
    assert_eq!(response.status(), Status::SeeOther);
    let session = session_of(&a);
    let profile_id = user_id(&a, "olivia@oidc.test");
    assert_eq!(protected(&b, &session).await.0, Status::Ok);

    // RP-initiated: the Sign out button's POST ends the session everywhere, then goes to WorkOS.
    let response = logout(&a, Method::Post, &session).await;
    assert_eq!(response.status(), Status::SeeOther);
    let to_workos = url::Url::parse(&location(&response)).expect("an absolute WorkOS URL");
    assert_eq!(to_workos.path(), "/sso/logout");
    assert_eq!(protected(&b, &session).await.0, Status::Unauthorized);
    let at_workos = plain_http().get(to_workos).send().await.unwrap();
    assert!(at_workos.status().is_success() || at_workos.status().is_redirection());
    assert_eq!(
        emulator(&a).logouts(),
        [profile_id],
        "WorkOS recorded the logout"
    );

    // Alice's connection (TestIdp) has no Single Logout: she is signed out of the app only.
    let alice_session = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    let response = logout(&a, Method::Post, &alice_session).await;
    assert_eq!(location(&response), "/");
    assert_eq!(protected(&b, &alice_session).await.0, Status::Unauthorized);

    // IdP-initiated: WorkOS sends the browser to the logout route with a GET, which ends the session
    // without starting another Single Logout.
    let response = sign_in(&a, &login, "olivia@oidc.test").await;
    assert_eq!(response.status(), Status::SeeOther);
    let session = session_of(&a);
    let response = logout(&a, Method::Get, &session).await;
    assert_eq!(location(&response), "/");
    assert_eq!(protected(&b, &session).await.0, Status::Unauthorized);
    assert_eq!(emulator(&a).logouts().len(), 1, "no second Single Logout");
}

/// Issue #20, item 5: after Redis restarts under an idle instance, the instance's connection is dead and
/// nothing has used it yet. The first request that needs the session must still be served (the call is
/// made again on a new connection within `session_store_timeout_ms`), not answered 503. Five restarts,
/// each followed by exactly one request.
#[rocket::async_test]
async fn the_first_request_after_redis_restarts_under_an_idle_instance_is_served() {
    let Some(mut redis) = redis_or_skip("the_first_request_after_redis_restarts") else {
        return;
    };
    let a = instance(with_store(&redis)).await;
    let session = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    assert_eq!(who(&a, &session).await, (Status::Ok, alice()));
    for round in 1..=5 {
        // Killed (SIGKILL) and started again on the same port with the same data; `restart` returns
        // once the new server answers PING.
        redis.restart();
        assert!(redis.pings(), "round {round}: Redis answers PING");
        // The instance stays idle a moment, as between two users' requests.
        tokio::time::sleep(Duration::from_millis(200)).await;
        // A protected page, so that a store failure is a 503 (`/sec/me` takes an optional profile,
        // and would say "anonymous").
        let (status, body) = protected(&a, &session).await;
        assert_eq!(
            status,
            Status::Ok,
            "round {round}: the first request after the restart is served: {body}"
        );
        assert_eq!(
            who(&a, &session).await,
            (Status::Ok, alice()),
            "round {round}"
        );
    }
}

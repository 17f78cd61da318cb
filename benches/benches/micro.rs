//! Micro benchmarks of what `#[workos_sso]` adds to a request.
//!
//! The guards are measured two ways:
//! - in isolation, on a fresh `rocket::local` request (a `LocalRequest` derefs to `Request`) built in the
//!   untimed setup: `guard/protected_valid_session` is the guard `#[workos_sso]` adds (reached through
//!   the hidden `__private` path the macro itself uses: the check of the session, of the pinned
//!   organization, and the hand-over of the profile the handler's `Profile` parameter is bound from);
//!   `guard/valid_session` is the `Profile` guard an unprotected handler uses. A missing and a tampered
//!   cookie take the refusal path (401 plus the login URL cached for the catcher).
//! - inside a whole request: `GET /plain`, `GET /plain` with the session cookie, and `GET /protected`
//!   dispatched through `rocket::local`; the difference between the last two is everything the
//!   attribute adds, the cookie header being parsed by Rocket in both.
//!
//! The guard benchmarks build one request per iteration (`BatchSize::PerIteration`), as a served request
//! does: Rocket builds the request and its cookie jar, then runs the guards while that memory is still in
//! cache. Building thousands of requests ahead (criterion's smaller batch sizes) adds cache misses a
//! server never pays (300 ns instead of 210 ns for the valid session here); per-iteration timing
//! includes the timer's own overhead instead, so these figures are upper bounds.
//!
//! The valid session cookie is minted by a real sign-in through the embedded emulator.

#[path = "../src/app.rs"]
mod app;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use rocket::http::{Cookie, Status};
use rocket::local::asynchronous::Client;
use rocket::request::{FromRequest, Outcome};
use rocket_workos_sso::__private::Protected;
use rocket_workos_sso::client::{
    AuthorizationRequest, ConnectionSelector, PkceVerifier, ProfileAndToken, State,
};
use rocket_workos_sso::session::SESSION_COOKIE;
use rocket_workos_sso::Profile;

fn tampered(value: &str) -> String {
    // Flip one base64 character in the middle of the ciphertext: authentication must fail.
    let mut bytes = value.as_bytes().to_vec();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // Untracked: the benchmark sets the cookie it means on each request.
    let client = runtime.block_on(async { Client::untracked(app::rocket()).await.unwrap() });
    let cookie = runtime.block_on(async {
        let tracked = Client::tracked(app::rocket()).await.unwrap();
        app::signed_in_cookie(&tracked).await
    });
    println!("session cookie: {} bytes", cookie.len());
    let bad = tampered(&cookie);

    let mut guard = c.benchmark_group("guard");
    for (name, value) in [
        ("valid_session", Some(cookie.as_str())),
        ("missing_cookie", None),
        ("tampered_cookie", Some(bad.as_str())),
    ] {
        guard.bench_function(name, |b| {
            b.to_async(&runtime).iter_batched(
                || {
                    let request = client.get("/protected");
                    match value {
                        Some(value) => {
                            request.cookie(Cookie::new(SESSION_COOKIE, value.to_owned()))
                        }
                        None => request,
                    }
                },
                |request| async move {
                    let outcome = Profile::from_request(&request).await;
                    let ok = matches!(outcome, Outcome::Success(_));
                    assert_eq!(ok, name == "valid_session");
                    // Both dropped after the timing stops.
                    (black_box(outcome), request)
                },
                BatchSize::PerIteration,
            )
        });
    }
    guard.bench_function("protected_valid_session", |b| {
        b.to_async(&runtime).iter_batched(
            || {
                client
                    .get("/protected")
                    .cookie(Cookie::new(SESSION_COOKIE, cookie.clone()))
            },
            |request| async move {
                let outcome =
                    Protected::<app::__workos_sso_protected>::from_request(&request).await;
                assert!(matches!(outcome, Outcome::Success(_)));
                (black_box(outcome), request)
            },
            BatchSize::PerIteration,
        )
    });
    guard.finish();

    let mut request = c.benchmark_group("request");
    request.bench_function("plain", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = client.get("/plain").dispatch().await;
            assert_eq!(response.status(), Status::Ok);
            black_box(response.into_string().await)
        })
    });
    request.bench_function("plain_with_session_cookie", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = client
                .get("/plain")
                .cookie(Cookie::new(SESSION_COOKIE, cookie.clone()))
                .dispatch()
                .await;
            assert_eq!(response.status(), Status::Ok);
            black_box(response.into_string().await)
        })
    });
    request.bench_function("protected_valid_session", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = client
                .get("/protected")
                .cookie(Cookie::new(SESSION_COOKIE, cookie.clone()))
                .dispatch()
                .await;
            assert_eq!(response.status(), Status::Ok);
            black_box(response.into_string().await)
        })
    });
    request.bench_function("login_route", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = client
                .get("/sso/login?return_to=/protected")
                .dispatch()
                .await;
            assert_eq!(response.status(), Status::SeeOther);
            black_box(response)
        })
    });
    request.finish();

    let sso = rocket_workos_sso::WorkosClient::new(
        rocket_workos_sso::WorkosConfig::builder(
            rocket_workos_sso::config::ApiKey::new("sk_test_bench").unwrap(),
            rocket_workos_sso::config::ClientId::new("client_01JHM9S346Q3D25VT4F5V37E3S").unwrap(),
        )
        .build()
        .unwrap(),
    )
    .unwrap();
    let redirect_uri: url::Url = "http://127.0.0.1:8000/callback".parse().unwrap();
    let mut flow = c.benchmark_group("flow");
    flow.bench_function("state_and_pkce", |b| {
        b.iter(|| {
            let state = State::generate();
            let verifier = PkceVerifier::generate();
            black_box((verifier.code_challenge(), state))
        })
    });
    flow.bench_function("authorization_url", |b| {
        let state = State::generate();
        let verifier = PkceVerifier::generate();
        b.iter(|| {
            let request = AuthorizationRequest::new(
                redirect_uri.clone(),
                ConnectionSelector::Organization(app::ORGANIZATION.to_owned()),
            )
            .state(&state)
            .pkce(&verifier);
            black_box(sso.authorization_url(&request))
        })
    });
    let token_response = serde_json::json!({
        "access_token": "01DMEK0J53CVMC32CK5SE0KZ8Q",
        "token_type": "Bearer",
        "expires_in": 300,
        "profile": {
            "object": "profile", "id": "prof_01DMC79VCBZ0NY2099737PSVF1",
            "connection_id": "conn_01E4ZCR3C56J083X43JQXF3JK5", "connection_type": "OktaSAML",
            "organization_id": "org_01EHWNCE74X7JSDV0X3SZ3KJNY", "email": "todd@example.com",
            "first_name": "Todd", "last_name": "Rundgren", "name": "Todd Rundgren",
            "idp_id": "00u1a0ufowBJlzPlk357", "role": {"slug": "admin"}, "roles": [{"slug": "admin"}],
            "groups": ["Engineering", "Admins"],
            "custom_attributes": {"department_name": "Engineering"},
            "raw_attributes": {"email": "todd@example.com", "firstName": "Todd", "lastName": "Rundgren"}
        }
    })
    .to_string();
    flow.bench_function("decode_token_response", |b| {
        b.iter(|| {
            let decoded: ProfileAndToken =
                serde_json::from_str(black_box(&token_response)).unwrap();
            black_box(decoded)
        })
    });
    flow.finish();
}

criterion_group!(micro, benches);
criterion_main!(micro);

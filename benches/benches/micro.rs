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
//! `threads/guard_{1,2}` run the attribute's guard on 1 and on 2 threads at once (each thread its own
//! requests, all on one app): the time per guard on 2 threads against 1 is how well the guard scales
//! on this 2-core machine (no lock shared by every request).
//!
//! `codec/*` compares the session's codec, MessagePack (`rmp-serde`), with postcard on the emulator's
//! alice: the runtime's own encoder and decoder for MessagePack, and the same derived struct through
//! postcard, whose format cannot hold arbitrary JSON, so there the attributes are JSON text.
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

/// A one-worker runtime, an untracked client of the bench app (each benchmark sets the cookie it means on
/// each request) and a session cookie minted by a real sign-in through the embedded emulator. The app's
/// `secret_key` is fixed, so the cookie opens in every client of it.
fn signed_in() -> (tokio::runtime::Runtime, Client, String) {
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
    (runtime, client, cookie)
}

fn benches(c: &mut Criterion) {
    let (runtime, client, cookie) = signed_in();
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
        rocket_workos_sso::config::WorkosConfig::builder(
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

/// The session's fields as `rocket_workos_sso::session` stores them, for postcard: the attributes,
/// arbitrary JSON, as JSON text.
#[derive(serde::Serialize, serde::Deserialize)]
struct PostcardSession {
    version: u8,
    issued_at: i64,
    expires_at: i64,
    id: String,
    organization_id: Option<String>,
    connection_id: String,
    connection_type: String,
    idp_id: String,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    name: Option<String>,
    role: Option<String>,
    roles: Vec<String>,
    groups: Vec<String>,
    custom_attributes: String,
    raw_attributes: String,
    object: Option<String>,
}

impl PostcardSession {
    fn new(profile: &Profile, issued_at: i64, expires_at: i64) -> Self {
        Self {
            version: 3,
            issued_at,
            expires_at,
            id: profile.id.clone(),
            organization_id: profile.organization_id.clone(),
            connection_id: profile.connection_id.clone(),
            connection_type: profile.connection_type.as_str().to_owned(),
            idp_id: profile.idp_id.clone(),
            email: profile.email.clone(),
            first_name: profile.first_name.clone(),
            last_name: profile.last_name.clone(),
            name: profile.name.clone(),
            role: profile.role.as_ref().map(|role| role.slug.clone()),
            roles: profile.roles.iter().map(|role| role.slug.clone()).collect(),
            groups: profile.groups.clone(),
            custom_attributes: serde_json::to_string(&profile.custom_attributes).unwrap(),
            raw_attributes: serde_json::to_string(&profile.raw_attributes).unwrap(),
            object: profile.object.clone(),
        }
    }

    fn into_profile(self) -> Profile {
        use rocket_workos_sso::profile::{ProfileData, Role};
        let role = |slug| Role { slug };
        Profile::new(ProfileData {
            object: self.object,
            id: self.id,
            organization_id: self.organization_id,
            connection_id: self.connection_id,
            connection_type: self.connection_type.into(),
            idp_id: self.idp_id,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            name: self.name,
            role: self.role.map(role),
            roles: self.roles.into_iter().map(role).collect(),
            groups: self.groups,
            custom_attributes: serde_json::from_str(&self.custom_attributes).unwrap(),
            raw_attributes: serde_json::from_str(&self.raw_attributes).unwrap(),
        })
    }
}

fn codecs(c: &mut Criterion) {
    use rocket_workos_sso::fuzzing::{decode_session, encode_session, open_cookie};

    // Alice as the emulator signs her in, read back from her session cookie.
    let (_runtime, client, sealed) = signed_in();
    let plaintext = open_cookie(client.rocket(), SESSION_COOKIE, &sealed).unwrap();
    let now = rocket::time::OffsetDateTime::now_utc().unix_timestamp();
    let alice = decode_session(&plaintext, now).unwrap().profile;
    let (issued_at, expires_at) = (1_795_850_647, 1_795_850_647 + 28_800);
    let rmp = encode_session(&alice, issued_at, expires_at);
    let postcard =
        postcard::to_stdvec(&PostcardSession::new(&alice, issued_at, expires_at)).unwrap();
    let cookie =
        |plaintext: usize| "workos_sso_session=".len() + (4 * (plaintext + 28)).div_ceil(3);
    println!(
        "alice's session: MessagePack {} bytes (cookie {}), postcard {} bytes (cookie {})",
        rmp.len(),
        cookie(rmp.len()),
        postcard.len(),
        cookie(postcard.len())
    );
    let mut group = c.benchmark_group("codec");
    group.bench_function("rmp_serde_encode", |b| {
        b.iter(|| black_box(encode_session(black_box(&alice), issued_at, expires_at)))
    });
    group.bench_function("postcard_encode", |b| {
        b.iter(|| {
            let session = PostcardSession::new(black_box(&alice), issued_at, expires_at);
            black_box(postcard::to_stdvec(&session).unwrap())
        })
    });
    group.bench_function("rmp_serde_decode", |b| {
        b.iter(|| black_box(decode_session(black_box(&rmp), issued_at + 1).unwrap()))
    });
    group.bench_function("postcard_decode", |b| {
        b.iter(|| {
            let (session, rest): (PostcardSession, _) =
                postcard::take_from_bytes(black_box(&postcard)).unwrap();
            assert!(rest.is_empty() && session.version == 3);
            black_box(session.into_profile())
        })
    });
    group.finish();
}

fn threads(c: &mut Criterion) {
    let (_runtime, client, cookie) = signed_in();
    let guards = |count: u64| {
        let local = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for _ in 0..count {
            let request = client
                .get("/protected")
                .cookie(Cookie::new(SESSION_COOKIE, cookie.clone()));
            let outcome = local.block_on(Protected::<app::__workos_sso_protected>::from_request(
                &request,
            ));
            assert!(matches!(outcome, Outcome::Success(_)));
            let _ = black_box(outcome);
        }
    };
    let mut group = c.benchmark_group("threads");
    for threads in [1u64, 2] {
        group.bench_function(format!("guard_{threads}"), |b| {
            b.iter_custom(|iterations| {
                let start = std::time::Instant::now();
                std::thread::scope(|scope| {
                    for _ in 0..threads {
                        scope.spawn(|| guards(iterations.div_ceil(threads)));
                    }
                });
                start.elapsed()
            })
        });
    }
    group.finish();
}

criterion_group!(micro, benches, codecs, threads);
criterion_main!(micro);

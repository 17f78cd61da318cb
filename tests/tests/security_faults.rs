//! A misbehaving WorkOS: every fault on `POST /sso/token` gives the user a clear error page with 502, 503
//! or 504, within the configured timeout, without retrying the single-use code and without a session;
//! the rest of the app keeps serving meanwhile. `GET /sso/profile` is not called by the runtime, so its
//! faults are exercised on the client, whose GETs are retried by the rules.

mod security_support;

use std::time::{Duration, Instant};

use rocket::http::{Accept, Status};
use rocket::local::asynchronous::Client;
use rocket_workos_sso::client::{
    ApiErrorKind, AuthorizationCode, AuthorizationRequest, ConnectionSelector, PkceVerifier, State,
    TransportErrorKind,
};
use rocket_workos_sso::config::WorkosConfig;
use rocket_workos_sso::config::{ApiKey, ClientId};
use rocket_workos_sso::emulator::{AutoLogin, Emulator, Fault};
use rocket_workos_sso::{WorkosClient, WorkosError};
use security_support::*;

/// `workos.request_timeout`, in seconds.
const TIMEOUT_SECS: u64 = 1;
/// What a request may take beyond the timeout: scheduling on a busy 2-core machine.
const SLACK: Duration = Duration::from_millis(1500);

fn faulty_figment() -> rocket::figment::Figment {
    figment(SECRET_KEY).merge(("workos.request_timeout", TIMEOUT_SECS))
}

async fn faulty_client() -> Client {
    let client = Client::tracked(app(faulty_figment())).await.unwrap();
    emulator(&client).set_auto_login(AutoLogin::FirstUser);
    client
}

fn token_faults() -> Vec<(&'static str, Fault, Status, &'static str)> {
    vec![
        (
            "500",
            Fault::Status(500),
            Status::BadGateway,
            "workos_error",
        ),
        (
            "502",
            Fault::Status(502),
            Status::BadGateway,
            "workos_error",
        ),
        (
            "503",
            Fault::Status(503),
            Status::BadGateway,
            "workos_error",
        ),
        (
            "429 with Retry-After",
            Fault::RateLimited {
                retry_after: Duration::from_secs(30),
            },
            Status::ServiceUnavailable,
            "workos_unavailable",
        ),
        (
            "a delay past the timeout",
            Fault::Delay(Duration::from_secs(TIMEOUT_SECS + 4)),
            Status::GatewayTimeout,
            "workos_timeout",
        ),
        (
            "malformed JSON",
            Fault::MalformedJson,
            Status::BadGateway,
            "workos_error",
        ),
        (
            "a truncated body",
            Fault::TruncatedBody,
            Status::BadGateway,
            "workos_error",
        ),
        (
            "a dropped connection",
            Fault::DropConnection,
            Status::BadGateway,
            "workos_error",
        ),
    ]
}

#[tokio::test]
async fn every_token_fault_gives_a_clear_page_in_time_and_is_never_retried() {
    let client = faulty_client().await;
    let login = format!("/sso/login?organization={EXAMPLE_ORG_ID}&return_to=%2Fsec%2Fme");
    let mut expected_calls = 0;
    for (what, fault, status, code) in token_faults() {
        let callback = at_workos(start_login(&client, &login).await).await;
        emulator(&client).inject("/sso/token", fault, 1);
        let started = Instant::now();
        let response = browse(&client, &callback).await;
        let elapsed = started.elapsed();
        assert!(
            elapsed < Duration::from_secs(TIMEOUT_SECS) + SLACK,
            "{what}: {elapsed:?}"
        );
        assert_eq!(response.status(), status, "{what}");
        assert!(!sets_cookie(&response, SESSION_COOKIE), "{what}");
        assert_eq!(
            response.headers().get_one("Cache-Control"),
            Some("no-store")
        );
        // The failed callback's URL holds the code: it must not leak through a Referer (RFC 9700 §4.2).
        assert_eq!(
            response.headers().get_one("Referrer-Policy"),
            Some("no-referrer")
        );
        let html = response.into_string().await.unwrap();
        assert!(html.contains("Sign-in failed"), "{what}: {html}");
        assert!(
            html.contains(&format!("<code>{code}</code>")),
            "{what}: {html}"
        );
        assert!(
            html.contains("href=\"/sso/login?flow="),
            "{what}: a way to start over"
        );
        expected_calls += 1;
        assert_eq!(
            token_calls(&client),
            expected_calls,
            "{what}: the code is sent once"
        );
        assert_eq!(whoami(&client).await, "anonymous", "{what}");
        // The same JSON for an API client, and the used code cannot be replayed.
        let (replay_status, replay_code) = json_error(&client, &callback).await;
        assert_eq!(
            (replay_status, replay_code.as_str()),
            (Status::BadRequest, "invalid_state"),
            "{what}"
        );
        assert_eq!(token_calls(&client), expected_calls, "{what}");
    }
    // With the faults used up, the next login goes through.
    let callback = at_workos(start_login(&client, &login).await).await;
    assert_eq!(location(&browse(&client, &callback).await), "/sec/me");
    assert_eq!(
        whoami(&client).await,
        format!("alice@example.com|{EXAMPLE_ORG_ID}")
    );
}

#[tokio::test]
async fn an_error_page_for_an_api_client_is_json() {
    let client = faulty_client().await;
    let callback = at_workos(
        start_login(
            &client,
            &format!("/sso/login?organization={EXAMPLE_ORG_ID}"),
        )
        .await,
    )
    .await;
    emulator(&client).inject("/sso/token", Fault::Status(503), 1);
    let response = client.get(callback).header(Accept::JSON).dispatch().await;
    assert_eq!(response.status(), Status::BadGateway);
    let body: serde_json::Value = response.into_json().await.unwrap();
    assert_eq!(body["error"], "workos_error");
    assert!(body["login_url"]
        .as_str()
        .unwrap()
        .starts_with("/sso/login?flow="));
}

/// A browser on the real server: its own cookie jar, redirects followed by hand.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_keeps_serving_while_an_exchange_hangs_and_the_exchange_gives_up_in_time() {
    let server = Server::launch(app(faulty_figment()), |emulator: &Emulator| {
        emulator.inject("/sso/token", Fault::Delay(Duration::from_secs(30)), 1);
    })
    .await;
    let slow = browser();
    let login = server.url(&format!("/sso/login?organization={EXAMPLE_ORG_ID}"));
    let response = slow.get(login).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let authorize = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let callback = server.url(&at_workos(authorize).await);

    let started = Instant::now();
    let exchange = tokio::spawn(async move {
        let response = slow
            .get(callback)
            .header("Accept", "text/html")
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), Instant::now())
    });
    // While the exchange waits on WorkOS, other requests are answered at once, and repeatedly.
    let other = browser();
    let mut answered_while_waiting = 0;
    for _ in 0..200 {
        let asked = Instant::now();
        let response = other.get(server.url("/sec/open")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "open");
        assert!(
            asked.elapsed() < Duration::from_millis(500),
            "{:?}",
            asked.elapsed()
        );
        if exchange.is_finished() {
            break;
        }
        if server.emulator_requests("/sso/token").await == 1 {
            answered_while_waiting += 1;
        }
    }
    let (status, finished) = tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .expect("the exchange gives up by itself")
        .unwrap();
    assert_eq!(status, 504);
    assert!(
        finished - started < Duration::from_secs(TIMEOUT_SECS) + SLACK,
        "{:?}",
        finished - started
    );
    assert!(
        answered_while_waiting > 0,
        "some requests were answered while the exchange hung"
    );
    assert_eq!(server.emulator_requests("/sso/token").await, 1);
    server.stop().await;
}

// ---- GET /sso/profile: the runtime never calls it, so the client's retry rules are what is tested.

async fn profile_setup() -> (
    Emulator,
    WorkosClient,
    rocket_workos_sso::client::AccessToken,
) {
    let emulator = Emulator::builder()
        .redirect_uri(format!("{APP_ORIGIN}{CALLBACK}"))
        .auto_login(AutoLogin::FirstUser)
        .start()
        .await
        .unwrap();
    let config = WorkosConfig::builder(
        ApiKey::new(emulator.api_key()).unwrap(),
        ClientId::new(emulator.client_id()).unwrap(),
    )
    .base_url(emulator.base_url().as_str())
    .request_timeout(Duration::from_secs(TIMEOUT_SECS))
    .retry_backoff(Duration::from_millis(10))
    .build()
    .unwrap();
    let client = WorkosClient::new(config).unwrap();
    let (state, verifier) = (State::generate(), PkceVerifier::generate());
    let request = AuthorizationRequest::new(
        format!("{APP_ORIGIN}{CALLBACK}").parse().unwrap(),
        ConnectionSelector::Organization(EXAMPLE_ORG_ID.to_owned()),
    )
    .state(&state)
    .pkce(&verifier);
    let callback = at_workos(client.authorization_url(&request)).await;
    let url = url::Url::parse(&format!("{APP_ORIGIN}{callback}")).unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let signed_in = client
        .exchange_code(&AuthorizationCode::new(code), Some(&verifier))
        .await
        .unwrap();
    (emulator, client, signed_in.access_token)
}

#[tokio::test]
async fn profile_faults_follow_the_get_retry_rules() {
    let (emulator, client, token) = profile_setup().await;
    let count = || emulator.request_count("/sso/profile");

    // Server errors are retried, then the answer comes through.
    emulator.inject("/sso/profile", Fault::Status(503), 2);
    let profile = client.get_profile(&token).await.unwrap();
    assert_eq!(profile.email, "alice@example.com");
    assert_eq!(count(), 3);

    // A short Retry-After is waited out exactly once.
    emulator.inject(
        "/sso/profile",
        Fault::RateLimited {
            retry_after: Duration::from_secs(1),
        },
        1,
    );
    let started = Instant::now();
    assert!(client.get_profile(&token).await.is_ok());
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(count(), 5);

    // A Retry-After longer than a minute is handed back, not waited out.
    emulator.inject(
        "/sso/profile",
        Fault::RateLimited {
            retry_after: Duration::from_secs(120),
        },
        1,
    );
    let started = Instant::now();
    let error = client.get_profile(&token).await.unwrap_err();
    assert_eq!(error.api_kind(), Some(ApiErrorKind::RateLimited));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(count(), 6);

    // A timeout is not retried: the caller waits about one timeout, no more.
    emulator.inject(
        "/sso/profile",
        Fault::Delay(Duration::from_secs(TIMEOUT_SECS + 4)),
        1,
    );
    let started = Instant::now();
    let error = client.get_profile(&token).await.unwrap_err();
    assert_eq!(error.transport_kind(), Some(TransportErrorKind::Timeout));
    assert!(started.elapsed() < Duration::from_secs(TIMEOUT_SECS) + SLACK);
    assert_eq!(count(), 7);

    // A body that is not a profile is a decode error, not retried.
    emulator.inject("/sso/profile", Fault::MalformedJson, 1);
    assert!(matches!(
        client.get_profile(&token).await,
        Err(WorkosError::Decode(_))
    ));
    assert_eq!(count(), 8);

    // Broken connections are not "could not connect": not retried either.
    for fault in [Fault::TruncatedBody, Fault::DropConnection] {
        let before = count();
        emulator.inject("/sso/profile", fault.clone(), 1);
        let error = client.get_profile(&token).await.unwrap_err();
        assert_eq!(
            error.transport_kind(),
            Some(TransportErrorKind::Other),
            "{fault:?}"
        );
        assert_eq!(count(), before + 1, "{fault:?}");
    }

    // Too many server errors: the retries run out and the error is returned.
    let before = count();
    emulator.inject("/sso/profile", Fault::Status(500), 10);
    let error = client.get_profile(&token).await.unwrap_err();
    assert_eq!(error.api_kind(), Some(ApiErrorKind::Server));
    assert_eq!(
        count(),
        before + 1 + u64::from(client.config().max_retries())
    );
}

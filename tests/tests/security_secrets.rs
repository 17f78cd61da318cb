//! Secrets stay secret: neither the WorkOS API key nor the `secret_key` that seals sessions appears in a
//! log line at any level, in the `Debug` output of a public type, in an error page or in an error
//! message, across a full flow with every kind of WorkOS fault.

mod security_support;

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use rocket::http::{Accept, Cookie};
use rocket::local::asynchronous::Client;
use rocket::log::private as log;
use rocket_workos_sso::client::{
    AccessToken, AuthorizationCode, AuthorizationRequest, ConnectionSelector, PkceVerifier, State,
};
use rocket_workos_sso::config::WorkosConfig;
use rocket_workos_sso::config::{ApiKey, ClientId};
use rocket_workos_sso::emulator::{AutoLogin, Emulator, Fault};
use rocket_workos_sso::{WorkosClient, WorkosSso};
use security_support::*;

/// A key that only this test uses, so any appearance of it is a leak.
const OWN_API_KEY: &str = "sk_test_leakcheck_5f1a9c0e7b3d4a2f8e6c";

/// Every log record at every level, formatted with its target.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {} {}", record.level(), record.target(), record.args());
        self.0.lock().unwrap().push(line);
    }

    fn flush(&self) {}
}

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(capture).expect("installed before Rocket tries to install its own");
        log::set_max_level(log::LevelFilter::Trace);
        capture
    })
}

/// What must never show: the keys as configured.
fn secrets() -> [&'static str; 3] {
    [API_KEY, OWN_API_KEY, SECRET_KEY]
}

fn assert_clean(what: &str, text: &str) {
    for secret in secrets() {
        assert!(!text.contains(secret), "{what} contains a secret: {text}");
    }
}

/// Every response's status line, headers and body, as one text.
async fn everything(response: rocket::local::asynchronous::LocalResponse<'_>) -> String {
    let mut text = format!("{}\n", response.status());
    for header in response.headers().iter() {
        text.push_str(&format!("{}: {}\n", header.name(), header.value()));
    }
    text.push_str(&response.into_string().await.unwrap_or_default());
    text
}

#[tokio::test]
async fn no_key_appears_in_logs_pages_or_errors_across_a_faulty_flow() {
    let capture = capture();
    let figment = figment(SECRET_KEY)
        .merge(("workos.request_timeout", 1))
        .merge(("log_level", "debug"));
    let client = Client::tracked(app(figment)).await.unwrap();
    let emulator = WorkosSso::emulator(client.rocket()).unwrap();
    emulator.set_auto_login(AutoLogin::FirstUser);
    let mut seen = Vec::new();

    let faults = [
        Some(Fault::Status(500)),
        Some(Fault::Status(401)),
        Some(Fault::Status(400)),
        Some(Fault::RateLimited {
            retry_after: Duration::from_secs(2),
        }),
        Some(Fault::Delay(Duration::from_secs(3))),
        Some(Fault::MalformedJson),
        Some(Fault::TruncatedBody),
        Some(Fault::DropConnection),
        None,
    ];
    let login = format!("/sso/login?organization={EXAMPLE_ORG_ID}&return_to=%2Fsec%2Fme");
    // Every callback's one-time code and state: the library's own log lines never print them.
    let mut one_time = Vec::new();
    for fault in faults {
        let callback = at_workos(start_login(&client, &login).await).await;
        let url = url::Url::parse(&format!("http://app{callback}")).unwrap();
        for (name, value) in url.query_pairs() {
            if name == "code" || name == "state" {
                one_time.push(value.into_owned());
            }
        }
        if let Some(fault) = fault {
            emulator.inject("/sso/token", fault, 1);
        }
        seen.push(everything(browse(&client, &callback).await).await);
        // Replayed, as JSON.
        let replay = client.get(callback).header(Accept::JSON).dispatch().await;
        seen.push(everything(replay).await);
    }
    // Signed in now; then refusals, tampering, an IdP error and signing out.
    for uri in ["/sec/me", "/sec/globex", "/sec/example/admin", "/sec/any"] {
        seen.push(everything(browse(&client, uri).await).await);
    }
    let error = "/sec/callback?error=server_error&error_description=oops%0d%0aforged%20line";
    seen.push(everything(browse(&client, error).await).await);
    let tampered = client
        .get("/sec/me")
        .cookie(Cookie::new(SESSION_COOKIE, "garbage"))
        .dispatch()
        .await;
    seen.push(everything(tampered).await);
    seen.push(everything(client.post("/sso/logout").dispatch().await).await);

    // The client on its own, with a key that only this test knows, against a WorkOS that refuses it.
    let config = WorkosConfig::builder(
        ApiKey::new(OWN_API_KEY).unwrap(),
        ClientId::new(CLIENT_ID).unwrap(),
    )
    .base_url(emulator.base_url().as_str())
    .request_timeout(Duration::from_secs(1))
    .build()
    .unwrap();
    let own = WorkosClient::new(config).unwrap();
    let code_error = own
        .exchange_code(
            &AuthorizationCode::new("01JCODE"),
            Some(&PkceVerifier::generate()),
        )
        .await
        .unwrap_err();
    let profile_error = own
        .get_profile(&AccessToken::new(OWN_API_KEY))
        .await
        .unwrap_err();
    let list_error = own.list_connections(&Default::default()).await.unwrap_err();
    for error in [&code_error, &profile_error, &list_error] {
        seen.push(format!("{error}\n{error:?}"));
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            seen.push(format!("{cause}\n{cause:?}"));
            source = cause.source();
        }
    }

    for (i, text) in seen.iter().enumerate() {
        assert_clean(&format!("response {i}"), text);
    }
    let lines = capture.0.lock().unwrap().clone();
    assert!(
        lines
            .iter()
            .any(|line| line.contains("code exchange failed")),
        "the logger saw the flow: {lines:#?}"
    );
    assert!(lines
        .iter()
        .any(|line| line.starts_with("TRACE") || line.starts_with("DEBUG")));
    for line in &lines {
        assert_clean("a log line", line);
    }
    assert_eq!(one_time.len(), 18, "a code and a state per callback");
    for line in lines.iter().filter(|line| line.contains("WorkOS SSO")) {
        for value in &one_time {
            assert!(!line.contains(value.as_str()), "{line}");
        }
    }
    // Attacker-supplied text cannot forge a log line.
    for line in &lines {
        assert!(
            !line.contains('\r') && !line.contains("\nforged"),
            "{line:?}"
        );
    }
}

#[tokio::test]
async fn no_public_type_prints_a_key_in_debug() {
    let config = WorkosConfig::builder(
        ApiKey::new(OWN_API_KEY).unwrap(),
        ClientId::new(CLIENT_ID).unwrap(),
    )
    .build()
    .unwrap();
    let client = WorkosClient::new(config.clone()).unwrap();
    let emulator = Emulator::builder()
        .api_key(OWN_API_KEY)
        .start()
        .await
        .unwrap();
    let builder = Emulator::builder().api_key(OWN_API_KEY);
    let rocket_config = rocket::Config::from(figment(SECRET_KEY));
    let state = State::generate();
    let request = AuthorizationRequest::new(
        format!("{APP_ORIGIN}{CALLBACK}").parse().unwrap(),
        ConnectionSelector::Organization(EXAMPLE_ORG_ID.into()),
    )
    .state(&state);
    let printed = [
        format!("{:?}", ApiKey::new(OWN_API_KEY).unwrap()),
        format!("{}", ApiKey::new(OWN_API_KEY).unwrap()),
        format!("{config:?}"),
        format!("{client:?}"),
        format!("{emulator:?}"),
        format!("{builder:?}"),
        format!("{rocket_config:?}"),
        format!("{request:?}"),
        format!("{:?}", client.authorization_url(&request)),
    ];
    for text in printed {
        assert_clean("Debug output", &text);
    }
    // The live app's client and settings, as configured by the fairing.
    let app_client = self::client().await;
    assert_clean(
        "managed config",
        &format!("{:?}", app_client.rocket().config()),
    );
}

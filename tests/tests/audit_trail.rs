//! The audit trail: the `tracing` events of one sign-in, one refusal, one failed callback and one logout,
//! read off a real subscriber, with their fields; the application's hook gets the same events; and no
//! code, state or cookie value appears anywhere in what was logged. A test binary of its own, with one
//! test, because the subscriber is the process's.

mod security_support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use rocket::http::{Accept, Status};
use rocket::local::asynchronous::Client;
use rocket_workos_sso::audit::{AuditEvent, Outcome, TARGET};
use rocket_workos_sso::emulator::AutoLogin;
use rocket_workos_sso::WorkosSso;
use security_support::*;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::Layer;

/// One captured `tracing` event: its target and fields, as text.
#[derive(Debug, Clone)]
struct Captured {
    target: String,
    fields: BTreeMap<String, String>,
}

/// Every event of every target since the test began.
fn captured() -> &'static Mutex<Vec<Captured>> {
    static CAPTURED: OnceLock<Mutex<Vec<Captured>>> = OnceLock::new();
    CAPTURED.get_or_init(Mutex::default)
}

struct Capture;

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        captured().lock().unwrap().push(Captured {
            target: event.metadata().target().to_owned(),
            fields,
        });
    }
}

fn audit_events() -> Vec<BTreeMap<String, String>> {
    captured()
        .lock()
        .unwrap()
        .iter()
        .filter(|event| event.target == TARGET)
        .map(|event| event.fields.clone())
        .collect()
}

#[rocket::async_test]
async fn sign_in_refusal_failure_and_logout_are_audited_without_secrets() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Capture))
        .expect("the test's subscriber");
    let hooked: Arc<Mutex<Vec<AuditEvent>>> = Arc::default();
    let fairing = {
        let hooked = Arc::clone(&hooked);
        WorkosSso::fairing().on_audit(move |event| hooked.lock().unwrap().push(event.clone()))
    };
    let client = Client::tracked(app_with(figment(SECRET_KEY), fairing))
        .await
        .expect("the application launches");
    emulator(&client).set_auto_login(AutoLogin::FirstUser);
    let bob = emulator(&client).seed_with(|seed| {
        seed.users
            .iter()
            .find(|user| user.email == "bob@example.com")
            .expect("bob")
            .clone()
    });

    // A sign-in: started, then signed in, from the client's address.
    let authorize = start_login(
        &client,
        &format!("/sso/login?organization={EXAMPLE_ORG_ID}&return_to=/sec/any"),
    )
    .await;
    let callback = at_workos(with_param(authorize, "login_hint", "bob@example.com")).await;
    let callback_url = url::Url::parse(&format!("http://x{callback}")).unwrap();
    let query = |name: &str| {
        callback_url
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .expect(name)
    };
    let (code, state) = (query("code"), query("state"));
    let signed_in = client
        .get(callback.clone())
        .remote("203.0.113.7:41000".parse().unwrap())
        .dispatch()
        .await;
    assert_eq!(signed_in.status(), Status::SeeOther);
    drop(signed_in);
    let cookie = client
        .cookies()
        .get(SESSION_COOKIE)
        .unwrap()
        .value()
        .to_owned();

    // A refusal: bob is a member, the page needs an admin.
    let refused = client
        .get("/sec/example/admin")
        .header(Accept::JSON)
        .dispatch()
        .await;
    assert_eq!(refused.status(), Status::Forbidden);
    drop(refused);
    // A failed callback: the same response again, its login cookie gone.
    let replayed = client.get(callback).header(Accept::JSON).dispatch().await;
    assert_eq!(replayed.status(), Status::BadRequest);
    drop(replayed);
    // A logout.
    let out = client
        .post("/sso/logout")
        .remote("203.0.113.7:41001".parse().unwrap())
        .dispatch()
        .await;
    assert!(out.status().class().is_redirection(), "{}", out.status());
    drop(out);

    let events = audit_events();
    let outcomes: Vec<&str> = events
        .iter()
        .map(|event| event["outcome"].as_str())
        .collect();
    assert_eq!(
        outcomes,
        ["started", "signed_in", "refused", "failed", "signed_out"],
        "{events:#?}"
    );
    let (started, signed_in, refused, failed, signed_out) =
        (&events[0], &events[1], &events[2], &events[3], &events[4]);
    assert_eq!(started["organization_id"], EXAMPLE_ORG_ID);
    for event in [signed_in, refused, signed_out] {
        assert_eq!(event["organization_id"], EXAMPLE_ORG_ID, "{event:?}");
        assert_eq!(event["connection_id"], EXAMPLE_CONNECTION_ID, "{event:?}");
        assert_eq!(event["profile_id"], bob.id, "{event:?}");
        assert!(event.contains_key("connection_type"), "{event:?}");
    }
    assert_eq!(signed_in["ip"], "203.0.113.7");
    assert_eq!(signed_out["ip"], "203.0.113.7");
    assert!(refused["reason"].contains("admin"), "{refused:?}");
    assert_eq!(failed["reason"], "invalid_state");
    assert!(
        !failed.contains_key("profile_id"),
        "no profile before the exchange"
    );

    // The hook saw the same events.
    let hooked = hooked.lock().unwrap().clone();
    let hooked_outcomes: Vec<Outcome> = hooked.iter().map(|event| event.outcome).collect();
    assert_eq!(
        hooked_outcomes,
        [
            Outcome::Started,
            Outcome::SignedIn,
            Outcome::Refused,
            Outcome::Failed,
            Outcome::SignedOut
        ]
    );
    assert_eq!(hooked[1].profile_id.as_deref(), Some(bob.id.as_str()));

    // Nothing logged, by the library or anything else, carries the code, the state or the cookie.
    let everything = format!("{:?} {hooked:?}", captured().lock().unwrap());
    for secret in [&code, &state, &cookie] {
        assert!(
            !everything.contains(secret.as_str()),
            "a secret was logged: {secret}"
        );
    }
}

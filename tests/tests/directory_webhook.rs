//! Deprovisioning through the webhook route, on a real Redis with two instances: a directory user
//! deleted or deactivated in the customer's identity provider loses every session, on every instance,
//! matched by the identity provider's id or by email; a deactivated connection ends its sessions; other
//! people stay signed in. Tampered, wrongly keyed, stale and unsigned deliveries are refused with "invalid
//! signature" and revoke nothing; a delivery that comes twice is handled once. Without a session store
//! the setting refuses the launch.

mod redis_support;
mod security_support;
mod store_support;

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use redis_support::{redis_or_skip, Redis};
use rocket::figment::Figment;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use rocket_workos_sso::audit::{AuditEvent, Outcome};
use rocket_workos_sso::WorkosSso;
use security_support::*;
use serde_json::{json, Value};
use sha2::Sha256;
use store_support::*;

const WEBHOOK_SECRET: &str = "whsec_0123456789abcdefghijklmnopqrstuv";

fn with_webhook(redis: &Redis) -> Figment {
    with_store(redis).merge(("workos.webhook_secret", WEBHOOK_SECRET))
}

/// `WorkOS-Signature` for `body` at `millis` under `secret`, as WorkOS signs a delivery.
fn signature(millis: u128, body: &str, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{millis}.{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("t={millis}, v1={hex}")
}

fn now_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// Delivers `body` to `client`'s webhook route with `header` as its signature (none for `None`).
async fn deliver(client: &Client, body: &str, header: Option<String>) -> (Status, String) {
    let mut request = client
        .post("/sso/webhooks")
        .header(ContentType::JSON)
        .body(body);
    if let Some(header) = header {
        request = request.header(Header::new("WorkOS-Signature", header));
    }
    let response = request.dispatch().await;
    (
        response.status(),
        response.into_string().await.unwrap_or_default(),
    )
}

async fn signed(client: &Client, body: &str) -> (Status, String) {
    deliver(
        client,
        body,
        Some(signature(now_millis(), body, WEBHOOK_SECRET)),
    )
    .await
}

/// An event as WorkOS sends it.
fn event(id: &str, name: &str, data: Value) -> String {
    json!({"object": "event", "id": id, "event": name, "data": data,
           "created_at": "2026-12-04T10:00:00.000Z"})
    .to_string()
}

/// The directory user of the seeded SSO user `email`: its organization and the identity provider's id.
fn directory_user(client: &Client, email: &str, state: &str) -> Value {
    let user = emulator(client).seed_with(|seed| {
        seed.users
            .iter()
            .find(|user| user.email == email)
            .expect("a seeded user")
            .clone()
    });
    let organization = if email.ends_with("globex.test") {
        GLOBEX_ORG_ID
    } else {
        EXAMPLE_ORG_ID
    };
    json!({"object": "directory_user", "id": "directory_user_01JTEST", "directory_id": "directory_01JTEST",
           "organization_id": organization, "idp_id": user.idp_id, "email": email, "state": state})
}

#[rocket::async_test]
async fn a_deprovisioned_person_is_signed_out_everywhere_and_no_one_else() {
    let Some(redis) = redis_or_skip("a_deprovisioned_person_is_signed_out_everywhere") else {
        return;
    };
    let audited: Arc<Mutex<Vec<AuditEvent>>> = Arc::default();
    let fairing = {
        let audited = Arc::clone(&audited);
        WorkosSso::fairing().on_audit(move |event| audited.lock().unwrap().push(event.clone()))
    };
    let a = instance_with(with_webhook(&redis), fairing).await;
    let b = instance(with_webhook(&redis)).await;
    let alice_a = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    let alice_b = signed_in(&b, EXAMPLE_ORG_ID, "alice@example.com").await;
    let bob = signed_in(&a, EXAMPLE_ORG_ID, "bob@example.com").await;
    let hank = signed_in(&b, GLOBEX_ORG_ID, "hank@globex.test").await;

    // Forged deliveries first: each refused in the same words, and nothing revoked.
    let deleted = event(
        "event_01JTEST0001",
        "dsync.user.deleted",
        directory_user(&a, "alice@example.com", "active"),
    );
    let tampered = deleted.replace("alice@example.com", "bob@example.com");
    let good = signature(now_millis(), &deleted, WEBHOOK_SECRET);
    let stale = signature(now_millis() - 181_000, &deleted, WEBHOOK_SECRET);
    let future = signature(now_millis() + 181_000, &deleted, WEBHOOK_SECRET);
    let forged = [
        (tampered.as_str(), Some(good.clone())),
        (
            deleted.as_str(),
            Some(signature(now_millis(), &deleted, "whsec_another_secret")),
        ),
        (deleted.as_str(), Some(stale)),
        (deleted.as_str(), Some(future)),
        (deleted.as_str(), None),
        (deleted.as_str(), Some("t=1, v1=".to_owned())),
    ];
    for (body, header) in forged {
        let answer = deliver(&a, body, header.clone()).await;
        assert_eq!(
            answer,
            (
                Status::BadRequest,
                r#"{"error":"invalid signature"}"#.to_owned()
            ),
            "{header:?}"
        );
    }
    // The real event padded past the route's 256 KiB bound (JSON whitespace), correctly signed: refused
    // before it is verified or parsed.
    let padded = format!("{deleted}{}", " ".repeat(300 * 1024));
    assert_eq!(
        signed(&a, &padded).await,
        (
            Status::PayloadTooLarge,
            r#"{"error":"too_large"}"#.to_owned()
        )
    );
    for session in [&alice_a, &alice_b, &bob] {
        assert_eq!(
            protected(&a, session).await.0,
            Status::Ok,
            "nothing revoked by a forgery or an oversized delivery"
        );
    }

    // The real delivery: alice is signed out on both instances; bob and hank stay.
    assert_eq!(
        deliver(&a, &deleted, Some(good.clone())).await,
        (Status::Ok, r#"{"handled":true}"#.to_owned())
    );
    for instance in [&a, &b] {
        for session in [&alice_a, &alice_b] {
            assert_eq!(protected(instance, session).await.0, Status::Unauthorized);
        }
        assert_eq!(protected(instance, &bob).await.0, Status::Ok);
        assert_eq!(protected(instance, &hank).await.0, Status::Ok);
    }
    // Delivered again (WorkOS retries), to either instance: handled once.
    assert_eq!(
        deliver(&a, &deleted, Some(good)).await,
        (Status::Ok, r#"{"handled":false}"#.to_owned())
    );
    assert_eq!(
        signed(&b, &deleted).await,
        (Status::Ok, r#"{"handled":false}"#.to_owned())
    );
    let deprovisioned: Vec<AuditEvent> = audited
        .lock()
        .unwrap()
        .iter()
        .filter(|event| event.outcome == Outcome::Deprovisioned)
        .cloned()
        .collect();
    assert_eq!(deprovisioned.len(), 1, "{deprovisioned:?}");
    assert_eq!(
        deprovisioned[0].workos_event_id.as_deref(),
        Some("event_01JTEST0001")
    );
    assert_eq!(
        deprovisioned[0].reason.as_deref(),
        Some("dsync.user.deleted")
    );
    assert_eq!(
        deprovisioned[0].directory_user_id.as_deref(),
        Some("directory_user_01JTEST")
    );
    assert_eq!(
        deprovisioned[0].organization_id.as_deref(),
        Some(EXAMPLE_ORG_ID)
    );

    // After that, alice signs in again and is served: the revocation ended the sessions it found.
    let again = signed_in(&b, EXAMPLE_ORG_ID, "alice@example.com").await;
    assert_eq!(who(&a, &again).await, (Status::Ok, alice()));

    // Deactivated, matched by email alone (the directory has another id for her), in any case.
    let mut by_email = directory_user(&a, "bob@example.com", "inactive");
    by_email["idp_id"] = json!("another-id-for-bob");
    by_email["email"] = json!("BOB@example.com");
    let updated = event("event_01JTEST0002", "dsync.user.updated", by_email);
    assert_eq!(signed(&a, &updated).await.0, Status::Ok);
    assert_eq!(protected(&b, &bob).await.0, Status::Unauthorized);
    // An update that leaves someone active ends nothing.
    let active = event(
        "event_01JTEST0003",
        "dsync.user.updated",
        directory_user(&a, "alice@example.com", "active"),
    );
    assert_eq!(
        signed(&a, &active).await,
        (Status::Ok, r#"{"handled":false}"#.to_owned())
    );
    assert_eq!(protected(&a, &again).await.0, Status::Ok);

    // Globex's connection is deactivated: hank's session ends, Example Corp's do not.
    let connection = event(
        "event_01JTEST0004",
        "connection.deactivated",
        json!({"object": "connection", "id": GLOBEX_CONNECTION_ID, "organization_id": GLOBEX_ORG_ID,
               "connection_type": "GenericOIDC", "state": "inactive"}),
    );
    assert_eq!(signed(&b, &connection).await.0, Status::Ok);
    assert_eq!(protected(&a, &hank).await.0, Status::Unauthorized);
    assert_eq!(protected(&a, &again).await.0, Status::Ok);

    // A body that is not an event, correctly signed: refused without effect.
    assert_eq!(signed(&a, "not json").await.0, Status::BadRequest);
}

#[rocket::async_test]
async fn a_webhook_or_events_without_a_session_store_refuse_the_launch() {
    for (key, value) in [
        ("workos.webhook_secret", json!(WEBHOOK_SECRET)),
        ("workos.events_poll_interval_ms", json!(1000)),
    ] {
        let figment = figment(SECRET_KEY)
            .merge((key, value))
            .merge(("log_level", "critical"));
        match Client::tracked(app(figment)).await {
            Ok(_) => panic!("{key} without a store launched"),
            Err(error) => assert!(
                matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(_)),
                "{error:?}"
            ),
        }
    }
}

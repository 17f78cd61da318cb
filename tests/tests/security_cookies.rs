//! Tampered session cookies: bit-flipped, truncated, empty, oversized, moved from another cookie name,
//! sealed under a rotated-out key, or expired. Each one means "not signed in" (a redirect to sign in for a
//! browser, 401 for an API client, `anonymous` for an optional guard), never a 500 or a panic.

mod security_support;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use rocket::http::{Accept, Cookie, Status};
use rocket::local::asynchronous::Client;
use rocket_workos_sso::fuzzing::decode_session;
use security_support::*;
use serde_json::Value;

/// A client signed in as alice (Example Corp), and her raw session cookie value.
async fn signed_in() -> (Client, String) {
    let client = client().await;
    let status = sign_in(
        &client,
        &format!("/sso/login?organization={EXAMPLE_ORG_ID}"),
        "alice@example.com",
    )
    .await
    .status();
    assert_eq!(status, Status::SeeOther);
    let raw = client
        .cookies()
        .get(SESSION_COOKIE)
        .expect("a session cookie")
        .value()
        .to_owned();
    assert_eq!(
        whoami(&client).await,
        format!("alice@example.com|{EXAMPLE_ORG_ID}")
    );
    (client, raw)
}

/// Asserts that `value` under the session cookie's name is nobody, on every kind of route.
async fn assert_not_signed_in(client: &Client, value: &str, what: &str) {
    let cookie = || Cookie::new(SESSION_COOKIE, value.to_owned());
    let page = client
        .get("/sec/example")
        .header(Accept::HTML)
        .cookie(cookie())
        .dispatch()
        .await;
    assert_eq!(page.status(), Status::SeeOther, "{what}");
    assert!(location(&page).starts_with("/sso/login?flow="), "{what}");
    let api = client
        .get("/sec/example")
        .header(Accept::JSON)
        .cookie(cookie())
        .dispatch()
        .await;
    assert_eq!(api.status(), Status::Unauthorized, "{what}");
    let me = client.get("/sec/me").cookie(cookie()).dispatch().await;
    assert_eq!(me.status(), Status::Ok, "{what}");
    assert_eq!(me.into_string().await.unwrap(), "anonymous", "{what}");
}

#[tokio::test]
async fn bit_flipped_session_cookies_are_nobody() {
    let (client, raw) = signed_in().await;
    let bytes = URL_SAFE_NO_PAD
        .decode(&raw)
        .expect("a session cookie is URL-safe base64");
    // Nonce (first 12 bytes), ciphertext, and tag (last 16 bytes): every region is authenticated.
    let positions = [
        0,
        5,
        11,
        12,
        13,
        bytes.len() / 2,
        bytes.len() - 17,
        bytes.len() - 16,
        bytes.len() - 1,
    ];
    for position in positions {
        for bit in [0, 3, 7] {
            let mut flipped = bytes.clone();
            flipped[position] ^= 1 << bit;
            let value = URL_SAFE_NO_PAD.encode(&flipped);
            assert_not_signed_in(&client, &value, &format!("byte {position} bit {bit}")).await;
        }
    }
    // A character of the base64 text changed, outside the alphabet too.
    for replacement in ['A', '_', '-', '%', '"'] {
        let mut text: Vec<char> = raw.chars().collect();
        let middle = text.len() / 2;
        text[middle] = if text[middle] == replacement {
            'B'
        } else {
            replacement
        };
        let value: String = text.into_iter().collect();
        assert_not_signed_in(&client, &value, &format!("char {replacement}")).await;
    }
    // The very same bytes in another base64 alphabet are another value.
    let standard = STANDARD.encode(&bytes);
    if standard != raw {
        assert_not_signed_in(&client, &standard, "standard base64").await;
    }
}

#[tokio::test]
async fn a_session_sealed_as_a_rocket_private_cookie_is_nobody() {
    let (client, raw) = signed_in().await;
    // Rocket's private cookies use the same cipher under a different key; the library's key is derived
    // from `secret_key` for its own cookies only, so Rocket's sealing is refused before any decoding.
    // Rocket's jar seals text, so the session goes in as text; the library's sealing of the very same
    // text opens, so the refusal is the key's.
    let text = String::from_utf8_lossy(&open_session(&client, &raw).unwrap()).into_owned();
    let private = seal_private(SECRET_KEY, SESSION_COOKIE, &text).await;
    assert_eq!(
        open_session(&client, &private),
        None,
        "Rocket's key opened it"
    );
    let own = seal_session(&client, text.as_bytes());
    assert_eq!(
        open_session(&client, &own).as_deref(),
        Some(text.as_bytes())
    );
    assert_not_signed_in(&client, &private, "sealed by Rocket's private jar").await;
    assert!(
        raw.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "a session value needs no percent-encoding: {raw}"
    );
}

#[tokio::test]
async fn truncated_empty_and_oversized_session_cookies_are_nobody() {
    let (client, raw) = signed_in().await;
    for length in [
        0,
        1,
        4,
        16,
        27,
        28,
        29,
        40,
        raw.len() / 2,
        raw.len() - 4,
        raw.len() - 1,
    ] {
        assert_not_signed_in(&client, &raw[..length], &format!("first {length}")).await;
    }
    assert_not_signed_in(&client, &raw[4..], "without its first 4").await;
    assert_not_signed_in(&client, "", "empty").await;
    assert_not_signed_in(&client, &"A".repeat(5000), "5000 A").await;
    let big = STANDARD.encode(vec![0x5a; 6000]);
    assert_not_signed_in(&client, &big, "6000 random-looking bytes").await;
    assert_not_signed_in(&client, &format!("{raw}{raw}"), "doubled").await;
    assert_not_signed_in(
        &client,
        &format!("{raw}{}", "A".repeat(4096)),
        "padded past 4 KB",
    )
    .await;
}

#[tokio::test]
async fn a_login_cookie_presented_as_the_session_is_nobody() {
    let (client, _) = signed_in().await;
    let _ = start_login(
        &client,
        &format!("/sso/login?organization={EXAMPLE_ORG_ID}"),
    )
    .await;
    let name = flow_cookies(&client).remove(0);
    let login_bytes = client.cookies().get(&name).unwrap().value().to_owned();
    // The same sealed bytes under the session's name: the name is the associated data, so they do not open.
    assert_not_signed_in(&client, &login_bytes, "a login cookie's bytes").await;
    // And the other way round: the session's bytes under the login cookie's name.
    let session_bytes = client
        .cookies()
        .get(SESSION_COOKIE)
        .unwrap()
        .value()
        .to_owned();
    let callback = at_workos(
        start_login(
            &client,
            &format!("/sso/login?organization={EXAMPLE_ORG_ID}"),
        )
        .await,
    )
    .await;
    let state_cookie = flow_cookies(&client)
        .into_iter()
        .find(|n| *n != name)
        .unwrap();
    let before = token_calls(&client);
    let response = client
        .get(callback)
        .header(Accept::JSON)
        .cookie(Cookie::new(state_cookie, session_bytes))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::BadRequest);
    assert_eq!(token_calls(&client), before);
}

#[tokio::test]
async fn a_session_sealed_under_an_old_secret_key_is_nobody() {
    // A real sign-in on an instance that still runs the old key.
    let old = client_with_key(OLD_SECRET_KEY).await;
    let response = sign_in(
        &old,
        &format!("/sso/login?organization={EXAMPLE_ORG_ID}"),
        "alice@example.com",
    )
    .await;
    assert_eq!(response.status(), Status::SeeOther);
    let old_session = old
        .cookies()
        .get(SESSION_COOKIE)
        .unwrap()
        .value()
        .to_owned();
    let current = client().await;
    assert_not_signed_in(&current, &old_session, "sealed under the old key").await;
    // The same session resealed under the current key is accepted: only the key differs.
    let plaintext = open_session(&old, &old_session).expect("sealed under the old key");
    let resealed = seal_session(&current, &plaintext);
    let me = current
        .get("/sec/me")
        .cookie(Cookie::new(SESSION_COOKIE, resealed))
        .dispatch()
        .await;
    assert_eq!(
        me.into_string().await.unwrap(),
        format!("alice@example.com|{EXAMPLE_ORG_ID}")
    );
}

/// A session plaintext's fields, in the order `session.rs` writes them (`Stored`: version, issue time,
/// expiry, then the profile), as values that can be edited one at a time.
fn fields(plaintext: &[u8]) -> Vec<Value> {
    rmp_serde::from_slice(plaintext).expect("a session is a MessagePack array")
}

/// `fields` as a session plaintext: a MessagePack array, as the runtime writes one.
fn plaintext(fields: &[Value]) -> Vec<u8> {
    rmp_serde::to_vec(fields).unwrap()
}

/// The position of the email among a session's fields.
const EMAIL: usize = 8;

#[tokio::test]
async fn expired_future_and_foreign_version_sessions_are_nobody() {
    let (client, raw) = signed_in().await;
    let written = open_session(&client, &raw).unwrap();
    let session = fields(&written);
    let (issued, expires) = (session[1].as_i64(), session[2].as_i64());
    assert!(
        session.len() == 18 && session[0] == 3 && expires == issued.map(|iat| iat + 28_800),
        "{session:?}"
    );
    assert_eq!(session[EMAIL], "alice@example.com");
    // The control: the same fields encoded again are the very bytes the runtime wrote, and alice, so
    // each refusal below is the edit's doing.
    assert_eq!(plaintext(&session), written);
    let me = client
        .get("/sec/me")
        .cookie(Cookie::new(
            SESSION_COOKIE,
            seal_session(&client, &plaintext(&session)),
        ))
        .dispatch()
        .await;
    assert_eq!(
        me.into_string().await.unwrap(),
        format!("alice@example.com|{EXAMPLE_ORG_ID}")
    );
    let now = now();
    let variants: [(&str, &[(usize, Value)]); 10] = [
        (
            "expired a second ago",
            &[(1, (now - 28_801).into()), (2, (now - 1).into())],
        ),
        (
            "expired exactly now",
            &[(1, (now - 28_800).into()), (2, now.into())],
        ),
        ("expired long ago", &[(1, 0.into()), (2, 1.into())]),
        (
            "issued in an hour",
            &[(1, (now + 3600).into()), (2, (now + 7200).into())],
        ),
        ("format version 2", &[(0, 2.into())]),
        ("format version 4", &[(0, 4.into())]),
        ("no version", &[(0, Value::Null)]),
        (
            "expiry as a string",
            &[(2, (now + 3600).to_string().into())],
        ),
        ("expiry as a float", &[(2, ((now + 3600) as f64).into())]),
        ("email as null", &[(EMAIL, Value::Null)]),
    ];
    for (what, changes) in variants {
        let mut edited = session.clone();
        for (index, value) in changes {
            edited[*index] = value.clone();
        }
        let sealed = seal_session(&client, &plaintext(&edited));
        assert_not_signed_in(&client, &sealed, what).await;
    }
    // Alice's session cut short, lengthened, followed by a byte, and written in format 1.
    let profile = decode_session(&written, now)
        .expect("a current session")
        .profile;
    let format_1 =
        serde_json::json!({"v": 1, "iat": now - 10, "exp": now + 3600, "profile": profile});
    let longer = [session.clone(), vec![Value::Null]].concat();
    for (what, value) in [
        ("no profile", plaintext(&session[..3])),
        ("one field short", plaintext(&session[..17])),
        ("one field more", plaintext(&longer)),
        ("a byte after it", [&written[..], &[0xc0]].concat()),
        ("format 1", format_1.to_string().into_bytes()),
        (
            "format 1 as MessagePack",
            rmp_serde::to_vec(&format_1).unwrap(),
        ),
    ] {
        let sealed = seal_session(&client, &value);
        assert_not_signed_in(&client, &sealed, what).await;
    }
    // Sealed garbage that decrypts fine but is not a session.
    for (what, garbage) in hostile_plaintexts() {
        let sealed = seal_session(&client, &garbage);
        assert_not_signed_in(&client, &sealed, what).await;
    }
}

/// Sessions of the previous release (format 2, a positional JSON array) are not read: their users sign in
/// again, and nothing fails.
#[tokio::test]
async fn a_session_of_json_format_2_is_nobody() {
    let (client, raw) = signed_in().await;
    let now = now();
    let alice = decode_session(&open_session(&client, &raw).unwrap(), now)
        .expect("a current session")
        .profile;
    let bare = |id: &str, prefix: &str| id.strip_prefix(prefix).unwrap_or(id).to_owned();
    // Alice's session as the previous release wrote it, current and under this app's key (see its
    // `session.rs`: IDs without their prefixes, `0` for a name and roles derived from the others).
    let format_2 = serde_json::json!([
        2,
        now - 10,
        28_800,
        bare(&alice.id, "prof_"),
        bare(&alice.connection_id, "conn_"),
        alice.connection_type.as_str(),
        alice.idp_id,
        alice.email,
        bare(alice.organization_id.as_deref().unwrap(), "org_"),
        alice.first_name,
        alice.last_name,
        0,
        alice.role.as_ref().map(|role| &role.slug),
        0,
        alice.groups,
        alice.custom_attributes,
    ])
    .to_string();
    let prefix = format!("[2,{},28800,\"01JHNPZX45HY43KWJRP1XPA7Z3\",", now - 10);
    assert!(format_2.starts_with(&prefix), "{format_2}");
    let sealed = seal_session(&client, format_2.as_bytes());
    assert_eq!(
        open_session(&client, &sealed).as_deref(),
        Some(format_2.as_bytes()),
        "it opens, so the refusal is the decoder's"
    );
    assert_not_signed_in(&client, &sealed, "format 2").await;
}

#[tokio::test]
async fn signing_out_ends_the_session_in_the_browser() {
    let (client, _) = signed_in().await;
    let response = client.post("/sso/logout").dispatch().await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(whoami(&client).await, "anonymous");
}

//! Property tests over everything that reads attacker-controlled input: the `return_to` validator, the
//! session and login cookie decoders (on MessagePack-like bytes), session cookie values through the app,
//! and the callback's query.

mod security_support;

use proptest::prelude::*;
use rocket::http::{Accept, Cookie, Status};
use rocket::local::asynchronous::Client;
use rocket_workos_sso::client::ConnectionSelector;
use rocket_workos_sso::flow::{return_to_or_default, safe_return_to, MAX_RETURN_TO_LEN};
use rocket_workos_sso::fuzzing::{
    check_login, decode_session, encode_login, encode_session, login_slot_cookie_name, open_login,
    seal_login, LoginState, StateError, LOGIN_SLOTS,
};
use rocket_workos_sso::Profile;
use security_support::*;
use url::Url;

/// Pieces that matter to a URL parser, glued together by the strategies below.
const PIECES: &[&str] = &[
    "/",
    "//",
    "\\",
    ".",
    "..",
    "%2F",
    "%2f",
    "%5C",
    "%2e",
    "%2E",
    "%",
    "%0d%0a",
    "%09",
    "%00",
    "%ff",
    "\t",
    "\n",
    "\r",
    " ",
    ":",
    "?",
    "#",
    "@",
    "\"",
    "evil.com",
    "a",
    "é",
    "\u{FF0F}",
    "\u{2215}",
    "\u{85}",
    "\u{0}",
    "https:",
    "javascript:",
    ";",
    "&",
    "=",
];

fn url_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(PIECES), 0..12).prop_map(|p| p.concat()),
        prop::collection::vec(prop::sample::select(PIECES), 0..12)
            .prop_map(|p| format!("/{}", p.concat())),
        "/[a-z0-9/._~%?=&-]{0,40}",
    ]
}

/// Everything an accepted `return_to` must be.
fn assert_safe(input: &str, accepted: &str) {
    assert!(
        input.starts_with(accepted),
        "{input:?} -> {accepted:?}: not a prefix"
    );
    assert!(
        accepted.starts_with('/') && !accepted.starts_with("//"),
        "{accepted:?}"
    );
    assert!(accepted.len() <= MAX_RETURN_TO_LEN);
    assert!(
        !accepted.chars().any(|c| c.is_control() || c == '#'),
        "{accepted:?}"
    );
    let path = accepted.split('?').next().unwrap_or_default();
    assert!(
        !path.contains('\\'),
        "a backslash in the path: {accepted:?}"
    );
    assert_eq!(safe_return_to(accepted), Some(accepted), "idempotent");
    let app = Url::parse(APP_ORIGIN).unwrap();
    let resolved = app.join(accepted).expect("resolves");
    assert_eq!(resolved.origin(), app.origin(), "{accepted:?}");
    // Resolved once more, as an app redirecting to its current path would: still home.
    assert!(
        !resolved.path().starts_with("//"),
        "{accepted:?} -> {resolved}"
    );
    assert_eq!(app.join(resolved.path()).unwrap().origin(), app.origin());
}

fn profile(email: &str) -> Profile {
    serde_json::from_value(serde_json::json!({
        "id": "prof_01", "organization_id": EXAMPLE_ORG_ID, "connection_id": EXAMPLE_CONNECTION_ID,
        "connection_type": "TestIdp", "idp_id": "1", "email": email,
    }))
    .unwrap()
}

fn login(expires_at: i64) -> Vec<u8> {
    encode_login(&LoginState {
        return_to: "/".to_owned(),
        flow: "0123456789ab".to_owned(),
        expected: Some(ConnectionSelector::Organization(EXAMPLE_ORG_ID.to_owned())),
        expires_at,
    })
}

/// Bytes a cookie decoder could meet after decryption: anything at all, MessagePack pieces glued
/// together, nesting 100,000 deep, and `valid` with one byte changed, cut short, or followed by more.
fn msgpack_like(valid: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let edited = (any::<prop::sample::Index>(), any::<u8>()).prop_map({
        let valid = valid.clone();
        move |(at, byte)| {
            let mut edited = valid.clone();
            edited[at.index(valid.len())] = byte;
            edited
        }
    });
    let cut = any::<prop::sample::Index>().prop_map({
        let valid = valid.clone();
        move |at| valid[..at.index(valid.len())].to_vec()
    });
    let longer = prop::collection::vec(any::<u8>(), 1..16)
        .prop_map(move |extra| [valid.clone(), extra].concat());
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        prop::collection::vec(prop::sample::select(MSGPACK_PIECES), 0..24).prop_map(|p| p.concat()),
        (1usize..100_000).prop_map(|depth| [0x91].repeat(depth)),
        edited,
        cut,
        longer,
    ]
}

/// A session that is never current: issued in the far future, expired long ago.
fn never_current_session() -> Vec<u8> {
    encode_session(&profile("a@example.com"), 4_000_000_000, 1000)
}

/// A session current at every time [`a_time`] draws.
fn always_current_session() -> Vec<u8> {
    encode_session(&profile("a@example.com"), 0, i64::MAX)
}

/// Realistic clocks: the decoders compare against the wall clock, never an attacker's number.
fn a_time() -> impl Strategy<Value = i64> {
    0i64..4_000_000_000
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn an_accepted_return_to_is_a_same_origin_prefix_of_the_input(input in url_like()) {
        if let Some(accepted) = safe_return_to(&input) {
            assert_safe(&input, accepted);
        }
        let chosen = return_to_or_default(Some(&input));
        prop_assert_eq!(chosen, safe_return_to(&input).unwrap_or("/"));
    }

    #[test]
    fn the_session_decoder_is_total_and_accepts_only_current_sessions(
        bytes in prop_oneof![
            msgpack_like(always_current_session()),
            msgpack_like(never_current_session()),
            msgpack_like(login(1)),
        ],
        now in a_time(),
    ) {
        if let Some(session) = decode_session(&bytes, now) {
            prop_assert!(now < session.expires_at && session.issued_at <= now + 60);
        }
    }

    #[test]
    fn a_session_is_accepted_exactly_while_it_is_current(iat in any::<i64>(), exp in any::<i64>(), now in a_time()) {
        let plaintext = encode_session(&profile("a@example.com"), iat, exp);
        let decoded = decode_session(&plaintext, now);
        let current = now < exp && iat <= now + 60;
        prop_assert_eq!(decoded.is_some(), current);
        if let Some(session) = decoded {
            prop_assert_eq!((session.issued_at, session.expires_at), (iat, exp));
            prop_assert_eq!(&session.profile.email, "a@example.com");
        }
    }

    #[test]
    fn the_login_decoder_is_total_and_accepts_only_current_logins_it_wrote(
        bytes in prop_oneof![msgpack_like(login(4_000_000_000)), msgpack_like(never_current_session())],
        now in a_time(),
    ) {
        if let Ok(login) = check_login(&bytes, now) {
            prop_assert!(now < login.expires_at);
            let again = encode_login(&login);
            prop_assert_eq!(encode_login(&check_login(&again, now).unwrap()), again);
        }
    }

    /// The login's state is not in the plaintext: it is bound to the cookie as associated data (with
    /// the cookie's name), which `a_login_cookie_opens_for_its_own_state_only` and the tamper tests
    /// cover.
    #[test]
    fn a_login_is_accepted_exactly_before_it_expires(
        expires_at in any::<i64>(),
        now in a_time(),
    ) {
        match check_login(&login(expires_at), now) {
            Ok(login) => prop_assert!(now < expires_at && login.expires_at == expires_at),
            Err(StateError::Expired) => prop_assert!(now >= expires_at),
            Err(StateError::Unknown) => prop_assert!(false, "a login the runtime wrote"),
        }
    }
}

#[test]
fn a_login_cookie_opens_for_its_own_state_and_slot_only() {
    let (_runtime, client) = app_runtime();
    let rocket = client.rocket();
    let states = ("[A-Za-z0-9_-]{8,64}", "[A-Za-z0-9_-]{8,64}");
    let slots = (0..LOGIN_SLOTS, 0..LOGIN_SLOTS);
    proptest!(ProptestConfig::with_cases(2048), |((a, b) in states, (slot, other) in slots)| {
        let name = login_slot_cookie_name(slot);
        prop_assert!(name.starts_with(FLOW_COOKIE_PREFIX));
        let sealed = seal_login(rocket, &name, &a, b"a login").unwrap();
        prop_assert!(open_login(rocket, &name, &a, &sealed).is_some());
        prop_assert_eq!(open_login(rocket, &name, &b, &sealed).is_some(), a == b);
        let moved = open_login(rocket, &login_slot_cookie_name(other), &a, &sealed);
        prop_assert_eq!(moved.is_some(), slot == other);
    });
}

/// One app for the HTTP properties, on a runtime the proptest closures block on.
fn app_runtime() -> (tokio::runtime::Runtime, Client) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client =
        runtime.block_on(async { Client::untracked(app(figment(SECRET_KEY))).await.unwrap() });
    (runtime, client)
}

/// Arbitrary query strings, percent-encoded bytes included, with the callback's own parameter names.
fn query() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("code".to_owned()),
        Just("state".to_owned()),
        Just("error".to_owned()),
        Just("error_description".to_owned()),
        Just("return_to".to_owned()),
        "[a-z_]{1,8}",
    ];
    let value = prop_oneof![
        "[A-Za-z0-9_-]{0,50}",
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|bytes| bytes
            .iter()
            .map(|b| format!("%{b:02X}"))
            .collect::<String>()),
        Just("<script>alert(1)</script>".to_owned()),
        Just("server_error".to_owned()),
        Just("access_denied".to_owned()),
    ];
    prop::collection::vec((name, value), 0..6).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

#[test]
fn no_callback_query_signs_in_errors_out_or_reaches_workos_without_a_login() {
    let (runtime, client) = app_runtime();
    proptest!(ProptestConfig::with_cases(512), |(query in query(), html in any::<bool>())| {
        runtime.block_on(async {
            let accept = if html { Accept::HTML } else { Accept::JSON };
            let response = client
                .get(format!("{CALLBACK}?{query}"))
                .header(accept)
                .dispatch()
                .await;
            let status = response.status();
            assert!(
                [Status::BadRequest, Status::Forbidden, Status::BadGateway].contains(&status),
                "{query}: {status}"
            );
            assert!(!sets_cookie(&response, SESSION_COOKIE), "{query}");
            let body = response.into_string().await.unwrap_or_default();
            assert!(!body.contains("<script>"), "{query}: {body}");
        });
    });
    assert_eq!(
        token_calls(&client),
        0,
        "no query alone ever reaches the code exchange"
    );
}

#[test]
fn no_session_cookie_value_signs_in_or_errors_out() {
    let (runtime, client) = app_runtime();
    let sealed = prop::option::of(msgpack_like(never_current_session()));
    proptest!(ProptestConfig::with_cases(512), |(value in any::<String>(), sealed in sealed)| {
        runtime.block_on(async {
            let request = client.get("/sec/me");
            let request = match &sealed {
                // Decrypts fine, so the session decoder sees it.
                Some(plaintext) => {
                    request.cookie(Cookie::new(SESSION_COOKIE, seal_session(&client, plaintext)))
                }
                None => request.cookie(Cookie::new(SESSION_COOKIE, value.clone())),
            };
            let response = request.dispatch().await;
            assert_eq!(response.status(), Status::Ok, "{value:?} {sealed:?}");
            assert_eq!(response.into_string().await.unwrap(), "anonymous", "{value:?} {sealed:?}");
        });
    });
}

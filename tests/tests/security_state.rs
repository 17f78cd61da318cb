//! The OAuth `state`: a callback whose state is missing, unknown, expired, already used, or started in
//! another browser is refused with a 4xx before WorkOS is called, so no code is ever exchanged for it.

mod security_support;

use rocket::http::{Accept, Cookie, Status};
use rocket::local::asynchronous::Client;
use rocket_workos_sso::fuzzing::{check_login, encode_login, open_login, seal_login, LoginState};
use security_support::*;

/// The login of `state` in `client`'s cookie `name`, as the app sealed it.
fn login_in(client: &Client, name: &str, state: &str) -> LoginState {
    let jar = client.cookies();
    let sealed = jar.get(name).expect("the login cookie").value();
    let plaintext = open_login(client.rocket(), name, state, sealed).expect("sealed by the app");
    check_login(&plaintext, now()).expect("a current login")
}

/// The one login cookie in `client`'s jar.
fn the_login_cookie(client: &Client) -> String {
    let names = flow_cookies(client);
    assert_eq!(names.len(), 1, "{names:?}");
    names[0].clone()
}

async fn started(client: &Client) -> String {
    let authorize = start_login(
        client,
        &format!("/sso/login?organization={EXAMPLE_ORG_ID}&return_to=%2Fsec%2Fme"),
    )
    .await;
    at_workos(authorize).await
}

#[tokio::test]
async fn a_missing_or_empty_state_is_refused_without_calling_workos() {
    let client = client().await;
    let callback = started(&client).await;
    for uri in [with_state(&callback, None), with_state(&callback, Some(""))] {
        assert_eq!(
            json_error(&client, &uri).await,
            (Status::BadRequest, "missing_state".to_owned()),
            "{uri}"
        );
    }
    assert_eq!(token_calls(&client), 0);
    assert_eq!(whoami(&client).await, "anonymous");
}

#[tokio::test]
async fn a_mismatched_state_is_refused_and_leaves_the_real_login_usable() {
    let client = client().await;
    let callback = started(&client).await;
    let real = state_of(&callback);
    let mut flipped = real.clone().into_bytes();
    flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    for forged in [
        "x".repeat(43),
        flipped,
        format!("{real}x"),
        real[..real.len() - 1].to_owned(),
        real.to_ascii_uppercase(),
        "%00".to_owned(),
        "a".repeat(5000),
    ] {
        assert_eq!(
            json_error(&client, &with_state(&callback, Some(&forged))).await,
            (Status::BadRequest, "invalid_state".to_owned()),
            "{forged}"
        );
    }
    assert_eq!(token_calls(&client), 0);
    // A forged state never consumed the real login's cookie.
    let response = browse(&client, &callback).await;
    assert_eq!(location(&response), "/sec/me");
    assert_eq!(token_calls(&client), 1);
}

#[tokio::test]
async fn an_expired_login_is_refused_without_calling_workos() {
    let client = client().await;
    let callback = started(&client).await;
    let state = state_of(&callback);
    let name = the_login_cookie(&client);
    // The login as sealed, re-sealed with an expiry a second ago: what the cookie holds ten minutes on.
    let mut login = login_in(&client, &name, &state);
    login.expires_at = now() - 1;
    let resealed = seal_login(client.rocket(), &name, &state, &encode_login(&login)).unwrap();
    let response = client
        .get(callback)
        .header(Accept::JSON)
        .cookie(Cookie::new(name.clone(), resealed))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::BadRequest);
    let body: serde_json::Value = response.into_json().await.unwrap();
    assert_eq!(body["error"], "invalid_state");
    assert!(
        body["message"].as_str().unwrap().contains("too long"),
        "{body}"
    );
    assert_eq!(token_calls(&client), 0);
    assert_eq!(whoami(&client).await, "anonymous");
}

#[tokio::test]
async fn a_replayed_callback_is_refused_without_calling_workos_again() {
    let client = client().await;
    let callback = started(&client).await;
    let first = browse(&client, &callback).await;
    assert_eq!(location(&first), "/sec/me");
    assert_eq!(token_calls(&client), 1);
    assert!(
        flow_cookies(&client).is_empty(),
        "the login cookie is used up"
    );
    // Same browser, then another browser with no cookies at all.
    assert_eq!(
        json_error(&client, &callback).await,
        (Status::BadRequest, "invalid_state".to_owned())
    );
    let stranger = rocket::local::asynchronous::Client::untracked(app(figment(SECRET_KEY)))
        .await
        .unwrap();
    assert_eq!(
        json_error(&stranger, &callback).await,
        (Status::BadRequest, "invalid_state".to_owned())
    );
    assert_eq!(token_calls(&client), 1);
    assert_eq!(token_calls(&stranger), 0);
    // Replaying the callback did not sign the original browser out or in as anyone else.
    assert_eq!(
        whoami(&client).await,
        format!("alice@example.com|{EXAMPLE_ORG_ID}")
    );
}

#[tokio::test]
async fn a_state_from_another_browser_is_refused_without_calling_workos() {
    // Two browsers, each with its own jar, on one application.
    let app_client = rocket::local::asynchronous::Client::untracked(app(figment(SECRET_KEY)))
        .await
        .unwrap();
    emulator(&app_client).set_auto_login(rocket_workos_sso::emulator::AutoLogin::FirstUser);
    let login = format!("/sso/login?organization={EXAMPLE_ORG_ID}&return_to=%2Fsec%2Fme");
    let (a, b) = (Jar::default(), Jar::default());
    let mut callbacks = Vec::new();
    for jar in [&a, &b] {
        let response = jar.get(&app_client, &login, false).await;
        let authorize = url::Url::parse(&location(&response)).unwrap();
        callbacks.push(at_workos(authorize).await);
    }
    let (callback_a, callback_b) = (&callbacks[0], &callbacks[1]);

    // Browser B is handed A's callback (login CSRF: the attacker's code in the victim's browser).
    let response = b.get(&app_client, callback_a, true).await;
    assert_eq!(response.status(), Status::BadRequest);
    // A's state with B's login cookie moved under A's cookie name: the name is bound to the value.
    let (a_name, _) = a.find(FLOW_COOKIE_PREFIX).unwrap();
    let (_, b_value) = b.find(FLOW_COOKIE_PREFIX).unwrap();
    let response = app_client
        .get(callback_a.clone())
        .header(Accept::JSON)
        .cookie(Cookie::new(a_name, b_value))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::BadRequest);
    assert_eq!(token_calls(&app_client), 0);

    // Each browser's own callback still works, and each is signed in as itself.
    for (jar, callback) in [(&a, callback_a), (&b, callback_b)] {
        let response = jar.get(&app_client, callback, false).await;
        assert_eq!(location(&response), "/sec/me");
        let me = jar.get(&app_client, "/sec/me", false).await;
        assert_eq!(
            me.into_string().await.unwrap(),
            format!("alice@example.com|{EXAMPLE_ORG_ID}")
        );
    }
    assert_eq!(token_calls(&app_client), 2);
}

#[tokio::test]
async fn an_error_callback_with_a_forged_state_is_refused_as_a_forgery() {
    let client = client().await;
    let _ = started(&client).await;
    let (status, code) = json_error(
        &client,
        "/sec/callback?error=access_denied&error_description=x&state=forged",
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (Status::BadRequest, "invalid_state")
    );
    assert_eq!(token_calls(&client), 0);
}

#[tokio::test]
async fn a_login_cookie_sealed_under_another_key_is_refused() {
    let client = client().await;
    let callback = started(&client).await;
    let state = state_of(&callback);
    let name = the_login_cookie(&client);
    let sealed = client.cookies().get(&name).unwrap().value().to_owned();
    let login = open_login(client.rocket(), &name, &state, &sealed).expect("sealed by the app");
    // The same login, resealed under a rotated-out key: it no longer opens.
    let old = rocket::local::asynchronous::Client::untracked(app(figment(OLD_SECRET_KEY)))
        .await
        .unwrap();
    let resealed = seal_login(old.rocket(), &name, &state, &login).unwrap();
    let response = client
        .get(callback.clone())
        .header(Accept::JSON)
        .cookie(Cookie::new(name.clone(), resealed))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::BadRequest);
    assert_eq!(token_calls(&client), 0);
    // Resealed under the right key, it is the login itself again.
    let resealed = seal_login(client.rocket(), &name, &state, &login).unwrap();
    let response = client
        .get(callback)
        .cookie(Cookie::new(name, resealed))
        .dispatch()
        .await;
    assert_eq!(location(&response), "/sec/me");
    assert_eq!(token_calls(&client), 1);
}

/// A login started before the upgrade was JSON in a Rocket private cookie: now it is refused like any
/// unknown login (400, WorkOS not called), never a 500; so is the same JSON under the library's key.
#[tokio::test]
async fn a_login_cookie_of_the_previous_release_is_refused() {
    let client = client().await;
    let callback = started(&client).await;
    let state = state_of(&callback);
    let name = the_login_cookie(&client);
    let login = login_in(&client, &name, &state);
    // This very login, as the previous release wrote it.
    let previous = serde_json::json!({
        "state": state,
        "verifier": "v".repeat(43),
        "return_to": login.return_to,
        "flow": login.flow,
        "expected": {"kind": "organization", "id": EXAMPLE_ORG_ID},
        "expires_at": login.expires_at,
    })
    .to_string();
    for sealed in [
        seal_private(SECRET_KEY, &name, &previous).await,
        seal_login(client.rocket(), &name, &state, previous.as_bytes()).unwrap(),
    ] {
        let response = client
            .get(callback.clone())
            .header(Accept::JSON)
            .cookie(Cookie::new(name.clone(), sealed))
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::BadRequest);
        let body: serde_json::Value = response.into_json().await.unwrap();
        assert_eq!(body["error"], "invalid_state");
    }
    assert_eq!(token_calls(&client), 0);
}

/// RFC 9700 §4.5: a code stolen from another login, injected with this browser's own valid state. The
/// state check passes (it is this browser's login), so the code reaches WorkOS once, and PKCE refuses
/// it: the code was issued for another login's challenge. No session starts.
#[tokio::test]
async fn an_injected_code_is_refused_by_pkce() {
    let client = client().await;
    let stolen = started(&client).await;
    let own = started(&client).await;
    let code = |callback: &str| {
        url::Url::parse(&format!("{APP_ORIGIN}{callback}"))
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned()
    };
    let injected = format!("{CALLBACK}?code={}&state={}", code(&stolen), state_of(&own));
    let response = client.get(injected).header(Accept::JSON).dispatch().await;
    assert_eq!(response.status(), Status::BadRequest);
    assert!(!sets_cookie(&response, SESSION_COOKIE));
    let body: serde_json::Value = response.into_json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(token_calls(&client), 1);
    assert_eq!(whoami(&client).await, "anonymous");
}

//! Over https the session is a `__Host-` cookie (Secure, `Path=/`, no `Domain`) and each login a
//! `__Secure-` one, so a sibling subdomain cannot plant or overwrite either; and every removal of them
//! carries `Secure` too, since browsers ignore a prefixed `Set-Cookie` without it. Every handler of this
//! test binary is https: the prefixes need every callback of the application to be.

mod support;

use rocket::http::{Accept, SameSite, Status};
use rocket::{get, routes};
use rocket_workos_sso::flow::MAX_RETURN_TO_LEN;
use rocket_workos_sso::fuzzing::LOGIN_SLOTS;
use rocket_workos_sso::session::{SECURE_SESSION_COOKIE, SESSION_COOKIE};
use rocket_workos_sso::{fuzzing, testing, workos_sso, Profile};
use support::*;
use url::Url;

#[workos_sso(
    redirect_uri = "https://app.example.com/auth/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[get("/secure")]
fn secure(profile: Profile) -> String {
    profile.email.clone()
}

/// Admits any organization: its logins name theirs in the query, and keep it in their cookie.
#[workos_sso(
    redirect_uri = "https://app.example.com/auth/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S"
)]
#[get("/any")]
fn any(profile: Profile) -> String {
    profile.email.clone()
}

#[rocket::async_test]
async fn over_https_the_session_is_a_host_cookie_and_each_login_a_secure_one() {
    let client = client(rocket::custom(figment()).mount("/", routes![secure])).await;
    assert_eq!(
        testing::session_cookie_name(client.rocket()),
        SECURE_SESSION_COOKIE
    );
    let response = browse(&client, &location(&browse(&client, "/secure").await)).await;
    let login = login_cookie(&response, "__Secure-workos_sso_flow_");
    assert!(
        login.contains("; Secure") && login.contains("Path=/auth/callback"),
        "{login}"
    );
    let callback = authorize(&location(&response)).await;
    assert_eq!(callback.scheme(), "https");
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::SeeOther);
    let session = set_cookie(&response, SECURE_SESSION_COOKIE).expect("a __Host- session cookie");
    assert!(session.contains("; Secure"), "{session}");
    assert!(session.contains("Path=/"), "{session}");
    assert!(
        !session.to_ascii_lowercase().contains("domain="),
        "{session}"
    );
    assert!(set_cookie(&response, SESSION_COOKIE).is_none());
    let response = browse(&client, "/secure").await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.into_string().await.unwrap(), "alice@example.com");
}

#[rocket::async_test]
async fn over_https_a_session_under_the_plain_name_is_ignored() {
    // What a sibling subdomain could plant: a cookie without the prefix, even one sealed with the key.
    let client = client(rocket::custom(figment()).mount("/", routes![secure])).await;
    let profile = testing::profile("mallory@example.com");
    let now = rocket::time::OffsetDateTime::now_utc().unix_timestamp();
    let plaintext = fuzzing::encode_session(&profile, now, now + 600);
    let planted = fuzzing::seal_cookie(client.rocket(), SESSION_COOKIE, &plaintext).unwrap();
    let response = client
        .get("/secure")
        .cookie(planted)
        .header(Accept::JSON)
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Unauthorized);
    // The same plaintext under the prefixed name is a session: the name alone made the difference.
    let sealed = fuzzing::seal_cookie(client.rocket(), SECURE_SESSION_COOKIE, &plaintext).unwrap();
    let response = client.get("/secure").cookie(sealed).dispatch().await;
    assert_eq!(
        response.status(),
        Status::Forbidden,
        "mallory's profile is of no organization here"
    );
}

/// What a browser needs to apply a removal of a cookie set with `Secure` on `path`: the same name, path
/// and `Secure`, and the same `SameSite` and `HttpOnly` as the cookie had.
fn assert_secure_removal(removal: &rocket::http::Cookie<'_>, path: &str) {
    assert_eq!(removal.secure(), Some(true), "{removal}");
    assert_eq!(removal.path(), Some(path), "{removal}");
    assert_eq!(removal.same_site(), Some(SameSite::Lax), "{removal}");
    assert_eq!(removal.http_only(), Some(true), "{removal}");
    assert_eq!(removal.domain(), None, "{removal}");
}

#[rocket::async_test]
async fn over_https_sign_out_by_post_and_by_get_removes_the_session_with_secure() {
    let client = client(rocket::custom(figment()).mount("/", routes![secure])).await;
    for sign_out in ["POST", "GET"] {
        sign_in(&client, "/secure").await;
        assert_eq!(browse(&client, "/secure").await.status(), Status::Ok);
        let response = match sign_out {
            "POST" => client.post("/sso/logout").dispatch().await,
            _ => browse(&client, "/sso/logout").await,
        };
        assert_eq!(response.status(), Status::SeeOther, "{sign_out}");
        assert_secure_removal(&removal_of(&response, SECURE_SESSION_COOKIE), "/");
        drop(response);
        assert_eq!(
            browse(&client, "/secure").await.status(),
            Status::SeeOther,
            "{sign_out} signed out"
        );
    }
}

#[rocket::async_test]
async fn over_https_the_callback_removes_the_used_login_cookie_with_secure_on_its_path() {
    let client = client(rocket::custom(figment()).mount("/", routes![secure])).await;
    let login_url = location(&browse(&client, "/secure").await);
    let response = browse(&client, &login_url).await;
    let login = rocket::http::Cookie::parse(login_cookie(&response, "__Secure-workos_sso_flow_"));
    let name = login.unwrap().name().to_owned();
    let callback = authorize(&location(&response)).await;
    drop(response);
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_secure_removal(&removal_of(&response, &name), "/auth/callback");
    drop(response);
    // A refused callback removes the login cookie it was sent with in the same way.
    let response = browse(&client, &login_url).await;
    let name = rocket::http::Cookie::parse(login_cookie(&response, "__Secure-workos_sso_flow_"))
        .unwrap()
        .name()
        .to_owned();
    let state = query_param(&Url::parse(&location(&response)).unwrap(), "state").unwrap();
    drop(response);
    let response = browse(
        &client,
        &format!("/auth/callback?state={state}&error=access_denied"),
    )
    .await;
    assert_eq!(response.status(), Status::Forbidden);
    assert_secure_removal(&removal_of(&response, &name), "/auth/callback");
}

/// A hostile page sends the browser to the login route again and again (a popup it navigates), each
/// time with the longest organization id and `return_to` the login route accepts. The browser keeps
/// twenty login cookies at most, each small, so the callback's `Cookie` header stays bounded; the
/// measured figure is the one SECURITY.md gives.
#[rocket::async_test]
async fn a_hostile_page_cannot_grow_the_callbacks_cookie_header_past_twenty_small_logins() {
    let client = client(rocket::custom(figment()).mount("/", routes![secure, any])).await;
    // A login of the user's own, started before the hostile page's.
    let own = location(&browse(&client, "/secure").await);
    let own_callback = authorize(start_login(&client, &own).await.as_str()).await;
    let any_login = Url::parse(&format!(
        "https://app.example.com{}",
        location(&browse(&client, "/any").await)
    ))
    .unwrap();
    let flow = query_param(&any_login, "flow").unwrap();
    let organization = format!("org_{}", "A".repeat(60));
    // The longest accepted return_to: a path alone, and a path the cookie can keep with a long query.
    let long_path = format!("/{}", "a".repeat(MAX_RETURN_TO_LEN - 1));
    let kept_path = format!("/{}", "b".repeat(63));
    let long_query = format!("{kept_path}?q={}", "c".repeat(MAX_RETURN_TO_LEN - 67));
    for navigation in 0..50 {
        let return_to = if navigation % 2 == 0 {
            &long_path
        } else {
            &long_query
        };
        let return_to: String =
            url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect();
        let uri =
            format!("/sso/login?flow={flow}&organization={organization}&return_to={return_to}");
        let response = browse(&client, &uri).await;
        assert_eq!(
            response.status(),
            Status::SeeOther,
            "navigation {navigation}"
        );
    }
    let header = cookie_header_for(&client, "/auth/callback");
    assert_eq!(
        header.matches("__Secure-workos_sso_flow_").count(),
        LOGIN_SLOTS
    );
    eprintln!(
        "after 50 hostile logins over https the callback's Cookie header is {} bytes ({} login cookies, \
         the longest {} bytes)",
        header.len(),
        LOGIN_SLOTS,
        header.split("; ").map(str::len).max().unwrap_or_default()
    );
    assert!(header.len() <= 5 * 1024, "{} bytes: {header}", header.len());
    // The hostile logins took every slot in turn: the user's own login was replaced (its callback asks
    // to sign in again, without calling WorkOS), and a login started now completes.
    let response = browse(&client, &path_and_query(&own_callback)).await;
    assert_eq!(response.status(), Status::BadRequest);
    drop(response);
    assert_eq!(emulator(&client).request_count("/sso/token"), 0);
    assert_eq!(sign_in(&client, "/secure").await, "/secure");
}

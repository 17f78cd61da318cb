//! Over https the session is a `__Host-` cookie (Secure, `Path=/`, no `Domain`) and each login a
//! `__Secure-` one, so a sibling subdomain cannot plant or overwrite either; and every removal of them
//! carries `Secure` too, since browsers ignore a prefixed `Set-Cookie` without it. Every handler of this
//! test binary is https: the prefixes need every callback of the application to be.

mod support;

use rocket::http::{Accept, SameSite, Status};
use rocket::{get, routes};
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

#[rocket::async_test]
async fn over_https_the_session_is_a_host_cookie_and_each_login_a_secure_one() {
    let client = client(rocket::custom(figment()).mount("/", routes![secure])).await;
    assert_eq!(
        testing::session_cookie_name(client.rocket()),
        SECURE_SESSION_COOKIE
    );
    let response = browse(&client, &location(&browse(&client, "/secure").await)).await;
    let login = set_cookies(&response).join("\n");
    assert!(login.starts_with("__Secure-workos_sso_flow_"), "{login}");
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
    let response = browse(&client, &location(&browse(&client, "/secure").await)).await;
    let login = rocket::http::Cookie::parse(set_cookies(&response)[0].clone()).unwrap();
    let name = login.name().to_owned();
    assert!(name.starts_with("__Secure-workos_sso_flow_"), "{name}");
    let callback = authorize(&location(&response)).await;
    drop(response);
    let response = browse(&client, &path_and_query(&callback)).await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_secure_removal(&removal_of(&response, &name), "/auth/callback");
    drop(response);
    // A refused callback removes the login cookie it was sent with in the same way.
    let response = browse(&client, "/sso/login").await;
    let name = rocket::http::Cookie::parse(set_cookies(&response)[0].clone())
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

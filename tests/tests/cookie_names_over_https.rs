//! Over https the session is a `__Host-` cookie (Secure, `Path=/`, no `Domain`) and each login a
//! `__Secure-` one, so a sibling subdomain cannot plant or overwrite either. Every handler of this test
//! binary is https: the prefixes need every callback of the application to be.

mod support;

use rocket::http::{Accept, Status};
use rocket::{get, routes};
use rocket_workos_sso::session::{SECURE_SESSION_COOKIE, SESSION_COOKIE};
use rocket_workos_sso::{fuzzing, testing, workos_sso, Profile};
use support::*;

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

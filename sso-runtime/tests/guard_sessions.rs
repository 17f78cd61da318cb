//! The guards through `rocket::local`, signed in through the embedded emulator: a session cookie is
//! accepted on every request (the second time from the opened-session cache), and a tampered or
//! missing one never is, cached or not.

use rocket::http::{Accept, Cookie, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, routes};
use rocket_workos_sso::emulator::AutoLogin;
use rocket_workos_sso::session::SESSION_COOKIE;
use rocket_workos_sso::{workos_sso, Profile, WorkosSso};

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[get("/protected")]
fn protected(profile: Profile) -> String {
    profile.email.clone()
}

#[get("/me")]
fn me(profile: Option<Profile>) -> String {
    profile.map_or_else(|| "nobody".to_owned(), |profile| profile.email.clone())
}

fn app() -> rocket::Rocket<rocket::Build> {
    let figment = rocket::Config::figment()
        .merge(("log_level", "off"))
        .merge(("secret_key", "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk="))
        .merge(("workos.emulator", true));
    rocket::custom(figment)
        .attach(WorkosSso::fairing())
        .mount("/", routes![protected, me])
}

/// A sealed session cookie's value, from a sign-in through the emulator.
async fn signed_in() -> String {
    let client = Client::tracked(app()).await.unwrap();
    WorkosSso::emulator(client.rocket())
        .unwrap()
        .set_auto_login(AutoLogin::FirstUser);
    let authorize = {
        let login = client.get("/sso/login").dispatch().await;
        login.headers().get_one("Location").unwrap().to_owned()
    };
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let idp = browser.get(&authorize).send().await.unwrap();
    let callback = url::Url::parse(idp.headers()["location"].to_str().unwrap()).unwrap();
    let path = format!("{}?{}", callback.path(), callback.query().unwrap());
    assert_eq!(client.get(path).dispatch().await.status(), Status::SeeOther);
    let cookie = client
        .cookies()
        .get(SESSION_COOKIE)
        .unwrap()
        .value()
        .to_owned();
    drop(client);
    cookie
}

#[tokio::test]
async fn a_session_is_accepted_again_and_again_and_a_tampered_one_never() {
    let cookie = signed_in().await;
    // Another instance with the same key: sessions are stateless. Each request says what it sends.
    let client = Client::untracked(app()).await.unwrap();
    let session = || Cookie::new(SESSION_COOKIE, cookie.clone());
    for _ in 0..3 {
        let response = client.get("/protected").cookie(session()).dispatch().await;
        assert_eq!(response.status(), Status::Ok);
        let email = response.into_string().await.unwrap();
        assert!(email.contains('@'), "{email}");
        let me = client.get("/me").cookie(session()).dispatch().await;
        assert_eq!(me.into_string().await.unwrap(), email);
    }

    let mut tampered = cookie.clone().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    // Each ends like the cached session, so each lands in its bucket of the opened-session cache (the
    // hash covers only the tail): only an equal value may hit.
    let same_tail = [tampered, format!("A{cookie}"), cookie[1..].to_owned()];
    for forged in same_tail.iter().chain(same_tail.iter()) {
        let response = client
            .get("/protected")
            .header(Accept::JSON)
            .cookie(Cookie::new(SESSION_COOKIE, forged.clone()))
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::Unauthorized, "{forged}");
        let me = client
            .get("/me")
            .cookie(Cookie::new(SESSION_COOKIE, forged.clone()))
            .dispatch()
            .await;
        assert_eq!(me.into_string().await.unwrap(), "nobody");
    }

    let response = client
        .get("/protected")
        .header(Accept::JSON)
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Unauthorized);
    assert_eq!(
        client
            .get("/me")
            .dispatch()
            .await
            .into_string()
            .await
            .unwrap(),
        "nobody"
    );
}

//! A login in progress is small: twenty of them, in twenty tabs, leave the callback's `Cookie` header
//! under 4 KB, and every one of them still completes. Over http (local development) the cookies keep
//! their plain names; `cookie_names_over_https.rs` has the prefixed ones.

mod support;

use rocket::http::{SameSite, Status};
use rocket::{get, routes};
use rocket_workos_sso::session::SESSION_COOKIE;
use rocket_workos_sso::{testing, workos_sso, Profile};
use support::*;

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[get("/reports?<tab>")]
fn reports(profile: Profile, tab: Option<u32>) -> String {
    format!("{} on tab {}", profile.email, tab.unwrap_or_default())
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S"
)]
#[get("/workspace")]
fn workspace(profile: Profile) -> String {
    profile.email.clone()
}

#[rocket::async_test]
async fn twenty_logins_in_twenty_tabs_fit_and_every_one_completes() {
    for unpinned in [false, true] {
        let client =
            client(rocket::custom(figment()).mount("/", routes![reports, workspace])).await;
        // Twenty tabs, each sent to sign in from its own deep link, each reaching WorkOS.
        let mut callbacks = Vec::new();
        for tab in 0..20 {
            let login = if unpinned {
                let login = location(&browse(&client, "/workspace").await);
                format!("{login}&organization=org_01JH3E28JT97KB6CQ643DZVMXX")
            } else {
                location(&browse(&client, &format!("/reports?tab={tab}")).await)
            };
            let authorize_url = start_login(&client, &login).await;
            callbacks.push(authorize(authorize_url.as_str()).await);
        }
        let header = cookie_header_for(&client, "/callback");
        assert_eq!(header.matches("workos_sso_flow_").count(), 20);
        eprintln!(
            "twenty logins in progress ({}): the callback's Cookie header is {} bytes",
            if unpinned { "unpinned" } else { "pinned" },
            header.len()
        );
        assert!(
            header.len() < 4096,
            "the callback's Cookie header is {} bytes with twenty logins in progress",
            header.len()
        );
        // Every one completes, in any order, and lands where it started.
        for (tab, callback) in callbacks.iter().enumerate().rev() {
            let response = browse(&client, &path_and_query(callback)).await;
            assert_eq!(response.status(), Status::SeeOther, "tab {tab}");
            let expected = if unpinned {
                "/workspace".to_owned()
            } else {
                format!("/reports?tab={tab}")
            };
            assert_eq!(location(&response), expected);
        }
        assert_eq!(
            cookie_header_for(&client, "/callback")
                .matches("workos_sso_flow_")
                .count(),
            0
        );
    }
}

#[rocket::async_test]
async fn over_http_the_cookies_keep_their_plain_names() {
    let client = client(rocket::custom(figment()).mount("/", routes![reports])).await;
    assert_eq!(
        testing::session_cookie_name(client.rocket()),
        SESSION_COOKIE
    );
    let response = browse(&client, &location(&browse(&client, "/reports").await)).await;
    let login = login_cookie(&response, "workos_sso_flow_");
    assert!(!login.contains("Secure"), "{login}");
}

#[rocket::async_test]
async fn over_http_every_removal_has_the_plain_name_its_path_and_no_secure() {
    let client = client(rocket::custom(figment()).mount("/", routes![reports])).await;
    let plain = |removal: &rocket::http::Cookie<'_>, path: &str| {
        assert_eq!(removal.secure(), None, "no Secure: {removal}");
        assert_eq!(removal.path(), Some(path), "{removal}");
        assert_eq!(removal.same_site(), Some(SameSite::Lax), "{removal}");
        assert_eq!(removal.http_only(), Some(true), "{removal}");
    };
    for sign_out in ["POST", "GET"] {
        let response = browse(&client, &location(&browse(&client, "/reports").await)).await;
        let login = rocket::http::Cookie::parse(login_cookie(&response, "workos_sso_flow_"));
        let name = login.unwrap().name().to_owned();
        let callback = authorize(&location(&response)).await;
        drop(response);
        let response = browse(&client, &path_and_query(&callback)).await;
        assert_eq!(response.status(), Status::SeeOther);
        plain(&removal_of(&response, &name), "/callback");
        drop(response);
        let response = match sign_out {
            "POST" => client.post("/sso/logout").dispatch().await,
            _ => browse(&client, "/sso/logout").await,
        };
        plain(&removal_of(&response, SESSION_COOKIE), "/");
    }
}

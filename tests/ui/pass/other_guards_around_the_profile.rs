#![deny(warnings)]

// The added guard goes first; the handler's own guards keep their order and types.

use rocket::http::CookieJar;
use rocket::{get, routes};
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/before")]
fn cookies_before(cookies: &CookieJar<'_>, profile: Profile) -> String {
    format!("{} {}", cookies.iter().count(), profile.email)
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/after")]
fn cookies_after(profile: Profile, cookies: &CookieJar<'_>) -> String {
    format!("{} {}", profile.email, cookies.iter().count())
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/maybe/<name>?<page>")]
fn optional_profile(name: &str, page: Option<u32>, profile: Option<Profile>) -> String {
    format!("{name} {page:?} {:?}", profile.map(|p| p.email.clone()))
}

fn main() {
    let _rocket = rocket::build()
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![cookies_before, cookies_after, optional_profile]);
}

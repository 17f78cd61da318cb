#![deny(warnings)]

// The handler's `Profile` parameter is bound from the attribute's guard, whatever its pattern, path or
// position; a second `Profile` and an `Option<Profile>` stay ordinary guards.

use rocket::http::CookieJar;
use rocket::{get, routes};
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/mutable")]
fn mutable(mut profile: Profile) -> String {
    profile.groups.push("Visitors".into());
    profile.groups.join(",")
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/qualified/<id>")]
async fn qualified(id: u32, cookies: &CookieJar<'_>, who: rocket_workos_sso::Profile) -> String {
    format!("{id} {} {}", cookies.iter().count(), who.email)
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/twice")]
fn twice(first: Profile, second: Profile, maybe: Option<Profile>) -> String {
    format!("{} {} {}", first.email, second.email, maybe.is_some())
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/ignored")]
fn ignored(_profile: Profile) -> &'static str {
    "hello"
}

fn main() {
    let _rocket = rocket::build()
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![mutable, qualified, twice, ignored]);
}

#![deny(warnings)]

// A handler without a pin admits any customer organization; `providers` also admits the OAuth providers
// it lists, written as a list or as a single value.

use rocket::{get, routes};
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(
    redirect_uri = "http://localhost:8000/callback",
    client_id = "client_01ABC",
    providers = ["GoogleOAuth", "MicrosoftOAuth"]
)]
#[get("/home")]
fn home(profile: Profile) -> String {
    profile.email.clone()
}

#[workos_sso(
    redirect_uri = "http://localhost:8000/callback",
    client_id = "client_01ABC",
    providers = "GitHubOAuth",
    role = "admin"
)]
#[get("/admin")]
fn admin() -> &'static str {
    "admin"
}

fn main() {
    let _rocket = rocket::build()
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![home, admin]);
}

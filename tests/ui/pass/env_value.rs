#![deny(warnings)]

// `env!` is re-emitted for rustc to expand. PATH is set wherever the tests build; its value would be
// refused at launch, but this case only proves that the expansion compiles.

use rocket::{get, routes};
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = env!("PATH"))]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    profile.email.clone()
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = std::env!("PATH"))]
#[get("/settings")]
fn settings(profile: Profile) -> String {
    profile.email.clone()
}

fn main() {
    let _rocket = rocket::build()
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![dashboard, settings]);
}

#![deny(warnings)]

use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[rocket::get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    profile.email.clone()
}

fn main() {
    let _rocket = rocket::build()
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", rocket::routes![dashboard]);
}

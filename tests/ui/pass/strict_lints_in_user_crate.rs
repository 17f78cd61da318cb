//! A crate with strict lints, and unsafe code forbidden: the generated items must trip none of them.

#![forbid(unsafe_code)]
#![deny(warnings, missing_docs, unused_qualifications, unused_results, unreachable_pub)]

use rocket::{get, routes};
use rocket_workos_sso::{workos_sso, Profile};

/// A documented, public handler.
#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC", role = "admin")]
#[get("/dashboard")]
pub fn dashboard(profile: Profile) -> String {
    profile.email.clone()
}

fn main() {
    let _rocket = rocket::build()
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![dashboard]);
}

#![deny(warnings)]

// Two handlers side by side, each with its own organization, and a same-named handler in another module:
// the generated items must not clash.

use rocket::{get, routes};
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(
    redirect_uri = "http://localhost:8000/callback",
    client_id = "client_01ABC",
    organization = "org_01ACME"
)]
#[get("/acme")]
fn acme(profile: Profile) -> String {
    profile.email.clone()
}

#[workos_sso(
    redirect_uri = "http://localhost:8000/callback",
    client_id = "client_01ABC",
    organization = "org_01GLOBEX"
)]
#[get("/globex")]
fn globex(profile: Profile) -> String {
    profile.email.clone()
}

mod admin {
    use rocket::get;
    use rocket_workos_sso::{workos_sso, Profile};

    #[workos_sso(
        redirect_uri = "http://localhost:8000/callback",
        client_id = "client_01ABC",
        organization = "org_01ACME",
        role = "admin"
    )]
    #[get("/acme")]
    pub fn acme(profile: Profile) -> String {
        format!("Hello, {}", profile.email)
    }
}

fn main() {
    let _rocket = rocket::build()
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![acme, globex])
        .mount("/admin", routes![admin::acme]);
}

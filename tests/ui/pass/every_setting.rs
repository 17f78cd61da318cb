#![deny(warnings)]

use rocket::{get, routes};
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(
    redirect_uri = "https://app.example.com/callback",
    client_id = "client_01ABC",
    organization = "org_01ABC",
    domain_hint = "example.com",
    login_hint = "ada@example.com",
    provider_scopes = ["openid", "email"],
    role = "admin",
    groups = ["Ops", "Engineering"],
    allow_idp_initiated = true,
)]
#[get("/everything")]
fn everything(profile: Profile) -> String {
    profile.email.clone()
}

#[workos_sso(
    redirect_uri = "https://app.example.com/callback",
    project = "project_01ABC",
    provider = "GitHubOAuth",
    provider_scopes = "read:org",
    groups = "Ops",
    allow_idp_initiated = false,
)]
#[get("/legacy")]
fn legacy_project_id(profile: Profile) -> String {
    profile.email.clone()
}

#[workos_sso(
    redirect_uri = "https://app.example.com/callback",
    client_id = "client_01ABC",
    connection = "conn_01ABC",
    allow_idp_initiated = true,
)]
#[get("/connection")]
fn pinned_connection(profile: Profile) -> String {
    profile.email.clone()
}

fn main() {
    let _rocket = rocket::build()
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![everything, legacy_project_id, pinned_connection]);
}

use rocket::get;
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(client_id = env(WORKOS_CLIENT_ID), redirect_uri = env("A", "B"))]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    format!("Hello, {}", profile.email)
}

fn main() {}

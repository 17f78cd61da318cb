use rocket::get;
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(
    redirect_uri = "https://app.example.com/callback",
    client_id = "client_01ABC",
    connection = "org_01ABC",
)]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    format!("Hello, {}", profile.email)
}

fn main() {}

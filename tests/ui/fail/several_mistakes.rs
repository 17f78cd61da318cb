use rocket::get;
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(
    redirect_url = "https://app.example.com/callback",
    client_id = "org_01ABC",
    organization = "org_01ABC",
    provider = "Okta",
    role = 3,
    api_key = "sk_test_a1b2c3",
)]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    format!("Hello, {}", profile.email)
}

fn main() {}

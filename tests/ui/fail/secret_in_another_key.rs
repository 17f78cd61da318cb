use rocket::get;
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(
    redirect_uri = "https://app.example.com/callback",
    client_id = "client_01ABC",
    login_hint = "sk_test_a1b2c3",
)]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    format!("Hello, {}", profile.email)
}

fn main() {}

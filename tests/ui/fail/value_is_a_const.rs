use rocket::get;
use rocket_workos_sso::{workos_sso, Profile};

const CLIENT_ID: &str = "client_01ABC";

#[workos_sso(redirect_uri = "https://app.example.com/callback", client_id = CLIENT_ID)]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    format!("Hello, {}", profile.email)
}

fn main() {
    let _ = CLIENT_ID;
}

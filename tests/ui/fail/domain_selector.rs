// `domain`, the seed guide's selector, is gone from WorkOS: the error says what replaced it.

use rocket::get;
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(
    redirect_uri = "http://localhost:8000/callback",
    client_id = "client_01ABC",
    domain = "example.com"
)]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    profile.email.clone()
}

fn main() {}

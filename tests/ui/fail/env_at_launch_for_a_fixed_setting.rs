use rocket::get;
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(role = env("ADMIN_ROLE"), groups = ["Ops", env("OPS_GROUP")])]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    format!("Hello, {}", profile.email)
}

fn main() {}

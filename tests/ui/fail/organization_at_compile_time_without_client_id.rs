use rocket::get;
use rocket_workos_sso::{workos_sso, Profile};

// An organization fixed at compile time belongs to one WorkOS environment, so its client id and
// redirect URI are written with it; read at launch with env("..."), it may use the application's.
#[workos_sso(organization = env!("PATH"))]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    format!("Hello, {}", profile.email)
}

fn main() {}

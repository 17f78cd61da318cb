#![deny(warnings)]

// A handler that takes `Profile` keeps the signature its author wrote, so Rust code (a unit test, another
// handler) can call it directly.

use rocket::{get, routes};
use rocket_workos_sso::{testing, workos_sso, Profile};

#[workos_sso(
    redirect_uri = "http://localhost:8000/callback",
    client_id = "client_01ABC",
    organization = "org_01ABC"
)]
#[get("/greeting/<name>")]
fn greeting(name: &str, profile: Profile) -> String {
    format!("Hello {name}, signed in as {}", profile.email)
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/dashboard")]
async fn dashboard(profile: Profile) -> String {
    greeting("dashboard", profile)
}

fn main() {
    let reply = greeting("Dana", testing::profile("dana@example.com"));
    assert_eq!(reply, "Hello Dana, signed in as dana@example.com");
    let _rocket = rocket::build()
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![greeting, dashboard]);
}

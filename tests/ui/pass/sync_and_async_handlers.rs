#![deny(warnings)]

use rocket::{get, routes};
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/sync")]
fn sync_handler(profile: Profile) -> String {
    profile.email.clone()
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/async")]
async fn async_handler(profile: Profile) -> String {
    profile.email.clone()
}

fn main() {
    let _rocket = rocket::build()
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![sync_handler, async_handler]);
}

#![deny(warnings)]

// A handler that never names `Profile` is still protected: the attribute adds its own guard.

use rocket::{get, routes};
use rocket_workos_sso::workos_sso;

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/admin")]
fn admin() -> &'static str {
    "only for signed-in users"
}

fn main() {
    let _rocket = rocket::build()
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![admin]);
}

#![deny(warnings)]

// `pub`, `pub(crate)` and private handlers, in and out of modules: no `private_interfaces` or
// dead-code warning from the generated items.

use rocket::routes;

pub mod handlers {
    use rocket::get;
    use rocket_workos_sso::{workos_sso, Profile};

    #[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
    #[get("/public")]
    pub fn public(profile: Profile) -> String {
        format!("Hello, {}", profile.email)
    }

    #[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
    #[get("/crate")]
    pub(crate) fn crate_visible(profile: Profile) -> String {
        format!("Hello, {}", profile.email)
    }

    #[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
    #[get("/private")]
    fn private(profile: Profile) -> String {
        format!("Hello, {}", profile.email)
    }

    pub fn routes() -> Vec<rocket::Route> {
        rocket::routes![private]
    }
}

fn main() {
    let _rocket = rocket::build()
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![handlers::public, handlers::crate_visible])
        .mount("/", handlers::routes());
}

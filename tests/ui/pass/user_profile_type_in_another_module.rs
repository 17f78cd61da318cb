#![deny(warnings)]

// An application's own type named `Profile`, in its own module, compiles next to the attribute: written
// with its module path it is an ordinary guard of the handler (which then gets the attribute's hidden
// guard), while this crate's `Profile`, written alone, keeps its handler's signature.

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{get, routes};
use rocket_workos_sso::{workos_sso, Profile};

mod models {
    /// The app's own profile record, loaded from its database.
    pub struct Profile {
        pub display_name: String,
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for models::Profile {
    type Error = ();

    async fn from_request(_: &'r Request<'_>) -> Outcome<Self, ()> {
        Outcome::Success(models::Profile {
            display_name: "From the database".into(),
        })
    }
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/settings")]
fn settings(record: models::Profile) -> String {
    record.display_name
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/both")]
fn both(profile: Profile, record: models::Profile) -> String {
    format!("{} {}", profile.email, record.display_name)
}

fn main() {
    let _rocket = rocket::build()
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![settings, both]);
}

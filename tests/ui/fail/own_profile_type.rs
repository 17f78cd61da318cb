// A handler's own type named `Profile`, written alone, is taken for this crate's (whose guard protects
// the handler): the attribute checks that it is, and says how to use the app's own type instead. Here
// the app's type is even a request guard of its own, so that check is the only error.

use rocket::get;
use rocket::request::{FromRequest, Outcome, Request};
use rocket_workos_sso::workos_sso;

struct Profile {
    name: String,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Profile {
    type Error = ();

    async fn from_request(_: &'r Request<'_>) -> Outcome<Self, ()> {
        Outcome::Success(Profile { name: "from the app".into() })
    }
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/mine")]
fn mine(profile: Profile) -> String {
    profile.name
}

fn main() {}

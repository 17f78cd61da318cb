// A handler's own type named `Profile`, written alone, is taken for this crate's (whose guard protects
// the handler): the attribute checks that it is, and says how to use the app's own type instead.

use rocket::get;
use rocket_workos_sso::workos_sso;

struct Profile {
    name: String,
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[get("/mine")]
fn mine(profile: Profile) -> String {
    profile.name
}

fn main() {}

// A handler's own type named `Profile` is not ours: the attribute binds its `Profile` parameter from the
// sign-in guard, so the mismatch is reported at the parameter's type.

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

// `providers` opens a handler without a pin to OAuth sign-ins; next to `organization` it means nothing,
// and a misspelt provider is refused like `provider`'s.

use rocket::get;
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(
    redirect_uri = "http://localhost:8000/callback",
    client_id = "client_01ABC",
    organization = "org_01ABC",
    providers = ["GoogleOAuth"]
)]
#[get("/pinned")]
fn pinned(profile: Profile) -> String {
    profile.email.clone()
}

#[workos_sso(
    redirect_uri = "http://localhost:8000/callback",
    client_id = "client_01ABC",
    providers = ["GoogleOAuth", "Github"]
)]
#[get("/misspelt")]
fn misspelt(profile: Profile) -> String {
    profile.email.clone()
}

fn main() {}

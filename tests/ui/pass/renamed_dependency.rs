#![deny(warnings)]

// An app that renames the dependency (`sso = { package = "rocket-workos-sso" }` in Cargo.toml) says where
// the crate is with `crate = "sso"`. Here the rename is made with `extern crate ... as`, which puts `sso`
// in the extern prelude exactly as the Cargo.toml rename does; the macro's own tests check that the
// expansion names no other path.

extern crate rocket_workos_sso as sso;

use rocket::{get, routes};
use sso::{workos_sso, Profile};

#[workos_sso(
    redirect_uri = "http://localhost:8000/callback",
    client_id = "client_01ABC",
    crate = "sso"
)]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    profile.email.clone()
}

#[workos_sso(
    redirect_uri = "http://localhost:8000/callback",
    client_id = "client_01ABC",
    role = "admin",
    crate = sso
)]
#[get("/admin")]
fn admin(who: sso::Profile) -> String {
    who.email.clone()
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC", crate = "sso")]
#[get("/status")]
fn status() -> &'static str {
    "signed in"
}

fn main() {
    let _rocket = rocket::build()
        .attach(sso::WorkosSso::fairing())
        .mount("/", routes![dashboard, admin, status]);
}

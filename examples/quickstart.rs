//! The WorkOS SSO guide's flow in Rocket: a home page with a "Sign in with SSO" button, a protected page
//! showing who signed in, and sign-out.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With no WorkOS keys set it runs against the embedded emulator: open http://127.0.0.1:8000, sign in and
//! pick a user on the Test Identity Provider page. To use WorkOS, set `WORKOS_API_KEY`,
//! `WORKOS_CLIENT_ID`, `WORKOS_ORGANIZATION_ID` and `WORKOS_REDIRECT_URI` (all read at launch, so one
//! `cargo build --release` runs in staging and in production), and allowlist the redirect URI on the
//! WorkOS dashboard's Redirects page.

use rocket::fairing::AdHoc;
use rocket::response::content::RawHtml;
use rocket::{catchers, get, launch, routes};
use rocket_workos_sso::{workos_sso, Profile, WorkosSso};

mod common;
use common::{escape, page, EMULATOR_CLIENT_ID, EXAMPLE_CORP, LOCAL_REDIRECT_URI, SIGN_OUT};

#[get("/")]
fn home(profile: Option<Profile>) -> RawHtml<String> {
    let body = match profile {
        Some(profile) => format!(
            "<p>Signed in as <strong>{}</strong>.</p><p><a class=\"button\" href=\"/profile\">See your profile</a></p>{SIGN_OUT}",
            escape(&profile.email)
        ),
        None => "<p>Sign in with your company's identity provider.</p>\
                 <p><a class=\"button\" href=\"/profile\">Sign in with SSO</a></p>"
            .to_owned(),
    };
    page("Rocket + WorkOS SSO", &body)
}

/// The application's sign-in (client id, redirect URI, organization) is read at launch, so the attribute
/// needs no settings.
#[workos_sso]
#[get("/profile")]
fn profile(profile: Profile) -> RawHtml<String> {
    let name = profile.name.clone().unwrap_or_else(|| {
        [profile.first_name.as_deref(), profile.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    });
    let groups = if profile.groups.is_empty() {
        "none".to_owned()
    } else {
        profile.groups.join(", ")
    };
    let rows = [
        ("Name", name),
        ("Email", profile.email.clone()),
        (
            "Organization",
            profile
                .organization_id
                .clone()
                .unwrap_or_else(|| "none".to_owned()),
        ),
        ("Connection type", profile.connection_type.to_string()),
        ("Groups", groups),
    ];
    let rows: String = rows
        .iter()
        .map(|(label, value)| {
            format!(
                "<tr><th>{label}</th><td id=\"{}\">{}</td></tr>",
                id_of(label),
                escape(value)
            )
        })
        .collect();
    let body = format!("<table>{rows}</table><p><a href=\"/\">Home</a></p>{SIGN_OUT}");
    page("Your profile", &body)
}

fn id_of(label: &str) -> String {
    label.to_lowercase().replace(' ', "-")
}

#[launch]
fn rocket() -> _ {
    rocket::custom(common::figment(&[
        EMULATOR_CLIENT_ID,
        LOCAL_REDIRECT_URI,
        EXAMPLE_CORP,
    ]))
    .attach(WorkosSso::fairing())
    .attach(AdHoc::on_liftoff("Quickstart banner", |rocket| {
            Box::pin(async move {
                let config = rocket.config();
                let backend = match WorkosSso::emulator(rocket) {
                    Some(emulator) => format!("the embedded WorkOS emulator at {}", emulator.base_url()),
                    None => "WorkOS".to_owned(),
                };
                println!(
                    "\nQuickstart: open http://{}:{}/ and click \"Sign in with SSO\" (signing in through {backend}).\n",
                    config.address, config.port
                );
            })
        }))
        .mount("/", routes![home, profile])
        .register("/", catchers![common::not_found])
}

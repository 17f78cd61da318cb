//! Server-side sessions on Redis: sign out everywhere, "sign out my other devices", and an
//! administrator ending every session of their organization, on every instance of the app.
//!
//! ```text
//! redis-server --port 6379 &
//! WORKOS_SESSION_STORE=redis://127.0.0.1:6379/0 cargo run --example sessions
//! ```
//!
//! Run two copies on two ports with the same `ROCKET_SECRET_KEY` and the same store, and a session
//! started on one is served, ended and revoked on both.
//!
//! Access that follows the customer's directory: with `WORKOS_EVENTS_POLL_INTERVAL_MS=1000` each copy
//! reads WorkOS's Directory Sync events every second (one shared cursor in Redis), and someone removed or
//! deactivated in the customer's identity provider is signed out of every copy within that second. On
//! the emulator, play the IT admin with its control endpoint (its address is in the launch log):
//!
//! ```text
//! curl -X POST http://127.0.0.1:EMULATOR_PORT/__emulator/directory_users/deprovision \
//!      -H 'Content-Type: application/json' -d '{"email": "alice@example.com"}'
//! ```
//!
//! Every sign-in, refusal, failure, sign-out, revocation and deprovisioning is printed as one line of
//! JSON starting `audit:`, as an application would write its audit table (`WorkosSso::on_audit`). Without `WORKOS_SESSION_STORE` the sessions are
//! stateless cookies and the revocation buttons answer that they need a store. Any customer
//! organization signs in here (no pin): open `/sso/login?organization=org_…`, or the profile page,
//! which asks for a work email.

use rocket::fairing::AdHoc;
use rocket::http::Status;
use rocket::response::content::RawHtml;
use rocket::{catchers, get, launch, post, routes};
use rocket_workos_sso::{workos_sso, Profile, Revocation, WorkosSso};

mod common;
use common::{escape, page, EMULATOR_CLIENT_ID, LOCAL_REDIRECT_URI, SIGN_OUT};

/// The signed-in user and their organization, as the two-instance tests read them.
#[workos_sso]
#[get("/profile")]
fn profile(profile: Profile) -> RawHtml<String> {
    let organization = profile.organization_id.as_deref().unwrap_or("none");
    let body = format!(
        "<p id=\"who\">{}|{}</p>\
         <form method=\"post\" action=\"/sessions/others\"><button>Sign out my other devices</button></form>\
         <form method=\"post\" action=\"/organization/sessions\"><button>Sign out everyone in my \
         organization</button></form>{SIGN_OUT}",
        escape(&profile.email),
        escape(organization),
    );
    page("Your sessions", &body)
}

/// Ends every other session of the signed-in user, on every instance.
#[workos_sso]
#[post("/sessions/others")]
async fn sign_out_others(_profile: Profile, store: Revocation) -> (Status, String) {
    match store.revoke_other_sessions().await {
        Ok(ended) => (Status::Ok, format!("ended {ended}")),
        Err(error) => (Status::ServiceUnavailable, error.to_string()),
    }
}

/// An administrator ends every session of their organization, their own included.
#[workos_sso(role = "admin")]
#[post("/organization/sessions")]
async fn sign_out_organization(profile: Profile, store: Revocation) -> (Status, String) {
    let Some(organization) = profile.organization_id.as_deref() else {
        return (Status::Forbidden, "no organization".to_owned());
    };
    match store.revoke_organization(organization).await {
        Ok(ended) => (Status::Ok, format!("ended {ended}")),
        Err(error) => (Status::ServiceUnavailable, error.to_string()),
    }
}

#[launch]
fn rocket() -> _ {
    rocket::custom(common::figment(&[EMULATOR_CLIENT_ID, LOCAL_REDIRECT_URI]))
        .attach(WorkosSso::fairing().single_logout().on_audit(|event| {
            // An application would insert this into its audit table; this example prints it.
            println!(
                "audit: {}",
                serde_json::to_string(event).unwrap_or_default()
            );
        }))
        .attach(AdHoc::on_liftoff("Sessions banner", |rocket| {
            Box::pin(async move {
                let store = match Revocation::of(rocket) {
                    Some(store) if store.is_server_side() => "on the session store",
                    _ => "in stateless cookies (set WORKOS_SESSION_STORE to use Redis)",
                };
                let config = rocket.config();
                println!(
                    "\nSessions: open http://{}:{}/profile; sessions live {store}.\n",
                    config.address, config.port
                );
            })
        }))
        .mount(
            "/",
            routes![profile, sign_out_others, sign_out_organization],
        )
        .register("/", catchers![common::not_found])
}

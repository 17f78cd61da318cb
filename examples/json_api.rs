//! An API and a browser page in one app. Unauthenticated API calls get `401` with a JSON body naming the
//! login URL (never a redirect), a browser gets sent to sign in, and a role-protected endpoint answers
//! `403` JSON to users without the role.
//!
//! ```text
//! cargo run --example json_api
//! curl -i http://127.0.0.1:8000/api/me            # 401 {"error":"unauthenticated",...}
//! ```
//!
//! Sign in at http://127.0.0.1:8000/ in a browser, then the same browser can call `/api/me`. Against the
//! emulator, Alice is an `admin` and may call `/api/admin/audit`; Bob is a `member` and may not.

use rocket::serde::json::{json, Json, Value};
use rocket::{catchers, get, launch, routes};
use rocket_workos_sso::{workos_sso, Profile, WorkosSso};

mod common;
use common::{escape, page, EMULATOR_CLIENT_ID, EXAMPLE_CORP, LOCAL_REDIRECT_URI, SIGN_OUT};

#[get("/")]
fn home(profile: Option<Profile>) -> rocket::response::content::RawHtml<String> {
    let body = match profile {
        Some(profile) => format!(
            "<p>Signed in as <strong>{}</strong>. Try <a href=\"/api/me\">/api/me</a> and \
             <a href=\"/api/admin/audit\">/api/admin/audit</a>.</p>{SIGN_OUT}",
            escape(&profile.email)
        ),
        None => "<p><a class=\"button\" href=\"/dashboard\">Sign in with SSO</a></p>".to_owned(),
    };
    page("JSON API example", &body)
}

/// The browser page that starts a sign-in. The client id, redirect URI and organization are the
/// application's, read at launch (WORKOS_CLIENT_ID, WORKOS_REDIRECT_URI, WORKOS_ORGANIZATION_ID).
#[workos_sso]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> rocket::response::content::RawHtml<String> {
    page(
        "Dashboard",
        &format!("<p>Hello {}.</p>{SIGN_OUT}", escape(&profile.email)),
    )
}

/// Who is calling, as JSON.
#[workos_sso]
#[get("/api/me")]
fn me(profile: Profile) -> Json<Value> {
    Json(json!({
        "id": profile.id,
        "email": profile.email,
        "organization_id": profile.organization_id,
        "role": profile.role.as_ref().map(|role| &role.slug),
    }))
}

/// Admins only: the attribute checks the role before the handler runs.
#[workos_sso(role = "admin")]
#[get("/api/admin/audit")]
fn audit() -> Json<Value> {
    Json(json!({ "events": [] }))
}

#[launch]
fn rocket() -> _ {
    rocket::custom(common::figment(&[
        EMULATOR_CLIENT_ID,
        LOCAL_REDIRECT_URI,
        EXAMPLE_CORP,
    ]))
    .attach(WorkosSso::fairing())
    .mount("/", routes![home, dashboard, me, audit])
    .register("/", catchers![common::not_found])
}

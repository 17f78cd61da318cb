//! Several customer organizations in one app: a handler without a pinned organization admits a user of
//! any customer organization. Sent to sign in, the browser gets the library's page asking for a work
//! email; its domain finds the organization through WorkOS's Organizations API, and SSO starts with it.
//! The app keeps no table of customers. One page is open to every organization; another belongs to
//! Example Corp alone and refuses everyone else.
//!
//! ```text
//! cargo run --example multi_tenant
//! ```
//!
//! Against the embedded emulator, try `alice@example.com` (Example Corp) and `hank@globex.test` (Globex).
//! With WorkOS, each customer's verified domains on the WorkOS dashboard are what the email page finds.

use rocket::http::Status;
use rocket::response::content::RawHtml;
use rocket::response::Redirect;
use rocket::{get, launch, routes};
use rocket_workos_sso::client::{PortalIntent, PortalLinkRequest};
use rocket_workos_sso::{workos_sso, Profile, WorkosClient, WorkosSso};

mod common;
use common::{escape, page, SIGN_OUT};

#[get("/")]
fn home(profile: Option<Profile>) -> RawHtml<String> {
    let body = match profile {
        Some(profile) => format!(
            "<p>Signed in as <strong>{}</strong>.</p><p><a class=\"button\" href=\"/workspace\">Open your \
             workspace</a></p>{SIGN_OUT}",
            escape(&profile.email)
        ),
        None => "<p>Each customer signs in with their own company's identity provider.</p>\
                 <p><a class=\"button\" href=\"/workspace\">Sign in with SSO</a></p>"
            .to_owned(),
    };
    page("Acme Analytics", &body)
}

/// Open to a user of any organization this app serves.
#[workos_sso(redirect_uri = "http://127.0.0.1:8000/callback", client_id = env!("WORKOS_CLIENT_ID"))]
#[get("/workspace")]
fn workspace(profile: Profile) -> RawHtml<String> {
    // An unpinned handler admits only profiles of an organization, so there always is one.
    let organization = profile.organization_id.as_deref().unwrap_or_default();
    page(
        "Your workspace",
        &format!(
            "<p id=\"welcome\">Welcome, {} from <strong id=\"organization\">{}</strong>.</p>\
             <p><a href=\"/example-corp/reports\">Example Corp reports</a></p>\
             <p><a href=\"/settings/sso\">Set up SSO for your organization</a></p>{SIGN_OUT}",
            escape(&profile.email),
            escape(organization)
        ),
    )
}

/// Example Corp's alone: a user signed in through another organization gets a 403 page.
#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = env!("WORKOS_CLIENT_ID"),
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[get("/example-corp/reports")]
fn example_corp_reports(profile: Profile) -> RawHtml<String> {
    page(
        "Example Corp reports",
        &format!(
            "<p id=\"reports\">Quarterly reports for {}.</p>",
            escape(&profile.email)
        ),
    )
}

/// "Set up SSO for your organization": the signed-in user's organization opens WorkOS's Admin Portal,
/// through the fairing's own WorkOS client. (A real app would require an admin `role` here.)
#[workos_sso(redirect_uri = "http://127.0.0.1:8000/callback", client_id = env!("WORKOS_CLIENT_ID"))]
#[get("/settings/sso")]
async fn set_up_sso(profile: Profile, workos: &WorkosClient) -> Result<Redirect, Status> {
    let organization = profile.organization_id.clone().ok_or(Status::Forbidden)?;
    let request = PortalLinkRequest::new(organization, PortalIntent::Sso)
        .return_url("http://127.0.0.1:8000/workspace");
    match workos.generate_portal_link(&request).await {
        Ok(link) => Ok(Redirect::to(link.expose().to_owned())),
        Err(_) => Err(Status::BadGateway),
    }
}

#[launch]
fn rocket() -> _ {
    rocket::build().attach(WorkosSso::fairing()).mount(
        "/",
        routes![home, workspace, example_corp_reports, set_up_sso],
    )
}

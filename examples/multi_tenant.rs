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
//! Every id is read at launch: WORKOS_CLIENT_ID, WORKOS_REDIRECT_URI and, for the Example Corp page,
//! EXAMPLE_CORP_ORGANIZATION_ID. (WORKOS_ORGANIZATION_ID would pin the whole app to one organization,
//! so this app leaves it unset.)

use rocket::fairing::AdHoc;
use rocket::http::Status;
use rocket::request::Request;
use rocket::response::content::RawHtml;
use rocket::response::Redirect;
use rocket::{catchers, get, launch, routes, Build, Rocket};
use rocket_workos_sso::client::{PortalIntent, PortalLinkRequest};
use rocket_workos_sso::{workos_sso, Profile, WorkosClient, WorkosSso};

mod common;
use common::{escape, page, EMULATOR_CLIENT_ID, LOCAL_REDIRECT_URI, SIGN_OUT};

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
#[workos_sso]
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

/// Example Corp's alone: everything under `/example-corp/` belongs to that organization (the tenant
/// resolver below says so), so a user signed in through another one gets a 403 page.
#[workos_sso]
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
#[workos_sso]
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
    app()
}

fn app() -> Rocket<Build> {
    // Example Corp's id differs between WorkOS environments, so it is read at launch too; without it
    // the Example Corp page would belong to nobody in particular, so the app does not start.
    let Some(example_corp) = common::setting(
        "EXAMPLE_CORP_ORGANIZATION_ID",
        rocket_workos_sso::emulator::EXAMPLE_ORG_ID,
    ) else {
        return rocket::build().attach(AdHoc::try_on_ignite("Example Corp", |rocket| async {
            eprintln!("multi_tenant cannot start: set EXAMPLE_CORP_ORGANIZATION_ID to Example Corp's org_... id");
            Err(rocket)
        }));
    };
    let tenant = move |request: &Request<'_>| {
        let path = request.uri().path();
        (path == "/example-corp" || path.starts_with("/example-corp/"))
            .then(|| example_corp.clone())
    };
    rocket::custom(common::figment(&[EMULATOR_CLIENT_ID, LOCAL_REDIRECT_URI]))
        .attach(WorkosSso::fairing().tenant(tenant))
        .mount(
            "/",
            routes![home, workspace, example_corp_reports, set_up_sso],
        )
        .register("/", catchers![common::not_found])
}

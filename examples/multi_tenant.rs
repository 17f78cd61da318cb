//! Several customer organizations in one app: a handler without a pinned organization admits a user of
//! any customer organization. Sent to sign in, the browser gets the library's page asking for a work
//! email; its domain finds the organization through WorkOS's Organizations API, and SSO starts with it.
//! The app keeps no table of customers for signing in. One page is open to every organization; the
//! pages under `/example-corp/` belong to Example Corp alone and refuse everyone else: the library's
//! path resolver (`TenantPaths`) names the tenant from the path as Rocket routes it, so no spelling of
//! the path (`//example-corp/reports`, `/example%2Dcorp/reports`) reaches them as another tenant. Each
//! tenant's notes page takes the `Tenant` guard, the tenant the library checked. Setting up SSO (the
//! Admin Portal) takes the `admin` role.
//!
//! ```text
//! cargo run --example multi_tenant
//! ```
//!
//! Against the embedded emulator, try `alice@example.com` (Example Corp, admin), `bob@example.com`
//! (Example Corp, member) and `hank@globex.test` (Globex).
//! With WorkOS, each customer's verified domains on the WorkOS dashboard are what the email page finds.
//! Every id is read at launch: WORKOS_CLIENT_ID, WORKOS_REDIRECT_URI and, for the Example Corp page,
//! EXAMPLE_CORP_ORGANIZATION_ID. (WORKOS_ORGANIZATION_ID would pin the whole app to one organization,
//! so this app leaves it unset.)

use rocket::fairing::AdHoc;
use rocket::http::Status;
use rocket::response::content::RawHtml;
use rocket::response::Redirect;
use rocket::{catchers, get, launch, routes, Build, Rocket};
use rocket_workos_sso::client::{PortalIntent, PortalLinkRequest};
use rocket_workos_sso::tenant::{Tenant, TenantPaths};
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
             <p><a href=\"/example-corp/notes\">Example Corp notes</a></p>\
             <p><a href=\"/settings/sso\">Set up SSO for your organization</a></p>{SIGN_OUT}",
            escape(&profile.email),
            escape(organization)
        ),
    )
}

/// Example Corp's alone: the tenant resolver below says the pages under `/example-corp/` are Example
/// Corp's, so a user signed in through another organization gets a 403 page.
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

/// Each tenant's notes, at `/<tenant>/notes`. The handler reads the tenant from the `Tenant` guard, the
/// one the `Profile` guard checked the session against, never from the path: so it cannot pick
/// another tenant's notes than the one whose users were admitted. A path naming no tenant is 404.
#[workos_sso]
#[get("/<_>/notes")]
fn notes(tenant: Tenant, profile: Profile) -> RawHtml<String> {
    let notes = match tenant.name() {
        "example-corp" => "Board meeting moved to Thursday.",
        _ => "No notes yet.",
    };
    page(
        "Notes",
        &format!(
            "<p id=\"notes\">{} (tenant {}, for {})</p>",
            escape(notes),
            escape(tenant.name()),
            escape(&profile.email)
        ),
    )
}

/// "Set up SSO for your organization": the signed-in admin's organization opens WorkOS's Admin Portal,
/// through the fairing's own WorkOS client. Only the `admin` role may: whoever sets up SSO chooses who
/// can sign in as anyone of the organization.
#[workos_sso(role = "admin")]
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

/// The application, also run by the tests (`tests/tests/security_tenant_resolvers.rs`).
pub fn app() -> Rocket<Build> {
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
    // A path whose first segment is `example-corp` is Example Corp's, as Rocket routes it (decoded,
    // empty segments skipped, case-sensitive); every other path has no tenant.
    let tenants = TenantPaths::new().tenant("example-corp", example_corp);
    rocket::custom(common::figment(&[EMULATOR_CLIENT_ID, LOCAL_REDIRECT_URI]))
        .attach(WorkosSso::fairing().tenant(tenants))
        .mount(
            "/",
            routes![home, workspace, example_corp_reports, notes, set_up_sso],
        )
        .register("/", catchers![common::not_found])
}

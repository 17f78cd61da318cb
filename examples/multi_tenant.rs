//! Several customer organizations in one app: the user types their work email, the app finds their
//! organization by email domain and starts SSO with it. One page is open to every organization; another
//! belongs to Example Corp alone and refuses everyone else.
//!
//! ```text
//! cargo run --example multi_tenant
//! ```
//!
//! Against the embedded emulator, try `alice@example.com` (Example Corp) and `hank@globex.test` (Globex).
//! In a real app the tenants come from your database: the organization id of each customer, as WorkOS
//! shows it, and the email domains it has verified.

use rocket::http::Status;
use rocket::response::content::RawHtml;
use rocket::response::Redirect;
use rocket::{get, launch, routes};
use rocket_workos_sso::{workos_sso, Profile, WorkosSso};

mod common;
use common::{escape, page, SIGN_OUT};

/// A customer organization: its name, its WorkOS organization id and its email domain.
struct Tenant {
    name: &'static str,
    organization_id: &'static str,
    domain: &'static str,
}

/// The emulator's seeded organizations; replace them with your customers.
const TENANTS: &[Tenant] = &[
    Tenant {
        name: "Example Corp",
        organization_id: "org_01JH3E28JT97KB6CQ643DZVMXX",
        domain: "example.com",
    },
    Tenant {
        name: "Globex",
        organization_id: "org_01JHS3C4DWA7N36096Q14DR9GP",
        domain: "globex.test",
    },
];

fn tenant_for_email(email: &str) -> Option<&'static Tenant> {
    let domain = email.trim().rsplit_once('@')?.1.to_ascii_lowercase();
    TENANTS.iter().find(|tenant| tenant.domain == domain)
}

fn tenant_by_id(organization_id: Option<&str>) -> Option<&'static Tenant> {
    TENANTS
        .iter()
        .find(|tenant| Some(tenant.organization_id) == organization_id)
}

#[get("/")]
fn home(profile: Option<Profile>) -> RawHtml<String> {
    let body = match profile {
        Some(profile) => format!(
            "<p>Signed in as <strong>{}</strong>.</p><p><a class=\"button\" href=\"/workspace\">Open your \
             workspace</a></p>{SIGN_OUT}",
            escape(&profile.email)
        ),
        None => "<form method=\"get\" action=\"/sign-in\"><p><label for=\"email\">Work email</label></p>\
                 <input id=\"email\" name=\"email\" type=\"email\" required placeholder=\"you@company.com\">\
                 <button type=\"submit\">Continue with SSO</button></form>"
            .to_owned(),
    };
    page("Acme Analytics", &body)
}

/// Picks the organization from the email's domain and starts SSO with it. Only the domain chooses the
/// identity provider; who signed in is decided by WorkOS, and the organization is checked on return.
#[get("/sign-in?<email>")]
fn sign_in(email: &str) -> Result<Redirect, (Status, RawHtml<String>)> {
    match tenant_for_email(email) {
        Some(tenant) => Ok(Redirect::to(format!(
            "/sso/login?organization={}&return_to=%2Fworkspace",
            tenant.organization_id
        ))),
        None => Err((
            Status::NotFound,
            page(
                "No single sign-on for that address",
                &format!(
                    "<p>No organization here signs in with <strong>{}</strong>.</p><p><a href=\"/\">Try another \
                     email</a></p>",
                    escape(email)
                ),
            ),
        )),
    }
}

/// Open to a user of any organization this app serves.
#[workos_sso(redirect_uri = "http://127.0.0.1:8000/callback", client_id = env!("WORKOS_CLIENT_ID"))]
#[get("/workspace")]
fn workspace(profile: Profile) -> RawHtml<String> {
    let organization = tenant_by_id(profile.organization_id.as_deref())
        .map_or("an unknown organization", |t| t.name);
    page(
        "Your workspace",
        &format!(
            "<p id=\"welcome\">Welcome, {} from <strong id=\"organization\">{}</strong>.</p>\
             <p><a href=\"/example-corp/reports\">Example Corp reports</a></p>{SIGN_OUT}",
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

#[launch]
fn rocket() -> _ {
    rocket::build()
        .attach(WorkosSso::fairing())
        .mount("/", routes![home, sign_in, workspace, example_corp_reports])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_domain_picks_the_tenant_whatever_the_case() {
        assert_eq!(
            tenant_for_email("Hank@GLOBEX.test").map(|t| t.name),
            Some("Globex")
        );
        assert_eq!(
            tenant_for_email("alice@example.com").map(|t| t.name),
            Some("Example Corp")
        );
        assert!(tenant_for_email("mallory@evil.example").is_none());
        assert!(tenant_for_email("no-at-sign").is_none());
    }
}

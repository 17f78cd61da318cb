//! `GuardError` says why a guard failed: a handler that takes `Result<Profile, GuardError>` sees signed
//! out, forbidden (another tenant's user) and an unknown tenant apart, as the statuses of the guards do.

use rocket::http::Status;
use rocket::{get, routes, Build, Rocket};
use rocket_workos_sso::tenant::TenantPaths;
use rocket_workos_sso::testing::{self, SignedIn};
use rocket_workos_sso::{workos_sso, GuardError, Profile, WorkosSso};

const EXAMPLE: &str = "org_01JH3E28JT97KB6CQ643DZVMXX";
const GLOBEX: &str = "org_01JHS3C4DWA7N36096Q14DR9GP";

/// Answers the guard's outcome itself, as a page that must tell a store outage from signed out does.
#[get("/t/<_>/me")]
fn me(profile: Result<Profile, GuardError>) -> String {
    match profile {
        Ok(profile) => format!("signed in as {}", profile.email),
        Err(error) => format!("{error:?}"),
    }
}

#[workos_sso]
#[get("/t/<_>/page")]
fn page(profile: Profile) -> String {
    profile.email.clone()
}

fn rocket() -> Rocket<Build> {
    let figment = rocket::Config::figment()
        .merge(("log_level", "off"))
        .merge(("workos.api_key", "sk_test_unused_in_tests"))
        .merge(("workos.client_id", "client_01JHM9S346Q3D25VT4F5V37E3S"))
        .merge(("workos.redirect_uri", "http://127.0.0.1:8000/callback"));
    let tenants = TenantPaths::under("/t").tenant("example", EXAMPLE);
    rocket::custom(figment)
        .mount("/", routes![me, page])
        .attach(WorkosSso::fairing().tenant(tenants))
}

fn user_of(organization: &str) -> Profile {
    let mut profile = testing::profile("dana@example.com");
    profile.organization_id = Some(organization.into());
    profile
}

#[test]
fn each_refusal_has_its_own_error_and_status() {
    let client = rocket::local::blocking::Client::tracked(rocket()).unwrap();
    let body = |path: &str, who: Option<&Profile>| {
        let request = client.get(path.to_owned());
        let request = match who {
            Some(profile) => request.signed_in_as(profile),
            None => request,
        };
        request.dispatch().into_string().unwrap_or_default()
    };
    let example = user_of(EXAMPLE);
    let globex = user_of(GLOBEX);
    assert_eq!(
        body("/t/example/me", Some(&example)),
        "signed in as dana@example.com"
    );
    assert_eq!(body("/t/example/me", None), "SignedOut");
    assert_eq!(body("/t/example/me", Some(&globex)), "Forbidden");
    assert_eq!(body("/t/nobody/me", Some(&example)), "UnknownTenant");
    assert_eq!(body("/t/nobody/me", None), "UnknownTenant");

    // The plain guard fails with the status each error names.
    let status = |path: &str, who: &Profile| {
        client
            .get(path.to_owned())
            .signed_in_as(who)
            .dispatch()
            .status()
    };
    assert_eq!(status("/t/example/page", &example), Status::Ok);
    assert_eq!(status("/t/example/page", &globex), Status::Forbidden);
    assert_eq!(status("/t/nobody/page", &example), Status::NotFound);
}

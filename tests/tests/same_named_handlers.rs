//! Handlers of the same name in different modules: a handler that takes `Profile` is found from the route
//! Rocket matched (its name, then its method and path as Rocket normalizes them), so each gets its own
//! settings; a route that could be either of two (same name, method and path) refuses the launch.

use rocket::http::Status;
use rocket::local::blocking::Client;
use rocket::{routes, Build, Rocket};
use rocket_workos_sso::testing::{self, SignedIn};
use rocket_workos_sso::{Profile, WorkosSso};

const ACME: &str = "org_01ACMEACMEACMEACMEACMEACME";
const GLOBEX: &str = "org_01GLOBEXGLOBEXGLOBEXGLOBEX";

mod acme {
    use rocket::get;
    use rocket_workos_sso::{workos_sso, Profile};

    #[workos_sso(
        redirect_uri = "http://localhost:8000/callback",
        client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
        organization = "org_01ACMEACMEACMEACMEACMEACME"
    )]
    #[get("/acme/dashboard?<tab>")]
    pub fn dashboard(profile: Profile, tab: Option<&str>) -> String {
        format!("acme {}{}", profile.email, tab.unwrap_or_default())
    }

    #[workos_sso(
        redirect_uri = "http://localhost:8000/callback",
        client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
        organization = "org_01ACMEACMEACMEACMEACMEACME"
    )]
    #[get("/report")]
    pub fn report(profile: Profile) -> String {
        format!("acme report {}", profile.email)
    }
}

mod globex {
    use rocket::get;
    use rocket_workos_sso::{workos_sso, Profile};

    #[workos_sso(
        redirect_uri = "http://localhost:8000/callback",
        client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
        organization = "org_01GLOBEXGLOBEXGLOBEXGLOBEX"
    )]
    #[get("/globex/<page>")]
    pub fn dashboard(page: &str, profile: Profile) -> String {
        format!("globex {page} {}", profile.email)
    }

    #[workos_sso(
        redirect_uri = "http://localhost:8000/callback",
        client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
        organization = "org_01GLOBEXGLOBEXGLOBEXGLOBEX"
    )]
    #[get("/report")]
    pub fn report(profile: Profile) -> String {
        format!("globex report {}", profile.email)
    }
}

fn app(rocket: Rocket<Build>) -> Rocket<Build> {
    let figment = rocket::Config::figment()
        .merge(("log_level", "off"))
        .merge(("workos.api_key", "sk_test_unused_in_tests"));
    rocket.configure(figment).attach(WorkosSso::fairing())
}

fn member_of(org: &str) -> Profile {
    let mut profile = testing::profile("dana@example.com");
    profile.organization_id = Some(org.into());
    profile
}

#[test]
fn each_same_named_handler_applies_its_own_settings() {
    let rocket = app(rocket::build().mount("/", routes![acme::dashboard, globex::dashboard]));
    let client = Client::untracked(rocket).expect("the app launches");
    let get = |path: &str, org: &str| {
        let response = client.get(path).signed_in_as(&member_of(org)).dispatch();
        (
            response.status(),
            response.into_string().unwrap_or_default(),
        )
    };
    assert_eq!(
        get("/acme/dashboard?tab=x", ACME),
        (Status::Ok, "acme dana@example.comx".into())
    );
    assert_eq!(get("/acme/dashboard", GLOBEX).0, Status::Forbidden);
    assert_eq!(
        get("/globex/dashboard", GLOBEX),
        (Status::Ok, "globex dashboard dana@example.com".into())
    );
    assert_eq!(get("/globex/dashboard", ACME).0, Status::Forbidden);
    assert_eq!(
        client.get("/acme/dashboard").dispatch().status(),
        Status::Unauthorized,
        "nobody signed in"
    );
}

#[test]
fn same_named_handlers_no_guard_can_tell_apart_refuse_the_launch() {
    let rocket = app(rocket::build()
        .mount("/a", routes![acme::report])
        .mount("/b", routes![globex::report]));
    let Err(error) = Client::untracked(rocket) else {
        panic!("the launch is refused")
    };
    assert!(format!("{error:?}").contains("Sentinel"), "{error:?}");

    // Mounted alone, either is still a route no guard can attribute: both are compiled in.
    for rocket in [
        rocket::build().mount("/a", routes![acme::report]),
        rocket::build().mount("/b", routes![globex::report]),
    ] {
        let Err(error) = Client::untracked(app(rocket)) else {
            panic!("the launch is refused")
        };
        assert!(format!("{error:?}").contains("Profile"), "{error:?}");
    }
}

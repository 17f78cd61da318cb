#![deny(warnings)]

// Handlers that write no `redirect_uri` and `client_id` use the application's sign-in, configured once
// at launch (`[default.workos]` or WORKOS_CLIENT_ID / WORKOS_REDIRECT_URI / WORKOS_ORGANIZATION_ID). This case
// launches the app with those settings and checks that every handler sends a browser to sign in with
// them.

use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, routes};
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso]
#[get("/dashboard")]
fn dashboard(profile: Profile) -> String {
    profile.email.clone()
}

#[workos_sso(role = "admin")]
#[get("/admin")]
fn admin(profile: Profile) -> String {
    profile.email.clone()
}

#[workos_sso(groups = ["Ops"])]
#[get("/ops")]
fn ops() -> &'static str {
    "ops"
}

#[rocket::main]
async fn main() {
    let figment = rocket::Config::figment()
        .merge(("workos.emulator", true))
        .merge(("workos.client_id", "client_01PASS"))
        .merge(("workos.redirect_uri", "http://localhost:8000/auth/callback"))
        .merge(("workos.organization", "org_01JH3E28JT97KB6CQ643DZVMXX"));
    let rocket = rocket::custom(figment)
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![dashboard, admin, ops]);
    let client = Client::tracked(rocket).await.expect("the app launches");
    for path in ["/dashboard", "/admin", "/ops"] {
        let response = client
            .get(path)
            .header(Header::new("Accept", "text/html"))
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::SeeOther, "{path}");
        let login = response.headers().get_one("Location").unwrap().to_owned();
        let response = client.get(login).dispatch().await;
        let authorize = response.headers().get_one("Location").unwrap_or_default();
        for expected in [
            "client_id=client_01PASS",
            "organization=org_01JH3E28JT97KB6CQ643DZVMXX",
            "redirect_uri=http%3A%2F%2Flocalhost%3A8000%2Fauth%2Fcallback",
        ] {
            assert!(authorize.contains(expected), "{path}: {authorize}");
        }
    }
}

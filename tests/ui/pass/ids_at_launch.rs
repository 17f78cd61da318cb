#![deny(warnings)]

// `env("NAME")` reads a WorkOS id when the app launches, not when it compiles, so one build runs in
// staging and in production. This case sets the variables, launches, and checks the login uses them.

use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, routes};
use rocket_workos_sso::{workos_sso, Profile};

#[workos_sso(
    redirect_uri = env("PASS_CASE_REDIRECT_URI"),
    client_id = env("PASS_CASE_CLIENT_ID"),
    organization = env("PASS_CASE_ORGANIZATION_ID")
)]
#[get("/reports")]
fn reports(profile: Profile) -> String {
    profile.email.clone()
}

// Only the pin read at launch; the client id and redirect URI are the application's.
#[workos_sso(connection = env("PASS_CASE_CONNECTION_ID"), role = "admin")]
#[get("/admin")]
fn admin() -> &'static str {
    "admin"
}

#[rocket::main]
async fn main() {
    let figment = rocket::Config::figment()
        .merge(("workos.emulator", true))
        .merge(("workos.client_id", "client_01PASS"))
        .merge(("workos.redirect_uri", "http://localhost:8000/callback"));
    // The case runs as its own process, before any thread reads the environment.
    for (name, value) in [
        ("PASS_CASE_REDIRECT_URI", "http://localhost:8000/callback"),
        ("PASS_CASE_CLIENT_ID", "client_01PASS"),
        ("PASS_CASE_ORGANIZATION_ID", "org_01JH3E28JT97KB6CQ643DZVMXX"),
        ("PASS_CASE_CONNECTION_ID", "conn_01JHQKFBF5KZNWJ47TAN9ZT24M"),
    ] {
        std::env::set_var(name, value);
    }
    let rocket = rocket::custom(figment)
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![reports, admin]);
    let client = Client::tracked(rocket).await.expect("the app launches");
    for (path, pin) in [
        ("/reports", "organization=org_01JH3E28JT97KB6CQ643DZVMXX"),
        ("/admin", "connection=conn_01JHQKFBF5KZNWJ47TAN9ZT24M"),
    ] {
        let response = client
            .get(path)
            .header(Header::new("Accept", "text/html"))
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::SeeOther, "{path}");
        let login = response.headers().get_one("Location").unwrap().to_owned();
        let response = client.get(login).dispatch().await;
        let authorize = response.headers().get_one("Location").unwrap_or_default();
        assert!(authorize.contains("client_id=client_01PASS"), "{authorize}");
        assert!(authorize.contains(pin), "{path}: {authorize}");
    }
}

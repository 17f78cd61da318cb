//! The application's say over sign-ins: the approval hook (accept, refuse with a reason, fail) at the
//! callback, and tenants per request (a subdomain or a path prefix names the customer organization; a
//! session of another tenant is refused).

mod support;

use std::collections::BTreeMap;

use rocket::http::uri::Host;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::{get, routes, Request};
use rocket_workos_sso::emulator::AutoLogin;
use rocket_workos_sso::hooks::{Approval, ApprovalError, ApproveSignIn};
use rocket_workos_sso::session::SESSION_COOKIE;
use rocket_workos_sso::{workos_sso, Profile, WorkosSso};
use support::*;

const EXAMPLE_ORG: &str = "org_01JH3E28JT97KB6CQ643DZVMXX";
const GLOBEX_ORG: &str = "org_01JHS3C4DWA7N36096Q14DR9GP";

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S"
)]
#[get("/home")]
fn home(profile: Profile) -> String {
    format!("home for {}", profile.email)
}

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S"
)]
#[get("/t/<tenant>/home")]
fn tenant_home(tenant: &str, profile: Profile) -> String {
    format!("{tenant} home for {}", profile.email)
}

#[get("/t/<tenant>/me")]
fn tenant_me(tenant: &str, profile: Profile) -> String {
    format!("{tenant} me {}", profile.email)
}

/// What the app's database says of each user: allowed, or a reason to refuse; absent means the
/// database failed.
struct Directory(BTreeMap<&'static str, Result<(), &'static str>>);

struct DirectoryCheck;

#[rocket::async_trait]
impl ApproveSignIn for DirectoryCheck {
    async fn approve(
        &self,
        request: &Request<'_>,
        profile: &Profile,
    ) -> Result<Approval, ApprovalError> {
        let directory = request
            .rocket()
            .state::<Directory>()
            .ok_or("no directory")?;
        match directory.0.get(profile.email.as_str()) {
            Some(Ok(())) => Ok(Approval::Accept),
            Some(Err(reason)) => Ok(Approval::Refuse((*reason).to_owned())),
            None => Err(format!("the directory timed out looking up {}", profile.email).into()),
        }
    }
}

async fn launch(fairing: WorkosSso, rocket: rocket::Rocket<rocket::Build>) -> Client {
    let client = Client::tracked(rocket.attach(fairing))
        .await
        .expect("the app launches");
    emulator(&client).set_auto_login(AutoLogin::FirstUser);
    client
}

async fn approval_app(email: &str) -> Client {
    let directory = Directory(BTreeMap::from([
        ("alice@example.com", Ok(())),
        (
            "bob@example.com",
            Err("Your account is suspended <until> further notice."),
        ),
    ]));
    let rocket = rocket::custom(figment())
        .manage(directory)
        .mount("/", routes![home]);
    let client = launch(WorkosSso::fairing().approve(DirectoryCheck), rocket).await;
    emulator(&client).set_auto_login(AutoLogin::Email(email.to_owned()));
    client
}

/// Starts a sign-in for Example Corp from `/home` and returns the callback's response parts.
async fn callback_for_example_corp(client: &Client) -> (Status, Option<String>, String) {
    let login = location(&browse(client, "/home").await);
    let authorize_url = start_login(client, &format!("{login}&organization={EXAMPLE_ORG}")).await;
    let callback = authorize(authorize_url.as_str()).await;
    let response = browse(client, &path_and_query(&callback)).await;
    let status = response.status();
    let session = set_cookie(&response, SESSION_COOKIE);
    (
        status,
        session,
        response.into_string().await.unwrap_or_default(),
    )
}

#[rocket::async_test]
async fn an_approved_sign_in_starts_its_session() {
    let client = approval_app("alice@example.com").await;
    let (status, session, _) = callback_for_example_corp(&client).await;
    assert_eq!(status, Status::SeeOther);
    assert!(session.is_some());
    let response = browse(&client, "/home").await;
    assert_eq!(
        response.into_string().await.unwrap(),
        "home for alice@example.com"
    );
}

#[rocket::async_test]
async fn a_refused_sign_in_is_403_with_the_apps_reason_and_no_session() {
    let client = approval_app("bob@example.com").await;
    let (status, session, page) = callback_for_example_corp(&client).await;
    assert_eq!(status, Status::Forbidden, "{page}");
    assert!(session.is_none(), "no session cookie");
    assert!(
        page.contains("Your account is suspended &lt;until&gt; further notice."),
        "the reason, escaped: {page}"
    );
    assert_eq!(
        browse(&client, "/home").await.status(),
        Status::SeeOther,
        "still signed out"
    );
}

#[rocket::async_test]
async fn a_failing_hook_is_503_and_no_session() {
    let client = approval_app("carol@example.com").await;
    let (status, session, page) = callback_for_example_corp(&client).await;
    assert_eq!(status, Status::ServiceUnavailable, "{page}");
    assert!(session.is_none(), "no session cookie");
    assert!(
        !page.contains("timed out"),
        "the hook's error is logged, not shown: {page}"
    );
    assert!(page.contains("<code>approval_unavailable</code>"), "{page}");
    assert_eq!(browse(&client, "/home").await.status(), Status::SeeOther);
}

/// Subdomains (`example.app.test`, `globex.app.test`) and path prefixes (`/t/example/...`) name tenants.
fn tenant(request: &Request<'_>) -> Option<String> {
    let slug = match request.host() {
        Some(host) if host.domain().as_str().ends_with(".app.test") => {
            host.domain().as_str().split('.').next()?.to_owned()
        }
        _ => {
            let mut segments = request.uri().path().segments();
            (segments.next() == Some("t"))
                .then(|| segments.next())??
                .to_owned()
        }
    };
    match slug.as_str() {
        "example" => Some(EXAMPLE_ORG.to_owned()),
        "globex" => Some(GLOBEX_ORG.to_owned()),
        _ => None,
    }
}

async fn tenant_app() -> Client {
    let rocket = rocket::custom(figment()).mount("/", routes![home, tenant_home, tenant_me]);
    launch(WorkosSso::fairing().tenant(tenant), rocket).await
}

#[rocket::async_test]
async fn a_path_prefix_tenant_signs_in_to_its_organization_and_refuses_the_other() {
    let client = tenant_app().await;
    // Sent to sign in, the browser signs in to the tenant's organization directly.
    let response = browse(&client, "/t/globex/home").await;
    assert_eq!(response.status(), Status::SeeOther);
    let login = location(&response);
    assert!(
        login.ends_with(&format!("&organization={GLOBEX_ORG}")),
        "{login}"
    );
    let authorize_url = start_login(&client, &login).await;
    assert_eq!(
        query_param(&authorize_url, "organization").as_deref(),
        Some(GLOBEX_ORG)
    );
    assert_eq!(sign_in_from(&client, &login).await, "/t/globex/home");
    let response = browse(&client, "/t/globex/home").await;
    assert_eq!(
        response.into_string().await.unwrap(),
        "globex home for hank@globex.test"
    );

    // The same session on the other tenant's pages: 403, offering to sign in there.
    for page in ["/t/example/home", "/t/example/me"] {
        let login = refusal_login_url(&client, page).await;
        assert!(
            login.ends_with(&format!("&organization={EXAMPLE_ORG}")),
            "{page}: {login}"
        );
        assert_eq!(
            browse(&client, page).await.status(),
            Status::Forbidden,
            "{page}"
        );
    }
    // A page of no tenant keeps the handler's own policy: any customer organization.
    assert_eq!(browse(&client, "/home").await.status(), Status::Ok);
    assert_eq!(
        browse(&client, "/t/unknown/home").await.status(),
        Status::Ok
    );
}

#[rocket::async_test]
async fn a_subdomain_tenant_refuses_a_session_of_another_tenant() {
    let client = tenant_app().await;
    // As Rocket sets it from a served request's `Host` header.
    let on = |host: &'static str, page: &'static str| {
        let mut request = client.get(page).header(json_accept());
        request.inner_mut().set_host(Host::parse(host).unwrap());
        request.dispatch()
    };
    let response = on("example.app.test", "/home").await;
    assert_eq!(response.status(), Status::Unauthorized);
    let body: serde_json::Value =
        serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
    let login = body["login_url"].as_str().unwrap().to_owned();
    assert!(
        login.ends_with(&format!("&organization={EXAMPLE_ORG}")),
        "{login}"
    );
    sign_in_from(&client, &login).await;
    assert_eq!(on("example.app.test", "/home").await.status(), Status::Ok);
    assert_eq!(
        on("globex.app.test", "/home").await.status(),
        Status::Forbidden
    );
    assert_eq!(
        on("globex.app.test", "/t/example/me").await.status(),
        Status::Forbidden,
        "the host decides"
    );
}

//! Tenants as Rocket routes them: every spelling of another tenant's path or host is refused.
//!
//! The multi_tenant example and small apps of the same shape run on a real server on 127.0.0.1, and each
//! request is written to the socket as is (no client normalises `//`, `%2D`, `.` or the `Host`). Signed
//! in as hank@globex.test (Globex), no spelling of an Example Corp page answers 200; signed in as
//! alice@example.com (Example Corp), every spelling Rocket routes to the page does. Each "before" test
//! runs the resolver the example or the README used to show against the same requests and finds a
//! spelling that let Globex in: the requests are the ones that found the hole.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::http::{Accept, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, routes, Build, Request, Rocket, Shutdown};
use rocket_workos_sso::emulator::{DEFAULT_CLIENT_ID, EXAMPLE_ORG_ID, GLOBEX_ORG_ID};
use rocket_workos_sso::profile::Role;
use rocket_workos_sso::tenant::{Tenancy, Tenant, TenantHosts, TenantPaths};
use rocket_workos_sso::testing::{self, SignedIn};
use rocket_workos_sso::{workos_sso, Profile, WorkosSso};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[allow(dead_code)] // `#[launch]` also emits the example's `main`
#[path = "../../examples/multi_tenant.rs"]
mod multi_tenant;

const SECRET_KEY: &str = "hWp6Zc0m2pUmLZ1i5JqfCk7mS2b6mQ1p3kX0qv9Jw8E=";

/// Alice (Example Corp, admin), Bob (Example Corp, member) and Hank (Globex, admin), as the emulator seeds
/// them.
fn person(email: &str) -> Profile {
    let mut profile = testing::profile(email);
    let (organization, role) = match email {
        "alice@example.com" => (EXAMPLE_ORG_ID, "admin"),
        "bob@example.com" => (EXAMPLE_ORG_ID, "member"),
        _ => (GLOBEX_ORG_ID, "admin"),
    };
    profile.organization_id = Some(organization.to_owned());
    profile.role = Some(Role { slug: role.into() });
    profile
}

/// The test settings over `figment`: the emulator, a fixed key, a free loopback port, quiet logs, and
/// the application's sign-in for `#[workos_sso]` handlers without settings.
fn test_settings(figment: Figment) -> Figment {
    figment
        .merge(("secret_key", SECRET_KEY))
        .merge(("workos.emulator", true))
        .merge(("workos.client_id", DEFAULT_CLIENT_ID))
        .merge(("workos.redirect_uri", "http://127.0.0.1:8000/callback"))
        .merge(("address", "127.0.0.1"))
        .merge(("port", 0))
        .merge(("shutdown.grace", 0))
        .merge(("shutdown.mercy", 0))
        .merge(("log_level", "off"))
}

/// The multi_tenant example, configured for a test.
fn example() -> Rocket<Build> {
    let app = multi_tenant::app();
    let figment = test_settings(app.figment().clone());
    app.configure(figment)
}

/// An app of `routes` whose fairing has the tenant resolver `fairing`.
fn app(fairing: WorkosSso, routes: Vec<rocket::Route>) -> Rocket<Build> {
    rocket::custom(test_settings(rocket::Config::figment()))
        .attach(fairing)
        .mount("/", routes)
}

/// An application on a real socket, with the `Cookie` header of each person's session.
struct Server {
    addr: SocketAddr,
    shutdown: Shutdown,
    hank: String,
    alice: String,
}

impl Server {
    async fn launch(rocket: Rocket<Build>) -> Server {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let tx = Mutex::new(Some(tx));
        let rocket = rocket.attach(AdHoc::on_liftoff("test: report the port", move |rocket| {
            Box::pin(async move {
                if let Some(tx) = tx.lock().unwrap().take() {
                    let _ = tx.send(rocket.config().port);
                }
            })
        }));
        let rocket = rocket.ignite().await.expect("the application ignites");
        let cookie = |email: &str| {
            let cookie = testing::session_cookie(
                &rocket,
                &person(email),
                rocket_now(),
                Duration::from_secs(3600),
            );
            format!("{}={}", cookie.name(), cookie.value())
        };
        let (hank, alice) = (cookie("hank@globex.test"), cookie("alice@example.com"));
        let shutdown = rocket.shutdown();
        tokio::spawn(async move {
            let _ = rocket.launch().await;
        });
        let port = tokio::time::timeout(Duration::from_secs(10), rx)
            .await
            .expect("the server lifts off in time")
            .expect("the server reports its port");
        Server {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            shutdown,
            hank,
            alice,
        }
    }

    /// `GET target` with these `Host` headers (none: no `Host` at all) and `cookie`, written to the
    /// socket byte for byte: the status and the body.
    async fn get(&self, target: &str, hosts: &[&str], cookie: &str) -> (u16, String) {
        let mut request = format!("GET {target} HTTP/1.1\r\n");
        for host in hosts {
            request.push_str(&format!("Host: {host}\r\n"));
        }
        if !cookie.is_empty() {
            request.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        request.push_str("Accept: text/html\r\nConnection: close\r\n\r\n");
        let exchange = async {
            let mut stream = TcpStream::connect(self.addr).await?;
            stream.write_all(request.as_bytes()).await?;
            let mut response = Vec::new();
            stream.read_to_end(&mut response).await?;
            std::io::Result::Ok(response)
        };
        let response = tokio::time::timeout(Duration::from_secs(10), exchange)
            .await
            .expect("the server answers in time")
            .expect("the exchange completes");
        let response = String::from_utf8_lossy(&response).into_owned();
        let status = response
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("an HTTP response to {target:?}: {response:?}"));
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// [`get`](Self::get) on `127.0.0.1`.
    async fn path(&self, target: &str, cookie: &str) -> (u16, String) {
        self.get(target, &["127.0.0.1"], cookie).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.clone().notify();
    }
}

fn rocket_now() -> i64 {
    rocket::time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Every spelling of `/example-corp/reports` tried: those Rocket routes to the page (empty segments
/// skipped, percent-decoded) and those it routes nowhere (an encoded slash, dot segments, `;params`,
/// another case, a fragment).
const REPORTS_VARIANTS: &[&str] = &[
    "/example-corp/reports",
    "//example-corp/reports",
    "///example-corp/reports",
    "/example%2Dcorp/reports",
    "/example%2dcorp/reports",
    "/%65xample-corp/reports",
    "/%65%78%61%6d%70%6c%65%2d%63%6f%72%70/%72%65%70%6f%72%74%73",
    "//example-corp//reports",
    "/example-corp/reports/",
    "/example-corp//reports//",
    "/example-corp/reports?",
    "/example-corp/reports?x=1",
    "/example-corp/reports#top",
    "/example-corp%2Freports",
    "/example-corp%2freports",
    "/./example-corp/reports",
    "/x/../example-corp/reports",
    "/example-corp/./reports",
    "/example-corp/x/../reports",
    "/example-corp;x/reports",
    "/example-corp/reports;x",
    "/EXAMPLE-CORP/reports",
    "/Example-Corp/reports",
    "/example-corp/REPORTS",
    "/example-corp%00/reports",
    "/example-corp%20/reports",
    "/%20example-corp/reports",
    "/example-corp",
    "/example-corp/",
];

/// Whether a response shows Example Corp's reports.
fn shows_reports(status: u16, body: &str) -> bool {
    status == 200 && body.contains("Quarterly reports for")
}

#[tokio::test]
async fn no_spelling_of_example_corps_path_lets_globex_into_the_example() {
    let server = Server::launch(example()).await;
    let mut routed = 0;
    for variant in REPORTS_VARIANTS {
        let (hank, body) = server.path(variant, &server.hank).await;
        let (alice, _) = server.path(variant, &server.alice).await;
        eprintln!("{variant:<60} hank {hank}  alice {alice}");
        assert!(
            !shows_reports(hank, &body),
            "{variant}: Globex read Example Corp's reports"
        );
        if alice == 200 {
            // Rocket routed it to the page: the resolver saw Example Corp's path too.
            routed += 1;
            assert_eq!(hank, 403, "{variant}");
        } else {
            assert!([400, 404].contains(&alice), "{variant}: {alice}");
            assert_eq!(hank, alice, "{variant}: routed nowhere for either");
        }
    }
    assert!(
        routed >= 10,
        "the spellings Rocket routes to the page: {routed}"
    );
}

/// The resolver the example had: the path's text compared with `/example-corp/`.
fn text_prefix_resolver(request: &Request<'_>) -> Option<String> {
    let path = request.uri().path();
    (path == "/example-corp" || path.starts_with("/example-corp/"))
        .then(|| EXAMPLE_ORG_ID.to_owned())
}

#[workos_sso]
#[get("/example-corp/reports")]
fn reports_before(profile: Profile) -> String {
    format!("Quarterly reports for {}.", profile.email)
}

#[tokio::test]
async fn the_text_prefix_resolver_the_example_had_let_globex_in() {
    let fairing = WorkosSso::fairing().tenant(text_prefix_resolver);
    let server = Server::launch(app(fairing, routes![reports_before])).await;
    let mut admitted = Vec::new();
    for variant in REPORTS_VARIANTS {
        let (status, body) = server.path(variant, &server.hank).await;
        if shows_reports(status, &body) {
            admitted.push(*variant);
        }
    }
    assert_eq!(
        server.path("/example-corp/reports", &server.hank).await.0,
        403
    );
    for hole in [
        "//example-corp/reports",
        "///example-corp/reports",
        "/example%2Dcorp/reports",
        "/%65xample-corp/reports",
        "//example-corp//reports",
    ] {
        assert!(admitted.contains(&hole), "{hole}: {admitted:?}");
    }
}

#[tokio::test]
async fn the_examples_notes_come_from_the_checked_tenant() {
    let server = Server::launch(example()).await;
    let (status, body) = server.path("/example-corp/notes", &server.alice).await;
    assert_eq!(status, 200);
    assert!(body.contains("Board meeting moved to Thursday."), "{body}");
    assert!(body.contains("tenant example-corp"), "{body}");
    for (path, expected) in [
        ("/example-corp/notes", 403),
        ("//example-corp/notes", 403),
        ("/example%2Dcorp/notes", 403),
        // A path naming no tenant: the notes route matches, and the `Tenant` guard finds none.
        ("/EXAMPLE-CORP/notes", 404),
        ("/globex/notes", 404),
        ("/workspace/notes", 404),
    ] {
        let (status, body) = server.path(path, &server.hank).await;
        assert_eq!(status, expected, "{path}: {body}");
        assert!(!body.contains("Board meeting"), "{path}");
    }
}

/// The `/t/<tenant>/...` app: Example Corp is `example`, Globex `globex`, from the app's own look-up.
fn t_tenants(name: &str) -> Option<String> {
    match name {
        "example" => Some(EXAMPLE_ORG_ID.to_owned()),
        "globex" => Some(GLOBEX_ORG_ID.to_owned()),
        _ => None,
    }
}

fn notes_of(organization: &str) -> &'static str {
    if organization == EXAMPLE_ORG_ID {
        "Example Corp's acquisition plans"
    } else {
        "Globex's notes"
    }
}

#[workos_sso]
#[get("/t/<_>/notes")]
fn tenant_notes(tenant: Tenant, profile: Profile) -> String {
    format!(
        "{} ({}, for {})",
        notes_of(tenant.organization_id()),
        tenant.name(),
        profile.email
    )
}

#[tokio::test]
async fn a_t_prefix_app_refuses_other_tenants_and_unknown_names_and_hands_the_tenant_over() {
    let fairing = WorkosSso::fairing().tenant(TenantPaths::under("/t").lookup(t_tenants));
    let server = Server::launch(app(fairing, routes![tenant_notes])).await;
    let (status, body) = server.path("/t/globex/notes", &server.hank).await;
    assert_eq!(
        (status, body.as_str()),
        (200, "Globex's notes (globex, for hank@globex.test)")
    );
    let (status, body) = server.path("//t//%65xample/notes", &server.alice).await;
    assert_eq!(
        (status, body.as_str()),
        (
            200,
            "Example Corp's acquisition plans (example, for alice@example.com)"
        )
    );
    for (path, expected) in [
        ("/t/example/notes", 403),
        ("/t/%65xample/notes", 403),
        ("//t/example//notes", 403),
        ("/t/EXAMPLE/notes", 404),
        ("/t/Example/notes", 404),
        ("/t/example;x/notes", 404),
        ("/t/example%2F/notes", 404),
        ("/t/nobody/notes", 404),
        ("/t/./notes", 404),
    ] {
        let (status, body) = server.path(path, &server.hank).await;
        assert_eq!(status, expected, "{path}: {body}");
        assert!(!body.contains("acquisition"), "{path}");
    }
    // Nobody signed in: a known tenant's page sends the browser to sign in to that tenant; an unknown
    // one is not there.
    assert_eq!(server.path("/t/example/notes", "").await.0, 303);
    assert_eq!(server.path("/t/nobody/notes", "").await.0, 404);
}

/// The handler a new user wrote from the old README: the tenant read again from the path, looked up
/// without regard to case, while the resolver matched exactly and said "no tenant" otherwise.
#[workos_sso]
#[get("/t/<tenant>/notes")]
fn tenant_notes_before(tenant: &str, profile: Profile) -> String {
    let organization = t_tenants(&tenant.to_ascii_lowercase()).unwrap_or_default();
    format!("{} (for {})", notes_of(&organization), profile.email)
}

fn exact_lookup_resolver(request: &Request<'_>) -> Option<String> {
    let mut segments = request.uri().path().segments();
    (segments.next() == Some("t")).then(|| t_tenants(segments.next()?))?
}

#[tokio::test]
async fn re_reading_the_tenant_in_the_handler_let_globex_read_example_corps_notes() {
    let fairing = WorkosSso::fairing().tenant(exact_lookup_resolver);
    let server = Server::launch(app(fairing, routes![tenant_notes_before])).await;
    assert_eq!(server.path("/t/example/notes", &server.hank).await.0, 403);
    let (status, body) = server.path("/t/EXAMPLE/notes", &server.hank).await;
    assert_eq!(status, 200);
    assert!(body.contains("acquisition plans"), "{body}");
}

/// An Acme page on `acme.example.app`: Acme is Example Corp, so Alice's and never Hank's.
#[workos_sso]
#[get("/acme-dashboard")]
fn acme_dashboard(profile: Profile) -> String {
    format!("Acme's dashboard for {}", profile.email)
}

/// Every spelling of a `Host`, and whether it is Acme's (`acme.example.app`, normalised).
const HOST_VARIANTS: &[(&[&str], bool)] = &[
    (&["acme.example.app"], true),
    (&["ACME.example.app"], true),
    (&["Acme.EXAMPLE.App"], true),
    (&["acme.example.app."], true),
    (&["acme.example.app:8000"], true),
    (&["acme.example.app.:8000"], true),
    (&["ACME.EXAMPLE.APP.:443"], true),
    (&["example.app"], false),
    (&["evil.com"], false),
    (&["acme.example.app.evil.com"], false),
    (&["acme.example.app.evil.com:8000"], false),
    (&["evil.com.acme.example.app"], false),
    (&["x.acme.example.app"], false),
    (&["acmeexample.app"], false),
    (&["acme..example.app"], false),
    (&["acme.example.app.."], false),
    (&[".acme.example.app"], false),
    (&["acme%2Eexample.app"], false),
    (&["acme.example.app%00"], false),
    (&["user@acme.example.app"], false),
    (&["acme.example.app@evil.com"], false),
    (&["[::1]"], false),
    (&["[::1]:8000"], false),
    (&["127.0.0.1"], false),
    (&["globex.example.app"], false),
    (&["acme.example.app", "evil.com"], false),
    (&["evil.com", "acme.example.app"], false),
    (&[], false),
];

#[tokio::test]
async fn no_spelling_of_a_tenants_host_lets_another_tenant_in() {
    let tenants = TenantHosts::new("example.app").tenant("acme", EXAMPLE_ORG_ID);
    let fairing = WorkosSso::fairing().tenant(tenants);
    let server = Server::launch(app(fairing, routes![acme_dashboard])).await;
    for (hosts, acme) in HOST_VARIANTS {
        let (hank, body) = server.get("/acme-dashboard", hosts, &server.hank).await;
        let (alice, _) = server.get("/acme-dashboard", hosts, &server.alice).await;
        eprintln!("{hosts:<40?} hank {hank}  alice {alice}");
        match (*acme, *hosts) {
            (true, _) => assert_eq!((hank, alice), (403, 200), "{hosts:?}"),
            // The base domain is of no tenant: the handler's own policy, any customer organization.
            (false, ["example.app"]) => assert_eq!((hank, alice), (200, 200)),
            // Hyper refuses some requests itself (400); the resolver fails the others closed.
            (false, _) => {
                assert!([400, 404].contains(&hank), "{hosts:?}: {hank} {body}");
                assert!([400, 404].contains(&alice), "{hosts:?}: {alice}");
            }
        }
    }
}

/// The resolver the README's example showed: the first label of the host, as the request spelled it.
fn first_label_resolver(request: &Request<'_>) -> Option<String> {
    let host = request.host()?;
    match host.domain().as_str().split('.').next()? {
        "acme" => Some(EXAMPLE_ORG_ID.to_owned()),
        _ => None,
    }
}

#[tokio::test]
async fn the_first_label_resolver_the_readme_showed_let_globex_in() {
    let fairing = WorkosSso::fairing().tenant(first_label_resolver);
    let server = Server::launch(app(fairing, routes![acme_dashboard])).await;
    let mut admitted = Vec::new();
    for (hosts, acme) in HOST_VARIANTS {
        let (status, _) = server.get("/acme-dashboard", hosts, &server.hank).await;
        if *acme && status == 200 {
            admitted.push(hosts.to_vec());
        }
    }
    assert!(admitted.contains(&vec!["ACME.example.app"]), "{admitted:?}");
}

#[workos_sso]
#[get("/unknown/attribute")]
fn unknown_attribute() -> &'static str {
    "protected without a Profile"
}

#[workos_sso]
#[get("/unknown/profile")]
fn unknown_profile(profile: Profile) -> String {
    profile.email.clone()
}

#[get("/unknown/plain")]
fn unknown_plain(profile: Profile) -> String {
    profile.email.clone()
}

#[get("/unknown/optional")]
fn unknown_optional(profile: Option<Profile>) -> String {
    profile.map_or_else(|| "anonymous".to_owned(), |profile| profile.email.clone())
}

#[get("/unknown/tenant")]
fn unknown_tenant(tenant: Tenant) -> String {
    tenant.name().to_owned()
}

#[tokio::test]
async fn a_resolver_answering_unknown_fails_every_guard_closed() {
    let fairing = WorkosSso::fairing().tenant(|_: &Request<'_>| Tenancy::Unknown);
    let rocket = app(
        fairing,
        routes![
            unknown_attribute,
            unknown_profile,
            unknown_plain,
            unknown_optional,
            unknown_tenant
        ],
    );
    let client = Client::untracked(rocket).await.expect("the app launches");
    let alice = person("alice@example.com");
    for path in [
        "/unknown/attribute",
        "/unknown/profile",
        "/unknown/plain",
        "/unknown/tenant",
    ] {
        let signed_in = client
            .get(path)
            .header(Accept::HTML)
            .signed_in_as(&alice)
            .dispatch()
            .await;
        assert_eq!(signed_in.status(), Status::NotFound, "{path}, signed in");
        let anonymous = client.get(path).header(Accept::HTML).dispatch().await;
        assert_eq!(anonymous.status(), Status::NotFound, "{path}, anonymous");
    }
    // Under `Option`, the refusal is an anonymous visitor: never Alice's profile.
    let response = client
        .get("/unknown/optional")
        .signed_in_as(&alice)
        .dispatch()
        .await;
    assert_eq!(response.into_string().await.unwrap(), "anonymous");
}

#[tokio::test]
async fn only_an_admin_gets_the_examples_admin_portal() {
    let client = Client::untracked(example())
        .await
        .expect("the example launches");
    let emulator = WorkosSso::emulator(client.rocket()).expect("the emulator runs");
    let portal = emulator.base_url().to_string();
    let bob = client
        .get("/settings/sso")
        .header(Accept::HTML)
        .signed_in_as(&person("bob@example.com"))
        .dispatch()
        .await;
    assert_eq!(bob.status(), Status::Forbidden);
    let body = bob.into_string().await.unwrap();
    assert!(body.contains("requires the role `admin`"), "{body}");
    let alice = client
        .get("/settings/sso")
        .header(Accept::HTML)
        .signed_in_as(&person("alice@example.com"))
        .dispatch()
        .await;
    assert_eq!(alice.status(), Status::SeeOther);
    let location = alice.headers().get_one("Location").unwrap_or_default();
    assert!(
        location.starts_with(portal.trim_end_matches('/')),
        "{location}"
    );
}

#[tokio::test]
async fn a_route_taking_tenant_without_a_resolver_does_not_launch() {
    let rocket = app(WorkosSso::fairing(), routes![unknown_tenant]);
    let Err(error) = Client::untracked(rocket).await else {
        panic!("every request would be refused, so the launch is");
    };
    assert!(
        matches!(error.kind(), rocket::error::ErrorKind::SentinelAborts(_)),
        "{error:?}"
    );
}

/// Example Corp's alone by its pin, under the `/t/<tenant>/` resolver, with the tenant handed over.
#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[get("/t/<_>/pinned")]
fn pinned_notes(tenant: Tenant, profile: Profile) -> String {
    format!(
        "{} for {}",
        notes_of(tenant.organization_id()),
        profile.email
    )
}

#[tokio::test]
async fn a_pinned_handler_still_refuses_a_tenant_other_than_the_users() {
    let fairing = WorkosSso::fairing().tenant(TenantPaths::under("/t").lookup(t_tenants));
    let server = Server::launch(app(fairing, routes![pinned_notes])).await;
    let (status, body) = server.path("/t/example/pinned", &server.alice).await;
    assert_eq!(
        (status, body.as_str()),
        (
            200,
            "Example Corp's acquisition plans for alice@example.com"
        )
    );
    // Alice is of the pinned organization, but this is Globex's tenant: its notes are not hers.
    let (status, body) = server.path("/t/globex/pinned", &server.alice).await;
    assert_eq!(status, 403, "{body}");
    assert!(!body.contains("Globex's notes"), "{body}");
    // Hank is of neither the pin nor Example Corp.
    assert_eq!(server.path("/t/example/pinned", &server.hank).await.0, 403);
    assert_eq!(server.path("/t/globex/pinned", &server.hank).await.0, 403);
    assert_eq!(server.path("/t/nobody/pinned", &server.alice).await.0, 404);
}

//! The work-email page under abuse: what one client can make the application ask of WorkOS (one lookup
//! per domain in flight, a bound on lookups per second beyond which the page answers 503 with
//! `Retry-After`), and the form posted from another site (refused, nothing started).

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rocket::figment::Figment;
use rocket::http::{Accept, ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{get, routes, Build, Rocket};
use rocket_workos_sso::emulator::Fault;
use rocket_workos_sso::{workos_sso, Profile};
use support::*;
use url::Url;

/// The origin of the handler's redirect URI: the application's own.
const OWN_ORIGIN: &str = "http://127.0.0.1:8000";

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S"
)]
#[get("/any")]
fn any_organization(profile: Profile) -> String {
    format!("any for {}", profile.email)
}

fn rocket_with(figment: Figment) -> Rocket<Build> {
    rocket::custom(figment).mount("/", routes![any_organization])
}

/// The `flow` and `return_to` fields of the email form, from the login URL `/any` redirects to.
async fn form_fields(client: &Client) -> (String, String) {
    let response = browse(client, "/any").await;
    assert_eq!(response.status(), Status::SeeOther);
    let login = Url::parse("http://app.test")
        .unwrap()
        .join(&location(&response))
        .unwrap();
    (
        query_param(&login, "flow").expect("a flow"),
        query_param(&login, "return_to").expect("a return_to"),
    )
}

/// The form's `POST` for `email`, with the extra `headers` a browser would add.
async fn post_email<'c>(
    client: &'c Client,
    (flow, return_to): &(String, String),
    email: &str,
    headers: &[(&'static str, &'static str)],
) -> LocalResponse<'c> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("flow", flow),
            ("return_to", return_to),
            ("email", &email.to_owned()),
        ])
        .finish();
    let mut request = client
        .post("/sso/login")
        .header(ContentType::Form)
        .header(Accept::HTML)
        .body(body);
    for (name, value) in headers {
        request = request.header(Header::new(*name, *value));
    }
    request.dispatch().await
}

fn organization_calls(client: &Client) -> u64 {
    emulator(client).request_count("/organizations")
}

// ---------------------------------------------------------------------------------------------------
// The bound on lookups per second.

#[rocket::async_test]
async fn distinct_unknown_domains_cause_at_most_the_configured_lookups_per_second() {
    const PER_SECOND: u64 = 5;
    let client = client(rocket_with(
        figment().merge(("workos.organization_lookups_per_second", PER_SECOND)),
    ))
    .await;
    let fields = form_fields(&client).await;
    let started = Instant::now();
    let (mut looked_up, mut throttled) = (Vec::new(), Vec::new());
    for i in 0..300 {
        let domain = format!("unknown-{i}.test");
        let response = post_email(&client, &fields, &format!("ada@{domain}"), &[]).await;
        assert!(
            set_cookies(&response).is_empty(),
            "no login started for {domain}"
        );
        match response.status() {
            Status::BadRequest => looked_up.push(domain),
            Status::ServiceUnavailable => {
                let retry_after = response.headers().get_one("Retry-After").map(str::to_owned);
                assert_eq!(retry_after.as_deref(), Some("1"), "{domain}");
                assert_eq!(response.content_type(), Some(ContentType::HTML));
                let page = response.into_string().await.unwrap();
                assert!(page.contains("try again"), "{page}");
                throttled.push(domain);
            }
            other => panic!("{domain}: {other}"),
        }
    }
    let seconds = started.elapsed().as_secs_f64().ceil().max(1.0) as u64;
    let calls = organization_calls(&client);
    println!(
        "300 distinct unknown domains in {:?}: {calls} Organizations calls, {} answered 503",
        started.elapsed(),
        throttled.len()
    );
    assert_eq!(
        calls,
        looked_up.len() as u64,
        "one call per domain looked up"
    );
    assert!(
        calls >= 1 && calls <= PER_SECOND * seconds,
        "{calls} calls in {seconds} s"
    );
    assert_eq!(looked_up.len() + throttled.len(), 300);

    // A kept answer is given whatever the bound, and costs no call.
    let known = post_email(&client, &fields, &format!("ada@{}", looked_up[0]), &[]).await;
    assert_eq!(
        known.status(),
        Status::BadRequest,
        "the kept \"no organization\""
    );
    assert_eq!(organization_calls(&client), calls);
}

#[rocket::async_test]
async fn an_api_client_refused_by_the_bound_gets_json_with_retry_after() {
    let client = client(rocket_with(
        figment().merge(("workos.organization_lookups_per_second", 1)),
    ))
    .await;
    let (flow, _) = form_fields(&client).await;
    for i in 0..100 {
        let response = client
            .post("/sso/login")
            .header(ContentType::Form)
            .header(Accept::JSON)
            .body(format!("flow={flow}&email=ada%40unknown-{i}.test"))
            .dispatch()
            .await;
        if response.status() == Status::ServiceUnavailable {
            assert_eq!(response.headers().get_one("Retry-After"), Some("1"));
            assert_eq!(response.content_type(), Some(ContentType::JSON));
            let body: serde_json::Value =
                serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
            assert_eq!(body["error"], "directory_busy");
            return;
        }
        assert_eq!(response.status(), Status::BadRequest, "unknown-{i}.test");
    }
    panic!("100 new domains and the bound of 1 per second never refused one");
}

#[rocket::async_test]
async fn a_domain_refused_by_the_bound_is_not_remembered_as_unknown() {
    let client = client(rocket_with(
        figment().merge(("workos.organization_lookups_per_second", 1)),
    ))
    .await;
    let fields = form_fields(&client).await;
    // Until the bound refuses one: then example.com (Example Corp's) is refused too, for now.
    let mut i = 0;
    while post_email(&client, &fields, &format!("ada@unknown-{i}.test"), &[])
        .await
        .status()
        != Status::ServiceUnavailable
    {
        i += 1;
        assert!(i < 100, "the bound refuses a lookup");
    }
    let refused = post_email(&client, &fields, "alice@example.com", &[]).await;
    assert_eq!(refused.status(), Status::ServiceUnavailable);
    // A second later the bound has room, and the domain is looked up: it was not kept as unknown.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = post_email(&client, &fields, "alice@example.com", &[]).await;
    assert_eq!(
        response.status(),
        Status::SeeOther,
        "Example Corp's sign-in starts"
    );
}

// ---------------------------------------------------------------------------------------------------
// One lookup per domain in flight.

#[rocket::async_test]
async fn concurrent_requests_for_one_new_domain_make_one_workos_call() {
    let client = Arc::new(client(rocket_with(figment())).await);
    let fields = Arc::new(form_fields(&client).await);
    // WorkOS answers slowly, so the 40 requests are all waiting while the first lookup is in flight.
    emulator(&client).inject(
        "/organizations",
        Fault::Delay(Duration::from_millis(700)),
        1,
    );
    let requests: Vec<_> = (0..40)
        .map(|_| {
            let (client, fields) = (Arc::clone(&client), Arc::clone(&fields));
            tokio::spawn(async move {
                let response = post_email(&client, &fields, "alice@example.com", &[]).await;
                (response.status(), location(&response))
            })
        })
        .collect();
    for request in requests {
        let (status, location) = request.await.unwrap();
        assert_eq!(status, Status::SeeOther);
        assert!(location.contains("organization="), "{location}");
    }
    assert_eq!(organization_calls(&client), 1, "40 requests, one lookup");
}

#[rocket::async_test]
async fn a_failed_lookup_is_shared_by_the_requests_waiting_and_not_kept() {
    let client = Arc::new(client(rocket_with(fast_timeout())).await);
    let fields = Arc::new(form_fields(&client).await);
    // Slower than the 1 s timeout: the lookup fails, once for everyone waiting on it.
    emulator(&client).inject(
        "/organizations",
        Fault::Delay(Duration::from_millis(1500)),
        1,
    );
    let requests: Vec<_> = (0..10)
        .map(|_| {
            let (client, fields) = (Arc::clone(&client), Arc::clone(&fields));
            tokio::spawn(async move {
                post_email(&client, &fields, "alice@example.com", &[])
                    .await
                    .status()
            })
        })
        .collect();
    for request in requests {
        assert_eq!(request.await.unwrap(), Status::ServiceUnavailable);
    }
    assert_eq!(
        organization_calls(&client),
        1,
        "10 requests, one failed lookup"
    );
    let again = post_email(&client, &fields, "alice@example.com", &[]).await;
    assert_eq!(again.status(), Status::SeeOther, "the failure was not kept");
    assert_eq!(organization_calls(&client), 2);
}

// ---------------------------------------------------------------------------------------------------
// The form posted from another site.

/// Asserts `response` is the 403 of a cross-site form, with nothing started.
fn assert_refused_cross_site(client: &Client, response: &LocalResponse<'_>, case: &str) {
    assert_eq!(response.status(), Status::Forbidden, "{case}");
    assert!(set_cookies(response).is_empty(), "{case}: no cookie set");
    assert!(response.headers().get_one("Location").is_none(), "{case}");
    assert_eq!(
        organization_calls(client),
        0,
        "{case}: no Organizations call"
    );
    assert_eq!(
        emulator(client).request_count("/sso/authorize"),
        0,
        "{case}"
    );
}

#[rocket::async_test]
async fn a_form_posted_from_another_site_starts_nothing() {
    let client = client(rocket_with(figment())).await;
    let fields = form_fields(&client).await;
    let cases: [(&str, &[(&str, &str)]); 9] = [
        ("another site's Origin", &[("Origin", "https://evil.test")]),
        ("the null Origin", &[("Origin", "null")]),
        (
            "the null Origin, a cross-site fetch",
            &[("Origin", "null"), ("Sec-Fetch-Site", "cross-site")],
        ),
        ("another port", &[("Origin", "http://127.0.0.1:8001")]),
        ("another scheme", &[("Origin", "https://127.0.0.1:8000")]),
        ("another host", &[("Origin", "http://localhost:8000")]),
        (
            "Sec-Fetch-Site: cross-site",
            &[("Sec-Fetch-Site", "cross-site")],
        ),
        (
            "Sec-Fetch-Site: same-site (a sibling subdomain)",
            &[
                ("Sec-Fetch-Site", "same-site"),
                ("Origin", "http://127.0.0.1:8000"),
            ],
        ),
        (
            "our Origin, a cross-site fetch",
            &[("Origin", OWN_ORIGIN), ("Sec-Fetch-Site", "cross-site")],
        ),
    ];
    for (case, headers) in cases {
        let response = post_email(&client, &fields, "alice@example.com", headers).await;
        assert_refused_cross_site(&client, &response, case);
        assert_eq!(response.content_type(), Some(ContentType::HTML), "{case}");
        let page = response.into_string().await.unwrap();
        assert!(page.contains("sent from another site"), "{case}: {page}");
    }
    let json = client
        .post("/sso/login")
        .header(ContentType::Form)
        .header(Accept::JSON)
        .header(Header::new("Origin", "https://evil.test"))
        .body(format!("flow={}&email=alice%40example.com", fields.0))
        .dispatch()
        .await;
    assert_refused_cross_site(&client, &json, "an API client");
    let body: serde_json::Value = serde_json::from_str(&json.into_string().await.unwrap()).unwrap();
    assert_eq!(body["error"], "cross_site_form");
}

#[rocket::async_test]
async fn the_form_posted_from_this_site_or_without_browser_headers_signs_in() {
    let client = client(rocket_with(figment())).await;
    let fields = form_fields(&client).await;
    // The page lets its form say where it comes from (under `no-referrer` a browser sends
    // `Origin: null`), and tells no other site its URL.
    let page = browse(&client, &format!("/sso/login?flow={}", fields.0)).await;
    assert_eq!(page.status(), Status::Ok);
    assert_eq!(
        page.headers().get_one("Referrer-Policy"),
        Some("same-origin")
    );
    let cases: [(&str, &[(&str, &str)]); 4] = [
        (
            "a browser on this site",
            &[("Origin", OWN_ORIGIN), ("Sec-Fetch-Site", "same-origin")],
        ),
        ("Origin only", &[("Origin", OWN_ORIGIN)]),
        (
            "a browser under a no-referrer policy, which sends Origin: null",
            &[("Origin", "null"), ("Sec-Fetch-Site", "same-origin")],
        ),
        ("no browser headers (curl)", &[]),
    ];
    for (case, headers) in cases {
        let response = post_email(&client, &fields, "alice@example.com", headers).await;
        assert_eq!(response.status(), Status::SeeOther, "{case}");
        assert!(location(&response).contains("/sso/authorize"), "{case}");
    }
}

#[rocket::async_test]
async fn with_a_redirect_origin_this_site_is_that_origin() {
    let figment = figment().merge(("workos.redirect_origin", "https://app.example.com"));
    let client = client(rocket_with(figment)).await;
    let fields = form_fields(&client).await;
    let old = post_email(
        &client,
        &fields,
        "alice@example.com",
        &[("Origin", OWN_ORIGIN)],
    )
    .await;
    assert_refused_cross_site(&client, &old, "the compile-time origin");
    let ours = [
        ("Origin", "https://app.example.com"),
        ("Sec-Fetch-Site", "same-origin"),
    ];
    let response = post_email(&client, &fields, "alice@example.com", &ours).await;
    assert_eq!(response.status(), Status::SeeOther);
}

//! Open redirects: hostile `return_to` values at the login route, carried through the whole flow to the
//! callback, never send the browser off the app's origin and never inject a header.

mod security_support;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use rocket::http::Status;
use rocket_workos_sso::flow::safe_return_to;
use rocket_workos_sso::fuzzing::location_header;
use security_support::*;
use url::form_urlencoded::byte_serialize;

/// Values an attacker puts in `return_to`, each with where the browser must end up: `/` when refused,
/// or the value itself when it is in fact a harmless path on the app.
fn hostile() -> Vec<(String, String)> {
    let refused = [
        "//evil.com",
        "///evil.com",
        "////evil.com/path",
        "/\\evil.com",
        "\\\\evil.com",
        "\\/evil.com",
        "/\\/evil.com",
        "https://evil.com",
        "HTTPS://evil.com/",
        "http:evil.com",
        "http:/evil.com",
        "//evil.com/%2F..",
        "%2F%2Fevil.com",
        "/%2F%2Fevil.com",
        "/%2fevil.com",
        "/%5Cevil.com",
        "/%5cevil.com",
        "/%2F%5Cevil.com",
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        "javascript://%0aalert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "/\t/evil.com",
        "/\n/evil.com",
        "/\r/evil.com",
        "\t//evil.com",
        " //evil.com",
        "/ok\r\nSet-Cookie: injected=1",
        "/ok\r\nLocation: https://evil.com",
        "/ok\nX-Injected: 1",
        "/%0d%0aSet-Cookie:%20injected=1",
        "/%0aX-Injected:%201",
        "/%09/evil.com",
        "/%00",
        "/\u{0}evil",
        "/\u{7f}/evil.com",
        "/\u{85}/evil.com",
        "/%ff%fe",
        "/%C0%AF/evil.com",
        "/%E0%A4%A",
        "/%zz",
        "/%",
        "/.//evil.com",
        "/./%2Fevil.com",
        "/..//evil.com",
        "/a/..//evil.com",
        "/%2e/%2fevil.com",
        "/%2E%2E//evil.com",
        "evil.com",
        "@evil.com",
        "?//evil.com",
        "#//evil.com",
        "\u{FF0F}\u{FF0F}evil.com",
        "",
    ];
    let mut cases: Vec<(String, String)> = refused
        .iter()
        .map(|value| (value.to_string(), "/".to_owned()))
        .collect();
    // Over-long values are refused whole, not truncated into another page.
    cases.push((format!("/{}", "a".repeat(4096)), "/".to_owned()));
    cases.push((format!("/{}", "é".repeat(1100)), "/".to_owned()));
    // Look-alikes of `/` and `.` are ordinary path characters to a browser: kept, and harmless (the
    // redirect percent-encodes them, as a Location header must).
    for kept in [
        "/\u{FF0F}evil.com",
        "/\u{2215}evil.com",
        "/\u{2044}\u{2044}evil.com",
        "/\u{3002}evil.com",
        "/\u{200B}/evil.com",
        "/reports?next=//evil.com",
        "/a//b",
    ] {
        cases.push((kept.to_owned(), location_header(kept)));
    }
    // A fragment never reaches a server; it is dropped.
    cases.push(("/docs#//evil.com".to_owned(), "/docs".to_owned()));
    cases
}

fn encode(value: &str) -> String {
    byte_serialize(value.as_bytes()).collect()
}

/// Headers a response of the flow may carry; anything else was injected.
const KNOWN_HEADERS: &[&str] = &[
    "location",
    "set-cookie",
    "cache-control",
    "referrer-policy",
    "content-type",
    "content-length",
    "server",
    "x-frame-options",
    "x-content-type-options",
    "permissions-policy",
    "date",
    "connection",
];

fn assert_no_injected_header(response: &rocket::local::asynchronous::LocalResponse<'_>) {
    for header in response.headers().iter() {
        let name = header.name().as_str().to_ascii_lowercase();
        assert!(KNOWN_HEADERS.contains(&name.as_str()), "header {name}");
        assert!(
            !header.value().contains(['\r', '\n']),
            "{name}: {:?}",
            header.value()
        );
        assert!(!header.value().contains("injected"), "{name}");
    }
}

#[tokio::test]
async fn hostile_return_to_values_end_on_the_app_through_the_whole_flow() {
    let client = client().await;
    let cases = hostile();
    assert!(cases.len() >= 30);
    for (value, expected) in cases {
        let login = format!(
            "/sso/login?organization={EXAMPLE_ORG_ID}&return_to={}",
            encode(&value)
        );
        let response = browse(&client, &login).await;
        assert_eq!(response.status(), Status::SeeOther, "{value:?}");
        assert_no_injected_header(&response);
        let authorize = url::Url::parse(&location(&response)).unwrap();
        assert_eq!(authorize.path(), "/sso/authorize");
        // The hostile value goes nowhere near WorkOS.
        assert!(
            !authorize.as_str().contains("evil"),
            "{value:?}: {authorize}"
        );

        let callback = at_workos(authorize).await;
        let response = browse(&client, &callback).await;
        assert_eq!(response.status(), Status::SeeOther, "{value:?}");
        assert_no_injected_header(&response);
        let target = location(&response);
        assert_eq!(target, expected, "{value:?}");
        assert_same_origin(&target);
    }
}

#[tokio::test]
async fn a_return_to_added_to_the_callback_is_ignored() {
    let client = client().await;
    let authorize = start_login(
        &client,
        &format!("/sso/login?organization={EXAMPLE_ORG_ID}&return_to=%2Freports"),
    )
    .await;
    let callback = at_workos(authorize).await;
    let tampered =
        format!("{callback}&return_to=%2F%2Fevil.com&redirect_uri=https%3A%2F%2Fevil.com");
    let response = browse(&client, &tampered).await;
    assert_eq!(location(&response), "/reports");
}

#[tokio::test]
async fn the_sign_in_redirect_of_a_protected_page_never_names_another_origin() {
    let client = client().await;
    for path in [
        "//evil.com/sec/example",
        "/sec/example?x=%0d%0aX-Injected:1",
        "/sec/example/..%2F..%2F",
    ] {
        let response = browse(&client, path).await;
        if response.status() == Status::SeeOther {
            let target = location(&response);
            assert_same_origin(&target);
            assert!(target.starts_with("/sso/login?flow="), "{target}");
            assert_no_injected_header(&response);
        } else {
            assert_eq!(response.status(), Status::NotFound, "{path}");
        }
    }
}

/// Reads one whole HTTP/1.1 response (the server closes the connection) as raw text.
fn raw_get(addr: std::net::SocketAddr, target: &str, cookie: Option<&str>) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/html\r\n{cookie}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    String::from_utf8_lossy(&raw).into_owned()
}

/// The header lines of a raw response, lower-cased names.
fn head_lines(raw: &str) -> Vec<(String, String)> {
    let head = raw.split("\r\n\r\n").next().unwrap();
    head.split("\r\n")
        .skip(1)
        .map(|line| {
            let (name, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("not a header line: {line:?}"));
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_wire_no_header_is_ever_injected() {
    let server = Server::launch(app(figment(SECRET_KEY)), |_| {}).await;
    let addr = server.addr;
    let values = [
        "/ok\r\nSet-Cookie: injected=1",
        "/ok\r\n\r\n<html>injected",
        "/ok\nX-Injected: 1",
        "/ok\rX-Injected: 1",
        "/ok%0d%0aX-Injected:%201",
        "/ok\u{2028}X-Injected: 1",
        "/ok\u{85}X-Injected: 1",
        "/\u{FF0F}evil.com",
    ];
    for value in values {
        let login = format!(
            "/sso/login?organization={EXAMPLE_ORG_ID}&return_to={}",
            encode(value)
        );
        let raw = tokio::task::spawn_blocking(move || raw_get(addr, &login, None))
            .await
            .unwrap();
        assert!(raw.starts_with("HTTP/1.1 303"), "{value:?}: {raw}");
        let lines = head_lines(&raw);
        let mut cookies = Vec::new();
        let mut authorize = None;
        for (name, value_) in &lines {
            assert!(KNOWN_HEADERS.contains(&name.as_str()), "{value:?}: {name}");
            match name.as_str() {
                "set-cookie" => cookies.push(value_.split(';').next().unwrap().to_owned()),
                "location" => authorize = Some(value_.clone()),
                _ => {}
            }
        }
        assert!(
            !raw.contains("injected") && !raw.contains("X-Injected"),
            "{raw}"
        );
        let callback = at_workos(url::Url::parse(&authorize.unwrap()).unwrap()).await;
        let cookie = cookies.join("; ");
        let raw = tokio::task::spawn_blocking(move || raw_get(addr, &callback, Some(&cookie)))
            .await
            .unwrap();
        assert!(raw.starts_with("HTTP/1.1 303"), "{value:?}: {raw}");
        let lines = head_lines(&raw);
        let locations: Vec<&String> = lines
            .iter()
            .filter(|(name, _)| name == "location")
            .map(|(_, value)| value)
            .collect();
        assert_eq!(locations.len(), 1, "{raw}");
        for (name, _) in &lines {
            assert!(KNOWN_HEADERS.contains(&name.as_str()), "{value:?}: {name}");
        }
        // Refused, or kept and percent-encoded: either way one plain ASCII Location.
        let expected = location_header(safe_return_to(value).unwrap_or("/"));
        assert_eq!(locations[0], &expected, "{value:?}");
        assert!(locations[0].is_ascii(), "{value:?}");
        for (name, header) in lines.iter().filter(|(name, _)| name != "location") {
            assert!(!header.contains("njected"), "{value:?}: {name}: {header}");
        }
    }
    server.stop().await;
}

/// The login cookie carries `return_to`, at most `MAX_KEPT_RETURN_TO` bytes of it: at the longest
/// accepted length, with the characters that grow most when sealed, the cookie stays small (a browser
/// keeps 4096 bytes of a cookie's name and value at most, and the callback's `Cookie` header carries
/// every login in progress), the login completes, and it lands on the home page, since a path that long
/// is not kept.
#[tokio::test]
async fn the_longest_accepted_return_to_still_fits_in_a_login_cookie() {
    use rocket_workos_sso::flow::{MAX_KEPT_RETURN_TO, MAX_RETURN_TO_LEN};
    let client = client().await;
    for unit in ["a", "\"", "é", "%41", "<", "\u{1F600}"] {
        let mut value = "/".to_owned();
        while value.len() + unit.len() <= MAX_RETURN_TO_LEN {
            value.push_str(unit);
        }
        let accepted = safe_return_to(&value).is_some();
        let login = format!(
            "/sso/login?organization={EXAMPLE_ORG_ID}&return_to={}",
            encode(&value)
        );
        let response = browse(&client, &login).await;
        assert_eq!(response.status(), Status::SeeOther);
        let cookie = response
            .cookies()
            .iter()
            .find(|c| c.name().starts_with(FLOW_COOKIE_PREFIX))
            .expect("a login cookie")
            .clone();
        let size = cookie.name().len() + cookie.value().len();
        assert!(size <= 300, "{unit:?}: a {size}-byte login cookie");
        let authorize = url::Url::parse(&location(&response)).unwrap();
        let callback = at_workos(authorize).await;
        let target = location(&browse(&client, &callback).await);
        let expected = if accepted && value.len() <= MAX_KEPT_RETURN_TO {
            location_header(&value)
        } else {
            "/".to_owned()
        };
        assert_eq!(target, expected, "{unit:?}");
        assert_same_origin(&target);
    }
}

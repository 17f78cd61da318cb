//! What the generated routes and the catchers answer: a `303 See Other`, or a problem shown as a small
//! HTML page to browsers and as JSON to everything else. Nothing here is cached by the browser, and no
//! URL of ours (the callback's carries the code) is passed on as a `Referer`.

use std::io::Cursor;

use rocket::catcher::{BoxFuture, Catcher};
use rocket::http::{ContentType, Method, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde_json::json;

use crate::html::{document, escape};

// What the guards leave in a request's local cache for the catchers to answer with.

/// Why a guard refused an unauthenticated request, and where to sign in; read by the 401 catcher.
#[derive(Debug, Clone, Default)]
pub(crate) struct Challenge(pub(crate) Option<String>);

/// Why a guard refused a signed-in user, and where to sign in as someone else; read by the 403 catcher.
#[derive(Debug, Clone, Default)]
pub(crate) struct Refusal {
    pub(crate) reason: Option<String>,
    pub(crate) login_url: Option<String>,
}

/// Left in the request's local cache when the session store could not answer; read by the 503 catcher.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StoreDown(pub(crate) bool);

/// A problem to show the user: the status, a stable machine-readable code, a title and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) status: Status,
    pub(crate) code: String,
    pub(crate) title: &'static str,
    pub(crate) detail: String,
    /// Where to start over, shown as a link (HTML) or a `login_url` field (JSON).
    pub(crate) login_url: Option<String>,
}

impl Problem {
    pub(crate) fn new(
        status: Status,
        code: impl Into<String>,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            status,
            code: code.into(),
            title,
            detail: detail.into(),
            login_url: None,
        }
    }

    pub(crate) fn with_login_url(mut self, url: impl Into<String>) -> Self {
        self.login_url = Some(url.into());
        self
    }
}

/// A route's or catcher's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    /// `303 See Other` to this location (a path or an absolute URL the library built).
    Redirect(String),
    /// An error page or JSON body.
    Problem(Problem),
    /// A page of the library shown to a browser (the work email page), with this status.
    Page(Status, String),
}

impl From<Problem> for Reply {
    fn from(problem: Problem) -> Self {
        Reply::Problem(problem)
    }
}

/// Whether the client asked for HTML first (a browser), rather than JSON or anything.
pub(crate) fn prefers_html(request: &Request<'_>) -> bool {
    let xhr = request
        .headers()
        .get_one("X-Requested-With")
        .is_some_and(|v| v.eq_ignore_ascii_case("XMLHttpRequest"));
    !xhr && request
        .accept()
        .is_some_and(|accept| accept.preferred().media_type().is_html())
}

/// What a `Location` header must not carry raw: controls, spaces, quotes, `<>\^`{|}` and (through
/// `utf8_percent_encode`) every non-ASCII byte. `%` stays, so an already encoded URL is unchanged.
const LOCATION: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// `location` as a `Location` header carries it: a deep link with `\`, `"`, spaces or non-ASCII
/// characters (which browsers may send raw) is percent-encoded, so it arrives where it started.
pub(crate) fn encode_location(location: &str) -> String {
    percent_encoding::utf8_percent_encode(location, LOCATION).to_string()
}

/// Whether the request is a browser navigation that a redirect to sign in can answer.
pub(crate) fn is_navigation(request: &Request<'_>) -> bool {
    matches!(request.method(), Method::Get | Method::Head) && prefers_html(request)
}

impl<'r> Responder<'r, 'static> for Reply {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        // The callback's URL carries the authorization code: never send it on as a Referer (RFC 9700
        // §4.2), whatever page or link the browser goes to next. The email page's URL carries none, and
        // under `no-referrer` a browser sends `Origin: null` with its form: `same-origin` lets the form
        // say where it comes from, which the login route checks, and still tells no other site.
        let referrer_policy = match self {
            Reply::Page(..) => "same-origin",
            _ => "no-referrer",
        };
        let mut response = match self {
            Reply::Redirect(location) => Response::build()
                .status(Status::SeeOther)
                .raw_header("Location", encode_location(&location))
                .finalize(),
            Reply::Problem(problem) if prefers_html(request) => {
                let next = next_steps(&problem, request);
                html_response(problem.status, html_page(&problem, &next))
            }
            Reply::Page(status, page) => html_response(status, page),
            Reply::Problem(problem) => {
                let mut body = json!({ "error": problem.code, "message": problem.detail });
                if let Some(url) = &problem.login_url {
                    body["login_url"] = json!(url);
                }
                let body = body.to_string();
                Response::build()
                    .status(problem.status)
                    .header(ContentType::JSON)
                    .sized_body(body.len(), Cursor::new(body))
                    .finalize()
            }
        };
        response.set_raw_header("Cache-Control", "no-store");
        response.set_raw_header("Referrer-Policy", referrer_policy);
        // Every 503 of the library is a moment's unavailability (the session store, a bound on
        // lookups): it says when to try again. A reply that knows better sets its own after this.
        if response.status() == Status::ServiceUnavailable {
            response.set_raw_header("Retry-After", "1");
        }
        Ok(response)
    }
}

fn html_response(status: Status, page: String) -> Response<'static> {
    Response::build()
        .status(status)
        .header(ContentType::HTML)
        .sized_body(page.len(), Cursor::new(page))
        .finalize()
}

/// What a person can do next from a problem page, as HTML: sign in again when the problem says where;
/// otherwise go home, if the application has a home page, and, signed in but refused, sign out to sign
/// in as someone else. Never a link that leads nowhere.
fn next_steps(problem: &Problem, request: &Request<'_>) -> String {
    if let Some(url) = &problem.login_url {
        return sign_in_again(url);
    }
    let rocket = request.rocket();
    let mut steps = String::new();
    let home = rocket
        .routes()
        .any(|route| route.method == Method::Get && route.uri.path() == "/");
    if home {
        steps.push_str(r#"<p><a href="/">Back to the home page</a></p>"#);
    }
    if let Some(sso) = rocket.state::<crate::sso::Sso>() {
        if problem.status == Status::Forbidden {
            steps.push_str(&format!(
                r#"<form method="post" action="{}"><button type="submit">Sign out</button></form>"#,
                escape(&sso.settings.logout_path)
            ));
        } else if !home {
            steps.push_str(&format!(
                r#"<p><a href="{}">Sign in</a></p>"#,
                escape(&sso.default_login_url("/"))
            ));
        }
    }
    steps
}

fn sign_in_again(login_url: &str) -> String {
    format!(
        r#"<p><a href="{}">Sign in again</a></p>"#,
        escape(login_url)
    )
}

fn html_page(problem: &Problem, action: &str) -> String {
    document(
        problem.title,
        &format!(
            "<h1>{title}</h1><p>{detail}</p><p>Error code: <code>{code}</code></p>{action}",
            title = escape(problem.title),
            detail = escape(&problem.detail),
            code = escape(&problem.code),
        ),
    )
}

/// A request a guard of this library turned away because nobody is signed in (or the session is
/// expired, tampered with, or of another tenant's sign-in), and where to sign in: what the library's own
/// 401 catcher answers with, for an application that has its own 401 catcher. See [`sign_in`].
#[derive(Debug, Clone)]
pub struct SignIn {
    login_url: String,
    browser: bool,
}

impl SignIn {
    /// The login route's URL that signs the user in and comes back to the refused page.
    pub fn login_url(&self) -> &str {
        &self.login_url
    }

    /// Whether the request is a browser's page navigation (a `GET` or `HEAD` that prefers HTML), which
    /// a redirect to sign in answers; API and `fetch` clients are not.
    pub fn is_browser(&self) -> bool {
        self.browser
    }
}

/// For an application's own 401 catcher: `Some` when a `#[workos_sso]` or [`Profile`](crate::Profile)
/// guard asked for a sign-in, `None` for a 401 the application's own guards raised. Responding with the
/// [`SignIn`] answers as the library's catcher would (a `303` to sign in for a browser, else a `401` JSON
/// body with the `login_url`); or answer API clients with the application's own body:
///
/// ```rust
/// use rocket::serde::json::{json, Json, Value};
/// use rocket::{catch, Request};
/// use rocket_workos_sso::SignIn;
///
/// #[catch(401)]
/// fn unauthorized(request: &Request<'_>) -> Result<SignIn, Json<Value>> {
///     match rocket_workos_sso::sign_in(request) {
///         Some(sign_in) if sign_in.is_browser() => Ok(sign_in),
///         sign_in => Err(Json(json!({
///             "error": "unauthorized",
///             "login_url": sign_in.map(|sign_in| sign_in.login_url().to_owned()),
///         }))),
///     }
/// }
/// ```
pub fn sign_in(request: &Request<'_>) -> Option<SignIn> {
    let Challenge(login_url) = request.local_cache(Challenge::default).clone();
    Some(SignIn {
        login_url: login_url?,
        browser: is_navigation(request),
    })
}

impl<'r> Responder<'r, 'static> for SignIn {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        let reply = if self.browser {
            Reply::Redirect(self.login_url)
        } else {
            Problem::new(
                Status::Unauthorized,
                "unauthenticated",
                "Sign in required",
                "Sign in with SSO to use this resource.",
            )
            .with_login_url(self.login_url)
            .into()
        };
        reply.respond_to(request)
    }
}

/// The 401 catcher: a browser is sent to sign in, anything else gets a JSON body naming the login URL.
fn unauthorized<'r>(_: Status, request: &'r Request<'_>) -> BoxFuture<'r> {
    Box::pin(async move {
        match sign_in(request) {
            Some(sign_in) => sign_in.respond_to(request),
            None => Reply::from(Problem::new(
                Status::Unauthorized,
                "unauthorized",
                "Unauthorized",
                "This request needs authentication.",
            ))
            .respond_to(request),
        }
    })
}

/// The 403 catcher: says what the signed-in user lacks.
fn forbidden<'r>(_: Status, request: &'r Request<'_>) -> BoxFuture<'r> {
    Box::pin(async move {
        let Refusal { reason, login_url } = request.local_cache(Refusal::default).clone();
        let detail = match reason {
            Some(reason) => format!("You are signed in, but {reason}."),
            None => "You are not allowed to see this page.".to_owned(),
        };
        let mut problem = Problem::new(Status::Forbidden, "forbidden", "Access denied", detail);
        problem.login_url = login_url;
        Reply::Problem(problem).respond_to(request)
    })
}

/// The 503 catcher: the session store could not say who is signed in (or another guard or handler
/// failed with 503). A page or JSON, and `Retry-After`.
fn unavailable<'r>(_: Status, request: &'r Request<'_>) -> BoxFuture<'r> {
    Box::pin(async move {
        let problem = if request.local_cache(StoreDown::default).0 {
            store_unavailable()
        } else {
            Problem::new(
                Status::ServiceUnavailable,
                "unavailable",
                "Service unavailable",
                "This service is unavailable right now. Please try again in a moment.",
            )
        };
        Reply::from(problem).respond_to(request)
    })
}

/// The answer when the session store cannot be reached: the user is neither signed in nor out yet.
pub(crate) fn store_unavailable() -> Problem {
    Problem::new(
        Status::ServiceUnavailable,
        "session_store_unavailable",
        "Temporarily unavailable",
        "Your session cannot be checked right now. Please try again in a moment.",
    )
}

/// The catchers the fairing registers at `/` (see [`WorkosSso::catchers`](crate::WorkosSso::catchers)).
pub(crate) fn catchers() -> Vec<Catcher> {
    vec![
        Catcher::new(Status::Unauthorized.code, unauthorized),
        Catcher::new(Status::Forbidden.code, forbidden),
        Catcher::new(Status::ServiceUnavailable.code, unavailable),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_carries_deep_links_percent_encoded_and_urls_unchanged() {
        for (location, header) in [
            ("/report?path=C:\\docs", "/report?path=C:%5Cdocs"),
            (
                "/search?q=a+b&exact=\"two words\"",
                "/search?q=a+b&exact=%22two%20words%22",
            ),
            ("/caf\u{e9}?k=\u{4e2d}", "/caf%C3%A9?k=%E4%B8%AD"),
            ("/a%20b?x=%2F", "/a%20b?x=%2F"),
            (
                "https://api.workos.com/sso/authorize?client_id=client_1&state=a-b_c",
                "https://api.workos.com/sso/authorize?client_id=client_1&state=a-b_c",
            ),
        ] {
            assert_eq!(encode_location(location), header, "{location}");
        }
    }

    #[test]
    fn a_problem_page_escapes_everything_it_shows() {
        let problem = Problem::new(
            Status::BadRequest,
            "<code>",
            "Sign-in failed",
            "<script>alert(1)</script>",
        )
        .with_login_url("/sso/login?x=\"><script>");
        let page = html_page(
            &problem,
            &sign_in_again(problem.login_url.as_deref().unwrap()),
        );
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("&lt;code&gt;"));
    }
}

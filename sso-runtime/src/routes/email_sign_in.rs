//! The login route's part in sign-in by email: when it shows the page, and the `POST` the page's form
//! makes.

use std::time::Duration;

use rocket::data::ToByteUnit;
use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Responder};
use rocket::route::{self, Handler};
use rocket::Data;
use url::Url;

use super::email_page::show;
use super::login::{flow_named, start_login, unknown_flow};
use super::{no_wiring, query};
use crate::client::ConnectionSelector;
use crate::email::address::WorkEmail;
use crate::email::ResolveError;
use crate::flow::return_to_or_default;
use crate::reply::{is_navigation, prefers_html, Problem, Reply};
use crate::sso::Sso;

/// The largest form body read; an address is at most 254 bytes, and `return_to` is bounded too.
const MAX_FORM_BYTES: u64 = 16 * 1024;

/// Whether a login of a flow without a pin should show the email page: a browser navigating, with no
/// selector in the query.
pub(crate) fn is_asked_for(request: &Request<'_>) -> bool {
    is_navigation(request)
        && ["organization", "connection", "provider"]
            .iter()
            .all(|name| query(request, name).is_none())
}

/// What the page says when the domain could not be resolved.
const UNAVAILABLE: &str =
    "Sign-in by email is unavailable right now. Please try again in a moment.";

/// `POST` to the login route: the email page's form.
#[derive(Clone)]
pub(crate) struct EmailSignIn;

#[rocket::async_trait]
impl Handler for EmailSignIn {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        let answer = match request.rocket().state::<Sso>() {
            Some(sso) if !is_from_this_site(sso, request) => Answer::from(cross_site()),
            Some(sso) => sign_in(sso, request, data)
                .await
                .unwrap_or_else(|problem| Reply::from(problem).into()),
            None => no_wiring().into(),
        };
        route::Outcome::from(request, answer)
    }
}

/// Whether the form was posted from the application's own pages, as far as the browser says.
///
/// A browser says where a form comes from in `Sec-Fetch-Site` and `Origin`: the email page is the
/// application's own, at the origin of its callbacks (the login cookie must reach the callback), so
/// its form is `same-origin` and carries that origin. Another site posting the form (login CSRF: the
/// visitor signed in to an organization and with an address the other site chose) is refused, and so is
/// a sibling subdomain (`same-site`: it may be another tenant's or another party's).
///
/// `Sec-Fetch-Site` decides when the browser sends it (every current one does); an `Origin` must then
/// be ours or `null` (what a browser sends for a same-origin form under a `no-referrer` policy, which a
/// proxy or the application may set). Without `Sec-Fetch-Site`, the `Origin` decides, and `null` (a
/// sandboxed frame, a `data:` page, a cross-site redirect) is refused. A request with neither header
/// is not a browser's (curl, a script): it carries no visitor's cookies, so it can only sign itself
/// in, and is served.
fn is_from_this_site(sso: &Sso, request: &Request<'_>) -> bool {
    let headers = request.headers();
    let mut origins = headers.get("Origin");
    if headers.contains("Sec-Fetch-Site") {
        headers.get("Sec-Fetch-Site").all(|site| {
            site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none")
        }) && origins.all(|origin| origin == "null" || is_ours(sso, origin))
    } else {
        origins.all(|origin| is_ours(sso, origin))
    }
}

/// Whether `origin` (an `Origin` header) is the origin of one of the application's callbacks.
fn is_ours(sso: &Sso, origin: &str) -> bool {
    let Ok(origin) = Url::parse(origin).map(|url| url.origin()) else {
        return false;
    };
    origin.is_tuple()
        && sso
            .flows
            .values()
            .any(|flow| flow.redirect_uri.origin() == origin)
}

/// The answer to a form posted from another site: nothing started.
fn cross_site() -> Problem {
    Problem::new(
        Status::Forbidden,
        "cross_site_form",
        "Sign-in could not be started",
        "This sign-in form was sent from another site, so no sign-in was started. Open this site's \
         sign-in page and enter your work email there.",
    )
}

/// The handler's answer, and how long to wait before trying again when it is a 503 of the lookup bound.
struct Answer {
    reply: Reply,
    retry_after: Option<Duration>,
}

impl From<Reply> for Answer {
    fn from(reply: Reply) -> Self {
        Answer {
            reply,
            retry_after: None,
        }
    }
}

impl From<Problem> for Answer {
    fn from(problem: Problem) -> Self {
        Reply::from(problem).into()
    }
}

impl<'r> Responder<'r, 'static> for Answer {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        let mut response = self.reply.respond_to(request)?;
        if let Some(wait) = self.retry_after {
            // Whole seconds, rounded up: at least 1.
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response.set_raw_header("Retry-After", seconds.max(1).to_string());
        }
        Ok(response)
    }
}

/// The fields of the form, each at most once.
#[derive(Default)]
struct Fields {
    flow: Option<String>,
    return_to: Option<String>,
    email: Option<String>,
    repeated: bool,
}

async fn read_fields(request: &Request<'_>, data: Data<'_>) -> Result<Fields, Problem> {
    if request.content_type() != Some(&ContentType::Form) {
        return Err(Problem::new(
            Status::UnsupportedMediaType,
            "unsupported_form",
            "Sign-in could not be started",
            "Send the email form as application/x-www-form-urlencoded.",
        ));
    }
    let body = data
        .open(MAX_FORM_BYTES.bytes())
        .into_bytes()
        .await
        .ok()
        .filter(|body| body.is_complete())
        .ok_or_else(|| {
            Problem::new(
                Status::PayloadTooLarge,
                "form_too_large",
                "Sign-in could not be started",
                "The form sent is too large.",
            )
        })?;
    let mut fields = Fields::default();
    for (name, value) in url::form_urlencoded::parse(&body) {
        let slot = match name.as_ref() {
            "flow" => &mut fields.flow,
            "return_to" => &mut fields.return_to,
            "email" => &mut fields.email,
            _ => continue,
        };
        fields.repeated |= slot.is_some();
        *slot = Some(value.into_owned());
    }
    Ok(fields)
}

/// Checks the address, resolves its domain to one organization and starts the login with it; anything
/// else shows the page again, with no login started.
async fn sign_in(sso: &Sso, request: &Request<'_>, data: Data<'_>) -> Result<Answer, Problem> {
    let fields = read_fields(request, data).await?;
    let (key, flow) = flow_named(sso, fields.flow.as_deref().filter(|key| !key.is_empty()))?;
    if flow.login.selector.is_some() {
        return Err(unknown_flow(sso));
    }
    let return_to = return_to_or_default(fields.return_to.as_deref()).to_owned();
    let entered = fields.email.unwrap_or_default();
    let again = |status: Status, code: &str, message: &str| {
        if prefers_html(request) {
            show(sso, status, key, &return_to, &entered, Some(message))
        } else {
            Problem::new(status, code, "Sign-in could not be started", message).into()
        }
    };
    if fields.repeated {
        return Ok(again(
            Status::BadRequest,
            "invalid_email",
            "Enter one email address.",
        )
        .into());
    }
    let email = match WorkEmail::parse(&entered) {
        Ok(email) => email,
        Err(error) => {
            return Ok(again(Status::BadRequest, "invalid_email", error.message()).into());
        }
    };
    let domain = email.domain();
    let mut organizations = match sso
        .email
        .resolver
        .organizations(domain, request.rocket())
        .await
    {
        Ok(organizations) => organizations,
        Err(ResolveError::Throttled { retry_after }) => {
            rocket::log::private::warn!(
                "WorkOS SSO: the organizations of {domain:?} were not looked up: too many lookups this \
                 second (workos.organization_lookups_per_second)"
            );
            return Ok(Answer {
                reply: again(Status::ServiceUnavailable, "directory_busy", UNAVAILABLE),
                retry_after: Some(retry_after),
            });
        }
        Err(error) => {
            rocket::log::private::error!(
                "WorkOS SSO: the organizations of {domain:?} could not be found: {error}"
            );
            let (status, code) = match error {
                ResolveError::Failed(_) => (Status::BadGateway, "directory_error"),
                _ => (Status::ServiceUnavailable, "directory_unavailable"),
            };
            return Ok(again(status, code, UNAVAILABLE).into());
        }
    };
    organizations.sort_unstable();
    organizations.dedup();
    let organization = match organizations.as_slice() {
        [] => {
            let message = format!(
                "No organization signs in with {domain} here. Check the address, or ask your \
                 administrator."
            );
            return Ok(again(Status::BadRequest, "unknown_domain", &message).into());
        }
        [only]
            if rocket_workos_sso_rules::is_id(
                only,
                rocket_workos_sso_rules::ORGANIZATION_PREFIXES,
            ) =>
        {
            only.clone()
        }
        [_] => {
            rocket::log::private::error!(
                "WorkOS SSO: the domain resolver answered something that is not an organization id for \
                 {domain:?}"
            );
            return Ok(again(Status::BadGateway, "directory_error", UNAVAILABLE).into());
        }
        _ => {
            let message = format!(
                "Several organizations use {domain}, so this page cannot tell which one is yours. Use \
                 the sign-in link your administrator gave you, or ask them."
            );
            return Ok(again(Status::BadRequest, "ambiguous_domain", &message).into());
        }
    };
    Ok(start_login(
        sso,
        request,
        (key, flow),
        return_to,
        ConnectionSelector::Organization(organization),
        Some(email.as_str()),
    )
    .await
    .into())
}

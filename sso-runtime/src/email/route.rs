//! The login route's part in sign-in by email: when it shows the page, and the `POST` the page's form
//! makes.

use rocket::data::ToByteUnit;
use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::route::{self, Handler};
use rocket::Data;

use super::address::WorkEmail;
use super::page::show;
use super::ResolveError;
use crate::client::ConnectionSelector;
use crate::flow::return_to_or_default;
use crate::reply::{is_navigation, prefers_html, Problem, Reply};
use crate::routes::{flow_named, no_wiring, query, start_login, unknown_flow};
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
        let reply = match request.rocket().state::<Sso>() {
            Some(sso) => sign_in(sso, request, data)
                .await
                .unwrap_or_else(Reply::from),
            None => no_wiring(),
        };
        route::Outcome::from(request, reply)
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
async fn sign_in(sso: &Sso, request: &Request<'_>, data: Data<'_>) -> Result<Reply, Problem> {
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
        ));
    }
    let email = match WorkEmail::parse(&entered) {
        Ok(email) => email,
        Err(error) => {
            return Ok(again(Status::BadRequest, "invalid_email", error.message()));
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
        Err(error) => {
            rocket::log::private::error!(
                "WorkOS SSO: the organizations of {domain:?} could not be found: {error}"
            );
            let (status, code) = match error {
                ResolveError::Unavailable(_) => {
                    (Status::ServiceUnavailable, "directory_unavailable")
                }
                ResolveError::Failed(_) => (Status::BadGateway, "directory_error"),
            };
            return Ok(again(status, code, UNAVAILABLE));
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
            return Ok(again(Status::BadRequest, "unknown_domain", &message));
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
            return Ok(again(Status::BadGateway, "directory_error", UNAVAILABLE));
        }
        _ => {
            let message = format!(
                "Several organizations use {domain}, so this page cannot tell which one is yours. Use \
                 the sign-in link your administrator gave you, or ask them."
            );
            return Ok(again(Status::BadRequest, "ambiguous_domain", &message));
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
    .await)
}

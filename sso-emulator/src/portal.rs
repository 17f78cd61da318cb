//! A minimal Admin Portal: `POST /portal/generate_link` (API key) opens a link where someone sets up an
//! SSO connection for an organization; the connection then works in `/sso/authorize` straight away.

use std::time::Duration;

use hyper::header::HeaderMap;
use hyper::StatusCode;
use serde_json::json;
use url::Url;

use super::ids;
use super::pages::{self, PORTAL_CONNECTION_TYPES};
use super::params::Params;
use super::reply::Reply;
use super::seed::{Connection, User};
use super::store::{PortalLink, State};

/// How long a portal link stays usable (WorkOS's links last five minutes).
const LINK_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Handles `POST /portal/generate_link`: `{"organization", "intent", "return_url"?, "success_url"?}` →
/// `201 {"link"}`. Only the `sso` intent is emulated.
pub(crate) fn generate_link(
    state: &mut State,
    base_url: &Url,
    headers: &HeaderMap,
    body: &[u8],
) -> Reply {
    let requested = Params::from_body(headers, body)
        .map_err(|_| invalid("The request body must be a JSON object."))
        .and_then(|params| link_request(state, &params));
    let portal = match requested {
        Ok(portal) => portal,
        Err(reply) => return reply,
    };
    let secret = ids::secret();
    let mut link = base_url
        .join("portal/launch")
        .unwrap_or_else(|_| base_url.clone());
    link.query_pairs_mut().append_pair("secret", &secret);
    let now = state.now();
    state
        .session
        .portal_links
        .insert(secret, portal, now, LINK_LIFETIME);
    Reply::json(StatusCode::CREATED, &json!({ "link": link.as_str() }))
}

/// The portal session a link request asks for, or the 404/422 explaining why not.
fn link_request(state: &State, params: &Params) -> Result<PortalLink, Reply> {
    let organization_id = params
        .get("organization")
        .ok_or_else(|| invalid("organization is required."))?;
    match params.get("intent") {
        Some("sso") => {}
        None => return Err(invalid("intent is required.")),
        Some(_) => {
            return Err(invalid(
                "The emulator's Admin Portal supports only the sso intent.",
            ))
        }
    }
    if state.settings.seed.organization(organization_id).is_none() {
        return Err(Reply::message(
            StatusCode::NOT_FOUND,
            format!("Organization not found: '{organization_id}'."),
        ));
    }
    // The URL becomes a link on the portal page, so only web URLs are taken (no `javascript:`).
    let success_url = match params.get("success_url").or(params.get("return_url")) {
        Some(url) if Url::parse(url).is_ok_and(|url| matches!(url.scheme(), "http" | "https")) => {
            Some(url.to_owned())
        }
        Some(_) => {
            return Err(invalid(
                "success_url and return_url must be absolute http(s) URLs.",
            ))
        }
        None => None,
    };
    Ok(PortalLink {
        organization_id: organization_id.to_owned(),
        success_url,
    })
}

fn invalid(message: &str) -> Reply {
    Reply::message(StatusCode::UNPROCESSABLE_ENTITY, message)
}

/// Handles `GET /portal/launch?secret=…`: the set-up form.
pub(crate) fn form(state: &State, query: &Params) -> Reply {
    match open_link(state, query) {
        Ok((secret, portal)) => Reply::html(
            StatusCode::OK,
            pages::portal_form(&organization_name(state, portal), secret, None),
        ),
        Err(page) => page,
    }
}

/// Handles `POST /portal/launch`: creates the connection and its users.
pub(crate) fn create(state: &mut State, form: &Params) -> Reply {
    let (secret, portal) = match open_link(state, form) {
        Ok((secret, portal)) => (secret.to_owned(), portal.clone()),
        Err(page) => return page,
    };
    match new_connection(form, &portal.organization_id) {
        Ok((connection, users)) => {
            let page = pages::portal_done(&connection, users.len(), portal.success_url.as_deref());
            let seed = &mut state.settings.seed;
            seed.connections.push(connection);
            seed.users.extend(users);
            Reply::html(StatusCode::CREATED, page)
        }
        Err(problem) => Reply::html(
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::portal_form(&organization_name(state, &portal), &secret, Some(problem)),
        ),
    }
}

/// The connection and users the portal form describes, or what to fix.
fn new_connection(
    form: &Params,
    organization_id: &str,
) -> Result<(Connection, Vec<User>), &'static str> {
    let name = form
        .get("name")
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .ok_or("Give the connection a name.")?;
    let kind = form
        .get("connection_type")
        .filter(|kind| PORTAL_CONNECTION_TYPES.contains(kind))
        .ok_or("Pick one of the listed identity providers.")?;
    let connection = Connection::for_organization(organization_id, kind, name);
    let users = form
        .get("users")
        .and_then(|text| parse_users(text, &connection.id))
        .ok_or("List at least one user, one per line, each with a valid email.")?;
    Ok((connection, users))
}

/// The secret and its link, or the page explaining that the link is unusable.
fn open_link<'s>(state: &'s State, params: &'s Params) -> Result<(&'s str, &'s PortalLink), Reply> {
    params
        .get("secret")
        .and_then(|secret| Some((secret, state.session.portal_links.get(secret, state.now())?)))
        .ok_or_else(|| {
            Reply::html(
                StatusCode::NOT_FOUND,
                pages::error(
                    "Portal link expired",
                    "This Admin Portal link is unknown or has expired. Generate a new one.",
                ),
            )
        })
}

fn organization_name(state: &State, portal: &PortalLink) -> String {
    state
        .settings
        .seed
        .organization(&portal.organization_id)
        .map_or_else(|| portal.organization_id.clone(), |org| org.name.clone())
}

/// Users of `connection_id`, one per non-empty line: `ada@x.test` or `Ada Lovelace <ada@x.test>`.
/// `None` when a line is not understood or there is no line at all.
fn parse_users(text: &str, connection_id: &str) -> Option<Vec<User>> {
    let users: Option<Vec<User>> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (name, email) = match line
                .strip_suffix('>')
                .and_then(|rest| rest.rsplit_once('<'))
            {
                Some((name, email)) => (name.trim(), email.trim()),
                None => ("", line),
            };
            let valid = email
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
            let mut words = name
                .splitn(2, ' ')
                .map(str::trim)
                .filter(|word| !word.is_empty())
                .map(String::from);
            valid.then(|| User {
                first_name: words.next(),
                last_name: words.next(),
                ..User::new(connection_id, email)
            })
        })
        .collect();
    users.filter(|users| !users.is_empty())
}

#[cfg(test)]
mod tests {
    use super::parse_users;

    #[test]
    fn users_may_carry_names() {
        let users = parse_users("Ada Lovelace <ada@x.test>\n\n bob@x.test ", "conn_1").unwrap();
        let names: Vec<_> = users
            .iter()
            .map(|user| (user.email.as_str(), user.full_name()))
            .collect();
        assert_eq!(
            names,
            [
                ("ada@x.test", Some("Ada Lovelace".into())),
                ("bob@x.test", None)
            ]
        );
    }

    #[test]
    fn a_line_without_an_email_is_refused() {
        assert_eq!(parse_users("ada@x.test\nnot an email", "conn_1"), None);
    }
}

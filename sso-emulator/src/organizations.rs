//! `GET /organizations` and `GET /organizations/{id}`, behind the API key.

use hyper::StatusCode;

use super::paging::Paging;
use super::params::Params;
use super::reply::Reply;
use super::seed::Organization;
use super::store::State;
use super::wire;

/// Handles `GET /organizations`: `domains` (comma-separated or repeated; an organization owning any of
/// them matches, ignoring case), `search` (in the name, ignoring case) and the paging parameters.
pub(crate) fn list(state: &State, query: &Params) -> Reply {
    let paging = match Paging::parse(query) {
        Ok(paging) => paging,
        Err(message) => return Reply::message(StatusCode::UNPROCESSABLE_ENTITY, message),
    };
    let filter = Filter::parse(query);
    let matching = state
        .settings
        .seed
        .organizations
        .iter()
        .filter(|org| filter.matches(org))
        .collect();
    Reply::json(StatusCode::OK, &paging.list(matching, wire::organization))
}

/// Handles `GET /organizations/{id}`.
pub(crate) fn get(state: &State, id: &str) -> Reply {
    match state.settings.seed.organization(id) {
        Some(org) => Reply::json(StatusCode::OK, &wire::organization(org)),
        None => Reply::message(
            StatusCode::NOT_FOUND,
            format!("Organization not found: '{id}'."),
        ),
    }
}

/// The list's filters.
#[derive(Debug)]
struct Filter {
    domains: Vec<String>,
    search: Option<String>,
}

impl Filter {
    fn parse(query: &Params) -> Self {
        Self {
            domains: query.list("domains"),
            search: query.get("search").map(str::to_lowercase),
        }
    }

    /// Whether `org` passes every filter the request gave.
    fn matches(&self, org: &Organization) -> bool {
        let owns = |wanted: &String| {
            org.domains
                .iter()
                .any(|own| own.eq_ignore_ascii_case(wanted))
        };
        (self.domains.is_empty() || self.domains.iter().any(owns))
            && self
                .search
                .as_deref()
                .is_none_or(|text| org.name.to_lowercase().contains(text))
    }
}

//! `GET /connections`, `GET /connections/{id}` and `DELETE /connections/{id}`, behind the API key.

use hyper::StatusCode;

use super::paging::Paging;
use super::params::Params;
use super::reply::Reply;
use super::seed::{same_connection_type, Connection, Seed};
use super::store::State;
use super::wire;

/// Handles `GET /connections`.
pub(crate) fn list(state: &State, query: &Params) -> Reply {
    let paging = match Paging::parse(query) {
        Ok(paging) => paging,
        Err(message) => return Reply::message(StatusCode::UNPROCESSABLE_ENTITY, message),
    };
    let (seed, filter) = (&state.settings.seed, Filter::parse(query));
    let matching = seed
        .connections
        .iter()
        .filter(|connection| filter.matches(connection, seed))
        .collect();
    let page = paging.list(matching, |connection| wire::connection(connection, seed));
    Reply::json(StatusCode::OK, &page)
}

/// Handles `GET /connections/{id}`.
pub(crate) fn get(state: &State, id: &str) -> Reply {
    let seed = &state.settings.seed;
    match seed.connection(id) {
        Some(connection) => Reply::json(StatusCode::OK, &wire::connection(connection, seed)),
        None => not_found(id),
    }
}

/// Handles `DELETE /connections/{id}`: the connection and its users are gone, so nobody can sign in
/// through it any more (codes already issued for it fail with `invalid_grant`), and `connection.deleted`
/// is emitted.
pub(crate) fn delete(state: &mut State, id: &str) -> Reply {
    match state.delete_connection(id) {
        Ok(_) => Reply::empty(StatusCode::NO_CONTENT),
        Err(_) => not_found(id),
    }
}

fn not_found(id: &str) -> Reply {
    Reply::message(
        StatusCode::NOT_FOUND,
        format!("Connection not found: '{id}'."),
    )
}

/// The list's filters.
#[derive(Debug)]
struct Filter<'q> {
    connection_type: Option<&'q str>,
    organization_id: Option<&'q str>,
    domain: Option<&'q str>,
    search: Option<String>,
}

impl<'q> Filter<'q> {
    fn parse(query: &'q Params) -> Self {
        Self {
            connection_type: query.get("connection_type"),
            organization_id: query.get("organization_id"),
            domain: query.get("domain"),
            search: query.get("search").map(str::to_lowercase),
        }
    }

    /// Whether `connection` passes every filter the request gave.
    fn matches(&self, connection: &Connection, seed: &Seed) -> bool {
        let domains = || {
            connection
                .organization_id
                .as_deref()
                .and_then(|id| seed.organization(id))
                .map(|org| &org.domains[..])
                .unwrap_or_default()
        };
        self.connection_type
            .is_none_or(|kind| same_connection_type(kind, &connection.connection_type))
            && self
                .organization_id
                .is_none_or(|id| connection.organization_id.as_deref() == Some(id))
            && self
                .domain
                .is_none_or(|domain| domains().iter().any(|own| own.eq_ignore_ascii_case(domain)))
            && self
                .search
                .as_deref()
                .is_none_or(|text| connection.name.to_lowercase().contains(text))
    }
}

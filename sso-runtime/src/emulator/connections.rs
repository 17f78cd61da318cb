//! `GET /connections`, `GET /connections/{id}` and `DELETE /connections/{id}`, behind the API key.

use hyper::StatusCode;
use serde_json::{json, Value};

use super::params::Params;
use super::reply::Reply;
use super::seed::{same_connection_type, Connection, Seed};
use super::store::State;
use super::wire;

/// Default and largest page size of the list.
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;

/// Handles `GET /connections`.
pub(crate) fn list(state: &State, query: &Params) -> Reply {
    let page = match ListRequest::parse(query) {
        Ok(request) => request.page(&state.settings.seed),
        Err(message) => return Reply::message(StatusCode::UNPROCESSABLE_ENTITY, message),
    };
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
/// through it any more (codes already issued for it fail with `invalid_grant`).
pub(crate) fn delete(state: &mut State, id: &str) -> Reply {
    let seed = &mut state.settings.seed;
    let before = seed.connections.len();
    seed.connections.retain(|connection| connection.id != id);
    if seed.connections.len() == before {
        return not_found(id);
    }
    seed.users.retain(|user| user.connection_id != id);
    Reply::empty(StatusCode::NO_CONTENT)
}

fn not_found(id: &str) -> Reply {
    Reply::message(
        StatusCode::NOT_FOUND,
        format!("Connection not found: '{id}'."),
    )
}

/// Where a page starts: at an end of the list, or next to a cursor.
#[derive(Debug)]
enum Cursor<'q> {
    Start,
    After(&'q str),
    Before(&'q str),
}

/// A validated list request.
#[derive(Debug)]
struct ListRequest<'q> {
    limit: usize,
    ascending: bool,
    cursor: Cursor<'q>,
    connection_type: Option<&'q str>,
    organization_id: Option<&'q str>,
    domain: Option<&'q str>,
    search: Option<String>,
}

impl<'q> ListRequest<'q> {
    fn parse(query: &'q Params) -> Result<Self, &'static str> {
        let limit = match query.get("limit") {
            None => DEFAULT_LIMIT,
            Some(text) => text
                .parse()
                .ok()
                .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                .ok_or("limit must be an integer between 1 and 100.")?,
        };
        // `normal` is in the spec's enum without a documented meaning; it is taken as the default order.
        let ascending = match query.get("order") {
            None | Some("desc" | "normal") => false,
            Some("asc") => true,
            Some(_) => return Err("order must be one of asc, desc or normal."),
        };
        let cursor = match (query.get("after"), query.get("before")) {
            (None, None) => Cursor::Start,
            (Some(after), None) => Cursor::After(after),
            (None, Some(before)) => Cursor::Before(before),
            (Some(_), Some(_)) => return Err("Pass either before or after, not both."),
        };
        Ok(Self {
            limit,
            ascending,
            cursor,
            connection_type: query.get("connection_type"),
            organization_id: query.get("organization_id"),
            domain: query.get("domain"),
            search: query.get("search").map(str::to_lowercase),
        })
    }

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

    /// Whether `left` comes before `right` in the requested order. IDs are ULIDs, so ordering by ID is
    /// ordering by creation, and a cursor keeps its place even if its connection was deleted meanwhile.
    fn precedes(&self, left: &str, right: &str) -> bool {
        if self.ascending {
            left < right
        } else {
            left > right
        }
    }

    /// The list object for this page.
    fn page(&self, seed: &Seed) -> Value {
        let mut matching: Vec<&Connection> = seed
            .connections
            .iter()
            .filter(|connection| self.matches(connection, seed))
            .collect();
        matching.sort_by(|left, right| {
            if self.ascending {
                left.id.cmp(&right.id)
            } else {
                right.id.cmp(&left.id)
            }
        });
        let (start, end) = match self.cursor {
            Cursor::Start => (0, self.limit.min(matching.len())),
            Cursor::After(cursor) => {
                let start =
                    matching.partition_point(|connection| !self.precedes(cursor, &connection.id));
                (start, (start + self.limit).min(matching.len()))
            }
            Cursor::Before(cursor) => {
                let end =
                    matching.partition_point(|connection| self.precedes(&connection.id, cursor));
                (end.saturating_sub(self.limit), end)
            }
        };
        let page = &matching[start..end];
        let before = page
            .first()
            .filter(|_| start > 0)
            .map(|connection| &connection.id);
        let after = page
            .last()
            .filter(|_| end < matching.len())
            .map(|connection| &connection.id);
        json!({
            "object": "list",
            "data": page.iter().map(|connection| wire::connection(connection, seed)).collect::<Vec<_>>(),
            "list_metadata": { "before": before, "after": after },
        })
    }
}

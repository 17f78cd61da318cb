//! Cursor pagination shared by the list endpoints: the `limit`, `order`, `before` and `after` query
//! parameters, and the list object with its `list_metadata` cursors.
//!
//! IDs are ULIDs, so ordering by ID is ordering by creation time, and a cursor keeps its place even if
//! its object was deleted meanwhile.

use serde_json::{json, Value};

use super::events::Event;
use super::params::Params;
use super::seed::{Connection, Organization};

/// Page size when the request names none.
const DEFAULT_LIMIT: usize = 10;
/// The largest page size WorkOS accepts.
const MAX_LIMIT: usize = 100;

/// Something a list endpoint pages through, by its ULID-bearing ID.
pub(crate) trait Listed {
    /// The `prefix_ULID` identifier, which is also its cursor.
    fn id(&self) -> &str;
}

impl Listed for Connection {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Listed for Organization {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Listed for Event {
    fn id(&self) -> &str {
        &self.id
    }
}

/// Where a page starts, in the order the list is shown: at its start, or next to a cursor.
#[derive(Debug)]
enum Cursor<'q> {
    Start,
    Following(&'q str),
    Preceding(&'q str),
}

/// A validated `limit`, `order`, `before` and `after`.
#[derive(Debug)]
pub(crate) struct Paging<'q> {
    limit: usize,
    ascending: bool,
    /// `order=normal`: newest first like `desc`, but `before` fetches older objects and `after` newer ones,
    /// the reverse of `desc`, for the request's cursors and the answer's alike.
    reversed_cursors: bool,
    cursor: Cursor<'q>,
}

impl<'q> Paging<'q> {
    /// Reads the paging parameters, newest first unless `order` says otherwise, or says which one is
    /// wrong (for a 422).
    pub(crate) fn parse(query: &'q Params) -> Result<Self, &'static str> {
        Self::parse_from(query, false)
    }

    /// Reads the paging parameters of a list shown oldest first unless `order` says otherwise (the
    /// events), or says which one is wrong (for a 422).
    pub(crate) fn parse_oldest_first(query: &'q Params) -> Result<Self, &'static str> {
        Self::parse_from(query, true)
    }

    fn parse_from(query: &'q Params, oldest_first: bool) -> Result<Self, &'static str> {
        let limit = match query.get("limit") {
            None => DEFAULT_LIMIT,
            Some(text) => text
                .parse()
                .ok()
                .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                .ok_or("limit must be an integer between 1 and 100.")?,
        };
        let (ascending, reversed_cursors) = match query.get("order") {
            None => (oldest_first, false),
            Some("desc") => (false, false),
            Some("asc") => (true, false),
            Some("normal") => (false, true),
            Some(_) => return Err("order must be one of asc, desc or normal."),
        };
        let (mut after, mut before) = (query.get("after"), query.get("before"));
        if reversed_cursors {
            (after, before) = (before, after);
        }
        let cursor = match (after, before) {
            (None, None) => Cursor::Start,
            (Some(after), None) => Cursor::Following(after),
            (None, Some(before)) => Cursor::Preceding(before),
            (Some(_), Some(_)) => return Err("Pass either before or after, not both."),
        };
        Ok(Self {
            limit,
            ascending,
            reversed_cursors,
            cursor,
        })
    }

    /// Whether `left` comes before `right` in the requested order.
    fn precedes(&self, left: &str, right: &str) -> bool {
        if self.ascending {
            left < right
        } else {
            left > right
        }
    }

    /// The list object for this page of `matching` (in any order), each object shown by `render`.
    pub(crate) fn list<T: Listed>(
        &self,
        mut matching: Vec<&T>,
        render: impl Fn(&T) -> Value,
    ) -> Value {
        matching.sort_by(|left, right| {
            if self.ascending {
                left.id().cmp(right.id())
            } else {
                right.id().cmp(left.id())
            }
        });
        let (start, end) = match self.cursor {
            Cursor::Start => (0, self.limit.min(matching.len())),
            Cursor::Following(cursor) => {
                let start = matching.partition_point(|item| !self.precedes(cursor, item.id()));
                (start, (start + self.limit).min(matching.len()))
            }
            Cursor::Preceding(cursor) => {
                let end = matching.partition_point(|item| self.precedes(item.id(), cursor));
                (end.saturating_sub(self.limit), end)
            }
        };
        let page = &matching[start..end];
        let mut before = page.first().filter(|_| start > 0).map(|item| item.id());
        let mut after = page
            .last()
            .filter(|_| end < matching.len())
            .map(|item| item.id());
        if self.reversed_cursors {
            (before, after) = (after, before);
        }
        json!({
            "object": "list",
            "data": page.iter().map(|item| render(item)).collect::<Vec<_>>(),
            "list_metadata": { "before": before, "after": after },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five organizations, oldest first.
    fn organizations() -> Vec<Organization> {
        ["A", "B", "C", "D", "E"]
            .map(|letter| Organization {
                id: format!("org_01JH{letter}0000000000000000000000"),
                name: letter.to_owned(),
                domains: Vec::new(),
            })
            .into()
    }

    /// The names on the page for `query`, and its `(before, after)` cursors as names.
    fn page(query: &str) -> (String, Option<String>, Option<String>) {
        let organizations = organizations();
        let params = Params::from_form(query.as_bytes());
        let list = Paging::parse(&params)
            .unwrap()
            .list(organizations.iter().collect(), |org| json!(org.name));
        let name = |cursor: &Value| {
            let id = cursor.as_str()?;
            organizations
                .iter()
                .find(|org| org.id == id)
                .map(|org| org.name.clone())
        };
        let names = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|name| name.as_str().unwrap())
            .collect();
        (
            names,
            name(&list["list_metadata"]["before"]),
            name(&list["list_metadata"]["after"]),
        )
    }

    fn expect(
        names: &str,
        before: Option<&str>,
        after: Option<&str>,
    ) -> (String, Option<String>, Option<String>) {
        (
            names.to_owned(),
            before.map(String::from),
            after.map(String::from),
        )
    }

    fn id(letter: &str) -> String {
        format!("org_01JH{letter}0000000000000000000000")
    }

    #[test]
    fn desc_is_the_default_and_after_goes_to_older_objects() {
        assert_eq!(page("limit=2"), expect("ED", None, Some("D")));
        assert_eq!(
            page(&format!("limit=2&after={}", id("D"))),
            expect("CB", Some("C"), Some("B"))
        );
    }

    #[test]
    fn before_returns_the_objects_just_ahead_of_the_cursor() {
        assert_eq!(
            page(&format!("limit=2&order=asc&before={}", id("E"))),
            expect("CD", Some("C"), Some("D"))
        );
        assert_eq!(
            page(&format!("limit=2&order=asc&before={}", id("B"))),
            expect("A", None, Some("A"))
        );
    }

    #[test]
    fn normal_is_newest_first_with_before_going_to_older_objects() {
        assert_eq!(page("limit=2&order=normal"), expect("ED", Some("D"), None));
        assert_eq!(
            page(&format!("limit=2&order=normal&before={}", id("D"))),
            expect("CB", Some("B"), Some("C"))
        );
        assert_eq!(
            page(&format!("limit=2&order=normal&after={}", id("C"))),
            expect("ED", Some("D"), None)
        );
    }

    #[test]
    fn bad_parameters_are_refused() {
        for query in [
            "limit=0",
            "limit=101",
            "limit=ten",
            "order=up",
            "before=x&after=y",
        ] {
            let params = Params::from_form(query.as_bytes());
            assert!(Paging::parse(&params).is_err(), "{query}");
        }
    }
}

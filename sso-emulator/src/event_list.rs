//! `GET /events`, behind the API key: the event log, oldest first, filtered and paged.
//!
//! - `events` (required): the names to list, repeated (`events=a&events=b`), as `events[]=a`, or
//!   comma-separated (`events=a,b`, which the Node and Python SDKs send);
//! - `after`: an event ID; the events after it (the cursor a client keeps: the last event it processed);
//! - `range_start`, `range_end`: ISO 8601 UTC with a `Z` (`2026-01-15T12:00:00.000Z`); events created at or
//!   after the start and before the end. They combine with `after`, as the SDKs' page iterators send both;
//! - `organization_id`: the events of one organization;
//! - `limit` (1 to 100, default 10), `order` (`asc` by default, `desc`, `normal`) and `before`, as the
//!   other lists read them.
//!
//! The answer is `{"object": "list", "data": [...], "list_metadata": {"after": …}}`, `after` being the
//! last event of the page when more follow it, `null` otherwise.

use hyper::StatusCode;
use time::{Date, Month, PrimitiveDateTime, Time};

use super::events::Event;
use super::paging::Paging;
use super::params::Params;
use super::reply::Reply;
use super::store::State;

/// Handles `GET /events`.
pub(crate) fn list(state: &State, query: &Params) -> Reply {
    let parsed = Paging::parse_oldest_first(query).and_then(|paging| {
        let filter = Filter::parse(query)?;
        Ok((paging, filter))
    });
    let (paging, filter) = match parsed {
        Ok(parsed) => parsed,
        Err(message) => return Reply::message(StatusCode::UNPROCESSABLE_ENTITY, message),
    };
    let matching = state
        .session
        .log
        .events
        .iter()
        .filter(|event| filter.matches(event))
        .collect();
    let mut page = paging.list(matching, Event::to_json);
    // The events list carries only the forward cursor.
    if let Some(metadata) = page["list_metadata"].as_object_mut() {
        metadata.remove("before");
    }
    Reply::json(StatusCode::OK, &page)
}

/// The list's filters.
#[derive(Debug)]
struct Filter<'q> {
    names: Vec<String>,
    organization_id: Option<&'q str>,
    /// Milliseconds since the Unix epoch, inclusive.
    start: Option<u64>,
    /// Milliseconds since the Unix epoch, exclusive.
    end: Option<u64>,
}

impl<'q> Filter<'q> {
    fn parse(query: &'q Params) -> Result<Self, &'static str> {
        let mut names = query.list("events");
        names.extend(query.list("events[]"));
        if names.is_empty() {
            return Err("events is required: the names of the events to list, e.g. events=dsync.user.deleted.");
        }
        let start = match query.get("range_start") {
            None => None,
            Some(text) => Some(utc_millis(text).ok_or(
                "range_start must be an ISO 8601 UTC timestamp ending in Z, e.g. 2026-01-15T12:00:00.000Z.",
            )?),
        };
        let end = match query.get("range_end") {
            None => None,
            Some(text) => Some(utc_millis(text).ok_or(
                "range_end must be an ISO 8601 UTC timestamp ending in Z, e.g. 2026-01-15T12:00:00.000Z.",
            )?),
        };
        Ok(Self {
            names,
            organization_id: query.get("organization_id"),
            start,
            end,
        })
    }

    /// Whether `event` passes every filter the request gave.
    fn matches(&self, event: &Event) -> bool {
        let created = event.created_millis();
        self.names.contains(&event.event)
            && self
                .organization_id
                .is_none_or(|id| event.organization_id() == Some(id))
            && self.start.is_none_or(|start| created >= start)
            && self.end.is_none_or(|end| created < end)
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` as milliseconds since the Unix epoch (digits past the millisecond
/// ignored); `None` for anything else, offsets such as `+00:00` included, as WorkOS accepts only `Z`.
fn utc_millis(text: &str) -> Option<u64> {
    let (date, time) = text.strip_suffix('Z')?.split_once('T')?;
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    let number = |digits: &str, width: usize| {
        (digits.len() == width && digits.bytes().all(|byte| byte.is_ascii_digit()))
            .then(|| digits.parse::<u32>().ok())
            .flatten()
    };
    let date: Vec<&str> = date.split('-').collect();
    let clock: Vec<&str> = clock.split(':').collect();
    let ([year, month, day], [hour, minute, second]) = (&date[..], &clock[..]) else {
        return None;
    };
    if !fraction.bytes().all(|byte| byte.is_ascii_digit()) || time.ends_with('.') {
        return None;
    }
    let millis: u32 = format!("{fraction:0<3}")[..3].parse().ok()?;
    let date = Date::from_calendar_date(
        i32::try_from(number(year, 4)?).ok()?,
        Month::try_from(u8::try_from(number(month, 2)?).ok()?).ok()?,
        u8::try_from(number(day, 2)?).ok()?,
    )
    .ok()?;
    let time = Time::from_hms_milli(
        u8::try_from(number(hour, 2)?).ok()?,
        u8::try_from(number(minute, 2)?).ok()?,
        u8::try_from(number(second, 2)?).ok()?,
        u16::try_from(millis).ok()?,
    )
    .ok()?;
    let at = PrimitiveDateTime::new(date, time).assume_utc();
    u64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_timestamps_with_a_z_are_read_to_the_millisecond() {
        assert_eq!(utc_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(utc_millis("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(
            utc_millis("2026-01-15T12:00:00.123456Z"),
            Some(1_768_478_400_123)
        );
    }

    #[test]
    fn anything_else_is_refused() {
        for text in [
            "",
            "2026-01-15",
            "2026-01-15T12:00:00",
            "2026-01-15T12:00:00+00:00",
            "2026-01-15T12:00:00.Z",
            "2026-13-15T12:00:00Z",
            "2026-02-30T12:00:00Z",
            "2026-01-15T24:00:00Z",
            "2026-1-15T12:00:00Z",
            "２026-01-15T12:00:00Z",
            "2026-01-15T12:00:00.1a3Z",
        ] {
            assert_eq!(utc_millis(text), None, "{text}");
        }
    }

    #[test]
    fn every_spelling_of_the_names_counts() {
        let query = Params::from_form(b"events=a,b&events=c&events[]=d");
        assert_eq!(Filter::parse(&query).unwrap().names, ["a", "b", "c", "d"]);
        assert!(Filter::parse(&Params::from_form(b"events=")).is_err());
    }
}

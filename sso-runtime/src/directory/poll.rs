//! Polling WorkOS's Events API for the events that end access: a background task per instance, every
//! `workos.events_poll_interval_ms`, reading on from a cursor kept in Redis and shared by every instance.
//!
//! No event is skipped: the cursor (the id of the latest event handled, which sorts in WorkOS's order)
//! moves only forward and only past events that were handled, and it survives restarts in Redis. Before
//! the first event, the reading starts at the time the first instance ever started polling (also kept in
//! Redis), so a restart skips nothing either. No event is handled twice: several instances may read the
//! same page, and the store's record of handled events lets one of them act. WorkOS down or slow delays
//! the next poll and never a request: the task is the instance's own. A failure that lasts (a wrong API
//! key, WorkOS down) spaces the polls out, up to a minute apart, and is logged when it starts, when its
//! reason changes, every ten minutes while it lasts, and when reading works again: never once a poll.

use std::time::{Duration, Instant};

use rocket::{Orbit, Rocket};

use super::{handle, Directory, EVENTS};
use crate::client::{ListEvents, WorkosClient};
use crate::sso::Sso;

/// The most events a page holds.
const PAGE: u32 = 100;

/// Starts the poller of `rocket`, if the application asked for one.
pub(crate) fn spawn(rocket: &Rocket<Orbit>) {
    let Some(sso) = rocket.state::<Sso>() else {
        return;
    };
    let (Some(interval), Some(directory)) =
        (sso.settings.directory.poll_interval, Directory::of(sso))
    else {
        return;
    };
    let client = sso.client.clone();
    let shutdown = rocket.shutdown();
    tokio::spawn(async move {
        tokio::pin!(shutdown);
        let mut failures = Failures::new(interval);
        loop {
            let result = poll(&client, &directory).await;
            if let Some(line) = failures.after(result, Instant::now()) {
                match line {
                    Log::Failing(line) => rocket::log::private::warn!("{line}"),
                    Log::Recovered(line) => rocket::log::private::info!("{line}"),
                }
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(failures.wait()) => {}
            }
        }
    });
}

/// The longest wait between polls while they fail (or the interval, if longer).
const MAX_WAIT: Duration = Duration::from_secs(60);

/// How often a failure that lasts is logged again.
const LOG_AGAIN: Duration = Duration::from_secs(600);

/// What the poller says of a poll's result, if anything.
#[derive(Debug, PartialEq, Eq)]
enum Log {
    Failing(String),
    Recovered(String),
}

/// The poller's failures in a row: how long to wait before the next poll, and what to log.
struct Failures {
    interval: Duration,
    in_a_row: u32,
    /// The reason last logged, and when.
    logged: Option<(String, Instant)>,
}

impl Failures {
    fn new(interval: Duration) -> Self {
        Failures {
            interval,
            in_a_row: 0,
            logged: None,
        }
    }

    /// Takes a poll's `result` at `now`; returns the line to log, if one is due.
    fn after(&mut self, result: Result<(), String>, now: Instant) -> Option<Log> {
        match result {
            Ok(()) => {
                self.in_a_row = 0;
                self.logged.take().map(|_| {
                    Log::Recovered("WorkOS SSO: reading the Events API works again".to_owned())
                })
            }
            Err(why) => {
                self.in_a_row = self.in_a_row.saturating_add(1);
                let due = match &self.logged {
                    Some((reason, at)) => *reason != why || now.duration_since(*at) >= LOG_AGAIN,
                    None => true,
                };
                if !due {
                    return None;
                }
                let line = format!(
                    "WorkOS SSO: reading the Events API: {why}; trying again in {} s (sessions of \
                     people deprovisioned meanwhile end when it works again)",
                    self.wait().as_secs_f32()
                );
                self.logged = Some((why, now));
                Some(Log::Failing(line))
            }
        }
    }

    /// How long to wait before the next poll: the interval, doubled for each failure in a row, up to
    /// [`MAX_WAIT`] (never less than the interval).
    fn wait(&self) -> Duration {
        let doubled = self.interval.saturating_mul(1u32 << self.in_a_row.min(16));
        doubled.min(MAX_WAIT.max(self.interval))
    }
}

/// Reads and handles every event after the shared cursor, page after page.
async fn poll(client: &WorkosClient, directory: &Directory) -> Result<(), String> {
    let unavailable = |_| "the session store is unavailable".to_owned();
    loop {
        let cursor = directory.store.events_cursor().await.map_err(unavailable)?;
        let mut request = EVENTS
            .iter()
            .fold(ListEvents::new(), |request, event| request.event(*event))
            .limit(PAGE)
            .map_err(|error| error.to_string())?;
        request = match cursor {
            Some(after) => request.after(after),
            None => {
                let since = directory
                    .store
                    .events_since(&now_rfc3339())
                    .await
                    .map_err(unavailable)?;
                request.range_start(since)
            }
        };
        let page = client
            .list_events(&request)
            .await
            .map_err(|error| error.to_string())?;
        for event in &page.data {
            handle(directory, event).await.map_err(unavailable)?;
            directory
                .store
                .advance_events_cursor(&event.id)
                .await
                .map_err(unavailable)?;
        }
        if page.data.len() < PAGE as usize {
            return Ok(());
        }
    }
}

/// Now, as the Events API's `range_start` reads it.
fn now_rfc3339() -> String {
    let now = rocket::time::OffsetDateTime::now_utc();
    now.format(&rocket::time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_space_the_polls_out_and_are_logged_once_per_reason_or_ten_minutes() {
        let start = Instant::now();
        let mut failures = Failures::new(Duration::from_secs(1));
        assert_eq!(failures.after(Ok(()), start), None);
        assert_eq!(failures.wait(), Duration::from_secs(1));

        let unauthorized = || Err("WorkOS refused the API key (401)".to_owned());
        let Some(Log::Failing(line)) = failures.after(unauthorized(), start) else {
            panic!("the first failure is logged");
        };
        assert!(
            line.contains("401") && line.contains("trying again in 2 s"),
            "{line}"
        );
        let mut waits = vec![failures.wait()];
        for minute in 1..=8 {
            let at = start + Duration::from_secs(minute);
            assert_eq!(
                failures.after(unauthorized(), at),
                None,
                "the same reason again"
            );
            waits.push(failures.wait());
        }
        let seconds: Vec<u64> = waits.iter().map(Duration::as_secs).collect();
        assert_eq!(seconds, [2, 4, 8, 16, 32, 60, 60, 60, 60]);

        let ten_minutes = start + LOG_AGAIN;
        assert!(
            failures.after(unauthorized(), ten_minutes).is_some(),
            "ten minutes on"
        );
        let other = Err("WorkOS answered 503".to_owned());
        assert!(
            failures.after(other, ten_minutes).is_some(),
            "another reason"
        );
        assert!(matches!(
            failures.after(Ok(()), ten_minutes),
            Some(Log::Recovered(_))
        ));
        assert_eq!(failures.wait(), Duration::from_secs(1));
        assert_eq!(
            failures.after(Ok(()), ten_minutes),
            None,
            "recovery is said once"
        );
    }

    #[test]
    fn an_interval_longer_than_the_longest_wait_is_kept() {
        let mut failures = Failures::new(Duration::from_secs(300));
        failures.after(Err("down".to_owned()), Instant::now());
        assert_eq!(failures.wait(), Duration::from_secs(300));
    }
}

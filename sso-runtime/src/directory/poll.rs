//! Polling WorkOS's Events API for the events that end access: a background task per instance, every
//! `workos.events_poll_interval_ms`, reading on from a cursor kept in Redis and shared by every instance.
//!
//! No event is skipped: the cursor (the id of the latest event handled, which sorts in WorkOS's order)
//! moves only forward and only past events that were handled, and it survives restarts in Redis. Before
//! the first event, the reading starts at the time the first instance ever started polling (also kept in
//! Redis), so a restart skips nothing either. No event is handled twice: several instances may read the
//! same page, and the store's record of handled events lets one of them act. WorkOS down or slow delays
//! the next poll and never a request: the task is the instance's own.

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
        loop {
            if let Err(why) = poll(&client, &directory).await {
                rocket::log::private::warn!(
                    "WorkOS SSO: reading the Events API: {why}; trying again"
                );
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(interval) => {}
            }
        }
    });
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

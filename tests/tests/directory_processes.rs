//! Deprovisioning as deployed: two processes of the release `sessions` example, one real Redis, the
//! standalone emulator. A user signed in on both is deprovisioned in the emulator (as an IT admin would
//! in the identity provider); within the poll interval (1 s here) both instances refuse the session
//! while the organization's other users stay signed in. The same through the webhook route, delivered
//! and signed by the emulator. And both instances restarted mid-stream: the event that came while they
//! were down is handled after the restart, and no event is handled twice (the cursor in Redis).

use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, COOKIE};
use reqwest::StatusCode;
use rocket_workos_sso::emulator::{DEFAULT_API_KEY, DEFAULT_CLIENT_ID};
use rocket_workos_sso::session::SESSION_COOKIE;

mod processes;
mod redis_support;
use processes::{examples, free_port, http, sign_in, start_emulator, App, Process, Result};
use redis_support::{redis_or_skip, Redis};

const SECRET_KEY: &str =
    "kbAi7lJ+la1O01Zf9kxS2jPVZdEZGOZJ953R69Af3dOoyESxUQsEJJNCcVjOdMyxVcNmWcGbt2Le9JzVvHb12w==";
const WEBHOOK_SECRET: &str = "whsec_processes_0123456789abcdef";

/// The poll interval, the instances' session cache, and margin: the longest a deprovisioning may take
/// to reach every instance here.
const WITHIN: Duration = Duration::from_millis(1000 + 1000 + 2000);

/// How the instances learn of events.
#[derive(Clone, Copy)]
enum Delivery {
    /// Both poll the Events API every second.
    Poll,
    /// The emulator delivers to A's webhook route; B has neither (it shares the store).
    Webhook,
}

struct Deployment {
    emulator: Process,
    emulator_url: String,
    ports: [u16; 2],
    redis_url: String,
    delivery: Delivery,
    apps: Vec<App>,
}

impl Deployment {
    fn start(redis: &Redis, delivery: Delivery) -> Result<Deployment> {
        let ports = [free_port()?, free_port()?];
        let redirect_uris = ports.map(|port| format!("http://127.0.0.1:{port}/callback"));
        let webhook = format!(
            "http://127.0.0.1:{}/sso/webhooks={WEBHOOK_SECRET}",
            ports[0]
        );
        let mut args = vec![
            "--redirect-uri",
            &redirect_uris[0],
            "--redirect-uri",
            &redirect_uris[1],
            "--auto-login",
            "first",
        ];
        if let Delivery::Webhook = delivery {
            args.extend(["--webhook", &webhook]);
        }
        let (emulator, emulator_url) = start_emulator(&examples()["workos-emulator"], &args)?;
        let mut deployment = Deployment {
            emulator,
            emulator_url,
            ports,
            redis_url: redis.url(),
            delivery,
            apps: Vec::new(),
        };
        deployment.start_apps()?;
        Ok(deployment)
    }

    /// Starts both instances (again), on their ports.
    fn start_apps(&mut self) -> Result<()> {
        self.apps.clear();
        for index in 0..2 {
            let mut env = vec![
                ("ROCKET_SECRET_KEY", SECRET_KEY.to_owned()),
                ("WORKOS_API_KEY", DEFAULT_API_KEY.to_owned()),
                ("WORKOS_BASE_URL", self.emulator_url.clone()),
                ("WORKOS_CLIENT_ID", DEFAULT_CLIENT_ID.to_owned()),
                (
                    "WORKOS_REDIRECT_URI",
                    format!("http://127.0.0.1:{}/callback", self.ports[index]),
                ),
                ("WORKOS_SESSION_STORE", self.redis_url.clone()),
            ];
            match (self.delivery, index) {
                (Delivery::Poll, _) => {
                    env.push(("WORKOS_EVENTS_POLL_INTERVAL_MS", "1000".to_owned()))
                }
                (Delivery::Webhook, 0) => {
                    env.push(("WORKOS_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()))
                }
                (Delivery::Webhook, _) => {}
            }
            let app = App::start_on(&examples()["sessions"], self.ports[index], env)?
                .map_err(|log| format!("app {index} did not lift off:\n{log}"))?;
            self.apps.push(app);
        }
        Ok(())
    }

    /// Every audit line both instances printed (all their runs so far are in `earlier`).
    fn audit_lines(&self, earlier: &[String]) -> Vec<serde_json::Value> {
        earlier
            .iter()
            .cloned()
            .chain(self.apps.iter().flat_map(|app| app.process.lines()))
            .filter_map(|line| {
                let json = line.strip_prefix("audit: ")?;
                serde_json::from_str(json).ok()
            })
            .collect()
    }

    /// What the IT admin does in the identity provider: deactivates `email`'s directory user.
    async fn deprovision(&self, email: &str) -> Result<String> {
        let response = http()
            .post(format!(
                "{}/__emulator/directory_users/deprovision",
                self.emulator_url
            ))
            .json(&serde_json::json!({ "email": email }))
            .send()
            .await?;
        let status = response.status();
        let body: serde_json::Value = response.json().await?;
        if !status.is_success() {
            return Err(
                format!("the emulator refused to deprovision {email}: {status} {body}").into(),
            );
        }
        Ok(body["id"].as_str().ok_or("the event's id")?.to_owned())
    }

    fn logs(&self) -> String {
        let apps: String = self.apps.iter().map(App::log).collect();
        format!("{apps}\nemulator:\n{}", self.emulator.log())
    }
}

/// The status `app`'s profile page answers the bearer of `session`.
async fn status(app: &App, session: &str) -> Result<StatusCode> {
    let response = http()
        .get(format!("{}/profile", app.base_url))
        .header(ACCEPT, "application/json")
        .header(COOKIE, format!("{SESSION_COOKIE}={session}"))
        .send()
        .await?;
    Ok(response.status())
}

/// Waits (at most [`WITHIN`]) until every app refuses `session`; then checks that `staying` are still
/// served by every app.
async fn refused_everywhere(apps: &[App], session: &str, staying: &[&String]) -> Result<Duration> {
    let started = Instant::now();
    loop {
        let mut statuses = Vec::new();
        for app in apps {
            statuses.push(status(app, session).await?);
        }
        if statuses
            .iter()
            .all(|status| *status == StatusCode::UNAUTHORIZED)
        {
            break;
        }
        if started.elapsed() > WITHIN {
            return Err(format!("still served after {WITHIN:?}: {statuses:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let took = started.elapsed();
    for app in apps {
        for other in staying {
            assert_eq!(
                status(app, other).await?,
                StatusCode::OK,
                "another user stays signed in"
            );
        }
    }
    Ok(took)
}

async fn deprovisioned_everywhere(delivery: Delivery, test: &str) {
    let Some(redis) = redis_or_skip(test) else {
        return;
    };
    let deployment = Deployment::start(&redis, delivery).unwrap_or_else(|error| panic!("{error}"));
    let run = async {
        let [a, b] = [&deployment.apps[0], &deployment.apps[1]];
        let alice_a = sign_in(a, "alice@example.com").await?;
        let alice_b = sign_in(b, "alice@example.com").await?;
        let bob = sign_in(b, "bob@example.com").await?;
        for (app, session) in [(a, &alice_a), (b, &alice_b), (a, &bob)] {
            assert_eq!(status(app, session).await?, StatusCode::OK);
        }
        let event = deployment.deprovision("alice@example.com").await?;
        let took = refused_everywhere(&deployment.apps, &alice_a, &[&bob]).await?;
        refused_everywhere(&deployment.apps, &alice_b, &[&bob]).await?;
        eprintln!("deprovisioned everywhere {took:?} after the event");
        let handled: Vec<_> = deployment
            .audit_lines(&[])
            .into_iter()
            .filter(|line| line["outcome"] == "deprovisioned")
            .collect();
        assert_eq!(handled.len(), 1, "handled once: {handled:?}");
        assert_eq!(handled[0]["workos_event_id"], event.as_str());
        let alice = rocket_workos_sso::emulator::Seed::default()
            .directory_user("alice@example.com")
            .expect("the default seed provisions alice")
            .id
            .clone();
        assert_eq!(handled[0]["directory_user_id"], alice.as_str());
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    };
    if let Err(error) = run.await {
        panic!("{error}\n{}", deployment.logs());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deprovisioned_user_is_refused_by_both_instances_through_the_events_api() {
    deprovisioned_everywhere(Delivery::Poll, "deprovisioned_through_the_events_api").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deprovisioned_user_is_refused_by_both_instances_through_the_webhook() {
    deprovisioned_everywhere(Delivery::Webhook, "deprovisioned_through_the_webhook").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_restarted_mid_stream_skip_no_event_and_repeat_none() {
    let Some(redis) = redis_or_skip("instances_restarted_mid_stream") else {
        return;
    };
    let mut deployment =
        Deployment::start(&redis, Delivery::Poll).unwrap_or_else(|error| panic!("{error}"));
    let run = async {
        let a = &deployment.apps[0];
        let alice = sign_in(a, "alice@example.com").await?;
        let bob = sign_in(a, "bob@example.com").await?;
        let carol = sign_in(a, "carol@example.com").await?;
        let first = deployment.deprovision("alice@example.com").await?;
        refused_everywhere(&deployment.apps, &alice, &[&bob, &carol]).await?;
        // Both instances go down; bob is deprovisioned meanwhile; both come back.
        let earlier: Vec<String> = deployment
            .apps
            .iter()
            .flat_map(|app| app.process.lines())
            .collect();
        deployment.apps.clear();
        let second = deployment.deprovision("bob@example.com").await?;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        deployment.start_apps()?;
        refused_everywhere(&deployment.apps, &bob, &[&carol]).await?;
        // A few more polls, then count: each event handled exactly once across every run.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let handled: Vec<String> = deployment
            .audit_lines(&earlier)
            .into_iter()
            .filter(|line| line["outcome"] == "deprovisioned")
            .map(|line| {
                line["workos_event_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        assert_eq!(handled, [first, second], "each event once, in order");
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    };
    if let Err(error) = run.await {
        panic!("{error}\n{}", deployment.logs());
    }
}

//! Two processes of one release build of the `sessions` example, on two ports, with the same
//! `secret_key`. With the same Redis (`WORKOS_SESSION_STORE`): a session started on A is served by B,
//! a logout on B ends it on A, an administrator's "sign out everyone in my organization" on A ends that
//! organization's sessions on both, and a session left unused past the idle timeout ends on both.
//! Without Redis: the stateless cookie is served by both and a logout ends only the browser's copy. A
//! store that cannot be reached refuses the launch, naming the setting and never printing the URL's
//! password.

use std::time::Duration;

use reqwest::header::{ACCEPT, COOKIE};
use reqwest::StatusCode;
use rocket_workos_sso::emulator::{DEFAULT_API_KEY, DEFAULT_CLIENT_ID, EXAMPLE_ORG_ID};
use rocket_workos_sso::session::SESSION_COOKIE;

mod processes;
mod redis_support;
use processes::{examples, free_port, http, sign_in, start_emulator, App, Process, Result};
use redis_support::{redis_or_skip, redis_or_skip_with, Redis};

const SECRET_KEY: &str =
    "kbAi7lJ+la1O01Zf9kxS2jPVZdEZGOZJ953R69Af3dOoyESxUQsEJJNCcVjOdMyxVcNmWcGbt2Le9JzVvHb12w==";

/// The idle timeout of the deployment with Redis: sessions unused this long end.
const IDLE_SECS: u64 = 3;

/// How long an instance may trust a session it read (`workos.session_cache_ms`, default), plus margin.
const CACHE_BOUND: Duration = Duration::from_millis(1200);

/// An emulator process and two app processes of the same build behind it.
struct Deployment {
    emulator: Process,
    a: App,
    b: App,
}

impl Deployment {
    /// Starts the emulator and two `sessions` apps, with the session store `store` (or stateless
    /// cookies).
    fn start(store: Option<&Redis>) -> Result<Deployment> {
        let ports = [free_port()?, free_port()?];
        let redirect_uris = ports.map(|port| format!("http://127.0.0.1:{port}/callback"));
        let (emulator, base_url) = start_emulator(
            &examples()["workos-emulator"],
            &[
                "--redirect-uri",
                &redirect_uris[0],
                "--redirect-uri",
                &redirect_uris[1],
                "--auto-login",
                "first",
            ],
        )?;
        let app = |index: usize| -> Result<App> {
            let mut env = vec![
                ("ROCKET_SECRET_KEY", SECRET_KEY.to_owned()),
                ("WORKOS_API_KEY", DEFAULT_API_KEY.to_owned()),
                ("WORKOS_BASE_URL", base_url.clone()),
                ("WORKOS_CLIENT_ID", DEFAULT_CLIENT_ID.to_owned()),
                ("WORKOS_REDIRECT_URI", redirect_uris[index].clone()),
            ];
            if let Some(redis) = store {
                env.push(("WORKOS_SESSION_STORE", redis.url()));
                env.push((
                    "ROCKET_WORKOS",
                    format!("{{session_idle_timeout={IDLE_SECS}}}"),
                ));
            }
            App::start_on(&examples()["sessions"], ports[index], env)?
                .map_err(|log| format!("app {index} did not lift off:\n{log}").into())
        };
        Ok(Deployment {
            a: app(0)?,
            b: app(1)?,
            emulator,
        })
    }

    fn logs(&self) -> String {
        format!(
            "A:\n{}\nB:\n{}\nemulator:\n{}",
            self.a.log(),
            self.b.log(),
            self.emulator.log()
        )
    }
}

/// What `app`'s profile page answers the bearer of `session`: the status and `email|organization`.
async fn profile(app: &App, session: &str) -> Result<(StatusCode, String)> {
    let response = http()
        .get(format!("{}/profile", app.base_url))
        .header(ACCEPT, "application/json")
        .header(COOKIE, format!("{SESSION_COOKIE}={session}"))
        .send()
        .await?;
    let status = response.status();
    let page = response.text().await?;
    let who = page
        .split("<p id=\"who\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or_default()
        .to_owned();
    Ok((status, who))
}

async fn post(app: &App, path: &str, session: &str) -> Result<(StatusCode, String)> {
    let response = http()
        .post(format!("{}{path}", app.base_url))
        .header(COOKIE, format!("{SESSION_COOKIE}={session}"))
        .send()
        .await?;
    Ok((response.status(), response.text().await?))
}

fn signed_in_as(email: &str) -> (StatusCode, String) {
    (StatusCode::OK, format!("{email}|{EXAMPLE_ORG_ID}"))
}

fn refused() -> (StatusCode, String) {
    (StatusCode::UNAUTHORIZED, String::new())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_redis_sessions_logout_and_revocation() {
    let Some(redis) = redis_or_skip("two_processes_share_redis_sessions") else {
        return;
    };
    let deployment = Deployment::start(Some(&redis)).unwrap_or_else(|error| panic!("{error}"));
    let (a, b) = (&deployment.a, &deployment.b);
    let run = async {
        // Signed in on A, served by B.
        let alice = sign_in(a, "alice@example.com").await?;
        assert_eq!(profile(b, &alice).await?, signed_in_as("alice@example.com"));
        // Logout on B; A refuses the same cookie within the cache bound.
        let (status, _) = post(b, "/sso/logout", &alice).await?;
        assert_eq!(status, StatusCode::SEE_OTHER);
        tokio::time::sleep(CACHE_BOUND).await;
        assert_eq!(profile(a, &alice).await?, refused());
        assert_eq!(profile(b, &alice).await?, refused());

        // Alice (an admin) and Bob signed in; both read by both instances.
        let alice = sign_in(a, "alice@example.com").await?;
        let bob = sign_in(b, "bob@example.com").await?;
        for app in [a, b] {
            assert_eq!(
                profile(app, &alice).await?,
                signed_in_as("alice@example.com")
            );
            assert_eq!(profile(app, &bob).await?, signed_in_as("bob@example.com"));
        }
        // Bob may not sign his organization out; Alice may, on A, and it ends on both.
        assert_eq!(
            post(b, "/organization/sessions", &bob).await?.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            post(a, "/organization/sessions", &alice).await?,
            (StatusCode::OK, "ended 2".to_owned())
        );
        assert_eq!(
            profile(a, &alice).await?,
            refused(),
            "at once where revoked"
        );
        tokio::time::sleep(CACHE_BOUND).await;
        for app in [a, b] {
            assert_eq!(profile(app, &alice).await?, refused());
            assert_eq!(profile(app, &bob).await?, refused());
        }

        // The idle timeout: Carol's session, used every second on either instance, outlives it; left
        // unused for longer, it ends on both.
        let carol = sign_in(a, "carol@example.com").await?;
        for app in [b, a, b, a] {
            tokio::time::sleep(Duration::from_secs(1)).await;
            assert_eq!(
                profile(app, &carol).await?,
                signed_in_as("carol@example.com")
            );
        }
        tokio::time::sleep(Duration::from_secs(IDLE_SECS) + CACHE_BOUND).await;
        assert_eq!(profile(a, &carol).await?, refused());
        assert_eq!(profile(b, &carol).await?, refused());
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    };
    if let Err(error) = run.await {
        panic!("{error}\n{}", deployment.logs());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_without_redis_share_stateless_sessions_through_the_secret_key() {
    let deployment = Deployment::start(None).unwrap_or_else(|error| panic!("{error}"));
    let (a, b) = (&deployment.a, &deployment.b);
    let run = async {
        let alice = sign_in(a, "alice@example.com").await?;
        assert_eq!(profile(b, &alice).await?, signed_in_as("alice@example.com"));
        // Logout on B clears this browser's cookie, but a copy stays valid until it expires: what the
        // server-side store is for.
        let (status, _) = post(b, "/sso/logout", &alice).await?;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(profile(a, &alice).await?, signed_in_as("alice@example.com"));
        // And revocation says what it needs.
        let (status, message) = post(a, "/organization/sessions", &alice).await?;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(message.contains("workos.session_store"), "{message}");
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    };
    if let Err(error) = run.await {
        panic!("{error}\n{}", deployment.logs());
    }
}

#[test]
fn a_store_that_cannot_be_reached_refuses_the_launch_without_printing_its_password() {
    let port = free_port().unwrap();
    let env = vec![
        ("ROCKET_SECRET_KEY", SECRET_KEY.to_owned()),
        ("WORKOS_API_KEY", DEFAULT_API_KEY.to_owned()),
        ("WORKOS_CLIENT_ID", DEFAULT_CLIENT_ID.to_owned()),
        (
            "WORKOS_REDIRECT_URI",
            "https://app.example.com/callback".to_owned(),
        ),
        (
            "WORKOS_SESSION_STORE",
            format!("redis://:hunter2@127.0.0.1:{port}/0"),
        ),
    ];
    let launched = App::start_on(&examples()["sessions"], free_port().unwrap(), env).unwrap();
    let log = match launched {
        Ok(app) => panic!("the launch is refused; the app lifted off:\n{}", app.log()),
        Err(log) => log,
    };
    assert!(
        log.contains(&format!(
            "the session store at redis://:redacted@127.0.0.1:{port}/0 (the WORKOS_SESSION_STORE \
             environment variable) refused the connection: nothing listens at that host and port"
        )),
        "{log}"
    );
    assert!(!log.contains("hunter2"), "{log}");
}

/// The settings of one `sessions` app with the sessions in `store` (none: cookies).
fn settings_with_store(store: Option<String>) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("ROCKET_SECRET_KEY", SECRET_KEY.to_owned()),
        ("WORKOS_API_KEY", DEFAULT_API_KEY.to_owned()),
        ("WORKOS_CLIENT_ID", DEFAULT_CLIENT_ID.to_owned()),
        (
            "WORKOS_REDIRECT_URI",
            "https://app.example.com/callback".to_owned(),
        ),
    ];
    env.extend(store.map(|url| ("WORKOS_SESSION_STORE", url)));
    env
}

#[test]
fn the_launch_log_names_the_redirect_uri_and_where_sessions_live_never_the_password() {
    let Some(redis) = redis_or_skip_with("launch_log", &["--requirepass", "s3cret-pw"]) else {
        return;
    };
    let with_password = |password: &str| {
        redis
            .url()
            .replace("redis://", &format!("redis://:{password}@"))
    };
    let start = |store: Option<String>| {
        App::start_on(
            &examples()["sessions"],
            free_port().unwrap(),
            settings_with_store(store),
        )
        .unwrap()
    };

    let app = start(Some(with_password("s3cret-pw"))).unwrap_or_else(|log| panic!("{log}"));
    let log = app.log();
    let shown = with_password("redacted");
    assert!(
        log.contains(">> redirect URIs: https://app.example.com/callback"),
        "{log}"
    );
    assert!(
        log.contains(&format!(">> sessions: Redis at {shown}")),
        "{log}"
    );
    assert!(!log.contains("s3cret-pw"), "{log}");

    let log = match start(Some(with_password("wrong-pw"))) {
        Ok(app) => panic!(
            "a wrong password refuses the launch; it lifted off:\n{}",
            app.log()
        ),
        Err(log) => log,
    };
    assert!(
        log.contains(&format!(
            "the session store at {shown} (the WORKOS_SESSION_STORE environment variable) refused the \
             credentials in the URL: wrong password, or no such user"
        )),
        "{log}"
    );
    assert!(!log.contains("start Redis"), "{log}");
    assert!(!log.contains("wrong-pw"), "{log}");

    let app = start(None).unwrap_or_else(|log| panic!("{log}"));
    assert!(
        app.log().contains(">> sessions: sealed cookies"),
        "{}",
        app.log()
    );
}

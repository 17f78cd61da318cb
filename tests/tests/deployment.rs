//! One build promoted from staging to production: the quickstart, built once with `cargo build
//! --release`, runs as two processes configured only through environment variables, against two
//! standalone emulator processes seeded as two WorkOS environments (other client ids, organization ids
//! and redirect URIs). Each signs in through its own environment and refuses the other's organization;
//! settings that are wrong or missing refuse the launch, naming the setting and the handler.

use reqwest::header::{ACCEPT, COOKIE};
use reqwest::StatusCode;
use rocket_workos_sso::emulator::{Seed, DEFAULT_API_KEY};
use rocket_workos_sso::session::SESSION_COOKIE;

mod processes;
use processes::{examples, free_port, start_emulator, App, Process, Result};

/// Both environments' apps share this key, as a careless deployment might: even then a session of one
/// environment's organization opens nothing in the other.
const SECRET_KEY: &str =
    "kbAi7lJ+la1O01Zf9kxS2jPVZdEZGOZJ953R69Af3dOoyESxUQsEJJNCcVjOdMyxVcNmWcGbt2Le9JzVvHb12w==";

/// The release build of the examples, made once for every test here.
/// A WorkOS environment: a standalone emulator seeded as `name`, and the quickstart configured for it.
struct Environment {
    name: &'static str,
    /// Example Corp's id in this environment.
    organization: String,
    emulator: Process,
    app: App,
}

impl Environment {
    fn start(name: &'static str, client_id: &'static str) -> Result<Environment> {
        let organization = Seed::default()
            .for_environment(name)
            .organizations
            .into_iter()
            .find(|organization| organization.name == "Example Corp")
            .ok_or("the seed has no Example Corp")?
            .id;
        let mut last_error = String::new();
        // The emulator exchanges codes only for its own client id, so a sign-in that succeeds went
        // through this environment with this environment's client id.
        for _ in 0..3 {
            // The app's port first: the emulator allowlists the app's redirect URI when it starts.
            let port = free_port()?;
            let redirect_uri = format!("http://127.0.0.1:{port}/callback");
            let (emulator, base_url) = start_emulator(
                &examples()["workos-emulator"],
                &[
                    "--environment",
                    name,
                    "--client-id",
                    client_id,
                    "--redirect-uri",
                    &redirect_uri,
                    "--auto-login",
                    "first",
                ],
            )
            .map_err(|error| format!("the {name} emulator: {error}"))?;
            let env = vec![
                ("ROCKET_SECRET_KEY", SECRET_KEY.to_owned()),
                ("WORKOS_API_KEY", DEFAULT_API_KEY.to_owned()),
                ("WORKOS_BASE_URL", base_url),
                ("WORKOS_CLIENT_ID", client_id.to_owned()),
                ("WORKOS_REDIRECT_URI", redirect_uri),
                ("WORKOS_ORGANIZATION_ID", organization.clone()),
            ];
            match App::start_on(&examples()["quickstart"], port, env)? {
                Ok(app) => {
                    return Ok(Environment {
                        name,
                        organization,
                        emulator,
                        app,
                    })
                }
                Err(log) => last_error = format!("the {name} app did not lift off:\n{log}"),
            }
        }
        Err(last_error.into())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app.base_url)
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

/// A full sign-in through the environment's WorkOS, in a browser-like client with its own cookie jar:
/// the protected page, the login route, WorkOS, the callback, the protected page again. Returns the page
/// and the session cookie.
async fn sign_in(environment: &Environment) -> Result<(String, String)> {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()?;
    let url = environment.url("/profile");
    let response = browser.get(&url).header(ACCEPT, "text/html").send().await?;
    let status = response.status();
    let landed = response.url().to_string();
    let page = response.text().await?;
    if status != StatusCode::OK || landed != url {
        return Err(format!(
            "{}: signing in ended at {landed} with {status}:\n{page}\n  app log:\n{}\n  emulator log:\n{}",
            environment.name,
            environment.app.log(),
            environment.emulator.log()
        )
        .into());
    }
    let cookies = reqwest::cookie::CookieStore::cookies(&*jar, &url.parse()?)
        .ok_or("no cookies after signing in")?;
    let session = cookies
        .to_str()?
        .split("; ")
        .find(|cookie| cookie.starts_with(&format!("{SESSION_COOKIE}=")))
        .ok_or("no session cookie after signing in")?
        .to_owned();
    Ok((page, session))
}

/// The protected page's status for a client holding only `session`, asking for JSON.
async fn status_with(environment: &Environment, session: &str) -> Result<StatusCode> {
    let response = reqwest::Client::new()
        .get(environment.url("/profile"))
        .header(ACCEPT, "application/json")
        .header(COOKIE, session)
        .send()
        .await?;
    Ok(response.status())
}

#[test]
fn one_release_build_signs_in_on_staging_and_on_production() {
    let staging = Environment::start("staging", "client_01STAG1NGENV1R0NMENT00000")
        .unwrap_or_else(|error| panic!("{error}"));
    let production = Environment::start("production", "client_01PR0DUCT10NENV1R0NMENT000")
        .unwrap_or_else(|error| panic!("{error}"));
    assert_ne!(staging.organization, production.organization);
    runtime().block_on(async {
        let mut sessions = Vec::new();
        for (environment, other) in [(&staging, &production), (&production, &staging)] {
            let (page, session) = sign_in(environment)
                .await
                .unwrap_or_else(|error| panic!("{error}"));
            assert!(
                page.contains("alice@example.com"),
                "{}: {page}",
                environment.name
            );
            assert!(
                page.contains(&environment.organization) && !page.contains(&other.organization),
                "{}: the profile is of this environment's Example Corp:\n{page}",
                environment.name
            );
            sessions.push((environment, other, session));
        }
        for (environment, other, session) in &sessions {
            assert_eq!(
                status_with(environment, session).await.unwrap(),
                StatusCode::OK,
                "{}: its own session",
                environment.name
            );
            assert_eq!(
                status_with(other, session).await.unwrap(),
                StatusCode::FORBIDDEN,
                "{} refuses a session of {}'s organization, sealed under the same key",
                other.name,
                environment.name
            );
        }
    });
}

/// Starts the release quickstart with `settings` (plus a key and an API key) and returns its log,
/// asserting that it refused to launch.
fn refused_launch(settings: &[(&'static str, &str)]) -> String {
    let mut env: Vec<(&str, String)> = vec![
        ("ROCKET_SECRET_KEY", SECRET_KEY.to_owned()),
        ("WORKOS_API_KEY", DEFAULT_API_KEY.to_owned()),
        ("WORKOS_BASE_URL", "http://127.0.0.1:9".to_owned()),
        ("ROCKET_PORT", "0".to_owned()),
        ("ROCKET_LOG_LEVEL", "normal".to_owned()),
        ("ROCKET_CLI_COLORS", "false".to_owned()),
    ];
    env.extend(
        settings
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned())),
    );
    let (mut process, lifted_off) = Process::start(
        &examples()["quickstart"],
        &[],
        &env,
        "Rocket has launched from",
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert!(
        lifted_off.is_none(),
        "launched with {settings:?}:\n{}",
        process.log()
    );
    let status = process.child.0.wait().expect("the app's exit status");
    assert!(!status.success(), "{settings:?}: {status}");
    process.log()
}

const GOOD: &[(&str, &str)] = &[
    ("WORKOS_CLIENT_ID", "client_01GOOD"),
    ("WORKOS_REDIRECT_URI", "https://app.example.com/callback"),
    ("WORKOS_ORGANIZATION_ID", "org_01GOOD"),
];

/// The good settings with `name` set to `value` (or removed, for `None`).
fn with(name: &'static str, value: Option<&'static str>) -> Vec<(&'static str, &'static str)> {
    let mut settings: Vec<_> = GOOD.iter().copied().filter(|(n, _)| *n != name).collect();
    if let Some(value) = value {
        settings.push((name, value));
    }
    settings
}

fn assert_names(log: &str, expected: &[&str]) {
    for text in expected {
        assert!(log.contains(text), "expected {text:?} in:\n{log}");
    }
}

#[test]
fn a_malformed_client_id_refuses_launch() {
    let log = refused_launch(&with("WORKOS_CLIENT_ID", Some("org_01WRONG")));
    assert_names(
        &log,
        &[
            "the client_id of `profile`, from the WORKOS_CLIENT_ID environment variable",
            "`client_id` must be a WorkOS id starting with `client_` or `project_`, found \"org_01WRONG\"",
        ],
    );
}

#[test]
fn an_api_key_given_as_the_client_id_is_refused_and_not_printed() {
    let log = refused_launch(&with("WORKOS_CLIENT_ID", Some("sk_live_do_not_print_me")));
    assert_names(
        &log,
        &["the client_id of `profile`", "looks like a WorkOS API key"],
    );
    assert!(!log.contains("do_not_print_me"), "{log}");
}

#[test]
fn a_malformed_organization_id_refuses_launch() {
    let log = refused_launch(&with("WORKOS_ORGANIZATION_ID", Some("conn_01WRONG")));
    assert_names(
        &log,
        &[
            "the organization of `profile`, from the WORKOS_ORGANIZATION_ID environment variable",
            "`organization` must be a WorkOS id starting with `org_`",
        ],
    );
}

#[test]
fn a_malformed_connection_id_refuses_launch() {
    let mut settings = with("WORKOS_ORGANIZATION_ID", None);
    settings.push(("WORKOS_CONNECTION_ID", "org_01WRONG"));
    let log = refused_launch(&settings);
    assert_names(
        &log,
        &[
            "the connection of `profile`, from the WORKOS_CONNECTION_ID environment variable",
            "`connection` must be a WorkOS id starting with `conn_`",
        ],
    );
}

#[test]
fn a_plain_http_redirect_uri_to_a_public_host_refuses_launch() {
    let log = refused_launch(&with(
        "WORKOS_REDIRECT_URI",
        Some("http://app.example.com/callback"),
    ));
    assert_names(
        &log,
        &[
            "the redirect_uri of `profile`, from the WORKOS_REDIRECT_URI environment variable",
            "`redirect_uri` uses plain http for `app.example.com`",
        ],
    );
}

#[test]
fn a_redirect_uri_with_a_fragment_refuses_launch() {
    let log = refused_launch(&with(
        "WORKOS_REDIRECT_URI",
        Some("https://app.example.com/callback#done"),
    ));
    assert_names(
        &log,
        &[
            "the redirect_uri of `profile`",
            "`redirect_uri` must not contain a fragment",
        ],
    );
}

#[test]
fn a_relative_redirect_uri_refuses_launch() {
    let log = refused_launch(&with("WORKOS_REDIRECT_URI", Some("/callback")));
    assert_names(
        &log,
        &[
            "the redirect_uri of `profile`",
            "`redirect_uri` must be an absolute URL with a scheme and a host",
        ],
    );
}

#[test]
fn a_missing_setting_refuses_launch_in_a_release_build() {
    let log = refused_launch(&with("WORKOS_CLIENT_ID", None));
    assert_names(
        &log,
        &[
            "`profile` uses the application's client_id",
            "none is configured",
            "help: set WORKOS_CLIENT_ID",
        ],
    );
    let log = refused_launch(&with("WORKOS_REDIRECT_URI", None));
    assert_names(
        &log,
        &[
            "`profile` uses the application's redirect_uri",
            "WORKOS_REDIRECT_URI",
        ],
    );
}

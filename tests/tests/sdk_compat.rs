//! The official WorkOS SDKs complete an SSO login against the emulator, unchanged, and read its events.
//!
//! Each test starts the emulator in auto-login mode and runs one SDK's flow script (`tests/sdk/python/sso_flow.py`,
//! `tests/sdk/node/sso_flow.mjs`): authorization URL, browser leg, profile-and-token, get profile, with and without
//! PKCE, plus the `invalid_grant` refusals; then organizations listed by a domain two of them claim, one fetched,
//! and an unknown one refused with the SDK's not-found error. The scripts check the values; this side checks they
//! exited 0 and that the requests really reached this emulator.
//!
//! The events tests make the emulator emit one event of each Directory Sync kind, then run `events_flow.py` /
//! `events_flow.mjs`: the SDK's `list_events` / `listEvents` pages through them with `after`, filters them by
//! organization and time, and its webhook verification (`verify_event`, `constructEvent`) accepts a delivery the
//! emulator signed (and refuses it tampered with).
//!
//! The SDKs are installed by `scripts/install-sdk-deps`. When they are missing, the tests print a `SKIPPED:` line
//! and pass, unless `WORKOS_SDK_TESTS=required` (set in CI), which turns the skip into a failure.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rocket_workos_sso::emulator::{
    AutoLogin, Emulator, Seed, EXAMPLE_CONNECTION_ID, EXAMPLE_ORG_ID, UMBRELLA_ORG_ID,
};

/// Where the flow scripts send the browser. Nothing listens there: the scripts read the redirect and stop.
const REDIRECT_URI: &str = "http://127.0.0.1:8000/auth/workos/callback";

/// How long one SDK script may run. A full run takes a second or two; a hang should not stall CI for long.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// The flows each script runs: confidential, PKCE, public-client PKCE, PKCE with a wrong verifier.
const AUTHORIZE_REQUESTS: u64 = 4;
/// Two per successful flow (the exchange and its replay) and one for the wrong verifier.
const TOKEN_REQUESTS: u64 = 7;
/// One per successful flow.
const PROFILE_REQUESTS: u64 = 3;
/// The organizations of the shared domain, then Example Corp's by its own domain.
const ORGANIZATION_LIST_REQUESTS: u64 = 2;

/// A domain that two organizations of the default seed claim.
const SHARED_DOMAIN: &str = "initech.test";
/// An organization ID the emulator does not know (the spec's example of a 404).
const UNKNOWN_ORG_ID: &str = "org_01EHQMYV6MBK39QC5PZXHY59C3";

/// The workspace root, which holds `tests/sdk/` and `target/`.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package lives inside the workspace")
        .to_path_buf()
}

/// Whether a missing SDK fails the test (`WORKOS_SDK_TESTS=required`) or skips it.
fn sdk_required() -> bool {
    std::env::var("WORKOS_SDK_TESTS").is_ok_and(|value| value == "required")
}

/// Fails (when required) or skips, loudly, because an SDK is not installed. Returns `None` to skip.
fn missing_sdk<T>(sdk: &str, why: &str) -> Option<T> {
    let message = format!(
        "{sdk} SDK compatibility test: {why}. Install the SDKs with `scripts/install-sdk-deps`."
    );
    assert!(
        !sdk_required(),
        "WORKOS_SDK_TESTS=required, but the {message}"
    );
    // Straight to the process's stderr: the test harness captures `eprintln!` of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {message} (Set WORKOS_SDK_TESTS=required to make this a failure.)"
    );
    None
}

/// Whether `program args…` runs and exits 0, with its output discarded.
fn runs(program: &Path, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// The venv interpreter that has the `workos` package: `$SDK_PYTHON`, else `target/sdk-venv/bin/python`.
fn python_with_sdk() -> Option<PathBuf> {
    let python = std::env::var_os("SDK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/sdk-venv/bin/python"));
    if runs(&python, &["-c", "import workos"]) {
        Some(python)
    } else {
        missing_sdk(
            "Python",
            &format!("{} cannot import `workos`", python.display()),
        )
    }
}

/// `node`, when it runs and `tests/sdk/node/node_modules` has the SDK.
fn node_with_sdk() -> Option<PathBuf> {
    let node = PathBuf::from("node");
    if !runs(&node, &["--version"]) {
        return missing_sdk("Node", "`node` is not on PATH");
    }
    let package =
        workspace_root().join("tests/sdk/node/node_modules/@workos-inc/node/package.json");
    if !package.is_file() {
        return missing_sdk("Node", &format!("{} does not exist", package.display()));
    }
    Some(node)
}

/// The emulator, logging in the first user of the chosen connection without a login page.
async fn start_emulator() -> Emulator {
    Emulator::builder()
        .redirect_uri(REDIRECT_URI)
        .auto_login(AutoLogin::FirstUser)
        .start()
        .await
        .expect("the emulator starts")
}

/// The environment a flow script reads: where the emulator is, and who it must see logged in.
fn script_env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    let seed = Seed::default();
    let connection = seed
        .connection(EXAMPLE_CONNECTION_ID)
        .expect("the default seed has Example Corp's connection");
    let user = seed
        .users_of(EXAMPLE_CONNECTION_ID)
        .next()
        .expect("Example Corp's connection has users");
    let name = |part: &Option<String>| part.clone().expect("the seeded user has a full name");
    let organization = seed
        .organization(EXAMPLE_ORG_ID)
        .expect("the default seed has Example Corp");
    let [own_domain] = &organization.domains[..] else {
        panic!("the scripts expect Example Corp to claim exactly one domain");
    };
    let claimants: Vec<&str> = seed
        .organizations
        .iter()
        .filter(|org| org.domains.iter().any(|domain| domain == SHARED_DOMAIN))
        .map(|org| org.id.as_str())
        .collect();
    assert!(
        claimants.len() >= 2,
        "{SHARED_DOMAIN} is claimed by {claimants:?}"
    );
    vec![
        ("WORKOS_BASE_URL", emulator.base_url().to_string()),
        ("WORKOS_API_KEY", emulator.api_key().to_string()),
        ("WORKOS_CLIENT_ID", emulator.client_id().to_string()),
        ("SSO_REDIRECT_URI", REDIRECT_URI.to_string()),
        ("SSO_ORGANIZATION_ID", EXAMPLE_ORG_ID.to_string()),
        ("SSO_EXPECTED_EMAIL", user.email.clone()),
        ("SSO_EXPECTED_FIRST_NAME", name(&user.first_name)),
        ("SSO_EXPECTED_LAST_NAME", name(&user.last_name)),
        ("SSO_EXPECTED_CONNECTION_ID", connection.id.clone()),
        (
            "SSO_EXPECTED_CONNECTION_TYPE",
            connection.connection_type.clone(),
        ),
        ("SSO_EXPECTED_ORGANIZATION_NAME", organization.name.clone()),
        ("SSO_EXPECTED_ORGANIZATION_DOMAIN", own_domain.clone()),
        ("SSO_SHARED_DOMAIN", SHARED_DOMAIN.to_string()),
        (
            "SSO_EXPECTED_SHARED_DOMAIN_ORGANIZATION_IDS",
            claimants.join(","),
        ),
        ("SSO_UNKNOWN_ORGANIZATION_ID", UNKNOWN_ORG_ID.to_string()),
    ]
}

/// Reads a child's pipe to the end on its own thread, so a chatty child never blocks on a full pipe.
fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            // Output that is not UTF-8 or a broken pipe only loses diagnostics; the exit status still decides.
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// Runs `program script` with `env` until it exits, without blocking the emulator's runtime, and asserts
/// it exited 0. Its output is shown by `cargo test -- --nocapture`, and with any failure. A script that
/// outlives [`SCRIPT_TIMEOUT`] is killed and fails the test.
async fn run_script(program: &Path, script: &Path, env: &[(&str, String)]) {
    let mut child = Command::new(program)
        .arg(script)
        .current_dir(script.parent().expect("a script lives in a directory"))
        .envs(env.iter().map(|(name, value)| (*name, value.as_str())))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run {} {}: {error}",
                program.display(),
                script.display()
            )
        });
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + SCRIPT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the SDK script") {
            break status;
        }
        if Instant::now() >= deadline {
            // Killing fails only if it already exited; the assertion below reports the timeout either way.
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{} did not finish within {SCRIPT_TIMEOUT:?}",
                script.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    print!("{}", stdout.join().expect("stdout reader"));
    eprint!("{}", stderr.join().expect("stderr reader"));
    assert!(
        status.success(),
        "{} failed ({status}); its output is above",
        script.display()
    );
}

/// Runs one SDK's flow script against a fresh emulator and asserts it succeeded and reached the emulator.
async fn assert_sdk_completes_flow(program: &Path, script: &str) {
    let emulator = start_emulator().await;
    let script = workspace_root().join(script);
    run_script(program, &script, &script_env(&emulator)).await;
    // Exact counts also prove no request was retried (the Python SDK retries 429 and 5xx answers).
    for (method, path, expected) in [
        ("GET", "/sso/authorize".to_owned(), AUTHORIZE_REQUESTS),
        ("POST", "/sso/token".to_owned(), TOKEN_REQUESTS),
        ("GET", "/sso/profile".to_owned(), PROFILE_REQUESTS),
        (
            "GET",
            "/organizations".to_owned(),
            ORGANIZATION_LIST_REQUESTS,
        ),
        ("GET", format!("/organizations/{EXAMPLE_ORG_ID}"), 1),
        ("GET", format!("/organizations/{UNKNOWN_ORG_ID}"), 1),
    ] {
        assert_eq!(
            emulator.request_count_for(method, &path),
            expected,
            "{method} {path} requests from {}",
            script.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_completes_sso_login_and_organization_lookup() {
    let Some(python) = python_with_sdk() else {
        return;
    };
    assert_sdk_completes_flow(&python, "tests/sdk/python/sso_flow.py").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_sdk_completes_sso_login_and_organization_lookup() {
    let Some(node) = node_with_sdk() else { return };
    assert_sdk_completes_flow(&node, "tests/sdk/node/sso_flow.mjs").await;
}

/// One event of each Directory Sync kind the library consumes, in this order.
const EVENT_NAMES: [&str; 5] = [
    "dsync.user.updated",
    "dsync.user.deleted",
    "connection.deactivated",
    "dsync.deleted",
    "organization.deleted",
];
/// `GET /events` requests each events script makes: three pages of two, one per filter.
const EVENT_LIST_REQUESTS: u64 = 5;

/// Makes the emulator emit six events (every kind of [`EVENT_NAMES`]) and returns what an events script reads.
async fn emit_events(emulator: &Emulator) -> Vec<(&'static str, String)> {
    let seed = Seed::default();
    let bob = seed
        .directory_user("bob@example.com")
        .expect("the default seed provisions bob");
    let initech = seed
        .directory_user("peter@initech.test")
        .expect("the default seed provisions peter")
        .directory_id
        .clone();
    let emitted = |result: Result<String, _>| result.expect("the default seed has it");
    let updated = emitted(emulator.deprovision_user(&bob.email));
    let other_org = emitted(emulator.delete_directory_user("hank@globex.test"));
    // The time filter starts at the next event: make sure it is in a later millisecond.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let deactivated = emitted(emulator.deactivate_connection(EXAMPLE_CONNECTION_ID));
    let deleted = emitted(emulator.delete_directory_user("carol@example.com"));
    let directory = emitted(emulator.delete_directory(&initech));
    let organization = emitted(emulator.delete_organization(UMBRELLA_ORG_ID));
    let range_start = emulator.events()[2].created_at.clone();
    let all = [
        &updated,
        &other_org,
        &deactivated,
        &deleted,
        &directory,
        &organization,
    ];
    let join = |ids: &[&String]| {
        ids.iter()
            .map(|id| id.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    vec![
        ("WORKOS_BASE_URL", emulator.base_url().to_string()),
        ("WORKOS_API_KEY", emulator.api_key().to_string()),
        ("EVENTS_NAMES", EVENT_NAMES.join(",")),
        ("EVENTS_EXPECTED_IDS", join(&all)),
        ("EVENTS_DEPROVISIONED_EMAIL", bob.email.clone()),
        ("EVENTS_DEPROVISIONED_IDP_ID", bob.idp_id.clone()),
        ("EVENTS_ORGANIZATION_ID", EXAMPLE_ORG_ID.to_string()),
        (
            "EVENTS_ORGANIZATION_EXPECTED_IDS",
            join(&[&updated, &deactivated, &deleted]),
        ),
        ("EVENTS_RANGE_START", range_start),
        ("EVENTS_RANGE_EXPECTED_IDS", join(&all[2..])),
        ("WEBHOOK_EMAIL", "alice@example.com".to_string()),
    ]
}

/// Runs one SDK's events script against a fresh emulator that emitted six events, and asserts it succeeded,
/// listed through this emulator, and was sent the webhook it verified.
async fn assert_sdk_reads_events(program: &Path, script: &str) {
    let emulator = Emulator::start_default()
        .await
        .expect("the emulator starts");
    let env = emit_events(&emulator).await;
    let script = workspace_root().join(script);
    run_script(program, &script, &env).await;
    assert_eq!(
        emulator.request_count_for("GET", "/events"),
        EVENT_LIST_REQUESTS,
        "GET /events requests from {}",
        script.display()
    );
    // The script deprovisioned alice through the control endpoint, with its own endpoint registered.
    let events = emulator.events();
    let deliveries = emulator.webhook_deliveries();
    assert_eq!(events.len(), 7);
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    assert_eq!(deliveries[0].event_id, events[6].id);
    assert!(deliveries[0].succeeded(), "{deliveries:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_lists_events_and_verifies_webhook_signatures() {
    let Some(python) = python_with_sdk() else {
        return;
    };
    assert_sdk_reads_events(&python, "tests/sdk/python/events_flow.py").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_sdk_lists_events_and_verifies_webhook_signatures() {
    let Some(node) = node_with_sdk() else { return };
    assert_sdk_reads_events(&node, "tests/sdk/node/events_flow.mjs").await;
}

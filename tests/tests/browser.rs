//! Real-browser end-to-end tests: headless Chromium, driven through `chromedriver` with fantoccini,
//! signs in to the example apps, each running as its own process on an ephemeral port against its
//! embedded WorkOS emulator.
//!
//! Needs `chromium` and `chromedriver` (Debian: `apt-get install chromium chromium-driver`); the
//! `CHROMIUM` and `CHROMEDRIVER` environment variables override where they are. When either is not
//! installed, a plain `cargo test` prints a `SKIPPED:` line and passes, so a fresh clone stays green;
//! `scripts/test` (and so CI) installs both and sets `WORKOS_BROWSER_TESTS=required`, which turns a
//! missing browser into a failure. A browser that is installed but cannot start always fails.
//!
//! The test builds the examples as a deployment would (`cargo build --release --workspace
//! --all-features --examples`) and runs the binaries cargo reports, configured at launch through the
//! environment only: `ROCKET_PORT` a free port, WORKOS_REDIRECT_URI following it, the client id, the
//! organization and the secret key. Every step leaves a screenshot under
//! `target/e2e-screenshots/<scenario>/<nn>-<step>.png`.

use std::collections::HashMap;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use rocket_workos_sso::emulator::EXAMPLE_ORG_ID;
use serde_json::{json, Value};

mod processes;
use processes::{free_port, release_examples, target_dir, App, Killed, Result};

/// The client id the apps are given at launch; the embedded emulator accepts whatever the app uses.
const CLIENT_ID: &str = "client_01BR0WSERTESTC0NF1GUREDAT";

/// The sealing key every app is given (a release build refuses to start without one).
const SECRET_KEY: &str =
    "kbAi7lJ+la1O01Zf9kxS2jPVZdEZGOZJ953R69Af3dOoyESxUQsEJJNCcVjOdMyxVcNmWcGbt2Le9JzVvHb12w==";

/// What a deployment of `example` at `base_url` is given, all at launch: the embedded emulator (no
/// WorkOS here), the key, the client id, the redirect URI at its own port, and the organization (the
/// whole app's for the quickstart; the Example Corp page's for the multi-tenant app).
fn launch_settings(example: &str, base_url: &str) -> Vec<(&'static str, String)> {
    let mut settings = vec![
        ("ROCKET_WORKOS", "{emulator=true}".to_owned()),
        ("ROCKET_SECRET_KEY", SECRET_KEY.to_owned()),
        ("WORKOS_CLIENT_ID", CLIENT_ID.to_owned()),
        ("WORKOS_REDIRECT_URI", format!("{base_url}/callback")),
    ];
    match example {
        "multi_tenant" => {
            settings.push(("EXAMPLE_CORP_ORGANIZATION_ID", EXAMPLE_ORG_ID.to_owned()))
        }
        _ => settings.push(("WORKOS_ORGANIZATION_ID", EXAMPLE_ORG_ID.to_owned())),
    }
    settings
}

/// How long any one page may take to show what a step waits for.
const STEP_TIMEOUT: Duration = Duration::from_secs(15);

/// The Chromium flags this environment requires; a fresh `--user-data-dir` is added per session.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1000,800",
];

#[test]
fn sign_in_with_a_real_browser() {
    if !browser_installed() {
        return;
    }
    let started = Instant::now();
    let examples = release_examples().unwrap_or_else(|error| panic!("{error}"));
    let target_dir = target_dir(&examples["quickstart"]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let failures = runtime.block_on(async {
        let driver = Chromedriver::start().unwrap_or_else(|error| panic!("{error}"));
        let env = Env {
            driver: &driver,
            examples: &examples,
            screenshots: target_dir.join("e2e-screenshots"),
        };
        let results = tokio::join!(
            env.run(
                "quickstart-sign-in-reload-sign-out",
                "quickstart",
                quickstart_sign_in_reload_sign_out
            ),
            env.run("quickstart-cancel", "quickstart", quickstart_cancel),
            env.run(
                "multi-tenant-globex-refused",
                "multi_tenant",
                multi_tenant_globex_refused
            ),
            env.run(
                "multi-tenant-example-corp-admitted",
                "multi_tenant",
                multi_tenant_example_corp_admitted
            ),
            env.run(
                "multi-tenant-unknown-domain",
                "multi_tenant",
                multi_tenant_unknown_domain
            ),
        );
        let errors = tokio::join!(
            env.run(
                "quickstart-error-pages",
                "quickstart",
                quickstart_error_pages
            ),
            env.run(
                "multi-tenant-error-pages",
                "multi_tenant",
                multi_tenant_error_pages
            ),
        );
        [
            results.0, results.1, results.2, results.3, results.4, errors.0, errors.1,
        ]
        .into_iter()
        .filter_map(Result::err)
        .collect::<Vec<_>>()
    });
    eprintln!(
        "browser scenarios finished in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} browser scenario(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

// ----------------------------------------------------------------------------------------------------
// Scenarios

/// Visit the protected page, pick Alice, stay signed in across a reload, sign out, and be asked to sign
/// in again.
async fn quickstart_sign_in_reload_sign_out(s: &mut Session) -> Result<()> {
    s.goto("/profile").await?;
    s.wait_heading("Test Identity Provider").await?;
    s.shot("test-idp").await?;
    s.click_user("alice@example.com").await?;
    s.wait_heading("Your profile").await?;
    expect_path(s, "/profile").await?;
    expect_eq(s.text("#email").await?, "alice@example.com")?;
    expect_eq(s.text("#name").await?, "Alice Anders")?;
    expect_eq(
        s.text("#organization").await?,
        "org_01JH3E28JT97KB6CQ643DZVMXX",
    )?;
    s.shot("profile").await?;

    s.client.refresh().await?;
    s.wait_heading("Your profile").await?;
    expect_eq(s.text("#email").await?, "alice@example.com")?;
    s.shot("profile-after-reload").await?;

    s.click(Locator::XPath("//button[normalize-space()='Sign out']"))
        .await?;
    s.wait_for(Locator::XPath("//a[normalize-space()='Sign in with SSO']"))
        .await?;
    expect_path(s, "/").await?;
    s.shot("signed-out-home").await?;

    s.goto("/profile").await?;
    s.wait_heading("Test Identity Provider").await?;
    s.shot("profile-asks-to-sign-in-again").await?;
    Ok(())
}

/// Cancel on the Test Identity Provider page comes back with `access_denied`: the app's error page.
async fn quickstart_cancel(s: &mut Session) -> Result<()> {
    s.goto("/").await?;
    s.wait_for(Locator::XPath("//a[normalize-space()='Sign in with SSO']"))
        .await?;
    s.shot("home").await?;
    s.click(Locator::XPath("//a[normalize-space()='Sign in with SSO']"))
        .await?;
    s.wait_heading("Test Identity Provider").await?;
    s.shot("test-idp").await?;
    s.click(Locator::XPath("//button[normalize-space()='Cancel']"))
        .await?;
    s.wait_heading("Sign-in cancelled").await?;
    let body = s.text("body").await?;
    expect_contains(
        &body,
        "The sign-in was cancelled, or your identity provider did not allow it.",
    )?;
    expect_contains(&body, "Error code: access_denied")?;
    expect_status(s, 403).await?;
    s.shot("sign-in-cancelled").await?;
    // "Sign in again" works: it starts the same login over.
    s.click(Locator::LinkText("Sign in again")).await?;
    s.wait_heading("Test Identity Provider").await?;
    Ok(())
}

/// Every error page the library shows in a pinned app, reached as a browser reaches it, each with a
/// screenshot, its heading, its status, and its next step; and the app's own 404.
async fn quickstart_error_pages(s: &mut Session) -> Result<()> {
    let pages = [
        // A callback this browser did not start: no state.
        (
            "/callback?code=01JCODE",
            "Sign-in could not be completed",
            400,
            "missing-state",
        ),
        // A callback whose state this browser never had (forged, replayed, or another browser's).
        (
            "/callback?code=01JCODE&state=forged-0123456789",
            "Sign-in could not be completed",
            400,
            "invalid-state",
        ),
        // Neither a code nor an error.
        (
            "/callback?state=",
            "Sign-in could not be completed",
            400,
            "missing-code",
        ),
        // The identity provider failed.
        (
            "/callback?error=server_error",
            "Sign-in failed",
            502,
            "idp-server-error",
        ),
        // SSO misconfigured for the organization.
        (
            "/callback?error=organization_invalid",
            "Sign-in failed",
            400,
            "sso-misconfigured",
        ),
        // A sign-in link of another version of the app.
        (
            "/sso/login?flow=0123456789ab",
            "Sign-in link not recognised",
            400,
            "unknown-flow",
        ),
        // A malformed selector in a sign-in link.
        (
            "/sso/login?organization=acme",
            "This sign-in link is not valid",
            400,
            "invalid-selector",
        ),
    ];
    for (path, heading, status, name) in pages {
        s.goto(path).await?;
        s.wait_heading(heading).await?;
        expect_status(s, status).await?;
        let body = s.text("body").await?;
        if !body.contains("Sign in again") && !body.contains("Back to the home page") {
            return Err(format!("{path}: the page offers no next step:\n{body}").into());
        }
        s.shot(name).await?;
    }
    // The next step works: "Sign in again" from a refused callback reaches the identity provider.
    s.goto("/callback?code=01JCODE&state=forged-0123456789")
        .await?;
    s.click(Locator::LinkText("Sign in again")).await?;
    s.wait_heading("Test Identity Provider").await?;
    // The app's own 404, in its style, with the way home.
    s.goto("/no/such/page").await?;
    s.wait_heading("Page not found").await?;
    expect_status(s, 404).await?;
    s.shot("not-found").await?;
    s.click(Locator::LinkText("Back to the home page")).await?;
    s.wait_for(Locator::XPath("//a[normalize-space()='Sign in with SSO']"))
        .await?;
    Ok(())
}

/// The error pages of an app whose handlers admit any organization.
async fn multi_tenant_error_pages(s: &mut Session) -> Result<()> {
    // An OAuth provider the app does not list.
    s.goto("/sso/login?provider=GoogleOAuth").await?;
    s.wait_heading("Sign-in method not available").await?;
    expect_status(s, 400).await?;
    s.shot("provider-not-allowed").await?;
    // A work email whose domain two organizations claim: the page says so and starts no login.
    s.type_work_email("peter@initech.test").await?;
    s.wait_heading("Sign in").await?;
    expect_contains(&s.text("main").await?, "initech.test")?;
    expect_status(s, 400).await?;
    s.shot("domain-of-two-organizations").await?;
    Ok(())
}

/// A Globex user picks Globex by email domain and signs in, then the Example-Corp-only page refuses
/// them.
async fn multi_tenant_globex_refused(s: &mut Session) -> Result<()> {
    s.type_work_email("hank@globex.test").await?;
    s.wait_heading("Test Identity Provider").await?;
    expect_contains(&s.text("main").await?, "Globex")?;
    s.shot("test-idp-globex").await?;
    s.click_user("hank@globex.test").await?;
    s.wait_heading("Your workspace").await?;
    expect_eq(
        s.text("#organization").await?,
        "org_01JHS3C4DWA7N36096Q14DR9GP",
    )?;
    expect_contains(&s.text("#welcome").await?, "hank@globex.test")?;
    s.shot("workspace").await?;
    s.click(Locator::LinkText("Example Corp reports")).await?;
    s.wait_heading("Access denied").await?;
    let body = s.text("body").await?;
    expect_contains(
        &body,
        "You are signed in, but this page belongs to another organization.",
    )?;
    expect_contains(&body, "Error code: forbidden")?;
    expect_status(s, 403).await?;
    expect_path(s, "/example-corp/reports").await?;
    s.shot("reports-refused").await?;
    Ok(())
}

/// An address whose domain no organization claims stays on the email page with a message, and WorkOS
/// is never asked to authorize.
async fn multi_tenant_unknown_domain(s: &mut Session) -> Result<()> {
    s.type_work_email("mallory@evil.example").await?;
    s.wait_heading("Sign in").await?;
    expect_contains(&s.text("main").await?, "evil.example")?;
    expect_status(s, 400).await?;
    s.shot("unknown-domain").await?;
    Ok(())
}

/// An Example Corp user gets into the Example-Corp-only page.
async fn multi_tenant_example_corp_admitted(s: &mut Session) -> Result<()> {
    s.type_work_email("alice@example.com").await?;
    s.wait_heading("Test Identity Provider").await?;
    expect_contains(&s.text("main").await?, "Example Corp")?;
    s.shot("test-idp-example-corp").await?;
    s.click_user("alice@example.com").await?;
    s.wait_heading("Your workspace").await?;
    expect_eq(
        s.text("#organization").await?,
        "org_01JH3E28JT97KB6CQ643DZVMXX",
    )?;
    s.shot("workspace").await?;
    s.click(Locator::LinkText("Example Corp reports")).await?;
    s.wait_heading("Example Corp reports").await?;
    expect_eq(
        s.text("#reports").await?,
        "Quarterly reports for alice@example.com.",
    )?;
    s.shot("reports").await?;
    // "Set up SSO for your organization": an Admin Portal link from the fairing's own client.
    s.goto("/workspace").await?;
    s.click(Locator::LinkText("Set up SSO for your organization"))
        .await?;
    s.wait_heading("Set up SSO for Example Corp").await?;
    s.shot("admin-portal").await?;
    Ok(())
}

fn expect_eq(actual: String, expected: &str) -> Result<()> {
    if actual.trim() == expected {
        Ok(())
    } else {
        Err(format!("expected {expected:?}, the page shows {actual:?}").into())
    }
}

fn expect_contains(text: &str, expected: &str) -> Result<()> {
    if text.contains(expected) {
        Ok(())
    } else {
        Err(format!("expected the page to contain {expected:?}; it shows:\n{text}").into())
    }
}

/// The HTTP status of the page the browser shows (Navigation Timing's `responseStatus`).
async fn expect_status(s: &Session, expected: u64) -> Result<()> {
    let status = s
        .client
        .execute(
            "return performance.getEntriesByType('navigation')[0].responseStatus;",
            Vec::new(),
        )
        .await?;
    if status.as_u64() == Some(expected) {
        Ok(())
    } else {
        Err(format!("expected HTTP status {expected}, the page came with {status}").into())
    }
}

async fn expect_path(s: &Session, path: &str) -> Result<()> {
    let url = s.client.current_url().await?;
    if url.path() == path {
        Ok(())
    } else {
        Err(format!("expected to be at {path}, the browser is at {url}").into())
    }
}

// ----------------------------------------------------------------------------------------------------
// One scenario: an app process, a browser session, screenshots

struct Env<'a> {
    driver: &'a Chromedriver,
    examples: &'a HashMap<String, PathBuf>,
    screenshots: PathBuf,
}

impl Env<'_> {
    /// Runs `scenario` against a fresh `example` process in a fresh browser; the error names the
    /// scenario, the step and the app's log.
    async fn run<F>(&self, name: &str, example: &str, scenario: F) -> Result<(), String>
    where
        F: AsyncFn(&mut Session) -> Result<()>,
    {
        let started = Instant::now();
        let fail = |what: String| format!("[{name}] {what}");
        let exe = self
            .examples
            .get(example)
            .ok_or_else(|| fail(format!("cargo built no example named `{example}`")))?;
        let app = App::start(exe, |base_url| launch_settings(example, base_url))
            .map_err(|error| fail(error.to_string()))?;
        let profile_dir = TempDir::new(name).map_err(|error| fail(error.to_string()))?;
        let client = self
            .driver
            .session(&profile_dir.0)
            .await
            .map_err(|error| fail(error.to_string()))?;
        let shots = self.screenshots.join(name);
        let _ = std::fs::remove_dir_all(&shots);
        let mut session = Session {
            client,
            base: app.base_url.clone(),
            shots,
            step: 0,
        };
        let outcome = scenario(&mut session).await;
        if outcome.is_err() {
            let _ = session.shot("failure").await;
        }
        let url = session.client.current_url().await.ok();
        // Closing the session makes chromedriver end this Chromium.
        let closed = session.client.close().await;
        match (outcome, closed) {
            (Ok(()), Ok(())) => {
                eprintln!("[{name}] passed in {:.1}s", started.elapsed().as_secs_f64());
                Ok(())
            }
            (Ok(()), Err(error)) => Err(fail(format!("closing the browser failed: {error}"))),
            (Err(error), _) => Err(fail(format!(
                "{error}\n  browser at: {}\n  screenshots: {}\n  {example} log:\n{}",
                url.map_or_else(|| "?".to_owned(), |url| url.to_string()),
                session.shots.display(),
                app.log()
            ))),
        }
    }
}

struct Session {
    client: Client,
    base: String,
    shots: PathBuf,
    step: u32,
}

impl Session {
    async fn goto(&self, path: &str) -> Result<()> {
        Ok(self.client.goto(&format!("{}{path}", self.base)).await?)
    }

    async fn wait_for(&self, locator: Locator<'_>) -> Result<fantoccini::elements::Element> {
        let found = self
            .client
            .wait()
            .at_most(STEP_TIMEOUT)
            .for_element(locator)
            .await;
        match found {
            Ok(element) => Ok(element),
            Err(error) => {
                let url = self.client.current_url().await?;
                let title = self.client.title().await.unwrap_or_default();
                Err(format!(
                    "waited for {locator:?}: {error}\n  the browser shows {title:?} at {url}"
                )
                .into())
            }
        }
    }

    async fn wait_heading(&self, text: &str) -> Result<()> {
        let xpath = format!("//h1[normalize-space()='{text}']");
        self.wait_for(Locator::XPath(&xpath)).await.map(drop)
    }

    async fn click(&self, locator: Locator<'_>) -> Result<()> {
        Ok(self.wait_for(locator).await?.click().await?)
    }

    async fn text(&self, css: &str) -> Result<String> {
        Ok(self.wait_for(Locator::Css(css)).await?.text().await?)
    }

    /// Picks the user with `email` on the Test Identity Provider page.
    async fn click_user(&self, email: &str) -> Result<()> {
        let xpath = format!("//button[@name='user'][.//span[contains(., '{email}')]]");
        self.click(Locator::XPath(&xpath)).await
    }

    /// The multi-tenant home page: sign in with SSO, then type a work email on the library's page.
    async fn type_work_email(&mut self, email: &str) -> Result<()> {
        self.goto("/").await?;
        self.click(Locator::LinkText("Sign in with SSO")).await?;
        self.wait_heading("Sign in").await?;
        let input = self.wait_for(Locator::Css("input#email")).await?;
        input.clear().await?;
        input.send_keys(email).await?;
        self.shot("work-email").await?;
        self.click(Locator::XPath("//button[normalize-space()='Continue']"))
            .await
    }

    /// Saves `<nn>-<step>.png`.
    async fn shot(&mut self, step: &str) -> Result<()> {
        self.step += 1;
        std::fs::create_dir_all(&self.shots)?;
        let png = self.client.screenshot().await?;
        let path = self.shots.join(format!("{:02}-{step}.png", self.step));
        std::fs::write(&path, png)?;
        Ok(())
    }
}

// ----------------------------------------------------------------------------------------------------
// Processes

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Result<TempDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .subsec_nanos();
        let path = std::env::temp_dir().join(format!(
            "rocket-workos-sso-e2e-{}-{label}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `chromedriver` on a free port, killed when dropped.
struct Chromedriver {
    _process: Killed,
    url: String,
    chromium: PathBuf,
}

impl Chromedriver {
    fn start() -> Result<Chromedriver> {
        let install =
            "install them with `apt-get install -y chromium chromium-driver`, or point the \
                       CHROMIUM and CHROMEDRIVER environment variables at them";
        let chromium = executable("CHROMIUM", &["chromium", "chromium-browser"])
            .ok_or_else(|| format!("Chromium is not installed: {install}"))?;
        let chromedriver = executable("CHROMEDRIVER", &["chromedriver"])
            .ok_or_else(|| format!("chromedriver is not installed: {install}"))?;
        let port = free_port()?;
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| {
                format!(
                    "cannot start {}: {error}; {install}",
                    chromedriver.display()
                )
            })?;
        let mut process = Killed(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = process.0.try_wait()? {
                return Err(format!("{} exited with {status}", chromedriver.display()).into());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{} did not listen on port {port} within 20s",
                    chromedriver.display()
                )
                .into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Chromedriver {
            _process: process,
            url: format!("http://127.0.0.1:{port}"),
            chromium,
        })
    }

    /// A new headless Chromium with its own profile in `user_data_dir`.
    async fn session(&self, user_data_dir: &Path) -> Result<Client> {
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|&flag| flag.to_owned()).collect();
        args.push(format!("--user-data-dir={}", user_data_dir.display()));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": self.chromium, "args": args },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .map_err(|error| {
                format!(
                    "Chromium ({}) could not start through chromedriver: {error}",
                    self.chromium.display()
                )
                .into()
            })
    }
}

/// The executable named by environment variable `var`, else the first of `names` on `PATH`.
/// Whether Chromium and chromedriver are installed; when they are not, fails if the browser test is
/// required (`WORKOS_BROWSER_TESTS=required`) and otherwise says loudly that it skips.
fn browser_installed() -> bool {
    let installed = executable("CHROMIUM", &["chromium", "chromium-browser"]).is_some()
        && executable("CHROMEDRIVER", &["chromedriver"]).is_some();
    if installed {
        return true;
    }
    let message = "the browser test needs Chromium and chromedriver: install them with \
                   `apt-get install -y chromium chromium-driver` (scripts/test does)";
    let required = std::env::var("WORKOS_BROWSER_TESTS").is_ok_and(|value| value == "required");
    assert!(!required, "WORKOS_BROWSER_TESTS=required, but {message}");
    // Straight to the process's stderr: the test harness captures the output of passing tests.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "SKIPPED: {message}. (Set WORKOS_BROWSER_TESTS=required to make this a failure.)\n"
        )
        .as_bytes(),
    );
    false
}

fn executable(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var).filter(|path| !path.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

//! What the real-browser tests share: headless Chromium through `chromedriver` (fantoccini), one
//! example app process per scenario, screenshots of every step, and the settings the apps are launched
//! with. `browser.rs` runs the apps over http, `browser_https.rs` over https.
#![allow(dead_code)] // each test binary uses its own subset

use std::collections::HashMap;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use rocket_workos_sso::emulator::EXAMPLE_ORG_ID;
use serde_json::{json, Value};

use crate::processes::{free_port, App, Killed, Result};

/// The client id the apps are given at launch; the embedded emulator accepts whatever the app uses.
pub const CLIENT_ID: &str = "client_01BR0WSERTESTC0NF1GUREDAT";

/// The sealing key every app is given (a release build refuses to start without one).
pub const SECRET_KEY: &str =
    "kbAi7lJ+la1O01Zf9kxS2jPVZdEZGOZJ953R69Af3dOoyESxUQsEJJNCcVjOdMyxVcNmWcGbt2Le9JzVvHb12w==";

/// What a deployment of `example` at `base_url` is given, all at launch: the embedded emulator (no
/// WorkOS here), the key, the client id, the redirect URI at its own port, and the organization (the
/// whole app's for the quickstart; the Example Corp page's for the multi-tenant app).
pub fn launch_settings(example: &str, base_url: &str) -> Vec<(&'static str, String)> {
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
pub const STEP_TIMEOUT: Duration = Duration::from_secs(15);

/// The Chromium flags this environment requires; a fresh `--user-data-dir` is added per session.
pub const CHROMIUM_FLAGS: &[&str] = &[
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

pub fn expect_eq(actual: String, expected: &str) -> Result<()> {
    if actual.trim() == expected {
        Ok(())
    } else {
        Err(format!("expected {expected:?}, the page shows {actual:?}").into())
    }
}

pub fn expect_contains(text: &str, expected: &str) -> Result<()> {
    if text.contains(expected) {
        Ok(())
    } else {
        Err(format!("expected the page to contain {expected:?}; it shows:\n{text}").into())
    }
}

/// The HTTP status of the page the browser shows (Navigation Timing's `responseStatus`).
pub async fn expect_status(s: &Session, expected: u64) -> Result<()> {
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

pub async fn expect_path(s: &Session, path: &str) -> Result<()> {
    let url = s.client.current_url().await?;
    if url.path() == path {
        Ok(())
    } else {
        Err(format!("expected to be at {path}, the browser is at {url}").into())
    }
}

// ----------------------------------------------------------------------------------------------------
// One scenario: an app process, a browser session, screenshots

pub struct Env<'a> {
    pub driver: &'a Chromedriver,
    pub examples: &'a HashMap<String, PathBuf>,
    pub screenshots: PathBuf,
    /// Serve the apps over https with this certificate, and let Chromium accept it.
    pub tls: Option<&'a Tls>,
}

/// A certificate and its key, as PEM files, that an app serves https with.
pub struct Tls {
    pub certs: PathBuf,
    pub key: PathBuf,
}

impl Tls {
    /// `ROCKET_TLS` for this certificate.
    fn setting(&self) -> (&'static str, String) {
        (
            "ROCKET_TLS",
            format!(
                "{{certs={:?},key={:?}}}",
                self.certs.display().to_string(),
                self.key.display().to_string()
            ),
        )
    }
}

impl Env<'_> {
    /// Runs `scenario` against a fresh `example` process in a fresh browser; the error names the
    /// scenario, the step and the app's log.
    pub async fn run<F>(&self, name: &str, example: &str, scenario: F) -> Result<(), String>
    where
        F: AsyncFn(&mut Session) -> Result<()>,
    {
        let started = Instant::now();
        let fail = |what: String| format!("[{name}] {what}");
        let exe = self
            .examples
            .get(example)
            .ok_or_else(|| fail(format!("cargo built no example named `{example}`")))?;
        let app = match self.tls {
            None => App::start(exe, |base_url| launch_settings(example, base_url)),
            Some(tls) => App::start_as(exe, "https", |base_url| {
                let mut settings = launch_settings(example, base_url);
                settings.push(tls.setting());
                settings
            }),
        }
        .map_err(|error| fail(error.to_string()))?;
        let profile_dir = TempDir::new(name).map_err(|error| fail(error.to_string()))?;
        let client = self
            .driver
            .session(&profile_dir.0, self.tls.is_some())
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

pub struct Session {
    pub client: Client,
    pub base: String,
    pub shots: PathBuf,
    pub step: u32,
}

impl Session {
    pub async fn goto(&self, path: &str) -> Result<()> {
        Ok(self.client.goto(&format!("{}{path}", self.base)).await?)
    }

    pub async fn wait_for(&self, locator: Locator<'_>) -> Result<fantoccini::elements::Element> {
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

    pub async fn wait_heading(&self, text: &str) -> Result<()> {
        let xpath = format!("//h1[normalize-space()='{text}']");
        self.wait_for(Locator::XPath(&xpath)).await.map(drop)
    }

    pub async fn click(&self, locator: Locator<'_>) -> Result<()> {
        Ok(self.wait_for(locator).await?.click().await?)
    }

    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.wait_for(Locator::Css(css)).await?.text().await?)
    }

    /// Picks the user with `email` on the Test Identity Provider page.
    pub async fn click_user(&self, email: &str) -> Result<()> {
        let xpath = format!("//button[@name='user'][.//span[contains(., '{email}')]]");
        self.click(Locator::XPath(&xpath)).await
    }

    /// The multi-tenant home page: sign in with SSO, then type a work email on the library's page.
    pub async fn type_work_email(&mut self, email: &str) -> Result<()> {
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
    pub async fn shot(&mut self, step: &str) -> Result<()> {
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
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Result<TempDir> {
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

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `chromedriver` on a free port, killed when dropped.
pub struct Chromedriver {
    _process: Killed,
    url: String,
    chromium: PathBuf,
}

impl Chromedriver {
    pub fn start() -> Result<Chromedriver> {
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

    /// A new headless Chromium with its own profile in `user_data_dir`; with `self_signed`, accepting the
    /// apps' self-signed certificates.
    pub async fn session(&self, user_data_dir: &Path, self_signed: bool) -> Result<Client> {
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|&flag| flag.to_owned()).collect();
        if self_signed {
            args.push("--ignore-certificate-errors".to_owned());
        }
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
pub fn browser_installed() -> bool {
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

pub fn executable(var: &str, names: &[&str]) -> Option<PathBuf> {
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

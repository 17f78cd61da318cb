//! The examples as a team deploys them: built once with `cargo build --release`, each run as its own
//! process on a free loopback port with its settings in the environment, killed when dropped. Shared
//! by the browser test and the two-environment test.
#![allow(dead_code)] // each test binary uses its own subset

use std::collections::HashMap;
use std::error::Error;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::Duration;

use reqwest::header::{ACCEPT, COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use rocket_workos_sso::emulator::EXAMPLE_ORG_ID;
use rocket_workos_sso::session::SESSION_COOKIE;
use serde_json::Value;

pub type Result<T, E = Box<dyn Error + Send + Sync>> = std::result::Result<T, E>;

/// The settings a test must give explicitly: none of them leaks in from the environment the tests run
/// in.
const CLEARED: &[&str] = &[
    "ROCKET_PROFILE",
    "ROCKET_CONFIG",
    "ROCKET_WORKOS",
    "ROCKET_SECRET_KEY",
    "WORKOS_API_KEY",
    "WORKOS_BASE_URL",
    "WORKOS_CLIENT_ID",
    "WORKOS_REDIRECT_URI",
    "WORKOS_ORGANIZATION_ID",
    "WORKOS_CONNECTION_ID",
    "WORKOS_SESSION_STORE",
    "WORKOS_EVENTS_POLL_INTERVAL_MS",
    "WORKOS_WEBHOOK_SECRET",
    "EXAMPLE_CORP_ORGANIZATION_ID",
];

/// Builds every example in release mode (`cargo build --release --workspace --all-features
/// --examples`; a no-op when already built) and returns their executables by name.
pub fn release_examples() -> Result<HashMap<String, PathBuf>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let output = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--workspace",
            "--all-features",
            "--examples",
            "--message-format=json-render-diagnostics",
            "--manifest-path",
        ])
        .arg(manifest)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| format!("cannot run cargo to build the examples: {error}"))?;
    if !output.status.success() {
        return Err(format!("building the examples failed ({})", output.status).into());
    }
    let mut examples = HashMap::new();
    for line in output.stdout.split(|&b| b == b'\n') {
        let Ok(message) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        let is_example = message["target"]["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|kind| kind == "example"));
        if let (true, Some(name), Some(exe)) = (
            message["reason"] == "compiler-artifact" && is_example,
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) {
            examples.insert(name.to_owned(), PathBuf::from(exe));
        }
    }
    for needed in ["quickstart", "multi_tenant", "sessions", "workos-emulator"] {
        if !examples.contains_key(needed) {
            return Err(format!("cargo did not report the {needed} example's executable").into());
        }
    }
    Ok(examples)
}

/// `target/` from `target/<profile>/examples/<name>`.
pub fn target_dir(example: &Path) -> PathBuf {
    example
        .ancestors()
        .nth(3)
        .expect("examples live in target/<profile>/examples")
        .to_path_buf()
}

pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child process, killed when dropped (also when a test panics).
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running process and everything it printed.
pub struct Process {
    pub child: Killed,
    log: Arc<Mutex<Vec<String>>>,
}

impl Process {
    /// Starts `exe` with `args` and exactly the settings in `env` (see [`CLEARED`]), and waits up to 60 s
    /// for a line of its standard output containing `ready`, which it returns. `Ok(None)` when the
    /// process ended first (its log then says why).
    pub fn start(
        exe: &Path,
        args: &[&str],
        env: &[(&str, String)],
        ready: &str,
    ) -> Result<(Process, Option<String>)> {
        let mut command = Command::new(exe);
        for name in CLEARED {
            command.env_remove(name);
        }
        let mut child = command
            .args(args)
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", exe.display()))?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let (lines, readiness) = mpsc::channel();
        collect_lines(child.stdout.take(), &log, Some((ready.to_owned(), lines)));
        collect_lines(child.stderr.take(), &log, None);
        let process = Process {
            child: Killed(child),
            log,
        };
        match readiness.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => Ok((process, Some(line))),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "{} printed no {ready:?} within 60s; its log:\n{}",
                exe.display(),
                process.log()
            )
            .into()),
            // Output ended without the line: the process exited.
            Err(mpsc::RecvTimeoutError::Disconnected) => Ok((process, None)),
        }
    }

    /// Every line the process printed so far.
    pub fn lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The last 60 lines the process printed, indented.
    pub fn log(&self) -> String {
        let lines = self.log.lock().unwrap();
        let tail = lines.len().saturating_sub(60);
        lines[tail..]
            .iter()
            .map(|line| format!("    | {line}\n"))
            .collect()
    }
}

/// Copies `stream` into `log` on a thread, sending the first line that contains `ready.0` on `ready.1`.
fn collect_lines(
    stream: Option<impl Read + Send + 'static>,
    log: &Arc<Mutex<Vec<String>>>,
    ready: Option<(String, mpsc::Sender<String>)>,
) {
    let Some(stream) = stream else { return };
    let log = Arc::clone(log);
    std::thread::spawn(move || {
        let mut ready = ready;
        for line in BufReader::new(stream).lines().map_while(|line| line.ok()) {
            if ready
                .as_ref()
                .is_some_and(|(needle, _)| line.contains(needle.as_str()))
            {
                if let Some((_, sender)) = ready.take() {
                    let _ = sender.send(line.clone());
                }
            }
            log.lock().unwrap().push(line);
        }
    });
}

/// The standalone emulator (`workos-emulator` example) started with `args` on a free port, and its base
/// URL as its banner prints it (without the trailing `/`).
pub fn start_emulator(exe: &Path, args: &[&str]) -> Result<(Process, String)> {
    let args: Vec<&str> = ["--port", "0"]
        .into_iter()
        .chain(args.iter().copied())
        .collect();
    let (emulator, banner) = Process::start(exe, &args, &[], "WorkOS emulator listening on ")?;
    let banner = banner.ok_or_else(|| format!("the emulator exited:\n{}", emulator.log()))?;
    let base_url = banner
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned();
    Ok((emulator, base_url))
}

/// An example app on a free port, configured at launch through the environment only.
pub struct App {
    pub process: Process,
    pub base_url: String,
}

impl App {
    /// Starts `exe` with the settings `settings` gives for its base URL (`http://127.0.0.1:PORT`) and
    /// waits for Rocket's liftoff. The port is picked free just before; if another process takes it in
    /// between, the app exits and another port is tried.
    pub fn start(
        exe: &Path,
        settings: impl Fn(&str) -> Vec<(&'static str, String)>,
    ) -> Result<App> {
        App::start_as(exe, "http", settings)
    }

    /// [`App::start`] for an app served over `scheme`: `https` when `settings` turn TLS on
    /// (`ROCKET_TLS`), which makes the base URL `https://127.0.0.1:PORT`.
    pub fn start_as(
        exe: &Path,
        scheme: &str,
        settings: impl Fn(&str) -> Vec<(&'static str, String)>,
    ) -> Result<App> {
        let mut last_log = String::new();
        for _ in 0..3 {
            let port = free_port()?;
            let base_url = format!("{scheme}://127.0.0.1:{port}");
            match App::start_on(exe, port, settings(&base_url))? {
                Ok(app) => return Ok(App { base_url, ..app }),
                // A launch refused for its settings will not launch on another port either.
                Err(log) if !log.contains("Address already in use") => {
                    return Err(
                        format!("{} did not lift off; its log:\n{log}", exe.display()).into(),
                    )
                }
                Err(log) => last_log = log,
            }
        }
        Err(format!(
            "{} found no free port (3 tries); its log:\n{last_log}",
            exe.display()
        )
        .into())
    }

    /// Starts `exe` on `port` with `settings` and waits for Rocket's liftoff; `Ok(Err(log))` when the
    /// app exited instead.
    pub fn start_on(
        exe: &Path,
        port: u16,
        settings: Vec<(&'static str, String)>,
    ) -> Result<Result<App, String>> {
        let mut env = vec![
            ("ROCKET_ADDRESS", "127.0.0.1".to_owned()),
            ("ROCKET_PORT", port.to_string()),
            ("ROCKET_LOG_LEVEL", "normal".to_owned()),
            ("ROCKET_CLI_COLORS", "false".to_owned()),
        ];
        env.extend(settings);
        let (process, lifted_off) = Process::start(exe, &[], &env, "Rocket has launched from")?;
        Ok(match lifted_off {
            Some(_) => Ok(App {
                process,
                base_url: format!("http://127.0.0.1:{port}"),
            }),
            None => Err(process.log()),
        })
    }

    pub fn log(&self) -> String {
        self.process.log()
    }
}

/// Every example built in release, once per test binary.
pub fn examples() -> &'static HashMap<String, PathBuf> {
    static EXAMPLES: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    EXAMPLES.get_or_init(|| release_examples().unwrap_or_else(|error| panic!("{error}")))
}

/// A client as a test reads an app: no redirects followed, a 10 s bound.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Signs `email` of Example Corp in on `app`, by hand: the login route, WorkOS, the callback. Returns
/// the session cookie's value.
pub async fn sign_in(app: &App, email: &str) -> Result<String> {
    let http = http();
    let login = format!(
        "{}/sso/login?organization={EXAMPLE_ORG_ID}&return_to=/profile",
        app.base_url
    );
    let response = http.get(&login).header(ACCEPT, "text/html").send().await?;
    let cookies: Vec<String> = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect();
    let mut authorize = url::Url::parse(response.headers()[LOCATION].to_str()?)?;
    authorize.query_pairs_mut().append_pair("login_hint", email);
    let at_workos = http.get(authorize).send().await?;
    let callback = at_workos.headers()[LOCATION].to_str()?.to_owned();
    let response = http
        .get(&callback)
        .header(ACCEPT, "text/html")
        .header(COOKIE, cookies.join("; "))
        .send()
        .await?;
    if response.status() != StatusCode::SEE_OTHER {
        return Err(format!("the callback answered {}", response.status()).into());
    }
    let session = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| {
            value
                .strip_prefix(&format!("{SESSION_COOKIE}="))
                .and_then(|rest| rest.split(';').next())
        })
        .ok_or("the callback set no session cookie")?
        .to_owned();
    Ok(session)
}

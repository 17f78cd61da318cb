//! A real `redis-server` per test: its own free loopback port and its own data directory, with an
//! append-only file synced on every write, so a server killed with SIGKILL and restarted keeps the
//! sessions, as a production Redis with persistence does. Under `scripts/test` (WORKOS_REDIS_TESTS=
//! required) a missing `redis-server` fails the test; in a plain `cargo test` the test says SKIPPED and
//! passes.
#![allow(dead_code)] // each test binary uses its own subset

pub mod sentinel;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`, killed and its data removed when dropped.
pub struct Redis {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
    /// Extra `redis-server` arguments, such as `--requirepass`.
    args: Vec<String>,
}

/// A started server, or `None` (after saying SKIPPED) when `redis-server` is not installed and the
/// tests are not required.
pub fn redis_or_skip(test: &str) -> Option<Redis> {
    redis_or_skip_with(test, &[])
}

/// [`redis_or_skip`] with extra `redis-server` arguments (`["--requirepass", "…"]`).
pub fn redis_or_skip_with(test: &str, args: &[&str]) -> Option<Redis> {
    let installed = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !installed {
        let help = "install it with `apt-get install redis-server` (scripts/test does, as root)";
        if std::env::var("WORKOS_REDIS_TESTS").as_deref() == Ok("required") {
            panic!("{test}: redis-server is required here and not installed; {help}");
        }
        eprintln!("SKIPPED {test}: redis-server is not installed; {help}");
        return None;
    }
    Some(Redis::start_with(args))
}

/// A free loopback port, and a new directory of its own for a server on it (`kind` names it).
fn free_port_and_dir(kind: &str) -> (u16, std::path::PathBuf) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let dir = std::env::temp_dir().join(format!("workos-sso-{kind}-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory for the server");
    (port, dir)
}

impl Redis {
    /// Starts a server on a free port (another port if that one is taken in between).
    pub fn start() -> Redis {
        Redis::start_with(&[])
    }

    /// [`Redis::start`] with extra `redis-server` arguments.
    pub fn start_with(args: &[&str]) -> Redis {
        for _ in 0..5 {
            let (port, dir) = free_port_and_dir("redis");
            let mut redis = Redis {
                port,
                dir,
                child: None,
                args: args.iter().map(|arg| arg.to_string()).collect(),
            };
            if redis.spawn() {
                return redis;
            }
        }
        panic!("redis-server did not start on any of 5 free ports");
    }

    fn spawn(&mut self) -> bool {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.pings() {
                return true;
            }
            if let Some(child) = &mut self.child {
                if child.try_wait().ok().flatten().is_some() {
                    self.child = None;
                    return false;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Whether the server answers PING now (or asks for the password it requires).
    pub fn pings(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut reply = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && (&reply == b"+PONG\r\n" || &reply == b"-NOAUTH")
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL an application is configured with.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Runs `redis-cli` against this server and returns what it printed.
    pub fn cli(&self, args: &[&str]) -> String {
        let output = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// The keys under `pattern` (a test's own server holds only the test's keys).
    pub fn keys(&self, pattern: &str) -> Vec<String> {
        let printed = self.cli(&["--scan", "--pattern", pattern]);
        printed
            .lines()
            .map(str::to_owned)
            .filter(|line| !line.is_empty())
            .collect()
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, with the same data.
    pub fn restart(&mut self) {
        self.kill();
        assert!(self.spawn(), "redis-server restarts on port {}", self.port);
    }

    /// Freezes the server (SIGSTOP): connections stay open and nothing answers.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Thaws a [paused](Self::pause) server (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("the server runs").id();
        let status = Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal} {pid}");
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.resume();
        }
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

//! A primary, its replica and one Redis Sentinel watching them, all real processes from Debian's
//! packages (`redis-server`, `redis-sentinel`), each on its own free loopback port with its own data
//! directory, killed and removed when dropped. The Sentinel's configuration is generated: quorum 1, the
//! primary down after 1 s without an answer, so a failover takes a few seconds. Under `scripts/test`
//! (WORKOS_REDIS_TESTS=required) a missing program fails the test; in a plain `cargo test` the test
//! says SKIPPED and passes.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::Redis;

/// How long the Sentinel waits without an answer before it deems the primary down.
pub const DOWN_AFTER_MS: u64 = 1000;

/// A primary, a replica of it, and a Sentinel monitoring them under `service`.
pub struct Replicated {
    pub primary: Redis,
    pub replica: Redis,
    pub sentinel: Sentinel,
}

/// Whether `program --version` runs.
fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// A primary, its replica (in sync) and a Sentinel that knows both, or `None` (after saying SKIPPED)
/// when `redis-server` or `redis-sentinel` is missing and the tests are not required.
pub fn replicated_or_skip(test: &str, service: &str) -> Option<Replicated> {
    for (program, package) in [
        ("redis-server", "redis-server"),
        ("redis-sentinel", "redis-sentinel"),
        ("redis-cli", "redis-tools"),
    ] {
        if !installed(program) {
            let help =
                format!("install it with `apt-get install {package}` (scripts/test does, as root)");
            if std::env::var("WORKOS_REDIS_TESTS").as_deref() == Ok("required") {
                panic!("{test}: {program} is required here and not installed; {help}");
            }
            eprintln!("SKIPPED {test}: {program} is not installed; {help}");
            return None;
        }
    }
    let primary = Redis::start();
    let port = primary.port().to_string();
    let replica = Redis::start_with(&["--replicaof", "127.0.0.1", &port]);
    wait_until(
        Duration::from_secs(10),
        "the replica syncs with the primary",
        || {
            replica
                .cli(&["INFO", "replication"])
                .contains("master_link_status:up")
        },
    );
    let sentinel = Sentinel::start(service, primary.port());
    wait_until(
        Duration::from_secs(10),
        "the Sentinel knows the replica and sees it up",
        || sentinel.knows_replica(replica.port()),
    );
    Some(Replicated {
        primary,
        replica,
        sentinel,
    })
}

/// Polls `done` every 50 ms until it holds; panics naming `what` after `within`.
pub fn wait_until(within: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "{what}: not within {} ms",
            within.as_millis()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A running `redis-sentinel`, killed and its directory removed when dropped.
pub struct Sentinel {
    port: u16,
    service: String,
    dir: PathBuf,
    child: Child,
}

impl Sentinel {
    /// Starts a Sentinel on a free port monitoring the primary on `primary_port` as `service`.
    pub fn start(service: &str, primary_port: u16) -> Sentinel {
        for _ in 0..5 {
            let (port, dir) = super::free_port_and_dir("sentinel");
            // Sentinel rewrites its configuration file as it learns: it must be its own, and writable.
            let config = dir.join("sentinel.conf");
            std::fs::write(
                &config,
                format!(
                    "port {port}\nbind 127.0.0.1\ndaemonize no\ndir {dir}\nlogfile {log}\n\
                     sentinel monitor {service} 127.0.0.1 {primary_port} 1\n\
                     sentinel down-after-milliseconds {service} {DOWN_AFTER_MS}\n\
                     sentinel failover-timeout {service} 5000\n\
                     sentinel parallel-syncs {service} 1\n",
                    dir = dir.display(),
                    log = dir.join("sentinel.log").display(),
                ),
            )
            .expect("the Sentinel's configuration is written");
            let child = Command::new("redis-sentinel")
                .arg(&config)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-sentinel starts");
            let mut sentinel = Sentinel {
                port,
                service: service.to_owned(),
                dir,
                child,
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if sentinel.pings() {
                    return sentinel;
                }
                if sentinel.child.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            // Exited (the port was taken in between) or silent: another port. Drop cleans up.
            let _ = sentinel.child.kill();
        }
        panic!("redis-sentinel did not start on any of 5 free ports");
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The session store URL of an application that finds the primary through this Sentinel.
    pub fn url(&self) -> String {
        format!(
            "redis+sentinel://127.0.0.1:{}/{}/0",
            self.port, self.service
        )
    }

    fn pings(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut reply = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }

    /// Runs `redis-cli` against this Sentinel and returns what it printed.
    pub fn cli(&self, args: &[&str]) -> String {
        let output = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// The port of the server the Sentinel names as the primary now.
    pub fn primary_port(&self) -> Option<u16> {
        let printed = self.cli(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", &self.service]);
        printed.lines().nth(1)?.trim().parse().ok()
    }

    /// Whether the Sentinel lists the replica on `port` and sees it up (not `s_down`, link ok).
    fn knows_replica(&self, port: u16) -> bool {
        let printed = self.cli(&["SENTINEL", "REPLICAS", &self.service]);
        let lines: Vec<&str> = printed.lines().map(str::trim).collect();
        let field = |name: &str| {
            lines
                .windows(2)
                .find(|pair| pair[0] == name)
                .map(|pair| pair[1])
        };
        field("port") == Some(port.to_string().as_str())
            && field("flags").is_some_and(|flags| flags == "slave")
            && field("master-link-status") == Some("ok")
    }

    /// The last lines of the Sentinel's log, for a failure's message.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("sentinel.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

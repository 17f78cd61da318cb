//! Real `redis-server` and `redis-sentinel` processes for the store's unit tests, on free loopback
//! ports, and the launch error a store URL gets. A test that needs one asks [`installed`] first: without
//! the program it says SKIPPED, unless the Redis tests are required (WORKOS_REDIS_TESTS=required, as
//! scripts/test sets).

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::RedisStore;
use crate::settings::StoreSettings;

/// A `redis-server` or `redis-sentinel` on a free loopback port, killed (and its directory removed)
/// when dropped.
pub(super) struct Process {
    pub(super) port: u16,
    child: Child,
    dir: Option<PathBuf>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub(super) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Whether `program` can run here; if not, says SKIPPED, unless the Redis tests are required.
pub(super) fn installed(test: &str, program: &str) -> bool {
    let runs = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !runs {
        assert_ne!(
            std::env::var("WORKOS_REDIS_TESTS").as_deref(),
            Ok("required"),
            "{test}: {program} is required here and not installed"
        );
        eprintln!("SKIPPED {test}: {program} is not installed");
    }
    runs
}

fn listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "something listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `redis-server` started with `args`, listening.
pub(super) fn server(args: &[&str]) -> Process {
    let port = free_port();
    let child = Command::new("redis-server")
        .args([
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--save",
            "",
        ])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server starts");
    listening(port);
    Process {
        port,
        child,
        dir: None,
    }
}

/// A Sentinel monitoring the primary on `primary` as `mymaster`, with `extra` configuration lines.
pub(super) fn sentinel(primary: u16, extra: &str) -> Process {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!(
        "workos-sso-unit-sentinel-{}-{port}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("a directory");
    let config = dir.join("sentinel.conf");
    std::fs::write(
        &config,
        format!(
            "port {port}\nbind 127.0.0.1\ndir {}\nsentinel monitor mymaster 127.0.0.1 {primary} 1\n\
             {extra}\n",
            dir.display()
        ),
    )
    .expect("a configuration");
    let child = Command::new("redis-sentinel")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-sentinel starts");
    listening(port);
    Process {
        port,
        child,
        dir: Some(dir),
    }
}

/// The settings of a store at `url` as `workos.session_store`, with a short bound.
pub(super) fn settings(url: String) -> StoreSettings {
    StoreSettings {
        url,
        from: "workos.session_store".to_owned(),
        idle_timeout: None,
        cache: Duration::ZERO,
        timeout: Duration::from_millis(250),
    }
}

/// The launch error for a store at `url`.
pub(super) async fn launch_error(url: String) -> String {
    let settings = settings(url);
    match RedisStore::connect(&settings).await {
        Ok(_) => panic!("{settings:?} connects"),
        Err(error) => error,
    }
}

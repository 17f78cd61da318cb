//! Why the session store could not be used at launch, in words that name what happened and the fix:
//! nothing listening, no answer, a host name that does not resolve, TLS that failed, credentials
//! refused, a database that does not exist. Never the password.

use std::time::Duration;

use redis::{ConnectionAddr, ErrorKind, RedisError};

use crate::settings::{is_sentinel, redacted, StoreSettings};

/// The store of `settings` (connected through `client`) as the messages name it, and how long it had.
pub(super) struct Store<'a> {
    pub(super) settings: &'a StoreSettings,
    pub(super) client: &'a redis::Client,
    pub(super) waited: Duration,
}

impl Store<'_> {
    /// `the session store at redis://…/0 (workos.session_store)`, the password redacted; behind
    /// Sentinel, with the address of the primary the Sentinels named (the client's).
    fn named(&self) -> String {
        let named = format!(
            "the session store at {} ({})",
            redacted(&self.settings.url),
            self.settings.from
        );
        if is_sentinel(&self.settings.url) {
            format!(
                "{named}, whose primary the Sentinels name as {},",
                self.client.get_connection_info().addr()
            )
        } else {
            named
        }
    }

    fn is_tls(&self) -> bool {
        matches!(
            self.client.get_connection_info().addr(),
            ConnectionAddr::TcpTls { .. }
        )
    }

    /// The error's own text on one line, with the URL's password (if any) blotted out, should a layer
    /// below ever echo it.
    fn cause(&self, error: &RedisError) -> String {
        let text = error
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match self
            .client
            .get_connection_info()
            .redis_settings()
            .password()
        {
            Some(password) if !password.is_empty() => text.replace(password, "[redacted]"),
            _ => text,
        }
    }

    /// The launch error for a Redis that evicts keys under memory pressure (`why`: its limit and policy).
    pub(super) fn evicts(&self, why: &str) -> String {
        format!(
            "{} evicts keys under memory pressure ({why}): an evicted session index or revocation would \
             let revoked sessions back in, and evicted sessions sign people out at random\nhelp: set \
             `maxmemory-policy noeviction` on this Redis (in redis.conf, or CONFIG SET maxmemory-policy \
             noeviction) and size `maxmemory` for your sessions (BENCHMARKS.md has a capacity table); a \
             full Redis then refuses new sign-ins with 503 instead of forgetting revocations",
            self.named()
        )
    }

    /// The launch error for the connection or first command failing with `error`.
    pub(super) async fn failed(&self, error: &RedisError) -> String {
        let named = self.named();
        let cause = self.cause(error);
        if error.is_connection_refusal() {
            return format!(
                "{named} refused the connection: nothing listens at that host and port ({cause})\nhelp: \
                 start Redis, or fix the host and port in the URL"
            );
        }
        if error.is_timeout() {
            return self.no_answer();
        }
        if error.kind() == ErrorKind::AuthenticationFailed || error.code() == Some("WRONGPASS") {
            return format!(
                "{named} refused the credentials in the URL: wrong password, or no such user\nhelp: check \
                 the user name and password in the URL against the server's `requirepass` or ACL users \
                 (the password is not shown here)"
            );
        }
        if error.code() == Some("NOAUTH") || cause.contains("Authentication required") {
            return format!(
                "{named} requires a password, and the URL has none\nhelp: write the password in the URL: \
                 redis://:PASSWORD@host:port/db, or redis://USER:PASSWORD@host:port/db for an ACL user"
            );
        }
        if error
            .detail()
            .is_some_and(|detail| detail.contains("DB index"))
        {
            return self.no_such_database().await;
        }
        if error.kind() == ErrorKind::Io {
            if let Some(host) = self.unresolved_host().await {
                return format!(
                    "{named} cannot be reached: the host name {host:?} does not resolve ({cause})\nhelp: fix \
                     the host in the URL"
                );
            }
            let help = if self.is_tls() {
                "check that the server speaks TLS on that port and that its certificate is valid for the \
                 URL's host and trusted here; use redis:// for a port without TLS"
            } else {
                "start Redis, or fix the host and port in the URL"
            };
            return format!("{named} cannot be reached: {cause}\nhelp: {help}");
        }
        if error.kind() == ErrorKind::Parse {
            return format!(
                "{named} answered, but not as Redis does ({cause})\nhelp: check that the URL's port is \
                 Redis's{}",
                if self.is_tls() {
                    ""
                } else {
                    ", and use rediss:// if that port expects TLS"
                }
            );
        }
        format!(
            "{named} refused to serve sessions: {cause}\nhelp: check that the URL names a writable primary \
             and that its user may run commands"
        )
    }

    /// The launch error for a server that answered nothing in time.
    pub(super) fn no_answer(&self) -> String {
        let named = self.named();
        let waited = self.waited.as_millis();
        if self.is_tls() {
            format!(
                "{named} completed no TLS handshake within {waited} ms\nhelp: rediss:// needs a server that \
                 speaks TLS on that port; use redis:// for a plain port, or check the host and any \
                 firewall in between"
            )
        } else {
            format!(
                "{named} did not answer within {waited} ms\nhelp: check the host and port, that Redis runs \
                 there, and that no firewall drops the connection"
            )
        }
    }

    /// The database the URL names does not exist: say how many the server has, if it says.
    async fn no_such_database(&self) -> String {
        let info = self.client.get_connection_info();
        let db = info.redis_settings().db();
        let has = match self.database_count().await {
            Some(count) => format!("this server has {count}: 0 to {}", count.saturating_sub(1)),
            None => {
                "databases are numbered from 0; Redis has 16 unless configured otherwise".to_owned()
            }
        };
        format!(
            "{}: database {db} does not exist ({has})\nhelp: fix the database number at the end of the URL",
            self.named()
        )
    }

    /// How many databases the server has (`CONFIG GET databases` on database 0), if it answers in time.
    async fn database_count(&self) -> Option<u64> {
        let info = self.client.get_connection_info().clone();
        let settings = info.redis_settings().clone().set_db(0);
        let client = redis::Client::open(info.set_redis_settings(settings)).ok()?;
        let ask = async {
            let mut connection = client.get_multiplexed_async_connection().await.ok()?;
            let reply: Vec<String> = redis::cmd("CONFIG")
                .arg("GET")
                .arg("databases")
                .query_async(&mut connection)
                .await
                .ok()?;
            reply.get(1)?.parse().ok()
        };
        tokio::time::timeout(self.waited, ask).await.ok().flatten()
    }

    /// The URL's host, when it is a name that does not resolve.
    async fn unresolved_host(&self) -> Option<String> {
        let (host, port) = match self.client.get_connection_info().addr() {
            ConnectionAddr::Tcp(host, port) | ConnectionAddr::TcpTls { host, port, .. } => {
                (host.clone(), *port)
            }
            _ => return None,
        };
        if host.parse::<std::net::IpAddr>().is_ok() {
            return None;
        }
        let resolved = {
            let lookup = tokio::net::lookup_host((host.as_str(), port));
            tokio::time::timeout(self.waited, lookup)
                .await
                .map(|addresses| addresses.is_ok())
        };
        (resolved == Ok(false)).then_some(host)
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::super::redis_test_server::*;

    #[tokio::test]
    async fn nothing_listening_says_the_connection_was_refused() {
        let port = free_port();
        let error = launch_error(format!("redis://:hunter2@127.0.0.1:{port}/0")).await;
        assert!(
            error.starts_with(&format!(
                "the session store at redis://:redacted@127.0.0.1:{port}/0 (workos.session_store) refused \
                 the connection: nothing listens at that host and port (Connection refused"
            )),
            "{error}"
        );
        assert!(
            error.contains("\nhelp: start Redis, or fix the host and port"),
            "{error}"
        );
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[tokio::test]
    async fn refused_credentials_say_so_and_never_print_the_password() {
        if !installed("refused_credentials", "redis-server") {
            return;
        }
        let server = server(&["--requirepass", "right-secret"]);
        let port = server.port;
        for url in [
            format!("redis://:wrong-secret@127.0.0.1:{port}/0"),
            format!("redis://bob:right-secret@127.0.0.1:{port}/0"),
        ] {
            let error = launch_error(url).await;
            assert!(
                error.contains(
                    "refused the credentials in the URL: wrong password, or no such user\nhelp: check the \
                     user name and password in the URL"
                ),
                "{error}"
            );
            assert!(!error.contains("start Redis"), "{error}");
            assert!(!error.contains("-secret"), "{error}");
        }
        // Also when the URL names a database other than 0, which the client selects first.
        for db in [0, 99] {
            let error = launch_error(format!("redis://127.0.0.1:{port}/{db}")).await;
            assert!(
                error.contains(
                    "requires a password, and the URL has none\nhelp: write the password"
                ),
                "{error}"
            );
        }
    }

    #[tokio::test]
    async fn a_database_that_does_not_exist_says_how_many_there_are() {
        if !installed("missing_database", "redis-server") {
            return;
        }
        let server = server(&["--databases", "4"]);
        let error = launch_error(format!("redis://127.0.0.1:{}/99", server.port)).await;
        assert!(
            error.contains(
                "database 99 does not exist (this server has 4: 0 to 3)\nhelp: fix the database number"
            ),
            "{error}"
        );
    }

    #[tokio::test]
    async fn tls_to_a_plain_port_says_no_handshake_completed() {
        if !installed("tls_to_plain", "redis-server") {
            return;
        }
        let server = server(&[]);
        let error = launch_error(format!("rediss://127.0.0.1:{}/0", server.port)).await;
        assert!(
            error.contains("completed no TLS handshake within"),
            "{error}"
        );
        assert!(error.contains("use redis:// for a plain port"), "{error}");
    }

    #[tokio::test]
    async fn a_host_name_that_does_not_resolve_is_named() {
        let error = launch_error("redis://no-such-host.invalid:6379/0".to_owned()).await;
        assert!(
            error.contains(
                "cannot be reached: the host name \"no-such-host.invalid\" does not resolve ("
            ),
            "{error}"
        );
        assert!(error.contains("help: fix the host in the URL"), "{error}");
    }

    #[tokio::test]
    async fn a_server_that_is_not_redis_is_told_apart() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            use std::io::Write as _;
            for mut stream in listener.incoming().flatten() {
                let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
            }
        });
        let error = launch_error(format!("redis://127.0.0.1:{port}/0")).await;
        assert!(
            error.contains("answered, but not as Redis does ("),
            "{error}"
        );
        assert!(
            error.contains("check that the URL's port is Redis's"),
            "{error}"
        );
    }
}

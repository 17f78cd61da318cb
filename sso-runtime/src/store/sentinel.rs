//! Redis behind Sentinel: the Sentinels a `redis+sentinel://` URL lists (`settings/store_url.rs`),
//! asked for the primary of the service as Sentinel's client guidelines say (`SENTINEL
//! GET-MASTER-ADDR-BY-NAME`, the Sentinels in turn, the one that answered asked first next time), a
//! connection to that primary checked with ROLE, and the launch errors that say why none could be used
//! (which Sentinel did not answer and how, a service they do not monitor, a primary that is down or
//! refuses the credentials). Never a password.
//!
//! Not the redis crate's `sentinel` module: it reads `SENTINEL MASTERS`, which goes on naming the old
//! primary until a failover has ended, so a lookup made between the promotion and the end of the
//! failover found no primary; `GET-MASTER-ADDR-BY-NAME` names the promoted replica as soon as it is one.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{
    AsyncConnectionConfig, Client, ConnectionAddr, ConnectionInfo, ErrorKind, IntoConnectionInfo,
    RedisConnectionInfo, RedisError, RedisResult, Role,
};

use super::launch_error::Store;
use crate::settings::{redacted, SentinelUrl, StoreSettings};

/// One Sentinel: its client, and the connection to it once made.
struct Node {
    client: Client,
    connection: Option<MultiplexedConnection>,
}

/// The Sentinels of one service, and how to reach the servers they name.
pub(super) struct Sentinels {
    /// In the order they are asked: the last one that named a primary first.
    nodes: Vec<Node>,
    url: SentinelUrl,
    /// The timeouts of every connection, to a Sentinel or to the primary.
    config: AsyncConnectionConfig,
}

/// A primary the Sentinels named, connected and checked.
pub(super) struct Found {
    /// The client of the primary's address, with the URL's database and credentials.
    pub(super) client: Client,
    /// A connection to it, which answered ROLE as a primary.
    pub(super) connection: MultiplexedConnection,
}

impl Found {
    /// `host:port` of the primary.
    pub(super) fn address(&self) -> String {
        self.client.get_connection_info().addr().to_string()
    }
}

/// Why a lookup found no primary.
pub(super) enum Miss {
    /// A Sentinel, or the primary one named, failed so.
    Redis(RedisError),
    /// The Sentinels that answered monitor no such service.
    Unknown(String),
    /// The server the Sentinels named answers as a replica (a failover is under way).
    Replica(String),
    /// The lookup did not end within this bound.
    NoAnswer(Duration),
}

/// Without credentials: the error's kind and code, or what was found.
impl fmt::Display for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Miss::Redis(error) => f.write_str(&super::link::describe(error)),
            Miss::Unknown(service) => write!(f, "no Sentinel monitors a service named {service:?}"),
            Miss::Replica(address) => write!(f, "{address} answers as a replica"),
            Miss::NoAnswer(bound) => write!(f, "no answer within {} ms", bound.as_millis()),
        }
    }
}

/// The address `host:port`, with TLS if the URL says so.
fn addr(url: &SentinelUrl, host: &str, port: u16) -> ConnectionAddr {
    if url.tls {
        ConnectionAddr::TcpTls {
            host: host.to_owned(),
            port,
            insecure: false,
            tls_params: None,
        }
    } else {
        ConnectionAddr::Tcp(host.to_owned(), port)
    }
}

/// The connection information of the Sentinel at `host:port`, with the Sentinels' own credentials.
fn sentinel_info(url: &SentinelUrl, host: &str, port: u16) -> RedisResult<ConnectionInfo> {
    let mut redis = RedisConnectionInfo::default();
    if let Some(user) = &url.sentinel_username {
        redis = redis.set_username(user);
    }
    if let Some(password) = &url.sentinel_password {
        redis = redis.set_password(password);
    }
    Ok(addr(url, host, port)
        .into_connection_info()?
        .set_redis_settings(redis))
}

/// The client of the Redis server at `host:port`, with the URL's database and credentials.
fn server_client(url: &SentinelUrl, host: &str, port: u16) -> RedisResult<Client> {
    let mut redis = RedisConnectionInfo::default().set_db(url.db);
    if let Some(user) = &url.username {
        redis = redis.set_username(user);
    }
    if let Some(password) = &url.password {
        redis = redis.set_password(password);
    }
    Client::open(
        addr(url, host, port)
            .into_connection_info()?
            .set_redis_settings(redis),
    )
}

impl Sentinels {
    /// The Sentinels `url` lists; every connection times out after `timeout`.
    pub(super) fn new(url: &SentinelUrl, timeout: Duration) -> RedisResult<Sentinels> {
        let nodes = url
            .sentinels
            .iter()
            .map(|(host, port)| {
                Ok(Node {
                    client: Client::open(sentinel_info(url, host, *port)?)?,
                    connection: None,
                })
            })
            .collect::<RedisResult<Vec<_>>>()?;
        Ok(Sentinels {
            nodes,
            url: url.clone(),
            config: AsyncConnectionConfig::new()
                .set_connection_timeout(Some(timeout))
                .set_response_timeout(Some(timeout)),
        })
    }

    /// Asks the Sentinels in turn for the primary of the service, until one names a primary that
    /// answers ROLE as one; that Sentinel is asked first next time.
    pub(super) async fn primary(&mut self) -> Result<Found, Miss> {
        let mut miss = Miss::Unknown(self.url.service.clone());
        for at in 0..self.nodes.len() {
            let named = match self.ask(at).await {
                Ok(Some(named)) => named,
                Ok(None) => continue,
                Err(error) => {
                    miss = Miss::Redis(error);
                    continue;
                }
            };
            match self.connect(named).await {
                Ok(found) => {
                    self.nodes[..=at].rotate_right(1);
                    return Ok(found);
                }
                Err(missed) => miss = missed,
            }
        }
        Err(miss)
    }

    /// `SENTINEL GET-MASTER-ADDR-BY-NAME` on the Sentinel at `at`: the primary's host and port, or
    /// `None` if it monitors no such service. A connection that failed is made anew next time.
    async fn ask(&mut self, at: usize) -> RedisResult<Option<(String, u16)>> {
        let (config, service) = (&self.config, &self.url.service);
        let node = &mut self.nodes[at];
        let mut connection = match node.connection.take() {
            Some(connection) => connection,
            None => {
                node.client
                    .get_multiplexed_async_connection_with_config(config)
                    .await?
            }
        };
        let named = redis::cmd("SENTINEL")
            .arg("GET-MASTER-ADDR-BY-NAME")
            .arg(service)
            .query_async::<Option<(String, u16)>>(&mut connection)
            .await?;
        node.connection = Some(connection);
        Ok(named)
    }

    /// Connects to the server at `host:port` and checks with ROLE that it is a primary.
    async fn connect(&self, (host, port): (String, u16)) -> Result<Found, Miss> {
        let client = server_client(&self.url, &host, port).map_err(Miss::Redis)?;
        let mut connection = client
            .get_multiplexed_async_connection_with_config(&self.config)
            .await
            .map_err(Miss::Redis)?;
        let role: Role = redis::cmd("ROLE")
            .query_async(&mut connection)
            .await
            .map_err(Miss::Redis)?;
        match role {
            Role::Primary { .. } => Ok(Found { client, connection }),
            _ => Err(Miss::Replica(format!("{host}:{port}"))),
        }
    }
}

/// Finds the primary at launch, within `bound`; an error explains why none can be used.
pub(super) async fn connect(
    settings: &StoreSettings,
    url: &SentinelUrl,
    bound: Duration,
) -> Result<(Sentinels, Found), String> {
    let explain = Explain {
        settings,
        url,
        bound,
    };
    let mut sentinels = Sentinels::new(url, settings.timeout).map_err(|error| {
        format!(
            "{} cannot be used: {}\nhelp: write {}",
            explain.named(),
            explain.cause(&error),
            "redis+sentinel://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...]/SERVICE[/DB]"
        )
    })?;
    let found = match tokio::time::timeout(bound, sentinels.primary()).await {
        Ok(Ok(found)) => found,
        Ok(Err(miss)) => return Err(explain.miss(&miss).await),
        Err(_) => return Err(explain.miss(&Miss::NoAnswer(bound)).await),
    };
    Ok((sentinels, found))
}

/// What a Sentinel answered ROLE.
enum Answer {
    /// It is a Sentinel, monitoring these services.
    Sentinel(Vec<String>),
    /// It is a Redis server, not a Sentinel.
    Server,
    /// It failed so.
    Failed(RedisError),
    /// It did not answer in time.
    Silent,
}

/// The launch errors of a Sentinel URL.
struct Explain<'a> {
    settings: &'a StoreSettings,
    url: &'a SentinelUrl,
    bound: Duration,
}

impl Explain<'_> {
    /// `the session store at redis+sentinel://…/service/0 (workos.session_store)`, without passwords.
    fn named(&self) -> String {
        format!(
            "the session store at {} ({})",
            redacted(&self.settings.url),
            self.settings.from
        )
    }

    /// The error's text on one line, without the URL's passwords should a layer below echo one.
    fn cause(&self, error: &RedisError) -> String {
        let mut text = error
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for secret in [&self.url.password, &self.url.sentinel_password]
            .into_iter()
            .flatten()
        {
            text = text.replace(secret.as_str(), "[redacted]");
        }
        text
    }

    /// Asks the Sentinel at `host:port` what it is, within the bound.
    async fn ask(&self, host: &str, port: u16) -> Answer {
        let ask = async {
            let client = Client::open(sentinel_info(self.url, host, port)?)?;
            let mut connection = client.get_multiplexed_async_connection().await?;
            redis::cmd("ROLE")
                .query_async::<Role>(&mut connection)
                .await
        };
        match tokio::time::timeout(self.bound, ask).await {
            Ok(Ok(Role::Sentinel { primary_names })) => Answer::Sentinel(primary_names),
            Ok(Ok(_)) => Answer::Server,
            Ok(Err(error)) if error.is_timeout() => Answer::Silent,
            Ok(Err(error)) => Answer::Failed(error),
            Err(_) => Answer::Silent,
        }
    }

    /// `SENTINEL MASTER <service>` on the Sentinel at `host:port`: the primary's fields (`ip`, `port`,
    /// `flags`), if it answers.
    async fn primary_fields(&self, host: &str, port: u16) -> Option<HashMap<String, String>> {
        let ask = async {
            let client = Client::open(sentinel_info(self.url, host, port).ok()?).ok()?;
            let mut connection = client.get_multiplexed_async_connection().await.ok()?;
            redis::cmd("SENTINEL")
                .arg("MASTER")
                .arg(&self.url.service)
                .query_async::<HashMap<String, String>>(&mut connection)
                .await
                .ok()
        };
        tokio::time::timeout(self.bound, ask).await.ok().flatten()
    }

    /// Why the lookup missed, found by asking each Sentinel what it is, then the primary it names.
    async fn miss(&self, miss: &Miss) -> String {
        let named = self.named();
        let mut answers = Vec::new();
        for (host, port) in &self.url.sentinels {
            let answer = self.ask(host, *port).await;
            if let Answer::Sentinel(services) = &answer {
                if !services.contains(&self.url.service) {
                    let monitored = if services.is_empty() {
                        "none".to_owned()
                    } else {
                        services.join(", ")
                    };
                    return format!(
                        "{named}: the Sentinel at {host}:{port} monitors no service named {:?} (it \
                         monitors: {monitored})\nhelp: write the name the Sentinels monitor (`sentinel \
                         monitor NAME HOST PORT QUORUM` in their configuration) after the hosts in the URL",
                        self.url.service
                    );
                }
                return self.primary_missed(host, *port, miss).await;
            }
            answers.push((format!("{host}:{port}"), answer));
        }
        self.no_sentinel(&answers)
    }

    /// No Sentinel answered as one: what each did, and the fix for the likeliest cause.
    fn no_sentinel(&self, answers: &[(String, Answer)]) -> String {
        let waited = self.bound.as_millis();
        let said: Vec<String> = answers
            .iter()
            .map(|(address, answer)| match answer {
                Answer::Server => format!("{address} is a Redis server, not a Sentinel"),
                Answer::Silent => format!("{address} did not answer within {waited} ms"),
                Answer::Failed(error) if error.is_connection_refusal() => {
                    format!("{address} refused the connection: nothing listens there")
                }
                Answer::Failed(error) => format!("{address}: {}", self.cause(error)),
                Answer::Sentinel(_) => format!("{address} is a Sentinel"),
            })
            .collect();
        let failed = |test: fn(&RedisError) -> bool| {
            answers
                .iter()
                .any(|(_, answer)| matches!(answer, Answer::Failed(error) if test(error)))
        };
        let help = if answers
            .iter()
            .any(|(_, answer)| matches!(answer, Answer::Server))
        {
            "list the Sentinels' addresses (port 26379 by default) in the URL, or write \
             redis://HOST:PORT/DB to use a Redis server directly"
        } else if failed(|error| error.code() == Some("NOAUTH")) {
            "the Sentinels require a password: add ?sentinel_password=PASSWORD to the URL (the \
             credentials before @ are the Redis servers')"
        } else if failed(|error| {
            error.kind() == ErrorKind::AuthenticationFailed || error.code() == Some("WRONGPASS")
        }) {
            "the Sentinels refused their credentials: check ?sentinel_password= (and \
             sentinel_username= for an ACL user) against their configuration; the credentials \
             before @ are the Redis servers'"
        } else if self.url.tls {
            "start Redis Sentinel with TLS on those ports, or fix the hosts and ports in the URL (the \
             Sentinels'); use redis+sentinel:// if they do not speak TLS"
        } else {
            "start Redis Sentinel, or fix the hosts and ports in the URL (the Sentinels', 26379 by \
             default)"
        };
        format!(
            "{}: no Sentinel answers ({})\nhelp: {help}",
            self.named(),
            said.join("; ")
        )
    }

    /// The Sentinel at `host:port` monitors the service, and the lookup missed: say what it knows of
    /// the primary, and how the primary failed.
    async fn primary_missed(&self, host: &str, port: u16, miss: &Miss) -> String {
        let named = self.named();
        let service = &self.url.service;
        let fields = self.primary_fields(host, port).await.unwrap_or_default();
        let address = match (fields.get("ip"), fields.get("port")) {
            (Some(ip), Some(port)) => format!("{ip}:{port}"),
            _ => "(unknown)".to_owned(),
        };
        let flags = fields.get("flags").map_or("", String::as_str);
        if flags.contains("s_down") || flags.contains("o_down") {
            return format!(
                "{named}: the Sentinels find the primary of {service:?} ({address}) down, and have not \
                 promoted a replica (yet)\nhelp: start the primary, or launch again once the Sentinels \
                 have failed over (SENTINEL MASTERS shows the primary's flags)"
            );
        }
        let error = match miss {
            Miss::Replica(address) => return replica(&named, service, address),
            Miss::NoAnswer(bound) => {
                return format!(
                    "{named}: the primary the Sentinels name for {service:?} ({address}) did not answer \
                     within {} ms\nhelp: check that it runs and that this host can reach the address the \
                     Sentinels announce for it",
                    bound.as_millis()
                )
            }
            Miss::Unknown(_) => {
                return format!(
                    "{named}: the Sentinels named no primary for {service:?} when asked\nhelp: launch \
                     again; SENTINEL MASTERS on a Sentinel shows the primary it names"
                )
            }
            Miss::Redis(error) => error,
        };
        if error.is_connection_refusal() {
            return format!(
                "{named}: the primary the Sentinels name for {service:?} ({address}) refused the \
                 connection: nothing listens there\nhelp: start it, or launch again once the Sentinels \
                 have failed over; check that they announce an address this host can reach"
            );
        }
        // The server's own refusals (credentials, database) read as for a plain Redis URL.
        let client = fields
            .get("ip")
            .zip(fields.get("port").and_then(|port| port.parse::<u16>().ok()))
            .and_then(|(ip, port)| server_client(self.url, ip, port).ok());
        match client {
            Some(client) => {
                let store = Store {
                    settings: self.settings,
                    client: &client,
                    waited: self.bound,
                };
                store.failed(error).await
            }
            None => format!(
                "{named}: the Sentinels name no primary of {service:?} that answers ({})\nhelp: check \
                 the primary and the Sentinels (SENTINEL MASTERS)",
                self.cause(error)
            ),
        }
    }
}

/// The launch error for a primary the Sentinels named that answers as a replica.
fn replica(named: &str, service: &str, address: &str) -> String {
    format!(
        "{named}: the server the Sentinels name as the primary of {service:?} ({address}) answers as a \
         replica: a failover is under way, or the Sentinels' view is stale\nhelp: launch again once the \
         failover ends (SENTINEL MASTERS shows the primary the Sentinels name)"
    )
}

#[cfg(test)]
mod tests {
    use super::super::redis_test_server::*;
    use super::super::RedisStore;

    #[tokio::test]
    async fn nothing_listening_where_the_sentinels_should_be_says_so() {
        let (one, two) = (free_port(), free_port());
        let error = launch_error(format!(
            "redis+sentinel://:hunter2@127.0.0.1:{one},127.0.0.1:{two}/mymaster/0"
        ))
        .await;
        assert!(
            error.starts_with(&format!(
                "the session store at redis+sentinel://:redacted@127.0.0.1:{one},127.0.0.1:{two}/mymaster/0 \
                 (workos.session_store): no Sentinel answers (127.0.0.1:{one} refused the connection: \
                 nothing listens there; 127.0.0.1:{two} refused the connection: nothing listens there)\n\
                 help: start Redis Sentinel, or fix the hosts and ports in the URL"
            )),
            "{error}"
        );
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[tokio::test]
    async fn a_redis_server_in_place_of_a_sentinel_is_told_apart() {
        if !installed("a_redis_server_in_place_of_a_sentinel", "redis-server") {
            return;
        }
        let server = server(&[]);
        let error = launch_error(format!(
            "redis+sentinel://127.0.0.1:{}/mymaster/0",
            server.port
        ))
        .await;
        assert!(
            error.contains(&format!(
                "no Sentinel answers (127.0.0.1:{} is a Redis server, not a Sentinel)\nhelp: list the \
                 Sentinels' addresses (port 26379 by default) in the URL, or write redis://HOST:PORT/DB",
                server.port
            )),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_sentinel_names_the_primary_and_its_refusals_are_explained() {
        let test = "a_sentinel_names_the_primary";
        if !installed(test, "redis-server") || !installed(test, "redis-sentinel") {
            return;
        }
        let primary = server(&["--requirepass", "right-secret"]);
        let sentinel = sentinel(
            primary.port,
            "sentinel auth-pass mymaster right-secret\nrequirepass sentinel-secret",
        );
        let at = format!("127.0.0.1:{}", sentinel.port);
        let with_password = "sentinel_password=sentinel-secret";

        // The Sentinel's own password missing, or wrong.
        let error = launch_error(format!("redis+sentinel://:right-secret@{at}/mymaster")).await;
        assert!(
            error.contains("help: the Sentinels require a password: add ?sentinel_password="),
            "{error}"
        );
        let error = launch_error(format!(
            "redis+sentinel://:right-secret@{at}/mymaster?sentinel_password=wrong-secret"
        ))
        .await;
        assert!(
            error.contains("help: the Sentinels refused their credentials"),
            "{error}"
        );
        assert!(!error.contains("-secret"), "{error}");

        // A service the Sentinel does not monitor.
        let error = launch_error(format!(
            "redis+sentinel://:right-secret@{at}/other?{with_password}"
        ))
        .await;
        assert!(
            error.contains(&format!(
                "the Sentinel at {at} monitors no service named \"other\" (it monitors: mymaster)\nhelp: \
                 write the name the Sentinels monitor"
            )),
            "{error}"
        );

        // The primary refuses the servers' credentials.
        let error = launch_error(format!(
            "redis+sentinel://:wrong-secret@{at}/mymaster?{with_password}"
        ))
        .await;
        assert!(
            error.contains(&format!(
                "whose primary the Sentinels name as 127.0.0.1:{}, refused the credentials in the URL",
                primary.port
            )),
            "{error}"
        );
        assert!(!error.contains("-secret"), "{error}");

        // All right: the store launches on the primary the Sentinel names.
        let url = format!("redis+sentinel://:right-secret@{at}/mymaster/2?{with_password}");
        let store = RedisStore::connect(&settings(url)).await;
        assert!(store.is_ok(), "{store:?}");
    }
}

//! The Sentinel form of `workos.session_store`, read by hand (a list of hosts is not a URL the `url`
//! crate accepts), and printed without its passwords:
//!
//! ```text
//! redis+sentinel://[USER:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]/SERVICE[/DB][?sentinel_username=U&sentinel_password=P]
//! ```
//!
//! `rediss+sentinel://` speaks TLS to the Sentinels and to the Redis servers. The hosts and ports are
//! the Sentinels' (26379 when a host has no port); SERVICE is the name the Sentinels monitor
//! (`sentinel monitor SERVICE …`); DB the database (0 by default). The credentials before `@` are the
//! Redis servers' (`requirepass`, or an ACL user); `sentinel_username` and `sentinel_password` are the
//! Sentinels' own, when they require one. Characters that delimit the URL (`@ : / ? & # %` and `,`) are
//! percent-encoded in a password or a service name.

use percent_encoding::percent_decode_str;

/// The port of a Sentinel whose host names none.
pub(crate) const DEFAULT_SENTINEL_PORT: u16 = 26379;

/// The form, for the help of every error.
const FORM: &str = "redis+sentinel://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...]/SERVICE[/DB] (the \
                    Sentinels' addresses, then the name they monitor; rediss+sentinel:// for TLS)";

/// A `redis+sentinel://` (or `rediss+sentinel://`) URL, read.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SentinelUrl {
    /// `rediss+sentinel://`: TLS to the Sentinels and to the Redis servers.
    pub(crate) tls: bool,
    /// The Sentinels' hosts and ports, in the URL's order (at least one).
    pub(crate) sentinels: Vec<(String, u16)>,
    /// The name the Sentinels monitor the primary under.
    pub(crate) service: String,
    /// The database of the Redis servers.
    pub(crate) db: i64,
    /// The Redis servers' ACL user, if any.
    pub(crate) username: Option<String>,
    /// The Redis servers' password, if any.
    pub(crate) password: Option<String>,
    /// The Sentinels' own ACL user, if any (`?sentinel_username=`).
    pub(crate) sentinel_username: Option<String>,
    /// The Sentinels' own password, if any (`?sentinel_password=`).
    pub(crate) sentinel_password: Option<String>,
}

/// The passwords, never.
impl std::fmt::Debug for SentinelUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |secret: &Option<String>| secret.as_ref().map(|_| "[redacted]");
        f.debug_struct("SentinelUrl")
            .field("tls", &self.tls)
            .field("sentinels", &self.sentinels)
            .field("service", &self.service)
            .field("db", &self.db)
            .field("username", &self.username)
            .field("password", &shown(&self.password))
            .field("sentinel_username", &self.sentinel_username)
            .field("sentinel_password", &shown(&self.sentinel_password))
            .finish()
    }
}

/// The parts of a Sentinel URL after its scheme, split on the delimiters only: `credentials@`, the hosts,
/// the path, `?query`. `None` when the delimiters are ambiguous (an `@` or `#` where only a
/// percent-encoded one can be), so that nothing is printed or read from it.
struct Parts<'a> {
    credentials: Option<&'a str>,
    hosts: &'a str,
    path: Option<&'a str>,
    query: Option<&'a str>,
}

fn parts(rest: &str) -> Option<Parts<'_>> {
    if rest.contains('#') {
        return None;
    }
    let (main, query) = match rest.split_once('?') {
        Some((main, query)) => (main, Some(query)),
        None => (rest, None),
    };
    if query.is_some_and(|query| query.contains('@')) {
        return None;
    }
    // The credentials end at the last `@`: a host, a service name or a database has none.
    let (credentials, location) = match main.rsplit_once('@') {
        Some((credentials, location)) => (Some(credentials), location),
        None => (None, main),
    };
    let (hosts, path) = match location.split_once('/') {
        Some((hosts, path)) => (hosts, Some(path)),
        None => (location, None),
    };
    Some(Parts {
        credentials,
        hosts,
        path,
        query,
    })
}

/// The scheme of a Sentinel URL, and whether it is the TLS one.
fn sentinel_scheme(url: &str) -> Option<(bool, &str)> {
    if let Some(rest) = url.strip_prefix("redis+sentinel://") {
        Some((false, rest))
    } else {
        url.strip_prefix("rediss+sentinel://")
            .map(|rest| (true, rest))
    }
}

/// Whether `url` is meant as a Sentinel URL (its scheme says so), well formed or not.
pub(crate) fn is_sentinel(url: &str) -> bool {
    sentinel_scheme(url).is_some()
}

/// A Sentinel URL with its passwords (the Redis servers' and the Sentinels') replaced by `redacted`;
/// `None` if `url` is not one. One whose delimiters are ambiguous is shown as its scheme only.
pub(crate) fn redacted_sentinel(url: &str) -> Option<String> {
    let (tls, rest) = sentinel_scheme(url)?;
    let scheme = if tls {
        "rediss+sentinel://"
    } else {
        "redis+sentinel://"
    };
    let Some(parts) = parts(rest) else {
        return Some(format!("{scheme}(redacted: not a valid URL)"));
    };
    let mut shown = scheme.to_owned();
    if let Some(credentials) = parts.credentials {
        match credentials.split_once(':') {
            Some((user, _)) => shown.push_str(&format!("{user}:redacted@")),
            // Meant as `:PASSWORD` or not, a lone word is not printed.
            None => shown.push_str("redacted@"),
        }
    }
    shown.push_str(parts.hosts);
    if let Some(path) = parts.path {
        shown.push('/');
        shown.push_str(path);
    }
    if let Some(query) = parts.query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key == "sentinel_password" => format!("{key}=redacted"),
                _ => pair.to_owned(),
            })
            .collect();
        shown.push('?');
        shown.push_str(&pairs.join("&"));
    }
    Some(shown)
}

/// `text` percent-decoded, or why it cannot be (`what` names it).
fn decoded(text: &str, what: &str) -> Result<String, String> {
    percent_decode_str(text)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| format!("the {what} is not UTF-8 once percent-decoded"))
}

impl SentinelUrl {
    /// Reads `url`; an error says what is wrong (never a password) and the form to write. `Ok(None)` when
    /// `url` is not a Sentinel URL at all.
    pub(crate) fn parse(url: &str) -> Result<Option<SentinelUrl>, String> {
        let Some((tls, rest)) = sentinel_scheme(url) else {
            return Ok(None);
        };
        SentinelUrl::parse_parts(tls, rest)
            .map(Some)
            .map_err(|why| format!("{why}\nhelp: write {FORM}"))
    }

    fn parse_parts(tls: bool, rest: &str) -> Result<SentinelUrl, String> {
        let parts = parts(rest).ok_or(
            "it has an `@` after the `?` or a `#`: percent-encode them in passwords (%40 and %23)",
        )?;
        let (username, password) = match parts.credentials {
            None => (None, None),
            Some(credentials) => {
                let (user, password) = credentials.split_once(':').ok_or(
                    "the credentials before `@` have no `:`: write :PASSWORD@ for a password, or \
                     USER:PASSWORD@ for an ACL user",
                )?;
                let user = decoded(user, "user name")?;
                let password = decoded(password, "password")?;
                (
                    Some(user).filter(|user| !user.is_empty()),
                    Some(password).filter(|password| !password.is_empty()),
                )
            }
        };
        let sentinels = parts
            .hosts
            .split(',')
            .map(sentinel_address)
            .collect::<Result<Vec<_>, _>>()?;
        let mut path = parts.path.unwrap_or("").split('/');
        let service = decoded(path.next().unwrap_or(""), "service name")?;
        if service.is_empty() {
            return Err(
                "it names no service: after the Sentinels' addresses comes /SERVICE, the name in \
                 the Sentinels' `sentinel monitor SERVICE HOST PORT QUORUM`"
                    .to_owned(),
            );
        }
        if service.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!(
                "the service name {service:?} has a space or a control character"
            ));
        }
        let db = match path.next() {
            None | Some("") => 0,
            Some(db) => db
                .parse::<u32>()
                .map(i64::from)
                .map_err(|_| format!("the database {db:?} is not a number from 0"))?,
        };
        if let Some(extra) = path.find(|segment| !segment.is_empty()) {
            return Err(format!(
                "the path goes on after /SERVICE/DB (with {extra:?})"
            ));
        }
        let mut url = SentinelUrl {
            tls,
            sentinels,
            service,
            db,
            username,
            password,
            sentinel_username: None,
            sentinel_password: None,
        };
        for pair in parts.query.unwrap_or("").split('&') {
            if pair.is_empty() {
                continue;
            }
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match key {
                "sentinel_username" => &mut url.sentinel_username,
                "sentinel_password" => &mut url.sentinel_password,
                other => {
                    return Err(format!(
                    "the parameter {other:?} is not one of sentinel_username and sentinel_password"
                ))
                }
            };
            if slot.is_some() {
                return Err(format!("the parameter {key} is given twice"));
            }
            *slot = Some(decoded(value, key)?).filter(|value| !value.is_empty());
        }
        Ok(url)
    }
}

/// One Sentinel's `HOST[:PORT]` (`[IPV6]:PORT` for an IPv6 address).
fn sentinel_address(address: &str) -> Result<(String, u16), String> {
    if address.is_empty() {
        return Err(
            "a Sentinel's address is empty: list HOST:PORT of each Sentinel, separated by commas"
                .to_owned(),
        );
    }
    let (host, port) = if let Some(bracketed) = address.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or_else(|| format!("the address {address:?} opens a `[` it does not close"))?;
        match after {
            "" => (host, None),
            after => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return Err(format!("the address {address:?} has text after its `]`")),
            },
        }
    } else {
        match address.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (address, None),
        }
    };
    if host.is_empty()
        || host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "[]%".contains(c))
    {
        return Err(format!(
            "the Sentinel address {address:?} has no valid host"
        ));
    }
    let port = match port {
        None => DEFAULT_SENTINEL_PORT,
        Some(port) => match port.parse::<u16>() {
            Ok(port @ 1..) => port,
            _ => {
                return Err(format!(
                    "the port of the Sentinel address {address:?} is not a number from 1 to 65535"
                ))
            }
        },
    };
    Ok((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(url: &str) -> SentinelUrl {
        SentinelUrl::parse(url)
            .unwrap_or_else(|error| panic!("{url}: {error}"))
            .unwrap_or_else(|| panic!("{url} is a Sentinel URL"))
    }

    fn refused(url: &str) -> String {
        let error = SentinelUrl::parse(url).expect_err(url);
        assert!(
            error.ends_with(&format!("\nhelp: write {FORM}")),
            "{url}: {error}"
        );
        error
    }

    #[test]
    fn the_good_forms_are_read() {
        let url = parsed("redis+sentinel://127.0.0.1:26379/mymaster/0");
        assert_eq!(
            url,
            SentinelUrl {
                tls: false,
                sentinels: vec![("127.0.0.1".to_owned(), 26379)],
                service: "mymaster".to_owned(),
                db: 0,
                username: None,
                password: None,
                sentinel_username: None,
                sentinel_password: None,
            }
        );
        let url = parsed(
            "rediss+sentinel://app:p%40ss%2Fw:rd@s1.test:5000,s2.test,[::1]:5002/cache%2Done/3\
             ?sentinel_password=s%26cret&sentinel_username=watcher",
        );
        assert!(url.tls);
        assert_eq!(
            url.sentinels,
            [
                ("s1.test".to_owned(), 5000),
                ("s2.test".to_owned(), DEFAULT_SENTINEL_PORT),
                ("::1".to_owned(), 5002)
            ]
        );
        assert_eq!(url.service, "cache-one");
        assert_eq!(url.db, 3);
        assert_eq!(url.username.as_deref(), Some("app"));
        assert_eq!(url.password.as_deref(), Some("p@ss/w:rd"));
        assert_eq!(url.sentinel_username.as_deref(), Some("watcher"));
        assert_eq!(url.sentinel_password.as_deref(), Some("s&cret"));
        // A password only, no database, a trailing slash.
        let url = parsed("redis+sentinel://:pw@10.0.0.1:26379/mymaster/");
        assert_eq!((url.username, url.password), (None, Some("pw".to_owned())));
        assert_eq!(url.db, 0);
        assert_eq!(parsed("redis+sentinel://h/name").service, "name");
        assert_eq!(SentinelUrl::parse("redis://127.0.0.1/0"), Ok(None));
        let printed = format!(
            "{:?}",
            parsed("redis+sentinel://:hunter2@h/n?sentinel_password=x2")
        );
        assert!(
            !printed.contains("hunter2") && !printed.contains("x2"),
            "{printed}"
        );
    }

    #[test]
    fn bad_forms_say_what_is_wrong_and_never_the_password() {
        for (url, expected) in [
            ("redis+sentinel://127.0.0.1:26379", "it names no service"),
            ("redis+sentinel://127.0.0.1:26379/", "it names no service"),
            ("redis+sentinel://127.0.0.1:26379//0", "it names no service"),
            (
                "redis+sentinel:///mymaster",
                "a Sentinel's address is empty",
            ),
            (
                "redis+sentinel://:hunter2@/mymaster",
                "a Sentinel's address is empty",
            ),
            (
                "redis+sentinel://a:1,,b:2/mymaster",
                "a Sentinel's address is empty",
            ),
            (
                "redis+sentinel://a:26379x/mymaster",
                "the port of the Sentinel address \"a:26379x\" is not a number from 1 to 65535",
            ),
            (
                "redis+sentinel://a:0/mymaster",
                "the port of the Sentinel address \"a:0\"",
            ),
            (
                "redis+sentinel://a:70000/mymaster",
                "the port of the Sentinel address \"a:70000\"",
            ),
            (
                "redis+sentinel://:6379/mymaster",
                "the Sentinel address \":6379\" has no valid host",
            ),
            (
                "redis+sentinel://[::1/mymaster",
                "the address \"[::1\" opens a `[` it does not close",
            ),
            (
                "redis+sentinel://a/mymaster/zero",
                "the database \"zero\" is not a number from 0",
            ),
            (
                "redis+sentinel://a/mymaster/-1",
                "the database \"-1\" is not a number from 0",
            ),
            ("redis+sentinel://a/mymaster/0/1", "the path goes on"),
            (
                "redis+sentinel://a/my%20master",
                "the service name \"my master\" has a space",
            ),
            (
                "redis+sentinel://hunter2@a/mymaster",
                "the credentials before `@` have no `:`",
            ),
            (
                "redis+sentinel://:hunter2#x@a/mymaster",
                "it has an `@` after the `?` or a `#`",
            ),
            (
                "redis+sentinel://a/mymaster?sentinel_password=hunt@er2",
                "it has an `@` after the `?` or a `#`",
            ),
            (
                "redis+sentinel://a/mymaster?password=hunter2",
                "the parameter \"password\" is not one of",
            ),
            (
                "redis+sentinel://a/m?sentinel_password=hunter2&sentinel_password=hunter2",
                "the parameter sentinel_password is given twice",
            ),
            (
                "redis+sentinel://:hunter2%ff@a/m",
                "the password is not UTF-8",
            ),
        ] {
            let error = refused(url);
            assert!(error.starts_with(expected), "{url}: {error}");
            assert!(!error.contains("hunter2"), "{url}: {error}");
        }
    }

    #[test]
    fn a_sentinel_url_is_printed_without_its_passwords() {
        for (url, shown) in [
            (
                "redis+sentinel://:hunter2@10.0.0.5:26379,10.0.0.6:26379/mymaster/0",
                "redis+sentinel://:redacted@10.0.0.5:26379,10.0.0.6:26379/mymaster/0",
            ),
            (
                "rediss+sentinel://app:hunter2@s.test/mymaster?sentinel_password=hunter2&sentinel_username=w",
                "rediss+sentinel://app:redacted@s.test/mymaster?sentinel_password=redacted&sentinel_username=w",
            ),
            (
                "redis+sentinel://a:1/mymaster/0",
                "redis+sentinel://a:1/mymaster/0",
            ),
            // A password with an unencoded `/` or `?`: the credentials still end at the last `@`.
            (
                "redis+sentinel://:hun/ter2@a:1/m",
                "redis+sentinel://:redacted@a:1/m",
            ),
            (
                "redis+sentinel://:hun?ter2@a:1/m",
                "redis+sentinel://(redacted: not a valid URL)",
            ),
            ("redis+sentinel://hunter2@a/m", "redis+sentinel://redacted@a/m"),
            (
                "redis+sentinel://:hunter2#@a/m",
                "redis+sentinel://(redacted: not a valid URL)",
            ),
        ] {
            assert_eq!(redacted_sentinel(url).as_deref(), Some(shown), "{url}");
        }
        assert_eq!(redacted_sentinel("redis://:hunter2@a/0"), None);
    }
}

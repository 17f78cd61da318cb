//! Which redirect URIs are acceptable: the rules WorkOS applies to a staging environment (RFC 6749 §3.1.2
//! plus "plain http only on loopback"). The fairing checks handlers' `redirect_uri`s with them and the
//! emulator its allowlist.

use url::{Host, Url};

/// Parses `uri` if it is acceptable: absolute with a host, no fragment, `https`, or `http` on a loopback
/// host. Returns why not otherwise.
pub(crate) fn check(uri: &str) -> Result<Url, &'static str> {
    let parsed = Url::parse(uri).map_err(|_| "not an absolute URL")?;
    if parsed.fragment().is_some() {
        return Err("a redirect URI cannot have a fragment");
    }
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => Err("plain http is only allowed for localhost and 127.0.0.1"),
        _ => Err("the scheme must be http or https"),
    }
}

/// `uri` with the scheme, host and port of `origin` (the `workos.redirect_origin` setting), keeping its
/// path and query; the result is checked like any redirect URI.
pub(crate) fn with_origin(uri: &Url, origin: &Url) -> Result<Url, &'static str> {
    let mut effective = origin.clone();
    effective.set_path(uri.path());
    effective.set_query(uri.query());
    check(effective.as_str())
}

/// Whether `url` names this machine: `localhost`, `127.0.0.0/8` or `::1`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::{check, with_origin};

    #[test]
    fn http_is_allowed_on_loopback_hosts_only() {
        assert_eq!(
            [
                "http://localhost:8000/cb",
                "http://127.0.0.1/cb",
                "http://[::1]:1/cb",
                "http://app.test/cb"
            ]
            .map(|uri| check(uri).is_ok()),
            [true, true, true, false]
        );
    }

    #[test]
    fn https_and_no_fragment() {
        assert_eq!(
            (
                check("https://app.test/cb").is_ok(),
                check("https://app.test/cb#x").is_ok()
            ),
            (true, false)
        );
    }

    #[test]
    fn an_origin_replaces_scheme_host_and_port_and_keeps_the_path() {
        let uri = check("http://127.0.0.1:8000/auth/callback?tenant=1").unwrap();
        let effective = |origin: &str| {
            with_origin(&uri, &Url::parse(origin).unwrap()).map(|url| url.to_string())
        };
        assert_eq!(
            effective("http://127.0.0.1:41234"),
            Ok("http://127.0.0.1:41234/auth/callback?tenant=1".to_owned())
        );
        assert_eq!(
            effective("https://staging.example.com"),
            Ok("https://staging.example.com/auth/callback?tenant=1".to_owned())
        );
        assert_eq!(
            effective("https://app.example.com:8443/"),
            Ok("https://app.example.com:8443/auth/callback?tenant=1".to_owned())
        );
        assert!(effective("http://app.example.com").is_err());
    }
}

//! Which redirect URIs may be allow-listed: the rules WorkOS applies to a staging environment.

use url::{Host, Url};

/// Checks that `uri` may be allow-listed: absolute, no fragment, `https`, or `http` on a loopback host.
/// Returns why not otherwise.
pub(crate) fn check(uri: &str) -> Result<(), &'static str> {
    let parsed = Url::parse(uri).map_err(|_| "not an absolute URL")?;
    if parsed.fragment().is_some() {
        return Err("a redirect URI cannot have a fragment");
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        "http" => Err("plain http is only allowed for localhost and 127.0.0.1"),
        _ => Err("the scheme must be http or https"),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::check;

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
}

//! The effective redirect URI of a handler under `workos.redirect_origin`. Which redirect URIs are
//! acceptable at all is a rule of the `rocket-workos-sso-rules` crate, shared with the macro and the
//! emulator.

use url::Url;

/// `uri` with the scheme, host and port of `origin` (the `workos.redirect_origin` setting), keeping its
/// path and query; the result is checked like any redirect URI, and refused with what is wrong with it.
pub(crate) fn with_origin(uri: &Url, origin: &Url) -> Result<Url, String> {
    let mut effective = origin.clone();
    effective.set_path(uri.path());
    effective.set_query(uri.query());
    rocket_workos_sso_rules::parse_redirect_uri(effective.as_str())
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::with_origin;

    #[test]
    fn an_origin_replaces_scheme_host_and_port_and_keeps_the_path() {
        let uri = Url::parse("http://127.0.0.1:8000/auth/callback?tenant=1").unwrap();
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
        let refused = effective("http://app.example.com").unwrap_err();
        assert!(refused.contains("uses plain http"), "{refused}");
    }
}

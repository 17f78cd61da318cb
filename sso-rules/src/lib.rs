//! The rules for `#[workos_sso]` settings, in one place for both times they are checked: by the macro,
//! for values written in the attribute, and by the fairing at launch, for values read from the
//! environment or Rocket's configuration. Both report the same words; the caller adds where the value
//! came from (the attribute's tokens, or the setting's name and the handler).
//!
//! This crate is an implementation detail of `rocket-workos-sso`; depend on that crate instead.

use url::{Host, Url};

/// The prefixes of a WorkOS client id: `client_`, or `project_` on older accounts.
pub const CLIENT_ID_PREFIXES: &[&str] = &["client_", "project_"];

/// The prefix of a WorkOS organization id.
pub const ORGANIZATION_PREFIXES: &[&str] = &["org_"];

/// The prefix of a WorkOS connection id.
pub const CONNECTION_PREFIXES: &[&str] = &["conn_"];

/// The `provider` values WorkOS's `/sso/authorize` accepts, spelled as on the wire: the OAuth providers a
/// handler may pin or admit.
pub const OAUTH_PROVIDERS: &[&str] = &[
    "AppleOAuth",
    "BitbucketOAuth",
    "GitHubOAuth",
    "GitLabOAuth",
    "GoogleOAuth",
    "IntuitOAuth",
    "LinkedInOAuth",
    "MicrosoftOAuth",
    "SalesforceOAuth",
    "SlackOAuth",
    "VercelMarketplaceOAuth",
    "VercelOAuth",
    "XeroOAuth",
];

/// The longest WorkOS id accepted, in bytes: WorkOS's are a prefix and 26 characters.
pub const MAX_ID_LEN: usize = 64;

/// Whether `text` is a well-formed WorkOS id: one of `prefixes`, then one or more ASCII letters and
/// digits, at most [`MAX_ID_LEN`] bytes in all.
pub fn is_id(text: &str, prefixes: &[&str]) -> bool {
    text.len() <= MAX_ID_LEN
        && prefixes
            .iter()
            .filter_map(|prefix| text.strip_prefix(prefix))
            .any(|body| !body.is_empty() && body.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// What is wrong with `text` as an OAuth redirect URI by WorkOS's rules and RFC 6749 §3.1.2 (absolute,
/// a host, no fragment, https or plain http on a loopback host), or `None` when it is acceptable.
pub fn redirect_uri_problem(text: &str) -> Option<String> {
    parse_redirect_uri(text).err()
}

/// `text` parsed as a redirect URI if it is acceptable (see [`redirect_uri_problem`]); otherwise what is
/// wrong with it and how to fix it. The fairing checks handlers' redirect URIs with it and the emulator
/// its allowlist, so both accept exactly what WorkOS accepts.
pub fn parse_redirect_uri(text: &str) -> Result<Url, String> {
    let url = match Url::parse(text) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            return Err(
                "`redirect_uri` must be an absolute URL with a scheme and a host\nhelp: write the full URL, \
                 e.g. \"https://app.example.com/callback\""
                    .to_owned(),
            )
        }
        Err(err) => {
            return Err(format!(
                "`redirect_uri` is not a valid URL: {err}\nhelp: write the full callback URL, e.g. \
                 \"https://app.example.com/callback\""
            ))
        }
    };
    if url.fragment().is_some() {
        return Err(
            "`redirect_uri` must not contain a fragment (`#...`): OAuth forbids them in redirect URIs\n\
             help: remove everything from `#` on"
                .to_owned(),
        );
    }
    let Some(host) = url.host() else {
        return Err(
            "`redirect_uri` must name a host\nhelp: e.g. \"https://app.example.com/callback\""
                .to_owned(),
        );
    };
    let problem = match url.scheme() {
        "https" => None,
        "http" if is_loopback(&host) => None,
        "http" => Some(format!(
            "`redirect_uri` uses plain http for `{host}`: WorkOS allows http only for localhost and 127.0.0.1\n\
             help: use \"https://{host}{}\"",
            url.path()
        )),
        other => Some(format!(
            "`redirect_uri` has the scheme `{other}`; a web app's callback is an https URL\n\
             help: e.g. \"https://app.example.com/callback\""
        )),
    };
    match problem {
        None => Ok(url),
        Some(problem) => Err(problem),
    }
}

/// Whether `host` is this machine: `localhost`, `127.0.0.0/8` or `::1`.
pub fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(domain) => domain.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// What is wrong with `text` as the WorkOS id of setting `key` (one of `prefixes`, then letters and
/// digits), or `None` when it is well formed. A value that looks like an API key is never repeated.
pub fn id_problem(key: &str, text: &str, prefixes: &[&str], example: &str) -> Option<String> {
    if text.starts_with("sk_") {
        return Some(format!(
            "the value of `{key}` looks like a WorkOS API key (`sk_...`), which is a secret\nhelp: set the \
             {key} to the id from the WorkOS dashboard, e.g. \"{example}\", and the API key in WORKOS_API_KEY"
        ));
    }
    if text.len() > MAX_ID_LEN {
        return Some(format!(
            "`{key}` is {} bytes long, and a WorkOS id has at most {MAX_ID_LEN}\nhelp: copy the id from the \
             WorkOS dashboard, e.g. \"{example}\"",
            text.len()
        ));
    }
    (!is_id(text, prefixes)).then(|| {
        format!(
            "`{key}` must be a WorkOS id starting with {}, found \"{text}\"\nhelp: copy the id from the WorkOS \
             dashboard, e.g. \"{example}\"",
            quote_list(prefixes, "or")
        )
    })
}

/// `a`, `` `a` or `b` ``, `` `a`, `b` and `c` ``: items quoted as code, joined for a sentence.
pub fn quote_list(items: &[&str], conjunction: &str) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("`{item}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            format!("{} {conjunction} {last}", rest.join(", "))
        }
        _ => quoted.concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acceptable_redirect_uris() {
        for uri in [
            "https://app.example.com/callback",
            "http://localhost:8000/callback",
            "http://127.0.0.1:8000/cb",
            "http://[::1]:1/cb",
            "https://app.example.com/cb?tenant=1",
        ] {
            assert_eq!(redirect_uri_problem(uri), None, "{uri}");
        }
    }

    #[test]
    fn each_refused_redirect_uri_says_why() {
        let cases = [
            ("/callback", "must be an absolute URL"),
            ("https://", "is not a valid URL"),
            (
                "https://app.example.com/cb#top",
                "must not contain a fragment",
            ),
            (
                "http://app.example.com/cb",
                "uses plain http for `app.example.com`",
            ),
            ("ftp://app.example.com/cb", "has the scheme `ftp`"),
            ("mailto:a@example.com", "must name a host"),
        ];
        for (uri, expected) in cases {
            let problem = redirect_uri_problem(uri).unwrap_or_default();
            assert!(problem.contains(expected), "{uri}: {problem}");
            assert!(problem.contains("\nhelp: "), "{uri}: {problem}");
        }
    }

    #[test]
    fn ids_need_a_prefix_and_a_body_of_letters_and_digits() {
        let check = |text| id_problem("organization", text, ORGANIZATION_PREFIXES, "org_01H...");
        assert_eq!(check("org_01ABC"), None);
        for bad in [
            "org_",
            "conn_01ABC",
            "org_01 ABC",
            "org_01-AB",
            "ORG_01",
            "org__",
            "org_01_AB",
            "org_01é",
        ] {
            let problem = check(bad).unwrap_or_default();
            assert!(
                problem.starts_with("`organization` must be a WorkOS id starting with `org_`"),
                "{bad}: {problem}"
            );
        }
        let long = format!("org_{}", "A".repeat(MAX_ID_LEN));
        assert!(check(&long).unwrap().contains("a WorkOS id has at most 64"));
        assert!(is_id(
            &format!("org_{}", "A".repeat(MAX_ID_LEN - 4)),
            ORGANIZATION_PREFIXES
        ));
        assert!(!is_id(&long, ORGANIZATION_PREFIXES));
        let client = |text| id_problem("client_id", text, CLIENT_ID_PREFIXES, "client_01H...");
        assert_eq!(client("project_01ABC"), None);
        assert!(client("org_1").unwrap().contains("`client_` or `project_`"));
    }

    #[test]
    fn an_api_key_is_named_but_never_repeated() {
        let problem = id_problem(
            "client_id",
            "sk_test_secret",
            CLIENT_ID_PREFIXES,
            "client_01H...",
        )
        .unwrap();
        assert!(problem.contains("looks like a WorkOS API key"), "{problem}");
        assert!(!problem.contains("sk_test_secret"), "{problem}");
    }

    #[test]
    fn lists_read_as_sentences() {
        assert_eq!(quote_list(&["a"], "or"), "`a`");
        assert_eq!(quote_list(&["a", "b"], "or"), "`a` or `b`");
        assert_eq!(quote_list(&["a", "b", "c"], "and"), "`a`, `b` and `c`");
    }
}

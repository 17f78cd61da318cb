//! The one place that decides where a browser may be sent after signing in.
//!
//! A `return_to` value arrives from the query string, so an attacker can craft it. Only a path on the
//! app's own origin is accepted; anything a browser could read as another origin (`//evil.com`,
//! `/\evil.com`, `https://evil.com`, `javascript:`), anything that could split a header (CR, LF) and
//! anything overly long is refused, and the caller falls back to [`DEFAULT_RETURN_TO`].

use std::borrow::Cow;

/// Where a browser goes after signing in when no acceptable `return_to` was given.
pub const DEFAULT_RETURN_TO: &str = "/";

/// The longest `return_to` accepted, in bytes. Longer values are refused rather than truncated, since a
/// truncated path is a different page. A login cookie keeps a shorter one still
/// ([`MAX_KEPT_RETURN_TO`](crate::flow::MAX_KEPT_RETURN_TO)), since every login in progress adds its
/// cookie to the callback's `Cookie` header, which proxies cap near 8 KB.
pub const MAX_RETURN_TO_LEN: usize = 1024;

/// Returns `candidate` if it is a safe same-origin path (with an optional query), or `None`.
///
/// A fragment is dropped: it never reaches a server and the browser keeps its own.
///
/// ```
/// use rocket_workos_sso::flow::safe_return_to;
///
/// assert_eq!(safe_return_to("/reports?year=2026"), Some("/reports?year=2026"));
/// assert_eq!(safe_return_to("/docs#intro"), Some("/docs"));
/// assert_eq!(safe_return_to("//evil.example/phish"), None);
/// assert_eq!(safe_return_to("https://evil.example/"), None);
/// ```
pub fn safe_return_to(candidate: &str) -> Option<&str> {
    let without_fragment = candidate.split('#').next().unwrap_or_default();
    if without_fragment.len() > MAX_RETURN_TO_LEN || !without_fragment.starts_with('/') {
        return None;
    }
    let (path, query) = without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, ""));
    // Browsers treat `\` like `/` and skip tabs and newlines inside a URL's path, so `/\evil.com` and
    // `/\t/evil.com` both mean `//evil.com`: refused in the path. In the query they change no origin, so
    // only what could split a header (CR, LF, any control) is refused there; `\`, `+`, `"` and spaces
    // stay, and the redirect percent-encodes what a Location header must not carry raw.
    if path.chars().any(|c| c == '\\' || c.is_control()) || query.chars().any(char::is_control) {
        return None;
    }
    // The same tricks, percent-encoded, in case a proxy or the app decodes the path once more.
    let decoded = percent_decode(path)?;
    if decoded.starts_with("//") || decoded.chars().any(|c| c == '\\' || c.is_control()) {
        return None;
    }
    // Dot segments are resolved by the browser: `/.//evil.com` and `/a/..//evil.com` become the path
    // `//evil.com`, which any later redirect to "the current path" turns into another origin. Browsers
    // never send dot segments themselves, so refusing them costs nothing.
    if decoded
        .split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return None;
    }
    Some(without_fragment)
}

/// Returns the safe `return_to` for `candidate`, or [`DEFAULT_RETURN_TO`].
///
/// ```
/// use rocket_workos_sso::flow::return_to_or_default;
///
/// assert_eq!(return_to_or_default(Some("/settings")), "/settings");
/// assert_eq!(return_to_or_default(Some("javascript:alert(1)")), "/");
/// assert_eq!(return_to_or_default(None), "/");
/// ```
pub fn return_to_or_default(candidate: Option<&str>) -> &str {
    match candidate.map(|candidate| (candidate, safe_return_to(candidate))) {
        Some((_, Some(safe))) => safe,
        Some((refused, None)) => {
            // Quoted by `{:?}`, so a hostile value cannot forge log lines.
            rocket::log::private::debug!("WorkOS SSO: dropped the return_to {refused:?}");
            DEFAULT_RETURN_TO
        }
        None => DEFAULT_RETURN_TO,
    }
}

/// Percent-decodes `input`; `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(input: &str) -> Option<Cow<'_, str>> {
    if !input.contains('%') {
        return Some(Cow::Borrowed(input));
    }
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_paths_are_kept_with_their_query() {
        for ok in [
            "/",
            "/dashboard",
            "/a/b?x=1&y=%20z",
            "/caf%C3%A9",
            "/a//b",
            "/?next=//x",
            "/report?path=C:\\docs\\q3",
            "/search?q=a+b&exact=\"two words\"",
            "/\"quoted\"",
            "/caf\u{e9}/men\u{fc}?k=\u{4e2d}",
            "/a b",
        ] {
            assert_eq!(safe_return_to(ok), Some(ok), "{ok}");
        }
    }

    #[test]
    fn hostile_values_are_refused() {
        let hostile = [
            "",
            "dashboard",
            "//evil.com",
            "///evil.com",
            "/\\evil.com",
            "\\\\evil.com",
            "/%2F%2Fevil.com",
            "/%2f/evil.com",
            "/%5Cevil.com",
            "https://evil.com",
            "http:evil.com",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "/\t/evil.com",
            "/\n/evil.com",
            "/ok\r\nSet-Cookie: a=b",
            "/%0d%0aSet-Cookie:%20a=b",
            "/%E0%A4%A",
            "/%ff",
            "/%zz",
            " /dashboard",
            "/a\\b?x=1",
            "/ok?next=\r\nSet-Cookie:%20a=b",
            "/ok?x=\u{0}",
            "/.//evil.com",
            "/a/..//evil.com",
            "/%2e/%2fevil.com",
            "/..",
        ];
        for value in hostile {
            assert_eq!(safe_return_to(value), None, "{value:?}");
        }
    }

    #[test]
    fn over_long_values_are_refused_not_truncated() {
        let long = format!("/{}", "a".repeat(MAX_RETURN_TO_LEN));
        assert_eq!(safe_return_to(&long), None);
        let longest = format!("/{}", "a".repeat(MAX_RETURN_TO_LEN - 1));
        assert_eq!(safe_return_to(&longest), Some(longest.as_str()));
    }

    #[test]
    fn the_fragment_is_dropped() {
        assert_eq!(safe_return_to("/a?b=c#//evil.com"), Some("/a?b=c"));
    }
}

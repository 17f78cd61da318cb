//! Request parameters from a query string or a body, whichever encoding the client chose.

use hyper::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;

/// Name/value pairs in the order the client sent them; repeated names are kept.
#[derive(Debug, Default)]
pub(crate) struct Params(Vec<(String, String)>);

/// Why a request body could not be read as parameters.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// The body claims JSON but is not a JSON object.
    InvalidJson,
    /// Neither JSON nor a form.
    UnsupportedMediaType,
}

impl Params {
    /// Parses `application/x-www-form-urlencoded` text (a query string or a form body).
    pub(crate) fn from_form(text: &[u8]) -> Self {
        Self(url::form_urlencoded::parse(text).into_owned().collect())
    }

    /// Parses a body as JSON or as a form, going by its media type (parameters such as `;charset=utf-8`
    /// ignored: the Node SDK sends them). Without a `Content-Type`, a body starting with `{` is JSON.
    pub(crate) fn from_body(headers: &HeaderMap, body: &[u8]) -> Result<Self, BodyError> {
        let media_type = headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(|value| {
                value
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            });
        match media_type.as_deref() {
            Some("application/json") => Self::from_json(body),
            Some("application/x-www-form-urlencoded") => Ok(Self::from_form(body)),
            None if body.trim_ascii_start().starts_with(b"{") => Self::from_json(body),
            None => Ok(Self::from_form(body)),
            Some(_) => Err(BodyError::UnsupportedMediaType),
        }
    }

    /// Top-level string, number and boolean members of a JSON object; other members are ignored.
    fn from_json(body: &[u8]) -> Result<Self, BodyError> {
        let Ok(Value::Object(members)) = serde_json::from_slice::<Value>(body) else {
            return Err(BodyError::InvalidJson);
        };
        Ok(Self(
            members
                .into_iter()
                .filter_map(|(name, value)| match value {
                    Value::String(text) => Some((name, text)),
                    Value::Number(_) | Value::Bool(_) => Some((name, value.to_string())),
                    _ => None,
                })
                .collect(),
        ))
    }

    /// The first value of `name`, even if empty.
    pub(crate) fn raw(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of `name`, treating an empty value as absent.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.raw(name).filter(|value| !value.is_empty())
    }

    /// Every value of `name`, splitting comma-separated lists: `a,b` and `a&a=b` both give `[a, b]`.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(String::from)
            .collect()
    }
}

/// The token of an `Authorization: Bearer …` header (scheme matched case-insensitively).
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn headers(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        headers
    }

    #[test]
    fn a_form_with_a_charset_parameter_is_a_form() {
        let params = Params::from_body(
            &headers("application/x-www-form-urlencoded;charset=utf-8"),
            b"code=a%2Bb",
        )
        .unwrap();
        assert_eq!(params.get("code"), Some("a+b"));
    }

    #[test]
    fn json_members_become_parameters() {
        let params =
            Params::from_body(&headers("application/json"), br#"{"code":"x","n":3}"#).unwrap();
        assert_eq!(
            (params.get("code"), params.get("n")),
            (Some("x"), Some("3"))
        );
    }

    #[test]
    fn a_json_array_is_rejected() {
        assert_eq!(
            Params::from_body(&headers("application/json"), b"[1]").unwrap_err(),
            BodyError::InvalidJson
        );
    }

    #[test]
    fn lists_accept_commas_and_repeats() {
        assert_eq!(Params::from_form(b"s=a,b&s=c").list("s"), ["a", "b", "c"]);
    }
}

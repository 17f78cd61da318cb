//! Sending one WorkOS call: authentication, retries for idempotent calls, and turning responses into values
//! or [`WorkosError`]s.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;

use super::error::{ApiError, DecodeError, TransportError, WorkosError};
use super::retry::RetryPolicy;
use super::WorkosClient;

/// One call to WorkOS, assembled by an endpoint method and sent with [`Call::receive`] or
/// [`Call::receive_nothing`].
pub(crate) struct Call<'a> {
    retry: RetryPolicy,
    endpoint: &'static str,
    request: RequestBuilder,
    idempotent: bool,
    /// Values scrubbed from any server text an error quotes; always includes the bearer.
    secrets: Vec<&'a str>,
    quote_body: bool,
}

impl<'a> Call<'a> {
    /// Starts a call to the API path made of `path` segments, authenticated with `bearer`. Only `GET`s are
    /// retried.
    pub(crate) fn new(
        client: &'a WorkosClient,
        method: Method,
        endpoint: &'static str,
        path: &[&str],
        bearer: &'a str,
    ) -> Self {
        let idempotent = method == Method::GET;
        let url = endpoint_url(&client.inner.config.base_url, path);
        let request = client.inner.http.request(method, url).bearer_auth(bearer);
        Self {
            retry: client.inner.retry,
            endpoint,
            request,
            idempotent,
            secrets: vec![bearer],
            quote_body: true,
        }
    }

    /// Starts a call authenticated with the API key, as every endpoint but `GET /sso/profile` is.
    pub(crate) fn with_api_key(
        client: &'a WorkosClient,
        method: Method,
        endpoint: &'static str,
        path: &[&str],
    ) -> Self {
        Self::new(
            client,
            method,
            endpoint,
            path,
            client.inner.config.api_key.expose(),
        )
    }

    /// Adds query parameters.
    pub(crate) fn query(mut self, pairs: &[(&str, String)]) -> Self {
        self.request = self.request.query(pairs);
        self
    }

    /// Sends `body` as JSON.
    pub(crate) fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.request = self.request.json(body);
        self
    }

    /// Scrubs `secret` (something the request carries) from error messages.
    pub(crate) fn secret(mut self, secret: &'a str) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Never quotes the success body in a [`DecodeError`], because it carries tokens.
    pub(crate) fn body_carries_secrets(mut self) -> Self {
        self.quote_body = false;
        self
    }

    /// Sends the call and decodes a JSON success body.
    pub(crate) async fn receive<T: DeserializeOwned>(self) -> Result<T, WorkosError> {
        let (endpoint, quote_body) = (self.endpoint, self.quote_body);
        let secrets = self.secrets.clone();
        let body = self.send().await?;
        serde_json::from_slice(&body).map_err(|error| {
            DecodeError::new(endpoint, &error, quote_body.then_some(&body[..]), &secrets).into()
        })
    }

    /// Sends the call, expecting a success status and ignoring any body.
    pub(crate) async fn receive_nothing(self) -> Result<(), WorkosError> {
        self.send().await.map(drop)
    }

    async fn send(self) -> Result<Vec<u8>, WorkosError> {
        let Call {
            retry,
            endpoint,
            request,
            idempotent,
            secrets,
            ..
        } = self;
        let attempt = |request: RequestBuilder| attempt(endpoint, request, &secrets);
        if !idempotent {
            return attempt(request).await;
        }
        let mut retries = 0;
        loop {
            // `try_clone` only fails for streaming bodies, which no call uses; such a request is sent once.
            let Some(copy) = request.try_clone() else {
                return attempt(request).await;
            };
            match attempt(copy).await {
                Err(error) => match retry.delay(retries, &error) {
                    Some(delay) => {
                        tokio::time::sleep(delay).await;
                        retries += 1;
                    }
                    None => return Err(error),
                },
                success => return success,
            }
        }
    }
}

/// Sends `request` once, returning the body of a success response.
async fn attempt(
    endpoint: &'static str,
    request: RequestBuilder,
    secrets: &[&str],
) -> Result<Vec<u8>, WorkosError> {
    let transport = |error| TransportError::new(endpoint, error);
    let response: Response = request.send().await.map_err(transport)?;
    let status = response.status();
    let request_id = header_text(response.headers(), "x-request-id");
    let retry_after = retry_after(response.headers());
    let body = response.bytes().await.map_err(transport)?;
    if status.is_success() {
        return Ok(body.to_vec());
    }
    Err(ApiError::from_response(
        endpoint,
        status.as_u16(),
        request_id,
        retry_after,
        &body,
        secrets,
    )
    .into())
}

/// `base` with `segments` appended, each percent-encoded as one path segment (so an ID cannot add a path).
pub(crate) fn endpoint_url(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    // Only URLs without a host refuse path segments, and the base URL is validated to be http(s).
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name)?.to_str().ok().map(str::to_owned)
}

/// `Retry-After` in seconds. The HTTP-date form is ignored, falling back to backoff.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn endpoint_url_appends_to_a_prefixed_base_and_encodes_segments() {
        let base = Url::parse("http://127.0.0.1:9000/workos/").unwrap();
        let url = endpoint_url(&base, &["connections", "conn_1/../x?y"]);
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9000/workos/connections/conn_1%2F..%2Fx%3Fy"
        );
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static(" 12 "));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(12)));
    }

    #[test]
    fn retry_after_ignores_http_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2026 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
    }
}

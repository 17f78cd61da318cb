//! What a route answers, before the server turns it into bytes.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use hyper::header::{HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use hyper::{Response, StatusCode};
use serde_json::{json, Value};
use tokio::time::Sleep;
use url::Url;

/// The `X-Request-ID` header every WorkOS response carries.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A response: status, headers and a complete body.
#[derive(Debug)]
pub(crate) struct Reply {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

impl Reply {
    /// A JSON body.
    pub(crate) fn json(status: StatusCode, value: &Value) -> Self {
        Self::with_body(status, "application/json", value.to_string())
    }

    /// WorkOS's message-style error: `{"message": …}`.
    pub(crate) fn message(status: StatusCode, message: impl Into<String>) -> Self {
        Self::json(status, &json!({ "message": message.into() }))
    }

    /// An OAuth-style 400: `{"error": …, "error_description": …}`.
    pub(crate) fn oauth_error(error: &str, description: &str) -> Self {
        Self::json(
            StatusCode::BAD_REQUEST,
            &json!({ "error": error, "error_description": description }),
        )
    }

    /// An HTML page.
    pub(crate) fn html(status: StatusCode, page: String) -> Self {
        Self::with_body(status, "text/html; charset=utf-8", page)
    }

    /// A `302 Found` to `location`.
    pub(crate) fn redirect(location: &Url) -> Self {
        Self::empty(StatusCode::FOUND).header(LOCATION, location.as_str())
    }

    /// No body at all (e.g. `204 No Content`).
    pub(crate) fn empty(status: StatusCode) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// A body of any content type.
    pub(crate) fn with_body(
        status: StatusCode,
        content_type: &'static str,
        body: impl Into<Bytes>,
    ) -> Self {
        Self::empty(status)
            .header(CONTENT_TYPE, content_type)
            .body(body)
    }

    /// Replaces the body.
    fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Adds a header; values that are not valid header text are dropped rather than panicking.
    pub(crate) fn header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.push((name, value));
        }
        self
    }

    /// Marks the response uncacheable, as login responses must be.
    pub(crate) fn no_store(self) -> Self {
        self.header(CACHE_CONTROL, "no-store")
    }

    /// The hyper response. With `truncated`, only half the body is sent while the length announces all of
    /// it, and the connection is then cut.
    pub(crate) fn into_response(self, request_id: &str, truncated: bool) -> Response<ReplyBody> {
        let declared = self.body.len() as u64;
        let sent = if truncated {
            self.body.slice(..self.body.len() / 2)
        } else {
            self.body
        };
        let mut response = Response::new(ReplyBody {
            data: Some(sent).filter(|data| !data.is_empty()),
            declared,
            cut: truncated.then(|| Box::pin(tokio::time::sleep(CUT_AFTER))),
        });
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        for (name, value) in self.headers {
            headers.append(name, value);
        }
        if let Ok(value) = HeaderValue::from_str(request_id) {
            headers.insert(REQUEST_ID, value);
        }
        response
    }
}

/// How long a truncated body waits before failing. Failing at once would make hyper abort before it
/// flushed anything, and the client would see no response at all instead of a short one.
const CUT_AFTER: Duration = Duration::from_millis(20);

/// A response body sent in one frame; a truncated one fails a moment after its frame, which makes hyper
/// close the connection short of the announced `Content-Length`.
#[derive(Debug)]
pub(crate) struct ReplyBody {
    data: Option<Bytes>,
    declared: u64,
    cut: Option<Pin<Box<Sleep>>>,
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if let Some(data) = self.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        let Some(cut) = self.cut.as_mut() else {
            return Poll::Ready(None);
        };
        ready!(cut.as_mut().poll(context));
        self.cut = None;
        Poll::Ready(Some(Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "body truncated on purpose",
        ))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && self.cut.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.declared)
    }
}

//! The webhook route WorkOS delivers events to (`workos.webhook_path`, default `/sso/webhooks`), mounted
//! when `workos.webhook_secret` is set.
//!
//! The `WorkOS-Signature` header (`t=<unix ms>, v1=<hex>`) is checked before the body is read as JSON:
//! HMAC-SHA256 under the endpoint's secret over `<t>.<body>`, compared in constant time, with `t` within
//! [`TOLERANCE`] of this instance's clock. Anything wrong with it is answered `400 invalid signature` and
//! nothing else, so a sender learns nothing about what it got wrong. A delivery WorkOS retries, or an
//! event also polled, is handled once. When the store cannot take an event the answer is 503, so that
//! WorkOS delivers it again.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use rocket::data::{Data, ToByteUnit};
use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::route::{self, Handler};
use sha2::Sha256;

use super::{handle, Directory, Handled};
use crate::client::Event;
use crate::settings::WebhookSecret;
use crate::sso::Sso;
use crate::store::Unavailable;

/// How far a delivery's timestamp may be from this instance's clock: three minutes, as WorkOS's SDKs
/// accept.
pub(crate) const TOLERANCE: Duration = Duration::from_secs(180);

/// The largest body read: an event is a few kilobytes.
const MAX_BODY: u64 = 256 * 1024;

/// The webhook route's handler.
#[derive(Clone)]
pub(crate) struct Webhook;

#[rocket::async_trait]
impl Handler for Webhook {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        let (status, body) = receive(request, data).await;
        route::Outcome::from(request, (status, (ContentType::JSON, body)))
    }
}

/// The answer to one delivery: a status and a JSON body that says no more than it must.
async fn receive(request: &Request<'_>, data: Data<'_>) -> (Status, String) {
    let answer = |status: Status, error: &str| (status, format!(r#"{{"error":"{error}"}}"#));
    let Some(sso) = request.rocket().state::<Sso>() else {
        return answer(Status::InternalServerError, "not_configured");
    };
    let (Some((secret, _)), Some(directory)) =
        (&sso.settings.directory.webhook, Directory::of(sso))
    else {
        return answer(Status::NotFound, "not_found");
    };
    let body = match data.open(MAX_BODY.bytes()).into_bytes().await {
        Ok(body) if body.is_complete() => body.into_inner(),
        Ok(_) => return answer(Status::PayloadTooLarge, "too_large"),
        Err(_) => return answer(Status::BadRequest, "unreadable"),
    };
    let signature = request.headers().get_one("WorkOS-Signature");
    if verify(secret, signature, &body, SystemTime::now()).is_err() {
        rocket::log::private::warn!(
            "WorkOS SSO: refused a webhook delivery with an invalid signature"
        );
        return answer(Status::BadRequest, "invalid signature");
    }
    let Ok(event) = serde_json::from_slice::<Event>(&body) else {
        return answer(Status::BadRequest, "invalid_event");
    };
    match handle(&directory, &event).await {
        Ok(Handled::Ended) => (Status::Ok, r#"{"handled":true}"#.to_owned()),
        Ok(Handled::Ignored | Handled::Before) => (Status::Ok, r#"{"handled":false}"#.to_owned()),
        Err(Unavailable) => answer(Status::ServiceUnavailable, "session_store_unavailable"),
    }
}

/// Why a signature was refused (never told to the sender).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// No header, or not `t=…, v1=…`.
    Malformed,
    /// `t` is more than [`TOLERANCE`] away from now.
    Stale,
    /// No `v1` matches.
    Mismatch,
}

/// Checks `header` (`t=<unix ms>, v1=<hex>[, v1=…]`) for `body` under `secret` at `now`.
pub(crate) fn verify(
    secret: &WebhookSecret,
    header: Option<&str>,
    body: &[u8],
    now: SystemTime,
) -> Result<(), Invalid> {
    let header = header.ok_or(Invalid::Malformed)?;
    let (mut at, mut signatures) = (None, Vec::new());
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => at = Some(value.trim()),
            Some(("v1", value)) => {
                signatures.push(decode_hex(value.trim()).ok_or(Invalid::Malformed)?)
            }
            _ => {}
        }
    }
    let at = at.ok_or(Invalid::Malformed)?;
    let millis: u64 = at.parse().map_err(|_| Invalid::Malformed)?;
    if signatures.is_empty() {
        return Err(Invalid::Malformed);
    }
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let sent = Duration::from_millis(millis);
    let apart = now.abs_diff(sent);
    if apart > TOLERANCE {
        return Err(Invalid::Stale);
    }
    let signed = |signature: &[u8]| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.0.as_bytes()) else {
            return false;
        };
        mac.update(at.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(signature).is_ok()
    };
    if signatures.iter().any(|signature| signed(signature)) {
        Ok(())
    } else {
        Err(Invalid::Mismatch)
    }
}

/// The bytes of lowercase or uppercase hex, if it is hex.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";

    fn sign(at: u64, body: &[u8], secret: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{at}.").as_bytes());
        mac.update(body);
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        format!("t={at}, v1={hex}")
    }

    fn at(millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(millis)
    }

    #[test]
    fn a_signature_is_accepted_only_for_its_body_secret_and_time() {
        let secret = WebhookSecret(SECRET.to_owned());
        let body = br#"{"id":"event_01","event":"dsync.user.deleted","data":{}}"#;
        let now = 1_796_400_000_000;
        let header = sign(now, body, SECRET);
        assert_eq!(verify(&secret, Some(&header), body, at(now + 1000)), Ok(()));
        // Tampered body, another secret, a missing or garbled header.
        let tampered = br#"{"id":"event_01","event":"dsync.user.deleted","data":{"x":1}}"#;
        assert_eq!(
            verify(&secret, Some(&header), tampered, at(now)),
            Err(Invalid::Mismatch)
        );
        let other = sign(now, body, "whsec_other");
        assert_eq!(
            verify(&secret, Some(&other), body, at(now)),
            Err(Invalid::Mismatch)
        );
        assert_eq!(
            verify(&secret, None, body, at(now)),
            Err(Invalid::Malformed)
        );
        for garbled in [
            "",
            "t=abc, v1=00",
            "v1=00",
            "t=1",
            "t=1, v1=zz",
            "t=1, v1=abc",
        ] {
            assert_eq!(
                verify(&secret, Some(garbled), body, at(now)),
                Err(Invalid::Malformed),
                "{garbled}"
            );
        }
        // Outside the tolerance, either way; at its edge, accepted.
        let tolerance = TOLERANCE.as_millis() as u64;
        assert_eq!(
            verify(&secret, Some(&header), body, at(now + tolerance + 1)),
            Err(Invalid::Stale)
        );
        assert_eq!(
            verify(&secret, Some(&header), body, at(now - tolerance - 1)),
            Err(Invalid::Stale)
        );
        assert_eq!(
            verify(&secret, Some(&header), body, at(now + tolerance)),
            Ok(())
        );
        // The timestamp is signed: moving it breaks the signature.
        let moved = header.replacen(&now.to_string(), &(now + 1).to_string(), 1);
        assert_eq!(
            verify(&secret, Some(&moved), body, at(now)),
            Err(Invalid::Mismatch)
        );
        // A rotated secret: any of several v1 matches.
        let both = format!(
            "{}, v1={}",
            sign(now, body, "whsec_old"),
            &header[header.find("v1=").unwrap() + 3..]
        );
        assert_eq!(verify(&secret, Some(&both), body, at(now)), Ok(()));
    }
}

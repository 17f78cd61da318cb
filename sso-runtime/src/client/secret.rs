//! Secret strings: values that must never reach a log line, an error message or a URL they do not belong in.
//!
//! Every secret is its own newtype so a signature says which secret it wants. None of them implements
//! `PartialEq`, which pushes comparisons towards constant-time code (see [`State::matches`](super::State::matches)).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore as _;

/// What `Debug` and `Display` print instead of a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// Declares a secret string newtype: `Clone`, redacted `Debug` and `Display`, and an `expose()` accessor.
///
/// Extra attributes (docs, derives such as `Deserialize`) are passed through to the struct.
macro_rules! secret_string {
    ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
        $(#[$meta])*
        #[derive(Clone)]
        $vis struct $name(String);

        impl $name {
            /// Returns the secret value. Keep it out of logs, URLs and error messages.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::client::secret::REDACTED)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::client::secret::REDACTED)
            }
        }
    };
}
pub(crate) use secret_string;

/// 32 bytes from the operating system's CSPRNG, base64url without padding: 43 characters, 256 bits.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Replaces every occurrence of each non-empty secret in `text` with [`REDACTED`].
///
/// Used on text that came back from the server, which may echo what we sent (older WorkOS `invalid_grant`
/// descriptions quoted the code).
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|secret| !secret.is_empty())
        .fold(text.to_owned(), |text, secret| {
            text.replace(secret, REDACTED)
        })
}

#[cfg(test)]
mod tests {
    #![allow(unreachable_pub)] // the macros under test declare `pub` items, as they do for the crate
    use super::*;

    secret_string! {
        struct Sample;
    }

    #[test]
    fn debug_and_display_hide_the_value() {
        let sample = Sample("hunter2".to_owned());
        assert_eq!(format!("{sample:?} {sample}"), "<redacted> <redacted>");
    }

    #[test]
    fn expose_returns_the_value() {
        assert_eq!(Sample("hunter2".to_owned()).expose(), "hunter2");
    }

    #[test]
    fn random_tokens_are_43_url_safe_characters_and_differ() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 43);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_ne!(a, b);
    }

    #[test]
    fn scrub_replaces_every_secret_and_ignores_empty_ones() {
        let text = "code 'abc' and verifier 'xyz' and 'abc' again";
        assert_eq!(
            scrub(text, &["abc", "", "xyz"]),
            "code '<redacted>' and verifier '<redacted>' and '<redacted>' again"
        );
    }
}

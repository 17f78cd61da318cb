//! PKCE (RFC 7636) with the S256 method: the verifier stays on the server, its hash travels in the
//! authorization URL, and WorkOS checks one against the other at the code exchange.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::secret::{random_token, secret_string};

secret_string! {
    /// A PKCE code verifier: 43 characters of base64url over 32 random bytes.
    ///
    /// Keep it server-side (e.g. in the encrypted per-flow cookie) and send it only to `POST /sso/token`.
    /// `Debug` and `Display` print `<redacted>`.
    ///
    /// # Example
    ///
    /// ```
    /// use rocket_workos_sso::client::PkceVerifier;
    ///
    /// let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_owned())?;
    /// assert_eq!(verifier.code_challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    /// # Ok::<(), rocket_workos_sso::client::InvalidPkceVerifier>(())
    /// ```
    pub struct PkceVerifier;
}

impl PkceVerifier {
    /// A fresh random verifier.
    pub fn generate() -> Self {
        Self(random_token())
    }

    /// Restores a verifier (e.g. from a cookie), checking RFC 7636's rules: 43 to 128 characters from
    /// `A-Z a-z 0-9 - . _ ~`.
    pub fn new(verifier: String) -> Result<Self, InvalidPkceVerifier> {
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        if (43..=128).contains(&verifier.len()) && verifier.bytes().all(allowed) {
            Ok(Self(verifier))
        } else {
            Err(InvalidPkceVerifier)
        }
    }

    /// The S256 `code_challenge`: BASE64URL-NOPAD(SHA-256(verifier)).
    pub fn code_challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes()))
    }
}

/// A string that breaks RFC 7636's verifier rules. The value is not kept, since it may be a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "a PKCE code verifier must be 43 to 128 characters from A-Z, a-z, 0-9, '-', '.', '_' and '~'"
)]
pub struct InvalidPkceVerifier;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_matches_rfc_7636_appendix_b() {
        let verifier =
            PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_owned()).unwrap();
        assert_eq!(
            verifier.code_challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn generated_verifiers_are_valid_and_unique() {
        let (a, b) = (PkceVerifier::generate(), PkceVerifier::generate());
        assert!(PkceVerifier::new(a.expose().to_owned()).is_ok());
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn verifiers_outside_rfc_rules_are_rejected() {
        for bad in [
            "short".to_owned(),
            "a".repeat(129),
            format!("{}+", "a".repeat(43)),
        ] {
            assert_eq!(PkceVerifier::new(bad).unwrap_err(), InvalidPkceVerifier);
        }
    }

    #[test]
    fn debug_is_redacted() {
        let verifier = PkceVerifier::generate();
        assert!(!format!("{verifier:?}{verifier}").contains(verifier.expose()));
    }
}

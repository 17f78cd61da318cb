//! Sealing the session cookie: AES-256-GCM with a random 96-bit nonce, the cookie's name as associated
//! data, under a key derived from Rocket's `secret_key`, written as URL-safe base64 without padding.
//!
//! This is the construction of Rocket's private cookies (which the per-login cookies still use) with two
//! differences. The alphabet: private cookies are standard base64, whose `/` and `=` the cookie crate
//! percent-encodes in `Set-Cookie`, so Rocket would percent-decode the session cookie, a byte at a time,
//! on every request of a signed-in user (about 5% of a request, see BENCHMARKS.md); URL-safe base64 has
//! nothing to encode. The key: Rocket does not let an application read its key, so this one is derived
//! with HKDF-SHA256 from the same `secret_key` material Rocket reads (the forms Rocket 0.5 accepts,
//! decoded the same way), under a label of its own, so the two keys are independent. Rotating
//! `secret_key` rotates both. Without a provided `secret_key` (debug builds), the key is random per
//! process, as Rocket's own is then.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hkdf::Hkdf;
use rand::rngs::OsRng;
use rand::RngCore as _;
use rocket::figment::Figment;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use sha2::Sha256;

/// The HKDF label: what this key is for, so it can never equal a key derived for anything else.
const LABEL: &[u8] = b"rocket-workos-sso session cookie, AES-256-GCM, v1";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// The session cookie's key. `Debug` never shows it.
#[derive(Clone)]
pub(crate) struct SessionKey(Aes256Gcm);

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey([redacted])")
    }
}

impl SessionKey {
    /// The key for `material`, the decoded bytes of a `secret_key`.
    pub(crate) fn derive(material: &[u8]) -> Self {
        let mut key = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit of 8160, so expanding cannot fail.
        Hkdf::<Sha256>::new(None, material)
            .expand(LABEL, &mut key)
            .unwrap_or_else(|_| unreachable!("HKDF-SHA256 expands to 32 bytes"));
        Self(Aes256Gcm::new(&key.into()))
    }

    /// A key of this process alone, for an application without a `secret_key`.
    pub(crate) fn random() -> Self {
        let mut material = [0u8; 32];
        OsRng.fill_bytes(&mut material);
        Self::derive(&material)
    }

    /// The key for the `secret_key` of `figment`, or a random one when none is provided (or it is all
    /// zeros, which Rocket treats as none). Errors name the setting.
    pub(crate) fn from_figment(figment: &Figment) -> Result<Self, String> {
        if figment.find_value(rocket::Config::SECRET_KEY).is_err() {
            return Ok(Self::random());
        }
        let Material(material) = figment
            .extract_inner(rocket::Config::SECRET_KEY)
            .map_err(|error| format!("`secret_key` cannot be read: {error}"))?;
        Ok(if material.iter().all(|&byte| byte == 0) {
            Self::random()
        } else {
            Self::derive(&material)
        })
    }

    /// `plaintext` sealed for the cookie called `name`.
    pub(crate) fn seal(&self, name: &str, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: name.as_bytes(),
        };
        // Encrypting into a Vec fails only for a plaintext beyond GCM's 64 GiB limit.
        let sealed = self
            .0
            .encrypt(Nonce::from_slice(&nonce), payload)
            .unwrap_or_else(|_| unreachable!("a cookie is far below GCM's size limit"));
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The plaintext of `sealed`, if it was sealed under this key for the cookie called `name`.
    pub(crate) fn open(&self, name: &str, sealed: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: name.as_bytes(),
        };
        let plaintext = self.0.decrypt(Nonce::from_slice(nonce), payload).ok()?;
        String::from_utf8(plaintext).ok()
    }
}

/// The bytes of a `secret_key` setting, read as Rocket 0.5 reads them: a string of 44 or 88 characters
/// is standard base64, one of 64 is hex, and a sequence of numbers is the bytes themselves; at least 32
/// bytes either way.
struct Material(Vec<u8>);

impl<'de> Deserialize<'de> for Material {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MaterialVisitor)
    }
}

struct MaterialVisitor;

impl<'de> Visitor<'de> for MaterialVisitor {
    type Value = Material;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a 256-bit base64 or hex string, or at least 32 bytes")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Material, E> {
        let invalid = || E::invalid_value(de::Unexpected::Other("a malformed key"), &self);
        let bytes = match value.len() {
            44 | 88 => STANDARD.decode(value).map_err(|_| invalid())?,
            64 => hex(value).ok_or_else(invalid)?,
            n => return Err(E::invalid_length(n, &"44 or 88 for base64, 64 for hex")),
        };
        self.visit_byte_buf(bytes)
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Material, E> {
        self.visit_byte_buf(bytes.to_vec())
    }

    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Material, E> {
        if bytes.len() < 32 {
            return Err(E::invalid_length(bytes.len(), &"at least 32 bytes"));
        }
        Ok(Material(bytes))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Material, A::Error> {
        let mut bytes = Vec::new();
        while let Some(byte) = seq.next_element::<u8>()? {
            bytes.push(byte);
        }
        self.visit_byte_buf(bytes)
    }
}

fn hex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| char::from(c).to_digit(16);
    text.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [high, low] => Some(u8::try_from(digit(*high)? * 16 + digit(*low)?).ok()?),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rocket::figment::Figment;

    use super::*;

    const BASE64_KEY: &str = "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk=";

    fn figment(key: impl serde::Serialize) -> Figment {
        rocket::Config::figment().merge((rocket::Config::SECRET_KEY, key))
    }

    fn key(figment: &Figment) -> SessionKey {
        SessionKey::from_figment(figment).unwrap()
    }

    #[test]
    fn a_value_opens_under_its_key_and_name_only() {
        let key = SessionKey::derive(&[7; 32]);
        let sealed = key.seal("workos_sso_session", "[2,1,2]");
        assert_eq!(
            key.open("workos_sso_session", &sealed).as_deref(),
            Some("[2,1,2]")
        );
        assert_eq!(key.open("other_cookie", &sealed), None, "the name is bound");
        assert_eq!(
            SessionKey::derive(&[8; 32]).open("workos_sso_session", &sealed),
            None
        );
        assert_ne!(
            key.seal("workos_sso_session", "[2,1,2]"),
            sealed,
            "fresh nonce"
        );
    }

    #[test]
    fn sealed_values_need_no_percent_encoding() {
        let key = SessionKey::derive(&[7; 32]);
        for length in 0..200 {
            let sealed = key.seal("n", &"x".repeat(length));
            assert!(
                sealed
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{sealed}"
            );
            let raw = NONCE_LEN + length + TAG_LEN;
            assert_eq!(sealed.len(), (4 * raw).div_ceil(3), "no padding");
        }
    }

    #[test]
    fn every_altered_byte_truncation_and_encoding_is_refused() {
        let key = SessionKey::derive(&[7; 32]);
        let sealed = key.seal("n", "the plaintext");
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
        for i in 0..bytes.len() {
            bytes[i] ^= 0x01;
            assert_eq!(
                key.open("n", &URL_SAFE_NO_PAD.encode(&bytes)),
                None,
                "byte {i}"
            );
            bytes[i] ^= 0x01;
        }
        for end in 0..sealed.len() {
            assert_eq!(key.open("n", &sealed[..end]), None, "cut at {end}");
        }
        let standard = STANDARD.encode(URL_SAFE_NO_PAD.decode(&sealed).unwrap());
        if standard != sealed {
            assert_eq!(
                key.open("n", &standard),
                None,
                "standard base64 is not accepted"
            );
        }
        for garbage in ["", "%2F", "====", "not base64!", "AAAA"] {
            assert_eq!(key.open("n", garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn every_form_rocket_accepts_for_one_key_derives_the_same_key() {
        let bytes = STANDARD.decode(BASE64_KEY).unwrap();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let sealed = key(&figment(BASE64_KEY)).seal("n", "same key");
        for other in [
            figment(hex.clone()),
            figment(hex.to_uppercase()),
            figment(bytes.clone()),
        ] {
            assert_eq!(key(&other).open("n", &sealed).as_deref(), Some("same key"));
        }
        let other = STANDARD.encode([9u8; 32]);
        assert_eq!(key(&figment(other)).open("n", &sealed), None);
    }

    #[test]
    fn no_key_or_a_zero_key_is_a_random_key_per_process() {
        let none = rocket::Config::figment();
        let sealed = key(&none).seal("n", "x");
        assert_eq!(key(&none).open("n", &sealed), None);
        let zero = figment(STANDARD.encode([0u8; 32]));
        let sealed = key(&zero).seal("n", "x");
        assert_eq!(key(&zero).open("n", &sealed), None, "zeros are no key");
        assert_eq!(SessionKey::derive(&[0; 32]).open("n", &sealed), None);
    }

    #[test]
    fn malformed_keys_are_named_errors() {
        for bad in [
            figment("short"),
            figment("!".repeat(44)),
            figment("zz".repeat(32)),
            figment(vec![1u8; 16]),
        ] {
            let error = SessionKey::from_figment(&bad).unwrap_err();
            assert!(error.starts_with("`secret_key` cannot be read"), "{error}");
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = SessionKey::derive(&[7; 32]);
        assert_eq!(format!("{key:?}"), "SessionKey([redacted])");
    }
}

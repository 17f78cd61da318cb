//! The one sealing of every cookie the library sets (the session and each login in progress), and the
//! one place their attributes are decided, for the cookie and for its removal ([`CookieSpec`]).
//!
//! A sealed value is AES-256-GCM over the plaintext with a random 96-bit nonce and the cookie's name as
//! associated data (so a value cannot be moved to another cookie), written as URL-safe base64 without
//! padding: `nonce ‖ ciphertext ‖ tag`. That is the construction of Rocket's private cookies with two
//! differences. The alphabet: URL-safe base64 has nothing the cookie crate percent-encodes, so Rocket
//! never percent-decodes our cookies on a request. The key: Rocket does not let an application read its
//! key, so ours is derived with HKDF-SHA256 from the same `secret_key` material Rocket reads (every form
//! Rocket 0.5 accepts), under a label of its own; rotating `secret_key` rotates both keys. Without a
//! `secret_key` (debug builds) the key is random per process, as Rocket's own is then.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hkdf::Hkdf;
use rand::RngCore as _;
use rocket::figment::Figment;
use rocket::http::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use sha2::Sha256;

/// The HKDF label: what this key is for, so it can never equal a key derived for anything else.
const LABEL: &[u8] = b"rocket-workos-sso cookies, AES-256-GCM, v1";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// The HKDF label of PKCE verifiers, derived from a login's `state` rather than stored.
const PKCE_LABEL: &[u8] = b"rocket-workos-sso PKCE verifier, v1: ";

/// The key every cookie of the library is sealed with, and the one PKCE verifiers are derived with.
/// `Debug` never shows them.
#[derive(Clone)]
pub(crate) struct CookieKey {
    aead: Aes256Gcm,
    prf: Hkdf<Sha256>,
}

impl fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CookieKey([redacted])")
    }
}

impl CookieKey {
    /// The key for `material`, the decoded bytes of a `secret_key`.
    pub(crate) fn derive(material: &[u8]) -> Self {
        let mut key = [0u8; 32];
        let prf = Hkdf::<Sha256>::new(None, material);
        // 32 bytes is far below HKDF-SHA256's limit of 8160, so expanding cannot fail.
        prf.expand(LABEL, &mut key)
            .unwrap_or_else(|_| unreachable!("HKDF-SHA256 expands to 32 bytes"));
        Self {
            aead: Aes256Gcm::new(&key.into()),
            prf,
        }
    }

    /// The PKCE verifier of the login whose OAuth state is `state`: 43 characters of URL-safe base64
    /// over 256 bits that only the holder of this key can compute from the state, so the login cookie
    /// need not carry it and it never appears in a URL.
    pub(crate) fn pkce_verifier(&self, state: &str) -> String {
        let mut verifier = [0u8; 32];
        self.prf
            .expand_multi_info(&[PKCE_LABEL, state.as_bytes()], &mut verifier)
            .unwrap_or_else(|_| unreachable!("HKDF-SHA256 expands to 32 bytes"));
        URL_SAFE_NO_PAD.encode(verifier)
    }

    /// A key of this process alone, for an application without a `secret_key`.
    pub(crate) fn random() -> Self {
        let mut material = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut material);
        Self::derive(&material)
    }

    /// The key for the `secret_key` of `figment`, or a random one when none is provided (or it is all
    /// zeros, which Rocket treats as none). Errors name the setting.
    pub(crate) fn from_figment(figment: &Figment) -> Result<Self, String> {
        if figment.find_value(rocket::Config::SECRET_KEY).is_err() {
            return Ok(Self::random());
        }
        let material = figment
            .extract_inner::<Material>(rocket::Config::SECRET_KEY)
            .map_err(|error| error.to_string())
            .and_then(Material::into_bytes)
            .map_err(|error| format!("`secret_key` cannot be read: {error}"))?;
        Ok(if material.iter().all(|&byte| byte == 0) {
            Self::random()
        } else {
            Self::derive(&material)
        })
    }

    /// `plaintext` sealed for the cookie called `name`.
    pub(crate) fn seal(&self, name: &str, plaintext: &[u8]) -> String {
        // The thread's CSPRNG (ChaCha, seeded from the OS): a nonce needs uniqueness, not a system call.
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: name.as_bytes(),
        };
        // Encrypting into a Vec fails only for a plaintext beyond GCM's 64 GiB limit.
        let sealed = self
            .aead
            .encrypt(Nonce::from_slice(&nonce), payload)
            .unwrap_or_else(|_| unreachable!("a cookie is far below GCM's size limit"));
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The plaintext of `sealed`, if it was sealed under this key for the cookie called `name`.
    pub(crate) fn open(&self, name: &str, sealed: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: name.as_bytes(),
        };
        self.aead.decrypt(Nonce::from_slice(nonce), payload).ok()
    }

    /// The cookie `spec` describes, holding `plaintext` sealed (under the cookie's name), for `max_age`
    /// seconds.
    pub(crate) fn cookie(
        &self,
        spec: &CookieSpec,
        plaintext: &[u8],
        max_age: i64,
    ) -> Cookie<'static> {
        spec.cookie(self.seal(&spec.name, plaintext), max_age)
    }
}

/// One cookie of the library as a browser keeps it: its name and path (which together say which cookie
/// a `Set-Cookie` replaces) and whether it is `Secure`. The cookie and its removal are both built from
/// here, so a removal carries exactly the attributes its cookie was set with: a browser ignores a
/// `__Host-` or `__Secure-` `Set-Cookie` without `Secure`, and one on another path is another cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CookieSpec {
    name: String,
    path: String,
    secure: bool,
}

impl CookieSpec {
    /// The cookie `name` on `path`, `Secure` when `secure` or when its name has a prefix that requires
    /// it (`__Host-`, `__Secure-`).
    pub(crate) fn new(name: impl Into<String>, path: impl Into<String>, secure: bool) -> Self {
        let name = name.into();
        let secure = secure || name.starts_with("__Host-") || name.starts_with("__Secure-");
        Self {
            name,
            path: path.into(),
            secure,
        }
    }

    /// The cookie's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The cookie holding `value` for `max_age` seconds, with the attributes every library cookie
    /// carries.
    pub(crate) fn cookie(&self, value: String, max_age: i64) -> Cookie<'static> {
        let mut cookie = Cookie::new(self.name.clone(), value);
        cookie.set_path(self.path.clone());
        cookie.set_max_age(rocket::time::Duration::seconds(max_age));
        cookie.set_http_only(true);
        // Lax, not Strict: the callback is a cross-site navigation from WorkOS, and a Strict cookie set
        // on its response would be withheld on the redirect that follows.
        cookie.set_same_site(SameSite::Lax);
        cookie.set_secure(self.secure);
        cookie
    }

    /// The `Set-Cookie` that removes the cookie: empty, `Max-Age=0`, an expiry in the past, and every
    /// attribute the cookie was set with.
    pub(crate) fn removal(&self) -> Cookie<'static> {
        let mut removal = self.cookie(String::new(), 0);
        removal.make_removal();
        removal
    }

    /// Removes the cookie from the browser when the request carried it (Rocket sends no removal of a
    /// cookie the request did not have).
    pub(crate) fn remove_from(&self, jar: &CookieJar<'_>) {
        jar.remove(self.removal());
    }
}

/// A `secret_key` setting as written: a string (base64 or hex) or a sequence of bytes.
#[derive(Deserialize)]
#[serde(untagged)]
enum Material {
    Text(String),
    Bytes(Vec<u8>),
}

impl Material {
    /// The key bytes, read as Rocket 0.5 reads them: a string of 44 or 88 characters is standard base64,
    /// one of 64 is hex, and a sequence of numbers is the bytes themselves; at least 32 bytes either way.
    fn into_bytes(self) -> Result<Vec<u8>, String> {
        let bytes = match self {
            Self::Text(text) => match text.len() {
                44 | 88 => STANDARD
                    .decode(&text)
                    .map_err(|_| "it is not valid base64".to_owned())?,
                64 => hex(&text).ok_or("it is not valid hex")?,
                n => {
                    return Err(format!(
                        "a key of {n} characters; expected 44 or 88 for base64, 64 for hex"
                    ))
                }
            },
            Self::Bytes(bytes) => bytes,
        };
        if bytes.len() < 32 {
            return Err(format!(
                "a key of {} bytes; expected at least 32",
                bytes.len()
            ));
        }
        Ok(bytes)
    }
}

fn hex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| char::from(c).to_digit(16);
    text.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [high, low] => u8::try_from(digit(*high)? * 16 + digit(*low)?).ok(),
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

    fn key(figment: &Figment) -> CookieKey {
        CookieKey::from_figment(figment).unwrap()
    }

    #[test]
    fn a_value_opens_under_its_key_and_name_only() {
        let key = CookieKey::derive(&[7; 32]);
        let sealed = key.seal("workos_sso_session", b"\x93\x03\x01\x02");
        assert_eq!(
            key.open("workos_sso_session", &sealed).as_deref(),
            Some(&b"\x93\x03\x01\x02"[..])
        );
        assert_eq!(key.open("other_cookie", &sealed), None, "the name is bound");
        assert_eq!(
            CookieKey::derive(&[8; 32]).open("workos_sso_session", &sealed),
            None
        );
        assert_ne!(
            key.seal("workos_sso_session", b"\x93\x03\x01\x02"),
            sealed,
            "fresh nonce"
        );
    }

    #[test]
    fn sealed_values_need_no_percent_encoding() {
        let key = CookieKey::derive(&[7; 32]);
        for length in 0..200 {
            let sealed = key.seal("n", &vec![b'x'; length]);
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
    fn every_form_rocket_accepts_for_one_key_derives_the_same_key() {
        let bytes = STANDARD.decode(BASE64_KEY).unwrap();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let sealed = key(&figment(BASE64_KEY)).seal("n", b"same key");
        for other in [
            figment(hex.clone()),
            figment(hex.to_uppercase()),
            figment(bytes.clone()),
        ] {
            assert_eq!(
                key(&other).open("n", &sealed).as_deref(),
                Some(&b"same key"[..])
            );
        }
        let other = STANDARD.encode([9u8; 32]);
        assert_eq!(key(&figment(other)).open("n", &sealed), None);
    }

    #[test]
    fn no_key_or_a_zero_key_is_a_random_key_per_process() {
        let none = rocket::Config::figment();
        let sealed = key(&none).seal("n", b"x");
        assert_eq!(key(&none).open("n", &sealed), None);
        let zero = figment(STANDARD.encode([0u8; 32]));
        let sealed = key(&zero).seal("n", b"x");
        assert_eq!(key(&zero).open("n", &sealed), None, "zeros are no key");
        assert_eq!(CookieKey::derive(&[0; 32]).open("n", &sealed), None);
    }

    #[test]
    fn malformed_keys_are_named_errors() {
        for bad in [
            figment("short"),
            figment("!".repeat(44)),
            figment("zz".repeat(32)),
            figment(vec![1u8; 16]),
            figment(vec![300u32; 32]),
            figment(true),
        ] {
            let error = CookieKey::from_figment(&bad).unwrap_err();
            assert!(error.starts_with("`secret_key` cannot be read"), "{error}");
        }
    }

    /// A session cookie and a login cookie as the library sets them, each with the associated data it is
    /// sealed with and the function that reads it back from a request's jar.
    #[allow(clippy::type_complexity)]
    fn both_cookies(
        key: &CookieKey,
    ) -> Vec<(
        Cookie<'static>,
        String,
        Box<dyn Fn(&rocket::http::CookieJar<'_>) -> bool>,
    )> {
        use crate::client::ConnectionSelector;
        use crate::flow::login_state::{self, LoginState};
        use crate::session::Sessions;

        let sessions = Sessions::new(key.clone(), true);
        let profile = crate::testing::profile("dana@example.com");
        let session = sessions
            .cookie(
                &profile,
                crate::now(),
                std::time::Duration::from_secs(600),
                true,
            )
            .unwrap();
        let login = LoginState {
            return_to: "/dashboard".into(),
            flow: "0123456789ab".into(),
            expected: Some(ConnectionSelector::Organization("org_01A".into())),
            expires_at: crate::now() + 600,
        };
        let name = login_state::slot_cookie_name(3, true);
        let login_aad = login_state::associated_data(&name, "the-state");
        let sealed = key.seal(&login_aad, &login_state::encode(&login));
        let login_cookie = CookieSpec::new(name, "/callback", true).cookie(sealed, 600);
        let login_key = key.clone();
        vec![
            (
                session,
                "__Host-workos_sso_session".to_owned(),
                Box::new(move |jar| sessions.read(jar, crate::now()).is_some()),
            ),
            (
                login_cookie,
                login_aad,
                Box::new(move |jar| {
                    login_state::take(
                        jar,
                        &login_key,
                        "the-state",
                        ("/callback", true),
                        crate::now(),
                        |_| true,
                    )
                    .is_ok()
                }),
            ),
        ]
    }

    #[test]
    fn both_cookies_refuse_every_altered_byte_truncation_key_name_and_encoding() {
        let key = CookieKey::derive(&[7; 32]);
        let client = rocket::local::blocking::Client::untracked(rocket::build()).unwrap();
        let reads =
            |reader: &dyn Fn(&rocket::http::CookieJar<'_>) -> bool, name: &str, value: &str| {
                let request = client.get("/").cookie((name.to_owned(), value.to_owned()));
                reader(request.inner().cookies())
            };
        for (cookie, aad, reader) in both_cookies(&key) {
            let (name, sealed) = (cookie.name().to_owned(), cookie.value().to_owned());
            assert!(
                reads(&*reader, &name, &sealed),
                "{name} as sealed reads back"
            );
            let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
            for i in 0..bytes.len() {
                for bit in [0x01, 0x80] {
                    bytes[i] ^= bit;
                    let altered = URL_SAFE_NO_PAD.encode(&bytes);
                    assert!(
                        !reads(&*reader, &name, &altered),
                        "{name}: byte {i} ^ {bit:#x}"
                    );
                    bytes[i] ^= bit;
                }
            }
            for end in 0..sealed.len() {
                assert!(
                    !reads(&*reader, &name, &sealed[..end]),
                    "{name}: cut at {end}"
                );
            }
            let plaintext = key.open(&aad, &sealed).unwrap();
            let other_key = CookieKey::derive(&[8; 32]).seal(&aad, &plaintext);
            assert!(!reads(&*reader, &name, &other_key), "{name}: another key");
            let other_name = key.seal("workos_sso_other", &plaintext);
            assert!(
                !reads(&*reader, &name, &other_name),
                "{name}: sealed for another name"
            );
            let other_state = key.seal(&format!("{name}\nanother-state"), &plaintext);
            assert!(
                !reads(&*reader, &name, &other_state),
                "{name}: sealed for another state"
            );
            let standard = STANDARD.encode(URL_SAFE_NO_PAD.decode(&sealed).unwrap());
            assert!(
                !reads(&*reader, &name, &standard),
                "{name}: standard base64"
            );
            let percent = standard
                .replace('/', "%2F")
                .replace('+', "%2B")
                .replace('=', "%3D");
            assert!(!reads(&*reader, &name, &percent), "{name}: percent-encoded");
            for garbage in ["", "%2F", "====", "not base64!", "AAAA", &"A".repeat(5000)] {
                assert!(!reads(&*reader, &name, garbage), "{name}: {garbage:.20}");
            }
        }
    }

    #[test]
    fn a_rocket_private_cookie_of_the_same_plaintext_is_refused() {
        let secret = STANDARD.encode([7u8; 32]);
        let figment = rocket::Config::figment().merge((rocket::Config::SECRET_KEY, &secret));
        let key = CookieKey::from_figment(&figment).unwrap();
        let client = rocket::local::blocking::Client::untracked(rocket::custom(figment)).unwrap();
        for (cookie, aad, reader) in both_cookies(&key) {
            let plaintext = key.open(&aad, cookie.value()).unwrap();
            // Rocket seals text; a plaintext that is not UTF-8 is carried lossily, which is refused too.
            let text = String::from_utf8_lossy(&plaintext).into_owned();
            let request = client.get("/");
            request
                .inner()
                .cookies()
                .add_private((cookie.name().to_owned(), text));
            let private = request
                .inner()
                .cookies()
                .get_pending(cookie.name())
                .unwrap();
            let fresh = client
                .get("/")
                .cookie((cookie.name().to_owned(), private.value().to_owned()));
            assert!(!reader(fresh.inner().cookies()), "{}", cookie.name());
        }
    }

    #[test]
    fn a_removal_carries_every_attribute_its_cookie_was_set_with() {
        let key = CookieKey::derive(&[7; 32]);
        let specs = [
            ("__Host-workos_sso_session", "/", false),
            (
                "__Secure-workos_sso_flow_0123456789abcdef",
                "/auth/callback",
                false,
            ),
            ("workos_sso_session", "/", true),
            ("workos_sso_flow_0123456789abcdef", "/callback", false),
        ];
        for (name, path, secure) in specs {
            let spec = CookieSpec::new(name, path, secure);
            let set = key.cookie(&spec, b"plaintext", 600);
            let removal = spec.removal();
            let attributes = |cookie: &Cookie<'_>| {
                (
                    cookie.name().to_owned(),
                    cookie.path().map(str::to_owned),
                    cookie.secure(),
                    cookie.same_site(),
                    cookie.http_only(),
                    cookie.domain().map(str::to_owned),
                )
            };
            assert_eq!(attributes(&removal), attributes(&set), "{name}");
            assert_eq!(
                set.secure(),
                Some(secure || name.starts_with("__")),
                "{name}"
            );
            assert_eq!(removal.value(), "");
            assert_eq!(removal.max_age(), Some(rocket::time::Duration::ZERO));
            let text = removal.to_string();
            assert!(
                text.contains("Max-Age=0") && text.contains("SameSite=Lax"),
                "{text}"
            );
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = CookieKey::derive(&[7; 32]);
        assert_eq!(format!("{key:?}"), "CookieKey([redacted])");
    }
}

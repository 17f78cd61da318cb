//! The signed-in session: the user's [`Profile`] with an issue time and an expiry, in a cookie sealed by
//! the library's one cookie sealing (AES-256-GCM, the name as associated data, URL-safe base64).
//!
//! Nothing is stored on the server, so any number of app instances sharing one `secret_key` serve the
//! same sessions. A cookie that does not open, does not decode, carries another format version or has
//! expired means "not signed in"; the expiry inside the sealed value is what counts, not the browser's.
//!
//! The plaintext and its encoding are the crate's `codec` module's.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rocket::http::{Cookie, CookieJar};

use crate::client::profile::Profile;
pub use crate::codec::MAX_SESSION_PLAINTEXT;
use crate::codec::{decode, fitting_plaintext, Session};
use crate::seal::{CookieKey, CookieSpec};
use crate::store::{Owner, RedisStore, SessionKey, Unavailable, OPENED_CAPACITY};

/// The session cookie's name when the application's callbacks are plain http (local development).
pub const SESSION_COOKIE: &str = "workos_sso_session";

/// The session cookie's name when every callback of the application is https: with the `__Host-`
/// prefix, browsers accept the cookie only from a secure origin, with `Secure`, `Path=/` and no
/// `Domain`, so a sibling subdomain cannot plant or overwrite a session.
pub const SECURE_SESSION_COOKIE: &str = "__Host-workos_sso_session";

/// The application's sessions: the key they are sealed with and the ones this process has opened.
///
/// Opening a session (base64, AES-GCM, decoding a profile) is most of what the guard costs, so a signed-in
/// user's sessions are kept opened, keyed by the sealed value exactly as the browser sent it. Only values
/// that opened under the key are kept, and the whole value is compared on a hit, so a hit is exactly as
/// trustworthy as opening again; expiry is checked on every hit. The cache is `quick_cache`'s: sharded
/// locks, so threads do not queue on one lock, and CLOCK-Pro eviction at [`OPENED_CAPACITY`], so memory
/// is bounded and the active users stay. Nothing is lost when an entry goes.
pub(crate) struct Sessions {
    key: CookieKey,
    name: &'static str,
    opened: quick_cache::sync::Cache<Box<str>, Arc<Session>>,
    /// The server-side store, when `workos.session_store` names one: the cookie then seals only the
    /// session's random id.
    store: Option<Arc<RedisStore>>,
}

/// What a session cookie seals when the session lives in the store: this byte, then the 32-byte random
/// id. A cookie session's plaintext starts with a MessagePack array header, never this.
const REFERENCE: u8 = b'R';

/// How many sessions are open, never whose: the profiles are personal data.
impl fmt::Debug for Sessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sessions")
            .field("key", &self.key)
            .field("opened", &self.opened.len())
            .finish()
    }
}

impl Sessions {
    /// Sessions sealed under `key`, in the cookie named for `secure` ([`SECURE_SESSION_COOKIE`] when
    /// every callback is https, else [`SESSION_COOKIE`]).
    pub(crate) fn new(key: CookieKey, secure: bool) -> Self {
        Self {
            key,
            name: if secure {
                SECURE_SESSION_COOKIE
            } else {
                SESSION_COOKIE
            },
            opened: quick_cache::sync::Cache::new(OPENED_CAPACITY),
            store: None,
        }
    }

    /// The same sessions kept in `store` instead of in the cookie.
    pub(crate) fn with_store(mut self, store: Option<RedisStore>) -> Self {
        self.store = store.map(Arc::new);
        self
    }

    /// The server-side store, if sessions live in one.
    pub(crate) fn store(&self) -> Option<&Arc<RedisStore>> {
        self.store.as_ref()
    }

    /// The store's key of the request's session, when its cookie seals a reference.
    pub(crate) fn key_of(&self, jar: &CookieJar<'_>) -> Option<SessionKey> {
        let plaintext = self.open(jar.get(self.name)?.value())?;
        match plaintext.split_first() {
            Some((&REFERENCE, id)) if id.len() == 32 => Some(SessionKey::of_id(id)),
            _ => None,
        }
    }

    /// The request's session, if it has a valid one at `now`: from the cookie, or from the store when
    /// sessions live there (`Err` when the store cannot answer).
    pub(crate) async fn current(
        &self,
        jar: &CookieJar<'_>,
        now: i64,
    ) -> Result<Option<Arc<Session>>, Unavailable> {
        match &self.store {
            None => Ok(self.read(jar, now)),
            Some(store) => match self.key_of(jar) {
                Some(key) => store.read(&key, now).await,
                None => Ok(None),
            },
        }
    }

    /// Starts the session of `profile` at `now`: its cookie (with the session itself, or with the id of
    /// the session just stored), `Ok(None)` when its plaintext would exceed [`MAX_SESSION_PLAINTEXT`].
    pub(crate) async fn start(
        &self,
        profile: &Profile,
        now: i64,
        lifetime: Duration,
        secure: bool,
    ) -> Result<Option<Cookie<'static>>, Unavailable> {
        let Some(store) = &self.store else {
            return Ok(self.cookie(profile, now, lifetime, secure));
        };
        let Some((plaintext, seconds)) = fitting_plaintext(profile, now, lifetime) else {
            return Ok(None);
        };
        let owner = Owner {
            user: &profile.id,
            organization: profile.organization_id.as_deref(),
            connection: &profile.connection_id,
            idp_id: &profile.idp_id,
            email: &profile.email,
        };
        let expires_at = now.saturating_add(seconds);
        let id = store.create(&plaintext, &owner, (now, expires_at)).await?;
        let reference = [&[REFERENCE][..], &id].concat();
        Ok(Some(self.seal(&reference, seconds, secure)))
    }

    /// The session cookie's name in this application.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// The sealed session cookie for `profile` issued at `now`, or `None` when its plaintext would
    /// exceed [`MAX_SESSION_PLAINTEXT`] (a browser would silently drop the cookie).
    pub(crate) fn cookie(
        &self,
        profile: &Profile,
        now: i64,
        lifetime: Duration,
        secure: bool,
    ) -> Option<Cookie<'static>> {
        let (plaintext, seconds) = fitting_plaintext(profile, now, lifetime)?;
        Some(self.seal(&plaintext, seconds, secure))
    }

    /// A session cookie holding `plaintext` as it is, sealed. A `__Host-` cookie is always `Secure`.
    pub(crate) fn seal(&self, plaintext: &[u8], lifetime: i64, secure: bool) -> Cookie<'static> {
        self.key.cookie(&self.spec(secure), plaintext, lifetime)
    }

    /// The session cookie, `Secure` when its sign-in's callback is https (`secure`) or its name requires
    /// it.
    fn spec(&self, secure: bool) -> CookieSpec {
        CookieSpec::new(self.name, "/", secure)
    }

    /// The plaintext of a session cookie's value, if this application sealed it.
    pub(crate) fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        self.key.open(self.name, sealed)
    }

    /// The request's session, if it has a valid, unexpired one at `now`.
    pub(crate) fn read(&self, jar: &CookieJar<'_>, now: i64) -> Option<Arc<Session>> {
        let sealed = jar.get(self.name)?.value();
        if let Some(session) = self.opened.get(sealed) {
            return session.is_valid_at(now).then_some(session);
        }
        let session = Arc::new(decode(&self.open(sealed)?, now)?);
        self.opened.insert(sealed.into(), Arc::clone(&session));
        Some(session)
    }
}

/// The request's session, found once per request however many guards ask (Rocket's request-local
/// cache holds it).
struct CurrentSession(Result<Option<Arc<Session>>, Unavailable>);

impl Sessions {
    /// The session of `request` (`Err` when the session store cannot answer), looked up once per
    /// request however many guards ask.
    pub(crate) async fn of_request(
        &self,
        request: &rocket::Request<'_>,
    ) -> Result<Option<Arc<Session>>, Unavailable> {
        let current = request
            .local_cache_async(async {
                CurrentSession(self.current(request.cookies(), crate::now()).await)
            })
            .await;
        current.0.clone()
    }

    /// Ends the session: in the store when sessions live there (on every instance), then in this
    /// browser.
    pub(crate) async fn end(&self, jar: &CookieJar<'_>) -> Result<(), Unavailable> {
        if let (Some(store), Some(key)) = (&self.store, self.key_of(jar)) {
            // Kept in the browser until the store forgot it, so a failed sign-out can be tried again.
            store.end(&key, crate::now()).await?;
        }
        // Over https everywhere the name requires `Secure`, so the removal carries it. An application
        // with a plain-http callback too keeps the plain name and a removal without `Secure`: from an
        // https page it still replaces a session set `Secure` (browsers refuse that only to plain-http
        // pages), and on plain http a removal with `Secure` would itself be refused.
        self.spec(false).remove_from(jar);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::json;

    use super::*;
    use crate::client::profile::{ConnectionType, Role};
    use crate::codec::{encode, fit_profile, VERSION};

    pub(crate) fn profile() -> Profile {
        serde_json::from_value(json!({
            "object": "profile",
            "id": "prof_01A",
            "organization_id": "org_01A",
            "connection_id": "conn_01A",
            "connection_type": "OktaSAML",
            "idp_id": "idp-1",
            "email": "dana@example.com",
            "first_name": "Dana",
            "last_name": "Reyes",
            "name": "Dana Reyes",
            "role": {"slug": "admin"},
            "roles": [{"slug": "admin"}, {"slug": "billing"}],
            "groups": ["Engineering"],
            "custom_attributes": {"department_name": "Engineering", "level": 3, "tags": [null, true, 1.5]},
            "raw_attributes": {}
        }))
        .unwrap()
    }

    /// The emulator's alice, as WorkOS returns her profile.
    fn alice() -> Profile {
        serde_json::from_value(json!({
            "object": "profile",
            "id": "prof_01JHNPZX45HY43KWJRP1XPA7Z3",
            "organization_id": "org_01JH3E28JT97KB6CQ643DZVMXX",
            "connection_id": "conn_01JHQKFBF5KZNWJ47TAN9ZT24M",
            "connection_type": "TestIdp",
            "idp_id": "idp_01jhnpzx45hy43kwjrp1xpa7z3",
            "email": "alice@example.com",
            "first_name": "Alice",
            "last_name": "Anders",
            "name": "Alice Anders",
            "role": {"slug": "admin"},
            "roles": [{"slug": "admin"}],
            "groups": ["Engineering", "Admins"],
            "custom_attributes": {"department_name": "Engineering", "job_title": "Staff Engineer"},
            "raw_attributes": {}
        }))
        .unwrap()
    }

    fn sessions() -> Sessions {
        Sessions::new(CookieKey::derive(&[7; 32]), false)
    }

    #[test]
    fn every_field_reads_back_as_written() {
        let mut unusual = profile();
        unusual.object = None;
        unusual.organization_id = None;
        unusual.connection_type = ConnectionType::from("FutureSAML");
        unusual.name = Some("Dr. Dana \"DJ\" Reyes-Núñez".into());
        for profile in [
            profile(),
            alice(),
            unusual,
            crate::testing::profile("bob@x.test"),
        ] {
            let session = decode(&encode(&profile, 1000, 2000), 1500).unwrap();
            assert_eq!(session.profile, profile);
            assert_eq!((session.issued_at, session.expires_at), (1000, 2000));
        }
    }

    #[test]
    fn alices_session_cookie_fits_in_450_bytes() {
        let cookie = sessions()
            .cookie(&alice(), 1_795_850_647, Duration::from_secs(28_800), true)
            .unwrap();
        let pair = format!("{}={}", cookie.name(), cookie.value());
        assert_eq!(encode(&alice(), 1_795_850_647, 1_795_879_447).len(), 288);
        assert_eq!(pair.len(), 441, "{pair}");
    }

    #[test]
    fn an_expired_or_future_session_is_not_signed_in() {
        let at = |iat, exp, now| decode(&encode(&profile(), iat, exp), now).is_some();
        assert!(at(1000, 2000, 1999));
        assert!(!at(1000, 2000, 2000));
        assert!(!at(i64::MAX, i64::MIN, 0));
        assert!(!at(5000, 9000, 1000), "issued in the future");
        assert!(at(1030, 9000, 1000), "a minute of clock skew is tolerated");
        assert!(!at(1061, 9000, 1000));
    }

    #[test]
    fn truncations_trailing_bytes_and_other_versions_are_refused() {
        let whole = encode(&profile(), 1000, 2000);
        for end in 0..whole.len() {
            assert!(decode(&whole[..end], 1500).is_none(), "cut at {end}");
        }
        for extra in [&[0xc0][..], &[0], &whole] {
            let longer = [&whole[..], extra].concat();
            assert!(
                decode(&longer, 1500).is_none(),
                "{extra:?} after the session"
            );
        }
        // The header of an array of 18, then the version.
        assert_eq!(whole[..4], [0xdc, 0, 18, VERSION]);
        for version in [0, 1, 2, 4, 0x7f] {
            let mut other = whole.clone();
            other[3] = version;
            assert!(decode(&other, 1500).is_none(), "version {version}");
        }
    }

    #[test]
    fn earlier_json_formats_and_garbage_are_refused() {
        let format_2 = br#"[2,1000,1000,"01A","01A","OktaSAML","idp-1","dana@example.com"]"#;
        let format_1 = br#"{"v":1,"iat":1000,"exp":2000,"profile":{}}"#;
        let deep = [vec![0x91; 100_000], vec![0xc0]].concat();
        let huge_string = [
            &[0xdc, 0, 18, VERSION, 1, 2, 0xdb, 0xff, 0xff, 0xff, 0xff][..],
            b"x",
        ]
        .concat();
        let huge_array = [0xdd, 0xff, 0xff, 0xff, 0xff, VERSION];
        for garbage in [
            &format_2[..],
            format_1,
            b"",
            b"\xc0",
            b"\x90",
            &deep,
            &huge_string,
            &huge_array,
        ] {
            assert!(
                decode(garbage, 1500).is_none(),
                "{:?}",
                &garbage[..garbage.len().min(20)]
            );
        }
    }

    #[test]
    fn a_field_of_the_wrong_type_is_refused() {
        let session = encode(&profile(), 1000, 2000);
        let value: rmpv_like::Array = rmp_serde::from_slice(&session).unwrap();
        assert_eq!(value.len(), 18);
        for index in 0..value.len() {
            for wrong in [json!(true), json!({"a": 1}), json!([[1]]), json!(-1.5)] {
                let mut edited = value.clone();
                edited[index] = wrong.clone();
                let bytes = rmp_serde::to_vec(&edited).unwrap();
                // custom and raw attributes take any object; nothing else takes these.
                let accepted = decode(&bytes, 1500).is_some();
                let is_attributes = matches!(index, 15 | 16) && wrong.is_object();
                assert_eq!(accepted, is_attributes, "field {index} as {wrong}");
            }
        }
    }

    /// A session's fields as generic values, to edit one at a time.
    mod rmpv_like {
        pub(super) type Array = Vec<serde_json::Value>;
    }

    #[test]
    fn a_session_is_read_once_and_then_from_the_opened_sessions() {
        let sessions = sessions();
        let cookie = sessions
            .cookie(&profile(), crate::now(), Duration::from_secs(600), false)
            .unwrap();
        let client = rocket::local::blocking::Client::untracked(rocket::build()).unwrap();
        let request = client.get("/").cookie(cookie.clone());
        let first = sessions
            .read(request.inner().cookies(), crate::now())
            .unwrap();
        let again = sessions
            .read(request.inner().cookies(), crate::now())
            .unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the second read is a hit");
        assert_eq!(first.profile, profile());
        assert!(
            sessions
                .read(request.inner().cookies(), first.expires_at)
                .is_none(),
            "a hit is checked for expiry too"
        );
        let mut forged = cookie.value().to_owned();
        forged.replace_range(0..1, if forged.starts_with('A') { "B" } else { "A" });
        let request = client.get("/").cookie((SESSION_COOKIE, forged));
        assert!(sessions
            .read(request.inner().cookies(), crate::now())
            .is_none());
    }

    #[test]
    fn debug_of_the_sessions_shows_no_profile_and_no_key() {
        let sessions = sessions();
        let cookie = sessions
            .cookie(&profile(), crate::now(), Duration::from_secs(600), false)
            .unwrap();
        let client = rocket::local::blocking::Client::untracked(rocket::build()).unwrap();
        let request = client.get("/").cookie(cookie);
        assert!(sessions
            .read(request.inner().cookies(), crate::now())
            .is_some());
        let debug = format!("{sessions:?}");
        assert!(!debug.contains("dana"), "{debug}");
        assert_eq!(debug, "Sessions { key: CookieKey([redacted]), opened: 1 }");
    }

    #[test]
    fn a_small_profile_is_kept_as_is() {
        assert_eq!(fit_profile(profile(), &BTreeSet::new()), profile());
    }

    #[test]
    fn a_profile_that_fits_exactly_is_kept_and_one_byte_more_is_trimmed() {
        let mut profile = profile();
        let length = |profile: &Profile| encode(profile, i64::MIN, i64::MIN).len();
        // A string of 256 to 65,535 bytes has a 3-byte header: in that range one more character is one
        // more byte.
        profile.groups.push("g".repeat(300));
        let room = MAX_SESSION_PLAINTEXT - length(&profile);
        profile.groups[1].push_str(&"g".repeat(room));
        assert_eq!(length(&profile), MAX_SESSION_PLAINTEXT);
        assert_eq!(fit_profile(profile.clone(), &BTreeSet::new()), profile);
        let cookie = sessions().cookie(&profile, 1_780_000_000, Duration::from_secs(28_800), true);
        assert!(cookie.is_some_and(|cookie| cookie.to_string().len() < 4096));

        profile.groups[1].push('g');
        let fitted = fit_profile(profile.clone(), &BTreeSet::new());
        assert!(fitted.custom_attributes.is_empty());
        assert_eq!(fitted.groups, profile.groups, "the attributes were enough");
    }

    #[test]
    fn a_huge_profile_keeps_identity_and_required_groups() {
        let mut huge = profile();
        huge.groups = (0..500)
            .map(|i| format!("Group number {i:03} of the directory"))
            .collect();
        huge.groups.push("Admins".to_owned());
        huge.custom_attributes
            .insert("blob".to_owned(), json!("x".repeat(10_000)));
        let required = BTreeSet::from(["Admins", "Group number 007 of the directory"]);

        let fitted = fit_profile(huge.clone(), &required);
        assert_eq!(
            fitted.groups,
            ["Group number 007 of the directory", "Admins"]
        );
        assert!(fitted.custom_attributes.is_empty());
        assert_eq!(
            (fitted.id.as_str(), fitted.email.as_str()),
            (huge.id.as_str(), huge.email.as_str())
        );
        assert_eq!((&fitted.role, &fitted.roles), (&huge.role, &huge.roles));
        assert!(encode(&fitted, 0, 0).len() <= MAX_SESSION_PLAINTEXT);
    }

    #[test]
    fn a_required_secondary_role_survives_trimming() {
        let mut huge = profile();
        huge.role = Some(Role {
            slug: "member".into(),
        });
        huge.roles = (0..300)
            .map(|i| Role {
                slug: format!("role-{i:03}"),
            })
            .chain([Role {
                slug: "admin".into(),
            }])
            .collect();
        let fitted = fit_profile(huge, &BTreeSet::from(["admin", "Engineering"]));
        assert_eq!(
            fitted.roles,
            [Role {
                slug: "admin".into()
            }]
        );
        assert_eq!(fitted.groups, ["Engineering"]);
        assert_eq!(
            fitted.role.as_ref().map(|role| role.slug.as_str()),
            Some("member")
        );
    }

    #[test]
    fn oversized_names_and_roles_go_before_the_cookie_overflows() {
        let mut huge = profile();
        huge.roles = (0..300)
            .map(|i| Role {
                slug: format!("role-{i:03}"),
            })
            .collect();
        let fitted = fit_profile(huge.clone(), &BTreeSet::new());
        assert!(fitted.roles.is_empty());
        assert_eq!(fitted.role, huge.role);
        assert_eq!(fitted.first_name.as_deref(), Some("Dana"));

        huge.first_name = Some("A".repeat(3000));
        let fitted = fit_profile(huge, &BTreeSet::new());
        assert_eq!((&fitted.first_name, &fitted.name), (&None, &None));
        assert!(sessions()
            .cookie(&fitted, 0, Duration::from_secs(60), false)
            .is_some());
    }

    #[test]
    fn a_profile_whose_identity_alone_is_too_large_gets_no_cookie() {
        let mut huge = profile();
        huge.email = format!("{}@example.com", "a".repeat(3000));
        let fitted = fit_profile(huge, &BTreeSet::new());
        assert_eq!(fitted.email.len(), 3012);
        assert!(sessions()
            .cookie(&fitted, 0, Duration::from_secs(60), false)
            .is_none());
    }

    #[test]
    fn groups_that_do_not_fit_even_when_required_are_dropped_rather_than_overflowing() {
        let mut huge = profile();
        huge.groups = (0..500).map(|i| format!("Required group {i:03}")).collect();
        let required: BTreeSet<&str> = huge.groups.iter().map(String::as_str).collect();
        let fitted = fit_profile(huge.clone(), &required);
        assert!(fitted.groups.is_empty());
    }
}

//! The signed-in session: the user's [`Profile`] with an issue time and an expiry, sealed in a Rocket
//! private cookie (AES-256-GCM under `secret_key`, the cookie's name bound as associated data).
//!
//! Nothing is stored on the server, so any number of app instances sharing one `secret_key` serve the
//! same sessions. A cookie that does not decrypt, does not parse, carries another format version or has
//! expired means "not signed in"; the expiry inside the sealed value is what counts, not the browser's.

use std::collections::hash_map::{DefaultHasher, RandomState};
use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rocket::http::{Cookie, CookieJar, SameSite};
use serde::{Deserialize, Serialize};

use crate::profile::Profile;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "workos_sso_session";

/// The format version written into every session; a session of another version is ignored.
const VERSION: u8 = 1;

/// The most bytes of JSON a session may hold. Sealing adds 28 bytes and base64 a third, so this keeps
/// the cookie (name, value and attributes) under the 4096 bytes browsers store per cookie.
pub const MAX_SESSION_JSON: usize = 2800;

/// The sealed value.
#[derive(Debug, Serialize, Deserialize)]
struct Sealed {
    v: u8,
    /// Issued at, Unix seconds.
    iat: i64,
    /// Expires at, Unix seconds.
    exp: i64,
    profile: Profile,
}

/// A session as read back from a request.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// The signed-in user, as kept in the cookie (see [`fit_profile`]).
    pub profile: Profile,
    /// When the user signed in, Unix seconds.
    pub issued_at: i64,
    /// When the session stops being accepted, Unix seconds.
    pub expires_at: i64,
}

/// Cookie attributes shared by every cookie the flow sets.
pub(crate) fn harden(cookie: &mut Cookie<'static>, secure: bool) {
    cookie.set_http_only(true);
    // Lax, not Strict: the callback is a cross-site navigation from WorkOS, and a Strict cookie set on
    // its response would be withheld on the redirect that follows.
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(secure);
}

/// Starts a session for `profile`, replacing any previous one. Returns `false`, and sets nothing, when
/// the profile is too large for a cookie even after [`fit_profile`]: a browser would silently drop it.
#[must_use]
pub(crate) fn start(
    jar: &CookieJar<'_>,
    profile: Profile,
    now: i64,
    lifetime: Duration,
    secure: bool,
) -> bool {
    match cookie(profile, now, lifetime, secure) {
        Some(cookie) => {
            jar.add_private(cookie);
            true
        }
        None => false,
    }
}

/// The session cookie for `profile` issued at `now`, before sealing: the caller adds it as a private
/// cookie (`CookieJar::add_private`, or `LocalRequest::private_cookie` in [`crate::testing`]). `None`
/// when the session would exceed [`MAX_SESSION_JSON`].
pub(crate) fn cookie(
    profile: Profile,
    now: i64,
    lifetime: Duration,
    secure: bool,
) -> Option<Cookie<'static>> {
    let lifetime_secs = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
    let sealed = Sealed {
        v: VERSION,
        iat: now,
        exp: now.saturating_add(lifetime_secs),
        profile,
    };
    // A profile is plain strings and JSON values, which always serialize.
    let json = serde_json::to_string(&sealed)
        .ok()
        .filter(|json| json.len() <= MAX_SESSION_JSON)?;
    let mut cookie = Cookie::new(SESSION_COOKIE, json);
    cookie.set_path("/");
    cookie.set_max_age(rocket::time::Duration::seconds(lifetime_secs));
    harden(&mut cookie, secure);
    Some(cookie)
}

/// The JSON sealed into the session cookie (test and fuzzing support).
#[cfg(feature = "fuzzing")]
pub(crate) fn encode(profile: &Profile, iat: i64, exp: i64) -> String {
    serde_json::to_string(&Sealed {
        v: VERSION,
        iat,
        exp,
        profile: profile.clone(),
    })
    .unwrap_or_default()
}

/// The request's session, if it has a valid, unexpired one at `now`.
pub(crate) fn read(jar: &CookieJar<'_>, now: i64) -> Option<Session> {
    let cookie = jar.get_private(SESSION_COOKIE)?;
    decode(cookie.value(), now)
}

/// Parses and checks a decrypted session value.
pub(crate) fn decode(json: &str, now: i64) -> Option<Session> {
    let sealed: Sealed = serde_json::from_str(json).ok()?;
    let session = Session {
        profile: sealed.profile,
        issued_at: sealed.iat,
        expires_at: sealed.exp,
    };
    (sealed.v == VERSION && session.is_valid_at(now)).then_some(session)
}

impl Session {
    /// Unexpired at `now`, and not issued in the future: a session issued in the future comes from a
    /// clock or a key gone wrong. The minute of slack covers instances whose clocks differ slightly.
    fn is_valid_at(&self, now: i64) -> bool {
        now < self.expires_at && self.issued_at <= now + 60
    }
}

/// How many opened sessions [`OpenedSessions`] keeps; at about 2 KiB each, a few MiB at most.
pub(crate) const OPENED_CAPACITY: usize = 1024;

/// The sessions this process has already decrypted and decoded, keyed by the sealed cookie value
/// exactly as the browser sent it, so a signed-in user's next requests skip the AES-GCM open and the
/// JSON decode (about nine tenths of the guard's cost).
///
/// Only a value that has been authenticated under this application's key is ever inserted, so a hit
/// is exactly as trustworthy as decrypting again (the whole value is compared, not only its hash);
/// expiry is checked on every hit. It is a bounded cache of work already done, not session state:
/// nothing is lost when an entry goes, every instance still accepts every valid cookie, and memory stays
/// flat however many users sign in (the map is emptied when full). Keys are hashed with std's randomly
/// keyed SipHash over their last [`HASHED_TAIL`] characters only (see [`TailHasher`]).
#[derive(Default)]
pub(crate) struct OpenedSessions(Mutex<HashMap<Box<str>, Arc<Session>, TailState>>);

/// How many trailing characters of a sealed value [`TailHasher`] hashes. A sealed value ends with the
/// base64 of AES-GCM's 16-byte authentication tag (22 characters), which is unpredictable for every value
/// the application sealed, so the tail spreads the keys as well as the whole value would, at a fraction
/// of the cost of hashing 300 to 3000 characters on every request. A client can send many values with a
/// chosen tail, but only authenticated values are ever stored, so all it gets is a full comparison that
/// fails, then the decryption it would have caused anyway.
const HASHED_TAIL: usize = 32;

/// Builds [`TailHasher`]s from one randomly keyed [`RandomState`] per cache.
#[derive(Default, Clone)]
pub(crate) struct TailState(RandomState);

impl BuildHasher for TailState {
    type Hasher = TailHasher;

    fn build_hasher(&self) -> TailHasher {
        TailHasher(self.0.build_hasher())
    }
}

/// SipHash over the last [`HASHED_TAIL`] bytes of each write. `str` hashes as one write of its bytes
/// plus a one-byte terminator, so a `Box<str>` key and the `&str` looked up hash alike.
pub(crate) struct TailHasher(DefaultHasher);

impl Hasher for TailHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0
            .write(&bytes[bytes.len().saturating_sub(HASHED_TAIL)..]);
    }

    fn finish(&self) -> u64 {
        self.0.finish()
    }
}

impl OpenedSessions {
    /// The request's session, if it has a valid, unexpired one at `now`; like [`read`], cached.
    pub(crate) fn read(&self, jar: &CookieJar<'_>, now: i64) -> Option<Arc<Session>> {
        let sealed = jar.get(SESSION_COOKIE)?;
        let hit = self.lock().get(sealed.value()).cloned();
        if let Some(session) = hit {
            return session.is_valid_at(now).then_some(session);
        }
        let session = Arc::new(read(jar, now)?);
        let mut opened = self.lock();
        if opened.len() >= OPENED_CAPACITY {
            opened.clear();
        }
        opened.insert(sealed.value().into(), Arc::clone(&session));
        Some(session)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Arc<Session>, TailState>> {
        // Nothing can panic while the lock is held, and the map is a cache either way.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Ends the session.
pub(crate) fn end(jar: &CookieJar<'_>) {
    jar.remove_private(Cookie::build(SESSION_COOKIE).path("/"));
}

/// Trims `profile` until its session fits in a cookie: first the custom and raw attributes go, then the
/// groups that no handler checks, then every group, then the secondary `roles` (the primary `role`
/// stays), then the names. Identity (`id`, `email`, organization, connection) is always kept; a profile
/// whose identity alone does not fit cannot have a session (the callback refuses it).
pub fn fit_profile(mut profile: Profile, required_groups: &BTreeSet<&str>) -> Profile {
    let fits = |profile: &Profile| {
        let sealed = Sealed {
            v: VERSION,
            iat: i64::MAX,
            exp: i64::MAX,
            profile: profile.clone(),
        };
        serde_json::to_string(&sealed).is_ok_and(|json| json.len() <= MAX_SESSION_JSON)
    };
    if fits(&profile) {
        return profile;
    }
    profile.raw_attributes.clear();
    profile.custom_attributes.clear();
    if fits(&profile) {
        return profile;
    }
    profile
        .groups
        .retain(|group| required_groups.contains(group.as_str()));
    if fits(&profile) {
        return profile;
    }
    profile.groups.clear();
    if fits(&profile) {
        return profile;
    }
    profile.roles.clear();
    if fits(&profile) {
        return profile;
    }
    profile.first_name = None;
    profile.last_name = None;
    profile.name = None;
    profile
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
            "groups": ["Engineering"],
            "custom_attributes": {"department_name": "Engineering"},
            "raw_attributes": {}
        }))
        .unwrap()
    }

    fn sealed(iat: i64, exp: i64) -> String {
        serde_json::to_string(&Sealed {
            v: VERSION,
            iat,
            exp,
            profile: profile(),
        })
        .unwrap()
    }

    #[test]
    fn a_fresh_session_reads_back_whole() {
        let session = decode(&sealed(1000, 2000), 1500).unwrap();
        assert_eq!(session.profile, profile());
        assert_eq!((session.issued_at, session.expires_at), (1000, 2000));
    }

    #[test]
    fn an_expired_session_is_not_signed_in() {
        assert!(decode(&sealed(1000, 2000), 2000).is_none());
        assert!(decode(&sealed(1000, 2000), 99_999).is_none());
    }

    #[test]
    fn a_session_from_the_future_is_refused() {
        assert!(decode(&sealed(5000, 9000), 1000).is_none());
        assert!(
            decode(&sealed(1030, 9000), 1000).is_some(),
            "a minute of clock skew is tolerated"
        );
    }

    #[test]
    fn other_versions_and_garbage_are_refused() {
        let other = sealed(1000, 2000).replacen("\"v\":1", "\"v\":2", 1);
        assert!(decode(&other, 1500).is_none());
        for garbage in ["", "{}", "null", "[1,2]", "{\"v\":1}", "\u{0}"] {
            assert!(decode(garbage, 1500).is_none(), "{garbage:?}");
        }
    }

    #[test]
    fn the_opened_sessions_key_hashes_only_the_tail_but_compares_whole_values() {
        let state = TailState::default();
        let tail = "T".repeat(HASHED_TAIL);
        let (one, two) = (format!("a{tail}"), format!("bb{tail}"));
        assert_eq!(state.hash_one(one.as_str()), state.hash_one(two.as_str()));
        assert_ne!(
            state.hash_one(format!("a{tail}x").as_str()),
            state.hash_one(one.as_str())
        );

        let mut map: HashMap<Box<str>, u8, TailState> = HashMap::with_hasher(state);
        map.insert(one.as_str().into(), 1);
        assert_eq!(map.get(one.as_str()), Some(&1));
        assert_eq!(
            map.get(two.as_str()),
            None,
            "same tail, other value: a miss"
        );
        map.insert(two.as_str().into(), 2);
        assert_eq!(
            (map.get(one.as_str()), map.get(two.as_str())),
            (Some(&1), Some(&2))
        );
        assert_eq!(map.get("short"), None);
    }

    #[test]
    fn a_small_profile_is_kept_as_is() {
        assert_eq!(fit_profile(profile(), &BTreeSet::new()), profile());
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
        assert_eq!(fitted.role, huge.role);
        let json = serde_json::to_string(&Sealed {
            v: 1,
            iat: 0,
            exp: 0,
            profile: fitted,
        })
        .unwrap();
        assert!(json.len() <= MAX_SESSION_JSON);
    }

    #[test]
    fn oversized_names_and_roles_go_before_the_cookie_overflows() {
        let mut huge = profile();
        huge.roles = (0..300)
            .map(|i| crate::profile::Role {
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
        assert!(cookie(fitted, 0, Duration::from_secs(60), false).is_some());
    }

    #[test]
    fn a_profile_whose_identity_alone_is_too_large_gets_no_cookie() {
        let mut huge = profile();
        huge.email = format!("{}@example.com", "a".repeat(3000));
        let fitted = fit_profile(huge, &BTreeSet::new());
        assert_eq!(fitted.email.len(), 3012);
        assert!(cookie(fitted, 0, Duration::from_secs(60), false).is_none());
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

//! The session's plaintext: the user's [`Profile`] with an issue time and an expiry, in MessagePack, and
//! how a profile is trimmed to fit a cookie. No Rocket, no store: [`crate::session`] seals it into a
//! cookie or keeps it in the store.
//!
//! The plaintext is a derived struct encoded with MessagePack (`rmp-serde`) as an array in field order:
//! no field names, no quoting, and `null` for an absent option (ARCHITECTURE.md compares it with
//! postcard). Decoding is strict: the whole plaintext must be one value of format version 3, nested at
//! most 32 deep, with nothing after it; it never panics. Sessions of the earlier JSON formats do not
//! decode, so their users are simply not signed in.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::profile::{ConnectionType, Profile, ProfileData, Role};

/// The format version written into every session; a session of another version is not signed in.
pub(crate) const VERSION: u8 = 3;

/// The most bytes a session's plaintext may hold. Sealing adds 28 bytes and base64 a third, so this
/// keeps the cookie (name, value and attributes) under the 4096 bytes browsers store per cookie.
pub const MAX_SESSION_PLAINTEXT: usize = 2800;

/// How deep the custom attributes (arbitrary JSON) may nest in a session.
const MAX_DEPTH: usize = 32;

/// A session as read back from a request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Session {
    /// The signed-in user, as kept in the cookie (see [`fit_profile`]).
    pub(crate) profile: Profile,
    /// When the user signed in, Unix seconds.
    pub(crate) issued_at: i64,
    /// When the session stops being accepted, Unix seconds.
    pub(crate) expires_at: i64,
}

impl Session {
    /// Unexpired at `now`, and not issued in the future: a session issued in the future comes from a
    /// clock or a key gone wrong. The minute of slack covers instances whose clocks differ slightly.
    pub(crate) fn is_valid_at(&self, now: i64) -> bool {
        now < self.expires_at && self.issued_at <= now.saturating_add(60)
    }
}

/// What a session cookie seals, in this order. Roles are their slugs.
#[derive(Serialize, Deserialize)]
struct Stored {
    version: u8,
    issued_at: i64,
    expires_at: i64,
    id: String,
    organization_id: Option<String>,
    connection_id: String,
    connection_type: ConnectionType,
    idp_id: String,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    name: Option<String>,
    role: Option<String>,
    roles: Vec<String>,
    groups: Vec<String>,
    custom_attributes: Map<String, Value>,
    raw_attributes: Map<String, Value>,
    object: Option<String>,
}

impl Stored {
    fn new(profile: &Profile, issued_at: i64, expires_at: i64) -> Self {
        let slug = |role: &Role| role.slug.clone();
        let profile = &**profile;
        Self {
            version: VERSION,
            issued_at,
            expires_at,
            id: profile.id.clone(),
            organization_id: profile.organization_id.clone(),
            connection_id: profile.connection_id.clone(),
            connection_type: profile.connection_type.clone(),
            idp_id: profile.idp_id.clone(),
            email: profile.email.clone(),
            first_name: profile.first_name.clone(),
            last_name: profile.last_name.clone(),
            name: profile.name.clone(),
            role: profile.role.as_ref().map(slug),
            roles: profile.roles.iter().map(slug).collect(),
            groups: profile.groups.clone(),
            custom_attributes: profile.custom_attributes.clone(),
            raw_attributes: profile.raw_attributes.clone(),
            object: profile.object.clone(),
        }
    }

    fn into_session(self) -> Session {
        let role = |slug| Role { slug };
        let profile = Profile::new(ProfileData {
            object: self.object,
            id: self.id,
            organization_id: self.organization_id,
            connection_id: self.connection_id,
            connection_type: self.connection_type,
            idp_id: self.idp_id,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            name: self.name,
            role: self.role.map(role),
            roles: self.roles.into_iter().map(role).collect(),
            groups: self.groups,
            custom_attributes: self.custom_attributes,
            raw_attributes: self.raw_attributes,
        });
        Session {
            profile,
            issued_at: self.issued_at,
            expires_at: self.expires_at,
        }
    }
}

/// The session of `profile` issued at `now` for `lifetime`, encoded, with the lifetime in seconds;
/// `None` when it exceeds [`MAX_SESSION_PLAINTEXT`] (in a cookie or in the store alike).
pub(crate) fn fitting_plaintext(
    profile: &Profile,
    now: i64,
    lifetime: Duration,
) -> Option<(Vec<u8>, i64)> {
    let seconds = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
    let plaintext = encode(profile, now, now.saturating_add(seconds));
    (plaintext.len() <= MAX_SESSION_PLAINTEXT).then_some((plaintext, seconds))
}

/// The plaintext sealed into the session cookie of `profile`, issued at `issued_at`.
pub(crate) fn encode(profile: &Profile, issued_at: i64, expires_at: i64) -> Vec<u8> {
    // Strings, numbers and JSON values always encode.
    rmp_serde::to_vec(&Stored::new(profile, issued_at, expires_at)).unwrap_or_default()
}

/// The session in a decrypted plaintext, if it is one of this format and valid at `now`.
pub(crate) fn decode(plaintext: &[u8], now: i64) -> Option<Session> {
    let stored: Stored = decode_exact(plaintext)?;
    let session = (stored.version == VERSION).then(|| stored.into_session())?;
    session.is_valid_at(now).then_some(session)
}

/// The one MessagePack value `plaintext` holds, nested at most [`MAX_DEPTH`] deep, with nothing after
/// it: how every sealed plaintext of the library (session and login state) is read.
pub(crate) fn decode_exact<T: serde::de::DeserializeOwned>(plaintext: &[u8]) -> Option<T> {
    let mut rest = plaintext;
    let mut decoder = rmp_serde::Deserializer::new(&mut rest);
    decoder.set_max_depth(MAX_DEPTH);
    let value = T::deserialize(&mut decoder).ok()?;
    rest.is_empty().then_some(value)
}

/// Trims `profile` until its session fits in a cookie: first the custom and raw attributes go, then the
/// groups that no handler checks, then the secondary `roles` no handler checks, then every group, then
/// every secondary role (the primary `role` stays), then the names. `required` holds the groups and role
/// slugs some handler requires. Identity (`id`, `email`, organization, connection) is always kept; a profile
/// whose identity alone does not fit cannot have a session (the callback refuses it).
pub(crate) fn fit_profile(mut profile: Profile, required: &BTreeSet<&str>) -> Profile {
    // The longest times MessagePack writes: a profile that fits with them fits with any.
    let fits =
        |profile: &Profile| encode(profile, i64::MIN, i64::MIN).len() <= MAX_SESSION_PLAINTEXT;
    let steps: [fn(&mut ProfileData, &BTreeSet<&str>); 6] = [
        |p, _| {
            p.raw_attributes.clear();
            p.custom_attributes.clear();
        },
        |p, required| p.groups.retain(|group| required.contains(group.as_str())),
        |p, required| p.roles.retain(|role| required.contains(role.slug.as_str())),
        |p, _| p.groups.clear(),
        |p, _| p.roles.clear(),
        |p, _| (p.first_name, p.last_name, p.name) = (None, None, None),
    ];
    for step in steps {
        if fits(&profile) {
            break;
        }
        step(&mut profile, required);
    }
    profile
}

//! The signed-in session: the user's [`Profile`] with an issue time and an expiry, sealed in a cookie
//! with AES-256-GCM under a key derived from `secret_key`, the cookie's name bound as associated data
//! (the construction of Rocket's private cookies, in URL-safe base64; see `seal.rs`).
//!
//! Nothing is stored on the server, so any number of app instances sharing one `secret_key` serve the
//! same sessions. A cookie that does not decrypt, does not parse, carries another format version or has
//! expired means "not signed in"; the expiry inside the sealed value is what counts, not the browser's.
//!
//! # The sealed value (format 2)
//!
//! Rocket parses every byte of the cookie on every request of a signed-in user, so the sealed plaintext
//! is a positional JSON array, without field names:
//!
//! | # | Element | Written as | If left out |
//! |---|---|---|---|
//! | 0 | format version | `2` | (required) |
//! | 1 | issue time | Unix seconds | (required) |
//! | 2 | lifetime | expiry minus issue time, in seconds, wrapping on `i64` overflow | (required) |
//! | 3 | `id` | without its `prof_` prefix | (required) |
//! | 4 | `connection_id` | without its `conn_` prefix | (required) |
//! | 5 | `connection_type` | the wire string | (required) |
//! | 6 | `idp_id` | string | (required) |
//! | 7 | `email` | string | (required) |
//! | 8 | `organization_id` | without its `org_` prefix, or `null` | `null` |
//! | 9 | `first_name` | string or `null` | `null` |
//! | 10 | `last_name` | string or `null` | `null` |
//! | 11 | `name` | string, `null`, or `0`: the first and last names present, joined by a space | `null` |
//! | 12 | `role` | its slug, or `null` | `null` |
//! | 13 | `roles` | array of slugs, or `0`: `role` alone | `[]` |
//! | 14 | `groups` | array of strings | `[]` |
//! | 15 | `custom_attributes` | object | `{}` |
//! | 16 | `raw_attributes` | object | `{}` |
//! | 17 | `object` | string or `null` | `"profile"` |
//!
//! A one-element array `["…"]` holds a string that the short form would misread, exactly as it is: an
//! ID that does not start with the usual prefix, or an
//! [`Unknown`](crate::profile::ConnectionType::Unknown) connection type that spells a known one.
//! Elements 8 to 17 are left out from the end of the array while they hold the value of the last
//! column, so the usual profile ends at its custom attributes. Decoding is strict and never panics:
//! anything else (a format 1 JSON object, another version, fewer than 8 or more than 18 elements, an
//! element of the wrong type, a `0` with nothing to derive it from, text that is not JSON) is refused.
//!
//! The emulator's alice, signed in for the default 8 hours, is 287 bytes (562 in format 1):
//!
//! ```text
//! [2,1795850647,28800,"01JHNPZX45HY43KWJRP1XPA7Z3","01JHQKFBF5KZNWJ47TAN9ZT24M","TestIdp",
//!  "idp_01jhnpzx45hy43kwjrp1xpa7z3","alice@example.com","01JH3E28JT97KB6CQ643DZVMXX","Alice","Anders",
//!  0,"admin",0,["Engineering","Admins"],{"department_name":"Engineering","job_title":"Staff Engineer"}]
//! ```

use std::collections::hash_map::RandomState;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rocket::http::{Cookie, CookieJar, SameSite};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, SeqAccess, Unexpected, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::profile::{ConnectionType, Profile, ProfileData, Role};
use crate::seal::SessionKey;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "workos_sso_session";

/// The format version written into every session; a session of another version is ignored.
const VERSION: u8 = 2;

/// The most bytes a session's sealed plaintext (the JSON array described in the [module
/// documentation](self)) may hold. Sealing adds 28 bytes and base64 a third, so this keeps the cookie
/// (name, value and attributes) under the 4096 bytes browsers store per cookie.
pub const MAX_SESSION_JSON: usize = 2800;

/// The elements every session has: version, times and the profile's identity (elements 0 to 7).
const REQUIRED_ELEMENTS: usize = 8;

/// The most elements a session has.
const MAX_ELEMENTS: usize = 18;

/// Written for `name` or `roles` when the elements before it give its value.
const DERIVED: u64 = 0;

/// The `object` of nearly every profile, left out of the session.
const USUAL_OBJECT: &str = "profile";

/// The prefix WorkOS gives profile IDs.
const PROFILE_ID_PREFIX: &str = "prof_";
/// The prefix WorkOS gives connection IDs.
const CONNECTION_ID_PREFIX: &str = "conn_";
/// The prefix WorkOS gives organization IDs.
const ORGANIZATION_ID_PREFIX: &str = "org_";

/// An issue time and an expiry whose numbers are as long as any can be (issued at `i64::MIN`, for a
/// lifetime of `i64::MIN` seconds): a profile whose session fits with them fits with any times.
const LONGEST_TIMES: (i64, i64) = (i64::MIN, 0);

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

/// The application's sessions: the key they are sealed with ([`crate::seal`]) and the ones this process
/// has already opened.
#[derive(Debug)]
pub(crate) struct Sessions {
    key: SessionKey,
    opened: OpenedSessions,
}

impl Sessions {
    pub(crate) fn new(key: SessionKey) -> Self {
        Self {
            key,
            opened: OpenedSessions::default(),
        }
    }

    /// Starts a session for `profile`, replacing any previous one. Returns `false`, and sets nothing,
    /// when the profile is too large for a cookie even after [`fit_profile`]: a browser would silently
    /// drop it.
    #[must_use]
    pub(crate) fn start(
        &self,
        jar: &CookieJar<'_>,
        profile: &Profile,
        now: i64,
        lifetime: Duration,
        secure: bool,
    ) -> bool {
        match cookie(profile, now, lifetime, secure) {
            Some(cookie) => {
                jar.add(self.seal(cookie));
                true
            }
            None => false,
        }
    }

    /// `cookie` with its value (a session plaintext) sealed.
    pub(crate) fn seal(&self, mut cookie: Cookie<'static>) -> Cookie<'static> {
        let sealed = self.key.seal(SESSION_COOKIE, cookie.value());
        cookie.set_value(sealed);
        cookie
    }

    /// The plaintext of a session cookie's value, if this application sealed it.
    pub(crate) fn open(&self, sealed: &str) -> Option<String> {
        self.key.open(SESSION_COOKIE, sealed)
    }

    /// The request's session, if it has a valid, unexpired one at `now`, opened at most once per
    /// process (see [`OpenedSessions`]).
    pub(crate) fn read(&self, jar: &CookieJar<'_>, now: i64) -> Option<Arc<Session>> {
        self.opened
            .read(jar, now, |sealed| decode(&self.open(sealed)?, now))
    }
}

/// The session cookie for `profile` issued at `now`, before sealing (its value is the plaintext; see
/// [`Sessions::seal`]). `None` when the session would exceed [`MAX_SESSION_JSON`].
pub(crate) fn cookie(
    profile: &Profile,
    now: i64,
    lifetime: Duration,
    secure: bool,
) -> Option<Cookie<'static>> {
    let lifetime_secs = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
    let sealed = Plaintext {
        profile,
        issued_at: now,
        expires_at: now.saturating_add(lifetime_secs),
    };
    let json = serde_json::to_string(&sealed)
        .ok()
        .filter(|json| json.len() <= MAX_SESSION_JSON)?;
    let mut cookie = Cookie::new(SESSION_COOKIE, json);
    cookie.set_path("/");
    cookie.set_max_age(rocket::time::Duration::seconds(lifetime_secs));
    harden(&mut cookie, secure);
    Some(cookie)
}

/// The plaintext sealed into the session cookie (test and fuzzing support).
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn encode(profile: &Profile, iat: i64, exp: i64) -> String {
    // A profile is plain strings and JSON values, which always serialize.
    serde_json::to_string(&Plaintext {
        profile,
        issued_at: iat,
        expires_at: exp,
    })
    .unwrap_or_default()
}

/// Parses and checks a decrypted session value.
pub(crate) fn decode(plaintext: &str, now: i64) -> Option<Session> {
    parse(plaintext).filter(|session| session.is_valid_at(now))
}

/// Parses a decrypted session value, whatever its times.
fn parse(plaintext: &str) -> Option<Session> {
    let Decoded(session) = serde_json::from_str(plaintext).ok()?;
    Some(session)
}

impl Session {
    /// Unexpired at `now`, and not issued in the future: a session issued in the future comes from a
    /// clock or a key gone wrong. The minute of slack covers instances whose clocks differ slightly.
    fn is_valid_at(&self, now: i64) -> bool {
        now < self.expires_at && self.issued_at <= now.saturating_add(60)
    }
}

// -------------------------------------------------------------------------------------------------
// Writing the plaintext.

/// A session's plaintext, written straight from the borrowed profile.
struct Plaintext<'a> {
    profile: &'a Profile,
    issued_at: i64,
    expires_at: i64,
}

/// The elements that are left out from the end while they hold their default (elements 8 to 17).
#[derive(Clone, Copy)]
enum Optional {
    OrganizationId,
    FirstName,
    LastName,
    Name,
    Role,
    Roles,
    Groups,
    CustomAttributes,
    RawAttributes,
    Object,
}

impl Optional {
    /// Every optional element, in the order they are written.
    const ALL: [Self; MAX_ELEMENTS - REQUIRED_ELEMENTS] = [
        Self::OrganizationId,
        Self::FirstName,
        Self::LastName,
        Self::Name,
        Self::Role,
        Self::Roles,
        Self::Groups,
        Self::CustomAttributes,
        Self::RawAttributes,
        Self::Object,
    ];
}

impl Plaintext<'_> {
    /// Whether `element` holds the value a reader assumes when it is left out.
    fn is_default(&self, element: Optional) -> bool {
        let profile = self.profile;
        match element {
            Optional::OrganizationId => profile.organization_id.is_none(),
            Optional::FirstName => profile.first_name.is_none(),
            Optional::LastName => profile.last_name.is_none(),
            Optional::Name => profile.name.is_none(),
            Optional::Role => profile.role.is_none(),
            Optional::Roles => profile.roles.is_empty(),
            Optional::Groups => profile.groups.is_empty(),
            Optional::CustomAttributes => profile.custom_attributes.is_empty(),
            Optional::RawAttributes => profile.raw_attributes.is_empty(),
            Optional::Object => profile.object.as_deref() == Some(USUAL_OBJECT),
        }
    }

    fn write_optional<S: SerializeSeq>(
        &self,
        seq: &mut S,
        element: Optional,
    ) -> Result<(), S::Error> {
        let profile = self.profile;
        match element {
            Optional::OrganizationId => seq.serialize_element(
                &profile
                    .organization_id
                    .as_deref()
                    .map(|id| Id(id, ORGANIZATION_ID_PREFIX)),
            ),
            Optional::FirstName => seq.serialize_element(&profile.first_name),
            Optional::LastName => seq.serialize_element(&profile.last_name),
            Optional::Name => match profile.name.as_deref() {
                Some(name)
                    if is_derived_name(
                        name,
                        profile.first_name.as_deref(),
                        profile.last_name.as_deref(),
                    ) =>
                {
                    seq.serialize_element(&DERIVED)
                }
                name => seq.serialize_element(&name),
            },
            Optional::Role => {
                seq.serialize_element(&profile.role.as_ref().map(|role| role.slug.as_str()))
            }
            Optional::Roles => match (&profile.role, profile.roles.as_slice()) {
                (Some(role), [only]) if role == only => seq.serialize_element(&DERIVED),
                (_, roles) => seq.serialize_element(&Slugs(roles)),
            },
            Optional::Groups => seq.serialize_element(&profile.groups),
            Optional::CustomAttributes => seq.serialize_element(&profile.custom_attributes),
            Optional::RawAttributes => seq.serialize_element(&profile.raw_attributes),
            Optional::Object => seq.serialize_element(&profile.object),
        }
    }
}

impl Serialize for Plaintext<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let written = Optional::ALL
            .iter()
            .rposition(|&element| !self.is_default(element))
            .map_or(0, |last| last + 1);
        let optional = &Optional::ALL[..written];
        let profile = self.profile;
        let mut seq = serializer.serialize_seq(Some(REQUIRED_ELEMENTS + optional.len()))?;
        seq.serialize_element(&VERSION)?;
        seq.serialize_element(&self.issued_at)?;
        seq.serialize_element(&self.expires_at.wrapping_sub(self.issued_at))?;
        seq.serialize_element(&Id(&profile.id, PROFILE_ID_PREFIX))?;
        seq.serialize_element(&Id(&profile.connection_id, CONNECTION_ID_PREFIX))?;
        seq.serialize_element(&WrittenConnectionType(&profile.connection_type))?;
        seq.serialize_element(&profile.idp_id)?;
        seq.serialize_element(&profile.email)?;
        for &element in optional {
            self.write_optional(&mut seq, element)?;
        }
        seq.end()
    }
}

/// An ID and the prefix WorkOS gives IDs of its kind (`prof_`, …): written without the prefix, or whole
/// as `["…"]` when it does not start with it.
struct Id<'a>(&'a str, &'static str);

impl Serialize for Id<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self(id, prefix) = *self;
        match id.strip_prefix(prefix) {
            Some(rest) => serializer.serialize_str(rest),
            None => serializer.collect_seq([id]),
        }
    }
}

/// A connection type: its wire string, or `["…"]` for an `Unknown` that spells a known type (a reader
/// would otherwise take it for the known one).
struct WrittenConnectionType<'a>(&'a ConnectionType);

impl Serialize for WrittenConnectionType<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let spelling = self.0.as_str();
        match self.0 {
            ConnectionType::Unknown(_)
                if !matches!(ConnectionType::from(spelling), ConnectionType::Unknown(_)) =>
            {
                serializer.collect_seq([spelling])
            }
            _ => serializer.serialize_str(spelling),
        }
    }
}

/// Roles as an array of their slugs.
struct Slugs<'a>(&'a [Role]);

impl Serialize for Slugs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|role| role.slug.as_str()))
    }
}

/// Whether `name` is [`derived_name`] of these first and last names, checked without building it.
fn is_derived_name(name: &str, first: Option<&str>, last: Option<&str>) -> bool {
    match (first, last) {
        (Some(first), Some(last)) => {
            name.strip_prefix(first)
                .and_then(|rest| rest.strip_prefix(' '))
                == Some(last)
        }
        (Some(only), None) | (None, Some(only)) => name == only,
        (None, None) => false,
    }
}

/// The first and last names that are present, joined by a space; `None` when neither is.
fn derived_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    match (first, last) {
        (Some(first), Some(last)) => Some(format!("{first} {last}")),
        (Some(only), None) | (None, Some(only)) => Some(only.to_owned()),
        (None, None) => None,
    }
}

/// The length of a session's plaintext, counted without building it.
fn plaintext_len(profile: &Profile, issued_at: i64, expires_at: i64) -> Option<usize> {
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let plaintext = Plaintext {
        profile,
        issued_at,
        expires_at,
    };
    serde_json::to_writer(&mut count, &plaintext).ok()?;
    Some(count.0)
}

// -------------------------------------------------------------------------------------------------
// Reading the plaintext.

/// A session decoded from its plaintext, its times not yet checked.
struct Decoded(Session);

impl<'de> Deserialize<'de> for Decoded {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(PlaintextVisitor)
    }
}

struct PlaintextVisitor;

impl<'de> Visitor<'de> for PlaintextVisitor {
    type Value = Decoded;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a format 2 session")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Decoded, A::Error> {
        let mut elements = Elements {
            seq,
            read: 0,
            ended: false,
        };
        let version: u8 = elements.required()?;
        if version != VERSION {
            return Err(de::Error::invalid_value(
                Unexpected::Unsigned(version.into()),
                &"format version 2",
            ));
        }
        let issued_at: i64 = elements.required()?;
        let lifetime: i64 = elements.required()?;
        let id = elements.required_with(Any(IdVisitor(PROFILE_ID_PREFIX)))?;
        let connection_id = elements.required_with(Any(IdVisitor(CONNECTION_ID_PREFIX)))?;
        let connection_type = elements.required_with(Any(ConnectionTypeVisitor))?;
        let idp_id = elements.required()?;
        let email = elements.required()?;
        let organization_id = elements
            .optional_with(Nullable(Any(IdVisitor(ORGANIZATION_ID_PREFIX))))?
            .flatten();
        let first_name: Option<String> = elements.optional()?.flatten();
        let last_name: Option<String> = elements.optional()?.flatten();
        let name = match elements.optional_with(Any(NameVisitor))? {
            None => None,
            Some(Derivable::Given(name)) => name,
            Some(Derivable::Derived) => Some(
                derived_name(first_name.as_deref(), last_name.as_deref())
                    .ok_or_else(|| de::Error::custom("`name` derived from no names"))?,
            ),
        };
        let role: Option<String> = elements.optional()?.flatten();
        let roles = match elements.optional_with(Any(RolesVisitor))? {
            None => Vec::new(),
            Some(Derivable::Given(roles)) => roles,
            Some(Derivable::Derived) => vec![role
                .clone()
                .ok_or_else(|| de::Error::custom("`roles` derived from no role"))?],
        };
        let groups = elements.optional()?.unwrap_or_default();
        let custom_attributes = elements.optional()?.unwrap_or_default();
        let raw_attributes = elements.optional()?.unwrap_or_default();
        let object = elements
            .optional()?
            .unwrap_or_else(|| Some(USUAL_OBJECT.to_owned()));
        elements.end()?;
        let profile = ProfileFields {
            object,
            id,
            organization_id,
            connection_id,
            connection_type,
            idp_id,
            email,
            first_name,
            last_name,
            name,
            role,
            roles,
            groups,
            custom_attributes,
            raw_attributes,
        }
        .into_profile();
        Ok(Decoded(Session {
            profile,
            issued_at,
            expires_at: issued_at.wrapping_add(lifetime),
        }))
    }
}

/// The fields of a profile read from a session.
struct ProfileFields {
    object: Option<String>,
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
}

impl ProfileFields {
    /// The profile: the one place a decoded session's [`Profile`] is built.
    fn into_profile(self) -> Profile {
        Profile::new(ProfileData {
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
            role: self.role.map(|slug| Role { slug }),
            roles: self.roles.into_iter().map(|slug| Role { slug }).collect(),
            groups: self.groups,
            custom_attributes: self.custom_attributes,
            raw_attributes: self.raw_attributes,
        })
    }
}

/// A session's elements, read in order. Once one is missing, so is every later one.
struct Elements<A> {
    seq: A,
    /// How many elements have been read.
    read: usize,
    ended: bool,
}

impl<'de, A: SeqAccess<'de>> Elements<A> {
    fn optional_with<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        if self.ended {
            return Ok(None);
        }
        let element = self.seq.next_element_seed(seed)?;
        self.ended = element.is_none();
        self.read += usize::from(element.is_some());
        Ok(element)
    }

    fn optional<T: Deserialize<'de>>(&mut self) -> Result<Option<T>, A::Error> {
        self.optional_with(PhantomData)
    }

    fn required_with<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        match self.optional_with(seed)? {
            Some(element) => Ok(element),
            None => Err(de::Error::invalid_length(self.read, &"at least 8 elements")),
        }
    }

    fn required<T: Deserialize<'de>>(&mut self) -> Result<T, A::Error> {
        self.required_with(PhantomData)
    }

    /// Refuses a session with more elements than any session has.
    fn end(mut self) -> Result<(), A::Error> {
        if self.ended || self.seq.next_element::<IgnoredAny>()?.is_none() {
            Ok(())
        } else {
            Err(de::Error::invalid_length(
                MAX_ELEMENTS + 1,
                &"at most 18 elements",
            ))
        }
    }
}

/// Reads one element with the visitor `V`, whichever JSON type the element has.
struct Any<V>(V);

impl<'de, V: Visitor<'de>> DeserializeSeed<'de> for Any<V> {
    type Value = V::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        deserializer.deserialize_any(self.0)
    }
}

/// Reads `null` as `None` and anything else with the seed `S`.
struct Nullable<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Nullable<S> {
    type Value = Option<S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for Nullable<S> {
    type Value = Option<S::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or a value")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(deserializer).map(Some)
    }
}

/// The one string of a `["…"]` element.
fn verbatim<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<String, A::Error> {
    let Some(text) = seq.next_element::<String>()? else {
        return Err(de::Error::invalid_length(0, &"one string"));
    };
    match seq.next_element::<IgnoredAny>()? {
        None => Ok(text),
        Some(IgnoredAny) => Err(de::Error::invalid_length(2, &"one string")),
    }
}

/// Reads an ID written by [`Id`], with its prefix.
struct IdVisitor(&'static str);

impl<'de> Visitor<'de> for IdVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an ID without its `{}` prefix, or [ID]", self.0)
    }

    fn visit_str<E: de::Error>(self, rest: &str) -> Result<String, E> {
        let mut id = String::with_capacity(self.0.len() + rest.len());
        id.push_str(self.0);
        id.push_str(rest);
        Ok(id)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<String, A::Error> {
        verbatim(seq)
    }
}

/// Reads a connection type written by [`WrittenConnectionType`].
struct ConnectionTypeVisitor;

impl<'de> Visitor<'de> for ConnectionTypeVisitor {
    type Value = ConnectionType;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a connection type, or [connection type]")
    }

    fn visit_str<E: de::Error>(self, spelling: &str) -> Result<ConnectionType, E> {
        Ok(ConnectionType::from(spelling))
    }

    fn visit_string<E: de::Error>(self, spelling: String) -> Result<ConnectionType, E> {
        Ok(ConnectionType::from(spelling))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ConnectionType, A::Error> {
        verbatim(seq).map(ConnectionType::Unknown)
    }
}

/// An element that is either given or [`DERIVED`] from the elements before it.
enum Derivable<T> {
    Derived,
    Given(T),
}

/// [`Derivable::Derived`] for [`DERIVED`], and an error for any other number.
fn derived<T, E: de::Error>(number: u64, expected: &dyn de::Expected) -> Result<Derivable<T>, E> {
    if number == DERIVED {
        Ok(Derivable::Derived)
    } else {
        Err(E::invalid_value(Unexpected::Unsigned(number), expected))
    }
}

/// Reads `name`: a string, `null`, or [`DERIVED`].
struct NameVisitor;

impl<'de> Visitor<'de> for NameVisitor {
    type Value = Derivable<Option<String>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a name, null or 0")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Derivable::Given(None))
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(Derivable::Given(Some(name.to_owned())))
    }

    fn visit_string<E: de::Error>(self, name: String) -> Result<Self::Value, E> {
        Ok(Derivable::Given(Some(name)))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
        derived(number, &self)
    }
}

/// Reads `roles`: an array of slugs, or [`DERIVED`].
struct RolesVisitor;

impl<'de> Visitor<'de> for RolesVisitor {
    type Value = Derivable<Vec<String>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of role slugs, or 0")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Derivable::Given)
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
        derived(number, &self)
    }
}

// -------------------------------------------------------------------------------------------------
// Opened sessions, ending a session, and fitting a profile into one.

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
/// flat however many users sign in (the map is emptied when full). Keys are hashed over their last
/// [`HASHED_TAIL`] characters only (see [`TailHasher`]).
#[derive(Default)]
pub(crate) struct OpenedSessions(Mutex<HashMap<Box<str>, Arc<Session>, TailState>>);

/// How many trailing characters of a sealed value [`TailHasher`] hashes. A sealed value ends with the
/// base64 of AES-GCM's 16-byte authentication tag (22 characters, then at most two `=`), so its last 16
/// characters carry at least 84 bits that nobody without the application's key can predict or choose,
/// for every value the application sealed. That spreads the stored keys as well as hashing the whole
/// value would, for a few instructions instead of hundreds. A client can send any number of values with
/// a chosen tail, but only authenticated values are ever stored, so all it can aim at is one bucket's
/// probe and a full comparison that fails, then the decryption any unknown value costs anyway.
const HASHED_TAIL: usize = 16;

/// Builds [`TailHasher`]s, seeded once per cache from std's random keys.
#[derive(Clone)]
pub(crate) struct TailState(u64);

impl Default for TailState {
    fn default() -> Self {
        Self(RandomState::new().hash_one(HASHED_TAIL))
    }
}

impl BuildHasher for TailState {
    type Hasher = TailHasher;

    fn build_hasher(&self) -> TailHasher {
        TailHasher(self.0)
    }
}

/// A multiply-rotate hash (the one rustc uses for its own tables) over the last [`HASHED_TAIL`] bytes
/// of each write; the input is already unpredictable (see [`HASHED_TAIL`]), so the hash only has to mix
/// it. `str` hashes as one write of its bytes plus a one-byte terminator, so a `Box<str>` key and the
/// `&str` looked up hash alike.
pub(crate) struct TailHasher(u64);

impl TailHasher {
    fn add(&mut self, word: u64) {
        const K: u64 = 0xf135_7aea_2e62_a9c5;
        self.0 = (self.0 ^ word).wrapping_mul(K).rotate_left(26);
    }
}

impl Hasher for TailHasher {
    fn write(&mut self, bytes: &[u8]) {
        let tail = &bytes[bytes.len().saturating_sub(HASHED_TAIL)..];
        // Two 8-byte words for a sealed value's tail, a byte at a time for anything shorter.
        match tail.split_first_chunk::<8>() {
            Some((first, rest)) if rest.len() == 8 => {
                self.add(u64::from_le_bytes(*first));
                self.add(u64::from_le_bytes(rest.try_into().unwrap_or_default()));
            }
            _ => tail.iter().for_each(|&byte| self.add(u64::from(byte))),
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// How many sessions are open, never whose: the profiles are personal data.
impl fmt::Debug for OpenedSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OpenedSessions({} open)", self.lock().len())
    }
}

impl OpenedSessions {
    /// The request's session, if it has a valid, unexpired one at `now`: from the cache, or else from
    /// `open`, which authenticates, decrypts and checks a sealed value.
    fn read(
        &self,
        jar: &CookieJar<'_>,
        now: i64,
        open: impl FnOnce(&str) -> Option<Session>,
    ) -> Option<Arc<Session>> {
        let sealed = jar.get(SESSION_COOKIE)?;
        let hit = self.lock().get(sealed.value()).cloned();
        if let Some(session) = hit {
            return session.is_valid_at(now).then_some(session);
        }
        let session = Arc::new(open(sealed.value())?);
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
    jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
}

/// Trims `profile` until its session fits in a cookie: first the custom and raw attributes go, then the
/// groups that no handler checks, then every group, then the secondary `roles` (the primary `role`
/// stays), then the names. Identity (`id`, `email`, organization, connection) is always kept; a profile
/// whose identity alone does not fit cannot have a session (the callback refuses it).
pub fn fit_profile(mut profile: Profile, required_groups: &BTreeSet<&str>) -> Profile {
    let (issued_at, expires_at) = LONGEST_TIMES;
    let fits = |profile: &Profile| {
        plaintext_len(profile, issued_at, expires_at).is_some_and(|len| len <= MAX_SESSION_JSON)
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

    /// Format 1 as it was written, kept here only to measure format 2 against it.
    #[derive(Serialize)]
    struct SealedV1<'a> {
        v: u8,
        iat: i64,
        exp: i64,
        profile: &'a Profile,
    }

    fn v1(profile: &Profile, iat: i64, exp: i64) -> String {
        serde_json::to_string(&SealedV1 {
            v: 1,
            iat,
            exp,
            profile,
        })
        .unwrap()
    }

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

    /// Every field set, most of them to something a shortcut of the format could get wrong.
    fn full_profile() -> Profile {
        serde_json::from_value(json!({
            "object": "profile",
            "id": "prof_01JM9S346Q3D25VT4F5V37E3S3",
            "organization_id": "org_01JSSZ5AWSH8VHTPRE95B9EE0Z",
            "connection_id": "conn_01JE28JT97KB6CQ643DZVMXXQK",
            "connection_type": "FutureSAML",
            "idp_id": "00u8kq2x3rTbW5vYz697",
            "email": "dana.reyes@foo-corp.com",
            "first_name": "Dana \"DJ\"",
            "last_name": "Reyes-Núñez",
            "name": "Dr. Dana Reyes",
            "role": {"slug": "admin"},
            "roles": [{"slug": "admin"}, {"slug": "billing"}],
            "groups": ["Engineering", "Okta-Admins", ""],
            "custom_attributes": {
                "department_name": "Engineering",
                "emails": [{"type": "work", "value": "dana.reyes@foo-corp.com", "primary": true}],
                "employee_type": null,
                "level": 7,
                "ratio": 0.25,
                "nested": {"a": {"b": [1, "two", null, false, {}, -3]}}
            },
            "raw_attributes": {"legacy": "yes", "none": null}
        }))
        .unwrap()
    }

    /// Only what a profile cannot do without; no `object` either.
    fn minimal_profile() -> Profile {
        serde_json::from_value(json!({
            "id": "prof_1",
            "connection_id": "conn_1",
            "connection_type": "TestIdp",
            "idp_id": "x",
            "email": "a@b.c"
        }))
        .unwrap()
    }

    /// Asserts that `profile` issued at `iat`, expiring at `exp`, reads back exactly; returns the plaintext.
    fn assert_round_trip(profile: &Profile, iat: i64, exp: i64) -> String {
        let plaintext = encode(profile, iat, exp);
        let session = parse(&plaintext).unwrap_or_else(|| panic!("refused: {plaintext}"));
        assert_eq!(session.profile, *profile, "{plaintext}");
        assert_eq!(
            (session.issued_at, session.expires_at),
            (iat, exp),
            "{plaintext}"
        );
        assert_eq!(
            plaintext_len(profile, iat, exp),
            Some(plaintext.len()),
            "{plaintext}"
        );
        plaintext
    }

    fn sealed(iat: i64, exp: i64) -> String {
        encode(&profile(), iat, exp)
    }

    #[test]
    fn the_seeded_user_like_profile_is_written_compactly() {
        assert_eq!(
            assert_round_trip(&profile(), 1000, 2000),
            r#"[2,1000,1000,"01A","01A","OktaSAML","idp-1","dana@example.com","01A","Dana","Reyes",0,"admin",[],["Engineering"],{"department_name":"Engineering"}]"#
        );
    }

    #[test]
    fn format_2_is_at_most_55_percent_of_format_1() {
        // A sign-in now, with the default lifetime of 8 hours.
        let (iat, exp) = (1_780_000_000, 1_780_028_800);
        let (old, new) = (v1(&profile(), iat, exp), encode(&profile(), iat, exp));
        assert!(
            new.len() * 100 <= old.len() * 55,
            "{} of {} bytes: {new}",
            new.len(),
            old.len()
        );
    }

    #[test]
    fn a_full_profile_round_trips_exactly() {
        let full = full_profile();
        let plaintext = assert_round_trip(&full, 1_780_000_000, 1_780_028_800);
        assert!(plaintext.starts_with(r#"[2,1780000000,28800,"01JM9S346Q3D25VT4F5V37E3S3","#));
        assert!(plaintext.contains(r#","FutureSAML","#), "{plaintext}");
        assert!(
            plaintext.contains(r#""Dr. Dana Reyes","admin",["admin","billing"],"#),
            "{plaintext}"
        );
        assert!(
            plaintext.ends_with(r#"{"legacy":"yes","none":null}]"#),
            "the usual `object` is left out: {plaintext}"
        );

        for object in [None, Some(""), Some("user"), Some("Profile")] {
            let mut other = full.clone();
            other.object = object.map(str::to_owned);
            let plaintext = assert_round_trip(&other, 0, 1);
            let last = serde_json::to_string(&other.object).unwrap();
            assert!(plaintext.ends_with(&format!(",{last}]")), "{plaintext}");
        }

        let mut nulls = full;
        nulls.organization_id = None;
        nulls.first_name = None;
        nulls.last_name = None;
        nulls.name = None;
        nulls.role = None;
        assert_round_trip(&nulls, 0, 1);
    }

    #[test]
    fn unusual_connection_types_are_kept_verbatim() {
        for (connection_type, written) in [
            (ConnectionType::from("FutureSAML"), r#""FutureSAML""#),
            (ConnectionType::from("GithubOAuth"), r#""GitHubOAuth""#),
            (ConnectionType::from(""), r#""""#),
            // Unknown values that spell known types: only an app can build these, but they still round-trip.
            (
                ConnectionType::Unknown("OktaSAML".to_owned()),
                r#"["OktaSAML"]"#,
            ),
            (
                ConnectionType::Unknown("GithubOAuth".to_owned()),
                r#"["GithubOAuth"]"#,
            ),
        ] {
            let mut profile = minimal_profile();
            profile.connection_type = connection_type;
            let plaintext = assert_round_trip(&profile, 0, 1);
            assert!(
                plaintext.contains(&format!(r#","1",{written},"x","#)),
                "{plaintext}"
            );
        }
    }

    #[test]
    fn ids_without_their_usual_prefix_are_kept_verbatim() {
        let mut profile = minimal_profile();
        profile.id = "01A".to_owned();
        profile.connection_id = "conn_".to_owned();
        profile.organization_id = Some("Org_01A".to_owned());
        let plaintext = assert_round_trip(&profile, 0, 1);
        assert!(
            plaintext.starts_with(r#"[2,0,1,["01A"],"","TestIdp","x","a@b.c",["Org_01A"],"#),
            "{plaintext}"
        );
    }

    #[test]
    fn a_minimal_profile_is_its_identity_alone() {
        let mut usual = minimal_profile();
        usual.object = Some("profile".to_owned());
        assert_eq!(
            assert_round_trip(&usual, 1000, 1600),
            r#"[2,1000,600,"1","1","TestIdp","x","a@b.c"]"#
        );
        // Without `object`, every element is written so that the last one can say so.
        assert_eq!(
            assert_round_trip(&minimal_profile(), 1000, 1600),
            r#"[2,1000,600,"1","1","TestIdp","x","a@b.c",null,null,null,null,null,[],[],{},{},null]"#
        );
    }

    #[test]
    fn names_and_roles_that_follow_from_other_fields_are_written_as_0() {
        let mut profile = minimal_profile();
        profile.object = Some("profile".to_owned());
        for (first, last, name, written) in [
            (Some("Dana"), Some("Reyes"), Some("Dana Reyes"), "0"),
            (Some("Dana"), None, Some("Dana"), "0"),
            (None, Some("Reyes"), Some("Reyes"), "0"),
            (Some(""), Some(""), Some(" "), "0"),
            (
                Some("Dana"),
                Some("Reyes"),
                Some("Dana  Reyes"),
                r#""Dana  Reyes""#,
            ),
            (Some("Dana"), Some("Reyes"), Some("Dana"), r#""Dana""#),
            (
                Some("Dana"),
                Some("Reyes"),
                Some("Reyes Dana"),
                r#""Reyes Dana""#,
            ),
            (None, None, Some(""), r#""""#),
        ] {
            profile.first_name = first.map(str::to_owned);
            profile.last_name = last.map(str::to_owned);
            profile.name = name.map(str::to_owned);
            let plaintext = assert_round_trip(&profile, 0, 1);
            let expected = format!(
                ",{},{},{written}]",
                serde_json::to_string(&first).unwrap(),
                serde_json::to_string(&last).unwrap()
            );
            assert!(plaintext.ends_with(&expected), "{plaintext}");
        }
        profile.first_name = Some("Dana".to_owned());
        profile.last_name = Some("Reyes".to_owned());
        profile.name = None;
        let plaintext = assert_round_trip(&profile, 0, 1);
        assert!(plaintext.ends_with(r#","Dana","Reyes"]"#), "{plaintext}");

        let role = |slug: &str| Role {
            slug: slug.to_owned(),
        };
        for (primary, roles, written) in [
            (Some("admin"), vec!["admin"], r#""admin",0]"#),
            (
                Some("admin"),
                vec!["admin", "admin"],
                r#""admin",["admin","admin"]]"#,
            ),
            (Some("admin"), vec!["billing"], r#""admin",["billing"]]"#),
            (None, vec!["admin"], r#"null,["admin"]]"#),
            (Some("admin"), vec![], r#""admin"]"#),
        ] {
            profile.role = primary.map(role);
            profile.roles = roles.into_iter().map(role).collect();
            let plaintext = assert_round_trip(&profile, 0, 1);
            assert!(plaintext.ends_with(written), "{plaintext}");
        }
    }

    /// xorshift64*, so the shapes below are the same on every run.
    struct Rng(u64);

    impl Rng {
        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let index = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % items.len() as u64;
            &items[usize::try_from(index).unwrap()]
        }
    }

    #[test]
    fn profiles_of_every_shape_round_trip_exactly() {
        let strings = |items: &[&str]| -> Vec<String> {
            items.iter().map(|item| (*item).to_owned()).collect()
        };
        let ids = strings(&[
            "prof_01JM9S346Q3D25VT4F5V37E3S3",
            "prof_",
            "",
            "prof",
            "PROF_1",
            "conn_1",
            "prof_\"\\\n\u{e9}",
            "[\"x\"]",
        ]);
        let connection_ids = strings(&[
            "conn_01JE28JT97KB6CQ643DZVMXXQK",
            "conn_",
            "c",
            "prof_1",
            "0",
        ]);
        let organization_ids =
            strings(&["org_01JSSZ5AWSH8VHTPRE95B9EE0Z", "org_", "", "org", "01A"]);
        let connection_types = [
            ConnectionType::from("OktaSAML"),
            ConnectionType::from("GithubOAuth"),
            ConnectionType::from("TestIdp"),
            ConnectionType::from("FutureSAML"),
            ConnectionType::Unknown("OktaSAML".to_owned()),
            ConnectionType::Unknown(String::new()),
            ConnectionType::Unknown("[\"OktaSAML\"]".to_owned()),
        ];
        let plain = strings(&["idp-1", "", "0", "null", "Dana Reyes", " ", "\u{1F600}\t"]);
        let names = |first: &Option<String>, last: &Option<String>| -> Vec<String> {
            let mut names = strings(&["", " ", "Someone Else", "Dana  Reyes"]);
            names.extend(derived_name(first.as_deref(), last.as_deref()));
            names.extend(first.iter().chain(last).cloned());
            names
        };
        let slugs = strings(&["admin", "billing", "", "0"]);
        let groups = [
            strings(&["Engineering"]),
            strings(&[""]),
            strings(&["a", "b", "a"]),
        ];
        let attributes = [
            json!({"k": null}),
            json!({"nested": {"a": [1, {"b": null}, -2.5, "x"]}, "flag": true}),
            json!({"": ""}),
        ];
        let objects = [None, Some(String::new()), Some("user".to_owned())];
        let times = [
            (0, 0),
            (1_780_000_000, 1_780_028_800),
            (i64::MIN, i64::MAX),
            (i64::MAX, i64::MIN),
            (-5, 5),
            (i64::MIN, 0),
        ];

        let mut rng = Rng(0x5E55_1011);
        // The low ten bits say which optional elements are set, so every pattern of omissions occurs.
        for shape in 0..4096_u32 {
            let set = |element: u32| shape & (1 << element) != 0;
            let mut profile = minimal_profile();
            profile.id = rng.pick(&ids).clone();
            profile.connection_id = rng.pick(&connection_ids).clone();
            profile.connection_type = rng.pick(&connection_types).clone();
            profile.idp_id = rng.pick(&plain).clone();
            profile.email = rng.pick(&plain).clone();
            profile.organization_id = set(0).then(|| rng.pick(&organization_ids).clone());
            profile.first_name = set(1).then(|| rng.pick(&plain).clone());
            profile.last_name = set(2).then(|| rng.pick(&plain).clone());
            profile.name = set(3).then(|| {
                rng.pick(&names(&profile.first_name, &profile.last_name))
                    .clone()
            });
            profile.role = set(4).then(|| Role {
                slug: rng.pick(&slugs).clone(),
            });
            if set(5) {
                let mut roles: Vec<Role> = if *rng.pick(&[true, false]) {
                    profile.role.iter().cloned().collect()
                } else {
                    Vec::new()
                };
                for _ in 0..*rng.pick(&[0, 0, 1, 2]) {
                    roles.push(Role {
                        slug: rng.pick(&slugs).clone(),
                    });
                }
                if roles.is_empty() {
                    roles.push(Role {
                        slug: "member".to_owned(),
                    });
                }
                profile.roles = roles;
            }
            if set(6) {
                profile.groups = rng.pick(&groups).clone();
            }
            if set(7) {
                profile.custom_attributes = rng.pick(&attributes).as_object().unwrap().clone();
            }
            if set(8) {
                profile.raw_attributes = rng.pick(&attributes).as_object().unwrap().clone();
            }
            profile.object = if set(9) {
                rng.pick(&objects).clone()
            } else {
                Some(USUAL_OBJECT.to_owned())
            };
            let &(iat, exp) = rng.pick(&times);

            let plaintext = assert_round_trip(&profile, iat, exp);
            let elements: Vec<Value> = serde_json::from_str(&plaintext).unwrap();
            let optional = 32 - (shape & 0x3FF).leading_zeros();
            assert_eq!(
                elements.len(),
                REQUIRED_ELEMENTS + usize::try_from(optional).unwrap(),
                "only the defaults at the end are left out: {plaintext}"
            );
            let old = v1(&profile, iat, exp);
            assert!(plaintext.len() < old.len(), "{plaintext} against {old}");
        }
    }

    /// A session with all 18 elements, each holding something other than its default.
    fn every_element() -> Vec<Value> {
        let mut full = full_profile();
        full.object = Some("user".to_owned());
        let plaintext = encode(&full, 1000, 2000);
        assert!(parse(&plaintext).is_some(), "{plaintext}");
        serde_json::from_str(&plaintext).unwrap()
    }

    fn opens(elements: &[Value]) -> bool {
        parse(&Value::from(elements.to_vec()).to_string()).is_some()
    }

    #[test]
    fn elements_of_the_wrong_type_are_refused() {
        let ids = r#"[null, 1, true, {}, [], ["a", "b"], [1], [null]]"#;
        let times = r#"["1000", 1000.5, 1e30, 18446744073709551615, null, []]"#;
        let strings = r#"[null, 1, [], {}, ["x"]]"#;
        let nullable = r#"[0, true, {}, [], ["x"]]"#;
        let arrays = r#"[null, 0, "x", {}, [1], [null], [["x"]]]"#;
        let objects = r#"[null, 0, "x", [], [{}]]"#;
        // For each element in turn, values it must not hold.
        let wrong: [&str; MAX_ELEMENTS] = [
            r#"[1, 3, 0, -2, 258, 2.0, "2", null, [2]]"#,
            times,
            times,
            ids,
            ids,
            r#"[null, 0, {}, [], ["OktaSAML", "x"], [null]]"#,
            strings,
            strings,
            r#"[1, true, {}, [], ["a", "b"], [1]]"#,
            nullable,
            nullable,
            r#"[1, -1, 0.0, true, {}, [], ["x"]]"#,
            r#"[0, true, {"slug": "admin"}, [], ["admin"]]"#,
            r#"[null, 1, -1, "admin", {}, [1], [null], [{"slug": "admin"}]]"#,
            arrays,
            objects,
            objects,
            r#"[0, true, {}, [], ["profile"]]"#,
        ];
        let session = every_element();
        assert_eq!(session.len(), MAX_ELEMENTS);
        assert!(opens(&session));
        for (index, values) in wrong.iter().enumerate() {
            let values: Vec<Value> = serde_json::from_str(values).unwrap();
            for value in values {
                let mut edited = session.clone();
                edited[index] = value.clone();
                assert!(!opens(&edited), "element {index} as {value}");
            }
        }
    }

    #[test]
    fn a_0_with_nothing_to_derive_it_from_is_refused() {
        let mut session = every_element();
        session[11] = json!(0);
        session[13] = json!(0);
        assert!(opens(&session), "a name and a role to derive from");
        let (mut nameless, mut roleless) = (session.clone(), session);
        nameless[9] = Value::Null;
        nameless[10] = Value::Null;
        roleless[12] = Value::Null;
        assert!(!opens(&nameless));
        assert!(!opens(&roleless));
    }

    #[test]
    fn too_few_and_too_many_elements_are_refused() {
        let session = every_element();
        for len in 0..REQUIRED_ELEMENTS {
            assert!(!opens(&session[..len]), "{len} elements");
        }
        for len in REQUIRED_ELEMENTS..=MAX_ELEMENTS {
            assert!(opens(&session[..len]), "{len} elements");
        }
        for extra in [
            Value::Null,
            json!(0),
            json!("profile"),
            json!([]),
            json!({}),
        ] {
            let mut longer = session.clone();
            longer.push(extra.clone());
            assert!(!opens(&longer), "{extra} after the last element");
            longer.push(extra);
            assert!(!opens(&longer));
        }
    }

    #[test]
    fn a_truncated_plaintext_is_refused() {
        let plaintext = encode(&full_profile(), 1000, 2000);
        for end in (0..plaintext.len()).filter(|&end| plaintext.is_char_boundary(end)) {
            assert!(parse(&plaintext[..end]).is_none(), "{}", &plaintext[..end]);
        }
    }

    #[test]
    fn format_1_and_other_versions_are_refused() {
        assert!(decode(&v1(&profile(), 1000, 2000), 1500).is_none());
        let object_of_version_2 = v1(&profile(), 1000, 2000).replacen("\"v\":1", "\"v\":2", 1);
        assert!(decode(&object_of_version_2, 1500).is_none());
        for version in ["1", "3", "0", "255"] {
            let other = sealed(1000, 2000).replacen("[2,", &format!("[{version},"), 1);
            assert!(decode(&other, 1500).is_none(), "{other}");
        }
    }

    #[test]
    fn garbage_is_refused() {
        let session = sealed(1000, 2000);
        for garbage in [
            "",
            " ",
            "null",
            "true",
            "2",
            "\"x\"",
            "{}",
            "[]",
            "[2]",
            "[2,1000",
            "[2,1000,1000,",
            "{\"v\":1}",
            "\u{0}",
            &format!("{session}]"),
            &format!("{session},"),
            &format!("{session}x"),
            &session.replacen(']', ",]", 1),
            &session.replacen("[2,", "[2,,", 1),
            &session.replacen("[2,", "[2 ", 1),
            &"[".repeat(100_000),
            &format!("[2,1000,1000,{}", "[".repeat(10_000)),
        ] {
            assert!(decode(garbage, 1500).is_none(), "{garbage:.40}");
        }
        assert!(
            decode(&format!(" {session}\n"), 1500).is_some(),
            "JSON whitespace is fine"
        );
    }

    #[test]
    fn a_fresh_session_reads_back_whole() {
        let session = decode(&sealed(1000, 2000), 1500).unwrap();
        assert_eq!(session.profile, profile());
        assert_eq!((session.issued_at, session.expires_at), (1000, 2000));
    }

    #[test]
    fn an_expired_session_is_not_signed_in() {
        assert!(decode(&sealed(1000, 2000), 1999).is_some());
        assert!(decode(&sealed(1000, 2000), 2000).is_none());
        assert!(decode(&sealed(1000, 2000), 99_999).is_none());
        assert!(decode(&sealed(i64::MAX, i64::MIN), 0).is_none());
    }

    #[test]
    fn a_session_from_the_future_is_refused() {
        assert!(decode(&sealed(5000, 9000), 1000).is_none());
        assert!(
            decode(&sealed(1030, 9000), 1000).is_some(),
            "a minute of clock skew is tolerated"
        );
        assert!(decode(&sealed(1061, 9000), 1000).is_none());
    }

    #[test]
    fn a_session_cookie_holds_the_plaintext_within_the_budget() {
        let cookie = cookie(&profile(), 1000, Duration::from_secs(600), true).unwrap();
        assert_eq!(cookie.value(), sealed(1000, 1600));
        assert_eq!(cookie.max_age(), Some(rocket::time::Duration::seconds(600)));
        assert_eq!(
            decode(cookie.value(), 1500).map(|session| session.profile),
            Some(profile())
        );
    }

    #[test]
    fn debug_of_the_sessions_shows_no_profile_and_no_key() {
        let sessions = Sessions::new(SessionKey::derive(&[7; 32]));
        sessions.opened.lock().insert(
            "sealed".into(),
            Arc::new(Session {
                profile: profile(),
                issued_at: 0,
                expires_at: i64::MAX,
            }),
        );
        let debug = format!("{sessions:?}");
        assert!(!debug.contains("dana"), "{debug}");
        assert!(debug.contains("OpenedSessions(1 open)"), "{debug}");
        assert!(debug.contains("SessionKey([redacted])"), "{debug}");
    }

    #[test]
    fn sealed_values_spread_over_the_opened_sessions_buckets() {
        use base64::Engine as _;
        use rand::RngCore as _;

        let state = TailState::default();
        let mut rng = rand::thread_rng();
        let hashes: Vec<u64> = (0..4096)
            .map(|_| {
                // Shaped like a sealed value: base64 of nonce, ciphertext and a 16-byte tag.
                let mut sealed = [0u8; 12 + 40 + 16];
                rng.fill_bytes(&mut sealed);
                let value = base64::engine::general_purpose::STANDARD.encode(sealed);
                state.hash_one(value.as_str())
            })
            .collect();
        let distinct: BTreeSet<u64> = hashes.iter().copied().collect();
        assert_eq!(distinct.len(), hashes.len(), "no two tails collide");
        // hashbrown picks the bucket from the low bits and the control tag from the top 7.
        let low: BTreeSet<u64> = hashes.iter().map(|hash| hash & 4095).collect();
        let top: BTreeSet<u64> = hashes.iter().map(|hash| hash >> 57).collect();
        assert!(low.len() > 2400, "{} of 4096 buckets used", low.len());
        assert_eq!(top.len(), 128, "every control tag is used");
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
    fn a_profile_that_fits_exactly_is_kept_and_one_byte_more_is_trimmed() {
        let mut profile = profile();
        let (issued_at, expires_at) = LONGEST_TIMES;
        let base = plaintext_len(&profile, issued_at, expires_at).unwrap();
        // `"department_name":"Engineering"` grows by one byte per character of the value.
        let room = MAX_SESSION_JSON - base;
        let value = format!("Engineering{}", "x".repeat(room));
        profile
            .custom_attributes
            .insert("department_name".to_owned(), json!(value));
        assert_eq!(
            plaintext_len(&profile, issued_at, expires_at),
            Some(MAX_SESSION_JSON)
        );
        assert_eq!(fit_profile(profile.clone(), &BTreeSet::new()), profile);
        let fitted = cookie(&profile, 1_780_000_000, Duration::from_secs(28_800), true);
        assert!(fitted.is_some());

        profile
            .custom_attributes
            .insert("department_name".to_owned(), json!(format!("{value}x")));
        assert!(fit_profile(profile, &BTreeSet::new())
            .custom_attributes
            .is_empty());
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
        assert!(encode(&fitted, 0, 0).len() <= MAX_SESSION_JSON);
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
        assert!(cookie(&fitted, 0, Duration::from_secs(60), false).is_some());
    }

    #[test]
    fn a_profile_whose_identity_alone_is_too_large_gets_no_cookie() {
        let mut huge = profile();
        huge.email = format!("{}@example.com", "a".repeat(3000));
        let fitted = fit_profile(huge, &BTreeSet::new());
        assert_eq!(fitted.email.len(), 3012);
        assert!(cookie(&fitted, 0, Duration::from_secs(60), false).is_none());
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

//! The user [`Profile`] WorkOS returns after a successful login, its fields ([`ProfileData`]) and its
//! [`ConnectionType`].
//!
//! Decoding is lenient in the ways WorkOS's Profile object requires: nullable names, fields added over the
//! years may be absent, unknown fields are ignored, and unknown connection types are kept verbatim.
//! Serializing produces the current wire shape, so a `Profile` can be stored (e.g. in a sealed session cookie)
//! and read back unchanged.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::client::open_enum::open_enum;

/// A user profile from an SSO login, as returned by `POST /sso/token` and `GET /sso/profile`: a shared,
/// read-mostly handle on its [`ProfileData`].
///
/// Read the fields directly (`profile.email`, `profile.organization_id`): `Profile` dereferences to
/// [`ProfileData`], where every field is documented. Cloning a `Profile` copies no string, it counts one
/// more reference to the same data; that is what lets the [`Profile`] request guard hand each request its
/// own `Profile` at the cost of an atomic increment. Assigning through a `Profile`
/// (`profile.groups.push(..)`) copies the data first if another `Profile` shares it, so a change is never
/// seen through another handle. To move fields out, take the data with [`Profile::into_data`].
///
/// Identify users by [`id`](ProfileData::id) scoped to [`organization_id`](ProfileData::organization_id),
/// never by [`email`](ProfileData::email): WorkOS does not guarantee the email is verified or owned by
/// the user.
///
/// `Debug` shows the profile's personal data; keep it out of default log lines.
///
/// # Example
///
/// ```
/// use rocket_workos_sso::profile::{ConnectionType, Profile};
///
/// let profile: Profile = serde_json::from_str(r#"{
///     "id": "prof_01JM9S346Q3D25VT4F5V37E3S3",
///     "organization_id": "org_01JSSZ5AWSH8VHTPRE95B9EE0Z",
///     "connection_id": "conn_01JE28JT97KB6CQ643DZVMXXQK",
///     "connection_type": "OktaSAML",
///     "idp_id": "00u8kq2x3rTbW5vYz697",
///     "email": "dana.reyes@foo-corp.com",
///     "first_name": "Dana",
///     "last_name": null
/// }"#)?;
/// assert_eq!(profile.connection_type, ConnectionType::OktaSAML);
/// assert_eq!(profile.last_name, None);
///
/// // Moving a field out goes through the data.
/// let email: String = profile.clone().into_data().email;
/// assert_eq!(email, profile.email);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct Profile(Arc<ProfileData>);

impl Profile {
    /// A profile holding `data`.
    pub fn new(data: ProfileData) -> Self {
        Self(Arc::new(data))
    }

    /// The profile's data, without a copy when this is its only handle.
    pub fn into_data(self) -> ProfileData {
        Arc::unwrap_or_clone(self.0)
    }
}

impl From<ProfileData> for Profile {
    fn from(data: ProfileData) -> Self {
        Self::new(data)
    }
}

impl Deref for Profile {
    type Target = ProfileData;

    fn deref(&self) -> &ProfileData {
        &self.0
    }
}

impl DerefMut for Profile {
    /// Copies the data first when another `Profile` shares it (copy on write).
    fn deref_mut(&mut self) -> &mut ProfileData {
        Arc::make_mut(&mut self.0)
    }
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Profile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ProfileData::deserialize(deserializer).map(Self::new)
    }
}

/// The fields of a [`Profile`], in the wire shape of WorkOS's Profile object.
///
/// Build one to make a [`Profile`] by hand (`Profile::from(data)`), e.g. in tests; everywhere else the
/// fields are read through a `Profile`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileData {
    /// The object discriminator, `"profile"`. Older payloads omit it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The stable WorkOS user ID, `prof_…`. Use it as the identity key.
    pub id: String,
    /// The organization the login belongs to, `org_…`. `None` for environment-level OAuth logins.
    /// Always check it against the organization the login was started for.
    #[serde(default)]
    pub organization_id: Option<String>,
    /// The connection that authenticated the user, `conn_…`.
    pub connection_id: String,
    /// The kind of connection that authenticated the user.
    pub connection_type: ConnectionType,
    /// The identity provider's own user ID; its format depends on the provider.
    pub idp_id: String,
    /// The email the identity provider asserted. Not guaranteed verified or owned by the user.
    pub email: String,
    /// Given name, when the identity provider sent one.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Family name, when the identity provider sent one.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Full name, when the identity provider sent one. Absent from older payloads.
    #[serde(default)]
    pub name: Option<String>,
    /// The role assigned from the identity provider's group mappings, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// All roles assigned from the identity provider's group mappings.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<Role>,
    /// The identity provider's group names, when group mapping is configured.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub groups: Vec<String>,
    /// Attributes mapped in the WorkOS dashboard; values are arbitrary JSON and may be `null`.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub custom_attributes: Map<String, Value>,
    /// Deprecated by WorkOS and always `{}` since 2026-04-15; kept because the wire shape requires the key.
    #[serde(default, deserialize_with = "null_as_default")]
    pub raw_attributes: Map<String, Value>,
}

/// A role assigned to the user, e.g. `{ "slug": "admin" }`.
///
/// # Example
///
/// ```
/// use rocket_workos_sso::profile::Role;
///
/// let role: Role = serde_json::from_str(r#"{ "slug": "admin" }"#)?;
/// assert_eq!(role.slug, "admin");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Role {
    /// The role's slug as configured in WorkOS.
    pub slug: String,
}

/// Reads `null` the same as an absent field: WorkOS sends either for "none".
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

open_enum! {
    /// The kind of SSO connection (WorkOS's `connection_type` enum): the 53 values of the WorkOS spec plus
    /// [`Unknown`](Self::Unknown) for anything newer.
    ///
    /// `GitHubOAuth` is also accepted as `GithubOAuth`, the spelling of the `/connections` filter.
    ///
    /// # Example
    ///
    /// ```
    /// use rocket_workos_sso::profile::ConnectionType;
    ///
    /// assert_eq!(ConnectionType::from("GithubOAuth"), ConnectionType::GitHubOAuth);
    /// assert_eq!(ConnectionType::GitHubOAuth.as_str(), "GitHubOAuth");
    /// assert_eq!(ConnectionType::from("FutureSAML").as_str(), "FutureSAML");
    /// ```
    pub enum ConnectionType {
        Pending = "Pending",
        #[allow(clippy::upper_case_acronyms)] // the wire spelling, kept for grep-ability
        ADFSSAML = "ADFSSAML",
        AdpOidc = "AdpOidc",
        AppleOAuth = "AppleOAuth",
        Auth0Migration = "Auth0Migration",
        Auth0SAML = "Auth0SAML",
        AzureSAML = "AzureSAML",
        BitbucketOAuth = "BitbucketOAuth",
        CasSAML = "CasSAML",
        ClassLinkSAML = "ClassLinkSAML",
        CleverOIDC = "CleverOIDC",
        CloudflareSAML = "CloudflareSAML",
        CyberArkSAML = "CyberArkSAML",
        DiscordOAuth = "DiscordOAuth",
        DuoSAML = "DuoSAML",
        EntraIdOIDC = "EntraIdOIDC",
        GenericOIDC = "GenericOIDC",
        GenericSAML = "GenericSAML",
        GitHubOAuth = "GitHubOAuth" | "GithubOAuth",
        GitLabOAuth = "GitLabOAuth",
        GoogleOAuth = "GoogleOAuth",
        GoogleOIDC = "GoogleOIDC",
        GoogleSAML = "GoogleSAML",
        GrokOAuth = "GrokOAuth",
        XOAuth = "XOAuth",
        IntuitOAuth = "IntuitOAuth",
        JumpCloudSAML = "JumpCloudSAML",
        KeycloakSAML = "KeycloakSAML",
        LastPassSAML = "LastPassSAML",
        LinkedInOAuth = "LinkedInOAuth",
        LoginGovOidc = "LoginGovOidc",
        MagicLink = "MagicLink",
        MicrosoftOAuth = "MicrosoftOAuth",
        MiniOrangeSAML = "MiniOrangeSAML",
        NetIqSAML = "NetIqSAML",
        OktaOIDC = "OktaOIDC",
        OktaSAML = "OktaSAML",
        OneLoginSAML = "OneLoginSAML",
        OracleSAML = "OracleSAML",
        PingFederateSAML = "PingFederateSAML",
        PingOneSAML = "PingOneSAML",
        RipplingSAML = "RipplingSAML",
        SalesforceSAML = "SalesforceSAML",
        ShibbolethGenericSAML = "ShibbolethGenericSAML",
        ShibbolethSAML = "ShibbolethSAML",
        SimpleSamlPhpSAML = "SimpleSamlPhpSAML",
        SalesforceOAuth = "SalesforceOAuth",
        SlackOAuth = "SlackOAuth",
        /// The staging environment's Test Identity Provider.
        TestIdp = "TestIdp",
        VercelMarketplaceOAuth = "VercelMarketplaceOAuth",
        VercelOAuth = "VercelOAuth",
        VMwareSAML = "VMwareSAML",
        XeroOAuth = "XeroOAuth",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The full example Profile of WorkOS's API reference.
    const FULL_PROFILE: &str = r#"{
      "object": "profile",
      "id": "prof_01JM9S346Q3D25VT4F5V37E3S3",
      "organization_id": "org_01JSSZ5AWSH8VHTPRE95B9EE0Z",
      "connection_id": "conn_01JE28JT97KB6CQ643DZVMXXQK",
      "connection_type": "OktaSAML",
      "idp_id": "00u8kq2x3rTbW5vYz697",
      "email": "dana.reyes@foo-corp.com",
      "first_name": "Dana",
      "last_name": "Reyes",
      "name": "Dana Reyes",
      "role": { "slug": "admin" },
      "roles": [ { "slug": "admin" }, { "slug": "billing" } ],
      "groups": [ "Engineering", "Okta-Admins" ],
      "custom_attributes": {
        "department_name": "Engineering",
        "job_title": "Staff Engineer",
        "manager_email": "lee.park@foo-corp.com",
        "emails": [ { "type": "work", "value": "dana.reyes@foo-corp.com", "primary": true } ],
        "employee_type": null
      },
      "raw_attributes": {}
    }"#;

    /// The 53 connection types of WorkOS's API reference, in its order.
    const ALL_CONNECTION_TYPES: &str = "Pending, ADFSSAML, AdpOidc, AppleOAuth, Auth0Migration, Auth0SAML, \
        AzureSAML, BitbucketOAuth, CasSAML, ClassLinkSAML, CleverOIDC, CloudflareSAML, CyberArkSAML, DiscordOAuth, \
        DuoSAML, EntraIdOIDC, GenericOIDC, GenericSAML, GitHubOAuth, GitLabOAuth, GoogleOAuth, GoogleOIDC, \
        GoogleSAML, GrokOAuth, XOAuth, IntuitOAuth, JumpCloudSAML, KeycloakSAML, LastPassSAML, LinkedInOAuth, \
        LoginGovOidc, MagicLink, MicrosoftOAuth, MiniOrangeSAML, NetIqSAML, OktaOIDC, OktaSAML, OneLoginSAML, \
        OracleSAML, PingFederateSAML, PingOneSAML, RipplingSAML, SalesforceSAML, ShibbolethGenericSAML, \
        ShibbolethSAML, SimpleSamlPhpSAML, SalesforceOAuth, SlackOAuth, TestIdp, VercelMarketplaceOAuth, \
        VercelOAuth, VMwareSAML, XeroOAuth";

    fn full_profile() -> Profile {
        serde_json::from_str(FULL_PROFILE).expect("the contract's example profile decodes")
    }

    #[test]
    fn a_clone_shares_the_data_and_a_write_copies_it_first() {
        let original = full_profile();
        let mut copy = original.clone();
        assert!(Arc::ptr_eq(&original.0, &copy.0), "a clone copies nothing");
        copy.groups.push("Auditors".to_owned());
        assert!(!Arc::ptr_eq(&original.0, &copy.0));
        assert_eq!(original.groups, ["Engineering", "Okta-Admins"]);
        assert_eq!(copy.groups, ["Engineering", "Okta-Admins", "Auditors"]);
        assert_ne!(original, copy);
    }

    #[test]
    fn into_data_hands_over_the_fields() {
        let profile = full_profile();
        let shared = profile.clone();
        let data = profile.into_data();
        assert_eq!(data.email, "dana.reyes@foo-corp.com");
        assert_eq!(Profile::from(data), shared);
        assert_eq!(
            format!("{shared:?}"),
            format!("{:?}", shared.clone().into_data()),
            "Debug shows the fields, not the handle"
        );
    }

    #[test]
    fn full_profile_decodes_every_field() {
        let profile = full_profile();
        assert_eq!(profile.id, "prof_01JM9S346Q3D25VT4F5V37E3S3");
        assert_eq!(
            profile.organization_id.as_deref(),
            Some("org_01JSSZ5AWSH8VHTPRE95B9EE0Z")
        );
        assert_eq!(profile.connection_type, ConnectionType::OktaSAML);
        assert_eq!(profile.name.as_deref(), Some("Dana Reyes"));
        assert_eq!(
            profile.role,
            Some(Role {
                slug: "admin".to_owned()
            })
        );
        assert_eq!(profile.roles.len(), 2);
        assert_eq!(profile.groups, ["Engineering", "Okta-Admins"]);
        assert_eq!(profile.custom_attributes["employee_type"], Value::Null);
        assert_eq!(
            profile.custom_attributes["emails"][0]["primary"],
            Value::Bool(true)
        );
    }

    #[test]
    fn minimal_profile_without_optional_keys_decodes() {
        let profile: Profile = serde_json::from_str(
            r#"{"id":"prof_1","connection_id":"conn_1","connection_type":"OktaSAML","idp_id":"x","email":"a@b.c"}"#,
        )
        .unwrap();
        assert_eq!(
            (&profile.object, &profile.organization_id, &profile.name),
            (&None, &None, &None)
        );
        assert!(
            profile.roles.is_empty()
                && profile.groups.is_empty()
                && profile.raw_attributes.is_empty()
        );
    }

    #[test]
    fn null_collections_decode_as_empty() {
        let profile: Profile = serde_json::from_str(
            r#"{"id":"prof_1","connection_id":"conn_1","connection_type":"OktaSAML","idp_id":"x","email":"a@b.c",
                "role":null,"roles":null,"groups":null,"custom_attributes":null,"raw_attributes":null}"#,
        )
        .unwrap();
        assert_eq!(profile.role, None);
        assert!(profile.roles.is_empty() && profile.custom_attributes.is_empty());
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let mut json: Value = serde_json::from_str(FULL_PROFILE).unwrap();
        json["added_in_2030"] = Value::from("surprise");
        assert_eq!(
            serde_json::from_value::<Profile>(json).unwrap(),
            full_profile()
        );
    }

    #[test]
    fn profile_round_trips_through_json() {
        let profile = full_profile();
        let json = serde_json::to_string(&profile).unwrap();
        assert_eq!(serde_json::from_str::<Profile>(&json).unwrap(), profile);
    }

    #[test]
    fn serialized_profile_keeps_the_keys_the_wire_shape_requires() {
        let mut profile = full_profile();
        profile.first_name = None;
        let json = serde_json::to_value(&profile).unwrap();
        for key in [
            "organization_id",
            "first_name",
            "last_name",
            "name",
            "raw_attributes",
        ] {
            assert!(json.get(key).is_some(), "{key} is missing");
        }
    }

    #[test]
    fn every_contract_connection_type_is_known_and_round_trips() {
        let wires: Vec<&str> = ALL_CONNECTION_TYPES.split(", ").collect();
        assert_eq!(wires.len(), 53);
        for wire in wires {
            let parsed = ConnectionType::from(wire);
            assert!(
                !matches!(parsed, ConnectionType::Unknown(_)),
                "{wire} is unknown"
            );
            assert_eq!(parsed.as_str(), wire);
        }
    }

    #[test]
    fn unknown_connection_type_round_trips_the_wire_string() {
        let mut json: Value = serde_json::from_str(FULL_PROFILE).unwrap();
        json["connection_type"] = Value::from("okta");
        let profile: Profile = serde_json::from_value(json).unwrap();
        assert_eq!(
            profile.connection_type,
            ConnectionType::Unknown("okta".to_owned())
        );
        assert_eq!(
            serde_json::to_value(&profile).unwrap()["connection_type"],
            "okta"
        );
    }

    #[test]
    fn both_github_spellings_map_to_one_variant() {
        assert_eq!(
            ConnectionType::from("GithubOAuth"),
            ConnectionType::from("GitHubOAuth")
        );
        assert_eq!(
            ConnectionType::from("GithubOAuth").to_string(),
            "GitHubOAuth"
        );
    }
}

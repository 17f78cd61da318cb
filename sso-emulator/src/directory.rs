//! Directory Sync: an organization's directory (the SCIM or HRIS feed of its identity provider) and the
//! people it provisions. A directory user is the same person as an SSO [`User`](super::User) when the
//! identity provider gives both the same `idp_id` (and, as a fallback, the same email).

use std::time::SystemTime;

use serde_json::{Map, Value};

use super::ids;

/// The `state` of a directory that syncs (WorkOS's Directory API spells it `linked`).
pub const DIRECTORY_LINKED: &str = "linked";

/// The `state` of a directory user the identity provider still provisions.
pub const DIRECTORY_USER_ACTIVE: &str = "active";

/// The `state` of a directory user the identity provider deprovisioned but kept (WorkOS also knows
/// `suspended`).
pub const DIRECTORY_USER_INACTIVE: &str = "inactive";

/// An organization's directory: the feed through which its identity provider provisions people.
///
/// ```
/// use rocket_workos_sso_emulator::{Directory, EXAMPLE_ORG_ID};
///
/// let directory = Directory::for_organization(EXAMPLE_ORG_ID, "okta scim v2.0", "Example Okta SCIM");
/// assert!(directory.id.starts_with("directory_"));
/// assert_eq!(directory.state, "linked");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directory {
    /// `directory_…` identifier; it also fixes the creation time shown as `created_at`.
    pub id: String,
    /// The owning organization.
    pub organization_id: String,
    /// Display name.
    pub name: String,
    /// The WorkOS directory type, the wire's `type`: e.g. `okta scim v2.0`, `azure scim v2.0`,
    /// `generic scim v2.0`, `gsuite directory`.
    pub directory_type: String,
    /// The Directory API's `state`: `linked` ([`DIRECTORY_LINKED`]), `unlinked`, `validating`,
    /// `invalid_credentials` or `deleting`.
    pub state: String,
}

impl Directory {
    /// A linked directory of `organization_id` with a fresh `directory_…` ID.
    pub fn for_organization(
        organization_id: impl Into<String>,
        directory_type: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            id: ids::prefixed("directory", SystemTime::now()),
            organization_id: organization_id.into(),
            name: name.into(),
            directory_type: directory_type.into(),
            state: DIRECTORY_LINKED.to_owned(),
        }
    }
}

/// A person a directory provisions, shown as WorkOS's `directory_user` object (the `data` of the
/// `dsync.user.*` events).
///
/// ```
/// use rocket_workos_sso_emulator::{Directory, DirectoryUser, EXAMPLE_ORG_ID};
///
/// let directory = Directory::for_organization(EXAMPLE_ORG_ID, "okta scim v2.0", "Example Okta SCIM");
/// let dana = DirectoryUser::new(&directory, "dana@example.com")
///     .named("Dana", "Reyes")
///     .with_idp_id("00u1dana");
/// assert!(dana.id.starts_with("directory_user_"));
/// assert_eq!((dana.state.as_str(), dana.organization_id.as_str()), ("active", EXAMPLE_ORG_ID));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct DirectoryUser {
    /// `directory_user_…` identifier; it also fixes the creation time shown as `created_at`.
    pub id: String,
    /// The directory that provisions this person.
    pub directory_id: String,
    /// The directory's organization.
    pub organization_id: String,
    /// The identity provider's own ID for the person: the same as the SSO profile's `idp_id` when one
    /// identity provider does both.
    pub idp_id: String,
    /// Primary email address.
    pub email: String,
    /// Given name; `null` on the wire when unknown.
    pub first_name: Option<String>,
    /// Family name; `null` on the wire when unknown.
    pub last_name: Option<String>,
    /// `active` ([`DIRECTORY_USER_ACTIVE`]), `inactive` ([`DIRECTORY_USER_INACTIVE`]) or `suspended`.
    pub state: String,
    /// Role slug, shown as `role: {"slug": …}` when set.
    pub role: Option<String>,
    /// Mapped custom attributes.
    pub custom_attributes: Map<String, Value>,
    /// When it last changed; `None` until then, so `updated_at` shows its creation time.
    pub updated_at: Option<SystemTime>,
}

impl DirectoryUser {
    /// An active user of `directory` with a fresh ID and IdP ID, no name, role or attributes.
    pub fn new(directory: &Directory, email: impl Into<String>) -> Self {
        let now = SystemTime::now();
        Self {
            id: ids::prefixed("directory_user", now),
            directory_id: directory.id.clone(),
            organization_id: directory.organization_id.clone(),
            idp_id: ids::ulid(now).to_ascii_lowercase(),
            email: email.into(),
            first_name: None,
            last_name: None,
            state: DIRECTORY_USER_ACTIVE.to_owned(),
            role: None,
            custom_attributes: Map::new(),
            updated_at: None,
        }
    }

    /// Sets first and last name.
    pub fn named(mut self, first_name: impl Into<String>, last_name: impl Into<String>) -> Self {
        self.first_name = Some(first_name.into());
        self.last_name = Some(last_name.into());
        self
    }

    /// Sets the identity provider's ID, to match an SSO user's `idp_id`.
    pub fn with_idp_id(mut self, idp_id: impl Into<String>) -> Self {
        self.idp_id = idp_id.into();
        self
    }

    /// Sets the state, e.g. `suspended`.
    pub fn with_state(mut self, state: impl Into<String>) -> Self {
        self.state = state.into();
        self
    }

    /// Sets the role slug.
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// Whether the identity provider still provisions this person.
    pub fn is_active(&self) -> bool {
        self.state == DIRECTORY_USER_ACTIVE
    }
}

//! The directory the emulator serves: organizations, their SSO connections, the people who can
//! sign in through them and the Directory Sync directories that provision those people. Plain data, so
//! tests can build exactly the world they need. [`Seed::default`] is built in `world.rs`.

use std::time::SystemTime;

use serde_json::{Map, Value};

use super::directory::{Directory, DirectoryUser, DIRECTORY_USER_ACTIVE};
use super::ids;

/// Organization "Example Corp" (domain `example.com`) of [`Seed::default`]: one active `TestIdp` connection.
pub const EXAMPLE_ORG_ID: &str = "org_01JH3E28JT97KB6CQ643DZVMXX";
/// The active `TestIdp` connection of Example Corp; alice (admin), bob and carol sign in through it.
pub const EXAMPLE_CONNECTION_ID: &str = "conn_01JHQKFBF5KZNWJ47TAN9ZT24M";
/// Organization "Globex" (domain `globex.test`) of [`Seed::default`], with one active `OktaSAML` connection.
pub const GLOBEX_ORG_ID: &str = "org_01JHS3C4DWA7N36096Q14DR9GP";
/// The active `OktaSAML` connection of Globex.
pub const GLOBEX_CONNECTION_ID: &str = "conn_01JHQY77ZXYYK596NGYA1DQ91K";
/// Organization "Initech" of [`Seed::default`]: two connections, so `organization=` is ambiguous.
pub const AMBIGUOUS_ORG_ID: &str = "org_01JHN5SXS5AA819X9YP981068V";
/// Organization "Initech Labs" of [`Seed::default`]: no connection, domains `initech-labs.test` and
/// `initech.test`, the latter shared with Initech ([`AMBIGUOUS_ORG_ID`]), so looking an organization up by
/// that domain finds two.
pub const INITECH_LABS_ORG_ID: &str = "org_01JHTA6CQ643DZVMXXQKE28JT9";
/// Organization "Umbrella" of [`Seed::default`], whose only connection is inactive.
pub const UMBRELLA_ORG_ID: &str = "org_01JH1RNJ47E65GH2BH8VGS9ZM5";
/// Umbrella's inactive connection: authorizing with it fails with `connection_unlinked`.
pub const INACTIVE_CONNECTION_ID: &str = "conn_01JHH3BV4H15G5E4G7X0NTH82F";

/// An organization: a customer of the application, owning SSO connections and verified domains.
///
/// ```
/// use rocket_workos_sso_emulator::Organization;
///
/// let org = Organization::new("Hooli", ["hooli.test"]);
/// assert!(org.id.starts_with("org_"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    /// `org_…` identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Domains, shown on the organization's connections and, as verified, on the organization itself.
    pub domains: Vec<String>,
}

impl Organization {
    /// An organization with a fresh `org_…` ID.
    pub fn new(
        name: impl Into<String>,
        domains: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            id: ids::prefixed("org", SystemTime::now()),
            name: name.into(),
            domains: domains.into_iter().map(Into::into).collect(),
        }
    }
}

/// Whether a connection can authenticate users (the `state` field of a WorkOS connection).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionState {
    /// Signs users in.
    Active,
    /// Configured but not yet used: signs users in and becomes [`Active`](Self::Active) on the first login.
    Validating,
    /// Refuses logins with `connection_unlinked`.
    Inactive,
}

impl ConnectionState {
    /// The wire value of `state`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Validating => "validating",
            Self::Inactive => "inactive",
        }
    }

    /// The deprecated `status` field, derived from the state.
    pub(crate) fn status(self) -> &'static str {
        match self {
            Self::Active => "linked",
            Self::Validating | Self::Inactive => "unlinked",
        }
    }

    /// Whether users may sign in through a connection in this state.
    pub(crate) fn can_authenticate(self) -> bool {
        self != Self::Inactive
    }
}

/// An SSO connection: an organization's identity provider, or an environment-level OAuth provider.
///
/// ```
/// use rocket_workos_sso_emulator::{Connection, EXAMPLE_ORG_ID};
///
/// let okta = Connection::for_organization(EXAMPLE_ORG_ID, "OktaSAML", "Example Okta");
/// let google = Connection::provider("GoogleOAuth");
/// assert_eq!(okta.organization_id.as_deref(), Some(EXAMPLE_ORG_ID));
/// assert_eq!(google.organization_id, None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// `conn_…` identifier; it also fixes the creation time shown as `created_at`.
    pub id: String,
    /// The owning organization; `None` for environment-level provider connections (`provider=` logins).
    pub organization_id: Option<String>,
    /// The WorkOS connection type, e.g. `TestIdp`, `OktaSAML`, `GoogleOAuth`.
    pub connection_type: String,
    /// Display name.
    pub name: String,
    /// Whether it can authenticate.
    pub state: ConnectionState,
}

impl Connection {
    /// An active connection of `organization_id` with a fresh `conn_…` ID.
    pub fn for_organization(
        organization_id: impl Into<String>,
        connection_type: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Self::new(
            Some(organization_id.into()),
            connection_type.into(),
            Some(name.into()),
        )
    }

    /// An active environment-level connection for an OAuth provider such as `GoogleOAuth`, used by `provider=`.
    pub fn provider(provider: impl Into<String>) -> Self {
        let provider = provider.into();
        Self::new(None, provider.clone(), Some(provider))
    }

    fn new(organization_id: Option<String>, connection_type: String, name: Option<String>) -> Self {
        Self {
            id: ids::prefixed("conn", SystemTime::now()),
            organization_id,
            name: name.unwrap_or_else(|| connection_type.clone()),
            connection_type,
            state: ConnectionState::Active,
        }
    }

    /// Sets a display name.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the state.
    pub fn with_state(mut self, state: ConnectionState) -> Self {
        self.state = state;
        self
    }
}

/// A person who can sign in through one connection; becomes the WorkOS profile returned by `/sso/token`.
///
/// ```
/// use rocket_workos_sso_emulator::{User, EXAMPLE_CONNECTION_ID};
///
/// let dana = User::new(EXAMPLE_CONNECTION_ID, "dana@example.com")
///     .named("Dana", "Reyes")
///     .with_role("admin")
///     .with_groups(["Engineering"]);
/// assert!(dana.id.starts_with("prof_"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// `prof_…` profile identifier.
    pub id: String,
    /// The connection this person signs in through.
    pub connection_id: String,
    /// The identity provider's own user ID.
    pub idp_id: String,
    /// Email address.
    pub email: String,
    /// Given name; `null` in the profile when unknown.
    pub first_name: Option<String>,
    /// Family name; `null` in the profile when unknown.
    pub last_name: Option<String>,
    /// Role slug, e.g. `admin` or `member`; `null` in the profile when none.
    pub role: Option<String>,
    /// IdP group names.
    pub groups: Vec<String>,
    /// Mapped custom attributes.
    pub custom_attributes: Map<String, Value>,
}

impl User {
    /// A user of `connection_id` with fresh profile and IdP IDs, no name, role, groups or attributes.
    pub fn new(connection_id: impl Into<String>, email: impl Into<String>) -> Self {
        let now = SystemTime::now();
        Self {
            id: ids::prefixed("prof", now),
            connection_id: connection_id.into(),
            idp_id: ids::ulid(now).to_ascii_lowercase(),
            email: email.into(),
            first_name: None,
            last_name: None,
            role: None,
            groups: Vec::new(),
            custom_attributes: Map::new(),
        }
    }

    /// Sets first and last name.
    pub fn named(mut self, first_name: impl Into<String>, last_name: impl Into<String>) -> Self {
        self.first_name = Some(first_name.into());
        self.last_name = Some(last_name.into());
        self
    }

    /// Sets the role slug.
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// Sets the IdP groups.
    pub fn with_groups(mut self, groups: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.groups = groups.into_iter().map(Into::into).collect();
        self
    }

    /// Adds one custom attribute.
    pub fn with_attribute(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.custom_attributes.insert(key.into(), value.into());
        self
    }

    /// The directory user `directory` provisions for this person: the same email, IdP ID, names, role
    /// and custom attributes, active, its ID derived from the profile's (`prof_X` gives
    /// `directory_user_X`). That is how the library links a directory user to SSO sessions.
    ///
    /// ```
    /// use rocket_workos_sso_emulator::{Directory, User, EXAMPLE_CONNECTION_ID, EXAMPLE_ORG_ID};
    ///
    /// let directory = Directory::for_organization(EXAMPLE_ORG_ID, "okta scim v2.0", "Example Okta SCIM");
    /// let dana = User::new(EXAMPLE_CONNECTION_ID, "dana@example.com");
    /// let provisioned = dana.directory_user(&directory);
    /// assert_eq!((&provisioned.email, &provisioned.idp_id), (&dana.email, &dana.idp_id));
    /// ```
    pub fn directory_user(&self, directory: &Directory) -> DirectoryUser {
        let suffix = self.id.strip_prefix("prof_").unwrap_or(&self.id);
        DirectoryUser {
            id: format!("directory_user_{suffix}"),
            directory_id: directory.id.clone(),
            organization_id: directory.organization_id.clone(),
            idp_id: self.idp_id.clone(),
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            state: DIRECTORY_USER_ACTIVE.to_owned(),
            role: self.role.clone(),
            custom_attributes: self.custom_attributes.clone(),
            updated_at: None,
        }
    }

    /// The full name, when any part of it is known.
    pub(crate) fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.first_name, &self.last_name]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// Everything the emulator knows: organizations, connections, users, directories and directory users.
///
/// [`Seed::default`] is a small, stable world for tests and the quickstart:
///
/// | Organization | Connection(s) | Users |
/// |---|---|---|
/// | Example Corp ([`EXAMPLE_ORG_ID`], `example.com`) | `TestIdp`, active ([`EXAMPLE_CONNECTION_ID`]) | alice@example.com (admin, groups), bob@, carol@ (member) |
/// | Globex ([`GLOBEX_ORG_ID`], `globex.test`) | `OktaSAML`, active ([`GLOBEX_CONNECTION_ID`]) | hank@globex.test (admin), marge@globex.test |
/// | Initech ([`AMBIGUOUS_ORG_ID`], `initech.test`) | `OktaSAML` and `EntraIdOIDC` | peter@, milton@initech.test |
/// | Umbrella ([`UMBRELLA_ORG_ID`], `umbrella.test`) | `ADFSSAML`, inactive ([`INACTIVE_CONNECTION_ID`]) | albert@umbrella.test |
/// | Initech Labs ([`INITECH_LABS_ORG_ID`], `initech-labs.test`, `initech.test`) | none | none |
/// | (environment) | `GoogleOAuth`, `MicrosoftOAuth`, `GitHubOAuth` | one test user each |
///
/// Every organization with users also has one linked directory (`directory_` + the organization's ULID)
/// that provisions each of those users as an active directory user with the same email and `idp_id`
/// (see [`User::directory_user`]). The environment's provider users belong to no organization, so to no
/// directory.
///
/// ```
/// use rocket_workos_sso_emulator::{Seed, EXAMPLE_ORG_ID};
///
/// let seed = Seed::default();
/// assert!(seed.organizations.iter().any(|org| org.id == EXAMPLE_ORG_ID));
/// assert!(Seed::empty().users.is_empty());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Seed {
    /// Organizations.
    pub organizations: Vec<Organization>,
    /// Connections, of organizations or of the environment.
    pub connections: Vec<Connection>,
    /// Users, each signing in through one connection.
    pub users: Vec<User>,
    /// Directory Sync directories, each of one organization.
    pub directories: Vec<Directory>,
    /// The people the directories provision.
    pub directory_users: Vec<DirectoryUser>,
}

impl Seed {
    /// A world with nothing in it.
    pub fn empty() -> Self {
        Self {
            organizations: Vec::new(),
            connections: Vec::new(),
            users: Vec::new(),
            directories: Vec::new(),
            directory_users: Vec::new(),
        }
    }

    /// The same customers, connections, users and directories as another WorkOS environment holds them:
    /// every organization, connection, profile, directory and directory user id renumbered from
    /// `environment` (staging and production give the same people different ids), names, emails, IdP IDs
    /// and domains unchanged. The same `environment` always gives the same ids.
    ///
    /// ```
    /// use rocket_workos_sso_emulator::{Seed, EXAMPLE_ORG_ID};
    ///
    /// let staging = Seed::default().for_environment("staging");
    /// let production = Seed::default().for_environment("production");
    /// let example_corp = |seed: &Seed| seed.organizations[0].id.clone();
    /// assert_ne!(example_corp(&staging), EXAMPLE_ORG_ID);
    /// assert_ne!(example_corp(&staging), example_corp(&production));
    /// assert_eq!(staging, Seed::default().for_environment("staging"));
    /// ```
    #[must_use]
    pub fn for_environment(mut self, environment: &str) -> Seed {
        let renumber = |id: &mut String| *id = ids::in_environment(id, environment);
        for organization in &mut self.organizations {
            renumber(&mut organization.id);
        }
        for connection in &mut self.connections {
            renumber(&mut connection.id);
            if let Some(organization) = &mut connection.organization_id {
                renumber(organization);
            }
        }
        for user in &mut self.users {
            renumber(&mut user.id);
            renumber(&mut user.connection_id);
        }
        for directory in &mut self.directories {
            renumber(&mut directory.id);
            renumber(&mut directory.organization_id);
        }
        for user in &mut self.directory_users {
            renumber(&mut user.id);
            renumber(&mut user.directory_id);
            renumber(&mut user.organization_id);
        }
        self
    }

    /// The organization with this ID.
    pub fn organization(&self, id: &str) -> Option<&Organization> {
        self.organizations.iter().find(|org| org.id == id)
    }

    /// The connection with this ID.
    pub fn connection(&self, id: &str) -> Option<&Connection> {
        self.connections
            .iter()
            .find(|connection| connection.id == id)
    }

    /// The directory with this ID.
    pub fn directory(&self, id: &str) -> Option<&Directory> {
        self.directories.iter().find(|directory| directory.id == id)
    }

    /// The first directory user, in seed order, with this email (ignoring case).
    pub fn directory_user(&self, email: &str) -> Option<&DirectoryUser> {
        self.directory_users
            .iter()
            .find(|user| user.email.eq_ignore_ascii_case(email))
    }

    /// The users who sign in through the connection with this ID, in seed order.
    pub fn users_of<'a>(&'a self, connection_id: &'a str) -> impl Iterator<Item = &'a User> + 'a {
        self.users
            .iter()
            .filter(move |user| user.connection_id == connection_id)
    }
}

/// Whether two connection type names mean the same type. The `/connections` filter spells GitHub
/// `GithubOAuth` while profiles and `provider=` spell it `GitHubOAuth`; both are accepted everywhere.
pub(crate) fn same_connection_type(left: &str, right: &str) -> bool {
    canonical_type(left) == canonical_type(right)
}

fn canonical_type(name: &str) -> &str {
    if name == "GithubOAuth" {
        "GitHubOAuth"
    } else {
        name
    }
}

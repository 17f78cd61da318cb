//! What an identity provider or an administrator does to the directory, each change recorded as the
//! event WorkOS emits for it: a person deprovisioned (`dsync.user.updated`) or removed
//! (`dsync.user.deleted`), a connection deactivated or deleted, a directory or an organization deleted.

use serde_json::{json, Value};

use super::directory::DIRECTORY_USER_INACTIVE;
use super::events::Event;
use super::seed::ConnectionState;
use super::store::State;
use super::wire;

/// The state WorkOS shows in the `dsync.deleted` event's directory.
const DIRECTORY_DELETING: &str = "deleting";

/// Nothing of this kind has this key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Missing {
    /// What was looked for: `directory user`, `connection`, `directory`, `organization`.
    pub(crate) kind: &'static str,
    /// The email or ID it was looked for by.
    pub(crate) key: String,
}

impl Missing {
    fn new(kind: &'static str, key: &str) -> Self {
        Self {
            kind,
            key: key.to_owned(),
        }
    }
}

impl State {
    /// Records an event named `name` about `data`, to be listed by `GET /events` and sent to the webhooks.
    pub(crate) fn emit(&mut self, name: &str, data: Value) -> Event {
        let id = self.event_ids.next(self.wall_clock());
        self.session.log.emit(id, name, data)
    }

    /// The identity provider deactivates the person with this email (the first directory user having it,
    /// ignoring case): `inactive`, and `dsync.user.updated` whose data carries `previous_attributes`
    /// (`{"state": "active"}`, or `{}` if it was inactive already).
    pub(crate) fn deprovision_user(&mut self, email: &str) -> Result<Event, Missing> {
        let now = self.wall_clock();
        let user = self
            .settings
            .seed
            .directory_users
            .iter_mut()
            .find(|user| user.email.eq_ignore_ascii_case(email))
            .ok_or_else(|| Missing::new("directory user", email))?;
        let previous = std::mem::replace(&mut user.state, DIRECTORY_USER_INACTIVE.to_owned());
        let changed = previous != DIRECTORY_USER_INACTIVE;
        if changed {
            user.updated_at = Some(now);
        }
        let mut data = wire::directory_user(user);
        data["previous_attributes"] = if changed {
            json!({ "state": previous })
        } else {
            json!({})
        };
        Ok(self.emit("dsync.user.updated", data))
    }

    /// The identity provider removes the person with this email from the directory: `dsync.user.deleted`
    /// with the directory user as it last was.
    pub(crate) fn delete_directory_user(&mut self, email: &str) -> Result<Event, Missing> {
        let users = &mut self.settings.seed.directory_users;
        let at = users
            .iter()
            .position(|user| user.email.eq_ignore_ascii_case(email))
            .ok_or_else(|| Missing::new("directory user", email))?;
        let removed = users.remove(at);
        Ok(self.emit("dsync.user.deleted", wire::directory_user(&removed)))
    }

    /// An administrator deactivates a connection: it refuses logins (`connection_unlinked`), and
    /// `connection.deactivated` carries it.
    pub(crate) fn deactivate_connection(&mut self, id: &str) -> Result<Event, Missing> {
        let seed = &mut self.settings.seed;
        let connection = seed
            .connections
            .iter_mut()
            .find(|connection| connection.id == id)
            .ok_or_else(|| Missing::new("connection", id))?;
        connection.state = ConnectionState::Inactive;
        let data = seed
            .connection(id)
            .map(|connection| wire::connection_event(connection, seed))
            .unwrap_or_default();
        Ok(self.emit("connection.deactivated", data))
    }

    /// A connection is deleted with its users, so nobody can sign in through it any more (codes already
    /// issued for it fail with `invalid_grant`): `connection.deleted`.
    pub(crate) fn delete_connection(&mut self, id: &str) -> Result<Event, Missing> {
        let seed = &mut self.settings.seed;
        let data = seed
            .connection(id)
            .map(|connection| wire::connection_event(connection, seed))
            .ok_or_else(|| Missing::new("connection", id))?;
        seed.connections.retain(|connection| connection.id != id);
        seed.users.retain(|user| user.connection_id != id);
        Ok(self.emit("connection.deleted", data))
    }

    /// A directory is deleted with the people it provisions: one `dsync.deleted` (WorkOS sends no
    /// `dsync.user.deleted` for them), its directory in state `deleting`.
    pub(crate) fn delete_directory(&mut self, id: &str) -> Result<Event, Missing> {
        let seed = &mut self.settings.seed;
        let at = seed
            .directories
            .iter()
            .position(|directory| directory.id == id)
            .ok_or_else(|| Missing::new("directory", id))?;
        let removed = seed.directories.remove(at);
        seed.directory_users.retain(|user| user.directory_id != id);
        let data = wire::deleted_directory(&removed, DIRECTORY_DELETING);
        Ok(self.emit("dsync.deleted", data))
    }

    /// An organization is deleted with its connections (and their users), directories and directory
    /// users: one `organization.deleted`.
    pub(crate) fn delete_organization(&mut self, id: &str) -> Result<Event, Missing> {
        let seed = &mut self.settings.seed;
        let at = seed
            .organizations
            .iter()
            .position(|org| org.id == id)
            .ok_or_else(|| Missing::new("organization", id))?;
        let removed = seed.organizations.remove(at);
        let owned = |organization: Option<&str>| organization == Some(id);
        let gone: Vec<String> = seed
            .connections
            .iter()
            .filter(|connection| owned(connection.organization_id.as_deref()))
            .map(|connection| connection.id.clone())
            .collect();
        seed.connections
            .retain(|connection| !owned(connection.organization_id.as_deref()));
        seed.users
            .retain(|user| !gone.contains(&user.connection_id));
        seed.directories
            .retain(|directory| directory.organization_id != id);
        seed.directory_users
            .retain(|user| user.organization_id != id);
        Ok(self.emit("organization.deleted", wire::organization(&removed)))
    }
}

//! The JSON shapes WorkOS puts on the wire, with every key its OpenAPI schema requires (`null` where a
//! value is unknown): strict SDKs such as workos-python reject payloads missing any of them.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::directory::{Directory, DirectoryUser};
use super::ids;
use super::seed::{Connection, Organization, Seed, User};

/// The `Profile` object for `user` signing in through `connection`.
pub(crate) fn profile(user: &User, connection: &Connection) -> Value {
    json!({
        "object": "profile",
        "id": user.id,
        "organization_id": connection.organization_id,
        "connection_id": connection.id,
        "connection_type": connection.connection_type,
        "idp_id": user.idp_id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "name": user.full_name(),
        "role": user.role.as_ref().map(|slug| json!({ "slug": slug })),
        "roles": user.role.as_ref().map(|slug| json!([{ "slug": slug }])),
        "groups": user.groups,
        "custom_attributes": user.custom_attributes,
        "raw_attributes": {},
    })
}

/// The `Connection` object, its domains taken from its organization (with the IDs they have there).
pub(crate) fn connection(connection: &Connection, seed: &Seed) -> Value {
    let domains: Vec<Value> = connection
        .organization_id
        .as_deref()
        .and_then(|id| seed.organization(id))
        .map(|org| {
            org.domains
                .iter()
                .map(|domain| json!({ "id": domain_id(org, domain), "object": "connection_domain", "domain": domain }))
                .collect()
        })
        .unwrap_or_default();
    let created_at = timestamp(&connection.id);
    let mut wire = json!({
        "object": "connection",
        "id": connection.id,
        "connection_type": connection.connection_type,
        "name": connection.name,
        "state": connection.state.as_str(),
        "status": connection.state.status(),
        "domains": domains,
        "created_at": created_at,
        "updated_at": created_at,
    });
    // The schema's `organization_id` is a string that may be absent, never `null`: an environment-level
    // provider connection belongs to no organization, so it has none.
    if let Some(organization_id) = &connection.organization_id {
        wire["organization_id"] = json!(organization_id);
    }
    wire
}

/// The `Connection` object as the `connection.*` events carry it: with its `external_key` too.
pub(crate) fn connection_event(connection: &Connection, seed: &Seed) -> Value {
    let mut wire = self::connection(connection, seed);
    let key = ids::derived("key", &connection.id);
    wire["external_key"] = json!(key.trim_start_matches("key_").to_ascii_lowercase());
    wire
}

/// The `directory_user` object: the `data` of `dsync.user.*` events. `emails` repeats the email as the
/// older payloads did; the emulator keeps no raw SCIM attributes, so `raw_attributes` is `{}`.
pub(crate) fn directory_user(user: &DirectoryUser) -> Value {
    let created_at = timestamp(&user.id);
    let updated_at = user.updated_at.map_or_else(|| created_at.clone(), moment);
    let mut wire = json!({
        "object": "directory_user",
        "id": user.id,
        "directory_id": user.directory_id,
        "organization_id": user.organization_id,
        "idp_id": user.idp_id,
        "email": user.email,
        "emails": [{ "primary": true, "type": "work", "value": user.email }],
        "first_name": user.first_name,
        "last_name": user.last_name,
        "state": user.state,
        "custom_attributes": user.custom_attributes,
        "raw_attributes": {},
        "created_at": created_at,
        "updated_at": updated_at,
    });
    if let Some(slug) = &user.role {
        wire["role"] = json!({ "slug": slug });
    }
    wire
}

/// The `directory` object as the `dsync.deleted` event carries it, in `state` (WorkOS sends `deleting`).
pub(crate) fn deleted_directory(directory: &Directory, state: &str) -> Value {
    let created_at = timestamp(&directory.id);
    json!({
        "object": "directory",
        "id": directory.id,
        "organization_id": directory.organization_id,
        "type": directory.directory_type,
        "name": directory.name,
        "state": state,
        "created_at": created_at,
        "updated_at": created_at,
    })
}

/// The `Organization` object. The emulator keeps no metadata, external ID or Stripe customer, so those
/// are `{}`, `null` and absent, as the schema allows.
pub(crate) fn organization(org: &Organization) -> Value {
    let created_at = timestamp(&org.id);
    let domains: Vec<Value> = org
        .domains
        .iter()
        .map(|domain| organization_domain(org, domain, &created_at))
        .collect();
    json!({
        "object": "organization",
        "id": org.id,
        "name": org.name,
        "domains": domains,
        "metadata": {},
        "external_id": null,
        "created_at": created_at,
        "updated_at": created_at,
    })
}

/// One `organization_domain` of `org`. The emulator does not model domain verification: a seeded domain
/// counts as verified by hand, so it has no DNS prefix or token.
fn organization_domain(org: &Organization, domain: &str, created_at: &str) -> Value {
    json!({
        "object": "organization_domain",
        "id": domain_id(org, domain),
        "organization_id": org.id,
        "domain": domain,
        "state": "verified",
        "verification_strategy": "manual",
        "created_at": created_at,
        "updated_at": created_at,
    })
}

/// The stable `org_domain_…` ID of `domain` in `org`, shared by the organization and its connections.
fn domain_id(org: &Organization, domain: &str) -> String {
    ids::derived("org_domain", &format!("{}/{domain}", org.id))
}

/// The creation time encoded in an ID, as ISO 8601 with milliseconds (`2026-01-15T12:00:00.000Z`).
pub(crate) fn timestamp(id: &str) -> String {
    iso8601(ids::timestamp_millis(id).unwrap_or(0))
}

/// A moment, as ISO 8601 with milliseconds; before the Unix epoch counts as the epoch.
fn moment(at: SystemTime) -> String {
    let millis = at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis());
    iso8601(u64::try_from(millis).unwrap_or(u64::MAX))
}

/// Milliseconds since the Unix epoch as ISO 8601 with milliseconds, in UTC.
fn iso8601(millis: u64) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_come_from_the_ulid() {
        assert_eq!(
            timestamp("conn_01JHQKFBF5KZNWJ47TAN9ZT24M").len(),
            "2026-01-15T12:00:00.000Z".len()
        );
        assert_eq!(timestamp("conn_not-a-ulid"), "1970-01-01T00:00:00.000Z");
    }
}

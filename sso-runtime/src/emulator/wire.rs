//! The JSON shapes WorkOS puts on the wire, with every key its OpenAPI schema requires (`null` where a
//! value is unknown): strict SDKs such as workos-python reject payloads missing any of them.

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::ids;
use super::seed::{Connection, Seed, User};

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

/// The `Connection` object, its domains taken from its organization.
pub(crate) fn connection(connection: &Connection, seed: &Seed) -> Value {
    let domains: Vec<Value> = connection
        .organization_id
        .as_deref()
        .and_then(|id| seed.organization(id))
        .map(|org| &org.domains[..])
        .unwrap_or_default()
        .iter()
        .map(|domain| json!({ "id": ids::derived("org_domain", &format!("{}/{domain}", connection.id)), "object": "connection_domain", "domain": domain }))
        .collect();
    let created_at = timestamp(&connection.id);
    json!({
        "object": "connection",
        "id": connection.id,
        "organization_id": connection.organization_id,
        "connection_type": connection.connection_type,
        "name": connection.name,
        "state": connection.state.as_str(),
        "status": connection.state.status(),
        "domains": domains,
        "created_at": created_at,
        "updated_at": created_at,
    })
}

/// The creation time encoded in an ID, as ISO 8601 with milliseconds (`2026-01-15T12:00:00.000Z`).
fn timestamp(id: &str) -> String {
    let millis = ids::timestamp_millis(id).unwrap_or(0);
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

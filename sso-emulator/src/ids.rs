//! Identifiers that look like WorkOS's: a type prefix and a 26-character ULID.
//!
//! Real WorkOS IDs are ULIDs, so clients may store and compare them as such. Ordering by ID is
//! ordering by creation time, which the connection list relies on for stable cursors.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::Rng as _;
use sha2::{Digest as _, Sha256};

/// Crockford's base-32 alphabet, as ULIDs use it (no I, L, O, U).
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The number of characters of a ULID that encode its millisecond timestamp.
const TIMESTAMP_CHARS: usize = 10;

/// A fresh ULID for `now`: 48 bits of milliseconds followed by 80 random bits.
pub(crate) fn ulid(now: SystemTime) -> String {
    let millis = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis());
    encode(((millis & ((1 << 48) - 1)) << 80) | (rand::thread_rng().gen::<u128>() >> 48))
}

/// A stable `prefix_…` identifier derived from `key`, for objects the emulator computes rather than stores.
pub(crate) fn derived(prefix: &str, key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut high = [0u8; 16];
    high.copy_from_slice(&digest[..16]);
    format!("{prefix}_{}", encode(u128::from_be_bytes(high)))
}

/// `id` as another WorkOS environment would number the same object: the same prefix and creation time
/// (the ULID's timestamp), the rest derived from `environment` and `id`. Stable, and different for every
/// environment.
pub(crate) fn in_environment(id: &str, environment: &str) -> String {
    let Some((prefix, ulid)) = id.rsplit_once('_').filter(|(_, ulid)| ulid.len() == 26) else {
        return derived("id", &format!("{environment}:{id}"));
    };
    let digest = Sha256::digest(format!("{environment}:{id}").as_bytes());
    let mut high = [0u8; 16];
    high.copy_from_slice(&digest[..16]);
    let fresh = encode(u128::from_be_bytes(high));
    format!(
        "{prefix}_{}{}",
        &ulid[..TIMESTAMP_CHARS],
        &fresh[TIMESTAMP_CHARS..]
    )
}

/// 128 bits as 26 Crockford characters, most significant first.
fn encode(value: u128) -> String {
    (0..26)
        .rev()
        .map(|index| char::from(CROCKFORD[((value >> (index * 5)) & 31) as usize]))
        .collect()
}

/// A fresh `prefix_ULID` identifier, e.g. `conn_01JH…`.
pub(crate) fn prefixed(prefix: &str, now: SystemTime) -> String {
    format!("{prefix}_{}", ulid(now))
}

/// The identifier right after `id` (`prefix_ULID`): the same prefix, the ULID plus one. For IDs that must
/// keep increasing when two share a millisecond. An ID without a ULID gets a fresh one.
pub(crate) fn successor(id: &str) -> String {
    let (prefix, ulid) = id.rsplit_once('_').unwrap_or(("id", id));
    match decode(ulid) {
        Some(value) => format!("{prefix}_{}", encode(value.wrapping_add(1))),
        None => prefixed(prefix, SystemTime::now()),
    }
}

/// 26 Crockford characters as the 128 bits they encode (the first carries 3 bits); `None` if they are not.
fn decode(ulid: &str) -> Option<u128> {
    if ulid.len() != 26 {
        return None;
    }
    ulid.bytes().try_fold(0u128, |value, byte| {
        let digit = CROCKFORD
            .iter()
            .position(|&c| c == byte.to_ascii_uppercase())?;
        Some((value << 5) | digit as u128)
    })
}

/// The creation time encoded in an identifier like `conn_01JH…`, if it carries a ULID.
pub(crate) fn timestamp_millis(id: &str) -> Option<u64> {
    let ulid = id.rsplit('_').next()?;
    if ulid.len() != 26 {
        return None;
    }
    ulid.bytes()
        .take(TIMESTAMP_CHARS)
        .try_fold(0u64, |millis, byte| {
            let digit = CROCKFORD
                .iter()
                .position(|&c| c == byte.to_ascii_uppercase())?;
            Some(millis * 32 + digit as u64)
        })
}

/// An unguessable opaque secret (256 bits, base64url), for portal links.
pub(crate) fn secret() -> String {
    URL_SAFE_NO_PAD.encode(rand::thread_rng().gen::<[u8; 32]>())
}

/// A UUID-shaped request identifier, the form WorkOS uses in `X-Request-ID`.
pub(crate) fn request_id() -> String {
    let hex: String = rand::thread_rng()
        .gen::<[u8; 16]>()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_ulid_round_trips_its_timestamp() {
        let now = UNIX_EPOCH + Duration::from_millis(1_767_225_600_123);
        let id = prefixed("conn", now);
        assert_eq!(timestamp_millis(&id), Some(1_767_225_600_123));
    }

    #[test]
    fn a_successor_is_the_next_ulid() {
        assert_eq!(
            successor("event_01JH000000000000000000000Z"),
            "event_01JH0000000000000000000010"
        );
        let id = prefixed("event", SystemTime::now());
        assert!(successor(&id) > id);
        assert_eq!(timestamp_millis(&successor(&id)), timestamp_millis(&id));
    }

    #[test]
    fn ulids_are_26_crockford_characters() {
        let id = ulid(SystemTime::now());
        assert_eq!(id.len(), 26);
        assert!(id.bytes().all(|byte| CROCKFORD.contains(&byte)));
    }
}

//! A mutation fuzzer for the decoders, on stable Rust and without extra tools. It starts from inputs the
//! runtime really produces (a session's and a login's MessagePack, `return_to` paths) and from hostile
//! plaintexts, mutates them at random (bit flips, cuts, insertions, splices of valid encodings, length
//! headers claiming gigabytes, deep nesting, other version bytes, trailing bytes), and checks the same
//! invariants as the property tests on both cookie decoders, in process and through the app with sealed
//! cookies. Reproducible from its seed.
//!
//! ```text
//! SECURITY_FUZZ_ITERATIONS=1000000 SECURITY_FUZZ_SEED=42 \
//!     cargo test --release -p rocket-workos-sso-tests --all-features --test security_fuzz -- --ignored --nocapture
//! ```
//!
//! Without `--ignored`, a short smoke run with a fixed seed keeps the harness itself working.

mod security_support;

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rocket::http::{Cookie, Status};
use rocket::local::asynchronous::Client;
use rocket_workos_sso::client::{ConnectionSelector, Provider};
use rocket_workos_sso::flow::{safe_return_to, MAX_RETURN_TO_LEN};
use rocket_workos_sso::fuzzing::{
    check_login, decode_session, encode_login, encode_session, LoginState, StateError,
};
use rocket_workos_sso::Profile;
use security_support::*;
use url::Url;

/// xorshift64*: small, fast, and the same sequence for the same seed everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Bytes a URL parser treats specially, for `return_to`.
const URL_TOKENS: &[&[u8]] = &[
    b"/",
    b"//",
    b"\\",
    b"%2F",
    b"%5C",
    b"%2e",
    b"%",
    b"\t",
    b"\r\n",
    b"\0",
    "é".as_bytes(),
    "\u{FF0F}".as_bytes(),
    b"evil.com",
    b"..",
    b".",
    b"?",
    b"#",
    b"@",
];

/// Bytes written over another: a format version and its neighbours, and markers that change what follows.
const SPECIAL_BYTES: &[u8] = &[
    0x00, 0x01, 0x02, 0x03, 0x04, 0x7f, 0x80, 0x90, 0x9f, 0xa0, 0xc0, 0xc1, 0xcc, 0xd0, 0xd9, 0xdc,
    0xdd, 0xde, 0xff,
];

/// What a mutation may draw on: the tokens of the input's language and valid encodings to splice in.
struct Ingredients<'a> {
    tokens: &'a [&'a [u8]],
    donors: &'a [Vec<u8>],
}

fn mutate(rng: &mut Rng, input: &[u8], with: &Ingredients<'_>) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(10) {
            0 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let end = (at + 1 + rng.below(8)).min(out.len());
                out.drain(at.min(out.len() - 1)..end);
            }
            2 => {
                let byte = rng.next() as u8;
                out.insert(at, byte);
            }
            3 => {
                let token = *rng.pick(with.tokens);
                out.splice(at..at, token.iter().copied());
            }
            4 => out.truncate(at),
            5 if !out.is_empty() => {
                // Duplicate a slice: repeated fields, deeper nesting.
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(32)).min(out.len());
                let copy = out[start..end].to_vec();
                out.splice(at..at, copy);
            }
            6 => {
                // A piece of a valid encoding, or all of it (past the end: trailing bytes).
                let donor = rng.pick(with.donors);
                let start = rng.below(donor.len());
                let end = if rng.below(4) == 0 {
                    donor.len()
                } else {
                    (start + 1 + rng.below(48)).min(donor.len())
                };
                out.splice(at..at, donor[start..end].iter().copied());
            }
            7 if !out.is_empty() => {
                // Half the time among the first bytes: the array header and the version.
                let i = if rng.below(2) == 0 {
                    rng.below(out.len().min(4))
                } else {
                    at.min(out.len() - 1)
                };
                out[i] = *rng.pick(SPECIAL_BYTES);
            }
            8 => {
                // Nesting: usually a little, now and then 100,000 arrays deep.
                let depth = if rng.below(16) == 0 {
                    100_000
                } else {
                    1 + rng.below(64)
                };
                out.splice(at..at, std::iter::repeat_n(0x91, depth));
            }
            _ => {
                // An integer of a random width: the MessagePack analogue of a stray number.
                let (marker, width) = *rng.pick(&[
                    (0xcc, 1),
                    (0xcd, 2),
                    (0xce, 4),
                    (0xcf, 8),
                    (0xd0, 1),
                    (0xd1, 2),
                    (0xd2, 4),
                    (0xd3, 8),
                ]);
                let value = rng.next().to_be_bytes();
                let number = [&[marker][..], &value[8 - width..]].concat();
                out.splice(at..at, number);
            }
        }
    }
    out
}

fn profile() -> Profile {
    serde_json::from_value(serde_json::json!({
        "id": "prof_01", "organization_id": EXAMPLE_ORG_ID, "connection_id": EXAMPLE_CONNECTION_ID,
        "connection_type": "TestIdp", "idp_id": "1", "email": "a@example.com",
        "role": {"slug": "admin"}, "groups": ["Admins"], "custom_attributes": {"k": [1, {"x": null}]}
    }))
    .unwrap()
}

/// A profile with nothing but its identity: the smallest session.
fn bare_profile() -> Profile {
    serde_json::from_value(serde_json::json!({
        "id": "prof_02", "connection_id": "conn_02", "connection_type": "GoogleOAuth", "idp_id": "2",
        "email": "b@example.com",
    }))
    .unwrap()
}

fn login(expected: Option<ConnectionSelector>, expires_at: i64) -> Vec<u8> {
    encode_login(&LoginState {
        return_to: "/reports?year=2026".to_owned(),
        flow: "0123456789ab".to_owned(),
        expected,
        expires_at,
    })
}

/// The inputs a run mutates, made once around its `now`.
struct Corpus {
    session: Vec<u8>,
    login: Vec<u8>,
    return_to: Vec<u8>,
    /// Valid encodings of both cookies, spliced into the others and mutated themselves.
    donors: Vec<Vec<u8>>,
    hostile: Vec<Vec<u8>>,
}

impl Corpus {
    fn new(now: i64) -> Self {
        let session = encode_session(&profile(), now - 10, now + 3600);
        let connection = ConnectionSelector::Connection(EXAMPLE_CONNECTION_ID.to_owned());
        let login_now = login(Some(connection), now + 600);
        let donors = vec![
            session.clone(),
            encode_session(&bare_profile(), now - 10, now + 60),
            login_now.clone(),
            login(
                Some(ConnectionSelector::Organization(EXAMPLE_ORG_ID.to_owned())),
                now + 1,
            ),
            login(
                Some(ConnectionSelector::Provider(Provider::GoogleOAuth)),
                now + 600,
            ),
        ];
        Self {
            session,
            login: login_now,
            return_to: b"/reports/2026?tab=a&b=%2Fc".to_vec(),
            donors,
            hostile: hostile_plaintexts()
                .into_iter()
                .map(|(_, bytes)| bytes)
                .collect(),
        }
    }
}

/// The first bytes of `bytes` in hex, for a failure message.
fn show(bytes: &[u8]) -> String {
    let head: String = bytes.iter().take(160).map(|b| format!("{b:02x}")).collect();
    format!("{} bytes: {head}", bytes.len())
}

/// Both decoders' invariants for any plaintext: a session is accepted only while current, and reads back
/// the same from what the runtime would write for it; a login is accepted only for its own state while
/// current, and never for another state.
fn check_decoders(bytes: &[u8], now: i64) {
    if let Some(session) = decode_session(bytes, now) {
        assert!(
            now < session.expires_at && session.issued_at <= now + 60,
            "{}",
            show(bytes)
        );
        let again = encode_session(&session.profile, session.issued_at, session.expires_at);
        assert_eq!(
            decode_session(&again, now).as_ref(),
            Some(&session),
            "{}",
            show(bytes)
        );
    }
    match check_login(bytes, now) {
        Ok(login) => {
            assert!(now < login.expires_at, "{}", show(bytes));
            let again = encode_login(&login);
            let reread = check_login(&again, now).expect("a login the runtime wrote");
            assert_eq!(encode_login(&reread), again, "{}", show(bytes));
        }
        Err(StateError::Expired | StateError::Unknown) => {}
    }
}

/// The in-process invariants for one mutated input; returns the plaintext worth sealing as a session and
/// sending to the app.
fn check_one(rng: &mut Rng, corpus: &Corpus, now: i64) -> Option<Vec<u8>> {
    let msgpack = Ingredients {
        tokens: MSGPACK_PIECES,
        donors: &corpus.donors,
    };
    match rng.below(4) {
        0 => {
            let bytes = mutate(rng, &corpus.session, &msgpack);
            check_decoders(&bytes, now);
            Some(bytes)
        }
        1 => {
            let bytes = mutate(rng, &corpus.login, &msgpack);
            check_decoders(&bytes, now);
            None
        }
        2 => {
            let seed = if rng.below(2) == 0 {
                rng.pick(&corpus.hostile)
            } else {
                rng.pick(&corpus.donors)
            };
            let bytes = mutate(rng, seed, &msgpack);
            check_decoders(&bytes, now);
            Some(bytes)
        }
        _ => {
            let url = Ingredients {
                tokens: URL_TOKENS,
                donors: std::slice::from_ref(&corpus.return_to),
            };
            let bytes = mutate(rng, &corpus.return_to, &url);
            let text = String::from_utf8_lossy(&bytes);
            if let Some(accepted) = safe_return_to(&text) {
                assert!(text.starts_with(accepted) && accepted.len() <= MAX_RETURN_TO_LEN);
                assert!(
                    accepted.starts_with('/') && !accepted.starts_with("//"),
                    "{text:?}"
                );
                assert!(!accepted.chars().any(char::is_control), "{text:?}");
                let path = accepted.split('?').next().unwrap_or_default();
                assert!(!path.contains('\\'), "a backslash in the path: {text:?}");
                let app = Url::parse(APP_ORIGIN).unwrap();
                let resolved = app.join(accepted).unwrap();
                assert_eq!(resolved.origin(), app.origin(), "{text:?}");
                assert!(!resolved.path().starts_with("//"), "{text:?}");
            }
            None
        }
    }
}

async fn run(iterations: u64, seed: u64) {
    eprintln!("security_fuzz: {iterations} iterations, SECURITY_FUZZ_SEED={seed}");
    let client = Client::untracked(app(figment(SECRET_KEY))).await.unwrap();
    let mut rng = Rng(seed | 1);
    let now = now();
    let corpus = Corpus::new(now);
    let started = Instant::now();
    let mut through_app = 0;
    for iteration in 0..iterations {
        let session = check_one(&mut rng, &corpus, now);
        // One in 32 mutated sessions goes through the app, sealed with its key, so the decoder sees it.
        if let Some(plaintext) = session.filter(|_| iteration % 32 == 0) {
            // The app reads the clock when the request arrives, and a long run drifts away from the
            // `now` the mutations were made around: judge the decoder at the request's own time, and
            // skip the rare sample whose verdict changes within that second.
            let before = decode_session(&plaintext, self::now()).is_some();
            let sealed = Cookie::new(SESSION_COOKIE, seal_session(&client, &plaintext));
            let response = client.get("/sec/me").cookie(sealed).dispatch().await;
            assert_eq!(response.status(), Status::Ok, "{}", show(&plaintext));
            let me = response.into_string().await.unwrap();
            if before == decode_session(&plaintext, self::now()).is_some() {
                assert_eq!(me != "anonymous", before, "{}", show(&plaintext));
                through_app += 1;
            }
        }
    }
    eprintln!(
        "security_fuzz: done in {:?} ({through_app} through the app)",
        started.elapsed()
    );
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
#[ignore = "long-running fuzzer: run with --ignored"]
async fn fuzz_decoders() {
    let seed = env_u64("SECURITY_FUZZ_SEED").unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    });
    run(env_u64("SECURITY_FUZZ_ITERATIONS").unwrap_or(200_000), seed).await;
}

/// The hostile seeds themselves, before any mutation: neither decoder accepts one, and neither runs out
/// of stack on the deepest within a test thread's 2 MiB, the stack of the worker threads Rocket handles
/// requests on.
#[test]
fn both_decoders_refuse_the_hostile_seeds() {
    for (what, bytes) in hostile_plaintexts() {
        assert!(decode_session(&bytes, now()).is_none(), "{what}");
        let refused = check_login(&bytes, now()).map(|login| login.return_to);
        assert_eq!(refused, Err(StateError::Unknown), "{what}");
    }
}

#[tokio::test]
async fn fuzz_smoke() {
    run(3_000, 0x5EC0_21DE).await;
}

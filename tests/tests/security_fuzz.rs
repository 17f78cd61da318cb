//! A mutation fuzzer for the decoders, on stable Rust and without extra tools. It starts from inputs the
//! runtime really produces (session JSON, login JSON, `return_to` paths), mutates them at random, and
//! checks the same invariants as the property tests, in process and through the app with sealed
//! cookies. Reproducible from its seed.
//!
//! ```text
//! SECURITY_FUZZ_ITERATIONS=1000000 SECURITY_FUZZ_SEED=42 \
//!     cargo test -p rocket-workos-sso-tests --test security_fuzz -- --ignored --nocapture
//! ```
//!
//! Without `--ignored`, a short smoke run with a fixed seed keeps the harness itself working.

mod security_support;

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rocket::http::{Cookie, Status};
use rocket::local::asynchronous::Client;
use rocket_workos_sso::flow::{safe_return_to, MAX_RETURN_TO_LEN};
use rocket_workos_sso::fuzzing::{
    check_login, decode_session, encode_session, Expected, LoginState, StateError,
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

/// Byte strings a JSON or URL parser treats specially.
const TOKENS: &[&str] = &[
    "\"",
    "\\",
    "\\u0000",
    "\\ud800",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "true",
    "1e999",
    "-0",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    // Sessions (format 2, a positional array): versions, elements standing for derived values, verbatim
    // strings, empty collections.
    "[2,",
    "[1,",
    ",0",
    ",[\"x\"]",
    ",[]",
    ",{}",
    // Login state (a JSON object).
    "\"state\":",
    "\"expires_at\":",
    "/",
    "//",
    "%2F",
    "%5C",
    "%2e",
    "%",
    "\t",
    "\r\n",
    "\u{0}",
    "é",
    "\u{FF0F}",
    "evil.com",
    "..",
    ".",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(7) {
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
                let token = rng.pick(TOKENS).as_bytes().to_vec();
                out.splice(at..at, token);
            }
            4 => out.truncate(at),
            5 if !out.is_empty() => {
                // Duplicate a slice: repeated keys, deeper nesting.
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(32)).min(out.len());
                let copy = out[start..end].to_vec();
                out.splice(at..at, copy);
            }
            _ => {
                let digits = (rng.next() as i64).to_string().into_bytes();
                out.splice(at..at, digits);
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

fn login_json(state: &str, expires_at: i64) -> String {
    serde_json::to_string(&LoginState {
        state: state.to_owned(),
        verifier: "v".repeat(43),
        return_to: "/reports?year=2026".to_owned(),
        flow: "0123456789ab".to_owned(),
        expected: Expected::Connection(EXAMPLE_CONNECTION_ID.to_owned()),
        expires_at,
    })
    .unwrap()
}

/// The in-process invariants for one mutated input; returns the session JSON worth sending to the app.
fn check_one(rng: &mut Rng, now: i64) -> Option<String> {
    const STATE: &str = "Zm9vYmFyYmF6cXV4LXN0YXRlLWZvci10aGUtZnV6emVy";
    let seeds = [
        encode_session(&profile(), now - 10, now + 3600),
        login_json(STATE, now + 600),
        "/reports/2026?tab=a&b=%2Fc".to_owned(),
    ];
    let which = rng.below(seeds.len());
    let bytes = mutate(rng, seeds[which].as_bytes());
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match which {
        0 => {
            if let Some(session) = decode_session(&text, now) {
                assert!(
                    now < session.expires_at && session.issued_at <= now + 60,
                    "{text}"
                );
            }
            Some(text)
        }
        1 => {
            match check_login(&text, STATE, now) {
                Ok(login) => {
                    assert_eq!(login.state, STATE, "{text}");
                    assert!(now < login.expires_at, "{text}");
                }
                Err(StateError::Expired | StateError::Unknown) => {}
            }
            assert!(check_login(&text, "another-state", now).is_err(), "{text}");
            None
        }
        _ => {
            if let Some(accepted) = safe_return_to(&text) {
                assert!(text.starts_with(accepted) && accepted.len() <= MAX_RETURN_TO_LEN);
                assert!(
                    accepted.starts_with('/') && !accepted.starts_with("//"),
                    "{text:?}"
                );
                assert!(
                    !accepted.chars().any(|c| c == '\\' || c.is_control()),
                    "{text:?}"
                );
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
    let started = Instant::now();
    let mut through_app = 0;
    for iteration in 0..iterations {
        let session = check_one(&mut rng, now);
        // One in 32 mutated sessions goes through the app, sealed with its key, so the decoder sees it.
        if let Some(json) = session.filter(|_| iteration % 32 == 0) {
            // The app reads the clock when the request arrives, and a long run drifts away from the
            // `now` the mutations were made around: judge the decoder at the request's own time, and
            // skip the rare sample whose verdict changes within that second.
            let before = decode_session(&json, self::now()).is_some();
            let sealed = Cookie::new(SESSION_COOKIE, seal_session(&client, &json));
            let response = client.get("/sec/me").cookie(sealed).dispatch().await;
            assert_eq!(response.status(), Status::Ok, "{json}");
            let me = response.into_string().await.unwrap();
            if before == decode_session(&json, self::now()).is_some() {
                assert_eq!(me != "anonymous", before, "{json}");
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

#[tokio::test]
async fn fuzz_smoke() {
    run(3_000, 0x5EC0_21DE).await;
}

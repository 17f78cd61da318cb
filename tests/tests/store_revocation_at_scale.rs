//! Revoking an organization of 300,000 sessions on a real `redis-server`: no Redis command holds it for
//! 50 ms, the exact count comes back, and another organization's user is served throughout. A test
//! binary of its own, so that no other test competes with Redis for the CPU while SLOWLOG watches.

mod redis_support;
mod security_support;
mod store_support;

use std::time::{Duration, Instant};

use redis_support::{redis_or_skip, Redis};
use rocket::http::Status;
use security_support::*;
use store_support::*;

/// Seeds `count` sessions of `organization` straight into Redis in the store's layout (users
/// `user_0…` to `user_999`), in chunks so that no seeding call is long either.
fn seed_sessions(redis: &Redis, organization: &str, count: usize) {
    const SEED: &str = r"
local p, org, from, to, e = 'workos_sso:2:', ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
for i = from, to do
  local id = 'seeded' .. i
  local user = 'user_' .. (i % 1000)
  local n = redis.call('INCR', p .. 'sequence')
  redis.call('HSET', p .. 'session:' .. id, 'v', 'x', 'u', user, 'o', org, 'n', n, 'e', e)
  redis.call('EXPIRE', p .. 'session:' .. id, 3600)
  redis.call('ZADD', p .. 'organization:' .. org, e, id)
  redis.call('ZADD', p .. 'user:' .. user, e, id)
end
redis.call('EXPIRE', p .. 'organization:' .. org, 3600)
return to
";
    let expiry = (now() + 3000).to_string();
    for from in (0..count).step_by(20_000) {
        let to = (from + 20_000).min(count) - 1;
        let last = redis.cli(&[
            "EVAL",
            SEED,
            "0",
            organization,
            &from.to_string(),
            &to.to_string(),
            &expiry,
        ]);
        assert_eq!(last, to.to_string());
    }
}

#[rocket::async_test]
async fn revoking_an_organization_of_300000_sessions_never_holds_redis() {
    let Some(redis) = redis_or_skip("revoking_an_organization_of_300000_sessions") else {
        return;
    };
    let (a, b) = (
        instance(with_store(&redis)).await,
        instance(with_store(&redis)).await,
    );
    let alice = signed_in(&a, EXAMPLE_ORG_ID, "alice@example.com").await;
    let hank = signed_in(&b, GLOBEX_ORG_ID, "hank@globex.test").await;
    seed_sessions(&redis, EXAMPLE_ORG_ID, 300_000);
    let index = format!("workos_sso:2:organization:{EXAMPLE_ORG_ID}");
    assert_eq!(redis.cli(&["ZCARD", &index]), "300001");
    // From here on, any command that holds Redis for 50 ms or more is logged.
    redis.cli(&["CONFIG", "SET", "slowlog-log-slower-than", "50000"]);
    redis.cli(&["SLOWLOG", "RESET"]);

    let done = std::cell::Cell::new(false);
    let revoking = async {
        let started = Instant::now();
        let ended = post(&a, &format!("/revoke/organization/{EXAMPLE_ORG_ID}"), "").await;
        done.set(true);
        (ended, started.elapsed())
    };
    // Hank, of another organization, is served throughout (every request reads Redis).
    let served = async {
        let mut served = 0;
        while !done.get() {
            let (status, body) = protected(&b, &hank).await;
            assert_eq!(status, Status::Ok, "hank during the revocation: {body}");
            served += 1;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        served
    };
    let ((ended, took), served) = tokio::join!(revoking, served);
    assert_eq!(ended, "ended 300001", "the exact count");
    eprintln!("300,001 sessions revoked in {took:?}, hank served {served} times meanwhile");
    let slow = redis.cli(&["SLOWLOG", "GET", "10"]);
    assert_eq!(slow, "", "no Redis command took 50 ms or more: {slow}");
    assert_eq!(protected(&a, &alice).await.0, Status::Unauthorized);
    assert_eq!(protected(&b, &hank).await.0, Status::Ok);
    assert_eq!(redis.cli(&["EXISTS", &index]), "0");
    assert_eq!(
        redis.keys("workos_sso:2:session:*").len(),
        1,
        "only hank's session is left"
    );
    // Asked again: nothing more to revoke.
    assert_eq!(
        post(&b, &format!("/revoke/organization/{EXAMPLE_ORG_ID}"), "").await,
        "ended 0"
    );
}

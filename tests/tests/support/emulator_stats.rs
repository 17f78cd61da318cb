//! Reading the emulator's request counters over its control endpoint, for tests whose emulator lives
//! inside a launched server (the handle moved into the server with Rocket's managed state).

use url::Url;

/// How many requests reached `path` on the emulator at `emulator` (its base URL), over all methods and
/// statuses, from `GET /__emulator/stats`.
pub async fn request_count(emulator: &Url, path: &str) -> u64 {
    let stats: serde_json::Value = reqwest::get(emulator.join("/__emulator/stats").unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["requests"]
        .as_array()
        .expect("the stats list requests")
        .iter()
        .filter(|entry| entry["path"] == path)
        .map(|entry| entry["count"].as_u64().unwrap())
        .sum()
}

//! Directory Sync in the seed, the changes that emit events, and `GET /events`: filters, cursor, limits
//! and authentication.

mod emulator_support;

use std::collections::BTreeSet;
use std::time::Duration;

use emulator_support::*;
use reqwest::StatusCode;
use rocket_workos_sso_emulator::{
    Directory, DirectoryUser, Emulator, EmulatorError, Seed, EXAMPLE_CONNECTION_ID, EXAMPLE_ORG_ID,
    GLOBEX_ORG_ID, INITECH_LABS_ORG_ID,
};
use serde_json::{json, Value};

// The keys the Python SDK's strict models read with `data[...]` (workos 10.8.0).
const EVENT_REQUIRED: [&str; 5] = ["object", "id", "event", "data", "created_at"];
const DIRECTORY_USER_REQUIRED: [&str; 10] = [
    "id",
    "directory_id",
    "organization_id",
    "idp_id",
    "email",
    "state",
    "custom_attributes",
    "created_at",
    "updated_at",
    "object",
];

fn missing<'a>(value: &Value, required: &[&'a str]) -> Vec<&'a str> {
    required
        .iter()
        .copied()
        .filter(|key| value.get(key).is_none())
        .collect()
}

/// `GET /events` with `query`, authenticated.
async fn list(emulator: &Emulator, query: &str) -> (StatusCode, Value) {
    let url = emulator
        .base_url()
        .join(&format!("events?{query}"))
        .unwrap();
    json(
        client()
            .get(url)
            .bearer_auth(emulator.api_key())
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The IDs of a list's events.
fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|event| event["id"].as_str().unwrap().to_owned())
        .collect()
}

/// `n` events: the default seed's directory users deprovisioned in turn (8 of them), then its
/// connections deactivated.
fn emit(emulator: &Emulator, n: usize) -> Vec<String> {
    let seed = emulator.seed_with(|seed| seed.clone());
    let people = seed.directory_users.iter().map(|user| user.email.clone());
    let connections = seed
        .connections
        .iter()
        .map(|connection| connection.id.clone());
    let emitted: Vec<String> = people
        .map(|email| emulator.deprovision_user(&email))
        .chain(connections.map(|id| emulator.deactivate_connection(&id)))
        .take(n)
        .map(Result::unwrap)
        .collect();
    assert_eq!(emitted.len(), n, "the default seed has too few objects");
    emitted
}

#[test]
fn the_default_seed_provisions_every_organization_user_in_a_directory() {
    let seed = Seed::default();
    for user in &seed.users {
        let connection = seed.connection(&user.connection_id).unwrap();
        let provisioned = seed.directory_user(&user.email);
        let Some(organization) = &connection.organization_id else {
            assert_eq!(provisioned, None, "{} has no organization", user.email);
            continue;
        };
        let provisioned = provisioned.expect("a directory user");
        let directory = seed.directory(&provisioned.directory_id).unwrap();
        assert_eq!(
            (
                &provisioned.idp_id,
                &provisioned.organization_id,
                &directory.organization_id,
                provisioned.state.as_str(),
                directory.state.as_str()
            ),
            (&user.idp_id, organization, organization, "active", "linked")
        );
        assert!(provisioned.id.starts_with("directory_user_01"));
        assert!(directory.id.starts_with("directory_01"));
    }
    let with_directory: BTreeSet<&str> = seed
        .directories
        .iter()
        .map(|directory| directory.organization_id.as_str())
        .collect();
    assert_eq!(with_directory.len(), seed.directories.len(), "one each");
    assert!(with_directory.contains(EXAMPLE_ORG_ID) && with_directory.contains(GLOBEX_ORG_ID));
    assert!(!with_directory.contains(INITECH_LABS_ORG_ID), "no users");
    assert!(Seed::empty().directories.is_empty() && Seed::empty().directory_users.is_empty());
}

#[test]
fn another_environment_renumbers_directories_consistently() {
    let staging = Seed::default().for_environment("staging");
    assert_ne!(staging.directories[0].id, Seed::default().directories[0].id);
    for user in &staging.directory_users {
        let directory = staging
            .directory(&user.directory_id)
            .expect("its directory");
        let sso = staging.users.iter().find(|sso| sso.email == user.email);
        assert_eq!(directory.organization_id, user.organization_id);
        assert!(staging.organization(&user.organization_id).is_some());
        assert_eq!(sso.map(|sso| &sso.idp_id), Some(&user.idp_id));
    }
}

#[test]
fn a_custom_directory_user_is_built_like_the_seeded_ones() {
    let directory = Directory::for_organization(EXAMPLE_ORG_ID, "okta scim v2.0", "Okta");
    let user = DirectoryUser::new(&directory, "dana@example.com").with_state("suspended");
    assert_eq!(
        (user.directory_id.as_str(), user.is_active()),
        (directory.id.as_str(), false)
    );
}

#[tokio::test]
async fn deprovisioning_emits_dsync_user_updated_with_the_previous_state() {
    let emulator = Emulator::start_default().await.unwrap();
    let id = emulator.deprovision_user("Bob@Example.com").unwrap();
    let bob = emulator.seed_with(|seed| seed.directory_user("bob@example.com").cloned());
    assert_eq!(bob.unwrap().state, "inactive");

    let (status, page) = list(&emulator, "events=dsync.user.updated").await;
    assert_eq!(status, StatusCode::OK);
    let event = &page["data"][0];
    assert_eq!(missing(event, &EVENT_REQUIRED), Vec::<&str>::new());
    assert_eq!(
        missing(&event["data"], &DIRECTORY_USER_REQUIRED),
        Vec::<&str>::new()
    );
    let sso = Seed::default();
    let sso_bob = sso
        .users
        .iter()
        .find(|user| user.email == "bob@example.com")
        .unwrap();
    assert_eq!(
        (
            event["id"].as_str(),
            event["object"].as_str(),
            event["data"]["object"].as_str(),
            event["data"]["state"].as_str(),
            event["data"]["idp_id"].as_str(),
            event["data"]["organization_id"].as_str(),
            &event["data"]["previous_attributes"],
        ),
        (
            Some(id.as_str()),
            Some("event"),
            Some("directory_user"),
            Some("inactive"),
            Some(sso_bob.idp_id.as_str()),
            Some(EXAMPLE_ORG_ID),
            &json!({ "state": "active" }),
        )
    );
    let created_at = event["created_at"].as_str().unwrap();
    assert!(
        created_at.ends_with('Z') && created_at.len() == 24,
        "{created_at}"
    );
    assert!(
        event["data"]["updated_at"].as_str().unwrap()
            >= event["data"]["created_at"].as_str().unwrap()
    );
    assert_eq!(emulator.events()[0].to_json(), *event);

    // Already inactive: still an event, with nothing changed.
    emulator.deprovision_user("bob@example.com").unwrap();
    assert_eq!(emulator.events()[1].data["previous_attributes"], json!({}));
}

#[tokio::test]
async fn unknown_people_and_objects_are_errors_not_events() {
    let emulator = Emulator::start_default().await.unwrap();
    let refusals = [
        emulator.deprovision_user("nobody@example.com"),
        emulator.delete_directory_user("nobody@example.com"),
        emulator.deactivate_connection("conn_01JH0000000000000000000000"),
        emulator.delete_directory("directory_01JH0000000000000000000000"),
        emulator.delete_organization("org_01JH0000000000000000000000"),
    ];
    let kinds: Vec<&str> = refusals
        .iter()
        .map(|refused| match refused {
            Err(EmulatorError::NotFound { kind, .. }) => *kind,
            other => panic!("expected NotFound, got {other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "directory user",
            "directory user",
            "connection",
            "directory",
            "organization"
        ]
    );
    let message = emulator
        .deprovision_user("nobody@example.com")
        .unwrap_err()
        .to_string();
    assert!(message.contains("nobody@example.com"), "{message}");
    assert!(emulator.events().is_empty());
}

#[tokio::test]
async fn deleting_a_directory_user_removes_it_and_emits_dsync_user_deleted() {
    let emulator = Emulator::start_default().await.unwrap();
    emulator.delete_directory_user("carol@example.com").unwrap();
    let event = &emulator.events()[0];
    assert_eq!(
        (
            event.event.as_str(),
            event.data["email"].as_str(),
            event.data["state"].as_str()
        ),
        (
            "dsync.user.deleted",
            Some("carol@example.com"),
            Some("active")
        )
    );
    assert!(emulator.delete_directory_user("carol@example.com").is_err());
}

#[tokio::test]
async fn a_deactivated_connection_refuses_logins_and_says_so() {
    let emulator = auto_emulator().await;
    emulator
        .deactivate_connection(EXAMPLE_CONNECTION_ID)
        .unwrap();
    let data = &emulator.events()[0].data;
    assert_eq!(
        (
            data["object"].as_str(),
            data["id"].as_str(),
            data["organization_id"].as_str(),
            data["connection_type"].as_str(),
            data["state"].as_str(),
            data["status"].as_str(),
            data["external_key"].is_string(),
        ),
        (
            Some("connection"),
            Some(EXAMPLE_CONNECTION_ID),
            Some(EXAMPLE_ORG_ID),
            Some("TestIdp"),
            Some("inactive"),
            Some("unlinked"),
            true
        )
    );
    let back = redirected(authorize_url(
        &emulator,
        &[("organization", EXAMPLE_ORG_ID)],
    ))
    .await;
    assert_eq!(
        param(&back, "error").as_deref(),
        Some("connection_unlinked")
    );
}

#[tokio::test]
async fn deleting_a_connection_over_the_api_emits_connection_deleted() {
    let emulator = Emulator::start_default().await.unwrap();
    let url = emulator
        .base_url()
        .join(&format!("connections/{EXAMPLE_CONNECTION_ID}"))
        .unwrap();
    let response = client()
        .delete(url)
        .bearer_auth(emulator.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let events = emulator.events();
    assert_eq!(
        (events[0].event.as_str(), events[0].data["id"].as_str()),
        ("connection.deleted", Some(EXAMPLE_CONNECTION_ID))
    );
}

#[tokio::test]
async fn deleting_a_directory_or_an_organization_takes_what_it_owns() {
    let emulator = Emulator::start_default().await.unwrap();
    let seed = Seed::default();
    let example = seed
        .directory_user("alice@example.com")
        .unwrap()
        .directory_id
        .clone();
    emulator.delete_directory(&example).unwrap();
    emulator.delete_organization(GLOBEX_ORG_ID).unwrap();
    let events = emulator.events();
    assert_eq!(
        (
            events[0].event.as_str(),
            events[0].data["state"].as_str(),
            events[0].data["type"].as_str(),
            events[0].data["organization_id"].as_str(),
        ),
        (
            "dsync.deleted",
            Some("deleting"),
            Some("generic scim v2.0"),
            Some(EXAMPLE_ORG_ID)
        )
    );
    assert_eq!(
        (
            events[1].event.as_str(),
            events[1].data["id"].as_str(),
            events[1].data["object"].as_str()
        ),
        (
            "organization.deleted",
            Some(GLOBEX_ORG_ID),
            Some("organization")
        )
    );
    let (directories, people, connections) = emulator.seed_with(|seed| {
        (
            seed.directory(&example).is_some(),
            seed.directory_user("alice@example.com").is_some()
                || seed.directory_user("hank@globex.test").is_some(),
            seed.connections
                .iter()
                .any(|connection| connection.organization_id.as_deref() == Some(GLOBEX_ORG_ID)),
        )
    });
    assert_eq!((directories, people, connections), (false, false, false));
    // Nothing emitted for the directory's users.
    assert_eq!(events.len(), 2);
}

#[tokio::test]
async fn events_are_listed_oldest_first_and_the_cursor_walks_them() {
    let emulator = Emulator::start_default().await.unwrap();
    let emitted = emit(&emulator, 12);
    let all = "events=dsync.user.updated,connection.deactivated";

    let (_, first) = list(&emulator, all).await;
    assert_eq!(ids(&first), emitted[..10], "default limit 10, oldest first");
    assert_eq!(first["list_metadata"], json!({ "after": emitted[9] }));
    let (_, rest) = list(&emulator, &format!("{all}&after={}", emitted[9])).await;
    assert_eq!(ids(&rest), emitted[10..]);
    assert_eq!(rest["list_metadata"], json!({ "after": null }));

    // A consumer that keeps the last event it processed gets exactly the new ones.
    let (_, none_yet) = list(&emulator, &format!("{all}&after={}", emitted[11])).await;
    assert_eq!(ids(&none_yet), Vec::<String>::new());
    let later = emulator.delete_directory_user("alice@example.com").unwrap();
    let (_, next) = list(
        &emulator,
        &format!("{all},dsync.user.deleted&after={}", emitted[11]),
    )
    .await;
    assert_eq!(ids(&next), [later]);

    let (_, newest) = list(&emulator, &format!("{all}&order=desc&limit=2")).await;
    assert_eq!(ids(&newest), [emitted[11].clone(), emitted[10].clone()]);
    let (_, three) = list(&emulator, &format!("{all}&limit=3&after={}", emitted[2])).await;
    assert_eq!(ids(&three), emitted[3..6]);
}

#[tokio::test]
async fn every_spelling_of_the_names_filters_the_same() {
    let emulator = Emulator::start_default().await.unwrap();
    emulator.deprovision_user("alice@example.com").unwrap();
    emulator
        .deactivate_connection(EXAMPLE_CONNECTION_ID)
        .unwrap();
    emulator.delete_directory_user("bob@example.com").unwrap();
    let both = [
        emulator.events()[0].id.clone(),
        emulator.events()[2].id.clone(),
    ];
    for query in [
        "events=dsync.user.updated,dsync.user.deleted",
        "events=dsync.user.updated&events=dsync.user.deleted",
        "events[]=dsync.user.updated&events[]=dsync.user.deleted",
        "events%5B%5D=dsync.user.updated&events=dsync.user.deleted",
    ] {
        let (status, page) = list(&emulator, query).await;
        assert_eq!(
            (status, ids(&page)),
            (StatusCode::OK, both.to_vec()),
            "{query}"
        );
    }
    let (_, one) = list(&emulator, "events=connection.deactivated").await;
    assert_eq!(ids(&one), [emulator.events()[1].id.clone()]);
}

#[tokio::test]
async fn organization_and_time_range_filters() {
    let emulator = Emulator::start_default().await.unwrap();
    emulator.deprovision_user("alice@example.com").unwrap();
    emulator.deprovision_user("hank@globex.test").unwrap();
    emulator.delete_organization(GLOBEX_ORG_ID).unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let last = emulator.deprovision_user("bob@example.com").unwrap();
    let events = emulator.events();
    let names = "events=dsync.user.updated,organization.deleted";

    let (_, globex) = list(
        &emulator,
        &format!("{names}&organization_id={GLOBEX_ORG_ID}"),
    )
    .await;
    assert_eq!(ids(&globex), [events[1].id.clone(), events[2].id.clone()]);

    let since = &events[3].created_at;
    let (_, from) = list(&emulator, &format!("{names}&range_start={since}")).await;
    assert_eq!(ids(&from), [last]);
    let (_, until) = list(&emulator, &format!("{names}&range_end={since}")).await;
    assert_eq!(
        ids(&until),
        events[..3]
            .iter()
            .map(|event| event.id.clone())
            .collect::<Vec<_>>()
    );
    let (_, with_after) = list(
        &emulator,
        &format!(
            "{names}&range_start=2020-01-01T00:00:00Z&after={}",
            events[2].id
        ),
    )
    .await;
    assert_eq!(ids(&with_after), [events[3].id.clone()]);
}

#[tokio::test]
async fn bad_parameters_get_a_422_message() {
    let emulator = Emulator::start_default().await.unwrap();
    for query in [
        "",
        "events=",
        "events=dsync.user.deleted&limit=0",
        "events=dsync.user.deleted&limit=101",
        "events=dsync.user.deleted&limit=ten",
        "events=dsync.user.deleted&order=sideways",
        "events=dsync.user.deleted&range_start=yesterday",
        "events=dsync.user.deleted&range_end=2026-01-15T12:00:00%2B00:00",
    ] {
        let (status, body) = list(&emulator, query).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|text| !text.is_empty()),
            "{query}"
        );
    }
    let (status, _) = list(&emulator, "events=dsync.user.deleted&limit=100").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_api_key_is_required_like_on_the_other_api_routes() {
    let emulator = Emulator::start_default().await.unwrap();
    let url = emulator
        .base_url()
        .join("events?events=dsync.user.deleted")
        .unwrap();
    let (missing_key, body) = json(client().get(url.clone()).send().await.unwrap()).await;
    let (wrong_key, wrong) = json(
        client()
            .get(url)
            .bearer_auth("sk_test_wrong")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let connections = emulator.base_url().join("connections").unwrap();
    let (_, reference) = json(client().get(connections).send().await.unwrap()).await;
    assert_eq!(
        (missing_key, wrong_key),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!((&body, &wrong), (&reference, &reference));
}

#[tokio::test]
async fn event_ids_keep_increasing_across_a_reset_that_forgets_the_events() {
    let emulator = Emulator::start_default().await.unwrap();
    emulator.advance_clock(Duration::from_secs(3600));
    let before = emulator.deprovision_user("alice@example.com").unwrap();
    emulator.reset();
    assert!(emulator.events().is_empty());
    let after = emulator.deprovision_user("alice@example.com").unwrap();
    assert!(after > before, "{after} after {before}");
    let (_, page) = list(
        &emulator,
        &format!("events=dsync.user.updated&after={before}"),
    )
    .await;
    assert_eq!(ids(&page), [after]);
}

//! `GET /organizations` and `GET /organizations/{id}`, against the OpenAPI excerpt
//! `workos-openapi-organizations.yaml` (spec 7fd8359).

mod emulator_support;

use std::collections::BTreeSet;

use emulator_support::*;
use reqwest::StatusCode;
use rocket_workos_sso_emulator::{
    Emulator, Seed, AMBIGUOUS_ORG_ID, EXAMPLE_CONNECTION_ID, EXAMPLE_ORG_ID, GLOBEX_ORG_ID,
    INITECH_LABS_ORG_ID,
};
use serde_json::{json, Value};

// The schemas' properties and `required` lists, transcribed.
const LIST_KEYS: [&str; 3] = ["object", "data", "list_metadata"];
const LIST_METADATA_KEYS: [&str; 2] = ["before", "after"];
const ORGANIZATION_PROPERTIES: [&str; 10] = [
    "object",
    "id",
    "name",
    "domains",
    "metadata",
    "external_id",
    "stripe_customer_id",
    "created_at",
    "updated_at",
    "allow_profiles_outside_organization",
];
const ORGANIZATION_REQUIRED: [&str; 8] = [
    "object",
    "id",
    "name",
    "domains",
    "metadata",
    "external_id",
    "created_at",
    "updated_at",
];
const DOMAIN_PROPERTIES: [&str; 10] = [
    "object",
    "id",
    "organization_id",
    "domain",
    "state",
    "verification_prefix",
    "verification_token",
    "verification_strategy",
    "created_at",
    "updated_at",
];
const DOMAIN_REQUIRED: [&str; 6] = [
    "object",
    "id",
    "organization_id",
    "domain",
    "created_at",
    "updated_at",
];
const ERROR_KEYS: [&str; 1] = ["message"];

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

/// The keys of `value` outside `properties`, and the `required` keys it lacks.
fn schema_mismatch<'a>(
    value: &'a Value,
    properties: &[&str],
    required: &[&'a str],
) -> (Vec<&'a str>, Vec<&'a str>) {
    let present = keys(value);
    let extra = present
        .iter()
        .copied()
        .filter(|key| !properties.contains(key))
        .collect();
    let missing = required
        .iter()
        .copied()
        .filter(|key| !present.contains(key))
        .collect();
    (extra, missing)
}

async fn list(emulator: &Emulator, query: &str) -> Value {
    let (status, body) = json(api_get(emulator, &format!("organizations?{query}")).await).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

fn ids(page: &Value) -> Vec<&str> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|org| org["id"].as_str().unwrap())
        .collect()
}

fn sorted(mut ids: Vec<&str>) -> Vec<&str> {
    ids.sort_unstable();
    ids
}

/// Every organization ID of the default seed, newest first (the default order).
fn all_ids_newest_first() -> Vec<String> {
    let mut ids: Vec<String> = Seed::default()
        .organizations
        .into_iter()
        .map(|org| org.id)
        .collect();
    ids.sort_by(|left, right| right.cmp(left));
    ids
}

// ---- shapes ------------------------------------------------------------------------------------

#[tokio::test]
async fn a_list_has_exactly_the_list_schema_keys() {
    let emulator = Emulator::start_default().await.unwrap();
    let page = list(&emulator, "").await;
    assert_eq!(
        (keys(&page), keys(&page["list_metadata"]), &page["object"]),
        (
            BTreeSet::from(LIST_KEYS),
            BTreeSet::from(LIST_METADATA_KEYS),
            &json!("list")
        )
    );
}

#[tokio::test]
async fn every_listed_organization_and_domain_fits_its_schema() {
    let emulator = Emulator::start_default().await.unwrap();
    let page = list(&emulator, "limit=100").await;
    let mut mismatches = Vec::new();
    for org in page["data"].as_array().unwrap() {
        mismatches.push(schema_mismatch(
            org,
            &ORGANIZATION_PROPERTIES,
            &ORGANIZATION_REQUIRED,
        ));
        for domain in org["domains"].as_array().unwrap() {
            mismatches.push(schema_mismatch(
                domain,
                &DOMAIN_PROPERTIES,
                &DOMAIN_REQUIRED,
            ));
        }
    }
    assert_eq!(mismatches.len(), 6 + 5, "five organizations, six domains");
    assert!(
        mismatches
            .iter()
            .all(|(extra, missing)| extra.is_empty() && missing.is_empty()),
        "{mismatches:?}"
    );
}

#[tokio::test]
async fn an_organization_carries_its_seeded_values_and_typed_domains() {
    let emulator = Emulator::start_default().await.unwrap();
    let (status, org) =
        json(api_get(&emulator, &format!("organizations/{INITECH_LABS_ORG_ID}")).await).await;
    let domain = &org["domains"][1];
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        [
            &org["object"],
            &org["name"],
            &org["metadata"],
            &org["external_id"],
            &domain["object"],
            &domain["organization_id"],
            &domain["domain"],
            &domain["state"],
            &domain["verification_strategy"],
        ],
        [
            &json!("organization"),
            &json!("Initech Labs"),
            &json!({}),
            &Value::Null,
            &json!("organization_domain"),
            &json!(INITECH_LABS_ORG_ID),
            &json!("initech.test"),
            &json!("verified"),
            &json!("manual"),
        ]
    );
}

#[tokio::test]
async fn timestamps_are_iso_8601_from_the_id() {
    let emulator = Emulator::start_default().await.unwrap();
    let (_, org) = json(api_get(&emulator, &format!("organizations/{EXAMPLE_ORG_ID}")).await).await;
    let created_at = org["created_at"].as_str().unwrap();
    assert_eq!(
        (
            created_at.len(),
            created_at.ends_with('Z'),
            &org["updated_at"],
            &org["domains"][0]["created_at"]
        ),
        (
            "2026-01-15T12:00:00.000Z".len(),
            true,
            &json!(created_at),
            &json!(created_at)
        )
    );
}

#[tokio::test]
async fn a_fetched_organization_equals_its_list_entry() {
    let emulator = Emulator::start_default().await.unwrap();
    let page = list(&emulator, "domains=globex.test").await;
    let (_, fetched) =
        json(api_get(&emulator, &format!("organizations/{GLOBEX_ORG_ID}")).await).await;
    assert_eq!(page["data"], json!([fetched]));
}

#[tokio::test]
async fn a_connection_shows_its_organization_domains_under_the_same_ids() {
    let emulator = Emulator::start_default().await.unwrap();
    let (_, org) = json(api_get(&emulator, &format!("organizations/{EXAMPLE_ORG_ID}")).await).await;
    let (_, connection) =
        json(api_get(&emulator, &format!("connections/{EXAMPLE_CONNECTION_ID}")).await).await;
    assert_eq!(connection["domains"][0]["id"], org["domains"][0]["id"]);
}

// ---- the domains filter ------------------------------------------------------------------------

#[tokio::test]
async fn a_domain_claimed_by_two_organizations_finds_both() {
    let emulator = Emulator::start_default().await.unwrap();
    let page = list(&emulator, "domains=initech.test").await;
    assert_eq!(
        sorted(ids(&page)),
        sorted(vec![AMBIGUOUS_ORG_ID, INITECH_LABS_ORG_ID])
    );
}

#[tokio::test]
async fn the_domain_match_ignores_case() {
    let emulator = Emulator::start_default().await.unwrap();
    assert_eq!(
        ids(&list(&emulator, "domains=GLOBEX.Test").await),
        [GLOBEX_ORG_ID]
    );
}

#[tokio::test]
async fn several_domains_comma_separated_or_repeated_find_any_owner() {
    let emulator = Emulator::start_default().await.unwrap();
    let expected = sorted(vec![EXAMPLE_ORG_ID, GLOBEX_ORG_ID]);
    let comma = list(&emulator, "domains=globex.test,example.com").await;
    let repeated = list(&emulator, "domains=globex.test&domains=example.com").await;
    assert_eq!(
        (sorted(ids(&comma)), sorted(ids(&repeated))),
        (expected.clone(), expected)
    );
}

#[tokio::test]
async fn an_unclaimed_domain_finds_an_empty_page_without_cursors() {
    let emulator = Emulator::start_default().await.unwrap();
    assert_eq!(
        list(&emulator, "domains=nobody.test").await,
        json!({ "object": "list", "data": [], "list_metadata": { "before": null, "after": null } })
    );
}

#[tokio::test]
async fn a_domain_is_matched_whole_not_as_a_suffix() {
    let emulator = Emulator::start_default().await.unwrap();
    assert_eq!(
        ids(&list(&emulator, "domains=labs.test").await),
        Vec::<&str>::new()
    );
}

// ---- pagination --------------------------------------------------------------------------------

#[tokio::test]
async fn the_default_page_holds_every_organization_newest_first() {
    let emulator = Emulator::start_default().await.unwrap();
    let page = list(&emulator, "").await;
    assert_eq!(
        (ids(&page), &page["list_metadata"]),
        (
            all_ids_newest_first().iter().map(String::as_str).collect(),
            &json!({ "before": null, "after": null })
        )
    );
}

#[tokio::test]
async fn walking_after_cursors_visits_every_organization_once_in_order() {
    let emulator = Emulator::start_default().await.unwrap();
    let (mut seen, mut query) = (Vec::new(), "limit=2".to_owned());
    loop {
        let page = list(&emulator, &query).await;
        seen.extend(ids(&page).into_iter().map(String::from));
        match page["list_metadata"]["after"].as_str() {
            Some(after) => query = format!("limit=2&after={after}"),
            None => break,
        }
    }
    assert_eq!(seen, all_ids_newest_first());
}

#[tokio::test]
async fn a_before_cursor_walks_back_to_the_first_page() {
    let emulator = Emulator::start_default().await.unwrap();
    let first = list(&emulator, "limit=2&order=asc").await;
    let after = first["list_metadata"]["after"].as_str().unwrap();
    let second = list(&emulator, &format!("limit=2&order=asc&after={after}")).await;
    let before = second["list_metadata"]["before"].as_str().unwrap();
    let back = list(&emulator, &format!("limit=2&order=asc&before={before}")).await;
    assert_eq!(
        (
            ids(&back),
            &back["list_metadata"]["before"],
            ids(&second).len()
        ),
        (ids(&first), &Value::Null, 2)
    );
}

#[tokio::test]
async fn ascending_order_is_the_default_order_reversed() {
    let emulator = Emulator::start_default().await.unwrap();
    let mut expected = all_ids_newest_first();
    expected.reverse();
    assert_eq!(ids(&list(&emulator, "order=asc").await), expected);
}

#[tokio::test]
async fn normal_order_is_newest_first_with_before_fetching_older_organizations() {
    let emulator = Emulator::start_default().await.unwrap();
    let newest = all_ids_newest_first();
    let first = list(&emulator, "limit=2&order=normal").await;
    let older_cursor = first["list_metadata"]["before"].as_str().unwrap();
    let older = list(
        &emulator,
        &format!("limit=2&order=normal&before={older_cursor}"),
    )
    .await;
    assert_eq!(
        (ids(&first), &first["list_metadata"]["after"], ids(&older)),
        (
            vec![newest[0].as_str(), newest[1].as_str()],
            &Value::Null,
            vec![newest[2].as_str(), newest[3].as_str()]
        )
    );
}

#[tokio::test]
async fn the_filter_and_paging_combine() {
    let emulator = Emulator::start_default().await.unwrap();
    let first = list(&emulator, "domains=initech.test&limit=1").await;
    let after = first["list_metadata"]["after"].as_str().unwrap();
    let second = list(
        &emulator,
        &format!("domains=initech.test&limit=1&after={after}"),
    )
    .await;
    assert_eq!(
        (ids(&first), ids(&second), &second["list_metadata"]["after"]),
        (
            vec![INITECH_LABS_ORG_ID],
            vec![AMBIGUOUS_ORG_ID],
            &Value::Null
        )
    );
}

// ---- errors ------------------------------------------------------------------------------------

/// Status and body keys of a GET that must fail, and whether its message is a non-empty string.
async fn refused(
    emulator: &Emulator,
    path_and_query: &str,
) -> (StatusCode, BTreeSet<String>, bool) {
    let (status, body) = json(api_get(emulator, path_and_query).await).await;
    let keys = keys(&body).into_iter().map(String::from).collect();
    let has_message = body["message"]
        .as_str()
        .is_some_and(|text| !text.is_empty());
    (status, keys, has_message)
}

fn message_only(status: StatusCode) -> (StatusCode, BTreeSet<String>, bool) {
    (status, ERROR_KEYS.map(String::from).into(), true)
}

#[tokio::test]
async fn a_limit_out_of_range_is_unprocessable() {
    let emulator = Emulator::start_default().await.unwrap();
    for limit in ["0", "101", "-1", "ten", "1.5"] {
        assert_eq!(
            refused(&emulator, &format!("organizations?limit={limit}")).await,
            message_only(StatusCode::UNPROCESSABLE_ENTITY),
            "limit={limit}"
        );
    }
}

#[tokio::test]
async fn the_limits_of_the_range_are_accepted() {
    let emulator = Emulator::start_default().await.unwrap();
    let sizes = [
        ids(&list(&emulator, "limit=1").await).len(),
        ids(&list(&emulator, "limit=100").await).len(),
    ];
    assert_eq!(sizes, [1, 5]);
}

#[tokio::test]
async fn an_unknown_order_or_two_cursors_are_unprocessable() {
    let emulator = Emulator::start_default().await.unwrap();
    for query in [
        "order=sideways".to_owned(),
        format!("before={EXAMPLE_ORG_ID}&after={GLOBEX_ORG_ID}"),
    ] {
        assert_eq!(
            refused(&emulator, &format!("organizations?{query}")).await,
            message_only(StatusCode::UNPROCESSABLE_ENTITY),
            "{query}"
        );
    }
}

#[tokio::test]
async fn an_unknown_organization_is_not_found_with_the_spec_message() {
    let emulator = Emulator::start_default().await.unwrap();
    let id = "org_01EHQMYV6MBK39QC5PZXHY59C3";
    let (status, body) = json(api_get(&emulator, &format!("organizations/{id}")).await).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({ "message": "Organization not found: 'org_01EHQMYV6MBK39QC5PZXHY59C3'." })
        )
    );
}

#[tokio::test]
async fn the_organization_api_needs_the_api_key() {
    let emulator = Emulator::start_default().await.unwrap();
    let mut statuses = Vec::new();
    for path in [
        "organizations".to_owned(),
        format!("organizations/{EXAMPLE_ORG_ID}"),
    ] {
        let url = emulator.base_url().join(&path).unwrap();
        let anonymous = client().get(url.clone()).send().await.unwrap();
        let wrong = client()
            .get(url)
            .bearer_auth("sk_test_wrong")
            .send()
            .await
            .unwrap();
        for response in [anonymous, wrong] {
            let (status, body) = json(response).await;
            statuses.push((status, body["message"].is_string()));
        }
    }
    assert_eq!(statuses, [(StatusCode::UNAUTHORIZED, true); 4]);
}

#[tokio::test]
async fn organization_requests_are_counted_per_path() {
    let emulator = Emulator::start_default().await.unwrap();
    list(&emulator, "domains=example.com").await;
    list(&emulator, "limit=1").await;
    api_get(&emulator, &format!("organizations/{EXAMPLE_ORG_ID}")).await;
    assert_eq!(
        (
            emulator.request_count_for("GET", "/organizations"),
            emulator.request_count(&format!("/organizations/{EXAMPLE_ORG_ID}"))
        ),
        (2, 1)
    );
}

#[tokio::test]
async fn an_organization_added_at_run_time_is_listed_under_its_domain() {
    let emulator = Emulator::start_default().await.unwrap();
    let hooli = rocket_workos_sso_emulator::Organization::new("Hooli", ["hooli.test"]);
    let id = hooli.id.clone();
    emulator.add_organization(hooli);
    assert_eq!(
        ids(&list(&emulator, "domains=hooli.test").await),
        [id.as_str()]
    );
}

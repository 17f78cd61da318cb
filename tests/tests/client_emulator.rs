//! The WorkOS client against the emulator: the whole SSO flow, the error variants a caller branches on,
//! and the retry rules (GETs retried, `/sso/token` never), counted by the emulator itself.

use std::time::{Duration, Instant};

use rocket_workos_sso::client::{
    ApiErrorKind, AuthorizationCode, AuthorizationRequest, ConnectionSelector,
    DomainVerificationStrategy, ListConnections, ListOrganizations, Order, Organization,
    OrganizationDomainState, PkceVerifier, PortalIntent, PortalLinkRequest, State,
    TransportErrorKind,
};
use rocket_workos_sso::config::WorkosConfig;
use rocket_workos_sso::config::{ApiKey, ClientId};
use rocket_workos_sso::emulator::{
    self, AutoLogin, Emulator, Fault, AMBIGUOUS_ORG_ID, EXAMPLE_CONNECTION_ID, EXAMPLE_ORG_ID,
    GLOBEX_ORG_ID, INITECH_LABS_ORG_ID,
};
use rocket_workos_sso::{WorkosClient, WorkosError};
use url::Url;

const REDIRECT_URI: &str = "http://127.0.0.1:8000/callback";

async fn emulator() -> Emulator {
    Emulator::builder()
        .redirect_uri(REDIRECT_URI)
        .auto_login(AutoLogin::FirstUser)
        .start()
        .await
        .expect("the emulator starts on 127.0.0.1")
}

fn client_with(emulator: &Emulator, api_key: &str, request_timeout: Duration) -> WorkosClient {
    let config = WorkosConfig::builder(
        ApiKey::new(api_key).unwrap(),
        ClientId::new(emulator.client_id()).unwrap(),
    )
    .base_url(emulator.base_url().as_str())
    .request_timeout(request_timeout)
    .retry_backoff(Duration::from_millis(10))
    .build()
    .unwrap();
    WorkosClient::new(config).unwrap()
}

fn client(emulator: &Emulator) -> WorkosClient {
    client_with(emulator, emulator.api_key(), Duration::from_secs(5))
}

/// The browser's leg: follow the authorization URL once (auto-login answers with the callback redirect)
/// and read the callback's query.
async fn browser_signs_in(url: Url) -> Vec<(String, String)> {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = browser.get(url).send().await.unwrap();
    assert_eq!(
        response.status(),
        302,
        "authorize redirects to the callback"
    );
    let location = response.headers()["location"].to_str().unwrap();
    let callback = Url::parse(location).unwrap();
    assert_eq!(&callback[..url::Position::AfterPath], REDIRECT_URI);
    callback.query_pairs().into_owned().collect()
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> &'a str {
    query
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .unwrap_or_else(|| panic!("the callback has no `{name}`: {query:?}"))
}

/// Runs authorize for the Example Corp organization and returns the code.
async fn sign_in(client: &WorkosClient, pkce: Option<&PkceVerifier>) -> AuthorizationCode {
    let state = State::generate();
    let mut request = AuthorizationRequest::new(
        Url::parse(REDIRECT_URI).unwrap(),
        ConnectionSelector::Organization(EXAMPLE_ORG_ID.into()),
    )
    .state(&state);
    if let Some(verifier) = pkce {
        request = request.pkce(verifier);
    }
    let query = browser_signs_in(client.authorization_url(&request)).await;
    assert!(
        state.matches(param(&query, "state")),
        "state comes back unchanged"
    );
    AuthorizationCode::new(param(&query, "code"))
}

fn api_kind(result: Result<impl std::fmt::Debug, WorkosError>) -> ApiErrorKind {
    result
        .expect_err("the call fails")
        .api_kind()
        .expect("a WorkOS API error")
}

#[tokio::test]
async fn the_flow_completes_without_pkce() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let code = sign_in(&client, None).await;

    let signed_in = client.exchange_code(&code, None).await.unwrap();
    assert_eq!(signed_in.profile.email, "alice@example.com");
    assert_eq!(
        signed_in.profile.organization_id.as_deref(),
        Some(EXAMPLE_ORG_ID)
    );
    assert_eq!(signed_in.profile.connection_id, EXAMPLE_CONNECTION_ID);
    assert_eq!(signed_in.token_type.as_deref(), Some("Bearer"));

    let profile = client.get_profile(&signed_in.access_token).await.unwrap();
    assert_eq!(profile, signed_in.profile);
}

#[tokio::test]
async fn the_flow_completes_with_pkce_and_refuses_a_wrong_verifier() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let verifier = PkceVerifier::generate();
    let code = sign_in(&client, Some(&verifier)).await;
    let signed_in = client.exchange_code(&code, Some(&verifier)).await.unwrap();
    assert_eq!(signed_in.profile.email, "alice@example.com");

    let code = sign_in(&client, Some(&verifier)).await;
    let wrong = PkceVerifier::generate();
    assert_eq!(
        api_kind(client.exchange_code(&code, Some(&wrong)).await),
        ApiErrorKind::InvalidGrant
    );
    let code = sign_in(&client, Some(&verifier)).await;
    assert_eq!(
        api_kind(client.exchange_code(&code, None).await),
        ApiErrorKind::InvalidGrant
    );
}

#[tokio::test]
async fn a_reused_code_is_an_invalid_grant() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let code = sign_in(&client, None).await;
    client.exchange_code(&code, None).await.unwrap();
    assert_eq!(
        api_kind(client.exchange_code(&code, None).await),
        ApiErrorKind::InvalidGrant
    );
}

#[tokio::test]
async fn an_expired_code_is_an_invalid_grant() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let code = sign_in(&client, None).await;
    emulator.advance_clock(Duration::from_secs(10 * 60 + 1));
    assert_eq!(
        api_kind(client.exchange_code(&code, None).await),
        ApiErrorKind::InvalidGrant
    );
}

#[tokio::test]
async fn a_wrong_secret_is_an_invalid_client_and_never_shown() {
    let emulator = emulator().await;
    let code = sign_in(&client(&emulator), None).await;
    let wrong_key = "sk_test_wrong_key_0123456789";
    let impostor = client_with(&emulator, wrong_key, Duration::from_secs(5));
    let error = impostor.exchange_code(&code, None).await.unwrap_err();
    assert_eq!(error.api_kind(), Some(ApiErrorKind::InvalidClient));
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(wrong_key), "{shown}");
}

#[tokio::test]
async fn a_bad_access_token_is_unauthorized() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let token = rocket_workos_sso::client::AccessToken::new("not-a-token");
    assert_eq!(
        api_kind(client.get_profile(&token).await),
        ApiErrorKind::Unauthorized
    );
}

#[tokio::test]
async fn a_503_on_a_get_is_retried_and_then_succeeds() {
    let emulator = emulator().await;
    let client = client(&emulator);
    emulator.inject("/connections", Fault::Status(503), 2);
    let list = client
        .list_connections(&ListConnections::new())
        .await
        .unwrap();
    assert!(!list.data.is_empty());
    assert_eq!(emulator.request_count("/connections"), 3);
}

#[tokio::test]
async fn a_429_on_a_get_waits_for_retry_after() {
    let emulator = emulator().await;
    let client = client(&emulator);
    emulator.inject(
        "/sso/profile",
        Fault::RateLimited {
            retry_after: Duration::from_secs(1),
        },
        1,
    );
    let code = sign_in(&client, None).await;
    let signed_in = client.exchange_code(&code, None).await.unwrap();
    let started = Instant::now();
    client.get_profile(&signed_in.access_token).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the client waited as told"
    );
    assert_eq!(emulator.request_count("/sso/profile"), 2);
}

#[tokio::test]
async fn the_token_exchange_is_sent_exactly_once_whatever_goes_wrong() {
    let faults = [
        Fault::Status(503),
        Fault::Status(500),
        Fault::RateLimited {
            retry_after: Duration::from_secs(1),
        },
        Fault::DropConnection,
        Fault::TruncatedBody,
        Fault::MalformedJson,
    ];
    for fault in faults {
        let emulator = emulator().await;
        let client = client(&emulator);
        let code = sign_in(&client, None).await;
        emulator.inject("/sso/token", fault.clone(), 1);
        assert!(
            client.exchange_code(&code, None).await.is_err(),
            "{fault:?}"
        );
        assert_eq!(
            emulator.request_count("/sso/token"),
            1,
            "{fault:?} was retried"
        );
    }
}

#[tokio::test]
async fn a_delay_past_the_timeout_returns_a_timeout_error_within_the_bound() {
    let emulator = emulator().await;
    let client = client_with(&emulator, emulator.api_key(), Duration::from_secs(1));
    let code = sign_in(&client, None).await;
    emulator.inject("/sso/token", Fault::Delay(Duration::from_secs(10)), 1);
    let started = Instant::now();
    let error = client.exchange_code(&code, None).await.unwrap_err();
    assert_eq!(
        error.transport_kind(),
        Some(TransportErrorKind::Timeout),
        "{error}"
    );
    // Generous slack for a loaded machine, still far below the injected 10 s.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );

    emulator.inject("/connections", Fault::Delay(Duration::from_secs(10)), 1);
    let started = Instant::now();
    let error = client
        .list_connections(&ListConnections::new())
        .await
        .unwrap_err();
    assert_eq!(
        error.transport_kind(),
        Some(TransportErrorKind::Timeout),
        "{error}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn connections_are_listed_across_pages_fetched_and_deleted() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let first_page = client
        .list_connections(&ListConnections::new().limit(2).unwrap())
        .await
        .unwrap();
    assert_eq!(first_page.data.len(), 2);
    assert!(first_page.list_metadata.after.is_some());
    let all = client
        .list_all_connections(ListConnections::new().limit(2).unwrap())
        .await
        .unwrap();
    let everything = client
        .list_connections(&ListConnections::new().limit(100).unwrap())
        .await
        .unwrap();
    let ids = |connections: &[rocket_workos_sso::client::Connection]| {
        let mut ids: Vec<String> = connections.iter().map(|c| c.id.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&all), ids(&everything.data));
    assert!(all.len() > 2, "the seed spans several pages of two");

    let globex = client
        .list_connections(&ListConnections::new().organization_id(GLOBEX_ORG_ID))
        .await
        .unwrap();
    assert!(globex
        .data
        .iter()
        .all(|c| c.organization_id.as_deref() == Some(GLOBEX_ORG_ID)));
    let connection = &globex.data[0];

    assert_eq!(
        client.get_connection(&connection.id).await.unwrap().id,
        connection.id
    );
    client.delete_connection(&connection.id).await.unwrap();
    assert_eq!(
        api_kind(client.get_connection(&connection.id).await),
        ApiErrorKind::NotFound
    );
    assert_eq!(
        api_kind(client.delete_connection(&connection.id).await),
        ApiErrorKind::NotFound
    );
}

#[tokio::test]
async fn a_portal_link_points_at_the_emulator_and_unknown_organizations_are_refused() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let link = client
        .generate_portal_link(&PortalLinkRequest::new(EXAMPLE_ORG_ID, PortalIntent::Sso))
        .await
        .unwrap();
    let link = Url::parse(link.expose()).unwrap();
    assert_eq!(link.origin(), emulator.base_url().origin());
    let page = reqwest::get(link).await.unwrap();
    assert_eq!(page.status(), 200);

    let unknown = PortalLinkRequest::new("org_01UNKNOWN0000000000000000", PortalIntent::Sso);
    let kind = api_kind(client.generate_portal_link(&unknown).await);
    assert!(
        matches!(
            kind,
            ApiErrorKind::NotFound | ApiErrorKind::UnprocessableEntity
        ),
        "{kind:?}"
    );
}

// ---- organizations -----------------------------------------------------------------------------

fn sorted_ids(organizations: &[Organization]) -> Vec<&str> {
    let mut ids: Vec<&str> = organizations.iter().map(|org| org.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn both_organizations_claiming_a_domain_are_found_with_typed_domains() {
    let emulator = emulator().await;
    let found = client(&emulator)
        .organizations_by_domain("Initech.test")
        .await
        .unwrap();
    let mut expected = vec![AMBIGUOUS_ORG_ID, INITECH_LABS_ORG_ID];
    expected.sort_unstable();
    assert_eq!(sorted_ids(&found), expected);
    let claims: Vec<_> = found
        .iter()
        .flat_map(|org| &org.domains)
        .filter(|claim| claim.domain == "initech.test")
        .map(|claim| {
            (
                claim.id.starts_with("org_domain_"),
                claim.state.clone(),
                claim.verification_strategy.clone(),
            )
        })
        .collect();
    let verified = (
        true,
        Some(OrganizationDomainState::Verified),
        Some(DomainVerificationStrategy::Manual),
    );
    assert_eq!(claims, [verified.clone(), verified]);
}

#[tokio::test]
async fn an_organization_is_read_with_every_required_field() {
    let emulator = emulator().await;
    let org = client(&emulator)
        .get_organization(INITECH_LABS_ORG_ID)
        .await
        .unwrap();
    let domains: Vec<(&str, &str)> = org
        .domains
        .iter()
        .map(|claim| (claim.domain.as_str(), claim.organization_id.as_str()))
        .collect();
    assert_eq!(
        (
            org.name.as_str(),
            domains,
            org.metadata.is_empty(),
            org.external_id,
            org.created_at.len()
        ),
        (
            "Initech Labs",
            vec![
                ("initech-labs.test", INITECH_LABS_ORG_ID),
                ("initech.test", INITECH_LABS_ORG_ID)
            ],
            true,
            None,
            "2026-01-15T12:00:00.000Z".len()
        )
    );
}

#[tokio::test]
async fn organizations_are_paged_forward_and_back() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let request = ListOrganizations::new().order(Order::Asc).limit(2).unwrap();
    let first = client.list_organizations(&request).await.unwrap();
    let after = first.list_metadata.after.clone().expect("more than two");
    let second = client
        .list_organizations(&request.clone().after(after))
        .await
        .unwrap();
    let before = second.list_metadata.before.clone().expect("a page back");
    let back = client
        .list_organizations(&request.clone().before(before))
        .await
        .unwrap();
    assert_eq!(
        (back, second.data.len(), first.list_metadata.before.clone()),
        (first, 2, None)
    );
}

#[tokio::test]
async fn a_domain_claimed_by_many_organizations_is_followed_across_pages() {
    let emulator = emulator().await;
    for n in 0..150 {
        emulator.add_organization(emulator::Organization::new(
            format!("Tenant {n}"),
            ["many.test"],
        ));
    }
    let found = client(&emulator)
        .organizations_by_domain("many.test")
        .await
        .unwrap();
    let mut ids = sorted_ids(&found);
    ids.dedup();
    assert_eq!(
        (ids.len(), emulator.request_count("/organizations")),
        (150, 2)
    );
}

#[tokio::test]
async fn organization_errors_have_their_kinds() {
    let emulator = emulator().await;
    let unknown = client(&emulator)
        .get_organization("org_01EHQMYV6MBK39QC5PZXHY59C3")
        .await;
    let wrong_key = client_with(&emulator, "sk_test_wrong", Duration::from_secs(5))
        .list_organizations(&ListOrganizations::new().domain("example.com"))
        .await;
    assert_eq!(
        (api_kind(unknown), api_kind(wrong_key)),
        (ApiErrorKind::NotFound, ApiErrorKind::Unauthorized)
    );
}

#[tokio::test]
async fn a_503_on_the_organization_list_is_retried() {
    let emulator = emulator().await;
    emulator.inject("/organizations", Fault::Status(503), 2);
    let found = client(&emulator)
        .organizations_by_domain("globex.test")
        .await
        .unwrap();
    assert_eq!(
        (sorted_ids(&found), emulator.request_count("/organizations")),
        (vec![GLOBEX_ORG_ID], 3)
    );
}

//! The client's HTTP behaviour against a local test server: retries, timeouts, redirects, headers and errors.

use std::time::{Duration, Instant};

use super::test_server::{Reply, TestServer};
use super::*;
use crate::client::config::{ApiKey, ClientId, WorkosConfigBuilder};

const API_KEY: &str = "sk_test_a1b2c3d4e5";
const CODE: &str = "01JCFSECZP11HYGCPWPQ5E6EYC";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

const PROFILE: &str = r#"{"object":"profile","id":"prof_1","organization_id":"org_1","connection_id":"conn_1",
    "connection_type":"OktaSAML","idp_id":"idp_1","email":"dana@foo-corp.com","first_name":"Dana",
    "last_name":"Reyes","name":"Dana Reyes","raw_attributes":{}}"#;

const CONNECTION: &str = r#"{"object":"connection","id":"conn_1","organization_id":"org_1",
    "connection_type":"OktaSAML","name":"Foo Corp","state":"active","status":"linked","domains":[],
    "created_at":"2026-05-11T09:14:27.381Z","updated_at":"2026-05-11T09:14:27.381Z"}"#;

const ORGANIZATION: &str = r#"{"object":"organization","id":"org_1","name":"Foo Corp","domains":[],
    "metadata":{},"external_id":null,"created_at":"2026-05-11T09:14:27.381Z","updated_at":"2026-05-11T09:14:27.381Z"}"#;

/// A page of one organization whose `after` cursor is `after` (JSON: `null` or a quoted ID).
fn organization_page(after: &str) -> String {
    format!(
        r#"{{"object":"list","data":[{ORGANIZATION}],"list_metadata":{{"before":null,"after":{after}}}}}"#
    )
}

fn token_response() -> String {
    format!(
        r#"{{"token_type":"Bearer","access_token":"at_secret_1","expires_in":600,"profile":{PROFILE}}}"#
    )
}

fn client_with(
    server: &TestServer,
    configure: impl FnOnce(WorkosConfigBuilder) -> WorkosConfigBuilder,
) -> WorkosClient {
    let builder = WorkosConfig::builder(
        ApiKey::new(API_KEY).unwrap(),
        ClientId::new("client_123").unwrap(),
    )
    .base_url(server.base_url())
    .retry_backoff(Duration::from_millis(1));
    WorkosClient::new(configure(builder).build().unwrap()).unwrap()
}

fn client(server: &TestServer) -> WorkosClient {
    client_with(server, |builder| builder)
}

fn verifier() -> PkceVerifier {
    PkceVerifier::new(VERIFIER.to_owned()).unwrap()
}

#[tokio::test]
async fn get_is_retried_after_503_and_succeeds() {
    let server = TestServer::start(vec![Reply::new(503, "{}"), Reply::new(200, CONNECTION)]).await;
    let connection = client(&server).get_connection("conn_1").await.unwrap();
    assert_eq!(connection.id, "conn_1");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn get_gives_up_after_max_retries() {
    let replies = (0..5)
        .map(|_| Reply::new(500, r#"{"message":"boom"}"#))
        .collect();
    let server = TestServer::start(replies).await;
    let err = client(&server).get_connection("conn_1").await.unwrap_err();
    assert_eq!(err.api_kind(), Some(ApiErrorKind::Server));
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn rate_limited_get_waits_for_retry_after() {
    let server = TestServer::start(vec![
        Reply::new(429, r#"{"message":"Too many requests"}"#).header("Retry-After", "1"),
        Reply::new(200, PROFILE),
    ])
    .await;
    let started = Instant::now();
    let profile = client(&server)
        .get_profile(&AccessToken::new("at_1"))
        .await
        .unwrap();
    assert_eq!(profile.id, "prof_1");
    assert_eq!(server.requests().len(), 2);
    // The configured backoff is 1 ms, so only honouring Retry-After explains a wait this long.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn retry_after_beyond_the_cap_is_returned_immediately() {
    let server = TestServer::start(vec![Reply::new(429, "{}").header("Retry-After", "120")]).await;
    let err = client(&server).get_connection("conn_1").await.unwrap_err();
    let WorkosError::Api(api) = err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(
        (api.kind(), api.retry_after),
        (ApiErrorKind::RateLimited, Some(Duration::from_secs(120)))
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn token_exchange_is_sent_once_even_on_503() {
    let server = TestServer::start(vec![
        Reply::new(503, "{}"),
        Reply::new(200, &token_response()),
    ])
    .await;
    let err = client(&server)
        .exchange_code(&AuthorizationCode::new(CODE), Some(&verifier()))
        .await
        .unwrap_err();
    assert_eq!(err.api_kind(), Some(ApiErrorKind::Server));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn token_exchange_is_sent_once_even_on_429() {
    let server = TestServer::start(vec![Reply::new(429, "{}").header("Retry-After", "1")]).await;
    let err = client(&server)
        .exchange_code(&AuthorizationCode::new(CODE), None)
        .await
        .unwrap_err();
    assert_eq!(err.api_kind(), Some(ApiErrorKind::RateLimited));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn token_exchange_posts_the_contract_json_with_the_api_key_as_bearer() {
    let server = TestServer::start(vec![Reply::new(200, &token_response())]).await;
    let login = client(&server)
        .exchange_code(&AuthorizationCode::new(CODE), Some(&verifier()))
        .await
        .unwrap();
    assert_eq!(login.profile.email, "dana@foo-corp.com");
    assert_eq!(login.access_token.expose(), "at_secret_1");
    let request = &server.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("POST", "/sso/token")
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {API_KEY}").as_str())
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "client_id": "client_123", "client_secret": API_KEY, "grant_type": "authorization_code",
            "code": CODE, "code_verifier": VERIFIER,
        })
    );
}

#[tokio::test]
async fn every_request_identifies_the_library_and_asks_for_json() {
    let server = TestServer::start(vec![Reply::new(200, CONNECTION)]).await;
    client_with(&server, |b| b.user_agent_suffix("my-app/1.2"))
        .get_connection("conn_1")
        .await
        .unwrap();
    let request = &server.requests()[0];
    let expected_agent = format!("rocket-workos-sso/{} my-app/1.2", env!("CARGO_PKG_VERSION"));
    assert_eq!(request.header("user-agent"), Some(expected_agent.as_str()));
    assert_eq!(request.header("accept"), Some("application/json"));
}

#[tokio::test]
async fn invalid_grant_is_classified_and_its_display_holds_no_secrets() {
    let body = format!(
        r#"{{"error":"invalid_grant","error_description":"The code '{CODE}' has expired or is invalid."}}"#
    );
    let server =
        TestServer::start(vec![Reply::new(400, &body).header("X-Request-ID", "req_42")]).await;
    let err = client(&server)
        .exchange_code(&AuthorizationCode::new(CODE), Some(&verifier()))
        .await
        .unwrap_err();
    assert_eq!(err.api_kind(), Some(ApiErrorKind::InvalidGrant));
    let shown = format!("{err} {err:?}");
    for secret in [CODE, VERIFIER, API_KEY] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

#[tokio::test]
async fn api_key_echoed_in_an_error_is_scrubbed() {
    let body = format!(r#"{{"message":"Invalid API key '{API_KEY}'"}}"#);
    let server = TestServer::start(vec![Reply::new(401, &body)]).await;
    let err = client(&server).get_connection("conn_1").await.unwrap_err();
    assert_eq!(err.api_kind(), Some(ApiErrorKind::Unauthorized));
    assert!(!format!("{err} {err:?}").contains(API_KEY), "{err}");
}

#[tokio::test]
async fn undecodable_token_response_is_not_quoted() {
    let server = TestServer::start(vec![Reply::new(
        200,
        r#"{"access_token":"at_secret_1","profile":{}}"#,
    )])
    .await;
    let err = client(&server)
        .exchange_code(&AuthorizationCode::new(CODE), None)
        .await
        .unwrap_err();
    let WorkosError::Decode(decode) = &err else {
        panic!("expected a decode error, got {err:?}")
    };
    assert_eq!(decode.excerpt, None);
    assert!(!format!("{err} {err:?}").contains("at_secret_1"));
}

#[tokio::test]
async fn profile_is_fetched_with_the_access_token_not_the_api_key() {
    let server = TestServer::start(vec![Reply::new(200, PROFILE)]).await;
    let token = AccessToken::new("at_secret_1");
    client(&server).get_profile(&token).await.unwrap();
    let request = &server.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("GET", "/sso/profile")
    );
    assert_eq!(request.header("authorization"), Some("Bearer at_secret_1"));
}

#[tokio::test]
async fn slow_response_times_out_within_the_configured_bound() {
    let server = TestServer::start(vec![
        Reply::new(200, CONNECTION).delayed(Duration::from_secs(10))
    ])
    .await;
    let client = client_with(&server, |b| b.request_timeout(Duration::from_millis(300)));
    let started = Instant::now();
    let err = client.get_connection("conn_1").await.unwrap_err();
    assert_eq!(err.transport_kind(), Some(TransportErrorKind::Timeout));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn refused_connection_is_a_connect_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = WorkosConfig::builder(
        ApiKey::new(API_KEY).unwrap(),
        ClientId::new("client_123").unwrap(),
    )
    .base_url(format!("http://127.0.0.1:{port}"))
    .retry_backoff(Duration::from_millis(1))
    .build()
    .unwrap();
    let err = WorkosClient::new(config)
        .unwrap()
        .get_connection("conn_1")
        .await
        .unwrap_err();
    assert_eq!(err.transport_kind(), Some(TransportErrorKind::Connect));
    assert!(!err.to_string().contains(API_KEY));
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = TestServer::start(vec![
        Reply::new(302, "").header("Location", "/elsewhere"),
        Reply::new(200, CONNECTION),
    ])
    .await;
    let err = client(&server).get_connection("conn_1").await.unwrap_err();
    let WorkosError::Api(api) = err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!((api.status, api.kind()), (302, ApiErrorKind::Other));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn request_id_is_captured() {
    let server = TestServer::start(vec![
        Reply::new(404, r#"{"message":"Not found"}"#).header("X-Request-ID", "req_01HX")
    ])
    .await;
    let err = client(&server)
        .get_connection("conn_missing")
        .await
        .unwrap_err();
    let WorkosError::Api(api) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(api.request_id.as_deref(), Some("req_01HX"));
    assert_eq!(api.kind(), ApiErrorKind::NotFound);
    assert!(err.to_string().contains("req_01HX"), "{err}");
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_an_excerpt() {
    let server = TestServer::start(vec![Reply::new(200, r#"{"id": "conn_1", "name": "#)]).await;
    let err = client(&server).get_connection("conn_1").await.unwrap_err();
    let WorkosError::Decode(decode) = &err else {
        panic!("expected a decode error, got {err:?}")
    };
    assert_eq!(
        decode.excerpt.as_deref(),
        Some(r#"{"id": "conn_1", "name": "#)
    );
    assert!(!decode.message.is_empty());
}

#[tokio::test]
async fn list_connections_sends_filters_and_the_api_key() {
    let page = format!(r#"{{"data":[{CONNECTION}],"list_metadata":{{}}}}"#);
    let server = TestServer::start(vec![Reply::new(200, &page)]).await;
    let params = ListConnections::new()
        .organization_id("org_1")
        .limit(5)
        .unwrap();
    let list = client(&server).list_connections(&params).await.unwrap();
    assert_eq!(list.data.len(), 1);
    let request = &server.requests()[0];
    assert_eq!(request.target, "/connections?organization_id=org_1&limit=5");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {API_KEY}").as_str())
    );
}

#[tokio::test]
async fn list_all_connections_follows_after_cursors() {
    let first = format!(
        r#"{{"object":"list","data":[{CONNECTION}],"list_metadata":{{"before":null,"after":"conn_1"}}}}"#
    );
    let last = format!(r#"{{"data":[{CONNECTION}],"list_metadata":{{"after":null}}}}"#);
    let server = TestServer::start(vec![Reply::new(200, &first), Reply::new(200, &last)]).await;
    let all = client(&server)
        .list_all_connections(ListConnections::new().limit(1).unwrap())
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        ["/connections?limit=1", "/connections?limit=1&after=conn_1"]
    );
}

#[tokio::test]
async fn delete_connection_accepts_an_empty_204() {
    let server = TestServer::start(vec![Reply::new(204, "")]).await;
    client(&server).delete_connection("conn_1").await.unwrap();
    let request = &server.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("DELETE", "/connections/conn_1")
    );
}

#[tokio::test]
async fn delete_connection_is_not_retried() {
    let server = TestServer::start(vec![Reply::new(503, ""), Reply::new(204, "")]).await;
    let err = client(&server)
        .delete_connection("conn_1")
        .await
        .unwrap_err();
    assert_eq!(err.api_kind(), Some(ApiErrorKind::Server));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn portal_link_is_generated_from_a_201() {
    let link = "https://setup.workos.com/portal/launch?secret=s3cr3t";
    let server = TestServer::start(vec![Reply::new(201, &format!(r#"{{"link":"{link}"}}"#))]).await;
    let request = PortalLinkRequest::new("org_1", PortalIntent::Sso);
    let generated = client(&server)
        .generate_portal_link(&request)
        .await
        .unwrap();
    assert_eq!(generated.expose(), link);
    let recorded = &server.requests()[0];
    assert_eq!(
        (recorded.method.as_str(), recorded.target.as_str()),
        ("POST", "/portal/generate_link")
    );
    assert_eq!(recorded.body, r#"{"organization":"org_1","intent":"sso"}"#);
}

#[tokio::test]
async fn organizations_by_domain_follows_after_cursors_over_pages_of_100() {
    let replies = vec![
        Reply::new(200, &organization_page(r#""org_1""#)),
        Reply::new(200, &organization_page("null")),
    ];
    let server = TestServer::start(replies).await;
    let found = client(&server)
        .organizations_by_domain("foo-corp.com")
        .await
        .unwrap();
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        (found.len(), targets),
        (
            2,
            vec![
                "/organizations?domains=foo-corp.com&limit=100".to_owned(),
                "/organizations?domains=foo-corp.com&limit=100&after=org_1".to_owned()
            ]
        )
    );
}

#[tokio::test]
async fn organizations_by_domain_gives_up_after_its_page_bound() {
    let replies = (0..=MAX_DOMAIN_PAGES)
        .map(|_| Reply::new(200, &organization_page(r#""org_1""#)))
        .collect();
    let server = TestServer::start(replies).await;
    let err = client(&server)
        .organizations_by_domain("foo-corp.com")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WorkosError::ListTooLong {
                pages: MAX_DOMAIN_PAGES,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), MAX_DOMAIN_PAGES);
}

#[tokio::test]
async fn organizations_by_an_empty_or_compound_domain_are_none_without_a_request() {
    let server = TestServer::start(Vec::new()).await;
    let client = client(&server);
    for domain in ["", "a.com,b.com", "foo corp.com"] {
        assert_eq!(client.organizations_by_domain(domain).await.unwrap(), []);
    }
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn an_unknown_organization_is_not_found_and_not_retried() {
    let body = r#"{"message":"Organization not found: 'org_404'."}"#;
    let server = TestServer::start(vec![Reply::new(404, body)]).await;
    let err = client(&server)
        .get_organization("org_404")
        .await
        .unwrap_err();
    let WorkosError::Api(api) = &err else {
        panic!("expected an API error, got {err:?}");
    };
    assert_eq!(
        (
            api.kind(),
            api.endpoint,
            api.description.as_deref(),
            server.requests().len()
        ),
        (
            ApiErrorKind::NotFound,
            "GET /organizations/{id}",
            Some("Organization not found: 'org_404'."),
            1
        )
    );
}

#[tokio::test]
async fn get_organization_is_retried_after_503_with_the_api_key() {
    let server =
        TestServer::start(vec![Reply::new(503, "{}"), Reply::new(200, ORGANIZATION)]).await;
    let org = client(&server).get_organization("org_1").await.unwrap();
    let requests = server.requests();
    assert_eq!(
        (
            org.id.as_str(),
            requests.len(),
            requests[1].target.as_str(),
            requests[1].header("authorization")
        ),
        (
            "org_1",
            2,
            "/organizations/org_1",
            Some(format!("Bearer {API_KEY}").as_str())
        )
    );
}

#[test]
fn client_and_its_futures_can_cross_threads() {
    fn assert_send<T: Send>(_: &T) {}
    fn assert_sync<T: Send + Sync>() {}
    assert_sync::<WorkosClient>();
    let config = WorkosConfig::builder(
        ApiKey::new(API_KEY).unwrap(),
        ClientId::new("client_123").unwrap(),
    )
    .build()
    .unwrap();
    let client = WorkosClient::new(config).unwrap();
    let (code, token) = (AuthorizationCode::new(CODE), AccessToken::new("at_1"));
    let params = ListConnections::new();
    let portal = PortalLinkRequest::new("org_1", PortalIntent::Sso);
    // Rocket handlers run on a multi-threaded runtime, so every call's future must be `Send`.
    assert_send(&client.exchange_code(&code, None));
    assert_send(&client.get_profile(&token));
    assert_send(&client.list_connections(&params));
    assert_send(&client.list_all_connections(params.clone()));
    assert_send(&client.get_connection("conn_1"));
    assert_send(&client.delete_connection("conn_1"));
    assert_send(&client.generate_portal_link(&portal));
    assert_send(&client.list_organizations(&ListOrganizations::new()));
    assert_send(&client.get_organization("org_1"));
    assert_send(&client.organizations_by_domain("foo-corp.com"));
}

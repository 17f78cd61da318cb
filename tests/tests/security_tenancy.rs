//! Tenancy and authorization: a profile from another organization or connection is refused at the
//! callback (403, no session), a missing role or group is refused by the guard (403), and being signed in
//! through one organization is not being signed in to a handler pinned to another.

mod security_support;

use rocket::http::{Accept, Status};
use rocket::local::asynchronous::Client;
use security_support::*;
use url::Url;

/// The login URL a browser reaches from `page` when nobody is signed in.
async fn login_for(client: &Client, page: &str) -> String {
    let response = browse(client, page).await;
    assert_eq!(response.status(), Status::SeeOther, "{page}");
    location(&response)
}

/// A callback refused as another organization's: 403, the `wrong_organization` code, no session.
async fn assert_refused_at_callback(client: &Client, callback: &str) {
    let response = client
        .get(callback.to_owned())
        .header(Accept::JSON)
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Forbidden, "{callback}");
    assert!(
        !sets_cookie(&response, SESSION_COOKIE),
        "no session is started"
    );
    let body: serde_json::Value = response.into_json().await.unwrap();
    assert_eq!(body["error"], "wrong_organization");
    assert_eq!(whoami(client).await, "anonymous");
}

#[tokio::test]
async fn a_profile_from_another_organization_on_a_pinned_handler_gets_403_and_no_session() {
    let client = client().await;
    let login = login_for(&client, "/sec/example").await;
    let authorize = start_login(&client, &login).await;
    assert_eq!(
        authorize
            .query_pairs()
            .find(|(k, _)| k == "organization")
            .unwrap()
            .1,
        EXAMPLE_ORG_ID
    );
    // The browser (or a malicious IdP admin's link) swaps the organization at WorkOS.
    let swapped = replace_param(&authorize, "organization", GLOBEX_ORG_ID);
    let callback = at_workos(swapped).await;
    assert_refused_at_callback(&client, &callback).await;
    assert_eq!(token_calls(&client), 1);
}

#[tokio::test]
async fn a_swapped_organization_or_connection_on_a_chosen_one_gets_403() {
    let client = client().await;
    // Organization named in the login URL, then swapped for a connection of another organization.
    let authorize = start_login(
        &client,
        &format!("/sso/login?organization={EXAMPLE_ORG_ID}"),
    )
    .await;
    let pairs: Vec<(String, String)> = authorize
        .query_pairs()
        .filter(|(k, _)| k != "organization")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut swapped = authorize.clone();
    swapped
        .query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair("connection", GLOBEX_CONNECTION_ID);
    assert_refused_at_callback(&client, &at_workos(swapped).await).await;
    // Connection named in the login URL, then swapped.
    let authorize = start_login(
        &client,
        &format!("/sso/login?connection={EXAMPLE_CONNECTION_ID}"),
    )
    .await;
    let swapped = replace_param(&authorize, "connection", GLOBEX_CONNECTION_ID);
    assert_refused_at_callback(&client, &at_workos(swapped).await).await;
}

#[tokio::test]
async fn a_missing_role_or_group_gets_403() {
    let client = client().await;
    let login = login_for(&client, "/sec/example").await;
    let response = sign_in(&client, &login, "bob@example.com").await;
    assert_eq!(location(&response), "/sec/example");
    assert_eq!(
        browse(&client, "/sec/example")
            .await
            .into_string()
            .await
            .unwrap(),
        "bob@example.com"
    );
    for (page, reason) in [
        ("/sec/example/admin", "requires the role `admin`"),
        (
            "/sec/example/admins-group",
            "requires membership of: Admins",
        ),
    ] {
        let response = browse(&client, page).await;
        assert_eq!(response.status(), Status::Forbidden, "{page}");
        let html = response.into_string().await.unwrap();
        assert!(html.contains(reason), "{page}: {html}");
        let api = client.get(page).header(Accept::JSON).dispatch().await;
        assert_eq!(api.status(), Status::Forbidden);
        let body: serde_json::Value = api.into_json().await.unwrap();
        assert_eq!(body["error"], "forbidden");
    }
    // Alice has both.
    let example_login = format!("/sso/login?organization={EXAMPLE_ORG_ID}");
    let response = sign_in(&client, &example_login, "alice@example.com").await;
    assert_eq!(response.status(), Status::SeeOther);
    for page in ["/sec/example/admin", "/sec/example/admins-group"] {
        let response = browse(&client, page).await;
        assert_eq!(response.status(), Status::Ok, "{page}");
        assert_eq!(response.into_string().await.unwrap(), "alice@example.com");
    }
}

#[tokio::test]
async fn signed_in_for_one_organization_is_not_signed_in_for_another() {
    let client = client().await;
    let login = login_for(&client, "/sec/example").await;
    sign_in(&client, &login, "alice@example.com").await;
    assert_eq!(browse(&client, "/sec/example").await.status(), Status::Ok);

    let response = browse(&client, "/sec/globex").await;
    assert_eq!(response.status(), Status::Forbidden);
    let html = response.into_string().await.unwrap();
    assert!(html.contains("another organization"), "{html}");
    // The page links to Globex's own login, returning to the page.
    let start = html.find("href=\"").expect("a sign-in link") + 6;
    let href = html[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(href.starts_with("/sso/login?flow="), "{href}");
    assert!(href.ends_with("return_to=%2Fsec%2Fglobex"), "{href}");
    let api = client
        .get("/sec/globex")
        .header(Accept::JSON)
        .dispatch()
        .await;
    assert_eq!(api.status(), Status::Forbidden);
    let body: serde_json::Value = api.into_json().await.unwrap();
    assert_eq!(body["login_url"], href.as_str());

    // Signing in through Globex replaces the session: Example Corp's page now refuses.
    let authorize = start_login(&client, &href).await;
    assert_eq!(
        authorize
            .query_pairs()
            .find(|(k, _)| k == "organization")
            .unwrap()
            .1,
        GLOBEX_ORG_ID
    );
    let response = browse(&client, &at_workos(authorize).await).await;
    assert_eq!(location(&response), "/sec/globex");
    assert_eq!(
        browse(&client, "/sec/globex")
            .await
            .into_string()
            .await
            .unwrap(),
        "hank@globex.test"
    );
    assert_eq!(
        browse(&client, "/sec/example").await.status(),
        Status::Forbidden
    );
}

/// A code for `organization`'s first user, sent by WorkOS to `callback` without any `state`: what an
/// IdP-initiated login (or an attacker replaying one) looks like.
async fn unsolicited(client: &Client, callback: &str, organization: &str) -> String {
    let mut authorize = emulator(client).base_url().join("/sso/authorize").unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("client_id", CLIENT_ID)
        .append_pair("redirect_uri", &format!("{APP_ORIGIN}{callback}"))
        .append_pair("response_type", "code")
        .append_pair("organization", organization);
    let path = at_workos(authorize).await;
    assert!(!path.contains("state="), "{path}");
    path
}

#[tokio::test]
async fn idp_initiated_logins_are_refused_where_not_enabled_and_started_over_where_they_are() {
    let client = client().await;
    // The ordinary callback accepts no login it did not start: refused before WorkOS is called.
    let path = unsolicited(&client, CALLBACK, GLOBEX_ORG_ID).await;
    assert_eq!(
        json_error(&client, &path).await,
        (Status::BadRequest, "missing_state".to_owned())
    );
    assert_eq!(token_calls(&client), 0);
    // On the Globex IdP-initiated callback, an unsolicited code (here Example Corp's user's, as an
    // attacker would send a victim their own) is never exchanged: the login starts over, pinned to
    // Globex, and only the code that comes back with its state is.
    let path = unsolicited(&client, IDP_CALLBACK, EXAMPLE_ORG_ID).await;
    let response = browse(&client, &path).await;
    assert_eq!(response.status(), Status::SeeOther);
    let login = location(&response);
    assert!(login.starts_with("/sso/login?flow="), "{login}");
    assert!(!sets_cookie(&response, SESSION_COOKIE));
    assert_eq!(
        token_calls(&client),
        0,
        "the unsolicited code was not exchanged"
    );
    let response = browse(&client, &login).await;
    let callback = at_workos(Url::parse(&location(&response)).unwrap()).await;
    assert!(callback.contains("state="), "{callback}");
    let response = browse(&client, &callback).await;
    assert_eq!(location(&response), "/");
    assert_eq!(token_calls(&client), 1);
    assert_eq!(
        whoami(&client).await,
        format!("hank@globex.test|{GLOBEX_ORG_ID}")
    );
}

#[tokio::test]
async fn exchanged_unsolicited_codes_are_checked_against_the_pinned_organization() {
    let client = client_exchanging_unsolicited_codes().await;
    // Opted in: the code is exchanged, and Example Corp's user is refused on the Globex callback.
    let path = unsolicited(&client, IDP_CALLBACK, EXAMPLE_ORG_ID).await;
    assert_refused_at_callback(&client, &path).await;
    assert_eq!(token_calls(&client), 1);
    // And Globex's own user gets in.
    let path = unsolicited(&client, IDP_CALLBACK, GLOBEX_ORG_ID).await;
    let response = browse(&client, &path).await;
    assert_eq!(location(&response), "/");
    assert_eq!(token_calls(&client), 2);
    assert_eq!(
        whoami(&client).await,
        format!("hank@globex.test|{GLOBEX_ORG_ID}")
    );
}

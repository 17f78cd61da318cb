//! The fairing's own WorkOS client, reachable from a handler (`&WorkosClient`) and from the rocket
//! instance (`WorkosSso::client`): an "Set up SSO for your organization" route returns an Admin Portal
//! link through it, against the emulator the fairing started.

mod support;

use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{get, routes};
use rocket_workos_sso::client::{ListOrganizations, PortalIntent, PortalLinkRequest};
use rocket_workos_sso::{workos_sso, Profile, WorkosClient, WorkosSso};
use support::*;

const EXAMPLE_ORG: &str = "org_01JH3E28JT97KB6CQ643DZVMXX";

#[workos_sso(
    redirect_uri = "http://127.0.0.1:8000/callback",
    client_id = "client_01JHM9S346Q3D25VT4F5V37E3S",
    organization = "org_01JH3E28JT97KB6CQ643DZVMXX"
)]
#[get("/settings/sso")]
async fn set_up_sso(profile: Profile, workos: &WorkosClient) -> Result<Redirect, Status> {
    let organization = profile.organization_id.clone().ok_or(Status::Forbidden)?;
    let request = PortalLinkRequest::new(organization, PortalIntent::Sso)
        .return_url("http://127.0.0.1:8000/settings");
    let link = workos
        .generate_portal_link(&request)
        .await
        .map_err(|_| Status::BadGateway)?;
    Ok(Redirect::to(link.expose().to_owned()))
}

#[rocket::async_test]
async fn a_handler_gets_an_admin_portal_link_through_the_fairings_client() {
    let client = client(rocket::custom(figment()).mount("/", routes![set_up_sso])).await;
    assert_eq!(sign_in(&client, "/settings/sso").await, "/settings/sso");
    let response = browse(&client, "/settings/sso").await;
    assert_eq!(response.status(), Status::SeeOther);
    let link = url::Url::parse(&location(&response)).unwrap();
    let emulator = emulator(&client);
    assert_eq!(link.origin(), emulator.base_url().origin(), "{link}");
    assert_eq!(emulator.request_count("/portal/generate_link"), 1);
}

#[rocket::async_test]
async fn the_rocket_instance_hands_out_the_same_client() {
    let client = client(rocket::custom(figment()).mount("/", routes![set_up_sso])).await;
    let workos = WorkosSso::client(client.rocket()).expect("the fairing's client");
    let list = workos
        .list_organizations(&ListOrganizations::new().domains(["example.com"]))
        .await
        .unwrap();
    assert_eq!(list.data.len(), 1);
    assert_eq!(list.data[0].id, EXAMPLE_ORG);
    assert_eq!(
        emulator(&client).request_count("/organizations"),
        1,
        "through the emulator"
    );
    assert!(
        WorkosSso::client(&rocket::build()).is_none(),
        "nothing before the fairing"
    );
}

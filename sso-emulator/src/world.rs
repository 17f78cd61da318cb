//! [`Seed::default`]: the small, stable world of the tests and the quickstart, described on [`Seed`].

use serde_json::Map;

use super::directory::{Directory, DIRECTORY_LINKED};
use super::seed::{
    Connection, ConnectionState, Organization, Seed, User, AMBIGUOUS_ORG_ID, EXAMPLE_CONNECTION_ID,
    EXAMPLE_ORG_ID, GLOBEX_CONNECTION_ID, GLOBEX_ORG_ID, INACTIVE_CONNECTION_ID,
    INITECH_LABS_ORG_ID, UMBRELLA_ORG_ID,
};

impl Default for Seed {
    fn default() -> Self {
        let org = |id: &str, name: &str, domains: &[&str]| Organization {
            id: id.into(),
            name: name.into(),
            domains: domains.iter().copied().map(Into::into).collect(),
        };
        let connection = |id: &str,
                          organization_id: Option<&str>,
                          connection_type: &str,
                          name: &str| Connection {
            id: id.into(),
            organization_id: organization_id.map(Into::into),
            connection_type: connection_type.into(),
            name: name.into(),
            state: ConnectionState::Active,
        };
        let user = |id: &str,
                    connection_id: &str,
                    email: &str,
                    first: &str,
                    last: &str,
                    role: Option<&str>| User {
            id: id.into(),
            connection_id: connection_id.into(),
            idp_id: format!("idp_{}", &id[5..]).to_ascii_lowercase(),
            email: email.into(),
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            role: role.map(Into::into),
            groups: Vec::new(),
            custom_attributes: Map::new(),
        };
        let initech_okta = "conn_01JHCD1GDJFMGT83PXT891WB09";
        let initech_entra = "conn_01JHB9Y73MY63FCH26W14WMCHW";
        let google = "conn_01JHW6VZSKDENC8SP3804GVA35";
        let microsoft = "conn_01JHRJFJ2XBAHW0GQNMF2KDPB0";
        let github = "conn_01JHNR5YHCF05G59S2S1KKE59R";
        let mut seed = Self {
            organizations: vec![
                org(EXAMPLE_ORG_ID, "Example Corp", &["example.com"]),
                org(GLOBEX_ORG_ID, "Globex", &["globex.test"]),
                org(AMBIGUOUS_ORG_ID, "Initech", &["initech.test"]),
                org(UMBRELLA_ORG_ID, "Umbrella", &["umbrella.test"]),
                org(
                    INITECH_LABS_ORG_ID,
                    "Initech Labs",
                    &["initech-labs.test", "initech.test"],
                ),
            ],
            connections: vec![
                connection(
                    EXAMPLE_CONNECTION_ID,
                    Some(EXAMPLE_ORG_ID),
                    "TestIdp",
                    "Example Corp",
                ),
                connection(
                    GLOBEX_CONNECTION_ID,
                    Some(GLOBEX_ORG_ID),
                    "OktaSAML",
                    "Globex Okta",
                ),
                connection(
                    initech_okta,
                    Some(AMBIGUOUS_ORG_ID),
                    "OktaSAML",
                    "Initech Okta",
                ),
                connection(
                    initech_entra,
                    Some(AMBIGUOUS_ORG_ID),
                    "EntraIdOIDC",
                    "Initech Entra ID",
                ),
                connection(
                    INACTIVE_CONNECTION_ID,
                    Some(UMBRELLA_ORG_ID),
                    "ADFSSAML",
                    "Umbrella ADFS",
                )
                .with_state(ConnectionState::Inactive),
                connection(google, None, "GoogleOAuth", "Google OAuth"),
                connection(microsoft, None, "MicrosoftOAuth", "Microsoft OAuth"),
                connection(github, None, "GitHubOAuth", "GitHub OAuth"),
            ],
            users: vec![
                user(
                    "prof_01JHNPZX45HY43KWJRP1XPA7Z3",
                    EXAMPLE_CONNECTION_ID,
                    "alice@example.com",
                    "Alice",
                    "Anders",
                    Some("admin"),
                )
                .with_groups(["Engineering", "Admins"])
                .with_attribute("department_name", "Engineering")
                .with_attribute("job_title", "Staff Engineer"),
                user(
                    "prof_01JHDJ8FSSZ5AWSH8VHTPRE95B",
                    EXAMPLE_CONNECTION_ID,
                    "bob@example.com",
                    "Bob",
                    "Baker",
                    Some("member"),
                ),
                user(
                    "prof_01JH9EE0ZBGJ09TQM83XSSSS6Y",
                    EXAMPLE_CONNECTION_ID,
                    "carol@example.com",
                    "Carol",
                    "Chen",
                    Some("member"),
                ),
                user(
                    "prof_01JH5GQAPENECFSECZP11HYGCP",
                    GLOBEX_CONNECTION_ID,
                    "hank@globex.test",
                    "Hank",
                    "Scorpio",
                    Some("admin"),
                ),
                user(
                    "prof_01JHWPQ5E6EYCNDY0YP57RCYBV",
                    GLOBEX_CONNECTION_ID,
                    "marge@globex.test",
                    "Marge",
                    "Simpson",
                    Some("member"),
                ),
                user(
                    "prof_01JHYFGCW8T7SWM4FV4DK79Q9G",
                    initech_okta,
                    "peter@initech.test",
                    "Peter",
                    "Gibbons",
                    Some("member"),
                ),
                user(
                    "prof_01JH8XE6SZAEAVSNTCPM5Q1NXW",
                    initech_entra,
                    "milton@initech.test",
                    "Milton",
                    "Waddams",
                    Some("member"),
                ),
                user(
                    "prof_01JH7AG3BCKKDJWBHP1G201CYF",
                    INACTIVE_CONNECTION_ID,
                    "albert@umbrella.test",
                    "Albert",
                    "Wesker",
                    Some("member"),
                ),
                user(
                    "prof_01JHMZ9J92V81E5128Q6RW31FZ",
                    google,
                    "gail.google@gmail.test",
                    "Gail",
                    "Google",
                    None,
                ),
                user(
                    "prof_01JHG0X454YG4GFDEXZR4YJ2C4",
                    microsoft,
                    "mike.microsoft@outlook.test",
                    "Mike",
                    "Microsoft",
                    None,
                ),
                user(
                    "prof_01JH9NGK80Y3ZH6DZJJXXX7CK5",
                    github,
                    "gus.github@github.test",
                    "Gus",
                    "GitHub",
                    None,
                ),
            ],
            directories: Vec::new(),
            directory_users: Vec::new(),
        };
        mirror_directories(&mut seed);
        seed
    }
}

/// Gives every organization with users one linked directory (`directory_` + the organization's ULID)
/// that provisions each of them as [`User::directory_user`] does, in seed order.
fn mirror_directories(seed: &mut Seed) {
    let mut directories = Vec::new();
    let mut directory_users = Vec::new();
    for organization in &seed.organizations {
        let connections: Vec<&Connection> = seed
            .connections
            .iter()
            .filter(|connection| connection.organization_id.as_deref() == Some(&organization.id))
            .collect();
        let users: Vec<&User> = connections
            .iter()
            .flat_map(|connection| seed.users_of(&connection.id))
            .collect();
        let Some(first) = connections.first().filter(|_| !users.is_empty()) else {
            continue;
        };
        let suffix = organization
            .id
            .strip_prefix("org_")
            .unwrap_or(&organization.id);
        let directory = Directory {
            id: format!("directory_{suffix}"),
            organization_id: organization.id.clone(),
            name: format!("{} Directory", organization.name),
            directory_type: directory_type(&first.connection_type).to_owned(),
            state: DIRECTORY_LINKED.to_owned(),
        };
        directory_users.extend(users.iter().map(|user| user.directory_user(&directory)));
        directories.push(directory);
    }
    seed.directories = directories;
    seed.directory_users = directory_users;
}

/// The directory type an identity provider of this SSO connection type would sync people with.
fn directory_type(connection_type: &str) -> &'static str {
    match connection_type {
        "OktaSAML" | "OktaOIDC" => "okta scim v2.0",
        "EntraIdOIDC" | "AzureSAML" => "azure scim v2.0",
        "GoogleSAML" => "gsuite directory",
        _ => "generic scim v2.0",
    }
}

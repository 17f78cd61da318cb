//! Who may see a page, as plain functions of a profile and a handler's settings: the tenant policy of
//! pinned and unpinned handlers, "this profile comes from that identity provider", and the role and
//! groups a handler requires. The guards and the callback both decide with these, so they agree.

use crate::client::profile::{ConnectionType, Profile};
use crate::client::ConnectionSelector;
use crate::handler::{HandlerConfig, Login};

/// Signed in as someone, but not someone this handler serves: why, for the 403 page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Forbidden(pub(crate) String);

/// The tenant policy, safe by default, for the guards and the callback alike: a handler pinned to an
/// organization, connection or provider admits only profiles from it; a handler without a pin admits
/// profiles of any customer organization, and a profile without one (an OAuth provider's sign-in, such
/// as any Google account) only from a provider its `providers` lists. `None` when `profile` is admitted,
/// else why not.
pub(crate) fn tenant_refusal(profile: &Profile, login: &Login) -> Option<&'static str> {
    match &login.selector {
        Some(selector) => (!profile_is_from(profile, selector))
            .then_some("this page belongs to another organization"),
        None => {
            let listed = || {
                login
                    .providers
                    .iter()
                    .any(|name| profile.connection_type == ConnectionType::from(*name))
            };
            (profile.organization_id.is_none() && !listed())
                .then_some("this page is for accounts of a customer organization")
        }
    }
}

/// The one rule for "this profile comes from that identity provider", used by the guard and by the
/// callback: the organization id, the connection id, or (for an OAuth provider) the connection type.
pub(crate) fn profile_is_from(profile: &Profile, selector: &ConnectionSelector) -> bool {
    match selector {
        ConnectionSelector::Organization(id) => profile.organization_id.as_deref() == Some(id),
        ConnectionSelector::Connection(id) => profile.connection_id == *id,
        ConnectionSelector::Provider(provider) => {
            profile.connection_type == ConnectionType::from(provider.as_str())
        }
    }
}

/// Whether `profile` has the role and groups `config` requires.
pub(crate) fn authorize(profile: &Profile, config: &HandlerConfig) -> Result<(), Forbidden> {
    if let Some(role) = config.role {
        let has_role = profile.role.as_ref().is_some_and(|r| r.slug == role)
            || profile.roles.iter().any(|r| r.slug == role);
        if !has_role {
            return Err(Forbidden(format!("this page requires the role `{role}`")));
        }
    }
    let missing: Vec<&str> = config
        .groups
        .iter()
        .copied()
        .filter(|group| !profile.groups.iter().any(|g| g == group))
        .collect();
    if !missing.is_empty() {
        return Err(Forbidden(format!(
            "this page requires membership of: {}",
            missing.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::profile::Role;
    use crate::handler::tests::{dashboard, login_of};
    use crate::handler::{HandlerSetting, Pin};

    fn profile() -> Profile {
        serde_json::from_value(serde_json::json!({
            "id": "prof_1", "organization_id": "org_01A", "connection_id": "conn_01A",
            "connection_type": "OktaSAML", "idp_id": "1", "email": "a@example.com",
            "role": {"slug": "member"}, "roles": [{"slug": "member"}, {"slug": "billing"}],
            "groups": ["Engineering", "Ops"]
        }))
        .unwrap()
    }

    #[test]
    fn a_pinned_organization_must_match() {
        assert_eq!(tenant_refusal(&profile(), &login_of(&dashboard())), None);
        let other = login_of(&HandlerConfig {
            selector: Some(Pin::Organization(HandlerSetting::Written("org_01B"))),
            ..dashboard()
        });
        assert!(tenant_refusal(&profile(), &other).is_some());
        let mut no_org = profile();
        no_org.organization_id = None;
        assert!(tenant_refusal(&no_org, &login_of(&dashboard())).is_some());
    }

    #[test]
    fn a_pinned_connection_must_match() {
        let pinned = login_of(&HandlerConfig {
            selector: Some(Pin::Connection(HandlerSetting::Written("conn_01A"))),
            ..dashboard()
        });
        assert_eq!(tenant_refusal(&profile(), &pinned), None);
        let other = login_of(&HandlerConfig {
            selector: Some(Pin::Connection(HandlerSetting::Written("conn_01B"))),
            ..dashboard()
        });
        assert!(tenant_refusal(&profile(), &other).is_some());
    }

    #[test]
    fn a_pinned_provider_must_match_the_connection_type() {
        let google = login_of(&HandlerConfig {
            selector: Some(Pin::Provider("GoogleOAuth")),
            ..dashboard()
        });
        assert!(
            tenant_refusal(&profile(), &google).is_some(),
            "an Okta SAML profile is not a Google one"
        );
        let mut from_google = profile();
        from_google.connection_type = ConnectionType::GoogleOAuth;
        assert_eq!(tenant_refusal(&from_google, &google), None);
        let github = login_of(&HandlerConfig {
            selector: Some(Pin::Provider("GitHubOAuth")),
            ..dashboard()
        });
        from_google.connection_type = ConnectionType::from("GithubOAuth");
        assert!(
            tenant_refusal(&from_google, &github).is_none(),
            "both GitHub spellings are one provider"
        );
    }

    #[test]
    fn an_unpinned_handler_admits_organizations_and_only_the_providers_it_lists() {
        let unpinned_config = || HandlerConfig {
            selector: None,
            ..dashboard()
        };
        let unpinned = login_of(&unpinned_config());
        assert_eq!(
            tenant_refusal(&profile(), &unpinned),
            None,
            "any organization"
        );
        let mut google = profile();
        google.organization_id = None;
        google.connection_type = ConnectionType::GoogleOAuth;
        assert_eq!(
            tenant_refusal(&google, &unpinned),
            Some("this page is for accounts of a customer organization")
        );
        let with_google = login_of(&HandlerConfig {
            providers: &["GoogleOAuth"],
            ..unpinned_config()
        });
        assert_eq!(tenant_refusal(&google, &with_google), None);
        let mut github = google.clone();
        github.connection_type = ConnectionType::from("GitHubOAuth");
        assert!(
            tenant_refusal(&github, &with_google).is_some(),
            "only the listed ones"
        );
        let mut saml_without_organization = profile();
        saml_without_organization.organization_id = None;
        assert!(tenant_refusal(&saml_without_organization, &with_google).is_some());
    }

    #[test]
    fn the_role_may_be_the_primary_one_or_any_of_the_roles() {
        for role in ["member", "billing"] {
            assert!(authorize(
                &profile(),
                &HandlerConfig {
                    role: Some(role),
                    ..dashboard()
                }
            )
            .is_ok());
        }
        let admin = HandlerConfig {
            role: Some("admin"),
            ..dashboard()
        };
        assert_eq!(
            authorize(&profile(), &admin),
            Err(Forbidden("this page requires the role `admin`".into()))
        );
        let mut no_roles = profile();
        no_roles.role = Some(Role {
            slug: "admin".into(),
        });
        no_roles.roles.clear();
        assert!(authorize(&no_roles, &admin).is_ok());
    }

    #[test]
    fn every_required_group_must_be_present() {
        assert!(authorize(
            &profile(),
            &HandlerConfig {
                groups: &["Ops", "Engineering"],
                ..dashboard()
            }
        )
        .is_ok());
        let config = HandlerConfig {
            groups: &["Ops", "Admins", "Finance"],
            ..dashboard()
        };
        assert_eq!(
            authorize(&profile(), &config),
            Err(Forbidden(
                "this page requires membership of: Admins, Finance".into()
            ))
        );
    }
}

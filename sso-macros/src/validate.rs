//! Validation: every compile-time rule about the attribute's values, errors accumulated.
//!
//! Literal values are checked here; `env!` values are only known to rustc, so the runtime checks them again
//! when the app launches.

use proc_macro2::Span;
use rocket_workos_sso_rules::{
    self as rules, CLIENT_ID_PREFIXES, CONNECTION_PREFIXES, ORGANIZATION_PREFIXES,
};

use crate::args::{quote_list, secret_error, Args, SelectorKind, Setting, Value};
use crate::errors::Errors;

/// The `provider` values WorkOS's `/sso/authorize` accepts: the rules crate's list.
pub(crate) const PROVIDERS: &[&str] = rocket_workos_sso_rules::OAUTH_PROVIDERS;

/// Arguments that passed every check: the required settings are present.
pub(crate) struct Config {
    /// The path generated code reaches the runtime crate by.
    pub(crate) krate: syn::Path,
    /// With `client_id`, `None` when the handler uses the app's sign-in (the `workos` table at launch).
    pub(crate) redirect_uri: Option<Value>,
    pub(crate) client_id: Option<Value>,
    pub(crate) selector: Option<(SelectorKind, Value)>,
    pub(crate) domain_hint: Option<Value>,
    pub(crate) login_hint: Option<Value>,
    pub(crate) provider_scopes: Vec<Value>,
    pub(crate) role: Option<Value>,
    pub(crate) groups: Vec<Value>,
    pub(crate) providers: Vec<Value>,
    pub(crate) allow_idp_initiated: bool,
}

/// Checks `args`; `None` when anything was reported into `errors`.
pub(crate) fn validate(args: Args, errors: &mut Errors) -> Option<Config> {
    check_no_secret_values(&args, errors);
    check_launch_values(&args, errors);
    if !uses_the_apps_sign_in(&args) {
        // A setting written with a refused value, or under a misspelt key, was reported already.
        if !args.may_have_written("redirect_uri") {
            errors.push(syn::Error::new(
                Span::call_site(),
                "missing `redirect_uri`\nhelp: add `redirect_uri = \"https://app.example.com/callback\"`: the callback \
                 URL you allowlisted on the WorkOS dashboard's Redirects page",
            ));
        }
        if !args.may_have_written("client_id") && !args.may_have_written("project") {
            errors.push(syn::Error::new(
                Span::call_site(),
                "missing `client_id`\nhelp: add `client_id = env!(\"WORKOS_CLIENT_ID\")` (the older name `project` \
                 works too); it is the `client_...` id on the WorkOS dashboard's API Keys page",
            ));
        }
    }
    if let Some(setting) = &args.redirect_uri {
        check_redirect_uri(&setting.value, errors);
    }
    if let Some(setting) = &args.client_id {
        check_prefix(setting, CLIENT_ID_PREFIXES, "client_01H...", errors);
    }
    if let Some((kind, setting)) = &args.selector {
        match kind {
            SelectorKind::Organization => {
                check_prefix(setting, ORGANIZATION_PREFIXES, "org_01H...", errors)
            }
            SelectorKind::Connection => {
                check_prefix(setting, CONNECTION_PREFIXES, "conn_01H...", errors)
            }
            SelectorKind::Provider => check_provider(&setting.value, errors),
        }
    }
    for setting in [&args.domain_hint, &args.login_hint, &args.role]
        .into_iter()
        .flatten()
    {
        check_not_empty(&setting.value, &setting.key, errors);
    }
    for value in args.providers.iter().flat_map(|setting| &setting.value) {
        check_provider(value, errors);
    }
    check_providers_unpinned(&args, errors);
    for setting in [&args.groups, &args.provider_scopes, &args.providers]
        .into_iter()
        .flatten()
    {
        if setting.value.is_empty() {
            errors.push(syn::Error::new(
                setting.key.span(),
                format!(
                    "`{}` is an empty list\nhelp: name at least one value, or remove the setting",
                    setting.key
                ),
            ));
        }
        for value in &setting.value {
            check_not_empty(value, &setting.key, errors);
        }
    }
    check_idp_initiated(&args, errors);
    if !errors.is_empty() {
        return None;
    }
    Some(Config {
        krate: args
            .krate
            .map_or_else(|| syn::parse_quote!(::rocket_workos_sso), |s| s.value),
        redirect_uri: args.redirect_uri.map(|s| s.value),
        client_id: args.client_id.map(|s| s.value),
        selector: args.selector.map(|(kind, setting)| (kind, setting.value)),
        domain_hint: args.domain_hint.map(|s| s.value),
        login_hint: args.login_hint.map(|s| s.value),
        provider_scopes: args.provider_scopes.map(|s| s.value).unwrap_or_default(),
        role: args.role.map(|s| s.value),
        groups: args.groups.map(|s| s.value).unwrap_or_default(),
        providers: args.providers.map(|s| s.value).unwrap_or_default(),
        allow_idp_initiated: args.allow_idp_initiated.is_some_and(|s| s.value.value),
    })
}

/// Whether the handler leaves `redirect_uri` and `client_id` to the application's settings, read at
/// launch (`workos.redirect_uri` and `workos.client_id`, or WORKOS_REDIRECT_URI and WORKOS_CLIENT_ID).
/// It writes neither, and no organization or connection fixed at compile time: an id of one WorkOS
/// environment (staging, production) comes with that environment's client id and redirect URI, so that
/// a build promoted to another environment cannot carry one without the others.
fn uses_the_apps_sign_in(args: &Args) -> bool {
    let fixed_pin = matches!(
        &args.selector,
        Some((SelectorKind::Organization | SelectorKind::Connection, setting)) if !setting.value.is_launch()
    );
    !fixed_pin
        && !args.may_have_written("redirect_uri")
        && !args.may_have_written("client_id")
        && !args.may_have_written("project")
}

/// The settings that differ between WorkOS environments may be read at launch with `env("NAME")`; the
/// others are part of the handler's code and are fixed when it compiles.
fn check_launch_values(args: &Args, errors: &mut Errors) {
    let provider = args
        .selector
        .as_ref()
        .filter(|(kind, _)| *kind == SelectorKind::Provider)
        .map(|(_, setting)| setting);
    let singles = [&args.domain_hint, &args.login_hint, &args.role]
        .into_iter()
        .flatten()
        .chain(provider)
        .map(|s| (&s.key, &s.value));
    let lists = [&args.groups, &args.provider_scopes, &args.providers]
        .into_iter()
        .flatten()
        .flat_map(|s| s.value.iter().map(move |v| (&s.key, v)));
    for (key, value) in singles.chain(lists) {
        let crate::args::Value::Launch { call, .. } = value else {
            continue;
        };
        errors.push(syn::Error::new_spanned(
            call,
            format!(
                "`{key}` cannot be read at launch: `env(\"NAME\")` is for the ids that differ between WorkOS \
                 environments, `client_id`, `redirect_uri`, `organization` and `connection`\nhelp: write the value \
                 itself in quotes, or read it at compile time with `{key} = env!(\"NAME\")`"
            ),
        ));
    }
}

/// A WorkOS API key pasted into any setting would be compiled into the binary.
fn check_no_secret_values(args: &Args, errors: &mut Errors) {
    let singles = [
        &args.redirect_uri,
        &args.client_id,
        &args.domain_hint,
        &args.login_hint,
        &args.role,
    ];
    let selector = args.selector.as_ref().map(|(_, setting)| setting);
    let lists = [&args.groups, &args.provider_scopes, &args.providers];
    let values = singles
        .into_iter()
        .flatten()
        .chain(selector)
        .map(|s| (&s.key, &s.value))
        .chain(
            lists
                .into_iter()
                .flatten()
                .flat_map(|s| s.value.iter().map(move |v| (&s.key, v))),
        );
    for (key, value) in values {
        if value.literal().is_some_and(|text| text.starts_with("sk_")) {
            let what = format!("the value of `{key}` looks like a WorkOS API key (`sk_...`)");
            errors.push(secret_error(value.span(), &what));
        }
    }
}

/// An IdP-initiated login has no `state` to tie it to this browser, so it is only safe when the handler
/// knows which organization or connection its profiles must come from.
fn check_idp_initiated(args: &Args, errors: &mut Errors) {
    let Some(setting) = args.allow_idp_initiated.as_ref().filter(|s| s.value.value) else {
        return;
    };
    let help = match &args.selector {
        Some((SelectorKind::Organization | SelectorKind::Connection, _)) => return,
        Some((SelectorKind::Provider, _)) => {
            "help: replace `provider` with `organization = \"org_...\"`, or remove `allow_idp_initiated`"
        }
        None => "help: add `organization = \"org_...\"`, or remove `allow_idp_initiated`",
    };
    errors.push(syn::Error::new(
        setting.key.span(),
        format!(
            "`allow_idp_initiated = true` needs `organization` or `connection`: a login started at the \
             identity provider carries no state, so the returned profile is only checked against the pinned \
             tenant\n{help}"
        ),
    ));
}

/// `providers` opens an unpinned handler to OAuth sign-ins; a pinned handler already says who may sign in.
fn check_providers_unpinned(args: &Args, errors: &mut Errors) {
    let (Some(providers), Some((kind, _))) = (&args.providers, &args.selector) else {
        return;
    };
    errors.push(syn::Error::new(
        providers.key.span(),
        format!(
            "`providers` lists the OAuth providers a handler without `organization`, `connection` or \
             `provider` admits, but this handler sets `{}`, which already decides who signs in\nhelp: remove \
             `providers`, or remove `{}` to admit any customer organization plus these providers",
            kind.key(),
            kind.key()
        ),
    ));
}

fn check_redirect_uri(value: &Value, errors: &mut Errors) {
    let Some(text) = value.literal() else { return };
    if let Some(message) = rules::redirect_uri_problem(&text) {
        errors.push(syn::Error::new(value.span(), message));
    }
}

fn check_prefix(setting: &Setting<Value>, prefixes: &[&str], example: &str, errors: &mut Errors) {
    let Some(text) = setting.value.literal() else {
        return;
    };
    if text.starts_with("sk_") {
        return; // reported as a secret already
    }
    let key = setting.key.to_string();
    if let Some(message) = rules::id_problem(&key, &text, prefixes, example) {
        errors.push(syn::Error::new(setting.value.span(), message));
    }
}

fn check_provider(value: &Value, errors: &mut Errors) {
    let Some(text) = value.literal() else { return };
    if PROVIDERS.contains(&text.as_str()) {
        return;
    }
    let same_but_case = PROVIDERS
        .iter()
        .find(|known| known.eq_ignore_ascii_case(&text));
    let help = match same_but_case {
        Some(known) => format!("help: the spelling WorkOS expects is \"{known}\""),
        None => format!("help: the providers are {}", quote_list(PROVIDERS, "and")),
    };
    errors.push(syn::Error::new(
        value.span(),
        format!("unknown provider \"{text}\"\n{help}"),
    ));
}

fn check_not_empty(value: &Value, key: &syn::Ident, errors: &mut Errors) {
    if value.literal().is_some_and(|text| text.trim().is_empty()) {
        errors.push(syn::Error::new(
            value.span(),
            format!("`{key}` is empty\nhelp: give it a value, or remove the setting"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    fn check(input: &str) -> Vec<String> {
        let mut errors = Errors::default();
        let args = parse(input.parse().unwrap(), &mut errors);
        let config = validate(args, &mut errors);
        assert_eq!(config.is_some(), errors.is_empty());
        errors.messages()
    }

    const OK: &str =
        r#"redirect_uri = "https://app.example.com/callback", client_id = "client_01ABC""#;

    #[test]
    fn a_minimal_configuration_is_valid() {
        assert!(check(OK).is_empty());
    }

    #[test]
    fn providers_are_checked_and_only_for_an_unpinned_handler() {
        assert!(check(&format!(
            r#"{OK}, providers = ["GoogleOAuth", "MicrosoftOAuth"]"#
        ))
        .is_empty());
        assert!(check(&format!(r#"{OK}, providers = "GitHubOAuth""#)).is_empty());
        let errors = check(&format!(r#"{OK}, providers = ["Google", "githuboauth"]"#));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].starts_with("unknown provider \"Google\""),
            "{errors:?}"
        );
        assert!(
            errors[1].contains("the spelling WorkOS expects is \"GitHubOAuth\""),
            "{errors:?}"
        );
        let errors = check(&format!(
            r#"{OK}, organization = "org_1", providers = ["GoogleOAuth"]"#
        ));
        assert!(
            errors[0].contains("this handler sets `organization`"),
            "{errors:?}"
        );
        let errors = check(&format!(r#"{OK}, providers = []"#));
        assert!(
            errors[0].contains("`providers` is an empty list"),
            "{errors:?}"
        );
        let errors = check(&format!(r#"{OK}, providers = ["sk_test_1"]"#));
        assert!(
            errors
                .iter()
                .any(|e| e.contains("looks like a WorkOS API key")),
            "{errors:?}"
        );
    }

    #[test]
    fn both_missing_required_settings_are_reported() {
        // An organization fixed at compile time belongs to one WorkOS environment: it needs that
        // environment's redirect URI and client id next to it.
        for input in [
            r#"organization = "org_01A""#,
            r#"connection = env!("CONN")"#,
        ] {
            let errors = check(input);
            assert_eq!(errors.len(), 2, "{errors:?}");
            assert!(errors[0].starts_with("missing `redirect_uri`"));
            assert!(errors[1].starts_with("missing `client_id`"));
        }
        // One of the two alone is a mistake however the rest is written.
        let errors = check(r#"redirect_uri = env("CALLBACK"), role = "admin""#);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("missing `client_id`"));
    }

    #[test]
    fn a_handler_may_leave_its_sign_in_to_the_application() {
        for input in [
            "",
            r#"role = "admin""#,
            r#"groups = ["Ops"], role = "admin""#,
            r#"organization = env("ACME_ORGANIZATION_ID")"#,
            r#"connection = env("ACME_CONNECTION_ID"), allow_idp_initiated = true"#,
            r#"provider = "GoogleOAuth""#,
            r#"providers = ["GoogleOAuth"]"#,
        ] {
            assert!(check(input).is_empty(), "{input}: {:?}", check(input));
        }
        assert!(check(r#"redirect_uri = env("CALLBACK"), client_id = env("CLIENT"), organization = env("ORG")"#).is_empty());
    }

    #[test]
    fn only_the_environments_ids_are_read_at_launch() {
        let errors = check(&format!(
            r#"{OK}, role = env("ROLE"), provider = env("P"), provider_scopes = [env("S")]"#
        ));
        assert_eq!(errors.len(), 3, "{errors:?}");
        for (error, key) in errors.iter().zip(["role", "provider", "provider_scopes"]) {
            assert!(
                error.starts_with(&format!("`{key}` cannot be read at launch")),
                "{error}"
            );
        }
    }

    #[test]
    fn a_refused_or_misspelt_required_setting_is_not_also_missing() {
        for input in [
            r#"redirect_uri = CALLBACK, client_id = concat!("client_", "1")"#,
            r#"redirect_url = "https://a.example/cb", client_id = "client_1""#,
            r#""https://a.example/cb", client_id = "client_1""#,
        ] {
            let errors = check(input);
            assert!(
                errors.iter().all(|e| !e.starts_with("missing")),
                "{input}: {errors:?}"
            );
        }
    }

    #[test]
    fn redirect_uri_rules() {
        let cases = [
            ("/callback", "must be an absolute URL"),
            ("https://", "is not a valid URL"),
            (
                "https://app.example.com/cb#frag",
                "must not contain a fragment",
            ),
            ("http://app.example.com/cb", "plain http"),
            ("ftp://app.example.com/cb", "scheme `ftp`"),
        ];
        for (uri, expected) in cases {
            let errors = check(&format!(
                r#"redirect_uri = "{uri}", client_id = "client_1""#
            ));
            assert!(
                errors.len() == 1 && errors[0].contains(expected),
                "{uri}: {errors:?}"
            );
        }
        for uri in [
            "http://localhost:8000/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:8000/cb",
        ] {
            assert!(
                check(&format!(
                    r#"redirect_uri = "{uri}", client_id = "client_1""#
                ))
                .is_empty(),
                "{uri}"
            );
        }
    }

    #[test]
    fn ids_need_their_prefix() {
        for (setting, expected) in [
            (
                r#"organization = "conn_1""#,
                "`organization` must be a WorkOS id starting with `org_`",
            ),
            (
                r#"connection = "org_1""#,
                "`connection` must be a WorkOS id starting with `conn_`",
            ),
            (
                r#"organization = "org_""#,
                "`organization` must be a WorkOS id starting with `org_`, found \"org_\"",
            ),
        ] {
            let errors = check(&format!("{OK}, {setting}"));
            assert!(
                errors.len() == 1 && errors[0].starts_with(expected),
                "{setting}: {errors:?}"
            );
        }
        let errors = check(r#"redirect_uri = "https://a.example/cb", project = "proj_1""#);
        assert!(
            errors[0].contains("starting with `client_` or `project_`"),
            "{errors:?}"
        );
    }

    #[test]
    fn unknown_provider_lists_the_valid_ones_or_fixes_the_case() {
        let errors = check(&format!(r#"{OK}, provider = "Okta""#));
        assert!(errors[0].contains("`GoogleOAuth`"), "{errors:?}");
        let errors = check(&format!(r#"{OK}, provider = "GithubOAuth""#));
        assert!(errors[0].contains("\"GitHubOAuth\""), "{errors:?}");
        assert!(check(&format!(r#"{OK}, provider = "GitHubOAuth""#)).is_empty());
    }

    #[test]
    fn an_api_key_in_any_setting_is_refused() {
        let errors = check(&format!(r#"{OK}, login_hint = "sk_test_abc""#));
        assert!(
            errors.len() == 1 && errors[0].contains("secrets never go in the attribute"),
            "{errors:?}"
        );
    }

    #[test]
    fn env_values_are_left_to_rustc_and_the_runtime() {
        let errors =
            check(r#"redirect_uri = env!("CALLBACK"), client_id = env!("WORKOS_CLIENT_ID")"#);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn idp_initiated_logins_need_a_pinned_tenant() {
        let errors = check(&format!("{OK}, allow_idp_initiated = true"));
        assert!(
            errors.len() == 1 && errors[0].contains("needs `organization` or `connection`"),
            "{errors:?}"
        );
        assert!(check(&format!(
            r#"{OK}, allow_idp_initiated = true, organization = "org_1""#
        ))
        .is_empty());
        assert!(check(&format!(
            r#"{OK}, allow_idp_initiated = true, connection = "conn_1""#
        ))
        .is_empty());
        assert!(check(&format!("{OK}, allow_idp_initiated = false")).is_empty());
    }

    #[test]
    fn empty_values_and_lists_are_refused() {
        let errors = check(&format!(r#"{OK}, role = "", groups = []"#));
        assert_eq!(errors.len(), 2, "{errors:?}");
    }
}

//! Parsing: the attribute's `key = value` pairs into a typed [`Args`], keeping every span.
//!
//! Only the shape is checked here (known keys, no duplicates, value kinds). What the values mean (is this
//! URL acceptable, does this id carry the right prefix) is `validate`'s job.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Expr, ExprArray, ExprCall, ExprLit, ExprMacro, Ident, Lit, LitBool, LitStr, MetaNameValue,
    Token,
};

use crate::errors::Errors;
pub(crate) use rocket_workos_sso_rules::quote_list;

/// A setting's value: a string literal, `env!("NAME")` that rustc expands in the generated code, or
/// `env("NAME")`, read from the environment when the app launches (only where `validate` allows it).
#[derive(Clone)]
pub(crate) enum Value {
    Literal(LitStr),
    Env { call: ExprMacro, name: LitStr },
    Launch { call: ExprCall, name: LitStr },
}

impl Value {
    /// The literal text, when it is known at expansion time.
    pub(crate) fn literal(&self) -> Option<String> {
        match self {
            Value::Literal(lit) => Some(lit.value()),
            Value::Env { .. } | Value::Launch { .. } => None,
        }
    }

    /// Whether the value is read at launch, by `env("NAME")`.
    pub(crate) fn is_launch(&self) -> bool {
        matches!(self, Value::Launch { .. })
    }

    pub(crate) fn span(&self) -> Span {
        match self {
            Value::Literal(lit) => lit.span(),
            Value::Env { call, .. } => call.span(),
            Value::Launch { call, .. } => call.span(),
        }
    }
}

impl ToTokens for Value {
    /// An expression of type `&'static str`. `env!` is re-emitted with the user's span so that rustc reports
    /// a missing variable at the attribute and cargo rebuilds when the variable changes.
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Value::Literal(lit) => lit.to_tokens(tokens),
            Value::Env { call, name } => {
                // Built from the user's own `env`, `!` and delimiter tokens so that rustc's error for an
                // unset variable underlines the whole `env!("NAME")`, not just its first token.
                let mac = &call.mac;
                let env = mac.path.segments.last().map(|segment| &segment.ident);
                let bang = &mac.bang_token;
                let mut arguments = Group::new(Delimiter::Parenthesis, name.to_token_stream());
                arguments.set_span(mac.delimiter.span().join());
                tokens.extend(quote_spanned!(call.span()=> ::core::));
                tokens.extend(quote!(#env #bang #arguments));
            }
            // `validate` refuses `env("...")` wherever a `&'static str` is emitted; this only guards
            // against a setting that forgot to.
            Value::Launch { call, .. } => tokens.extend(quote_spanned!(call.span()=>
                ::core::compile_error!("this setting cannot be read at launch")
            )),
        }
    }
}

/// One `key = value` setting with the span of its key, for errors about the setting as a whole.
#[derive(Clone)]
pub(crate) struct Setting<T> {
    pub(crate) key: Ident,
    pub(crate) value: T,
}

/// Which of the three mutually exclusive ways of choosing a connection the attribute uses.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum SelectorKind {
    Organization,
    Connection,
    Provider,
}

impl SelectorKind {
    pub(crate) fn key(self) -> &'static str {
        match self {
            SelectorKind::Organization => "organization",
            SelectorKind::Connection => "connection",
            SelectorKind::Provider => "provider",
        }
    }
}

/// The attribute's arguments, every field optional until `validate` has run.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) redirect_uri: Option<Setting<Value>>,
    pub(crate) client_id: Option<Setting<Value>>,
    pub(crate) selector: Option<(SelectorKind, Setting<Value>)>,
    pub(crate) domain_hint: Option<Setting<Value>>,
    pub(crate) login_hint: Option<Setting<Value>>,
    pub(crate) provider_scopes: Option<Setting<Vec<Value>>>,
    pub(crate) role: Option<Setting<Value>>,
    pub(crate) groups: Option<Setting<Vec<Value>>>,
    pub(crate) providers: Option<Setting<Vec<Value>>>,
    pub(crate) allow_idp_initiated: Option<Setting<LitBool>>,
    /// `crate = "path"`: where the runtime crate is, for an app that renamed the dependency.
    pub(crate) krate: Option<Setting<syn::Path>>,
    /// Every known key the user wrote, even with a value that was refused, and the key a misspelt one
    /// evidently meant: a required setting among them is not reported missing on top of that mistake.
    pub(crate) mentioned: Vec<&'static str>,
    /// The arguments are not `key = value` pairs, so which settings they hold is unknown.
    pub(crate) unreadable: bool,
}

impl Args {
    /// Whether `key` may have been written: a required setting is reported missing only when it
    /// certainly is.
    pub(crate) fn may_have_written(&self, key: &str) -> bool {
        self.unreadable || self.mentioned.contains(&key)
    }
}

/// Every key the attribute accepts, for "did you mean" suggestions.
pub(crate) const KNOWN_KEYS: &[&str] = &[
    "redirect_uri",
    "client_id",
    "project",
    "organization",
    "connection",
    "provider",
    "domain_hint",
    "login_hint",
    "provider_scopes",
    "role",
    "groups",
    "allow_idp_initiated",
    "providers",
];

/// Keys that name a secret. They get their own error: a secret in an attribute ends up in the binary.
const SECRET_KEYS: &[&str] = &[
    "api_key",
    "client_secret",
    "secret",
    "secret_key",
    "cookie_secret",
    "workos_api_key",
    "password",
];

/// Parses the attribute's token stream, collecting every mistake into `errors`.
pub(crate) fn parse(attr: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args::default();
    let pairs = match Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(attr) {
        Ok(pairs) => pairs,
        Err(err) => {
            errors.push(syn::Error::new(
                err.span(),
                format!(
                    "{err}\nhelp: write the settings as `key = value` pairs, e.g. \
                     #[workos_sso(redirect_uri = \"https://app.example.com/callback\", client_id = env!(\"WORKOS_CLIENT_ID\"))]"
                ),
            ));
            args.unreadable = true;
            return args;
        }
    };
    for pair in pairs {
        parse_pair(pair, &mut args, errors);
    }
    args
}

fn parse_pair(pair: MetaNameValue, args: &mut Args, errors: &mut Errors) {
    let Some(key) = pair.path.get_ident().cloned() else {
        errors.push(syn::Error::new_spanned(
            &pair.path,
            "expected a setting name such as `redirect_uri`, not a path",
        ));
        return;
    };
    let name = key.to_string();
    let value = pair.value;
    if name == "crate" {
        // Not among KNOWN_KEYS: only an app that renames the dependency needs it.
        return set(&mut args.krate, key, &value, path_of, errors);
    }
    if let Some(known) = KNOWN_KEYS.iter().find(|known| **known == name) {
        args.mentioned.push(known);
    }
    match name.as_str() {
        "redirect_uri" => set(&mut args.redirect_uri, key, &value, value_of, errors),
        "client_id" | "project" => {
            if let Some(previous) = &args.client_id {
                if previous.key != name {
                    errors.push(syn::Error::new(
                        key.span(),
                        format!(
                            "`{name}` and `{}` are the same setting (`project` is the older name of `client_id`)\n\
                             help: keep only one of them",
                            previous.key
                        ),
                    ));
                    return;
                }
            }
            set(&mut args.client_id, key, &value, value_of, errors)
        }
        "organization" => set_selector(args, SelectorKind::Organization, key, &value, errors),
        "connection" => set_selector(args, SelectorKind::Connection, key, &value, errors),
        "provider" => set_selector(args, SelectorKind::Provider, key, &value, errors),
        "domain_hint" => set(&mut args.domain_hint, key, &value, value_of, errors),
        "login_hint" => set(&mut args.login_hint, key, &value, value_of, errors),
        "role" => set(&mut args.role, key, &value, value_of, errors),
        "provider_scopes" => set(&mut args.provider_scopes, key, &value, list_of, errors),
        "groups" => set(&mut args.groups, key, &value, list_of, errors),
        "providers" => set(&mut args.providers, key, &value, list_of, errors),
        "allow_idp_initiated" => set(&mut args.allow_idp_initiated, key, &value, bool_of, errors),
        "domain" => {
            // WorkOS's first selector, not a misspelling of `domain_hint`.
            errors.push(syn::Error::new(
                key.span(),
                "`domain` chose the identity provider by email domain in WorkOS's first API; WorkOS now \
                 chooses it by organization\nhelp: for one customer, write `organization = \"org_...\"`; for \
                 many, leave the selector out: a browser is then asked for its work email, whose domain \
                 finds the organization (to pre-select a provider without pinning one, `domain_hint` \
                 passes a domain to WorkOS)",
            ));
        }
        _ if SECRET_KEYS.contains(&name.as_str()) => {
            errors.push(secret_error(key.span(), &format!("`{name}` is a secret")));
        }
        _ => {
            let meant = closest_key(&name);
            args.mentioned.extend(meant);
            errors.push(unknown_key_error(&key, meant));
        }
    }
}

/// Reads a value with `read` (which reports what it refuses) into `slot`, refusing a second one.
fn set<T>(
    slot: &mut Option<Setting<T>>,
    key: Ident,
    value: &Expr,
    read: fn(&Ident, &Expr, &mut Errors) -> Option<T>,
    errors: &mut Errors,
) {
    let Some(value) = read(&key, value, errors) else {
        return;
    };
    if let Some(first) = slot {
        errors.push(syn::Error::new(
            key.span(),
            format!("`{key}` is set twice\nhelp: remove one of the two `{key} = ...`"),
        ));
        // Point at the first occurrence too, so both places show up in the editor.
        errors.push(syn::Error::new(
            first.key.span(),
            format!("`{key}` is first set here"),
        ));
        return;
    }
    *slot = Some(Setting { key, value });
}

fn set_selector(
    args: &mut Args,
    kind: SelectorKind,
    key: Ident,
    value: &Expr,
    errors: &mut Errors,
) {
    let Some(value) = value_of(&key, value, errors) else {
        return;
    };
    match &args.selector {
        Some((previous, first)) if *previous == kind => {
            errors.push(syn::Error::new(
                key.span(),
                format!("`{key}` is set twice\nhelp: remove one of the two `{key} = ...`"),
            ));
            errors.push(syn::Error::new(first.key.span(), format!("`{key}` is first set here")));
        }
        Some((previous, _)) => errors.push(syn::Error::new(
            key.span(),
            format!(
                "`{}` and `{key}` are both set, but WorkOS takes exactly one of `organization`, `connection` \
                 or `provider`\nhelp: keep the one that picks the identity provider; with none, the login route \
                 takes it from the query (`?organization=org_...`)",
                previous.key()
            ),
        )),
        None => args.selector = Some((kind, Setting { key, value })),
    }
}

/// A string literal or `env!("NAME")`; anything else is reported and skipped.
fn value_of(key: &Ident, expr: &Expr, errors: &mut Errors) -> Option<Value> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Some(Value::Literal(lit.clone())),
        Expr::Macro(call) if is_env_macro(&call.mac.path) => {
            match call.mac.parse_body::<LitStr>() {
                Ok(name) => Some(Value::Env {
                    call: call.clone(),
                    name,
                }),
                Err(_) => {
                    errors.push(syn::Error::new_spanned(
                    call,
                    "`env!` takes one string literal here: the name of a variable set at compile time\n\
                     help: write env!(\"WORKOS_CLIENT_ID\")",
                ));
                    None
                }
            }
        }
        Expr::Call(call) if is_env_call(&call.func) => match (call.args.len(), call.args.first()) {
            (
                1,
                Some(Expr::Lit(ExprLit {
                    lit: Lit::Str(name),
                    ..
                })),
            ) => Some(Value::Launch {
                call: call.clone(),
                name: name.clone(),
            }),
            _ => {
                errors.push(syn::Error::new_spanned(
                    call,
                    "`env(...)` takes one string literal here: the name of a variable read when the app \
                     launches\nhelp: write env(\"WORKOS_CLIENT_ID\")",
                ));
                None
            }
        },
        other => {
            errors.push(syn::Error::new_spanned(
                other,
                not_a_value_message(key, other),
            ));
            None
        }
    }
}

/// `env(...)`, the attribute's own form for a value read at launch (not a function the user can call).
fn is_env_call(func: &Expr) -> bool {
    matches!(func, Expr::Path(path) if path.qself.is_none() && path.path.is_ident("env"))
}

/// `env!`, `std::env!` or `core::env!`.
fn is_env_macro(path: &syn::Path) -> bool {
    let last = path.segments.last().map(|segment| &segment.ident);
    last.is_some_and(|ident| ident == "env")
        && (path.segments.len() == 1
            || ["std", "core"]
                .iter()
                .any(|krate| path.segments[0].ident == krate))
}

/// Why `expr` is not a value the attribute can read, and what to write instead.
fn not_a_value_message(key: &Ident, expr: &Expr) -> String {
    let why = match expr {
        Expr::Lit(lit) => {
            let text = lit.to_token_stream().to_string();
            return format!(
                "`{key}` takes a string, and `{text}` is not one\nhelp: write it in quotes: `{key} = \"{text}\"`"
            );
        }
        Expr::Macro(call) => format!(
            "`{}!` cannot be used here: the attribute reads its settings before other macros expand, and \
             only `env!(\"NAME\")` is passed through",
            call.mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default()
        ),
        Expr::Path(_) => "a constant or variable cannot be used here: the attribute reads its settings \
                          before constants are evaluated"
            .to_owned(),
        _ => format!("`{key}` takes a string literal or `env!(\"NAME\")`"),
    };
    format!(
        "{why}\nhelp: write the value itself in quotes, `{key} = \"...\"`, or read it at compile time with \
         `{key} = env!(\"NAME\")`"
    )
}

/// A list such as `["Admins", "Engineering"]`; a lone value is accepted as a list of one.
fn list_of(key: &Ident, expr: &Expr, errors: &mut Errors) -> Option<Vec<Value>> {
    match expr {
        Expr::Array(ExprArray { elems, .. }) => {
            let values: Vec<Value> = elems
                .iter()
                .filter_map(|elem| value_of(key, elem, errors))
                .collect();
            (values.len() == elems.len()).then_some(values)
        }
        single => value_of(key, single, errors).map(|value| vec![value]),
    }
}

/// A path to the runtime crate: `"sso"` (as serde's `crate = "..."`) or `sso`.
fn path_of(key: &Ident, expr: &Expr, errors: &mut Errors) -> Option<syn::Path> {
    let path = match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => lit.parse::<syn::Path>().ok(),
        Expr::Path(path) if path.qself.is_none() => Some(path.path.clone()),
        _ => None,
    };
    if path.is_none() {
        errors.push(syn::Error::new_spanned(
            expr,
            format!(
                "`{key}` takes the path of the rocket-workos-sso crate as this crate names it\n\
                 help: with `sso = {{ package = \"rocket-workos-sso\" }}` in Cargo.toml, write `{key} = \"sso\"`"
            ),
        ));
    }
    path
}

fn bool_of(key: &Ident, expr: &Expr, errors: &mut Errors) -> Option<LitBool> {
    if let Expr::Lit(ExprLit {
        lit: Lit::Bool(lit),
        ..
    }) = expr
    {
        return Some(lit.clone());
    }
    errors.push(syn::Error::new_spanned(
        expr,
        format!("`{key}` takes `true` or `false`, without quotes\nhelp: write `{key} = true`"),
    ));
    None
}

/// A secret-named key (`api_key = ...`) or an `sk_...` value: `what` says which, e.g. "`api_key` is a
/// secret".
pub(crate) fn secret_error(span: Span, what: &str) -> syn::Error {
    syn::Error::new(
        span,
        format!(
            "{what}: secrets never go in the attribute, since anything written here is compiled into the \
             binary\nhelp: remove it and set the WORKOS_API_KEY environment variable (or `api_key` in the \
             [default.workos] table of Rocket.toml) where the app runs"
        ),
    )
}

/// The known key `name` is a misspelling of, if it is close enough to one.
fn closest_key(name: &str) -> Option<&'static str> {
    KNOWN_KEYS
        .iter()
        .map(|known| (edit_distance(name, known), *known))
        .filter(|(distance, known)| *distance <= known.len().max(name.len()) / 3 + 1)
        .min()
        .map(|(_, known)| known)
}

fn unknown_key_error(key: &Ident, meant: Option<&str>) -> syn::Error {
    let help = match meant {
        Some(known) => format!("help: did you mean `{known}`?"),
        None => format!("help: the settings are {}", quote_list(KNOWN_KEYS, "and")),
    };
    syn::Error::new(key.span(), format!("unknown setting `{key}`\n{help}"))
}

/// Levenshtein distance; the inputs are short setting names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// `Some(x)` / `None` tokens for an optional setting.
pub(crate) fn option_tokens<T: ToTokens>(value: Option<&T>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(input: &str) -> (Args, Vec<String>) {
        let mut errors = Errors::default();
        let args = parse(input.parse().unwrap(), &mut errors);
        (args, errors.messages())
    }

    #[test]
    fn literal_and_env_values_are_both_accepted() {
        let (args, errors) = parse_str(
            r#"redirect_uri = "http://localhost:8000/callback", project = env!("WORKOS_CLIENT_ID")"#,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            args.redirect_uri.unwrap().value.literal().as_deref(),
            Some("http://localhost:8000/callback")
        );
        let client_id = args.client_id.unwrap();
        assert_eq!(client_id.key, "project");
        assert!(client_id.value.literal().is_none());
        assert_eq!(
            client_id.value.to_token_stream().to_string(),
            r#":: core :: env ! ("WORKOS_CLIENT_ID")"#
        );
    }

    #[test]
    fn unknown_key_suggests_the_closest_known_one() {
        let (_, errors) = parse_str(r#"redirect_url = "https://a.example/cb""#);
        assert_eq!(
            errors,
            ["unknown setting `redirect_url`\nhelp: did you mean `redirect_uri`?"]
        );
    }

    #[test]
    fn unrelated_unknown_key_lists_the_settings() {
        let (_, errors) = parse_str(r#"colour = "blue""#);
        assert!(
            errors[0].contains("the settings are `redirect_uri`, `client_id`"),
            "{errors:?}"
        );
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let (_, errors) = parse_str(
            r#"redirect_url = "x", role = 3, organization = "org_1", connection = "conn_1""#,
        );
        assert_eq!(errors.len(), 3, "{errors:?}");
    }

    #[test]
    fn project_and_client_id_together_are_refused() {
        let (_, errors) = parse_str(r#"project = "client_1", client_id = "client_1""#);
        assert!(errors[0].contains("are the same setting"), "{errors:?}");
    }

    #[test]
    fn duplicate_key_points_at_both_places() {
        let (_, errors) = parse_str(r#"role = "a", role = "b""#);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("`role` is set twice"));
    }

    #[test]
    fn domain_names_what_replaced_it_instead_of_a_misspelling() {
        let (_, errors) = parse_str(r#"domain = "example.com""#);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("WorkOS now chooses it by organization"),
            "{errors:?}"
        );
        assert!(!errors[0].contains("did you mean"), "{errors:?}");
    }

    #[test]
    fn secret_keys_are_refused_with_the_runtime_alternative() {
        let (_, errors) = parse_str(r#"api_key = "sk_test_123""#);
        assert!(errors[0].contains("WORKOS_API_KEY"), "{errors:?}");
    }

    #[test]
    fn a_list_and_a_single_value_both_make_a_list() {
        let (args, errors) = parse_str(r#"groups = ["Admins", "Ops"], provider_scopes = "email""#);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.groups.unwrap().value.len(), 2);
        assert_eq!(args.provider_scopes.unwrap().value.len(), 1);
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("groups", "group"), 1);
        assert_eq!(edit_distance("organisation", "organization"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}

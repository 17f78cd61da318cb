//! Code generation: the handler's configuration as static data, a registration the wiring finds at launch,
//! and a guard parameter that protects the handler. Every path into the runtime goes through
//! `::rocket_workos_sso::__private`, so the user's imports never matter.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{parse_quote, Attribute, FnArg, Item, ItemFn, PatType, Type, TypePath};

use crate::args::{option_tokens, SelectorKind};
use crate::errors::Errors;
use crate::validate::Config;

/// Rocket's route attributes; `#[workos_sso]` must sit above one of them.
const ROUTE_ATTRIBUTES: &[&str] = &[
    "get", "put", "post", "delete", "head", "patch", "options", "route",
];

/// The name of the guard parameter added to the handler. The leading underscores keep it out of the way
/// of the user's own names and silence the unused-variable lint.
const GUARD_PARAMETER: &str = "__workos_sso";

/// The whole expansion: the handler with its guard and registration, or the item unchanged next to the
/// errors, so that one mistake does not cascade into unrelated ones.
pub(crate) fn expand(item: TokenStream, config: Option<Config>, mut errors: Errors) -> TokenStream {
    let mut item = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(function)) => function,
        Ok(other) => {
            errors.push(syn::Error::new(
                item_span(&other),
                "#[workos_sso] goes on a Rocket route handler, not on this item\n\
                 help: put it on the handler function, directly above its #[get(\"/path\")] (or post, put, ...)",
            ));
            return with_errors(quote!(#other), &errors);
        }
        // Not even an item: let rustc report the syntax error on the user's tokens.
        Err(_) => return with_errors(item, &errors),
    };
    // A second `#[workos_sso]` would add a second guard and marker; report it once and drop it, so that it
    // does not expand into errors about duplicate items.
    let (repeated, attrs) = item.attrs.into_iter().partition(is_workos_sso);
    item.attrs = attrs;
    for attr in repeated {
        errors.push(syn::Error::new_spanned(
            attr,
            format!(
                "#[workos_sso] is written twice on `{}`\nhelp: merge the settings into one #[workos_sso(...)]",
                item.sig.ident
            ),
        ));
    }
    if !has_route_attribute(&item) {
        // At the attribute itself: when it sits below `#[get]`, that is the line to move.
        errors.push(syn::Error::new(
            Span::call_site(),
            "#[workos_sso] found no route attribute below it\n\
             help: write #[workos_sso(...)] directly above #[get(\"/path\")] (or post, put, ...); if the route \
             attribute is above #[workos_sso], swap the two: Rocket reads the handler's parameters before \
             #[workos_sso] can add its guard",
        ));
    }
    match config {
        Some(config) if errors.is_empty() => protect(item, &config),
        _ => with_errors(quote!(#item), &errors),
    }
}

fn with_errors(item: TokenStream, errors: &Errors) -> TokenStream {
    let errors = errors.to_compile_errors();
    quote!(#errors #item)
}

fn is_workos_sso(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "workos_sso")
}

fn has_route_attribute(item: &ItemFn) -> bool {
    item.attrs.iter().any(|attr| {
        let last = attr.path().segments.last();
        last.is_some_and(|segment| ROUTE_ATTRIBUTES.iter().any(|name| segment.ident == name))
    })
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Struct(s) => s.ident.span(),
        Item::Enum(e) => e.ident.span(),
        Item::Impl(i) => i.self_ty.span(),
        Item::Mod(m) => m.ident.span(),
        Item::Const(c) => c.ident.span(),
        Item::Static(s) => s.ident.span(),
        other => other.span(),
    }
}

/// The handler, protected, plus its configuration and registration.
///
/// A handler that takes this crate's `Profile` keeps exactly the parameters its author wrote: that
/// guard finds the handler's settings from the route Rocket matched, and a check next to the handler
/// makes sure the `Profile` it names is this crate's. Any other handler (including one whose `Profile`
/// is written with another module's path, such as `models::Profile`) gets a hidden first parameter,
/// the `Protected` guard, which runs before every other guard.
fn protect(mut item: ItemFn, config: &Config) -> TokenStream {
    let krate = &config.krate;
    let private = quote!(#krate::__private);
    let marker = format_ident!("__workos_sso_{}", item.sig.ident);
    let vis = &item.vis;
    let handler_name = item.sig.ident.to_string();
    let static_config = config_tokens(config, &handler_name, route_of(&item), &private);
    let profile = item
        .sig
        .inputs
        .iter()
        .find_map(|input| workos_profile_type(input, krate));
    let check = match profile {
        // Spanned at the user's type, so a `Profile` that is not ours is reported there.
        Some(ty) => quote_spanned! {ty.span()=>
            const _: () = #private::assert_workos_profile::<#ty>();
        },
        None => {
            let guard = format_ident!("{}", GUARD_PARAMETER);
            let parameter: FnArg = parse_quote!(#guard: #private::Protected<#marker>);
            item.sig.inputs.insert(0, parameter);
            TokenStream::new()
        }
    };
    let registration = registration(&marker, &private);
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #marker;

        impl #private::Handler for #marker {
            fn config() -> &'static #private::HandlerConfig {
                static CONFIG: #private::HandlerConfig = #static_config;
                &CONFIG
            }
        }

        #registration

        #check

        #item
    }
}

/// The type of a parameter that is this crate's `Profile`, as far as the attribute can tell: written
/// `Profile` alone (checked at compile time to be ours), or with this crate's path.
fn workos_profile_type<'a>(input: &'a FnArg, krate: &syn::Path) -> Option<&'a Type> {
    let FnArg::Typed(PatType { ty, .. }) = input else {
        return None;
    };
    let Type::Path(TypePath { qself: None, path }) = &**ty else {
        return None;
    };
    let segments: Vec<&syn::PathSegment> = path.segments.iter().collect();
    let (last, prefix) = segments.split_last()?;
    if last.ident != "Profile" || !last.arguments.is_none() {
        return None;
    }
    let written: Vec<String> = prefix
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    let ours: Vec<String> = krate
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    (written.is_empty() || written == ours).then_some(&**ty)
}

/// The method and path of the handler's route attribute, when written plainly
/// (`#[get("/path", ...)]` or `#[route(GET, uri = "/path")]`).
fn route_of(item: &ItemFn) -> Option<(String, String)> {
    let attr = item.attrs.iter().find(|attr| {
        let last = attr.path().segments.last();
        last.is_some_and(|segment| ROUTE_ATTRIBUTES.iter().any(|name| segment.ident == name))
    })?;
    let name = attr.path().segments.last()?.ident.to_string();
    let args = attr
        .parse_args_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .ok()?;
    let literal = |expr: &syn::Expr| match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Some(lit.value()),
        _ => None,
    };
    if name == "route" {
        let method = match args.first()? {
            syn::Expr::Path(path) => path.path.get_ident()?.to_string(),
            _ => return None,
        };
        let uri = args.iter().find_map(|arg| match arg {
            syn::Expr::Assign(assign) => match &*assign.left {
                syn::Expr::Path(key) if key.path.is_ident("uri") => literal(&assign.right),
                _ => None,
            },
            _ => None,
        })?;
        return Some((method.to_uppercase(), uri));
    }
    Some((name.to_uppercase(), literal(args.first()?)?))
}

fn registration(marker: &Ident, private: &TokenStream) -> TokenStream {
    quote_spanned! {marker.span()=>
        #private::inventory::submit! {
            #private::Registration(<#marker as #private::Handler>::config)
        }
    }
}

fn config_tokens(
    config: &Config,
    handler_name: &str,
    route: Option<(String, String)>,
    private: &TokenStream,
) -> TokenStream {
    let Config {
        krate: _,
        redirect_uri,
        client_id,
        selector,
        domain_hint,
        login_hint,
        provider_scopes,
        role,
        groups,
        providers,
        allow_idp_initiated,
    } = config;
    let setting = |value: &crate::args::Value| match value {
        crate::args::Value::Launch { name, .. } => quote!(#private::HandlerSetting::Launch(#name)),
        written => quote!(#private::HandlerSetting::Written(#written)),
    };
    let optional_setting = |value: Option<&crate::args::Value>| match value {
        Some(value) => {
            let setting = setting(value);
            quote!(::core::option::Option::Some(#setting))
        }
        None => quote!(::core::option::Option::None),
    };
    let redirect_uri = optional_setting(redirect_uri.as_ref());
    let client_id = optional_setting(client_id.as_ref());
    let selector = match selector {
        None => quote!(::core::option::Option::None),
        Some((kind, value)) => {
            let pin = match kind {
                SelectorKind::Organization => {
                    let value = setting(value);
                    quote!(#private::Pin::Organization(#value))
                }
                SelectorKind::Connection => {
                    let value = setting(value);
                    quote!(#private::Pin::Connection(#value))
                }
                SelectorKind::Provider => quote!(#private::Pin::Provider(#value)),
            };
            quote!(::core::option::Option::Some(#pin))
        }
    };
    let route = match route {
        Some((method, path)) => quote!(::core::option::Option::Some((#method, #path))),
        None => quote!(::core::option::Option::None),
    };
    let domain_hint = option_tokens(domain_hint.as_ref());
    let login_hint = option_tokens(login_hint.as_ref());
    let role = option_tokens(role.as_ref());
    quote! {
        #private::HandlerConfig {
            handler: #handler_name,
            route: #route,
            redirect_uri: #redirect_uri,
            client_id: #client_id,
            selector: #selector,
            domain_hint: #domain_hint,
            login_hint: #login_hint,
            provider_scopes: &[#(#provider_scopes),*],
            role: #role,
            groups: &[#(#groups),*],
            providers: &[#(#providers),*],
            allow_idp_initiated: #allow_idp_initiated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;
    use crate::validate::validate;

    fn run(attr: &str, item: &str) -> String {
        let mut errors = Errors::default();
        let args = parse(attr.parse().unwrap(), &mut errors);
        let config = validate(args, &mut errors);
        expand(item.parse().unwrap(), config, errors).to_string()
    }

    const ATTR: &str =
        r#"redirect_uri = "http://localhost:8000/callback", client_id = env!("WORKOS_CLIENT_ID")"#;

    #[test]
    fn a_handler_taking_profile_keeps_its_signature_and_checks_the_type() {
        let out = run(
            ATTR,
            r#"#[get("/d")] pub fn dashboard(profile: Profile) -> String { todo!() }"#,
        );
        assert!(
            out.contains("pub fn dashboard (profile : Profile) -> String { todo ! () }"),
            "{out}"
        );
        assert!(
            out.contains(
                "const _ : () = :: rocket_workos_sso :: __private :: assert_workos_profile :: < Profile > () ;"
            ),
            "{out}"
        );
        assert!(out.contains("pub struct __workos_sso_dashboard"), "{out}");
        assert!(
            out.contains(r#"route : :: core :: option :: Option :: Some (("GET" , "/d"))"#),
            "{out}"
        );
        assert!(
            out.contains(r#"client_id : :: core :: option :: Option :: Some (:: rocket_workos_sso :: __private :: HandlerSetting :: Written (:: core :: env ! ("WORKOS_CLIENT_ID")))"#),
            "{out}"
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(!out.contains("Protected"), "{out}");
    }

    #[test]
    fn a_profile_of_this_crate_by_path_is_ours_and_another_modules_is_not() {
        let ours = run(
            ATTR,
            r#"#[get("/d")] fn d(me: rocket_workos_sso::Profile) {}"#,
        );
        assert!(
            ours.contains("fn d (me : rocket_workos_sso :: Profile) { }"),
            "{ours}"
        );
        let theirs = run(ATTR, r#"#[get("/d")] fn d(me: models::Profile) {}"#);
        assert!(
            theirs.contains(
                "fn d (__workos_sso : :: rocket_workos_sso :: __private :: Protected < __workos_sso_d > , \
                 me : models :: Profile) { }"
            ),
            "{theirs}"
        );
        assert!(!theirs.contains("assert_workos_profile"), "{theirs}");
    }

    #[test]
    fn a_renamed_crate_is_reached_by_its_path() {
        let attr = format!(r#"{ATTR}, crate = "sso""#);
        let out = run(&attr, r#"#[get("/d")] fn d(me: sso::Profile) {}"#);
        assert!(out.contains("fn d (me : sso :: Profile) { }"), "{out}");
        assert!(
            out.contains("impl sso :: __private :: Handler for __workos_sso_d"),
            "{out}"
        );
        assert!(!out.contains("rocket_workos_sso"), "{out}");
    }

    #[test]
    fn a_handler_without_a_profile_gains_the_hidden_guard() {
        let out = run(ATTR, r#"#[get("/d")] fn d(profile: Option<Profile>) {}"#);
        assert!(
            out.contains(
                "fn d (__workos_sso : :: rocket_workos_sso :: __private :: Protected < __workos_sso_d > \
                 , profile : Option < Profile >) { }"
            ),
            "{out}"
        );
    }

    #[test]
    fn the_route_is_read_from_either_attribute_form() {
        let item: ItemFn =
            syn::parse_str(r#"#[rocket::post("/a/<id>?<q>", format = "json")] fn a() {}"#).unwrap();
        assert_eq!(route_of(&item), Some(("POST".into(), "/a/<id>?<q>".into())));
        let item: ItemFn = syn::parse_str(r#"#[route(PATCH, uri = "/b")] fn b() {}"#).unwrap();
        assert_eq!(route_of(&item), Some(("PATCH".into(), "/b".into())));
        let item: ItemFn = syn::parse_str(r#"#[get(PATH)] fn c() {}"#).unwrap();
        assert_eq!(route_of(&item), None);
    }

    #[test]
    fn without_a_route_attribute_the_function_is_left_alone() {
        let out = run(ATTR, "fn dashboard(profile: Profile) {}");
        assert!(out.contains("found no route attribute below it"), "{out}");
        assert!(out.contains("fn dashboard (profile : Profile)"), "{out}");
    }

    #[test]
    fn launch_values_and_the_applications_sign_in_are_data_for_the_runtime() {
        let out = run(
            r#"organization = env("ACME_ORGANIZATION_ID"), role = "admin""#,
            r#"#[get("/d")] fn dashboard(profile: Profile) {}"#,
        );
        assert!(!out.contains("compile_error"), "{out}");
        for expected in [
            "redirect_uri : :: core :: option :: Option :: None",
            "client_id : :: core :: option :: Option :: None",
            r#"Pin :: Organization (:: rocket_workos_sso :: __private :: HandlerSetting :: Launch ("ACME_ORGANIZATION_ID"))"#,
        ] {
            assert!(out.contains(expected), "{expected}\n{out}");
        }
    }

    #[test]
    fn a_path_qualified_route_attribute_counts() {
        let out = run(ATTR, r#"#[rocket::post("/d")] async fn submit() {}"#);
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn anything_but_a_function_is_refused() {
        let out = run(ATTR, "struct Dashboard;");
        assert!(out.contains("goes on a Rocket route handler"), "{out}");
        assert!(out.contains("struct Dashboard ;"), "{out}");
    }

    #[test]
    fn a_second_attribute_is_reported_once_and_dropped() {
        let out = run(
            ATTR,
            &format!(r#"#[workos_sso({ATTR})] #[get("/d")] fn dashboard() {{}}"#),
        );
        assert!(out.contains("is written twice on `dashboard`"), "{out}");
        assert_eq!(out.matches("workos_sso (").count(), 0, "{out}");
    }

    #[test]
    fn argument_errors_keep_the_function_unchanged() {
        let out = run(
            r#"client_id = "client_1""#,
            r#"#[get("/d")] fn dashboard() {}"#,
        );
        assert!(out.contains("missing `redirect_uri`"), "{out}");
        assert!(out.contains("fn dashboard ()"), "{out}");
    }
}

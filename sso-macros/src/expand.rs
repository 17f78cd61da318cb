//! Code generation: the handler's configuration as static data, a registration the wiring finds at launch,
//! and a guard parameter that protects the handler. Every path into the runtime goes through
//! `::rocket_workos_sso::__private`, so the user's imports never matter.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    parse_quote, parse_quote_spanned, Attribute, FnArg, Item, ItemFn, PatType, Stmt, Type, TypePath,
};

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

/// The handler with a first parameter that runs before every other guard, plus its configuration.
///
/// The guard checks the session and hands over its profile, so the handler's own `Profile` parameter,
/// if it has one, becomes a `let` at the top of the body, bound from the guard: one session lookup per
/// request instead of one per guard. Any other parameter (`Option<Profile>` included) stays a guard.
fn protect(mut item: ItemFn, config: &Config) -> TokenStream {
    let marker = format_ident!("__workos_sso_{}", item.sig.ident);
    let vis = &item.vis;
    let handler_name = item.sig.ident.to_string();
    let static_config = config_tokens(config, &handler_name);
    let guard = format_ident!("{}", GUARD_PARAMETER);
    if let Some(index) = item.sig.inputs.iter().position(is_profile_parameter) {
        if let FnArg::Typed(PatType { pat, ty, .. }) = item.sig.inputs[index].clone() {
            item.sig.inputs = item
                .sig
                .inputs
                .into_iter()
                .enumerate()
                .filter_map(|(i, input)| (i != index).then_some(input))
                .collect();
            // Spanned at the user's type, so a `Profile` that is not ours is reported there.
            let binding: Stmt = parse_quote_spanned! {ty.span()=>
                let #pat: #ty = ::rocket_workos_sso::__private::Protected::into_profile(#guard);
            };
            item.block.stmts.insert(0, binding);
        }
    }
    let parameter: FnArg = parse_quote!(#guard: ::rocket_workos_sso::__private::Protected<#marker>);
    item.sig.inputs.insert(0, parameter);
    let registration = registration(&marker);
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #marker;

        impl ::rocket_workos_sso::__private::Handler for #marker {
            const CONFIG: &'static ::rocket_workos_sso::__private::HandlerConfig = &#static_config;
        }

        #registration

        #item
    }
}

/// A parameter whose type is written `Profile` (or a path ending in `Profile`), without generics.
fn is_profile_parameter(input: &FnArg) -> bool {
    let FnArg::Typed(PatType { ty, .. }) = input else {
        return false;
    };
    let Type::Path(TypePath { qself: None, path }) = &**ty else {
        return false;
    };
    path.segments
        .last()
        .is_some_and(|last| last.ident == "Profile" && last.arguments.is_none())
}

fn registration(marker: &Ident) -> TokenStream {
    quote_spanned! {marker.span()=>
        ::rocket_workos_sso::__private::inventory::submit! {
            ::rocket_workos_sso::__private::Registration(
                <#marker as ::rocket_workos_sso::__private::Handler>::CONFIG
            )
        }
    }
}

fn config_tokens(config: &Config, handler_name: &str) -> TokenStream {
    let Config {
        redirect_uri,
        client_id,
        selector,
        domain_hint,
        login_hint,
        provider_scopes,
        role,
        groups,
        allow_idp_initiated,
    } = config;
    let selector = match selector {
        None => quote!(::core::option::Option::None),
        Some((kind, value)) => {
            let variant = match kind {
                SelectorKind::Organization => quote!(Organization),
                SelectorKind::Connection => quote!(Connection),
                SelectorKind::Provider => quote!(Provider),
            };
            quote!(::core::option::Option::Some(::rocket_workos_sso::__private::StaticSelector::#variant(#value)))
        }
    };
    let domain_hint = option_tokens(domain_hint.as_ref());
    let login_hint = option_tokens(login_hint.as_ref());
    let role = option_tokens(role.as_ref());
    quote! {
        ::rocket_workos_sso::__private::HandlerConfig {
            handler: #handler_name,
            redirect_uri: #redirect_uri,
            client_id: #client_id,
            selector: #selector,
            domain_hint: #domain_hint,
            login_hint: #login_hint,
            provider_scopes: &[#(#provider_scopes),*],
            role: #role,
            groups: &[#(#groups),*],
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
    fn the_guard_becomes_the_first_parameter_and_hands_over_the_profile() {
        let out = run(
            ATTR,
            r#"#[get("/d")] pub fn dashboard(profile: Profile) -> String { todo!() }"#,
        );
        assert!(
            out.contains(
                "pub fn dashboard (__workos_sso : :: rocket_workos_sso :: __private :: Protected < \
                 __workos_sso_dashboard >) -> String { let profile : Profile = :: rocket_workos_sso \
                 :: __private :: Protected :: into_profile (__workos_sso) ; todo ! () }"
            ),
            "{out}"
        );
        assert!(out.contains("pub struct __workos_sso_dashboard"), "{out}");
        assert!(
            out.contains(r#"client_id : :: core :: env ! ("WORKOS_CLIENT_ID")"#),
            "{out}"
        );
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn only_the_first_plain_profile_parameter_is_bound_from_the_guard() {
        let out = run(
            ATTR,
            r#"#[get("/d")] async fn d(db: Db, mut me: rocket_workos_sso::Profile, maybe: Option<Profile>,
                again: Profile) {}"#,
        );
        assert!(
            out.contains(
                "async fn d (__workos_sso : :: rocket_workos_sso :: __private :: Protected < __workos_sso_d > \
                 , db : Db , maybe : Option < Profile > , again : Profile) { let mut me : \
                 rocket_workos_sso :: Profile = :: rocket_workos_sso :: __private :: Protected :: \
                 into_profile (__workos_sso) ; }"
            ),
            "{out}"
        );
    }

    #[test]
    fn a_handler_without_a_profile_only_gains_the_guard() {
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
    fn without_a_route_attribute_the_function_is_left_alone() {
        let out = run(ATTR, "fn dashboard(profile: Profile) {}");
        assert!(out.contains("found no route attribute below it"), "{out}");
        assert!(out.contains("fn dashboard (profile : Profile)"), "{out}");
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

//! Procedural macros for `rocket-workos-sso`.
//!
//! Do not depend on this crate directly: use `rocket-workos-sso`, which re-exports everything here and
//! documents the attribute.

mod args;
mod errors;
mod expand;
mod validate;

use proc_macro::TokenStream;

/// Protects a Rocket route handler with WorkOS SSO. Documented in `rocket_workos_sso`, which re-exports it.
#[proc_macro_attribute]
pub fn workos_sso(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = errors::Errors::default();
    let args = args::parse(attr.into(), &mut errors);
    let config = validate::validate(args, &mut errors);
    expand::expand(item.into(), config, errors).into()
}

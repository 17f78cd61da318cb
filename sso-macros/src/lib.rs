//! Procedural macros for `rocket-workos-sso`.
//!
//! Do not depend on this crate directly: use `rocket-workos-sso`, which re-exports everything here and
//! documents the attribute.

mod args;
mod errors;
mod expand;
mod validate;

use proc_macro::TokenStream;

// rustdoc appends this to the documentation on `rocket_workos_sso`'s re-export, which holds the rest.
/// The attribute is implemented in `rocket-workos-sso-macros`; use it through `rocket-workos-sso`.
#[proc_macro_attribute]
pub fn workos_sso(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = errors::Errors::default();
    let args = args::parse(attr.into(), &mut errors);
    let config = validate::validate(args, &mut errors);
    expand::expand(item.into(), config, errors).into()
}

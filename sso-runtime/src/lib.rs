//! WorkOS enterprise Single Sign-On for Rocket, declared with one attribute.
//!
//! This crate holds the `#[workos_sso]` attribute and its runtime: the [`WorkosSso`] fairing, the
//! [`Profile`] request guard, sealed sessions, the WorkOS HTTP client ([`client`]), the runtime
//! configuration ([`config`]) and, behind the `emulator` feature, an embedded WorkOS-compatible server
//! (`emulator`) used by the quickstart and the tests. `testing` (feature `testing`, for an application's
//! dev-dependencies) signs users in for `rocket::local` tests.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(unreachable_pub)]

pub mod client;
pub use client::config;
mod codec;
pub mod email;
/// The embedded WorkOS-compatible server (the `rocket-workos-sso-emulator` crate), which the fairing
/// starts in a debug build without an API key (or with `workos.emulator = true`).
#[cfg(feature = "emulator")]
pub use rocket_workos_sso_emulator as emulator;
pub mod audit;
mod directory;
mod fairing;
pub mod flow;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod guard;
mod handler;
pub mod hooks;
mod html;
mod kept;
mod policy;
pub use client::profile;
mod redirect_uri;
mod reply;
mod revocation;
mod routes;
mod seal;
pub mod session;
mod settings;
mod sso;
mod store;
pub mod tenant;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

#[doc(hidden)]
pub mod __private;

pub use client::{WorkosClient, WorkosError};
pub use fairing::WorkosSso;
#[allow(deprecated)]
pub use guard::{GuardError, Unauthenticated};
pub use profile::Profile;
pub use reply::{sign_in, SignIn};
#[allow(deprecated)]
pub use revocation::{Revocation, RevocationError, SessionStore, StoreError};
#[doc = include_str!("../docs/workos_sso.md")]
pub use rocket_workos_sso_macros::workos_sso;
pub use tenant::Tenant;

/// Now, in Unix seconds: a clock set before 1970 reads as 1970, where every session is issued in the
/// future and refused. Cheaper than `OffsetDateTime::now_utc()`, which the guards would pay per request.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        })
}

/// Compiles the README's Rust code blocks as doctests, so the README cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

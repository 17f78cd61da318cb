//! WorkOS enterprise Single Sign-On for Rocket.
//!
//! This crate holds the WorkOS HTTP client ([`client`]), the typed [`Profile`], the
//! runtime configuration ([`config`]) and, behind the `emulator` feature, an embedded WorkOS-compatible
//! server (`emulator`) used by the quickstart and the tests.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod config;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod flow;
pub mod profile;

pub use client::{WorkosClient, WorkosError};
pub use config::WorkosConfig;
pub use profile::Profile;

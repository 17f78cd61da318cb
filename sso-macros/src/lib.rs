//! Procedural macros for `rocket-workos-sso`.
//!
//! Do not depend on this crate directly: use `rocket-workos-sso`, which re-exports everything here.

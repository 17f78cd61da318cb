//! Compile-time behaviour of `#[workos_sso]`: every mistake it refuses, with the exact diagnostic
//! (`tests/ui/fail/*.stderr`), and the handler shapes it accepts (`tests/ui/pass`).
//!
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test -p rocket-workos-sso-tests --test ui`, then
//! review every changed `.stderr` like code: the caret must sit on the user's offending tokens.

#[test]
fn ui() {
    // One `TestCases` so that trybuild builds the dependencies once for every case.
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/fail/*.rs");
    cases.pass("ui/pass/*.rs");
}

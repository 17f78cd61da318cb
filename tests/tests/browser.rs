//! Real-browser end-to-end tests: headless Chromium, driven through `chromedriver` with fantoccini,
//! signs in to the example apps, each running as its own process on an ephemeral port against its
//! embedded WorkOS emulator.
//!
//! Needs `chromium` and `chromedriver` (Debian: `apt-get install chromium chromium-driver`); the
//! `CHROMIUM` and `CHROMEDRIVER` environment variables override where they are. When either is not
//! installed, a plain `cargo test` prints a `SKIPPED:` line and passes, so a fresh clone stays green;
//! `scripts/test` (and so CI) installs both and sets `WORKOS_BROWSER_TESTS=required`, which turns a
//! missing browser into a failure. A browser that is installed but cannot start always fails.
//!
//! The test builds the examples as a deployment would (`cargo build --release --workspace
//! --all-features --examples`) and runs the binaries cargo reports, configured at launch through the
//! environment only: `ROCKET_PORT` a free port, WORKOS_REDIRECT_URI following it, the client id, the
//! organization and the secret key. Every step leaves a screenshot under
//! `target/e2e-screenshots/<scenario>/<nn>-<step>.png`.

use std::time::Instant;

use fantoccini::Locator;

mod browser_support;
mod processes;
use browser_support::*;
use processes::{release_examples, target_dir, Result};

#[test]
fn sign_in_with_a_real_browser() {
    if !browser_installed() {
        return;
    }
    let started = Instant::now();
    let examples = release_examples().unwrap_or_else(|error| panic!("{error}"));
    let target_dir = target_dir(&examples["quickstart"]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let failures = runtime.block_on(async {
        let driver = Chromedriver::start().unwrap_or_else(|error| panic!("{error}"));
        let env = Env {
            driver: &driver,
            examples: &examples,
            screenshots: target_dir.join("e2e-screenshots"),
            tls: None,
        };
        let results = tokio::join!(
            env.run(
                "quickstart-sign-in-reload-sign-out",
                "quickstart",
                quickstart_sign_in_reload_sign_out
            ),
            env.run("quickstart-cancel", "quickstart", quickstart_cancel),
            env.run(
                "multi-tenant-globex-refused",
                "multi_tenant",
                multi_tenant_globex_refused
            ),
            env.run(
                "multi-tenant-example-corp-admitted",
                "multi_tenant",
                multi_tenant_example_corp_admitted
            ),
            env.run(
                "multi-tenant-unknown-domain",
                "multi_tenant",
                multi_tenant_unknown_domain
            ),
        );
        let errors = tokio::join!(
            env.run(
                "quickstart-error-pages",
                "quickstart",
                quickstart_error_pages
            ),
            env.run(
                "multi-tenant-error-pages",
                "multi_tenant",
                multi_tenant_error_pages
            ),
        );
        [
            results.0, results.1, results.2, results.3, results.4, errors.0, errors.1,
        ]
        .into_iter()
        .filter_map(Result::err)
        .collect::<Vec<_>>()
    });
    eprintln!(
        "browser scenarios finished in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} browser scenario(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

// ----------------------------------------------------------------------------------------------------
// Scenarios

/// Visit the protected page, pick Alice, stay signed in across a reload, sign out, and be asked to sign
/// in again.
async fn quickstart_sign_in_reload_sign_out(s: &mut Session) -> Result<()> {
    s.goto("/profile").await?;
    s.wait_heading("Test Identity Provider").await?;
    s.shot("test-idp").await?;
    s.click_user("alice@example.com").await?;
    s.wait_heading("Your profile").await?;
    expect_path(s, "/profile").await?;
    expect_eq(s.text("#email").await?, "alice@example.com")?;
    expect_eq(s.text("#name").await?, "Alice Anders")?;
    expect_eq(
        s.text("#organization").await?,
        "org_01JH3E28JT97KB6CQ643DZVMXX",
    )?;
    s.shot("profile").await?;

    s.client.refresh().await?;
    s.wait_heading("Your profile").await?;
    expect_eq(s.text("#email").await?, "alice@example.com")?;
    s.shot("profile-after-reload").await?;

    s.click(Locator::XPath("//button[normalize-space()='Sign out']"))
        .await?;
    s.wait_for(Locator::XPath("//a[normalize-space()='Sign in with SSO']"))
        .await?;
    expect_path(s, "/").await?;
    s.shot("signed-out-home").await?;

    s.goto("/profile").await?;
    s.wait_heading("Test Identity Provider").await?;
    s.shot("profile-asks-to-sign-in-again").await?;
    Ok(())
}

/// Cancel on the Test Identity Provider page comes back with `access_denied`: the app's error page.
async fn quickstart_cancel(s: &mut Session) -> Result<()> {
    s.goto("/").await?;
    s.wait_for(Locator::XPath("//a[normalize-space()='Sign in with SSO']"))
        .await?;
    s.shot("home").await?;
    s.click(Locator::XPath("//a[normalize-space()='Sign in with SSO']"))
        .await?;
    s.wait_heading("Test Identity Provider").await?;
    s.shot("test-idp").await?;
    s.click(Locator::XPath("//button[normalize-space()='Cancel']"))
        .await?;
    s.wait_heading("Sign-in cancelled").await?;
    let body = s.text("body").await?;
    expect_contains(
        &body,
        "The sign-in was cancelled, or your identity provider did not allow it.",
    )?;
    expect_contains(&body, "Error code: access_denied")?;
    expect_status(s, 403).await?;
    s.shot("sign-in-cancelled").await?;
    // "Sign in again" works: it starts the same login over.
    s.click(Locator::LinkText("Sign in again")).await?;
    s.wait_heading("Test Identity Provider").await?;
    Ok(())
}

/// Every error page the library shows in a pinned app, reached as a browser reaches it, each with a
/// screenshot, its heading, its status, and its next step; and the app's own 404.
async fn quickstart_error_pages(s: &mut Session) -> Result<()> {
    let pages = [
        // A callback this browser did not start: no state.
        (
            "/callback?code=01JCODE",
            "Sign-in could not be completed",
            400,
            "missing-state",
        ),
        // A callback whose state this browser never had (forged, replayed, or another browser's).
        (
            "/callback?code=01JCODE&state=forged-0123456789",
            "Sign-in could not be completed",
            400,
            "invalid-state",
        ),
        // Neither a code nor an error.
        (
            "/callback?state=",
            "Sign-in could not be completed",
            400,
            "missing-code",
        ),
        // The identity provider failed.
        (
            "/callback?error=server_error",
            "Sign-in failed",
            502,
            "idp-server-error",
        ),
        // SSO misconfigured for the organization.
        (
            "/callback?error=organization_invalid",
            "Sign-in failed",
            400,
            "sso-misconfigured",
        ),
        // A sign-in link of another version of the app.
        (
            "/sso/login?flow=0123456789ab",
            "Sign-in link not recognised",
            400,
            "unknown-flow",
        ),
        // A malformed selector in a sign-in link.
        (
            "/sso/login?organization=acme",
            "This sign-in link is not valid",
            400,
            "invalid-selector",
        ),
    ];
    for (path, heading, status, name) in pages {
        s.goto(path).await?;
        s.wait_heading(heading).await?;
        expect_status(s, status).await?;
        let body = s.text("body").await?;
        if !body.contains("Sign in again") && !body.contains("Back to the home page") {
            return Err(format!("{path}: the page offers no next step:\n{body}").into());
        }
        s.shot(name).await?;
    }
    // The next step works: "Sign in again" from a refused callback reaches the identity provider.
    s.goto("/callback?code=01JCODE&state=forged-0123456789")
        .await?;
    s.click(Locator::LinkText("Sign in again")).await?;
    s.wait_heading("Test Identity Provider").await?;
    // The app's own 404, in its style, with the way home.
    s.goto("/no/such/page").await?;
    s.wait_heading("Page not found").await?;
    expect_status(s, 404).await?;
    s.shot("not-found").await?;
    s.click(Locator::LinkText("Back to the home page")).await?;
    s.wait_for(Locator::XPath("//a[normalize-space()='Sign in with SSO']"))
        .await?;
    Ok(())
}

/// The error pages of an app whose handlers admit any organization.
async fn multi_tenant_error_pages(s: &mut Session) -> Result<()> {
    // An OAuth provider the app does not list.
    s.goto("/sso/login?provider=GoogleOAuth").await?;
    s.wait_heading("Sign-in method not available").await?;
    expect_status(s, 400).await?;
    s.shot("provider-not-allowed").await?;
    // A work email whose domain two organizations claim: the page says so and starts no login.
    s.type_work_email("peter@initech.test").await?;
    s.wait_heading("Sign in").await?;
    expect_contains(&s.text("main").await?, "initech.test")?;
    expect_status(s, 400).await?;
    s.shot("domain-of-two-organizations").await?;
    Ok(())
}

/// A Globex user picks Globex by email domain and signs in, then the Example-Corp-only page refuses
/// them.
async fn multi_tenant_globex_refused(s: &mut Session) -> Result<()> {
    s.type_work_email("hank@globex.test").await?;
    s.wait_heading("Test Identity Provider").await?;
    expect_contains(&s.text("main").await?, "Globex")?;
    s.shot("test-idp-globex").await?;
    s.click_user("hank@globex.test").await?;
    s.wait_heading("Your workspace").await?;
    expect_eq(
        s.text("#organization").await?,
        "org_01JHS3C4DWA7N36096Q14DR9GP",
    )?;
    expect_contains(&s.text("#welcome").await?, "hank@globex.test")?;
    s.shot("workspace").await?;
    s.click(Locator::LinkText("Example Corp reports")).await?;
    s.wait_heading("Access denied").await?;
    let body = s.text("body").await?;
    expect_contains(
        &body,
        "You are signed in, but this page belongs to another organization.",
    )?;
    expect_contains(&body, "Error code: forbidden")?;
    expect_status(s, 403).await?;
    expect_path(s, "/example-corp/reports").await?;
    s.shot("reports-refused").await?;
    Ok(())
}

/// An address whose domain no organization claims stays on the email page with a message, and WorkOS
/// is never asked to authorize.
async fn multi_tenant_unknown_domain(s: &mut Session) -> Result<()> {
    s.type_work_email("mallory@evil.example").await?;
    s.wait_heading("Sign in").await?;
    expect_contains(&s.text("main").await?, "evil.example")?;
    expect_status(s, 400).await?;
    s.shot("unknown-domain").await?;
    Ok(())
}

/// An Example Corp user gets into the Example-Corp-only page.
async fn multi_tenant_example_corp_admitted(s: &mut Session) -> Result<()> {
    s.type_work_email("alice@example.com").await?;
    s.wait_heading("Test Identity Provider").await?;
    expect_contains(&s.text("main").await?, "Example Corp")?;
    s.shot("test-idp-example-corp").await?;
    s.click_user("alice@example.com").await?;
    s.wait_heading("Your workspace").await?;
    expect_eq(
        s.text("#organization").await?,
        "org_01JH3E28JT97KB6CQ643DZVMXX",
    )?;
    s.shot("workspace").await?;
    s.click(Locator::LinkText("Example Corp reports")).await?;
    s.wait_heading("Example Corp reports").await?;
    expect_eq(
        s.text("#reports").await?,
        "Quarterly reports for alice@example.com.",
    )?;
    s.shot("reports").await?;
    // "Set up SSO for your organization": an Admin Portal link from the fairing's own client.
    s.goto("/workspace").await?;
    s.click(Locator::LinkText("Set up SSO for your organization"))
        .await?;
    s.wait_heading("Set up SSO for Example Corp").await?;
    s.shot("admin-portal").await?;
    Ok(())
}

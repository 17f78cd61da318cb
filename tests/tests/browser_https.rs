//! The examples as deployed, over https, in a real browser: each app serves TLS itself (Rocket's `tls`
//! feature, `ROCKET_TLS` at launch) with a self-signed certificate for 127.0.0.1 made for this run, its
//! redirect URI is `https://127.0.0.1:PORT/callback`, so its cookies are `__Host-workos_sso_session`
//! and `__Secure-workos_sso_flow_…`, and headless Chromium accepts the certificate
//! (`--ignore-certificate-errors`).
//!
//! What it shows, with Chromium's own cookie rules: after signing out by the Sign out button (POST) and
//! by `GET /sso/logout`, the browser holds no cookie of the library and a protected page asks to sign
//! in; a used login's cookie is gone once its callback answered; and replaying a callback URL in the
//! same browser is refused without a call to WorkOS's `/sso/token`.
//!
//! Same requirements and switches as `browser.rs`: skipped with a `SKIPPED:` line when Chromium or
//! chromedriver is missing, a failure when `WORKOS_BROWSER_TESTS=required`. Screenshots land under
//! `target/e2e-screenshots/https-<scenario>/`.

use std::time::Instant;

use fantoccini::Locator;
use rocket_workos_sso::emulator::EXAMPLE_ORG_ID;
use url::Url;

mod browser_support;
#[path = "support/emulator_stats.rs"]
mod emulator_stats;
mod processes;
use browser_support::*;
use processes::{release_examples, target_dir, Result};

#[test]
fn sign_out_and_replay_over_https_with_a_real_browser() {
    if !browser_installed() {
        return;
    }
    let started = Instant::now();
    let examples = release_examples().unwrap_or_else(|error| panic!("{error}"));
    let target_dir = target_dir(&examples["quickstart"]);
    let certificate = TempDir::new("tls").unwrap_or_else(|error| panic!("{error}"));
    let tls = self_signed_certificate(&certificate).unwrap_or_else(|error| panic!("{error}"));
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
            tls: Some(&tls),
        };
        let results = tokio::join!(
            env.run(
                "https-quickstart-sign-out-and-replay",
                "quickstart",
                quickstart_sign_out_and_replay
            ),
            env.run(
                "https-multi-tenant-sign-out",
                "multi_tenant",
                multi_tenant_sign_out
            ),
        );
        [results.0, results.1]
            .into_iter()
            .filter_map(Result::err)
            .collect::<Vec<_>>()
    });
    eprintln!(
        "https browser scenarios finished in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} https browser scenario(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A certificate for 127.0.0.1 and its key, written as PEM into `dir`.
fn self_signed_certificate(dir: &TempDir) -> Result<Tls> {
    let generated =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
    let tls = Tls {
        certs: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::write(&tls.certs, generated.cert.pem())?;
    std::fs::write(&tls.key, generated.signing_key.serialize_pem())?;
    Ok(tls)
}

// ----------------------------------------------------------------------------------------------------
// Scenarios

/// Sign in, sign out with the button; sign in again, sign out with `GET /sso/logout`; replay the second
/// sign-in's callback URL.
async fn quickstart_sign_out_and_replay(s: &mut Session) -> Result<()> {
    s.goto("/profile").await?;
    s.wait_heading("Test Identity Provider").await?;
    s.click_user("alice@example.com").await?;
    s.wait_heading("Your profile").await?;
    expect_https(s).await?;
    expect_eq(s.text("#email").await?, "alice@example.com")?;
    s.shot("profile").await?;
    // Signed in: the session and the slot the next login takes; no login cookie is left over.
    let cookies = library_cookies(s).await?;
    if cookies != ["__Host-workos_sso_next_login", "__Host-workos_sso_session"] {
        return Err(format!("signed in, the browser holds {cookies:?}").into());
    }

    s.goto("/profile").await?;
    s.click(Locator::XPath("//button[normalize-space()='Sign out']"))
        .await?;
    s.wait_for(Locator::XPath("//a[normalize-space()='Sign in with SSO']"))
        .await?;
    s.shot("signed-out-by-post").await?;
    expect_no_library_cookie(s, "after Sign out (POST)").await?;
    s.goto("/profile").await?;
    s.wait_heading("Test Identity Provider").await?;
    s.shot("profile-asks-to-sign-in-after-post").await?;

    // Signed in again, this time keeping the callback URL.
    let (callback, emulator) = pick_user_keeping_the_callback(s, "alice@example.com").await?;
    s.wait_heading("Your profile").await?;
    expect_eq(s.text("#email").await?, "alice@example.com")?;
    s.goto("/sso/logout").await?;
    s.wait_for(Locator::XPath("//a[normalize-space()='Sign in with SSO']"))
        .await?;
    s.shot("signed-out-by-get").await?;
    expect_no_library_cookie(s, "after GET /sso/logout").await?;

    let token_calls = emulator_stats::request_count(&emulator, "/sso/token").await;
    s.client.goto(callback.as_str()).await?;
    s.wait_heading("Sign-in could not be completed").await?;
    expect_status(s, 400).await?;
    s.shot("replayed-callback-refused").await?;
    let after = emulator_stats::request_count(&emulator, "/sso/token").await;
    if after != token_calls {
        return Err(format!(
            "the replayed callback called /sso/token: {token_calls} calls before, {after} after"
        )
        .into());
    }
    expect_no_library_cookie(s, "after the replay").await?;
    s.goto("/profile").await?;
    s.wait_heading("Test Identity Provider").await?;
    s.shot("profile-asks-to-sign-in-after-get").await?;
    Ok(())
}

/// An Example Corp user signs in through a sign-in link naming the organization, signs out with the
/// button, and the workspace asks to sign in again.
async fn multi_tenant_sign_out(s: &mut Session) -> Result<()> {
    s.goto(&format!(
        "/sso/login?organization={EXAMPLE_ORG_ID}&return_to=%2Fworkspace"
    ))
    .await?;
    s.wait_heading("Test Identity Provider").await?;
    s.click_user("alice@example.com").await?;
    s.wait_heading("Your workspace").await?;
    expect_https(s).await?;
    expect_contains(&s.text("#welcome").await?, "alice@example.com")?;
    s.shot("workspace").await?;
    s.click(Locator::XPath("//button[normalize-space()='Sign out']"))
        .await?;
    s.wait_for(Locator::XPath("//a[normalize-space()='Sign in with SSO']"))
        .await?;
    s.shot("signed-out").await?;
    expect_no_library_cookie(s, "after Sign out (POST)").await?;
    s.goto("/workspace").await?;
    s.wait_heading("Sign in").await?;
    s.shot("workspace-asks-to-sign-in").await?;
    Ok(())
}

// ----------------------------------------------------------------------------------------------------
// Steps

async fn expect_https(s: &Session) -> Result<()> {
    let url = s.client.current_url().await?;
    if url.scheme() == "https" {
        Ok(())
    } else {
        Err(format!("expected an https page, the browser is at {url}").into())
    }
}

/// The names of the library's cookies the browser holds, on every path: read at the callback's path
/// (a request there without a state or code changes nothing), where the session's `Path=/` applies too.
async fn library_cookies(s: &Session) -> Result<Vec<String>> {
    s.goto("/callback").await?;
    s.wait_heading("Sign-in could not be completed").await?;
    let mut names: Vec<String> = s
        .client
        .get_all_cookies()
        .await?
        .iter()
        .map(|cookie| cookie.name().to_owned())
        .filter(|name| name.contains("workos_sso"))
        .collect();
    names.sort();
    Ok(names)
}

async fn expect_no_library_cookie(s: &Session, when: &str) -> Result<()> {
    let cookies = library_cookies(s).await?;
    if cookies.is_empty() {
        Ok(())
    } else {
        Err(format!("{when}, the browser still holds {cookies:?}").into())
    }
}

/// On the Test Identity Provider page: picks the user with `email` as its button would, but through a
/// request of the test's own, so the callback URL the identity provider redirects to is known; then the
/// browser goes there. Returns that callback URL and the emulator's base URL.
async fn pick_user_keeping_the_callback(s: &Session, email: &str) -> Result<(Url, Url)> {
    let page = s.client.current_url().await?;
    let session = s
        .wait_for(Locator::Css("input[name='session']"))
        .await?
        .attr("value")
        .await?
        .ok_or("the Test Identity Provider form has no session")?;
    let xpath = format!("//button[@name='user'][.//span[contains(., '{email}')]]");
    let user = s
        .wait_for(Locator::XPath(&xpath))
        .await?
        .attr("value")
        .await?
        .ok_or("the user's button has no value")?;
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("session", &session)
        .append_pair("user", &user)
        .finish();
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?
        .post(page.join("/test-idp/sign-in")?)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await?;
    let callback = response
        .headers()
        .get("location")
        .ok_or_else(|| format!("the identity provider answered {}", response.status()))?
        .to_str()?;
    let callback = Url::parse(callback)?;
    s.client.goto(callback.as_str()).await?;
    Ok((callback, page.join("/")?))
}

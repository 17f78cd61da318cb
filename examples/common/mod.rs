//! Shared by the examples: their configuration (read at launch) and page chrome (plain HTML, no external
//! assets).
#![allow(dead_code)] // each example uses its own subset

use rocket::figment::Figment;
use rocket::response::content::RawHtml;
use rocket_workos_sso::emulator::{DEFAULT_CLIENT_ID, EXAMPLE_ORG_ID};

/// The embedded emulator's client id, for [`figment`].
pub const EMULATOR_CLIENT_ID: (&str, &str, &str) =
    ("client_id", "WORKOS_CLIENT_ID", DEFAULT_CLIENT_ID);

/// The callback on port 8000, where `cargo run --example ...` listens, for [`figment`].
pub const LOCAL_REDIRECT_URI: (&str, &str, &str) = (
    "redirect_uri",
    "WORKOS_REDIRECT_URI",
    "http://127.0.0.1:8000/callback",
);

/// The emulator's Example Corp, for [`figment`].
pub const EXAMPLE_CORP: (&str, &str, &str) =
    ("organization", "WORKOS_ORGANIZATION_ID", EXAMPLE_ORG_ID);

/// Rocket's configuration, where the WorkOS settings are read at launch: `[default.workos]` in Rocket.toml,
/// `ROCKET_WORKOS`, or WorkOS's variables (WORKOS_CLIENT_ID, WORKOS_REDIRECT_URI,
/// WORKOS_ORGANIZATION_ID, WORKOS_API_KEY). So one release build runs in staging and in production.
///
/// A debug build fills each of `defaults` (`workos.` key, variable, value) that neither names, so that
/// `cargo run --example ...` works on a fresh clone against the embedded emulator; a release build takes
/// nothing it was not given, and refuses to launch without it.
pub fn figment(defaults: &[(&str, &str, &str)]) -> Figment {
    let mut figment = rocket::Config::figment();
    if cfg!(debug_assertions) {
        for (key, variable, value) in defaults {
            let key = format!("workos.{key}");
            let unset = figment.find_value(&key).is_err()
                && std::env::var_os(variable).is_none_or(|value| value.is_empty());
            if unset {
                figment = figment.merge((key, *value));
            }
        }
    }
    figment
}

/// The environment variable `variable`, or in a debug build `default` when it is unset (see
/// [`figment`]); `None` in a release build without it.
pub fn setting(variable: &str, default: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(value) if !value.trim().is_empty() => Some(value.trim().to_owned()),
        _ => cfg!(debug_assertions).then(|| default.to_owned()),
    }
}

/// A complete page with `title` and `body` (already HTML).
pub fn page(title: &str, body: &str) -> RawHtml<String> {
    RawHtml(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>\
         body{{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2328}}\
         .button,button{{display:inline-block;background:#4338ca;color:#fff;border:0;border-radius:8px;\
         padding:.6rem 1.2rem;font:inherit;text-decoration:none;cursor:pointer}}\
         input{{font:inherit;padding:.5rem;width:18rem;margin-right:.5rem}}\
         th{{text-align:left;padding:.3rem 1rem .3rem 0;color:#59636e}}table{{margin-bottom:1.5rem}}\
         </style></head><body><h1>{title}</h1>{body}</body></html>",
        title = escape(title)
    ))
}

/// Escapes text for HTML; profile values come from the customer's identity provider.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The examples' page for an address that does not exist, in their own style, with the way back.
#[rocket::catch(404)]
pub fn not_found() -> RawHtml<String> {
    page(
        "Page not found",
        "<p>There is nothing at this address.</p><p><a href=\"/\">Back to the home page</a></p>",
    )
}

/// The sign-out button: a POST to the library's logout route.
pub const SIGN_OUT: &str =
    "<form method=\"post\" action=\"/sso/logout\"><button type=\"submit\">Sign out</button></form>";

//! Page chrome shared by the examples: plain HTML, no external assets.

use rocket::response::content::RawHtml;

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

/// The sign-out button: a POST to the library's logout route.
pub const SIGN_OUT: &str =
    "<form method=\"post\" action=\"/sso/logout\"><button type=\"submit\">Sign out</button></form>";

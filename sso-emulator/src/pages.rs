//! The emulator's HTML: the Test Identity Provider, the Admin Portal and error pages. Self-contained
//! (no external assets) and every interpolated value escaped.

use std::fmt::Write as _;

use super::seed::{Connection, User};

/// `text` safe inside HTML text and double- or single-quoted attributes.
fn escape(text: &str) -> String {
    text.chars()
        .fold(String::with_capacity(text.len()), |mut html, character| {
            match character {
                '&' => html.push_str("&amp;"),
                '<' => html.push_str("&lt;"),
                '>' => html.push_str("&gt;"),
                '"' => html.push_str("&quot;"),
                '\'' => html.push_str("&#39;"),
                other => html.push(other),
            }
            html
        })
}

/// Connection types a portal user can pick for a new connection.
pub(crate) const PORTAL_CONNECTION_TYPES: [&str; 7] = [
    "TestIdp",
    "OktaSAML",
    "EntraIdOIDC",
    "GoogleSAML",
    "GenericSAML",
    "GenericOIDC",
    "ADFSSAML",
];

/// A complete page around `body` (already HTML).
fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title><style>\
         body{{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1f2328;margin:0}}\
         main{{max-width:28rem;margin:3rem auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 1px 4px #0002}}\
         h1{{font-size:1.3rem;margin-top:0}}.note{{color:#59636e;font-size:.9rem}}\
         button,input,select,textarea{{font:inherit;width:100%;box-sizing:border-box;margin:.3rem 0;padding:.6rem}}\
         button{{border:1px solid #d0d7de;border-radius:8px;background:#fff;text-align:left;cursor:pointer}}\
         button:hover{{background:#eef1f4}}button.primary{{background:#4338ca;color:#fff;text-align:center}}\
         .cancel{{text-align:center;color:#cf222e}}.error{{color:#cf222e}}code{{word-break:break-all}}\
         </style></head><body><main>{body}</main></body></html>",
        title = escape(title),
    )
}

/// An error shown to the browser when redirecting back would be unsafe (unknown client or redirect URI).
pub(crate) fn error(title: &str, detail: &str) -> String {
    layout(
        title,
        &format!(
            "<h1>{}</h1><p class=\"error\">{}</p><p class=\"note\">WorkOS emulator: this request was not redirected back to the application.</p>",
            escape(title),
            escape(detail)
        ),
    )
}

/// The Test Identity Provider: one button per user of `connection`, plus Cancel.
pub(crate) fn test_idp(
    connection: &Connection,
    users: &[&User],
    session: &str,
    login_hint: Option<&str>,
) -> String {
    let mut body = format!(
        "<h1>Test Identity Provider</h1><p>Sign in to <strong>{}</strong> <span class=\"note\">({})</span> as:</p>\
         <form method=\"post\" action=\"/test-idp/sign-in\"><input type=\"hidden\" name=\"session\" value=\"{}\">",
        escape(&connection.name),
        escape(&connection.connection_type),
        escape(session)
    );
    if let Some(hint) = login_hint {
        let _ = write!(body, "<p class=\"note\">Login hint: {}</p>", escape(hint));
    }
    if users.is_empty() {
        body.push_str("<p class=\"note\">This connection has no users.</p>");
    }
    for user in users {
        let name = user.full_name().unwrap_or_else(|| user.email.clone());
        let _ = write!(
            body,
            "<button type=\"submit\" name=\"user\" value=\"{}\"><strong>{}</strong><br><span class=\"note\">{}{}</span></button>",
            escape(&user.id),
            escape(&name),
            escape(&user.email),
            user.role.as_deref().map(|role| format!(" · {}", escape(role))).unwrap_or_default()
        );
    }
    body.push_str("<button type=\"submit\" name=\"cancel\" value=\"1\" class=\"cancel\">Cancel</button></form>");
    layout("Test Identity Provider", &body)
}

/// The Admin Portal's "set up SSO" form for `organization_name`.
pub(crate) fn portal_form(organization_name: &str, secret: &str, problem: Option<&str>) -> String {
    let options: String = PORTAL_CONNECTION_TYPES
        .iter()
        .map(|kind| format!("<option value=\"{kind}\">{kind}</option>"))
        .collect();
    let problem = problem
        .map(|text| format!("<p class=\"error\">{}</p>", escape(text)))
        .unwrap_or_default();
    layout(
        "Admin Portal",
        &format!(
            "<h1>Set up SSO for {org}</h1>{problem}<form method=\"post\" action=\"/portal/launch\">\
             <input type=\"hidden\" name=\"secret\" value=\"{secret}\">\
             <label>Connection name<input name=\"name\" required value=\"{org}\"></label>\
             <label>Identity provider<select name=\"connection_type\">{options}</select></label>\
             <label>Users, one per line: <code>email</code> or <code>First Last &lt;email&gt;</code>\
             <textarea name=\"users\" rows=\"4\" required></textarea></label>\
             <button type=\"submit\" class=\"primary\">Create connection</button></form>",
            org = escape(organization_name),
            secret = escape(secret),
        ),
    )
}

/// The Admin Portal's confirmation.
pub(crate) fn portal_done(
    connection: &Connection,
    users: usize,
    success_url: Option<&str>,
) -> String {
    let next = success_url
        .map(|url| format!("<p><a href=\"{}\">Continue</a></p>", escape(url)))
        .unwrap_or_default();
    layout(
        "Admin Portal",
        &format!(
            "<h1>Connection created</h1><p><strong>{}</strong> ({}) with {users} user(s).</p><p class=\"note\">ID: <code>{}</code></p>{next}",
            escape(&connection.name),
            escape(&connection.connection_type),
            escape(&connection.id),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}

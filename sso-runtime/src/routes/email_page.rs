//! The page that asks for a work email: the library's own, or the application's.

use rocket::http::Status;

use crate::email::EmailForm;
use crate::html::{document, escape};
use crate::reply::Reply;
use crate::sso::Sso;

/// The email page for flow `key`, first shown: nothing entered, no message.
pub(crate) fn page(sso: &Sso, key: &str, return_to: &str) -> Reply {
    show(sso, Status::Ok, key, return_to, "", None)
}

/// The email page with `email` entered and `message` saying what is wrong with it, if anything.
pub(crate) fn show(
    sso: &Sso,
    status: Status,
    key: &str,
    return_to: &str,
    email: &str,
    message: Option<&str>,
) -> Reply {
    let hidden = [
        ("flow", key.to_owned()),
        ("return_to", return_to.to_owned()),
    ];
    let form = EmailForm {
        action: &sso.settings.login_path,
        hidden: &hidden,
        email,
        message,
    };
    let html = match &sso.email.page {
        Some(page) => page(&form),
        None => library_page(&form),
    };
    Reply::Page(status, html)
}

/// The library's page: one labelled email input, its error (if any) announced and tied to it.
fn library_page(form: &EmailForm<'_>) -> String {
    let (message, invalid) = match form.message {
        Some(message) => (
            format!(
                r#"<p id="email-error" class="error" role="alert">{}</p>"#,
                escape(message)
            ),
            r#" aria-invalid="true" aria-describedby="email-error""#,
        ),
        None => (String::new(), ""),
    };
    document(
        "Sign in",
        &format!(
            r#"<main><h1>Sign in</h1><p>Enter your work email to continue to your organization's sign-in.</p><form method="post" action="{action}">{hidden}<label for="email">Work email</label><input id="email" name="email" type="email" autocomplete="email" spellcheck="false" autocapitalize="none" maxlength="{max}" required value="{email}"{invalid}>{message}<button type="submit">Continue</button></form></main>"#,
            action = escape(form.action),
            hidden = form.hidden_inputs(),
            max = crate::email::address::MAX_EMAIL_LEN,
            email = escape(form.email),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_escapes_what_was_entered_and_ties_the_message_to_the_input() {
        let hidden = [("return_to", "/\"><script>".to_owned())];
        let page = library_page(&EmailForm {
            action: "/sso/login",
            hidden: &hidden,
            email: "\"><script>alert(1)</script>",
            message: Some("<b>no</b>"),
        });
        assert!(!page.contains("<script>"), "{page}");
        assert!(!page.contains("<b>"), "{page}");
        assert!(page.contains(r#"value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;""#));
        assert!(page.contains(r#"aria-describedby="email-error""#));
    }
}

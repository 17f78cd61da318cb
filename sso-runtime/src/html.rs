//! HTML escaping for the few pages the library renders (error pages, the emulator's Test Identity Provider).

/// `text` with the five HTML-significant characters escaped: safe in element text and in quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A whole page of the library: `title` (escaped here) and `body`, markup the caller escaped, in the one
/// look every page shares. No external assets and no script.
pub(crate) fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;\
         color:#1f2328}}h1{{font-size:1.4rem}}code{{background:#f3f4f6;padding:0 .25rem}}\
         label{{display:block;font-weight:600;margin:1rem 0 .25rem}}\
         input{{font:inherit;width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #8c959f;\
         border-radius:.375rem}}button{{font:inherit;margin-top:1rem;padding:.5rem 1rem;border:0;\
         border-radius:.375rem;background:#1f6feb;color:#fff}}.error{{color:#b42318}}</style></head>\
         <body>{body}</body></html>\n",
        title = escape(title),
    )
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_both_quotes_are_escaped() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}

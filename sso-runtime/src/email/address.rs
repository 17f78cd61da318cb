//! What the work email page accepts as an address: strict, so that only a plain `name@company.com`
//! goes on to the resolver and, as `login_hint`, to WorkOS.

/// The longest address accepted, in bytes (RFC 5321's path limit less the angle brackets).
pub(crate) const MAX_EMAIL_LEN: usize = 254;

/// The longest part before the `@` (RFC 5321).
const MAX_LOCAL_LEN: usize = 64;

/// The longest label of a domain (RFC 1035).
const MAX_LABEL_LEN: usize = 63;

/// A work email address that passed [`WorkEmail::parse`], lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WorkEmail {
    address: String,
    at: usize,
}

/// Why an entered address was refused; [`message`](Self::message) says it to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EmailError {
    Empty,
    TooLong,
    Whitespace,
    NotOneAt,
    NoName,
    NonAsciiDomain,
    NonAsciiName,
    Name,
    Domain,
}

impl EmailError {
    /// The sentence the page shows.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Self::Empty => "Enter your work email address.",
            Self::TooLong => "That is too long to be an email address.",
            Self::Whitespace => "An email address has no spaces, tabs or line breaks.",
            Self::NotOneAt => "An email address has exactly one @, as in name@company.com.",
            Self::NoName => "Enter your name before the @, as in name@company.com.",
            Self::NonAsciiDomain => {
                "Internationalized domain names are not accepted here. Enter the domain in its ASCII \
                 form (xn--…), or ask your administrator."
            }
            Self::NonAsciiName => {
                "The part before the @ may only hold ASCII letters, digits and . _ - + and a few other \
                 signs."
            }
            Self::Name => {
                "The part before the @ is not a valid work email name: no quotes, brackets, or dots at \
                 its ends."
            }
            Self::Domain => "The part after the @ is not a domain like company.com.",
        }
    }
}

impl WorkEmail {
    /// Accepts `name@domain` where the name is a dot-atom of RFC 5322 without quotes, backticks or `&`
    /// (so no quoted names, comments or markup), and the domain is two or more dot-separated LDH labels
    /// (ASCII: an internationalized domain only in its `xn--` form), the last not all digits. Nothing is
    /// trimmed or repaired; the address is lowercased.
    pub(crate) fn parse(input: &str) -> Result<WorkEmail, EmailError> {
        if input.is_empty() {
            return Err(EmailError::Empty);
        }
        if input.len() > MAX_EMAIL_LEN {
            return Err(EmailError::TooLong);
        }
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::Whitespace);
        }
        let mut parts = input.split('@');
        let (Some(name), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(EmailError::NotOneAt);
        };
        if name.is_empty() {
            return Err(EmailError::NoName);
        }
        if !domain.is_ascii() {
            return Err(EmailError::NonAsciiDomain);
        }
        if !name.is_ascii() {
            return Err(EmailError::NonAsciiName);
        }
        if !is_name(name) {
            return Err(EmailError::Name);
        }
        if !is_domain(domain) {
            return Err(EmailError::Domain);
        }
        Ok(WorkEmail {
            address: input.to_ascii_lowercase(),
            at: name.len(),
        })
    }

    /// The whole address.
    pub(crate) fn as_str(&self) -> &str {
        &self.address
    }

    /// The part after the `@`.
    pub(crate) fn domain(&self) -> &str {
        &self.address[self.at + 1..]
    }
}

/// A dot-atom: atoms of letters, digits and `!#$%*+-/=?^_{|}~`, joined by single dots.
fn is_name(name: &str) -> bool {
    let is_atom_char = |c: char| c.is_ascii_alphanumeric() || "!#$%*+-/=?^_{|}~".contains(c);
    name.len() <= MAX_LOCAL_LEN
        && name
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(is_atom_char))
}

/// Two or more LDH labels of 1 to 63 characters, none starting or ending with `-`, the last not all
/// digits (no IP addresses).
fn is_domain(domain: &str) -> bool {
    let is_label = |label: &str| {
        (1..=MAX_LABEL_LEN).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| is_label(label))
        && labels
            .last()
            .is_some_and(|last| !last.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_address_is_lowercased_and_split_at_the_at() {
        let email = WorkEmail::parse("Ada.Lovelace+sso@Example.COM").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace+sso@example.com");
        assert_eq!(email.domain(), "example.com");
    }

    #[test]
    fn punycode_domains_are_accepted() {
        let email = WorkEmail::parse("jose@xn--bcher-kva.example").unwrap();
        assert_eq!(email.domain(), "xn--bcher-kva.example");
    }

    #[test]
    fn each_malformed_address_gets_its_reason() {
        let long = format!("{}@example.com", "a".repeat(250));
        let cases = [
            ("", EmailError::Empty),
            (long.as_str(), EmailError::TooLong),
            ("ada @example.com", EmailError::Whitespace),
            ("ada@example.com\r\nBcc: x@y.z", EmailError::Whitespace),
            ("ada\u{0}@example.com", EmailError::Whitespace),
            ("ada.example.com", EmailError::NotOneAt),
            ("a@b@example.com", EmailError::NotOneAt),
            ("@example.com", EmailError::NoName),
            ("ada@bücher.example", EmailError::NonAsciiDomain),
            ("adа@example.com", EmailError::NonAsciiName), // Cyrillic а
            ("\"ada\"@example.com", EmailError::Name),
            ("<script>@example.com", EmailError::Name),
            ("o'brien@example.com", EmailError::Name),
            (".ada@example.com", EmailError::Name),
            ("ada..l@example.com", EmailError::Name),
            ("ada@", EmailError::Domain),
            ("ada@example.com.", EmailError::Domain),
            ("ada@localhost", EmailError::Domain),
            ("ada@-example.com", EmailError::Domain),
            ("ada@exa_mple.com", EmailError::Domain),
            ("ada@127.0.0.1", EmailError::Domain),
            ("ada@[127.0.0.1]", EmailError::Domain),
        ];
        for (input, reason) in cases {
            assert_eq!(WorkEmail::parse(input), Err(reason), "{input:?}");
        }
    }

    #[test]
    fn the_longest_accepted_address_is_254_bytes() {
        let domain = format!(
            "{}.{}.{}.com",
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(57)
        );
        let address = format!("{}@{domain}", "a".repeat(MAX_EMAIL_LEN - 1 - domain.len()));
        assert_eq!(address.len(), MAX_EMAIL_LEN);
        assert!(WorkEmail::parse(&address).is_ok());
    }
}

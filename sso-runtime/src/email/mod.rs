//! Sign-in by work email, for handlers without an `organization`, `connection` or `provider` pin.
//!
//! A browser sent to the login route of such a handler, with no selector in the query, gets a page
//! asking for its work email. The form posts back to the login route; the address is checked strictly,
//! its domain is resolved to exactly one organization, and the login starts with `organization=` that
//! organization and `login_hint=` the address, as `?organization=` on the login route would. Anything
//! else (a malformed address, no organization, several, the directory failing) shows the page again with
//! a message, and starts nothing.
//!
//! By default the domain is resolved with WorkOS's Organizations API (only domains an organization has
//! verified count). An application can resolve domains itself with a [`DomainResolver`], and show its own
//! page with [`WorkosSso::email_page`](crate::WorkosSso::email_page).

pub(crate) mod address;
mod workos;

use std::sync::Arc;

use rocket::{Orbit, Rocket};

pub(crate) use workos::WorkosDomains;

/// Finds the organizations whose people sign in with email addresses of a domain.
///
/// Install one with [`WorkosSso::domain_resolver`](crate::WorkosSso::domain_resolver); without one, the
/// fairing asks WorkOS's Organizations API. The `rocket` instance gives access to the application's
/// managed state, such as a database pool.
///
/// # Example
///
/// ```rust,no_run
/// use std::collections::HashMap;
///
/// use rocket::{Orbit, Rocket};
/// use rocket_workos_sso::email::{DomainResolver, ResolveError};
/// use rocket_workos_sso::WorkosSso;
///
/// struct Customers(HashMap<&'static str, &'static str>);
///
/// #[rocket::async_trait]
/// impl DomainResolver for Customers {
///     async fn organizations(
///         &self,
///         domain: &str,
///         _rocket: &Rocket<Orbit>,
///     ) -> Result<Vec<String>, ResolveError> {
///         Ok(self.0.get(domain).map(|org| org.to_string()).into_iter().collect())
///     }
/// }
///
/// #[rocket::launch]
/// fn rocket() -> _ {
///     let customers = Customers(HashMap::from([("foo-corp.com", "org_01EHZNVPK3SFK441A1RGBFSHRT")]));
///     rocket::build().attach(WorkosSso::fairing().domain_resolver(customers))
/// }
/// ```
#[rocket::async_trait]
pub trait DomainResolver: Send + Sync + 'static {
    /// The ids (`org_…`) of the organizations whose people sign in with addresses at `domain` (ASCII,
    /// lowercase, checked). None: the page says no organization signs in with it; several: the page
    /// says it cannot choose. An id that is not a WorkOS organization id is a failure of the resolver.
    async fn organizations(
        &self,
        domain: &str,
        rocket: &Rocket<Orbit>,
    ) -> Result<Vec<String>, ResolveError>;
}

/// Why a [`DomainResolver`] could not answer. The page tells the person to try again later; the reason
/// goes to the log only.
///
/// # Example
///
/// ```
/// use rocket_workos_sso::email::ResolveError;
///
/// let error = ResolveError::Unavailable("the database pool is exhausted".into());
/// assert_eq!(error.to_string(), "the directory is unavailable: the database pool is exhausted");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The directory cannot be reached or is overloaded: `503 Service Unavailable`.
    #[error("the directory is unavailable: {0}")]
    Unavailable(String),
    /// The directory answered, but not usefully: `502 Bad Gateway`.
    #[error("the directory failed: {0}")]
    Failed(String),
    /// Too many lookups were started this second (the default resolver's
    /// `workos.organization_lookups_per_second`): `503 Service Unavailable` with `Retry-After`, and
    /// nothing is remembered about the domain.
    #[error(
        "too many domains were looked up this second; the next lookup may start in {} ms",
        retry_after.as_millis()
    )]
    Throttled {
        /// How long until a lookup may start again.
        retry_after: std::time::Duration,
    },
}

/// What an application's own email page shows: see [`WorkosSso::email_page`](crate::WorkosSso::email_page).
///
/// The values are as they are, not escaped: put them in HTML with [`escape_html`], or use
/// [`hidden_inputs`](Self::hidden_inputs).
///
/// # Example
///
/// ```
/// use rocket_workos_sso::email::{escape_html, EmailForm};
///
/// fn my_page(form: &EmailForm<'_>) -> String {
///     format!(
///         r#"<form method="post" action="{}">{}<input name="email" type="email" value="{}" required>
///         <p>{}</p><button>Next</button></form>"#,
///         escape_html(form.action),
///         form.hidden_inputs(),
///         escape_html(form.email),
///         escape_html(form.message.unwrap_or("")),
///     )
/// }
/// # let _ = my_page;
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct EmailForm<'a> {
    /// Where the form posts (`method="post"`): the login route's path.
    pub action: &'a str,
    /// The fields the form must carry unchanged, as hidden inputs: name and value.
    pub hidden: &'a [(&'static str, String)],
    /// What the person entered (empty the first time): shown again in the `email` input.
    pub email: &'a str,
    /// Why the address was not accepted, for a person; `None` the first time.
    pub message: Option<&'a str>,
}

impl EmailForm<'_> {
    /// The [`hidden`](Self::hidden) fields as `<input type="hidden">` elements, escaped.
    pub fn hidden_inputs(&self) -> String {
        self.hidden
            .iter()
            .map(|(name, value)| {
                format!(
                    r#"<input type="hidden" name="{}" value="{}">"#,
                    escape_html(name),
                    escape_html(value)
                )
            })
            .collect()
    }
}

/// `text` with `& < > " '` escaped: safe in HTML text and in quoted attribute values.
///
/// # Example
///
/// ```
/// assert_eq!(rocket_workos_sso::email::escape_html(r#"<b a="1">"#), "&lt;b a=&quot;1&quot;&gt;");
/// ```
pub fn escape_html(text: &str) -> String {
    crate::html::escape(text)
}

/// An application's email page: see [`WorkosSso::email_page`](crate::WorkosSso::email_page).
pub(crate) type PageFn = dyn Fn(&EmailForm<'_>) -> String + Send + Sync;

/// What the application chose on the fairing; the defaults are filled in at launch.
#[derive(Clone, Default)]
pub(crate) struct EmailOptions {
    pub(crate) resolver: Option<Arc<dyn DomainResolver>>,
    pub(crate) page: Option<Arc<PageFn>>,
}

/// Sign-in by email as the routes use it: the resolver (the application's or WorkOS's) and the page.
pub(crate) struct EmailSettings {
    pub(crate) resolver: Arc<dyn DomainResolver>,
    pub(crate) page: Option<Arc<PageFn>>,
}

impl EmailOptions {
    /// The application's choices, with WorkOS (through `client`, starting at most
    /// `lookups_per_second`) resolving domains if it chose none.
    pub(crate) fn settle(
        &self,
        client: &crate::WorkosClient,
        lookups_per_second: u32,
    ) -> EmailSettings {
        EmailSettings {
            resolver: self.resolver.clone().unwrap_or_else(|| {
                Arc::new(WorkosDomains::new(client.clone(), lookups_per_second))
            }),
            page: self.page.clone(),
        }
    }
}

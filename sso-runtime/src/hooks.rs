//! An application's say over sign-ins: an approval hook that accepts or refuses each sign-in at the
//! callback, and a tenant resolver that says which customer organization a request is for. Both are
//! given to the fairing: `WorkosSso::fairing().approve(...)` and `.tenant(...)`.

use std::error::Error;

use rocket::Request;

use crate::profile::Profile;

/// What an [`ApproveSignIn`] hook decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// Start the session.
    Accept,
    /// Refuse the sign-in: no session, and a `403` page showing this reason to the person.
    Refuse(String),
}

/// An error of an approval hook (say, the database did not answer): the sign-in gets a `503` page and no
/// session. It is logged, never shown.
pub type ApprovalError = Box<dyn Error + Send + Sync>;

/// Accepts or refuses each sign-in at the callback, after WorkOS authenticated the user and the handler's
/// tenant policy admitted the profile, before the session starts. It sees the callback request (so it
/// can reach the application's managed state, such as a database pool) and the profile.
///
/// ```rust,no_run
/// use rocket::Request;
/// use rocket_workos_sso::hooks::{Approval, ApprovalError, ApproveSignIn};
/// use rocket_workos_sso::{Profile, WorkosSso};
///
/// /// The customers whose contract is active, as the app's database would say.
/// struct Customers(Vec<String>);
///
/// struct ActiveCustomersOnly;
///
/// #[rocket::async_trait]
/// impl ApproveSignIn for ActiveCustomersOnly {
///     async fn approve(&self, request: &Request<'_>, profile: &Profile) -> Result<Approval, ApprovalError> {
///         let customers = request.rocket().state::<Customers>().ok_or("no customer list")?;
///         let active = profile.organization_id.as_ref().is_some_and(|id| customers.0.contains(id));
///         Ok(if active {
///             Approval::Accept
///         } else {
///             Approval::Refuse("Your organization's subscription has ended.".into())
///         })
///     }
/// }
///
/// #[rocket::launch]
/// fn rocket() -> _ {
///     rocket::build()
///         .manage(Customers(vec!["org_01JH3E28JT97KB6CQ643DZVMXX".into()]))
///         .attach(WorkosSso::fairing().approve(ActiveCustomersOnly))
/// }
/// ```
#[rocket::async_trait]
pub trait ApproveSignIn: Send + Sync + 'static {
    /// Accept or refuse `profile`'s sign-in, made through `request` (the callback).
    async fn approve(
        &self,
        request: &Request<'_>,
        profile: &Profile,
    ) -> Result<Approval, ApprovalError>;
}

/// Which customer organization a request is for, for apps that give each customer a subdomain
/// (`acme.example.app`), a path prefix (`/t/acme/...`) or a header; `None` for a request of no tenant.
///
/// On a request it attributes to an organization, every guard of the library admits only that
/// organization's users (a session of another tenant is `403`, with a link to sign in to this one), and
/// a browser sent to sign in by a handler without a pinned organization signs in to that organization.
/// Handlers pinned with `organization`, `connection` or `provider` keep their pin. Any
/// `Fn(&Request<'_>) -> Option<String>` is a resolver:
///
/// ```rust,no_run
/// use rocket::Request;
/// use rocket_workos_sso::WorkosSso;
///
/// /// `acme.example.app` is Acme's; the app's own table would map subdomains to organization ids.
/// fn tenant(request: &Request<'_>) -> Option<String> {
///     let host = request.host()?;
///     match host.domain().as_str().split('.').next()? {
///         "acme" => Some("org_01JH3E28JT97KB6CQ643DZVMXX".into()),
///         _ => None,
///     }
/// }
///
/// #[rocket::launch]
/// fn rocket() -> _ {
///     rocket::build().attach(WorkosSso::fairing().tenant(tenant))
/// }
/// ```
pub trait ResolveTenant: Send + Sync + 'static {
    /// The `org_…` id of the organization `request` is for, if any.
    fn organization(&self, request: &Request<'_>) -> Option<String>;
}

impl<F> ResolveTenant for F
where
    F: Fn(&Request<'_>) -> Option<String> + Send + Sync + 'static,
{
    fn organization(&self, request: &Request<'_>) -> Option<String> {
        self(request)
    }
}

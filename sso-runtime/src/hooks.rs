//! An application's say over sign-ins: an approval hook that accepts or refuses each sign-in at the
//! callback, and a tenant resolver that says which customer organization a request is for (the
//! [`tenant`](crate::tenant) module has the library's own). Both are given to the fairing:
//! `WorkosSso::fairing().approve(...)` and `.tenant(...)`.

use std::error::Error;

use rocket::Request;

use crate::client::profile::Profile;
use crate::tenant::Tenancy;

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

/// Which customer organization a request is for: a [`Tenancy`], for apps that give each customer a
/// path prefix (`/t/acme/...`), a subdomain (`acme.example.app`) or a header.
///
/// On a request of a tenant, every guard of the library admits only that tenant's organization's users
/// (a session of another organization is `403`, with a link to sign in to this one), and a browser sent
/// to sign in by a handler without a pinned organization signs in to that organization. Handlers
/// pinned with `organization`, `connection` or `provider` sign in through their pin, and admit only
/// users both of their pin and of the request's tenant. On a request of an unknown
/// tenant ([`Tenancy::Unknown`]) every guard fails with `404`, pinned or not, signed in or not.
///
/// Use the library's resolvers, [`TenantPaths`](crate::tenant::TenantPaths) and
/// [`TenantHosts`](crate::tenant::TenantHosts): they read the path as Rocket routes it and the `Host`
/// normalised, which hand-written comparisons of `request.uri().path()` text get wrong
/// (`//acme/reports` and `/%61cme/reports` reach the route of `/acme/reports`). Then take the
/// [`Tenant`](crate::tenant::Tenant) guard in handlers for the tenant that was checked.
///
/// ```rust,no_run
/// use rocket_workos_sso::tenant::TenantPaths;
/// use rocket_workos_sso::WorkosSso;
///
/// #[rocket::launch]
/// fn rocket() -> _ {
///     // `/t/acme/...` is Acme's; `/t/anything-else/...` is refused with 404; other paths have no tenant.
///     let tenants = TenantPaths::under("/t").tenant("acme", "org_01JH3E28JT97KB6CQ643DZVMXX");
///     rocket::build().attach(WorkosSso::fairing().tenant(tenants))
/// }
/// ```
///
/// Any `Fn(&Request<'_>) -> T` where `T: Into<Tenancy>` is a resolver too, such as one returning a
/// [`Tenancy`] or an `Option<String>` (an organization id, or `None` for no tenant); return
/// [`Tenancy::Unknown`] to fail closed on a request that is tenant-scoped but names no known tenant:
///
/// ```rust,no_run
/// use rocket::Request;
/// use rocket_workos_sso::tenant::{Tenancy, Tenant};
/// use rocket_workos_sso::WorkosSso;
///
/// /// The tenant named by the `X-Tenant` header a trusted proxy sets; requests without it have none.
/// fn tenant(request: &Request<'_>) -> Tenancy {
///     match request.headers().get_one("X-Tenant") {
///         None => Tenancy::None,
///         Some("acme") => Tenant::new("acme", "org_01JH3E28JT97KB6CQ643DZVMXX").into(),
///         Some(_) => Tenancy::Unknown,
///     }
/// }
///
/// #[rocket::launch]
/// fn rocket() -> _ {
///     rocket::build().attach(WorkosSso::fairing().tenant(tenant))
/// }
/// ```
pub trait ResolveTenant: Send + Sync + 'static {
    /// The tenancy of `request`. The library calls it at most once per request and hands the same
    /// answer to every guard, the [`Tenant`](crate::tenant::Tenant) guard included.
    fn resolve(&self, request: &Request<'_>) -> Tenancy;
}

impl<F, T> ResolveTenant for F
where
    F: Fn(&Request<'_>) -> T + Send + Sync + 'static,
    T: Into<Tenancy>,
{
    fn resolve(&self, request: &Request<'_>) -> Tenancy {
        self(request).into()
    }
}

//! An application's say over sign-ins: an approval hook that accepts or refuses each sign-in at the
//! callback, and a tenant resolver that says which customer organization a request is for (the
//! [`tenant`](crate::tenant) module has the library's own). Both are given to the fairing:
//! `WorkosSso::fairing().approve(...)` and `.tenant(...)`.

use std::error::Error;

use rocket::Request;

use crate::client::profile::Profile;

/// The tenant resolver hook lives with the resolvers the library ships, in [`crate::tenant`].
pub use crate::tenant::ResolveTenant;

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

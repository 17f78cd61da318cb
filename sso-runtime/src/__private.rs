//! What `#[workos_sso]` expands to refers to these paths. Not a public API: it changes without notice.

pub use crate::guard::Protected;
pub use crate::handler::{Handler, HandlerConfig, HandlerSetting, Pin, Registration};
pub use inventory;

/// Implemented by [`crate::Profile`] alone: a handler parameter written `Profile` under `#[workos_sso]`
/// must be this crate's, since the attribute relies on it to protect the handler.
#[diagnostic::on_unimplemented(
    message = "this `Profile` is not `rocket_workos_sso::Profile`, which #[workos_sso] relies on to protect the handler",
    label = "not rocket_workos_sso's `Profile`",
    note = "write your own type with its module path (e.g. `models::Profile`): then #[workos_sso] adds its own guard, and `Profile` stays free for this crate's type"
)]
pub trait WorkosProfile {}

impl WorkosProfile for crate::Profile {}

/// Compiles only for [`crate::Profile`] (see [`WorkosProfile`]).
pub const fn assert_workos_profile<T: WorkosProfile>() {}

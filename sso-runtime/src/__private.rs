//! What `#[workos_sso]` expands to refers to these paths. Not a public API: it changes without notice.

pub use crate::guard::Protected;
pub use crate::handler::{Handler, HandlerConfig, Registration, StaticSelector};
pub use inventory;

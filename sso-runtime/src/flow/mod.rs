//! The pieces of the login flow that decide security questions, each in one place.

pub(crate) mod login_state;
mod return_to;

pub use login_state::MAX_KEPT_RETURN_TO;
pub use return_to::{return_to_or_default, safe_return_to, DEFAULT_RETURN_TO, MAX_RETURN_TO_LEN};

//! The OAuth `state` parameter: the CSRF token that binds a callback to the browser that started the login.

use subtle::ConstantTimeEq as _;

use super::secret::{random_token, secret_string};

secret_string! {
    /// An OAuth `state` value: 32 random bytes, base64url-encoded.
    ///
    /// WorkOS returns it unchanged on the callback. Compare it with [`matches`](Self::matches), which takes
    /// constant time. `Debug` and `Display` print `<redacted>`.
    ///
    /// # Example
    ///
    /// ```
    /// use rocket_workos_sso::client::State;
    ///
    /// let state = State::generate();
    /// let from_cookie = State::new(state.expose().to_owned());
    /// assert!(from_cookie.matches(state.expose()));
    /// assert!(!from_cookie.matches("forged"));
    /// ```
    pub struct State;
}

impl State {
    /// A fresh random state.
    pub fn generate() -> Self {
        Self(random_token())
    }

    /// Restores a state stored earlier (e.g. in the per-flow cookie).
    pub fn new(state: String) -> Self {
        Self(state)
    }

    /// Whether `received` (the callback's `state` parameter) equals this state, in time independent of where
    /// they differ.
    pub fn matches(&self, received: &str) -> bool {
        self.0.as_bytes().ct_eq(received.as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_state_is_43_characters_and_unique() {
        let (a, b) = (State::generate(), State::generate());
        assert_eq!(a.expose().len(), 43);
        assert!(!a.matches(b.expose()));
    }

    #[test]
    fn matches_only_the_identical_string() {
        let state = State::new("abc".to_owned());
        assert!(state.matches("abc"));
        assert!(!state.matches("abd") && !state.matches("ab") && !state.matches(""));
    }

    #[test]
    fn debug_is_redacted() {
        let state = State::generate();
        assert!(!format!("{state:?}{state}").contains(state.expose()));
    }
}

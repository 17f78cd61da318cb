//! Single Logout, as the application starts it: `POST /sso/logout/authorize` returns a short-lived URL
//! that, opened in the user's browser, ends their session at the identity provider too. WorkOS supports it
//! for `GenericOIDC` connections only, and answers `400 connection_invalid` for any other.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::http::Call;
use super::secret::secret_string;
use super::{WorkosClient, WorkosError};

secret_string! {
    /// Where to send the browser to end the identity provider session (`GET /sso/logout?token=…`). It
    /// signs the profile out until it expires, so `Debug` and `Display` print `<redacted>`;
    /// [`expose`](Self::expose) returns the URL.
    pub struct LogoutUrl;
}

secret_string! {
    /// The short-lived logout token inside [`LogoutUrl`]. `Debug` and `Display` print `<redacted>`.
    pub struct LogoutToken;
}

/// What `POST /sso/logout/authorize` returns.
#[derive(Clone, Debug)]
pub struct LogoutAuthorization {
    /// The URL to redirect the browser to.
    pub logout_url: LogoutUrl,
    /// The token it carries, for building the URL yourself.
    pub logout_token: LogoutToken,
}

#[derive(Serialize)]
struct LogoutRequest<'a> {
    profile_id: &'a str,
}

#[derive(Deserialize)]
struct LogoutResponse {
    logout_url: String,
    logout_token: String,
}

impl WorkosClient {
    /// Starts a Single Logout for `profile_id` (`prof_…`, from [`Profile::id`](crate::Profile)):
    /// `POST /sso/logout/authorize`. Not retried. Send the browser to the returned
    /// [`logout_url`](LogoutAuthorization::logout_url) after ending the application's own session.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use rocket_workos_sso::client::WorkosClient;
    ///
    /// # async fn demo(client: WorkosClient) -> Result<(), rocket_workos_sso::client::WorkosError> {
    /// let logout = client.authorize_logout("prof_01E55M8ZA10HV0XERJYW0PM277").await?;
    /// // Redirect the browser to `logout.logout_url.expose()`.
    /// # Ok(())
    /// # }
    /// ```
    pub async fn authorize_logout(
        &self,
        profile_id: &str,
    ) -> Result<LogoutAuthorization, WorkosError> {
        let path = ["sso", "logout", "authorize"];
        let response: LogoutResponse =
            Call::with_api_key(self, Method::POST, "POST /sso/logout/authorize", &path)
                .json(&LogoutRequest { profile_id })
                .body_carries_secrets()
                .receive()
                .await?;
        Ok(LogoutAuthorization {
            logout_url: LogoutUrl(response.logout_url),
            logout_token: LogoutToken(response.logout_token),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_carries_only_the_profile_id() {
        let body = serde_json::to_string(&LogoutRequest {
            profile_id: "prof_1",
        })
        .unwrap();
        assert_eq!(body, r#"{"profile_id":"prof_1"}"#);
    }

    #[test]
    fn debug_never_shows_the_url_or_the_token() {
        let logout = LogoutAuthorization {
            logout_url: LogoutUrl("https://auth.workos.com/sso/logout?token=secret-token".into()),
            logout_token: LogoutToken("secret-token".into()),
        };
        let printed = format!("{logout:?}");
        assert!(!printed.contains("secret-token"), "{printed}");
    }
}

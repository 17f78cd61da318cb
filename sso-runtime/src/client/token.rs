//! `POST /sso/token` (exchange the callback's code for a profile) and `GET /sso/profile` (what the access
//! token buys).

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::authorize::Provider;
use super::http::Call;
use super::secret::secret_string;
use super::{PkceVerifier, WorkosClient, WorkosError};
use crate::client::profile::Profile;

secret_string! {
    /// The single-use authorization `code` from the callback. `Debug` and `Display` print `<redacted>`.
    ///
    /// # Example
    ///
    /// ```
    /// use rocket_workos_sso::client::AuthorizationCode;
    ///
    /// let code = AuthorizationCode::new("01JCFSECZP11HYGCPWPQ5E6EYC");
    /// assert_eq!(code.to_string(), "<redacted>");
    /// ```
    pub struct AuthorizationCode;
}

impl AuthorizationCode {
    /// Wraps the `code` query parameter of the callback.
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }
}

secret_string! {
    /// The WorkOS SSO access token: opaque, short-lived, good only as the bearer for
    /// [`WorkosClient::get_profile`]. `Debug` and `Display` print `<redacted>`.
    ///
    /// # Example
    ///
    /// ```
    /// use rocket_workos_sso::client::AccessToken;
    ///
    /// let token = AccessToken::new("eyJhbGciOiJSUzI1NiIsImtpZCI6InNzby...");
    /// assert_eq!(format!("{token:?}"), "<redacted>");
    /// ```
    #[derive(Deserialize)]
    #[serde(transparent)]
    pub struct AccessToken;
}

impl AccessToken {
    /// Wraps an access token received from elsewhere, e.g. by a service that only fetches profiles.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }
}

secret_string! {
    /// An upstream OAuth provider's access or refresh token. `Debug` and `Display` print `<redacted>`.
    #[derive(Deserialize)]
    #[serde(transparent)]
    pub struct OAuthToken;
}

/// A successful code exchange: the user's profile and the tokens that came with it.
///
/// `Debug` shows the profile (personal data) but never the tokens.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct ProfileAndToken {
    /// The user who signed in.
    pub profile: Profile,
    /// The WorkOS access token.
    pub access_token: AccessToken,
    /// `"Bearer"`; absent in older responses.
    #[serde(default)]
    pub token_type: Option<String>,
    /// The access token's lifetime in seconds; absent in older responses (assume 300).
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// The provider's own tokens, for OAuth connections where WorkOS support enabled them.
    #[serde(default)]
    pub oauth_tokens: Option<OAuthTokens>,
}

/// Tokens from the upstream OAuth provider (e.g. Google), parsed leniently.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct OAuthTokens {
    /// The provider that issued the tokens.
    #[serde(default)]
    pub provider: Option<Provider>,
    /// The provider's access token.
    pub access_token: OAuthToken,
    /// The provider's refresh token.
    #[serde(default)]
    pub refresh_token: Option<OAuthToken>,
    /// When the provider's access token expires, in Unix seconds.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// The scopes the provider granted.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// The JSON body of `POST /sso/token`. Deliberately not `Debug`: every field but two is secret.
#[derive(Serialize)]
struct TokenRequest<'a> {
    client_id: &'a str,
    client_secret: &'a str,
    grant_type: &'static str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_verifier: Option<&'a str>,
}

impl WorkosClient {
    /// Exchanges the callback's `code` (and the PKCE verifier, if the login used one) for the user's profile.
    ///
    /// Sent exactly once, whatever the failure: the code is single-use, so a retry after a lost response would
    /// turn a successful login into `invalid_grant`. On any error, restart the login with a fresh state.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use rocket_workos_sso::client::{AuthorizationCode, PkceVerifier, WorkosClient};
    ///
    /// # async fn demo(client: WorkosClient, verifier: PkceVerifier) -> Result<(), Box<dyn std::error::Error>> {
    /// let code = AuthorizationCode::new("01JCFSECZP11HYGCPWPQ5E6EYC");
    /// let login = client.exchange_code(&code, Some(&verifier)).await?;
    /// println!("organization {:?}", login.profile.organization_id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn exchange_code(
        &self,
        code: &AuthorizationCode,
        verifier: Option<&PkceVerifier>,
    ) -> Result<ProfileAndToken, WorkosError> {
        let config = &self.inner.config;
        let body = TokenRequest {
            client_id: config.client_id.as_str(),
            client_secret: config.api_key.expose(),
            grant_type: "authorization_code",
            code: code.expose(),
            code_verifier: verifier.map(PkceVerifier::expose),
        };
        let mut call = Call::with_api_key(self, Method::POST, "POST /sso/token", &["sso", "token"])
            .json(&body)
            .secret(code.expose())
            .body_carries_secrets();
        if let Some(verifier) = verifier {
            call = call.secret(verifier.expose());
        }
        call.receive().await
    }

    /// Fetches the profile an access token belongs to. Usually unnecessary: [`exchange_code`](Self::exchange_code)
    /// already returns it.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use rocket_workos_sso::client::{AccessToken, WorkosClient};
    ///
    /// # async fn demo(client: WorkosClient, token: AccessToken) -> Result<(), Box<dyn std::error::Error>> {
    /// let profile = client.get_profile(&token).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_profile(&self, access_token: &AccessToken) -> Result<Profile, WorkosError> {
        Call::new(
            self,
            Method::GET,
            "GET /sso/profile",
            &["sso", "profile"],
            access_token.expose(),
        )
        .receive()
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::profile::ConnectionType;

    const CURRENT: &str = r#"{
      "token_type": "Bearer",
      "access_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6InNzby...",
      "expires_in": 600,
      "profile": {
        "object": "profile",
        "id": "prof_01JM9S346Q3D25VT4F5V37E3S3",
        "organization_id": "org_01JSSZ5AWSH8VHTPRE95B9EE0Z",
        "connection_id": "conn_01JE28JT97KB6CQ643DZVMXXQK",
        "connection_type": "OktaSAML",
        "idp_id": "00u8kq2x3rTbW5vYz697",
        "email": "dana.reyes@foo-corp.com",
        "first_name": "Dana",
        "last_name": "Reyes",
        "name": "Dana Reyes",
        "role": { "slug": "member" },
        "roles": [ { "slug": "member" } ],
        "groups": [ "Engineering" ],
        "custom_attributes": { "department_name": "Engineering" },
        "raw_attributes": {}
      }
    }"#;

    const OAUTH: &str = r#"{
      "token_type": "Bearer",
      "access_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6InNzby...",
      "expires_in": 600,
      "profile": {
        "object": "profile",
        "id": "prof_01J9X9YP981068VCD1GDJFMGT8",
        "organization_id": null,
        "connection_id": "conn_01JFBF5KZNWJ47TAN9ZT24MNPZ",
        "connection_type": "GoogleOAuth",
        "idp_id": "104729384756102938475",
        "email": "sam.lee@gmail.com",
        "first_name": "Sam",
        "last_name": "Lee",
        "name": "Sam Lee",
        "custom_attributes": {},
        "raw_attributes": {}
      },
      "oauth_tokens": {
        "provider": "GoogleOAuth",
        "access_token": "ya29.a0AfB_byC",
        "refresh_token": "1//0gXk",
        "expires_at": 1786812000,
        "scopes": ["openid", "profile", "email", "https://www.googleapis.com/auth/calendar.readonly"]
      }
    }"#;

    const MINIMAL: &str = r#"{
      "access_token": "01JCFT0B3D9K2M7P4Q8R5S6V1W",
      "profile": {
        "object": "profile",
        "id": "prof_01JM9S346Q3D25VT4F5V37E3S3",
        "organization_id": "org_01JSSZ5AWSH8VHTPRE95B9EE0Z",
        "connection_id": "conn_01JE28JT97KB6CQ643DZVMXXQK",
        "connection_type": "OktaSAML",
        "idp_id": "00u8kq2x3rTbW5vYz697",
        "email": "dana.reyes@foo-corp.com",
        "first_name": "Dana",
        "last_name": "Reyes",
        "raw_attributes": {}
      }
    }"#;

    #[test]
    fn current_token_response_decodes() {
        let login: ProfileAndToken = serde_json::from_str(CURRENT).unwrap();
        assert_eq!(
            login.access_token.expose(),
            "eyJhbGciOiJSUzI1NiIsImtpZCI6InNzby..."
        );
        assert_eq!(
            (login.token_type.as_deref(), login.expires_in),
            (Some("Bearer"), Some(600))
        );
        assert_eq!(login.profile.groups, ["Engineering"]);
        assert!(login.oauth_tokens.is_none());
    }

    #[test]
    fn oauth_token_response_decodes_provider_tokens_and_null_organization() {
        let login: ProfileAndToken = serde_json::from_str(OAUTH).unwrap();
        assert_eq!(login.profile.organization_id, None);
        assert_eq!(login.profile.connection_type, ConnectionType::GoogleOAuth);
        let tokens = login.oauth_tokens.unwrap();
        assert_eq!(tokens.provider, Some(Provider::GoogleOAuth));
        assert_eq!(tokens.access_token.expose(), "ya29.a0AfB_byC");
        assert_eq!(tokens.refresh_token.unwrap().expose(), "1//0gXk");
        assert_eq!(
            (tokens.expires_at, tokens.scopes.len()),
            (Some(1786812000), 4)
        );
    }

    #[test]
    fn older_minimal_token_response_decodes() {
        let login: ProfileAndToken = serde_json::from_str(MINIMAL).unwrap();
        assert_eq!((login.token_type, login.expires_in), (None, None));
        assert_eq!((&login.profile.name, &login.profile.role), (&None, &None));
        assert_eq!(login.access_token.expose(), "01JCFT0B3D9K2M7P4Q8R5S6V1W");
    }

    #[test]
    fn oauth_tokens_with_only_an_access_token_and_unknown_provider_decode() {
        let json = r#"{"provider": "DiscordOAuth", "access_token": "t"}"#;
        let tokens: OAuthTokens = serde_json::from_str(json).unwrap();
        assert_eq!(
            tokens.provider,
            Some(Provider::Unknown("DiscordOAuth".to_owned()))
        );
        assert!(tokens.refresh_token.is_none() && tokens.scopes.is_empty());
    }

    #[test]
    fn debug_of_a_login_never_shows_tokens() {
        let login: ProfileAndToken = serde_json::from_str(OAUTH).unwrap();
        let debug = format!("{login:?}");
        for secret in [
            "eyJhbGciOiJSUzI1NiIsImtpZCI6InNzby",
            "ya29.a0AfB_byC",
            "1//0gXk",
        ] {
            assert!(!debug.contains(secret), "{secret} leaked");
        }
    }

    #[test]
    fn token_request_omits_an_absent_verifier() {
        let body = TokenRequest {
            client_id: "client_1",
            client_secret: "sk_1",
            grant_type: "authorization_code",
            code: "c",
            code_verifier: None,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"client_id":"client_1","client_secret":"sk_1","grant_type":"authorization_code","code":"c"}"#
        );
    }
}

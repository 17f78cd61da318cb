//! Admin Portal links: a short-lived URL that lets a customer's IT admin set up their own SSO connection.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::http::Call;
use super::open_enum::open_enum;
use super::secret::secret_string;
use super::{WorkosClient, WorkosError};

open_enum! {
    /// What the Admin Portal session is for.
    pub enum PortalIntent {
        /// Set up Single Sign-On.
        Sso = "sso",
        /// Set up Directory Sync.
        Dsync = "dsync",
        /// View audit logs.
        AuditLogs = "audit_logs",
        /// Set up log streams.
        LogStreams = "log_streams",
        /// Verify a domain.
        DomainVerification = "domain_verification",
        /// Renew a SAML certificate.
        CertificateRenewal = "certificate_renewal",
    }
}

/// The body of `POST /portal/generate_link`.
///
/// # Example
///
/// ```
/// use rocket_workos_sso::client::{PortalIntent, PortalLinkRequest};
///
/// let request = PortalLinkRequest::new("org_01EHZNVPK3SFK441A1RGBFSHRT", PortalIntent::Sso)
///     .return_url("https://app.example.com/settings");
/// # let _ = request;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[must_use]
pub struct PortalLinkRequest {
    organization: String,
    intent: PortalIntent,
    #[serde(skip_serializing_if = "Option::is_none")]
    return_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    success_url: Option<String>,
}

impl PortalLinkRequest {
    /// A link for `organization_id` (`org_…`) with the given intent.
    pub fn new(organization_id: impl Into<String>, intent: PortalIntent) -> Self {
        Self {
            organization: organization_id.into(),
            intent,
            return_url: None,
            success_url: None,
        }
    }

    /// Where the admin goes when they leave the portal (defaults to the dashboard setting).
    pub fn return_url(mut self, url: impl Into<String>) -> Self {
        self.return_url = Some(url.into());
        self
    }

    /// Where the admin goes after finishing setup (defaults to the dashboard setting).
    pub fn success_url(mut self, url: impl Into<String>) -> Self {
        self.success_url = Some(url.into());
        self
    }
}

secret_string! {
    /// A generated Admin Portal URL. It grants access to the organization's settings until it expires
    /// (five minutes), so `Debug` and `Display` print `<redacted>`; [`expose`](Self::expose) returns the URL.
    pub struct PortalLink;
}

#[derive(Deserialize)]
struct PortalLinkResponse {
    link: String,
}

impl WorkosClient {
    /// Generates an Admin Portal link (`POST /portal/generate_link`). Not retried.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use rocket_workos_sso::client::{PortalIntent, PortalLinkRequest, WorkosClient};
    ///
    /// # async fn demo(client: WorkosClient) -> Result<(), rocket_workos_sso::client::WorkosError> {
    /// let request = PortalLinkRequest::new("org_01EHZNVPK3SFK441A1RGBFSHRT", PortalIntent::Sso);
    /// let link = client.generate_portal_link(&request).await?;
    /// // Redirect the admin to `link.expose()`.
    /// # Ok(())
    /// # }
    /// ```
    pub async fn generate_portal_link(
        &self,
        request: &PortalLinkRequest,
    ) -> Result<PortalLink, WorkosError> {
        let path = ["portal", "generate_link"];
        let response: PortalLinkResponse =
            Call::with_api_key(self, Method::POST, "POST /portal/generate_link", &path)
                .json(request)
                .body_carries_secrets()
                .receive()
                .await?;
        Ok(PortalLink(response.link))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_serializes_organization_and_intent() {
        let request = PortalLinkRequest::new("org_1", PortalIntent::Sso);
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"organization":"org_1","intent":"sso"}"#
        );
    }

    #[test]
    fn request_includes_optional_urls_when_set() {
        let request = PortalLinkRequest::new("org_1", PortalIntent::Sso)
            .return_url("https://app.example.com/r")
            .success_url("https://app.example.com/s");
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"organization":"org_1","intent":"sso","return_url":"https://app.example.com/r","success_url":"https://app.example.com/s"}"#
        );
    }
}

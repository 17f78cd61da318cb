//! The Organizations API, read side: list the organizations (for example those claiming an email domain)
//! and fetch one.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Deserialize;

use super::http::Call;
use super::open_enum::open_enum;
use super::pagination::{checked_limit, InvalidLimit, ListMetadata, Order, MAX_LIMIT};
use super::{WorkosClient, WorkosError};

/// The most pages [`WorkosClient::organizations_by_domain`] fetches (of 100 organizations each) before it
/// gives up with [`WorkosError::ListTooLong`].
pub const MAX_DOMAIN_PAGES: usize = 10;

/// A customer of the application in WorkOS: it owns SSO connections and claims email domains.
///
/// Read from `GET /organizations` and `GET /organizations/{id}`; every required key of WorkOS's schema must
/// be present.
///
/// # Example
///
/// ```
/// use rocket_workos_sso::client::Organization;
///
/// let org: Organization = serde_json::from_str(r#"{
///     "object": "organization", "id": "org_01EHZNVPK3SFK441A1RGBFSHRT", "name": "Foo Corp",
///     "domains": [], "metadata": {"tier": "gold"}, "external_id": null,
///     "created_at": "2026-01-15T12:00:00.000Z", "updated_at": "2026-01-15T12:00:00.000Z"
/// }"#)?;
/// assert_eq!(org.metadata["tier"], "gold");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Organization {
    /// The organization ID, `org_…`.
    pub id: String,
    /// A descriptive name; not necessarily unique.
    pub name: String,
    /// The domains the organization claims, verified or not (see [`OrganizationDomain::state`]).
    pub domains: Vec<OrganizationDomain>,
    /// Key/value pairs the application attached to the organization.
    pub metadata: BTreeMap<String, String>,
    /// The application's own ID for the organization, if it set one (`null` on the wire otherwise).
    pub external_id: Option<String>,
    /// The Stripe customer ID, if WorkOS has one.
    #[serde(default)]
    pub stripe_customer_id: Option<String>,
    /// Creation time, ISO 8601.
    pub created_at: String,
    /// Last update time, ISO 8601.
    pub updated_at: String,
    /// Deprecated by WorkOS: whether profiles from outside the organization's domains may sign in.
    #[serde(default)]
    pub allow_profiles_outside_organization: Option<bool>,
}

impl Organization {
    /// Whether the organization claims `domain` (ignoring case), verified or not.
    ///
    /// # Example
    ///
    /// ```
    /// # use rocket_workos_sso::client::Organization;
    /// # let org: Organization = serde_json::from_str(r#"{"id": "org_1", "name": "Foo Corp", "metadata": {},
    /// #   "external_id": null, "created_at": "", "updated_at": "", "domains": [{"id": "org_domain_1",
    /// #   "organization_id": "org_1", "domain": "foo-corp.com", "created_at": "", "updated_at": ""}]}"#)?;
    /// assert!(org.claims_domain("Foo-Corp.com"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn claims_domain(&self, domain: &str) -> bool {
        self.domains
            .iter()
            .any(|claimed| claimed.domain.eq_ignore_ascii_case(domain))
    }
}

/// A domain an [`Organization`] claims.
///
/// # Example
///
/// ```
/// use rocket_workos_sso::client::{OrganizationDomain, OrganizationDomainState};
///
/// let domain: OrganizationDomain = serde_json::from_str(r#"{
///     "object": "organization_domain", "id": "org_domain_01EHZNVPK2QXHMVWCEDQEKY69A",
///     "organization_id": "org_01EHZNVPK3SFK441A1RGBFSHRT", "domain": "foo-corp.com", "state": "verified",
///     "created_at": "2026-01-15T12:00:00.000Z", "updated_at": "2026-01-15T12:00:00.000Z"
/// }"#)?;
/// assert_eq!(domain.state, Some(OrganizationDomainState::Verified));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct OrganizationDomain {
    /// The domain ID, `org_domain_…`.
    pub id: String,
    /// The organization claiming it, `org_…`.
    pub organization_id: String,
    /// The domain, e.g. `foo-corp.com`.
    pub domain: String,
    /// How far its verification got, when WorkOS says.
    #[serde(default)]
    pub state: Option<OrganizationDomainState>,
    /// The prefix of the DNS TXT record that verifies it, for DNS verification.
    #[serde(default)]
    pub verification_prefix: Option<String>,
    /// The value of that DNS TXT record.
    #[serde(default)]
    pub verification_token: Option<String>,
    /// How it is (to be) verified, when WorkOS says.
    #[serde(default)]
    pub verification_strategy: Option<DomainVerificationStrategy>,
    /// Creation time, ISO 8601.
    pub created_at: String,
    /// Last update time, ISO 8601.
    pub updated_at: String,
}

open_enum! {
    /// The verification state of an [`OrganizationDomain`]. Only a verified domain proves that the
    /// organization controls it.
    ///
    /// # Example
    ///
    /// ```
    /// use rocket_workos_sso::client::OrganizationDomainState;
    ///
    /// assert_eq!(OrganizationDomainState::from("legacy_verified"), OrganizationDomainState::LegacyVerified);
    /// ```
    pub enum OrganizationDomainState {
        Failed = "failed",
        LegacyVerified = "legacy_verified",
        Pending = "pending",
        Unverified = "unverified",
        Verified = "verified",
    }
}

open_enum! {
    /// How an [`OrganizationDomain`] is verified.
    ///
    /// # Example
    ///
    /// ```
    /// use rocket_workos_sso::client::DomainVerificationStrategy;
    ///
    /// assert_eq!(DomainVerificationStrategy::from("dns"), DomainVerificationStrategy::Dns);
    /// ```
    pub enum DomainVerificationStrategy {
        Dns = "dns",
        Manual = "manual",
    }
}

/// One page of organizations.
///
/// # Example
///
/// ```
/// use rocket_workos_sso::client::OrganizationList;
///
/// let page: OrganizationList =
///     serde_json::from_str(r#"{"object": "list", "data": [], "list_metadata": {"before": null, "after": null}}"#)?;
/// assert!(page.data.is_empty() && page.list_metadata.after.is_none());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct OrganizationList {
    /// The organizations on this page.
    pub data: Vec<Organization>,
    /// The cursors to the neighbouring pages.
    pub list_metadata: ListMetadata,
}

/// The filters and paging of [`WorkosClient::list_organizations`] (`GET /organizations`). Everything is
/// optional.
///
/// `before` and `after` are one cursor: setting either replaces the other.
///
/// # Example
///
/// ```
/// use rocket_workos_sso::client::{ListOrganizations, Order};
///
/// let request = ListOrganizations::new()
///     .domains(["foo-corp.com", "foo-corp.io"])
///     .limit(50)?
///     .order(Order::Asc);
/// # let _ = request;
/// # Ok::<(), rocket_workos_sso::client::InvalidLimit>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct ListOrganizations {
    domains: Vec<String>,
    limit: Option<u32>,
    order: Option<Order>,
    cursor: Option<Cursor>,
}

/// Where a page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Cursor {
    Before(String),
    After(String),
}

impl ListOrganizations {
    /// Every organization, WorkOS's default page size (10) and order (newest first).
    pub fn new() -> Self {
        Self::default()
    }

    /// Also matches organizations claiming `domain`. With several domains, an organization claiming any
    /// of them matches.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domains.push(domain.into());
        self
    }

    /// Also matches organizations claiming any of `domains`.
    pub fn domains(mut self, domains: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.domains.extend(domains.into_iter().map(Into::into));
        self
    }

    /// Page size, 1 to 100; anything else is refused here rather than by WorkOS.
    pub fn limit(mut self, limit: u32) -> Result<Self, InvalidLimit> {
        self.limit = Some(checked_limit(limit)?);
        Ok(self)
    }

    /// Sort order, by creation time.
    pub fn order(mut self, order: Order) -> Self {
        self.order = Some(order);
        self
    }

    /// The page before this cursor (see [`ListMetadata::before`]); replaces any `after`.
    pub fn before(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(Cursor::Before(cursor.into()));
        self
    }

    /// The page after this cursor (see [`ListMetadata::after`]); replaces any `before`.
    pub fn after(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(Cursor::After(cursor.into()));
        self
    }

    /// The query: `domains` as one comma-separated value, as the API's `form` style without `explode` asks.
    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if !self.domains.is_empty() {
            pairs.push(("domains", self.domains.join(",")));
        }
        if let Some(limit) = self.limit {
            pairs.push(("limit", limit.to_string()));
        }
        if let Some(order) = self.order {
            pairs.push(("order", order.as_str().to_owned()));
        }
        match &self.cursor {
            Some(Cursor::Before(cursor)) => pairs.push(("before", cursor.clone())),
            Some(Cursor::After(cursor)) => pairs.push(("after", cursor.clone())),
            None => {}
        }
        pairs
    }
}

/// Whether `domain` can be sent as one entry of the comma-separated `domains` filter. An empty entry
/// would filter nothing (listing every organization) and a comma would split it in two.
fn is_single_domain(domain: &str) -> bool {
    !domain.is_empty() && !domain.contains(|c: char| c == ',' || c.is_whitespace())
}

impl WorkosClient {
    /// Lists one page of organizations (`GET /organizations`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use rocket_workos_sso::client::{ListOrganizations, WorkosClient};
    ///
    /// # async fn demo(client: WorkosClient) -> Result<(), Box<dyn std::error::Error>> {
    /// let request = ListOrganizations::new().domain("foo-corp.com").limit(100)?;
    /// let page = client.list_organizations(&request).await?;
    /// for org in &page.data {
    ///     println!("{} ({})", org.name, org.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_organizations(
        &self,
        request: &ListOrganizations,
    ) -> Result<OrganizationList, WorkosError> {
        Call::with_api_key(self, Method::GET, "GET /organizations", &["organizations"])
            .query(&request.query_pairs())
            .receive()
            .await
    }

    /// Fetches one organization (`GET /organizations/{id}`). An unknown ID is an
    /// [`ApiErrorKind::NotFound`](super::ApiErrorKind::NotFound) error.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use rocket_workos_sso::client::{ApiErrorKind, WorkosClient};
    ///
    /// # async fn demo(client: WorkosClient) {
    /// match client.get_organization("org_01EHZNVPK3SFK441A1RGBFSHRT").await {
    ///     Ok(org) => println!("{} has {} domains", org.name, org.domains.len()),
    ///     Err(err) if err.api_kind() == Some(ApiErrorKind::NotFound) => println!("no such organization"),
    ///     Err(err) => eprintln!("{err}"),
    /// }
    /// # }
    /// ```
    pub async fn get_organization(&self, id: &str) -> Result<Organization, WorkosError> {
        Call::with_api_key(
            self,
            Method::GET,
            "GET /organizations/{id}",
            &["organizations", id],
        )
        .receive()
        .await
    }

    /// Every organization claiming `domain` (matched by WorkOS, ignoring case), following `after` cursors
    /// over pages of 100, at most [`MAX_DOMAIN_PAGES`] of them; a longer list is
    /// [`WorkosError::ListTooLong`]. Several organizations may claim one domain, and a claim need not be
    /// verified: check [`OrganizationDomain::state`] before trusting it.
    ///
    /// A `domain` that is empty or holds a comma or whitespace is claimed by no organization: the answer is
    /// empty, without a request (sent as is, it would not filter at all, or filter on two domains).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use rocket_workos_sso::client::{OrganizationDomainState, WorkosClient};
    ///
    /// # async fn demo(client: WorkosClient) -> Result<(), rocket_workos_sso::client::WorkosError> {
    /// let email = "ada@foo-corp.com";
    /// let domain = email.rsplit_once('@').map_or("", |(_, domain)| domain);
    /// let verified_owners: Vec<_> = client
    ///     .organizations_by_domain(domain)
    ///     .await?
    ///     .into_iter()
    ///     .filter(|org| {
    ///         org.domains.iter().any(|claim| {
    ///             claim.domain.eq_ignore_ascii_case(domain) && claim.state == Some(OrganizationDomainState::Verified)
    ///         })
    ///     })
    ///     .collect();
    /// # Ok(())
    /// # }
    /// ```
    pub async fn organizations_by_domain(
        &self,
        domain: &str,
    ) -> Result<Vec<Organization>, WorkosError> {
        if !is_single_domain(domain) {
            return Ok(Vec::new());
        }
        let first = ListOrganizations {
            domains: vec![domain.to_owned()],
            limit: Some(MAX_LIMIT),
            ..ListOrganizations::default()
        };
        let mut request = first.clone();
        let mut organizations = Vec::new();
        for _ in 0..MAX_DOMAIN_PAGES {
            let page = self.list_organizations(&request).await?;
            organizations.extend(page.data);
            match page.list_metadata.after {
                Some(after) => request = first.clone().after(after),
                None => return Ok(organizations),
            }
        }
        Err(WorkosError::ListTooLong {
            endpoint: "GET /organizations",
            pages: MAX_DOMAIN_PAGES,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's examples, with every optional key.
    const FULL: &str = r#"{
      "object": "organization",
      "id": "org_01EHWNCE74X7JSDV0X3SZ3KJNY",
      "name": "Acme Inc.",
      "domains": [
        {
          "object": "organization_domain",
          "id": "org_domain_01EHZNVPK2QXHMVWCEDQEKY69A",
          "organization_id": "org_01EHWNCE74X7JSDV0X3SZ3KJNY",
          "domain": "foo-corp.com",
          "state": "pending",
          "verification_prefix": "superapp-domain-verification-z3kjny",
          "verification_token": "m5Oztg3jdK4NJLgs8uIlIprMw",
          "verification_strategy": "dns",
          "created_at": "2026-01-15T12:00:00.000Z",
          "updated_at": "2026-01-15T12:00:00.000Z"
        }
      ],
      "metadata": { "tier": "diamond" },
      "external_id": "2fe01467-f7ea-4dd2-8b79-c2b4f56d0191",
      "stripe_customer_id": "cus_R9qWAGMQ6nGE7V",
      "created_at": "2026-01-15T12:00:00.000Z",
      "updated_at": "2026-01-16T08:30:00.000Z",
      "allow_profiles_outside_organization": false
    }"#;

    /// Only the required keys, `external_id` null.
    const MINIMAL: &str = r#"{
      "object": "organization",
      "id": "org_01EHZNVPK3SFK441A1RGBFSHRT",
      "name": "Foo Corp",
      "domains": [
        {
          "object": "organization_domain",
          "id": "org_domain_01EHZNVPK2QXHMVWCEDQEKY69A",
          "organization_id": "org_01EHZNVPK3SFK441A1RGBFSHRT",
          "domain": "foo-corp.com",
          "created_at": "2026-01-15T12:00:00.000Z",
          "updated_at": "2026-01-15T12:00:00.000Z"
        }
      ],
      "metadata": {},
      "external_id": null,
      "created_at": "2026-01-15T12:00:00.000Z",
      "updated_at": "2026-01-15T12:00:00.000Z"
    }"#;

    fn organization(json: &str) -> Organization {
        serde_json::from_str(json).unwrap()
    }

    /// `json` with one key of the organization removed.
    fn without(json: &str, key: &str) -> String {
        let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
        value.as_object_mut().unwrap().remove(key);
        value.to_string()
    }

    fn query(request: &ListOrganizations) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(request.query_pairs())
            .finish()
    }

    #[test]
    fn every_field_of_a_full_organization_is_read() {
        let org = organization(FULL);
        assert_eq!(
            (
                org.id.as_str(),
                org.name.as_str(),
                org.metadata.get("tier").map(String::as_str),
                org.external_id.as_deref(),
                org.stripe_customer_id.as_deref(),
                org.created_at.as_str(),
                org.updated_at.as_str(),
                org.allow_profiles_outside_organization,
            ),
            (
                "org_01EHWNCE74X7JSDV0X3SZ3KJNY",
                "Acme Inc.",
                Some("diamond"),
                Some("2fe01467-f7ea-4dd2-8b79-c2b4f56d0191"),
                Some("cus_R9qWAGMQ6nGE7V"),
                "2026-01-15T12:00:00.000Z",
                "2026-01-16T08:30:00.000Z",
                Some(false),
            )
        );
    }

    #[test]
    fn every_field_of_a_full_domain_is_read() {
        let org = organization(FULL);
        assert_eq!(
            org.domains,
            [OrganizationDomain {
                id: "org_domain_01EHZNVPK2QXHMVWCEDQEKY69A".into(),
                organization_id: "org_01EHWNCE74X7JSDV0X3SZ3KJNY".into(),
                domain: "foo-corp.com".into(),
                state: Some(OrganizationDomainState::Pending),
                verification_prefix: Some("superapp-domain-verification-z3kjny".into()),
                verification_token: Some("m5Oztg3jdK4NJLgs8uIlIprMw".into()),
                verification_strategy: Some(DomainVerificationStrategy::Dns),
                created_at: "2026-01-15T12:00:00.000Z".into(),
                updated_at: "2026-01-15T12:00:00.000Z".into(),
            }]
        );
    }

    #[test]
    fn a_minimal_organization_leaves_the_optional_fields_empty() {
        let org = organization(MINIMAL);
        let domain = &org.domains[0];
        assert_eq!(
            (
                org.external_id,
                org.stripe_customer_id,
                org.allow_profiles_outside_organization,
                org.metadata.is_empty(),
                &domain.state,
                &domain.verification_prefix,
                &domain.verification_token,
                &domain.verification_strategy,
            ),
            (None, None, None, true, &None, &None, &None, &None)
        );
    }

    #[test]
    fn unknown_domain_states_and_strategies_are_kept() {
        let json = MINIMAL.replace(
            r#""domain": "foo-corp.com","#,
            r#""domain": "foo-corp.com", "state": "revoked", "verification_strategy": "email","#,
        );
        let domain = &organization(&json).domains[0];
        assert_eq!(
            (&domain.state, &domain.verification_strategy),
            (
                &Some(OrganizationDomainState::Unknown("revoked".into())),
                &Some(DomainVerificationStrategy::Unknown("email".into()))
            )
        );
    }

    #[test]
    fn every_known_domain_state_has_its_variant() {
        let states = [
            "failed",
            "legacy_verified",
            "pending",
            "unverified",
            "verified",
        ]
        .map(OrganizationDomainState::from);
        assert!(
            !states
                .iter()
                .any(|state| matches!(state, OrganizationDomainState::Unknown(_))),
            "{states:?}"
        );
    }

    #[test]
    fn a_missing_required_key_is_refused() {
        for key in [
            "id",
            "name",
            "domains",
            "metadata",
            "created_at",
            "updated_at",
        ] {
            let json = without(MINIMAL, key);
            assert!(
                serde_json::from_str::<Organization>(&json).is_err(),
                "{key}"
            );
        }
    }

    #[test]
    fn a_domain_missing_a_required_key_is_refused() {
        let json = MINIMAL.replace(
            r#""organization_id": "org_01EHZNVPK3SFK441A1RGBFSHRT","#,
            "",
        );
        assert!(serde_json::from_str::<Organization>(&json).is_err());
    }

    #[test]
    fn metadata_values_must_be_strings() {
        let json = MINIMAL.replace(r#""metadata": {}"#, r#""metadata": {"seats": 10}"#);
        assert!(serde_json::from_str::<Organization>(&json).is_err());
    }

    #[test]
    fn a_list_reads_its_page_and_cursors() {
        let json = format!(
            r#"{{"object": "list", "data": [{FULL}, {MINIMAL}],
                "list_metadata": {{"before": null, "after": "org_01EHZNVPK3SFK441A1RGBFSHRT"}}}}"#
        );
        let list: OrganizationList = serde_json::from_str(&json).unwrap();
        assert_eq!(
            (
                list.data.len(),
                list.list_metadata.before,
                list.list_metadata.after.as_deref()
            ),
            (2, None, Some("org_01EHZNVPK3SFK441A1RGBFSHRT"))
        );
    }

    #[test]
    fn a_list_without_list_metadata_is_refused() {
        assert!(
            serde_json::from_str::<OrganizationList>(r#"{"object": "list", "data": []}"#).is_err()
        );
    }

    #[test]
    fn claims_domain_ignores_case() {
        let org = organization(MINIMAL);
        assert_eq!(
            (
                org.claims_domain("FOO-corp.COM"),
                org.claims_domain("corp.com")
            ),
            (true, false)
        );
    }

    #[test]
    fn an_empty_request_sends_no_query() {
        assert_eq!(query(&ListOrganizations::new()), "");
    }

    #[test]
    fn every_setting_is_sent_with_its_wire_name() {
        let request = ListOrganizations::new()
            .domain("foo-corp.com")
            .domains(["foo-corp.io"])
            .limit(25)
            .unwrap()
            .order(Order::Normal)
            .after("org_01EHZNVPK3SFK441A1RGBFSHRT");
        assert_eq!(
            query(&request),
            "domains=foo-corp.com%2Cfoo-corp.io&limit=25&order=normal&after=org_01EHZNVPK3SFK441A1RGBFSHRT"
        );
    }

    #[test]
    fn a_cursor_replaces_the_other() {
        let after_then_before = ListOrganizations::new().after("org_a").before("org_b");
        let before_then_after = ListOrganizations::new().before("org_b").after("org_a");
        assert_eq!(
            (query(&after_then_before), query(&before_then_after)),
            ("before=org_b".to_owned(), "after=org_a".to_owned())
        );
    }

    #[test]
    fn limits_from_1_to_100_are_taken() {
        for limit in [1, 10, 100] {
            assert_eq!(
                query(&ListOrganizations::new().limit(limit).unwrap()),
                format!("limit={limit}")
            );
        }
    }

    #[test]
    fn limits_outside_1_to_100_are_refused() {
        for limit in [0, 101, u32::MAX] {
            assert_eq!(
                ListOrganizations::new().limit(limit),
                Err(InvalidLimit(limit))
            );
        }
    }

    #[test]
    fn only_a_single_domain_is_looked_up() {
        let verdicts = [
            "foo-corp.com",
            "",
            "a.com,b.com",
            "foo corp.com",
            " foo-corp.com",
        ]
        .map(is_single_domain);
        assert_eq!(verdicts, [true, false, false, false, false]);
    }
}

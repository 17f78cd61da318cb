//! Tenants: which customer organization a request is for, decided the way Rocket routes it.
//!
//! A [`ResolveTenant`] given to the fairing (`WorkosSso::fairing().tenant(...)`) answers a
//! [`Tenancy`] for each request: no tenant, a [`Tenant`], or [`Tenancy::Unknown`] (the request is
//! tenant-scoped but names no tenant the app knows, which every guard refuses). Two resolvers come
//! with the library, built from plain data, so an application never compares URL text itself:
//!
//! - [`TenantPaths`]: a path segment names the tenant (`/example-corp/...` or `/t/example-corp/...`),
//!   matched on the percent-decoded, non-empty segments Rocket routes on, exactly and case-sensitively,
//!   as Rocket matches a route;
//! - [`TenantHosts`]: a subdomain of a base domain names the tenant (`acme.example.app`), with the
//!   `Host` normalised (ASCII case, one trailing dot, the port) and anything unusual refused.
//!
//! Handlers take the [`Tenant`] request guard for the tenant the library checked, instead of reading
//! the path or the host again.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rocket::Request;

/// What a [`ResolveTenant`] says of one request.
///
/// | | the library's guards (`Profile`, `#[workos_sso]`) | the [`Tenant`] guard |
/// |---|---|---|
/// | `None` | the handler's own policy (any customer organization, or its pin) | `404` |
/// | `Tenant(..)` | only that tenant's organization, and a pinned handler's pin as well (another's session: `403`, with a link to sign in to this one) | the tenant |
/// | `Unknown` | `404`, signed in or not | `404` |
///
/// `Unknown` is `404` rather than `403` because there is nothing at that address: no tenant, so no
/// organization a visitor could sign in to, and no answer that tells a made-up tenant name from a
/// real one. Under `Option<Profile>`, Rocket turns any refusal into `None`: the handler sees an
/// anonymous visitor, never the refused user's profile. A page that must not render at all for an
/// unknown tenant takes the [`Tenant`] guard (or `Profile`), which fails the request.
///
/// A resolver returning `Option<String>` (an organization id) still works: `Some` is that
/// organization's tenant, named by its id, and `None` is [`Tenancy::None`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenancy {
    /// The request belongs to no tenant (say, the app's home page): the handler's own policy applies.
    None,
    /// The request is this tenant's.
    Tenant(Tenant),
    /// The request is tenant-scoped but names no tenant the application knows (`/t/no-such-name/...`,
    /// a host under the base domain that is nobody's, a host outside it): refused with `404`.
    Unknown,
}

impl Tenancy {
    /// The tenant, if the request is one's.
    ///
    /// ```
    /// use rocket_workos_sso::tenant::{Tenancy, Tenant};
    ///
    /// let acme = Tenancy::from(Tenant::new("acme", "org_01JH3E28JT97KB6CQ643DZVMXX"));
    /// assert_eq!(acme.tenant().map(Tenant::name), Some("acme"));
    /// assert_eq!(Tenancy::Unknown.tenant(), None);
    /// ```
    pub fn tenant(&self) -> Option<&Tenant> {
        match self {
            Tenancy::Tenant(tenant) => Some(tenant),
            Tenancy::None | Tenancy::Unknown => None,
        }
    }
}

impl From<Tenant> for Tenancy {
    fn from(tenant: Tenant) -> Self {
        Tenancy::Tenant(tenant)
    }
}

/// `Some(organization id)`: that organization's tenant, named by the id; `None`: no tenant.
impl From<Option<String>> for Tenancy {
    fn from(organization: Option<String>) -> Self {
        match organization {
            Some(id) => Tenancy::Tenant(Tenant::new(id.clone(), id)),
            None => Tenancy::None,
        }
    }
}

/// A customer of the application: the name a request used for it (a path segment, a subdomain) and
/// its WorkOS organization.
///
/// It is also a request guard: the tenant the library's guards checked the session against, resolved
/// once per request by the fairing's resolver. It fails with `404` when the request has no tenant or an
/// unknown one, and refuses to launch an app whose fairing has no resolver. A handler takes it rather
/// than reading the tenant from the path again (a second reading could disagree with the first, and
/// serve one tenant's data to another's users):
///
/// ```rust,no_run
/// use rocket::get;
/// use rocket_workos_sso::tenant::{Tenant, TenantPaths};
/// use rocket_workos_sso::{workos_sso, Profile, WorkosSso};
///
/// #[workos_sso]
/// #[get("/t/<_>/notes")]
/// fn notes(tenant: Tenant, profile: Profile) -> String {
///     // The profile is of `tenant.organization_id()`: the guard refused everyone else.
///     format!("{}'s notes, for {}", tenant.name(), profile.email)
/// }
///
/// #[rocket::launch]
/// fn rocket() -> _ {
///     let tenants = TenantPaths::under("/t")
///         .tenant("example-corp", "org_01JH3E28JT97KB6CQ643DZVMXX")
///         .tenant("globex", "org_01JHS3C4DWA7N36096Q14DR9GP");
///     rocket::build()
///         .attach(WorkosSso::fairing().tenant(tenants))
///         .mount("/", rocket::routes![notes])
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    name: String,
    organization_id: String,
}

impl Tenant {
    /// The tenant `name` (as the request names it), whose users are those of WorkOS organization
    /// `organization_id` (`org_…`).
    pub fn new(name: impl Into<String>, organization_id: impl Into<String>) -> Self {
        Tenant {
            name: name.into(),
            organization_id: organization_id.into(),
        }
    }

    /// The name the request used: the path segment or subdomain label the resolver matched (for a
    /// resolver that returned only an organization id, that id).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tenant's WorkOS organization id (`org_…`).
    pub fn organization_id(&self) -> &str {
        &self.organization_id
    }
}

/// The error of the [`Tenant`] guard: the request names no known tenant (`404`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoTenant;

impl fmt::Display for NoTenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the request names no tenant this application knows")
    }
}

impl std::error::Error for NoTenant {}

/// A look-up of tenant names the application provides: name to organization id.
type Lookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The tenants a resolver knows: a fixed table, then the application's look-up, if any.
#[derive(Default)]
struct Directory {
    table: BTreeMap<String, String>,
    lookup: Option<Lookup>,
}

impl Directory {
    fn tenant(&self, name: &str) -> Option<Tenant> {
        let organization = match self.table.get(name) {
            Some(organization) => Some(organization.clone()),
            None => self.lookup.as_ref().and_then(|lookup| lookup(name)),
        };
        organization.map(|organization| Tenant::new(name, organization))
    }
}

impl fmt::Debug for Directory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Directory")
            .field("table", &self.table)
            .field("lookup", &self.lookup.is_some())
            .finish()
    }
}

/// Tenants named by a path segment, read the way Rocket routes: the percent-decoded, non-empty segments
/// of the request's path (`//example-corp//reports` and `/example%2Dcorp/reports` are
/// `example-corp`'s, as Rocket routes them to `/example-corp/reports`), compared exactly and
/// case-sensitively (`/EXAMPLE-CORP/...` is not `example-corp`'s, and no static route of it matches
/// either). `.`, `..` and `;params` are segments like any other, as in Rocket's router, and an encoded
/// slash stays inside its segment.
///
/// Two forms:
/// - [`TenantPaths::new`]: the first segment names the tenant when it is a known one
///   (`/example-corp/reports`); every other path has no tenant ([`Tenancy::None`]). For an app whose
///   tenants' pages are static routes beside shared ones (`/workspace`).
/// - [`TenantPaths::under`]: every path under a prefix is tenant-scoped (`/t/<tenant>/...`); the
///   segment after the prefix names the tenant, and a name the app does not know, or none, is
///   [`Tenancy::Unknown`]: refused with `404`.
///
/// Tenants come from a fixed table ([`tenant`](Self::tenant)), from the application's look-up
/// ([`lookup`](Self::lookup), say a map loaded from its database), or both (the table first).
///
/// ```
/// use rocket::local::blocking::Client;
/// use rocket_workos_sso::hooks::ResolveTenant;
/// use rocket_workos_sso::tenant::{Tenancy, Tenant, TenantPaths};
///
/// let tenants = TenantPaths::under("/t").lookup(|name| match name {
///     "example-corp" => Some("org_01JH3E28JT97KB6CQ643DZVMXX".to_owned()),
///     _ => None,
/// });
/// let client = Client::debug_with(vec![]).unwrap();
/// let tenancy = |path: &'static str| tenants.resolve(client.get(path).inner());
///
/// let example_corp = Tenant::new("example-corp", "org_01JH3E28JT97KB6CQ643DZVMXX");
/// assert_eq!(tenancy("/t/example-corp/notes"), Tenancy::Tenant(example_corp.clone()));
/// assert_eq!(tenancy("//t//example%2Dcorp/notes"), Tenancy::Tenant(example_corp));
/// assert_eq!(tenancy("/t/EXAMPLE-CORP/notes"), Tenancy::Unknown);
/// assert_eq!(tenancy("/t/initech/notes"), Tenancy::Unknown);
/// assert_eq!(tenancy("/pricing"), Tenancy::None);
/// ```
#[derive(Debug)]
pub struct TenantPaths {
    /// `None`: the first segment, when it names a known tenant; `Some`: the segment after these.
    prefix: Option<Vec<String>>,
    tenants: Directory,
}

impl TenantPaths {
    /// Tenants named by a path's first segment: a path whose first segment is a known tenant's name is
    /// that tenant's, every other path has no tenant.
    ///
    /// ```
    /// use rocket::local::blocking::Client;
    /// use rocket_workos_sso::hooks::ResolveTenant;
    /// use rocket_workos_sso::tenant::{Tenancy, TenantPaths};
    ///
    /// let tenants = TenantPaths::new().tenant("example-corp", "org_01JH3E28JT97KB6CQ643DZVMXX");
    /// let client = Client::debug_with(vec![]).unwrap();
    /// let tenancy = |path: &'static str| tenants.resolve(client.get(path).inner());
    ///
    /// for path in ["/example-corp/reports", "//example-corp//reports", "/%65xample-corp/reports"] {
    ///     let tenant = tenancy(path);
    ///     assert_eq!(tenant.tenant().map(|t| t.organization_id()), Some("org_01JH3E28JT97KB6CQ643DZVMXX"));
    /// }
    /// assert_eq!(tenancy("/workspace"), Tenancy::None);
    /// assert_eq!(tenancy("/EXAMPLE-CORP/reports"), Tenancy::None, "no static route matches it either");
    /// ```
    pub fn new() -> Self {
        TenantPaths {
            prefix: None,
            tenants: Directory::default(),
        }
    }

    /// Tenants named by the segment after `prefix` (`"/t"` for `/t/<tenant>/...`, `"/"` for an app
    /// where every path is a tenant's), written as the decoded segments a route would name. Every
    /// path under `prefix` is tenant-scoped: an unknown name, or none, is [`Tenancy::Unknown`].
    pub fn under(prefix: &str) -> Self {
        TenantPaths {
            prefix: Some(
                prefix
                    .split('/')
                    .filter(|segment| !segment.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            tenants: Directory::default(),
        }
    }

    /// Adds the tenant `name` (the path segment, exactly as a route writes it), whose users are those
    /// of WorkOS organization `organization_id`.
    ///
    /// # Panics
    ///
    /// If `name` is empty or contains a `/`: no path segment Rocket routes on could be that name.
    #[must_use]
    pub fn tenant(mut self, name: impl Into<String>, organization_id: impl Into<String>) -> Self {
        let name = name.into();
        assert!(
            !name.is_empty() && !name.contains('/'),
            "TenantPaths::tenant({name:?}): a tenant's name is one path segment, non-empty and without `/`"
        );
        self.tenants.table.insert(name, organization_id.into());
        self
    }

    /// Looks up names the table does not hold with `lookup`: the decoded path segment, exactly as the
    /// request has it, to the tenant's organization id, or `None` for no tenant of that name. Match it
    /// exactly: a case-insensitive look-up would make `/t/EXAMPLE/...` a tenant's where no route of
    /// that tenant's matches.
    #[must_use]
    pub fn lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.tenants.lookup = Some(Box::new(lookup));
        self
    }
}

impl Default for TenantPaths {
    fn default() -> Self {
        TenantPaths::new()
    }
}

impl ResolveTenant for TenantPaths {
    fn resolve(&self, request: &Request<'_>) -> Tenancy {
        let mut segments = request.uri().path().segments();
        let Some(prefix) = &self.prefix else {
            return segments
                .next()
                .and_then(|name| self.tenants.tenant(name))
                .map_or(Tenancy::None, Tenancy::Tenant);
        };
        if !prefix
            .iter()
            .all(|expected| segments.next() == Some(expected.as_str()))
        {
            return Tenancy::None;
        }
        segments
            .next()
            .and_then(|name| self.tenants.tenant(name))
            .map_or(Tenancy::Unknown, Tenancy::Tenant)
    }
}

/// Tenants named by a subdomain of a base domain: `acme.example.app` is tenant `acme`'s.
///
/// The `Host` is normalised before it is matched: ASCII case folded, one trailing dot and the port
/// dropped. Everything else fails closed ([`Tenancy::Unknown`], refused with `404`): no `Host`, a host
/// outside the base domain (`evil.com`, `acme.example.app.evil.com`), an IP address, a label that is not
/// letters, digits and inner hyphens, an empty label (`acme..example.app`), a subdomain of a subdomain
/// (`x.acme.example.app`), user information (`user@acme.example.app`), several `Host` headers, and an
/// unknown label. The base domain itself has no tenant ([`Tenancy::None`]: the app's shared pages),
/// and so have the labels given to [`shared`](Self::shared), such as `www`.
///
/// It reads the `Host` Rocket reads (HTTP/2: the `:authority`), never `X-Forwarded-Host`: behind a
/// proxy, have the proxy pass the client's `Host` on (nginx: `proxy_set_header Host $host;`). In
/// development, `TenantHosts::new("localhost")` serves `acme.localhost:8000`, which browsers send to
/// the loopback address.
///
/// ```
/// use rocket::http::uri::Host;
/// use rocket::local::blocking::Client;
/// use rocket_workos_sso::hooks::ResolveTenant;
/// use rocket_workos_sso::tenant::{Tenancy, TenantHosts};
///
/// let tenants = TenantHosts::new("example.app")
///     .tenant("acme", "org_01JH3E28JT97KB6CQ643DZVMXX")
///     .shared("www");
/// let client = Client::debug_with(vec![]).unwrap();
/// let tenancy = |host: &'static str| {
///     let mut request = client.get("/");
///     request.inner_mut().set_host(Host::parse(host).unwrap());
///     tenants.resolve(request.inner())
/// };
///
/// for host in ["acme.example.app", "ACME.Example.App", "acme.example.app.:8000"] {
///     assert_eq!(tenancy(host).tenant().map(|t| t.name()), Some("acme"), "{host}");
/// }
/// assert_eq!(tenancy("example.app"), Tenancy::None);
/// assert_eq!(tenancy("www.example.app"), Tenancy::None);
/// for host in ["globex.example.app", "acme.example.app.evil.com", "evil.com", "[::1]:8000"] {
///     assert_eq!(tenancy(host), Tenancy::Unknown, "{host}");
/// }
/// ```
#[derive(Debug)]
pub struct TenantHosts {
    /// Normalised: lower case, no trailing dot.
    base: String,
    shared: BTreeSet<String>,
    tenants: Directory,
}

impl TenantHosts {
    /// Tenants named by the subdomains of `base` (`"example.app"`).
    ///
    /// # Panics
    ///
    /// If `base` is not a domain name (letters, digits and hyphens in dot-separated labels): no `Host`
    /// could match it.
    pub fn new(base: &str) -> Self {
        let Some(normalised) = normalise_domain(base) else {
            panic!("TenantHosts::new({base:?}): the base domain must be a domain name, such as \"example.app\"");
        };
        TenantHosts {
            base: normalised,
            shared: BTreeSet::new(),
            tenants: Directory::default(),
        }
    }

    /// Adds the tenant of subdomain `label` (`"acme"` for `acme.example.app`; any ASCII case), whose
    /// users are those of WorkOS organization `organization_id`.
    ///
    /// # Panics
    ///
    /// If `label` is not one domain label (letters, digits and inner hyphens).
    #[must_use]
    pub fn tenant(mut self, label: &str, organization_id: impl Into<String>) -> Self {
        let label = normalise_label(label, "tenant");
        self.tenants.table.insert(label, organization_id.into());
        self
    }

    /// Makes subdomain `label` (`"www"`, `"app"`) one of no tenant, like the base domain.
    ///
    /// # Panics
    ///
    /// If `label` is not one domain label (letters, digits and inner hyphens).
    #[must_use]
    pub fn shared(mut self, label: &str) -> Self {
        self.shared.insert(normalise_label(label, "shared"));
        self
    }

    /// Looks up labels the table does not hold with `lookup`: the subdomain label, in lower case, to the
    /// tenant's organization id, or `None` for no tenant of that name.
    #[must_use]
    pub fn lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.tenants.lookup = Some(Box::new(lookup));
        self
    }

    /// The tenancy of a request whose `Host` is `domain` (its port dropped).
    fn tenancy_of(&self, domain: &str) -> Tenancy {
        let Some(domain) = normalise_domain(domain) else {
            return Tenancy::Unknown;
        };
        if domain == self.base {
            return Tenancy::None;
        }
        let label = domain
            .strip_suffix(self.base.as_str())
            .and_then(|rest| rest.strip_suffix('.'))
            .filter(|label| !label.contains('.'));
        match label {
            None => Tenancy::Unknown,
            Some(label) if self.shared.contains(label) => Tenancy::None,
            Some(label) => self
                .tenants
                .tenant(label)
                .map_or(Tenancy::Unknown, Tenancy::Tenant),
        }
    }
}

impl ResolveTenant for TenantHosts {
    fn resolve(&self, request: &Request<'_>) -> Tenancy {
        // Rocket drops the user information of a `Host` (`user@host`) and keeps the first of several;
        // neither comes from a browser, so neither names a tenant.
        let mut raw = request.headers().get("Host");
        let first = raw.next();
        if raw.next().is_some() || first.is_some_and(|host| host.contains('@')) {
            return Tenancy::Unknown;
        }
        match request.host() {
            Some(host) => self.tenancy_of(host.domain().as_str()),
            None => Tenancy::Unknown,
        }
    }
}

/// `domain` in lower case without one trailing dot, if it is a domain name: dot-separated labels of
/// letters, digits and inner hyphens, at most 253 bytes. IP literals and anything percent-encoded are
/// not.
fn normalise_domain(domain: &str) -> Option<String> {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let valid = !domain.is_empty() && domain.len() <= 253 && domain.split('.').all(is_label);
    valid.then(|| domain.to_ascii_lowercase())
}

fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `label` in lower case; panics, naming `method`, when it is not one domain label.
fn normalise_label(label: &str, method: &str) -> String {
    assert!(
        is_label(label),
        "TenantHosts::{method}({label:?}): a subdomain label is letters, digits and inner hyphens, with no dot"
    );
    label.to_ascii_lowercase()
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
/// Use the library's resolvers, [`TenantPaths`] and
/// [`TenantHosts`]: they read the path as Rocket routes it and the `Host`
/// normalised, which hand-written comparisons of `request.uri().path()` text get wrong
/// (`//acme/reports` and `/%61cme/reports` reach the route of `/acme/reports`). Then take the
/// [`Tenant`] guard in handlers for the tenant that was checked.
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
    /// answer to every guard, the [`Tenant`] guard included.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> TenantHosts {
        TenantHosts::new("Example.App.")
            .tenant("Acme", "org_acme")
            .shared("www")
            .lookup(|label| (label == "globex").then(|| "org_globex".to_owned()))
    }

    #[test]
    fn a_host_is_matched_case_insensitively_without_its_trailing_dot() {
        for domain in ["acme.example.app", "ACME.EXAMPLE.APP", "acme.example.app."] {
            assert_eq!(
                hosts().tenancy_of(domain),
                Tenancy::Tenant(Tenant::new("acme", "org_acme")),
                "{domain}"
            );
        }
        assert_eq!(
            hosts().tenancy_of("GLOBEX.example.app"),
            Tenancy::Tenant(Tenant::new("globex", "org_globex")),
            "the look-up sees the label in lower case"
        );
    }

    #[test]
    fn the_base_domain_and_shared_labels_have_no_tenant() {
        for domain in ["example.app", "EXAMPLE.app.", "www.example.app"] {
            assert_eq!(hosts().tenancy_of(domain), Tenancy::None, "{domain}");
        }
    }

    #[test]
    fn anything_else_fails_closed() {
        for domain in [
            "evil.com",
            "acme.example.app.evil.com",
            "acmeexample.app",
            "x.acme.example.app",
            "acme..example.app",
            "acme.example.app..",
            ".acme.example.app",
            "acme%2eexample.app",
            "[::1]",
            "127.0.0.1",
            "-acme.example.app",
            "acme_.example.app",
            "initech.example.app",
            "",
            ".",
        ] {
            assert_eq!(hosts().tenancy_of(domain), Tenancy::Unknown, "{domain:?}");
        }
    }

    #[test]
    #[should_panic(expected = "a subdomain label is letters, digits and inner hyphens")]
    fn a_dotted_label_is_refused_when_configured() {
        let _ = TenantHosts::new("example.app").tenant("acme.example.app", "org_acme");
    }

    #[test]
    #[should_panic(expected = "non-empty and without `/`")]
    fn a_path_name_with_a_slash_is_refused_when_configured() {
        let _ = TenantPaths::new().tenant("/example-corp", "org_example");
    }
}

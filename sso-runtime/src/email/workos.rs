//! The default [`DomainResolver`]: WorkOS's Organizations API, with answers kept briefly.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rocket::{Orbit, Rocket};

use super::{DomainResolver, ResolveError};
use crate::client::{
    ApiErrorKind, OrganizationDomainState, TransportErrorKind, WorkosClient, WorkosError,
};

/// How long an answer is kept.
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(60);

/// How many domains are kept at most.
const CACHE_CAPACITY: usize = 1024;

/// Resolves a domain to the organizations that claim it, verified, in WorkOS.
///
/// Answers (including "no organization") are kept for [`CACHE_TTL`], at most [`CACHE_CAPACITY`] domains:
/// organizations change their domains rarely, so a minute's delay costs nothing, and the cache bounds
/// the WorkOS calls (and the rate limit they use up) that anyone can cause by posting the email form
/// many times with the same or unknown domains. Failures are not kept.
pub(crate) struct WorkosDomains {
    client: WorkosClient,
    answers: quick_cache::sync::Cache<String, (Instant, Arc<[String]>)>,
}

impl WorkosDomains {
    pub(crate) fn new(client: WorkosClient) -> Self {
        WorkosDomains {
            client,
            answers: quick_cache::sync::Cache::new(CACHE_CAPACITY),
        }
    }

    async fn ask_workos(&self, domain: &str) -> Result<Vec<String>, ResolveError> {
        let organizations = self
            .client
            .organizations_by_domain(domain)
            .await
            .map_err(resolve_error)?;
        // Only a verified claim proves the organization controls the domain (an absent state is
        // WorkOS not saying, as before domain verification existed).
        let mut ids: Vec<String> = organizations
            .into_iter()
            .filter(|org| {
                org.domains.iter().any(|claim| {
                    claim.domain.eq_ignore_ascii_case(domain)
                        && matches!(
                            claim.state,
                            None | Some(
                                OrganizationDomainState::Verified
                                    | OrganizationDomainState::LegacyVerified
                            )
                        )
                })
            })
            .map(|org| org.id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }
}

#[rocket::async_trait]
impl DomainResolver for WorkosDomains {
    async fn organizations(
        &self,
        domain: &str,
        _: &Rocket<Orbit>,
    ) -> Result<Vec<String>, ResolveError> {
        let now = Instant::now();
        if let Some((at, ids)) = self.answers.get(domain) {
            if now.duration_since(at) < CACHE_TTL {
                return Ok(ids.to_vec());
            }
        }
        let ids = self.ask_workos(domain).await?;
        self.answers
            .insert(domain.to_owned(), (now, Arc::from(ids.as_slice())));
        Ok(ids)
    }
}

/// WorkOS unreachable, overloaded or rate limiting: unavailable (503); anything else: failed (502).
fn resolve_error(error: WorkosError) -> ResolveError {
    let unavailable = matches!(
        error.api_kind(),
        Some(ApiErrorKind::RateLimited | ApiErrorKind::Server)
    ) || matches!(
        error.transport_kind(),
        Some(TransportErrorKind::Connect | TransportErrorKind::Timeout)
    );
    if unavailable {
        ResolveError::Unavailable(error.to_string())
    } else {
        ResolveError::Failed(error.to_string())
    }
}

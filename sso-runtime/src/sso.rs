//! The state the fairing builds at launch and every guard and route reads: the WorkOS client, the
//! settings, and one [`Flow`] per distinct login configuration.

use std::collections::{BTreeMap, BTreeSet};

use url::form_urlencoded::byte_serialize;
use url::Url;

use crate::client::WorkosClient;
use crate::handler::HandlerConfig;
use crate::session::Sessions;
use crate::settings::Settings;

/// Everything a login started by some handler needs: its configuration and where its callback lives.
#[derive(Debug)]
pub(crate) struct Flow {
    /// One of the handler configurations sharing this flow (they differ only in role and groups).
    pub(crate) config: &'static HandlerConfig,
    /// The effective `redirect_uri`: as written, or with `workos.redirect_origin` applied.
    pub(crate) redirect_uri: Url,
    /// Whether cookies for this flow are marked `Secure` (the callback is https).
    pub(crate) secure: bool,
}

impl Flow {
    /// The path the callback route is mounted at.
    pub(crate) fn callback_path(&self) -> &str {
        self.redirect_uri.path()
    }
}

/// Managed state: the wiring is attached when Rocket manages one of these.
pub(crate) struct Sso {
    pub(crate) client: WorkosClient,
    pub(crate) settings: Settings,
    /// By flow key.
    pub(crate) flows: BTreeMap<String, Flow>,
    /// Groups some handler requires; the session keeps them when a profile must be trimmed.
    pub(crate) required_groups: BTreeSet<&'static str>,
    /// The session key, and the sessions already opened, so that a signed-in user's requests skip
    /// decryption and decoding.
    pub(crate) sessions: Sessions,
    /// The embedded emulator, kept alive as long as the app.
    #[cfg(feature = "emulator")]
    pub(crate) emulator: Option<crate::emulator::Emulator>,
}

impl Sso {
    /// The login route's URL for flow `key`, returning to `return_to` afterwards.
    pub(crate) fn login_url(&self, key: &str, return_to: &str) -> String {
        let return_to: String = byte_serialize(return_to.as_bytes()).collect();
        format!(
            "{}?flow={key}&return_to={return_to}",
            self.settings.login_path
        )
    }

    /// The login URL for a plain `Profile` guard, which belongs to no handler: the flow that takes its
    /// identity provider from the query if there is one, else the first.
    pub(crate) fn default_login_url(&self, return_to: &str) -> String {
        let default = self
            .flows
            .iter()
            .find(|(_, flow)| flow.config.selector.is_none())
            .or_else(|| self.flows.iter().next());
        match default {
            Some((key, _)) => self.login_url(key, return_to),
            None => self.settings.login_path.clone(),
        }
    }

    /// The flows whose callback is mounted at `path`.
    pub(crate) fn flows_at<'a>(
        &'a self,
        path: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a Flow)> + 'a {
        self.flows
            .iter()
            .filter(move |(_, flow)| flow.callback_path() == path)
    }
}

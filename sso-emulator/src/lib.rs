//! A WorkOS-compatible SSO server, embedded in a test or a debug build (`Emulator::builder()`), or run
//! as the `workos-emulator` command for apps in any language. `rocket-workos-sso` embeds it for its
//! quickstart and its tests; it depends on no part of that library but the rules WorkOS applies to
//! redirect URIs, so it checks the library's client independently.
//!
//! It speaks WorkOS's standalone SSO API (`/sso/authorize`, `/sso/token`, `/sso/profile`,
//! `/connections`, `/organizations`, `/portal/generate_link`) and its Events API (`/events`, webhooks)
//! faithfully enough for the official SDKs, serves a Test Identity Provider page to pick a user, and lets
//! tests steer it: a test clock, fault injection, request and connection counters, and the Directory Sync
//! changes an identity provider makes (a person deprovisioned or removed, a connection deactivated…).
//!
//! | Endpoint | What it does |
//! |---|---|
//! | `GET /sso/authorize` | validates the request, shows the Test IdP (or auto-logs in), redirects with `code` + `state` |
//! | `POST /test-idp/sign-in` | the Test IdP's form: pick a user or cancel |
//! | `POST /sso/token` | JSON or form body; code exchange with client secret and/or PKCE S256 |
//! | `GET /sso/profile` | bearer access token → profile |
//! | `GET /connections`, `GET`/`DELETE /connections/{id}` | API key; paginated, filterable |
//! | `GET /organizations`, `GET /organizations/{id}` | API key; paginated, filterable by `domains` |
//! | `POST /portal/generate_link`, `GET`/`POST /portal/launch` | API key; a form that creates a connection |
//! | `GET /events` | API key; the event log, oldest first: `events`, `after`, `range_start`, `range_end`, `organization_id`, `limit` |
//! | `/__emulator/…` | control for tests written in other languages (below) |
//!
//! `/sso/authorize` accepts `nonce`, `domain_hint`, `prompt` and `provider_query_params` and ignores
//! them: there is no real IdP to forward them to, and the token response carries no ID token in which a
//! nonce could be echoed. `login_hint` is shown on the Test IdP page and, with auto-login, picks the user.
//!
//! Control endpoints: `GET /__emulator/stats`, `POST /__emulator/faults`
//! (`{"path", "times", "fault": {"kind": "status", "status": 503}}`), `POST /__emulator/clock`
//! (`{"advance_secs"}`), `POST /__emulator/reset`, `POST /__emulator/directory_users/deprovision`
//! (`{"email", "delete": false}`: answers the event) and `POST /__emulator/webhooks` (`{"url", "secret"}`).
//!
//! ## Directory Sync events and webhooks
//!
//! The default seed gives every organization with users a directory that provisions each of them, with
//! the same email and `idp_id` as their SSO profile. [`Emulator::deprovision_user`] simulates an IT admin
//! deactivating a person in the identity provider (`dsync.user.updated`, state `inactive`),
//! [`Emulator::delete_directory_user`] removing them (`dsync.user.deleted`); connections, directories and
//! organizations have theirs (`connection.deactivated`, `dsync.deleted`, `organization.deleted`). Every
//! event is logged for `GET /events` (IDs `event_` + ULID, increasing) and POSTed to each webhook
//! endpoint with WorkOS's `WorkOS-Signature: t=<unix ms>, v1=<hex HMAC-SHA256 of "<t>.<body>">`, tried
//! up to three times until it gets a 2xx, in the background.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use rocket_workos_sso_emulator::Emulator;
//!
//! let emulator = Emulator::builder()
//!     .webhook("http://127.0.0.1:8000/webhooks/workos", "whsec_local")
//!     .start()
//!     .await?;
//! let event_id = emulator.deprovision_user("bob@example.com")?;
//! // GET /events?events=dsync.user.updated lists it; the app's endpoint gets it signed.
//! assert_eq!(emulator.events()[0].id, event_id);
//! # Ok(()) }
//! ```
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use rocket_workos_sso_emulator::{AutoLogin, Emulator, EXAMPLE_ORG_ID};
//!
//! let emulator = Emulator::builder().auto_login(AutoLogin::FirstUser).start().await?;
//! let mut authorize = emulator.base_url().join("sso/authorize")?;
//! authorize
//!     .query_pairs_mut()
//!     .append_pair("client_id", emulator.client_id())
//!     .append_pair("redirect_uri", "http://localhost:8000/callback")
//!     .append_pair("response_type", "code")
//!     .append_pair("organization", EXAMPLE_ORG_ID)
//!     .append_pair("state", "xyz");
//! // A browser following `authorize` lands on
//! // http://localhost:8000/callback?code=…&state=xyz, signed in as alice@example.com.
//! # Ok(()) }
//! ```

mod authorize;
mod connections;
mod control;
mod directory;
mod event_list;
mod events;
mod faults;
mod handle;
mod handle_events;
mod ids;
mod lifecycle;
mod logout;
mod organizations;
mod pages;
mod paging;
mod params;
mod portal;
mod reply;
mod router;
mod seed;
mod server;
mod store;
mod token;
mod webhooks;
mod wire;
mod world;

pub use directory::{
    Directory, DirectoryUser, DIRECTORY_LINKED, DIRECTORY_USER_ACTIVE, DIRECTORY_USER_INACTIVE,
};
pub use events::Event;
pub use faults::Fault;
pub use handle::{
    AutoLogin, Emulator, EmulatorBuilder, EmulatorError, DEFAULT_API_KEY, DEFAULT_CLIENT_ID,
    DEFAULT_CODE_TTL, DEFAULT_REDIRECT_URIS,
};
pub use seed::{
    Connection, ConnectionState, Organization, Seed, User, AMBIGUOUS_ORG_ID, EXAMPLE_CONNECTION_ID,
    EXAMPLE_ORG_ID, GLOBEX_CONNECTION_ID, GLOBEX_ORG_ID, INACTIVE_CONNECTION_ID,
    INITECH_LABS_ORG_ID, UMBRELLA_ORG_ID,
};
pub use webhooks::{WebhookDelivery, WEBHOOK_ATTEMPTS};

/// Compiles the crate README's Rust blocks as doctests, so the README cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

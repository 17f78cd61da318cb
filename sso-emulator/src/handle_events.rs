//! The [`Emulator`] handle's Directory Sync side: what an identity provider or an administrator does
//! (each change emitting the event WorkOS emits), the event log, and the webhooks.

use std::time::{Duration, Instant};

use super::events::Event;
use super::handle::{Emulator, EmulatorError};
use super::lifecycle::Missing;
use super::store::State;
use super::webhooks::{Webhook, WebhookDelivery};

/// How often [`Emulator::wait_for_webhook_deliveries`] looks.
const POLL: Duration = Duration::from_millis(10);

impl Emulator {
    /// Simulates an IT admin deactivating the person with this email in the identity provider: their
    /// directory user (the first with this email, ignoring case) turns `inactive`, and
    /// `dsync.user.updated` is emitted, its data the directory user with
    /// `previous_attributes: {"state": "active"}`, as WorkOS nests it in the data (`{}` if the user was
    /// inactive already). Returns the event's ID.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), rocket_workos_sso_emulator::EmulatorError> {
    /// use rocket_workos_sso_emulator::{Emulator, EmulatorError};
    ///
    /// let emulator = Emulator::start_default().await?;
    /// let event_id = emulator.deprovision_user("bob@example.com")?;
    /// assert!(event_id.starts_with("event_"));
    /// assert!(matches!(
    ///     emulator.deprovision_user("nobody@example.com"),
    ///     Err(EmulatorError::NotFound { kind: "directory user", .. })
    /// ));
    /// # Ok(()) }
    /// ```
    pub fn deprovision_user(&self, email: &str) -> Result<String, EmulatorError> {
        self.emit(|state| state.deprovision_user(email))
    }

    /// Simulates an IT admin removing the person with this email from the identity provider: their
    /// directory user is deleted and `dsync.user.deleted` is emitted with it. Returns the event's ID.
    pub fn delete_directory_user(&self, email: &str) -> Result<String, EmulatorError> {
        self.emit(|state| state.delete_directory_user(email))
    }

    /// Deactivates a connection: it refuses logins from now on (`connection_unlinked`), and
    /// `connection.deactivated` is emitted with the connection (`id`, `organization_id`,
    /// `connection_type`, `state: "inactive"`…). Returns the event's ID.
    pub fn deactivate_connection(&self, connection_id: &str) -> Result<String, EmulatorError> {
        self.emit(|state| state.deactivate_connection(connection_id))
    }

    /// Deletes a directory and the people it provisions, emitting one `dsync.deleted` whose data is the
    /// directory in state `deleting` (WorkOS sends no `dsync.user.deleted` for its users). Returns the
    /// event's ID.
    pub fn delete_directory(&self, directory_id: &str) -> Result<String, EmulatorError> {
        self.emit(|state| state.delete_directory(directory_id))
    }

    /// Deletes an organization with its connections, their users, its directories and their users,
    /// emitting one `organization.deleted` with the organization. Returns the event's ID.
    pub fn delete_organization(&self, organization_id: &str) -> Result<String, EmulatorError> {
        self.emit(|state| state.delete_organization(organization_id))
    }

    /// The events emitted since the start (or the last reset), oldest first: what `GET /events` lists.
    /// `DELETE /connections/{id}` emits `connection.deleted` too.
    pub fn events(&self) -> Vec<Event> {
        self.shared.lock().session.log.events.clone()
    }

    /// Registers a webhook endpoint for the events emitted from now on, under the rules of
    /// [`EmulatorBuilder::webhook`](super::EmulatorBuilder::webhook). A reset forgets it.
    pub fn add_webhook(
        &self,
        url: impl Into<String>,
        secret: impl Into<String>,
    ) -> Result<(), EmulatorError> {
        let url = url.into();
        let webhook = Webhook::new(&url, &secret.into())
            .map_err(|reason| EmulatorError::InvalidWebhook { url, reason })?;
        self.shared.lock().settings.webhooks.push(webhook);
        Ok(())
    }

    /// The webhook deliveries that are over (delivered, or refused after every attempt), in the order
    /// they ended. Deliveries run in the background: see
    /// [`wait_for_webhook_deliveries`](Self::wait_for_webhook_deliveries).
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.shared.lock().session.deliveries.clone()
    }

    /// Waits until at least `count` webhook deliveries are over, or `timeout` passed, and returns them.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), rocket_workos_sso_emulator::EmulatorError> {
    /// use std::time::Duration;
    /// use rocket_workos_sso_emulator::Emulator;
    ///
    /// // Nothing listens on port 9 (discard): each attempt is refused, and the delivery gives up.
    /// let emulator = Emulator::builder().webhook("http://127.0.0.1:9/webhooks", "whsec_test").start().await?;
    /// emulator.deprovision_user("bob@example.com")?;
    /// let deliveries = emulator.wait_for_webhook_deliveries(1, Duration::from_secs(10)).await;
    /// assert_eq!((deliveries[0].attempts, deliveries[0].succeeded()), (3, false));
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_webhook_deliveries(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Vec<WebhookDelivery> {
        let deadline = Instant::now() + timeout;
        loop {
            let deliveries = self.webhook_deliveries();
            if deliveries.len() >= count || Instant::now() >= deadline {
                return deliveries;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Applies `change`, sends what it emitted to the webhooks, and returns the event's ID.
    fn emit(
        &self,
        change: impl FnOnce(&mut State) -> Result<Event, Missing>,
    ) -> Result<String, EmulatorError> {
        let emitted = change(&mut self.shared.lock());
        self.shared.dispatch();
        emitted
            .map(|event| event.id)
            .map_err(|Missing { kind, key }| EmulatorError::NotFound { kind, key })
    }
}

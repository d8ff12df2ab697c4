//! Sends alert notifications through the user's channels (desktop, webhooks, mail, chat bots),
//! honouring quiet hours, and manages the channels. The alert rules call
//! [`Api::alerts_notify`] for every notice the flapping guard lets through.

mod dispatch;
mod text;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use homeport_core::alerts::notify::{self, store, Channel, ChannelSettings, QuietHours, SecretField};
use homeport_core::alerts::{AlertNotice, NoticeKind, Severity};
use homeport_core::secrets::{Keychain, Secret};
use homeport_core::Error;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use dispatch::Outcome;

use crate::messages::Locale;
use crate::{Api, ApiResult, Language};

/// A channel as the settings screen shows it. Secrets never leave the keychain: the view only
/// lists which are set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NotifyChannelView {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub settings: ChannelSettings,
    pub secrets_set: Vec<SecretField>,
    /// Required secrets that are not set; the channel cannot send until they are.
    pub secrets_missing: Vec<SecretField>,
}

/// A new or changed secret. An empty value deletes it; a field left out stays as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NotifySecretInput {
    pub field: SecretField,
    pub value: String,
}

/// A channel to add (`id` empty) or change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NotifyChannelInput {
    pub id: Option<String>,
    pub name: String,
    pub enabled: bool,
    pub settings: ChannelSettings,
    pub secrets: Vec<NotifySecretInput>,
}

/// The result of a test message that the service accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NotifyTestView {
    /// The HTTP status, or the SMTP reply code for mail.
    pub status: u16,
    pub elapsed_ms: u32,
}

/// The tray menu's texts in the user's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayLabels {
    pub show: String,
    pub inbox: String,
    pub quit: String,
}

/// A notice for the desktop shell to show as a system notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopNotice {
    pub title: String,
    pub body: String,
    pub severity: Severity,
}

type DesktopSink = Arc<dyn Fn(DesktopNotice) + Send + Sync>;

/// Notifications being sent in the background, for [`Api::notify_drain`].
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Counts one background send while alive, so a send that panics or is cancelled still
/// leaves the count.
struct InFlight;

impl InFlight {
    fn start() -> Self {
        IN_FLIGHT.fetch_add(1, Ordering::AcqRel);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The desktop shell's notification function, set once at start-up. The CLI sets none.
static DESKTOP_SINK: OnceLock<DesktopSink> = OnceLock::new();

impl Api {
    /// Sends `notice` through every enabled channel, or holds it during quiet hours (P0 is never
    /// held). Opened and reminder notices also go to the desktop. Channels are sent to in a
    /// background task, so this returns at once; failures are logged per channel.
    pub async fn alerts_notify(&self, notice: &AlertNotice) {
        if is_silenced(&notice.alert) {
            tracing::debug!(alert_id = %notice.alert.id, "alert is silenced; no notification");
            return;
        }
        let locale = self.notify_locale().await;
        let message = text::notice_message(notice, locale);
        let store = self.hosts.store().clone();
        let minute = notify::local_minute_of_day();

        let held = match store::quiet_hours(&store).await {
            Ok(quiet) => quiet.holds(message.severity, minute),
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the quiet hours; sending anyway");
                false
            }
        };
        if !held && matches!(notice.kind, NoticeKind::Opened | NoticeKind::Reminder) {
            if let Some(sink) = DESKTOP_SINK.get() {
                let desktop = DesktopNotice {
                    title: message.title.clone(),
                    body: message.body.clone(),
                    severity: message.severity,
                };
                // The OS notification call may block on D-Bus, so it stays off the async threads.
                let sink = Arc::clone(sink);
                tokio::task::spawn_blocking(move || sink(desktop));
            }
        }

        let alert_id = notice.alert.id.clone();
        let in_flight = InFlight::start();
        tokio::spawn(async move {
            let _in_flight = in_flight;
            let summary = move |held: &[notify::Message]| text::summary_message(held, locale);
            if let Err(err) = dispatch::dispatch(&store, message, minute, summary).await {
                tracing::warn!(alert_id, error = %err, "alert notification failed");
            }
        });
    }

    /// Waits until the notifications sent in the background are done, at most `timeout`. A
    /// short-lived process (the CLI) calls it before exiting, so it does not drop them.
    pub async fn notify_drain(&self, timeout: std::time::Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        while IN_FLIGHT.load(Ordering::Acquire) > 0 {
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(
                    pending = IN_FLIGHT.load(Ordering::Acquire),
                    "notifications still being sent at exit"
                );
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Sends `notice` like [`Api::alerts_notify`] but waits for every channel and returns what
    /// happened, without the desktop. For tests and measurements.
    pub async fn alerts_notify_wait(&self, notice: &AlertNotice, minute_of_day: u16) -> ApiResult<Outcome> {
        let locale = self.notify_locale().await;
        let message = text::notice_message(notice, locale);
        let summary = move |held: &[notify::Message]| text::summary_message(held, locale);
        Ok(dispatch::dispatch(self.hosts.store(), message, minute_of_day, summary).await?)
    }

    /// Sends the summary of notifications held during quiet hours when the quiet hours are
    /// over at `minute_of_day` (local time); returns how many it covered. The desktop app calls
    /// this every minute.
    pub async fn notify_flush_held(&self, minute_of_day: u16) -> ApiResult<u32> {
        let store = self.hosts.store();
        if store::quiet_hours(store).await?.contains(minute_of_day) {
            return Ok(0);
        }
        let locale = self.notify_locale().await;
        let count = dispatch::flush_held(store, |held| text::summary_message(held, locale)).await?;
        Ok(count as u32)
    }

    /// Sets the function that shows desktop notifications. Only the first call takes effect.
    pub fn set_desktop_notifier(sink: impl Fn(DesktopNotice) + Send + Sync + 'static) {
        if DESKTOP_SINK.set(Arc::new(sink)).is_err() {
            tracing::debug!("the desktop notifier was already set");
        }
    }

    /// Lists the channels.
    pub async fn notify_channels(&self) -> ApiResult<Vec<NotifyChannelView>> {
        let channels = store::channels(self.hosts.store()).await?;
        Ok(channels.into_iter().map(channel_view).collect())
    }

    /// Adds or changes a channel and writes its secrets to the keychain.
    pub async fn notify_channel_save(&self, input: NotifyChannelInput) -> ApiResult<NotifyChannelView> {
        let name = input.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(Error::InvalidInput {
                field: "name",
                value: name,
                reason: "enter a name of 1 to 80 characters".to_string(),
            }
            .into());
        }
        let settings = input.settings.validated()?;
        let store = self.hosts.store();
        let existing = match input.id.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => Some(store::channel(store, id).await?),
            None => None,
        };
        let id = existing
            .as_ref()
            .map(|channel| channel.id.clone())
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let kind = settings.kind();
        // A changed kind keeps none of the old secrets.
        let previous = match &existing {
            Some(channel) if channel.settings.kind() == kind => channel.secrets_set.clone(),
            Some(channel) => {
                let (old_id, old_kind) = (channel.id.clone(), channel.settings.kind());
                run_blocking(move || notify::delete_secrets(&Keychain, &old_id, old_kind)).await?;
                Vec::new()
            }
            None => Vec::new(),
        };
        let updates: Vec<(SecretField, Secret)> = input
            .secrets
            .into_iter()
            .map(|secret| (secret.field, Secret::new(secret.value)))
            .collect();
        let keychain_id = id.clone();
        let secrets_set =
            run_blocking(move || notify::store_secrets(&Keychain, &keychain_id, kind, &previous, &updates)).await?;

        let channel = Channel {
            id,
            name,
            enabled: input.enabled,
            settings,
            secrets_set,
        };
        store::save_channel(store, &channel).await?;
        tracing::info!(channel_id = %channel.id, kind = kind.as_str(), "notification channel saved");
        Ok(channel_view(channel))
    }

    /// Removes a channel and its keychain entries.
    pub async fn notify_channel_remove(&self, id: &str) -> ApiResult<()> {
        let channel = store::channel(self.hosts.store(), id).await?;
        let (channel_id, kind) = (channel.id.clone(), channel.settings.kind());
        run_blocking(move || notify::delete_secrets(&Keychain, &channel_id, kind)).await?;
        store::delete_channel(self.hosts.store(), id).await?;
        tracing::info!(channel_id = id, "notification channel removed");
        Ok(())
    }

    /// Sends a test message through one channel, enabled or not, and reports the status.
    pub async fn notify_channel_test(&self, id: &str) -> ApiResult<NotifyTestView> {
        let channel = store::channel(self.hosts.store(), id).await?;
        let locale = self.notify_locale().await;
        let message = text::test_message(&channel.name, locale);
        let delivery = dispatch::send_one(&channel, &message).await?;
        tracing::info!(channel_id = id, status = delivery.status, "test notification sent");
        Ok(NotifyTestView {
            status: delivery.status,
            elapsed_ms: delivery.elapsed_ms.min(u64::from(u32::MAX)) as u32,
        })
    }

    /// Returns the quiet hours.
    pub async fn notify_quiet_hours(&self) -> ApiResult<QuietHours> {
        Ok(store::quiet_hours(self.hosts.store()).await?)
    }

    /// Saves the quiet hours and returns them as stored.
    pub async fn notify_quiet_hours_set(&self, hours: QuietHours) -> ApiResult<QuietHours> {
        let hours = hours.validated()?;
        store::set_quiet_hours(self.hosts.store(), &hours).await?;
        Ok(hours)
    }

    /// Returns how many notifications wait for the end of quiet hours.
    pub async fn notify_held_count(&self) -> ApiResult<u32> {
        Ok(store::held_count(self.hosts.store()).await?)
    }

    /// Returns the number of alerts that are not resolved, for the tray.
    pub async fn alerts_open_count(&self) -> ApiResult<u32> {
        Ok(store::open_alert_count(self.hosts.store()).await?)
    }

    /// Returns the tray menu's texts.
    pub async fn notify_tray_labels(&self) -> TrayLabels {
        let locale = self.notify_locale().await;
        TrayLabels {
            show: text::render(locale, "tray.show", &[]),
            inbox: text::render(locale, "tray.inbox", &[]),
            quit: text::render(locale, "tray.quit", &[]),
        }
    }

    /// Returns the tray tooltip for `open` open alerts.
    pub async fn notify_tray_tooltip(&self, open: u32) -> String {
        let locale = self.notify_locale().await;
        text::render(locale, "tray.tooltip", &[("count", &open.to_string())])
    }

    /// Picks the message language from the app's language setting.
    async fn notify_locale(&self) -> Locale {
        let language = match self.settings_get().await {
            Ok(settings) => settings.language,
            Err(err) => {
                tracing::debug!(error = %err.message, "cannot read the language setting");
                Language::System
            }
        };
        match language {
            Language::En => Locale::En,
            Language::ZhCn => Locale::ZhCn,
            Language::System => Locale::from_environment(),
        }
    }
}

/// Returns whether the alert is silenced now. An unreadable time counts as not silenced, so a
/// damaged row never hides an alert.
fn is_silenced(alert: &homeport_core::alerts::Alert) -> bool {
    let Some(until) = alert.silenced_until.as_deref() else {
        return false;
    };
    time::OffsetDateTime::parse(until, &time::format_description::well_known::Rfc3339)
        .is_ok_and(|until| until > time::OffsetDateTime::now_utc())
}

fn channel_view(channel: Channel) -> NotifyChannelView {
    let secrets_missing = notify::missing_secrets(channel.settings.kind(), &channel.secrets_set);
    NotifyChannelView {
        id: channel.id,
        name: channel.name,
        enabled: channel.enabled,
        settings: channel.settings,
        secrets_set: channel.secrets_set,
        secrets_missing,
    }
}

async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> homeport_core::Result<T> + Send + 'static,
) -> homeport_core::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| Error::Internal(format!("the keychain task failed: {err}")))?
}

//! Sends one message through every enabled channel, or holds it during quiet hours, and sends
//! the summary of held messages once quiet hours are over.

use std::time::Duration;

use futures_util::future::join_all;
use homeport_core::alerts::notify::{self, store, Channel, Delivery, Message};
use homeport_core::secrets::Keychain;
use homeport_core::store::Store;
use homeport_core::{Error, Result};

/// The maximum time one channel may take, keychain read included. HTTP requests stop after
/// 10 s and SMTP commands after 10 s each, so this caps a slow mail exchange as a whole.
const CHANNEL_DEADLINE: Duration = Duration::from_secs(30);

/// What happened to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Held until quiet hours end.
    Held,
    /// Sent: the result of each enabled channel, by channel id.
    Sent(Vec<(String, std::result::Result<u16, String>)>),
}

/// Holds `message` when quiet hours hold it at `minute_of_day`; otherwise sends any held
/// summary first and then `message` to every enabled channel.
pub async fn dispatch(
    store: &Store,
    message: Message,
    minute_of_day: u16,
    summary: impl FnOnce(&[Message]) -> Message,
) -> Result<Outcome> {
    let quiet = store::quiet_hours(store).await?;
    if quiet.holds(message.severity, minute_of_day) {
        store::hold(store, &message).await?;
        tracing::info!(
            alert_id = message.alert_id.as_deref().unwrap_or(""),
            severity = message.severity.as_str(),
            "notification held for quiet hours"
        );
        return Ok(Outcome::Held);
    }
    if !quiet.contains(minute_of_day) {
        flush_held(store, summary).await?;
    }
    Ok(Outcome::Sent(send_all(store, &message).await?))
}

/// Sends the summary of held messages when there are any; returns how many it covered.
pub async fn flush_held(store: &Store, summary: impl FnOnce(&[Message]) -> Message) -> Result<usize> {
    let held = store::take_held(store).await?;
    if held.is_empty() {
        return Ok(0);
    }
    let message = summary(&held);
    send_all(store, &message).await?;
    tracing::info!(
        count = held.len(),
        "quiet hours ended: summary of held notifications sent"
    );
    Ok(held.len())
}

/// Sends `message` to every enabled channel at once and logs each result.
pub async fn send_all(store: &Store, message: &Message) -> Result<Vec<(String, std::result::Result<u16, String>)>> {
    let channels: Vec<Channel> = store::channels(store)
        .await?
        .into_iter()
        .filter(|channel| channel.enabled)
        .collect();
    let sends = channels.iter().map(|channel| async move {
        let result = match tokio::time::timeout(CHANNEL_DEADLINE, send_one(channel, message)).await {
            Ok(result) => result,
            Err(_) => Err(notify::notify_failed(
                channel,
                None,
                format!("no result within {} seconds", CHANNEL_DEADLINE.as_secs()),
            )),
        };
        match &result {
            Ok(delivery) => tracing::info!(
                channel_id = %channel.id,
                kind = channel.settings.kind().as_str(),
                alert_id = message.alert_id.as_deref().unwrap_or(""),
                status = delivery.status,
                elapsed_ms = delivery.elapsed_ms,
                "notification sent"
            ),
            Err(err) => tracing::warn!(
                channel_id = %channel.id,
                kind = channel.settings.kind().as_str(),
                alert_id = message.alert_id.as_deref().unwrap_or(""),
                error = %err,
                "notification failed"
            ),
        }
        (
            channel.id.clone(),
            result.map(|delivery| delivery.status).map_err(|err| err.to_string()),
        )
    });
    Ok(join_all(sends).await)
}

/// Loads the channel's secrets from the keychain and sends `message`.
pub async fn send_one(channel: &Channel, message: &Message) -> Result<Delivery> {
    let for_keychain = channel.clone();
    let secrets = tokio::task::spawn_blocking(move || notify::load_secrets(&Keychain, &for_keychain))
        .await
        .map_err(|err| Error::Internal(format!("the keychain task failed: {err}")))??;
    notify::send(channel, &secrets, message).await
}

//! Notification channels: ntfy, Gotify, a generic JSON webhook, SMTP mail, Telegram and the
//! DingTalk, WeCom and Feishu group bots, plus quiet hours.
//!
//! A channel's non-secret settings are stored in SQLite. Its secrets (tokens, webhook URLs
//! that contain keys, signing secrets, the SMTP password) are stored only in the OS keychain. The API
//! layer renders each [`Message`] in the user's language and calls [`send`] per channel.

mod channel;
mod http;
mod message;
mod providers;
mod quiet;
mod sign;
mod smtp;
pub mod store;

use std::time::Instant;

pub use channel::{Channel, ChannelKind, ChannelSettings, SecretField, SmtpSecurity, TELEGRAM_API_URL};
pub use http::REQUEST_TIMEOUT;
pub use message::Message;
pub use providers::{webhook_body, ChannelSecrets, SignTime};
pub use quiet::{local_minute_of_day, QuietHours};

use crate::error::{Error, Result};
use crate::secrets::{Keychain, Secret, SecretKey};

/// The outcome of one accepted message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// The HTTP status, or the SMTP reply code for mail.
    pub status: u16,
    pub elapsed_ms: u64,
}

/// Sends `message` through `channel`, within [`REQUEST_TIMEOUT`] for HTTP services and the SMTP
/// command timeout for mail. Fails with [`Error::NotifyFailed`] naming the channel, with the
/// status when the server answered.
pub async fn send(channel: &Channel, secrets: &ChannelSecrets, message: &Message) -> Result<Delivery> {
    let started = Instant::now();
    let status = match &channel.settings {
        ChannelSettings::Smtp {
            host,
            port,
            security,
            username,
            from,
            to,
        } => {
            let target = smtp::SmtpTarget {
                host,
                port: *port,
                security: *security,
                username,
                password: secrets.get(&SecretField::Password),
                from,
                to,
            };
            smtp::send(&target, message)
                .await
                .map_err(|(status, detail)| notify_failed(channel, status, detail))?
        }
        settings => {
            let request = providers::request(settings, secrets, message, SignTime::now())
                .map_err(|detail| notify_failed(channel, None, detail))?;
            let reply = http::post(request)
                .await
                .map_err(|detail| notify_failed(channel, None, detail))?;
            if let Some(detail) = providers::rejection(settings, &reply) {
                return Err(notify_failed(channel, Some(reply.status), detail));
            }
            reply.status
        }
    };
    Ok(Delivery {
        status,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

/// Builds [`Error::NotifyFailed`] for `channel`.
pub fn notify_failed(channel: &Channel, status: Option<u16>, detail: String) -> Error {
    Error::NotifyFailed {
        channel: channel.name.clone(),
        status,
        detail,
    }
}

/// Reads the channel's secrets from the keychain. Blocks: call it from a blocking task.
pub fn load_secrets(keychain: &Keychain, channel: &Channel) -> Result<ChannelSecrets> {
    let mut secrets = ChannelSecrets::new();
    for (field, _) in channel.settings.kind().secret_fields() {
        if let Some(value) = keychain.load(&SecretKey::notify_channel(&channel.id, field.as_str()))? {
            secrets.insert(*field, value);
        }
    }
    Ok(secrets)
}

/// Writes the given secrets (an empty value deletes the entry) and returns the fields that
/// are set afterwards, for [`Channel::secrets_set`]. Blocks: call it from a blocking task.
pub fn store_secrets(
    keychain: &Keychain,
    channel_id: &str,
    kind: ChannelKind,
    previous: &[SecretField],
    updates: &[(SecretField, Secret)],
) -> Result<Vec<SecretField>> {
    let mut set: Vec<SecretField> = previous.to_vec();
    for (field, value) in updates {
        if !kind.secret_fields().iter().any(|(allowed, _)| allowed == field) {
            return Err(Error::InvalidInput {
                field: "secrets",
                value: field.as_str().to_string(),
                reason: format!("a {} channel has no such secret", kind.as_str()),
            });
        }
        let key = SecretKey::notify_channel(channel_id, field.as_str());
        if value.expose().trim().is_empty() {
            keychain.delete(&key)?;
            set.retain(|existing| existing != field);
        } else {
            keychain.store(&key, &Secret::new(value.expose().trim()))?;
            if !set.contains(field) {
                set.push(*field);
            }
        }
    }
    set.sort();
    Ok(set)
}

/// Deletes every keychain entry a channel of `kind` may have. Blocks.
pub fn delete_secrets(keychain: &Keychain, channel_id: &str, kind: ChannelKind) -> Result<()> {
    for (field, _) in kind.secret_fields() {
        keychain.delete(&SecretKey::notify_channel(channel_id, field.as_str()))?;
    }
    Ok(())
}

/// Returns the required secrets of `kind` missing from `set`.
pub fn missing_secrets(kind: ChannelKind, set: &[SecretField]) -> Vec<SecretField> {
    kind.secret_fields()
        .iter()
        .filter(|(field, required)| *required && !set.contains(field))
        .map(|(field, _)| *field)
        .collect()
}

//! Channels, quiet hours and held notices in SQLite (migration 0010). Secrets are not here:
//! `Notifier` keeps them in the keychain.

use sqlx::Row;

use super::channel::{Channel, ChannelKind, ChannelSettings, SecretField};
use super::message::Message;
use super::quiet::QuietHours;
use crate::error::{Error, Result};
use crate::store::{now_rfc3339, Store};

/// The `settings` key of the quiet hours, stored as JSON.
const QUIET_HOURS_KEY: &str = "notify.quietHours";

/// Inserts or replaces a channel. `settings` must be validated already.
pub async fn save_channel(store: &Store, channel: &Channel) -> Result<()> {
    let settings = serde_json::to_string(&channel.settings).map_err(|err| Error::Internal(err.to_string()))?;
    let secrets_set = serde_json::to_string(&channel.secrets_set).map_err(|err| Error::Internal(err.to_string()))?;
    sqlx::query(
        "INSERT INTO notify_channels (id, name, kind, enabled, settings, secrets_set, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind, enabled = excluded.enabled,
             settings = excluded.settings, secrets_set = excluded.secrets_set",
    )
    .bind(&channel.id)
    .bind(&channel.name)
    .bind(channel.settings.kind().as_str())
    .bind(channel.enabled)
    .bind(settings)
    .bind(secrets_set)
    .bind(now_rfc3339())
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Returns every channel, oldest first.
pub async fn channels(store: &Store) -> Result<Vec<Channel>> {
    let rows = sqlx::query(
        "SELECT id, name, kind, enabled, settings, secrets_set FROM notify_channels ORDER BY created_at, id",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(channel_from_row).collect()
}

/// Returns the channel with `id`, or [`Error::NotifyChannelNotFound`].
pub async fn channel(store: &Store, id: &str) -> Result<Channel> {
    let row = sqlx::query("SELECT id, name, kind, enabled, settings, secrets_set FROM notify_channels WHERE id = ?")
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    match row {
        Some(row) => channel_from_row(&row),
        None => Err(Error::NotifyChannelNotFound(id.to_string())),
    }
}

/// Deletes a channel row; returns whether it existed.
pub async fn delete_channel(store: &Store, id: &str) -> Result<bool> {
    let deleted = sqlx::query("DELETE FROM notify_channels WHERE id = ?")
        .bind(id)
        .execute(store.pool())
        .await?;
    Ok(deleted.rows_affected() > 0)
}

fn channel_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Channel> {
    let kind = ChannelKind::parse(row.get::<&str, _>("kind"))?;
    let settings: ChannelSettings = serde_json::from_str(row.get("settings")).map_err(|err| {
        Error::Storage(format!(
            "notify_channels.settings of a {} channel is not valid: {err}",
            kind.as_str()
        ))
    })?;
    let secrets_set: Vec<SecretField> = serde_json::from_str(row.get("secrets_set"))
        .map_err(|err| Error::Storage(format!("notify_channels.secrets_set is not valid: {err}")))?;
    Ok(Channel {
        id: row.get("id"),
        name: row.get("name"),
        enabled: row.get("enabled"),
        settings,
        secrets_set,
    })
}

/// Returns the quiet hours, disabled by default.
pub async fn quiet_hours(store: &Store) -> Result<QuietHours> {
    match store.setting(QUIET_HOURS_KEY).await? {
        Some(text) => serde_json::from_str(&text)
            .map_err(|err| Error::Storage(format!("the stored quiet hours are not valid: {err}"))),
        None => Ok(QuietHours::default()),
    }
}

/// Saves the quiet hours, which must be validated already.
pub async fn set_quiet_hours(store: &Store, hours: &QuietHours) -> Result<()> {
    let text = serde_json::to_string(hours).map_err(|err| Error::Internal(err.to_string()))?;
    store.set_setting(QUIET_HOURS_KEY, &text).await
}

/// Keeps `message` until the quiet hours end.
pub async fn hold(store: &Store, message: &Message) -> Result<()> {
    let text = serde_json::to_string(message).map_err(|err| Error::Internal(err.to_string()))?;
    sqlx::query("INSERT INTO notify_held (held_at, message) VALUES (?, ?)")
        .bind(now_rfc3339())
        .bind(text)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Removes and returns every held message, oldest first, in one transaction, so two callers
/// never send the same summary.
pub async fn take_held(store: &Store) -> Result<Vec<Message>> {
    let mut tx = store.pool().begin().await?;
    let rows: Vec<(String,)> = sqlx::query_as("SELECT message FROM notify_held ORDER BY id")
        .fetch_all(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM notify_held").execute(&mut *tx).await?;
    tx.commit().await?;
    rows.into_iter()
        .map(|(text,)| {
            serde_json::from_str(&text)
                .map_err(|err| Error::Storage(format!("a held notification is not valid: {err}")))
        })
        .collect()
}

/// Returns how many messages are held.
pub async fn held_count(store: &Store) -> Result<u32> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notify_held")
        .fetch_one(store.pool())
        .await?;
    Ok(count as u32)
}

/// Returns how many alerts are firing or acknowledged.
pub async fn open_alert_count(store: &Store) -> Result<u32> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM alerts WHERE state <> 'resolved'")
        .fetch_one(store.pool())
        .await?;
    Ok(count as u32)
}

//! The Alertmanager servers the user configured, in `alertmanager_sources` (migration 0010).

use sqlx::Row;

use crate::error::{Error, Result};
use crate::monitoring::prometheus::Endpoint;
use crate::store::{now_rfc3339, Store};

/// The `source` of alerts pulled from Alertmanager.
pub const ALERTMANAGER_SOURCE: &str = "alertmanager";

/// One Alertmanager server: global (`host_id` empty) or a host's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerSource {
    /// Empty for a new source.
    pub id: String,
    pub host_id: Option<String>,
    /// The base URL, such as `http://127.0.0.1:9093`.
    pub url: String,
    /// Whether the host's SSH connection opens the connection (only for a host's source).
    pub through_ssh: bool,
}

impl AlertmanagerSource {
    /// Checks the URL (as the Prometheus source does) and that a source through SSH has a host.
    pub fn validated(&self) -> Result<Self> {
        let endpoint = Endpoint::parse(&self.url, self.through_ssh)?;
        let host_id = self.host_id.clone().filter(|id| !id.is_empty());
        if self.through_ssh && host_id.is_none() {
            return Err(Error::invalid(
                "throughSsh",
                "true",
                "only a host's Alertmanager can be reached through its SSH connection",
            ));
        }
        Ok(Self {
            id: self.id.clone(),
            host_id,
            url: endpoint.as_str().to_string(),
            through_ssh: self.through_ssh,
        })
    }
}

/// Stores a validated source, replacing the one of the same host (or the global one).
pub async fn save(store: &Store, source: &AlertmanagerSource) -> Result<AlertmanagerSource> {
    let mut saved = source.clone();
    let existing: Option<String> =
        sqlx::query_scalar("SELECT id FROM alertmanager_sources WHERE COALESCE(host_id, '') = COALESCE(?, '')")
            .bind(&saved.host_id)
            .fetch_optional(store.pool())
            .await?;
    saved.id = existing.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let result = sqlx::query(
        "INSERT INTO alertmanager_sources (id, host_id, url, through_ssh, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET url = excluded.url, through_ssh = excluded.through_ssh",
    )
    .bind(&saved.id)
    .bind(&saved.host_id)
    .bind(&saved.url)
    .bind(saved.through_ssh)
    .bind(now_rfc3339())
    .execute(store.pool())
    .await;
    match result {
        Err(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
            Err(Error::HostNotFound(saved.host_id.clone().unwrap_or_default()))
        }
        other => {
            other?;
            Ok(saved)
        }
    }
}

/// Returns every source.
pub async fn list(store: &Store) -> Result<Vec<AlertmanagerSource>> {
    let rows = sqlx::query("SELECT id, host_id, url, through_ssh FROM alertmanager_sources ORDER BY created_at, id")
        .fetch_all(store.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|row| AlertmanagerSource {
            id: row.get("id"),
            host_id: row.get("host_id"),
            url: row.get("url"),
            through_ssh: row.get("through_ssh"),
        })
        .collect())
}

/// Returns one source, or `None`.
pub async fn get(store: &Store, id: &str) -> Result<Option<AlertmanagerSource>> {
    Ok(list(store).await?.into_iter().find(|source| source.id == id))
}

/// Deletes a source; returns whether it existed. Its open alerts stay until resolved by hand.
pub async fn remove(store: &Store, id: &str) -> Result<bool> {
    let deleted = sqlx::query("DELETE FROM alertmanager_sources WHERE id = ?")
        .bind(id)
        .execute(store.pool())
        .await?;
    Ok(deleted.rows_affected() > 0)
}

//! Each host's optional Prometheus source, in the `metric_sources` table (migration 0007).
//!
//! Only the URL is stored. Homeport sends no credentials to Prometheus, so a source behind
//! basic auth or a bearer token cannot be used. Reaching it through the host's SSH connection
//! is the supported way to read a Prometheus that must not be exposed.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::monitoring::prometheus::{Endpoint, PrometheusClient};
use crate::ssh::SshSession;
use crate::store::{now_rfc3339, Store};

const KIND_PROMETHEUS: &str = "prometheus";

/// The origin of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceOrigin {
    /// Set in the host's settings.
    User,
    /// Registered by a deploy of the monitoring template.
    Template,
}

impl SourceOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceOrigin::User => "user",
            SourceOrigin::Template => "template",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "user" => Ok(SourceOrigin::User),
            "template" => Ok(SourceOrigin::Template),
            other => Err(Error::Storage(format!(
                "metric_sources.added_by has the unknown value '{other}'"
            ))),
        }
    }
}

/// A host's Prometheus source as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrometheusSource {
    pub host_id: String,
    /// The base URL, without a trailing slash.
    pub url: String,
    /// Whether the host's SSH connection opens the connection to `url`.
    pub through_ssh: bool,
    pub origin: SourceOrigin,
    /// RFC 3339 time it was set.
    pub added_at: String,
}

impl PrometheusSource {
    /// Builds the client for this source. A source through SSH needs the host's session.
    pub fn client(&self, session: Option<Arc<SshSession>>) -> Result<PrometheusClient> {
        match (self.through_ssh, session) {
            (false, _) => PrometheusClient::direct(&self.url),
            (true, Some(session)) => PrometheusClient::through_ssh(&self.url, session),
            (true, None) => Err(Error::Internal(
                "a Prometheus source reached through SSH needs the host's SSH session".to_string(),
            )),
        }
    }
}

/// Stores `url` as the Prometheus source of host `host_id`, replacing any earlier one, and
/// returns it. The URL is checked and normalized (see [`Endpoint::parse`]). Fails with
/// [`Error::HostNotFound`] when no host has that id.
pub async fn set_prometheus(
    store: &Store,
    host_id: &str,
    url: &str,
    through_ssh: bool,
    origin: SourceOrigin,
) -> Result<PrometheusSource> {
    let endpoint = Endpoint::parse(url, through_ssh)?;
    let source = PrometheusSource {
        host_id: host_id.to_string(),
        url: endpoint.as_str().to_string(),
        through_ssh,
        origin,
        added_at: now_rfc3339(),
    };
    let saved = sqlx::query(
        "INSERT INTO metric_sources (host_id, kind, url, through_ssh, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(host_id, kind) DO UPDATE SET url = excluded.url, through_ssh = excluded.through_ssh,
             added_by = excluded.added_by, added_at = excluded.added_at",
    )
    .bind(host_id)
    .bind(KIND_PROMETHEUS)
    .bind(&source.url)
    .bind(through_ssh)
    .bind(origin.as_str())
    .bind(&source.added_at)
    .execute(store.pool())
    .await;
    match saved {
        Err(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
            return Err(Error::HostNotFound(host_id.to_string()));
        }
        other => other?,
    };
    tracing::info!(host_id, url = %source.url, through_ssh, origin = origin.as_str(), "Prometheus source set");
    Ok(source)
}

/// Returns host `host_id`'s Prometheus source, or `None` when it has none.
pub async fn prometheus(store: &Store, host_id: &str) -> Result<Option<PrometheusSource>> {
    let row: Option<(String, bool, String, String)> = sqlx::query_as(
        "SELECT url, through_ssh, added_by, added_at FROM metric_sources WHERE host_id = ? AND kind = ?",
    )
    .bind(host_id)
    .bind(KIND_PROMETHEUS)
    .fetch_optional(store.pool())
    .await?;
    let Some((url, through_ssh, added_by, added_at)) = row else {
        return Ok(None);
    };
    Ok(Some(PrometheusSource {
        host_id: host_id.to_string(),
        url,
        through_ssh,
        origin: SourceOrigin::parse(&added_by)?,
        added_at,
    }))
}

/// Removes host `host_id`'s Prometheus source and returns whether it had one.
pub async fn remove_prometheus(store: &Store, host_id: &str) -> Result<bool> {
    let deleted = sqlx::query("DELETE FROM metric_sources WHERE host_id = ? AND kind = ?")
        .bind(host_id)
        .bind(KIND_PROMETHEUS)
        .execute(store.pool())
        .await?;
    let removed = deleted.rows_affected() > 0;
    if removed {
        tracing::info!(host_id, "Prometheus source removed");
    }
    Ok(removed)
}

/// Registers the Prometheus of a monitoring template deployed to host `host_id`: reached
/// through SSH at `127.0.0.1:port`, where the template publishes it. A source the user set is
/// kept, because the user chose it; an earlier template source is replaced. Returns the
/// source now in effect.
pub async fn register_template_prometheus(store: &Store, host_id: &str, port: u16) -> Result<PrometheusSource> {
    if let Some(existing) = prometheus(store, host_id).await? {
        if existing.origin == SourceOrigin::User {
            tracing::info!(host_id, url = %existing.url, "kept the user's Prometheus source after a monitoring deploy");
            return Ok(existing);
        }
    }
    set_prometheus(
        store,
        host_id,
        &format!("http://127.0.0.1:{port}"),
        true,
        SourceOrigin::Template,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{AuthMethod, HostDraft};
    use crate::store::TrustedKey;
    use crate::ErrorCode;

    async fn store_with_host(id: &str) -> Store {
        let store = Store::open_in_memory().await.unwrap();
        let spec = HostDraft {
            name: "nas".into(),
            address: "192.0.2.1".into(),
            port: 22,
            user: "admin".into(),
            auth: Some(AuthMethod::Agent),
            ..HostDraft::default()
        }
        .validate()
        .unwrap();
        let key = TrustedKey {
            algorithm: "ssh-ed25519".into(),
            fingerprint: "SHA256:abc".into(),
            public_key: "ssh-ed25519 AAAA".into(),
        };
        store.insert_host(id, &spec, false, &key).await.unwrap();
        store
    }

    #[tokio::test]
    async fn source_set_get_remove() {
        let store = store_with_host("h1").await;
        assert_eq!(prometheus(&store, "h1").await.unwrap(), None);

        let set = set_prometheus(&store, "h1", "https://prom.example.org/", false, SourceOrigin::User)
            .await
            .unwrap();
        assert_eq!(set.url, "https://prom.example.org");
        let read = prometheus(&store, "h1").await.unwrap().unwrap();
        assert_eq!(read, set);

        let replaced = set_prometheus(&store, "h1", "http://127.0.0.1:9091", true, SourceOrigin::User)
            .await
            .unwrap();
        assert!(replaced.through_ssh);
        assert_eq!(
            prometheus(&store, "h1").await.unwrap().unwrap().url,
            "http://127.0.0.1:9091"
        );

        assert!(remove_prometheus(&store, "h1").await.unwrap());
        assert!(!remove_prometheus(&store, "h1").await.unwrap());
        assert_eq!(prometheus(&store, "h1").await.unwrap(), None);
    }

    #[tokio::test]
    async fn source_rejects_bad_input() {
        let store = store_with_host("h1").await;
        let err = set_prometheus(&store, "missing", "http://127.0.0.1:9090", false, SourceOrigin::User)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::HostNotFound);
        let err = set_prometheus(&store, "h1", "https://127.0.0.1:9090", true, SourceOrigin::User)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert_eq!(prometheus(&store, "h1").await.unwrap(), None);
    }

    #[tokio::test]
    async fn template_keeps_user_source() {
        let store = store_with_host("h1").await;
        let registered = register_template_prometheus(&store, "h1", 9090).await.unwrap();
        assert_eq!(registered.url, "http://127.0.0.1:9090");
        assert!(registered.through_ssh);
        assert_eq!(registered.origin, SourceOrigin::Template);

        // A second deploy with another port replaces the template's own source.
        let again = register_template_prometheus(&store, "h1", 9190).await.unwrap();
        assert_eq!(again.url, "http://127.0.0.1:9190");

        set_prometheus(&store, "h1", "http://10.0.0.5:9090", false, SourceOrigin::User)
            .await
            .unwrap();
        let kept = register_template_prometheus(&store, "h1", 9090).await.unwrap();
        assert_eq!(kept.url, "http://10.0.0.5:9090");
        assert_eq!(kept.origin, SourceOrigin::User);
    }

    #[tokio::test]
    async fn source_goes_with_host() {
        let store = store_with_host("h1").await;
        set_prometheus(&store, "h1", "http://127.0.0.1:9090", true, SourceOrigin::User)
            .await
            .unwrap();
        store.delete_host("h1").await.unwrap();
        assert_eq!(prometheus(&store, "h1").await.unwrap(), None);
    }
}

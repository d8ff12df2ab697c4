//! The last facts read from each host, one JSON document per host.

use super::{now_rfc3339, Store};
use crate::error::{Error, Result};
use crate::facts::{HostFacts, StoredFacts};

impl Store {
    /// Saves the facts just read from a host, replacing the earlier ones, and stamps them with
    /// the current time. Fails with [`Error::HostNotFound`] when no host has id `host_id`.
    pub async fn save_facts(&self, host_id: &str, facts: &HostFacts) -> Result<StoredFacts> {
        let json = serde_json::to_string(facts)
            .map_err(|err| Error::Internal(format!("cannot serialize the facts of host '{host_id}': {err}")))?;
        let read_at = now_rfc3339();
        let saved = sqlx::query(
            "INSERT INTO host_facts (host_id, facts, read_at) VALUES (?, ?, ?)
             ON CONFLICT(host_id) DO UPDATE SET facts = excluded.facts, read_at = excluded.read_at",
        )
        .bind(host_id)
        .bind(&json)
        .bind(&read_at)
        .execute(&self.pool)
        .await;
        match saved {
            Err(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
                return Err(Error::HostNotFound(host_id.to_string()));
            }
            other => other?,
        };

        tracing::debug!(host_id, read_at, "host facts saved");
        Ok(StoredFacts {
            facts: facts.clone(),
            read_at,
        })
    }

    /// Returns the facts last saved for a host, or `None` when none were read yet.
    pub async fn facts(&self, host_id: &str) -> Result<Option<StoredFacts>> {
        let row: Option<(String, String)> = sqlx::query_as("SELECT facts, read_at FROM host_facts WHERE host_id = ?")
            .bind(host_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some((json, read_at)) = row else {
            return Ok(None);
        };
        let facts = serde_json::from_str(&json)
            .map_err(|err| Error::Storage(format!("the stored facts of host '{host_id}' are invalid JSON: {err}")))?;
        Ok(Some(StoredFacts { facts, read_at }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Filesystem;
    use crate::inventory::{AuthMethod, HostDraft};
    use crate::store::TrustedKey;

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

    fn sample_facts(kernel: &str) -> HostFacts {
        HostFacts {
            os_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
            os_id: Some("debian".into()),
            kernel: Some(kernel.into()),
            cpu_cores: Some(4),
            memory_total_bytes: Some(8 << 30),
            filesystems: vec![Filesystem {
                source: "tank/data".into(),
                fs_type: "zfs".into(),
                mount_point: "/tank/data".into(),
                size_bytes: 1 << 40,
                used_bytes: 1 << 39,
                available_bytes: 1 << 39,
                snapshots: true,
            }],
            docker_version: Some("24.0.7".into()),
            ..HostFacts::default()
        }
    }

    #[tokio::test]
    async fn save_and_read_back() {
        let store = store_with_host("h1").await;
        assert_eq!(store.facts("h1").await.unwrap(), None, "nothing read yet");

        let saved = store.save_facts("h1", &sample_facts("Linux 6.1.0")).await.unwrap();
        let loaded = store.facts("h1").await.unwrap().expect("facts saved");
        assert_eq!(loaded, saved);
        assert_eq!(loaded.facts, sample_facts("Linux 6.1.0"));
        assert!(
            time::OffsetDateTime::parse(&loaded.read_at, &time::format_description::well_known::Rfc3339).is_ok(),
            "read_at '{}' is RFC 3339",
            loaded.read_at
        );
    }

    #[tokio::test]
    async fn save_replaces_earlier_facts() {
        let store = store_with_host("h1").await;
        store.save_facts("h1", &sample_facts("Linux 6.1.0")).await.unwrap();
        store.save_facts("h1", &sample_facts("Linux 6.6.0")).await.unwrap();

        let loaded = store.facts("h1").await.unwrap().unwrap();
        assert_eq!(loaded.facts.kernel.as_deref(), Some("Linux 6.6.0"));
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM host_facts")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[tokio::test]
    async fn save_for_unknown_host_fails() {
        let store = store_with_host("h1").await;
        let err = store.save_facts("missing", &HostFacts::default()).await.unwrap_err();
        assert!(
            matches!(err, Error::HostNotFound(ref id) if id == "missing"),
            "got {err:?}"
        );
    }

    #[tokio::test]
    async fn deleting_host_deletes_facts() {
        let store = store_with_host("h1").await;
        store.save_facts("h1", &sample_facts("Linux 6.1.0")).await.unwrap();
        store.delete_host("h1").await.unwrap();
        assert_eq!(store.facts("h1").await.unwrap(), None);
    }

    #[tokio::test]
    async fn invalid_stored_json_is_storage_error() {
        let store = store_with_host("h1").await;
        sqlx::query(
            "INSERT INTO host_facts (host_id, facts, read_at) VALUES ('h1', 'not json', '2024-01-01T00:00:00Z')",
        )
        .execute(store.pool())
        .await
        .unwrap();
        let err = store.facts("h1").await.unwrap_err();
        assert!(matches!(err, Error::Storage(_)), "got {err:?}");
    }
}

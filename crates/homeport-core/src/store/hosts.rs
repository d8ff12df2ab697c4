//! Host rows. A host and the key it was trusted with are written in one transaction.

use std::path::PathBuf;

use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::{now_rfc3339, Store, TrustedKey};
use crate::error::{Error, Result};
use crate::inventory::{AuthMethod, EngineTls, Host, HostKind, HostSpec};

const HOST_COLUMNS: &str =
    "id, name, kind, address, port, user, auth, key_path, docker_socket, has_secret, created_at, \
     jump_host_id, group_name, tags, source, tls, tls_ca, tls_cert, tls_key";

impl Store {
    /// Lists hosts ordered by name.
    pub async fn hosts(&self) -> Result<Vec<Host>> {
        let rows = sqlx::query(&format!(
            "SELECT {HOST_COLUMNS} FROM hosts ORDER BY name COLLATE NOCASE"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(host_from_row).collect()
    }

    /// Finds a host by id, or else by name.
    pub async fn host(&self, id_or_name: &str) -> Result<Host> {
        let row = sqlx::query(&format!(
            "SELECT {HOST_COLUMNS} FROM hosts WHERE id = ?1 OR name = ?1 LIMIT 1"
        ))
        .bind(id_or_name)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => host_from_row(&row),
            None => Err(Error::HostNotFound(id_or_name.to_string())),
        }
    }

    /// Inserts a host and trusts `key` for its address, atomically.
    pub async fn insert_host(&self, id: &str, spec: &HostSpec, has_secret: bool, key: &TrustedKey) -> Result<Host> {
        self.insert_host_from(id, spec, has_secret, Some(key), None).await
    }

    /// Inserts a host that came from `source` (see [`Host::source`]), trusting `key` when one
    /// is known, atomically.
    pub async fn insert_host_from(
        &self,
        id: &str,
        spec: &HostSpec,
        has_secret: bool,
        key: Option<&TrustedKey>,
        source: Option<&str>,
    ) -> Result<Host> {
        let now = now_rfc3339();
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO hosts (id, name, kind, address, port, user, auth, key_path, docker_socket, has_secret,
                 created_at, updated_at, jump_host_id, group_name, tags, source, tls, tls_ca, tls_cert, tls_key)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&spec.name)
        .bind(spec.kind.as_str())
        .bind(&spec.address)
        .bind(spec.port)
        .bind(&spec.user)
        .bind(spec.auth.as_str())
        .bind(key_path_text(spec))
        .bind(&spec.docker_socket)
        .bind(has_secret)
        .bind(&now)
        .bind(&now)
        .bind(&spec.jump_host)
        .bind(&spec.group)
        .bind(tags_json(&spec.tags))
        .bind(source)
        .bind(spec.tls.is_some())
        .bind(tls_path(spec, |tls| Some(&tls.ca)))
        .bind(tls_path(spec, |tls| tls.cert.as_ref()))
        .bind(tls_path(spec, |tls| tls.key.as_ref()))
        .execute(&mut *tx)
        .await;
        map_unique_name(inserted, &spec.name)?;
        if let Some(key) = key {
            trust_in(&mut tx, spec, key).await?;
        }
        tx.commit().await?;
        self.host(id).await
    }

    /// Replaces a host's fields and trusts `key` for its (possibly new) address, atomically.
    pub async fn update_host(&self, id: &str, spec: &HostSpec, has_secret: bool, key: &TrustedKey) -> Result<Host> {
        self.update_host_with(id, spec, has_secret, Some(key)).await
    }

    /// Replaces a host's fields, and trusts `key` when one is given, atomically.
    pub async fn update_host_with(
        &self,
        id: &str,
        spec: &HostSpec,
        has_secret: bool,
        key: Option<&TrustedKey>,
    ) -> Result<Host> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE hosts SET name = ?, kind = ?, address = ?, port = ?, user = ?, auth = ?, key_path = ?,
                 docker_socket = ?, has_secret = ?, jump_host_id = ?, group_name = ?, tags = ?, tls = ?, tls_ca = ?,
                 tls_cert = ?, tls_key = ?, updated_at = ?
             WHERE id = ?",
        )
        .bind(&spec.name)
        .bind(spec.kind.as_str())
        .bind(&spec.address)
        .bind(spec.port)
        .bind(&spec.user)
        .bind(spec.auth.as_str())
        .bind(key_path_text(spec))
        .bind(&spec.docker_socket)
        .bind(has_secret)
        .bind(&spec.jump_host)
        .bind(&spec.group)
        .bind(tags_json(&spec.tags))
        .bind(spec.tls.is_some())
        .bind(tls_path(spec, |tls| Some(&tls.ca)))
        .bind(tls_path(spec, |tls| tls.cert.as_ref()))
        .bind(tls_path(spec, |tls| tls.key.as_ref()))
        .bind(now_rfc3339())
        .bind(id)
        .execute(&mut *tx)
        .await;
        if map_unique_name(updated, &spec.name)?.rows_affected() == 0 {
            return Err(Error::HostNotFound(id.to_string()));
        }
        if let Some(key) = key {
            trust_in(&mut tx, spec, key).await?;
        }
        tx.commit().await?;
        self.host(id).await
    }

    /// Finds the host imported from `source`, if any.
    pub async fn host_by_source(&self, source: &str) -> Result<Option<Host>> {
        let row = sqlx::query(&format!("SELECT {HOST_COLUMNS} FROM hosts WHERE source = ?"))
            .bind(source)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(host_from_row).transpose()
    }

    /// Records where a host was imported from.
    pub async fn set_host_source(&self, id: &str, source: &str) -> Result<()> {
        sqlx::query("UPDATE hosts SET source = ? WHERE id = ?")
            .bind(source)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Lists the hosts that jump through `id`.
    pub async fn hosts_jumping_through(&self, id: &str) -> Result<Vec<Host>> {
        let rows = sqlx::query(&format!(
            "SELECT {HOST_COLUMNS} FROM hosts WHERE jump_host_id = ? ORDER BY name COLLATE NOCASE"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(host_from_row).collect()
    }

    /// Deletes a host row. Its trusted key stays, as other hosts may share the address.
    pub async fn delete_host(&self, id: &str) -> Result<()> {
        let deleted = sqlx::query("DELETE FROM hosts WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(Error::HostNotFound(id.to_string()));
        }
        Ok(())
    }
}

async fn trust_in(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, spec: &HostSpec, key: &TrustedKey) -> Result<()> {
    sqlx::query(
        "INSERT INTO known_host_keys (address, port, algorithm, fingerprint, public_key, trusted_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(address, port) DO UPDATE SET algorithm = excluded.algorithm,
             fingerprint = excluded.fingerprint, public_key = excluded.public_key,
             trusted_at = excluded.trusted_at",
    )
    .bind(&spec.address)
    .bind(spec.port)
    .bind(&key.algorithm)
    .bind(&key.fingerprint)
    .bind(&key.public_key)
    .bind(now_rfc3339())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn tls_path(spec: &HostSpec, pick: impl Fn(&EngineTls) -> Option<&PathBuf>) -> Option<String> {
    spec.tls
        .as_ref()
        .and_then(pick)
        .map(|path| path.to_string_lossy().into_owned())
}

fn key_path_text(spec: &HostSpec) -> Option<String> {
    spec.key_path.as_ref().map(|path| path.to_string_lossy().into_owned())
}

fn map_unique_name(
    result: std::result::Result<sqlx::sqlite::SqliteQueryResult, sqlx::Error>,
    name: &str,
) -> Result<sqlx::sqlite::SqliteQueryResult> {
    match result {
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Err(Error::HostNameTaken(name.to_string())),
        other => Ok(other?),
    }
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

fn host_from_row(row: &SqliteRow) -> Result<Host> {
    let port: i64 = row.try_get("port")?;
    let auth: String = row.try_get("auth")?;
    let key_path: Option<String> = row.try_get("key_path")?;
    let tags: String = row.try_get("tags")?;
    let tags = serde_json::from_str(&tags).map_err(|err| Error::Storage(format!("stored tags '{tags}': {err}")))?;
    let kind: String = row.try_get("kind")?;
    let tls = if row.try_get::<bool, _>("tls")? {
        let ca: Option<String> = row.try_get("tls_ca")?;
        let cert: Option<String> = row.try_get("tls_cert")?;
        let key: Option<String> = row.try_get("tls_key")?;
        Some(EngineTls {
            ca: PathBuf::from(ca.unwrap_or_default()),
            cert: cert.map(PathBuf::from),
            key: key.map(PathBuf::from),
        })
    } else {
        None
    };
    Ok(Host {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: HostKind::parse(&kind)?,
        address: row.try_get("address")?,
        port: u16::try_from(port).map_err(|_| Error::Storage(format!("stored port {port} is out of range")))?,
        user: row.try_get("user")?,
        auth: AuthMethod::parse_stored(&auth)?,
        key_path: key_path.map(PathBuf::from),
        docker_socket: row.try_get("docker_socket")?,
        has_secret: row.try_get("has_secret")?,
        created_at: row.try_get("created_at")?,
        jump_host_id: row.try_get("jump_host_id")?,
        group: row.try_get("group_name")?,
        tags,
        source: row.try_get("source")?,
        tls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::HostDraft;

    fn spec(name: &str) -> HostSpec {
        HostDraft {
            name: name.into(),
            address: "192.0.2.1".into(),
            port: 22,
            user: "admin".into(),
            auth: Some(AuthMethod::Agent),
            ..HostDraft::default()
        }
        .validate()
        .unwrap()
    }

    fn key() -> TrustedKey {
        TrustedKey {
            algorithm: "ssh-ed25519".into(),
            fingerprint: "SHA256:abc".into(),
            public_key: "ssh-ed25519 AAAA".into(),
        }
    }

    #[tokio::test]
    async fn insert_list_and_delete() {
        let store = Store::open_in_memory().await.unwrap();
        store.insert_host("h1", &spec("nas"), false, &key()).await.unwrap();

        let hosts = store.hosts().await.unwrap();
        assert_eq!(hosts.len(), 1);
        assert_eq!(store.host("nas").await.unwrap().id, "h1", "lookup by name");
        assert_eq!(
            store.trusted_key("192.0.2.1", 22).await.unwrap().unwrap().fingerprint,
            "SHA256:abc"
        );

        store.delete_host("h1").await.unwrap();
        assert!(matches!(store.host("h1").await, Err(Error::HostNotFound(_))));
    }

    #[tokio::test]
    async fn engine_hosts_keep_kind_and_tls_paths() {
        use crate::inventory::{EngineDraft, EngineEndpoint};

        let store = Store::open_in_memory().await.unwrap();
        let tls = EngineTls {
            ca: "/certs/ca.pem".into(),
            cert: Some("/certs/cert.pem".into()),
            key: Some("/certs/key.pem".into()),
        };
        let spec = EngineDraft {
            name: "builder".into(),
            endpoint: EngineEndpoint::Tcp {
                address: "192.0.2.5".into(),
                port: 2376,
                tls: Some(tls.clone()),
            },
            group: None,
            tags: Vec::new(),
        }
        .validate()
        .unwrap();
        let host = store.insert_host_from("e1", &spec, false, None, None).await.unwrap();
        assert_eq!(host.kind, HostKind::Tcp);
        assert_eq!(host.auth, AuthMethod::None);
        assert_eq!(host.tls, Some(tls));

        let plain = HostSpec { tls: None, ..spec };
        let host = store.update_host_with("e1", &plain, false, None).await.unwrap();
        assert_eq!(host.tls, None, "plain HTTP after the update");
    }

    /// Migration 0003 rebuilds the hosts table. Rows of other tables that point at hosts must
    /// survive it, which they would not if foreign keys were on while the old table is dropped.
    #[tokio::test]
    async fn rebuilding_the_hosts_table_keeps_facts_and_jump_hosts() {
        use sqlx::sqlite::SqlitePoolOptions;

        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                std::str::FromStr::from_str("sqlite::memory:")
                    .map(|options: sqlx::sqlite::SqliteConnectOptions| options.foreign_keys(true))
                    .unwrap(),
            )
            .await
            .unwrap();
        let full = sqlx::migrate!("./migrations");
        let mut before = sqlx::migrate!("./migrations");
        before.migrations = full.migrations.iter().filter(|m| m.version < 3).cloned().collect();
        before.run(&pool).await.unwrap();

        for (id, jump) in [("bastion", None), ("inner", Some("bastion"))] {
            sqlx::query(
                "INSERT INTO hosts (id, name, address, port, user, auth, docker_socket, created_at, updated_at,
                     jump_host_id) VALUES (?, ?, '192.0.2.1', 22, 'admin', 'agent', '/var/run/docker.sock', 't', 't', ?)",
            )
            .bind(id)
            .bind(id)
            .bind(jump)
            .execute(&pool)
            .await
            .unwrap();
        }
        sqlx::query("INSERT INTO host_facts (host_id, facts, read_at) VALUES ('inner', '{}', 't')")
            .execute(&pool)
            .await
            .unwrap();

        full.run(&pool).await.unwrap();
        let store = Store { pool };
        let inner = store.host("inner").await.unwrap();
        assert_eq!(inner.kind, HostKind::Ssh);
        assert_eq!(inner.jump_host_id.as_deref(), Some("bastion"));
        let facts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM host_facts")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(facts, 1, "facts survive the rebuild");
        let problems: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
            .fetch_all(store.pool())
            .await
            .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(foreign_keys, 1, "foreign keys are on again");
    }

    #[tokio::test]
    async fn schema_refuses_an_engine_host_with_a_login() {
        let store = Store::open_in_memory().await.unwrap();
        let mut spec = spec("odd");
        spec.kind = HostKind::Tcp;
        let err = store.insert_host_from("x", &spec, false, None, None).await.unwrap_err();
        assert!(matches!(err, Error::Storage(_)), "got {err:?}");
    }

    #[tokio::test]
    async fn duplicate_name_is_rejected_and_saves_nothing() {
        let store = Store::open_in_memory().await.unwrap();
        store.insert_host("h1", &spec("nas"), false, &key()).await.unwrap();
        let err = store.insert_host("h2", &spec("nas"), false, &key()).await.unwrap_err();
        assert!(matches!(err, Error::HostNameTaken(_)), "got {err:?}");
        assert_eq!(store.hosts().await.unwrap().len(), 1);
    }
}

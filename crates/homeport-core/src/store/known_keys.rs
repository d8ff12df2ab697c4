//! Trusted SSH host keys, one per address and port.

use std::collections::HashMap;

use super::{now_rfc3339, Store};
use crate::error::Result;

/// A host key the user chose to trust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    pub algorithm: String,
    pub fingerprint: String,
    /// The public key in OpenSSH's one-line format, so it can be exported to known_hosts.
    pub public_key: String,
}

impl Store {
    /// Returns the trusted key for `address:port`, if any.
    pub async fn trusted_key(&self, address: &str, port: u16) -> Result<Option<TrustedKey>> {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT algorithm, fingerprint, public_key FROM known_host_keys WHERE address = ? AND port = ?",
        )
        .bind(address)
        .bind(port)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(algorithm, fingerprint, public_key)| TrustedKey {
            algorithm,
            fingerprint,
            public_key,
        }))
    }

    /// Returns the fingerprint of every trusted key, by address and port.
    pub async fn trusted_fingerprints(&self) -> Result<HashMap<(String, u16), String>> {
        let rows: Vec<(String, u16, String)> = sqlx::query_as("SELECT address, port, fingerprint FROM known_host_keys")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(address, port, fingerprint)| ((address, port), fingerprint))
            .collect())
    }

    /// Trusts `key` for `address:port`, replacing a previous key.
    pub async fn trust_key(&self, address: &str, port: u16, key: &TrustedKey) -> Result<()> {
        sqlx::query(
            "INSERT INTO known_host_keys (address, port, algorithm, fingerprint, public_key, trusted_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(address, port) DO UPDATE SET algorithm = excluded.algorithm,
                 fingerprint = excluded.fingerprint, public_key = excluded.public_key,
                 trusted_at = excluded.trusted_at",
        )
        .bind(address)
        .bind(port)
        .bind(&key.algorithm)
        .bind(&key.fingerprint)
        .bind(&key.public_key)
        .bind(now_rfc3339())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Returns the fingerprints of every revoked host key.
    pub async fn revoked_fingerprints(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT fingerprint FROM revoked_host_keys ORDER BY fingerprint")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Records a host key as revoked; `source` names the file it came from. Recording it again
    /// changes nothing.
    pub async fn revoke_key(&self, algorithm: &str, fingerprint: &str, source: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO revoked_host_keys (fingerprint, algorithm, source, revoked_at) VALUES (?, ?, ?, ?)
             ON CONFLICT(fingerprint) DO NOTHING",
        )
        .bind(fingerprint)
        .bind(algorithm)
        .bind(source)
        .bind(now_rfc3339())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

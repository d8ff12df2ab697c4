//! TLS endpoints and their last report in SQLite (migration 0010).

use sqlx::Row;

use super::check::TlsReport;
use crate::error::{Error, Result};
use crate::store::{now_rfc3339, Store};

/// An endpoint to check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TlsEndpoint {
    /// Empty for a new endpoint.
    pub id: String,
    /// Host name or IP address to connect to.
    pub address: String,
    pub port: u16,
    /// The name sent as SNI and checked against the certificate; empty means `address`.
    pub server_name: String,
    /// The Homeport host whose metrics get this endpoint's series.
    pub host_id: Option<String>,
    /// A CA certificate (PEM) trusted for this endpoint besides the OS's.
    pub trusted_ca_pem: Option<String>,
}

impl TlsEndpoint {
    /// Returns the name sent as SNI and checked.
    pub fn sni(&self) -> &str {
        if self.server_name.is_empty() {
            &self.address
        } else {
            &self.server_name
        }
    }

    /// Returns the `endpoint` label of its series: `address:port`, with `name@` in front when
    /// the server name differs from the address.
    pub fn label(&self) -> String {
        if self.server_name.is_empty() || self.server_name == self.address {
            format!("{}:{}", self.address, self.port)
        } else {
            format!("{}@{}:{}", self.server_name, self.address, self.port)
        }
    }

    /// Checks and trims every field.
    pub fn validated(&self) -> Result<Self> {
        let address = self.address.trim();
        if address.is_empty() || address.contains(char::is_whitespace) || address.contains('/') {
            return Err(Error::InvalidInput {
                field: "address",
                value: address.to_string(),
                reason: "enter a host name or IP address without a scheme or path".to_string(),
            });
        }
        if self.port == 0 {
            return Err(Error::InvalidInput {
                field: "port",
                value: "0".to_string(),
                reason: "enter a port from 1 to 65535, usually 443".to_string(),
            });
        }
        let server_name = self.server_name.trim().to_string();
        let sni = if server_name.is_empty() {
            address
        } else {
            server_name.as_str()
        };
        if rustls::pki_types::ServerName::try_from(sni.to_string()).is_err() {
            return Err(Error::InvalidInput {
                field: "serverName",
                value: sni.to_string(),
                reason: "enter a DNS name or IP address".to_string(),
            });
        }
        let trusted_ca_pem = self
            .trusted_ca_pem
            .as_deref()
            .map(str::trim)
            .filter(|pem| !pem.is_empty())
            .map(str::to_string);
        if let Some(pem) = &trusted_ca_pem {
            use rustls::pki_types::pem::PemObject;
            if rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
                .flatten()
                .next()
                .is_none()
            {
                return Err(Error::InvalidInput {
                    field: "trustedCaPem",
                    value: pem.chars().take(40).collect(),
                    reason: "paste a CA certificate in PEM form (-----BEGIN CERTIFICATE-----)".to_string(),
                });
            }
        }
        Ok(Self {
            id: self.id.clone(),
            address: address.to_string(),
            port: self.port,
            server_name,
            host_id: self.host_id.clone().filter(|id| !id.is_empty()),
            trusted_ca_pem,
        })
    }
}

const COLUMNS: &str = "id, address, port, server_name, host_id, trusted_ca_pem";

/// Inserts or replaces an endpoint, which must be validated, and returns it with its id.
pub async fn save(store: &Store, endpoint: &TlsEndpoint) -> Result<TlsEndpoint> {
    let mut saved = endpoint.clone();
    if saved.id.is_empty() {
        saved.id = uuid::Uuid::new_v4().to_string();
    }
    let result = sqlx::query(
        "INSERT INTO tls_endpoints (id, address, port, server_name, host_id, trusted_ca_pem, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET address = excluded.address, port = excluded.port,
             server_name = excluded.server_name, host_id = excluded.host_id, trusted_ca_pem = excluded.trusted_ca_pem",
    )
    .bind(&saved.id)
    .bind(&saved.address)
    .bind(i64::from(saved.port))
    .bind(&saved.server_name)
    .bind(&saved.host_id)
    .bind(&saved.trusted_ca_pem)
    .bind(now_rfc3339())
    .execute(store.pool())
    .await;
    match result {
        Err(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
            return Err(Error::HostNotFound(saved.host_id.clone().unwrap_or_default()));
        }
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
            return Err(Error::InvalidInput {
                field: "address",
                value: saved.label(),
                reason: "this endpoint is already checked".to_string(),
            });
        }
        other => other?,
    };
    Ok(saved)
}

/// Returns every endpoint, ordered by address and port.
pub async fn list(store: &Store) -> Result<Vec<TlsEndpoint>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM tls_endpoints ORDER BY address, port, server_name"
    ))
    .fetch_all(store.pool())
    .await?;
    Ok(rows.iter().map(endpoint_from_row).collect())
}

/// Returns one endpoint, or `None`.
pub async fn get(store: &Store, id: &str) -> Result<Option<TlsEndpoint>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tls_endpoints WHERE id = ?"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    Ok(row.as_ref().map(endpoint_from_row))
}

/// Deletes an endpoint and its report; returns whether it existed.
pub async fn remove(store: &Store, id: &str) -> Result<bool> {
    let deleted = sqlx::query("DELETE FROM tls_endpoints WHERE id = ?")
        .bind(id)
        .execute(store.pool())
        .await?;
    Ok(deleted.rows_affected() > 0)
}

/// Stores the last report of an endpoint.
pub async fn save_report(store: &Store, endpoint_id: &str, report: &TlsReport) -> Result<()> {
    let text = serde_json::to_string(report).map_err(|err| Error::Internal(err.to_string()))?;
    sqlx::query(
        "INSERT INTO tls_results (endpoint_id, checked_at, report) VALUES (?, ?, ?)
         ON CONFLICT(endpoint_id) DO UPDATE SET checked_at = excluded.checked_at, report = excluded.report",
    )
    .bind(endpoint_id)
    .bind(&report.checked_at)
    .bind(text)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Returns the last report of an endpoint, or `None` before its first check.
pub async fn report(store: &Store, endpoint_id: &str) -> Result<Option<TlsReport>> {
    let text: Option<String> = sqlx::query_scalar("SELECT report FROM tls_results WHERE endpoint_id = ?")
        .bind(endpoint_id)
        .fetch_optional(store.pool())
        .await?;
    text.map(|text| {
        serde_json::from_str(&text).map_err(|err| Error::Storage(format!("a stored TLS report is not valid: {err}")))
    })
    .transpose()
}

fn endpoint_from_row(row: &sqlx::sqlite::SqliteRow) -> TlsEndpoint {
    TlsEndpoint {
        id: row.get("id"),
        address: row.get("address"),
        port: row.get::<i64, _>("port") as u16,
        server_name: row.get("server_name"),
        host_id: row.get("host_id"),
        trusted_ca_pem: row.get("trusted_ca_pem"),
    }
}

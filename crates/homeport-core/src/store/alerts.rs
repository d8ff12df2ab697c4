//! Alert rows, inbox actions and comments, and the flapping guard state of each watched event.
//! Rules and their instance state are in the `rules` submodule.

mod inbox;
mod rules;

use std::collections::BTreeMap;

use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::{now_rfc3339, Store};
use crate::alerts::{Alert, AlertState, FlapGuard, NewAlert, Severity};
use crate::error::{Error, Result};

const ALERT_COLUMNS: &str = "id, source, fingerprint, rule, host_id, service, severity, state, params, count, \
     first_seen, last_seen, resolved_at, acknowledged_at, silenced_until, resolved_by";

impl Store {
    /// Opens an alert for `event`, or raises the count of the open one with its source and
    /// fingerprint, atomically.
    pub async fn open_alert(&self, event: &NewAlert) -> Result<Alert> {
        let now = now_rfc3339();
        let params = serde_json::to_string(&event.params).map_err(|err| Error::Internal(err.to_string()))?;

        let mut tx = self.pool.begin().await?;
        let merged = sqlx::query(
            "UPDATE alerts SET count = count + 1, last_seen = ?, params = ?, severity = ?
             WHERE source = ? AND fingerprint = ? AND state <> 'resolved'",
        )
        .bind(&now)
        .bind(&params)
        .bind(event.severity.as_str())
        .bind(&event.source)
        .bind(&event.fingerprint)
        .execute(&mut *tx)
        .await?;

        if merged.rows_affected() == 0 {
            sqlx::query(
                "INSERT INTO alerts (id, source, fingerprint, rule, host_id, service, severity, state, params, count,
                     first_seen, last_seen)
                 VALUES (?, ?, ?, ?, ?, ?, ?, 'firing', ?, 1, ?, ?)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(&event.source)
            .bind(&event.fingerprint)
            .bind(&event.rule)
            .bind(&event.host_id)
            .bind(&event.service)
            .bind(event.severity.as_str())
            .bind(&params)
            .bind(&now)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }

        let row = sqlx::query(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE source = ? AND fingerprint = ? AND state <> 'resolved'"
        ))
        .bind(&event.source)
        .bind(&event.fingerprint)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        alert_from_row(&row)
    }

    /// Resolves the open alert with this source and fingerprint, if there is one.
    pub async fn resolve_alert(&self, source: &str, fingerprint: &str) -> Result<Option<Alert>> {
        let row = sqlx::query(&format!(
            "UPDATE alerts SET state = 'resolved', resolved_at = ?, resolved_by = 'rule'
             WHERE source = ? AND fingerprint = ? AND state <> 'resolved'
             RETURNING {ALERT_COLUMNS}"
        ))
        .bind(now_rfc3339())
        .bind(source)
        .bind(fingerprint)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(alert_from_row).transpose()
    }

    /// Lists the alerts that are not resolved, most severe first, then oldest first.
    pub async fn open_alerts(&self) -> Result<Vec<Alert>> {
        let rows = sqlx::query(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE state <> 'resolved' ORDER BY severity, first_seen"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(alert_from_row).collect()
    }

    /// Returns the guard state of a watched event; a new event starts with none.
    pub async fn alert_guard(&self, fingerprint: &str) -> Result<FlapGuard> {
        let row = sqlx::query(
            "SELECT failures, passes, down, notified_at, renotified FROM alert_guards WHERE fingerprint = ?",
        )
        .bind(fingerprint)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(FlapGuard::default());
        };
        let count = |name: &str| -> Result<u32> {
            let value: i64 = row.try_get(name)?;
            Ok(u32::try_from(value).unwrap_or(u32::MAX))
        };
        Ok(FlapGuard {
            failures: count("failures")?,
            passes: count("passes")?,
            down: row.try_get("down")?,
            notified_at: row.try_get("notified_at")?,
            renotified: count("renotified")?,
        })
    }

    /// Stores the guard state of a watched event.
    pub async fn save_alert_guard(&self, fingerprint: &str, guard: &FlapGuard) -> Result<()> {
        sqlx::query(
            "INSERT INTO alert_guards (fingerprint, failures, passes, down, notified_at, renotified)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(fingerprint) DO UPDATE SET failures = excluded.failures, passes = excluded.passes,
                 down = excluded.down, notified_at = excluded.notified_at, renotified = excluded.renotified",
        )
        .bind(fingerprint)
        .bind(i64::from(guard.failures))
        .bind(i64::from(guard.passes))
        .bind(guard.down)
        .bind(guard.notified_at)
        .bind(i64::from(guard.renotified))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

pub(super) fn alert_from_row(row: &SqliteRow) -> Result<Alert> {
    let params: String = row.try_get("params")?;
    let params: BTreeMap<String, String> =
        serde_json::from_str(&params).map_err(|err| Error::Storage(format!("stored alert params: {err}")))?;
    let severity: String = row.try_get("severity")?;
    let state: String = row.try_get("state")?;
    let count: i64 = row.try_get("count")?;
    Ok(Alert {
        id: row.try_get("id")?,
        source: row.try_get("source")?,
        fingerprint: row.try_get("fingerprint")?,
        rule: row.try_get("rule")?,
        host_id: row.try_get("host_id")?,
        service: row.try_get("service")?,
        severity: Severity::parse(&severity)?,
        state: AlertState::parse(&state)?,
        params,
        count: u32::try_from(count).unwrap_or(u32::MAX),
        first_seen: row.try_get("first_seen")?,
        last_seen: row.try_get("last_seen")?,
        resolved_at: row.try_get("resolved_at")?,
        acknowledged_at: row.try_get("acknowledged_at")?,
        silenced_until: row.try_get("silenced_until")?,
        resolved_by: row.try_get("resolved_by")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::HOMEPORT_SOURCE;

    fn event(fingerprint: &str) -> NewAlert {
        NewAlert {
            source: HOMEPORT_SOURCE.into(),
            fingerprint: fingerprint.into(),
            rule: "host_unreachable".into(),
            host_id: None,
            service: String::new(),
            severity: Severity::P0,
            params: BTreeMap::from([("host".to_string(), "nas".to_string())]),
        }
    }

    #[tokio::test]
    async fn repeats_merge_into_one_alert() {
        let store = Store::open_in_memory().await.unwrap();
        let first = store.open_alert(&event("a")).await.unwrap();
        let second = store.open_alert(&event("a")).await.unwrap();
        assert_eq!(first.id, second.id);
        assert_eq!(second.count, 2);
        assert_eq!(store.open_alerts().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn resolve_then_reopen_adds_row() {
        let store = Store::open_in_memory().await.unwrap();
        let first = store.open_alert(&event("a")).await.unwrap();
        let resolved = store.resolve_alert(HOMEPORT_SOURCE, "a").await.unwrap().unwrap();
        assert_eq!(resolved.state, AlertState::Resolved);
        assert!(resolved.resolved_at.is_some());
        assert!(store.open_alerts().await.unwrap().is_empty());
        assert!(store.resolve_alert(HOMEPORT_SOURCE, "a").await.unwrap().is_none());

        let again = store.open_alert(&event("a")).await.unwrap();
        assert_ne!(again.id, first.id);
        assert_eq!(again.count, 1);
    }

    #[tokio::test]
    async fn guard_state_round_trips() {
        let store = Store::open_in_memory().await.unwrap();
        assert_eq!(store.alert_guard("x").await.unwrap(), FlapGuard::default());
        let guard = FlapGuard {
            failures: 3,
            passes: 0,
            down: true,
            notified_at: Some(1_800_000_000),
            renotified: 2,
        };
        store.save_alert_guard("x", &guard).await.unwrap();
        assert_eq!(store.alert_guard("x").await.unwrap(), guard);
    }
}

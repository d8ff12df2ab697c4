//! Inbox queries and actions: listing with a filter, acknowledge, silence, resolve by hand and
//! comments.

use sqlx::Row;

use super::{alert_from_row, ALERT_COLUMNS};
use crate::alerts::{Alert, AlertComment, AlertFilter, AlertState};
use crate::error::{Error, Result};
use crate::store::{now_rfc3339, Store};

const DEFAULT_LIMIT: u32 = 500;

impl Store {
    /// Returns one alert.
    pub async fn alert(&self, id: &str) -> Result<Alert> {
        let row = sqlx::query(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::AlertNotFound(id.to_string()))?;
        alert_from_row(&row)
    }

    /// Lists the alerts `filter` selects: open ones most severe first then oldest first, and
    /// resolved ones newest first.
    pub async fn list_alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>> {
        let mut conditions: Vec<String> = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        match filter.open {
            Some(true) => conditions.push("state <> 'resolved'".into()),
            Some(false) => conditions.push("state = 'resolved'".into()),
            None => {}
        }
        if !filter.states.is_empty() {
            conditions.push(format!("state IN ({})", placeholders(filter.states.len())));
            binds.extend(filter.states.iter().map(|state| state.as_str().to_string()));
        }
        if !filter.severities.is_empty() {
            conditions.push(format!("severity IN ({})", placeholders(filter.severities.len())));
            binds.extend(filter.severities.iter().map(|severity| severity.as_str().to_string()));
        }
        if let Some(host_id) = &filter.host_id {
            conditions.push("host_id = ?".into());
            binds.push(host_id.clone());
        }
        if let Some(source) = &filter.source {
            conditions.push("source = ?".into());
            binds.push(source.clone());
        }
        if let Some(search) = filter.search.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
            let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
            conditions.push(
                "(lower(rule) LIKE ? ESCAPE '\\' OR lower(service) LIKE ? ESCAPE '\\' \
                 OR lower(fingerprint) LIKE ? ESCAPE '\\' OR lower(params) LIKE ? ESCAPE '\\' \
                 OR host_id IN (SELECT id FROM hosts WHERE lower(name) LIKE ? ESCAPE '\\') \
                 OR EXISTS (SELECT 1 FROM alert_comments c WHERE c.alert_id = alerts.id \
                     AND lower(c.body) LIKE ? ESCAPE '\\'))"
                    .to_string(),
            );
            binds.extend(std::iter::repeat_n(pattern, 6));
        }
        let filter_sql = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let limit = if filter.limit == 0 { DEFAULT_LIMIT } else { filter.limit };
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts {filter_sql}
             ORDER BY state = 'resolved', CASE WHEN state = 'resolved' THEN '' ELSE severity END,
                 CASE WHEN state = 'resolved' THEN resolved_at END DESC, first_seen
             LIMIT {limit}"
        );
        let mut query = sqlx::query(&sql);
        for value in &binds {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(alert_from_row).collect()
    }

    /// Marks an open alert acknowledged, which stops its response timer. Acknowledging twice
    /// keeps the first time.
    pub async fn acknowledge_alert(&self, id: &str) -> Result<Alert> {
        let alert = self.alert(id).await?;
        if alert.state == AlertState::Resolved {
            return Err(Error::invalid("alert", id, "the alert is already resolved"));
        }
        sqlx::query(
            "UPDATE alerts SET state = 'acknowledged', acknowledged_at = COALESCE(acknowledged_at, ?)
             WHERE id = ? AND state <> 'resolved'",
        )
        .bind(now_rfc3339())
        .bind(id)
        .execute(&self.pool)
        .await?;
        self.alert(id).await
    }

    /// Holds back the alert's notifications until `until` (RFC 3339), or ends a silence with `None`.
    pub async fn silence_alert(&self, id: &str, until: Option<&str>) -> Result<Alert> {
        if let Some(until) = until {
            time::OffsetDateTime::parse(until, &time::format_description::well_known::Rfc3339)
                .map_err(|err| Error::invalid("until", until, format!("expected an RFC 3339 time: {err}")))?;
        }
        let updated = sqlx::query("UPDATE alerts SET silenced_until = ? WHERE id = ?")
            .bind(until)
            .bind(id)
            .execute(&self.pool)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(Error::AlertNotFound(id.to_string()));
        }
        self.alert(id).await
    }

    /// Resolves an alert by hand. If its rule still fires, the next failure opens a new alert.
    pub async fn resolve_alert_by_user(&self, id: &str) -> Result<Alert> {
        let alert = self.alert(id).await?;
        if alert.state == AlertState::Resolved {
            return Ok(alert);
        }
        sqlx::query(
            "UPDATE alerts SET state = 'resolved', resolved_at = ?, resolved_by = 'user'
             WHERE id = ? AND state <> 'resolved'",
        )
        .bind(now_rfc3339())
        .bind(id)
        .execute(&self.pool)
        .await?;
        self.alert(id).await
    }

    /// Adds a comment to an alert.
    pub async fn comment_alert(&self, id: &str, author: &str, body: &str) -> Result<AlertComment> {
        let body = body.trim();
        if body.is_empty() {
            return Err(Error::invalid("comment", "", "enter some text"));
        }
        if body.chars().count() > 4_000 {
            return Err(Error::invalid("comment", "", "a comment has at most 4000 characters"));
        }
        self.alert(id).await?;
        let comment = AlertComment {
            id: uuid::Uuid::new_v4().to_string(),
            alert_id: id.to_string(),
            author: author.to_string(),
            body: body.to_string(),
            created_at: now_rfc3339(),
        };
        sqlx::query("INSERT INTO alert_comments (id, alert_id, author, body, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(&comment.id)
            .bind(&comment.alert_id)
            .bind(&comment.author)
            .bind(&comment.body)
            .bind(&comment.created_at)
            .execute(&self.pool)
            .await?;
        Ok(comment)
    }

    /// Lists the comments on the given alerts, oldest first.
    pub async fn alert_comments(&self, alert_ids: &[String]) -> Result<Vec<AlertComment>> {
        if alert_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, alert_id, author, body, created_at FROM alert_comments
             WHERE alert_id IN ({}) ORDER BY created_at, id",
            placeholders(alert_ids.len())
        );
        let mut query = sqlx::query(&sql);
        for id in alert_ids {
            query = query.bind(id);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(AlertComment {
                    id: row.try_get("id")?,
                    alert_id: row.try_get("alert_id")?,
                    author: row.try_get("author")?,
                    body: row.try_get("body")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }
}

fn placeholders(count: usize) -> String {
    vec!["?"; count].join(", ")
}

/// Escapes LIKE's wildcards so the search text matches literally.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::alerts::{NewAlert, Severity, HOMEPORT_SOURCE};

    fn event(fingerprint: &str, severity: Severity, service: &str) -> NewAlert {
        NewAlert {
            source: HOMEPORT_SOURCE.into(),
            fingerprint: fingerprint.into(),
            rule: "filesystem_full".into(),
            host_id: None,
            service: service.into(),
            severity,
            params: BTreeMap::from([("value".to_string(), "91".to_string())]),
        }
    }

    #[tokio::test]
    async fn filter_by_state_severity_and_search() {
        let store = Store::open_in_memory().await.unwrap();
        let disk = store.open_alert(&event("a", Severity::P2, "/data")).await.unwrap();
        let db = store.open_alert(&event("b", Severity::P1, "db")).await.unwrap();
        store.open_alert(&event("c", Severity::P3, "web")).await.unwrap();
        store.resolve_alert(HOMEPORT_SOURCE, "c").await.unwrap();

        let open = store
            .list_alerts(&AlertFilter {
                open: Some(true),
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(
            open.iter().map(|alert| alert.id.as_str()).collect::<Vec<_>>(),
            vec![db.id.as_str(), disk.id.as_str()]
        );

        let history = store
            .list_alerts(&AlertFilter {
                open: Some(false),
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].service, "web");

        let p2 = store
            .list_alerts(&AlertFilter {
                severities: vec![Severity::P2],
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(p2.len(), 1);

        store
            .comment_alert(&db.id, "you", "Restarted the 100% busy replica")
            .await
            .unwrap();
        let found = store
            .list_alerts(&AlertFilter {
                search: Some("100%".into()),
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "comments are searched, and % is literal");
        assert_eq!(found[0].id, db.id);

        let by_service = store
            .list_alerts(&AlertFilter {
                search: Some("DATA".into()),
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(by_service.len(), 1);
        assert_eq!(by_service[0].id, disk.id);
    }

    #[tokio::test]
    async fn acknowledge_silence_resolve_and_comment() {
        let store = Store::open_in_memory().await.unwrap();
        let alert = store.open_alert(&event("a", Severity::P0, "")).await.unwrap();
        assert!(
            alert.overdue(time::OffsetDateTime::now_utc() + time::Duration::seconds(1)),
            "P0 is due at once"
        );

        let acknowledged = store.acknowledge_alert(&alert.id).await.unwrap();
        assert_eq!(acknowledged.state, AlertState::Acknowledged);
        assert!(acknowledged.acknowledged_at.is_some());
        assert!(!acknowledged.overdue(time::OffsetDateTime::now_utc() + time::Duration::hours(1)));

        let repeat = store.open_alert(&event("a", Severity::P0, "")).await.unwrap();
        assert_eq!(repeat.id, alert.id);
        assert_eq!(
            repeat.state,
            AlertState::Acknowledged,
            "a repeat does not undo the acknowledgement"
        );
        assert_eq!(repeat.count, 2);

        let until = "2999-01-01T00:00:00Z";
        let silenced = store.silence_alert(&alert.id, Some(until)).await.unwrap();
        assert!(silenced.silenced(time::OffsetDateTime::now_utc()));
        assert!(store.silence_alert(&alert.id, Some("tomorrow")).await.is_err());
        assert!(!store
            .silence_alert(&alert.id, None)
            .await
            .unwrap()
            .silenced(time::OffsetDateTime::now_utc()));

        store.comment_alert(&alert.id, "you", "looking").await.unwrap();
        assert!(store.comment_alert(&alert.id, "you", "  ").await.is_err());
        let comments = store.alert_comments(std::slice::from_ref(&alert.id)).await.unwrap();
        assert_eq!(comments.len(), 1);
        assert_eq!(comments[0].author, "you");

        let resolved = store.resolve_alert_by_user(&alert.id).await.unwrap();
        assert_eq!(resolved.state, AlertState::Resolved);
        assert_eq!(resolved.resolved_by.as_deref(), Some("user"));
        assert!(store.acknowledge_alert(&alert.id).await.is_err());
        assert!(matches!(store.alert("missing").await, Err(Error::AlertNotFound(_))));
    }
}

//! Pulls Alertmanager's active alerts into the inbox and resolves those that disappeared.

use std::collections::{BTreeMap, BTreeSet};

use super::api::AlertmanagerAlert;
use super::source::{AlertmanagerSource, ALERTMANAGER_SOURCE};
use crate::alerts::{Alert, NewAlert, Severity};
use crate::error::Result;
use crate::store::Store;

/// What one sync changed. The caller sends a notice for each opened and resolved alert.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    pub opened: Vec<Alert>,
    pub resolved: Vec<Alert>,
    /// Active alerts Alertmanager reported, new or already open.
    pub active: usize,
}

/// Maps an alert's `severity` label to a Homeport severity. The names follow common
/// Prometheus rule conventions; a missing or unknown label is P2.
///
/// | label | severity |
/// |---|---|
/// | `critical`, `page`, `emergency`, `p0` | P0 |
/// | `error`, `high`, `major`, `p1` | P1 |
/// | `warning`, `warn`, `medium`, `minor`, `p2`, missing, unknown | P2 |
/// | `info`, `informational`, `low`, `none`, `p3` | P3 |
pub fn severity_from_label(label: Option<&str>) -> Severity {
    match label.map(|text| text.trim().to_ascii_lowercase()).as_deref() {
        Some("critical" | "page" | "emergency" | "p0") => Severity::P0,
        Some("error" | "high" | "major" | "p1") => Severity::P1,
        Some("info" | "informational" | "low" | "none" | "p3") => Severity::P3,
        _ => Severity::P2,
    }
}

/// Opens an inbox alert for each active Alertmanager alert that has none open, and resolves
/// the open alerts of this source whose fingerprint Alertmanager no longer reports as active.
/// An alert already open is left as it is, so polling does not raise its count.
pub async fn sync(store: &Store, source: &AlertmanagerSource, alerts: &[AlertmanagerAlert]) -> Result<SyncReport> {
    let active: Vec<&AlertmanagerAlert> = alerts.iter().filter(|alert| alert.status.state == "active").collect();
    let open_here: BTreeMap<String, Alert> = store
        .open_alerts()
        .await?
        .into_iter()
        .filter(|alert| alert.source == ALERTMANAGER_SOURCE && alert.host_id == source.host_id)
        .map(|alert| (alert.fingerprint.clone(), alert))
        .collect();
    let active_fingerprints: BTreeSet<&str> = active.iter().map(|alert| alert.fingerprint.as_str()).collect();

    let mut report = SyncReport {
        active: active.len(),
        ..SyncReport::default()
    };
    for alert in &active {
        if open_here.contains_key(&alert.fingerprint) {
            continue;
        }
        let opened = store.open_alert(&new_alert(source, alert)).await?;
        report.opened.push(opened);
    }
    for fingerprint in open_here.keys() {
        if active_fingerprints.contains(fingerprint.as_str()) {
            continue;
        }
        if let Some(resolved) = store.resolve_alert(ALERTMANAGER_SOURCE, fingerprint).await? {
            report.resolved.push(resolved);
        }
    }
    Ok(report)
}

fn new_alert(source: &AlertmanagerSource, alert: &AlertmanagerAlert) -> NewAlert {
    let rule = alert
        .labels
        .get("alertname")
        .cloned()
        .unwrap_or_else(|| "alertmanager".to_string());
    let service = ["service", "job", "instance"]
        .iter()
        .find_map(|name| alert.labels.get(*name))
        .cloned()
        .unwrap_or_default();
    let mut params = BTreeMap::new();
    for (name, value) in &alert.annotations {
        params.insert(name.clone(), value.clone());
    }
    if let Some(summary) = alert
        .annotations
        .get("summary")
        .or_else(|| alert.annotations.get("description"))
    {
        params.insert("detail".to_string(), summary.clone());
    }
    params.insert("startsAt".to_string(), alert.starts_at.clone());
    params.insert(
        "labels".to_string(),
        alert
            .labels
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(","),
    );
    NewAlert {
        source: ALERTMANAGER_SOURCE.to_string(),
        fingerprint: alert.fingerprint.clone(),
        rule,
        host_id: source.host_id.clone(),
        service,
        severity: severity_from_label(alert.labels.get("severity").map(String::as_str)),
        params,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_mapping_table() {
        let cases = [
            (Some("critical"), Severity::P0),
            (Some("Page"), Severity::P0),
            (Some("error"), Severity::P1),
            (Some("warning"), Severity::P2),
            (Some("info"), Severity::P3),
            (Some("none"), Severity::P3),
            (Some("something"), Severity::P2),
            (None, Severity::P2),
        ];
        for (label, expected) in cases {
            assert_eq!(severity_from_label(label), expected, "{label:?}");
        }
    }
}

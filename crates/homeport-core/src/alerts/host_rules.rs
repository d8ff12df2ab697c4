//! Built-in rules over host states, fed by every fleet refresh.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{FlapGuard, FlapPolicy, NewAlert, Transition, HOMEPORT_SOURCE};
use crate::error::Result;
use crate::fleet::{HostState, HostStatus};
use crate::inventory::LOCAL_HOST_ID;
use crate::store::Store;

/// The rule that fires when a host stops responding.
pub const HOST_UNREACHABLE: &str = "host_unreachable";

/// Two failed refreshes in a row open the alert, so one dropped packet does not, and two
/// successful refreshes in a row resolve it. Reminders come every hour, three at most.
pub const HOST_UNREACHABLE_POLICY: FlapPolicy = FlapPolicy {
    down_after: 2,
    up_after: 2,
    renotify_every: Duration::from_secs(60 * 60),
    max_renotify: 3,
};

/// Feeds one fleet refresh at `now` (Unix seconds) to the host rules, opening and resolving
/// alerts, and returns the transitions with the host ids they concern.
///
/// A host counts as reachable whenever something on it responded, even to reject the login or
/// to report that Docker is missing. Those cases have their own states in the fleet view. A host whose
/// failure says nothing about reachability (state `Failed`) leaves the rule as it was.
pub async fn observe_fleet(store: &Store, statuses: &[HostStatus], now: i64) -> Result<Vec<(String, Transition)>> {
    // The rule is listed with the others, so the user can turn it off or change its severity.
    let rule = store.alert_rule(HOST_UNREACHABLE).await?;
    let mut transitions = Vec::new();
    for status in statuses {
        // The local engine is this machine; it is not a host that can drop off the network.
        if status.host.id == LOCAL_HOST_ID || status.state == HostState::Failed {
            continue;
        }
        let reachable = status.state != HostState::Unreachable;
        let fingerprint = format!("{HOST_UNREACHABLE}:{}", status.host.id);
        if !rule.enabled {
            store.save_alert_guard(&fingerprint, &FlapGuard::default()).await?;
            if store.resolve_alert(HOMEPORT_SOURCE, &fingerprint).await?.is_some() {
                transitions.push((status.host.id.clone(), Transition::Up));
            }
            continue;
        }

        let mut guard = store.alert_guard(&fingerprint).await?;
        let transition = guard.observe(&HOST_UNREACHABLE_POLICY, reachable, now);
        store.save_alert_guard(&fingerprint, &guard).await?;

        // Every failed check while down is the same event again, which raises the count of the
        // open alert rather than opening another.
        let failing_while_down = guard.down && !reachable;
        match transition {
            _ if failing_while_down => {
                let detail = status.error.as_ref().map(ToString::to_string).unwrap_or_default();
                let params = BTreeMap::from([
                    ("host".to_string(), status.host.name.clone()),
                    ("detail".to_string(), detail),
                ]);
                let alert = store
                    .open_alert(&NewAlert {
                        source: HOMEPORT_SOURCE.to_string(),
                        fingerprint: fingerprint.clone(),
                        rule: HOST_UNREACHABLE.to_string(),
                        host_id: Some(status.host.id.clone()),
                        service: String::new(),
                        severity: rule.severity,
                        params,
                    })
                    .await?;
                tracing::warn!(host_id = %status.host.id, alert_id = %alert.id, count = alert.count, "host unreachable");
            }
            Some(Transition::Up) => {
                if let Some(alert) = store.resolve_alert(HOMEPORT_SOURCE, &fingerprint).await? {
                    tracing::info!(host_id = %status.host.id, alert_id = %alert.id, "host reachable again");
                }
            }
            Some(Transition::Down) | Some(Transition::Renotify) | None => {}
        }
        if let Some(transition) = transition {
            transitions.push((status.host.id.clone(), transition));
        }
    }
    Ok(transitions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::Severity;
    use crate::error::Error;
    use crate::inventory::HostDraft;

    async fn store_with_host() -> (Store, crate::inventory::Host) {
        let store = Store::open_in_memory().await.unwrap();
        let spec = HostDraft {
            name: "nas".into(),
            address: "192.0.2.10".into(),
            port: 22,
            user: "admin".into(),
            auth: Some(crate::inventory::AuthMethod::Agent),
            ..HostDraft::default()
        }
        .validate()
        .unwrap();
        let host = store.insert_host_from("h1", &spec, false, None, None).await.unwrap();
        (store, host)
    }

    fn status(host: &crate::inventory::Host, state: HostState) -> HostStatus {
        HostStatus {
            host: host.clone(),
            state,
            containers: None,
            error: (state == HostState::Unreachable).then(|| Error::HostUnreachable {
                host: host.address.clone(),
                port: 22,
                detail: "connection refused".into(),
            }),
            elapsed: Duration::from_millis(5),
        }
    }

    #[tokio::test]
    async fn outage_opens_counts_and_resolves_one_alert() {
        let (store, host) = store_with_host().await;
        let down = [status(&host, HostState::Unreachable)];
        let up = [status(&host, HostState::Online)];

        assert!(
            observe_fleet(&store, &down, 0).await.unwrap().is_empty(),
            "one failure is not an outage"
        );
        assert_eq!(
            observe_fleet(&store, &down, 60).await.unwrap(),
            vec![("h1".to_string(), Transition::Down)]
        );
        observe_fleet(&store, &down, 120).await.unwrap();
        let open = store.open_alerts().await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].severity, Severity::P0);
        assert_eq!(open[0].count, 2, "the repeat merged into the open alert");
        assert_eq!(open[0].params["host"], "nas");
        assert!(open[0].params["detail"].contains("connection refused"));

        observe_fleet(&store, &up, 180).await.unwrap();
        assert_eq!(
            store.open_alerts().await.unwrap().len(),
            1,
            "one answer is not yet recovery"
        );
        assert_eq!(
            observe_fleet(&store, &up, 240).await.unwrap(),
            vec![("h1".to_string(), Transition::Up)]
        );
        assert!(store.open_alerts().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn disabled_rule_resolves_and_stays_quiet() {
        let (store, host) = store_with_host().await;
        let down = [status(&host, HostState::Unreachable)];
        observe_fleet(&store, &down, 0).await.unwrap();
        observe_fleet(&store, &down, 60).await.unwrap();
        assert_eq!(store.open_alerts().await.unwrap().len(), 1);

        let mut rule = store.alert_rule(HOST_UNREACHABLE).await.unwrap();
        rule.enabled = false;
        store.save_alert_rule(&rule).await.unwrap();
        assert_eq!(
            observe_fleet(&store, &down, 120).await.unwrap(),
            vec![("h1".to_string(), Transition::Up)]
        );
        observe_fleet(&store, &down, 180).await.unwrap();
        assert!(store.open_alerts().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn refused_login_counts_as_reachable() {
        let (store, host) = store_with_host().await;
        for now in [0, 60, 120] {
            observe_fleet(&store, &[status(&host, HostState::AuthFailed)], now)
                .await
                .unwrap();
        }
        assert!(store.open_alerts().await.unwrap().is_empty());
    }
}

//! The fleet view: all hosts with their state and container counts.

use std::time::Duration;

use homeport_core::alerts::{self, Alert, AlertState};
use homeport_core::fleet::{self, ContainerCounts, HostState as CoreState};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Api, ApiResult, HostView, IpcError};

/// How long one host may take in a fleet refresh when the caller gives no timeout.
pub const DEFAULT_FLEET_TIMEOUT: Duration = Duration::from_secs(5);

/// A host's state in the fleet view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum HostState {
    Online,
    Unreachable,
    AuthFailed,
    KeyUnknown,
    KeyChanged,
    KeyRevoked,
    DockerUnavailable,
    Failed,
}

impl From<CoreState> for HostState {
    fn from(state: CoreState) -> Self {
        match state {
            CoreState::Online => HostState::Online,
            CoreState::Unreachable => HostState::Unreachable,
            CoreState::AuthFailed => HostState::AuthFailed,
            CoreState::KeyUnknown => HostState::KeyUnknown,
            CoreState::KeyChanged => HostState::KeyChanged,
            CoreState::KeyRevoked => HostState::KeyRevoked,
            CoreState::DockerUnavailable => HostState::DockerUnavailable,
            CoreState::Failed => HostState::Failed,
        }
    }
}

/// Containers of a host by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ContainerCountsView {
    pub running: u32,
    pub paused: u32,
    pub restarting: u32,
    pub exited: u32,
    pub created: u32,
    pub dead: u32,
    pub total: u32,
}

impl From<ContainerCounts> for ContainerCountsView {
    fn from(counts: ContainerCounts) -> Self {
        Self {
            running: counts.running,
            paused: counts.paused,
            restarting: counts.restarting,
            exited: counts.exited,
            created: counts.created,
            dead: counts.dead,
            total: counts.total,
        }
    }
}

/// An alert that is not resolved yet, as the fleet view lists it under its host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OpenAlertView {
    pub id: String,
    /// The rule, such as `host_unreachable`, which selects the translated title.
    pub rule: String,
    /// `P0` to `P3`.
    pub severity: String,
    pub acknowledged: bool,
    pub params: std::collections::BTreeMap<String, String>,
    /// How many times the event was seen while the alert was open.
    pub count: u32,
    /// RFC 3339.
    pub first_seen: String,
}

impl From<Alert> for OpenAlertView {
    fn from(alert: Alert) -> Self {
        Self {
            id: alert.id,
            rule: alert.rule,
            severity: alert.severity.as_str().to_string(),
            acknowledged: alert.state == AlertState::Acknowledged,
            params: alert.params,
            count: alert.count,
            first_seen: alert.first_seen,
        }
    }
}

/// One host in the fleet view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FleetHost {
    pub host: HostView,
    pub state: HostState,
    pub containers: Option<ContainerCountsView>,
    pub error: Option<IpcError>,
    /// Milliseconds this host took to respond or fail.
    pub elapsed_ms: u32,
    /// The host's alerts that are not resolved, most severe first.
    pub open_alerts: Vec<OpenAlertView>,
}

impl Api {
    /// Refreshes every host at once; each has `timeout` (default 5 s) before it counts as
    /// unreachable. The result feeds the host rules, so each host comes with its open alerts.
    pub async fn fleet_status(&self, timeout: Option<Duration>) -> ApiResult<Vec<FleetHost>> {
        let hosts = self.hosts.list().await?;
        let statuses = fleet::refresh(&self.hosts, hosts, timeout.unwrap_or(DEFAULT_FLEET_TIMEOUT)).await;

        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX));
        let transitions = alerts::observe_fleet(self.hosts.store(), &statuses, now).await?;
        self.alerts_notify_host_transitions(&transitions).await?;
        let mut open: std::collections::BTreeMap<String, Vec<OpenAlertView>> = std::collections::BTreeMap::new();
        for alert in self.hosts.store().open_alerts().await? {
            if let Some(host_id) = alert.host_id.clone() {
                open.entry(host_id).or_default().push(alert.into());
            }
        }

        let mut fleet = Vec::with_capacity(statuses.len());
        for status in statuses {
            let open_alerts = open.remove(&status.host.id).unwrap_or_default();
            fleet.push(FleetHost {
                host: self.host_view(status.host).await?,
                state: status.state.into(),
                containers: status.containers.map(ContainerCountsView::from),
                error: status.error.map(IpcError::from),
                elapsed_ms: u32::try_from(status.elapsed.as_millis()).unwrap_or(u32::MAX),
                open_alerts,
            });
        }
        Ok(fleet)
    }
}

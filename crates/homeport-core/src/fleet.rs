//! The fleet view: every host's state and container counts, refreshed concurrently.
//!
//! Each host gets its own deadline, so a dead host costs the refresh at most that long and
//! never delays the others. Engines come from the connection pool, so a second refresh reuses
//! the connections the first one opened.

use std::time::{Duration, Instant};

use futures_util::future::join_all;

use crate::error::{Error, ErrorCode};
use crate::hosts::HostService;
use crate::inventory::Host;

/// A host's state as the fleet view shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum HostState {
    Online,
    Unreachable,
    AuthFailed,
    KeyUnknown,
    KeyChanged,
    KeyRevoked,
    /// SSH works, but Docker does not respond, is missing or is not permitted.
    DockerUnavailable,
    /// Any other failure. [`HostStatus::error`] names it.
    Failed,
}

/// Containers of one host by Docker state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ContainerCounts {
    pub running: u32,
    pub paused: u32,
    pub restarting: u32,
    pub exited: u32,
    pub created: u32,
    pub dead: u32,
    pub total: u32,
}

impl ContainerCounts {
    /// Counts Docker state words (`running`, `exited`, ...).
    pub fn from_states<'a>(states: impl IntoIterator<Item = &'a str>) -> ContainerCounts {
        let mut counts = ContainerCounts::default();
        for state in states {
            counts.total += 1;
            match state {
                "running" => counts.running += 1,
                "paused" => counts.paused += 1,
                "restarting" => counts.restarting += 1,
                "exited" => counts.exited += 1,
                "created" => counts.created += 1,
                "dead" => counts.dead += 1,
                // "removing" and states newer engines may add count only in the total.
                _ => {}
            }
        }
        counts
    }
}

/// One host's line in the fleet view.
#[derive(Debug)]
pub struct HostStatus {
    pub host: Host,
    pub state: HostState,
    pub containers: Option<ContainerCounts>,
    pub error: Option<Error>,
    /// Time this host took to respond or fail.
    pub elapsed: Duration,
}

/// Refreshes every host in `hosts` at once, each within `timeout`.
pub async fn refresh(service: &HostService, hosts: Vec<Host>, timeout: Duration) -> Vec<HostStatus> {
    let started = Instant::now();
    let statuses = join_all(hosts.into_iter().map(|host| status_of(service, host, timeout))).await;
    tracing::info!(
        hosts = statuses.len(),
        online = statuses
            .iter()
            .filter(|status| status.state == HostState::Online)
            .count(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "fleet refreshed"
    );
    statuses
}

async fn status_of(service: &HostService, host: Host, timeout: Duration) -> HostStatus {
    let started = Instant::now();
    let outcome = tokio::time::timeout(timeout, count_containers(service, &host)).await;
    let result = match outcome {
        Ok(result) => result,
        Err(_) => {
            // The half-open connection may be stuck; the next refresh starts over.
            service.drop_connection(&host.id).await;
            Err(Error::HostUnreachable {
                host: host.address.clone(),
                port: host.port,
                detail: format!("no answer within {} s", timeout.as_secs_f32()),
            })
        }
    };

    let elapsed = started.elapsed();
    match result {
        Ok(counts) => HostStatus {
            host,
            state: HostState::Online,
            containers: Some(counts),
            error: None,
            elapsed,
        },
        Err(error) => HostStatus {
            host,
            state: state_of(&error),
            containers: None,
            error: Some(error),
            elapsed,
        },
    }
}

async fn count_containers(service: &HostService, host: &Host) -> crate::Result<ContainerCounts> {
    let engine = service.engine(&host.id).await?;
    match engine.containers().await {
        Ok(containers) => Ok(ContainerCounts::from_states(
            containers.iter().map(|container| container.state.as_str()),
        )),
        Err(error) => {
            if matches!(error, Error::DockerConnection { .. }) {
                service.drop_connection(&host.id).await;
            }
            Err(error)
        }
    }
}

/// Maps an error to the state the fleet view shows.
pub fn state_of(error: &Error) -> HostState {
    // The connection under the engine failed: a TCP engine that rejects the connection or does
    // not respond, or an SSH connection that dropped mid-request. Either way nothing responds.
    if matches!(error, Error::DockerConnection { .. }) {
        return HostState::Unreachable;
    }
    match error.code() {
        ErrorCode::HostUnreachable => HostState::Unreachable,
        ErrorCode::AuthFailed
        | ErrorCode::PassphraseWrong
        | ErrorCode::KeyFileUnreadable
        | ErrorCode::SecretMissing
        | ErrorCode::AgentUnavailable => HostState::AuthFailed,
        ErrorCode::HostKeyUnknown => HostState::KeyUnknown,
        ErrorCode::HostKeyChanged => HostState::KeyChanged,
        ErrorCode::HostKeyRevoked => HostState::KeyRevoked,
        ErrorCode::DockerUnavailable | ErrorCode::DockerPermissionDenied | ErrorCode::DockerApiTooOld => {
            HostState::DockerUnavailable
        }
        _ => HostState::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_state() {
        let counts = ContainerCounts::from_states(["running", "running", "exited", "created", "paused", "removing"]);
        assert_eq!(counts.running, 2);
        assert_eq!(counts.exited, 1);
        assert_eq!(counts.created, 1);
        assert_eq!(counts.paused, 1);
        assert_eq!(counts.total, 6, "unknown states still count in the total");
    }

    #[test]
    fn errors_map_to_states() {
        let unreachable = Error::HostUnreachable {
            host: "h".into(),
            port: 22,
            detail: "x".into(),
        };
        assert_eq!(state_of(&unreachable), HostState::Unreachable);
        let auth = Error::AuthFailed {
            host: "h".into(),
            user: "u".into(),
            method: "key",
        };
        assert_eq!(state_of(&auth), HostState::AuthFailed);
        let docker = Error::DockerPermissionDenied {
            host: "h".into(),
            user: "u".into(),
            socket: "/s".into(),
        };
        assert_eq!(state_of(&docker), HostState::DockerUnavailable);
        assert_eq!(state_of(&Error::Cancelled), HostState::Failed);
        let refused = Error::DockerConnection {
            host: "builder".into(),
            detail: "connection refused".into(),
        };
        assert_eq!(state_of(&refused), HostState::Unreachable);
    }
}

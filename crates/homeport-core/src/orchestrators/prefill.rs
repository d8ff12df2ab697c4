//! Guessing wizard answers from what Homeport already stores.
//!
//! The guess stays cheap: it reads the host list and the cached facts from the store, and
//! counts stacks only on hosts whose Docker connection is already pooled, so opening the wizard
//! never connects to a host. Only the scale and the workloads can be read from a fleet; the team
//! and the operations time are the user's to answer.

use crate::error::Result;
use crate::hosts::HostService;

use super::rules::{Scale, Workloads};

/// Hosts whose memory is below this count as constrained hardware. A Raspberry Pi 4 with
/// 4 GiB reports a `MemTotal` of about 3.7 GiB, so it counts, while an 8 GiB mini PC does not.
pub const EDGE_MEMORY_BYTES: u64 = 4 << 30;

/// More hosts than this count as "many".
pub const FEW_HOSTS_MAX: u32 = 5;

/// The fleet as Homeport has stored it, shown by the wizard beside the guessed answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetSummary {
    pub hosts: u32,
    /// Hosts with cached facts; the CPU and memory totals cover only these.
    pub hosts_with_facts: u32,
    pub cpu_cores: u32,
    pub memory_bytes: u64,
    /// Hosts with facts whose memory is below [`EDGE_MEMORY_BYTES`].
    pub small_hosts: u32,
    /// Hosts whose stacks were counted, because a connection to them was already open.
    pub hosts_with_stacks_counted: u32,
    pub stacks: u32,
}

/// Guessed answers, each `None` when the fleet gives no hint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prefill {
    pub scale: Option<Scale>,
    pub workloads: Option<Workloads>,
}

/// Reads the fleet summary from the store and the open connections.
pub async fn summarize(service: &HostService) -> Result<FleetSummary> {
    let hosts = service.list().await?;
    let mut summary = FleetSummary {
        hosts: u32::try_from(hosts.len()).unwrap_or(u32::MAX),
        ..FleetSummary::default()
    };

    for host in &hosts {
        if let Some(stored) = service.store().facts(&host.id).await? {
            summary.hosts_with_facts += 1;
            summary.cpu_cores += stored.facts.cpu_cores.unwrap_or(0);
            let memory = stored.facts.memory_total_bytes.unwrap_or(0);
            summary.memory_bytes += memory;
            if memory > 0 && memory < EDGE_MEMORY_BYTES {
                summary.small_hosts += 1;
            }
        }

        let Some(engine) = service.engine_if_connected(&host.id).await else {
            continue;
        };
        match engine.stacks().await {
            Ok(stacks) => {
                summary.hosts_with_stacks_counted += 1;
                summary.stacks += u32::try_from(stacks.len()).unwrap_or(u32::MAX);
            }
            // A failed listing only leaves the count out: the wizard works without it.
            Err(err) => tracing::info!(host_id = %host.id, error = %err, "stack count for the wizard failed"),
        }
    }
    Ok(summary)
}

/// Guesses the answers the summary supports.
pub fn guess(summary: &FleetSummary) -> Prefill {
    let scale = if summary.hosts == 0 {
        None
    } else if summary.hosts_with_facts > 0 && summary.small_hosts == summary.hosts_with_facts {
        Some(Scale::Edge)
    } else if summary.hosts == 1 {
        Some(Scale::Single)
    } else if summary.hosts <= FEW_HOSTS_MAX {
        Some(Scale::Few)
    } else {
        Some(Scale::Many)
    };
    // Homeport sees only Docker, so stacks prove containers but never rule out other programs:
    // the wizard marks this answer as a guess for the user to check.
    let workloads = (summary.stacks > 0).then_some(Workloads::Containers);
    Prefill { scale, workloads }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(hosts: u32, small_hosts: u32, hosts_with_facts: u32, stacks: u32) -> FleetSummary {
        FleetSummary {
            hosts,
            hosts_with_facts,
            small_hosts,
            stacks,
            ..FleetSummary::default()
        }
    }

    #[test]
    fn no_hosts_guesses_nothing() {
        assert_eq!(guess(&summary(0, 0, 0, 0)), Prefill::default());
    }

    #[test]
    fn host_count_sets_scale() {
        assert_eq!(guess(&summary(1, 0, 1, 0)).scale, Some(Scale::Single));
        assert_eq!(guess(&summary(2, 0, 0, 0)).scale, Some(Scale::Few));
        assert_eq!(guess(&summary(FEW_HOSTS_MAX, 0, 2, 0)).scale, Some(Scale::Few));
        assert_eq!(guess(&summary(FEW_HOSTS_MAX + 1, 0, 0, 0)).scale, Some(Scale::Many));
    }

    #[test]
    fn only_small_hosts_means_edge() {
        assert_eq!(guess(&summary(3, 3, 3, 0)).scale, Some(Scale::Edge));
        assert_eq!(
            guess(&summary(3, 2, 3, 0)).scale,
            Some(Scale::Few),
            "one large host is not edge"
        );
        assert_eq!(
            guess(&summary(8, 2, 2, 0)).scale,
            Some(Scale::Edge),
            "hosts without facts do not count"
        );
    }

    #[test]
    fn stacks_suggest_containers() {
        assert_eq!(guess(&summary(1, 0, 0, 0)).workloads, None);
        assert_eq!(guess(&summary(1, 0, 0, 4)).workloads, Some(Workloads::Containers));
    }
}

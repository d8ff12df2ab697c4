//! Samples of one container from two readings of its counters, computed as `docker stats`
//! computes them.

use homeport_metrics::SeriesKey;

use super::rates::{rate, Reading};
use crate::docker::stats::ContainerCounters;

/// One container's reading with what the collector knows besides the counters.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerReading {
    pub name: String,
    pub counters: ContainerCounters,
    pub restarts: u64,
}

/// The readings for `current`. `previous` is the same container's reading one interval ago,
/// with the seconds in between; `host_memory` tells an unlimited container (whose limit the
/// engine reports as the host's memory) from a limited one.
pub fn container_readings(
    host_id: &str,
    previous: Option<(&ContainerCounters, f64)>,
    current: &ContainerReading,
    host_memory: Option<u64>,
) -> Vec<Reading> {
    let mut out = Vec::new();
    let key = |metric: &str| SeriesKey::new(host_id, metric).label("container", current.name.clone());
    let mut push = |metric: &str, value: f64| {
        if value.is_finite() {
            out.push(Reading {
                key: key(metric),
                value,
            });
        }
    };
    let now = &current.counters;

    push("container_memory_bytes", now.memory_bytes as f64);
    push("container_restarts", current.restarts as f64);
    let limit = now
        .memory_limit_bytes
        .filter(|limit| host_memory.is_none_or(|total| *limit < total));
    if let Some(limit) = limit {
        push("container_memory_limit_bytes", limit as f64);
        push(
            "container_memory_percent",
            100.0 * now.memory_bytes as f64 / limit as f64,
        );
    }

    let Some((before, seconds)) = previous.filter(|(_, seconds)| *seconds > 0.0) else {
        return out;
    };
    // docker stats: container CPU delta over host CPU delta, times the CPUs, as a percentage,
    // so one busy core reads 100 % and the whole host reads CPUs × 100 %.
    let cpu_delta = now.cpu_total_ns.checked_sub(before.cpu_total_ns);
    let system_delta = now
        .system_cpu_ns
        .checked_sub(before.system_cpu_ns)
        .filter(|delta| *delta > 0);
    if let (Some(cpu), Some(system)) = (cpu_delta, system_delta) {
        push(
            "container_cpu_percent",
            100.0 * cpu as f64 / system as f64 * f64::from(now.online_cpus),
        );
    }
    let rates = [
        (
            "container_network_receive_bytes_per_second",
            before.network_rx_bytes,
            now.network_rx_bytes,
        ),
        (
            "container_network_transmit_bytes_per_second",
            before.network_tx_bytes,
            now.network_tx_bytes,
        ),
        (
            "container_block_read_bytes_per_second",
            before.block_read_bytes,
            now.block_read_bytes,
        ),
        (
            "container_block_write_bytes_per_second",
            before.block_write_bytes,
            now.block_write_bytes,
        ),
    ];
    for (metric, before, after) in rates {
        if let Some(value) = rate(before, after, seconds) {
            push(metric, value);
        }
    }
    out
}

//! One reading of a container's counters through the stats endpoint, the numbers `docker
//! stats` shows once two readings are compared.

use bollard::query_parameters::StatsOptions;
use futures_util::StreamExt;

use super::engine::DockerEngine;
use super::memory::used_memory;
use crate::error::{Error, Result};

/// Cumulative counters and current memory of one container.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ContainerCounters {
    /// CPU time the container used, in nanoseconds.
    pub cpu_total_ns: u64,
    /// CPU time of the whole host, in nanoseconds; the denominator of `docker stats` CPU %.
    pub system_cpu_ns: u64,
    pub online_cpus: u32,
    /// Memory as `docker stats` reports it: usage without the inactive page cache.
    pub memory_bytes: u64,
    /// The container's memory limit; `None` when it has none.
    pub memory_limit_bytes: Option<u64>,
    pub network_rx_bytes: u64,
    pub network_tx_bytes: u64,
    pub block_read_bytes: u64,
    pub block_write_bytes: u64,
}

impl DockerEngine {
    /// Reads a container's counters once. `one_shot` skips the engine's one-second wait for a
    /// second reading: the collector keeps the previous reading itself.
    pub async fn container_counters(&self, container: &str) -> Result<ContainerCounters> {
        let options = StatsOptions {
            stream: false,
            one_shot: true,
        };
        let mut stream = self.docker.stats(container, Some(options));
        let Some(sample) = stream.next().await else {
            return Err(Error::Docker {
                host: self.host.clone(),
                detail: format!("the engine sent no stats for container '{container}'"),
            });
        };
        let sample = sample.map_err(|err| self.map_error(err))?;

        let cpu = sample.cpu_stats.unwrap_or_default();
        let memory = sample.memory_stats.unwrap_or_default();
        let online_cpus = cpu.online_cpus.filter(|cpus| *cpus > 0).unwrap_or_else(|| {
            // Engines before API 1.27 leave online_cpus out; the per-CPU list has one entry
            // per CPU there.
            let per_cpu = cpu.cpu_usage.as_ref().and_then(|usage| usage.percpu_usage.as_ref());
            per_cpu.map_or(1, |list| list.len().max(1) as u32)
        });
        let (rx, tx) = sample
            .networks
            .unwrap_or_default()
            .values()
            .fold((0, 0), |(rx, tx), net| {
                (rx + net.rx_bytes.unwrap_or(0), tx + net.tx_bytes.unwrap_or(0))
            });
        let (read, write) = sample
            .blkio_stats
            .and_then(|blkio| blkio.io_service_bytes_recursive)
            .unwrap_or_default()
            .iter()
            .fold((0, 0), |(read, write), entry| {
                let value = entry.value.unwrap_or(0);
                match entry.op.as_deref().map(str::to_ascii_lowercase).as_deref() {
                    Some("read") => (read + value, write),
                    Some("write") => (read, write + value),
                    _ => (read, write),
                }
            });

        Ok(ContainerCounters {
            cpu_total_ns: cpu.cpu_usage.and_then(|usage| usage.total_usage).unwrap_or(0),
            system_cpu_ns: cpu.system_cpu_usage.unwrap_or(0),
            online_cpus,
            memory_bytes: used_memory(memory.usage.unwrap_or(0), memory.stats.as_ref()),
            memory_limit_bytes: memory.limit.filter(|limit| *limit > 0),
            network_rx_bytes: rx,
            network_tx_bytes: tx,
            block_read_bytes: read,
            block_write_bytes: write,
        })
    }

    /// How many times the engine restarted the container under its restart policy.
    pub async fn restart_count(&self, container: &str) -> Result<u64> {
        let details = self.inspect(container).await?;
        Ok(details
            .get("RestartCount")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0))
    }
}

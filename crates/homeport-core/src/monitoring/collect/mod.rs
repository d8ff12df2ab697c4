//! Agentless collection: one shell command per host per interval over the SSH connection
//! Homeport already has (or on this machine for the local engine), plus the Docker engine's
//! stats for each running container.
//!
//! ```text
//! SCRIPT ─sh -c─▶ output ─snapshot::parse─▶ HostSnapshot ─rates::host_readings─▶ Reading
//! engine.container_counters ─containers::container_readings─▶ Reading
//! ```
//!
//! The collector keeps the previous snapshot of each host and container, since counters only
//! become rates as differences.

pub mod containers;
pub mod rates;
pub mod snapshot;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::{stream, StreamExt};

use self::containers::{container_readings, ContainerReading};
pub use self::rates::Reading;
use self::snapshot::HostSnapshot;
use crate::docker::stats::ContainerCounters;
use crate::docker::DockerEngine;
use crate::error::{Error, Result};
use crate::ssh::SshSession;

/// The script that prints one snapshot; see script.sh.
pub const SCRIPT: &str = include_str!("script.sh");

/// A host clock further than this from this computer's clock is reported as skewed.
pub const CLOCK_SKEW_WARNING_MS: i64 = 2_000;

/// Maximum time one host's script may take before the collection gives up on it.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Maximum time one container's stats request may take.
const STATS_TIMEOUT: Duration = Duration::from_secs(10);

/// Stats requests in flight at once per engine, so a host with many containers is not sent
/// hundreds of requests together.
const STATS_CONCURRENCY: usize = 8;

/// Source of the host's counters.
pub enum HostProbe<'a> {
    /// The host behind an SSH session.
    Ssh(&'a SshSession),
    /// This computer, for the engine on the local socket.
    Local,
}

/// Result of one collection.
#[derive(Debug, Clone, Default)]
pub struct Collection {
    /// This computer's time when the host replied (the middle of the round trip), in Unix
    /// milliseconds. Every reading is stored at this time, so a host with a wrong clock still
    /// lines up with the others.
    pub taken_at_ms: i64,
    pub readings: Vec<Reading>,
    /// The host's clock minus this computer's, when the host printed its time.
    pub clock_skew_ms: Option<i64>,
    /// How long the host's script took, round trip included.
    pub script_ms: Option<u64>,
    /// How long the container stats took.
    pub containers_ms: Option<u64>,
    pub containers: usize,
    /// Problems that left part of the collection out, as English log text.
    pub warnings: Vec<String>,
}

impl Collection {
    /// Returns whether the host's clock is far enough off to report.
    pub fn clock_skewed(&self) -> bool {
        self.clock_skew_ms
            .is_some_and(|skew| skew.abs() > CLOCK_SKEW_WARNING_MS)
    }
}

/// The state kept between collections of one host.
pub struct Collector {
    host_id: String,
    previous_host: Option<(HostSnapshot, Instant)>,
    previous_containers: HashMap<String, (ContainerCounters, Instant)>,
}

impl Collector {
    pub fn new(host_id: impl Into<String>) -> Self {
        Self {
            host_id: host_id.into(),
            previous_host: None,
            previous_containers: HashMap::new(),
        }
    }

    pub fn host_id(&self) -> &str {
        &self.host_id
    }

    /// Returns whether a previous reading exists, so the next collection yields rates.
    pub fn primed(&self) -> bool {
        self.previous_host.is_some() || !self.previous_containers.is_empty()
    }

    /// Collects once. A host without a probe (an engine reached over TCP) gives container
    /// readings only, and a host without an engine gives host readings only. Fails only when
    /// neither part produced anything.
    #[tracing::instrument(skip_all, fields(host_id = %self.host_id))]
    pub async fn collect(&mut self, probe: Option<HostProbe<'_>>, engine: Option<&DockerEngine>) -> Result<Collection> {
        let mut collection = Collection {
            taken_at_ms: now_ms(),
            ..Collection::default()
        };
        let mut host_error = None;
        let mut host_memory = None;

        if let Some(probe) = probe {
            match self.collect_host(probe, &mut collection).await {
                Ok(memory) => host_memory = memory,
                Err(err) => {
                    collection.warnings.push(format!("host counters: {err}"));
                    host_error = Some(err);
                }
            }
        }

        if let Some(engine) = engine {
            if let Err(err) = self.collect_containers(engine, host_memory, &mut collection).await {
                collection.warnings.push(format!("container stats: {err}"));
                if host_error.is_some() || collection.readings.is_empty() {
                    return Err(host_error.unwrap_or(err));
                }
            }
        }

        if let Some(err) = host_error.filter(|_| collection.readings.is_empty()) {
            return Err(err);
        }
        tracing::debug!(
            readings = collection.readings.len(),
            containers = collection.containers,
            script_ms = collection.script_ms,
            containers_ms = collection.containers_ms,
            skew_ms = collection.clock_skew_ms,
            "collected"
        );
        Ok(collection)
    }

    /// Runs the script and turns it into readings; returns the host's memory size.
    async fn collect_host(&mut self, probe: HostProbe<'_>, collection: &mut Collection) -> Result<Option<u64>> {
        let sent_ms = now_ms();
        let started = Instant::now();
        let output = run_script(probe).await?;
        let elapsed = started.elapsed();
        let received_ms = now_ms();

        if !snapshot::has_sections(&output) {
            return Err(Error::Internal(format!(
                "the metrics script printed nothing Homeport understands; check that the login \
                 shell can run `sh -c` (output began with {:?})",
                output.chars().take(80).collect::<String>()
            )));
        }
        let current = snapshot::parse(&output);
        if !current.complete {
            collection.warnings.push("the metrics script stopped early".into());
        }

        let midpoint_ms = sent_ms + (received_ms - sent_ms) / 2;
        collection.taken_at_ms = midpoint_ms;
        collection.script_ms = Some(elapsed.as_millis() as u64);
        collection.clock_skew_ms = current.remote_clock_ms.map(|remote| remote - midpoint_ms);

        let previous = self.previous_host.as_ref().map(|(snapshot, at)| {
            // The host's own uptime measures the time between the readings without the
            // network's jitter; this computer's clock stands in when uptime is missing.
            let seconds = match (snapshot.uptime_seconds, current.uptime_seconds) {
                (Some(before), Some(after)) if after > before => after - before,
                _ => at.elapsed().as_secs_f64(),
            };
            (snapshot, seconds)
        });
        collection
            .readings
            .extend(rates::host_readings(&self.host_id, previous, &current));
        let memory = current.memory.map(|memory| memory.total);
        self.previous_host = Some((current, Instant::now()));
        Ok(memory)
    }

    async fn collect_containers(
        &mut self,
        engine: &DockerEngine,
        host_memory: Option<u64>,
        collection: &mut Collection,
    ) -> Result<()> {
        let started = Instant::now();
        let running: Vec<_> = engine
            .containers()
            .await?
            .into_iter()
            .filter(|container| container.state == "running")
            .collect();

        let results: Vec<_> = stream::iter(running)
            .map(|container| async move {
                let counters = tokio::time::timeout(STATS_TIMEOUT, engine.container_counters(&container.id)).await;
                let restarts = tokio::time::timeout(STATS_TIMEOUT, engine.restart_count(&container.id)).await;
                (container, counters, restarts)
            })
            .buffer_unordered(STATS_CONCURRENCY)
            .collect()
            .await;

        let mut seen = HashMap::new();
        for (container, counters, restarts) in results {
            let counters = match counters {
                Ok(Ok(counters)) => counters,
                Ok(Err(err)) => {
                    collection
                        .warnings
                        .push(format!("stats of '{}': {err}", container.name));
                    continue;
                }
                Err(_) => {
                    collection
                        .warnings
                        .push(format!("stats of '{}' timed out", container.name));
                    continue;
                }
            };
            let reading = ContainerReading {
                name: container.name.clone(),
                counters,
                restarts: restarts.ok().and_then(|result| result.ok()).unwrap_or(0),
            };
            let previous = self
                .previous_containers
                .get(&container.id)
                .map(|(counters, at)| (counters, at.elapsed().as_secs_f64()));
            collection
                .readings
                .extend(container_readings(&self.host_id, previous, &reading, host_memory));
            collection.containers += 1;
            seen.insert(container.id, (counters, Instant::now()));
        }
        // Containers that stopped drop out, so a restarted one starts without a stale reading.
        self.previous_containers = seen;
        collection.containers_ms = Some(started.elapsed().as_millis() as u64);
        Ok(())
    }
}

async fn run_script(probe: HostProbe<'_>) -> Result<String> {
    let timed_out = || {
        Error::Internal(format!(
            "the metrics script took longer than {} s",
            SCRIPT_TIMEOUT.as_secs()
        ))
    };
    match probe {
        // NOTE: the multi-line script is quoted for a POSIX login shell; csh and tcsh reject
        // it ("Unmatched '"), so such hosts get container figures only. Sending the script on
        // stdin to `sh -s` would avoid this but needs stdin support in SshSession::exec.
        HostProbe::Ssh(session) => {
            let output = tokio::time::timeout(SCRIPT_TIMEOUT, session.exec(&["sh", "-c", SCRIPT]))
                .await
                .map_err(|_| timed_out())??;
            Ok(output.stdout)
        }
        HostProbe::Local => {
            let output = tokio::process::Command::new("sh")
                .arg("-c")
                .arg(SCRIPT)
                .stdin(std::process::Stdio::null())
                .kill_on_drop(true)
                .output();
            let output = tokio::time::timeout(SCRIPT_TIMEOUT, output)
                .await
                .map_err(|_| timed_out())?
                .map_err(|err| Error::Internal(format!("cannot run `sh` on this computer: {err}")))?;
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        }
    }
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

#[cfg(test)]
mod tests;

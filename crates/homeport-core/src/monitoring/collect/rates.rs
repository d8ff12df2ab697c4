//! Turns two snapshots of a host into samples: gauges are taken from the newer snapshot,
//! counters become rates over the time between the two.

use homeport_metrics::SeriesKey;

use super::snapshot::{CpuTimes, HostSnapshot};

/// One value for one series, before it is stamped with the collection time.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub key: SeriesKey,
    pub value: f64,
}

/// Returns the readings of `current`. Rates need `previous` and the seconds between the two; without
/// them (the first collection, or after a reboot reset the counters) only gauges come back.
pub fn host_readings(host_id: &str, previous: Option<(&HostSnapshot, f64)>, current: &HostSnapshot) -> Vec<Reading> {
    let mut out = Vec::new();
    let mut push = |key: SeriesKey, value: f64| {
        if value.is_finite() {
            out.push(Reading { key, value });
        }
    };
    let key = |metric: &str| SeriesKey::new(host_id, metric);

    if let Some(uptime) = current.uptime_seconds {
        push(key("uptime_seconds"), uptime);
    }
    if let Some([one, five, fifteen]) = current.load {
        push(key("load1"), one);
        push(key("load5"), five);
        push(key("load15"), fifteen);
    }
    if let Some(memory) = current.memory {
        push(key("memory_total_bytes"), memory.total as f64);
        push(key("memory_used_bytes"), memory.used() as f64);
        push(key("memory_available_bytes"), memory.available as f64);
        push(key("memory_cached_bytes"), (memory.cached + memory.buffers) as f64);
        push(key("swap_total_bytes"), memory.swap_total as f64);
        push(
            key("swap_used_bytes"),
            memory.swap_total.saturating_sub(memory.swap_free) as f64,
        );
    }
    for fs in &current.filesystems {
        let fs_key = |metric: &str| key(metric).label("mount", fs.mount_point.clone());
        push(fs_key("filesystem_size_bytes"), fs.size_bytes as f64);
        push(fs_key("filesystem_used_bytes"), fs.used_bytes as f64);
        // As df computes Use%: used against what non-root users can reach.
        let usable = fs.used_bytes + fs.available_bytes;
        if usable > 0 {
            push(
                fs_key("filesystem_used_percent"),
                100.0 * fs.used_bytes as f64 / usable as f64,
            );
        }
    }

    let Some((previous, seconds)) =
        previous.filter(|(previous, seconds)| *seconds > 0.0 && !rebooted(previous, current))
    else {
        return out;
    };

    if let (Some(before), Some(after)) = (previous.cpu_total, current.cpu_total) {
        if let Some((busy, iowait)) = cpu_percent(&before, &after) {
            push(key("cpu_usage_percent").label("cpu", "total"), busy);
            push(key("cpu_iowait_percent").label("cpu", "total"), iowait);
        }
    }
    for (index, after) in &current.cpus {
        let before = previous
            .cpus
            .iter()
            .find(|(other, _)| other == index)
            .map(|(_, times)| times);
        if let Some((busy, _)) = before.and_then(|before| cpu_percent(before, after)) {
            push(key("cpu_usage_percent").label("cpu", index.to_string()), busy);
        }
    }
    for (device, after) in &current.disks {
        let Some(before) = previous.disks.get(device) else {
            continue;
        };
        let disk_key = |metric: &str| key(metric).label("device", device.clone());
        if let Some(rate) = rate(before.read_bytes, after.read_bytes, seconds) {
            push(disk_key("disk_read_bytes_per_second"), rate);
        }
        if let Some(rate) = rate(before.written_bytes, after.written_bytes, seconds) {
            push(disk_key("disk_write_bytes_per_second"), rate);
        }
    }
    for (interface, after) in &current.networks {
        let Some(before) = previous.networks.get(interface) else {
            continue;
        };
        let net_key = |metric: &str| key(metric).label("interface", interface.clone());
        if let Some(rate) = rate(before.rx_bytes, after.rx_bytes, seconds) {
            push(net_key("network_receive_bytes_per_second"), rate);
        }
        if let Some(rate) = rate(before.tx_bytes, after.tx_bytes, seconds) {
            push(net_key("network_transmit_bytes_per_second"), rate);
        }
    }
    out
}

/// Returns whether the host restarted: its uptime went down, so its counters began again at zero.
fn rebooted(previous: &HostSnapshot, current: &HostSnapshot) -> bool {
    matches!((previous.uptime_seconds, current.uptime_seconds), (Some(before), Some(after)) if after < before)
}

/// Busy and iowait time as percentages of all ticks between two readings of one CPU line.
fn cpu_percent(before: &CpuTimes, after: &CpuTimes) -> Option<(f64, f64)> {
    let total = after.total().checked_sub(before.total())?;
    if total == 0 {
        return None;
    }
    let busy = after.busy().saturating_sub(before.busy());
    let iowait = after.iowait.saturating_sub(before.iowait);
    Some((100.0 * busy as f64 / total as f64, 100.0 * iowait as f64 / total as f64))
}

/// Per-second increase of a counter; `None` when it went down (a reset or a wrapped 32-bit
/// counter), because no true rate exists for that interval.
pub(crate) fn rate(before: u64, after: u64, seconds: f64) -> Option<f64> {
    let delta = after.checked_sub(before)?;
    Some(delta as f64 / seconds)
}

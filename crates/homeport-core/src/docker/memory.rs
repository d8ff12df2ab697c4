//! Container memory as `docker stats` reports it.
//!
//! The kernel counts page cache in a cgroup's usage, so the raw number overstates what a
//! container needs. The docker CLI subtracts the inactive file cache: `inactive_file` on
//! cgroup v2 and `total_inactive_file` on cgroup v1, and only when it is smaller than the usage.

use std::collections::HashMap;

/// Returns the memory a container uses, in bytes, computed as `docker stats` does.
pub fn used_memory(usage: u64, stats: Option<&HashMap<String, u64>>) -> u64 {
    let inactive = stats.and_then(|stats| {
        stats
            .get("inactive_file")
            .or_else(|| stats.get("total_inactive_file"))
            .copied()
    });
    match inactive {
        Some(cache) if cache < usage => usage - cache,
        _ => usage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn cgroup_v2_subtracts_inactive_file() {
        let stats = HashMap::from([("inactive_file".to_string(), 629_145_600)]);
        assert_eq!(
            used_memory(734_003_200, Some(&stats)),
            100 * MIB,
            "700 MiB usage with 600 MiB cache is 100 MiB"
        );
    }

    #[test]
    fn cgroup_v1_subtracts_total_inactive_file() {
        let stats = HashMap::from([("total_inactive_file".to_string(), 10 * MIB)]);
        assert_eq!(used_memory(30 * MIB, Some(&stats)), 20 * MIB);
    }

    #[test]
    fn cache_larger_than_usage_is_ignored() {
        let stats = HashMap::from([("inactive_file".to_string(), 50 * MIB)]);
        assert_eq!(used_memory(40 * MIB, Some(&stats)), 40 * MIB);
    }

    #[test]
    fn missing_stats_leave_usage_unchanged() {
        assert_eq!(used_memory(40 * MIB, None), 40 * MIB);
    }
}

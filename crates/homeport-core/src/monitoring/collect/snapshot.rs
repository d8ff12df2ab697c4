//! One reading of a host's counters, parsed from the output of the collection script.
//!
//! Counters (CPU ticks, disk sectors, network bytes) only mean something as the difference
//! between two snapshots; [`super::rates`] turns a pair into samples.

use std::collections::HashMap;

use crate::facts::filesystems;
use crate::facts::Filesystem;

/// Starts each line that opens a section; the section name follows it.
const SECTION_MARKER: &str = "@@homeport-metrics ";

/// The section the script prints last, so a cut-off output can be detected.
const END_SECTION: &str = "end";

/// Cumulative CPU time of one CPU line of `/proc/stat`, in USER_HZ ticks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    pub user: u64,
    pub nice: u64,
    pub system: u64,
    pub idle: u64,
    pub iowait: u64,
    pub irq: u64,
    pub softirq: u64,
    pub steal: u64,
}

impl CpuTimes {
    /// Returns all ticks counted, idle included. Guest time is already inside user and nice.
    pub fn total(&self) -> u64 {
        self.user + self.nice + self.system + self.idle + self.iowait + self.irq + self.softirq + self.steal
    }

    /// Ticks spent neither idle nor waiting for I/O.
    pub fn busy(&self) -> u64 {
        self.total() - self.idle - self.iowait
    }
}

/// Memory figures from `/proc/meminfo`, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    pub total: u64,
    pub free: u64,
    /// What the kernel estimates can be given to new programs without swapping. Kernels before
    /// 3.14 lack it; then it is free + buffers + cached.
    pub available: u64,
    /// Page cache and reclaimable slab, which `free` reports as buff/cache.
    pub cached: u64,
    pub buffers: u64,
    pub swap_total: u64,
    pub swap_free: u64,
}

impl Memory {
    /// Memory in use by programs: total minus available, as `free` computes it.
    pub fn used(&self) -> u64 {
        self.total.saturating_sub(self.available)
    }
}

/// Cumulative I/O of one block device from `/proc/diskstats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiskCounters {
    pub read_bytes: u64,
    pub written_bytes: u64,
}

/// Cumulative traffic of one interface from `/proc/net/dev`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetCounters {
    pub rx_bytes: u64,
    pub tx_bytes: u64,
}

/// Everything one run of the script reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostSnapshot {
    /// The host's clock in Unix milliseconds, when `date` printed it.
    pub remote_clock_ms: Option<i64>,
    /// Seconds since boot; a smaller value than last time means the host rebooted.
    pub uptime_seconds: Option<f64>,
    /// The `cpu` line: all CPUs together.
    pub cpu_total: Option<CpuTimes>,
    /// `cpu0`, `cpu1`, …, by index.
    pub cpus: Vec<(u32, CpuTimes)>,
    pub load: Option<[f64; 3]>,
    pub memory: Option<Memory>,
    pub disks: HashMap<String, DiskCounters>,
    pub networks: HashMap<String, NetCounters>,
    pub filesystems: Vec<Filesystem>,
    /// Whether the output reached the last section.
    pub complete: bool,
}

/// Returns whether `output` contains at least one section marker.
pub fn has_sections(output: &str) -> bool {
    output.lines().any(|line| line.starts_with(SECTION_MARKER))
}

/// Parses the script's output. A missing or malformed section leaves its part empty.
pub fn parse(output: &str) -> HostSnapshot {
    let sections = split_sections(output);
    let section = |name: &str| sections.get(name).map(Vec::as_slice).unwrap_or_default();

    let (cpu_total, cpus) = parse_stat(section("stat"));
    let filesystems = match sections.get("df-typed") {
        Some(table) => filesystems::from_typed_df(table),
        None => filesystems::from_df_and_mounts(section("df"), section("mounts")),
    };

    HostSnapshot {
        remote_clock_ms: section("clock").first().and_then(|line| parse_clock(line)),
        uptime_seconds: section("uptime").first().and_then(|line| first_number(line)),
        cpu_total,
        cpus,
        load: section("loadavg").first().and_then(|line| parse_loadavg(line)),
        memory: parse_meminfo(section("meminfo")),
        disks: parse_diskstats(section("diskstats")),
        networks: parse_netdev(section("netdev")),
        filesystems,
        complete: sections.contains_key(END_SECTION),
    }
}

fn split_sections(output: &str) -> HashMap<&str, Vec<&str>> {
    let mut sections: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut current = None;
    for line in output.lines() {
        if let Some(name) = line.strip_prefix(SECTION_MARKER) {
            let name = name.trim();
            sections.entry(name).or_default();
            current = Some(name);
        } else if let Some(name) = current {
            if !line.trim().is_empty() {
                sections.entry(name).or_default().push(line);
            }
        }
    }
    sections
}

/// `1733380000.123456789`, `1733380000.N` (busybox) or `1733380000`.
fn parse_clock(line: &str) -> Option<i64> {
    let line = line.trim();
    let (seconds, fraction) = line.split_once('.').unwrap_or((line, ""));
    let seconds: i64 = seconds.parse().ok()?;
    let millis = match fraction.get(..3) {
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => digits.parse().unwrap_or(0),
        _ => 0,
    };
    Some(seconds * 1000 + millis)
}

fn first_number(line: &str) -> Option<f64> {
    line.split_whitespace().next()?.parse().ok()
}

fn parse_loadavg(line: &str) -> Option<[f64; 3]> {
    let mut words = line.split_whitespace().map(str::parse::<f64>);
    Some([words.next()?.ok()?, words.next()?.ok()?, words.next()?.ok()?])
}

fn parse_stat(lines: &[&str]) -> (Option<CpuTimes>, Vec<(u32, CpuTimes)>) {
    let mut total = None;
    let mut cpus = Vec::new();
    for line in lines {
        let mut words = line.split_whitespace();
        let Some(name) = words.next() else { continue };
        let values: Vec<u64> = words.map_while(|word| word.parse().ok()).collect();
        // Kernels since 2.6.11 print at least eight columns, up to steal.
        if values.len() < 4 {
            continue;
        }
        let column = |index: usize| values.get(index).copied().unwrap_or(0);
        let times = CpuTimes {
            user: column(0),
            nice: column(1),
            system: column(2),
            idle: column(3),
            iowait: column(4),
            irq: column(5),
            softirq: column(6),
            steal: column(7),
        };
        match name.strip_prefix("cpu") {
            Some("") => total = Some(times),
            Some(index) => {
                if let Ok(index) = index.parse() {
                    cpus.push((index, times));
                }
            }
            None => {}
        }
    }
    (total, cpus)
}

fn parse_meminfo(lines: &[&str]) -> Option<Memory> {
    let mut values = HashMap::new();
    for line in lines {
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        let Some(kib) = rest.split_whitespace().next().and_then(|word| word.parse::<u64>().ok()) else {
            continue;
        };
        values.insert(name.trim(), kib * 1024);
    }
    let value = |name: &str| values.get(name).copied().unwrap_or(0);
    let total = *values.get("MemTotal")?;
    let free = value("MemFree");
    let buffers = value("Buffers");
    let cached = value("Cached") + value("SReclaimable");
    let available = values.get("MemAvailable").copied().unwrap_or(free + buffers + cached);
    Some(Memory {
        total,
        free,
        available,
        cached,
        buffers,
        swap_total: value("SwapTotal"),
        swap_free: value("SwapFree"),
    })
}

/// Whole disks and md/dm devices, without partitions, loop and ram devices, so that a disk's
/// I/O is not counted once for the disk and again for each partition.
fn parse_diskstats(lines: &[&str]) -> HashMap<String, DiskCounters> {
    // /proc/diskstats counts in 512-byte sectors whatever the device's sector size.
    const SECTOR: u64 = 512;
    let mut disks = HashMap::new();
    for line in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() < 10 {
            continue;
        }
        let name = words[2];
        if !is_whole_disk(name) {
            continue;
        }
        let (Ok(read), Ok(written)) = (words[5].parse::<u64>(), words[9].parse::<u64>()) else {
            continue;
        };
        disks.insert(
            name.to_string(),
            DiskCounters {
                read_bytes: read * SECTOR,
                written_bytes: written * SECTOR,
            },
        );
    }
    disks
}

fn is_whole_disk(name: &str) -> bool {
    const SKIPPED: [&str; 4] = ["loop", "ram", "zram", "fd"];
    if SKIPPED.iter().any(|prefix| name.starts_with(prefix)) {
        return false;
    }
    let ends_in_digit = name.bytes().last().is_some_and(|b| b.is_ascii_digit());
    if name.starts_with("nvme") || name.starts_with("mmcblk") {
        return !has_partition_suffix(name);
    }
    if name.starts_with("sd") || name.starts_with("vd") || name.starts_with("hd") || name.starts_with("xvd") {
        return !ends_in_digit;
    }
    // md0, dm-0 and anything else the kernel lists as its own device.
    true
}

/// `nvme0n1p2` and `mmcblk0p1` are partitions: a `p` after a digit, then digits.
fn has_partition_suffix(name: &str) -> bool {
    let Some(at) = name.rfind('p') else { return false };
    let tail = &name[at + 1..];
    let before = name[..at].bytes().last();
    !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) && before.is_some_and(|b| b.is_ascii_digit())
}

/// Interfaces except loopback; Docker's veth pairs are kept out as well, since the container's
/// traffic is counted per container and would otherwise be counted twice.
fn parse_netdev(lines: &[&str]) -> HashMap<String, NetCounters> {
    let mut networks = HashMap::new();
    for line in lines {
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() || name.contains(' ') || name.contains('|') || name == "lo" || name.starts_with("veth") {
            continue;
        }
        let words: Vec<u64> = rest.split_whitespace().filter_map(|word| word.parse().ok()).collect();
        if words.len() < 9 {
            continue;
        }
        networks.insert(
            name.to_string(),
            NetCounters {
                rx_bytes: words[0],
                tx_bytes: words[8],
            },
        );
    }
    networks
}

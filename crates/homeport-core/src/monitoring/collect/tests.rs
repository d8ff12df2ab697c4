//! Tests of the script, the parser and the rate arithmetic.

use std::process::Command;

use super::rates::host_readings;
use super::snapshot::{parse, HostSnapshot};
use super::SCRIPT;

/// A host's output captured by hand, trimmed to a few lines per section.
const FIXTURE: &str = "\
Last login: banner text that comes before the first section
@@homeport-metrics clock
1733380000.250123456
@@homeport-metrics uptime
1000.50 1900.00
@@homeport-metrics stat
cpu  100 0 50 800 50 0 0 0 0 0
cpu0 50 0 25 400 25 0 0 0 0 0
cpu1 50 0 25 400 25 0 0 0 0 0
@@homeport-metrics loadavg
0.52 0.41 0.30 2/345 6789
@@homeport-metrics meminfo
MemTotal:        8000000 kB
MemFree:         1000000 kB
MemAvailable:    5000000 kB
Buffers:          100000 kB
Cached:          2000000 kB
SReclaimable:     200000 kB
SwapTotal:       1000000 kB
SwapFree:         750000 kB
@@homeport-metrics diskstats
   8       0 sda 100 0 2048 10 50 0 4096 20 0 30 30 0 0 0 0
   8       1 sda1 90 0 2000 10 40 0 4000 20 0 30 30 0 0 0 0
 259       0 nvme0n1 10 0 1024 1 10 0 1024 1 0 2 2 0 0 0 0
 259       1 nvme0n1p1 10 0 1024 1 10 0 1024 1 0 2 2 0 0 0 0
   7       0 loop0 5 0 10 0 0 0 0 0 0 0 0 0 0 0 0
@@homeport-metrics netdev
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 500 5 0 0 0 0 0 0 500 5 0 0 0 0 0 0
  eth0: 10000 100 0 0 0 0 0 0 20000 200 0 0 0 0 0 0
vethab12: 7 1 0 0 0 0 0 0 7 1 0 0 0 0 0 0
@@homeport-metrics df-typed
Filesystem     Type 1024-blocks    Used Available Capacity Mounted on
/dev/sda1      ext4    1000000  800000    200000      80% /
@@homeport-metrics end
";

fn later(snapshot: &HostSnapshot) -> HostSnapshot {
    let mut next = snapshot.clone();
    next.uptime_seconds = snapshot.uptime_seconds.map(|uptime| uptime + 10.0);
    let mut total = next.cpu_total.expect("cpu line");
    // 100 more ticks: 30 busy (user), 10 iowait, 60 idle.
    total.user += 30;
    total.iowait += 10;
    total.idle += 60;
    next.cpu_total = Some(total);
    next.disks.get_mut("sda").expect("sda").read_bytes += 10 * 1_048_576;
    next.networks.get_mut("eth0").expect("eth0").tx_bytes += 50_000;
    next
}

fn value(readings: &[super::Reading], metric: &str, label: Option<(&str, &str)>) -> Option<f64> {
    readings
        .iter()
        .find(|reading| {
            reading.key.metric == metric
                && label.is_none_or(|(name, value)| reading.key.labels.get(name).map(String::as_str) == Some(value))
        })
        .map(|reading| reading.value)
}

#[test]
fn fixture_parses_every_section() {
    let snapshot = parse(FIXTURE);
    assert!(snapshot.complete);
    assert_eq!(snapshot.remote_clock_ms, Some(1_733_380_000_250));
    assert_eq!(snapshot.uptime_seconds, Some(1000.5));
    assert_eq!(snapshot.cpus.len(), 2);
    assert_eq!(snapshot.load, Some([0.52, 0.41, 0.30]));
    let memory = snapshot.memory.expect("memory");
    assert_eq!(memory.total, 8_000_000 * 1024);
    assert_eq!(memory.used(), 3_000_000 * 1024, "used is total minus available");
    assert_eq!(memory.cached, 2_200_000 * 1024, "page cache plus reclaimable slab");
    let mut disks: Vec<_> = snapshot.disks.keys().cloned().collect();
    disks.sort();
    assert_eq!(disks, ["nvme0n1", "sda"], "partitions and loop devices are left out");
    assert_eq!(snapshot.disks["sda"].read_bytes, 2048 * 512);
    let networks: Vec<_> = snapshot.networks.keys().collect();
    assert_eq!(networks, ["eth0"], "loopback and veth pairs are left out");
    assert_eq!(snapshot.networks["eth0"].tx_bytes, 20_000);
    assert_eq!(snapshot.filesystems.len(), 1);
    assert_eq!(snapshot.filesystems[0].mount_point, "/");
}

#[test]
fn first_collection_has_gauges_only() {
    let readings = host_readings("h", None, &parse(FIXTURE));
    assert_eq!(value(&readings, "load1", None), Some(0.52));
    assert_eq!(
        value(&readings, "filesystem_used_percent", Some(("mount", "/"))),
        Some(80.0)
    );
    assert_eq!(value(&readings, "swap_used_bytes", None), Some(250_000.0 * 1024.0));
    assert!(
        value(&readings, "cpu_usage_percent", None).is_none(),
        "a rate needs two readings"
    );
}

#[test]
fn second_collection_has_rates() {
    let first = parse(FIXTURE);
    let second = later(&first);
    let readings = host_readings("h", Some((&first, 10.0)), &second);
    assert_eq!(
        value(&readings, "cpu_usage_percent", Some(("cpu", "total"))),
        Some(30.0)
    );
    assert_eq!(
        value(&readings, "cpu_iowait_percent", Some(("cpu", "total"))),
        Some(10.0)
    );
    assert_eq!(
        value(&readings, "disk_read_bytes_per_second", Some(("device", "sda"))),
        Some(1_048_576.0)
    );
    assert_eq!(
        value(
            &readings,
            "network_transmit_bytes_per_second",
            Some(("interface", "eth0"))
        ),
        Some(5_000.0)
    );
    assert!(readings.iter().all(|reading| reading.key.host_id == "h"));
}

#[test]
fn reboot_drops_rates_for_one_interval() {
    let first = parse(FIXTURE);
    let mut rebooted = later(&first);
    rebooted.uptime_seconds = Some(5.0);
    rebooted.networks.get_mut("eth0").expect("eth0").tx_bytes = 10;
    let readings = host_readings("h", Some((&first, 10.0)), &rebooted);
    assert!(value(&readings, "network_transmit_bytes_per_second", None).is_none());
    assert!(value(&readings, "cpu_usage_percent", None).is_none());
    assert_eq!(value(&readings, "uptime_seconds", None), Some(5.0));
}

#[test]
fn counter_that_went_down_gives_no_rate() {
    let first = parse(FIXTURE);
    let mut next = later(&first);
    next.networks.get_mut("eth0").expect("eth0").rx_bytes = 5;
    let readings = host_readings("h", Some((&first, 10.0)), &next);
    assert!(value(&readings, "network_receive_bytes_per_second", None).is_none());
    assert!(value(&readings, "network_transmit_bytes_per_second", None).is_some());
}

#[test]
fn cut_off_output_keeps_what_arrived() {
    let cut = &FIXTURE[..FIXTURE.find("@@homeport-metrics meminfo").expect("meminfo")];
    let snapshot = parse(cut);
    assert!(!snapshot.complete);
    assert!(snapshot.load.is_some());
    assert!(snapshot.memory.is_none());
}

#[test]
fn busybox_clock_without_nanoseconds() {
    let snapshot = parse("@@homeport-metrics clock\n1733380000.N\n");
    assert_eq!(snapshot.remote_clock_ms, Some(1_733_380_000_000));
}

/// Runs the script on this machine with each shell that is installed and checks that the
/// parts every Linux has come back.
#[test]
fn script_runs_under_posix_shells() {
    let shells: [&[&str]; 3] = [&["dash"], &["bash", "--posix"], &["busybox", "ash"]];
    let mut ran = 0;
    for shell in shells {
        let Ok(output) = Command::new(shell[0]).args(&shell[1..]).arg("-c").arg(SCRIPT).output() else {
            continue;
        };
        ran += 1;
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{shell:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let snapshot = parse(&text);
        assert!(snapshot.complete, "{shell:?} did not reach the end:\n{text}");
        assert!(snapshot.cpu_total.is_some(), "{shell:?}: no cpu line");
        assert!(!snapshot.cpus.is_empty(), "{shell:?}: no per-CPU lines");
        assert!(
            snapshot.memory.is_some_and(|memory| memory.total > 0),
            "{shell:?}: no memory"
        );
        assert!(snapshot.load.is_some(), "{shell:?}: no load");
        assert!(snapshot.uptime_seconds.is_some(), "{shell:?}: no uptime");
        let skew = snapshot.remote_clock_ms.expect("clock") - super::now_ms();
        assert!(skew.abs() < 5_000, "{shell:?}: this machine's clock read {skew} ms off");
        assert!(!snapshot.filesystems.is_empty(), "{shell:?}: no filesystems");
    }
    assert!(ran >= 1, "no POSIX shell found to run the script with");
}

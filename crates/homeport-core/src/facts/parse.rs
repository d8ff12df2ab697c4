//! Parsing the output of the facts script into [`HostFacts`].

use std::collections::HashMap;

use super::{filesystems, HostFacts};

/// Starts each line that opens a section. The section name follows it.
const SECTION_MARKER: &str = "@@homeport-facts ";

/// The name of the section the script prints last.
const END_SECTION: &str = "end";

/// Parses the output of [`super::SCRIPT`].
///
/// A missing, empty or malformed section leaves its facts empty instead of failing, and text
/// before the first section (such as a login banner) is ignored.
pub fn parse(output: &str) -> HostFacts {
    let sections = split_sections(output);
    let section = |name: &str| sections.get(name).map(Vec::as_slice).unwrap_or_default();

    let os_release = parse_os_release(section("os-release"));
    let (kernel, architecture) = parse_uname(section("uname"));
    let cpu = parse_cpuinfo(section("cpuinfo"));
    let memory = parse_meminfo(section("meminfo"));
    let filesystems = match sections.get("df-typed") {
        Some(table) => filesystems::from_typed_df(table),
        None => filesystems::from_df_and_mounts(section("df"), section("mounts")),
    };

    HostFacts {
        os_name: os_release.get("PRETTY_NAME").or(os_release.get("NAME")).cloned(),
        os_id: os_release.get("ID").cloned(),
        os_version: os_release.get("VERSION_ID").cloned(),
        kernel,
        cpu_model: cpu.model.or_else(|| architecture.clone()),
        architecture,
        cpu_cores: first_line(section("nproc"))
            .and_then(|line| line.parse().ok())
            .filter(|cores| *cores > 0)
            .or(cpu.processors),
        memory_total_bytes: memory.total,
        memory_available_bytes: memory.available,
        filesystems,
        docker_version: docker_value(section("docker-version")),
        docker_storage_driver: docker_value(section("docker-driver")),
        uptime_seconds: first_line(section("uptime")).and_then(parse_uptime),
    }
}

/// Returns whether `output` contains at least one section marker.
pub(super) fn has_sections(output: &str) -> bool {
    output.lines().any(|line| line.starts_with(SECTION_MARKER))
}

/// Returns whether `output` reached the script's last section, so nothing was cut off.
pub(super) fn is_complete(output: &str) -> bool {
    output
        .lines()
        .filter_map(|line| line.strip_prefix(SECTION_MARKER))
        .any(|name| name.trim() == END_SECTION)
}

/// Groups the non-blank lines of `output` by section name. A repeated name keeps the last one.
fn split_sections(output: &str) -> HashMap<&str, Vec<&str>> {
    let mut sections: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut current = None;
    for line in output.lines() {
        if let Some(name) = line.strip_prefix(SECTION_MARKER) {
            let name = name.trim();
            sections.insert(name, Vec::new());
            current = Some(name);
        } else if let Some(lines) = current.and_then(|name| sections.get_mut(name)) {
            if !line.trim().is_empty() {
                lines.push(line);
            }
        }
    }
    sections
}

fn first_line<'a>(lines: &[&'a str]) -> Option<&'a str> {
    lines.first().map(|line| line.trim()).filter(|line| !line.is_empty())
}

/// Reads `KEY=value` lines of os-release, which quotes values as a POSIX shell would.
fn parse_os_release(lines: &[&str]) -> HashMap<String, String> {
    let mut values = HashMap::new();
    for line in lines {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = unquote_shell_word(value.trim());
        if !value.is_empty() {
            values.insert(key.trim().to_string(), value);
        }
    }
    values
}

/// Removes shell quoting from an os-release value: single quotes are literal, and inside
/// double quotes or outside quotes a backslash escapes the next character. Anything after
/// unquoted whitespace (a trailing comment) is dropped.
fn unquote_shell_word(word: &str) -> String {
    let mut value = String::with_capacity(word.len());
    let mut chars = word.chars();
    while let Some(character) = chars.next() {
        match character {
            '\'' => value.extend(chars.by_ref().take_while(|inner| *inner != '\'')),
            '"' => {
                while let Some(inner) = chars.next() {
                    match inner {
                        '"' => break,
                        '\\' => value.extend(chars.next()),
                        other => value.push(other),
                    }
                }
            }
            '\\' => value.extend(chars.next()),
            blank if blank.is_whitespace() => break,
            other => value.push(other),
        }
    }
    value
}

/// Splits `uname -srm` output into the kernel (name and release) and the architecture.
fn parse_uname(lines: &[&str]) -> (Option<String>, Option<String>) {
    let Some(line) = first_line(lines) else {
        return (None, None);
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.split_last() {
        Some((architecture, kernel)) if !kernel.is_empty() => (Some(kernel.join(" ")), Some(architecture.to_string())),
        _ => (Some(line.to_string()), None),
    }
}

/// CPU model and logical CPU count from `/proc/cpuinfo`.
#[derive(Debug, Default, PartialEq)]
struct CpuInfo {
    model: Option<String>,
    /// The number of `processor` entries, one per logical CPU.
    processors: Option<u32>,
}

/// Reads the CPU model and the number of logical CPUs. x86 kernels name the model in
/// `model name`, older 32-bit ARM kernels in `Processor` (capitalized, unlike the `processor`
/// index lines) and MIPS kernels in `cpu model`.
fn parse_cpuinfo(lines: &[&str]) -> CpuInfo {
    let mut model = None;
    let mut processors = 0u32;
    for line in lines {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "processor" => processors += 1,
            "model name" | "Processor" | "cpu model" if model.is_none() && !value.is_empty() => {
                model = Some(value.to_string());
            }
            _ => {}
        }
    }
    CpuInfo {
        model,
        processors: (processors > 0).then_some(processors),
    }
}

/// Memory totals from `/proc/meminfo`, in bytes.
#[derive(Debug, Default, PartialEq)]
struct Memory {
    total: Option<u64>,
    available: Option<u64>,
}

fn parse_meminfo(lines: &[&str]) -> Memory {
    let mut values: HashMap<&str, u64> = HashMap::new();
    for line in lines {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let Some(Ok(amount)) = words.next().map(str::parse::<u64>) else {
            continue;
        };
        let unit = match words.next() {
            Some("kB") => 1024,
            _ => 1,
        };
        values.insert(key.trim(), amount.saturating_mul(unit));
    }

    // Kernels before 3.14 have no MemAvailable. There it is estimated as free memory plus
    // buffers and page cache, which overstates what can be reclaimed.
    let estimate = || Some(values.get("MemFree")? + values.get("Buffers")? + values.get("Cached")?);
    Memory {
        total: values.get("MemTotal").copied(),
        available: values.get("MemAvailable").copied().or_else(estimate),
    }
}

/// Reads the whole seconds since boot from the first field of `/proc/uptime` (`2495.00 3118.15`).
fn parse_uptime(line: &str) -> Option<u64> {
    let seconds = line.split_whitespace().next()?;
    let whole = seconds.split_once('.').map_or(seconds, |(whole, _)| whole);
    whole.parse().ok()
}

/// Reads one value the `docker` CLI printed with `--format`. Go's text/template prints
/// `<no value>` for a missing map key, so that text means no value.
fn docker_value(lines: &[&str]) -> Option<String> {
    first_line(lines)
        .filter(|value| *value != "<no value>")
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Filesystem;

    const KIB: u64 = 1024;

    fn filesystem(source: &str, fs_type: &str, mount_point: &str, blocks: [u64; 3]) -> Filesystem {
        Filesystem {
            source: source.into(),
            fs_type: fs_type.into(),
            mount_point: mount_point.into(),
            size_bytes: blocks[0] * KIB,
            used_bytes: blocks[1] * KIB,
            available_bytes: blocks[2] * KIB,
            snapshots: fs_type == "zfs" || fs_type == "btrfs",
        }
    }

    #[test]
    fn debian_capture() {
        let facts = parse(include_str!("testdata/debian12.txt"));

        assert_eq!(facts.os_name.as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
        assert_eq!(facts.os_id.as_deref(), Some("debian"));
        assert_eq!(facts.os_version.as_deref(), Some("12"));
        assert_eq!(facts.kernel.as_deref(), Some("Linux 6.18.44-fc-v1147"));
        assert_eq!(facts.architecture.as_deref(), Some("x86_64"));
        assert_eq!(facts.cpu_model.as_deref(), Some("Intel(R) Xeon(R) Processor"));
        assert_eq!(facts.cpu_cores, Some(2));
        assert_eq!(facts.memory_total_bytes, Some(24683664 * KIB));
        assert!(facts.memory_available_bytes.is_some_and(|bytes| bytes < 24683664 * KIB));
        assert_eq!(facts.docker_version.as_deref(), Some("20.10.24+dfsg1"));
        assert_eq!(facts.docker_storage_driver.as_deref(), Some("overlay2"));
        assert_eq!(facts.uptime_seconds, Some(2499));
        // devtmpfs and the tmpfs mounts, including one whose source is a long name, are left out.
        assert_eq!(
            facts.filesystems,
            [filesystem("/dev/vda", "ext4", "/", [264212084, 16988644, 78297244])]
        );
    }

    #[test]
    fn busybox_capture_without_df_types() {
        let facts = parse(include_str!("testdata/alpine-busybox.txt"));

        assert_eq!(facts.os_name.as_deref(), Some("Alpine Linux v3.19"));
        assert_eq!(facts.os_id.as_deref(), Some("alpine"));
        assert_eq!(facts.os_version.as_deref(), Some("3.19.1"));
        assert_eq!(facts.cpu_cores, Some(2));
        assert_eq!(facts.docker_version, None);
        assert_eq!(facts.docker_storage_driver, None);
        // The overlay root and the tmpfs mounts are left out. The root device appears at four
        // bind-mounted files and is kept once, at the first of the shortest paths.
        assert_eq!(
            facts.filesystems,
            [filesystem(
                "/dev/vda",
                "ext4",
                "/script.sh",
                [264212084, 17010456, 78275432]
            )]
        );
    }

    #[test]
    fn zfs_and_btrfs_sample() {
        let facts = parse(include_str!("testdata/zfs-btrfs.txt"));

        assert_eq!(facts.os_name.as_deref(), Some("Ubuntu 22.04.4 LTS"));
        assert_eq!(facts.os_version.as_deref(), Some("22.04"));
        assert_eq!(facts.kernel.as_deref(), Some("Linux 5.15.0-105-generic"));
        assert_eq!(
            facts.cpu_model.as_deref(),
            Some("Intel(R) Core(TM) i5-8500T CPU @ 2.10GHz")
        );
        assert_eq!(facts.cpu_cores, Some(6));
        assert_eq!(facts.memory_available_bytes, Some(14210884 * KIB));
        assert_eq!(facts.docker_version.as_deref(), Some("24.0.7"));
        assert_eq!(facts.docker_storage_driver.as_deref(), Some("zfs"));
        assert_eq!(facts.uptime_seconds, Some(1843211));
        assert_eq!(
            facts.filesystems,
            [
                filesystem("rpool/ROOT/ubuntu_k3x9q1", "zfs", "/", [441728640, 12873856, 428854784]),
                filesystem("bpool/BOOT/ubuntu_k3x9q1", "zfs", "/boot", [1739520, 262272, 1477248]),
                filesystem(
                    "rpool/USERDATA/root_k3x9q1",
                    "zfs",
                    "/root",
                    [428855040, 256, 428854784]
                ),
                filesystem("/dev/nvme0n1p1", "vfat", "/boot/efi", [524252, 6216, 518036]),
                filesystem("tank/media", "zfs", "/tank/media", [7513646720, 2861529600, 4652117120]),
                filesystem("/dev/sdb", "btrfs", "/srv/backup", [3907017744, 1203495120, 2701838928]),
                filesystem(
                    "/dev/sdb",
                    "btrfs",
                    "/srv/backup/snapshots",
                    [3907017744, 1203495120, 2701838928]
                ),
                filesystem(
                    "/dev/sdc1",
                    "ext4",
                    "/mnt/media library",
                    [960302804, 512004424, 399443916]
                ),
                filesystem(
                    "nas.lan:/export/photos",
                    "nfs4",
                    "/mnt/photos",
                    [7813894144, 3906947072, 3906947072]
                ),
            ]
        );
        let snapshot_mounts: Vec<&str> = facts
            .filesystems
            .iter()
            .filter(|fs| fs.snapshots)
            .map(|fs| fs.mount_point.as_str())
            .collect();
        assert_eq!(
            snapshot_mounts,
            [
                "/",
                "/boot",
                "/root",
                "/tank/media",
                "/srv/backup",
                "/srv/backup/snapshots"
            ]
        );
    }

    /// An old 32-bit ARM board: no os-release, no nproc, no MemAvailable, and the output stops
    /// after meminfo as if the connection dropped.
    const PARTIAL_OUTPUT: &str = "\
Last login: Mon Mar  4 10:00:00 2024
@@homeport-facts os-release

@@homeport-facts uname
Linux 3.4.113-sun8i armv7l

@@homeport-facts cpuinfo
Processor\t: ARMv7 Processor rev 5 (v7l)
processor\t: 0
processor\t: 1
processor\t: 2
processor\t: 3

@@homeport-facts nproc

@@homeport-facts meminfo
MemTotal:        1021052 kB
MemFree:          612300 kB
Buffers:           20480 kB
Cached:           204800 kB
";

    #[test]
    fn missing_sections_stay_empty() {
        let facts = parse(PARTIAL_OUTPUT);

        assert!(has_sections(PARTIAL_OUTPUT));
        assert!(!is_complete(PARTIAL_OUTPUT), "no end marker");
        assert_eq!(facts.os_name, None);
        assert_eq!(facts.os_id, None);
        assert_eq!(facts.os_version, None);
        assert_eq!(facts.kernel.as_deref(), Some("Linux 3.4.113-sun8i"));
        assert_eq!(facts.architecture.as_deref(), Some("armv7l"));
        assert_eq!(facts.cpu_model.as_deref(), Some("ARMv7 Processor rev 5 (v7l)"));
        assert_eq!(facts.cpu_cores, Some(4), "counted from the processor lines");
        assert_eq!(facts.memory_total_bytes, Some(1021052 * KIB));
        assert_eq!(
            facts.memory_available_bytes,
            Some((612300 + 20480 + 204800) * KIB),
            "estimated without MemAvailable"
        );
        assert!(facts.filesystems.is_empty());
        assert_eq!(facts.docker_version, None);
        assert_eq!(facts.uptime_seconds, None);
    }

    #[test]
    fn output_without_sections() {
        let output = "sh: not found\n";
        assert!(!has_sections(output));
        assert_eq!(parse(output), HostFacts::default());
        assert_eq!(parse(""), HostFacts::default());
    }

    #[test]
    fn cpu_model_falls_back_to_architecture() {
        // arm64 kernels print no model name, only implementer and part numbers.
        let output = "@@homeport-facts uname\nLinux 6.6.20+rpt-rpi-v8 aarch64\n\
                      @@homeport-facts cpuinfo\nprocessor\t: 0\nprocessor\t: 1\n";
        let facts = parse(output);
        assert_eq!(facts.cpu_model.as_deref(), Some("aarch64"));
        assert_eq!(facts.cpu_cores, Some(2));
    }

    #[test]
    fn nproc_wins_over_processor_count() {
        let output = "@@homeport-facts cpuinfo\nprocessor\t: 0\nprocessor\t: 1\n@@homeport-facts nproc\n1\n";
        assert_eq!(parse(output).cpu_cores, Some(1));
    }

    #[test]
    fn os_release_quoting() {
        let lines = [
            "# comment",
            "PRETTY_NAME=\"Fedora Linux 39 (Server \\\"Edition\\\")\"",
            "ID=fedora",
            "VERSION_ID='39'",
            "NAME=Plain\\ Name",
            "VARIANT=\"\"",
            "not a pair",
        ];
        let values = parse_os_release(&lines);
        assert_eq!(values["PRETTY_NAME"], "Fedora Linux 39 (Server \"Edition\")");
        assert_eq!(values["ID"], "fedora");
        assert_eq!(values["VERSION_ID"], "39");
        assert_eq!(values["NAME"], "Plain Name");
        assert!(!values.contains_key("VARIANT"), "empty values are dropped");
        assert_eq!(values.len(), 4);
    }

    #[test]
    fn os_name_falls_back_to_name() {
        let facts = parse("@@homeport-facts os-release\nNAME=\"Arch Linux\"\nID=arch\n");
        assert_eq!(facts.os_name.as_deref(), Some("Arch Linux"));
        assert_eq!(facts.os_version, None, "rolling releases have no VERSION_ID");
    }

    #[test]
    fn docker_without_engine_is_empty() {
        let output = "@@homeport-facts docker-version\n\n@@homeport-facts docker-driver\n<no value>\n";
        let facts = parse(output);
        assert_eq!(facts.docker_version, None);
        assert_eq!(facts.docker_storage_driver, None);
    }

    #[test]
    fn uptime_values() {
        assert_eq!(parse_uptime("2495.00 3118.15"), Some(2495));
        assert_eq!(parse_uptime("17"), Some(17));
        assert_eq!(parse_uptime("abc"), None);
    }

    #[test]
    fn facts_round_trip_through_json() {
        let facts = parse(include_str!("testdata/zfs-btrfs.txt"));
        let json = serde_json::to_string(&facts).unwrap();
        assert!(json.contains("\"memoryTotalBytes\""), "camelCase keys: {json}");
        assert_eq!(serde_json::from_str::<HostFacts>(&json).unwrap(), facts);
        assert_eq!(
            serde_json::from_str::<HostFacts>("{\"kernel\":\"Linux 6.1\"}")
                .unwrap()
                .kernel
                .as_deref(),
            Some("Linux 6.1"),
            "missing fields default"
        );
    }
}

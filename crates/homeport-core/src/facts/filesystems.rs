//! The filesystem sections of the facts script: `df -kPT`, or `df -kP` with the types taken
//! from `/proc/mounts` where `df` has no `-T`.

use std::collections::HashMap;

use super::Filesystem;

/// Filesystem types that hold no data of their own (kernel interfaces, memory, container
/// layers, read-only package images), so a host's storage list leaves them out.
const PSEUDO_TYPES: &[&str] = &[
    "autofs",
    "aufs",
    "binfmt_misc",
    "bpf",
    "cgroup",
    "cgroup2",
    "configfs",
    "debugfs",
    "devpts",
    "devtmpfs",
    "efivarfs",
    "fuse.gvfsd-fuse",
    "fuse.lxcfs",
    "fuse.portal",
    "fuse.snapfuse",
    "fusectl",
    "hugetlbfs",
    "mqueue",
    "nfsd",
    "nsfs",
    "overlay",
    "proc",
    "pstore",
    "ramfs",
    "rootfs",
    "rpc_pipefs",
    "securityfs",
    "selinuxfs",
    "squashfs",
    "sysfs",
    "tmpfs",
    "tracefs",
];

/// Filesystem types with snapshots.
const SNAPSHOT_TYPES: &[&str] = &["zfs", "btrfs"];

/// The unit `df -k` reports in, used when the header names none.
const DEFAULT_BLOCK_SIZE: u64 = 1024;

/// Parses `df -kPT` output.
pub(crate) fn from_typed_df(lines: &[&str]) -> Vec<Filesystem> {
    collect(lines, true, |_| None)
}

/// Parses `df -kP` output, taking each filesystem's type from the `/proc/mounts` lines.
pub(crate) fn from_df_and_mounts(df: &[&str], mounts: &[&str]) -> Vec<Filesystem> {
    let types = mount_types(mounts);
    collect(df, false, |mount_point| types.get(mount_point).cloned())
}

fn collect(lines: &[&str], typed: bool, type_of: impl Fn(&str) -> Option<String>) -> Vec<Filesystem> {
    let block_size = lines
        .first()
        .and_then(|header| block_size(header))
        .unwrap_or(DEFAULT_BLOCK_SIZE);

    let mut filesystems = Vec::new();
    for line in lines {
        let Some(row) = parse_row(line, typed) else {
            if !line.starts_with("Filesystem") {
                tracing::debug!(line, "skipped a df line that does not parse");
            }
            continue;
        };
        let fs_type = match row.fs_type {
            Some(fs_type) => fs_type.to_string(),
            None => type_of(row.mount_point).unwrap_or_default(),
        };
        // GNU df 9.1 and busybox df 1.35 hide filesystems of size 0 without -a. This check
        // drops them where a df lists them anyway.
        if PSEUDO_TYPES.contains(&fs_type.as_str()) || row.blocks == 0 {
            continue;
        }
        filesystems.push(Filesystem {
            source: row.source.to_string(),
            snapshots: SNAPSHOT_TYPES.contains(&fs_type.as_str()),
            fs_type,
            mount_point: row.mount_point.to_string(),
            size_bytes: row.blocks.saturating_mul(block_size),
            used_bytes: row.used.saturating_mul(block_size),
            available_bytes: row.available.saturating_mul(block_size),
        });
    }
    drop_bind_mounts(filesystems)
}

/// Reads the block size from a header column such as `1024-blocks`, `512-blocks` or `1K-blocks`
/// (`1k-blocks` in old busybox).
fn block_size(header: &str) -> Option<u64> {
    let column = header
        .split_whitespace()
        .find_map(|word| word.strip_suffix("-blocks"))?;
    if column.eq_ignore_ascii_case("1k") {
        return Some(1024);
    }
    column.parse().ok().filter(|size| *size > 0)
}

/// One data line of `df -P`, borrowing from the line.
#[derive(Debug, PartialEq)]
struct Row<'a> {
    source: &'a str,
    fs_type: Option<&'a str>,
    blocks: u64,
    used: u64,
    available: u64,
    mount_point: &'a str,
}

/// Parses a `df -P` line: source, type (with -T), blocks, used, available, capacity, mount point.
///
/// `df -P` puts each filesystem on one line but does not escape spaces, so the source and the
/// mount point may contain them. The row is anchored on the first run of three numbers and a
/// capacity (`18%`, or `-` for size 0): the words before it are the source and type, and
/// everything after it is the mount point. A source whose words themselves look like such a
/// run would be split wrongly, and no real device or share name does that.
fn parse_row(line: &str, typed: bool) -> Option<Row<'_>> {
    let words = word_spans(line);
    let first_number = if typed { 2 } else { 1 };

    for index in first_number..words.len().saturating_sub(4) {
        let word = |offset: usize| {
            let (start, end) = words[index + offset];
            &line[start..end]
        };
        let (Ok(blocks), Ok(used), Ok(available)) = (word(0).parse(), word(1).parse(), word(2).parse()) else {
            continue;
        };
        if !is_capacity(word(3)) {
            continue;
        }

        // With -T, the word before the numbers is the type and the source ends before it.
        let source_end = if typed { words[index - 1].0 } else { words[index].0 };
        let fs_type = typed.then(|| {
            let (start, end) = words[index - 1];
            &line[start..end]
        });
        return Some(Row {
            source: line[..source_end].trim_end(),
            fs_type,
            blocks,
            used,
            available,
            mount_point: &line[words[index + 4].0..],
        });
    }
    None
}

fn is_capacity(word: &str) -> bool {
    match word.strip_suffix('%') {
        Some(digits) => !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()),
        None => word == "-",
    }
}

/// Returns the byte ranges of the whitespace-separated words of `line`.
fn word_spans(line: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (index, character) in line.char_indices() {
        match (character.is_whitespace(), start) {
            (true, Some(begin)) => {
                spans.push((begin, index));
                start = None;
            }
            (false, None) => start = Some(index),
            _ => {}
        }
    }
    if let Some(begin) = start {
        spans.push((begin, line.len()));
    }
    spans
}

/// Maps each mount point in `/proc/mounts` lines to its filesystem type. When a mount point is
/// mounted over, the later line wins, because that mount is the one `df` reports.
fn mount_types(lines: &[&str]) -> HashMap<String, String> {
    let mut types = HashMap::new();
    for line in lines {
        let mut fields = line.split_whitespace();
        let (Some(_source), Some(mount_point), Some(fs_type)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        types.insert(unescape_mount_field(mount_point), fs_type.to_string());
    }
    types
}

/// Decodes the octal escapes the kernel writes in `/proc/mounts` fields for space, tab,
/// newline and backslash (`\040`, `\011`, `\012`, `\134`).
fn unescape_mount_field(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'\\' {
            if let Some(byte) = bytes.get(index + 1..index + 4).and_then(octal_byte) {
                decoded.push(byte);
                index += 4;
                continue;
            }
        }
        decoded.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Reads three octal digits as one byte, or `None` when they are not octal or exceed 255.
fn octal_byte(digits: &[u8]) -> Option<u8> {
    digits.iter().try_fold(0u8, |value, digit| match digit {
        b'0'..=b'7' => value.checked_mul(8)?.checked_add(digit - b'0'),
        _ => None,
    })
}

/// Keeps one entry per block device, at its shortest mount point. GNU df already hides bind
/// mounts of a device it has listed, but busybox df lists each one (a container shows its
/// root device again at `/etc/hosts`), which would count the same space twice. Btrfs is
/// exempt because each subvolume mounted from one device is a filesystem of its own.
fn drop_bind_mounts(filesystems: Vec<Filesystem>) -> Vec<Filesystem> {
    let mut unique: Vec<Filesystem> = Vec::with_capacity(filesystems.len());
    for filesystem in filesystems {
        let is_device = filesystem.source.starts_with("/dev/") && filesystem.fs_type != "btrfs";
        let earlier = unique
            .iter_mut()
            .find(|other| is_device && other.source == filesystem.source && other.fs_type == filesystem.fs_type);
        match earlier {
            Some(other) if filesystem.mount_point.len() < other.mount_point.len() => *other = filesystem,
            Some(_) => {}
            None => unique.push(filesystem),
        }
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_with_spaces_in_fields() {
        // From GNU df 9.1 for a tmpfs mounted with source "src x" at "/tmp/facts probe".
        let row = parse_row(
            "src x          tmpfs        1024     0      1024       0% /tmp/facts probe",
            true,
        );
        assert_eq!(
            row,
            Some(Row {
                source: "src x",
                fs_type: Some("tmpfs"),
                blocks: 1024,
                used: 0,
                available: 1024,
                mount_point: "/tmp/facts probe",
            })
        );
    }

    #[test]
    fn row_without_type_column() {
        let row = parse_row("/dev/vda             264212084  17010456  78275432  18% /", false).unwrap();
        assert_eq!(row.source, "/dev/vda");
        assert_eq!(row.fs_type, None);
        assert_eq!(row.blocks, 264212084);
        assert_eq!(row.mount_point, "/");
    }

    #[test]
    fn header_and_garbage_rows_are_rejected() {
        assert_eq!(
            parse_row("Filesystem Type 1024-blocks Used Available Capacity Mounted on", true),
            None
        );
        assert_eq!(parse_row("df: /mnt/gone: Stale file handle", true), None);
        assert_eq!(parse_row("/dev/sda1 ext4 10 5 5 50%", true), None, "no mount point");
        assert_eq!(parse_row("", false), None);
    }

    #[test]
    fn block_size_from_header() {
        assert_eq!(
            block_size("Filesystem Type 1024-blocks Used Available Capacity Mounted on"),
            Some(1024)
        );
        assert_eq!(
            block_size("Filesystem 512-blocks Used Available Capacity Mounted on"),
            Some(512)
        );
        assert_eq!(
            block_size("Filesystem 1K-blocks Used Available Use% Mounted on"),
            Some(1024)
        );
        assert_eq!(
            block_size("Filesystem 1k-blocks Used Available Use% Mounted on"),
            Some(1024)
        );
        assert_eq!(block_size("Filesystem Size Used Avail Use% Mounted on"), None);
    }

    #[test]
    fn sizes_follow_header_block_size() {
        let lines = [
            "Filesystem 512-blocks Used Available Capacity Mounted on",
            "/dev/sda1 2000 1000 1000 50% /data",
        ];
        let filesystems = from_df_and_mounts(&lines, &["/dev/sda1 /data xfs rw 0 0"]);
        assert_eq!(filesystems.len(), 1);
        assert_eq!(filesystems[0].size_bytes, 2000 * 512);
        assert_eq!(filesystems[0].used_bytes, 1000 * 512);
        assert_eq!(filesystems[0].fs_type, "xfs");
    }

    #[test]
    fn mounts_escapes_are_decoded() {
        assert_eq!(unescape_mount_field(r"/mnt/media\040library"), "/mnt/media library");
        assert_eq!(unescape_mount_field(r"/a\011b\012c\134d"), "/a\tb\nc\\d");
        assert_eq!(unescape_mount_field(r"/plain"), "/plain");
        assert_eq!(
            unescape_mount_field(r"/short\04"),
            r"/short\04",
            "incomplete escape kept"
        );
        assert_eq!(unescape_mount_field(r"/not\999octal"), r"/not\999octal");
    }

    #[test]
    fn untyped_df_uses_last_mount_type() {
        let df = [
            "Filesystem           1024-blocks    Used Available Capacity Mounted on",
            "/dev/sdb1              976762584 1024 976761560   1% /mnt/media library",
            "/dev/sdc1              100 10 90  10% /srv",
        ];
        let mounts = [
            r"/dev/sdb1 /mnt/media\040library ext4 rw,relatime 0 0",
            "/dev/sdc1 /srv ext4 rw,relatime 0 0",
            "/dev/sdc1 /srv xfs rw,relatime 0 0",
        ];
        let filesystems = from_df_and_mounts(&df, &mounts);
        assert_eq!(filesystems.len(), 2);
        assert_eq!(filesystems[0].mount_point, "/mnt/media library");
        assert_eq!(filesystems[0].fs_type, "ext4");
        assert_eq!(
            filesystems[1].fs_type, "xfs",
            "the later mount over /srv is the visible one"
        );
    }

    #[test]
    fn unknown_type_is_empty_and_kept() {
        let df = ["/dev/sdd1 100 10 90 10% /backup"];
        let filesystems = from_df_and_mounts(&df, &[]);
        assert_eq!(filesystems.len(), 1);
        assert_eq!(filesystems[0].fs_type, "");
        assert!(!filesystems[0].snapshots);
    }

    #[test]
    fn bind_mounts_collapse_except_btrfs() {
        let df = [
            "/dev/vda ext4 1000 10 990 1% /etc/hostname",
            "/dev/vda ext4 1000 10 990 1% /",
            "/dev/vda ext4 1000 10 990 1% /etc/hosts",
            "/dev/sdb btrfs 5000 10 4990 1% /srv/backup",
            "/dev/sdb btrfs 5000 10 4990 1% /srv/backup/snapshots",
            "tank/a zfs 300 10 290 4% /tank/a",
        ];
        let mount_points: Vec<String> = from_typed_df(&df).into_iter().map(|fs| fs.mount_point).collect();
        assert_eq!(mount_points, ["/", "/srv/backup", "/srv/backup/snapshots", "/tank/a"]);
    }

    #[test]
    fn pseudo_and_empty_filesystems_are_skipped() {
        let df = [
            "tmpfs tmpfs 100 0 100 0% /run",
            "overlay overlay 1000 10 990 1% /var/lib/docker/overlay2/abc/merged",
            "/dev/loop3 squashfs 65024 65024 0 100% /snap/core20/2264",
            "none fuse.lxcfs 0 0 0 - /var/lib/lxcfs",
            "/dev/sde1 ext4 0 0 0 - /mnt/empty",
            "/dev/sda1 ext4 1000 10 990 1% /",
        ];
        let filesystems = from_typed_df(&df);
        assert_eq!(filesystems.len(), 1, "{filesystems:?}");
        assert_eq!(filesystems[0].mount_point, "/");
    }
}

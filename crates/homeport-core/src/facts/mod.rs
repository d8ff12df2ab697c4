//! Host facts: operating system, kernel, CPU, memory, filesystems, Docker and uptime.
//!
//! [`gather`] reads them in one SSH round trip by running the fixed shell script
//! `facts/script.sh`, which prints one marked section per fact. [`parse`] turns that output
//! into [`HostFacts`] and leaves a fact empty when its section is missing or unreadable, so a
//! host without `nproc`, `docker` or `df -T` still reports everything else.
//! [`crate::store::Store::save_facts`] keeps the last facts of each host.

pub(crate) mod filesystems;
mod parse;

use std::time::Duration;

use crate::error::{Error, Result};
use crate::ssh::SshSession;

pub use parse::parse;

/// The script [`gather`] runs with `sh -c`. It is a constant, so nothing from the user reaches
/// the remote shell.
pub const SCRIPT: &str = include_str!("script.sh");

/// How long [`gather`] waits for the script. The script limits `df` and `docker` to 10 s each
/// where the host has `timeout`, so this only ends a run that hangs elsewhere.
const GATHER_TIMEOUT: Duration = Duration::from_secs(60);

/// System facts of one host. Every fact is optional because hosts differ in what they have
/// (no `/etc/os-release`, no Docker, a busybox without `nproc`).
///
/// Missing fields deserialize as empty, so facts stored by an older version still load.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HostFacts {
    /// `PRETTY_NAME` from os-release, or `NAME` when that is missing, such as `Debian GNU/Linux 12 (bookworm)`.
    pub os_name: Option<String>,
    /// `ID` from os-release, such as `debian`, `ubuntu` or `alpine`.
    pub os_id: Option<String>,
    /// `VERSION_ID` from os-release, such as `12` or `3.19.1`. Rolling releases have none.
    pub os_version: Option<String>,
    /// Kernel name and release, the first two words of `uname -srm`, such as `Linux 6.1.0-18-amd64`.
    pub kernel: Option<String>,
    /// Machine hardware name, the last word of `uname -srm`, such as `x86_64` or `aarch64`.
    pub architecture: Option<String>,
    /// The `model name` of the first CPU in `/proc/cpuinfo`. Where the kernel prints none (most
    /// ARM boards), this is the architecture instead.
    pub cpu_model: Option<String>,
    /// Processing units available, from `nproc`, or else the `processor` entries of `/proc/cpuinfo`.
    pub cpu_cores: Option<u32>,
    /// `MemTotal` from `/proc/meminfo`, in bytes.
    pub memory_total_bytes: Option<u64>,
    /// `MemAvailable` from `/proc/meminfo`, in bytes. Kernels before 3.14 lack it, and there it
    /// is estimated as `MemFree + Buffers + Cached`.
    pub memory_available_bytes: Option<u64>,
    /// Filesystems that hold data, in `df` order. Pseudo filesystems (tmpfs, overlay, squashfs,
    /// proc, cgroup and the like) are left out.
    pub filesystems: Vec<Filesystem>,
    /// Server version of the Docker engine the login's `docker` CLI reaches, such as `24.0.7`.
    pub docker_version: Option<String>,
    /// Docker's storage driver, such as `overlay2`, `zfs` or `btrfs`.
    pub docker_storage_driver: Option<String>,
    /// Seconds since boot, from `/proc/uptime`, rounded down.
    pub uptime_seconds: Option<u64>,
}

/// One mounted filesystem as `df` reports it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Filesystem {
    /// The device, dataset or share mounted, such as `/dev/sda1`, `tank/media` or `nas:/export`.
    pub source: String,
    /// Filesystem type, such as `ext4`, `zfs` or `nfs4`. Empty when `df` printed no type column
    /// and `/proc/mounts` had no entry for the mount point.
    pub fs_type: String,
    pub mount_point: String,
    pub size_bytes: u64,
    pub used_bytes: u64,
    pub available_bytes: u64,
    /// Whether the filesystem can take snapshots (ZFS or Btrfs), which backups can build on.
    pub snapshots: bool,
}

/// Facts as stored, with the time they were read.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredFacts {
    pub facts: HostFacts,
    /// When the facts were saved, right after reading them, as RFC 3339 UTC.
    pub read_at: String,
}

/// Reads the facts of the host behind `session` with one remote command.
///
/// A script that exits non-zero or stops early (killed, or the connection dropped after some
/// output) still yields the facts it printed. Fails when the command cannot run or prints no
/// section at all, which happens when the login shell cannot start `sh`.
#[tracing::instrument(skip_all, fields(host = %session.target().address, port = session.target().port))]
pub async fn gather(session: &SshSession) -> Result<HostFacts> {
    let target = session.target();
    let output = tokio::time::timeout(GATHER_TIMEOUT, session.exec(&["sh", "-c", SCRIPT]))
        .await
        .map_err(|_| Error::HostUnreachable {
            host: target.address.clone(),
            port: target.port,
            detail: format!("reading facts timed out after {} s", GATHER_TIMEOUT.as_secs()),
        })??;

    let stderr = output.stderr.trim();
    if !parse::has_sections(&output.stdout) {
        return Err(Error::Internal(format!(
            "reading facts from {} failed because the script printed no sections (exit status {:?}, \
             stderr '{stderr}'). Check that the login shell of '{}' can run `sh -c`",
            target.address, output.exit_status, target.user
        )));
    }
    let complete = parse::is_complete(&output.stdout);
    if output.exit_status != Some(0) || !complete {
        tracing::warn!(
            exit_status = ?output.exit_status,
            complete,
            stderr,
            "the facts script failed or stopped early, so only the facts it printed are kept"
        );
    }

    let facts = parse(&output.stdout);
    tracing::debug!(
        os = facts.os_id.as_deref().unwrap_or(""),
        filesystems = facts.filesystems.len(),
        docker = facts.docker_version.is_some(),
        "host facts read"
    );
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Runs the script with `shell` on this machine, with only `path` as PATH when given, and
    /// returns its stdout and exit status, or `None` when the shell is not installed.
    fn run_script(shell: &[&str], path: Option<&str>) -> Option<(String, std::process::ExitStatus)> {
        let mut command = Command::new(shell[0]);
        command.args(&shell[1..]).arg("-c").arg(SCRIPT);
        if let Some(path) = path {
            command.env_clear().env("PATH", path);
        }
        match command.output() {
            Ok(output) => Some((String::from_utf8_lossy(&output.stdout).into_owned(), output.status)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => panic!("cannot run {shell:?}: {err}"),
        }
    }

    #[test]
    fn script_runs_under_common_shells() {
        let kernel_release = Command::new("uname").arg("-r").output().expect("uname runs").stdout;
        let kernel_release = String::from_utf8_lossy(&kernel_release).trim().to_string();

        let mut ran = 0;
        for shell in [&["sh"][..], &["dash"], &["bash", "--posix"], &["busybox", "sh"]] {
            let Some((stdout, status)) = run_script(shell, None) else {
                println!("{shell:?} is not installed; not run");
                continue;
            };
            ran += 1;
            assert!(status.success(), "{shell:?} exited with {status}");
            assert!(parse::is_complete(&stdout), "{shell:?} printed no end marker: {stdout}");

            let facts = parse(&stdout);
            let kernel = facts.kernel.unwrap_or_default();
            assert!(kernel.contains(&kernel_release), "{shell:?}: kernel '{kernel}'");
            assert!(facts.cpu_cores.unwrap_or(0) >= 1, "{shell:?}: no CPU count");
            assert!(facts.memory_total_bytes.unwrap_or(0) > 0, "{shell:?}: no memory total");
            assert!(facts.uptime_seconds.is_some(), "{shell:?}: no uptime");
        }
        assert!(ran >= 1, "no shell ran the script");
    }

    #[test]
    fn script_without_tools_prints_empty_sections() {
        // With no PATH, only the shell's builtins run: every tool and file read is missing.
        let Some((stdout, status)) = run_script(&["/bin/sh"], Some("/nonexistent")) else {
            panic!("/bin/sh is missing");
        };
        assert!(status.success(), "the script exits 0 without tools, got {status}");
        assert!(parse::is_complete(&stdout), "end marker missing: {stdout}");
        assert_eq!(parse(&stdout), HostFacts::default());
    }
}

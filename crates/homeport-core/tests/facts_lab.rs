//! Host facts read over SSH from the test lab (`tests/lab/lab.sh up`).
//!
//! The lab's sshd runs on this machine, so the facts it returns must match what this process
//! reads locally: kernel, CPU count, memory, the root filesystem and the lab's Docker engine.
//! The tests skip when `HOMEPORT_LAB_ENV` is unset and fail when it is set but the lab is down.

#[path = "../../homeport-api/tests/common/mod.rs"]
mod common;

use std::process::Command;

use common::{run_checked, Lab};
use homeport_core::facts::{self, HostFacts};
use homeport_core::inventory::{AuthMethod, HostDraft};
use homeport_core::ssh::{connect, KeyPolicy, SshAuth, SshSession, SshTarget};
use homeport_core::store::{Store, TrustedKey};

/// Returns the fingerprint `ssh-keygen -lf` prints for the `[host]:port` entry of the lab's
/// known_hosts file.
fn known_hosts_fingerprint(lab: &Lab, host: &str, port: u16) -> String {
    let path = lab.var("LAB_SSH_KNOWN_HOSTS");
    let listed = run_checked(Command::new("ssh-keygen").args(["-l", "-f", &path]));
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();

    // Each line reads `256 SHA256:… [127.0.0.2]:2222 (ED25519)`.
    let entry = format!("[{host}]:{port}");
    let fingerprints: Vec<&str> = listed
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|words| words.get(2) == Some(&entry.as_str()))
        .filter_map(|words| words.get(1).copied())
        .collect();
    assert_eq!(
        fingerprints.len(),
        1,
        "expected one key for {entry} in {path}, ssh-keygen -lf printed: {listed}"
    );
    fingerprints[0].to_string()
}

/// Connects to the lab's key-login sshd as `user`, trusting the key recorded in known_hosts.
async fn connect_as(lab: &Lab, user: &str) -> SshSession {
    let host = lab.var("LAB_SSH_KEY_HOST");
    let port = lab.port("LAB_SSH_KEY_PORT");
    let fingerprint = known_hosts_fingerprint(lab, &host, port);
    let auth = SshAuth::Key {
        path: lab.var("LAB_SSH_CLIENT_KEY").into(),
        passphrase: None,
    };
    let target = SshTarget::new(host.clone(), port, user, auth);
    connect(&target, KeyPolicy::Trusted(fingerprint))
        .await
        .unwrap_or_else(|err| {
            panic!(
                "cannot connect to the lab sshd at {host}:{port} as {user}: {err}. \
                 Check that the lab runs with `tests/lab/lab.sh status`"
            )
        })
}

/// Runs a program on this machine and returns its trimmed stdout.
fn local_output(program: &str, args: &[&str]) -> String {
    let output = run_checked(Command::new(program).args(args));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Returns the value of `key` in a `KEY: value` or `KEY=value` file on this machine.
fn local_value(path: &str, key: &str, separator: char) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("cannot read {path}: {err}"));
    text.lines()
        .filter_map(|line| line.split_once(separator))
        .find(|(name, _)| name.trim() == key)
        .map(|(_, value)| value.trim().trim_matches('"').to_string())
        .unwrap_or_else(|| panic!("{path} has no {key}"))
}

fn local_uptime_seconds() -> u64 {
    let text = std::fs::read_to_string("/proc/uptime").expect("/proc/uptime is readable");
    let seconds = text.split('.').next().expect("uptime has a whole part");
    seconds.parse().expect("uptime is a number")
}

async fn gather_as(lab: &Lab, user: &str) -> HostFacts {
    let session = connect_as(lab, user).await;
    let facts = facts::gather(&session)
        .await
        .unwrap_or_else(|err| panic!("reading facts as {user} failed: {err}"));
    session.close().await;
    facts
}

#[tokio::test]
async fn lab_facts_match_this_machine() {
    let Some(lab) = common::lab() else { return };

    let uptime_before = local_uptime_seconds();
    let facts = gather_as(&lab, &lab.var("LAB_SSH_KEY_USER")).await;
    let uptime_after = local_uptime_seconds();

    assert_eq!(
        facts.os_name.as_deref(),
        Some(local_value("/etc/os-release", "PRETTY_NAME", '=').as_str())
    );
    assert_eq!(
        facts.os_id.as_deref(),
        Some(local_value("/etc/os-release", "ID", '=').as_str())
    );

    let kernel = facts.kernel.clone().expect("kernel read");
    assert_eq!(kernel, local_output("uname", &["-sr"]));
    assert_eq!(
        facts.architecture.as_deref(),
        Some(local_output("uname", &["-m"]).as_str())
    );

    assert_eq!(
        facts.cpu_model.as_deref(),
        Some(local_value("/proc/cpuinfo", "model name", ':').as_str())
    );
    let cores: u32 = local_output("nproc", &[]).parse().expect("nproc prints a number");
    assert_eq!(facts.cpu_cores, Some(cores));

    let mem_total_kib: u64 = local_value("/proc/meminfo", "MemTotal", ':')
        .trim_end_matches("kB")
        .trim()
        .parse()
        .expect("MemTotal is a number of kB");
    assert_eq!(facts.memory_total_bytes, Some(mem_total_kib * 1024));
    let available = facts.memory_available_bytes.expect("available memory read");
    assert!(
        available > 0 && available <= mem_total_kib * 1024,
        "available {available} of {mem_total_kib} KiB"
    );

    let uptime = facts.uptime_seconds.expect("uptime read");
    assert!(
        (uptime_before..=uptime_after).contains(&uptime),
        "uptime {uptime} s outside this machine's {uptime_before}..={uptime_after} s"
    );

    let docker_host = lab.docker_host();
    let engine_version = local_output(
        "docker",
        &["--host", &docker_host, "version", "--format", "{{.Server.Version}}"],
    );
    let engine_driver = local_output("docker", &["--host", &docker_host, "info", "--format", "{{.Driver}}"]);
    assert_eq!(facts.docker_version.as_deref(), Some(engine_version.as_str()));
    assert_eq!(facts.docker_storage_driver.as_deref(), Some(engine_driver.as_str()));

    // `df -kPT /` here prints a header and one line: source, type, 1024-blocks, …
    let local_root = local_output("df", &["-kPT", "/"]);
    let root_words: Vec<&str> = local_root
        .lines()
        .nth(1)
        .expect("df prints the root")
        .split_whitespace()
        .collect();
    let root = facts
        .filesystems
        .iter()
        .find(|fs| fs.mount_point == "/")
        .unwrap_or_else(|| panic!("no root filesystem in {:?}", facts.filesystems));
    assert_eq!(root.fs_type, root_words[1], "root filesystem type");
    let root_blocks: u64 = root_words[2].parse().expect("df prints 1024-blocks");
    assert_eq!(root.size_bytes, root_blocks * 1024, "root filesystem size");
    assert!(root.used_bytes + root.available_bytes <= root.size_bytes);

    // This machine mounts devtmpfs, tmpfs and overlay (the lab engine's containers).
    for filesystem in &facts.filesystems {
        assert!(
            !["tmpfs", "devtmpfs", "overlay", "proc", "sysfs", "cgroup"].contains(&filesystem.fs_type.as_str()),
            "pseudo filesystem listed: {filesystem:?}"
        );
    }
}

#[tokio::test]
async fn lab_facts_without_docker_access() {
    let Some(lab) = common::lab() else { return };

    // This user has the docker CLI and DOCKER_HOST but may not open the engine's socket.
    let facts = gather_as(&lab, &lab.var("LAB_SSH_NODOCKER_USER")).await;

    assert_eq!(facts.docker_version, None);
    assert_eq!(facts.docker_storage_driver, None);
    assert!(facts.kernel.is_some(), "other facts are still read: {facts:?}");
    assert!(
        facts.memory_total_bytes.is_some(),
        "other facts are still read: {facts:?}"
    );
    assert!(
        facts.filesystems.iter().any(|fs| fs.mount_point == "/"),
        "root filesystem read: {facts:?}"
    );
}

#[tokio::test]
async fn lab_facts_store_round_trip() {
    let Some(lab) = common::lab() else { return };
    let facts = gather_as(&lab, &lab.var("LAB_SSH_KEY_USER")).await;

    let store = Store::open_in_memory().await.expect("in-memory store opens");
    let spec = HostDraft {
        name: "lab".into(),
        address: lab.var("LAB_SSH_KEY_HOST"),
        port: u32::from(lab.port("LAB_SSH_KEY_PORT")),
        user: lab.var("LAB_SSH_KEY_USER"),
        auth: Some(AuthMethod::Agent),
        ..HostDraft::default()
    }
    .validate()
    .expect("lab host spec is valid");
    let key = TrustedKey {
        algorithm: "ssh-ed25519".into(),
        fingerprint: known_hosts_fingerprint(&lab, &spec.address, spec.port),
        public_key: String::new(),
    };
    store
        .insert_host("lab-host", &spec, false, &key)
        .await
        .expect("host inserted");

    let saved = store.save_facts("lab-host", &facts).await.expect("facts saved");
    let loaded = store
        .facts("lab-host")
        .await
        .expect("facts load")
        .expect("facts stored");
    assert_eq!(loaded, saved);
    assert_eq!(loaded.facts, facts);
}

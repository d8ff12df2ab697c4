//! Warm container-list latency over SSH: Homeport's pooled connection against the docker CLI,
//! which opens a new SSH connection and runs `docker system dial-stdio` for every command.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use homeport_api::{Api, AuthMethod, HostInput};
use homeport_core::paths::AppPaths;

use crate::lab::Lab;

const DOCKER_CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Per-call latencies in milliseconds.
pub struct Latency {
    pub homeport_ms: Vec<f64>,
    pub docker_ms: Vec<f64>,
    pub containers: usize,
}

/// The lab host both clients reach: address, port and user of the key-only sshd.
pub(crate) struct Target {
    pub address: String,
    pub port: String,
    pub user: String,
}

pub async fn measure(lab: &Lab, calls: usize) -> Result<Latency, String> {
    let target = Target {
        address: lab.get("LAB_SSH_KEY_HOST")?.to_string(),
        port: lab.get("LAB_SSH_KEY_PORT")?.to_string(),
        user: lab.get("LAB_SSH_KEY_USER")?.to_string(),
    };
    let (homeport_ms, containers) = measure_homeport(lab, &target, calls).await?;
    let (docker_ms, docker_containers) = measure_docker_cli(lab, &target, calls).await?;
    if containers != docker_containers {
        return Err(format!(
            "Homeport listed {containers} containers but `docker ps -a` listed {docker_containers}; \
             both must read the same engine"
        ));
    }
    Ok(Latency {
        homeport_ms,
        docker_ms,
        containers,
    })
}

/// Adds the lab host to a fresh Homeport store, lists containers once to open the pooled
/// connection, then times `calls` more lists.
async fn measure_homeport(lab: &Lab, target: &Target, calls: usize) -> Result<(Vec<f64>, usize), String> {
    let data = tempfile::tempdir().map_err(|err| format!("cannot create a temp dir: {err}"))?;
    let api = Api::open(AppPaths::portable(data.path().join("data")))
        .await
        .map_err(|err| format!("cannot open a Homeport store in '{}': {err}", data.path().display()))?;

    let port: u32 = target
        .port
        .parse()
        .map_err(|_| format!("invalid LAB_SSH_KEY_PORT '{}'", target.port))?;
    let input = HostInput {
        name: "bench".into(),
        address: target.address.clone(),
        port,
        user: target.user.clone(),
        auth: AuthMethod::Key,
        key_path: Some(lab.get("LAB_SSH_CLIENT_KEY")?.to_string()),
        docker_socket: Some(lab.get("LAB_DOCKER_SOCK")?.to_string()),
        secret: None,
        jump_host: None,
        group: None,
        tags: Vec::new(),
    };
    let fingerprint = host_key_fingerprint(target)?;
    let host = api
        .host_add(input, Some(fingerprint))
        .await
        .map_err(|err| format!("cannot add the lab host {}:{}: {err}", target.address, target.port))?;

    let warm_up = api
        .container_list(&host.id)
        .await
        .map_err(|err| format!("container_list failed during the warm-up: {err}"))?;

    let mut samples = Vec::with_capacity(calls);
    for call in 1..=calls {
        let started = Instant::now();
        let listed = api
            .container_list(&host.id)
            .await
            .map_err(|err| format!("container_list call {call} failed: {err}"))?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(listed);
    }
    Ok((samples, warm_up.len()))
}

/// Returns the SHA256 fingerprint of the target's host key, as `ssh-keygen -lf` prints it.
pub(crate) fn host_key_fingerprint(target: &Target) -> Result<String, String> {
    let scan = Command::new("ssh-keyscan")
        .args(["-T", "10", "-p", &target.port, &target.address])
        .stderr(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run ssh-keyscan: {err}"))?;
    if scan.stdout.is_empty() {
        return Err(format!(
            "ssh-keyscan got no host key from {}:{}",
            target.address, target.port
        ));
    }

    let mut keygen = Command::new("ssh-keygen")
        .args(["-l", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run ssh-keygen: {err}"))?;
    {
        use std::io::Write;
        let mut stdin = keygen.stdin.take().expect("stdin is piped");
        stdin
            .write_all(&scan.stdout)
            .map_err(|err| format!("cannot pass the scanned key to ssh-keygen: {err}"))?;
    }
    let output = keygen
        .wait_with_output()
        .map_err(|err| format!("ssh-keygen failed: {err}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    // Each line reads `256 SHA256:... [host]:port (ED25519)`. The lab's sshd has one host key.
    text.split_whitespace()
        .nth(1)
        .filter(|field| field.starts_with("SHA256:"))
        .map(str::to_string)
        .ok_or_else(|| format!("unexpected ssh-keygen output '{}'", text.trim()))
}

/// Runs `docker ps -a` against `ssh://USER@HOST:PORT` once to warm up, then `calls` timed
/// times. Returns the latencies and the number of containers `docker ps -a -q` lists.
async fn measure_docker_cli(lab: &Lab, target: &Target, calls: usize) -> Result<(Vec<f64>, usize), String> {
    let home = tempfile::tempdir().map_err(|err| format!("cannot create a temp dir: {err}"))?;
    let bin = write_ssh_wrapper(lab, home.path())?;
    let docker = DockerCli {
        home: home.path().to_path_buf(),
        path: format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()),
        docker_host: format!("ssh://{}@{}:{}", target.user, target.address, target.port),
    };

    let ids = docker.run(&["ps", "-a", "-q"]).await?;
    let containers = ids.lines().filter(|line| !line.trim().is_empty()).count();
    docker.run(&["ps", "-a"]).await?;

    let mut samples = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        docker.run(&["ps", "-a"]).await?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((samples, containers))
}

/// Writes `DIR/bin/ssh`, which runs the real ssh with a private config: the lab's client key
/// and known_hosts, and no prompts. A `.ssh/config` under a changed `HOME` would not work,
/// because OpenSSH finds `~/.ssh` through the password database and ignores `HOME`.
pub(crate) fn write_ssh_wrapper(lab: &Lab, dir: &Path) -> Result<PathBuf, String> {
    let real_ssh = find_in_path("ssh").ok_or("ssh is not installed (not found in PATH)")?;
    let config = dir.join("ssh_config");
    let config_text = format!(
        "Host *\n  IdentityFile {}\n  IdentitiesOnly yes\n  UserKnownHostsFile {}\n  StrictHostKeyChecking yes\n  BatchMode yes\n",
        lab.get("LAB_SSH_CLIENT_KEY")?,
        lab.get("LAB_SSH_KNOWN_HOSTS")?
    );
    write_file(&config, &config_text, 0o600)?;

    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).map_err(|err| format!("cannot create '{}': {err}", bin.display()))?;
    let script = format!(
        "#!/bin/sh\nexec '{}' -F '{}' \"$@\"\n",
        real_ssh.display(),
        config.display()
    );
    write_file(&bin.join("ssh"), &script, 0o755)?;
    Ok(bin)
}

fn write_file(path: &Path, text: &str, mode: u32) -> Result<(), String> {
    std::fs::write(path, text).map_err(|err| format!("cannot write '{}': {err}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|err| format!("cannot set the mode of '{}': {err}", path.display()))
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The docker CLI with a private HOME (for its `~/.docker` config) and the ssh wrapper first
/// in PATH.
pub(crate) struct DockerCli {
    pub home: PathBuf,
    pub path: String,
    pub docker_host: String,
}

impl DockerCli {
    pub async fn run(&self, args: &[&str]) -> Result<String, String> {
        let mut command = tokio::process::Command::new("docker");
        command
            .args(args)
            .env("HOME", &self.home)
            .env("PATH", &self.path)
            .env("DOCKER_HOST", &self.docker_host)
            .env_remove("DOCKER_CONTEXT")
            .env_remove("DOCKER_CONFIG")
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH")
            .env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::null())
            .kill_on_drop(true);

        let command_line = format!("docker {}", args.join(" "));
        let output = tokio::time::timeout(DOCKER_CALL_TIMEOUT, command.output())
            .await
            .map_err(|_| format!("`{command_line}` timed out after {} s", DOCKER_CALL_TIMEOUT.as_secs()))?
            .map_err(|err| format!("cannot run `{command_line}`: {err}"))?;
        if !output.status.success() {
            return Err(format!(
                "`{command_line}` with DOCKER_HOST={} failed with {}: {}",
                self.docker_host,
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

//! The `homeport` binary against the real test lab (`tests/lab/lab.sh up`).
//!
//! Lab tests skip when `HOMEPORT_LAB_ENV` is unset and panic when it names an unreadable file.
//! The binary inherits this process's environment, so the keychain tests expect
//! `DBUS_SESSION_BUS_ADDRESS=$LAB_DBUS_ADDRESS`. The locked and missing keychain tests give the
//! child process its own bus address instead.

#[path = "../../homeport-api/tests/common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::Lab;
use serde_json::Value;
use tempfile::TempDir;

/// How long one `homeport` run may take. Connecting is bounded by 10 s in the product.
const RUN_DEADLINE: Duration = Duration::from_secs(60);

/// One data folder (`HOMEPORT_DATA_DIR`) and the commands run against it.
struct Homeport {
    data_dir: TempDir,
}

/// The result of one run.
#[derive(Debug)]
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Returns stdout parsed as JSON, panicking when the run failed or printed no JSON.
    fn json(&self, step: &str) -> Value {
        assert!(
            self.status.success(),
            "{step}: homeport failed with {}: {}",
            self.status,
            self.stderr
        );
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|err| panic!("{step}: stdout is not JSON ({err}): {}", self.stdout))
    }

    /// Returns the `error` object of a failed `--json` run's stderr.
    fn json_error(&self, step: &str) -> Value {
        assert!(
            !self.status.success(),
            "{step}: expected a failure, but homeport succeeded: {}",
            self.stdout
        );
        let error = self
            .stderr
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find_map(|value| value.get("error").cloned());
        error.unwrap_or_else(|| {
            panic!(
                "{step}: stderr has no JSON line with an 'error' object: {}",
                self.stderr
            )
        })
    }
}

impl Homeport {
    fn new() -> Self {
        Self {
            data_dir: TempDir::new().expect("temp dir"),
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, None, &[])
    }

    /// Runs `homeport ARGS…` with `stdin` and extra environment variables, killing it and
    /// panicking after [`RUN_DEADLINE`].
    fn run_with(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_homeport"));
        command
            .args(args)
            .env("HOMEPORT_DATA_DIR", self.data_dir.path())
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start homeport {args:?}: {err}"));
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            pipe.write_all(text.as_bytes()).expect("homeport reads stdin");
        }
        let stdout = read_in_background(child.stdout.take().expect("stdout is piped"));
        let stderr = read_in_background(child.stderr.take().expect("stderr is piped"));

        let deadline = Instant::now() + RUN_DEADLINE;
        let status = loop {
            if let Some(status) = child.try_wait().expect("homeport's status is readable") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("homeport {args:?} did not finish within {RUN_DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Run {
            status,
            stdout: stdout.join().expect("stdout reader thread"),
            stderr: stderr.join().expect("stderr reader thread"),
        }
    }

    /// Returns `host list --json`.
    fn host_list(&self, env: &[(&str, &str)]) -> Value {
        let hosts = self
            .run_with(&["host", "list", "--json"], None, env)
            .json("host list --json");
        assert!(hosts.is_array(), "host list --json prints an array: {hosts}");
        hosts
    }
}

fn read_in_background(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Returns the `host add` arguments for the lab's key-only host.
fn key_host_args(lab: &Lab, name: &str) -> Vec<String> {
    [
        "host",
        "add",
        "--name",
        name,
        "--address",
        &lab.var("LAB_SSH_KEY_HOST"),
        "--port",
        &lab.var("LAB_SSH_KEY_PORT"),
        "--user",
        &lab.var("LAB_SSH_KEY_USER"),
        "--auth",
        "key",
        "--key-file",
        &lab.var("LAB_SSH_CLIENT_KEY"),
        "--docker-socket",
        &lab.var("LAB_DOCKER_SOCK"),
    ]
    .map(str::to_string)
    .to_vec()
}

/// Returns the `host add` arguments for the lab's password host, trusting its current key and
/// reading the password from stdin.
fn password_host_args(lab: &Lab, name: &str) -> Vec<String> {
    let address = lab.var("LAB_SSH_PASS_HOST");
    let fingerprint = common::keyscan_fingerprint(&address, lab.port("LAB_SSH_PASS_PORT"));
    [
        "host",
        "add",
        "--name",
        name,
        "--address",
        &address,
        "--port",
        &lab.var("LAB_SSH_PASS_PORT"),
        "--user",
        &lab.var("LAB_SSH_PASS_USER"),
        "--auth",
        "password",
        "--secret-stdin",
        "--docker-socket",
        &lab.var("LAB_DOCKER_SOCK"),
        "--trust",
        &fingerprint,
        "--json",
    ]
    .map(str::to_string)
    .to_vec()
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Returns the commit `--version` should print: `HOMEPORT_COMMIT` when set, as the build
/// script prefers it, otherwise the 12-digit abbreviation of the checked-out commit.
fn expected_commit() -> String {
    if let Some(commit) = std::env::var("HOMEPORT_COMMIT").ok().filter(|value| !value.is_empty()) {
        return commit;
    }
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repository)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

#[test]
fn version_shows_version_and_commit() {
    let run = Homeport::new().run(&["--version"]);
    assert!(run.status.success(), "--version failed: {}", run.stderr);
    let expected = format!("homeport {} ({})", env!("CARGO_PKG_VERSION"), expected_commit());
    assert_eq!(
        run.stdout.trim(),
        expected,
        "--version prints the package version and the commit"
    );
}

#[test]
fn key_host_add_list_and_containers() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let name = common::unique_name("cli-key");
    let hosts_before = homeport.host_list(&[]);
    let mut add = key_host_args(&lab, &name);
    add.push("--json".into());

    let unknown = homeport.run(&as_strs(&add)).json_error("host add without --trust");
    assert_eq!(
        unknown["code"], "HostKeyUnknown",
        "an untrusted key is reported: {unknown}"
    );
    let fingerprint = common::keyscan_fingerprint(&lab.var("LAB_SSH_KEY_HOST"), lab.port("LAB_SSH_KEY_PORT"));
    assert_eq!(
        unknown["params"]["fingerprint"],
        fingerprint.as_str(),
        "the fingerprint ssh-keyscan sees"
    );
    assert_eq!(homeport.host_list(&[]), hosts_before, "an untrusted key saves nothing");

    add.extend(["--trust".to_string(), fingerprint.clone()]);
    let added = homeport.run(&as_strs(&add)).json("host add --trust");
    assert_eq!(added["name"], name.as_str(), "host add prints the saved host");
    assert_eq!(
        added["hostKeyFingerprint"],
        fingerprint.as_str(),
        "the trusted key is saved"
    );

    let hosts = homeport.host_list(&[]);
    let listed = hosts
        .as_array()
        .expect("an array")
        .iter()
        .find(|host| host["name"] == name.as_str())
        .unwrap_or_else(|| panic!("host list --json has no '{name}': {hosts}"));
    assert_eq!(listed["kind"], "ssh", "listed as an SSH host");

    let web_name = lab.var("LAB_WEB_CONTAINER");
    let containers = homeport
        .run(&["container", "ls", "--host", &name, "--json"])
        .json("container ls --json");
    let web = containers
        .as_array()
        .expect("container ls --json prints an array")
        .iter()
        .find(|container| container["name"] == web_name.as_str())
        .unwrap_or_else(|| panic!("container ls has no '{web_name}': {containers}"));
    assert_eq!(web["state"], "running", "the lab keeps '{web_name}' running");

    let logs = homeport.run(&["container", "logs", "--host", &name, &web_name, "--tail", "2"]);
    assert!(logs.status.success(), "container logs failed: {}", logs.stderr);
    let lines: Vec<&str> = logs.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "--tail 2 prints two lines: {lines:?}");
    assert!(
        lines.iter().all(|line| !line.trim().is_empty()),
        "the lines have text: {lines:?}"
    );

    let removed = homeport.run(&["host", "remove", &name]);
    assert!(removed.status.success(), "host remove failed: {}", removed.stderr);
    assert_eq!(
        homeport.host_list(&[]),
        hosts_before,
        "host remove restores the previous list"
    );
}

#[test]
fn password_from_stdin_is_stored_in_keychain() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let homeport = Homeport::new();
    let name = common::unique_name("cli-pass");
    let password = lab.var("LAB_SSH_PASS_PASSWORD");
    // Trace level puts as much as possible into the log file that the scan below reads.
    let trace = [("HOMEPORT_LOG", "trace")];

    let add = homeport.run_with(
        &as_strs(&password_host_args(&lab, &name)),
        Some(&format!("{password}\n")),
        &trace,
    );
    let added = add.json("host add --secret-stdin");
    assert_eq!(added["hasSecret"], true, "the password is stored: {added}");
    let id = added["id"].as_str().expect("host add prints the id").to_string();
    let _entry = common::KeychainEntryGuard { host_id: id.clone() };
    assert!(
        common::keychain_entries().contains(&common::credential_entry(&id)),
        "the password is in the Secret Service under host/<id>/credential"
    );

    // A new process can only get the password from the keychain.
    let check = homeport.run_with(&["host", "check", &name, "--json"], None, &trace);
    let info = check.json("host check");
    assert_eq!(info["apiVersion"], "1.41", "the lab engine speaks API 1.41");

    for run in [&add, &check] {
        assert!(!run.stdout.contains(&password), "stdout contains the password");
        assert!(!run.stderr.contains(&password), "stderr contains the password");
    }
    let leaks = common::files_containing(homeport.data_dir.path(), password.as_bytes());
    assert!(
        leaks.is_empty(),
        "the password is in these files under the data folder: {leaks:?}"
    );

    let removed = homeport.run(&["host", "remove", &name]);
    assert!(removed.status.success(), "host remove failed: {}", removed.stderr);
    assert!(
        !common::keychain_entries().contains(&common::credential_entry(&id)),
        "host remove deletes the keychain entry"
    );
}

#[test]
fn locked_keychain_reports_keychain_locked() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let locked_bus = lab.var("LAB_DBUS_LOCKED_ADDRESS");
    let env = [("DBUS_SESSION_BUS_ADDRESS", locked_bus.as_str())];
    let hosts_before = homeport.host_list(&env);
    let password = lab.var("LAB_SSH_PASS_PASSWORD");

    let args = password_host_args(&lab, &common::unique_name("cli-locked"));
    let run = homeport.run_with(&as_strs(&args), Some(&format!("{password}\n")), &env);
    let error = run.json_error("host add with a locked keychain");
    assert_eq!(
        error["code"], "KeychainLocked",
        "a locked keyring is reported as locked: {error}"
    );
    assert_eq!(
        homeport.host_list(&env),
        hosts_before,
        "a failed keychain write saves no host"
    );
}

#[test]
fn missing_keychain_reports_keychain_unavailable() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let env = [("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")];
    let hosts_before = homeport.host_list(&env);
    let password = lab.var("LAB_SSH_PASS_PASSWORD");

    let args = password_host_args(&lab, &common::unique_name("cli-nobus"));
    let run = homeport.run_with(&as_strs(&args), Some(&format!("{password}\n")), &env);
    let error = run.json_error("host add without a session bus");
    assert_eq!(
        error["code"], "KeychainUnavailable",
        "a missing Secret Service is reported: {error}"
    );
    assert_eq!(
        homeport.host_list(&env),
        hosts_before,
        "a failed keychain write saves no host"
    );
}

#[test]
fn invalid_address_names_the_value() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let hosts_before = homeport.host_list(&[]);
    let bad_address = "nas; rm -rf /";
    let mut args = key_host_args(&lab, &common::unique_name("cli-bad"));
    let position = args
        .iter()
        .position(|arg| arg == "--address")
        .expect("--address is passed")
        + 1;
    args[position] = bad_address.to_string();

    let text = homeport.run(&as_strs(&args));
    assert!(!text.status.success(), "an invalid address must fail");
    assert!(
        text.stderr.contains(bad_address),
        "the error names the value: {}",
        text.stderr
    );

    args.push("--json".into());
    let error = homeport
        .run(&as_strs(&args))
        .json_error("host add --json with an invalid address");
    assert_eq!(error["code"], "InvalidInput", "rejected as invalid input: {error}");
    assert_eq!(
        error["params"]["field"], "address",
        "the error names the field: {error}"
    );
    assert_eq!(
        error["params"]["value"], bad_address,
        "the error carries the value: {error}"
    );
    assert_eq!(homeport.host_list(&[]), hosts_before, "invalid input saves nothing");
}

#[test]
fn local_engine_is_listed_and_usable() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let docker_host = lab.docker_host();
    let env = [("DOCKER_HOST", docker_host.as_str())];

    let hosts = homeport.host_list(&env);
    let local = hosts
        .as_array()
        .expect("an array")
        .iter()
        .find(|host| host["id"] == "local")
        .unwrap_or_else(|| panic!("DOCKER_HOST={docker_host} must list the local engine: {hosts}"));
    assert_eq!(local["kind"], "local", "the local engine has kind 'local'");
    assert_eq!(
        local["dockerSocket"],
        lab.var("LAB_DOCKER_SOCK").as_str(),
        "its socket comes from DOCKER_HOST"
    );

    let containers = homeport
        .run_with(&["container", "ls", "--host", "local", "--json"], None, &env)
        .json("container ls --host local");
    let web_name = lab.var("LAB_WEB_CONTAINER");
    let listed = containers
        .as_array()
        .expect("an array")
        .iter()
        .any(|c| c["name"] == web_name.as_str());
    assert!(listed, "the local engine lists '{web_name}': {containers}");

    let removed = homeport
        .run_with(&["host", "remove", "local", "--json"], None, &env)
        .json_error("host remove local");
    assert_eq!(
        removed["code"], "InvalidInput",
        "the local engine cannot be removed: {removed}"
    );
}

#[test]
fn keychain_trouble_keeps_password_host() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let homeport = Homeport::new();
    let name = common::unique_name("cli-keep");
    let password = lab.var("LAB_SSH_PASS_PASSWORD");

    let added = homeport
        .run_with(
            &as_strs(&password_host_args(&lab, &name)),
            Some(&format!("{password}\n")),
            &[],
        )
        .json("host add --secret-stdin");
    let id = added["id"].as_str().expect("host add prints the id").to_string();
    let _entry = common::KeychainEntryGuard { host_id: id.clone() };
    let hosts_with_host = homeport.host_list(&[]);

    // Without a Secret Service the entry cannot be deleted, so the host must stay listed.
    let no_bus = [("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")];
    let failed = homeport
        .run_with(&["host", "remove", &name, "--json"], None, &no_bus)
        .json_error("host remove without a keychain");
    assert_eq!(
        failed["code"], "KeychainUnavailable",
        "the keychain failure is reported: {failed}"
    );
    assert_eq!(
        homeport.host_list(&[]),
        hosts_with_host,
        "a failed remove keeps the host"
    );

    // A locked collection hides the entry; the message must say so instead of blaming the password.
    let locked_bus = lab.var("LAB_DBUS_LOCKED_ADDRESS");
    let locked = [("DBUS_SESSION_BUS_ADDRESS", locked_bus.as_str())];
    let missing = homeport
        .run_with(&["container", "ls", "--host", &name, "--json"], None, &locked)
        .json_error("container ls with the entry out of reach");
    assert_eq!(
        missing["code"], "SecretMissing",
        "a missing keychain entry is named: {missing}"
    );

    let removed = homeport.run(&["host", "remove", &name]);
    assert!(removed.status.success(), "host remove failed: {}", removed.stderr);
}

#[test]
fn import_ssh_config_dry_run_then_apply() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let dir = TempDir::new().expect("temp dir");
    let config = dir.path().join("config");
    let suffix = common::unique_name("cli-imp");
    std::fs::write(
        &config,
        format!(
            "Host web-{suffix}\n  HostName {}\n  Port {}\n  User {}\n  IdentityFile {}\n\
             Host nas-{suffix}\n  HostName 192.0.2.10\n  User backup\n  Port 2222\n",
            lab.var("LAB_SSH_KEY_HOST"),
            lab.port("LAB_SSH_KEY_PORT"),
            lab.var("LAB_SSH_KEY_USER"),
            lab.var("LAB_SSH_CLIENT_KEY"),
        ),
    )
    .expect("write config");
    let config = config.display().to_string();
    let known_hosts = lab.var("LAB_SSH_KNOWN_HOSTS");
    let base = [
        "host",
        "import-ssh-config",
        "--file",
        config.as_str(),
        "--known-hosts",
        known_hosts.as_str(),
        "--json",
    ];

    let mut dry_run = base.to_vec();
    dry_run.push("--dry-run");
    let preview = homeport.run(&dry_run).json("import-ssh-config --dry-run");
    let names: Vec<&str> = preview["candidates"]
        .as_array()
        .expect("candidates array")
        .iter()
        .filter_map(|candidate| candidate["name"].as_str())
        .collect();
    assert!(
        names.contains(&format!("web-{suffix}").as_str()),
        "web offered: {names:?}"
    );
    assert_eq!(homeport.host_list(&[]), homeport.host_list(&[]), "listing is stable");
    let listed = homeport.host_list(&[]);
    assert!(
        !listed.to_string().contains(&suffix),
        "--dry-run writes nothing: {listed}"
    );

    let mut apply = base.to_vec();
    let alias = format!("web-{suffix}");
    apply.extend(["--alias", alias.as_str()]);
    let applied = homeport.run(&apply).json("import-ssh-config --alias");
    assert_eq!(applied["result"]["added"], serde_json::json!([alias]), "{applied}");

    // The key came from known_hosts, so the imported host connects without --trust. The
    // configuration names no Docker socket, so the default one is missing on the lab host:
    // that error comes only after the host key was accepted and the login succeeded.
    let error = homeport
        .run(&["container", "ls", "--host", alias.as_str(), "--json"])
        .json_error("container ls on the imported host");
    assert_eq!(error["code"], "DockerUnavailable", "{error}");
}

#[test]
fn import_ssh_config_error_names_file_and_line() {
    let Some(_lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let dir = TempDir::new().expect("temp dir");
    let config = dir.path().join("config");
    std::fs::write(&config, "Host a\n  HostName 192.0.2.1\n  Port twenty\n").expect("write config");

    let error = homeport
        .run(&[
            "host",
            "import-ssh-config",
            "--file",
            &config.display().to_string(),
            "--dry-run",
            "--json",
        ])
        .json_error("a config with a bad port");
    assert_eq!(error["code"], "ConfigInvalid", "{error}");
    assert_eq!(error["params"]["line"], "3");
    assert_eq!(error["params"]["file"], config.display().to_string().as_str());
}

#[test]
fn fleet_status_json_lists_hosts() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let name = common::unique_name("cli-fleet");
    let mut add = key_host_args(&lab, &name);
    let fingerprint = common::keyscan_fingerprint(&lab.var("LAB_SSH_KEY_HOST"), lab.port("LAB_SSH_KEY_PORT"));
    add.extend(["--trust".to_string(), fingerprint, "--json".to_string()]);
    homeport.run(&as_strs(&add)).json("host add");

    let fleet = homeport
        .run(&["fleet", "status", "--timeout", "5", "--json"])
        .json("fleet status");
    let entry = fleet
        .as_array()
        .expect("fleet array")
        .iter()
        .find(|entry| entry["host"]["name"] == name.as_str())
        .unwrap_or_else(|| panic!("the added host is in the fleet: {fleet}"))
        .clone();
    assert_eq!(entry["state"], "online", "{entry}");
    assert!(entry["containers"]["running"].as_u64().unwrap_or(0) >= 1, "{entry}");
}

/// An ssh-agent of the test's own on a socket in a temp dir, killed on drop.
struct TestAgent {
    child: std::process::Child,
    socket: std::path::PathBuf,
    _dir: TempDir,
}

impl TestAgent {
    fn start() -> Self {
        let dir = TempDir::new().expect("temp dir");
        let socket = dir.path().join("agent.sock");
        let child = Command::new("ssh-agent")
            .args(["-D", "-a"])
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh-agent is installed with openssh-client");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(
                Instant::now() < deadline,
                "ssh-agent did not create {}",
                socket.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        TestAgent {
            child,
            socket,
            _dir: dir,
        }
    }

    fn add(&self, key: &str) {
        let status = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("ssh-add runs");
        assert!(status.success(), "ssh-add {key} failed");
    }
}

impl Drop for TestAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn ssh_agent_authenticates() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let agent = TestAgent::start();
    let socket = agent.socket.display().to_string();
    let env = [("SSH_AUTH_SOCK", socket.as_str())];
    let name = common::unique_name("cli-agent");
    let fingerprint = common::keyscan_fingerprint(&lab.var("LAB_SSH_KEY_HOST"), lab.port("LAB_SSH_KEY_PORT"));
    let mut args: Vec<String> = key_host_args(&lab, &name)
        .into_iter()
        .filter(|arg| !arg.starts_with('/') || arg.ends_with(".sock"))
        .collect();
    // Replace `--auth key --key-file PATH` with `--auth agent`.
    let auth = args.iter().position(|arg| arg == "key").expect("--auth key");
    args[auth] = "agent".into();
    args.retain(|arg| arg != "--key-file");
    args.extend(["--trust".to_string(), fingerprint, "--json".to_string()]);

    let empty = homeport
        .run_with(&as_strs(&args), None, &env)
        .json_error("agent without keys");
    assert_eq!(empty["code"], "AgentUnavailable", "an empty agent is reported: {empty}");

    agent.add(&lab.var("LAB_SSH_CLIENT_KEY_ECDSA"));
    let added = homeport
        .run_with(&as_strs(&args), None, &env)
        .json("host add --auth agent");
    assert_eq!(added["auth"], "agent");
    let containers = homeport
        .run_with(&["container", "ls", "--host", &name, "--json"], None, &env)
        .json("container ls through an agent login");
    assert!(
        containers.as_array().is_some_and(|list| !list.is_empty()),
        "{containers}"
    );
}

#[test]
fn cached_facts_and_timeout_limits() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let name = common::unique_name("cli-facts");
    let mut add = key_host_args(&lab, &name);
    let fingerprint = common::keyscan_fingerprint(&lab.var("LAB_SSH_KEY_HOST"), lab.port("LAB_SSH_KEY_PORT"));
    add.extend(["--trust".to_string(), fingerprint, "--json".to_string()]);
    homeport.run(&as_strs(&add)).json("host add");

    let none = homeport
        .run(&["host", "facts", &name, "--cached", "--json"])
        .json_error("--cached before any reading");
    assert_eq!(none["code"], "InvalidInput", "{none}");

    let fresh = homeport.run(&["host", "facts", &name, "--json"]).json("host facts");
    let cached = homeport
        .run(&["host", "facts", &name, "--cached", "--json"])
        .json("host facts --cached");
    assert_eq!(cached["readAt"], fresh["readAt"], "--cached prints the stored reading");

    for timeout in ["0", "0.01", "NaN"] {
        let error = homeport
            .run(&["fleet", "status", "--timeout", timeout, "--json"])
            .json_error("a timeout below 0.1 s");
        assert_eq!(error["params"]["field"], "timeout", "--timeout {timeout}: {error}");
    }
}

#[test]
fn import_digest_and_missing_known_hosts() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let dir = TempDir::new().expect("temp dir");
    let config = dir.path().join("config");
    std::fs::write(&config, "Host one\n  HostName 192.0.2.1\n").expect("write config");
    let config = config.display().to_string();
    let known_hosts = lab.var("LAB_SSH_KNOWN_HOSTS");

    let missing = homeport
        .run(&[
            "host",
            "import-ssh-config",
            "--file",
            &config,
            "--known-hosts",
            "/nonexistent/known_hosts",
            "--dry-run",
            "--json",
        ])
        .json_error("a named known_hosts file that does not exist");
    assert_eq!(missing["params"]["field"], "knownHosts", "{missing}");

    let base = [
        "host",
        "import-ssh-config",
        "--file",
        &config,
        "--known-hosts",
        &known_hosts,
        "--json",
    ];
    let mut dry_run = base.to_vec();
    dry_run.push("--dry-run");
    let preview = homeport.run(&dry_run).json("preview");
    let digest = preview["digest"].as_str().expect("digest").to_string();

    std::fs::write(&config, "Host one\n  HostName 192.0.2.2\n").expect("edit config");
    let mut apply = base.to_vec();
    apply.extend(["--digest", digest.as_str(), "--alias", "one"]);
    let stale = homeport.run(&apply).json_error("apply after the file changed");
    assert_eq!(stale["params"]["field"], "digest", "{stale}");
    assert!(
        !homeport.host_list(&[]).to_string().contains("192.0.2"),
        "nothing is imported from a changed file"
    );
}

/// Creates Docker CLI contexts in a private `DOCKER_CONFIG` with the real `docker` command.
fn docker_context_create(config_dir: &Path, name: &str, docker: &str) {
    common::run_checked(
        Command::new("docker")
            .env("DOCKER_CONFIG", config_dir)
            .args(["context", "create", name, "--docker", docker]),
    );
}

/// The environment for an import that must see only the test's contexts.
const NO_DOCKER_ENV: [(&str, &str); 2] = [("DOCKER_HOST", ""), ("DOCKER_CONTEXT", "")];

fn candidate<'a>(preview: &'a Value, name: &str) -> &'a Value {
    preview["candidates"]
        .as_array()
        .expect("candidates array")
        .iter()
        .find(|candidate| candidate["name"] == name)
        .unwrap_or_else(|| panic!("no candidate {name} in {preview}"))
}

#[test]
fn import_docker_contexts_then_use_them() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let dir = TempDir::new().expect("temp dir");
    let docker_config = dir.path().join("docker");
    std::fs::create_dir(&docker_config).expect("docker config dir");

    // The ssh:// context names an alias, which only the SSH configuration resolves, as the
    // docker CLI's ssh would.
    let ssh_config = dir.path().join("ssh_config");
    std::fs::write(
        &ssh_config,
        format!(
            "Host lab-ssh\n  HostName {}\n  Port {}\n  User {}\n  IdentityFile {}\n",
            lab.var("LAB_SSH_KEY_HOST"),
            lab.port("LAB_SSH_KEY_PORT"),
            lab.var("LAB_SSH_KEY_USER"),
            lab.var("LAB_SSH_CLIENT_KEY"),
        ),
    )
    .expect("write ssh config");
    let tls_endpoint = format!(
        "host=tcp://{}:{},ca={},cert={},key={}",
        lab.var("LAB_DOCKER_TLS_HOST"),
        lab.var("LAB_DOCKER_TLS_PORT"),
        lab.var("LAB_DOCKER_TLS_CA"),
        lab.var("LAB_DOCKER_TLS_CERT"),
        lab.var("LAB_DOCKER_TLS_KEY"),
    );
    docker_context_create(&docker_config, "tls+engine", &tls_endpoint);
    docker_context_create(
        &docker_config,
        "over-ssh",
        &format!("host=ssh://lab-ssh{}", lab.var("LAB_DOCKER_SOCK")),
    );
    docker_context_create(
        &docker_config,
        "socket",
        &format!("host=unix://{}", lab.var("LAB_DOCKER_SOCK")),
    );
    docker_context_create(
        &docker_config,
        "lax",
        &format!(
            "host=tcp://{}:{},skip-tls-verify=true",
            lab.var("LAB_DOCKER_TLS_HOST"),
            lab.var("LAB_DOCKER_TLS_PORT")
        ),
    );
    common::run_checked(Command::new("docker").env("DOCKER_CONFIG", &docker_config).args([
        "context",
        "use",
        "tls+engine",
    ]));

    let docker_config = docker_config.display().to_string();
    let ssh_config = ssh_config.display().to_string();
    let known_hosts = lab.var("LAB_SSH_KNOWN_HOSTS");
    let base = [
        "host",
        "import-docker",
        "--docker-config",
        docker_config.as_str(),
        "--ssh-config",
        ssh_config.as_str(),
        "--known-hosts",
        known_hosts.as_str(),
        "--json",
    ];
    let mut dry_run = base.to_vec();
    dry_run.push("--dry-run");
    let preview = homeport
        .run_with(&dry_run, None, &NO_DOCKER_ENV)
        .json("import-docker --dry-run");

    let tls = candidate(&preview, "tls-engine");
    assert_eq!(tls["kind"], "tcp", "{tls}");
    assert_eq!(tls["current"], true, "`docker context use` made it current: {tls}");
    // `docker context create` copies the TLS files into its store; the import points there.
    let ca = tls["tls"]["ca"].as_str().unwrap_or_default();
    assert!(
        ca.starts_with(&docker_config) && ca.ends_with("/docker/ca.pem"),
        "the CA in the context store: {tls}"
    );
    assert_eq!(tls["recommended"], true, "{tls}");

    let ssh = candidate(&preview, "over-ssh");
    assert_eq!(ssh["kind"], "ssh", "{ssh}");
    assert_eq!(
        ssh["address"],
        lab.var("LAB_SSH_KEY_HOST"),
        "resolved through the SSH config"
    );
    assert_eq!(ssh["user"], lab.var("LAB_SSH_KEY_USER"), "{ssh}");
    assert_eq!(ssh["hostKey"], "known", "{ssh}");
    assert_eq!(ssh["dockerSocket"], lab.var("LAB_DOCKER_SOCK"), "{ssh}");

    assert_eq!(candidate(&preview, "socket")["kind"], "socket");
    let lax = candidate(&preview, "lax");
    assert_eq!(lax["recommended"], false, "{lax}");
    assert!(
        lax["problems"].to_string().contains("tlsVerifyOff"),
        "skip-tls-verify is refused: {lax}"
    );
    assert!(
        !homeport.host_list(&NO_DOCKER_ENV).to_string().contains("tls-engine"),
        "--dry-run writes nothing"
    );

    let applied = homeport.run_with(&base, None, &NO_DOCKER_ENV).json("import-docker");
    let mut added: Vec<String> = applied["result"]["added"]
        .as_array()
        .expect("added")
        .iter()
        .filter_map(|name| name.as_str().map(String::from))
        .collect();
    added.sort();
    assert_eq!(added, ["over-ssh", "socket", "tls-engine"], "{applied}");

    let web = lab.var("LAB_WEB_CONTAINER");
    for host in ["tls-engine", "over-ssh", "socket"] {
        let containers = homeport
            .run_with(&["container", "ls", "--host", host, "--json"], None, &NO_DOCKER_ENV)
            .json(&format!("container ls on {host}"));
        assert!(
            containers.to_string().contains(&web),
            "{host} lists {web}: {containers}"
        );
    }

    let again = homeport
        .run_with(&base, None, &NO_DOCKER_ENV)
        .json("import-docker again");
    assert_eq!(again["result"]["added"], serde_json::json!([]), "{again}");
    assert_eq!(
        again["result"]["unchanged"].as_array().map(Vec::len),
        Some(3),
        "importing again changes nothing: {again}"
    );

    let listed = homeport.host_list(&NO_DOCKER_ENV).to_string();
    let key = std::fs::read_to_string(lab.var("LAB_DOCKER_TLS_KEY")).expect("client key");
    let key_body = key.lines().nth(1).expect("a PEM body line");
    assert!(!listed.contains(key_body), "only the key's path is stored");
}

#[test]
fn import_docker_host_from_the_environment() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let empty_config = TempDir::new().expect("temp dir");
    let cert_dir = Path::new(&lab.var("LAB_DOCKER_TLS_CA"))
        .parent()
        .expect("TLS folder")
        .display()
        .to_string();
    let docker_host = format!(
        "tcp://{}:{}",
        lab.var("LAB_DOCKER_TLS_HOST"),
        lab.var("LAB_DOCKER_TLS_PORT")
    );
    let docker_config = empty_config.path().display().to_string();
    let env = [
        ("DOCKER_HOST", docker_host.as_str()),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", cert_dir.as_str()),
        ("DOCKER_CONTEXT", ""),
    ];
    let applied = homeport
        .run_with(
            &[
                "host",
                "import-docker",
                "--docker-config",
                docker_config.as_str(),
                "--context",
                "DOCKER_HOST",
                "--json",
            ],
            None,
            &env,
        )
        .json("import-docker from DOCKER_HOST");
    assert_eq!(
        applied["result"]["added"],
        serde_json::json!(["docker-host"]),
        "{applied}"
    );
    let imported = candidate(&applied["preview"], "docker-host");
    assert_eq!(imported["origin"], "dockerHost", "{imported}");
    assert_eq!(imported["tls"]["cert"], format!("{cert_dir}/cert.pem"), "{imported}");

    let containers = homeport
        .run_with(&["container", "ls", "--host", "docker-host", "--json"], None, &env)
        .json("container ls through the imported DOCKER_HOST");
    assert!(containers.to_string().contains(&lab.var("LAB_WEB_CONTAINER")));
}

/// A saved host where nothing listens (a closed loopback port) opens one P0 alert on the second
/// failed refresh, and further failures only raise its count.
#[test]
fn unreachable_host_opens_one_alert() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let dir = TempDir::new().expect("temp dir");
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        format!(
            "Host gone\n  HostName 127.0.0.9\n  Port 2299\n  User {}\n  IdentityFile {}\n",
            lab.var("LAB_SSH_KEY_USER"),
            lab.var("LAB_SSH_CLIENT_KEY"),
        ),
    )
    .expect("write config");
    let config = config.display().to_string();
    homeport
        .run(&[
            "host",
            "import-ssh-config",
            "--file",
            &config,
            "--alias",
            "gone",
            "--json",
        ])
        .json("import the unreachable host");

    let refresh = |step: &str| -> Value {
        let fleet = homeport
            .run(&["fleet", "status", "--timeout", "2", "--json"])
            .json(step);
        fleet
            .as_array()
            .expect("fleet array")
            .iter()
            .find(|entry| entry["host"]["name"] == "gone")
            .cloned()
            .unwrap_or_else(|| panic!("{step}: no host 'gone' in {fleet}"))
    };

    let first = refresh("first refresh");
    assert_eq!(first["state"], "unreachable", "{first}");
    assert_eq!(first["openAlerts"], serde_json::json!([]), "one failure opens nothing");

    let second = refresh("second refresh");
    let alerts = second["openAlerts"].as_array().expect("openAlerts");
    assert_eq!(alerts.len(), 1, "{second}");
    assert_eq!(alerts[0]["rule"], "host_unreachable");
    assert_eq!(alerts[0]["severity"], "P0");
    assert_eq!(alerts[0]["params"]["host"], "gone");

    let third = refresh("third refresh");
    assert_eq!(
        third["openAlerts"][0]["id"], alerts[0]["id"],
        "the same alert stays open"
    );
    assert_eq!(third["openAlerts"][0]["count"], 2, "{third}");
}

/// Writes an SSH configuration into `dir` whose hosts connect with a key file there, and
/// returns its path.
fn write_import_config(dir: &Path, hosts: &str) -> String {
    let key = dir.join("id_test");
    std::fs::write(&key, "not a real key; import only checks that the file exists\n").expect("write key file");
    let config = dir.join("config");
    let text = hosts.replace("KEY", &key.display().to_string());
    std::fs::write(&config, text).expect("write config");
    config.display().to_string()
}

/// Returns the aliases of a preview's candidates, in order.
fn candidate_aliases(preview: &Value) -> Vec<String> {
    preview["candidates"]
        .as_array()
        .expect("candidates array")
        .iter()
        .map(|candidate| candidate["alias"].as_str().expect("alias").to_string())
        .collect()
}

#[test]
fn import_dry_run_creates_no_files() {
    let homeport = Homeport::new();
    let dir = TempDir::new().expect("temp dir");
    let config = write_import_config(dir.path(), "Host web\n  HostName 192.0.2.10\n  IdentityFile KEY\n");
    let missing = homeport.data_dir.path().join("not-yet");
    let missing_text = missing.display().to_string();
    let dry_run = ["host", "import-ssh-config", "--file", &config, "--dry-run", "--json"];

    let preview = homeport
        .run_with(&dry_run, None, &[("HOMEPORT_DATA_DIR", &missing_text)])
        .json("--dry-run without a data folder");
    assert_eq!(candidate_aliases(&preview), ["web"]);
    assert!(!missing.exists(), "--dry-run created the data folder {missing_text}");

    homeport.run(&dry_run).json("--dry-run with an empty data folder");
    let written: Vec<_> = std::fs::read_dir(homeport.data_dir.path())
        .expect("list the data folder")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert!(written.is_empty(), "--dry-run wrote {written:?}");
}

#[test]
fn import_dry_run_alias_lists_only_selected() {
    let homeport = Homeport::new();
    let dir = TempDir::new().expect("temp dir");
    let config = write_import_config(
        dir.path(),
        "Host bastion\n  HostName 192.0.2.1\n  IdentityFile KEY\n\
         Host web\n  HostName 192.0.2.2\n  ProxyJump bastion\n  IdentityFile KEY\n\
         Host db\n  HostName 192.0.2.3\n  IdentityFile KEY\n",
    );
    let base = [
        "host",
        "import-ssh-config",
        "--file",
        config.as_str(),
        "--dry-run",
        "--json",
    ];

    let whole = homeport.run(&base).json("--dry-run");
    assert_eq!(candidate_aliases(&whole), ["bastion", "web", "db"]);

    let mut selected = base.to_vec();
    selected.extend(["--alias", "web"]);
    let preview = homeport.run(&selected).json("--dry-run --alias web");
    assert_eq!(candidate_aliases(&preview), ["bastion", "web"], "web and its jump host");
    assert_eq!(
        preview["digest"], whole["digest"],
        "the digest covers the whole preview"
    );

    let mut unknown = base.to_vec();
    unknown.extend(["--alias", "nope"]);
    let error = homeport.run(&unknown).json_error("--dry-run --alias nope");
    assert_eq!(error["code"], "InvalidInput", "{error}");
    assert_eq!(error["params"]["field"], "alias", "{error}");
    assert_eq!(error["params"]["value"], "nope", "{error}");
}

#[test]
fn import_summary_counts_skipped_hosts() {
    let homeport = Homeport::new();
    let dir = TempDir::new().expect("temp dir");
    let config = write_import_config(
        dir.path(),
        "Host good\n  HostName 192.0.2.1\n  IdentityFile KEY\n\
         Host review\n  IdentityFile KEY\n\
         Host loop-a\n  HostName 192.0.2.3\n  ProxyJump loop-b\n  IdentityFile KEY\n\
         Host loop-b\n  HostName 192.0.2.4\n  ProxyJump loop-a\n  IdentityFile KEY\n",
    );
    let import = ["host", "import-ssh-config", "--file", config.as_str()];

    let mut json = import.to_vec();
    json.push("--json");
    let applied = homeport.run(&json).json("import of the recommended hosts");
    assert_eq!(applied["result"]["added"], serde_json::json!(["good"]), "{applied}");
    let mut skipped: Vec<(String, String)> = applied["skipped"]
        .as_array()
        .expect("a skipped array")
        .iter()
        .map(|host| {
            (
                host["alias"].to_string().replace('"', ""),
                host["reason"].to_string().replace('"', ""),
            )
        })
        .collect();
    skipped.sort();
    let expected = [
        ("loop-a", "blocked"),
        ("loop-b", "blocked"),
        ("review", "notRecommended"),
    ]
    .map(|(alias, reason)| (alias.to_string(), reason.to_string()));
    assert_eq!(skipped, expected, "{applied}");

    let mut named = import.to_vec();
    named.extend(["--alias", "review"]);
    let text = homeport.run(&named);
    assert!(text.status.success(), "import --alias review failed: {}", text.stderr);
    assert!(
        text.stdout.starts_with("added 1, updated 0, unchanged 0, skipped 3\n"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("  skipped good (not named with --alias or --context)"),
        "{}",
        text.stdout
    );
}

#[test]
fn host_errors_use_command_line_words() {
    let homeport = Homeport::new();
    let add = [
        "host",
        "add",
        "--name",
        "web",
        "--address",
        "192.0.2.10",
        "--user",
        "admin",
        "--auth",
        "agent",
        "--jump-host",
        "nope",
    ];

    let text = homeport.run(&add);
    assert!(!text.status.success(), "host add with an unknown jump host succeeded");
    assert!(text.stderr.contains("--jump-host"), "{}", text.stderr);
    assert!(text.stderr.contains("run the command again"), "{}", text.stderr);
    for window_word in ["jumpHost", "save again"] {
        assert!(
            !text.stderr.contains(window_word),
            "'{window_word}' in: {}",
            text.stderr
        );
    }

    let mut json = add.to_vec();
    json.push("--json");
    let error = homeport.run(&json).json_error("host add --jump-host nope");
    assert_eq!(error["code"], "InvalidInput", "the code stays: {error}");
    assert_eq!(error["params"]["field"], "jumpHost", "the params stay: {error}");
    let message = error["message"].as_str().expect("message");
    assert!(message.contains("--jump-host"), "{message}");
    assert!(!message.contains("jumpHost"), "{message}");
}

/// Lists the temporary files of `name` in `dir`.
fn temporaries_of(dir: &Path, name: &str) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("cannot list '{}': {err}", dir.display()))
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            let file_name = path.file_name().unwrap().to_string_lossy();
            file_name.starts_with(&format!(".{name}.")) && file_name.ends_with(".homeport-part")
        })
        .collect()
}

/// Starts `homeport ARGS…`, waits until a temporary file of `name` appears in `dir`, and kills
/// the process with SIGKILL, so it can remove nothing. Returns the temporary left behind.
fn kill_during_transfer(homeport: &Homeport, args: &[&str], dir: &Path, name: &str) -> std::path::PathBuf {
    let mut child = Command::new(env!("CARGO_BIN_EXE_homeport"))
        .args(args)
        .env("HOMEPORT_DATA_DIR", homeport.data_dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start homeport");
    let deadline = Instant::now() + RUN_DEADLINE;
    let temporary = loop {
        if let Some(path) = temporaries_of(dir, name).pop() {
            break path;
        }
        if let Some(status) = child.try_wait().expect("status") {
            panic!("{args:?} ended with {status} before its temporary file appeared");
        }
        assert!(Instant::now() < deadline, "{args:?} wrote no temporary file");
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    assert!(temporary.exists(), "the killed transfer left {}", temporary.display());
    temporary
}

/// Sets the modification time of `path` to an hour ago, past the age at which a temporary
/// counts as left behind.
fn age_by_an_hour(path: &Path) {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open the temporary");
    file.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .expect("set the modification time");
}

#[test]
fn killed_transfers_leave_no_temporary_behind() {
    use std::os::unix::fs::PermissionsExt;

    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let name = common::unique_name("cli-stale");
    let address = lab.var("LAB_SSH_KEY_HOST");
    let fingerprint = common::keyscan_fingerprint(&address, lab.port("LAB_SSH_KEY_PORT"));
    let mut add = key_host_args(&lab, &name);
    add.extend(["--trust".to_string(), fingerprint, "--json".to_string()]);
    homeport.run(&as_strs(&add)).json("host add");

    // The lab's sshd runs on this machine, so its files are in this machine's /tmp.
    let remote_dir = TempDir::new_in("/tmp").expect("remote dir");
    std::fs::set_permissions(remote_dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let local_dir = TempDir::new().expect("local dir");
    let big = local_dir.path().join("big.bin");
    std::fs::File::create(&big)
        .and_then(|file| file.set_len(512 << 20))
        .expect("a 512 MiB file");
    let big_text = big.display().to_string();
    let remote = remote_dir.path().join("big.bin").display().to_string();

    let upload = ["host", "put", name.as_str(), big_text.as_str(), remote.as_str()];
    let left = kill_during_transfer(&homeport, &upload, remote_dir.path(), "big.bin");
    age_by_an_hour(&left);
    let small = local_dir.path().join("small.bin");
    std::fs::write(&small, b"small").expect("write small file");
    let small_text = small.display().to_string();
    let run = homeport.run(&["host", "put", &name, &small_text, &remote]);
    assert!(run.status.success(), "the next upload failed: {}", run.stderr);
    assert!(!left.exists(), "the next upload left {} in place", left.display());
    assert_eq!(
        std::fs::read(remote_dir.path().join("big.bin")).expect("uploaded"),
        b"small"
    );

    std::fs::File::create(remote_dir.path().join("big.bin"))
        .and_then(|file| file.set_len(512 << 20))
        .expect("a 512 MiB remote file");
    let copy = local_dir.path().join("copy.bin");
    let copy_text = copy.display().to_string();
    let download = ["host", "get", name.as_str(), remote.as_str(), copy_text.as_str()];
    let left = kill_during_transfer(&homeport, &download, local_dir.path(), "copy.bin");
    age_by_an_hour(&left);
    let small_remote = remote_dir.path().join("small.bin");
    std::fs::write(&small_remote, b"small").expect("write small remote file");
    let small_remote_text = small_remote.display().to_string();
    let run = homeport.run(&["host", "get", &name, &small_remote_text, &copy_text]);
    assert!(run.status.success(), "the next download failed: {}", run.stderr);
    assert!(!left.exists(), "the next download left {} in place", left.display());
    assert_eq!(std::fs::read(&copy).expect("downloaded"), b"small");
}

#[test]
fn import_never_quotes_an_included_secret() {
    let homeport = Homeport::new();
    let dir = TempDir::new().expect("temp dir");
    let secret = dir.path().join("creds.json");
    std::fs::write(&secret, "{\"token\": \"hp-secret-7f3a\"}\n").expect("write the JSON file");
    let config = write_import_config(
        dir.path(),
        &format!("Host web\n  HostName 192.0.2.10\nInclude {}\n", secret.display()),
    );

    for json in [false, true] {
        let mut args = vec!["host", "import-ssh-config", "--file", config.as_str(), "--dry-run"];
        if json {
            args.push("--json");
        }
        let run = homeport.run(&args);
        assert!(!run.status.success(), "a JSON include is rejected");
        assert!(
            !run.stderr.contains("hp-secret"),
            "the secret is quoted: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("token"),
            "the file's text is quoted: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!("{}:1:1", secret.display())),
            "file, line and column are named: {}",
            run.stderr
        );
    }
}

/// Runs Debian's docker-compose 1.29 against the lab engine, as a user would outside Homeport.
fn docker_compose(lab: &Lab, dir: &Path, project: &str, args: &[&str]) -> String {
    let output = common::run_checked(
        Command::new("docker-compose")
            .current_dir(dir)
            .env("DOCKER_HOST", lab.docker_host())
            .args(["--project-name", project, "--file", "compose.yaml"])
            .args(args),
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn docker_lab(lab: &Lab, args: &[&str]) -> String {
    let output = common::run_checked(Command::new("docker").args(["-H", &lab.docker_host()]).args(args));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A project made with docker-compose 1.29 is listed as a stack and stopped, started and taken
/// down by Homeport, and docker-compose sees each change.
#[test]
fn compose_project_is_a_stack() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let dir = TempDir::new().expect("temp dir");
    let project = common::unique_name("hpstack").replace('-', "");
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!(
            "services:\n  web:\n    image: {image}\n    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 1; done\"]\n    volumes: [data:/data]\n  worker:\n    image: {image}\n    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 1; done\"]\n    depends_on: [web]\nvolumes:\n  data: {{}}\n",
            image = lab.var("LAB_IMAGE"),
        ),
    )
    .expect("write compose.yaml");
    docker_compose(&lab, dir.path(), &project, &["up", "-d", "--no-build"]);

    let socket = lab.var("LAB_DOCKER_SOCK");
    homeport
        .run(&["host", "add-engine", "--name", "engine", "--socket", &socket, "--json"])
        .json("add the lab engine");
    let find = |step: &str| -> Option<Value> {
        let stacks = homeport.run(&["stack", "ls", "--host", "engine", "--json"]).json(step);
        stacks
            .as_array()
            .expect("stack array")
            .iter()
            .find(|stack| stack["name"] == project.as_str())
            .cloned()
    };

    let stack = find("stack ls").expect("the docker-compose project is listed");
    assert_eq!(stack["status"], "running", "{stack}");
    assert_eq!(stack["containers"]["total"], 2, "{stack}");
    assert_eq!(stack["services"].as_array().map(Vec::len), Some(2), "{stack}");
    let working_dir = dir.path().canonicalize().expect("temp dir path");
    assert_eq!(stack["workingDir"], working_dir.display().to_string(), "{stack}");
    assert!(stack["configFiles"].to_string().contains("compose.yaml"), "{stack}");

    homeport
        .run(&["stack", "stop", &project, "--host", "engine", "--json"])
        .json("stack stop");
    assert_eq!(find("after stop").expect("still listed")["status"], "stopped");
    assert!(
        !docker_compose(
            &lab,
            dir.path(),
            &project,
            &["ps", "--services", "--filter", "status=running"]
        )
        .contains("web"),
        "docker-compose sees the stopped services"
    );

    homeport
        .run(&["stack", "start", &project, "--host", "engine", "--json"])
        .json("stack start");
    assert_eq!(find("after start").expect("still listed")["status"], "running");

    homeport
        .run(&["stack", "down", &project, "--host", "engine", "--json"])
        .json("stack down");
    assert!(find("after down").is_none(), "no container is left");
    let label = format!("label=com.docker.compose.project={project}");
    assert_eq!(
        docker_lab(&lab, &["network", "ls", "-q", "--filter", &label]).trim(),
        "",
        "networks removed"
    );
    assert_ne!(
        docker_lab(&lab, &["volume", "ls", "-q", "--filter", &label]).trim(),
        "",
        "volumes kept"
    );

    docker_compose(&lab, dir.path(), &project, &["up", "-d", "--no-build"]);
    homeport
        .run(&["stack", "down", &project, "--host", "engine", "--volumes", "--json"])
        .json("stack down --volumes");
    assert_eq!(
        docker_lab(&lab, &["volume", "ls", "-q", "--filter", &label]).trim(),
        "",
        "volumes removed"
    );

    let missing = homeport
        .run(&["stack", "stop", &project, "--host", "engine", "--json"])
        .json_error("stop a stack that is gone");
    assert_eq!(missing["code"], "StackNotFound", "{missing}");
}

/// Builds `reference` from the lab image with `version` in a file and a label, pushes it to the
/// lab registry and returns the image id.
fn build_and_push(lab: &Lab, reference: &str, version: u32) -> String {
    let dir = TempDir::new().expect("temp dir");
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!(
            "FROM {}\nRUN echo v{version} > /version\nLABEL homeport.test.version={version}\n",
            lab.var("LAB_IMAGE")
        ),
    )
    .expect("write Dockerfile");
    let context = dir.path().display().to_string();
    docker_lab(lab, &["build", "--quiet", "--tag", reference, &context]);
    docker_lab(lab, &["push", reference]);
    docker_lab(lab, &["inspect", "--format", "{{.Id}}", reference])
        .trim()
        .to_string()
}

/// `stack updates` and `stack update` on a project made with docker-compose 1.29: the check
/// finds the image pushed after the project started, and the update replaces only the
/// service named with `--service`, which docker-compose still lists as its own.
#[test]
fn stack_updates_and_update_of_compose_project() {
    let Some(lab) = common::lab() else { return };
    let homeport = Homeport::new();
    let dir = TempDir::new().expect("temp dir");
    let project = common::unique_name("hpupd").replace('-', "");
    let repository = format!("{}/hp/{project}/web", lab.var("LAB_REGISTRY"));
    let image = format!("{repository}:1");
    let v1 = build_and_push(&lab, &image, 1);
    let idle = "trap 'exit 0' TERM; while true; do sleep 1; done";
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!(
            "services:\n  web:\n    image: {image}\n    command: [\"sh\", \"-c\", \"{idle}\"]\n  worker:\n    image: {image}\n    command: [\"sh\", \"-c\", \"{idle}\"]\n"
        ),
    )
    .expect("write compose.yaml");
    let _cleanup = ComposeCleanup {
        lab: lab.clone(),
        dir: dir.path().to_path_buf(),
        project: project.clone(),
        repository: repository.clone(),
    };
    docker_compose(&lab, dir.path(), &project, &["up", "-d", "--no-build"]);

    let socket = lab.var("LAB_DOCKER_SOCK");
    homeport
        .run(&["host", "add-engine", "--name", "engine", "--socket", &socket, "--json"])
        .json("add the lab engine");

    let table = homeport.run(&["stack", "updates", &project, "--host", "engine"]);
    assert!(table.status.success(), "stack updates failed: {}", table.stderr);
    let lines: Vec<&str> = table.stdout.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["SERVICE", "IMAGE", "LOCAL", "REMOTE", "STATUS"],
        "{}",
        table.stdout
    );
    assert_eq!(lines.len(), 3, "one row per service: {}", table.stdout);
    assert!(lines[1].starts_with("web "), "{}", table.stdout);
    assert!(lines[1].ends_with("up to date"), "{}", table.stdout);
    assert!(lines[1].contains(&image), "{}", table.stdout);

    // A new version under the same tag, pushed and then dropped here, as from another machine.
    let v2 = build_and_push(&lab, &image, 2);
    docker_lab(&lab, &["tag", &v1, &image]);
    docker_lab(&lab, &["rmi", &v2]);

    let checks = homeport
        .run(&["stack", "updates", &project, "--host", "engine", "--json"])
        .json("stack updates --json");
    let checks = checks.as_array().expect("an array of checks");
    assert_eq!(checks.len(), 2, "{checks:?}");
    for check in checks {
        assert_eq!(check["status"], "updateAvailable", "{check}");
        assert_eq!(check["image"], image.as_str(), "{check}");
        assert_ne!(check["localDigest"], check["remoteDigest"], "{check}");
        assert!(check["error"].is_null(), "{check}");
    }

    // docker-compose 1.29 joins the parts of container names with '_'.
    let worker = format!("{project}_worker_1");
    let worker_before = docker_lab(&lab, &["inspect", "--format", "{{.Id}}", &worker]);
    let run = homeport.run(&[
        "stack",
        "update",
        &project,
        "--host",
        "engine",
        "--service",
        "web",
        "--json",
    ]);
    let result = run.json("stack update --service web");
    assert_eq!(result["updated"], serde_json::json!(["web"]), "{result}");
    assert_eq!(result["checks"].as_array().map(Vec::len), Some(1), "{result}");
    assert!(
        run.stderr.lines().any(|line| line.contains("\"stageFinished\"")),
        "stage events on stderr: {}",
        run.stderr
    );

    let web = format!("{project}_web_1");
    assert_eq!(
        docker_lab(&lab, &["exec", &web, "cat", "/version"]).trim(),
        "v2",
        "web runs the new image"
    );
    assert_eq!(
        docker_lab(&lab, &["inspect", "--format", "{{.Id}}", &worker]),
        worker_before,
        "worker was not named, so it kept its container"
    );
    let listed = docker_compose(
        &lab,
        dir.path(),
        &project,
        &["ps", "--services", "--filter", "status=running"],
    );
    assert!(
        listed.lines().any(|line| line == "web"),
        "docker-compose lists web: {listed}"
    );

    let text = homeport.run(&["stack", "update", &project, "--host", "engine", "--service", "nosuch"]);
    assert!(!text.status.success(), "an unknown service fails");
    assert!(text.stderr.contains("nosuch"), "{}", text.stderr);
}

/// Takes a docker-compose project down and removes the images of one repository when dropped,
/// so a failed test leaves nothing on the lab engine.
struct ComposeCleanup {
    lab: Lab,
    dir: std::path::PathBuf,
    project: String,
    repository: String,
}

impl Drop for ComposeCleanup {
    fn drop(&mut self) {
        let docker_host = self.lab.docker_host();
        let _ = Command::new("docker-compose")
            .current_dir(&self.dir)
            .env("DOCKER_HOST", &docker_host)
            .args([
                "--project-name",
                &self.project,
                "--file",
                "compose.yaml",
                "down",
                "--volumes",
            ])
            .output();
        let images = Command::new("docker")
            .args(["-H", &docker_host, "images", "-q", "--no-trunc", &self.repository])
            .output()
            .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
            .unwrap_or_default();
        for id in images.lines() {
            let _ = Command::new("docker")
                .args(["-H", &docker_host, "rmi", "-f", id])
                .output();
        }
    }
}

/// `stack validate` lists every problem of a file in one pass and sets the exit status, and
/// `stack config` prints the interpolated model.
#[test]
fn stack_validate_and_config() {
    let homeport = Homeport::new();
    let dir = TempDir::new().expect("temp dir");
    std::fs::write(dir.path().join(".env"), "SET_VAR=alpine\nEMPTY_VAR=\n").expect(".env");
    let broken = dir.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "services:\n  web:\n    image: busybox\n    ports: [\"${PROXY_PORT:80}:80\"]\n    environment:\n      X: \"${UNSET_VAR:?need it}\"\n",
    )
    .expect("broken.yaml");
    let broken = broken.display().to_string();
    let run = homeport.run(&["stack", "validate", &broken, "--json"]);
    assert_eq!(run.status.code(), Some(1), "errors set exit status 1: {}", run.stderr);
    let report: Value = serde_json::from_str(run.stdout.trim()).expect("report JSON");
    let errors = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|diagnostic| diagnostic["severity"] == "error")
        .count();
    assert_eq!(errors, 2, "both errors in one pass: {report}");
    assert!(report.to_string().contains("need it"), "{report}");
    assert!(
        report.to_string().contains("${PROXY_PORT:-80}"),
        "the fix for ':' is offered: {report}"
    );

    let good = dir.path().join("compose.yaml");
    std::fs::write(
        &good,
        "version: \"3.0\"\nservices:\n  web:\n    image: \"busybox:${SET_VAR:-latest}\"\n    labels:\n      $KEY: \"${EMPTY_VAR-latest}\"\n",
    )
    .expect("compose.yaml");
    let good = good.display().to_string();
    let report = homeport
        .run(&["stack", "validate", &good, "--json"])
        .json("validate a good file");
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(
        report["diagnostics"][0]["severity"], "warning",
        "version is a warning: {report}"
    );

    let config = homeport.run(&["stack", "config", &good, "--json"]).json("stack config");
    assert_eq!(config["services"]["web"]["image"], "busybox:alpine", "{config}");
    // Like docker compose config, the output writes a literal `$` as `$$`.
    assert_eq!(
        config["services"]["web"]["labels"]["$$KEY"], "",
        "keys are never interpolated: {config}"
    );
}

/// `stack from-run` keeps the quoting of the arguments and reports every flag, mapped or not.
#[test]
fn docker_run_becomes_a_service() {
    let homeport = Homeport::new();
    let converted = homeport
        .run(&[
            "stack",
            "from-run",
            "--json",
            "--",
            "docker",
            "run",
            "-d",
            "--name",
            "web",
            "-e",
            "GREETING=hello world",
            "--sysctl",
            "net.core.somaxconn=1024",
            "--device",
            "/dev/dri:/dev/dri",
            "--cidfile",
            "/tmp/web.cid",
            "nginx:1.27",
        ])
        .json("stack from-run");
    assert_eq!(converted["serviceName"], "web", "{converted}");
    assert!(
        converted["composeFile"].to_string().contains("GREETING=hello world"),
        "{converted}"
    );
    let flags: Vec<(String, String)> = converted["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|flag| {
            (
                flag["flag"].as_str().unwrap_or_default().to_string(),
                flag["fate"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let fate = |name: &str| {
        flags
            .iter()
            .find(|(flag, _)| flag == name)
            .map(|(_, fate)| fate.as_str())
    };
    assert_eq!(flags.len(), 6, "every flag is reported: {flags:?}");
    assert_eq!(fate("-d"), Some("notApplicable"));
    assert_eq!(fate("--sysctl"), Some("mapped"));
    assert_eq!(fate("--device"), Some("mapped"));
    assert_eq!(fate("--cidfile"), Some("unmapped"));

    let broken = homeport
        .run(&["stack", "from-run", "--json", "--", "podman", "run", "nginx"])
        .json_error("not a docker command");
    assert_eq!(broken["params"]["field"], "command", "{broken}");
}

//! Helpers shared by the lab test binaries of `homeport-api` and `homeport-cli`: reading the
//! lab's env file, asking OpenSSH for host key fingerprints, listing keychain entries with
//! `secret-tool`, and throwaway containers made with the `docker` CLI.
//!
//! `homeport-cli/tests/cli.rs` includes this file with `#[path]`, so it uses nothing but std.

#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The variable naming the lab's env file. Unset or empty means the lab tests skip.
pub const LAB_ENV_VAR: &str = "HOMEPORT_LAB_ENV";

/// The variables `tests/lab/lab.sh up` wrote.
#[derive(Debug, Clone)]
pub struct Lab {
    vars: HashMap<String, String>,
}

impl Lab {
    /// Returns a variable of the env file, panicking with its name when the file lacks it.
    pub fn var(&self, name: &str) -> String {
        match self.vars.get(name) {
            Some(value) => value.clone(),
            None => panic!("the lab env file has no {name}; run `tests/lab/lab.sh up` again"),
        }
    }

    /// Returns a port variable as a number.
    pub fn port(&self, name: &str) -> u16 {
        let value = self.var(name);
        value
            .parse()
            .unwrap_or_else(|err| panic!("{name}='{value}' in the lab env file is not a port: {err}"))
    }

    /// Returns the `docker` CLI's `--host` value for the lab engine.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.var("LAB_DOCKER_SOCK"))
    }

    /// Panics unless this process talks to the lab's unlocked Secret Service, because tests
    /// that store secrets would otherwise write to (or fail on) the developer's own keyring.
    pub fn require_unlocked_keychain(&self) {
        let expected = self.var("LAB_DBUS_ADDRESS");
        let actual = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
        assert_eq!(
            actual, expected,
            "DBUS_SESSION_BUS_ADDRESS must be the lab's unlocked keyring bus; run with \
             DBUS_SESSION_BUS_ADDRESS=$LAB_DBUS_ADDRESS (the Makefile sets it)"
        );
    }
}

/// Loads the lab env file named by `HOMEPORT_LAB_ENV`.
///
/// Returns `None` after printing one `skipped:` line when the variable is unset or empty. Panics
/// when it names a file that cannot be read or parsed, so a broken lab fails the run.
pub fn lab() -> Option<Lab> {
    let path = match std::env::var_os(LAB_ENV_VAR) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => {
            println!("skipped: {LAB_ENV_VAR} is not set");
            return None;
        }
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "{LAB_ENV_VAR}='{}' cannot be read: {err}; start the lab with `tests/lab/lab.sh up`",
            path.display()
        )
    });
    let vars = parse_env_file(&text)
        .unwrap_or_else(|err| panic!("{LAB_ENV_VAR}='{}' is not a valid env file: {err}", path.display()));
    Some(Lab { vars })
}

/// Parses `export NAME='value'` lines as POSIX sh reads them: single-quoted parts are literal,
/// and `\'` outside quotes is a quote, so `'\''` puts a `'` into a value. Blank lines and
/// `#` comments are skipped.
pub fn parse_env_file(text: &str) -> Result<HashMap<String, String>, String> {
    let mut vars = HashMap::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let assignment = line
            .strip_prefix("export ")
            .ok_or_else(|| format!("line {number}: expected `export NAME='value'`, found '{line}'"))?;
        let (name, quoted) = assignment
            .split_once('=')
            .ok_or_else(|| format!("line {number}: missing '=' in '{line}'"))?;
        let valid_name = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid_name {
            return Err(format!("line {number}: invalid variable name '{name}'"));
        }
        let value = unquote_sh(quoted).map_err(|err| format!("line {number}: {err}"))?;
        vars.insert(name.to_string(), value);
    }
    Ok(vars)
}

/// Removes sh single quotes and `\x` escapes from one word.
fn unquote_sh(word: &str) -> Result<String, String> {
    let mut value = String::new();
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(inner) => value.push(inner),
                    None => return Err(format!("unterminated single quote in {word}")),
                }
            },
            '\\' => match chars.next() {
                Some(escaped) => value.push(escaped),
                None => return Err(format!("trailing backslash in {word}")),
            },
            c if c.is_whitespace() => return Err(format!("unquoted space in {word}")),
            '"' | '$' | '`' => return Err(format!("unsupported shell syntax '{c}' in {word}")),
            plain => value.push(plain),
        }
    }
    Ok(value)
}

/// Returns a name that is unique across tests and, with high probability, across runs:
/// `prefix`, this process id, a per-process counter and the microseconds of the current second.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_micros())
        .unwrap_or_default();
    format!("{prefix}-{}-{count}-{micros}", std::process::id())
}

/// Runs a program to completion and panics with its output when it cannot start or fails.
pub fn run_checked(command: &mut Command) -> Output {
    let description = format!("{command:?}");
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("cannot run {description}: {err}"));
    assert!(
        output.status.success(),
        "{description} failed with {}: stdout: {} stderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Returns the SHA256 fingerprint of the ed25519 host key that `ssh-keyscan` fetches from
/// `address:port`, as `ssh-keygen -lf` prints it (`SHA256:…`).
pub fn keyscan_fingerprint(address: &str, port: u16) -> String {
    let scan = run_checked(Command::new("ssh-keyscan").args(["-t", "ed25519", "-p", &port.to_string(), address]));
    assert!(
        !scan.stdout.is_empty(),
        "ssh-keyscan returned no ed25519 key for {address}:{port}: {}",
        String::from_utf8_lossy(&scan.stderr)
    );

    let mut keygen = Command::new("ssh-keygen")
        .args(["-l", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run ssh-keygen: {err}"));
    {
        use std::io::Write;
        let mut stdin = keygen.stdin.take().expect("ssh-keygen stdin is piped");
        stdin
            .write_all(&scan.stdout)
            .expect("ssh-keygen reads the scanned key from stdin");
    }
    let listed = keygen.wait_with_output().expect("ssh-keygen runs to completion");
    let text = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(
        listed.status.success(),
        "ssh-keygen -lf failed: {}",
        String::from_utf8_lossy(&listed.stderr)
    );

    // Each line reads `256 SHA256:… [127.0.0.2]:2222 (ED25519)`.
    let fingerprints: Vec<&str> = text
        .lines()
        .filter(|line| line.ends_with("(ED25519)"))
        .filter_map(|line| line.split_whitespace().nth(1))
        .collect();
    assert_eq!(
        fingerprints.len(),
        1,
        "expected one ed25519 fingerprint for {address}:{port}, ssh-keygen printed: {text}"
    );
    fingerprints[0].to_string()
}

/// Returns the `username` attribute of every keychain entry of the `homeport` service, read
/// with `secret-tool` on this process's `DBUS_SESSION_BUS_ADDRESS`. Homeport names entries
/// `host/<id>/credential`.
pub fn keychain_entries() -> BTreeSet<String> {
    // secret-tool 0.20 prints the secrets on stdout and the attributes on stderr. Only the
    // attribute lines are kept, and neither stream is ever printed.
    let output = run_checked(Command::new("secret-tool").args(["search", "--all", "service", "homeport"]));
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter_map(|line| line.strip_prefix("attribute.username = "))
        .map(str::to_string)
        .collect()
}

/// A host's keychain entry, deleted with `secret-tool clear` when dropped, so a test that
/// fails before removing its host leaves no entry in the lab keyring.
#[derive(Debug)]
pub struct KeychainEntryGuard {
    pub host_id: String,
}

impl Drop for KeychainEntryGuard {
    fn drop(&mut self) {
        // The entry is usually gone already, because the test removed its host.
        let _ = Command::new("secret-tool")
            .args([
                "clear",
                "service",
                "homeport",
                "username",
                &credential_entry(&self.host_id),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Returns the keychain entry name Homeport uses for a host's secret.
pub fn credential_entry(host_id: &str) -> String {
    format!("host/{host_id}/credential")
}

/// Returns every file under `dir` whose bytes contain `needle`, recursing into folders.
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries =
            std::fs::read_dir(&folder).unwrap_or_else(|err| panic!("cannot list '{}': {err}", folder.display()));
        for entry in entries {
            let path = entry.expect("folder entry is readable").path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                if contains_bytes(&bytes, needle) {
                    found.push(path);
                }
            }
        }
    }
    found
}

/// Returns every file under `dir`, recursing into folders.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in
            std::fs::read_dir(&folder).unwrap_or_else(|err| panic!("cannot list '{}': {err}", folder.display()))
        {
            let path = entry.expect("folder entry is readable").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// Returns whether `haystack` contains `needle`.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}

/// The shell script of test containers: ten numbered lines at once, then one more per second
/// until SIGTERM, which ends it with status 0.
pub const COUNTER_SCRIPT: &str = r#"trap "exit 0" TERM; i=0; while [ $i -lt 10 ]; do echo line $i; i=$((i+1)); done; while true; do echo line $i; i=$((i+1)); sleep 1; done"#;

/// A container made with the `docker` CLI on the lab engine, labelled `homeport.test=1` and
/// removed (forced) when dropped.
#[derive(Debug)]
pub struct TestContainer {
    pub name: String,
    pub id: String,
    docker_host: String,
}

impl TestContainer {
    /// Starts a container running [`COUNTER_SCRIPT`] from the lab image, never pulling.
    pub fn start(lab: &Lab, name: &str) -> Self {
        let docker_host = lab.docker_host();
        let image = lab.var("LAB_IMAGE");
        let output = run_checked(Command::new("docker").args([
            "--host",
            &docker_host,
            "run",
            "--detach",
            "--pull",
            "never",
            "--name",
            name,
            "--label",
            "homeport.test=1",
            &image,
            "sh",
            "-c",
            COUNTER_SCRIPT,
        ]));
        let id = String::from_utf8_lossy(&output.stdout).trim().to_string();
        assert_eq!(
            id.len(),
            64,
            "docker run --detach printed '{id}' instead of a container id"
        );
        Self {
            name: name.to_string(),
            id,
            docker_host,
        }
    }

    /// Runs `docker ARGS…` against the lab engine and panics when it fails.
    pub fn docker(&self, args: &[&str]) -> Output {
        run_checked(Command::new("docker").arg("--host").arg(&self.docker_host).args(args))
    }
}

impl Drop for TestContainer {
    fn drop(&mut self) {
        // Already removed by the test is fine, so the result is ignored.
        let _ = Command::new("docker")
            .args(["--host", &self.docker_host, "rm", "--force", &self.id])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A Compose project on the lab engine, taken down with its volumes when dropped.
pub struct LabProject {
    pub name: String,
    pub docker_host: String,
}

impl LabProject {
    pub fn compose(&self, directory: &Path, args: &[&str]) {
        run_checked(
            Command::new("docker-compose")
                .env("DOCKER_HOST", &self.docker_host)
                .args(["--project-name", &self.name, "--project-directory"])
                .arg(directory)
                .args(args),
        );
    }

    /// Runs `sh -c SCRIPT` in the container of `service` and returns its stdout.
    pub fn sh(&self, service: &str, script: &str) -> String {
        let name = self.container(service);
        let output =
            run_checked(Command::new("docker").args(["--host", &self.docker_host, "exec", &name, "sh", "-c", script]));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn container(&self, service: &str) -> String {
        let output = run_checked(Command::new("docker").args([
            "--host",
            &self.docker_host,
            "ps",
            "--format",
            "{{.Names}}",
            "--filter",
            &format!("label=com.docker.compose.project={}", self.name),
            "--filter",
            &format!("label=com.docker.compose.service={service}"),
        ]));
        let names = String::from_utf8_lossy(&output.stdout).into_owned();
        let name = names.lines().next().unwrap_or_default().to_string();
        assert!(!name.is_empty(), "no running container of {service} in {}", self.name);
        name
    }

    /// Removes the project's containers, volumes and networks by label.
    pub fn remove(&self) {
        let label = format!("label=com.docker.compose.project={}", self.name);
        let list = |kind: &[&str]| {
            let output = Command::new("docker")
                .args(["--host", &self.docker_host])
                .args(kind)
                .args(["--quiet", "--filter", &label])
                .output()
                .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
                .unwrap_or_default();
            output.split_whitespace().map(str::to_string).collect::<Vec<_>>()
        };
        let remove = |args: &[&str], ids: Vec<String>| {
            if !ids.is_empty() {
                let _ = Command::new("docker")
                    .args(["--host", &self.docker_host])
                    .args(args)
                    .args(ids)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        };
        remove(&["rm", "--force", "--volumes"], list(&["ps", "--all"]));
        remove(&["volume", "rm", "--force"], list(&["volume", "ls"]));
        remove(&["network", "rm"], list(&["network", "ls"]));
    }
}

impl Drop for LabProject {
    fn drop(&mut self) {
        self.remove();
    }
}

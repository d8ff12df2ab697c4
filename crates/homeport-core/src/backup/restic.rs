//! restic and rclone command lines, and readers for restic's `--json` output.
//!
//! Formats were checked against restic 0.14.0 (Debian bookworm); the captured output is in
//! `testdata/`. Readers skip lines that are not the JSON they expect, because restic mixes
//! plain text (warnings, "using temporary cache") into the same streams.

use serde::{Deserialize, Serialize};

use crate::secrets::Secret;

/// The prefix of the line the secret wrapper prints before it starts the program.
pub const PID_MARKER: &str = "homeport-pid ";

/// A POSIX sh script that reads one line of stdin for each variable name before `--`, exports
/// it, prints its own PID, and replaces itself with the command after `--`. Secrets therefore
/// reach restic through its environment, never its argument vector (which any user of the host
/// can read in /proc), and the printed PID is restic's own, because `exec` keeps it.
const SECRET_WRAPPER: &str = r#"while [ "$1" != -- ]; do IFS= read -r value || { echo "homeport: a secret is missing on stdin" >&2; exit 97; }; export "$1=$value"; shift; done; shift; echo "homeport-pid $$"; exec "$@""#;

/// The exit status the wrapper uses when stdin ends before every secret was read.
pub const WRAPPER_STDIN_STATUS: u32 = 97;

/// The snapshot tag that marks a plan's snapshots, so `forget` and `snapshots` touch only
/// this plan's snapshots in a repository that others share.
pub fn plan_tag(plan_id: &str) -> String {
    format!("homeport-plan={plan_id}")
}

/// A program to run on the host with secrets in its environment.
#[derive(Debug, Clone)]
pub struct SecretCommand {
    /// The full argument vector, wrapper included.
    pub argv: Vec<String>,
    /// The secrets, one line each, in the order the wrapper reads them.
    pub stdin: Vec<u8>,
}

/// The environment a restic command needs: the repository password, and S3 keys for an S3
/// repository.
#[derive(Debug, Clone)]
pub struct ResticEnv {
    pub password: Secret,
    pub s3_keys: Option<(Secret, Secret)>,
}

impl ResticEnv {
    /// Wraps `argv` so the secrets reach it through its environment.
    pub fn wrap(&self, argv: Vec<String>) -> SecretCommand {
        let mut names = vec!["RESTIC_PASSWORD"];
        let mut stdin = Vec::new();
        push_line(&mut stdin, &self.password);
        if let Some((key_id, secret)) = &self.s3_keys {
            names.extend(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
            push_line(&mut stdin, key_id);
            push_line(&mut stdin, secret);
        }
        SecretCommand {
            argv: wrapped(&names, argv),
            stdin,
        }
    }
}

/// Wraps `argv` with no secrets, so it still prints its PID first and can be cancelled.
pub fn without_secrets(argv: Vec<String>) -> SecretCommand {
    SecretCommand {
        argv: wrapped(&[], argv),
        stdin: Vec::new(),
    }
}

fn wrapped(names: &[&str], argv: Vec<String>) -> Vec<String> {
    let mut full = vec![
        "sh".to_string(),
        "-c".to_string(),
        SECRET_WRAPPER.to_string(),
        "sh".to_string(),
    ];
    full.extend(names.iter().map(|name| name.to_string()));
    full.push("--".to_string());
    full.extend(argv);
    full
}

fn push_line(stdin: &mut Vec<u8>, secret: &Secret) {
    stdin.extend_from_slice(secret.expose().as_bytes());
    stdin.push(b'\n');
}

/// Builds restic argument vectors for one repository.
#[derive(Debug, Clone)]
pub struct Restic<'a> {
    pub repository: &'a str,
}

impl Restic<'_> {
    fn base(&self, command: &str) -> Vec<String> {
        vec!["restic".into(), "-r".into(), self.repository.into(), command.into()]
    }

    /// `restic init`.
    pub fn init(&self) -> Vec<String> {
        self.base("init")
    }

    /// `restic cat config`, which succeeds only for an initialised repository with this password.
    pub fn cat_config(&self) -> Vec<String> {
        let mut argv = self.base("cat");
        argv.extend(["config".into(), "--no-lock".into()]);
        argv
    }

    /// `restic backup --json` of `paths`, tagged with the plan.
    pub fn backup(&self, tag: &str, paths: &[String], excludes: &[String]) -> Vec<String> {
        let mut argv = self.base("backup");
        argv.extend(["--json".into(), "--tag".into(), tag.into()]);
        for exclude in excludes {
            argv.extend(["--exclude".into(), exclude.clone()]);
        }
        argv.push("--".into());
        argv.extend(paths.iter().cloned());
        argv
    }

    /// `restic forget --prune` with the retention policy, limited to the plan's snapshots.
    pub fn forget(&self, tag: &str, keep_daily: u32, keep_weekly: u32, keep_monthly: u32) -> Vec<String> {
        let mut argv = self.base("forget");
        argv.extend(["--tag".into(), tag.into()]);
        for (flag, count) in [
            ("--keep-daily", keep_daily),
            ("--keep-weekly", keep_weekly),
            ("--keep-monthly", keep_monthly),
        ] {
            if count > 0 {
                argv.extend([flag.into(), count.to_string()]);
            }
        }
        argv.push("--prune".into());
        argv
    }

    /// `restic check` of the repository structure (not every data byte).
    pub fn check(&self) -> Vec<String> {
        self.base("check")
    }

    /// `restic snapshots --json`, limited to the plan's snapshots.
    pub fn snapshots(&self, tag: &str) -> Vec<String> {
        let mut argv = self.base("snapshots");
        argv.extend(["--json".into(), "--tag".into(), tag.into()]);
        argv
    }

    /// `restic ls --json` of a snapshot, limited to `paths` when given.
    pub fn ls(&self, snapshot: &str, paths: &[String]) -> Vec<String> {
        let mut argv = self.base("ls");
        argv.extend(["--json".into(), snapshot.into()]);
        argv.extend(paths.iter().cloned());
        argv
    }

    /// `restic restore` of `includes` (all when empty) into `target`. With `verify`, restic
    /// reads every restored file back and compares it with the snapshot's data.
    pub fn restore(&self, snapshot: &str, target: &str, includes: &[String], verify: bool) -> Vec<String> {
        let mut argv = self.base("restore");
        argv.extend([snapshot.into(), "--target".into(), target.into()]);
        for include in includes {
            argv.extend(["--include".into(), include.clone()]);
        }
        if verify {
            argv.push("--verify".into());
        }
        argv
    }

    /// `restic dump` of one file to stdout.
    pub fn dump(&self, snapshot: &str, path: &str) -> Vec<String> {
        let mut argv = self.base("dump");
        argv.extend([snapshot.into(), path.into()]);
        argv
    }

    /// `restic unlock`: removes only stale locks (restic 0.14: the holder is this host and its
    /// PID is gone, or the lock is older than 30 minutes). `remove_all` removes every lock.
    pub fn unlock(&self, remove_all: bool) -> Vec<String> {
        let mut argv = self.base("unlock");
        if remove_all {
            argv.push("--remove-all".into());
        }
        argv
    }
}

/// `rclone sync` of a local repository folder to `remote:path`.
pub fn rclone_sync(source: &str, remote_path: &str) -> Vec<String> {
    vec![
        "rclone".into(),
        "sync".into(),
        "--stats-one-line".into(),
        source.into(),
        remote_path.into(),
    ]
}

/// A `status` line of `restic backup --json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct BackupStatus {
    pub percent_done: f64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total_files: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files_done: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total_bytes: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_done: u64,
    /// restic's estimate; 0.14 leaves it out until it can tell.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub seconds_remaining: Option<u64>,
    pub current_files: Vec<String>,
}

/// The `summary` line of `restic backup --json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackupSummary {
    pub snapshot_id: String,
    pub files_new: u64,
    pub files_changed: u64,
    pub files_unmodified: u64,
    pub data_added: u64,
    pub total_files_processed: u64,
    pub total_bytes_processed: u64,
    pub total_duration: f64,
}

/// One line of `restic backup --json` output.
#[derive(Debug, Clone, PartialEq)]
pub enum BackupLine {
    Status(BackupStatus),
    Summary(BackupSummary),
    /// An `error` message (a file that cannot be read) or a newer restic's `exit_error`.
    Error(String),
    /// Anything else: plain text, or JSON of another kind.
    Other,
}

/// Reads one line of `restic backup --json` output.
pub fn parse_backup_line(line: &str) -> BackupLine {
    let trimmed = line.trim();
    if !trimmed.starts_with('{') {
        return BackupLine::Other;
    }
    let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed) else {
        return BackupLine::Other;
    };
    let kind = value
        .get("message_type")
        .and_then(|kind| kind.as_str())
        .unwrap_or_default();
    match kind {
        "status" => serde_json::from_value(value)
            .map(BackupLine::Status)
            .unwrap_or(BackupLine::Other),
        "summary" => serde_json::from_value(value)
            .map(BackupLine::Summary)
            .unwrap_or(BackupLine::Other),
        "error" | "exit_error" => BackupLine::Error(error_text(&value)),
        _ => BackupLine::Other,
    }
}

fn error_text(value: &serde_json::Value) -> String {
    let message = value
        .get("message")
        .and_then(|message| message.as_str())
        .map(str::to_string)
        .or_else(|| {
            value
                .get("error")
                .and_then(|error| error.get("message").and_then(|m| m.as_str()).map(str::to_string))
        })
        .unwrap_or_else(|| value.to_string());
    match value.get("item").and_then(|item| item.as_str()) {
        Some(item) if !item.is_empty() => format!("{item}: {message}"),
        _ => message,
    }
}

/// A snapshot as `restic snapshots --json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Snapshot {
    pub id: String,
    pub short_id: String,
    /// RFC 3339 with nanoseconds, as restic writes it.
    pub time: String,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub hostname: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// Reads `restic snapshots --json` output: the first line that is a JSON array.
pub fn parse_snapshots(stdout: &str) -> Result<Vec<Snapshot>, String> {
    for line in stdout.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            return serde_json::from_str(trimmed).map_err(|err| format!("restic's snapshot list is not valid: {err}"));
        }
    }
    Err("restic printed no snapshot list".to_string())
}

/// A file, folder or link in a snapshot, as `restic ls --json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Node {
    pub name: String,
    /// `file`, `dir`, `symlink`, `dev`, `chardev`, `fifo` or `socket`.
    #[serde(rename = "type")]
    pub kind: String,
    pub path: String,
    #[serde(default)]
    pub uid: u32,
    #[serde(default)]
    pub gid: u32,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub size: Option<u64>,
    #[serde(default)]
    pub permissions: String,
    #[serde(default)]
    pub mtime: String,
}

/// Reads one line of `restic ls --json` output; the snapshot line and plain text give `None`.
pub fn parse_ls_line(line: &str) -> Option<Node> {
    let trimmed = line.trim();
    if !trimmed.starts_with('{') {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(trimmed).ok()?;
    if value.get("struct_type").and_then(|kind| kind.as_str()) != Some("node") {
        return None;
    }
    serde_json::from_value(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BACKUP_OUTPUT: &str = include_str!("testdata/backup_json_0.14.out");
    const SNAPSHOTS: &str = include_str!("testdata/snapshots_0.14.json");
    const LS: &str = include_str!("testdata/ls_0.14.jsonl");

    #[test]
    fn backup_output_gives_status_and_summary() {
        let lines: Vec<_> = BACKUP_OUTPUT.lines().map(parse_backup_line).collect();
        let statuses: Vec<_> = lines
            .iter()
            .filter_map(|line| match line {
                BackupLine::Status(status) => Some(status),
                _ => None,
            })
            .collect();
        assert_eq!(statuses.len(), 3);
        assert_eq!(statuses[1].files_done, 1);
        assert_eq!(statuses[1].bytes_done, 1_909_530);
        assert_eq!(statuses[2].percent_done, 1.0);
        let Some(BackupLine::Summary(summary)) = lines.last() else {
            panic!("the last line is the summary: {lines:?}");
        };
        assert_eq!(summary.snapshot_id, "da78ec2d");
        assert_eq!(summary.total_files_processed, 2);
    }

    #[test]
    fn mixed_text_lines_are_skipped() {
        let mixed = format!("using temporary cache in /tmp/x\n{BACKUP_OUTPUT}\n{{broken json\nwarning: x\n");
        let summaries = mixed
            .lines()
            .filter(|line| matches!(parse_backup_line(line), BackupLine::Summary(_)))
            .count();
        assert_eq!(summaries, 1);
        assert_eq!(
            parse_backup_line("{\"message_type\":\"status\",\"percent_done\":\"x\"}"),
            BackupLine::Other
        );
    }

    #[test]
    fn error_lines_name_the_item() {
        let line = r#"{"message_type":"error","error":{"Op":"open","Path":"/x","Err":13},"during":"archival","item":"/srv/secret"}"#;
        match parse_backup_line(line) {
            BackupLine::Error(text) => assert!(text.starts_with("/srv/secret: "), "{text}"),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn snapshots_parse() {
        let snapshots = parse_snapshots(SNAPSHOTS).expect("valid list");
        assert!(!snapshots.is_empty());
        assert_eq!(snapshots[0].short_id.len(), 8);
        assert!(snapshots[0].id.starts_with(&snapshots[0].short_id));
        assert!(parse_snapshots("no list").is_err());
    }

    #[test]
    fn ls_lines_give_nodes() {
        let nodes: Vec<_> = LS.lines().filter_map(parse_ls_line).collect();
        assert!(nodes.iter().any(|node| node.kind == "dir"));
        let file = nodes.iter().find(|node| node.name == "b.txt").expect("b.txt listed");
        assert_eq!(file.size, Some(3));
        assert_eq!(file.permissions, "-rw-r--r--");
    }

    #[test]
    fn wrapper_keeps_secrets_off_argv() {
        let env = ResticEnv {
            password: Secret::new("pw-123"),
            s3_keys: Some((Secret::new("key-id"), Secret::new("key-secret"))),
        };
        let command = env.wrap(Restic { repository: "/r" }.check());
        assert!(command
            .argv
            .iter()
            .all(|arg| !arg.contains("pw-123") && !arg.contains("key-secret")));
        assert_eq!(command.stdin, b"pw-123\nkey-id\nkey-secret\n");
    }

    #[test]
    fn wrapper_exports_secrets_and_prints_pid() {
        let env = ResticEnv {
            password: Secret::new("it's $HOME"),
            s3_keys: None,
        };
        let command = env.wrap(vec![
            "sh".into(),
            "-c".into(),
            "printf '%s' \"$RESTIC_PASSWORD\"".into(),
        ]);
        let mut child = std::process::Command::new(&command.argv[0])
            .args(&command.argv[1..])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("sh runs");
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&command.stdin).unwrap();
        let output = child.wait_with_output().unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        let (marker, rest) = text.split_once('\n').expect("a PID line first");
        assert!(marker.starts_with(PID_MARKER), "{marker}");
        assert_eq!(rest, "it's $HOME");
    }

    #[test]
    fn wrapper_fails_without_stdin() {
        let env = ResticEnv {
            password: Secret::new("x"),
            s3_keys: None,
        };
        let command = env.wrap(vec!["true".into()]);
        let status = std::process::Command::new(&command.argv[0])
            .args(&command.argv[1..])
            .stdin(std::process::Stdio::null())
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(WRAPPER_STDIN_STATUS as i32));
    }

    #[test]
    fn forget_skips_zero_counts() {
        let argv = Restic { repository: "/r" }.forget("t", 7, 0, 12);
        assert!(argv.contains(&"--keep-daily".to_string()));
        assert!(!argv.contains(&"--keep-weekly".to_string()));
        assert!(argv.contains(&"--prune".to_string()));
    }
}

//! Turns a failed restic command's exit status and output into the cases a person acts on
//! differently: a locked repository, a wrong password, a repository that cannot be opened, or
//! anything else.
//!
//! restic 0.14 exits with status 1 for all of them and names the case in plain text on stderr
//! (captured in `testdata/`). restic 0.17 and later add distinct statuses (10: no repository,
//! 11: locked, 12: wrong password) and, with `--json`, an `exit_error` line; both are read too.

use serde::{Deserialize, Serialize};

/// A lock another restic process holds, as restic describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LockHolder {
    pub host: String,
    pub pid: u32,
    pub user: String,
    /// The age as restic prints it, such as `9h0m0s` or `1.935162872s`.
    pub age: String,
    /// The lock's creation time as restic prints it (local time of the machine running restic).
    pub created_at: String,
    pub storage_id: String,
    pub exclusive: bool,
}

/// The cause of a failed restic command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResticFailure {
    Locked(LockHolder),
    WrongPassword,
    /// No repository at the location (not initialised, or a wrong path).
    NotInitialised {
        detail: String,
    },
    /// The backend could not be reached or logged in to.
    Unreachable {
        detail: String,
    },
    Other {
        detail: String,
    },
}

/// restic 0.17's exit status for a repository that does not exist.
const EXIT_NO_REPOSITORY: u32 = 10;
/// restic 0.17's exit status for a locked repository.
const EXIT_LOCKED: u32 = 11;
/// restic 0.17's exit status for a wrong password.
const EXIT_WRONG_PASSWORD: u32 = 12;

/// Classifies a failed command from its exit status and its output lines (stderr and stdout).
pub fn classify(exit_status: Option<u32>, output: &[String]) -> ResticFailure {
    let text = output_text(output);
    if let Some(holder) = parse_lock(&text) {
        return ResticFailure::Locked(holder);
    }
    if exit_status == Some(EXIT_LOCKED) {
        // A lock whose holder restic did not describe: no holder is known, so no unlock is offered.
        return ResticFailure::Locked(LockHolder {
            host: String::new(),
            pid: 0,
            user: String::new(),
            age: String::new(),
            created_at: String::new(),
            storage_id: String::new(),
            exclusive: false,
        });
    }
    if text.contains("wrong password or no key found") || exit_status == Some(EXIT_WRONG_PASSWORD) {
        return ResticFailure::WrongPassword;
    }
    let detail = fatal_line(output).unwrap_or_else(|| last_lines(output));
    if text.contains("Is there a repository at the following location?")
        || text.contains("unable to open config file")
        || exit_status == Some(EXIT_NO_REPOSITORY)
    {
        return ResticFailure::NotInitialised { detail };
    }
    let unreachable_markers = [
        "unable to open repository",
        "unable to start the sftp session",
        "connection refused",
        "no route to host",
        "network is unreachable",
        "i/o timeout",
        "permission denied (publickey",
        "access denied",
        "invalidaccesskeyid",
        "signaturedoesnotmatch",
        "didn't find section in config file",
    ];
    let lower = text.to_lowercase();
    if unreachable_markers.iter().any(|marker| lower.contains(marker)) {
        return ResticFailure::Unreachable { detail };
    }
    ResticFailure::Other { detail }
}

/// Joins the lines, taking the message out of JSON `exit_error` lines of newer restic.
fn output_text(output: &[String]) -> String {
    output
        .iter()
        .map(|line| {
            let trimmed = line.trim();
            if trimmed.starts_with('{') {
                if let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed) {
                    if let Some(message) = value.get("message").and_then(|message| message.as_str()) {
                        return message.to_string();
                    }
                }
            }
            line.clone()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Returns restic's `Fatal:` line without the prefix, the usual one-line reason.
fn fatal_line(output: &[String]) -> Option<String> {
    output
        .iter()
        .find_map(|line| line.trim().strip_prefix("Fatal: ").map(str::to_string))
}

fn last_lines(output: &[String]) -> String {
    let lines: Vec<_> = output.iter().filter(|line| !line.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(3);
    lines[start..]
        .iter()
        .map(|line| line.trim())
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Reads restic's lock message:
/// `repository is already locked [exclusively ]by PID 8893 on vm by root (UID 0, GID 0)`,
/// `lock was created at 2026-12-05 09:33:26 (1.935162872s ago)`, `storage ID d5dc6f7a`.
pub fn parse_lock(text: &str) -> Option<LockHolder> {
    let start = text.find("repository is already locked ")?;
    let rest = &text[start + "repository is already locked ".len()..];
    let (exclusive, rest) = match rest.strip_prefix("exclusively ") {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let rest = rest.strip_prefix("by PID ")?;
    let (pid, rest) = rest.split_once(" on ")?;
    let pid = pid.trim().parse().ok()?;
    let (host, rest) = rest.split_once(" by ")?;
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let user_part = &rest[..line_end];
    let user = user_part
        .split_once(" (UID")
        .map(|(user, _)| user)
        .unwrap_or(user_part)
        .trim()
        .to_string();

    let (created_at, age) = text
        .split_once("lock was created at ")
        .and_then(|(_, rest)| {
            let line = rest.lines().next()?;
            let (created, age) = line.split_once(" (")?;
            let age = age.strip_suffix(" ago)").unwrap_or(age.trim_end_matches(')'));
            Some((created.trim().to_string(), age.trim().to_string()))
        })
        .unwrap_or_default();
    let storage_id = text
        .split_once("storage ID ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .unwrap_or_default()
        .to_string();

    Some(LockHolder {
        host: host.trim().to_string(),
        pid,
        user,
        age,
        created_at,
        storage_id,
        exclusive,
    })
}

/// Rounds restic's age text (`9h0m0.5s`, `1.93s`) to a short form for people (`9h0m`, `1s`).
pub fn short_age(age: &str) -> String {
    match age.split_once('m') {
        Some((hours_minutes, _)) if age.contains('h') => format!("{hours_minutes}m"),
        _ => match age.split_once('.') {
            Some((whole, _)) => format!("{whole}s"),
            None => age.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn stale_lock_of_killed_backup_is_locked() {
        let output = lines(include_str!("testdata/locked_0.14.stderr"));
        let ResticFailure::Locked(holder) = classify(Some(1), &output) else {
            panic!("expected Locked");
        };
        assert_eq!(holder.host, "vm");
        assert_eq!(holder.pid, 8893);
        assert_eq!(holder.user, "root");
        assert_eq!(holder.storage_id, "d5dc6f7a");
        assert_eq!(holder.age, "8.940694149s");
        assert_eq!(holder.created_at, "2026-12-05 09:33:26");
        assert!(!holder.exclusive);
    }

    #[test]
    fn exclusive_lock_is_recognised() {
        let output = lines(include_str!("testdata/locked_exclusive_0.14.stderr"));
        let ResticFailure::Locked(holder) = classify(Some(1), &output) else {
            panic!("expected Locked");
        };
        assert!(holder.exclusive);
        assert_eq!(holder.pid, 11853);
        assert_eq!(holder.storage_id, "da4a965b");
    }

    #[test]
    fn json_exit_error_lock_of_newer_restic() {
        // restic 0.17 prints the lock sentence inside an exit_error line and exits with 11. This
        // line wraps restic 0.14's sentence, with a lock of PID 4242 on nas01 made 9 hours ago.
        let message = "repository is already locked by PID 4242 on nas01 by root (UID 0, GID 0)\nlock was created at 2026-12-04 23:00:00 (9h0m12.5s ago)\nstorage ID 3f2a9c1b";
        let line = serde_json::json!({"message_type": "exit_error", "code": 11, "message": message}).to_string();
        let ResticFailure::Locked(holder) = classify(Some(11), &[line]) else {
            panic!("expected Locked");
        };
        assert_eq!(holder.host, "nas01");
        assert_eq!(holder.pid, 4242);
        assert_eq!(short_age(&holder.age), "9h0m");
        assert_eq!(holder.storage_id, "3f2a9c1b");
    }

    #[test]
    fn wrong_password_is_recognised() {
        let output = lines(include_str!("testdata/wrong_password_0.14.stderr"));
        assert_eq!(classify(Some(1), &output), ResticFailure::WrongPassword);
    }

    #[test]
    fn missing_repository_is_not_initialised() {
        let output = lines(include_str!("testdata/not_initialised_0.14.stderr"));
        let failure = classify(Some(1), &output);
        let ResticFailure::NotInitialised { detail } = failure else {
            panic!("expected NotInitialised, got {failure:?}");
        };
        assert!(detail.contains("unable to open config file"), "{detail}");
    }

    #[test]
    fn refused_sftp_is_unreachable() {
        let output = lines(include_str!("testdata/sftp_refused_0.14.stderr"));
        let failure = classify(Some(1), &output);
        assert!(matches!(failure, ResticFailure::Unreachable { .. }), "{failure:?}");
    }

    #[test]
    fn unknown_failure_keeps_last_lines() {
        let failure = classify(Some(3), &lines("a\nb\nc\nd\n"));
        assert_eq!(
            failure,
            ResticFailure::Other {
                detail: "b / c / d".into()
            }
        );
    }

    #[test]
    fn short_age_rounds() {
        assert_eq!(short_age("1.935162872s"), "1s");
        assert_eq!(short_age("9h3m2.1s"), "9h3m");
        assert_eq!(short_age("4m2s"), "4m2s");
    }
}

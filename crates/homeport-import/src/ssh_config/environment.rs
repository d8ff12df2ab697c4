//! The facts about the local account and machine that OpenSSH substitutes into a configuration.

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

/// The local account and machine a configuration is resolved for. `~` and `%d` expand to
/// `home_dir`, `%u` to `local_user`, `%l` to `local_host_name`, `%i` to `uid`, and `${NAME}`
/// in `IdentityFile` to an entry of `variables`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// Home directory. OpenSSH takes it from the password database, not from `$HOME`.
    pub home_dir: PathBuf,
    /// Directory that relative `Include` paths start from, normally `home_dir/.ssh`.
    pub ssh_dir: PathBuf,
    /// Local user name, and the remote user when no `User` line applies.
    pub local_user: String,
    /// Local host name including its domain, as `gethostname` returns it.
    pub local_host_name: String,
    /// Local user id.
    pub uid: u32,
    /// Environment variables that `${NAME}` in `IdentityFile` reads.
    pub variables: BTreeMap<String, String>,
}

impl Environment {
    /// Builds an environment with `ssh_dir` set to `home_dir/.ssh` and no variables.
    pub fn new(
        home_dir: impl Into<PathBuf>,
        local_user: impl Into<String>,
        local_host_name: impl Into<String>,
        uid: u32,
    ) -> Environment {
        let home_dir = home_dir.into();
        Environment {
            ssh_dir: home_dir.join(".ssh"),
            home_dir,
            local_user: local_user.into(),
            local_host_name: local_host_name.into(),
            uid,
            variables: BTreeMap::new(),
        }
    }

    /// Reads the environment of the running process. The user name and home directory come
    /// from the `/etc/passwd` entry of the process's uid, as OpenSSH takes them, or from
    /// variables such as `$USER` and `$HOME` when there is no such entry (macOS keeps most
    /// accounts elsewhere).
    ///
    /// Fails with `NotFound` when neither source names the user or the home directory.
    pub fn from_os() -> io::Result<Environment> {
        let uid = current_uid();
        let entry = read_passwd().into_iter().find(|entry| entry.uid == uid);

        let local_user = match &entry {
            Some(entry) => entry.name.clone(),
            None => first_variable(&["USER", "LOGNAME", "USERNAME"]).ok_or_else(|| not_found("user name", uid))?,
        };
        let home_dir = match entry {
            Some(entry) => entry.home,
            None => first_variable(&["HOME", "USERPROFILE"])
                .map(PathBuf::from)
                .ok_or_else(|| not_found("home directory", uid))?,
        };

        let mut environment = Environment::new(home_dir, local_user, local_host_name(), uid);
        environment.variables = std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .collect();
        Ok(environment)
    }
}

/// Looks up the home directory of another local account, for `~name/...` paths.
pub(crate) fn home_of_user(name: &str) -> Option<PathBuf> {
    read_passwd()
        .into_iter()
        .find(|entry| entry.name == name)
        .map(|entry| entry.home)
}

struct PasswdEntry {
    name: String,
    uid: u32,
    home: PathBuf,
}

/// Reads `/etc/passwd`; an unreadable file gives no entries, so callers fall back.
fn read_passwd() -> Vec<PasswdEntry> {
    let Ok(text) = std::fs::read_to_string("/etc/passwd") else {
        return Vec::new();
    };
    text.lines().filter_map(parse_passwd_line).collect()
}

/// Parses `name:password:uid:gid:comment:home:shell`.
fn parse_passwd_line(line: &str) -> Option<PasswdEntry> {
    let fields: Vec<&str> = line.split(':').collect();
    if fields.len() < 7 || line.starts_with('#') {
        return None;
    }
    Some(PasswdEntry {
        name: fields[0].to_string(),
        uid: fields[2].parse().ok()?,
        home: PathBuf::from(fields[5]),
    })
}

fn first_variable(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
}

fn not_found(missing: &str, uid: u32) -> io::Error {
    let message =
        format!("cannot find the local {missing}: /etc/passwd has no entry for uid {uid} and $USER or $HOME is unset");
    io::Error::new(io::ErrorKind::NotFound, message)
}

#[cfg(unix)]
fn current_uid() -> u32 {
    rustix::process::getuid().as_raw()
}

// NOTE: Windows has no numeric uid; `%i` expands to 0 there.
#[cfg(not(unix))]
fn current_uid() -> u32 {
    0
}

#[cfg(unix)]
fn local_host_name() -> String {
    // `uname` reports the same node name that OpenSSH reads with `gethostname`.
    rustix::system::uname().nodename().to_string_lossy().into_owned()
}

#[cfg(not(unix))]
fn local_host_name() -> String {
    first_variable(&["COMPUTERNAME"]).unwrap_or_else(|| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_line_fields() {
        let entry = parse_passwd_line("alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash").expect("valid line");
        assert_eq!(entry.name, "alice");
        assert_eq!(entry.uid, 1000);
        assert_eq!(entry.home, PathBuf::from("/home/alice"));
    }

    #[test]
    fn passwd_line_rejects_short_and_comment() {
        assert!(parse_passwd_line("alice:x:1000").is_none());
        assert!(parse_passwd_line("#alice:x:1000:1000::/home/alice:/bin/sh").is_none());
        assert!(parse_passwd_line("alice:x:uid:1000::/home/alice:/bin/sh").is_none());
    }

    #[test]
    fn environment_new_sets_ssh_dir() {
        let environment = Environment::new("/home/alice", "alice", "desk.lan", 1000);
        assert_eq!(environment.ssh_dir, PathBuf::from("/home/alice/.ssh"));
        assert!(environment.variables.is_empty());
    }

    #[test]
    fn environment_from_os_matches_uid() {
        let environment = Environment::from_os().expect("environment");
        assert_eq!(environment.uid, current_uid());
        assert!(!environment.local_user.is_empty());
        assert!(!environment.local_host_name.is_empty());
    }
}

//! Hosts: what a person enters, how it is checked, and what is stored.
//!
//! Most hosts are SSH servers whose Docker engine Homeport reaches through the SSH connection.
//! A host can also be an engine reached without SSH (a socket on this machine, or a TCP
//! endpoint), as Docker contexts describe them; [`engine`] checks those.

mod engine;

use std::net::IpAddr;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::secrets::Secret;

pub use engine::{EngineDraft, EngineEndpoint, EngineTls};

/// The Docker socket path used when the user gives none.
pub const DEFAULT_DOCKER_SOCKET: &str = "/var/run/docker.sock";

/// The id of the local Docker engine, listed as a host when its socket exists.
pub const LOCAL_HOST_ID: &str = "local";

/// How Homeport proves the user's identity to sshd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// A private key file, optionally protected by a passphrase kept in the keychain.
    Key,
    /// The keys an ssh-agent holds (`SSH_AUTH_SOCK`).
    Agent,
    /// A password kept in the keychain.
    Password,
    /// No SSH login: the host is a Docker engine reached without SSH.
    None,
}

/// How Homeport reaches a host's Docker engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HostKind {
    /// Over SSH, then the engine's Unix socket on the host.
    Ssh,
    /// An engine socket on this machine, such as rootless Docker or Colima.
    Socket,
    /// An engine's TCP endpoint, with TLS or as plain HTTP.
    Tcp,
}

impl HostKind {
    /// Returns the name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            HostKind::Ssh => "ssh",
            HostKind::Socket => "socket",
            HostKind::Tcp => "tcp",
        }
    }

    /// Parses a stored name.
    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "ssh" => Ok(HostKind::Ssh),
            "socket" => Ok(HostKind::Socket),
            "tcp" => Ok(HostKind::Tcp),
            other => Err(Error::Storage(format!("unknown host kind '{other}' in the database"))),
        }
    }
}

impl AuthMethod {
    /// Returns the name stored in the database and used by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Key => "key",
            AuthMethod::Agent => "agent",
            AuthMethod::Password => "password",
            AuthMethod::None => "none",
        }
    }

    /// Parses a typed name. `none` is not accepted: it belongs to engine hosts, which are not
    /// entered with an authentication method.
    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "key" => Ok(AuthMethod::Key),
            "agent" => Ok(AuthMethod::Agent),
            "password" => Ok(AuthMethod::Password),
            other => Err(Error::invalid("auth", other, "use key, agent or password")),
        }
    }

    /// Parses a stored name, `none` included.
    pub fn parse_stored(value: &str) -> Result<Self> {
        match value {
            "none" => Ok(AuthMethod::None),
            other => Self::parse(other),
        }
    }
}

/// A host as stored, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub id: String,
    pub name: String,
    pub kind: HostKind,
    /// The SSH server, or the engine's TCP address; empty for a socket host.
    pub address: String,
    pub port: u16,
    pub user: String,
    pub auth: AuthMethod,
    pub key_path: Option<PathBuf>,
    pub docker_socket: String,
    pub has_secret: bool,
    pub created_at: String,
    /// The host this one is reached through (OpenSSH's `ProxyJump`), by id.
    pub jump_host_id: Option<String>,
    /// The group shown in the fleet view; empty when the host has none.
    pub group: String,
    pub tags: Vec<String>,
    /// Where the host was imported from, such as `ssh_config:nas`; `None` when entered by hand.
    pub source: Option<String>,
    /// The TLS files of a TCP engine; `None` for plain HTTP and for other kinds.
    pub tls: Option<EngineTls>,
}

/// A validated host definition, ready to connect with and to save.
#[derive(Debug, Clone)]
pub struct HostSpec {
    pub name: String,
    pub kind: HostKind,
    pub address: String,
    pub port: u16,
    pub user: String,
    pub auth: AuthMethod,
    pub key_path: Option<PathBuf>,
    pub docker_socket: String,
    /// The password or passphrase; `None` keeps the stored one when editing.
    pub secret: Option<Secret>,
    /// The jump host's id or name as entered; the host service resolves it to an id.
    pub jump_host: Option<String>,
    pub group: String,
    pub tags: Vec<String>,
    pub tls: Option<EngineTls>,
}

/// Unchecked fields as a form or the CLI delivers them.
#[derive(Debug, Clone, Default)]
pub struct HostDraft {
    pub name: String,
    pub address: String,
    pub port: u32,
    pub user: String,
    pub auth: Option<AuthMethod>,
    pub key_path: Option<String>,
    pub docker_socket: Option<String>,
    pub secret: Option<Secret>,
    /// The jump host's id or name; empty or `None` for a direct connection.
    pub jump_host: Option<String>,
    pub group: Option<String>,
    pub tags: Vec<String>,
}

impl HostDraft {
    /// Checks every field and returns the first problem, naming the field, the value and the fix.
    pub fn validate(self) -> Result<HostSpec> {
        let name = validate_name(&self.name)?;
        let address = validate_address(&self.address)?;
        let port = validate_port(self.port)?;
        let user = validate_user(&self.user)?;
        let auth = self
            .auth
            .filter(|auth| *auth != AuthMethod::None)
            .ok_or_else(|| Error::invalid("auth", "", "choose key, agent or password"))?;
        let key_path = match auth {
            AuthMethod::Key => Some(validate_key_path(self.key_path.as_deref().unwrap_or(""))?),
            AuthMethod::Agent | AuthMethod::Password | AuthMethod::None => None,
        };
        let docker_socket = validate_socket(self.docker_socket.as_deref())?;
        let secret = self.secret.filter(|secret| !secret.expose().is_empty());
        if auth == AuthMethod::Agent && secret.is_some() {
            return Err(Error::invalid(
                "secret",
                "[redacted]",
                "ssh-agent authentication takes no password; leave the field empty",
            ));
        }

        let jump_host = self
            .jump_host
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty());
        let group = validate_group(self.group.as_deref().unwrap_or(""))?;
        let tags = validate_tags(self.tags)?;

        Ok(HostSpec {
            name,
            kind: HostKind::Ssh,
            address,
            port,
            user,
            auth,
            key_path,
            docker_socket,
            secret,
            jump_host,
            group,
            tags,
            tls: None,
        })
    }
}

pub(crate) fn validate_name(value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid("name", value, "enter a name, for example 'nas'"));
    }
    if trimmed.chars().count() > 64 {
        return Err(Error::invalid("name", value, "use at most 64 characters"));
    }
    // Commands accept a host's name or id, so a name may be neither the local engine's id nor
    // shaped like another host's id.
    if trimmed.eq_ignore_ascii_case(LOCAL_HOST_ID) || uuid::Uuid::parse_str(trimmed).is_ok() {
        return Err(Error::invalid(
            "name",
            value,
            "this name is reserved; choose another one",
        ));
    }
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-');
    if let Some(bad) = trimmed.chars().find(|c| !allowed(*c)) {
        return Err(Error::invalid(
            "name",
            value,
            format!("'{bad}' is not allowed; use letters, digits, spaces, '.', '_' and '-'"),
        ));
    }
    Ok(trimmed.to_string())
}

/// Accepts an IP address or a DNS name (RFC 1123 labels), nothing a shell or ssh could read
/// as an option or a second word.
pub(crate) fn validate_address(value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(
            "address",
            value,
            "enter a host name or IP address, for example 192.168.1.10",
        ));
    }
    let unbracketed = trimmed.trim_start_matches('[').trim_end_matches(']');
    if unbracketed.parse::<IpAddr>().is_ok() {
        return Ok(unbracketed.to_string());
    }

    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if trimmed.len() > 253 || !trimmed.trim_end_matches('.').split('.').all(label_ok) {
        return Err(Error::invalid(
            "address",
            value,
            "use a host name (letters, digits, '-' and '.') or an IP address, without spaces or other characters",
        ));
    }
    Ok(trimmed.to_string())
}

fn validate_port(value: u32) -> Result<u16> {
    match u16::try_from(value) {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(Error::invalid(
            "port",
            value.to_string(),
            "use a port from 1 to 65535; sshd listens on 22 by default",
        )),
    }
}

/// Accepts the user names `useradd` accepts by default, which never need quoting.
fn validate_user(value: &str) -> Result<String> {
    let trimmed = value.trim();
    let valid_start = trimmed
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let valid_rest = trimmed
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if trimmed.is_empty() || trimmed.len() > 32 || !valid_start || !valid_rest {
        return Err(Error::invalid(
            "user",
            value,
            "use a login name such as 'admin': letters, digits, '_', '-' and '.', starting with a letter",
        ));
    }
    Ok(trimmed.to_string())
}

fn validate_key_path(value: &str) -> Result<PathBuf> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(
            "keyPath",
            value,
            "enter the private key file, for example ~/.ssh/id_ed25519",
        ));
    }
    let expanded = expand_home(trimmed);
    if !expanded.is_absolute() {
        return Err(Error::invalid(
            "keyPath",
            value,
            "use an absolute path or one starting with ~/",
        ));
    }
    Ok(expanded)
}

/// Replaces a leading `~/` with the user's home folder.
pub fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), directories::BaseDirs::new()) {
        (Some(rest), Some(base)) => base.home_dir().join(rest),
        _ => PathBuf::from(path),
    }
}

/// The maximum number of tags on one host, so the fleet view stays readable.
const MAX_TAGS: usize = 16;

pub(crate) fn validate_group(value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.chars().count() > 64 {
        return Err(Error::invalid("group", value, "use at most 64 characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(Error::invalid("group", value, "remove the control characters"));
    }
    Ok(trimmed.to_string())
}

/// Trims tags, drops empty ones and duplicates (keeping the first spelling), and checks each.
pub(crate) fn validate_tags(values: Vec<String>) -> Result<Vec<String>> {
    let mut tags: Vec<String> = Vec::new();
    for value in values {
        let tag = value.trim();
        if tag.is_empty() || tags.iter().any(|known| known.eq_ignore_ascii_case(tag)) {
            continue;
        }
        if tag.chars().count() > 32 || tag.chars().any(|c| c.is_control() || c == ',') {
            return Err(Error::invalid(
                "tags",
                &value,
                "use at most 32 characters per tag, without commas or control characters",
            ));
        }
        tags.push(tag.to_string());
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::invalid("tags", tags.join(","), "use at most 16 tags per host"));
    }
    Ok(tags)
}

fn validate_socket(value: Option<&str>) -> Result<String> {
    let trimmed = value.map(str::trim).unwrap_or("");
    if trimmed.is_empty() {
        return Ok(DEFAULT_DOCKER_SOCKET.to_string());
    }
    let safe = trimmed
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-'));
    if !trimmed.starts_with('/') || !safe || trimmed.len() > 200 {
        return Err(Error::invalid(
            "dockerSocket",
            value.unwrap_or(""),
            "use an absolute path such as /var/run/docker.sock, with letters, digits, '/', '.', '_' and '-'",
        ));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> HostDraft {
        HostDraft {
            name: "nas".into(),
            address: "192.0.2.10".into(),
            port: 22,
            user: "admin".into(),
            auth: Some(AuthMethod::Password),
            secret: Some(Secret::new("pw")),
            ..HostDraft::default()
        }
    }

    fn field_of(err: Error) -> &'static str {
        match err {
            Error::InvalidInput { field, .. } => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn valid_draft_gets_default_socket() {
        let spec = draft().validate().expect("draft is valid");
        assert_eq!(spec.docker_socket, DEFAULT_DOCKER_SOCKET);
        assert_eq!(spec.port, 22);
    }

    #[test]
    fn address_with_shell_metacharacters_is_rejected() {
        for bad in ["nas; rm -rf /", "nas name", "$(id)", "-oProxyCommand=x", "a`b`", ""] {
            let err = HostDraft {
                address: bad.into(),
                ..draft()
            }
            .validate()
            .unwrap_err();
            assert_eq!(field_of(err), "address", "address {bad:?} must be rejected");
        }
    }

    #[test]
    fn address_accepts_names_and_ips() {
        for good in ["nas.lan", "192.168.1.10", "::1", "[fe80::1]", "my-host"] {
            assert!(
                HostDraft {
                    address: good.into(),
                    ..draft()
                }
                .validate()
                .is_ok(),
                "{good}"
            );
        }
    }

    #[test]
    fn name_allows_chinese_and_spaces_but_not_metacharacters() {
        assert!(HostDraft {
            name: "家里的 NAS".into(),
            ..draft()
        }
        .validate()
        .is_ok());
        let err = HostDraft {
            name: "nas;reboot".into(),
            ..draft()
        }
        .validate()
        .unwrap_err();
        assert_eq!(field_of(err), "name");
    }

    #[test]
    fn reserved_names_are_rejected() {
        for bad in ["local", "LOCAL", "6f1c1e3a-2b7d-4c39-9d0e-5a4b3c2d1e0f"] {
            let err = HostDraft {
                name: bad.into(),
                ..draft()
            }
            .validate()
            .unwrap_err();
            assert_eq!(field_of(err), "name", "name {bad:?} must be rejected");
        }
    }

    #[test]
    fn port_out_of_range_is_rejected() {
        for bad in [0, 65536, 100000] {
            let err = HostDraft { port: bad, ..draft() }.validate().unwrap_err();
            assert_eq!(field_of(err), "port", "port {bad}");
        }
    }

    #[test]
    fn user_with_spaces_is_rejected() {
        let err = HostDraft {
            user: "ad min".into(),
            ..draft()
        }
        .validate()
        .unwrap_err();
        assert_eq!(field_of(err), "user");
    }

    #[test]
    fn key_auth_needs_absolute_key_path() {
        let key = HostDraft {
            auth: Some(AuthMethod::Key),
            key_path: Some("id_ed25519".into()),
            ..draft()
        };
        assert_eq!(field_of(key.validate().unwrap_err()), "keyPath");
    }

    #[test]
    fn socket_path_must_be_absolute_and_plain() {
        for bad in ["docker.sock", "/run/docker.sock; id", "/run/my docker.sock"] {
            let err = HostDraft {
                docker_socket: Some(bad.into()),
                ..draft()
            }
            .validate()
            .unwrap_err();
            assert_eq!(field_of(err), "dockerSocket", "socket {bad:?}");
        }
    }

    #[test]
    fn empty_secret_means_keep_stored_one() {
        let spec = HostDraft {
            secret: Some(Secret::new("")),
            ..draft()
        }
        .validate()
        .unwrap();
        assert!(spec.secret.is_none());
    }
}

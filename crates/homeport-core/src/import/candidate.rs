//! One host offered by an import: the values OpenSSH would use, what import would do with
//! them, and what the user should know first.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use homeport_import::known_hosts::{KnownHosts, Lookup};
use homeport_import::ssh_config::{ResolvedHost, WarningKind};

use crate::inventory::{AuthMethod, EngineTls, Host, HostKind};

/// A host the import offers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportCandidate {
    /// The alias. A jump host written as `user@host:port` gets that text as its alias.
    pub alias: String,
    /// The host's name in Homeport: the alias, or for a `user@host:port` jump host a name
    /// made of the host and port, since `@` and `:` are not allowed in names.
    pub name: String,
    pub address: String,
    pub port: u16,
    pub user: String,
    pub auth: AuthMethod,
    pub key_path: Option<PathBuf>,
    /// The alias of the candidate this host is reached through.
    pub jump_alias: Option<String>,
    pub action: ImportAction,
    pub host_key: HostKeyFinding,
    pub problems: Vec<ImportProblem>,
    /// Whether the preview ticks the host to begin with: false when a problem needs a look.
    pub recommended: bool,
    pub origin: ImportOrigin,
    pub kind: HostKind,
    /// The engine's socket: on the SSH host for an `ssh://` context with a path, on this
    /// machine for a socket host. `None` leaves the SSH host's socket as it is.
    pub docker_socket: Option<String>,
    /// The TLS files of a `tcp://` context.
    pub tls: Option<EngineTls>,
}

/// The place an import found a host in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ImportOrigin {
    /// An alias of the SSH configuration, or a jump host one of them names.
    SshConfig,
    /// A Docker CLI context; `current` when the Docker CLI uses it by default.
    DockerContext { name: String, current: bool },
    /// The `DOCKER_HOST` environment variable.
    DockerHost,
}

/// The change applying the import makes to a candidate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ImportAction {
    New,
    Update { host_id: String },
    Unchanged { host_id: String },
}

/// The state of the candidate's address and port in known_hosts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum HostKeyFinding {
    /// A key to trust on import. With several keys for one host, the first in file order.
    Known {
        algorithm: String,
        fingerprint: String,
        public_key: String,
    },
    /// No entry: the key is shown for confirmation on first connect.
    NotFound,
    /// A key for this host is marked `@revoked`; it will be rejected.
    Revoked { fingerprint: String },
    /// Only `@cert-authority` lines match; host certificates are not supported yet, so the key
    /// is shown for confirmation on first connect instead.
    CertAuthorityOnly,
    /// An engine host, reached without SSH, has no host key.
    NotApplicable,
}

/// Something the user should know before importing a candidate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ImportProblem {
    /// A `Match` block with a criterion Homeport does not evaluate (such as `exec`) was
    /// skipped, so OpenSSH might resolve this host differently.
    UnsupportedMatch {
        file: PathBuf,
        line: usize,
        criterion: String,
    },
    /// Another line that could not be applied as OpenSSH would.
    ConfigWarning {
        file: PathBuf,
        line: usize,
        message: String,
    },
    /// An `IdentityFile` that does not exist.
    IdentityFileMissing { path: PathBuf },
    /// An `IdentityFile` that names a directory instead of a private key file.
    IdentityFileIsDirectory { path: PathBuf },
    /// An `IdentityFile` that contains a public key (`id_ed25519.pub`) instead of the private key.
    IdentityFileIsPublicKey { path: PathBuf },
    /// The key file is encrypted: enter its passphrase by editing the host after import.
    KeyEncrypted { path: PathBuf },
    /// No key file and no ssh-agent was found, so the host is imported with ssh-agent
    /// authentication that will fail until an agent runs.
    NoCredentials,
    /// No `HostName` applies, so the alias itself is the address and will be looked up in DNS.
    AliasIsAddress,
    /// `ProxyCommand` is not supported; the host is imported as a direct connection.
    ProxyCommandIgnored { command: String },
    /// A value Homeport rejects, such as an alias with shell metacharacters as the name.
    Invalid {
        field: String,
        value: String,
        reason: String,
    },
    /// Homeport already trusts another key for this address; the stored key is kept.
    TrustedKeyDiffers { stored: String, known_hosts: String },
    /// The jump host chain is longer than Homeport follows, or loops.
    JumpChainTooLong,
    /// The context points at this machine's own engine, which Homeport lists already.
    SameAsLocalEngine { socket: String },
    /// A Windows named pipe, which Homeport does not reach yet.
    NamedPipe { path: String },
    /// The context turns certificate checks off (`skip-tls-verify`); Homeport always verifies.
    TlsVerifyOff,
    /// TLS is on but no CA certificate is given, which Homeport needs to verify the engine.
    TlsCaMissing,
    /// A TLS file the context names does not exist.
    TlsFileMissing { path: PathBuf },
    /// The engine is reached over plain HTTP: anyone who can reach the port controls it.
    PlainHttp,
}

impl ImportProblem {
    /// Returns whether the host can be imported at all with this problem.
    pub fn blocks_import(&self) -> bool {
        matches!(
            self,
            ImportProblem::Invalid { .. }
                | ImportProblem::JumpChainTooLong
                | ImportProblem::SameAsLocalEngine { .. }
                | ImportProblem::NamedPipe { .. }
                | ImportProblem::TlsVerifyOff
                | ImportProblem::TlsCaMissing
                | ImportProblem::TlsFileMissing { .. }
        )
    }

    /// Returns whether the preview should leave the host unticked until the user looks.
    fn needs_review(&self) -> bool {
        !matches!(self, ImportProblem::KeyEncrypted { .. })
    }
}

impl ImportCandidate {
    /// Builds a candidate from resolved values. `jump_alias` and `action` are set by the plan.
    pub(crate) fn from_resolved(
        alias: String,
        resolved: &ResolvedHost,
        known_hosts: &KnownHosts,
        agent_available: bool,
        home: &Path,
    ) -> ImportCandidate {
        let mut key_files = KeyFiles::default();
        let mut candidate = Self::from_resolved_with(alias, resolved, agent_available, home, &mut key_files);
        candidate.host_key = host_key_finding(known_hosts, &resolved.host_name, resolved.port);
        candidate
    }

    /// Builds a candidate like [`ImportCandidate::from_resolved`], but leaves `host_key` at
    /// `NotFound` for [`find_host_keys`] to fill in, and looks key files up in `key_files`,
    /// which a plan shares between its candidates.
    pub(crate) fn from_resolved_with(
        alias: String,
        resolved: &ResolvedHost,
        agent_available: bool,
        home: &Path,
        key_files: &mut KeyFiles,
    ) -> ImportCandidate {
        let mut problems = config_problems(resolved);
        // Without a HostName, OpenSSH connects to the alias itself through DNS. An alias that
        // is an IP address needs no lookup.
        if resolved.host_name.eq_ignore_ascii_case(&alias) && alias.parse::<std::net::IpAddr>().is_err() {
            problems.push(ImportProblem::AliasIsAddress);
        }
        if let Some(command) = &resolved.proxy_command {
            if resolved.proxy_jump.is_empty() {
                problems.push(ImportProblem::ProxyCommandIgnored {
                    command: command.clone(),
                });
            }
        }
        let (auth, key_path) = choose_auth(resolved, agent_available, home, key_files, &mut problems);

        ImportCandidate {
            name: name_for(&alias),
            alias,
            address: resolved.host_name.clone(),
            port: resolved.port,
            user: resolved.user.clone(),
            auth,
            key_path,
            jump_alias: None,
            action: ImportAction::New,
            host_key: HostKeyFinding::NotFound,
            problems,
            recommended: true,
            origin: ImportOrigin::SshConfig,
            kind: HostKind::Ssh,
            docker_socket: None,
            tls: None,
        }
    }

    /// Returns the `source` value that marks the host this candidate creates, so a later import
    /// finds it again.
    pub fn source(&self) -> String {
        match &self.origin {
            ImportOrigin::SshConfig => format!("ssh_config:{}", self.alias),
            ImportOrigin::DockerContext { name, .. } => format!("docker_context:{name}"),
            ImportOrigin::DockerHost => "docker_host".to_string(),
        }
    }

    /// Sets [`ImportCandidate::recommended`] from the problems.
    pub(crate) fn settle_recommendation(&mut self) {
        self.recommended = !self.problems.iter().any(ImportProblem::needs_review)
            && !matches!(self.host_key, HostKeyFinding::Revoked { .. });
    }

    /// Returns whether the stored host already has exactly these values.
    pub(crate) fn matches_host(&self, host: &Host, jump_host_id: Option<&str>) -> bool {
        host.name == self.name
            && host.address == self.address
            && host.port == self.port
            && host.user == self.user
            && host.auth == self.auth
            && host.key_path == self.key_path
            && host.jump_host_id.as_deref() == jump_host_id
            && host.kind == self.kind
            && host.tls == self.tls
            && self
                .docker_socket
                .as_ref()
                .is_none_or(|socket| &host.docker_socket == socket)
    }
}

/// Turns an alias into a host name: `user@host:port` becomes `host-port`, with the colons of an
/// IPv6 address as dashes too. Other aliases are kept, and checked like any name later.
fn name_for(alias: &str) -> String {
    let Ok(hop) = homeport_import::ssh_config::JumpHop::parse(alias) else {
        return alias.to_string();
    };
    if hop.user.is_none() && hop.port.is_none() {
        return alias.to_string();
    }
    let host = hop.host.replace(':', "-");
    match hop.port {
        Some(port) => format!("{host}-{port}"),
        None => host,
    }
}

fn config_problems(resolved: &ResolvedHost) -> Vec<ImportProblem> {
    resolved
        .warnings
        .iter()
        .map(|warning| match &warning.kind {
            WarningKind::UnsupportedMatch { criterion, .. } => ImportProblem::UnsupportedMatch {
                file: warning.file.clone(),
                line: warning.line,
                criterion: criterion.clone(),
            },
            other => ImportProblem::ConfigWarning {
                file: warning.file.clone(),
                line: warning.line,
                message: other.message(),
            },
        })
        .collect()
}

/// The key files OpenSSH 9 tries when no `IdentityFile` applies, in its order.
const DEFAULT_IDENTITIES: [&str; 3] = ["id_ed25519", "id_ecdsa", "id_rsa"];

/// Picks the authentication OpenSSH would most likely succeed with. OpenSSH offers the agent's
/// keys and every identity file in turn. A Homeport host has one method, so the first existing
/// identity file wins, then the agent.
fn choose_auth(
    resolved: &ResolvedHost,
    agent_available: bool,
    home: &Path,
    key_files: &mut KeyFiles,
    problems: &mut Vec<ImportProblem>,
) -> (AuthMethod, Option<PathBuf>) {
    for path in &resolved.identity_files {
        match key_files.state(path) {
            KeyFile::Key { encrypted } => {
                note_encrypted(path, encrypted, problems);
                return (AuthMethod::Key, Some(path.clone()));
            }
            KeyFile::Directory => problems.push(ImportProblem::IdentityFileIsDirectory { path: path.clone() }),
            KeyFile::PublicKey => problems.push(ImportProblem::IdentityFileIsPublicKey { path: path.clone() }),
            KeyFile::Missing => problems.push(ImportProblem::IdentityFileMissing { path: path.clone() }),
        }
    }
    if agent_available {
        return (AuthMethod::Agent, None);
    }
    if resolved.identity_files.is_empty() {
        let ssh_dir = home.join(".ssh");
        for path in DEFAULT_IDENTITIES.iter().map(|name| ssh_dir.join(name)) {
            if let KeyFile::Key { encrypted } = key_files.state(&path) {
                note_encrypted(&path, encrypted, problems);
                return (AuthMethod::Key, Some(path));
            }
        }
    }
    problems.push(ImportProblem::NoCredentials);
    (AuthMethod::Agent, None)
}

fn note_encrypted(path: &Path, encrypted: bool, problems: &mut Vec<ImportProblem>) {
    if encrypted {
        problems.push(ImportProblem::KeyEncrypted {
            path: path.to_path_buf(),
        });
    }
}

/// The kind of file an identity file path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyFile {
    /// A regular file, and whether it is a key that needs a passphrase.
    Key {
        encrypted: bool,
    },
    Directory,
    /// A public key, which cannot log in.
    PublicKey,
    /// Nothing, or something that cannot be looked up.
    Missing,
}

/// The identity files a plan looked at. Many hosts usually share one key file, so each path is
/// looked up and, when encrypted, parsed once per plan instead of once per host.
#[derive(Debug, Default)]
pub(crate) struct KeyFiles {
    states: HashMap<PathBuf, KeyFile>,
}

impl KeyFiles {
    fn state(&mut self, path: &Path) -> KeyFile {
        if let Some(state) = self.states.get(path) {
            return *state;
        }
        let state = match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => KeyFile::Directory,
            Ok(metadata) if metadata.is_file() && is_public_key(path) => KeyFile::PublicKey,
            Ok(metadata) if metadata.is_file() => KeyFile::Key {
                encrypted: matches!(
                    crate::ssh::load_key(path, None),
                    Err(crate::Error::PassphraseWrong { .. })
                ),
            },
            _ => KeyFile::Missing,
        };
        self.states.insert(path.to_path_buf(), state);
        state
    }
}

/// Tells a public key file (one line, `ssh-ed25519 AAAA…`) from a private key, by its first
/// bytes, so only the beginning of the file is read.
fn is_public_key(path: &Path) -> bool {
    use std::io::Read;

    let mut start = [0u8; 32];
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let read = file.read(&mut start).unwrap_or(0);
    let start = &start[..read];
    [&b"ssh-"[..], b"ecdsa-sha2-", b"sk-ssh-", b"sk-ecdsa-"]
        .iter()
        .any(|prefix| start.starts_with(prefix))
}

/// Looks up the address and port of every SSH candidate in known_hosts, all at once, because
/// [`KnownHosts::lookup_all`] splits the comparisons with hashed lines between threads.
pub(crate) fn find_host_keys(candidates: &mut [ImportCandidate], known_hosts: &KnownHosts) {
    let ssh: Vec<usize> = (0..candidates.len())
        .filter(|&index| candidates[index].kind == HostKind::Ssh)
        .collect();
    let lookups = {
        let hosts: Vec<(&str, u16)> = ssh
            .iter()
            .map(|&index| (candidates[index].address.as_str(), candidates[index].port))
            .collect();
        known_hosts.lookup_all(&hosts)
    };
    for (index, lookup) in ssh.into_iter().zip(lookups) {
        candidates[index].host_key = finding_of(lookup);
    }
}

fn host_key_finding(known_hosts: &KnownHosts, address: &str, port: u16) -> HostKeyFinding {
    finding_of(known_hosts.lookup(address, port))
}

fn finding_of(lookup: Lookup) -> HostKeyFinding {
    match lookup {
        Lookup::NotFound => HostKeyFinding::NotFound,
        Lookup::CertAuthorityOnly => HostKeyFinding::CertAuthorityOnly,
        Lookup::Revoked(key) => HostKeyFinding::Revoked {
            fingerprint: key.fingerprint,
        },
        Lookup::Found(keys) => match keys.into_iter().next() {
            Some(key) => HostKeyFinding::Known {
                public_key: key.openssh_line(),
                algorithm: key.algorithm,
                fingerprint: key.fingerprint,
            },
            None => HostKeyFinding::NotFound,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved_with_identity(path: &Path) -> ResolvedHost {
        ResolvedHost {
            alias: "nas".into(),
            host_name: "192.0.2.10".into(),
            user: "admin".into(),
            port: 22,
            identity_files: vec![path.to_path_buf()],
            identities_only: false,
            proxy_jump: Vec::new(),
            proxy_command: None,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn identity_folder_is_not_called_missing() {
        let home = tempfile::tempdir().unwrap();
        let folder = home.path().join("keys");
        std::fs::create_dir(&folder).unwrap();

        let mut key_files = KeyFiles::default();
        let resolved = resolved_with_identity(&folder);
        let candidate = ImportCandidate::from_resolved_with("nas".into(), &resolved, true, home.path(), &mut key_files);
        assert_eq!(
            candidate.problems,
            [ImportProblem::IdentityFileIsDirectory { path: folder.clone() }]
        );
        assert_eq!(candidate.auth, AuthMethod::Agent, "the agent is the fallback");

        let missing = home.path().join("absent");
        let resolved = resolved_with_identity(&missing);
        let candidate = ImportCandidate::from_resolved_with("nas".into(), &resolved, true, home.path(), &mut key_files);
        assert_eq!(
            candidate.problems,
            [ImportProblem::IdentityFileMissing { path: missing }]
        );
    }

    #[test]
    fn public_key_identity_is_named() {
        let home = tempfile::tempdir().unwrap();
        let public = home.path().join("id_ed25519.pub");
        std::fs::write(&public, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbq me@laptop\n").unwrap();

        let mut key_files = KeyFiles::default();
        let resolved = resolved_with_identity(&public);
        let candidate = ImportCandidate::from_resolved_with("nas".into(), &resolved, true, home.path(), &mut key_files);
        assert_eq!(
            candidate.problems,
            [ImportProblem::IdentityFileIsPublicKey { path: public }]
        );
        assert_eq!(candidate.auth, AuthMethod::Agent, "the agent is the fallback");
    }
}

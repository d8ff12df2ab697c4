//! One host offered by an import: the values OpenSSH would use, what import would do with
//! them, and what the user should know first.

use std::path::{Path, PathBuf};

use homeport_import::known_hosts::{KnownHosts, Lookup};
use homeport_import::ssh_config::{ResolvedHost, WarningKind};

use crate::inventory::{AuthMethod, Host};

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
}

impl ImportProblem {
    /// Returns whether the host can be imported at all with this problem.
    pub fn blocks_import(&self) -> bool {
        matches!(self, ImportProblem::Invalid { .. } | ImportProblem::JumpChainTooLong)
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
        let (auth, key_path) = choose_auth(resolved, agent_available, home, &mut problems);

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
            host_key: host_key_finding(known_hosts, &resolved.host_name, resolved.port),
            problems,
            recommended: true,
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
    problems: &mut Vec<ImportProblem>,
) -> (AuthMethod, Option<PathBuf>) {
    for path in &resolved.identity_files {
        if path.is_file() {
            note_encrypted(path, problems);
            return (AuthMethod::Key, Some(path.clone()));
        }
        problems.push(ImportProblem::IdentityFileMissing { path: path.clone() });
    }
    if agent_available {
        return (AuthMethod::Agent, None);
    }
    if resolved.identity_files.is_empty() {
        let ssh_dir = home.join(".ssh");
        if let Some(path) = DEFAULT_IDENTITIES
            .iter()
            .map(|name| ssh_dir.join(name))
            .find(|path| path.is_file())
        {
            note_encrypted(&path, problems);
            return (AuthMethod::Key, Some(path));
        }
    }
    problems.push(ImportProblem::NoCredentials);
    (AuthMethod::Agent, None)
}

fn note_encrypted(path: &Path, problems: &mut Vec<ImportProblem>) {
    if matches!(
        crate::ssh::load_key(path, None),
        Err(crate::Error::PassphraseWrong { .. })
    ) {
        problems.push(ImportProblem::KeyEncrypted {
            path: path.to_path_buf(),
        });
    }
}

fn host_key_finding(known_hosts: &KnownHosts, address: &str, port: u16) -> HostKeyFinding {
    match known_hosts.lookup(address, port) {
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

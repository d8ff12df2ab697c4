//! Importing hosts from `~/.ssh/config` and known_hosts, or from Docker contexts and
//! `DOCKER_HOST`: a preview, then the user's choice.

use std::path::PathBuf;

use homeport_core::import::{
    self, HostKeyFinding, ImportAction, ImportCandidate, ImportOrigin, ImportProblem, ImportSource,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Api, ApiResult, AuthMethod, EngineTlsView, HostKind};

/// The change importing makes to one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ImportActionKind {
    New,
    Update,
    Unchanged,
}

/// The state of a host's key in known_hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum HostKeyStatus {
    Known,
    NotFound,
    Revoked,
    CertAuthorityOnly,
    /// An engine host, which has no SSH host key.
    NotApplicable,
}

/// Where the import found a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ImportOriginKind {
    SshConfig,
    DockerContext,
    DockerHost,
}

/// Something to know about a host before importing it. `kind` selects the translated text,
/// and `params` contains its values (`file`, `line`, `criterion`, `path`, `command`, `field`,
/// `value`, `reason`, `message`, `stored`, `knownHosts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportProblemView {
    pub kind: String,
    pub params: std::collections::BTreeMap<String, String>,
    /// The English sentence, for the CLI and logs.
    pub message: String,
    /// Whether the host cannot be imported until the problem is fixed in the file.
    pub blocking: bool,
}

/// A host the import offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportCandidateView {
    pub alias: String,
    /// The name the host gets in Homeport.
    pub name: String,
    pub address: String,
    pub port: u16,
    pub user: String,
    pub auth: AuthMethod,
    pub key_path: Option<String>,
    pub jump_alias: Option<String>,
    pub action: ImportActionKind,
    pub host_id: Option<String>,
    pub host_key: HostKeyStatus,
    pub host_key_fingerprint: Option<String>,
    pub problems: Vec<ImportProblemView>,
    pub recommended: bool,
    pub origin: ImportOriginKind,
    /// The Docker context's name, for hosts from a context.
    pub context: Option<String>,
    /// Whether the Docker CLI uses this context (or `DOCKER_HOST`) by default.
    pub current: bool,
    /// `ssh`, or `socket` and `tcp` for engines reached without SSH.
    pub kind: HostKind,
    pub docker_socket: Option<String>,
    pub tls: Option<EngineTlsView>,
}

/// The preview of an import. Nothing has been written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    pub config_files: Vec<String>,
    pub known_hosts_problems: Vec<String>,
    pub candidates: Vec<ImportCandidateView>,
    pub revoked_keys: u32,
    /// Pass back to `ssh_import_apply`, which refuses to write if the files changed since.
    pub digest: String,
    /// Docker contexts that could not be read, one sentence each.
    pub docker_problems: Vec<String>,
}

/// The hosts an applied import added, updated or left unchanged, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportResult {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    pub revoked_keys_recorded: u32,
}

/// The files an import reads; every field falls back to the user's own files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportFiles {
    /// Default `~/.ssh/config`.
    pub config: Option<String>,
    /// Default `~/.ssh/known_hosts` and `~/.ssh/known_hosts2`.
    pub known_hosts: Option<Vec<String>>,
    /// Offer Docker contexts and `DOCKER_HOST` instead of the SSH configuration's hosts. The
    /// SSH configuration then only resolves `ssh://` contexts.
    #[serde(default)]
    #[ts(optional)]
    pub docker: Option<bool>,
    /// The Docker configuration folder; default `$DOCKER_CONFIG`, else `~/.docker`.
    #[serde(default)]
    #[ts(optional)]
    pub docker_config: Option<String>,
}

impl ImportFiles {
    fn source(&self) -> ApiResult<ImportSource> {
        let mut source = if self.docker == Some(true) {
            let dir = self
                .docker_config
                .as_ref()
                .filter(|dir| !dir.trim().is_empty())
                .map(PathBuf::from);
            if let Some(dir) = dir.as_ref().filter(|dir| !dir.is_dir()) {
                return Err(homeport_core::Error::invalid(
                    "dockerConfig",
                    dir.display().to_string(),
                    "this folder does not exist; give the folder that holds config.json and contexts",
                )
                .into());
            }
            let mut source = ImportSource::docker_from_os(dir)?;
            if let Some(config) = &self.config {
                source.config_path = PathBuf::from(config);
            }
            source
        } else {
            ImportSource::from_os(self.config.as_ref().map(PathBuf::from))?
        };
        if let Some(paths) = &self.known_hosts {
            // The user's own known_hosts may be missing, as for OpenSSH; a file named on
            // purpose must exist, or a typo would silently import every host unverified.
            if let Some(missing) = paths.iter().find(|path| !std::path::Path::new(path).exists()) {
                return Err(homeport_core::Error::invalid(
                    "knownHosts",
                    missing.clone(),
                    "this known_hosts file does not exist; check the path",
                )
                .into());
            }
            source.known_hosts_paths = paths.iter().map(PathBuf::from).collect();
        }
        Ok(source)
    }
}

impl Api {
    /// Reads the SSH configuration and known_hosts and returns what importing would do, writing
    /// nothing.
    pub async fn ssh_import_preview(&self, files: &ImportFiles) -> ApiResult<ImportPreview> {
        let source = files.source()?;
        let plan = import::plan(self.hosts.store(), &source).await?;
        Ok(ImportPreview {
            config_files: plan
                .config_files
                .iter()
                .map(|path| path.display().to_string())
                .collect(),
            known_hosts_problems: plan.known_hosts_problems,
            candidates: plan.candidates.iter().map(candidate_view).collect(),
            revoked_keys: u32::try_from(plan.revoked_keys.len()).unwrap_or(u32::MAX),
            digest: plan.digest,
            docker_problems: plan.docker_problems,
        })
    }

    /// Imports the hosts named in `aliases` (and the jump hosts they need) from the preview
    /// with `digest`.
    pub async fn ssh_import_apply(
        &self,
        files: &ImportFiles,
        digest: &str,
        aliases: &[String],
    ) -> ApiResult<ImportResult> {
        let source = files.source()?;
        let report = import::apply(self.hosts.store(), &source, digest, aliases).await?;
        for id in &report.updated_ids {
            self.hosts.drop_connection(id).await;
        }
        Ok(ImportResult {
            added: report.added,
            updated: report.updated,
            unchanged: report.unchanged,
            revoked_keys_recorded: u32::try_from(report.revoked_keys_recorded).unwrap_or(u32::MAX),
        })
    }
}

fn candidate_view(candidate: &ImportCandidate) -> ImportCandidateView {
    let (action, host_id) = match &candidate.action {
        ImportAction::New => (ImportActionKind::New, None),
        ImportAction::Update { host_id } => (ImportActionKind::Update, Some(host_id.clone())),
        ImportAction::Unchanged { host_id } => (ImportActionKind::Unchanged, Some(host_id.clone())),
    };
    let (host_key, host_key_fingerprint) = match &candidate.host_key {
        HostKeyFinding::Known { fingerprint, .. } => (HostKeyStatus::Known, Some(fingerprint.clone())),
        HostKeyFinding::NotFound => (HostKeyStatus::NotFound, None),
        HostKeyFinding::Revoked { fingerprint } => (HostKeyStatus::Revoked, Some(fingerprint.clone())),
        HostKeyFinding::CertAuthorityOnly => (HostKeyStatus::CertAuthorityOnly, None),
        HostKeyFinding::NotApplicable => (HostKeyStatus::NotApplicable, None),
    };
    let (origin, context, current) = match &candidate.origin {
        ImportOrigin::SshConfig => (ImportOriginKind::SshConfig, None, false),
        ImportOrigin::DockerContext { name, current } => {
            (ImportOriginKind::DockerContext, Some(name.clone()), *current)
        }
        ImportOrigin::DockerHost => (ImportOriginKind::DockerHost, None, true),
    };
    ImportCandidateView {
        alias: candidate.alias.clone(),
        name: candidate.name.clone(),
        address: candidate.address.clone(),
        port: candidate.port,
        user: candidate.user.clone(),
        auth: candidate.auth.into(),
        key_path: candidate.key_path.as_ref().map(|path| path.display().to_string()),
        jump_alias: candidate.jump_alias.clone(),
        action,
        host_id,
        host_key,
        host_key_fingerprint,
        problems: candidate.problems.iter().map(problem_view).collect(),
        recommended: candidate.recommended,
        origin,
        context,
        current,
        kind: match candidate.kind {
            homeport_core::inventory::HostKind::Ssh => HostKind::Ssh,
            homeport_core::inventory::HostKind::Socket => HostKind::Socket,
            homeport_core::inventory::HostKind::Tcp => HostKind::Tcp,
        },
        docker_socket: candidate.docker_socket.clone(),
        tls: candidate.tls.clone().map(Into::into),
    }
}

fn problem_view(problem: &ImportProblem) -> ImportProblemView {
    let mut params = std::collections::BTreeMap::new();
    let mut put = |key: &str, value: String| {
        params.insert(key.to_string(), value);
    };
    let (kind, message) = match problem {
        ImportProblem::UnsupportedMatch { file, line, criterion } => {
            put("file", file.display().to_string());
            put("line", line.to_string());
            put("criterion", criterion.clone());
            (
                "unsupportedMatch",
                format!(
                    "{}:{line}: 'Match {criterion}' was not evaluated, so that block was skipped; OpenSSH may resolve this host differently",
                    file.display()
                ),
            )
        }
        ImportProblem::ConfigWarning { file, line, message } => {
            put("file", file.display().to_string());
            put("line", line.to_string());
            put("message", message.clone());
            ("configWarning", format!("{}:{line}: {message}", file.display()))
        }
        ImportProblem::IdentityFileMissing { path } => {
            put("path", path.display().to_string());
            (
                "identityFileMissing",
                format!("the identity file {} does not exist", path.display()),
            )
        }
        ImportProblem::IdentityFileIsDirectory { path } => {
            put("path", path.display().to_string());
            (
                "identityFileIsDirectory",
                format!(
                    "the identity file {} is a directory, not a key file; point IdentityFile at the private key inside it, such as {}",
                    path.display(),
                    path.join("id_ed25519").display()
                ),
            )
        }
        ImportProblem::IdentityFileIsPublicKey { path } => {
            put("path", path.display().to_string());
            let private = path.with_extension("");
            (
                "identityFileIsPublicKey",
                format!(
                    "the identity file {} is a public key; point IdentityFile at the private key, such as {}",
                    path.display(),
                    private.display()
                ),
            )
        }
        ImportProblem::KeyEncrypted { path } => {
            put("path", path.display().to_string());
            (
                "keyEncrypted",
                format!(
                    "the key {} is encrypted; edit the host after importing and enter its passphrase",
                    path.display()
                ),
            )
        }
        ImportProblem::NoCredentials => (
            "noCredentials",
            "no key file and no ssh-agent was found; the host uses ssh-agent authentication until you edit it".into(),
        ),
        ImportProblem::AliasIsAddress => (
            "aliasIsAddress",
            "no HostName is set, so the alias itself is the address and is looked up in DNS".into(),
        ),
        ImportProblem::ProxyCommandIgnored { command } => {
            put("command", command.clone());
            (
                "proxyCommandIgnored",
                format!("ProxyCommand '{command}' is not supported; the host is imported as a direct connection"),
            )
        }
        ImportProblem::Invalid { field, value, reason } => {
            put("field", field.clone());
            put("value", value.clone());
            put("reason", reason.clone());
            ("invalid", format!("invalid {field} '{value}': {reason}"))
        }
        ImportProblem::TrustedKeyDiffers { stored, known_hosts } => {
            put("stored", stored.clone());
            put("knownHosts", known_hosts.clone());
            (
                "trustedKeyDiffers",
                format!("Homeport trusts {stored} for this address but known_hosts lists {known_hosts}; the trusted key is kept"),
            )
        }
        ImportProblem::JumpChainTooLong => (
            "jumpChainTooLong",
            "the ProxyJump chain is longer than 8 hosts or loops".into(),
        ),
        ImportProblem::SameAsLocalEngine { socket } => {
            put("socket", socket.clone());
            (
                "sameAsLocalEngine",
                format!("{socket} is this machine's own engine, which Homeport lists already as 'local'"),
            )
        }
        ImportProblem::NamedPipe { path } => {
            put("path", path.clone());
            (
                "namedPipe",
                format!("the Windows named pipe {path} cannot be reached yet; use an ssh:// or tcp:// context"),
            )
        }
        ImportProblem::TlsVerifyOff => (
            "tlsVerifyOff",
            "the context turns off certificate verification, which would let anyone on the path control the engine; give it the engine's CA certificate".into(),
        ),
        ImportProblem::TlsCaMissing => (
            "tlsCaMissing",
            "TLS is on but no CA certificate is given; Homeport verifies every engine, so add ca.pem to the context".into(),
        ),
        ImportProblem::TlsFileMissing { path } => {
            put("path", path.display().to_string());
            ("tlsFileMissing", format!("the TLS file {} does not exist", path.display()))
        }
        ImportProblem::PlainHttp => (
            "plainHttp",
            "the engine is reached over plain HTTP: anyone who can reach its port controls it. Prefer TLS or ssh://".into(),
        ),
    };
    ImportProblemView {
        kind: kind.to_string(),
        params,
        message,
        blocking: problem.blocks_import(),
    }
}

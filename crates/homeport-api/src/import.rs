//! Importing hosts from `~/.ssh/config` and known_hosts: a preview, then the user's choice.

use std::path::PathBuf;

use homeport_core::import::{self, HostKeyFinding, ImportAction, ImportCandidate, ImportProblem, ImportSource};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Api, ApiResult, AuthMethod};

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
}

impl ImportFiles {
    fn source(&self) -> ApiResult<ImportSource> {
        let mut source = ImportSource::from_os(self.config.as_ref().map(PathBuf::from))?;
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
    };
    ImportProblemView {
        kind: kind.to_string(),
        params,
        message,
        blocking: problem.blocks_import(),
    }
}

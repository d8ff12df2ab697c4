//! Building an import plan from `~/.ssh/config` and known_hosts, and applying the part of it
//! the user selected.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use homeport_import::known_hosts::{self, KnownHosts, Marker};
use homeport_import::ssh_config::{ConfigErrors, Environment, JumpHop, ResolvedHost, SshConfig};
use sha2::{Digest, Sha256};

use super::candidate::{HostKeyFinding, ImportAction, ImportCandidate, ImportProblem};
use crate::error::{Error, Result};
use crate::inventory::{Host, HostDraft};
use crate::store::{Store, TrustedKey};

/// How many jump hosts deep the plan follows `ProxyJump`; the connection code has the same
/// limit.
const MAX_JUMP_DEPTH: usize = 8;

/// The files an import reads and the local facts it resolves them with.
#[derive(Debug, Clone)]
pub struct ImportSource {
    pub config_path: PathBuf,
    pub known_hosts_paths: Vec<PathBuf>,
    pub environment: Environment,
    /// Whether `SSH_AUTH_SOCK` names an agent, which makes hosts without a key file use it.
    pub agent_available: bool,
}

impl ImportSource {
    /// Uses the running user's files: `config_path`, else `~/.ssh/config`, and
    /// `~/.ssh/known_hosts` and `known_hosts2`.
    pub fn from_os(config_path: Option<PathBuf>) -> Result<ImportSource> {
        let environment = Environment::from_os()
            .map_err(|err| Error::Internal(format!("cannot read the local user's account: {err}")))?;
        Ok(ImportSource {
            config_path: config_path.unwrap_or_else(|| environment.ssh_dir.join("config")),
            known_hosts_paths: known_hosts::default_paths(&environment.home_dir),
            agent_available: std::env::var_os("SSH_AUTH_SOCK").is_some_and(|value| !value.is_empty()),
            environment,
        })
    }
}

/// The changes an import would make. Building a plan writes nothing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportPlan {
    /// Every configuration file read, the main one first.
    pub config_files: Vec<PathBuf>,
    /// Lines of known_hosts files that were skipped, as `FILE:LINE: reason`.
    pub known_hosts_problems: Vec<String>,
    /// Jump hosts come before the hosts that use them.
    pub candidates: Vec<ImportCandidate>,
    /// Keys marked `@revoked` in known_hosts, as (algorithm, fingerprint, file); applying any
    /// part of the plan records all of them.
    pub revoked_keys: Vec<(String, String, String)>,
    /// A hash of the candidates, which [`apply`] compares to make sure it writes what the user
    /// saw.
    pub digest: String,
}

/// The hosts an applied import added, updated or left unchanged, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    /// Ids of updated hosts, whose open connections the caller should drop.
    pub updated_ids: Vec<String>,
    pub revoked_keys_recorded: usize,
}

/// Reads the files of `source` and returns what importing them would do, writing nothing.
pub async fn plan(store: &Store, source: &ImportSource) -> Result<ImportPlan> {
    let config = SshConfig::load(&source.config_path, &source.environment).map_err(config_error)?;
    let (known, known_errors) = KnownHosts::load(&source.known_hosts_paths);

    let mut builder = PlanBuilder {
        config: &config,
        known: &known,
        source,
        candidates: BTreeMap::new(),
        order: Vec::new(),
    };
    for alias in config.aliases() {
        builder.add(&alias, config.resolve(&alias), 0);
    }
    let mut candidates: Vec<ImportCandidate> = builder
        .order
        .iter()
        .filter_map(|alias| builder.candidates.remove(alias))
        .collect();

    mark_jump_loops(&mut candidates);
    settle_against_store(store, &mut candidates).await?;
    let digest = digest_of(&candidates);
    Ok(ImportPlan {
        config_files: config.files().to_vec(),
        known_hosts_problems: known_errors.iter().map(ToString::to_string).collect(),
        revoked_keys: revoked_keys(&known),
        candidates,
        digest,
    })
}

/// Writes the `selected` hosts of a fresh plan, plus the jump hosts they need. Fails without
/// writing when the plan's digest is not `digest`, because the files changed since the
/// preview, or when a selected host cannot be imported.
pub async fn apply(store: &Store, source: &ImportSource, digest: &str, selected: &[String]) -> Result<ImportReport> {
    let plan = plan(store, source).await?;
    if plan.digest != digest {
        return Err(Error::invalid(
            "plan",
            digest,
            "the SSH configuration or known_hosts changed since the preview; open the preview again",
        ));
    }
    let chosen = close_over_jumps(&plan.candidates, selected)?;

    let mut report = ImportReport::default();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for candidate in plan
        .candidates
        .iter()
        .filter(|candidate| chosen.contains(&candidate.alias))
    {
        let jump_id = candidate.jump_alias.as_ref().and_then(|alias| ids.get(alias)).cloned();
        let id = write_candidate(store, candidate, jump_id, &mut report).await?;
        ids.insert(candidate.alias.clone(), id);
    }
    for (algorithm, fingerprint, file) in &plan.revoked_keys {
        store.revoke_key(algorithm, fingerprint, file).await?;
    }
    report.revoked_keys_recorded = plan.revoked_keys.len();
    tracing::info!(
        added = report.added.len(),
        updated = report.updated.len(),
        unchanged = report.unchanged.len(),
        revoked = report.revoked_keys_recorded,
        "ssh config imported"
    );
    Ok(report)
}

/// Collects candidates depth first, so a jump host is ordered before the hosts that use it.
struct PlanBuilder<'a> {
    config: &'a SshConfig,
    known: &'a KnownHosts,
    source: &'a ImportSource,
    candidates: BTreeMap<String, ImportCandidate>,
    order: Vec<String>,
}

impl PlanBuilder<'_> {
    fn add(&mut self, alias: &str, resolved: ResolvedHost, depth: usize) {
        if self.candidates.contains_key(alias) {
            return;
        }
        let mut candidate = ImportCandidate::from_resolved(
            alias.to_string(),
            &resolved,
            self.known,
            self.source.agent_available,
            &self.source.environment.home_dir,
        );
        if depth > MAX_JUMP_DEPTH {
            candidate.problems.push(ImportProblem::JumpChainTooLong);
        } else {
            candidate.jump_alias = self.add_chain(&resolved.proxy_jump, depth);
        }
        self.candidates.insert(alias.to_string(), candidate);
        self.order.push(alias.to_string());
    }

    /// Adds the hops of a `ProxyJump` chain and returns the alias of the last one. As with
    /// OpenSSH, the first hop follows its own configuration (its own `ProxyJump` included) and
    /// each later hop is reached through the one before it.
    fn add_chain(&mut self, hops: &[JumpHop], depth: usize) -> Option<String> {
        let mut previous: Option<String> = None;
        for (index, hop) in hops.iter().enumerate() {
            let alias = hop_alias(hop);
            let mut resolved = self.config.resolve(&hop.host);
            if let Some(user) = &hop.user {
                resolved.user = user.clone();
            }
            if let Some(port) = hop.port {
                resolved.port = port;
            }
            if index > 0 {
                resolved.proxy_jump.clear();
            }
            self.add(&alias, resolved, depth + 1);
            if let (Some(before), Some(candidate)) = (&previous, self.candidates.get_mut(&alias)) {
                candidate.jump_alias = Some(before.clone());
            }
            previous = Some(alias);
        }
        previous
    }
}

/// Marks every candidate whose jump host chain loops or runs longer than Homeport follows.
/// OpenSSH accepts such a configuration and fails only when it connects. Saving it would leave
/// hosts that can neither connect nor be removed, so `apply` rejects marked hosts.
fn mark_jump_loops(candidates: &mut [ImportCandidate]) {
    let jumps: BTreeMap<String, Option<String>> = candidates
        .iter()
        .map(|candidate| (candidate.alias.clone(), candidate.jump_alias.clone()))
        .collect();
    for candidate in candidates.iter_mut() {
        let mut next = candidate.jump_alias.clone();
        let mut hops = 0;
        while let Some(alias) = next {
            hops += 1;
            if hops > MAX_JUMP_DEPTH || alias == candidate.alias {
                if !candidate.problems.contains(&ImportProblem::JumpChainTooLong) {
                    candidate.problems.push(ImportProblem::JumpChainTooLong);
                }
                break;
            }
            next = jumps.get(&alias).cloned().flatten();
        }
    }
}

/// Names a hop: its alias, or `user@host:port` when the hop overrides the user or port.
fn hop_alias(hop: &JumpHop) -> String {
    if hop.user.is_none() && hop.port.is_none() {
        hop.host.clone()
    } else {
        hop.to_string()
    }
}

/// Sets each candidate's action from the hosts stored now, checks its values as a host form
/// would, and compares known_hosts keys with keys Homeport trusts already.
async fn settle_against_store(store: &Store, candidates: &mut [ImportCandidate]) -> Result<()> {
    let mut existing: BTreeMap<String, Host> = BTreeMap::new();
    for candidate in candidates.iter() {
        if let Some(host) = find_existing(store, &candidate.alias, &candidate.name).await? {
            existing.insert(candidate.alias.clone(), host);
        }
    }

    for candidate in candidates.iter_mut() {
        if let Err(Error::InvalidInput { field, value, reason }) = draft_of(candidate, None).validate() {
            candidate.problems.push(ImportProblem::Invalid {
                field: field.to_string(),
                value,
                reason,
            });
        }
        let key_to_add = check_stored_key(store, candidate).await?;

        let jump_id = candidate
            .jump_alias
            .as_ref()
            .and_then(|alias| existing.get(alias))
            .map(|host| host.id.clone());
        candidate.action = match existing.get(&candidate.alias) {
            None => ImportAction::New,
            Some(host) if !key_to_add && candidate.matches_host(host, jump_id.as_deref()) => ImportAction::Unchanged {
                host_id: host.id.clone(),
            },
            Some(host) => ImportAction::Update {
                host_id: host.id.clone(),
            },
        };
        candidate.settle_recommendation();
    }
    Ok(())
}

/// Finds the host an earlier import of `alias` created, or else a host named `name`.
async fn find_existing(store: &Store, alias: &str, name: &str) -> Result<Option<Host>> {
    if let Some(host) = store.host_by_source(&source_of(alias)).await? {
        return Ok(Some(host));
    }
    match store.host(name).await {
        Ok(host) if host.name == name => Ok(Some(host)),
        Ok(_) | Err(Error::HostNotFound(_)) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Compares a known_hosts key with the key Homeport trusts for the address. Returns whether
/// importing would add a trusted key, and records a problem when the two keys differ.
async fn check_stored_key(store: &Store, candidate: &mut ImportCandidate) -> Result<bool> {
    let HostKeyFinding::Known { fingerprint, .. } = &candidate.host_key else {
        return Ok(false);
    };
    let Some(stored) = store.trusted_key(&candidate.address, candidate.port).await? else {
        return Ok(true);
    };
    if &stored.fingerprint != fingerprint {
        candidate.problems.push(ImportProblem::TrustedKeyDiffers {
            stored: stored.fingerprint,
            known_hosts: fingerprint.clone(),
        });
    }
    Ok(false)
}

/// Returns the selected aliases plus every jump host they need, rejecting unknown aliases and
/// hosts that cannot be imported.
fn close_over_jumps(candidates: &[ImportCandidate], selected: &[String]) -> Result<BTreeSet<String>> {
    let by_alias: BTreeMap<&str, &ImportCandidate> = candidates
        .iter()
        .map(|candidate| (candidate.alias.as_str(), candidate))
        .collect();
    let mut chosen = BTreeSet::new();
    for alias in selected {
        let mut next = Some(alias.as_str());
        while let Some(current) = next {
            let candidate = by_alias.get(current).ok_or_else(|| {
                Error::invalid(
                    "alias",
                    current,
                    "the SSH configuration offers no such host; open the preview again",
                )
            })?;
            if let Some(problem) = candidate.problems.iter().find(|problem| problem.blocks_import()) {
                let reason = match problem {
                    ImportProblem::Invalid { field, value, reason } => format!("invalid {field} '{value}': {reason}"),
                    _ => "its ProxyJump chain loops or is longer than 8 hosts".to_string(),
                };
                return Err(Error::invalid(
                    "alias",
                    current,
                    format!("this host cannot be imported because {reason}; fix the SSH configuration first"),
                ));
            }
            if !chosen.insert(current.to_string()) {
                break;
            }
            next = candidate.jump_alias.as_deref();
        }
    }
    Ok(chosen)
}

async fn write_candidate(
    store: &Store,
    candidate: &ImportCandidate,
    jump_id: Option<String>,
    report: &mut ImportReport,
) -> Result<String> {
    let trusted = trusted_key_of(candidate);
    match &candidate.action {
        ImportAction::Unchanged { host_id } => {
            report.unchanged.push(candidate.name.clone());
            Ok(host_id.clone())
        }
        ImportAction::New => {
            let spec = draft_of(candidate, jump_id).validate()?;
            let id = uuid::Uuid::new_v4().to_string();
            store
                .insert_host_from(&id, &spec, false, trusted.as_ref(), Some(&source_of(&candidate.alias)))
                .await?;
            report.added.push(candidate.name.clone());
            Ok(id)
        }
        ImportAction::Update { host_id } => {
            let current = store.host(host_id).await?;
            let mut draft = draft_of(candidate, jump_id);
            // What the configuration does not describe stays as the user set it.
            draft.docker_socket = Some(current.docker_socket.clone());
            draft.group = Some(current.group.clone());
            draft.tags = current.tags.clone();
            let spec = draft.validate()?;
            // NOTE: a stored password stays in the keychain when the method changes. It is then
            // offered as the key's passphrase, and a wrong one is reported on connect.
            store
                .update_host_with(host_id, &spec, current.has_secret, trusted.as_ref())
                .await?;
            store.set_host_source(host_id, &source_of(&candidate.alias)).await?;
            report.updated.push(candidate.name.clone());
            report.updated_ids.push(host_id.clone());
            Ok(host_id.clone())
        }
    }
}

/// Returns the known_hosts key to trust, unless Homeport already trusts another one for the
/// address: import never replaces a trusted key.
fn trusted_key_of(candidate: &ImportCandidate) -> Option<TrustedKey> {
    let differs = candidate
        .problems
        .iter()
        .any(|problem| matches!(problem, ImportProblem::TrustedKeyDiffers { .. }));
    match &candidate.host_key {
        HostKeyFinding::Known {
            algorithm,
            fingerprint,
            public_key,
        } if !differs => Some(TrustedKey {
            algorithm: algorithm.clone(),
            fingerprint: fingerprint.clone(),
            public_key: public_key.clone(),
        }),
        _ => None,
    }
}

fn draft_of(candidate: &ImportCandidate, jump_id: Option<String>) -> HostDraft {
    HostDraft {
        name: candidate.name.clone(),
        address: candidate.address.clone(),
        port: u32::from(candidate.port),
        user: candidate.user.clone(),
        auth: Some(candidate.auth),
        key_path: candidate
            .key_path
            .as_ref()
            .map(|path| path.to_string_lossy().into_owned()),
        docker_socket: None,
        secret: None,
        jump_host: jump_id,
        group: None,
        tags: Vec::new(),
    }
}

fn source_of(alias: &str) -> String {
    format!("ssh_config:{alias}")
}

fn revoked_keys(known: &KnownHosts) -> Vec<(String, String, String)> {
    known
        .entries()
        .filter(|entry| entry.marker == Some(Marker::Revoked))
        .map(|entry| {
            (
                entry.key.algorithm.clone(),
                entry.key.fingerprint.clone(),
                entry.key.file.display().to_string(),
            )
        })
        .collect()
}

fn digest_of(candidates: &[ImportCandidate]) -> String {
    let text = serde_json::to_string(candidates).unwrap_or_default();
    let hash = Sha256::digest(text.as_bytes());
    hash.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Turns configuration errors into one error: the first one's place, and every one in detail.
fn config_error(errors: ConfigErrors) -> Error {
    let first = errors.0.first();
    Error::ConfigInvalid {
        file: first.map(|error| error.file.display().to_string()).unwrap_or_default(),
        line: first.map_or(0, |error| error.line),
        column: first.map_or(0, |error| error.column),
        detail: errors.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::AuthMethod;

    fn candidate(alias: &str, jump: Option<&str>) -> ImportCandidate {
        ImportCandidate {
            alias: alias.into(),
            name: alias.into(),
            address: "192.0.2.1".into(),
            port: 22,
            user: "admin".into(),
            auth: AuthMethod::Agent,
            key_path: None,
            jump_alias: jump.map(str::to_string),
            action: ImportAction::New,
            host_key: HostKeyFinding::NotFound,
            problems: Vec::new(),
            recommended: true,
        }
    }

    fn looped(candidates: &[ImportCandidate], alias: &str) -> bool {
        candidates
            .iter()
            .find(|candidate| candidate.alias == alias)
            .expect("candidate")
            .problems
            .contains(&ImportProblem::JumpChainTooLong)
    }

    #[test]
    fn jump_loops_are_marked() {
        let mut candidates = vec![
            candidate("a", Some("b")),
            candidate("b", Some("a")),
            candidate("c", Some("c")),
            candidate("d", Some("a")),
            candidate("e", None),
            candidate("f", Some("e")),
        ];
        mark_jump_loops(&mut candidates);
        assert!(looped(&candidates, "a"), "a -> b -> a");
        assert!(looped(&candidates, "b"), "b -> a -> b");
        assert!(looped(&candidates, "c"), "c jumps through itself");
        assert!(looped(&candidates, "d"), "d leads into the a-b loop");
        assert!(!looped(&candidates, "e"), "a direct host");
        assert!(!looped(&candidates, "f"), "a chain without a loop");
    }
}

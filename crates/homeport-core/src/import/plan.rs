//! Building an import plan from `~/.ssh/config` and known_hosts, and applying the part of it
//! the user selected.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use homeport_import::known_hosts::{self, KnownHosts, Marker};
use homeport_import::ssh_config::{ConfigErrors, Environment, JumpHop, ResolvedHost, SshConfig};
use sha2::{Digest, Sha256};

use super::candidate::{find_host_keys, HostKeyFinding, ImportAction, ImportCandidate, ImportProblem, KeyFiles};
use super::docker::DockerEnvironment;
use crate::error::{Error, Result};
use crate::inventory::{EngineDraft, EngineEndpoint, Host, HostDraft, HostKind, HostSpec};
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
    /// Whether the SSH configuration's own aliases are offered. Without them the configuration
    /// still resolves the hosts of `ssh://` Docker contexts and their jump hosts.
    pub offer_ssh_config: bool,
    /// Docker contexts and `DOCKER_HOST` to offer; `None` offers none.
    pub docker: Option<DockerEnvironment>,
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
            offer_ssh_config: true,
            docker: None,
            environment,
        })
    }

    /// Uses the running user's Docker contexts and `DOCKER_HOST` (with `docker_config` instead
    /// of `$DOCKER_CONFIG` or `~/.docker` when given), resolving `ssh://` hosts with the user's
    /// SSH configuration and known_hosts.
    pub fn docker_from_os(docker_config: Option<PathBuf>) -> Result<ImportSource> {
        let mut source = Self::from_os(None)?;
        source.offer_ssh_config = false;
        source.docker = Some(DockerEnvironment::from_os(docker_config, &source.environment.home_dir));
        Ok(source)
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
    /// Docker contexts that could not be read, one sentence each.
    pub docker_problems: Vec<String>,
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
    // A Docker import needs the SSH configuration only to resolve `ssh://` hosts, which
    // OpenSSH does from its defaults when the file does not exist.
    let config = if !source.offer_ssh_config && !source.config_path.exists() {
        SshConfig::parse_str("", &source.config_path, &source.environment)
    } else {
        SshConfig::load(&source.config_path, &source.environment)
    }
    .map_err(config_error)?;
    let (known, known_errors) = KnownHosts::load(&source.known_hosts_paths);

    let mut builder = PlanBuilder {
        config: &config,
        known: &known,
        source,
        candidates: BTreeMap::new(),
        order: Vec::new(),
        key_files: KeyFiles::default(),
    };
    if source.offer_ssh_config {
        for alias in config.aliases() {
            builder.add(&alias, config.resolve(&alias), 0);
        }
    }
    let docker_problems = match &source.docker {
        Some(docker) => super::docker::add_endpoints(&mut builder, docker),
        None => Vec::new(),
    };
    let mut candidates: Vec<ImportCandidate> = builder
        .order
        .iter()
        .filter_map(|alias| builder.candidates.remove(alias))
        .collect();

    find_host_keys(&mut candidates, &known);
    mark_jump_loops(&mut candidates);
    settle_against_store(store, &mut candidates).await?;
    let digest = digest_of(&candidates);
    // The files the preview names: a Docker import names the Docker folder, and the SSH
    // configuration only when it exists.
    let mut config_files = Vec::new();
    if let Some(docker) = &source.docker {
        config_files.push(docker.config_dir());
    }
    if source.offer_ssh_config || source.config_path.exists() {
        config_files.extend(config.files().iter().cloned());
    }
    Ok(ImportPlan {
        config_files,
        known_hosts_problems: known_errors.iter().map(ToString::to_string).collect(),
        revoked_keys: revoked_keys(&known),
        candidates,
        digest,
        docker_problems,
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
            "the SSH configuration or known_hosts changed since the preview; preview the import again",
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
        // Jump hosts come before the hosts that use them, so a jump host missing here would be
        // a bug in the plan's order; failing beats saving a host with a different route.
        let jump_id = match &candidate.jump_alias {
            Some(alias) => Some(ids.get(alias).cloned().ok_or_else(|| {
                Error::Internal(format!(
                    "the import plan lists {} before its jump host {alias}",
                    candidate.alias
                ))
            })?),
            None => None,
        };
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
pub(super) struct PlanBuilder<'a> {
    pub(super) config: &'a SshConfig,
    pub(super) known: &'a KnownHosts,
    pub(super) source: &'a ImportSource,
    pub(super) candidates: BTreeMap<String, ImportCandidate>,
    pub(super) order: Vec<String>,
    key_files: KeyFiles,
}

impl PlanBuilder<'_> {
    /// Adds a candidate built elsewhere, keeping the order.
    pub(super) fn insert(&mut self, candidate: ImportCandidate) {
        if self.candidates.contains_key(&candidate.alias) {
            return;
        }
        self.order.push(candidate.alias.clone());
        self.candidates.insert(candidate.alias.clone(), candidate);
    }

    fn add(&mut self, alias: &str, resolved: ResolvedHost, depth: usize) {
        if self.candidates.contains_key(alias) {
            return;
        }
        let mut candidate = ImportCandidate::from_resolved_with(
            alias.to_string(),
            &resolved,
            self.source.agent_available,
            &self.source.environment.home_dir,
            &mut self.key_files,
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
    pub(super) fn add_chain(&mut self, hops: &[JumpHop], depth: usize) -> Option<String> {
        let mut previous: Option<String> = None;
        for (index, hop) in hops.iter().enumerate() {
            // A later hop is reached through the hop before it, while the same host named on
            // its own follows its own configuration. It therefore becomes a host of its own, or
            // importing this chain would change how the other host connects.
            let alias = match (&previous, index) {
                (Some(before), 1..) => format!("{} via {before}", hop_alias(hop)),
                _ => hop_alias(hop),
            };
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
            let before_name = previous
                .as_ref()
                .and_then(|before| self.candidates.get(before))
                .map(|before| before.name.clone());
            if let (Some(before), Some(candidate)) = (&previous, self.candidates.get_mut(&alias)) {
                candidate.jump_alias = Some(before.clone());
                if let Some(before_name) = before_name {
                    candidate.name = chained_hop_name(&candidate.name, &before_name);
                }
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

/// Names the host of a later chain hop after the hop and the one before it, such as
/// `bastion-via-gateway`, keeping to the characters and length a host name allows.
fn chained_hop_name(own: &str, before: &str) -> String {
    let base = own.split(" via ").next().unwrap_or(own);
    let name: String = format!("{base}-via-{before}")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.chars().take(64).collect()
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
    let stored = StoredHosts::load(store).await?;
    let mut existing: BTreeMap<String, &Host> = BTreeMap::new();
    for candidate in candidates.iter() {
        if let Some(host) = stored.find_existing(&candidate.source(), &candidate.name) {
            existing.insert(candidate.alias.clone(), host);
        }
    }

    for candidate in candidates.iter_mut() {
        if let Err(Error::InvalidInput { field, value, reason }) = spec_of(candidate, None) {
            candidate.problems.push(ImportProblem::Invalid {
                field: field.to_string(),
                value,
                reason,
            });
        }
        let key_to_add = check_stored_key(&stored, candidate);

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

/// The stored hosts and trusted keys, read with two queries for the whole plan, because
/// queries per candidate make a plan of thousands of hosts slow.
struct StoredHosts {
    hosts: Vec<Host>,
    /// Indexes in `hosts` by [`Host::source`].
    by_source: HashMap<String, usize>,
    /// Indexes in `hosts` by name.
    by_name: HashMap<String, usize>,
    /// The fingerprint of the trusted key of each address and port.
    trusted: HashMap<(String, u16), String>,
}

impl StoredHosts {
    async fn load(store: &Store) -> Result<StoredHosts> {
        let hosts = store.hosts().await?;
        let mut by_source = HashMap::new();
        let mut by_name = HashMap::new();
        for (index, host) in hosts.iter().enumerate() {
            if let Some(source) = &host.source {
                by_source.insert(source.clone(), index);
            }
            by_name.insert(host.name.clone(), index);
        }
        Ok(StoredHosts {
            hosts,
            by_source,
            by_name,
            trusted: store.trusted_fingerprints().await?,
        })
    }

    /// Finds the host an earlier import from `source` created, or else a host named `name`.
    fn find_existing(&self, source: &str, name: &str) -> Option<&Host> {
        let index = self.by_source.get(source).or_else(|| self.by_name.get(name))?;
        Some(&self.hosts[*index])
    }
}

/// Compares a known_hosts key with the key Homeport trusts for the address. Returns whether
/// importing would add a trusted key, and records a problem when the two keys differ.
fn check_stored_key(stored: &StoredHosts, candidate: &mut ImportCandidate) -> bool {
    let HostKeyFinding::Known { fingerprint, .. } = &candidate.host_key else {
        return false;
    };
    let Some(trusted) = stored.trusted.get(&(candidate.address.clone(), candidate.port)) else {
        return true;
    };
    if trusted != fingerprint {
        candidate.problems.push(ImportProblem::TrustedKeyDiffers {
            stored: trusted.clone(),
            known_hosts: fingerprint.clone(),
        });
    }
    false
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
                    "the SSH configuration offers no such host; preview the import again to see the hosts it offers",
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
            let spec = spec_of(candidate, jump_id)?;
            let id = uuid::Uuid::new_v4().to_string();
            store
                .insert_host_from(&id, &spec, false, trusted.as_ref(), Some(&candidate.source()))
                .await?;
            report.added.push(candidate.name.clone());
            Ok(id)
        }
        ImportAction::Update { host_id } => {
            let current = store.host(host_id).await?;
            let mut spec = spec_of(candidate, jump_id)?;
            // What the configuration does not describe stays as the user set it.
            if spec.kind == HostKind::Ssh && candidate.docker_socket.is_none() {
                spec.docker_socket = current.docker_socket.clone();
            }
            spec.group = current.group.clone();
            spec.tags = current.tags.clone();
            // NOTE: a stored password stays in the keychain when the method changes. It is then
            // offered as the key's passphrase, and a wrong one is reported on connect.
            store
                .update_host_with(host_id, &spec, current.has_secret, trusted.as_ref())
                .await?;
            store.set_host_source(host_id, &candidate.source()).await?;
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

/// Checks a candidate as the host form (or, for an engine host, the engine checks) would.
fn spec_of(candidate: &ImportCandidate, jump_id: Option<String>) -> Result<HostSpec> {
    let endpoint = match candidate.kind {
        HostKind::Ssh => return draft_of(candidate, jump_id).validate(),
        HostKind::Socket => EngineEndpoint::Socket {
            path: candidate.docker_socket.clone().unwrap_or_default(),
        },
        HostKind::Tcp => EngineEndpoint::Tcp {
            address: candidate.address.clone(),
            port: u32::from(candidate.port),
            tls: candidate.tls.clone(),
        },
    };
    EngineDraft {
        name: candidate.name.clone(),
        endpoint,
        group: None,
        tags: Vec::new(),
    }
    .validate()
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
        docker_socket: candidate.docker_socket.clone(),
        secret: None,
        jump_host: jump_id,
        group: None,
        tags: Vec::new(),
    }
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
            origin: super::super::candidate::ImportOrigin::SshConfig,
            kind: HostKind::Ssh,
            docker_socket: None,
            tls: None,
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

    #[tokio::test]
    async fn settle_finds_stored_hosts_and_keys() {
        let store = Store::open_in_memory().await.expect("store");
        let stored_key = TrustedKey {
            algorithm: "ssh-ed25519".into(),
            fingerprint: "SHA256:stored".into(),
            public_key: "ssh-ed25519 AAAA".into(),
        };
        let imported = candidate("a", None);
        let spec = spec_of(&imported, None).expect("valid");
        store
            .insert_host_from("id-a", &spec, false, Some(&stored_key), Some("ssh_config:a"))
            .await
            .expect("insert a");
        let mut by_hand = candidate("b", None);
        by_hand.address = "192.0.2.2".into();
        let spec = spec_of(&by_hand, None).expect("valid");
        store
            .insert_host_from("id-b", &spec, false, None, None)
            .await
            .expect("insert b");

        let mut with_other_key = candidate("a", None);
        with_other_key.host_key = HostKeyFinding::Known {
            algorithm: "ssh-ed25519".into(),
            fingerprint: "SHA256:known-hosts".into(),
            public_key: "ssh-ed25519 BBBB".into(),
        };
        let mut candidates = vec![with_other_key, by_hand, candidate("c", None)];
        settle_against_store(&store, &mut candidates).await.expect("settled");

        let actions: Vec<&ImportAction> = candidates.iter().map(|candidate| &candidate.action).collect();
        assert_eq!(
            actions,
            [
                &ImportAction::Unchanged { host_id: "id-a".into() },
                &ImportAction::Unchanged { host_id: "id-b".into() },
                &ImportAction::New,
            ],
            "found by source, by name, and not at all"
        );
        assert_eq!(
            candidates[0].problems,
            [ImportProblem::TrustedKeyDiffers {
                stored: "SHA256:stored".into(),
                known_hosts: "SHA256:known-hosts".into(),
            }]
        );
    }

    /// `ProxyJump gateway,bastion` reaches bastion through gateway for this chain only: the
    /// host `bastion` on its own stays direct, whatever the order of the blocks.
    #[tokio::test]
    async fn later_chain_hop_leaves_the_same_host_alone() {
        for bastion_first in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let key = dir.path().join("id_ed25519");
            std::fs::write(&key, "not read by the plan").unwrap();
            let chain = "Host chain3\n  HostName 192.0.2.3\n  ProxyJump admin@192.0.2.1:2223,bastion\n";
            let bastion = "Host bastion\n  HostName 192.0.2.2\n";
            let config = if bastion_first {
                format!("{bastion}{chain}")
            } else {
                format!("{chain}{bastion}")
            };
            let config_path = dir.path().join("config");
            std::fs::write(&config_path, config).unwrap();
            let source = ImportSource {
                config_path,
                known_hosts_paths: Vec::new(),
                environment: Environment::from_os().unwrap(),
                agent_available: true,
                offer_ssh_config: true,
                docker: None,
            };
            let store = Store::open_in_memory().await.unwrap();
            let plan = plan(&store, &source).await.unwrap();
            let jump_of = |alias: &str| {
                plan.candidates
                    .iter()
                    .find(|candidate| candidate.alias == alias)
                    .unwrap_or_else(|| panic!("no candidate {alias}"))
                    .jump_alias
                    .clone()
            };
            let hop = "bastion via admin@192.0.2.1:2223";
            assert_eq!(jump_of("bastion"), None, "bastion on its own stays direct");
            assert_eq!(jump_of("chain3").as_deref(), Some(hop));
            assert_eq!(jump_of(hop).as_deref(), Some("admin@192.0.2.1:2223"));

            let aliases: Vec<String> = plan
                .candidates
                .iter()
                .map(|candidate| candidate.alias.clone())
                .collect();
            apply(&store, &source, &plan.digest, &aliases).await.unwrap();
            let hosts = store.hosts().await.unwrap();
            let stored = |name: &str| hosts.iter().find(|host| host.name == name).cloned();
            assert_eq!(stored("bastion").unwrap().jump_host_id, None);
            let hop_host = stored("bastion-via-192.0.2.1-2223").expect("the chain hop is a host of its own");
            assert_eq!(stored("chain3").unwrap().jump_host_id, Some(hop_host.id));
        }
    }
}

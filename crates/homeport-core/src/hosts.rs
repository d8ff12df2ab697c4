//! Adding, editing, removing and reaching hosts.
//!
//! Every change connects first: a host is saved only after its key is trusted and the user
//! authenticated, so a typo or a wrong password never leaves a half-saved host behind. Secrets
//! go to the keychain, everything else to the store, and a failure in the second step undoes
//! the first.

use std::path::PathBuf;
use std::sync::Arc;

use crate::connections::{Connections, Link};
use crate::docker::DockerEngine;
use crate::error::{Error, Result};
use crate::inventory::{AuthMethod, EngineDraft, Host, HostDraft, HostKind, HostSpec, LOCAL_HOST_ID};
use crate::secrets::{Keychain, Secret, SecretKey};
use crate::ssh::{self, KeyPolicy, SshAuth, SshSession, SshTarget};
use crate::store::{Store, TrustedKey};

/// The maximum length of a jump host chain. OpenSSH sets no limit, but a chain this long is a
/// mistake, and the limit also stops a cycle written into the database by hand.
const MAX_JUMPS: usize = 8;

/// Host operations over the store, the keychain and the connection pool.
#[derive(Debug, Clone)]
pub struct HostService {
    store: Store,
    keychain: Keychain,
    connections: Arc<Connections>,
}

impl HostService {
    /// Creates the service. One instance serves the whole process.
    pub fn new(store: Store, keychain: Keychain) -> Self {
        Self {
            store,
            keychain,
            connections: Arc::new(Connections::default()),
        }
    }

    /// Returns the store, for callers that need settings.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Returns the connection pool.
    pub fn connections(&self) -> &Connections {
        &self.connections
    }

    /// Lists saved hosts, plus the local engine first when its socket exists.
    pub async fn list(&self) -> Result<Vec<Host>> {
        let mut hosts = Vec::new();
        if let Some(local) = local_host() {
            hosts.push(local);
        }
        hosts.extend(self.store.hosts().await?);
        Ok(hosts)
    }

    /// Finds a host by id or name, the local engine included.
    pub async fn get(&self, id_or_name: &str) -> Result<Host> {
        if id_or_name == LOCAL_HOST_ID {
            return local_host().ok_or_else(|| Error::HostNotFound(id_or_name.to_string()));
        }
        self.store.host(id_or_name).await
    }

    /// Adds a host after connecting to it. `confirmed_key` is the fingerprint the user accepted
    /// after an earlier [`Error::HostKeyUnknown`].
    #[tracing::instrument(skip_all, fields(name = %draft.name, address = %draft.address))]
    pub async fn add(&self, draft: HostDraft, confirmed_key: Option<String>) -> Result<Host> {
        let mut spec = draft.validate()?;
        self.resolve_jump_host(&mut spec, None).await?;
        require_secret(&spec, None)?;
        check_key_file(&spec, spec.secret.as_ref())?;

        let session = self.connect_spec(&spec, spec.secret.clone(), confirmed_key).await?;
        let trusted = trusted_from(&session);
        session.close().await;

        let id = uuid::Uuid::new_v4().to_string();
        let has_secret = spec.secret.is_some();
        if let Some(secret) = &spec.secret {
            self.store_secret(&id, secret.clone()).await?;
        }
        match self.store.insert_host(&id, &spec, has_secret, &trusted).await {
            Ok(host) => {
                tracing::info!(host_id = %host.id, "host added");
                Ok(host)
            }
            Err(err) => {
                if has_secret {
                    let _ = self.delete_secret(&id).await;
                }
                Err(err)
            }
        }
    }

    /// Adds a Docker engine reached without SSH, after checking that it responds: a socket on
    /// this machine or a TCP endpoint.
    #[tracing::instrument(skip_all, fields(name = %draft.name))]
    pub async fn add_engine(&self, draft: EngineDraft) -> Result<Host> {
        let spec = draft.validate()?;
        let engine = connect_engine(
            &spec.name,
            spec.kind,
            &spec.address,
            spec.port,
            &spec.docker_socket,
            spec.tls.as_ref(),
        )
        .await?;
        engine.info().await?;

        let id = uuid::Uuid::new_v4().to_string();
        let host = self.store.insert_host_from(&id, &spec, false, None, None).await?;
        tracing::info!(host_id = %host.id, kind = spec.kind.as_str(), "engine host added");
        Ok(host)
    }

    /// Changes a host after connecting with the new settings. A missing secret keeps the
    /// stored one when the authentication method stays the same.
    #[tracing::instrument(skip_all, fields(host_id = %id))]
    pub async fn update(&self, id: &str, draft: HostDraft, confirmed_key: Option<String>) -> Result<Host> {
        let current = self.store.host(id).await?;
        if current.kind != HostKind::Ssh {
            return Err(Error::invalid(
                "host",
                current.name.clone(),
                "this host is a Docker engine reached without SSH and has no SSH settings; remove it and add it again, or import its Docker context again",
            ));
        }
        let mut spec = draft.validate()?;
        self.resolve_jump_host(&mut spec, Some(&current.id)).await?;
        let stored = if spec.auth == current.auth && current.has_secret {
            self.load_secret(&current.id).await?
        } else {
            None
        };
        require_secret(&spec, stored.as_ref())?;
        let secret = spec.secret.clone().or_else(|| stored.clone());
        check_key_file(&spec, secret.as_ref())?;

        let session = self.connect_spec(&spec, secret.clone(), confirmed_key).await?;
        let trusted = trusted_from(&session);
        session.close().await;

        match &secret {
            Some(value) => self.store_secret(&current.id, value.clone()).await?,
            // A host that never had a secret has no keychain entry, so editing it must not need
            // a keychain at all.
            None if current.has_secret => self.delete_secret(&current.id).await?,
            None => {}
        }
        let updated = self
            .store
            .update_host(&current.id, &spec, secret.is_some(), &trusted)
            .await;
        if updated.is_err() {
            // Put the previous secret back so the stored host still works.
            match &stored {
                Some(old) => {
                    let _ = self.store_secret(&current.id, old.clone()).await;
                }
                None if !current.has_secret => {
                    let _ = self.delete_secret(&current.id).await;
                }
                None => {}
            }
        }
        self.connections.evict(&current.id).await;
        updated
    }

    /// Removes a host, its keychain entry and its connection.
    #[tracing::instrument(skip(self))]
    pub async fn remove(&self, id_or_name: &str) -> Result<()> {
        if id_or_name == LOCAL_HOST_ID {
            return Err(Error::invalid(
                "host",
                id_or_name,
                "the local Docker engine cannot be removed",
            ));
        }
        let host = self.store.host(id_or_name).await?;
        let dependents = self.store.hosts_jumping_through(&host.id).await?;
        if !dependents.is_empty() {
            let names: Vec<&str> = dependents.iter().map(|dependent| dependent.name.as_str()).collect();
            return Err(Error::invalid(
                "host",
                host.name.clone(),
                format!(
                    "{} reach their SSH server through this host; change their jump host first",
                    names.join(", ")
                ),
            ));
        }

        // The secret goes first: if the keychain cannot be reached, the host stays listed and
        // the user can retry, instead of an orphaned password staying in the keychain.
        if host.has_secret {
            self.delete_secret(&host.id).await?;
        }
        self.connections.evict(&host.id).await;
        self.store.delete_host(&host.id).await?;
        tracing::info!(host_id = %host.id, "host removed");
        Ok(())
    }

    /// Trusts a new host key after the user confirmed `fingerprint`. The connection must
    /// present exactly that key and authenticate before anything is stored.
    #[tracing::instrument(skip(self))]
    pub async fn replace_key(&self, id_or_name: &str, fingerprint: &str) -> Result<Host> {
        let host = self.store.host(id_or_name).await?;
        let mut target = self.target_for(&host).await?;
        // Only the algorithm preference and the revoked keys are wanted here: the same algorithm
        // must be offered as when the changed key was reported, or the server may present
        // another of its keys than the one the user confirmed.
        let _stored_policy = self.key_policy(&mut target).await?;
        let via = self.jump_session(host.jump_host_id.as_deref(), 0).await?;
        let session = ssh::connect_via(&target, KeyPolicy::Confirm(fingerprint.to_string()), via).await?;
        let trusted = trusted_from(&session);
        session.close().await;

        self.store.trust_key(&host.address, host.port, &trusted).await?;
        self.connections.evict(&host.id).await;
        tracing::warn!(host_id = %host.id, fingerprint = %trusted.fingerprint, "host key replaced by the user");
        self.store.host(&host.id).await
    }

    /// Returns the trusted key fingerprint for a host, if any.
    pub async fn trusted_fingerprint(&self, host: &Host) -> Result<Option<String>> {
        if host.kind != HostKind::Ssh {
            return Ok(None);
        }
        Ok(self
            .store
            .trusted_key(&host.address, host.port)
            .await?
            .map(|key| key.fingerprint))
    }

    /// Returns the host's Docker engine, connecting (or reconnecting) when needed.
    pub async fn engine(&self, id_or_name: &str) -> Result<DockerEngine> {
        let host = self.get(id_or_name).await?;
        let link = self
            .connections
            .get_or_connect(&host.id, || self.open_link(&host))
            .await?;
        Ok(link.engine.clone())
    }

    /// Returns the host's pooled connection (its SSH session, when it has one, and its engine),
    /// connecting when needed. Monitoring runs its script over this session, so collecting
    /// opens no connection of its own.
    pub async fn link(&self, host: &Host) -> Result<Arc<Link>> {
        self.connections.get_or_connect(&host.id, || self.open_link(host)).await
    }

    /// Returns the host's Docker engine when a live connection to it is pooled already, and
    /// `None` otherwise, so callers that must stay cheap never open a connection.
    pub async fn engine_if_connected(&self, host_id: &str) -> Option<DockerEngine> {
        let link = self.connections.live(host_id).await?;
        Some(link.engine.clone())
    }

    /// Forgets a host's connection after a transport failure, so the next call reconnects.
    pub async fn drop_connection(&self, host_id: &str) {
        self.connections.evict(host_id).await;
    }

    async fn open_link(&self, host: &Host) -> Result<Link> {
        if host.kind != HostKind::Ssh {
            let engine = connect_engine(
                &host.name,
                host.kind,
                &host.address,
                host.port,
                &host.docker_socket,
                host.tls.as_ref(),
            )
            .await?;
            return Ok(Link {
                engine,
                session: None,
                #[cfg(unix)]
                bridge: None,
            });
        }

        let session = Arc::new(self.session(host).await?);
        remote_link(host, session).await
    }

    /// Opens a new SSH session to a saved host, through its jump hosts, trusting only stored
    /// keys. Terminals, file transfers and facts use their own sessions, so they neither wait
    /// for nor break the pooled Docker connection.
    pub async fn session(&self, host: &Host) -> Result<SshSession> {
        if host.kind != HostKind::Ssh {
            return Err(Error::invalid(
                "host",
                host.name.clone(),
                "this host is a Docker engine reached without SSH, so it has no shell, files or facts; choose an SSH host",
            ));
        }
        let mut target = self.target_for(host).await?;
        let policy = self.key_policy(&mut target).await?;
        let via = self.jump_session(host.jump_host_id.as_deref(), 0).await?;
        ssh::connect_via(&target, policy, via).await
    }

    /// Connects to the jump host chain that ends at `jump_host_id`, first hop first.
    async fn jump_session(&self, jump_host_id: Option<&str>, depth: usize) -> Result<Option<Arc<SshSession>>> {
        let Some(id) = jump_host_id else {
            return Ok(None);
        };
        if depth >= MAX_JUMPS {
            return Err(Error::invalid(
                "jumpHost",
                id,
                "the jump host chain is longer than 8 hosts or loops; edit the hosts' jump hosts",
            ));
        }
        let jump = self.store.host(id).await?;
        let via = Box::pin(self.jump_session(jump.jump_host_id.as_deref(), depth + 1)).await?;
        let mut target = self.target_for(&jump).await?;
        let policy = self.key_policy(&mut target).await?;
        let session = ssh::connect_via(&target, policy, via).await?;
        Ok(Some(Arc::new(session)))
    }

    /// Resolves the jump host a form names to its id, rejecting a chain that would loop.
    async fn resolve_jump_host(&self, spec: &mut HostSpec, own_id: Option<&str>) -> Result<()> {
        let Some(value) = spec.jump_host.take() else {
            return Ok(());
        };
        let jump = match self.store.host(&value).await {
            Ok(jump) => jump,
            Err(Error::HostNotFound(_)) => {
                return Err(Error::invalid(
                    "jumpHost",
                    value,
                    "no saved host has this name; add the jump host first",
                ))
            }
            Err(err) => return Err(err),
        };
        if jump.kind != HostKind::Ssh {
            return Err(Error::invalid(
                "jumpHost",
                value,
                "this host is a Docker engine reached without SSH, so nothing can connect through it; choose an SSH host",
            ));
        }

        let mut next = Some(jump.clone());
        for _ in 0..MAX_JUMPS {
            let Some(hop) = next else { break };
            if Some(hop.id.as_str()) == own_id {
                return Err(Error::invalid(
                    "jumpHost",
                    value,
                    "this would make the host reach itself through its own jump host; choose another jump host",
                ));
            }
            next = match hop.jump_host_id {
                Some(id) => Some(self.store.host(&id).await?),
                None => None,
            };
        }
        spec.jump_host = Some(jump.id);
        Ok(())
    }

    /// Returns the key policy for `target` from the store (its trusted key, or none), and fills
    /// in the target's preferred host key algorithm and the revoked keys.
    async fn key_policy(&self, target: &mut SshTarget) -> Result<KeyPolicy> {
        target.revoked_fingerprints = self.store.revoked_fingerprints().await?;
        Ok(match self.store.trusted_key(&target.address, target.port).await? {
            Some(key) => {
                target.host_key_algorithm = Some(key.algorithm);
                KeyPolicy::Trusted(key.fingerprint)
            }
            None => KeyPolicy::Unknown,
        })
    }

    async fn connect_spec(
        &self,
        spec: &HostSpec,
        secret: Option<Secret>,
        confirmed_key: Option<String>,
    ) -> Result<SshSession> {
        let mut target = SshTarget::new(
            spec.address.clone(),
            spec.port,
            spec.user.clone(),
            auth_for(spec.auth, spec.key_path.clone(), secret),
        );
        let policy = self.key_policy(&mut target).await?;
        let policy = match (policy, confirmed_key) {
            (KeyPolicy::Unknown, Some(fingerprint)) => KeyPolicy::Confirm(fingerprint),
            (policy, _) => policy,
        };
        let via = self.jump_session(spec.jump_host.as_deref(), 0).await?;
        ssh::connect_via(&target, policy, via).await
    }

    async fn target_for(&self, host: &Host) -> Result<SshTarget> {
        let secret = if host.has_secret {
            self.load_secret(&host.id).await?
        } else {
            None
        };
        if host.has_secret && secret.is_none() {
            // A locked Secret Service collection also looks empty to a search.
            return Err(Error::SecretMissing {
                host: host.name.clone(),
            });
        }
        Ok(SshTarget::new(
            host.address.clone(),
            host.port,
            host.user.clone(),
            auth_for(host.auth, host.key_path.clone(), secret),
        ))
    }

    async fn store_secret(&self, host_id: &str, secret: Secret) -> Result<()> {
        let keychain = self.keychain.clone();
        let key = SecretKey::host_credential(host_id);
        blocking(move || keychain.store(&key, &secret)).await
    }

    async fn load_secret(&self, host_id: &str) -> Result<Option<Secret>> {
        let keychain = self.keychain.clone();
        let key = SecretKey::host_credential(host_id);
        blocking(move || keychain.load(&key)).await
    }

    async fn delete_secret(&self, host_id: &str) -> Result<()> {
        let keychain = self.keychain.clone();
        let key = SecretKey::host_credential(host_id);
        blocking(move || keychain.delete(&key)).await
    }
}

/// Connects to an engine reached without SSH.
async fn connect_engine(
    name: &str,
    kind: HostKind,
    address: &str,
    port: u16,
    socket: &str,
    tls: Option<&crate::inventory::EngineTls>,
) -> Result<DockerEngine> {
    match kind {
        HostKind::Tcp => DockerEngine::connect_tcp(address, port, tls, name).await,
        HostKind::Socket | HostKind::Ssh => {
            if !std::path::Path::new(socket).exists() {
                return Err(Error::DockerUnavailable {
                    host: name.to_string(),
                    socket: socket.to_string(),
                });
            }
            DockerEngine::connect_unix(socket, name).await
        }
    }
}

/// Connects bollard to the host's engine through a socket bridge, after checking that the
/// engine's socket can be opened at all, so the common failures get a precise message.
#[cfg(unix)]
async fn remote_link(host: &Host, session: Arc<SshSession>) -> Result<Link> {
    match session.open_unix_socket(&host.docker_socket).await {
        Ok(probe) => drop(probe),
        Err(err) => return Err(diagnose_socket(host, &session, err).await),
    }
    let bridge = crate::docker::bridge::SocketBridge::start(Arc::clone(&session), &host.docker_socket)?;
    let socket = bridge.local_path().to_string_lossy().into_owned();
    let engine = DockerEngine::connect_unix(&socket, &host.name).await?;
    Ok(Link {
        engine,
        session: Some(session),
        bridge: Some(bridge),
    })
}

#[cfg(not(unix))]
async fn remote_link(_host: &Host, _session: Arc<SshSession>) -> Result<Link> {
    // TODO: forward through a Windows named pipe owned by this user instead of a Unix socket.
    Err(Error::Internal(
        "remote Docker engines are not supported on Windows yet".into(),
    ))
}

/// Asks the host why its Docker socket could not be opened: missing, or not permitted.
#[cfg(unix)]
async fn diagnose_socket(host: &Host, session: &SshSession, err: russh::Error) -> Error {
    let script = r#"if [ ! -e "$1" ]; then echo missing; elif [ ! -r "$1" ] || [ ! -w "$1" ]; then echo denied; else echo ok; fi"#;
    let verdict = session
        .exec(&["sh", "-c", script, "sh", host.docker_socket.as_str()])
        .await
        .map(|output| output.stdout.trim().to_string());
    tracing::info!(host_id = %host.id, error = %err, verdict = ?verdict.as_ref().ok(), "docker socket unavailable");

    match verdict.as_deref() {
        Ok("denied") => Error::DockerPermissionDenied {
            host: host.name.clone(),
            user: host.user.clone(),
            socket: host.docker_socket.clone(),
        },
        Ok("missing") => Error::DockerUnavailable {
            host: host.name.clone(),
            socket: host.docker_socket.clone(),
        },
        _ => Error::Docker {
            host: host.name.clone(),
            detail: format!(
                "sshd refused to forward to {}: {err}. Check that AllowStreamLocalForwarding is enabled in sshd_config",
                host.docker_socket
            ),
        },
    }
}

fn auth_for(method: AuthMethod, key_path: Option<PathBuf>, secret: Option<Secret>) -> SshAuth {
    match method {
        AuthMethod::Key => SshAuth::Key {
            path: key_path.unwrap_or_default(),
            passphrase: secret,
        },
        AuthMethod::Agent | AuthMethod::None => SshAuth::Agent,
        AuthMethod::Password => SshAuth::Password(secret.unwrap_or_else(|| Secret::new(""))),
    }
}

fn require_secret(spec: &HostSpec, stored: Option<&Secret>) -> Result<()> {
    if spec.auth == AuthMethod::Password && spec.secret.is_none() && stored.is_none() {
        return Err(Error::invalid("secret", "", "enter the password for this user"));
    }
    Ok(())
}

/// Reads and decrypts the key file before any connection, so a wrong path or passphrase is
/// reported before the user is asked to trust a host key.
fn check_key_file(spec: &HostSpec, passphrase: Option<&Secret>) -> Result<()> {
    match (&spec.auth, &spec.key_path) {
        (AuthMethod::Key, Some(path)) => ssh::load_key(path, passphrase.map(Secret::expose)).map(drop),
        _ => Ok(()),
    }
}

fn trusted_from(session: &SshSession) -> TrustedKey {
    let key = session.server_key();
    TrustedKey {
        algorithm: key.algorithm.clone(),
        fingerprint: key.fingerprint.clone(),
        public_key: key.openssh.clone(),
    }
}

/// Returns the socket of the engine Homeport lists as `local`. `DOCKER_HOST=unix://…` moves
/// it, as it does for the docker CLI.
pub(crate) fn local_engine_socket() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|value| value.strip_prefix("unix://").map(str::to_string))
        .unwrap_or_else(|| crate::inventory::DEFAULT_DOCKER_SOCKET.to_string())
}

/// Returns the local engine, listed when its socket exists.
fn local_host() -> Option<Host> {
    let socket = local_engine_socket();
    if !std::path::Path::new(&socket).exists() {
        return None;
    }
    Some(Host {
        id: LOCAL_HOST_ID.to_string(),
        name: "local".to_string(),
        kind: HostKind::Socket,
        address: String::new(),
        port: 0,
        user: String::new(),
        auth: AuthMethod::None,
        key_path: None,
        docker_socket: socket,
        has_secret: false,
        created_at: String::new(),
        jump_host_id: None,
        group: String::new(),
        tags: Vec::new(),
        source: None,
        tls: None,
    })
}

/// Runs blocking keychain work off the async runtime.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| Error::Internal(format!("keychain task failed: {err}")))?
}

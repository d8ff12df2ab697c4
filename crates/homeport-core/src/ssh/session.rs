//! Opening an SSH session, and what an open session can do.

use std::sync::Arc;
use std::time::Duration;

use russh::client::{self, Handle, Msg};
use russh::{Channel, ChannelMsg};
use tokio::net::TcpStream;

use super::auth::authenticate;
use super::hostkey::{KeyPolicy, KeyRecorder, SeenKey};
use super::quote::command_line;
use crate::error::{Error, HostKeySeen, Result};
use crate::secrets::Secret;

/// How long a TCP connection and the SSH handshake may take before the host counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Stops reading a remote command's output past this many bytes, so a runaway command cannot
/// fill memory.
const MAX_EXEC_OUTPUT: usize = 4 * 1024 * 1024;

/// Where to connect and as whom.
#[derive(Debug, Clone)]
pub struct SshTarget {
    pub address: String,
    pub port: u16,
    pub user: String,
    pub auth: SshAuth,
    /// The algorithm of the trusted host key. It is offered first, so a server with several
    /// host keys presents the one that was trusted, as OpenSSH orders its `HostKeyAlgorithms`
    /// by the keys in known_hosts.
    pub host_key_algorithm: Option<String>,
    /// Fingerprints of keys marked `@revoked` in known_hosts, rejected whatever the policy.
    pub revoked_fingerprints: Vec<String>,
}

impl SshTarget {
    /// Builds a target with no host key preferences.
    pub fn new(address: impl Into<String>, port: u16, user: impl Into<String>, auth: SshAuth) -> Self {
        Self {
            address: address.into(),
            port,
            user: user.into(),
            auth,
            host_key_algorithm: None,
            revoked_fingerprints: Vec::new(),
        }
    }
}

/// The credentials for one connection attempt.
#[derive(Debug, Clone)]
pub enum SshAuth {
    Key {
        path: std::path::PathBuf,
        passphrase: Option<Secret>,
    },
    Agent,
    Password(Secret),
}

impl SshAuth {
    /// Returns the method's name as the store and the UI spell it: `key`, `agent` or `password`.
    pub fn method_name(&self) -> &'static str {
        match self {
            SshAuth::Key { .. } => "key",
            SshAuth::Agent => "agent",
            SshAuth::Password(_) => "password",
        }
    }
}

/// The `russh` handler: it only decides whether to trust the server's key.
pub(crate) struct Verifier {
    policy: KeyPolicy,
    recorder: KeyRecorder,
    revoked: Vec<String>,
}

impl client::Handler for Verifier {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } = server_key else {
            // NOTE: host certificates are not verified yet; they are rejected like an unknown key.
            return Ok(false);
        };
        let seen = self.recorder.record(key);
        if self.revoked.contains(&seen.fingerprint) {
            return Ok(false);
        }
        Ok(self.policy.accepts(&seen.fingerprint))
    }
}

/// An authenticated SSH session. Cheap to share behind an `Arc`; channels are multiplexed.
pub struct SshSession {
    handle: Handle<Verifier>,
    target: SshTarget,
    server_key: SeenKey,
    /// The jump host session this one is tunnelled through, kept open for as long as this one.
    via: Option<Arc<SshSession>>,
}

impl std::fmt::Debug for SshSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshSession")
            .field("address", &self.target.address)
            .field("port", &self.target.port)
            .field("user", &self.target.user)
            .finish_non_exhaustive()
    }
}

/// The result of a remote command.
#[derive(Debug, Clone, Default)]
pub struct ExecOutput {
    pub stdout: String,
    pub stderr: String,
    /// `None` when the command ended without an exit status (killed by a signal).
    pub exit_status: Option<u32>,
}

/// Connects, verifies the host key against `policy`, and authenticates.
pub async fn connect(target: &SshTarget, policy: KeyPolicy) -> Result<SshSession> {
    connect_via(target, policy, None).await
}

/// Connects like [`connect`], through the jump host session `via` when given, as OpenSSH's
/// `ProxyJump` does: the jump host opens a TCP connection to the target (a direct-tcpip
/// channel) and the target's SSH handshake runs inside that channel, end to end, so the jump
/// host never sees the target's traffic in the clear.
#[tracing::instrument(skip_all, fields(host = %target.address, port = target.port, user = %target.user, via = via.as_ref().map(|v| v.target.address.as_str())))]
pub async fn connect_via(target: &SshTarget, policy: KeyPolicy, via: Option<Arc<SshSession>>) -> Result<SshSession> {
    match &via {
        None => {
            let stream = tokio::time::timeout(
                CONNECT_TIMEOUT,
                TcpStream::connect((target.address.as_str(), target.port)),
            )
            .await
            .map_err(|_| unreachable(target, "timed out".into()))?
            .map_err(|err| unreachable(target, err.to_string()))?;
            let _ = stream.set_nodelay(true);
            handshake(target, policy, stream, None).await
        }
        Some(jump) => {
            let channel = tokio::time::timeout(CONNECT_TIMEOUT, jump.open_tcp(&target.address, target.port))
                .await
                .map_err(|_| unreachable(target, format!("the jump host {} timed out", jump.target.address)))?
                .map_err(|err| {
                    unreachable(
                        target,
                        format!(
                            "the jump host {} could not open a connection: {err}",
                            jump.target.address
                        ),
                    )
                })?;
            handshake(target, policy, channel.into_stream(), via).await
        }
    }
}

async fn handshake<S>(
    target: &SshTarget,
    policy: KeyPolicy,
    stream: S,
    via: Option<Arc<SshSession>>,
) -> Result<SshSession>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let recorder = KeyRecorder::default();
    let verifier = Verifier {
        policy: policy.clone(),
        recorder: recorder.clone(),
        revoked: target.revoked_fingerprints.clone(),
    };
    let mut preferred = russh::Preferred::default();
    if let Some(algorithm) = &target.host_key_algorithm {
        preferred.key = std::borrow::Cow::Owned(prefer_host_key(&preferred.key, algorithm));
    }
    let config = Arc::new(client::Config {
        keepalive_interval: Some(Duration::from_secs(15)),
        keepalive_max: 3,
        preferred,
        ..client::Config::default()
    });

    let handshake = tokio::time::timeout(CONNECT_TIMEOUT, client::connect_stream(config, stream, verifier)).await;
    let mut handle = match handshake {
        Err(_) => return Err(unreachable(target, "the SSH handshake timed out".into())),
        Ok(Ok(handle)) => handle,
        Ok(Err(err)) => return Err(handshake_error(target, &policy, recorder.seen(), err)),
    };
    let server_key = recorder
        .seen()
        .ok_or_else(|| Error::Internal("the server key was accepted but not recorded".into()))?;

    authenticate(&mut handle, target).await?;
    tracing::info!(fingerprint = %server_key.fingerprint, "ssh session established");

    Ok(SshSession {
        handle,
        target: target.clone(),
        server_key,
        via,
    })
}

/// Moves the algorithms of family `name` (as known_hosts names it, so `ssh-rsa` covers the
/// `rsa-sha2-*` signatures too) to the front, keeping the order otherwise.
fn prefer_host_key(algorithms: &[russh::keys::Algorithm], name: &str) -> Vec<russh::keys::Algorithm> {
    let in_family = |algorithm: &russh::keys::Algorithm| match algorithm {
        russh::keys::Algorithm::Rsa { .. } => name == "ssh-rsa",
        other => other.as_str() == name,
    };
    let (mut first, rest): (Vec<_>, Vec<_>) = algorithms.iter().cloned().partition(in_family);
    first.extend(rest);
    first
}

/// Explains a failed handshake: a revoked key, a key the policy rejected, or a network problem.
fn handshake_error(target: &SshTarget, policy: &KeyPolicy, seen: Option<SeenKey>, err: russh::Error) -> Error {
    if let Some(seen) = seen
        .as_ref()
        .filter(|seen| target.revoked_fingerprints.contains(&seen.fingerprint))
    {
        return Error::HostKeyRevoked {
            host: target.address.clone(),
            port: target.port,
            fingerprint: seen.fingerprint.clone(),
        };
    }
    let Some(seen) = seen.filter(|seen| !policy.accepts(&seen.fingerprint)) else {
        return unreachable(target, err.to_string());
    };
    let key = HostKeySeen {
        algorithm: seen.algorithm,
        fingerprint: seen.fingerprint,
    };
    match policy {
        // A key other than the one the user confirmed is as suspicious as a changed key: the
        // server may have been swapped between the prompt and the second connection.
        KeyPolicy::Trusted(expected) | KeyPolicy::Confirm(expected) => Error::HostKeyChanged {
            host: target.address.clone(),
            port: target.port,
            key,
            old_fingerprint: expected.clone(),
        },
        KeyPolicy::Unknown => Error::HostKeyUnknown {
            host: target.address.clone(),
            port: target.port,
            key,
        },
    }
}

fn unreachable(target: &SshTarget, detail: String) -> Error {
    Error::HostUnreachable {
        host: target.address.clone(),
        port: target.port,
        detail,
    }
}

impl SshSession {
    /// Returns the host key this session verified.
    pub fn server_key(&self) -> &SeenKey {
        &self.server_key
    }

    /// Returns where this session is connected.
    pub fn target(&self) -> &SshTarget {
        &self.target
    }

    /// Returns whether the connection, or the jump host connection under it, has dropped.
    pub fn is_closed(&self) -> bool {
        self.handle.is_closed() || self.via.as_ref().is_some_and(|jump| jump.is_closed())
    }

    /// Returns the jump host session this one runs through, if any.
    pub fn via(&self) -> Option<&Arc<SshSession>> {
        self.via.as_ref()
    }

    /// Returns the russh handle, for the modules that open channels of their own (the PTY).
    pub(crate) fn handle(&self) -> &Handle<Verifier> {
        &self.handle
    }

    /// Opens a TCP connection from the host to `address:port` (a direct-tcpip channel).
    pub async fn open_tcp(&self, address: &str, port: u16) -> std::result::Result<Channel<Msg>, russh::Error> {
        // The originator fields are informational for sshd; OpenSSH's client sends a loopback
        // address too.
        self.handle
            .channel_open_direct_tcpip(address, u32::from(port), "127.0.0.1", 0)
            .await
    }

    /// Runs `argv` on the host. Arguments are quoted, so they reach the program unchanged.
    pub async fn exec<S: AsRef<str>>(&self, argv: &[S]) -> Result<ExecOutput> {
        let line = command_line(argv);
        let mut channel = self
            .handle
            .channel_open_session()
            .await
            .map_err(|err| self.transport_error(err))?;
        channel
            .exec(true, line.as_bytes())
            .await
            .map_err(|err| self.transport_error(err))?;

        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let mut exit_status = None;
        while let Some(message) = channel.wait().await {
            match message {
                ChannelMsg::Data { data } if stdout.len() < MAX_EXEC_OUTPUT => stdout.extend_from_slice(&data),
                ChannelMsg::ExtendedData { data, ext: 1 } if stderr.len() < MAX_EXEC_OUTPUT => {
                    stderr.extend_from_slice(&data)
                }
                ChannelMsg::ExitStatus { exit_status: status } => exit_status = Some(status),
                _ => {}
            }
        }

        Ok(ExecOutput {
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            exit_status,
        })
    }

    /// Opens a channel to a Unix socket on the host (OpenSSH's direct-streamlocal).
    pub async fn open_unix_socket(&self, path: &str) -> std::result::Result<Channel<Msg>, russh::Error> {
        self.handle.channel_open_direct_streamlocal(path).await
    }

    fn transport_error(&self, err: russh::Error) -> Error {
        unreachable(&self.target, err.to_string())
    }

    /// Closes the session politely, then the jump host sessions under it.
    pub async fn close(&self) {
        let _ = self.handle.disconnect(russh::Disconnect::ByApplication, "", "en").await;
        if let Some(jump) = &self.via {
            Box::pin(jump.close()).await;
        }
    }
}

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
        Ok(self.policy.accepts(&seen.fingerprint))
    }
}

/// An authenticated SSH session. Cheap to share behind an `Arc`; channels are multiplexed.
pub struct SshSession {
    handle: Handle<Verifier>,
    target: SshTarget,
    server_key: SeenKey,
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
#[tracing::instrument(skip_all, fields(host = %target.address, port = target.port, user = %target.user))]
pub async fn connect(target: &SshTarget, policy: KeyPolicy) -> Result<SshSession> {
    let stream = tokio::time::timeout(
        CONNECT_TIMEOUT,
        TcpStream::connect((target.address.as_str(), target.port)),
    )
    .await
    .map_err(|_| unreachable(target, "timed out".into()))?
    .map_err(|err| unreachable(target, err.to_string()))?;
    let _ = stream.set_nodelay(true);

    let recorder = KeyRecorder::default();
    let verifier = Verifier {
        policy: policy.clone(),
        recorder: recorder.clone(),
    };
    let config = Arc::new(client::Config {
        keepalive_interval: Some(Duration::from_secs(15)),
        keepalive_max: 3,
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
    })
}

/// Explains a failed handshake: a key the policy rejected, or a network problem.
fn handshake_error(target: &SshTarget, policy: &KeyPolicy, seen: Option<SeenKey>, err: russh::Error) -> Error {
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

    /// Returns whether the connection has dropped.
    pub fn is_closed(&self) -> bool {
        self.handle.is_closed()
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

    /// Closes the session politely.
    pub async fn close(&self) {
        let _ = self.handle.disconnect(russh::Disconnect::ByApplication, "", "en").await;
    }
}

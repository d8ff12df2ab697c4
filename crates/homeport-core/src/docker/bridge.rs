//! A private Unix socket on this machine whose connections reach a Unix socket on a host.
//!
//! The socket lives in a fresh folder with mode 0700, so only this user's processes can use
//! the forwarded engine, just as only they could use the SSH session behind it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::UnixListener;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::ssh::SshSession;

/// A running forwarder. Dropping it stops accepting and removes the socket folder.
#[derive(Debug)]
pub struct SocketBridge {
    local_path: PathBuf,
    accept_task: JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl SocketBridge {
    /// Starts forwarding a new local socket to `remote_socket` on the session's host.
    pub fn start(session: Arc<SshSession>, remote_socket: &str) -> Result<Self> {
        let dir = private_dir()?;
        let local_path = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&local_path)
            .map_err(|err| Error::Internal(format!("cannot listen on '{}': {err}", local_path.display())))?;

        let remote = remote_socket.to_string();
        let accept_task = tokio::spawn(async move {
            loop {
                let Ok((mut local, _)) = listener.accept().await else {
                    break;
                };
                let session = Arc::clone(&session);
                let remote = remote.clone();
                tokio::spawn(async move {
                    match session.open_unix_socket(&remote).await {
                        Ok(channel) => {
                            let mut stream = channel.into_stream();
                            let _ = tokio::io::copy_bidirectional(&mut local, &mut stream).await;
                        }
                        Err(err) => {
                            tracing::warn!(socket = %remote, error = %err, "cannot open a channel to the remote socket")
                        }
                    }
                });
            }
        });

        Ok(Self {
            local_path,
            accept_task,
            _dir: dir,
        })
    }

    /// Returns the local socket bollard connects to.
    pub fn local_path(&self) -> &Path {
        &self.local_path
    }
}

impl Drop for SocketBridge {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

fn private_dir() -> Result<tempfile::TempDir> {
    // XDG_RUNTIME_DIR is private to the user and in memory; the temp folder is the fallback.
    let parent = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::Builder::new()
        .prefix("homeport-")
        .tempdir_in(parent)
        .map_err(|err| Error::Internal(format!("cannot create a socket folder: {err}")))?;

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .map_err(|err| Error::Internal(format!("cannot protect the socket folder: {err}")))?;
    }
    Ok(dir)
}

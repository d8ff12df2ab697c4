//! Facts the first-run guide shows: whether a local Docker engine's socket exists and whether a
//! saved host already uses it.

use std::path::{Path, PathBuf};

use homeport_core::inventory::HostKind;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Api, ApiResult};

/// Docker's default socket path on Linux, and on macOS with Docker Desktop's default settings.
const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// The local Docker engine as the first-run guide offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LocalEngineView {
    /// The socket path: from `DOCKER_HOST` when it is a `unix://` URL, else the default path.
    pub socket: String,
    /// Whether a Unix socket exists at that path.
    pub present: bool,
    /// The name of the saved host that already uses the socket, if any.
    pub saved_as: Option<String>,
}

impl Api {
    /// Looks for the local Docker engine's socket. It only checks the file; connecting is left
    /// to adding the host, which reports permission problems with their fix.
    pub async fn local_engine(&self) -> ApiResult<LocalEngineView> {
        let socket = socket_path(std::env::var("DOCKER_HOST").ok().as_deref());
        let present = is_socket(&socket);
        let socket = socket.display().to_string();
        let saved_as = self
            .host_service()
            .list()
            .await?
            .into_iter()
            .find(|host| host.kind == HostKind::Socket && host.docker_socket == socket)
            .map(|host| host.name);
        Ok(LocalEngineView {
            socket,
            present,
            saved_as,
        })
    }
}

/// Returns the socket `DOCKER_HOST` names, or the default one when it is unset or not a Unix
/// socket URL (a TCP engine is not "local" in the guide's sense).
fn socket_path(docker_host: Option<&str>) -> PathBuf {
    docker_host
        .and_then(|value| value.strip_prefix("unix://"))
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET))
}

#[cfg(unix)]
fn is_socket(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|metadata| metadata.file_type().is_socket())
}

#[cfg(not(unix))]
fn is_socket(_path: &Path) -> bool {
    // NOTE: Docker Desktop on Windows listens on a named pipe, which engine hosts do not
    // support yet, so the guide offers no local engine there.
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_path_reads_unix_docker_host() {
        assert_eq!(
            socket_path(Some("unix:///run/user/1000/docker.sock")),
            PathBuf::from("/run/user/1000/docker.sock")
        );
    }

    #[test]
    fn socket_path_defaults_for_tcp_and_unset() {
        assert_eq!(socket_path(Some("tcp://10.0.0.2:2376")), PathBuf::from(DEFAULT_SOCKET));
        assert_eq!(socket_path(None), PathBuf::from(DEFAULT_SOCKET));
        assert_eq!(socket_path(Some("unix://")), PathBuf::from(DEFAULT_SOCKET));
    }

    #[test]
    fn is_socket_rejects_regular_file_and_missing_path() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("plain");
        std::fs::write(&file, "x").unwrap();
        assert!(!is_socket(&file));
        assert!(!is_socket(&folder.path().join("missing")));
    }

    #[cfg(unix)]
    #[test]
    fn is_socket_accepts_listening_socket() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("docker.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        assert!(is_socket(&path));
    }
}

//! A connected Docker engine: version negotiation, engine facts and error translation.

use bollard::Docker;

use crate::error::{Error, Result};

/// The oldest Docker Engine API Homeport supports (Docker 1.12, 2016): every call it makes
/// exists there with the fields it reads.
pub const MINIMUM_API_VERSION: (usize, usize) = (1, 24);

/// Seconds bollard waits for one HTTP request. Streams (logs, events) are not bounded by it.
const REQUEST_TIMEOUT_SECS: u64 = 60;

/// Facts about an engine, shown when a host is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerInfo {
    pub server_version: String,
    pub api_version: String,
    pub os: String,
    pub containers_running: u64,
    pub containers_total: u64,
}

/// A Docker engine Homeport talks to, named for messages by `host`.
#[derive(Debug, Clone)]
pub struct DockerEngine {
    pub(crate) docker: Docker,
    pub(crate) host: String,
}

impl DockerEngine {
    /// Connects to the engine behind a local Unix socket and negotiates the API version, so an
    /// engine older than bollard's default version still works.
    pub async fn connect_unix(socket: &str, host: &str) -> Result<Self> {
        let docker =
            Docker::connect_with_unix(socket, REQUEST_TIMEOUT_SECS, bollard::API_DEFAULT_VERSION).map_err(|err| {
                Error::Docker {
                    host: host.to_string(),
                    detail: err.to_string(),
                }
            })?;
        let engine = Self {
            docker,
            host: host.to_string(),
        };
        engine.negotiate().await
    }

    async fn negotiate(self) -> Result<Self> {
        let host = self.host.clone();
        let docker = self
            .docker
            .clone()
            .negotiate_version()
            .await
            .map_err(|err| self.map_error(err))?;
        let version = docker.client_version();
        check_api_version(&host, version.major_version, version.minor_version)?;
        tracing::debug!(host = %host, api = %version, "docker api negotiated");
        Ok(Self { docker, host })
    }

    /// Returns the host name used in messages.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Reads the engine's version and container counts.
    pub async fn info(&self) -> Result<DockerInfo> {
        let version = self.docker.version().await.map_err(|err| self.map_error(err))?;
        let info = self.docker.info().await.map_err(|err| self.map_error(err))?;
        Ok(DockerInfo {
            server_version: version.version.unwrap_or_default(),
            api_version: self.docker.client_version().to_string(),
            os: info.operating_system.unwrap_or_default(),
            containers_running: info.containers_running.unwrap_or_default().max(0) as u64,
            containers_total: info.containers.unwrap_or_default().max(0) as u64,
        })
    }

    /// Translates a bollard error into a message a person can act on.
    pub(crate) fn map_error(&self, err: bollard::errors::Error) -> Error {
        use bollard::errors::Error as Bollard;
        match err {
            Bollard::DockerResponseServerError {
                status_code: 404,
                message,
            } => Error::ContainerNotFound {
                host: self.host.clone(),
                container: message,
            },
            Bollard::DockerResponseServerError { message, .. } if message.contains("too new") => {
                Error::DockerApiTooOld {
                    host: self.host.clone(),
                    version: message,
                    minimum: format!("{}.{}", MINIMUM_API_VERSION.0, MINIMUM_API_VERSION.1),
                }
            }
            Bollard::DockerResponseServerError { message, .. } => Error::Docker {
                host: self.host.clone(),
                detail: message,
            },
            other => Error::DockerConnection {
                host: self.host.clone(),
                detail: other.to_string(),
            },
        }
    }
}

/// Rejects engines older than [`MINIMUM_API_VERSION`].
pub fn check_api_version(host: &str, major: usize, minor: usize) -> Result<()> {
    if (major, minor) < MINIMUM_API_VERSION {
        return Err(Error::DockerApiTooOld {
            host: host.to_string(),
            version: format!("{major}.{minor}"),
            minimum: format!("{}.{}", MINIMUM_API_VERSION.0, MINIMUM_API_VERSION.1),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_api_is_rejected_with_versions_named() {
        let err = check_api_version("nas", 1, 23).unwrap_err();
        assert!(
            matches!(&err, Error::DockerApiTooOld { version, minimum, .. } if version == "1.23" && minimum == "1.24"),
            "{err:?}"
        );
    }

    #[test]
    fn supported_apis_pass() {
        for (major, minor) in [(1, 24), (1, 41), (1, 53), (2, 0)] {
            assert!(check_api_version("nas", major, minor).is_ok(), "{major}.{minor}");
        }
    }
}

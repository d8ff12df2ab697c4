//! A connected Docker engine: version negotiation, engine facts and error translation.

use std::path::{Path, PathBuf};

use bollard::Docker;

use crate::error::{Error, Result};
use crate::inventory::EngineTls;

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

    /// Connects to an engine's TCP endpoint. With `tls`, the connection is HTTPS, verifies the
    /// engine against the CA file and presents the client certificate when one is given.
    /// Without it, the connection is plain HTTP.
    pub async fn connect_tcp(address: &str, port: u16, tls: Option<&EngineTls>, host: &str) -> Result<Self> {
        let authority = if address.contains(':') {
            format!("[{address}]:{port}")
        } else {
            format!("{address}:{port}")
        };
        let docker = match tls {
            None => Docker::connect_with_http(&authority, REQUEST_TIMEOUT_SECS, bollard::API_DEFAULT_VERSION),
            Some(tls) => {
                check_tls_files(tls, host)?;
                install_crypto_provider();
                // bollard requires a client certificate and key path in every case and reads
                // them at each handshake; an empty path fails to open, so no certificate is
                // sent, which is what Docker does without `cert` and `key`.
                let empty = PathBuf::new();
                Docker::connect_with_ssl(
                    &authority,
                    tls.key.as_ref().unwrap_or(&empty),
                    tls.cert.as_ref().unwrap_or(&empty),
                    &tls.ca,
                    REQUEST_TIMEOUT_SECS,
                    bollard::API_DEFAULT_VERSION,
                )
            }
        }
        .map_err(|err| Error::EngineTls {
            host: host.to_string(),
            detail: err.to_string(),
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
            // dockerd responds to plain HTTP on its TLS port with this 400.
            Bollard::DockerResponseServerError { message, .. } if message.contains("HTTP request to an HTTPS server") => {
                Error::EngineTls {
                    host: self.host.clone(),
                    detail: "the engine accepts only TLS connections; give its CA certificate, and the client certificate and key if it asks for one".to_string(),
                }
            }
            Bollard::DockerResponseServerError { message, .. } => Error::Docker {
                host: self.host.clone(),
                detail: message.trim_end().to_string(),
            },
            other => {
                let detail = error_chain(&other);
                if is_tls_failure(&detail) {
                    Error::EngineTls {
                        host: self.host.clone(),
                        detail,
                    }
                } else {
                    Error::DockerConnection {
                        host: self.host.clone(),
                        detail,
                    }
                }
            }
        }
    }
}

/// Checks that every TLS file can be read and contains what its role needs before connecting.
/// bollard skips a client certificate or key it cannot use, and the engine then rejects the
/// handshake with a bare "BadCertificate", which names neither the file nor the mistake.
fn check_tls_files(tls: &EngineTls, host: &str) -> Result<()> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let fail = |detail: String| Error::EngineTls {
        host: host.to_string(),
        detail,
    };
    for path in tls.files() {
        if let Err(err) = std::fs::File::open(path) {
            return Err(fail(format!("cannot read {}: {err}", display(path))));
        }
    }

    let certificates = |path: &Path| {
        CertificateDer::pem_file_iter(path)
            .map(|items| items.filter_map(std::result::Result::ok).count())
            .unwrap_or(0)
    };
    if certificates(&tls.ca) == 0 {
        return Err(fail(format!(
            "{} holds no PEM certificate; give the CA certificate (ca.pem)",
            display(&tls.ca)
        )));
    }
    if let Some(cert) = &tls.cert {
        if certificates(cert) == 0 {
            return Err(fail(format!(
                "{} holds no PEM certificate; give the client certificate (cert.pem), not its key",
                display(cert)
            )));
        }
    }
    if let Some(key) = &tls.key {
        if PrivateKeyDer::from_pem_file(key).is_err() {
            return Err(fail(format!(
                "{} holds no PEM private key; give the client certificate's key (key.pem)",
                display(key)
            )));
        }
    }
    Ok(())
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// Makes ring rustls's process-wide provider. rustls picks one by itself only when exactly one
/// provider feature is compiled in, which a dependency could change.
// rustls 0.23 marks ring's provider deprecated because it lacks post-quantum key exchange.
// Docker engines offer none either, and aws-lc-rs would add a C and CMake build to every
// platform for no gain here.
#[allow(deprecated)]
fn install_crypto_provider() {
    // An error means a provider is installed already, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Joins an error with its sources: hyper hides the TLS reason ("invalid peer certificate:
/// UnknownIssuer") two levels down.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = inner.source();
    }
    text
}

fn is_tls_failure(detail: &str) -> bool {
    let detail = detail.to_ascii_lowercase();
    ["certificate", "handshake", "tls"]
        .iter()
        .any(|needle| detail.contains(needle))
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

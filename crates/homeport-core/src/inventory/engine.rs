//! Hosts that are Docker engines reached without SSH: an engine socket on this machine, or an
//! engine's TCP endpoint. Docker contexts and `DOCKER_HOST` describe these; the SSH host form
//! does not.

use std::path::{Path, PathBuf};

use super::{validate_address, validate_group, validate_name, validate_tags, AuthMethod, HostKind, HostSpec};
use crate::error::{Error, Result};

/// The longest Unix socket path the kernel accepts (`sun_path` is 108 bytes on Linux and 104 on
/// macOS, including the terminating zero).
const MAX_SOCKET_PATH: usize = 103;

/// The TLS files of a TCP engine, by path. The files stay where the user keeps them: Homeport
/// reads them when it connects and never copies the private key anywhere.
///
/// The engine's certificate is always verified against `ca`. Docker's "TLS without
/// verification" is not offered, because anyone on the path could then take over the engine.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EngineTls {
    /// The CA certificate that signed the engine's certificate.
    pub ca: PathBuf,
    /// The client certificate and its key, which an engine started with `--tlsverify` requires.
    /// Docker uses them only as a pair, and so does Homeport.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

impl EngineTls {
    /// Returns every file the connection reads, for existence checks and messages.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        std::iter::once(self.ca.as_path())
            .chain(self.cert.as_deref())
            .chain(self.key.as_deref())
    }
}

/// The place an engine host's engine listens on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineEndpoint {
    /// A Unix socket on this machine.
    Socket { path: String },
    /// A TCP endpoint; `tls: None` is plain HTTP.
    Tcp {
        address: String,
        port: u32,
        tls: Option<EngineTls>,
    },
}

/// Unchecked fields of an engine host, from an import or the CLI.
#[derive(Debug, Clone)]
pub struct EngineDraft {
    pub name: String,
    pub endpoint: EngineEndpoint,
    pub group: Option<String>,
    pub tags: Vec<String>,
}

impl EngineDraft {
    /// Checks every field and returns the first problem, naming the field, the value and the fix.
    pub fn validate(self) -> Result<HostSpec> {
        let name = validate_name(&self.name)?;
        let group = validate_group(self.group.as_deref().unwrap_or(""))?;
        let tags = validate_tags(self.tags)?;
        let (kind, address, port, docker_socket, tls) = match self.endpoint {
            EngineEndpoint::Socket { path } => {
                (HostKind::Socket, String::new(), 0, validate_local_socket(&path)?, None)
            }
            EngineEndpoint::Tcp { address, port, tls } => {
                let address = validate_address(&address)?;
                let port = validate_engine_port(port)?;
                let tls = tls.map(validate_tls).transpose()?;
                (HostKind::Tcp, address, port, String::new(), tls)
            }
        };

        Ok(HostSpec {
            name,
            kind,
            address,
            port,
            user: String::new(),
            auth: AuthMethod::None,
            key_path: None,
            docker_socket,
            secret: None,
            jump_host: None,
            group,
            tags,
            tls,
        })
    }
}

/// Accepts an absolute socket path the kernel can bind. The path never reaches a shell, so
/// only control characters are refused.
fn validate_local_socket(value: &str) -> Result<String> {
    let trimmed = value.trim();
    let path = trimmed.strip_prefix("unix://").unwrap_or(trimmed);
    if !path.starts_with('/') || path.chars().any(char::is_control) {
        return Err(Error::invalid(
            "dockerSocket",
            value,
            "use the absolute path of the engine's socket, such as /run/user/1000/docker.sock",
        ));
    }
    if path.len() > MAX_SOCKET_PATH {
        return Err(Error::invalid(
            "dockerSocket",
            value,
            "the path is longer than a Unix socket path may be (103 bytes); use a shorter path or a symbolic link",
        ));
    }
    Ok(path.to_string())
}

fn validate_engine_port(value: u32) -> Result<u16> {
    match u16::try_from(value) {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(Error::invalid(
            "port",
            value.to_string(),
            "use a port from 1 to 65535; Docker listens on 2376 with TLS and 2375 without",
        )),
    }
}

fn validate_tls(tls: EngineTls) -> Result<EngineTls> {
    for path in tls.files() {
        let text = path.to_string_lossy();
        if !path.is_absolute() || text.chars().any(char::is_control) {
            return Err(Error::invalid(
                "tls",
                text.into_owned(),
                "use absolute paths for the CA certificate, client certificate and key",
            ));
        }
    }
    if tls.cert.is_some() != tls.key.is_some() {
        return Err(Error::invalid(
            "tls",
            tls.cert
                .as_ref()
                .or(tls.key.as_ref())
                .map(|path| path.display().to_string())
                .unwrap_or_default(),
            "give both the client certificate and its key, or neither",
        ));
    }
    Ok(tls)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(tls: Option<EngineTls>) -> EngineDraft {
        EngineDraft {
            name: "builder".into(),
            endpoint: EngineEndpoint::Tcp {
                address: "192.0.2.20".into(),
                port: 2376,
                tls,
            },
            group: None,
            tags: Vec::new(),
        }
    }

    fn tls() -> EngineTls {
        EngineTls {
            ca: "/etc/docker-certs/ca.pem".into(),
            cert: Some("/etc/docker-certs/cert.pem".into()),
            key: Some("/etc/docker-certs/key.pem".into()),
        }
    }

    fn field_of(err: Error) -> &'static str {
        match err {
            Error::InvalidInput { field, .. } => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn tcp_engine_has_no_ssh_login() {
        let spec = tcp(Some(tls())).validate().expect("valid");
        assert_eq!(spec.kind, HostKind::Tcp);
        assert_eq!(spec.auth, AuthMethod::None);
        assert_eq!((spec.address.as_str(), spec.port), ("192.0.2.20", 2376));
        assert_eq!(spec.tls, Some(tls()));
        assert!(spec.user.is_empty());
        assert!(spec.docker_socket.is_empty());
    }

    #[test]
    fn client_certificate_needs_its_key() {
        let half = EngineTls { key: None, ..tls() };
        assert_eq!(field_of(tcp(Some(half)).validate().unwrap_err()), "tls");
    }

    #[test]
    fn relative_tls_paths_are_rejected() {
        let relative = EngineTls {
            ca: "ca.pem".into(),
            ..tls()
        };
        assert_eq!(field_of(tcp(Some(relative)).validate().unwrap_err()), "tls");
    }

    #[test]
    fn engine_port_zero_is_rejected() {
        let mut draft = tcp(None);
        draft.endpoint = EngineEndpoint::Tcp {
            address: "192.0.2.20".into(),
            port: 0,
            tls: None,
        };
        assert_eq!(field_of(draft.validate().unwrap_err()), "port");
    }

    #[test]
    fn socket_engine_keeps_its_path() {
        let spec = EngineDraft {
            name: "rootless".into(),
            endpoint: EngineEndpoint::Socket {
                path: "unix:///run/user/1000/docker.sock".into(),
            },
            group: None,
            tags: Vec::new(),
        }
        .validate()
        .expect("valid");
        assert_eq!(spec.kind, HostKind::Socket);
        assert_eq!(spec.docker_socket, "/run/user/1000/docker.sock");
        assert_eq!(spec.port, 0);
    }

    #[test]
    fn relative_or_long_socket_paths_are_rejected() {
        for bad in ["docker.sock".to_string(), format!("/{}", "a".repeat(120))] {
            let draft = EngineDraft {
                name: "rootless".into(),
                endpoint: EngineEndpoint::Socket { path: bad.clone() },
                group: None,
                tags: Vec::new(),
            };
            assert_eq!(field_of(draft.validate().unwrap_err()), "dockerSocket", "{bad}");
        }
    }
}

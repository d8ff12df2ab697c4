//! Docker contexts and `DOCKER_HOST` as import candidates.
//!
//! `homeport-import` reads the contexts as the Docker CLI does; this module turns each endpoint
//! into a host. An `ssh://` endpoint becomes an SSH host, resolved through the user's SSH
//! configuration as `docker` would (its `ssh` runs with that configuration), so its key, user,
//! port and jump hosts come from there. A `unix://` endpoint becomes a socket host, and a
//! `tcp://` endpoint a TCP host. TLS files are kept by path and never read here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use homeport_import::docker_context::{self, DockerEndpoint, DockerEndpointSource, TlsFiles};

use super::candidate::{HostKeyFinding, ImportAction, ImportCandidate, ImportOrigin, ImportProblem};
use super::plan::PlanBuilder;
use crate::inventory::{AuthMethod, EngineTls, HostKind};

/// The variables the Docker CLI reads to find its contexts and endpoint.
const DOCKER_VARIABLES: [&str; 6] = [
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
    "DOCKER_CONFIG",
    "DOCKER_TLS_VERIFY",
    "DOCKER_TLS",
    "DOCKER_CERT_PATH",
];

/// The Docker CLI's view of the environment, taken once so a preview and its apply read the
/// same values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerEnvironment {
    pub variables: BTreeMap<String, String>,
    pub home: PathBuf,
    /// The socket Homeport lists as its local engine, which an import must not add twice.
    pub local_socket: String,
}

impl DockerEnvironment {
    /// Reads this process's environment. `config_dir` replaces `DOCKER_CONFIG`.
    pub fn from_os(config_dir: Option<PathBuf>, home: &Path) -> Self {
        let mut variables: BTreeMap<String, String> = DOCKER_VARIABLES
            .iter()
            .filter_map(|name| std::env::var(name).ok().map(|value| (name.to_string(), value)))
            .collect();
        if let Some(dir) = config_dir {
            variables.insert("DOCKER_CONFIG".into(), dir.to_string_lossy().into_owned());
        }
        Self {
            variables,
            home: home.to_path_buf(),
            local_socket: crate::hosts::local_engine_socket(),
        }
    }
}

impl DockerEnvironment {
    /// Returns the Docker configuration folder the contexts are read from.
    pub fn config_dir(&self) -> PathBuf {
        let vars = |name: &str| self.variables.get(name).cloned();
        docker_context::docker_config_dir(&vars, &self.home)
    }
}

/// Adds a candidate for every endpoint, plus the jump hosts `ssh://` endpoints need, and
/// returns the contexts that could not be read.
pub(super) fn add_endpoints(builder: &mut PlanBuilder<'_>, docker: &DockerEnvironment) -> Vec<String> {
    let vars = |name: &str| docker.variables.get(name).cloned();
    let (sources, errors) = docker_context::discover(&vars, &docker.home);
    for source in &sources {
        let candidate = match &source.endpoint {
            DockerEndpoint::Ssh {
                user,
                host,
                port,
                socket_path,
            } => ssh_candidate(builder, source, user.as_deref(), host, *port, socket_path.clone()),
            other => engine_candidate(source, other, &docker.local_socket),
        };
        builder.insert(candidate);
    }
    errors.iter().map(ToString::to_string).collect()
}

/// Resolves `host` through the SSH configuration, then applies the user and port the URL
/// gives, which take precedence as on the `ssh` command line.
fn ssh_candidate(
    builder: &mut PlanBuilder<'_>,
    source: &DockerEndpointSource,
    user: Option<&str>,
    host: &str,
    port: Option<u16>,
    socket_path: Option<String>,
) -> ImportCandidate {
    let mut resolved = builder.config.resolve(host);
    if let Some(user) = user {
        resolved.user = user.to_string();
    }
    if let Some(port) = port {
        resolved.port = port;
    }
    let mut candidate = ImportCandidate::from_resolved(
        host.to_string(),
        &resolved,
        builder.known,
        builder.source.agent_available,
        &builder.source.environment.home_dir,
    );
    candidate.jump_alias = builder.add_chain(&resolved.proxy_jump, 0);
    candidate.alias = alias_of(source);
    candidate.name = name_of(source);
    candidate.origin = origin_of(source);
    candidate.docker_socket = socket_path;
    candidate
}

fn engine_candidate(source: &DockerEndpointSource, endpoint: &DockerEndpoint, local_socket: &str) -> ImportCandidate {
    let mut problems = Vec::new();
    let (kind, address, port, docker_socket, tls) = match endpoint {
        DockerEndpoint::Unix { path } => {
            let path = path.to_string_lossy().into_owned();
            if path == local_socket {
                problems.push(ImportProblem::SameAsLocalEngine { socket: path.clone() });
            }
            (HostKind::Socket, String::new(), 0, Some(path), None)
        }
        DockerEndpoint::Tcp { host, port, tls } => {
            let tls = match tls {
                None => {
                    problems.push(ImportProblem::PlainHttp);
                    None
                }
                Some(files) => engine_tls(files, &mut problems),
            };
            (HostKind::Tcp, host.clone(), *port, None, tls)
        }
        DockerEndpoint::Npipe { path } => {
            problems.push(ImportProblem::NamedPipe { path: path.clone() });
            (HostKind::Socket, String::new(), 0, None, None)
        }
        DockerEndpoint::Ssh { .. } => unreachable!("ssh endpoints become SSH candidates"),
    };

    let mut candidate = ImportCandidate {
        alias: alias_of(source),
        name: name_of(source),
        address,
        port,
        user: String::new(),
        auth: AuthMethod::None,
        key_path: None,
        jump_alias: None,
        action: ImportAction::New,
        host_key: HostKeyFinding::NotApplicable,
        problems,
        recommended: true,
        origin: origin_of(source),
        kind,
        docker_socket,
        tls,
    };
    candidate.settle_recommendation();
    candidate
}

/// Checks the TLS files as Homeport will use them: verified against a CA, with the client
/// certificate and key only as a pair, as the Docker CLI uses them.
fn engine_tls(files: &TlsFiles, problems: &mut Vec<ImportProblem>) -> Option<EngineTls> {
    if files.skip_verify {
        problems.push(ImportProblem::TlsVerifyOff);
    }
    let Some(ca) = files.ca.clone() else {
        problems.push(ImportProblem::TlsCaMissing);
        return None;
    };
    let (cert, key) = match (&files.cert, &files.key) {
        (Some(cert), Some(key)) => (Some(cert.clone()), Some(key.clone())),
        _ => (None, None),
    };
    let tls = EngineTls { ca, cert, key };
    for path in tls.files() {
        if !path.is_file() {
            problems.push(ImportProblem::TlsFileMissing {
                path: path.to_path_buf(),
            });
        }
    }
    Some(tls)
}

fn alias_of(source: &DockerEndpointSource) -> String {
    if source.name == docker_context::ENVIRONMENT_SOURCE_NAME {
        "env:DOCKER_HOST".to_string()
    } else {
        format!("docker-context:{}", source.name)
    }
}

fn origin_of(source: &DockerEndpointSource) -> ImportOrigin {
    if source.name == docker_context::ENVIRONMENT_SOURCE_NAME {
        ImportOrigin::DockerHost
    } else {
        ImportOrigin::DockerContext {
            name: source.name.clone(),
            current: source.current,
        }
    }
}

/// Names the host after its context. Context names may hold `+`, which host names do not,
/// so it becomes `-`.
fn name_of(source: &DockerEndpointSource) -> String {
    if source.name == docker_context::ENVIRONMENT_SOURCE_NAME {
        return "docker-host".to_string();
    }
    source.name.chars().map(|c| if c == '+' { '-' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, endpoint: DockerEndpoint) -> DockerEndpointSource {
        DockerEndpointSource {
            name: name.into(),
            description: None,
            endpoint,
            current: false,
        }
    }

    fn tls_files(dir: &Path, skip_verify: bool) -> TlsFiles {
        TlsFiles {
            ca: Some(dir.join("ca.pem")),
            cert: Some(dir.join("cert.pem")),
            key: Some(dir.join("key.pem")),
            skip_verify,
        }
    }

    fn kinds(candidate: &ImportCandidate) -> Vec<ImportProblem> {
        candidate.problems.clone()
    }

    #[test]
    fn tcp_context_with_tls_files_is_recommended() {
        let dir = tempfile::tempdir().unwrap();
        for file in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(dir.path().join(file), "x").unwrap();
        }
        let endpoint = DockerEndpoint::Tcp {
            host: "192.0.2.7".into(),
            port: 2376,
            tls: Some(tls_files(dir.path(), false)),
        };
        let candidate = engine_candidate(
            &source("builder+arm", endpoint.clone()),
            &endpoint,
            "/var/run/docker.sock",
        );
        assert_eq!(candidate.name, "builder-arm");
        assert_eq!(candidate.alias, "docker-context:builder+arm");
        assert_eq!(candidate.source(), "docker_context:builder+arm");
        assert_eq!(candidate.kind, HostKind::Tcp);
        assert!(candidate.problems.is_empty(), "{:?}", candidate.problems);
        assert!(candidate.recommended);
        assert_eq!(candidate.tls.unwrap().ca, dir.path().join("ca.pem"));
    }

    #[test]
    fn tls_without_verification_or_files_blocks_import() {
        let dir = tempfile::tempdir().unwrap();
        let endpoint = DockerEndpoint::Tcp {
            host: "192.0.2.7".into(),
            port: 2376,
            tls: Some(tls_files(dir.path(), true)),
        };
        let candidate = engine_candidate(&source("lax", endpoint.clone()), &endpoint, "/var/run/docker.sock");
        let problems = kinds(&candidate);
        assert!(problems.contains(&ImportProblem::TlsVerifyOff));
        assert!(problems.contains(&ImportProblem::TlsFileMissing {
            path: dir.path().join("ca.pem")
        }));
        assert!(problems.iter().all(ImportProblem::blocks_import));
        assert!(!candidate.recommended);
    }

    #[test]
    fn tls_without_ca_blocks_import() {
        let endpoint = DockerEndpoint::Tcp {
            host: "192.0.2.7".into(),
            port: 2376,
            tls: Some(TlsFiles {
                ca: None,
                cert: None,
                key: None,
                skip_verify: false,
            }),
        };
        let candidate = engine_candidate(&source("noca", endpoint.clone()), &endpoint, "/var/run/docker.sock");
        assert_eq!(kinds(&candidate), vec![ImportProblem::TlsCaMissing]);
    }

    #[test]
    fn plain_http_needs_a_look_but_may_be_imported() {
        let endpoint = DockerEndpoint::Tcp {
            host: "192.0.2.7".into(),
            port: 2375,
            tls: None,
        };
        let candidate = engine_candidate(&source("plain", endpoint.clone()), &endpoint, "/var/run/docker.sock");
        assert_eq!(kinds(&candidate), vec![ImportProblem::PlainHttp]);
        assert!(!ImportProblem::PlainHttp.blocks_import());
        assert!(!candidate.recommended, "unticked until the user looks");
    }

    #[test]
    fn local_engine_socket_is_not_added_twice() {
        let endpoint = DockerEndpoint::Unix {
            path: "/var/run/docker.sock".into(),
        };
        let candidate = engine_candidate(&source("default2", endpoint.clone()), &endpoint, "/var/run/docker.sock");
        assert!(matches!(
            candidate.problems.as_slice(),
            [ImportProblem::SameAsLocalEngine { .. }]
        ));

        let other = DockerEndpoint::Unix {
            path: "/run/user/1000/docker.sock".into(),
        };
        let candidate = engine_candidate(&source("rootless", other.clone()), &other, "/var/run/docker.sock");
        assert!(candidate.problems.is_empty());
        assert_eq!(candidate.docker_socket.as_deref(), Some("/run/user/1000/docker.sock"));
    }

    #[test]
    fn environment_endpoint_gets_its_own_name_and_source() {
        let endpoint = DockerEndpoint::Unix {
            path: "/run/user/1000/docker.sock".into(),
        };
        let candidate = engine_candidate(
            &source(docker_context::ENVIRONMENT_SOURCE_NAME, endpoint.clone()),
            &endpoint,
            "/var/run/docker.sock",
        );
        assert_eq!(candidate.name, "docker-host");
        assert_eq!(candidate.source(), "docker_host");
        assert_eq!(candidate.origin, ImportOrigin::DockerHost);
    }
}

//! Docker CLI contexts and the `DOCKER_HOST` environment, read as the Docker CLI reads them, so
//! Homeport can offer the engines a person already reaches with `docker`.
//!
//! The store lives in `$DOCKER_CONFIG` (default `~/.docker`): `config.json` names the current
//! context, `contexts/meta/<sha256 of the name>/meta.json` stores each context, and
//! `contexts/tls/<same hash>/docker/` contains its TLS files. The built-in `default` context is not
//! stored because the environment defines it, see [`from_environment`].
//!
//! The rules follow Docker CLI 28.2.2 and were checked with `docker context create`,
//! `docker context inspect` and `docker context ls` (a few of them in `tests/docker_context.rs`).
//! Nothing here connects to an engine or reads a key: TLS files are reported by path only.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// [`DockerEndpointSource::name`] of the endpoint that comes from the environment.
pub const ENVIRONMENT_SOURCE_NAME: &str = "DOCKER_HOST";

const DEFAULT_UNIX_SOCKET: &str = "/var/run/docker.sock";
const DEFAULT_NAMED_PIPE: &str = "//./pipe/docker_engine";
const DEFAULT_TCP_HOST: &str = "localhost";
/// Port the Docker CLI adds to a `DOCKER_HOST=tcp://host` without a port, with or without TLS.
const CLI_DEFAULT_TCP_PORT: u16 = 2375;
/// Port of the `tcp://localhost` endpoint the Docker CLI uses when TLS is requested through
/// the environment but `DOCKER_HOST` is unset.
const CLI_DEFAULT_TLS_PORT: u16 = 2376;
const ACCEPTED_FORMS: &str =
    "ssh://[user@]host[:port][/socket/path], unix:///path/to/socket, tcp://host[:port] or npipe:////./pipe/name";

/// A Docker engine endpoint and where it was found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DockerEndpointSource {
    /// Context name, or [`ENVIRONMENT_SOURCE_NAME`] for the endpoint from the environment.
    pub name: String,
    pub description: Option<String>,
    pub endpoint: DockerEndpoint,
    /// Whether the Docker CLI would use this endpoint when no `--context` or `-H` is given.
    pub current: bool,
}

/// Address of a Docker engine and the transport that reaches it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum DockerEndpoint {
    /// `ssh://[user@]host[:port][/path]`. Without a user or port, ssh's own configuration
    /// decides. An IPv6 host is given without its brackets.
    Ssh {
        user: Option<String>,
        host: String,
        port: Option<u16>,
        /// Engine socket on the remote host, from the URL path. Without it the remote
        /// `docker system dial-stdio` uses the remote default.
        socket_path: Option<String>,
    },
    /// A local Unix socket. The path may be relative, as the Docker CLI allows.
    Unix { path: PathBuf },
    Tcp {
        host: String,
        port: u16,
        /// `None` means plain HTTP.
        tls: Option<TlsFiles>,
    },
    /// A Windows named pipe.
    Npipe { path: String },
}

/// The TLS files of a `tcp://` endpoint, by path only: their contents are never read here.
/// The Docker CLI uses `cert` and `key` only when both are present.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TlsFiles {
    /// CA certificate to verify the engine with. Without it the system roots are used.
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// Whether the engine certificate is accepted without verification.
    pub skip_verify: bool,
}

/// Error from reading a stored context or the environment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
pub enum ContextError {
    #[error("invalid Docker host '{value}': {reason}. Accepted forms: {ACCEPTED_FORMS}")]
    InvalidHost { value: String, reason: String },

    #[error("cannot read {}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },

    /// `message` is serde_json's, which already ends with the line and column.
    #[error("invalid JSON in {}: {message}", path.display())]
    InvalidJson {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("{} has the context name '{name}', which the Docker CLI does not accept. Delete that directory or recreate the context under another name", path.display())]
    InvalidName { path: PathBuf, name: String },

    #[error("{} has no Docker endpoint host. Set one with docker context update NAME --docker host=...", path.display())]
    MissingHost { path: PathBuf },

    #[error("Docker context '{context}' ({}): {error}", path.display())]
    InContext {
        context: String,
        path: PathBuf,
        error: Box<ContextError>,
    },

    #[error("environment variable {variable}: {error}")]
    InEnvironment { variable: String, error: Box<ContextError> },

    #[error("DOCKER_TLS_VERIFY or DOCKER_TLS is set, but the CA certificate {} does not exist. Set DOCKER_CERT_PATH to the directory with ca.pem, cert.pem and key.pem", path.display())]
    TlsCaMissing { path: PathBuf },
}

/// Returns the directory name the Docker CLI stores a context under: the lowercase hex
/// SHA-256 of the name.
pub fn context_dir_name(name: &str) -> String {
    Sha256::digest(name.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Returns the Docker CLI configuration directory: `$DOCKER_CONFIG`, or `~/.docker` when that is
/// unset or empty.
pub fn docker_config_dir(vars: &impl Fn(&str) -> Option<String>, home: &Path) -> PathBuf {
    match non_empty_var(vars, "DOCKER_CONFIG") {
        Some(dir) => PathBuf::from(dir),
        None => home.join(".docker"),
    }
}

/// Lists the contexts stored under `docker_config_dir`, sorted by name.
///
/// `current` follows `currentContext` in `config.json` only, while [`discover`] also applies
/// `DOCKER_HOST` and `DOCKER_CONTEXT`, which override it. A context that cannot be read is
/// reported and skipped, and the others are still listed. A missing store is empty.
pub fn list_contexts(docker_config_dir: &Path) -> (Vec<DockerEndpointSource>, Vec<ContextError>) {
    let mut errors = Vec::new();
    let current = read_current_context(docker_config_dir).unwrap_or_else(|error| {
        errors.push(error);
        None
    });

    let meta_dir = docker_config_dir.join("contexts").join("meta");
    let mut contexts = Vec::new();
    for meta_file in list_meta_files(&meta_dir, &mut errors) {
        match read_context(docker_config_dir, &meta_file) {
            Ok(context) => contexts.push(context),
            Err(error) => errors.push(error),
        }
    }

    contexts.sort_by(|a, b| a.name.cmp(&b.name));
    for context in &mut contexts {
        context.current = current.as_deref() == Some(context.name.as_str());
    }
    (contexts, errors)
}

/// Describes the `default` context as the environment defines it.
///
/// - `DOCKER_HOST` set: its endpoint, marked current because it overrides every context.
/// - `DOCKER_HOST` unset but `DOCKER_TLS_VERIFY` or `DOCKER_TLS` set: `tcp://localhost:2376`
///   with TLS, as the Docker CLI does. It is current when no stored context is selected.
/// - Otherwise `None`: the default context is then the local engine socket.
///
/// TLS applies to `tcp://` endpoints only. It is on when `DOCKER_TLS_VERIFY` or `DOCKER_TLS`
/// has any non-empty value (the Docker CLI reads `DOCKER_TLS_VERIFY=0` as on too), and it
/// verifies the engine only with `DOCKER_TLS_VERIFY`. The files are `ca.pem`, `cert.pem` and
/// `key.pem` in `DOCKER_CERT_PATH`, which defaults to the Docker configuration directory.
pub fn from_environment(
    vars: &impl Fn(&str) -> Option<String>,
    home: &Path,
) -> Result<Option<DockerEndpointSource>, ContextError> {
    let (endpoint, current) = match non_empty_var(vars, "DOCKER_HOST") {
        Some(value) => {
            let endpoint = parse_docker_host(&value).map_err(|error| ContextError::InEnvironment {
                variable: "DOCKER_HOST".to_string(),
                error: Box::new(error),
            })?;
            (endpoint, true)
        }
        None if tls_requested(vars) => {
            let endpoint = DockerEndpoint::Tcp {
                host: DEFAULT_TCP_HOST.to_string(),
                port: CLI_DEFAULT_TLS_PORT,
                tls: None,
            };
            let config_dir = docker_config_dir(vars, home);
            (endpoint, selected_context(vars, &config_dir).is_none())
        }
        None => return Ok(None),
    };

    let endpoint = match endpoint {
        DockerEndpoint::Tcp { host, port, .. } => DockerEndpoint::Tcp {
            host,
            port,
            tls: environment_tls(vars, home)?,
        },
        other => other,
    };

    Ok(Some(DockerEndpointSource {
        name: ENVIRONMENT_SOURCE_NAME.to_string(),
        description: None,
        endpoint,
        current,
    }))
}

/// Lists every endpoint the Docker CLI could use: the environment's endpoint first, when
/// [`from_environment`] returns one, then the stored contexts.
///
/// `current` marks the endpoint the Docker CLI would use, by its precedence: `DOCKER_HOST`,
/// then `DOCKER_CONTEXT`, then `currentContext` in `config.json`.
pub fn discover(vars: &impl Fn(&str) -> Option<String>, home: &Path) -> (Vec<DockerEndpointSource>, Vec<ContextError>) {
    let config_dir = docker_config_dir(vars, home);
    let (mut contexts, mut errors) = list_contexts(&config_dir);

    let mut sources = Vec::new();
    match from_environment(vars, home) {
        Ok(Some(source)) => sources.push(source),
        Ok(None) => {}
        Err(error) => errors.push(error),
    }

    let selected = selected_context(vars, &config_dir);
    for context in &mut contexts {
        context.current = selected.as_deref() == Some(context.name.as_str());
    }
    sources.extend(contexts);
    (sources, errors)
}

/// Parses a `DOCKER_HOST` value by the Docker CLI's rules.
///
/// A value without a scheme is a TCP address. A `tcp://` address without a port gets port
/// 2375, also with TLS, and an empty host is `localhost`. `unix://` and `npipe://` without a
/// path name the default socket or pipe. `http://`, `https://` and `fd://` are rejected, as
/// the Docker CLI rejects them in `DOCKER_HOST`. The error names the value and the accepted forms.
///
/// Two cases differ from the Docker CLI: a path after a `tcp://` address is rejected, because
/// nothing here can use it, and `tcp://[::1]` without a port is accepted.
pub fn parse_docker_host(value: &str) -> Result<DockerEndpoint, ContextError> {
    parse_host(value, HostRules::Environment)
}

/// Rule set for reading a host string. The Docker CLI checks `DOCKER_HOST` itself, but passes a
/// stored context's host to the Docker client library, which reads some forms differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HostRules {
    Environment,
    /// `tls` decides the port of a `tcp://` host without one: the client library then
    /// connects to the HTTPS or HTTP port (checked with strace on Docker CLI 28.2.2).
    Context {
        tls: bool,
    },
}

fn parse_host(value: &str, rules: HostRules) -> Result<DockerEndpoint, ContextError> {
    let invalid = |reason: &str| invalid_host(value, reason);
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(invalid("the value is empty"));
    }

    let (scheme, address) = match trimmed.split_once("://") {
        Some(parts) => parts,
        None if rules == HostRules::Environment => ("tcp", trimmed),
        None => return Err(invalid("the scheme is missing")),
    };

    match scheme {
        "ssh" => parse_ssh(address).map_err(|reason| invalid(&reason)),
        "tcp" => parse_tcp(address, rules).map_err(|reason| invalid(&reason)),
        "unix" => {
            let path = parse_local_path(address, DEFAULT_UNIX_SOCKET, rules).map_err(|reason| invalid(&reason))?;
            Ok(DockerEndpoint::Unix {
                path: PathBuf::from(path),
            })
        }
        "npipe" => {
            let path = parse_local_path(address, DEFAULT_NAMED_PIPE, rules).map_err(|reason| invalid(&reason))?;
            Ok(DockerEndpoint::Npipe { path })
        }
        "http" | "https" => Err(invalid(
            "the Docker CLI rejects http:// and https:// here, so write tcp://host:port instead",
        )),
        "fd" => Err(invalid(
            "fd:// names a socket that systemd passes to dockerd, so a client cannot connect to it",
        )),
        other => Err(invalid(&format!("unknown scheme '{other}'"))),
    }
}

fn invalid_host(value: &str, reason: &str) -> ContextError {
    ContextError::InvalidHost {
        value: redact_password(value),
        reason: reason.to_string(),
    }
}

/// Replaces the password of a `scheme://user:password@host` value with `***`, because the
/// error is printed and shown in the window, and a URL may carry a password.
fn redact_password(value: &str) -> String {
    let Some((scheme, rest)) = value.split_once("://") else {
        return value.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}{}", &rest[authority_end..])
        }
        _ => value.to_string(),
    }
}

/// Parses `[user@]host[:port][/path]`, as the Docker CLI's ssh connection helper does.
fn parse_ssh(address: &str) -> Result<DockerEndpoint, String> {
    let (authority, path) = split_authority(address);
    if path.contains('?') {
        return Err("query parameters are not allowed".to_string());
    }
    if path.contains('#') {
        return Err("fragments are not allowed".to_string());
    }

    // The URL parser of Go, which the Docker CLI uses, splits user info at the last '@'.
    let (user, host_port) = match authority.rsplit_once('@') {
        Some((user_info, host_port)) => (parse_user(user_info)?, host_port),
        None => (None, authority),
    };
    let (host, port) = split_host_port(host_port)?;
    if host.is_empty() {
        return Err("the host name is missing".to_string());
    }
    let port = port.map(parse_port).transpose()?;

    // The Docker CLI ignores a path made only of slashes.
    let socket_path = (!path.trim_matches('/').is_empty()).then(|| path.to_string());
    Ok(DockerEndpoint::Ssh {
        user,
        host: host.to_string(),
        port,
        socket_path,
    })
}

fn parse_user(user_info: &str) -> Result<Option<String>, String> {
    if user_info.contains(':') {
        return Err("a password in the URL is not supported, so use an SSH key or ssh-agent instead".to_string());
    }
    let user = percent_decode(user_info)?;
    if user.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the user name contains a space or control character".to_string());
    }
    Ok((!user.is_empty()).then_some(user))
}

fn parse_tcp(address: &str, rules: HostRules) -> Result<DockerEndpoint, String> {
    let default_port = match rules {
        HostRules::Environment => CLI_DEFAULT_TCP_PORT,
        HostRules::Context { tls: true } => 443,
        HostRules::Context { tls: false } => 80,
    };
    if address.is_empty() {
        return match rules {
            HostRules::Environment => Ok(DockerEndpoint::Tcp {
                host: DEFAULT_TCP_HOST.to_string(),
                port: default_port,
                tls: None,
            }),
            HostRules::Context { .. } => Err("the address is missing".to_string()),
        };
    }
    if address.contains("://") {
        return Err("the address contains a second scheme".to_string());
    }

    let (authority, path) = split_authority(address);
    if !path.is_empty() && path != "/" {
        return Err("a path after the address is not supported".to_string());
    }
    if authority.contains('@') {
        return Err("a user name is not allowed in a tcp:// address".to_string());
    }

    let (host, port) = split_host_port(authority)?;
    let port = match port {
        Some(port) => parse_port(port)?,
        None => default_port,
    };
    let host = if host.is_empty() { DEFAULT_TCP_HOST } else { host };
    Ok(DockerEndpoint::Tcp {
        host: host.to_string(),
        port,
        tls: None,
    })
}

/// Reads the path of a `unix://` or `npipe://` address. The Docker CLI fills in the default for
/// an empty path in `DOCKER_HOST`, but the client library rejects it in a context.
fn parse_local_path(address: &str, default: &str, rules: HostRules) -> Result<String, String> {
    if address.contains("://") {
        return Err("the path contains a second scheme".to_string());
    }
    match (address.is_empty(), rules) {
        (false, _) => Ok(address.to_string()),
        (true, HostRules::Environment) => Ok(default.to_string()),
        (true, HostRules::Context { .. }) => Err("the path is missing".to_string()),
    }
}

/// Splits `authority/path?query#fragment` at the first `/`, `?` or `#`.
fn split_authority(address: &str) -> (&str, &str) {
    let end = address.find(['/', '?', '#']).unwrap_or(address.len());
    address.split_at(end)
}

/// Splits `host`, `host:port`, `[ipv6]` or `[ipv6]:port`. An empty port counts as absent.
fn split_host_port(text: &str) -> Result<(&str, Option<&str>), String> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| "the IPv6 address has no closing ']'".to_string())?;
        match after {
            "" => (host, None),
            _ => {
                let port = after
                    .strip_prefix(':')
                    .ok_or_else(|| format!("unexpected text '{after}' after the IPv6 address"))?;
                (host, Some(port))
            }
        }
    } else {
        match text.split_once(':') {
            Some((_, rest)) if rest.contains(':') => {
                return Err("write an IPv6 address in brackets, such as [::1]".to_string());
            }
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };

    if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the host name contains a space or control character".to_string());
    }
    Ok((host, port.filter(|port| !port.is_empty())))
}

fn parse_port(text: &str) -> Result<u16, String> {
    let port = text
        .parse::<u16>()
        .ok()
        .filter(|port| *port != 0 && text.bytes().all(|byte| byte.is_ascii_digit()));
    port.ok_or_else(|| format!("the port '{text}' is not a number from 1 to 65535"))
}

/// Decodes `%XX` escapes, as Go's URL parser does in user names.
fn percent_decode(text: &str) -> Result<String, String> {
    let invalid = || format!("invalid percent-encoding in '{text}'");
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;

    while index < bytes.len() {
        if bytes[index] != b'%' {
            decoded.push(bytes[index]);
            index += 1;
            continue;
        }
        let hex = text.get(index + 1..index + 3).ok_or_else(invalid)?;
        let byte = u8::from_str_radix(hex, 16).map_err(|_| invalid())?;
        decoded.push(byte);
        index += 3;
    }

    String::from_utf8(decoded).map_err(|_| invalid())
}

/// `meta.json` as the Docker CLI writes it. The CLI's JSON decoder matches keys without regard
/// to case, and the aliases cover the lowercase spelling as well.
#[derive(Deserialize)]
struct StoredContext {
    #[serde(rename = "Name", alias = "name")]
    name: String,
    #[serde(rename = "Metadata", alias = "metadata", default)]
    metadata: Option<StoredMetadata>,
    #[serde(rename = "Endpoints", alias = "endpoints", default)]
    endpoints: Option<StoredEndpoints>,
}

#[derive(Deserialize)]
struct StoredMetadata {
    #[serde(rename = "Description", alias = "description", default)]
    description: Option<String>,
}

/// Other endpoints, such as the `kubernetes` one of older Docker versions, are ignored.
#[derive(Deserialize)]
struct StoredEndpoints {
    #[serde(default)]
    docker: Option<StoredEndpoint>,
}

#[derive(Deserialize)]
struct StoredEndpoint {
    #[serde(rename = "Host", alias = "host", default)]
    host: Option<String>,
    #[serde(rename = "SkipTLSVerify", alias = "skipTLSVerify", default)]
    skip_tls_verify: Option<bool>,
}

#[derive(Deserialize)]
struct StoredConfig {
    #[serde(rename = "currentContext", default)]
    current_context: Option<String>,
}

/// Returns the `meta.json` of each context directory. Like the Docker CLI, it skips
/// directories without a `meta.json` file.
fn list_meta_files(meta_dir: &Path, errors: &mut Vec<ContextError>) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(meta_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(error) => {
            errors.push(unreadable(meta_dir, &error));
            return Vec::new();
        }
    };

    let mut meta_files = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let meta_file = entry.path().join("meta.json");
                if meta_file.is_file() {
                    meta_files.push(meta_file);
                }
            }
            Err(error) => errors.push(unreadable(meta_dir, &error)),
        }
    }
    meta_files
}

fn read_context(config_dir: &Path, meta_file: &Path) -> Result<DockerEndpointSource, ContextError> {
    let bytes = std::fs::read(meta_file).map_err(|error| unreadable(meta_file, &error))?;
    let stored: StoredContext = serde_json::from_slice(&bytes).map_err(|error| invalid_json(meta_file, &error))?;

    // The Docker CLI checks names when it creates a context, and "default" is reserved for the
    // environment, so these two names only come from a hand-edited store.
    if stored.name.is_empty() || stored.name == "default" {
        return Err(ContextError::InvalidName {
            path: meta_file.to_path_buf(),
            name: stored.name,
        });
    }

    let endpoint = stored.endpoints.and_then(|endpoints| endpoints.docker);
    let Some((host, skip_tls_verify)) = endpoint.and_then(|endpoint| {
        let skip = endpoint.skip_tls_verify.unwrap_or(false);
        endpoint.host.filter(|host| !host.is_empty()).map(|host| (host, skip))
    }) else {
        return Err(ContextError::MissingHost {
            path: meta_file.to_path_buf(),
        });
    };

    let tls = context_tls(config_dir, &stored.name, skip_tls_verify);
    let rules = HostRules::Context { tls: tls.is_some() };
    let endpoint = match parse_host(&host, rules) {
        Ok(DockerEndpoint::Tcp { host, port, .. }) => DockerEndpoint::Tcp { host, port, tls },
        Ok(other) => other,
        Err(error) => {
            return Err(ContextError::InContext {
                context: stored.name,
                path: meta_file.to_path_buf(),
                error: Box::new(error),
            })
        }
    };

    let description = stored
        .metadata
        .and_then(|metadata| metadata.description)
        .filter(|description| !description.is_empty());
    Ok(DockerEndpointSource {
        name: stored.name,
        description,
        endpoint,
        current: false,
    })
}

/// Finds the TLS files of a stored context. The Docker CLI turns TLS on when the context's
/// `docker` TLS directory exists, even if it is empty, or when SkipTLSVerify is set
/// (`LoadTLSData` in cli/context/tlsdata.go). This function applies the same rule.
fn context_tls(config_dir: &Path, name: &str, skip_verify: bool) -> Option<TlsFiles> {
    let tls_dir = config_dir
        .join("contexts")
        .join("tls")
        .join(context_dir_name(name))
        .join("docker");
    if !tls_dir.is_dir() && !skip_verify {
        return None;
    }

    Some(TlsFiles {
        ca: existing_file(tls_dir.join("ca.pem")),
        cert: existing_file(tls_dir.join("cert.pem")),
        key: existing_file(tls_dir.join("key.pem")),
        skip_verify,
    })
}

fn tls_requested(vars: &impl Fn(&str) -> Option<String>) -> bool {
    non_empty_var(vars, "DOCKER_TLS_VERIFY").is_some() || non_empty_var(vars, "DOCKER_TLS").is_some()
}

/// Finds the TLS files the environment selects, or `None` when TLS is off. Fails without
/// `ca.pem`, as the Docker CLI does.
fn environment_tls(vars: &impl Fn(&str) -> Option<String>, home: &Path) -> Result<Option<TlsFiles>, ContextError> {
    if !tls_requested(vars) {
        return Ok(None);
    }

    let cert_dir = match non_empty_var(vars, "DOCKER_CERT_PATH") {
        Some(dir) => PathBuf::from(dir),
        None => docker_config_dir(vars, home),
    };
    let ca = cert_dir.join("ca.pem");
    if !ca.is_file() {
        return Err(ContextError::TlsCaMissing { path: ca });
    }

    Ok(Some(TlsFiles {
        ca: Some(ca),
        cert: existing_file(cert_dir.join("cert.pem")),
        key: existing_file(cert_dir.join("key.pem")),
        skip_verify: non_empty_var(vars, "DOCKER_TLS_VERIFY").is_none(),
    }))
}

/// Returns the stored context the Docker CLI would use, or `None` for the `default` one.
/// A broken `config.json` counts as no selection here, because [`list_contexts`] reports it.
fn selected_context(vars: &impl Fn(&str) -> Option<String>, config_dir: &Path) -> Option<String> {
    if non_empty_var(vars, "DOCKER_HOST").is_some() {
        return None;
    }
    let name = match non_empty_var(vars, "DOCKER_CONTEXT") {
        Some(name) => Some(name),
        None => read_current_context(config_dir).ok().flatten(),
    };
    name.filter(|name| name != "default")
}

fn read_current_context(config_dir: &Path) -> Result<Option<String>, ContextError> {
    let path = config_dir.join("config.json");
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(unreadable(&path, &error)),
    };
    let config: StoredConfig = serde_json::from_slice(&bytes).map_err(|error| invalid_json(&path, &error))?;
    Ok(config.current_context.filter(|name| !name.is_empty()))
}

fn non_empty_var(vars: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    vars(name).filter(|value| !value.is_empty())
}

fn existing_file(path: PathBuf) -> Option<PathBuf> {
    path.is_file().then_some(path)
}

fn unreadable(path: &Path, error: &std::io::Error) -> ContextError {
    ContextError::Unreadable {
        path: path.to_path_buf(),
        reason: error.to_string(),
    }
}

fn invalid_json(path: &Path, error: &serde_json::Error) -> ContextError {
    ContextError::InvalidJson {
        path: path.to_path_buf(),
        line: error.line(),
        column: error.column(),
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes_decoded() {
        assert_eq!(percent_decode("a%40b"), Ok("a@b".to_string()));
        assert!(percent_decode("a%4").is_err());
        assert!(percent_decode("a%zz").is_err());
    }

    #[test]
    fn context_tcp_port_depends_on_tls() {
        let plain = parse_host("tcp://h", HostRules::Context { tls: false });
        let secure = parse_host("tcp://h", HostRules::Context { tls: true });
        assert!(matches!(plain, Ok(DockerEndpoint::Tcp { port: 80, .. })));
        assert!(matches!(secure, Ok(DockerEndpoint::Tcp { port: 443, .. })));
    }

    #[test]
    fn context_host_needs_scheme() {
        let result = parse_host("h:2375", HostRules::Context { tls: false });
        assert!(matches!(result, Err(ContextError::InvalidHost { .. })));
    }

    #[test]
    fn password_in_an_invalid_host_is_not_repeated() {
        let error = parse_docker_host("ssh://admin:pa55word@192.0.2.1:2222").unwrap_err();
        let text = error.to_string();
        assert!(!text.contains("pa55word"), "{text}");
        assert!(text.contains("admin:***@192.0.2.1"), "{text}");
    }
}

//! The error type every core operation returns, and the codes the UI branches on.
//!
//! Each variant carries the values a person needs to act (host, fingerprint, socket path).
//! `Display` is the English sentence used by the CLI and the logs; the desktop UI renders its
//! own translated text from [`Error::code`] and [`Error::params`].

use std::collections::BTreeMap;

/// Error category the UI branches on. Add a code only when a screen handles it differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ErrorCode {
    InvalidInput,
    HostNotFound,
    HostNameTaken,
    HostUnreachable,
    HostKeyUnknown,
    HostKeyChanged,
    HostKeyRevoked,
    AuthFailed,
    KeyFileUnreadable,
    PassphraseWrong,
    SecretMissing,
    ConfigInvalid,
    AgentUnavailable,
    DockerUnavailable,
    DockerPermissionDenied,
    DockerApiTooOld,
    DockerError,
    ContainerNotFound,
    ContainerNotRunning,
    ContainerShellMissing,
    EngineTls,
    StackNotFound,
    ComposeInvalid,
    DeployFailed,
    StackUpdateFailed,
    ImageMissing,
    PortInUse,
    BindSourceMissing,
    ServiceNotReady,
    KeychainLocked,
    KeychainUnavailable,
    TemplateSourceInvalid,
    DownloadFailed,
    PrometheusUnreachable,
    PromqlInvalid,
    PrometheusQueryFailed,
    PrometheusResponseTooLarge,
    PrometheusSourceMissing,
    NotifyChannelNotFound,
    NotifyFailed,
    AlertmanagerFailed,
    AlertNotFound,
    AlertRuleNotFound,
    RuleFileInvalid,
    ConfigFileInvalid,
    ConfigFileTooNew,
    BackupPlanNotFound,
    BackupRepositoryLocked,
    BackupPasswordWrong,
    BackupRepositoryUnreachable,
    BackupToolMissing,
    BackupFailed,
    Storage,
    Cancelled,
    Internal,
}

/// A host key as OpenSSH prints it: algorithm name and `SHA256:` fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKeySeen {
    pub algorithm: String,
    pub fingerprint: String,
}

/// Errors from core operations. Messages name the value and the next step.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid {field} '{value}': {reason}")]
    InvalidInput {
        field: &'static str,
        value: String,
        reason: String,
    },

    #[error("no host named or with id '{0}'")]
    HostNotFound(String),

    #[error("a host named '{0}' already exists; choose another name")]
    HostNameTaken(String),

    #[error("cannot reach {host}:{port}: {detail}. Check the address, the port and that sshd runs there")]
    HostUnreachable { host: String, port: u16, detail: String },

    #[error("the host key of {host}:{port} is not trusted yet ({} {}); confirm the fingerprint to trust it", key.algorithm, key.fingerprint)]
    HostKeyUnknown { host: String, port: u16, key: HostKeySeen },

    #[error(
        "the host key of {host}:{port} changed from {old_fingerprint} to {} ({}). \
         Someone may be intercepting the connection (a man-in-the-middle attack); \
         replace the trusted key only if you know why it changed",
        key.fingerprint, key.algorithm
    )]
    HostKeyChanged {
        host: String,
        port: u16,
        key: HostKeySeen,
        old_fingerprint: String,
    },

    #[error("the host key {fingerprint} of {host}:{port} is marked @revoked in known_hosts, so Homeport will not use it. Ask the server's administrator for its current key")]
    HostKeyRevoked {
        host: String,
        port: u16,
        fingerprint: String,
    },

    /// A configuration file Homeport reads but does not own (such as `~/.ssh/config`) has
    /// errors. `detail` lists every error, one `FILE:LINE:COLUMN: message` per line.
    #[error("{file} line {line}, column {column}: {detail}. Nothing was imported; fix the file and try again")]
    ConfigInvalid {
        file: String,
        line: usize,
        column: usize,
        detail: String,
    },

    #[error("authentication as '{user}' on {host} with {method} failed; check the user name and the credentials, or edit the host to enter them again")]
    AuthFailed {
        host: String,
        user: String,
        method: &'static str,
    },

    #[error("cannot read the key file '{path}': {detail}")]
    KeyFileUnreadable { path: String, detail: String },

    #[error("the passphrase for the key file '{path}' is missing or wrong")]
    PassphraseWrong { path: String },

    #[error("no saved password or passphrase for host '{host}' was found in the OS keychain. If the keychain is locked, unlock it; otherwise enter the password again")]
    SecretMissing { host: String },

    #[error("no usable ssh-agent: {detail}. Start an agent and add your key with ssh-add, or choose key file authentication")]
    AgentUnavailable { detail: String },

    #[error("no Docker engine answers at {socket} on {host}. Install or start Docker there, or set the socket path in the host settings")]
    DockerUnavailable { host: String, socket: String },

    #[error("user '{user}' may not use the Docker socket {socket} on {host}. Add the user to the docker group on the host (then log in again)")]
    DockerPermissionDenied { host: String, user: String, socket: String },

    #[error("the Docker engine on {host} speaks API {version}, older than the minimum {minimum}. Upgrade Docker on the host")]
    DockerApiTooOld {
        host: String,
        version: String,
        minimum: String,
    },

    #[error("Docker on {host} failed: {detail}")]
    Docker { host: String, detail: String },

    /// The request got no response from the engine because the forwarded socket or the SSH
    /// connection under it failed. The UI shows it like [`Error::Docker`], and callers reconnect.
    #[error("the connection to Docker on {host} failed: {detail}. Check that the host is up, then try again")]
    DockerConnection { host: String, detail: String },

    #[error("no container '{container}' on {host}")]
    ContainerNotFound { host: String, container: String },

    /// The container exists but cannot run a new process. `state` is Docker's word for it
    /// (`created`, `exited`, `paused`, `restarting`, `dead`).
    #[error("the container '{container}' on {host} is {state}, not running. Start it (or unpause it), then try again")]
    ContainerNotRunning {
        host: String,
        container: String,
        state: String,
    },

    /// The container's image has no `sh`, which a container terminal starts. `detail` is what
    /// Docker reported.
    #[error(
        "the container '{container}' on {host} has no shell: {detail}. A terminal needs sh in the container's image"
    )]
    ContainerShellMissing {
        host: String,
        container: String,
        detail: String,
    },

    /// A Compose file has errors. The first one's place is given, `count` is how many there are,
    /// and `detail` lists every one, one `FILE:LINE:COLUMN: message` per line.
    #[error("{file} line {line}, column {column}: {count} error(s) in the Compose files:\n{detail}")]
    ComposeInvalid {
        file: String,
        line: usize,
        column: usize,
        count: usize,
        detail: String,
    },

    #[error(
        "no stack '{stack}' on {host}: no container carries that Compose project name. Refresh the list of stacks"
    )]
    StackNotFound { host: String, stack: String },

    /// A stack deploy stopped at `stage` because of `service` (empty when no single service is
    /// at fault). `detail` names the cause and states whether the cleanup removed everything.
    #[error("deploying stack '{stack}' to {host} failed at the {stage} stage (service '{service}'): {detail}")]
    DeployFailed {
        host: String,
        stack: String,
        stage: String,
        service: String,
        detail: String,
    },

    /// An image update of a stack stopped at `stage` because of `service` (empty when no single
    /// service is at fault). `detail` names the cause and states whether the old containers
    /// were put back.
    #[error(
        "updating the images of stack '{stack}' on {host} failed at the {stage} stage (service '{service}'): {detail}"
    )]
    StackUpdateFailed {
        host: String,
        stack: String,
        stage: String,
        service: String,
        detail: String,
    },

    #[error("the image '{image}' of service '{service}' is not on {host} and cannot be pulled: {detail}. Check the image name, or load the image on the host")]
    ImageMissing {
        host: String,
        service: String,
        image: String,
        detail: String,
    },

    /// `port` is `HOST_IP:PORT/PROTOCOL`, with `0.0.0.0` for all addresses.
    #[error("port {port} of service '{service}' is already published on {host} by the container '{container}'. Choose another published port or stop that container")]
    PortInUse {
        host: String,
        service: String,
        port: String,
        container: String,
    },

    #[error("the bind mount source '{path}' of service '{service}' does not exist on {host}. Create it on the host or fix the path")]
    BindSourceMissing {
        host: String,
        service: String,
        path: String,
    },

    /// A service that others depend on did not reach its `depends_on` condition, or a
    /// health check did not pass in time. `condition` is Compose's name for it.
    #[error("service '{service}' of stack '{stack}' on {host} did not reach {condition}: {detail}")]
    ServiceNotReady {
        host: String,
        stack: String,
        service: String,
        condition: String,
        detail: String,
    },

    /// A TCP engine's TLS files could not be read, or its certificate was refused.
    #[error("the TLS connection to the Docker engine {host} failed: {detail}. Check the CA certificate, client certificate and key of the host")]
    EngineTls { host: String, detail: String },

    #[error("the OS keychain is locked: {detail}. Unlock it (log in to the desktop session) and try again")]
    KeychainLocked { detail: String },

    #[error("the OS keychain is not available: {detail}. On Linux, a Secret Service such as gnome-keyring or KeePassXC must run in the session")]
    KeychainUnavailable { detail: String },

    /// A Portainer template file or CasaOS app cannot be imported. `line` and `column` are 0
    /// when the problem has no single place (a template without an image); `detail` then
    /// names the template and field. Each message ends with the fix.
    #[error("{file}: {detail}. Nothing was imported; fix the file and import it again")]
    TemplateSourceInvalid {
        file: String,
        line: usize,
        column: usize,
        detail: String,
    },

    #[error("cannot download {url}: {detail}. Check the address and that this computer can reach the server, or download the file yourself and import it from disk")]
    DownloadFailed { url: String, detail: String },

    /// No HTTP exchange with Prometheus completed: no connection, a TLS or SSH channel error,
    /// or no response before the deadline.
    #[error("cannot reach Prometheus at {url}: {detail}. Check the address and that Prometheus runs; for a source reached through SSH, the address is resolved on the host")]
    PrometheusUnreachable { url: String, detail: String },

    /// Prometheus rejected the PromQL text. `line` and `column` are Prometheus's own numbers
    /// (1-based; for an unexpected token, 2.42 points just past it).
    #[error("the PromQL query is invalid at line {line}, column {column}: {detail}")]
    PromqlInvalid { line: u32, column: u32, detail: String },

    /// Prometheus answered, but with an error other than a syntax error (an HTTP error, a query
    /// that timed out or asked for too many points, a body that is not its API's JSON).
    #[error("Prometheus at {url} did not run the query: {detail}")]
    PrometheusQueryFailed { url: String, detail: String },

    #[error("the response of Prometheus at {url} is larger than {limit_mib} MiB. Use a larger step or a shorter range, or select fewer series")]
    PrometheusResponseTooLarge { url: String, limit_mib: u32 },

    #[error("host '{host}' has no Prometheus source. Add one in the host's settings")]
    PrometheusSourceMissing { host: String },

    #[error("no notification channel with id '{0}'")]
    NotifyChannelNotFound(String),

    /// A notification channel did not deliver a message. `status` is the HTTP status or SMTP
    /// reply code when the server answered, and empty when no exchange completed.
    #[error("the notification channel '{channel}' failed to send{}: {detail}. Check its address and credentials, then send a test message", status_suffix(.status))]
    NotifyFailed {
        channel: String,
        status: Option<u16>,
        detail: String,
    },

    #[error("no alert with id '{0}'. Refresh the inbox")]
    AlertNotFound(String),

    #[error("no alert rule with id '{0}'. List the rules with `homeport rules ls`")]
    AlertRuleNotFound(String),

    /// A Prometheus rule file cannot be imported. `kind` tells the UI which case it is:
    /// `syntax` (with `line` and `column`, 1-based), `topLevelList` (a list of rules without
    /// `groups:`, which the importer can wrap), `prometheusConfig` (a `prometheus.yml`),
    /// `prometheus1` (the 1.x `ALERT … IF …` format) or `noRules`. `line` and `column` are 0
    /// when the problem has no single place.
    #[error("{file}: {detail}. Nothing was imported")]
    RuleFileInvalid {
        file: String,
        kind: &'static str,
        line: usize,
        column: usize,
        detail: String,
    },

    /// A Homeport configuration file (export/import) is damaged or does not match the format.
    /// `line` and `column` are 1-based, or 0 when the problem has no single place.
    #[error("{file} line {line}, column {column}: {detail}. Nothing was imported; export the file again or fix it")]
    ConfigFileInvalid {
        file: String,
        line: usize,
        column: usize,
        detail: String,
    },

    /// A configuration file written by a newer Homeport, whose format this version cannot read.
    #[error("{file} has format version {version}, but this Homeport reads versions up to {supported}. Nothing was imported; update Homeport and import again")]
    ConfigFileTooNew { file: String, version: u64, supported: u64 },

    /// An Alertmanager request failed: no connection, an HTTP error, or a body that is not its
    /// API v2 JSON.
    #[error("Alertmanager at {url} failed: {detail}. Check the address and that Alertmanager runs; for a server reached through SSH, the address is resolved on the host")]
    AlertmanagerFailed { url: String, detail: String },

    #[error("no backup plan named or with id '{0}'. List the plans with `homeport backup plan ls`")]
    BackupPlanNotFound(String),

    /// Another restic process holds a lock on the repository. `unlock_offered` is true only when
    /// the holder is this same host and its PID no longer runs there, so the lock is stale.
    #[error("the restic repository {repository} is locked by PID {pid} on {holder_host} by {user}, created {age} (storage ID {storage_id}). {}", lock_advice(*.unlock_offered))]
    BackupRepositoryLocked {
        repository: String,
        holder_host: String,
        pid: u32,
        user: String,
        age: String,
        storage_id: String,
        unlock_offered: bool,
    },

    #[error("restic cannot open the repository {repository}: wrong password or no key found. Enter the repository's password again in the plan; Homeport does not retry with the same password")]
    BackupPasswordWrong { repository: String },

    /// The repository cannot be reached or opened: a network or login failure, a missing
    /// folder, or a repository that was never initialised. `detail` is restic's message.
    #[error("cannot open the restic repository {repository}: {detail}. Check the location and the host's access to it; initialise a new repository with `homeport backup plan init`")]
    BackupRepositoryUnreachable { repository: String, detail: String },

    /// `install` is the command that installs the tool on the host's system.
    #[error("{tool} is not installed on {host}. Install it there, for example with `{install}`, then try again")]
    BackupToolMissing {
        host: String,
        tool: String,
        install: String,
    },

    /// A backup, restore or drill stopped at `stage` for a reason other than the typed ones.
    #[error("the backup plan '{plan}' failed at the {stage} stage: {detail}")]
    BackupFailed {
        plan: String,
        stage: String,
        detail: String,
    },

    #[error("the local database failed: {0}")]
    Storage(String),

    #[error("the operation was cancelled")]
    Cancelled,

    #[error("internal error: {0}")]
    Internal(String),
}

/// Returns the next step for a locked repository, for the `BackupRepositoryLocked` message.
fn lock_advice(unlock_offered: bool) -> &'static str {
    if unlock_offered {
        "That process no longer runs, so the lock is stale: remove it with `homeport backup unlock`"
    } else {
        "Wait until that process ends, or ask whoever runs it; remove the lock only when you are sure it is stale"
    }
}

/// Returns " (status N)" for a status, or nothing, for the `NotifyFailed` message.
fn status_suffix(status: &Option<u16>) -> String {
    status.map(|code| format!(" (status {code})")).unwrap_or_default()
}

/// Short form for results of core operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Returns the code the UI branches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidInput { .. } => ErrorCode::InvalidInput,
            Error::HostNotFound(_) => ErrorCode::HostNotFound,
            Error::HostNameTaken(_) => ErrorCode::HostNameTaken,
            Error::HostUnreachable { .. } => ErrorCode::HostUnreachable,
            Error::HostKeyUnknown { .. } => ErrorCode::HostKeyUnknown,
            Error::HostKeyChanged { .. } => ErrorCode::HostKeyChanged,
            Error::HostKeyRevoked { .. } => ErrorCode::HostKeyRevoked,
            Error::ConfigInvalid { .. } => ErrorCode::ConfigInvalid,
            Error::AuthFailed { .. } => ErrorCode::AuthFailed,
            Error::KeyFileUnreadable { .. } => ErrorCode::KeyFileUnreadable,
            Error::PassphraseWrong { .. } => ErrorCode::PassphraseWrong,
            Error::SecretMissing { .. } => ErrorCode::SecretMissing,
            Error::AgentUnavailable { .. } => ErrorCode::AgentUnavailable,
            Error::DockerUnavailable { .. } => ErrorCode::DockerUnavailable,
            Error::DockerPermissionDenied { .. } => ErrorCode::DockerPermissionDenied,
            Error::DockerApiTooOld { .. } => ErrorCode::DockerApiTooOld,
            Error::Docker { .. } | Error::DockerConnection { .. } => ErrorCode::DockerError,
            Error::ContainerNotFound { .. } => ErrorCode::ContainerNotFound,
            Error::ContainerNotRunning { .. } => ErrorCode::ContainerNotRunning,
            Error::ContainerShellMissing { .. } => ErrorCode::ContainerShellMissing,
            Error::EngineTls { .. } => ErrorCode::EngineTls,
            Error::StackNotFound { .. } => ErrorCode::StackNotFound,
            Error::ComposeInvalid { .. } => ErrorCode::ComposeInvalid,
            Error::DeployFailed { .. } => ErrorCode::DeployFailed,
            Error::StackUpdateFailed { .. } => ErrorCode::StackUpdateFailed,
            Error::ImageMissing { .. } => ErrorCode::ImageMissing,
            Error::PortInUse { .. } => ErrorCode::PortInUse,
            Error::BindSourceMissing { .. } => ErrorCode::BindSourceMissing,
            Error::ServiceNotReady { .. } => ErrorCode::ServiceNotReady,
            Error::KeychainLocked { .. } => ErrorCode::KeychainLocked,
            Error::KeychainUnavailable { .. } => ErrorCode::KeychainUnavailable,
            Error::TemplateSourceInvalid { .. } => ErrorCode::TemplateSourceInvalid,
            Error::DownloadFailed { .. } => ErrorCode::DownloadFailed,
            Error::PrometheusUnreachable { .. } => ErrorCode::PrometheusUnreachable,
            Error::PromqlInvalid { .. } => ErrorCode::PromqlInvalid,
            Error::PrometheusQueryFailed { .. } => ErrorCode::PrometheusQueryFailed,
            Error::PrometheusResponseTooLarge { .. } => ErrorCode::PrometheusResponseTooLarge,
            Error::PrometheusSourceMissing { .. } => ErrorCode::PrometheusSourceMissing,
            Error::NotifyChannelNotFound(_) => ErrorCode::NotifyChannelNotFound,
            Error::NotifyFailed { .. } => ErrorCode::NotifyFailed,
            Error::AlertmanagerFailed { .. } => ErrorCode::AlertmanagerFailed,
            Error::AlertNotFound(_) => ErrorCode::AlertNotFound,
            Error::AlertRuleNotFound(_) => ErrorCode::AlertRuleNotFound,
            Error::RuleFileInvalid { .. } => ErrorCode::RuleFileInvalid,
            Error::ConfigFileInvalid { .. } => ErrorCode::ConfigFileInvalid,
            Error::ConfigFileTooNew { .. } => ErrorCode::ConfigFileTooNew,
            Error::BackupPlanNotFound(_) => ErrorCode::BackupPlanNotFound,
            Error::BackupRepositoryLocked { .. } => ErrorCode::BackupRepositoryLocked,
            Error::BackupPasswordWrong { .. } => ErrorCode::BackupPasswordWrong,
            Error::BackupRepositoryUnreachable { .. } => ErrorCode::BackupRepositoryUnreachable,
            Error::BackupToolMissing { .. } => ErrorCode::BackupToolMissing,
            Error::BackupFailed { .. } => ErrorCode::BackupFailed,
            Error::Storage(_) => ErrorCode::Storage,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Returns the values a translated message interpolates, keyed by name.
    pub fn params(&self) -> BTreeMap<&'static str, String> {
        let mut params = BTreeMap::new();
        match self {
            Error::InvalidInput { field, value, reason } => {
                params.insert("field", field.to_string());
                params.insert("value", value.clone());
                params.insert("detail", reason.clone());
            }
            Error::HostNotFound(host) | Error::HostNameTaken(host) | Error::SecretMissing { host } => {
                params.insert("host", host.clone());
            }
            Error::HostUnreachable { host, port, detail } => {
                params.insert("host", host.clone());
                params.insert("port", port.to_string());
                params.insert("detail", detail.clone());
            }
            Error::HostKeyUnknown { host, port, key } => {
                params.insert("host", host.clone());
                params.insert("port", port.to_string());
                params.insert("algorithm", key.algorithm.clone());
                params.insert("fingerprint", key.fingerprint.clone());
            }
            Error::HostKeyChanged {
                host,
                port,
                key,
                old_fingerprint,
            } => {
                params.insert("host", host.clone());
                params.insert("port", port.to_string());
                params.insert("algorithm", key.algorithm.clone());
                params.insert("fingerprint", key.fingerprint.clone());
                params.insert("oldFingerprint", old_fingerprint.clone());
            }
            Error::HostKeyRevoked {
                host,
                port,
                fingerprint,
            } => {
                params.insert("host", host.clone());
                params.insert("port", port.to_string());
                params.insert("fingerprint", fingerprint.clone());
            }
            Error::ConfigInvalid {
                file,
                line,
                column,
                detail,
            } => {
                params.insert("file", file.clone());
                params.insert("line", line.to_string());
                params.insert("column", column.to_string());
                params.insert("detail", detail.clone());
            }
            Error::AuthFailed { host, user, method } => {
                params.insert("host", host.clone());
                params.insert("user", user.clone());
                params.insert("method", method.to_string());
            }
            Error::KeyFileUnreadable { path, detail } => {
                params.insert("path", path.clone());
                params.insert("detail", detail.clone());
            }
            Error::PassphraseWrong { path } => {
                params.insert("path", path.clone());
            }
            Error::AgentUnavailable { detail }
            | Error::KeychainLocked { detail }
            | Error::KeychainUnavailable { detail }
            | Error::Storage(detail)
            | Error::Internal(detail) => {
                params.insert("detail", detail.clone());
            }
            Error::DockerUnavailable { host, socket } => {
                params.insert("host", host.clone());
                params.insert("socket", socket.clone());
            }
            Error::DockerPermissionDenied { host, user, socket } => {
                params.insert("host", host.clone());
                params.insert("user", user.clone());
                params.insert("socket", socket.clone());
            }
            Error::DockerApiTooOld { host, version, minimum } => {
                params.insert("host", host.clone());
                params.insert("version", version.clone());
                params.insert("minimum", minimum.clone());
            }
            Error::Docker { host, detail }
            | Error::DockerConnection { host, detail }
            | Error::EngineTls { host, detail } => {
                params.insert("host", host.clone());
                params.insert("detail", detail.clone());
            }
            Error::ContainerNotFound { host, container } => {
                params.insert("host", host.clone());
                params.insert("container", container.clone());
            }
            Error::ContainerNotRunning { host, container, state } => {
                params.insert("host", host.clone());
                params.insert("container", container.clone());
                params.insert("state", state.clone());
            }
            Error::ContainerShellMissing {
                host,
                container,
                detail,
            } => {
                params.insert("host", host.clone());
                params.insert("container", container.clone());
                params.insert("detail", detail.clone());
            }
            Error::ComposeInvalid {
                file,
                line,
                column,
                count,
                detail,
            } => {
                params.insert("file", file.clone());
                params.insert("line", line.to_string());
                params.insert("column", column.to_string());
                params.insert("count", count.to_string());
                params.insert("detail", detail.clone());
            }
            Error::StackNotFound { host, stack } => {
                params.insert("host", host.clone());
                params.insert("stack", stack.clone());
            }
            Error::DeployFailed {
                host,
                stack,
                stage,
                service,
                detail,
            }
            | Error::StackUpdateFailed {
                host,
                stack,
                stage,
                service,
                detail,
            } => {
                params.insert("host", host.clone());
                params.insert("stack", stack.clone());
                params.insert("stage", stage.clone());
                params.insert("service", service.clone());
                params.insert("detail", detail.clone());
            }
            Error::ImageMissing {
                host,
                service,
                image,
                detail,
            } => {
                params.insert("host", host.clone());
                params.insert("service", service.clone());
                params.insert("image", image.clone());
                params.insert("detail", detail.clone());
            }
            Error::PortInUse {
                host,
                service,
                port,
                container,
            } => {
                params.insert("host", host.clone());
                params.insert("service", service.clone());
                params.insert("port", port.clone());
                params.insert("container", container.clone());
            }
            Error::BindSourceMissing { host, service, path } => {
                params.insert("host", host.clone());
                params.insert("service", service.clone());
                params.insert("path", path.clone());
            }
            Error::ServiceNotReady {
                host,
                stack,
                service,
                condition,
                detail,
            } => {
                params.insert("host", host.clone());
                params.insert("stack", stack.clone());
                params.insert("service", service.clone());
                params.insert("condition", condition.clone());
                params.insert("detail", detail.clone());
            }
            Error::TemplateSourceInvalid {
                file,
                line,
                column,
                detail,
            } => {
                params.insert("file", file.clone());
                params.insert("line", line.to_string());
                params.insert("column", column.to_string());
                params.insert("detail", detail.clone());
            }
            Error::DownloadFailed { url, detail }
            | Error::AlertmanagerFailed { url, detail }
            | Error::PrometheusUnreachable { url, detail }
            | Error::PrometheusQueryFailed { url, detail } => {
                params.insert("url", url.clone());
                params.insert("detail", detail.clone());
            }
            Error::PromqlInvalid { line, column, detail } => {
                params.insert("line", line.to_string());
                params.insert("column", column.to_string());
                params.insert("detail", detail.clone());
            }
            Error::PrometheusResponseTooLarge { url, limit_mib } => {
                params.insert("url", url.clone());
                params.insert("limitMib", limit_mib.to_string());
            }
            Error::PrometheusSourceMissing { host } => {
                params.insert("host", host.clone());
            }
            Error::NotifyChannelNotFound(channel) => {
                params.insert("channel", channel.clone());
            }
            Error::NotifyFailed {
                channel,
                status,
                detail,
            } => {
                params.insert("channel", channel.clone());
                params.insert("status", status.map(|code| code.to_string()).unwrap_or_default());
                params.insert("detail", detail.clone());
            }
            Error::AlertNotFound(id) | Error::AlertRuleNotFound(id) => {
                params.insert("id", id.clone());
            }
            Error::RuleFileInvalid {
                file,
                kind,
                line,
                column,
                detail,
            } => {
                params.insert("file", file.clone());
                params.insert("kind", kind.to_string());
                params.insert("line", line.to_string());
                params.insert("column", column.to_string());
                params.insert("detail", detail.clone());
            }
            Error::ConfigFileInvalid {
                file,
                line,
                column,
                detail,
            } => {
                params.insert("file", file.clone());
                params.insert("line", line.to_string());
                params.insert("column", column.to_string());
                params.insert("detail", detail.clone());
            }
            Error::ConfigFileTooNew {
                file,
                version,
                supported,
            } => {
                params.insert("file", file.clone());
                params.insert("version", version.to_string());
                params.insert("supported", supported.to_string());
            }
            Error::BackupPlanNotFound(plan) => {
                params.insert("plan", plan.clone());
            }
            Error::BackupRepositoryLocked {
                repository,
                holder_host,
                pid,
                user,
                age,
                storage_id,
                unlock_offered,
            } => {
                params.insert("repository", repository.clone());
                params.insert("holderHost", holder_host.clone());
                params.insert("pid", pid.to_string());
                params.insert("user", user.clone());
                params.insert("age", age.clone());
                params.insert("storageId", storage_id.clone());
                params.insert("unlockOffered", unlock_offered.to_string());
            }
            Error::BackupPasswordWrong { repository } => {
                params.insert("repository", repository.clone());
            }
            Error::BackupRepositoryUnreachable { repository, detail } => {
                params.insert("repository", repository.clone());
                params.insert("detail", detail.clone());
            }
            Error::BackupToolMissing { host, tool, install } => {
                params.insert("host", host.clone());
                params.insert("tool", tool.clone());
                params.insert("install", install.clone());
            }
            Error::BackupFailed { plan, stage, detail } => {
                params.insert("plan", plan.clone());
                params.insert("stage", stage.clone());
                params.insert("detail", detail.clone());
            }
            Error::Cancelled => {}
        }
        params
    }

    /// Builds an [`Error::InvalidInput`].
    pub fn invalid(field: &'static str, value: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            value: value.into(),
            reason: reason.into(),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        Error::Storage(err.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        Error::Storage(err.to_string())
    }
}

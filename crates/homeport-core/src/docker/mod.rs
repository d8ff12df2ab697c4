//! Docker engines, local or remote, through `bollard`.
//!
//! A remote engine is reached through the host's SSH session: [`bridge`] listens on a private
//! Unix socket on this machine and forwards every connection bollard opens to the engine's
//! socket on the host over an OpenSSH direct-streamlocal channel. That needs nothing on the host
//! beyond sshd (not even the docker CLI, which `docker system dial-stdio` would need), and many
//! HTTP connections share one SSH connection.

#[cfg(unix)]
pub mod bridge;
mod containers;
mod engine;
mod exec;
pub mod memory;
pub mod stats;

pub use containers::{ContainerAction, ContainerChange, ContainerSummary, LogLine, LogStream, PortMapping};
pub use engine::{DockerEngine, DockerInfo, MINIMUM_API_VERSION};

//! Readers for the files other tools keep about hosts, so Homeport can import what a person
//! already has instead of asking them to type it again.
//!
//! - [`ssh_config`] resolves `~/.ssh/config` for an alias with OpenSSH's rules (`ssh -G` is the
//!   reference the tests compare against).
//! - [`known_hosts`] looks up trusted, revoked and certificate-authority keys in `known_hosts`.
//! - [`docker_context`] lists Docker CLI contexts and the `DOCKER_HOST` environment.
//! - [`docker_run`] converts a pasted `docker run` command into a Compose service.
//! - [`templates`] reads Portainer App Templates and CasaOS apps.
//!
//! Nothing here opens a network connection or runs a program.

pub mod docker_context;
pub mod docker_run;
pub mod known_hosts;
pub mod read;
pub mod ssh_config;
pub mod templates;

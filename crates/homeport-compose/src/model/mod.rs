//! The Compose application model: a project's services, networks, volumes, secrets and
//! configs after interpolation and merging. `x-*` extension fields are not part of it (top-level
//! ones are kept in [`Project::extensions`] for the `config` output only).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::diagnostics::Diagnostic;

pub(crate) mod build;
pub mod order;
pub mod ports;
mod resources;
mod service;
pub mod units;
pub mod values;
pub mod volumes;

pub use ports::PortBinding;
pub use volumes::VolumeMount;

/// A loaded, interpolated and merged project.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// The project name: the top-level `name`, else the folder of the first file, lowercased.
    pub name: String,
    /// The folder of the first file, against which relative paths are resolved.
    pub working_dir: PathBuf,
    pub services: BTreeMap<String, Service>,
    pub networks: BTreeMap<String, Resource>,
    pub volumes: BTreeMap<String, Resource>,
    pub secrets: BTreeMap<String, Resource>,
    pub configs: BTreeMap<String, Resource>,
    /// Top-level `x-*` fields, which `docker compose config` prints back.
    pub extensions: BTreeMap<String, serde_json::Value>,
    /// Warnings of the load: the obsolete `version`, unset variables, duplicate ports.
    pub warnings: Vec<Diagnostic>,
}

/// One service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Service {
    pub name: String,
    pub image: Option<String>,
    pub build: Option<Build>,
    /// `None` when unset; a string command is split into words as a POSIX shell would.
    pub command: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub ports: Vec<PortBinding>,
    pub volumes: Vec<VolumeMount>,
    /// Variables from `env_file` and `environment` (which wins); `None` values are names given
    /// without a value that the caller's environment does not define either.
    pub environment: BTreeMap<String, Option<String>>,
    pub depends_on: BTreeMap<String, Dependency>,
    pub healthcheck: Option<Healthcheck>,
    pub profiles: Vec<String>,
    pub restart: Option<String>,
    pub deploy: Option<Deploy>,
    pub labels: BTreeMap<String, String>,
    /// Networks the service joins; `None` when attached without options.
    pub networks: BTreeMap<String, Option<ServiceNetwork>>,
    /// Every other attribute, as JSON, for the `config` output.
    pub other: BTreeMap<String, serde_json::Value>,
}

impl Service {
    /// True when the service has no profile or one of `active` (`*` activates every profile).
    pub fn is_active(&self, active: &[&str]) -> bool {
        self.profiles.is_empty()
            || active.contains(&"*")
            || self.profiles.iter().any(|profile| active.contains(&profile.as_str()))
    }
}

/// A service's `build` section; `other` keeps attributes the model does not interpret
/// (`x-*` fields are dropped, as `docker compose config` drops them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Build {
    /// Absolute when the context is a local folder; URLs are kept as written.
    pub context: String,
    pub dockerfile: Option<String>,
    pub args: BTreeMap<String, Option<String>>,
    pub target: Option<String>,
    pub other: BTreeMap<String, serde_json::Value>,
}

/// The condition a dependency must reach before the dependent service starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    ServiceStarted,
    ServiceHealthy,
    ServiceCompletedSuccessfully,
}

impl Condition {
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::ServiceStarted => "service_started",
            Condition::ServiceHealthy => "service_healthy",
            Condition::ServiceCompletedSuccessfully => "service_completed_successfully",
        }
    }
}

/// One `depends_on` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub condition: Condition,
    /// Restart the dependent service when this dependency is updated.
    pub restart: bool,
    /// When false, a dependency that is missing or not started is only warned about.
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Healthcheck {
    /// The test command: `["NONE"]`, or starting with `CMD` or `CMD-SHELL`.
    pub test: Option<Vec<String>>,
    pub interval: Option<std::time::Duration>,
    pub timeout: Option<std::time::Duration>,
    pub start_period: Option<std::time::Duration>,
    pub start_interval: Option<std::time::Duration>,
    pub retries: Option<u64>,
    pub disable: bool,
}

/// `deploy`, with `resources` interpreted and the rest kept as JSON.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Deploy {
    pub limits: Option<ResourceAmounts>,
    pub reservations: Option<ResourceAmounts>,
    pub other: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceAmounts {
    /// Number of CPUs, fractional.
    pub cpus: Option<f64>,
    /// Bytes.
    pub memory: Option<u64>,
    pub pids: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceNetwork {
    pub aliases: Vec<String>,
    pub ipv4_address: Option<String>,
    pub ipv6_address: Option<String>,
    pub other: BTreeMap<String, serde_json::Value>,
}

/// A top-level network, volume, secret or config.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resource {
    /// The name on the engine: as given, the key for an external resource, else
    /// `<project>_<key>`.
    pub name: String,
    pub external: bool,
    pub driver: Option<String>,
    /// Absolute path of a secret's or config's `file`.
    pub file: Option<String>,
    /// A secret's or config's `environment` variable name.
    pub environment: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub other: BTreeMap<String, serde_json::Value>,
}

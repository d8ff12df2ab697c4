//! Exports a Compose project to another orchestrator: a Docker Swarm stack file, Kubernetes or
//! K3s manifests, or a Nomad job.
//!
//! Each target is built from typed values (the stack file's own structs, k8s-openapi objects,
//! hcl-rs bodies) and serialised once, so the output always parses back into the same values;
//! the tests check that round trip. Whatever a target cannot express is reported as a
//! [`Warning`] naming the service and field and what was changed or left out: nothing is
//! dropped silently.
//!
//! The crate reads no file and opens no connection, so the API layer, the CLI and the tests call
//! it alike; writing the files and deploying to a swarm live in homeport-core.

use std::collections::{BTreeMap, BTreeSet};

use homeport_compose::Project;

pub mod health;
pub mod kubernetes;
pub mod names;
pub mod nomad;
pub mod secrets;
pub mod swarm;
mod warnings;

pub use warnings::{Outcome, Warning};

/// The orchestrator an export is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Swarm,
    Kubernetes,
    /// Kubernetes with K3s's bundled parts: Traefik for Ingress and the local-path provisioner.
    K3s,
    Nomad,
}

impl Target {
    pub const ALL: [Target; 4] = [Target::Swarm, Target::Kubernetes, Target::K3s, Target::Nomad];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Swarm => "swarm",
            Target::Kubernetes => "kubernetes",
            Target::K3s => "k3s",
            Target::Nomad => "nomad",
        }
    }

    pub fn parse(text: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|target| target.as_str() == text)
    }
}

/// A hostname the stack's reverse proxy serves for a service (`x-homeport.route`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub hostname: String,
    /// The container port the route forwards to.
    pub port: u16,
}

/// What an export reads besides the project.
#[derive(Debug, Clone, Default)]
pub struct ExportInput {
    /// Routes by service name. The Compose model drops `x-*` fields, so callers read them from
    /// the text with [`routes_from_text`].
    pub routes: BTreeMap<String, Route>,
    /// Variable names that hold secrets besides the ones [`secrets::looks_secret`] recognises,
    /// such as the `.env` entries a template marks as secret.
    pub secret_names: BTreeSet<String>,
    /// Values that must never be written, such as the passwords in a stack's `.env`: a
    /// variable whose value contains one is treated as a secret whatever its name.
    pub secret_values: Vec<String>,
}

impl ExportInput {
    /// True when the export must write a reference instead of the variable's value.
    pub fn is_secret(&self, name: &str, value: Option<&str>) -> bool {
        secrets::is_secret(name, value, &self.secret_names)
            || value.is_some_and(|value| {
                self.secret_values
                    .iter()
                    .any(|secret| !secret.is_empty() && value.contains(secret.as_str()))
            })
    }
}

/// One generated file, with a path relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExportFile {
    pub path: String,
    pub content: String,
}

/// The files of one export and everything the target could not take as it was.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Export {
    pub target: Target,
    pub files: Vec<ExportFile>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the stack has no service to export (services with a profile are left out)")]
    NoServices,
    #[error("the {target} output could not be written as text: {detail}")]
    Serialise { target: &'static str, detail: String },
}

/// Exports the project's services that have no profile, as `docker compose up` starts them.
pub fn export(project: &Project, input: &ExportInput, target: Target) -> Result<Export, ExportError> {
    let mut warnings = Vec::new();
    for service in project.services.values().filter(|service| !service.is_active(&[])) {
        warnings.push(Warning::service(
            &service.name,
            "profiles",
            Outcome::Dropped,
            format!(
                "the service is only started with profile {}, so it is not exported",
                service.profiles.join(", ")
            ),
        ));
    }
    if !project.services.values().any(|service| service.is_active(&[])) {
        return Err(ExportError::NoServices);
    }
    let files = match target {
        Target::Swarm => swarm::export(project, input, &mut warnings)?,
        Target::Kubernetes => kubernetes::export(project, input, kubernetes::Flavour::Kubernetes, &mut warnings)?,
        Target::K3s => kubernetes::export(project, input, kubernetes::Flavour::K3s, &mut warnings)?,
        Target::Nomad => nomad::export(project, input, &mut warnings)?,
    };
    Ok(Export {
        target,
        files,
        warnings,
    })
}

/// Reads each service's `x-homeport.route` from the Compose text as written. A text that does
/// not parse has no routes; the load of the project reports its errors.
pub fn routes_from_text(text: &str) -> BTreeMap<String, Route> {
    let Ok(document) = homeport_compose::Document::parse(text) else {
        return BTreeMap::new();
    };
    homeport_compose::builder::view::read_view(&document)
        .routes
        .into_iter()
        .filter_map(|route| {
            let port = route.port.parse().ok()?;
            Some((
                route.service,
                Route {
                    hostname: route.hostname,
                    port,
                },
            ))
        })
        .collect()
}

//! The validate stage: everything that would make the deploy fail half-way, checked before
//! anything is created.

use std::collections::{BTreeMap, HashMap};

use bollard::errors::Error as BollardError;
use bollard::query_parameters::ListContainersOptions;
use tokio_util::sync::CancellationToken;

use super::events::Reporter;
use super::plan::DeployPlan;
use super::{files, FileAccess};
use crate::docker::DockerEngine;
use crate::error::{Error, Result};
use crate::stacks::labels;

/// Whether an image is on the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ImageState {
    /// Present, with its id.
    Present(String),
    /// Missing locally, but the registry has it.
    Pull,
}

/// Validates the plan and returns the state of each image, by reference.
pub(super) async fn validate(
    engine: &DockerEngine,
    access: &FileAccess<'_>,
    plan: &DeployPlan,
    reporter: &mut Reporter<'_>,
    cancel: &CancellationToken,
) -> Result<BTreeMap<String, ImageState>> {
    for attribute in &plan.unsupported {
        reporter.line(None, format!("unsupported, not applied: {attribute}"));
    }
    check_containers(engine, plan).await?;
    check_external(engine, plan).await?;
    check_binds(engine, access, plan, reporter).await?;
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    check_images(engine, plan, reporter).await
}

/// Checks container names and published ports against the other containers on the engine.
async fn check_containers(engine: &DockerEngine, plan: &DeployPlan) -> Result<()> {
    let options = ListContainersOptions {
        all: true,
        ..Default::default()
    };
    let containers = engine
        .docker
        .list_containers(Some(options))
        .await
        .map_err(|err| engine.map_error(err))?;

    for container in &containers {
        let container_labels = container.labels.clone().unwrap_or_default();
        if container_labels.get(labels::PROJECT) == Some(&plan.name) {
            continue;
        }
        let names: Vec<String> = container
            .names
            .iter()
            .flatten()
            .map(|name| name.trim_start_matches('/').to_string())
            .collect();
        let display_name = names.first().cloned().unwrap_or_default();
        for service in &plan.services {
            if names.contains(&service.container_name) {
                return Err(Error::DeployFailed {
                    host: engine.host.clone(),
                    stack: plan.name.clone(),
                    stage: "validate".to_string(),
                    service: service.name.clone(),
                    detail: format!(
                        "a container named '{}' exists and is not part of this stack; rename or remove it, or deploy under another name",
                        service.container_name
                    ),
                });
            }
        }

        let running = container.state.map(|state| state.to_string()) == Some("running".to_string());
        if !running {
            continue;
        }
        for published in container.ports.iter().flatten() {
            let Some(port) = published.public_port else { continue };
            let protocol = published
                .typ
                .map(|typ| typ.to_string())
                .unwrap_or_else(|| "tcp".to_string());
            let address = published.ip.clone().unwrap_or_default();
            for service in &plan.services {
                if let Some(requested) = requested_conflict(service, port, &protocol, &address) {
                    return Err(Error::PortInUse {
                        host: engine.host.clone(),
                        service: service.name.clone(),
                        port: requested,
                        container: display_name.clone(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Returns the service's binding, as `ADDRESS:PORT/PROTOCOL`, that collides with a port
/// another container publishes on `address`.
fn requested_conflict(service: &super::plan::ServicePlan, port: u16, protocol: &str, address: &str) -> Option<String> {
    let bindings = service.spec.body.host_config.as_ref()?.port_bindings.as_ref()?;
    for (key, list) in bindings {
        let requested_protocol = key.split_once('/').map_or("tcp", |(_, protocol)| protocol);
        if requested_protocol != protocol {
            continue;
        }
        for binding in list.iter().flatten() {
            let host_port = binding.host_port.clone().unwrap_or_default();
            let Some((low, high)) = port_range(&host_port) else {
                continue;
            };
            let requested_address = binding.host_ip.clone().unwrap_or_default();
            if (low..=high).contains(&port) && addresses_overlap(&requested_address, address) {
                let shown = if requested_address.is_empty() {
                    "0.0.0.0"
                } else {
                    &requested_address
                };
                return Some(format!("{shown}:{port}/{protocol}"));
            }
        }
    }
    None
}

fn port_range(text: &str) -> Option<(u16, u16)> {
    match text.split_once('-') {
        Some((low, high)) => Some((low.parse().ok()?, high.parse().ok()?)),
        None => text.parse().ok().map(|port| (port, port)),
    }
}

fn addresses_overlap(first: &str, second: &str) -> bool {
    let any = |address: &str| matches!(address, "" | "0.0.0.0" | "::");
    any(first) || any(second) || first == second
}

/// External networks and volumes must exist, as Compose requires.
async fn check_external(engine: &DockerEngine, plan: &DeployPlan) -> Result<()> {
    for network in plan.networks.iter().filter(|network| network.external) {
        if let Err(err) = engine.docker.inspect_network(&network.name, None).await {
            return Err(missing_external(engine, plan, "network", &network.name, err));
        }
    }
    for volume in plan.volumes.iter().filter(|volume| volume.external) {
        if let Err(err) = engine.docker.inspect_volume(&volume.name).await {
            return Err(missing_external(engine, plan, "volume", &volume.name, err));
        }
    }
    Ok(())
}

fn missing_external(engine: &DockerEngine, plan: &DeployPlan, kind: &str, name: &str, err: BollardError) -> Error {
    if !is_not_found(&err) {
        return engine.map_error(err);
    }
    Error::DeployFailed {
        host: engine.host.clone(),
        stack: plan.name.clone(),
        stage: "validate".to_string(),
        service: String::new(),
        detail: format!("the external {kind} '{name}' does not exist; create it first (docker {kind} create {name})"),
    }
}

/// Bind sources the engine may not create must exist on the host.
async fn check_binds(
    engine: &DockerEngine,
    access: &FileAccess<'_>,
    plan: &DeployPlan,
    reporter: &mut Reporter<'_>,
) -> Result<()> {
    let binds: Vec<(&str, &str, bool)> = plan
        .services
        .iter()
        .flat_map(|service| {
            service
                .spec
                .binds
                .iter()
                .map(|(source, create)| (service.name.as_str(), source.as_str(), *create))
        })
        .collect();
    if binds.is_empty() {
        return Ok(());
    }
    let paths: Vec<String> = binds.iter().map(|(_, source, _)| source.to_string()).collect();
    let missing = match access {
        FileAccess::Sftp(session) => files::missing_paths(session, &paths).await?,
        FileAccess::Local => paths
            .iter()
            .filter(|path| !std::path::Path::new(path.as_str()).exists())
            .cloned()
            .collect(),
        FileAccess::None => {
            reporter.line(
                None,
                "bind sources not checked: the engine's file system is not reachable without SSH",
            );
            return Ok(());
        }
    };
    for (service, source, create) in binds {
        if !missing.iter().any(|path| path == source) {
            continue;
        }
        if create {
            reporter.line(
                Some(service),
                format!("bind source {source} is missing; Docker will create it as a folder"),
            );
        } else {
            return Err(Error::BindSourceMissing {
                host: engine.host.clone(),
                service: service.to_string(),
                path: source.to_string(),
            });
        }
    }
    Ok(())
}

/// Looks each image up on the engine, and queries the registry for missing ones.
async fn check_images(
    engine: &DockerEngine,
    plan: &DeployPlan,
    reporter: &mut Reporter<'_>,
) -> Result<BTreeMap<String, ImageState>> {
    let mut states: BTreeMap<String, ImageState> = BTreeMap::new();
    let mut users: HashMap<&str, &str> = HashMap::new();
    for service in &plan.services {
        users.entry(service.image.as_str()).or_insert(service.name.as_str());
        if states.contains_key(&service.image) {
            continue;
        }
        let state = match engine.docker.inspect_image(&service.image).await {
            Ok(image) => ImageState::Present(image.id.unwrap_or_default()),
            Err(err) if is_not_found(&err) => match engine.docker.inspect_registry_image(&service.image, None).await {
                Ok(_) => ImageState::Pull,
                Err(err) => {
                    return Err(Error::ImageMissing {
                        host: engine.host.clone(),
                        service: service.name.clone(),
                        image: service.image.clone(),
                        detail: registry_detail(err),
                    })
                }
            },
            Err(err) => return Err(engine.map_error(err)),
        };
        let line = match &state {
            ImageState::Present(_) => format!("image {} is present", service.image),
            ImageState::Pull => format!("image {} will be pulled", service.image),
        };
        reporter.line(Some(&service.name), line);
        states.insert(service.image.clone(), state);
    }
    Ok(states)
}

fn registry_detail(err: BollardError) -> String {
    match err {
        BollardError::DockerResponseServerError { message, .. } => message.trim_end().to_string(),
        other => other.to_string(),
    }
}

pub(super) fn is_not_found(err: &BollardError) -> bool {
    matches!(err, BollardError::DockerResponseServerError { status_code: 404, .. })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_overlap_rules() {
        assert!(addresses_overlap("", "127.0.0.1"));
        assert!(addresses_overlap("127.0.0.1", "127.0.0.1"));
        assert!(!addresses_overlap("127.0.0.1", "127.0.0.2"));
        assert_eq!(port_range("8000-8010"), Some((8000, 8010)));
        assert_eq!(port_range(""), None);
    }
}

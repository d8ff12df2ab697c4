//! The create stage: the project's networks and volumes, then one container per service.
//! A service whose container carries the same config hash and image id keeps it.

use std::collections::HashMap;

use bollard::models::{NetworkConnectRequest, NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, RenameContainerOptions, StopContainerOptions,
};
use tokio_util::sync::CancellationToken;

use super::cleanup::{Ledger, Replaced};
use super::events::Reporter;
use super::plan::{DeployPlan, ServicePlan, IMAGE_LABEL};
use super::validate::is_not_found;
use crate::docker::DockerEngine;
use crate::error::{Error, Result};
use crate::stacks::labels;

/// Seconds a replaced container gets to stop after SIGTERM, Compose's default.
const STOP_TIMEOUT_SECS: i32 = 10;

/// What the create stage did with one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Action {
    Created,
    Replaced,
    /// The existing container stays; `state` is Docker's word for its state.
    Kept {
        state: String,
    },
}

#[derive(Debug, Clone)]
pub(super) struct ServiceOutcome {
    pub service: String,
    pub container_id: String,
    pub action: Action,
}

/// The create stage's result, in start order.
#[derive(Debug, Default)]
pub(super) struct CreateOutcome {
    pub services: Vec<ServiceOutcome>,
}

impl CreateOutcome {
    pub fn get(&self, service: &str) -> Option<&ServiceOutcome> {
        self.services.iter().find(|outcome| outcome.service == service)
    }

    pub fn changed(&self) -> Vec<String> {
        self.services
            .iter()
            .filter(|outcome| !matches!(outcome.action, Action::Kept { .. }))
            .map(|outcome| outcome.service.clone())
            .collect()
    }

    pub fn unchanged(&self) -> Vec<String> {
        self.services
            .iter()
            .filter(|outcome| matches!(outcome.action, Action::Kept { .. }))
            .map(|outcome| outcome.service.clone())
            .collect()
    }
}

/// A container of the project that exists before the deploy.
pub(super) struct Existing {
    pub id: String,
    pub state: String,
    pub hash: String,
    pub image_id: String,
}

pub(super) async fn create_all(
    engine: &DockerEngine,
    plan: &DeployPlan,
    reporter: &mut Reporter<'_>,
    ledger: &mut Ledger,
    cancel: &CancellationToken,
) -> Result<CreateOutcome> {
    create_networks(engine, plan, reporter, ledger).await?;
    create_volumes(engine, plan, reporter, ledger).await?;
    let mut existing = existing_containers(engine, plan).await?;

    let mut outcome = CreateOutcome::default();
    for service in &plan.services {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let image_id = image_id(engine, plan, service).await?;
        let old = existing.remove(&service.name);
        if let Some(old) = &old {
            if old.hash == service.hash && old.image_id == image_id {
                reporter.line(
                    Some(&service.name),
                    format!("unchanged, kept {} ({})", service.container_name, old.state),
                );
                outcome.services.push(ServiceOutcome {
                    service: service.name.clone(),
                    container_id: old.id.clone(),
                    action: Action::Kept {
                        state: old.state.clone(),
                    },
                });
                continue;
            }
        }
        let replacing = old.is_some();
        if let Some(old) = old {
            set_aside(engine, plan, service, old, ledger).await?;
        }
        let id = create_container(engine, plan, service, &image_id, ledger).await?;
        reporter.line(
            Some(&service.name),
            format!(
                "{} {}",
                if replacing { "recreated" } else { "created" },
                service.container_name
            ),
        );
        outcome.services.push(ServiceOutcome {
            service: service.name.clone(),
            container_id: id,
            action: if replacing { Action::Replaced } else { Action::Created },
        });
    }
    for orphan in existing.keys() {
        reporter.line(
            None,
            format!("the container of service '{orphan}' is not in the project any more and was left as it is"),
        );
    }
    Ok(outcome)
}

async fn create_networks(
    engine: &DockerEngine,
    plan: &DeployPlan,
    reporter: &mut Reporter<'_>,
    ledger: &mut Ledger,
) -> Result<()> {
    for network in plan.networks.iter().filter(|network| !network.external) {
        match engine.docker.inspect_network(&network.name, None).await {
            Ok(_) => continue,
            Err(err) if is_not_found(&err) => {}
            Err(err) => return Err(engine.map_error(err)),
        }
        let request = NetworkCreateRequest {
            name: network.name.clone(),
            driver: Some(network.driver.clone().unwrap_or_else(|| "bridge".to_string())),
            labels: Some(network.labels.clone()),
            ..Default::default()
        };
        engine.docker.create_network(request).await.map_err(|err| {
            failed(
                engine,
                plan,
                "",
                format!("creating the network {} failed: {err}", network.name),
            )
        })?;
        ledger.add_network(network.name.clone());
        reporter.line(None, format!("created network {}", network.name));
    }
    Ok(())
}

async fn create_volumes(
    engine: &DockerEngine,
    plan: &DeployPlan,
    reporter: &mut Reporter<'_>,
    ledger: &mut Ledger,
) -> Result<()> {
    for volume in plan.volumes.iter().filter(|volume| !volume.external) {
        match engine.docker.inspect_volume(&volume.name).await {
            Ok(_) => continue,
            Err(err) if is_not_found(&err) => {}
            Err(err) => return Err(engine.map_error(err)),
        }
        let request = VolumeCreateRequest {
            name: Some(volume.name.clone()),
            driver: volume.driver.clone(),
            labels: Some(volume.labels.clone()),
            ..Default::default()
        };
        engine.docker.create_volume(request).await.map_err(|err| {
            failed(
                engine,
                plan,
                "",
                format!("creating the volume {} failed: {err}", volume.name),
            )
        })?;
        ledger.add_volume(volume.name.clone());
        reporter.line(None, format!("created volume {}", volume.name));
    }
    Ok(())
}

/// Returns the project's containers of `docker compose up` (not `run`), by service.
pub(super) async fn existing_containers(engine: &DockerEngine, plan: &DeployPlan) -> Result<HashMap<String, Existing>> {
    let options = ListContainersOptions {
        all: true,
        filters: Some(HashMap::from([(
            "label".to_string(),
            vec![format!("{}={}", labels::PROJECT, plan.name)],
        )])),
        ..Default::default()
    };
    let list = engine
        .docker
        .list_containers(Some(options))
        .await
        .map_err(|err| engine.map_error(err))?;
    let mut existing = HashMap::new();
    for container in list {
        let container_labels = container.labels.unwrap_or_default();
        if container_labels
            .get(labels::ONEOFF)
            .is_some_and(|value| value.eq_ignore_ascii_case("true"))
        {
            continue;
        }
        let Some(service) = container_labels.get(labels::SERVICE).cloned() else {
            continue;
        };
        existing.insert(
            service,
            Existing {
                id: container.id.unwrap_or_default(),
                state: container.state.map(|state| state.to_string()).unwrap_or_default(),
                hash: container_labels.get(labels::CONFIG_HASH).cloned().unwrap_or_default(),
                image_id: container_labels.get(IMAGE_LABEL).cloned().unwrap_or_default(),
            },
        );
    }
    Ok(existing)
}

async fn image_id(engine: &DockerEngine, plan: &DeployPlan, service: &ServicePlan) -> Result<String> {
    match engine.docker.inspect_image(&service.image).await {
        Ok(image) => Ok(image.id.unwrap_or_default()),
        Err(err) => Err(Error::ImageMissing {
            host: engine.host.clone(),
            service: service.name.clone(),
            image: service.image.clone(),
            detail: format!(
                "the image is gone from the engine after the pull stage ({err}); deploy {} again",
                plan.name
            ),
        }),
    }
}

/// Stops the old container and renames it out of the way, so the new one can take its name
/// and a rollback can restore it.
async fn set_aside(
    engine: &DockerEngine,
    plan: &DeployPlan,
    service: &ServicePlan,
    old: Existing,
    ledger: &mut Ledger,
) -> Result<()> {
    let was_running = old.state == "running" || old.state == "restarting";
    let fail = |err: bollard::errors::Error| {
        failed(
            engine,
            plan,
            &service.name,
            format!("replacing the old container failed: {err}"),
        )
    };
    if was_running {
        let options = StopContainerOptions {
            t: Some(STOP_TIMEOUT_SECS),
            ..Default::default()
        };
        engine
            .docker
            .stop_container(&old.id, Some(options))
            .await
            .map_err(fail)?;
    }
    let short_id: String = old.id.chars().take(12).collect();
    let rename = RenameContainerOptions {
        name: format!("{short_id}_{}", service.container_name),
    };
    if let Err(err) = engine.docker.rename_container(&old.id, rename).await {
        if was_running {
            let _ = engine
                .docker
                .start_container(&old.id, None::<bollard::query_parameters::StartContainerOptions>)
                .await;
        }
        return Err(fail(err));
    }
    ledger.add_replaced(Replaced {
        id: old.id,
        name: service.container_name.clone(),
        was_running,
    });
    Ok(())
}

async fn create_container(
    engine: &DockerEngine,
    plan: &DeployPlan,
    service: &ServicePlan,
    image_id: &str,
    ledger: &mut Ledger,
) -> Result<String> {
    let mut body = service.spec.body.clone();
    body.labels
        .get_or_insert_with(HashMap::new)
        .insert(IMAGE_LABEL.to_string(), image_id.to_string());
    let options = CreateContainerOptions {
        name: Some(service.container_name.clone()),
        ..Default::default()
    };
    let created = engine
        .docker
        .create_container(Some(options), body)
        .await
        .map_err(|err| {
            failed(
                engine,
                plan,
                &service.name,
                format!("creating the container failed: {}", docker_message(err)),
            )
        })?;
    ledger.add_container(created.id.clone(), service.container_name.clone());

    for (network, endpoint) in &service.spec.extra_networks {
        let request = NetworkConnectRequest {
            container: created.id.clone(),
            endpoint_config: Some(endpoint.clone()),
        };
        engine.docker.connect_network(network, request).await.map_err(|err| {
            failed(
                engine,
                plan,
                &service.name,
                format!("connecting to the network {network} failed: {}", docker_message(err)),
            )
        })?;
    }
    Ok(created.id)
}

pub(super) fn docker_message(err: bollard::errors::Error) -> String {
    match err {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.trim_end().to_string(),
        other => other.to_string(),
    }
}

pub(super) fn failed(engine: &DockerEngine, plan: &DeployPlan, service: &str, detail: String) -> Error {
    Error::DeployFailed {
        host: engine.host.clone(),
        stack: plan.name.clone(),
        stage: String::new(),
        service: service.to_string(),
        detail,
    }
}

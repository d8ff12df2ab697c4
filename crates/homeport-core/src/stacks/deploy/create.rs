//! The create stage: the project's networks and volumes, then one container per service.
//! A service whose container carries the same config hash and image id keeps it.
//!
//! Networks, volumes, the listing of the project's containers and the image lookups run at
//! once. Then every container that changed is created at once, because no create depends on
//! another (at most [`MAX_CONCURRENT`](super::schedule::MAX_CONCURRENT) at a time).

use std::collections::{BTreeMap, HashMap};

use bollard::models::{NetworkConnectRequest, NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, RenameContainerOptions, StopContainerOptions,
};
use futures_util::future::join_all;
use tokio_util::sync::CancellationToken;

use super::cleanup::{Ledger, Replaced};
use super::events::Reporter;
use super::plan::{DeployPlan, ResourcePlan, ServicePlan, IMAGE_LABEL};
use super::schedule::{run_steps, Progress, Step};
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

/// The result of creating one service's container, with the steps that succeeded before a
/// failure, so the ledger can undo them.
struct CreateStep {
    /// The old container, stopped and renamed out of the way.
    replaced: Option<Replaced>,
    /// The new container's id.
    created: Option<String>,
    result: Result<()>,
}

pub(super) async fn create_all(
    engine: &DockerEngine,
    plan: &DeployPlan,
    reporter: &mut Reporter<'_>,
    ledger: &mut Ledger,
    cancel: &CancellationToken,
) -> Result<CreateOutcome> {
    let (networks, volumes, existing, image_ids) = tokio::join!(
        ensure_all(engine, plan, &plan.networks, create_network),
        ensure_all(engine, plan, &plan.volumes, create_volume),
        existing_containers(engine, plan),
        image_ids(engine, plan),
    );
    // Record what was created before looking at the errors, so a failure removes it again.
    for (kind, created) in [("network", &networks.0), ("volume", &volumes.0)] {
        for name in created {
            if kind == "network" {
                ledger.add_network(name.clone());
            } else {
                ledger.add_volume(name.clone());
            }
            reporter.line(None, format!("created {kind} {name}"));
        }
    }
    networks.1?;
    volumes.1?;
    let mut existing = existing?;
    let image_ids = image_ids?;
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }

    let mut outcomes: Vec<Option<ServiceOutcome>> = vec![None; plan.services.len()];
    let mut to_create: Vec<(usize, Option<Existing>)> = Vec::new();
    for (index, service) in plan.services.iter().enumerate() {
        let image_id = &image_ids[&service.image];
        match existing.remove(&service.name) {
            Some(old) if old.hash == service.hash && &old.image_id == image_id => {
                reporter.line(
                    Some(&service.name),
                    format!("unchanged, kept {} ({})", service.container_name, old.state),
                );
                outcomes[index] = Some(ServiceOutcome {
                    service: service.name.clone(),
                    container_id: old.id,
                    action: Action::Kept { state: old.state },
                });
            }
            old => to_create.push((index, old)),
        }
    }

    let steps: Vec<Step> = to_create
        .iter()
        .map(|(index, _)| Step {
            service: plan.services[*index].name.clone(),
            after: Vec::new(),
        })
        .collect();
    let olds: Vec<Option<&Existing>> = to_create.iter().map(|(_, old)| old.as_ref()).collect();
    run_steps(
        &steps,
        reporter,
        cancel,
        |step, progress, _| {
            let service = &plan.services[to_create[step].0];
            create_service(engine, plan, service, olds[step], &image_ids[&service.image], progress)
        },
        |step, output: CreateStep, _| {
            let index = to_create[step].0;
            if let Some(replaced) = output.replaced {
                ledger.add_replaced(replaced);
            }
            if let Some(id) = &output.created {
                ledger.add_container(id.clone(), plan.services[index].container_name.clone());
            }
            output.result?;
            outcomes[index] = Some(ServiceOutcome {
                service: plan.services[index].name.clone(),
                container_id: output.created.unwrap_or_default(),
                action: if to_create[step].1.is_some() {
                    Action::Replaced
                } else {
                    Action::Created
                },
            });
            Ok(())
        },
    )
    .await?;

    let mut orphans: Vec<&String> = existing.keys().collect();
    orphans.sort();
    for orphan in orphans {
        reporter.line(
            None,
            format!("the container of service '{orphan}' is not in the project any more and was left as it is"),
        );
    }
    Ok(CreateOutcome {
        services: outcomes.into_iter().flatten().collect(),
    })
}

/// Creates the service's container, after setting its old one aside when there is one.
async fn create_service(
    engine: &DockerEngine,
    plan: &DeployPlan,
    service: &ServicePlan,
    old: Option<&Existing>,
    image_id: &str,
    progress: Progress,
) -> CreateStep {
    let mut step = CreateStep {
        replaced: None,
        created: None,
        result: Ok(()),
    };
    if let Some(old) = old {
        match set_aside(engine, plan, service, old).await {
            Ok(replaced) => step.replaced = Some(replaced),
            Err(err) => {
                step.result = Err(err);
                return step;
            }
        }
    }
    match create_container(engine, plan, service, image_id).await {
        Ok(id) => step.created = Some(id),
        Err(err) => {
            step.result = Err(err);
            return step;
        }
    }
    if let Some(id) = &step.created {
        step.result = connect_networks(engine, plan, service, id).await;
    }
    if step.result.is_ok() {
        let verb = if old.is_some() { "recreated" } else { "created" };
        progress.line(format!("{verb} {}", service.container_name));
    }
    step
}

/// Ensures every resource that is not external exists, at once. Returns the names of those it
/// created, also when another one failed, and the first error.
async fn ensure_all<'a, Fut>(
    engine: &'a DockerEngine,
    plan: &'a DeployPlan,
    resources: &'a [ResourcePlan],
    create: impl Fn(&'a DockerEngine, &'a DeployPlan, &'a ResourcePlan) -> Fut,
) -> (Vec<String>, Result<()>)
where
    Fut: std::future::Future<Output = Result<bool>>,
{
    let results = join_all(
        resources
            .iter()
            .filter(|resource| !resource.external)
            .map(|resource| async { (resource.name.clone(), create(engine, plan, resource).await) }),
    )
    .await;
    let mut created = Vec::new();
    let mut first_error = Ok(());
    for (name, result) in results {
        match result {
            Ok(true) => created.push(name),
            Ok(false) => {}
            Err(err) if first_error.is_ok() => first_error = Err(err),
            Err(_) => {}
        }
    }
    (created, first_error)
}

/// Creates the network unless one of that name exists. Returns whether it created it.
async fn create_network(engine: &DockerEngine, plan: &DeployPlan, network: &ResourcePlan) -> Result<bool> {
    match engine.docker.inspect_network(&network.name, None).await {
        Ok(_) => return Ok(false),
        Err(err) if is_not_found(&err) => {}
        Err(err) => return Err(engine.map_error(err)),
    }
    let request = NetworkCreateRequest {
        name: network.name.clone(),
        driver: Some(network.driver.clone().unwrap_or_else(|| "bridge".to_string())),
        options: (!network.options.is_empty()).then(|| network.options.clone()),
        internal: network.internal.then_some(true),
        attachable: network.attachable.then_some(true),
        enable_ipv6: network.enable_ipv6,
        ipam: network.ipam.clone(),
        labels: Some(network.labels.clone()),
        ..Default::default()
    };
    engine.docker.create_network(request).await.map_err(|err| {
        failed(
            engine,
            plan,
            "",
            format!("creating the network {} failed: {}", network.name, docker_message(err)),
        )
    })?;
    Ok(true)
}

/// Creates the volume unless one of that name exists. Returns whether it created it.
async fn create_volume(engine: &DockerEngine, plan: &DeployPlan, volume: &ResourcePlan) -> Result<bool> {
    match engine.docker.inspect_volume(&volume.name).await {
        Ok(_) => return Ok(false),
        Err(err) if is_not_found(&err) => {}
        Err(err) => return Err(engine.map_error(err)),
    }
    let request = VolumeCreateRequest {
        name: Some(volume.name.clone()),
        driver: volume.driver.clone(),
        driver_opts: (!volume.options.is_empty()).then(|| volume.options.clone()),
        labels: Some(volume.labels.clone()),
        ..Default::default()
    };
    engine.docker.create_volume(request).await.map_err(|err| {
        failed(
            engine,
            plan,
            "",
            format!("creating the volume {} failed: {}", volume.name, docker_message(err)),
        )
    })?;
    Ok(true)
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

/// Looks up the id of every image the plan uses, one request per image at once.
async fn image_ids(engine: &DockerEngine, plan: &DeployPlan) -> Result<BTreeMap<String, String>> {
    let mut images: Vec<(&str, &str)> = plan
        .services
        .iter()
        .map(|service| (service.image.as_str(), service.name.as_str()))
        .collect();
    images.sort();
    images.dedup_by(|second, first| second.0 == first.0);
    let lookups = join_all(images.into_iter().map(|(image, service)| async move {
        match engine.docker.inspect_image(image).await {
            Ok(inspected) => Ok((image.to_string(), inspected.id.unwrap_or_default())),
            Err(err) => Err(Error::ImageMissing {
                host: engine.host.clone(),
                service: service.to_string(),
                image: image.to_string(),
                detail: format!(
                    "the image is gone from the engine after the pull stage ({err}); deploy {} again",
                    plan.name
                ),
            }),
        }
    }))
    .await;
    lookups.into_iter().collect()
}

/// Stops the old container and renames it out of the way, so the new one can take its name
/// and a rollback can restore it.
async fn set_aside(
    engine: &DockerEngine,
    plan: &DeployPlan,
    service: &ServicePlan,
    old: &Existing,
) -> Result<Replaced> {
    let was_running = old.state == "running" || old.state == "restarting";
    let fail = |err: bollard::errors::Error| {
        failed(
            engine,
            plan,
            &service.name,
            format!("replacing the old container failed: {}", docker_message(err)),
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
    Ok(Replaced {
        id: old.id.clone(),
        name: service.container_name.clone(),
        was_running,
    })
}

async fn create_container(
    engine: &DockerEngine,
    plan: &DeployPlan,
    service: &ServicePlan,
    image_id: &str,
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
    Ok(created.id)
}

/// Joins the networks beyond the first, which the create request cannot name on engines
/// before API 1.44.
async fn connect_networks(engine: &DockerEngine, plan: &DeployPlan, service: &ServicePlan, id: &str) -> Result<()> {
    for (network, endpoint) in &service.spec.extra_networks {
        let request = NetworkConnectRequest {
            container: id.to_string(),
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
    Ok(())
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

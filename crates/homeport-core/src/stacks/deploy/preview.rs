//! The preview of a redeploy, which changes nothing: each service is new, changed (its
//! configuration or its image), unchanged, or left over from an earlier version of the
//! project. The comparison is the one the create stage makes, so the preview and the deploy
//! agree on which containers are replaced.

use super::create::existing_containers;
use super::plan::DeployPlan;
use super::DeployRequest;
use crate::docker::DockerEngine;
use crate::error::Result;

/// The change a deploy would make to one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ServiceChange {
    /// No container yet: one is created.
    New,
    /// The service's configuration differs from its container's: the container is replaced.
    Config,
    /// Same configuration, but the image now names another image id: the container is
    /// replaced.
    Image,
    /// Same configuration and image: the container is kept as it is.
    Unchanged,
    /// A container of the project whose service the files no longer have. Deploys leave it
    /// alone; `stack down` removes it.
    Removed,
}

/// One line of a preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePreview {
    pub service: String,
    pub change: ServiceChange,
}

/// Compares `request` with the project's containers on `engine`. `stack_dir` is the folder the
/// deploy would write to on an SSH host, which relative bind sources point at, as in
/// [`super::deploy`].
pub async fn preview(
    engine: &DockerEngine,
    request: &DeployRequest,
    stack_dir: Option<&str>,
) -> Result<Vec<ServicePreview>> {
    super::plan::check_name(&request.name)?;
    let plan = DeployPlan::build(request, stack_dir)?;
    let mut existing = existing_containers(engine, &plan).await?;

    let mut previews = Vec::new();
    for service in &plan.services {
        let change = match existing.remove(&service.name) {
            None => ServiceChange::New,
            Some(old) if old.hash != service.hash => ServiceChange::Config,
            Some(old) => {
                // A missing image would be pulled, and a pulled image is new by definition.
                let image_id = engine
                    .docker
                    .inspect_image(&service.image)
                    .await
                    .ok()
                    .and_then(|image| image.id)
                    .unwrap_or_default();
                if image_id == old.image_id {
                    ServiceChange::Unchanged
                } else {
                    ServiceChange::Image
                }
            }
        };
        previews.push(ServicePreview {
            service: service.name.clone(),
            change,
        });
    }
    let mut removed: Vec<String> = existing.into_keys().collect();
    removed.sort();
    previews.extend(removed.into_iter().map(|service| ServicePreview {
        service,
        change: ServiceChange::Removed,
    }));
    Ok(previews)
}

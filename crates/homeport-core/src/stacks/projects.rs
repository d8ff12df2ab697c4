//! Listing the Compose projects on an engine from the labels of their containers.

use std::collections::{BTreeMap, HashMap};

use bollard::query_parameters::ListContainersOptions;

use super::labels;
use crate::docker::DockerEngine;
use crate::error::Result;
use crate::fleet::ContainerCounts;

/// Whether a stack's containers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StackStatus {
    /// Every container runs.
    Running,
    /// Some run and some do not.
    Partial,
    /// None runs.
    Stopped,
}

/// One service of a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackService {
    pub name: String,
    /// The image of the newest container, as the engine reports it.
    pub image: String,
    pub containers: ContainerCounts,
}

/// A Compose project on one engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stack {
    pub name: String,
    pub status: StackStatus,
    /// The folder `docker compose` ran in, when the containers record it.
    pub working_dir: Option<String>,
    pub config_files: Vec<String>,
    /// The Compose version that created the newest container.
    pub compose_version: Option<String>,
    pub services: Vec<StackService>,
    pub containers: ContainerCounts,
}

/// A project container with the labels the listing needs.
struct ProjectContainer {
    id: String,
    project: String,
    service: String,
    image: String,
    state: String,
    created: i64,
    labels: HashMap<String, String>,
}

impl DockerEngine {
    /// Lists the Compose projects on this engine, by name. Containers of `docker compose run`
    /// are left out, as `docker compose ps` leaves them out.
    pub async fn stacks(&self) -> Result<Vec<Stack>> {
        let containers = self.project_containers(None).await?;
        Ok(group(containers))
    }

    /// Returns the ids of a project's containers, oldest first, with `docker compose run`
    /// containers only when `oneoff` is true.
    pub(crate) async fn project_container_ids(&self, project: &str, oneoff: bool) -> Result<Vec<(String, String)>> {
        let mut containers = self.project_containers(Some(project)).await?;
        containers.sort_by_key(|container| container.created);
        Ok(containers
            .into_iter()
            .filter(|container| oneoff || !is_oneoff(&container.labels))
            .map(|container| (container.id, container.state))
            .collect())
    }

    async fn project_containers(&self, project: Option<&str>) -> Result<Vec<ProjectContainer>> {
        let label = match project {
            Some(name) => format!("{}={name}", labels::PROJECT),
            None => labels::PROJECT.to_string(),
        };
        let options = ListContainersOptions {
            all: true,
            filters: Some(HashMap::from([("label".to_string(), vec![label])])),
            ..Default::default()
        };
        let list = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|err| self.map_error(err))?;
        Ok(list
            .into_iter()
            .filter_map(|container| {
                let labels = container.labels.unwrap_or_default();
                let project = labels.get(labels::PROJECT)?.clone();
                Some(ProjectContainer {
                    id: container.id.unwrap_or_default(),
                    project,
                    service: labels.get(labels::SERVICE).cloned().unwrap_or_default(),
                    image: container.image.unwrap_or_default(),
                    state: container.state.map(|state| state.to_string()).unwrap_or_default(),
                    created: container.created.unwrap_or_default(),
                    labels,
                })
            })
            .collect())
    }
}

fn is_oneoff(labels: &HashMap<String, String>) -> bool {
    labels
        .get(labels::ONEOFF)
        .is_some_and(|value| value.eq_ignore_ascii_case("true"))
}

/// Groups containers into stacks and services, both sorted by name.
fn group(containers: Vec<ProjectContainer>) -> Vec<Stack> {
    let mut projects: BTreeMap<String, Vec<ProjectContainer>> = BTreeMap::new();
    for container in containers.into_iter().filter(|container| !is_oneoff(&container.labels)) {
        projects.entry(container.project.clone()).or_default().push(container);
    }

    projects
        .into_iter()
        .map(|(name, mut containers)| {
            containers.sort_by_key(|container| container.created);
            let newest = containers.last().map(|container| &container.labels);
            let label = |key: &str| newest.and_then(|labels| labels.get(key)).cloned();
            let config_files = label(labels::CONFIG_FILES)
                .map(|files| {
                    files
                        .split(',')
                        .map(str::to_string)
                        .filter(|file| !file.is_empty())
                        .collect()
                })
                .unwrap_or_default();

            let mut services: BTreeMap<String, (String, Vec<&str>)> = BTreeMap::new();
            for container in &containers {
                let entry = services.entry(container.service.clone()).or_default();
                entry.0 = container.image.clone();
                entry.1.push(container.state.as_str());
            }
            let services: Vec<StackService> = services
                .into_iter()
                .map(|(name, (image, states))| StackService {
                    name,
                    image,
                    containers: ContainerCounts::from_states(states),
                })
                .collect();
            let counts = ContainerCounts::from_states(containers.iter().map(|container| container.state.as_str()));

            Stack {
                status: status_of(&counts),
                working_dir: label(labels::WORKING_DIR),
                config_files,
                compose_version: label(labels::VERSION),
                services,
                containers: counts,
                name,
            }
        })
        .collect()
}

fn status_of(counts: &ContainerCounts) -> StackStatus {
    if counts.total > 0 && counts.running == counts.total {
        StackStatus::Running
    } else if counts.running > 0 {
        StackStatus::Partial
    } else {
        StackStatus::Stopped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(project: &str, service: &str, state: &str, created: i64, oneoff: bool) -> ProjectContainer {
        let labels = HashMap::from([
            (labels::PROJECT.to_string(), project.to_string()),
            (labels::SERVICE.to_string(), service.to_string()),
            (
                labels::ONEOFF.to_string(),
                if oneoff { "True" } else { "False" }.to_string(),
            ),
            (labels::WORKING_DIR.to_string(), format!("/opt/stacks/{project}")),
            (
                labels::CONFIG_FILES.to_string(),
                format!("/opt/stacks/{project}/compose.yaml,/opt/stacks/{project}/override.yaml"),
            ),
        ]);
        ProjectContainer {
            id: format!("{project}-{service}-{created}"),
            project: project.into(),
            service: service.into(),
            image: format!("{service}:1"),
            state: state.into(),
            created,
            labels,
        }
    }

    #[test]
    fn containers_group_into_stacks_and_services() {
        let stacks = group(vec![
            container("media", "jellyfin", "running", 2, false),
            container("media", "sonarr", "exited", 3, false),
            container("media", "sonarr", "running", 4, true),
            container("dns", "adguard", "running", 1, false),
        ]);
        assert_eq!(stacks.len(), 2);
        assert_eq!(stacks[0].name, "dns");
        assert_eq!(stacks[0].status, StackStatus::Running);

        let media = &stacks[1];
        assert_eq!(media.status, StackStatus::Partial);
        assert_eq!(
            media.containers.total, 2,
            "the docker compose run container is left out"
        );
        assert_eq!(media.services.len(), 2);
        assert_eq!(media.working_dir.as_deref(), Some("/opt/stacks/media"));
        assert_eq!(media.config_files.len(), 2);
    }

    #[test]
    fn stack_without_running_containers_is_stopped() {
        let stacks = group(vec![container("old", "web", "exited", 1, false)]);
        assert_eq!(stacks[0].status, StackStatus::Stopped);
    }
}

//! Starting, stopping and taking down a whole Compose project, as `docker compose
//! start/stop/restart/down` do, by the project label alone.

use std::collections::HashMap;

use bollard::query_parameters::{
    ListNetworksOptions, ListVolumesOptions, RemoveContainerOptions, RemoveVolumeOptions, StartContainerOptions,
    StopContainerOptions,
};

use super::labels;
use crate::docker::DockerEngine;
use crate::error::{Error, Result};

/// Seconds each container gets to stop after SIGTERM, Compose's default.
const STOP_TIMEOUT_SECS: i32 = 10;

/// An action on every container of a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackAction {
    Start,
    Stop,
    Restart,
    /// Stop and remove the containers and networks. Volumes go only with `remove_volumes`,
    /// since they hold the data.
    Down {
        remove_volumes: bool,
    },
}

impl DockerEngine {
    /// Applies `action` to the project `name`. Containers start oldest first, the order Compose
    /// created them in, which follows `depends_on`, and stop newest first.
    #[tracing::instrument(skip(self), fields(host = %self.host))]
    pub async fn stack_act(&self, name: &str, action: StackAction) -> Result<()> {
        let containers = self
            .project_container_ids(name, matches!(action, StackAction::Down { .. }))
            .await?;
        if containers.is_empty() && !matches!(action, StackAction::Down { .. }) {
            return Err(Error::StackNotFound {
                host: self.host.clone(),
                stack: name.to_string(),
            });
        }

        match action {
            StackAction::Start => self.start_all(&containers).await?,
            StackAction::Stop => self.stop_all(&containers).await?,
            StackAction::Restart => {
                self.stop_all(&containers).await?;
                self.start_all(&containers).await?;
            }
            StackAction::Down { remove_volumes } => {
                self.stop_all(&containers).await?;
                for (id, _) in &containers {
                    self.docker
                        .remove_container(id, Some(RemoveContainerOptions::default()))
                        .await
                        .map_err(|err| self.map_error(err))?;
                }
                self.remove_project_networks(name).await?;
                if remove_volumes {
                    self.remove_project_volumes(name).await?;
                }
            }
        }
        tracing::info!(
            stack = name,
            ?action,
            containers = containers.len(),
            "stack action done"
        );
        Ok(())
    }

    async fn start_all(&self, containers: &[(String, String)]) -> Result<()> {
        for (id, state) in containers {
            if state == "running" {
                continue;
            }
            self.docker
                .start_container(id, None::<StartContainerOptions>)
                .await
                .map_err(|err| self.map_error(err))?;
        }
        Ok(())
    }

    async fn stop_all(&self, containers: &[(String, String)]) -> Result<()> {
        for (id, state) in containers.iter().rev() {
            if state != "running" && state != "restarting" && state != "paused" {
                continue;
            }
            let options = StopContainerOptions {
                t: Some(STOP_TIMEOUT_SECS),
                ..Default::default()
            };
            self.docker
                .stop_container(id, Some(options))
                .await
                .map_err(|err| self.map_error(err))?;
        }
        Ok(())
    }

    async fn remove_project_networks(&self, name: &str) -> Result<()> {
        let options = ListNetworksOptions {
            filters: Some(project_filter(name)),
        };
        let networks = self
            .docker
            .list_networks(Some(options))
            .await
            .map_err(|err| self.map_error(err))?;
        for network in networks {
            if let Some(id) = network.id {
                self.docker
                    .remove_network(&id)
                    .await
                    .map_err(|err| self.map_error(err))?;
            }
        }
        Ok(())
    }

    async fn remove_project_volumes(&self, name: &str) -> Result<()> {
        let options = ListVolumesOptions {
            filters: Some(project_filter(name)),
        };
        let volumes = self
            .docker
            .list_volumes(Some(options))
            .await
            .map_err(|err| self.map_error(err))?;
        for volume in volumes.volumes.unwrap_or_default() {
            self.docker
                .remove_volume(&volume.name, None::<RemoveVolumeOptions>)
                .await
                .map_err(|err| self.map_error(err))?;
        }
        Ok(())
    }
}

fn project_filter(name: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_string(), vec![format!("{}={name}", labels::PROJECT)])])
}

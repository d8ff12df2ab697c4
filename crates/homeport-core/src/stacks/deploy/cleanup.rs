//! What a deploy created or replaced, so that a failure or a cancel removes exactly that and
//! nothing that existed before.

use bollard::query_parameters::{RemoveContainerOptions, RenameContainerOptions, StartContainerOptions};

use super::events::Reporter;
use crate::docker::DockerEngine;

/// A container that a changed service replaces. It is renamed out of the way, not removed,
/// until the deploy succeeds.
#[derive(Debug, Clone)]
pub(crate) struct Replaced {
    pub id: String,
    pub name: String,
    pub was_running: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Ledger {
    /// Containers this deploy created, as (id, name).
    containers: Vec<(String, String)>,
    networks: Vec<String>,
    volumes: Vec<String>,
    replaced: Vec<Replaced>,
}

impl Ledger {
    pub fn add_container(&mut self, id: String, name: String) {
        self.containers.push((id, name));
    }

    pub fn add_network(&mut self, name: String) {
        self.networks.push(name);
    }

    pub fn add_volume(&mut self, name: String) {
        self.volumes.push(name);
    }

    pub fn add_replaced(&mut self, replaced: Replaced) {
        self.replaced.push(replaced);
    }

    /// Removes the replaced containers once the deploy has succeeded. A failure here leaves
    /// an old, stopped container behind, which is reported but does not fail the deploy.
    pub async fn commit(&mut self, engine: &DockerEngine, reporter: &mut Reporter<'_>) {
        for old in self.replaced.drain(..) {
            if let Err(err) = engine.docker.remove_container(&old.id, Some(force())).await {
                tracing::warn!(container = %old.id, error = %err, "removing a replaced container failed");
                reporter.line(
                    None,
                    format!("could not remove the replaced container {}: {err}", old.id),
                );
            }
        }
        self.containers.clear();
        self.networks.clear();
        self.volumes.clear();
    }

    /// Removes what the deploy created and puts replaced containers back. Returns the objects
    /// that could not be removed or restored, as one line, when there are any.
    pub async fn roll_back(&mut self, engine: &DockerEngine) -> Result<(), String> {
        let mut leftovers = Vec::new();
        for (id, name) in self.containers.drain(..).rev() {
            if let Err(err) = engine.docker.remove_container(&id, Some(force())).await {
                tracing::warn!(container = %name, error = %err, "cleanup: removing a container failed");
                leftovers.push(format!("container {name}"));
            }
        }
        for old in self.replaced.drain(..).rev() {
            let rename = RenameContainerOptions { name: old.name.clone() };
            let restored = match engine.docker.rename_container(&old.id, rename).await {
                Ok(()) if old.was_running => {
                    engine
                        .docker
                        .start_container(&old.id, None::<StartContainerOptions>)
                        .await
                }
                other => other,
            };
            if let Err(err) = restored {
                tracing::warn!(container = %old.name, error = %err, "cleanup: restoring a replaced container failed");
                leftovers.push(format!("replaced container {} (id {})", old.name, old.id));
            }
        }
        for name in self.networks.drain(..).rev() {
            if let Err(err) = engine.docker.remove_network(&name).await {
                tracing::warn!(network = %name, error = %err, "cleanup: removing a network failed");
                leftovers.push(format!("network {name}"));
            }
        }
        for name in self.volumes.drain(..).rev() {
            if let Err(err) = engine
                .docker
                .remove_volume(&name, None::<bollard::query_parameters::RemoveVolumeOptions>)
                .await
            {
                tracing::warn!(volume = %name, error = %err, "cleanup: removing a volume failed");
                leftovers.push(format!("volume {name}"));
            }
        }
        if leftovers.is_empty() {
            Ok(())
        } else {
            Err(leftovers.join(", "))
        }
    }
}

fn force() -> RemoveContainerOptions {
    RemoveContainerOptions {
        force: true,
        ..Default::default()
    }
}

//! Stacks: the Compose projects on a host, and whole-project start, stop and down.

use homeport_core::stacks::{Stack, StackAction, StackService, StackStatus as CoreStatus};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Api, ApiResult, ContainerCountsView};

/// Whether a stack's containers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum StackStatus {
    Running,
    Partial,
    Stopped,
}

/// One service of a stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StackServiceView {
    pub name: String,
    pub image: String,
    pub containers: ContainerCountsView,
}

/// A Compose project on a host, made by Homeport or by `docker compose`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StackView {
    pub name: String,
    pub status: StackStatus,
    pub working_dir: Option<String>,
    pub config_files: Vec<String>,
    pub compose_version: Option<String>,
    pub services: Vec<StackServiceView>,
    pub containers: ContainerCountsView,
}

/// An action on every container of a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum StackActionKind {
    Start,
    Stop,
    Restart,
    /// Stop and remove containers and networks; volumes only with `removeVolumes`.
    Down,
}

impl From<Stack> for StackView {
    fn from(stack: Stack) -> Self {
        Self {
            name: stack.name,
            status: match stack.status {
                CoreStatus::Running => StackStatus::Running,
                CoreStatus::Partial => StackStatus::Partial,
                CoreStatus::Stopped => StackStatus::Stopped,
            },
            working_dir: stack.working_dir,
            config_files: stack.config_files,
            compose_version: stack.compose_version,
            services: stack.services.into_iter().map(service_view).collect(),
            containers: stack.containers.into(),
        }
    }
}

fn service_view(service: StackService) -> StackServiceView {
    StackServiceView {
        name: service.name,
        image: service.image,
        containers: service.containers.into(),
    }
}

impl Api {
    /// Lists the Compose projects on a host, including ones made outside Homeport.
    pub async fn stack_list(&self, host_id: &str) -> ApiResult<Vec<StackView>> {
        let engine = self.hosts.engine(host_id).await?;
        let stacks = self.evict_on_error(host_id, engine.stacks().await).await?;
        Ok(stacks.into_iter().map(StackView::from).collect())
    }

    /// Starts, stops, restarts or takes down a whole stack. `remove_volumes` applies to `Down`.
    pub async fn stack_action(
        &self,
        host_id: &str,
        name: &str,
        action: StackActionKind,
        remove_volumes: bool,
    ) -> ApiResult<()> {
        let action = match action {
            StackActionKind::Start => StackAction::Start,
            StackActionKind::Stop => StackAction::Stop,
            StackActionKind::Restart => StackAction::Restart,
            StackActionKind::Down => StackAction::Down { remove_volumes },
        };
        let engine = self.hosts.engine(host_id).await?;
        self.evict_on_error(host_id, engine.stack_act(name, action).await).await
    }
}

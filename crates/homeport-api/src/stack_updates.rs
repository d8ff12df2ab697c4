//! Image updates of a stack: which services' images the registry has newer versions of, and
//! replacing those services' containers with the new images.

use homeport_core::hosts::HostService;
use homeport_core::stacks::updates::{self as core_updates, ImageCheck, UpdateRequest, UpdateStatus};
use homeport_core::Error;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::stacks::{DeployEvent, DeployStageRecord};
use crate::{Api, ApiResult, IpcError, Sink, SubscriptionId};

/// The result of comparing a service's image with the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ImageUpdateStatus {
    /// The registry's digest is the one the container's image has.
    UpToDate,
    /// The registry has another image under the reference.
    UpdateAvailable,
    /// The image was built, imported or tagged on the host and has no registry digest; the
    /// registry is not asked.
    LocalOnly,
    /// The reference names a digest, so it cannot change.
    Pinned,
    /// The engine could not get the registry's digest, for the reason in `error`.
    RegistryError,
}

/// One service's image compared with the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImageUpdateView {
    pub service: String,
    /// The image reference the service's container was created with.
    pub image: String,
    /// The registry digest of the image the container runs.
    pub local_digest: Option<String>,
    /// The digest the registry returns for the reference now.
    pub remote_digest: Option<String>,
    pub status: ImageUpdateStatus,
    /// The engine's message when `status` is `registryError`.
    pub error: Option<String>,
}

/// The outcome of an image update that finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StackUpdateResult {
    pub name: String,
    /// The check of every service the update considered, made at its start.
    pub checks: Vec<ImageUpdateView>,
    pub stages: Vec<DeployStageRecord>,
    /// Services whose containers now run the new image.
    pub updated: Vec<String>,
    /// Services considered but left as they were; `checks` has the reason.
    pub unchanged: Vec<String>,
    #[ts(type = "number")]
    pub millis: u64,
}

/// An event of an image update started with `stack_update_start`: progress, then one `done` or
/// `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum StackUpdateEvent {
    Progress { event: DeployEvent },
    Done { result: StackUpdateResult },
    Error { error: IpcError },
}

impl From<ImageCheck> for ImageUpdateView {
    fn from(check: ImageCheck) -> Self {
        let (status, error) = match check.status {
            UpdateStatus::UpToDate => (ImageUpdateStatus::UpToDate, None),
            UpdateStatus::UpdateAvailable => (ImageUpdateStatus::UpdateAvailable, None),
            UpdateStatus::LocalOnly => (ImageUpdateStatus::LocalOnly, None),
            UpdateStatus::Pinned => (ImageUpdateStatus::Pinned, None),
            UpdateStatus::RegistryError { message } => (ImageUpdateStatus::RegistryError, Some(message)),
        };
        Self {
            service: check.service,
            image: check.image,
            local_digest: check.local_digest,
            remote_digest: check.remote_digest,
            status,
            error,
        }
    }
}

impl Api {
    /// Compares each service's image with the digest the registry has for its reference. The
    /// host's engine fetches that digest, and nothing is pulled or changed.
    pub async fn stack_update_check(&self, host_id: &str, name: &str) -> ApiResult<Vec<ImageUpdateView>> {
        let engine = self.hosts.engine(host_id).await?;
        let checks = self
            .evict_on_error(host_id, core_updates::check(&engine, name).await)
            .await?;
        Ok(checks.into_iter().map(ImageUpdateView::from).collect())
    }

    /// Pulls the newer images of `services` (every service when empty) and replaces only the
    /// containers of services whose image changed, keeping their Compose labels. Every stage
    /// reports through `on_progress`; cancelling `cancel` stops the update, puts the old
    /// containers back and returns the `Cancelled` error.
    pub async fn stack_update(
        &self,
        host_id: &str,
        name: &str,
        services: &[String],
        on_progress: impl FnMut(DeployEvent) + Send,
        cancel: CancellationToken,
    ) -> ApiResult<StackUpdateResult> {
        update_stack(&self.hosts, host_id, name, services, on_progress, cancel).await
    }

    /// Starts [`Api::stack_update`] in the background and returns the id that
    /// `subscription_cancel` cancels it with.
    pub async fn stack_update_start(
        &self,
        host_id: &str,
        name: &str,
        services: Vec<String>,
        mut sink: Sink<StackUpdateEvent>,
    ) -> ApiResult<SubscriptionId> {
        // An unknown host fails the call itself rather than the first event.
        let host = self.hosts.get(host_id).await?;
        let hosts = self.hosts.clone();
        let name = name.to_string();
        Ok(self.subscriptions.spawn(move |cancel: CancellationToken| {
            let task = tokio::spawn(async move {
                let mut progress = |event: DeployEvent| {
                    let _ = sink(StackUpdateEvent::Progress { event });
                };
                let result = update_stack(&hosts, &host.id, &name, &services, &mut progress, cancel).await;
                let event = match result {
                    Ok(result) => StackUpdateEvent::Done { result },
                    Err(error) => StackUpdateEvent::Error { error },
                };
                let _ = sink(event);
            });
            async move {
                let _ = task.await;
            }
        }))
    }
}

/// Runs an update with the host service alone, so a background update owns what it uses.
async fn update_stack(
    hosts: &HostService,
    host_id: &str,
    name: &str,
    services: &[String],
    mut on_progress: impl FnMut(DeployEvent) + Send,
    cancel: CancellationToken,
) -> ApiResult<StackUpdateResult> {
    let host = hosts.get(host_id).await?;
    let engine = hosts.engine(&host.id).await?;
    tracing::info!(host_id = %host.id, stack = name, services = services.len(), "stack image update started");
    let request = UpdateRequest::new(name, services.to_vec());
    let mut forward = |event: homeport_core::stacks::deploy::DeployEvent| on_progress(event.into());
    let result = core_updates::update(&engine, &request, &mut forward, &cancel).await;
    // A broken connection is dropped from the pool, so the next call connects again.
    if matches!(
        result,
        Err(Error::DockerConnection { .. } | Error::HostUnreachable { .. })
    ) {
        hosts.drop_connection(&host.id).await;
    }
    let report = result?;
    Ok(StackUpdateResult {
        name: name.to_string(),
        checks: report.checks.into_iter().map(ImageUpdateView::from).collect(),
        stages: report
            .stages
            .into_iter()
            .map(|record| DeployStageRecord {
                stage: record.stage.into(),
                outcome: record.outcome.into(),
                lines: record.lines,
                millis: record.millis,
            })
            .collect(),
        updated: report.updated,
        unchanged: report.unchanged,
        millis: u64::try_from(report.elapsed.as_millis()).unwrap_or(u64::MAX),
    })
}

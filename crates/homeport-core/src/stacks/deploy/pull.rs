//! The pull stage: images the engine lacks are pulled, with progress per layer.

use std::collections::BTreeMap;

use bollard::query_parameters::CreateImageOptions;
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::events::{DeployEvent, Reporter};
use super::plan::DeployPlan;
use super::validate::ImageState;
use crate::docker::DockerEngine;
use crate::error::{Error, Result};

/// Pulls every image marked [`ImageState::Pull`], and returns whether any was pulled.
pub(super) async fn pull_missing(
    engine: &DockerEngine,
    plan: &DeployPlan,
    images: &BTreeMap<String, ImageState>,
    reporter: &mut Reporter<'_>,
    cancel: &CancellationToken,
) -> Result<bool> {
    let mut pulled_any = false;
    for (image, state) in images {
        if *state != ImageState::Pull {
            reporter.line(None, format!("{image}: present, not pulled"));
            continue;
        }
        let service = plan
            .services
            .iter()
            .find(|service| &service.image == image)
            .map(|service| service.name.clone())
            .unwrap_or_default();
        pull_one(engine, &service, image, reporter, cancel).await?;
        reporter.line(Some(&service), format!("pulled {image}"));
        pulled_any = true;
    }
    Ok(pulled_any)
}

pub(crate) async fn pull_one(
    engine: &DockerEngine,
    service: &str,
    image: &str,
    reporter: &mut Reporter<'_>,
    cancel: &CancellationToken,
) -> Result<()> {
    // The reference keeps its tag or digest; the engine pulls `latest` when there is none.
    let options = CreateImageOptions {
        from_image: Some(image.to_string()),
        ..Default::default()
    };
    let mut stream = engine.docker.create_image(Some(options), None, None);
    loop {
        let next = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(Error::Cancelled),
            next = stream.next() => next,
        };
        let Some(item) = next else {
            return Ok(());
        };
        let info = item.map_err(|err| Error::ImageMissing {
            host: engine.host.clone(),
            service: service.to_string(),
            image: image.to_string(),
            detail: err.to_string(),
        })?;
        if let Some(detail) = info.error_detail.and_then(|detail| detail.message) {
            return Err(Error::ImageMissing {
                host: engine.host.clone(),
                service: service.to_string(),
                image: image.to_string(),
                detail,
            });
        }
        let progress = info.progress_detail.unwrap_or_default();
        reporter.layer(DeployEvent::Layer {
            service: service.to_string(),
            image: image.to_string(),
            layer: info.id.unwrap_or_default(),
            status: info.status.unwrap_or_default(),
            current: progress.current.and_then(|bytes| u64::try_from(bytes).ok()),
            total: progress.total.and_then(|bytes| u64::try_from(bytes).ok()),
        });
    }
}

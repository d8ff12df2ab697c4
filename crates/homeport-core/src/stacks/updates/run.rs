//! The update's stages: check again, pull, replace, start and wait healthy, reported with the
//! deploy's events and rolled back with the deploy's ledger.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use bollard::models::{ContainerStateStatusEnum, HealthStatusEnum};
use bollard::query_parameters::StartContainerOptions;
use tokio_util::sync::CancellationToken;

use super::check::{check_services, project_services, ProjectService};
use super::recreate::{failed, recreate, Recreated};
use super::{ImageCheck, UpdateReport, UpdateStatus};
use crate::docker::DockerEngine;
use crate::error::{Error, Result};
use crate::stacks::deploy::{pull_one, DeployEvent, Ledger, Reporter, Stage, StageOutcome, DEFAULT_READY_TIMEOUT};

/// How often the health wait inspects a container again.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// An image update request: the stack and the services to consider.
#[derive(Debug, Clone)]
pub struct UpdateRequest {
    /// The Compose project name on the engine.
    pub name: String,
    /// The services to consider; every service of the stack when empty. Of these, only the
    /// ones whose check finds an update are pulled and replaced.
    pub services: Vec<String>,
    /// The bound on the wait for the new containers' health checks.
    pub ready_timeout: Duration,
}

impl UpdateRequest {
    /// Builds a request with the deploy's default health wait.
    pub fn new(name: impl Into<String>, services: Vec<String>) -> Self {
        Self {
            name: name.into(),
            services,
            ready_timeout: DEFAULT_READY_TIMEOUT,
        }
    }
}

/// A container made by the create stage, with the time its predecessor was created.
struct NewContainer {
    service: String,
    created: i64,
    container: Recreated,
}

/// Updates the images of `request.name` on `engine`.
///
/// `on_progress` receives every event as it happens. Cancelling `cancel` stops the update at
/// the next step; the new containers are then removed, the old ones put back, and the result
/// is [`Error::Cancelled`]. A pulled image stays on the engine either way.
#[tracing::instrument(skip_all, fields(host = %engine.host, stack = %request.name))]
pub async fn update(
    engine: &DockerEngine,
    request: &UpdateRequest,
    on_progress: &mut (dyn FnMut(DeployEvent) + Send),
    cancel: &CancellationToken,
) -> Result<UpdateReport> {
    let started = Instant::now();
    let mut reporter = Reporter::new(on_progress);
    let mut ledger = Ledger::default();
    let mut checks = Vec::new();

    let result = run_stages(engine, request, &mut reporter, &mut ledger, &mut checks, cancel).await;
    match result {
        Ok(updated) => {
            ledger.commit(engine, &mut reporter).await;
            let unchanged = checks
                .iter()
                .map(|check| check.service.clone())
                .filter(|service| !updated.contains(service))
                .collect();
            let elapsed = started.elapsed();
            tracing::info!(
                millis = elapsed.as_millis() as u64,
                updated = updated.len(),
                "stack images updated"
            );
            Ok(UpdateReport {
                checks,
                stages: reporter.into_records(),
                updated,
                unchanged,
                elapsed,
            })
        }
        Err(err) => {
            reporter.fail_current();
            let cleanup = ledger.roll_back(engine).await;
            let err = describe_failure(err, engine, &request.name, reporter.last_stage(), cleanup);
            if matches!(err, Error::Cancelled) {
                tracing::info!("stack image update cancelled");
            } else {
                tracing::warn!(error = %err, "stack image update failed");
            }
            Err(err)
        }
    }
}

/// Runs every stage and returns the services whose containers were replaced. `checks`
/// receives the check of the considered services as soon as it is made.
async fn run_stages(
    engine: &DockerEngine,
    request: &UpdateRequest,
    reporter: &mut Reporter<'_>,
    ledger: &mut Ledger,
    checks: &mut Vec<ImageCheck>,
    cancel: &CancellationToken,
) -> Result<Vec<String>> {
    reporter.begin(Stage::Validate);
    let project = project_services(engine, &request.name).await?;
    let selected = select(&project, &request.services)?;
    *checks = check_services(engine, &selected).await?;
    for check in checks.iter() {
        reporter.line(Some(&check.service), describe_check(check));
    }
    reporter.finish(StageOutcome::Done);
    checkpoint(cancel)?;

    let targets: Vec<&ProjectService> = selected
        .iter()
        .filter(|service| {
            checks
                .iter()
                .any(|check| check.service == service.name && check.status == UpdateStatus::UpdateAvailable)
        })
        .collect();
    let references: BTreeMap<&str, &str> = checks
        .iter()
        .filter(|check| check.status == UpdateStatus::UpdateAvailable)
        .map(|check| (check.image.as_str(), check.service.as_str()))
        .collect();

    reporter.begin(Stage::Pull);
    let new_ids = pull_all(engine, &request.name, &references, reporter, cancel).await?;
    reporter.finish(if new_ids.is_empty() {
        StageOutcome::Skipped
    } else {
        StageOutcome::Done
    });
    checkpoint(cancel)?;

    // NOTE: a container that shares a replaced container's network namespace
    // (`network_mode: service:…`) is not replaced with it, so it keeps the old container's
    // namespace until it is recreated itself.
    reporter.begin(Stage::Create);
    let mut replaced = Vec::new();
    for service in &targets {
        let reference = checks
            .iter()
            .find(|check| check.service == service.name)
            .map(|check| check.image.as_str())
            .unwrap_or_default();
        let new_id = new_ids.get(reference).map(String::as_str).unwrap_or_default();
        for container in &service.containers {
            checkpoint(cancel)?;
            match recreate(engine, &request.name, &service.name, container, new_id, ledger).await? {
                Some(recreated) => {
                    reporter.line(Some(&service.name), format!("recreated {}", recreated.name));
                    replaced.push(NewContainer {
                        service: service.name.clone(),
                        created: container.created,
                        container: recreated,
                    });
                }
                None => reporter.line(
                    Some(&service.name),
                    format!("{} already runs the new image", container.name),
                ),
            }
        }
    }
    reporter.finish(if replaced.is_empty() {
        StageOutcome::Skipped
    } else {
        StageOutcome::Done
    });
    checkpoint(cancel)?;

    // Compose created the old containers in `depends_on` order, so starting the new ones in
    // the same order starts dependencies first.
    replaced.sort_by_key(|replaced| replaced.created);
    reporter.begin(Stage::Start);
    let mut started = Vec::new();
    for replaced in &replaced {
        checkpoint(cancel)?;
        if !replaced.container.was_running {
            reporter.line(
                Some(&replaced.service),
                format!("{} was not running, so it stays stopped", replaced.container.name),
            );
            continue;
        }
        engine
            .docker
            .start_container(&replaced.container.id, None::<StartContainerOptions>)
            .await
            .map_err(|err| {
                failed(
                    engine,
                    &request.name,
                    &replaced.service,
                    format!("starting {} failed: {err}", replaced.container.name),
                )
            })?;
        reporter.line(Some(&replaced.service), format!("started {}", replaced.container.name));
        started.push(replaced);
    }
    reporter.finish(if started.is_empty() {
        StageOutcome::Skipped
    } else {
        StageOutcome::Done
    });
    checkpoint(cancel)?;

    reporter.begin(Stage::WaitHealthy);
    let mut waited = false;
    for replaced in &started {
        if wait_healthy(engine, request, replaced, cancel).await? {
            reporter.line(
                Some(&replaced.service),
                format!("{} is healthy", replaced.container.name),
            );
            waited = true;
        }
    }
    reporter.finish(if waited {
        StageOutcome::Done
    } else {
        StageOutcome::Skipped
    });

    let mut updated: Vec<String> = replaced.into_iter().map(|replaced| replaced.service).collect();
    updated.sort();
    updated.dedup();
    Ok(updated)
}

/// Returns the services named in `names`, or every service when `names` is empty.
fn select(project: &[ProjectService], names: &[String]) -> Result<Vec<ProjectService>> {
    if names.is_empty() {
        return Ok(project.to_vec());
    }
    let mut selected = Vec::new();
    for name in names {
        let Some(service) = project.iter().find(|service| &service.name == name) else {
            let known: Vec<&str> = project.iter().map(|service| service.name.as_str()).collect();
            return Err(Error::invalid(
                "services",
                name.clone(),
                format!("the stack has no such service; its services are {}", known.join(", ")),
            ));
        };
        if !selected
            .iter()
            .any(|chosen: &ProjectService| chosen.name == service.name)
        {
            selected.push(service.clone());
        }
    }
    Ok(selected)
}

/// Pulls each reference, reporting it under one of the services that use it, and returns the
/// image id each reference resolves to afterwards.
async fn pull_all(
    engine: &DockerEngine,
    stack: &str,
    references: &BTreeMap<&str, &str>,
    reporter: &mut Reporter<'_>,
    cancel: &CancellationToken,
) -> Result<HashMap<String, String>> {
    let mut new_ids = HashMap::new();
    for (reference, service) in references {
        pull_one(engine, service, reference, reporter, cancel)
            .await
            .map_err(|err| match err {
                Error::ImageMissing { detail, .. } => {
                    failed(engine, stack, service, format!("pulling {reference} failed: {detail}"))
                }
                other => other,
            })?;
        let image = engine.docker.inspect_image(reference).await.map_err(|err| {
            failed(
                engine,
                stack,
                service,
                format!("the pulled image {reference} is not on the engine: {err}"),
            )
        })?;
        reporter.line(Some(service), format!("pulled {reference}"));
        new_ids.insert(reference.to_string(), image.id.unwrap_or_default());
    }
    Ok(new_ids)
}

/// Waits until the started container is healthy, when its image or service has a health
/// check. Returns whether there was one.
async fn wait_healthy(
    engine: &DockerEngine,
    request: &UpdateRequest,
    replaced: &NewContainer,
    cancel: &CancellationToken,
) -> Result<bool> {
    let started = Instant::now();
    let not_ready = |detail: String| Error::ServiceNotReady {
        host: engine.host.clone(),
        stack: request.name.clone(),
        service: replaced.service.clone(),
        condition: "service_healthy".to_string(),
        detail,
    };
    loop {
        let state = engine
            .docker
            .inspect_container(&replaced.container.id, None)
            .await
            .map_err(|err| engine.map_error(err))?
            .state
            .unwrap_or_default();
        let health = state.health.as_ref().and_then(|health| health.status);
        let exited = matches!(
            state.status,
            Some(ContainerStateStatusEnum::EXITED | ContainerStateStatusEnum::DEAD)
        );
        match health {
            None | Some(HealthStatusEnum::NONE | HealthStatusEnum::EMPTY) => return Ok(false),
            Some(HealthStatusEnum::HEALTHY) => return Ok(true),
            Some(HealthStatusEnum::UNHEALTHY) => {
                return Err(not_ready(
                    "the new image's container failed its health check".to_string(),
                ))
            }
            Some(HealthStatusEnum::STARTING) if exited => {
                return Err(not_ready(format!(
                    "the new container exited with code {} before it became healthy",
                    state.exit_code.unwrap_or_default()
                )))
            }
            Some(HealthStatusEnum::STARTING) => {}
        }
        if started.elapsed() >= request.ready_timeout {
            return Err(not_ready(format!(
                "not healthy after {} s; check the service's logs",
                request.ready_timeout.as_secs()
            )));
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(Error::Cancelled),
            () = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}

/// Returns the stage line for one service's check.
fn describe_check(check: &ImageCheck) -> String {
    let short = |digest: &Option<String>| digest.as_deref().map(short_digest).unwrap_or("none").to_string();
    match &check.status {
        UpdateStatus::UpToDate => format!("{} is up to date ({})", check.image, short(&check.remote_digest)),
        UpdateStatus::UpdateAvailable => format!(
            "update available for {}: {} -> {}",
            check.image,
            short(&check.local_digest),
            short(&check.remote_digest)
        ),
        UpdateStatus::LocalOnly => format!(
            "{} has no registry digest (built or loaded on the host), not updated",
            check.image
        ),
        UpdateStatus::Pinned => format!("{} is pinned by digest, not updated", check.image),
        UpdateStatus::RegistryError { message } => {
            format!(
                "the registry did not return a digest for {}, not updated: {message}",
                check.image
            )
        }
    }
}

/// Returns `sha256:` and the first 12 hex digits, as `docker images --digests` shortens ids.
fn short_digest(digest: &str) -> &str {
    let end = digest.find(':').map_or(0, |colon| colon + 1) + 12;
    digest.get(..end).unwrap_or(digest)
}

fn checkpoint(cancel: &CancellationToken) -> Result<()> {
    if cancel.is_cancelled() {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
}

/// Turns an error of a stage into the error the caller receives, as the deploy does: errors
/// that name their cause stay, others become [`Error::StackUpdateFailed`] with the stage, and
/// the detail states whether the old containers are back.
fn describe_failure(
    err: Error,
    engine: &DockerEngine,
    stack: &str,
    stage: Option<Stage>,
    cleanup: std::result::Result<(), String>,
) -> Error {
    let stage_name = stage.map(|stage| stage.as_str().to_string()).unwrap_or_default();
    let touched = matches!(stage, Some(Stage::Create | Stage::Start | Stage::WaitHealthy));
    let restored = if touched {
        "The old containers were put back"
    } else {
        "No container was changed"
    };
    let err = match err {
        Error::StackUpdateFailed {
            host,
            stack,
            stage,
            service,
            detail,
        } => Error::StackUpdateFailed {
            host,
            stack,
            stage: if stage.is_empty() { stage_name.clone() } else { stage },
            service,
            detail: if cleanup.is_ok() {
                format!("{detail}. {restored}")
            } else {
                detail
            },
        },
        other => other,
    };
    let typed = matches!(
        err,
        Error::Cancelled
            | Error::ServiceNotReady { .. }
            | Error::InvalidInput { .. }
            | Error::StackNotFound { .. }
            | Error::StackUpdateFailed { .. }
    );
    match cleanup {
        Ok(()) if typed => err,
        Ok(()) => Error::StackUpdateFailed {
            host: engine.host.clone(),
            stack: stack.to_string(),
            stage: stage_name,
            service: String::new(),
            detail: format!("{err}. {restored}"),
        },
        Err(leftovers) => Error::StackUpdateFailed {
            host: engine.host.clone(),
            stack: stack.to_string(),
            stage: stage_name,
            service: String::new(),
            detail: format!(
                "{err}. Putting the old containers back failed, so these need attention: {leftovers}. List them with `docker ps -a --filter label=com.docker.compose.project={stack}`"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stacks::updates::check::ServiceContainer;

    fn service(name: &str) -> ProjectService {
        ProjectService {
            name: name.to_string(),
            containers: vec![ServiceContainer {
                id: format!("{name}-id"),
                name: format!("shop-{name}-1"),
                state: "running".into(),
                created: 1,
            }],
        }
    }

    #[test]
    fn select_all_or_named_services() {
        let project = vec![service("db"), service("web")];
        let all = select(&project, &[]).unwrap();
        assert_eq!(all.len(), 2);

        let named = select(&project, &["web".to_string(), "web".to_string()]).unwrap();
        assert_eq!(named.len(), 1, "a service named twice is updated once");
        assert_eq!(named[0].name, "web");

        let err = select(&project, &["cache".to_string()]).unwrap_err();
        assert!(err.to_string().contains("its services are db, web"), "{err}");
    }

    #[test]
    fn short_digest_keeps_algorithm() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(short_digest(&digest), "sha256:abababababab");
        assert_eq!(short_digest("sha256:abc"), "sha256:abc");
    }

    #[test]
    fn check_lines_name_the_reason() {
        let check = |status| ImageCheck {
            service: "web".into(),
            image: "127.0.0.9:5000/hp/app:1".into(),
            local_digest: Some(format!("sha256:{}", "1".repeat(64))),
            remote_digest: Some(format!("sha256:{}", "2".repeat(64))),
            status,
        };
        assert_eq!(
            describe_check(&check(UpdateStatus::UpdateAvailable)),
            "update available for 127.0.0.9:5000/hp/app:1: sha256:111111111111 -> sha256:222222222222"
        );
        let error = describe_check(&check(UpdateStatus::RegistryError {
            message: "manifest unknown".into(),
        }));
        assert!(error.ends_with("not updated: manifest unknown"), "{error}");
    }
}

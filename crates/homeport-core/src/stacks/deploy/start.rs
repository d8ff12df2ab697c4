//! The start and wait-healthy stages: containers start in `depends_on` order, and each waits
//! for its dependencies' conditions, as `docker compose up` does.

use std::time::{Duration, Instant};

use bollard::models::{ContainerState, ContainerStateStatusEnum, HealthStatusEnum};
use bollard::query_parameters::StartContainerOptions;
use homeport_compose::Condition;
use tokio_util::sync::CancellationToken;

use super::create::{docker_message, failed, Action, CreateOutcome};
use super::events::Reporter;
use super::plan::DeployPlan;
use crate::docker::DockerEngine;
use crate::error::{Error, Result};

/// How often a wait inspects the container again.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

pub(super) async fn start_all(
    engine: &DockerEngine,
    plan: &DeployPlan,
    outcome: &CreateOutcome,
    reporter: &mut Reporter<'_>,
    cancel: &CancellationToken,
) -> Result<()> {
    for service in &plan.services {
        for (dependency, condition) in &service.depends_on {
            let Some(target) = outcome.get(dependency) else {
                continue;
            };
            match condition {
                Condition::ServiceStarted => {}
                Condition::ServiceHealthy | Condition::ServiceCompletedSuccessfully => {
                    reporter.line(
                        Some(&service.name),
                        format!("waiting for {dependency} to reach {}", condition.as_str()),
                    );
                    wait_for(engine, plan, dependency, &target.container_id, *condition, cancel).await?;
                }
            }
        }

        let Some(created) = outcome.get(&service.name) else {
            continue;
        };
        if let Action::Kept { state } = &created.action {
            if state == "running" {
                reporter.line(Some(&service.name), "already running");
                continue;
            }
            if service.one_shot && exit_code(engine, &created.container_id).await? == Some(0) {
                reporter.line(Some(&service.name), "completed successfully before; not run again");
                continue;
            }
        }
        engine
            .docker
            .start_container(&created.container_id, None::<StartContainerOptions>)
            .await
            .map_err(|err| {
                failed(
                    engine,
                    plan,
                    &service.name,
                    format!("starting the container failed: {}", docker_message(err)),
                )
            })?;
        reporter.line(Some(&service.name), format!("started {}", service.container_name));
    }
    Ok(())
}

/// Waits until every running container whose image or service has a health check is healthy.
/// Returns whether there was any to wait for.
pub(super) async fn wait_healthy(
    engine: &DockerEngine,
    plan: &DeployPlan,
    outcome: &CreateOutcome,
    reporter: &mut Reporter<'_>,
    cancel: &CancellationToken,
) -> Result<bool> {
    let mut waited = false;
    for service in &outcome.services {
        let state = inspect_state(engine, &service.container_id).await?;
        let has_health = state
            .health
            .as_ref()
            .and_then(|health| health.status)
            .is_some_and(|status| !matches!(status, HealthStatusEnum::NONE | HealthStatusEnum::EMPTY));
        let running = state.status == Some(ContainerStateStatusEnum::RUNNING);
        if !has_health || !running {
            continue;
        }
        waited = true;
        wait_for(
            engine,
            plan,
            &service.service,
            &service.container_id,
            Condition::ServiceHealthy,
            cancel,
        )
        .await?;
        reporter.line(Some(&service.service), "healthy");
    }
    Ok(waited)
}

/// Polls the container until it reaches `condition`, fails to, or `plan.ready_timeout` passes.
async fn wait_for(
    engine: &DockerEngine,
    plan: &DeployPlan,
    service: &str,
    container_id: &str,
    condition: Condition,
    cancel: &CancellationToken,
) -> Result<()> {
    let started = Instant::now();
    let not_ready = |detail: String| Error::ServiceNotReady {
        host: engine.host.clone(),
        stack: plan.name.clone(),
        service: service.to_string(),
        condition: condition.as_str().to_string(),
        detail,
    };
    loop {
        let state = inspect_state(engine, container_id).await?;
        let status = state.status.unwrap_or(ContainerStateStatusEnum::EMPTY);
        let exit_code = state.exit_code.unwrap_or_default();
        let exited = matches!(
            status,
            ContainerStateStatusEnum::EXITED | ContainerStateStatusEnum::DEAD
        );
        match condition {
            Condition::ServiceStarted => return Ok(()),
            Condition::ServiceCompletedSuccessfully if exited && exit_code == 0 => return Ok(()),
            Condition::ServiceCompletedSuccessfully if exited => {
                return Err(not_ready(format!("the container exited with code {exit_code}")))
            }
            Condition::ServiceCompletedSuccessfully => {}
            Condition::ServiceHealthy => {
                let health = state.health.as_ref().and_then(|health| health.status);
                match health {
                    Some(HealthStatusEnum::HEALTHY) => return Ok(()),
                    Some(HealthStatusEnum::UNHEALTHY) => {
                        return Err(not_ready(format!(
                            "the health check failed: {}",
                            last_health_output(&state)
                        )))
                    }
                    None | Some(HealthStatusEnum::NONE) | Some(HealthStatusEnum::EMPTY) => {
                        return Err(not_ready(
                            "the service has no health check; add a healthcheck or use condition service_started"
                                .to_string(),
                        ))
                    }
                    Some(HealthStatusEnum::STARTING) if exited => {
                        return Err(not_ready(format!(
                            "the container exited with code {exit_code} before it became healthy"
                        )))
                    }
                    Some(HealthStatusEnum::STARTING) => {}
                }
            }
        }
        if started.elapsed() >= plan.ready_timeout {
            return Err(not_ready(format!(
                "timed out after {} s; check the service's logs, or raise the timeout",
                plan.ready_timeout.as_secs()
            )));
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(Error::Cancelled),
            () = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}

async fn inspect_state(engine: &DockerEngine, container_id: &str) -> Result<ContainerState> {
    let inspected = engine
        .docker
        .inspect_container(container_id, None)
        .await
        .map_err(|err| engine.map_error(err))?;
    Ok(inspected.state.unwrap_or_default())
}

async fn exit_code(engine: &DockerEngine, container_id: &str) -> Result<Option<i64>> {
    let state = inspect_state(engine, container_id).await?;
    let exited = state.status == Some(ContainerStateStatusEnum::EXITED);
    Ok(if exited { state.exit_code } else { None })
}

/// The output of the most recent health check run, trimmed, or a note that there is none.
fn last_health_output(state: &ContainerState) -> String {
    state
        .health
        .as_ref()
        .and_then(|health| health.log.as_ref())
        .and_then(|log| log.last())
        .and_then(|result| result.output.clone())
        .map(|output| output.trim().to_string())
        .filter(|output| !output.is_empty())
        .unwrap_or_else(|| "no output".to_string())
}

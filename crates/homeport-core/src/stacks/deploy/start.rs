//! The start and wait-healthy stages. Each service starts as soon as the services it depends on
//! have started and reached their `depends_on` conditions, so independent services start
//! together, as `docker compose up` starts them.

use std::time::{Duration, Instant};

use bollard::models::{ContainerState, ContainerStateStatusEnum, HealthStatusEnum};
use bollard::query_parameters::{RestartContainerOptions, StartContainerOptions};
use homeport_compose::Condition;
use tokio_util::sync::CancellationToken;

use super::create::{docker_message, failed, Action, CreateOutcome, ServiceOutcome};
use super::events::Reporter;
use super::plan::{DeployPlan, ServicePlan};
use super::schedule::{run_steps, Progress, Step};
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
    let services: Vec<(&ServicePlan, &ServiceOutcome)> = plan
        .services
        .iter()
        .filter_map(|service| outcome.get(&service.name).map(|created| (service, created)))
        .collect();
    let steps: Vec<Step> = services
        .iter()
        .map(|(service, _)| Step {
            service: service.name.clone(),
            after: service
                .depends_on
                .iter()
                .map(|dependency| dependency.service.clone())
                .collect(),
        })
        .collect();
    run_steps(
        &steps,
        reporter,
        cancel,
        |index, progress, stop| {
            let (service, created) = services[index];
            start_service(engine, plan, outcome, service, created, progress, stop)
        },
        |_, result, _| result,
    )
    .await
}

/// Waits for the service's dependencies, then starts its container unless it runs already.
async fn start_service(
    engine: &DockerEngine,
    plan: &DeployPlan,
    outcome: &CreateOutcome,
    service: &ServicePlan,
    created: &ServiceOutcome,
    progress: Progress,
    stop: CancellationToken,
) -> Result<()> {
    for dependency in &service.depends_on {
        let Some(target) = outcome.get(&dependency.service) else {
            continue;
        };
        if dependency.condition == Condition::ServiceStarted {
            continue;
        }
        progress.line(format!(
            "waiting for {} to reach {}",
            dependency.service,
            dependency.condition.as_str()
        ));
        let reached = wait_for(
            engine,
            plan,
            &dependency.service,
            &target.container_id,
            dependency.condition,
            &stop,
        )
        .await;
        match reached {
            Err(Error::ServiceNotReady { detail, .. }) if !dependency.required => progress.line(format!(
                "optional dependency {} did not reach {} ({detail}); starting anyway",
                dependency.service,
                dependency.condition.as_str()
            )),
            other => other?,
        }
    }

    if let Action::Kept { state } = &created.action {
        if state == "running" {
            return restart_for_replaced_dependency(engine, plan, outcome, service, created, &progress).await;
        }
        if service.one_shot && exit_code(engine, &created.container_id).await? == Some(0) {
            progress.line("completed successfully before; not run again");
            return Ok(());
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
    progress.line(format!("started {}", service.container_name));
    Ok(())
}

/// Restarts a kept, running container when a dependency with `restart: true` was replaced, as
/// Compose restarts dependents of a recreated service. Otherwise the container stays as it is.
async fn restart_for_replaced_dependency(
    engine: &DockerEngine,
    plan: &DeployPlan,
    outcome: &CreateOutcome,
    service: &ServicePlan,
    created: &ServiceOutcome,
    progress: &Progress,
) -> Result<()> {
    let replaced = service.depends_on.iter().find(|dependency| {
        dependency.restart
            && outcome
                .get(&dependency.service)
                .is_some_and(|target| target.action == Action::Replaced)
    });
    let Some(replaced) = replaced else {
        progress.line("already running");
        return Ok(());
    };
    engine
        .docker
        .restart_container(&created.container_id, None::<RestartContainerOptions>)
        .await
        .map_err(|err| {
            failed(
                engine,
                plan,
                &service.name,
                format!("restarting the container failed: {}", docker_message(err)),
            )
        })?;
    progress.line(format!(
        "restarted {} because {} was replaced",
        service.container_name, replaced.service
    ));
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
    let steps: Vec<Step> = outcome
        .services
        .iter()
        .map(|service| Step {
            service: service.service.clone(),
            after: Vec::new(),
        })
        .collect();
    let mut waited = false;
    run_steps(
        &steps,
        reporter,
        cancel,
        |index, progress, stop| {
            let service = &outcome.services[index];
            wait_until_healthy(engine, plan, service, progress, stop)
        },
        |_, result, _| {
            waited |= result?;
            Ok(())
        },
    )
    .await?;
    Ok(waited)
}

/// Waits for one container's health check, if it has one and runs. Returns whether it has one.
async fn wait_until_healthy(
    engine: &DockerEngine,
    plan: &DeployPlan,
    service: &ServiceOutcome,
    progress: Progress,
    stop: CancellationToken,
) -> Result<bool> {
    let state = inspect_state(engine, &service.container_id).await?;
    let has_health = state
        .health
        .as_ref()
        .and_then(|health| health.status)
        .is_some_and(|status| !matches!(status, HealthStatusEnum::NONE | HealthStatusEnum::EMPTY));
    let running = state.status == Some(ContainerStateStatusEnum::RUNNING);
    if !has_health || !running {
        return Ok(false);
    }
    wait_for(
        engine,
        plan,
        &service.service,
        &service.container_id,
        Condition::ServiceHealthy,
        &stop,
    )
    .await?;
    progress.line("healthy");
    Ok(true)
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

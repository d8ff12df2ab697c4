//! Containers on one engine: list, lifecycle actions, inspect, logs, events and memory.

use std::collections::HashMap;

use bollard::query_parameters::{
    EventsOptions, ListContainersOptions, LogsOptions, RemoveContainerOptions, RestartContainerOptions,
    StartContainerOptions, StatsOptions, StopContainerOptions,
};
use futures_util::{Stream, StreamExt};

use super::engine::DockerEngine;
use super::memory::used_memory;
use crate::error::{Error, Result};

/// A container as the containers screen lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSummary {
    pub id: String,
    pub name: String,
    pub image: String,
    /// Docker's state word: `created`, `running`, `paused`, `restarting`, `exited`, `dead`.
    pub state: String,
    /// Docker's human status, such as `Up 5 minutes`.
    pub status: String,
    pub ports: Vec<PortMapping>,
    /// Unix seconds.
    pub created: i64,
}

/// One published or exposed port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortMapping {
    pub ip: Option<String>,
    pub private_port: u16,
    pub public_port: Option<u16>,
    pub protocol: String,
}

/// A lifecycle action on one container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerAction {
    Start,
    Stop,
    Restart,
    Remove,
}

/// Which output stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// One chunk of container output, usually one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub stream: LogStream,
    pub text: String,
}

/// A container event: something happened that may change the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerChange {
    pub container_id: String,
    pub action: String,
}

/// Seconds Docker waits after SIGTERM before it kills a stopping container.
const STOP_TIMEOUT_SECS: i32 = 10;

impl DockerEngine {
    /// Lists all containers, running or not, newest first.
    pub async fn containers(&self) -> Result<Vec<ContainerSummary>> {
        let options = ListContainersOptions {
            all: true,
            ..Default::default()
        };
        let list = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|err| self.map_error(err))?;
        let mut containers: Vec<ContainerSummary> = list.into_iter().map(summary_from).collect();
        containers.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.name.cmp(&b.name)));
        Ok(containers)
    }

    /// Starts, stops, restarts or removes a container. Removing a running container fails;
    /// stop it first, as `docker rm` without `-f` requires.
    #[tracing::instrument(skip(self), fields(host = %self.host))]
    pub async fn act(&self, container: &str, action: ContainerAction) -> Result<()> {
        let result = match action {
            ContainerAction::Start => {
                self.docker
                    .start_container(container, None::<StartContainerOptions>)
                    .await
            }
            ContainerAction::Stop => {
                let options = StopContainerOptions {
                    t: Some(STOP_TIMEOUT_SECS),
                    ..Default::default()
                };
                self.docker.stop_container(container, Some(options)).await
            }
            ContainerAction::Restart => {
                let options = RestartContainerOptions {
                    t: Some(STOP_TIMEOUT_SECS),
                    ..Default::default()
                };
                self.docker.restart_container(container, Some(options)).await
            }
            ContainerAction::Remove => {
                self.docker
                    .remove_container(container, Some(RemoveContainerOptions::default()))
                    .await
            }
        };
        result.map_err(|err| self.container_error(container, err))?;
        tracing::info!(container, ?action, "container action done");
        Ok(())
    }

    /// Returns `docker inspect` output for one container.
    pub async fn inspect(&self, container: &str) -> Result<serde_json::Value> {
        let details = self
            .docker
            .inspect_container(container, None)
            .await
            .map_err(|err| self.container_error(container, err))?;
        serde_json::to_value(details).map_err(|err| Error::Internal(err.to_string()))
    }

    /// Streams a container's output. `tail` 0 means all lines; `follow` keeps the stream open.
    pub fn logs(
        &self,
        container: &str,
        tail: u32,
        follow: bool,
    ) -> impl Stream<Item = Result<LogLine>> + Send + 'static {
        let options = LogsOptions {
            follow,
            stdout: true,
            stderr: true,
            tail: if tail == 0 { "all".to_string() } else { tail.to_string() },
            ..Default::default()
        };
        let engine = self.clone();
        let container = container.to_string();
        self.docker
            .logs(&container.clone(), Some(options))
            .map(move |item| match item {
                Ok(bollard::container::LogOutput::StdErr { message }) => Ok(LogLine {
                    stream: LogStream::Stderr,
                    text: String::from_utf8_lossy(&message).into_owned(),
                }),
                Ok(output) => Ok(LogLine {
                    stream: LogStream::Stdout,
                    text: String::from_utf8_lossy(output.as_ref()).into_owned(),
                }),
                Err(err) => Err(engine.container_error(&container, err)),
            })
    }

    /// Streams container events (create, start, die, destroy, …) as they happen.
    pub fn container_events(&self) -> impl Stream<Item = Result<ContainerChange>> + Send + 'static {
        let options = EventsOptions {
            filters: Some(HashMap::from([("type".to_string(), vec!["container".to_string()])])),
            ..Default::default()
        };
        let engine = self.clone();
        self.docker.events(Some(options)).filter_map(move |item| {
            let mapped = match item {
                Ok(event) => {
                    let container_id = event.actor.and_then(|actor| actor.id).unwrap_or_default();
                    let action = event.action.unwrap_or_default();
                    // exec_* and health events arrive constantly and never change the list.
                    let noisy = action.starts_with("exec_") || action.starts_with("health_status");
                    (!noisy).then_some(Ok(ContainerChange { container_id, action }))
                }
                Err(err) => Some(Err(engine.map_error(err))),
            };
            std::future::ready(mapped)
        })
    }

    /// Returns one container's memory use and limit, computed as `docker stats` does.
    pub async fn memory(&self, container: &str) -> Result<(u64, Option<u64>)> {
        let options = StatsOptions {
            stream: false,
            one_shot: true,
        };
        let mut stream = self.docker.stats(container, Some(options));
        let Some(sample) = stream.next().await else {
            return Err(Error::Docker {
                host: self.host.clone(),
                detail: format!("no stats for container '{container}'"),
            });
        };
        let sample = sample.map_err(|err| self.container_error(container, err))?;
        let memory = sample.memory_stats.unwrap_or_default();
        let used = used_memory(memory.usage.unwrap_or_default(), memory.stats.as_ref());
        // An unlimited container reports the host's memory as its limit.
        Ok((used, memory.limit.filter(|limit| *limit > 0)))
    }

    fn container_error(&self, container: &str, err: bollard::errors::Error) -> Error {
        match self.map_error(err) {
            Error::ContainerNotFound { host, .. } => Error::ContainerNotFound {
                host,
                container: container.to_string(),
            },
            other => other,
        }
    }
}

fn summary_from(container: bollard::models::ContainerSummary) -> ContainerSummary {
    let name = container
        .names
        .unwrap_or_default()
        .into_iter()
        .next()
        .map(|name| name.trim_start_matches('/').to_string())
        .unwrap_or_default();
    let mut ports: Vec<PortMapping> = container
        .ports
        .unwrap_or_default()
        .into_iter()
        .map(|port| PortMapping {
            ip: port.ip.filter(|ip| !ip.is_empty()),
            private_port: port.private_port,
            public_port: port.public_port,
            protocol: port.typ.map(|typ| typ.to_string()).unwrap_or_else(|| "tcp".into()),
        })
        .collect();
    ports.sort_by(|a, b| (a.private_port, &a.protocol, &a.ip).cmp(&(b.private_port, &b.protocol, &b.ip)));
    ports.dedup();

    ContainerSummary {
        id: container.id.unwrap_or_default(),
        name,
        image: container.image.unwrap_or_default(),
        state: container.state.map(|state| state.to_string()).unwrap_or_default(),
        status: container.status.unwrap_or_default(),
        ports,
        created: container.created.unwrap_or_default(),
    }
}

//! Container operations and streams.

use std::time::Duration;

use futures_util::StreamExt;
use homeport_core::docker::LogStream;
use homeport_core::Error;

use crate::{
    Api, ApiResult, ContainerAction, ContainerEvent, ContainerView, IpcError, LogEvent, LogStreamKind, MemoryUsage,
    Sink, SubscriptionId,
};

/// The maximum wait between attempts to re-open a dropped event stream.
const MAX_EVENTS_BACKOFF: Duration = Duration::from_secs(30);

impl Api {
    /// Lists all containers of a host.
    pub async fn container_list(&self, host_id: &str) -> ApiResult<Vec<ContainerView>> {
        let engine = self.hosts.engine(host_id).await?;
        let containers = self.evict_on_error(host_id, engine.containers().await).await?;
        Ok(containers.into_iter().map(ContainerView::from).collect())
    }

    /// Starts, stops, restarts or removes a container.
    pub async fn container_action(&self, host_id: &str, container_id: &str, action: ContainerAction) -> ApiResult<()> {
        let engine = self.hosts.engine(host_id).await?;
        self.evict_on_error(host_id, engine.act(container_id, action.into()).await)
            .await
    }

    /// Returns `docker inspect` output as indented JSON text.
    pub async fn container_inspect(&self, host_id: &str, container_id: &str) -> ApiResult<String> {
        let engine = self.hosts.engine(host_id).await?;
        let details = self.evict_on_error(host_id, engine.inspect(container_id).await).await?;
        serde_json::to_string_pretty(&details).map_err(|err| Error::Internal(err.to_string()).into())
    }

    /// Returns memory use for every running container of a host, fetched in parallel.
    pub async fn container_memory(&self, host_id: &str) -> ApiResult<Vec<MemoryUsage>> {
        let engine = self.hosts.engine(host_id).await?;
        let containers = self.evict_on_error(host_id, engine.containers().await).await?;
        let running: Vec<String> = containers
            .into_iter()
            .filter(|container| container.state == "running")
            .map(|container| container.id)
            .collect();

        let samples = futures_util::future::join_all(running.iter().map(|id| engine.memory(id))).await;
        let mut usage = Vec::new();
        for (id, sample) in running.into_iter().zip(samples) {
            // A container that stopped between the list and its stats is simply left out.
            if let Ok((used, limit)) = sample {
                usage.push(MemoryUsage {
                    container_id: id,
                    used_bytes: used,
                    limit_bytes: limit,
                });
            }
        }
        Ok(usage)
    }

    /// Streams a container's logs into `sink` until the stream ends or is cancelled.
    /// `tail` 0 means all lines.
    pub async fn container_logs(
        &self,
        host_id: &str,
        container_id: &str,
        tail: u32,
        follow: bool,
        mut sink: Sink<LogEvent>,
    ) -> ApiResult<SubscriptionId> {
        let engine = self.hosts.engine(host_id).await?;
        let mut stream = Box::pin(engine.logs(container_id, tail, follow));
        Ok(self.subscriptions.spawn(move |_cancel| async move {
            while let Some(item) = stream.next().await {
                let event = match item {
                    Ok(line) => LogEvent::Line {
                        stream: match line.stream {
                            LogStream::Stdout => LogStreamKind::Stdout,
                            LogStream::Stderr => LogStreamKind::Stderr,
                        },
                        text: line.text,
                    },
                    Err(err) => {
                        sink(LogEvent::Error { error: err.into() });
                        return;
                    }
                };
                if !sink(event) {
                    return;
                }
            }
            sink(LogEvent::End);
        }))
    }

    /// Streams container events of a host into `sink`. A dropped stream is re-opened with
    /// growing pauses, up to 30 s; every failed attempt is reported as an error event.
    pub async fn container_events(&self, host_id: &str, mut sink: Sink<ContainerEvent>) -> ApiResult<SubscriptionId> {
        let host = self.hosts.get(host_id).await?;
        let service = self.hosts.clone();
        Ok(self.subscriptions.spawn(move |cancel| async move {
            let mut backoff = Duration::from_secs(1);
            let mut reconnecting = false;
            loop {
                let failure: IpcError = match service.engine(&host.id).await {
                    Ok(engine) => {
                        if reconnecting {
                            // Whatever changed while disconnected is unknown: ask for a refresh.
                            let refresh = ContainerEvent::Changed {
                                container_id: String::new(),
                                action: "reconnected".into(),
                            };
                            if !sink(refresh) {
                                return;
                            }
                        }
                        backoff = Duration::from_secs(1);
                        let mut events = Box::pin(engine.container_events());
                        let mut ended_with = None;
                        while let Some(item) = events.next().await {
                            match item {
                                Ok(change) => {
                                    let event = ContainerEvent::Changed {
                                        container_id: change.container_id,
                                        action: change.action,
                                    };
                                    if !sink(event) {
                                        return;
                                    }
                                }
                                Err(err) => {
                                    ended_with = Some(err);
                                    break;
                                }
                            }
                        }
                        service.drop_connection(&host.id).await;
                        ended_with
                            .unwrap_or_else(|| Error::DockerConnection {
                                host: host.name.clone(),
                                detail: "the event stream closed".into(),
                            })
                            .into()
                    }
                    Err(err) => err.into(),
                };

                tracing::warn!(host_id = %host.id, error = %failure, "container event stream interrupted");
                if !sink(ContainerEvent::Error { error: failure }) {
                    return;
                }
                reconnecting = true;
                tokio::select! {
                    () = cancel.cancelled() => return,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_EVENTS_BACKOFF);
            }
        }))
    }

    /// Drops the host's connection when a call failed in a way a reconnect may fix. A response
    /// from the engine, even an error such as 409, proves the connection works, so it is kept.
    pub(crate) async fn evict_on_error<T>(&self, host_id: &str, result: homeport_core::Result<T>) -> ApiResult<T> {
        match result {
            Err(err @ (Error::DockerConnection { .. } | Error::HostUnreachable { .. })) => {
                self.forget_connection(host_id).await;
                Err(err.into())
            }
            other => Ok(other?),
        }
    }
}

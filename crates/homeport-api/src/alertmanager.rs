//! Alertmanager as an alert source and a silence target: the configured servers, a sync that
//! pulls active alerts into the inbox (and notifies like Homeport's own rules), and silences.
//! The desktop app syncs every server once a minute.

use std::sync::Arc;
use std::time::Duration;

use homeport_core::alerts::alertmanager::{self, source, AlertmanagerClient, AlertmanagerSource, NewSilence, Silence};
use homeport_core::alerts::{Alert, AlertNotice, NoticeKind};
use homeport_core::ssh::SshSession;
use homeport_core::Error;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Api, ApiResult};

/// How often the desktop app pulls alerts from every server.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(60);

/// What one sync changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerSyncView {
    pub opened: u32,
    pub resolved: u32,
    /// Active alerts the server reported.
    pub active: u32,
}

impl Api {
    /// Lists the configured servers.
    pub async fn alertmanager_sources(&self) -> ApiResult<Vec<AlertmanagerSource>> {
        Ok(source::list(self.hosts.store()).await?)
    }

    /// Sets the global server (no host) or a host's, replacing the earlier one.
    pub async fn alertmanager_source_set(&self, input: AlertmanagerSource) -> ApiResult<AlertmanagerSource> {
        let validated = input.validated()?;
        if let Some(host_id) = &validated.host_id {
            let host = self.hosts.get(host_id).await?;
            if validated.through_ssh && host.kind != homeport_core::inventory::HostKind::Ssh {
                return Err(Error::invalid(
                    "throughSsh",
                    "true",
                    format!(
                        "host '{}' is not reached over SSH; use a URL this computer can reach",
                        host.name
                    ),
                )
                .into());
            }
        }
        let saved = source::save(self.hosts.store(), &validated).await?;
        tracing::info!(source_id = %saved.id, url = %saved.url, through_ssh = saved.through_ssh, "Alertmanager source set");
        Ok(saved)
    }

    /// Removes a server. Alerts it opened stay in the inbox until resolved.
    pub async fn alertmanager_source_remove(&self, id: &str) -> ApiResult<()> {
        if !source::remove(self.hosts.store(), id).await? {
            return Err(source_not_found(id).into());
        }
        Ok(())
    }

    /// Pulls the server's alerts into the inbox, notifying for each opened and resolved one.
    pub async fn alertmanager_sync(&self, id: &str) -> ApiResult<AlertmanagerSyncView> {
        let source = self.alertmanager_source(id).await?;
        let (client, session) = self.alertmanager_client(&source).await?;
        let alerts = client.alerts().await;
        close(session).await;
        let report = alertmanager::sync(self.hosts.store(), &source, &alerts?).await?;
        for (alerts, kind) in [
            (&report.opened, NoticeKind::Opened),
            (&report.resolved, NoticeKind::Resolved),
        ] {
            for alert in alerts {
                self.alertmanager_notify(alert, kind).await;
            }
        }
        tracing::info!(
            source_id = id,
            opened = report.opened.len(),
            resolved = report.resolved.len(),
            active = report.active,
            "Alertmanager synced"
        );
        Ok(AlertmanagerSyncView {
            opened: report.opened.len() as u32,
            resolved: report.resolved.len() as u32,
            active: report.active as u32,
        })
    }

    /// Syncs every server; failures are logged per server.
    pub async fn alertmanager_sync_all(&self) -> ApiResult<()> {
        for source in source::list(self.hosts.store()).await? {
            if let Err(err) = self.alertmanager_sync(&source.id).await {
                tracing::warn!(source_id = %source.id, error = %err.message, "Alertmanager sync failed");
            }
        }
        Ok(())
    }

    /// Lists the server's silences, expired ones included.
    pub async fn alertmanager_silences(&self, id: &str) -> ApiResult<Vec<Silence>> {
        let source = self.alertmanager_source(id).await?;
        let (client, session) = self.alertmanager_client(&source).await?;
        let silences = client.silences().await;
        close(session).await;
        Ok(silences?)
    }

    /// Creates a silence on the server and returns its id.
    pub async fn alertmanager_silence_create(&self, id: &str, silence: NewSilence) -> ApiResult<String> {
        let source = self.alertmanager_source(id).await?;
        let (client, session) = self.alertmanager_client(&source).await?;
        let created = client.create_silence(&silence).await;
        close(session).await;
        let silence_id = created?;
        tracing::info!(source_id = id, silence_id, "Alertmanager silence created");
        Ok(silence_id)
    }

    /// Expires a silence on the server.
    pub async fn alertmanager_silence_expire(&self, id: &str, silence_id: &str) -> ApiResult<()> {
        let source = self.alertmanager_source(id).await?;
        let (client, session) = self.alertmanager_client(&source).await?;
        let expired = client.expire_silence(silence_id).await;
        close(session).await;
        expired?;
        tracing::info!(source_id = id, silence_id, "Alertmanager silence expired");
        Ok(())
    }

    async fn alertmanager_source(&self, id: &str) -> ApiResult<AlertmanagerSource> {
        Ok(source::get(self.hosts.store(), id)
            .await?
            .ok_or_else(|| source_not_found(id))?)
    }

    /// Builds the client, through the host's pooled SSH session when one is live, or a new
    /// session that the caller closes.
    async fn alertmanager_client(
        &self,
        source: &AlertmanagerSource,
    ) -> ApiResult<(AlertmanagerClient, Option<Arc<SshSession>>)> {
        let Some(host_id) = source.host_id.as_deref().filter(|_| source.through_ssh) else {
            return Ok((AlertmanagerClient::direct(&source.url)?, None));
        };
        let host = self.hosts.get(host_id).await?;
        let pooled = self
            .hosts
            .connections()
            .live(&host.id)
            .await
            .and_then(|link| link.session.clone());
        let (session, owned) = match pooled {
            Some(session) => (session, None),
            None => {
                let session = Arc::new(self.hosts.session(&host).await?);
                (Arc::clone(&session), Some(session))
            }
        };
        Ok((AlertmanagerClient::through_ssh(&source.url, session)?, owned))
    }

    async fn alertmanager_notify(&self, alert: &Alert, kind: NoticeKind) {
        let host_name = match &alert.host_id {
            Some(host_id) => self.hosts.get(host_id).await.ok().map(|host| host.name),
            None => None,
        };
        self.alerts_notify(&AlertNotice {
            alert: alert.clone(),
            kind,
            host_name,
        })
        .await;
    }
}

async fn close(session: Option<Arc<SshSession>>) {
    if let Some(session) = session {
        session.close().await;
    }
}

fn source_not_found(id: &str) -> Error {
    Error::invalid("source", id, "no Alertmanager source has this id; reload the list")
}

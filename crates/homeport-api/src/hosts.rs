//! Host operations.

use homeport_core::inventory::Host;

use crate::{Api, ApiResult, DockerInfo, EngineInput, HostInput, HostView};

impl Api {
    /// Lists hosts, the local engine first when present.
    pub async fn host_list(&self) -> ApiResult<Vec<HostView>> {
        let hosts = self.hosts.list().await?;
        let mut views = Vec::with_capacity(hosts.len());
        for host in hosts {
            views.push(self.host_view(host).await?);
        }
        Ok(views)
    }

    /// Adds a host after connecting to it; see the host key trust flow in `docs/ipc-contract.md`.
    pub async fn host_add(&self, input: HostInput, trusted_key: Option<String>) -> ApiResult<HostView> {
        let host = self.hosts.add(input.into(), trusted_key).await?;
        self.host_view(host).await
    }

    /// Adds a Docker engine reached without SSH after checking that it answers.
    pub async fn host_add_engine(&self, input: EngineInput) -> ApiResult<HostView> {
        let host = self.hosts.add_engine(input.into()).await?;
        self.host_view(host).await
    }

    /// Changes a host after connecting with the new settings.
    pub async fn host_update(&self, id: &str, input: HostInput, trusted_key: Option<String>) -> ApiResult<HostView> {
        let host = self.hosts.update(id, input.into(), trusted_key).await?;
        self.host_view(host).await
    }

    /// Removes a host and its stored secret.
    pub async fn host_remove(&self, id: &str) -> ApiResult<()> {
        Ok(self.hosts.remove(id).await?)
    }

    /// Trusts a changed host key after the user confirmed its fingerprint.
    pub async fn host_replace_key(&self, id: &str, fingerprint: &str) -> ApiResult<HostView> {
        let host = self.hosts.replace_key(id, fingerprint).await?;
        self.host_view(host).await
    }

    /// Connects to the host's Docker engine and reports its version.
    pub async fn host_check(&self, id: &str) -> ApiResult<DockerInfo> {
        // A check connects anew: the pooled connection (kept open by monitoring, among others)
        // was verified when it opened and would hide a host key changed since then.
        self.forget_connection(id).await;
        let engine = self.hosts.engine(id).await?;
        match engine.info().await {
            Ok(info) => Ok(info.into()),
            Err(err) => {
                self.forget_connection(id).await;
                Err(err.into())
            }
        }
    }

    pub(crate) async fn forget_connection(&self, id_or_name: &str) {
        if let Ok(host) = self.hosts.get(id_or_name).await {
            self.hosts.drop_connection(&host.id).await;
        }
    }

    pub(crate) async fn host_view(&self, host: Host) -> ApiResult<HostView> {
        let fingerprint = self.hosts.trusted_fingerprint(&host).await?;
        Ok(HostView::new(host, fingerprint))
    }
}

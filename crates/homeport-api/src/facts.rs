//! Host facts: OS, kernel, CPU, memory, filesystems, Docker and uptime, cached with their time.

use homeport_core::facts::{self, Filesystem, HostFacts, StoredFacts};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Api, ApiResult};

/// One mounted filesystem. Sizes are in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FilesystemView {
    pub source: String,
    pub fs_type: String,
    pub mount_point: String,
    #[ts(type = "number")]
    pub size_bytes: u64,
    #[ts(type = "number")]
    pub used_bytes: u64,
    #[ts(type = "number")]
    pub available_bytes: u64,
    /// ZFS or Btrfs, which can take snapshots for backups.
    pub snapshots: bool,
}

/// Facts a host reported about itself, with the time they were read. A fact the host could not
/// report is `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HostFactsView {
    pub os_name: Option<String>,
    pub os_version: Option<String>,
    pub kernel: Option<String>,
    pub architecture: Option<String>,
    pub cpu_model: Option<String>,
    pub cpu_cores: Option<u32>,
    #[ts(type = "number | null")]
    pub memory_total_bytes: Option<u64>,
    #[ts(type = "number | null")]
    pub memory_available_bytes: Option<u64>,
    pub filesystems: Vec<FilesystemView>,
    pub docker_version: Option<String>,
    pub docker_storage_driver: Option<String>,
    #[ts(type = "number | null")]
    pub uptime_seconds: Option<u64>,
    /// RFC 3339 time the facts were read.
    pub read_at: String,
}

impl Api {
    /// Returns the facts read last time, without connecting; `None` when none were read yet.
    pub async fn host_facts_cached(&self, id_or_name: &str) -> ApiResult<Option<HostFactsView>> {
        let host = self.hosts.get(id_or_name).await?;
        Ok(self.hosts.store().facts(&host.id).await?.map(view))
    }

    /// Returns the host's facts: the cached ones unless `refresh` is set or none are cached, in
    /// which case they are read from the host in one SSH round trip and cached.
    pub async fn host_facts(&self, id_or_name: &str, refresh: bool) -> ApiResult<HostFactsView> {
        let host = self.hosts.get(id_or_name).await?;
        let store = self.hosts.store();
        if !refresh {
            if let Some(stored) = store.facts(&host.id).await? {
                return Ok(view(stored));
            }
        }

        let session = self.hosts.session(&host).await?;
        let gathered = facts::gather(&session).await;
        session.close().await;
        let stored = store.save_facts(&host.id, &gathered?).await?;
        Ok(view(stored))
    }
}

fn view(stored: StoredFacts) -> HostFactsView {
    let HostFacts {
        os_name,
        os_version,
        kernel,
        architecture,
        cpu_model,
        cpu_cores,
        memory_total_bytes,
        memory_available_bytes,
        filesystems,
        docker_version,
        docker_storage_driver,
        uptime_seconds,
        ..
    } = stored.facts;
    HostFactsView {
        os_name,
        os_version,
        kernel,
        architecture,
        cpu_model,
        cpu_cores,
        memory_total_bytes,
        memory_available_bytes,
        filesystems: filesystems.into_iter().map(filesystem_view).collect(),
        docker_version,
        docker_storage_driver,
        uptime_seconds,
        read_at: stored.read_at,
    }
}

fn filesystem_view(filesystem: Filesystem) -> FilesystemView {
    FilesystemView {
        source: filesystem.source,
        fs_type: filesystem.fs_type,
        mount_point: filesystem.mount_point,
        size_bytes: filesystem.size_bytes,
        used_bytes: filesystem.used_bytes,
        available_bytes: filesystem.available_bytes,
        snapshots: filesystem.snapshots,
    }
}

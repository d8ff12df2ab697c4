//! File transfer between this machine and a host over SFTP, reported as [`TransferEvent`]s.
//!
//! Each transfer runs on its own SSH session (through the host's jump hosts, if it has any), so
//! it neither waits for nor slows the pooled Docker connection. The session closes when the
//! transfer ends. [`Api::subscription_cancel`] stops a transfer.

use std::path::{Path, PathBuf};

use homeport_core::ssh::sftp::{self, Transfer};
use homeport_core::ssh::SshSession;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::{Api, ApiResult, IpcError, Sink, SubscriptionId};

/// One message of a file transfer. Exactly one `done` or `error` comes last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TransferEvent {
    /// Bytes transferred so far and the file's size, at most ten times a second. The last one
    /// before `done` has `done == total`.
    Progress {
        #[ts(type = "number")]
        done: u64,
        #[ts(type = "number")]
        total: u64,
    },
    /// The file is complete under its name.
    Done {
        #[ts(type = "number")]
        bytes: u64,
        #[ts(type = "number")]
        millis: u64,
    },
    /// The transfer failed, or was cancelled (code `Cancelled`). The destination is unchanged,
    /// and the temporary file is removed.
    Error { error: IpcError },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Upload,
    Download,
}

impl Api {
    /// Uploads the local file `local_path` to the absolute path `remote_path` on a host, and
    /// streams the transfer's events into `sink`. The paths are checked before connecting.
    pub async fn file_upload(
        &self,
        host_id: &str,
        local_path: &str,
        remote_path: &str,
        sink: Sink<TransferEvent>,
    ) -> ApiResult<SubscriptionId> {
        sftp::validate_upload(Path::new(local_path), remote_path).await?;
        self.start_transfer(host_id, Direction::Upload, local_path, remote_path, sink)
            .await
    }

    /// Downloads the file at the absolute path `remote_path` on a host to the local path
    /// `local_path`, and streams the transfer's events into `sink`. The paths are checked before
    /// connecting.
    pub async fn file_download(
        &self,
        host_id: &str,
        remote_path: &str,
        local_path: &str,
        sink: Sink<TransferEvent>,
    ) -> ApiResult<SubscriptionId> {
        sftp::validate_download(remote_path, Path::new(local_path)).await?;
        self.start_transfer(host_id, Direction::Download, local_path, remote_path, sink)
            .await
    }

    /// Connects to the host and starts the transfer. Connection errors are returned here, and
    /// everything after reaches `sink`.
    async fn start_transfer(
        &self,
        host_id: &str,
        direction: Direction,
        local_path: &str,
        remote_path: &str,
        sink: Sink<TransferEvent>,
    ) -> ApiResult<SubscriptionId> {
        let host = self.hosts.get(host_id).await?;
        let session = self.hosts.session(&host).await?;
        tracing::info!(host_id = %host.id, ?direction, local = %local_path, remote = %remote_path, "file transfer started");

        let request = TransferRequest {
            direction,
            local: PathBuf::from(local_path),
            remote: remote_path.to_string(),
            host_id: host.id,
        };
        Ok(self.subscriptions.spawn(move |cancel| {
            // The transfer runs on a task of its own, because cancelling the subscription drops
            // this future. The task gets the cancel through its token, removes its temporary
            // file and then sends the `Cancelled` error.
            let transfer = tokio::spawn(run_transfer(session, request, sink, cancel));
            async move {
                let _ = transfer.await;
            }
        }))
    }
}

/// The paths and the direction of one transfer.
struct TransferRequest {
    direction: Direction,
    local: PathBuf,
    remote: String,
    host_id: String,
}

/// Runs one transfer to its end, sends the last event and closes the session.
async fn run_transfer(
    session: SshSession,
    request: TransferRequest,
    mut sink: Sink<TransferEvent>,
    cancel: CancellationToken,
) {
    let receiver_gone = cancel.clone();
    let progress = |transfer: Transfer| {
        let event = TransferEvent::Progress {
            done: transfer.done,
            total: transfer.total,
        };
        if !sink(event) {
            tracing::debug!("the transfer's receiver is gone; cancelling the transfer");
            receiver_gone.cancel();
        }
    };
    let result = match request.direction {
        Direction::Upload => sftp::upload(&session, &request.local, &request.remote, progress, cancel).await,
        Direction::Download => sftp::download(&session, &request.remote, &request.local, progress, cancel).await,
    };
    session.close().await;

    let event = match result {
        Ok(summary) => TransferEvent::Done {
            bytes: summary.bytes,
            millis: u64::try_from(summary.elapsed.as_millis()).unwrap_or(u64::MAX),
        },
        Err(err) => {
            tracing::info!(host_id = %request.host_id, error = %err, "file transfer ended with an error");
            TransferEvent::Error { error: err.into() }
        }
    };
    sink(event);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_in_camel_case() {
        let progress = serde_json::to_value(TransferEvent::Progress { done: 5, total: 10 }).unwrap();
        assert_eq!(
            progress,
            serde_json::json!({"kind": "progress", "done": 5, "total": 10})
        );

        let done = serde_json::to_value(TransferEvent::Done { bytes: 10, millis: 3 }).unwrap();
        assert_eq!(done, serde_json::json!({"kind": "done", "bytes": 10, "millis": 3}));

        let error = TransferEvent::Error {
            error: homeport_core::Error::Cancelled.into(),
        };
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["kind"], "error");
        assert_eq!(json["error"]["code"], "Cancelled");
    }

    #[test]
    fn events_declare_numbers_for_typescript() {
        let declaration = TransferEvent::decl();
        assert!(declaration.contains("done: number"), "{declaration}");
        assert!(!declaration.contains("bigint"), "{declaration}");
    }
}

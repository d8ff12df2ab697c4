//! File transfer commands. Each one forwards to the `homeport-api` function of the same name,
//! and `subscription_cancel` with the returned id cancels a transfer.

use std::path::Path;

use homeport_api::{Api, IpcError, SubscriptionId, TransferEvent};
use tauri::ipc::Channel;
use tauri::State;

type CommandResult<T> = Result<T, IpcError>;

/// Uploads the local file `local_path` to `remote_path` on the host. Progress and then one
/// `done` or `error` event arrive on `on_event`.
#[tauri::command]
pub async fn file_upload(
    api: State<'_, Api>,
    host_id: String,
    local_path: String,
    remote_path: String,
    on_event: Channel<TransferEvent>,
) -> CommandResult<SubscriptionId> {
    require_absolute(&local_path)?;
    let sink = Box::new(move |event| on_event.send(event).is_ok());
    api.file_upload(&host_id, &local_path, &remote_path, sink).await
}

/// Downloads `remote_path` on the host to the local file `local_path`. Events arrive as for
/// `file_upload`.
#[tauri::command]
pub async fn file_download(
    api: State<'_, Api>,
    host_id: String,
    remote_path: String,
    local_path: String,
    on_event: Channel<TransferEvent>,
) -> CommandResult<SubscriptionId> {
    require_absolute(&local_path)?;
    let sink = Box::new(move |event| on_event.send(event).is_ok());
    api.file_download(&host_id, &remote_path, &local_path, sink).await
}

/// Rejects a relative local path. The API would resolve it against the app's working folder,
/// which a desktop app's user does not choose. The CLI accepts one, as its shell's current folder.
fn require_absolute(local_path: &str) -> CommandResult<()> {
    if Path::new(local_path).is_absolute() {
        return Ok(());
    }
    Err(homeport_core::Error::invalid(
        "localPath",
        local_path,
        "the path is relative; give the full path of the file, starting at the root folder",
    )
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_local_paths_are_rejected() {
        for path in ["notes.txt", "./notes.txt", "~/notes.txt", ""] {
            let error = require_absolute(path).expect_err(path);
            assert_eq!(
                error.params.get("field").map(String::as_str),
                Some("localPath"),
                "{path:?}"
            );
            assert_eq!(error.params.get("value").map(String::as_str), Some(path), "{path:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn absolute_local_paths_pass() {
        assert!(require_absolute("/tmp/notes.txt").is_ok());
        assert!(require_absolute("/home/me/文件.txt").is_ok());
    }
}

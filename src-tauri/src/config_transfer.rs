//! Commands for the configuration export and import and the first-run guide; each forwards to
//! `homeport-api`.

use homeport_api::config_transfer::{ConfigExportView, ConfigImportView};
use homeport_api::first_run::LocalEngineView;
use homeport_api::{Api, IpcError};
use tauri::State;

#[tauri::command]
pub async fn config_export(api: State<'_, Api>, path: String) -> Result<ConfigExportView, IpcError> {
    api.config_export(&path).await
}

#[tauri::command]
pub async fn config_import_preview(api: State<'_, Api>, path: String) -> Result<ConfigImportView, IpcError> {
    api.config_import_preview(&path).await
}

#[tauri::command]
pub async fn config_import_apply(api: State<'_, Api>, path: String) -> Result<ConfigImportView, IpcError> {
    api.config_import_apply(&path).await
}

#[tauri::command]
pub async fn local_engine(api: State<'_, Api>) -> Result<LocalEngineView, IpcError> {
    api.local_engine().await
}

//! Exports of the builder's draft to other orchestrators. Each forwards to the `homeport-api`
//! function of the same name.

use homeport_api::builder::BuilderDraft;
use homeport_api::{Api, ExportView, IpcError, SwarmDeployView};
use tauri::State;

#[tauri::command]
pub fn stack_export_draft(api: State<'_, Api>, draft: BuilderDraft, target: String) -> Result<ExportView, IpcError> {
    api.stack_export_draft(&draft, &target)
}

/// Writes the export into the folder the user typed; all files or none.
#[tauri::command]
pub fn stack_export_save(
    api: State<'_, Api>,
    draft: BuilderDraft,
    target: String,
    folder: String,
) -> Result<ExportView, IpcError> {
    api.stack_export_save(&draft, &target, &folder)
}

/// Deploys the draft as a Swarm stack to a host whose engine is a swarm manager.
#[tauri::command]
pub async fn stack_export_swarm_deploy(
    api: State<'_, Api>,
    host_id: String,
    draft: BuilderDraft,
    stack: String,
) -> Result<SwarmDeployView, IpcError> {
    api.stack_export_swarm_deploy(&host_id, &draft, &stack).await
}

//! The stack builder's commands. Each forwards to the `homeport-api` function of the same
//! name; the draft travels whole in each call, so the shell keeps no builder state.

use homeport_api::builder::{BuilderDeployInput, BuilderDraft, BuilderEdit, BuilderState, StackDraft};
use homeport_api::{Api, IpcError, ServicePreviewView, SubscriptionId, TemplateDeployEvent};
use tauri::ipc::Channel;
use tauri::State;

#[tauri::command]
pub fn builder_open(api: State<'_, Api>, draft: BuilderDraft) -> Result<BuilderState, IpcError> {
    api.builder_open(draft)
}

#[tauri::command]
pub fn builder_edit(api: State<'_, Api>, draft: BuilderDraft, edit: BuilderEdit) -> Result<BuilderState, IpcError> {
    api.builder_edit(draft, &edit)
}

#[tauri::command]
pub fn builder_add_template(
    api: State<'_, Api>,
    draft: BuilderDraft,
    template_id: String,
) -> Result<BuilderState, IpcError> {
    api.builder_add_template(draft, &template_id)
}

#[tauri::command]
pub async fn builder_deploy_preview(
    api: State<'_, Api>,
    input: BuilderDeployInput,
) -> Result<Vec<ServicePreviewView>, IpcError> {
    api.builder_deploy_preview(&input).await
}

/// Deploys the draft. Progress and then one `done` or `error` event arrive on `on_event`;
/// `subscription_cancel` with the returned id cancels it.
#[tauri::command]
pub async fn builder_deploy(
    api: State<'_, Api>,
    input: BuilderDeployInput,
    on_event: Channel<TemplateDeployEvent>,
) -> Result<SubscriptionId, IpcError> {
    let sink = Box::new(move |event| on_event.send(event).is_ok());
    api.builder_deploy(input, sink).await
}

/// Reads a deployed stack's files from its host into a builder draft.
#[tauri::command]
pub async fn builder_open_stack(api: State<'_, Api>, host_id: String, name: String) -> Result<StackDraft, IpcError> {
    api.builder_open_stack(&host_id, &name).await
}

#[tauri::command]
pub async fn builder_env_save(api: State<'_, Api>, env: String) -> Result<(), IpcError> {
    api.builder_env_save(env).await
}

#[tauri::command]
pub async fn builder_env_load(api: State<'_, Api>) -> Result<String, IpcError> {
    api.builder_env_load().await
}

//! The stack deploy and image update commands. Each forwards to the `homeport-api` function of
//! the same name (`stack_update` to `stack_update_start`), and `subscription_cancel` with the
//! returned id cancels the deploy or the update.

use homeport_api::{
    Api, ImageUpdateView, IpcError, RunConversionView, ServicePreviewView, StackUpdateEvent, SubscriptionId,
    TemplateDeployEvent, TemplateDeployInput,
};
use tauri::ipc::Channel;
use tauri::State;

/// Converts a pasted `docker run` command into a Compose service.
#[tauri::command]
pub fn docker_run_convert(api: State<'_, Api>, command: String) -> Result<RunConversionView, IpcError> {
    api.docker_run_convert(&command)
}

/// Says per service what deploying a template would create, replace or keep.
#[tauri::command]
pub async fn template_deploy_preview(
    api: State<'_, Api>,
    input: TemplateDeployInput,
) -> Result<Vec<ServicePreviewView>, IpcError> {
    api.template_deploy_preview(&input).await
}

/// Deploys a catalog template to a host. Progress and then one `done` or `error` event arrive
/// on `on_event`.
#[tauri::command]
pub async fn template_deploy(
    api: State<'_, Api>,
    input: TemplateDeployInput,
    on_event: Channel<TemplateDeployEvent>,
) -> Result<SubscriptionId, IpcError> {
    let sink = Box::new(move |event| on_event.send(event).is_ok());
    api.template_deploy(input, sink).await
}

/// Compares each service's image with the registry's digest, through the host's engine.
#[tauri::command]
pub async fn stack_update_check(
    api: State<'_, Api>,
    host_id: String,
    name: String,
) -> Result<Vec<ImageUpdateView>, IpcError> {
    api.stack_update_check(&host_id, &name).await
}

/// Pulls newer images and replaces the changed services' containers. Progress and then one
/// `done` or `error` event arrive on `on_event`; `subscription_cancel` cancels it.
#[tauri::command]
pub async fn stack_update(
    api: State<'_, Api>,
    host_id: String,
    name: String,
    services: Vec<String>,
    on_event: Channel<StackUpdateEvent>,
) -> Result<SubscriptionId, IpcError> {
    let sink = Box::new(move |event| on_event.send(event).is_ok());
    api.stack_update_start(&host_id, &name, services, sink).await
}

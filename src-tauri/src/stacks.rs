//! The stack deploy command. It forwards to the `homeport-api` function of the same name, and
//! `subscription_cancel` with the returned id cancels the deploy.

use homeport_api::{
    Api, IpcError, RunConversionView, ServicePreviewView, SubscriptionId, TemplateDeployEvent, TemplateDeployInput,
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

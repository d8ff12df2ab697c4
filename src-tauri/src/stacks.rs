//! The stack deploy command. It forwards to the `homeport-api` function of the same name, and
//! `subscription_cancel` with the returned id cancels the deploy.

use homeport_api::{Api, IpcError, SubscriptionId, TemplateDeployEvent, TemplateDeployInput};
use tauri::ipc::Channel;
use tauri::State;

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

//! Tauri commands: each one forwards to the `homeport-api` function of the same name.
//! Arguments are never logged, since host input carries passwords.

use std::collections::BTreeMap;

use homeport_api::{
    Api, AppInfo, ContainerAction, ContainerEvent, ContainerView, DockerInfo, EngineInput, FleetHost, HostFactsView,
    HostInput, HostView, ImportFiles, ImportPreview, ImportResult, IpcError, LogEvent, MemoryUsage, RenderedTemplate,
    Settings, StackActionKind, StackView, SubscriptionId, TemplateSourceView, TemplateView,
};
use tauri::ipc::Channel;
use tauri::State;

type CommandResult<T> = Result<T, IpcError>;

#[tauri::command]
pub fn app_info(api: State<'_, Api>) -> AppInfo {
    api.app_info()
}

#[tauri::command]
pub async fn settings_get(api: State<'_, Api>) -> CommandResult<Settings> {
    api.settings_get().await
}

#[tauri::command]
pub async fn settings_set(api: State<'_, Api>, settings: Settings) -> CommandResult<Settings> {
    api.settings_set(settings).await
}

#[tauri::command]
pub async fn host_list(api: State<'_, Api>) -> CommandResult<Vec<HostView>> {
    api.host_list().await
}

#[tauri::command]
pub async fn host_add(api: State<'_, Api>, input: HostInput, trusted_key: Option<String>) -> CommandResult<HostView> {
    api.host_add(input, trusted_key).await
}

#[tauri::command]
pub async fn host_add_engine(api: State<'_, Api>, input: EngineInput) -> CommandResult<HostView> {
    api.host_add_engine(input).await
}

#[tauri::command]
pub async fn host_update(
    api: State<'_, Api>,
    id: String,
    input: HostInput,
    trusted_key: Option<String>,
) -> CommandResult<HostView> {
    api.host_update(&id, input, trusted_key).await
}

#[tauri::command]
pub async fn host_remove(api: State<'_, Api>, id: String) -> CommandResult<()> {
    api.host_remove(&id).await
}

#[tauri::command]
pub async fn host_check(api: State<'_, Api>, id: String) -> CommandResult<DockerInfo> {
    api.host_check(&id).await
}

#[tauri::command]
pub async fn host_facts(api: State<'_, Api>, id: String, refresh: bool) -> CommandResult<HostFactsView> {
    api.host_facts(&id, refresh).await
}

/// Refreshes every host; `timeout_ms` is each host's limit (default 5000).
#[tauri::command]
pub async fn fleet_status(api: State<'_, Api>, timeout_ms: Option<u32>) -> CommandResult<Vec<FleetHost>> {
    let timeout = timeout_ms.map(|ms| std::time::Duration::from_millis(u64::from(ms)));
    api.fleet_status(timeout).await
}

#[tauri::command]
pub async fn ssh_import_preview(api: State<'_, Api>, files: ImportFiles) -> CommandResult<ImportPreview> {
    api.ssh_import_preview(&files).await
}

#[tauri::command]
pub async fn ssh_import_apply(
    api: State<'_, Api>,
    files: ImportFiles,
    digest: String,
    aliases: Vec<String>,
) -> CommandResult<ImportResult> {
    api.ssh_import_apply(&files, &digest, &aliases).await
}

#[tauri::command]
pub async fn host_replace_key(api: State<'_, Api>, id: String, fingerprint: String) -> CommandResult<HostView> {
    api.host_replace_key(&id, &fingerprint).await
}

#[tauri::command]
pub async fn container_list(api: State<'_, Api>, host_id: String) -> CommandResult<Vec<ContainerView>> {
    api.container_list(&host_id).await
}

#[tauri::command]
pub async fn container_action(
    api: State<'_, Api>,
    host_id: String,
    container_id: String,
    action: ContainerAction,
) -> CommandResult<()> {
    api.container_action(&host_id, &container_id, action).await
}

#[tauri::command]
pub async fn container_inspect(api: State<'_, Api>, host_id: String, container_id: String) -> CommandResult<String> {
    api.container_inspect(&host_id, &container_id).await
}

#[tauri::command]
pub async fn container_memory(api: State<'_, Api>, host_id: String) -> CommandResult<Vec<MemoryUsage>> {
    api.container_memory(&host_id).await
}

#[tauri::command]
pub async fn container_logs(
    api: State<'_, Api>,
    host_id: String,
    container_id: String,
    tail: u32,
    follow: bool,
    on_event: Channel<LogEvent>,
) -> CommandResult<SubscriptionId> {
    let sink = Box::new(move |event| on_event.send(event).is_ok());
    api.container_logs(&host_id, &container_id, tail, follow, sink).await
}

#[tauri::command]
pub async fn container_events(
    api: State<'_, Api>,
    host_id: String,
    on_event: Channel<ContainerEvent>,
) -> CommandResult<SubscriptionId> {
    let sink = Box::new(move |event| on_event.send(event).is_ok());
    api.container_events(&host_id, sink).await
}

#[tauri::command]
pub fn subscription_cancel(api: State<'_, Api>, id: SubscriptionId) {
    api.subscription_cancel(id);
}

#[tauri::command]
pub fn open_external(url: String) -> CommandResult<()> {
    crate::navigation::open_external(&url)
}

#[tauri::command]
pub async fn stack_list(api: State<'_, Api>, host_id: String) -> CommandResult<Vec<StackView>> {
    api.stack_list(&host_id).await
}

#[tauri::command]
pub async fn stack_action(
    api: State<'_, Api>,
    host_id: String,
    name: String,
    action: StackActionKind,
    remove_volumes: bool,
) -> CommandResult<()> {
    api.stack_action(&host_id, &name, action, remove_volumes).await
}

#[tauri::command]
pub async fn template_list(api: State<'_, Api>) -> CommandResult<Vec<TemplateView>> {
    api.template_list().await
}

#[tauri::command]
pub async fn template_show(api: State<'_, Api>, id: String) -> CommandResult<TemplateView> {
    api.template_show(&id).await
}

/// Renders a template for a preview. The result's `env` holds generated passwords, so the UI
/// must not display it.
#[tauri::command]
pub async fn template_render(
    api: State<'_, Api>,
    id: String,
    values: BTreeMap<String, String>,
) -> CommandResult<RenderedTemplate> {
    api.template_render(&id, &values).await
}

#[tauri::command]
pub async fn template_source_list(api: State<'_, Api>) -> CommandResult<Vec<TemplateSourceView>> {
    api.template_source_list().await
}

#[tauri::command]
pub async fn template_source_import(api: State<'_, Api>, location: String) -> CommandResult<TemplateSourceView> {
    api.template_source_import(&location).await
}

#[tauri::command]
pub async fn template_source_refresh(api: State<'_, Api>, id: i64) -> CommandResult<TemplateSourceView> {
    api.template_source_refresh(id).await
}

#[tauri::command]
pub async fn template_source_remove(api: State<'_, Api>, id: i64) -> CommandResult<()> {
    api.template_source_remove(id).await
}

//! The alert inbox and rule commands. Each forwards to the `homeport-api` function of the same
//! name.

use homeport_api::alerts::{
    AlertFilterInput, AlertRuleUpdate, AlertRuleView, AlertView, NewRuleInput, RuleExportView, RuleImportView,
};
use homeport_api::{Api, IpcError};
use tauri::State;

#[tauri::command]
pub async fn alerts_list(api: State<'_, Api>, filter: AlertFilterInput) -> Result<Vec<AlertView>, IpcError> {
    api.alerts_list(filter).await
}

#[tauri::command]
pub async fn alerts_ack(api: State<'_, Api>, id: String) -> Result<AlertView, IpcError> {
    api.alerts_ack(&id).await
}

/// Silences for `minutes`, or ends the silence when `minutes` is null.
#[tauri::command]
pub async fn alerts_silence(api: State<'_, Api>, id: String, minutes: Option<u32>) -> Result<AlertView, IpcError> {
    api.alerts_silence(&id, minutes).await
}

#[tauri::command]
pub async fn alerts_resolve(api: State<'_, Api>, id: String) -> Result<AlertView, IpcError> {
    api.alerts_resolve(&id).await
}

#[tauri::command]
pub async fn alerts_comment(api: State<'_, Api>, id: String, text: String) -> Result<AlertView, IpcError> {
    api.alerts_comment(&id, &text).await
}

#[tauri::command]
pub async fn alerts_rules(api: State<'_, Api>) -> Result<Vec<AlertRuleView>, IpcError> {
    api.alerts_rules().await
}

#[tauri::command]
pub async fn alerts_rule_update(
    api: State<'_, Api>,
    id: String,
    update: AlertRuleUpdate,
) -> Result<AlertRuleView, IpcError> {
    api.alerts_rule_update(&id, update).await
}

#[tauri::command]
pub async fn alerts_rule_create(api: State<'_, Api>, rule: NewRuleInput) -> Result<AlertRuleView, IpcError> {
    api.alerts_rule_create(rule).await
}

#[tauri::command]
pub async fn alerts_rule_remove(api: State<'_, Api>, id: String) -> Result<(), IpcError> {
    api.alerts_rule_remove(&id).await
}

#[tauri::command]
pub async fn alerts_rules_import(api: State<'_, Api>, path: String, wrap: bool) -> Result<RuleImportView, IpcError> {
    api.alerts_rules_import(&path, wrap).await
}

#[tauri::command]
pub async fn alerts_rules_export(api: State<'_, Api>, path: String) -> Result<RuleExportView, IpcError> {
    api.alerts_rules_export(&path).await
}

//! The orchestrator wizard's and the rollout plan's commands, each a forward to the
//! `homeport-api` function of the same name.

use homeport_api::{Api, IpcError, PrefillView, RecommendationView, RolloutView, SavedChoiceView, WizardView};
use homeport_core::orchestrators::Answers;
use tauri::State;

#[tauri::command]
pub fn orchestrator_wizard(api: State<'_, Api>) -> Result<WizardView, IpcError> {
    api.orchestrator_wizard()
}

#[tauri::command]
pub fn orchestrator_recommend(api: State<'_, Api>, answers: Answers) -> Result<RecommendationView, IpcError> {
    api.orchestrator_recommend(answers)
}

#[tauri::command]
pub async fn orchestrator_prefill(api: State<'_, Api>) -> Result<PrefillView, IpcError> {
    api.orchestrator_prefill().await
}

#[tauri::command]
pub async fn orchestrator_save(api: State<'_, Api>, answers: Answers) -> Result<SavedChoiceView, IpcError> {
    api.orchestrator_save(answers).await
}

#[tauri::command]
pub async fn orchestrator_choice(api: State<'_, Api>) -> Result<Option<SavedChoiceView>, IpcError> {
    api.orchestrator_choice().await
}

/// Scans every host; `timeout_ms` is each host's limit (default 5000).
#[tauri::command]
pub async fn rollout_status(api: State<'_, Api>, timeout_ms: Option<u32>) -> Result<RolloutView, IpcError> {
    let timeout = timeout_ms.map(|ms| std::time::Duration::from_millis(u64::from(ms)));
    api.rollout_status(timeout).await
}

#[tauri::command]
pub async fn rollout_check(api: State<'_, Api>, item: String, checked: bool) -> Result<(), IpcError> {
    api.rollout_check(&item, checked).await
}

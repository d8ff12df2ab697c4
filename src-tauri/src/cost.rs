//! The cost calculator's commands, each a forward to the `homeport-api` function of the same
//! name. They are async, so the chart and report rendering runs off the window's main thread.

use std::path::Path;

use homeport_api::cost::{
    CostCalculationView, CostExportFormat, CostExportView, CostPrefillView, CostReferenceView, CostTheme,
    SavedCostScenarioView, Scenario, Subscription,
};
use homeport_api::{Api, IpcError, Language};
use tauri::State;

#[tauri::command]
pub async fn cost_reference(api: State<'_, Api>) -> Result<CostReferenceView, IpcError> {
    api.cost_reference()
}

#[tauri::command]
pub async fn cost_catalog_subscription(
    api: State<'_, Api>,
    id: String,
    currency: String,
) -> Result<Subscription, IpcError> {
    api.cost_catalog_subscription(&id, &currency)
}

#[tauri::command]
pub async fn cost_calculate(api: State<'_, Api>, scenario: Scenario) -> Result<CostCalculationView, IpcError> {
    api.cost_calculate(&scenario)
}

#[tauri::command]
pub async fn cost_chart_svg(
    api: State<'_, Api>,
    scenario: Scenario,
    language: Language,
    theme: CostTheme,
    width: u32,
    height: u32,
) -> Result<String, IpcError> {
    api.cost_chart_svg(&scenario, language, theme, width, height)
}

/// Writes the scenario file or the report to `path`, which must be absolute: a desktop app's
/// working folder is not one the user chose.
#[tauri::command]
pub async fn cost_export(
    api: State<'_, Api>,
    scenario: Scenario,
    format: CostExportFormat,
    language: Language,
    path: String,
) -> Result<CostExportView, IpcError> {
    let trimmed = path.trim();
    if !(Path::new(trimmed).is_absolute() || trimmed.starts_with("~/")) {
        return Err(homeport_core::Error::invalid(
            "path",
            path.as_str(),
            "the path is relative; give the full path of the file, starting at the root folder",
        )
        .into());
    }
    api.cost_export(&scenario, format, language, trimmed)
}

#[tauri::command]
pub async fn cost_export_suggested_path(
    api: State<'_, Api>,
    name: String,
    format: CostExportFormat,
) -> Result<String, IpcError> {
    Ok(api.cost_export_suggested_path(&name, format))
}

#[tauri::command]
pub async fn cost_scenarios(api: State<'_, Api>) -> Result<Vec<SavedCostScenarioView>, IpcError> {
    api.cost_scenarios().await
}

#[tauri::command]
pub async fn cost_scenario_save(
    api: State<'_, Api>,
    name: String,
    scenario: Scenario,
) -> Result<SavedCostScenarioView, IpcError> {
    api.cost_scenario_save(&name, &scenario).await
}

#[tauri::command]
pub async fn cost_scenario_delete(api: State<'_, Api>, id: String) -> Result<(), IpcError> {
    api.cost_scenario_delete(&id).await
}

#[tauri::command]
pub async fn cost_prefill(api: State<'_, Api>, currency: String) -> Result<CostPrefillView, IpcError> {
    api.cost_prefill(&currency).await
}

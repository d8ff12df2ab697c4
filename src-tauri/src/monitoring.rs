//! Monitoring commands and the collection loop. Each command forwards to the `homeport-api`
//! function of the same name.

use std::time::Duration;

use homeport_api::monitoring::{
    ChartFormat, ChartRequest, ChartView, CollectReportView, MetricsSettingsView, PromChartRequest, SeriesView,
};
use homeport_api::{Api, IpcError};
use tauri::{AppHandle, Manager, State};

/// Asks once a second which hosts are due and collects each in its own task, for as long as
/// the app runs.
pub async fn run_collection(app: AppHandle) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let due = match app.state::<Api>().metrics_due_hosts().await {
            Ok(due) => due,
            Err(err) => {
                tracing::warn!(error = %err, "cannot list the hosts due for collection");
                continue;
            }
        };
        for host_id in due {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                // The report lands in the log; open charts refresh on their own timer.
                if let Err(err) = app.state::<Api>().metrics_collect_once(&host_id).await {
                    tracing::debug!(host_id, error = %err, "collection failed");
                }
            });
        }
    }
}

#[tauri::command]
pub async fn metrics_collect_once(api: State<'_, Api>, host_id: String) -> Result<CollectReportView, IpcError> {
    api.metrics_collect_once(&host_id).await
}

#[tauri::command]
pub async fn metrics_chart(api: State<'_, Api>, request: ChartRequest) -> Result<ChartView, IpcError> {
    api.metrics_chart(&request).await
}

#[tauri::command]
pub async fn metrics_prometheus_chart(api: State<'_, Api>, request: PromChartRequest) -> Result<ChartView, IpcError> {
    api.metrics_prometheus_chart(&request).await
}

#[tauri::command]
pub async fn metrics_chart_save(
    api: State<'_, Api>,
    request: ChartRequest,
    format: ChartFormat,
    path: String,
) -> Result<String, IpcError> {
    api.metrics_chart_save(&request, format, &path).await
}

#[tauri::command]
pub async fn metrics_settings(api: State<'_, Api>, host_id: String) -> Result<MetricsSettingsView, IpcError> {
    api.metrics_settings(&host_id).await
}

#[tauri::command]
pub async fn metrics_settings_set(
    api: State<'_, Api>,
    host_id: String,
    settings: MetricsSettingsView,
) -> Result<MetricsSettingsView, IpcError> {
    api.metrics_settings_set(&host_id, settings).await
}

#[tauri::command]
pub async fn metrics_series(
    api: State<'_, Api>,
    host_id: String,
    metric: Option<String>,
) -> Result<Vec<SeriesView>, IpcError> {
    api.metrics_series(&host_id, metric.as_deref()).await
}

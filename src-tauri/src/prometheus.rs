//! The Prometheus source commands of a host's settings and the PromQL queries for charts. Each
//! forwards to the `homeport-api` function of the same name.

use homeport_api::{
    Api, IpcError, PrometheusQueryView, PrometheusRangeView, PrometheusSourceInput, PrometheusSourceView,
    PrometheusTestView,
};
use tauri::State;

/// Returns the host's Prometheus source, or `null` when it has none.
#[tauri::command]
pub async fn prometheus_source_get(
    api: State<'_, Api>,
    host: String,
) -> Result<Option<PrometheusSourceView>, IpcError> {
    api.prometheus_source_get(&host).await
}

/// Sets the host's Prometheus source.
#[tauri::command]
pub async fn prometheus_source_set(
    api: State<'_, Api>,
    host: String,
    input: PrometheusSourceInput,
) -> Result<PrometheusSourceView, IpcError> {
    api.prometheus_source_set(&host, &input).await
}

/// Removes the host's Prometheus source.
#[tauri::command]
pub async fn prometheus_source_remove(api: State<'_, Api>, host: String) -> Result<bool, IpcError> {
    api.prometheus_source_remove(&host).await
}

/// Tests `input`, or the stored source when it is `null`.
#[tauri::command]
pub async fn prometheus_source_test(
    api: State<'_, Api>,
    host: String,
    input: Option<PrometheusSourceInput>,
) -> Result<PrometheusTestView, IpcError> {
    api.prometheus_source_test(&host, input.as_ref()).await
}

/// Evaluates a PromQL query at one time on the host's Prometheus.
#[tauri::command]
pub async fn prometheus_query(
    api: State<'_, Api>,
    host: String,
    promql: String,
    at_ms: Option<i64>,
) -> Result<PrometheusQueryView, IpcError> {
    api.prometheus_query(&host, &promql, at_ms).await
}

/// Evaluates a PromQL query over a range on the host's Prometheus.
#[tauri::command]
pub async fn prometheus_query_range(
    api: State<'_, Api>,
    host: String,
    promql: String,
    from_ms: i64,
    to_ms: i64,
    step_ms: Option<i64>,
) -> Result<PrometheusRangeView, IpcError> {
    api.prometheus_query_range(&host, &promql, from_ms, to_ms, step_ms)
        .await
}

//! TLS endpoint checks: the endpoints the user configures, checks on demand and every 6 hours
//! from the desktop app, and the metric series the rules engine watches
//! (`tls_days_left{endpoint}`, `tls_name_mismatch{endpoint}`).

use std::time::Duration;

use homeport_core::alerts::tls::{
    self, store, TlsEndpoint, TlsReport, ENDPOINT_LABEL, TLS_DAYS_LEFT, TLS_NAME_MISMATCH,
};
use homeport_core::Error;
use homeport_metrics::{Sample, SeriesKey};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::monitoring::metrics_error;
use crate::{Api, ApiResult};

/// How often the desktop app checks every endpoint.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(6 * 60 * 60);

/// The metrics host id of endpoints that belong to no Homeport host. Rules evaluate its
/// series like a host's; its alerts belong to no host.
pub const UNASSIGNED_HOST_ID: &str = "_unassigned";

/// An endpoint with its last report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TlsEndpointView {
    pub endpoint: TlsEndpoint,
    pub report: Option<TlsReport>,
}

impl Api {
    /// Lists the endpoints with their last reports.
    pub async fn tls_endpoints(&self) -> ApiResult<Vec<TlsEndpointView>> {
        let store = self.hosts.store();
        let mut views = Vec::new();
        for endpoint in store::list(store).await? {
            let report = store::report(store, &endpoint.id).await?;
            views.push(TlsEndpointView { endpoint, report });
        }
        Ok(views)
    }

    /// Adds (empty `id`) or changes an endpoint, then checks it.
    pub async fn tls_endpoint_save(&self, endpoint: TlsEndpoint) -> ApiResult<TlsEndpointView> {
        let saved = store::save(self.hosts.store(), &endpoint.validated()?).await?;
        tracing::info!(endpoint_id = %saved.id, endpoint = %saved.label(), "TLS endpoint saved");
        let report = self.tls_check(&saved.id).await?;
        Ok(TlsEndpointView {
            endpoint: saved,
            report: Some(report),
        })
    }

    /// Removes an endpoint and its report. Its metric series stay until retention removes them.
    pub async fn tls_endpoint_remove(&self, id: &str) -> ApiResult<()> {
        if !store::remove(self.hosts.store(), id).await? {
            return Err(tls_endpoint_not_found(id).into());
        }
        Ok(())
    }

    /// Checks one endpoint now, stores the report and writes its metric series.
    pub async fn tls_check(&self, id: &str) -> ApiResult<TlsReport> {
        let store = self.hosts.store();
        let endpoint = store::get(store, id).await?.ok_or_else(|| tls_endpoint_not_found(id))?;
        let report = tls::check(&endpoint).await;
        store::save_report(store, id, &report).await?;
        match &report.error {
            Some(error) => tracing::warn!(endpoint_id = id, endpoint = %endpoint.label(), error, "TLS check failed"),
            None => tracing::info!(
                endpoint_id = id,
                endpoint = %endpoint.label(),
                days_left = report.days_left,
                name_mismatch = report.name_mismatch,
                trusted = report.trusted,
                "TLS check done"
            ),
        }
        self.tls_write_series(&endpoint, &report).await?;
        // The host's rules would otherwise see the new value only after its next collection,
        // and the series of an endpoint without a host have no collection at all.
        let host_id = endpoint.host_id.as_deref().unwrap_or(UNASSIGNED_HOST_ID);
        if let Err(err) = self.alerts_evaluate(host_id).await {
            tracing::warn!(endpoint_id = id, host_id, error = %err.message, "alert evaluation after a TLS check failed");
        }
        Ok(report)
    }

    /// Checks every endpoint; returns how many were checked. Failures are in the reports.
    pub async fn tls_check_all(&self) -> ApiResult<u32> {
        let endpoints = store::list(self.hosts.store()).await?;
        for endpoint in &endpoints {
            if let Err(err) = self.tls_check(&endpoint.id).await {
                tracing::warn!(endpoint_id = %endpoint.id, error = %err.message, "cannot store a TLS check");
            }
        }
        Ok(endpoints.len() as u32)
    }

    /// Writes the report's values as samples. A failed check writes nothing, so the series show
    /// a gap rather than a made-up value.
    async fn tls_write_series(&self, endpoint: &TlsEndpoint, report: &TlsReport) -> ApiResult<()> {
        let Some(days_left) = report.days_left else {
            return Ok(());
        };
        let metrics = self.metrics_store().await?;
        let host_id = endpoint.host_id.as_deref().unwrap_or(UNASSIGNED_HOST_ID);
        let label = endpoint.label();
        let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
        let mut samples = Vec::new();
        for (metric, value) in [
            (TLS_DAYS_LEFT, days_left as f64),
            (TLS_NAME_MISMATCH, if report.name_mismatch { 1.0 } else { 0.0 }),
        ] {
            let key = SeriesKey::new(host_id, metric).label(ENDPOINT_LABEL, label.clone());
            let id = metrics.series_id(&key).await.map_err(metrics_error)?;
            samples.push((id, Sample::new(now_ms, value)));
        }
        metrics.append(&samples).await.map_err(metrics_error)?;
        // Checks are hours apart, so the samples are written at once rather than with the
        // next periodic flush.
        metrics.flush().await.map_err(metrics_error)?;
        Ok(())
    }
}

fn tls_endpoint_not_found(id: &str) -> Error {
    Error::InvalidInput {
        field: "endpoint",
        value: id.to_string(),
        reason: "no TLS endpoint has this id; reload the list".to_string(),
    }
}

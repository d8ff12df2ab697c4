//! Monitoring for both shells: collecting from hosts into the local metrics store, the
//! per-host interval and retention, and charts of stored series.
//!
//! The desktop shell calls [`Api::metrics_due_hosts`] once a second for the hosts whose
//! intervals have passed and collects each with [`Api::metrics_collect_once`]. A host being
//! collected is skipped until that collection ends. The CLI calls the latter directly.

mod charts;
pub mod panels;
mod writer;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use homeport_core::inventory::{Host, HostKind};
use homeport_core::monitoring::collect::{Collection, Collector, HostProbe};
use homeport_core::{Error, ErrorCode};
use homeport_metrics::{HostSettings, MetricsStore, Sample};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex as AsyncMutex, OnceCell};
use ts_rs::TS;

pub use self::charts::{
    ChartFormat, ChartPointView, ChartRequest, ChartSeriesView, ChartTheme, ChartView, PlotAreaView, PromChartRequest,
};
pub use self::panels::MetricsPanel;
use crate::{Api, ApiResult, IpcError};

/// Time between the priming reading and the first stored one.
const PRIMING_GAP: Duration = Duration::from_secs(1);

/// How often the store drops data older than each host's retention.
const RETENTION_EVERY: Duration = Duration::from_secs(600);

/// Monitoring state the [`Api`] keeps between calls.
#[derive(Default)]
pub struct Monitoring {
    store: OnceCell<MetricsStore>,
    collectors: Mutex<HashMap<String, Arc<AsyncMutex<Collector>>>>,
    last_run: Mutex<HashMap<String, Instant>>,
    last_retention: Mutex<Option<Instant>>,
    writer: writer::WriterLock,
}

impl std::fmt::Debug for Monitoring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitoring").finish_non_exhaustive()
    }
}

/// Report of one collection of one host, for the status line and `metrics collect --once`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CollectReportView {
    pub host_id: String,
    pub host_name: String,
    /// When the samples were stamped, Unix milliseconds.
    #[ts(type = "number")]
    pub taken_at_ms: i64,
    pub samples: usize,
    pub containers: usize,
    /// Round trip of the host's script, when the host has a shell.
    #[ts(type = "number | null")]
    pub script_ms: Option<u64>,
    #[ts(type = "number | null")]
    pub containers_ms: Option<u64>,
    /// The host's clock minus this computer's.
    #[ts(type = "number | null")]
    pub clock_skew_ms: Option<i64>,
    /// Whether the skew is large enough to warn about (over 2 s).
    pub clock_skewed: bool,
    /// Whether nothing was collected because a collection of this host was still running.
    pub skipped: bool,
    /// Parts left out, as English text for logs and the CLI.
    pub warnings: Vec<String>,
    /// The error when nothing could be collected.
    pub error: Option<IpcError>,
}

/// A host's collection interval and retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MetricsSettingsView {
    pub interval_seconds: u32,
    pub retention_days: u32,
}

/// One stored series, for `metrics query` and the screen's container list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SeriesView {
    pub metric: String,
    pub labels: std::collections::BTreeMap<String, String>,
}

/// One series with its points, for `homeport metrics query`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QueriedSeriesView {
    pub metric: String,
    pub labels: std::collections::BTreeMap<String, String>,
    /// `raw`, `1m` or `15m`; rollup points carry the bucket's average.
    pub resolution: String,
    pub points: Vec<ChartPointView>,
}

/// Converts a metrics-store error for the UI.
pub(crate) fn metrics_error(err: homeport_metrics::Error) -> IpcError {
    use homeport_metrics::Error as M;
    let code = match &err {
        // The field and value are inside the store's text, so it becomes the reason.
        M::InvalidArgument(reason) => return Error::invalid("chart", "", reason.clone()).into(),
        M::Storage(_) | M::CorruptChunk(_) | M::SeriesNotFound(_) | M::OutOfOrder { .. } => ErrorCode::Storage,
        M::FontUnavailable(_) | M::Render(_) => ErrorCode::Internal,
    };
    IpcError {
        code,
        message: err.to_string(),
        params: [("detail".to_string(), err.to_string())].into_iter().collect(),
    }
}

impl Api {
    /// Returns the metrics store, opened on first use next to the app's database.
    pub async fn metrics_store(&self) -> ApiResult<&MetricsStore> {
        let path = self.paths().data_dir.join("metrics.db");
        self.monitoring
            .store
            .get_or_try_init(|| async move { MetricsStore::open(&path).await.map_err(metrics_error) })
            .await
    }

    /// Writes the samples still held in memory. The shells call it before exiting, since the
    /// store otherwise writes open chunks only every 30 s.
    pub async fn metrics_flush(&self) -> ApiResult<()> {
        match self.monitoring.store.get() {
            Some(store) => store.flush().await.map_err(metrics_error),
            None => Ok(()),
        }
    }

    /// Collects one host now and stores the samples.
    pub async fn metrics_collect_once(&self, host: &str) -> ApiResult<CollectReportView> {
        let host = self.host_service().get(host).await?;
        Ok(self.collect_host(&host).await)
    }

    /// Returns the ids of the hosts whose interval has passed since their last collection;
    /// the desktop shell collects each in a task of its own, so a slow host delays no other.
    /// Also drops data past each host's retention every ten minutes.
    pub async fn metrics_due_hosts(&self) -> ApiResult<Vec<String>> {
        let store = self.metrics_store().await?;
        let hosts = self.host_service().list().await?;
        let mut due = Vec::new();
        for host in hosts {
            let interval = store.host_settings(&host.id).await.map_err(metrics_error)?.interval_ms;
            let last = self
                .monitoring
                .last_run
                .lock()
                .expect("last run lock")
                .get(&host.id)
                .copied();
            if last.is_none_or(|at| at.elapsed() >= Duration::from_millis(interval as u64)) {
                due.push(host.id);
            }
        }
        self.enforce_retention_now_and_then(store).await;
        Ok(due)
    }

    /// Returns a host's interval and retention.
    pub async fn metrics_settings(&self, host: &str) -> ApiResult<MetricsSettingsView> {
        let host = self.host_service().get(host).await?;
        let settings = self
            .metrics_store()
            .await?
            .host_settings(&host.id)
            .await
            .map_err(metrics_error)?;
        Ok(MetricsSettingsView {
            interval_seconds: (settings.interval_ms / 1000) as u32,
            retention_days: (settings.retention_ms / 86_400_000) as u32,
        })
    }

    /// Sets a host's interval (5 s to 1 h) and retention (1 to 400 days).
    pub async fn metrics_settings_set(
        &self,
        host: &str,
        settings: MetricsSettingsView,
    ) -> ApiResult<MetricsSettingsView> {
        let host = self.host_service().get(host).await?;
        if !(5..=3600).contains(&settings.interval_seconds) {
            return Err(Error::invalid(
                "intervalSeconds",
                settings.interval_seconds.to_string(),
                "choose an interval from 5 to 3600 seconds",
            )
            .into());
        }
        if !(1..=400).contains(&settings.retention_days) {
            return Err(Error::invalid(
                "retentionDays",
                settings.retention_days.to_string(),
                "choose a retention from 1 to 400 days",
            )
            .into());
        }
        let stored = HostSettings {
            interval_ms: i64::from(settings.interval_seconds) * 1000,
            retention_ms: i64::from(settings.retention_days) * 86_400_000,
        };
        self.metrics_store()
            .await?
            .set_host_settings(&host.id, stored)
            .await
            .map_err(metrics_error)?;
        tracing::info!(host_id = %host.id, interval_s = settings.interval_seconds, retention_days = settings.retention_days, "metrics settings changed");
        Ok(settings)
    }

    /// Lists the series stored for a host, optionally of one metric.
    pub async fn metrics_series(&self, host: &str, metric: Option<&str>) -> ApiResult<Vec<SeriesView>> {
        let host = self.host_service().get(host).await?;
        let series = self
            .metrics_store()
            .await?
            .host_series(&host.id, metric)
            .await
            .map_err(metrics_error)?;
        Ok(series
            .into_iter()
            .map(|(_, key)| SeriesView {
                metric: key.metric,
                labels: key.labels,
            })
            .collect())
    }

    /// Reads the stored points of every series of `metric` whose labels include `labels`,
    /// at the resolution the range calls for.
    pub async fn metrics_query(
        &self,
        host: &str,
        metric: &str,
        labels: &std::collections::BTreeMap<String, String>,
        from_ms: i64,
        to_ms: i64,
    ) -> ApiResult<Vec<QueriedSeriesView>> {
        let host = self.host_service().get(host).await?;
        let store = self.metrics_store().await?;
        let mut out = Vec::new();
        for (id, key) in store.host_series(&host.id, Some(metric)).await.map_err(metrics_error)? {
            if !labels.iter().all(|(name, value)| key.labels.get(name) == Some(value)) {
                continue;
            }
            let range = store.range(id, from_ms, to_ms).await.map_err(metrics_error)?;
            out.push(QueriedSeriesView {
                metric: key.metric,
                labels: key.labels,
                resolution: charts::resolution_name(range.resolution).to_string(),
                points: range
                    .points
                    .iter()
                    .map(|point| ChartPointView {
                        t: point.timestamp_ms,
                        v: point.value,
                    })
                    .collect(),
            });
        }
        Ok(out)
    }

    async fn collect_host(&self, host: &Host) -> CollectReportView {
        self.monitoring
            .last_run
            .lock()
            .expect("last run lock")
            .insert(host.id.clone(), Instant::now());
        let collector = {
            let mut collectors = self.monitoring.collectors.lock().expect("collectors lock");
            Arc::clone(
                collectors
                    .entry(host.id.clone())
                    .or_insert_with(|| Arc::new(AsyncMutex::new(Collector::new(host.id.clone())))),
            )
        };
        let mut report = CollectReportView {
            host_id: host.id.clone(),
            host_name: host.name.clone(),
            taken_at_ms: 0,
            samples: 0,
            containers: 0,
            script_ms: None,
            containers_ms: None,
            clock_skew_ms: None,
            clock_skewed: false,
            skipped: false,
            warnings: Vec::new(),
            error: None,
        };
        let Ok(mut collector) = collector.try_lock() else {
            report.skipped = true;
            report
                .warnings
                .push("the previous collection of this host is still running".into());
            return report;
        };

        // Counters become rates only against an earlier reading. The first collection of a
        // host in this process (every `metrics collect --once`, and the app's first pass)
        // takes one reading to compare with, a second before the one it stores.
        if !collector.primed() && self.collect_with(host, &mut collector).await.is_ok() {
            tokio::time::sleep(PRIMING_GAP).await;
        }
        match self.collect_with(host, &mut collector).await {
            Ok(collection) => {
                report.taken_at_ms = collection.taken_at_ms;
                report.containers = collection.containers;
                report.script_ms = collection.script_ms;
                report.containers_ms = collection.containers_ms;
                report.clock_skew_ms = collection.clock_skew_ms;
                report.clock_skewed = collection.clock_skewed();
                report.warnings = collection.warnings.clone();
                match self.store_collection(&collection).await {
                    Ok(samples) => report.samples = samples,
                    Err(err) => report.error = Some(err),
                }
                if report.clock_skewed {
                    tracing::warn!(host_id = %host.id, skew_ms = report.clock_skew_ms, "host clock differs from this computer's");
                }
            }
            Err(err) => {
                tracing::debug!(host_id = %host.id, error = %err, "collection failed");
                report.error = Some(err);
            }
        }
        self.alerts_after_collection(host, &report).await;
        report
    }

    async fn collect_with(&self, host: &Host, collector: &mut Collector) -> ApiResult<Collection> {
        let link = self.host_service().link(host).await;
        let collection = match (&link, host.kind) {
            (Ok(link), _) => {
                let probe = match (&link.session, host.kind) {
                    (Some(session), _) => Some(HostProbe::Ssh(session)),
                    // The engine on a local socket runs on this computer.
                    (None, HostKind::Socket) => Some(HostProbe::Local),
                    (None, _) => None,
                };
                collector.collect(probe, Some(&link.engine)).await
            }
            // A host whose engine cannot be reached still has a shell to read counters with.
            (Err(_), HostKind::Ssh) => {
                let session = self.host_service().session(host).await?;
                let collection = collector.collect(Some(HostProbe::Ssh(&session)), None).await;
                session.close().await;
                collection.map(|mut collection| {
                    if let Err(err) = &link {
                        collection.warnings.push(format!("container stats: {err}"));
                    }
                    collection
                })
            }
            (Err(_), _) => return Err(link.err().expect("link error").into()),
        };
        if collection.is_err() {
            // The next call reconnects instead of reusing a connection that may be dead.
            self.host_service().drop_connection(&host.id).await;
        }
        Ok(collection?)
    }

    async fn store_collection(&self, collection: &Collection) -> ApiResult<usize> {
        self.monitoring.writer.acquire(&self.paths().data_dir)?;
        let store = self.metrics_store().await?;
        // One value per series: a host can list a mount point twice (busybox `df` shows stacked
        // mounts), and a second sample at the same time would be rejected as out of order and
        // take the whole collection with it.
        let mut samples: Vec<(homeport_metrics::SeriesId, Sample)> = Vec::with_capacity(collection.readings.len());
        for reading in &collection.readings {
            let id = store.series_id(&reading.key).await.map_err(metrics_error)?;
            let sample = Sample::new(collection.taken_at_ms, reading.value);
            match samples.iter_mut().find(|(seen, _)| *seen == id) {
                Some(existing) => existing.1 = sample,
                None => samples.push((id, sample)),
            }
        }
        store.append(&samples).await.map_err(metrics_error)?;
        Ok(samples.len())
    }

    /// Drops data older than each host's retention; `metrics collect --once` calls it, since
    /// it never goes through [`Api::metrics_due_hosts`].
    pub async fn metrics_enforce_retention(&self) -> ApiResult<u64> {
        let store = self.metrics_store().await?;
        self.monitoring.writer.acquire(&self.paths().data_dir)?;
        store.enforce_retention(now_ms()).await.map_err(metrics_error)
    }

    async fn enforce_retention_now_and_then(&self, store: &MetricsStore) {
        {
            let mut last = self.monitoring.last_retention.lock().expect("retention lock");
            if last.is_some_and(|at| at.elapsed() < RETENTION_EVERY) {
                return;
            }
            *last = Some(Instant::now());
        }
        if self.monitoring.writer.acquire(&self.paths().data_dir).is_err() {
            return;
        }
        match store.enforce_retention(now_ms()).await {
            Ok(removed) => tracing::debug!(removed, "metrics retention enforced"),
            Err(err) => tracing::warn!(error = %err, "enforcing metrics retention failed"),
        }
    }
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

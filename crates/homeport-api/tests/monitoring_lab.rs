//! Agentless collection against the lab: the SSH host's counters over its pooled session,
//! the local engine's host read on this computer, container stats from the real engine, and
//! charts drawn from what was stored.
//!
//! Skips when `HOMEPORT_LAB_ENV` is unset. Only the lab image is used (`--pull never`).

mod common;
mod hosts;

use common::{unique_name, TestContainer};
use homeport_api::monitoring::{
    ChartRequest, ChartTheme, CollectReportView, MetricsPanel, MetricsSettingsView, PromChartRequest,
};
use homeport_api::prometheus::PrometheusSourceInput;
use homeport_api::Api;
use homeport_core::ErrorCode;
use hosts::{add_key_host, add_socket_host, free_port, open_api};
use tempfile::TempDir;

/// Collects twice. The first call already primes the counters, so both store rates.
async fn collect_twice(api: &Api, host: &str) -> CollectReportView {
    let first = api.metrics_collect_once(host).await.expect("first collection");
    assert!(first.error.is_none(), "first collection failed: {:?}", first.error);
    let has_rates = |report: &CollectReportView| report.samples > 0;
    assert!(has_rates(&first));
    let second = api.metrics_collect_once(host).await.expect("second collection");
    assert!(second.error.is_none(), "second collection failed: {:?}", second.error);
    assert!(
        second.samples.abs_diff(first.samples) <= first.samples / 4,
        "the first collection already has rates: {} then {} samples",
        first.samples,
        second.samples
    );
    second
}

fn request(host_id: &str, panel: MetricsPanel, container: Option<&str>, language: &str) -> ChartRequest {
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    ChartRequest {
        host_id: host_id.to_string(),
        panel,
        container: container.map(str::to_string),
        from_ms: now - 3_600_000,
        to_ms: now + 60_000,
        width: 800,
        height: 300,
        theme: ChartTheme::Light,
        language: language.to_string(),
        utc_offset_seconds: 0,
    }
}

#[tokio::test]
async fn ssh_host_counters_and_container_stats() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_key_host(&api, &lab).await;
    let container = TestContainer::start(&lab, &unique_name("metrics"));

    let report = collect_twice(&api, &host.id).await;
    assert!(report.script_ms.is_some(), "the SSH host ran the script");
    assert!(
        report.containers >= 2,
        "the lab web container and the test container: {report:?}"
    );
    assert!(!report.clock_skewed, "the lab shares this computer's clock: {report:?}");

    let series = api.metrics_series(&host.id, None).await.expect("series");
    let has = |metric: &str| series.iter().any(|series| series.metric == metric);
    for metric in [
        "cpu_usage_percent",
        "cpu_iowait_percent",
        "load1",
        "memory_used_bytes",
        "memory_cached_bytes",
        "swap_used_bytes",
        "filesystem_used_percent",
        "uptime_seconds",
        "container_cpu_percent",
        "container_memory_bytes",
        "container_restarts",
        "container_network_receive_bytes_per_second",
        "container_block_read_bytes_per_second",
    ] {
        assert!(has(metric), "no series '{metric}' after two collections");
    }
    let ours = api
        .metrics_series(&host.id, Some("container_memory_bytes"))
        .await
        .expect("container series");
    assert!(
        ours.iter()
            .any(|series| series.labels.get("container") == Some(&container.name)),
        "the test container has a memory series: {ours:?}"
    );

    let chart = api
        .metrics_chart(&request(&host.id, MetricsPanel::Cpu, None, "en"))
        .await
        .expect("cpu chart");
    assert!(!chart.empty);
    assert!(chart.svg.starts_with("<svg"), "an SVG document");
    let busy = &chart.series[0];
    assert_eq!(busy.label, "Busy");
    let value = busy.points.iter().find_map(|point| point.v).expect("one busy value");
    assert!((0.0..=100.0).contains(&value), "CPU busy is a percentage: {value}");

    let memory = api
        .metrics_chart(&request(
            &host.id,
            MetricsPanel::ContainerMemory,
            Some(&container.name),
            "zh-CN",
        ))
        .await
        .expect("container memory chart");
    assert!(memory.svg.contains("内存"), "the title is drawn in Chinese");
    let used = memory.series[0]
        .points
        .iter()
        .find_map(|point| point.v)
        .expect("memory value");
    assert!(used > 0.0, "a running shell uses some memory");
}

#[tokio::test]
async fn local_engine_reads_this_computer() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_socket_host(&api, &lab).await;

    let report = collect_twice(&api, &host.id).await;
    assert!(report.script_ms.is_some(), "host counters of this computer");
    assert!(report.containers >= 1);

    let series = api
        .metrics_series(&host.id, Some("memory_total_bytes"))
        .await
        .expect("series");
    assert_eq!(series.len(), 1);
}

#[tokio::test]
async fn settings_are_checked_and_kept() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_socket_host(&api, &lab).await;

    let defaults = api.metrics_settings(&host.id).await.expect("defaults");
    assert_eq!(
        defaults,
        MetricsSettingsView {
            interval_seconds: 15,
            retention_days: 30
        }
    );
    let err = api
        .metrics_settings_set(
            &host.id,
            MetricsSettingsView {
                interval_seconds: 1,
                retention_days: 30,
            },
        )
        .await
        .expect_err("1 s is too short");
    assert!(
        err.message.contains("intervalSeconds") || err.message.contains('1'),
        "{err}"
    );
    let changed = MetricsSettingsView {
        interval_seconds: 60,
        retention_days: 7,
    };
    api.metrics_settings_set(&host.id, changed).await.expect("set");
    assert_eq!(api.metrics_settings(&host.id).await.expect("read back"), changed);

    // The scheduler finds the host due at once, and not again right after collecting.
    let due = api.metrics_due_hosts().await.expect("due");
    assert!(due.contains(&host.id));
    api.metrics_collect_once(&host.id).await.expect("collect");
    let due = api.metrics_due_hosts().await.expect("due again");
    assert!(!due.contains(&host.id), "collected a moment ago with a 60 s interval");
}

#[tokio::test]
async fn chart_requests_are_checked() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_socket_host(&api, &lab).await;

    let mut backwards = request(&host.id, MetricsPanel::Cpu, None, "en");
    std::mem::swap(&mut backwards.from_ms, &mut backwards.to_ms);
    let err = api
        .metrics_chart(&backwards)
        .await
        .expect_err("range ends before it starts");
    assert_eq!(err.params.get("field").map(String::as_str), Some("range"), "{err:?}");

    let err = api
        .metrics_chart(&request(&host.id, MetricsPanel::ContainerCpu, None, "en"))
        .await
        .expect_err("container panel without a container");
    assert_eq!(
        err.params.get("field").map(String::as_str),
        Some("container"),
        "{err:?}"
    );

    let empty = api
        .metrics_chart(&request(&host.id, MetricsPanel::Network, None, "en"))
        .await
        .expect("a chart without data");
    assert!(empty.empty);
    assert!(empty.svg.contains("No data yet"), "the chart says why it is empty");
}

fn prom_request(host_id: &str, promql: &str) -> PromChartRequest {
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    PromChartRequest {
        host_id: host_id.to_string(),
        promql: promql.to_string(),
        title: None,
        unit: "none".into(),
        from_ms: now - 300_000,
        to_ms: now,
        width: 800,
        height: 300,
        theme: ChartTheme::Dark,
        language: "en".into(),
        utc_offset_seconds: 0,
    }
}

/// A PromQL chart from the lab's Prometheus: series labelled as PromQL writes them, a syntax
/// error rejected with its position, and an unreachable server drawn as a message.
#[tokio::test]
async fn prometheus_query_charts() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_socket_host(&api, &lab).await;
    let source = |url: String| PrometheusSourceInput {
        url,
        through_ssh: false,
    };
    api.prometheus_source_set(&host.id, &source(lab.var("LAB_PROMETHEUS_URL")))
        .await
        .expect("set the lab's Prometheus");

    let chart = api
        .metrics_prometheus_chart(&prom_request(&host.id, "up{job=\"node\"}"))
        .await
        .expect("a chart of up");
    assert!(chart.error.is_none());
    assert!(!chart.empty, "node-exporter is scraped every second");
    assert!(chart.series[0].label.starts_with("up{"), "{}", chart.series[0].label);
    assert!(chart.series[0].points.iter().any(|point| point.v == Some(1.0)));

    let err = api
        .metrics_prometheus_chart(&prom_request(&host.id, "sum(rate(up[1m])"))
        .await
        .expect_err("an unclosed parenthesis");
    assert_eq!(err.code, ErrorCode::PromqlInvalid, "{err:?}");
    assert!(err.params.contains_key("column"), "{err:?}");

    let closed = free_port();
    api.prometheus_source_set(&host.id, &source(format!("http://127.0.0.1:{closed}")))
        .await
        .expect("set a closed port");
    let down = api
        .metrics_prometheus_chart(&prom_request(&host.id, "up"))
        .await
        .expect("a chart that says why it is empty");
    assert_eq!(
        down.error.as_ref().map(|err| err.code),
        Some(ErrorCode::PrometheusUnreachable)
    );
    assert!(
        down.svg.contains("cannot be reached"),
        "the reason is drawn on the chart"
    );
}

/// Two processes writing one metrics store would overwrite each other's open chunks, so the
/// second writer on a data folder is refused and stores nothing.
#[tokio::test]
async fn second_writer_is_refused() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let first = open_api(dir.path()).await;
    let host = add_socket_host(&first, &lab).await;
    let report = first.metrics_collect_once(&host.id).await.expect("first writer");
    assert!(report.error.is_none(), "{report:?}");

    let second = open_api(dir.path()).await;
    let refused = second.metrics_collect_once(&host.id).await.expect("a report");
    let err = refused.error.expect("the second writer is refused");
    assert_eq!(err.code, ErrorCode::Storage);
    assert!(err.message.contains("another Homeport process"), "{err}");
    assert_eq!(refused.samples, 0);
}

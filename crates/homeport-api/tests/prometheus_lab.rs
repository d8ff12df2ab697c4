//! Prometheus as a metrics source, against the lab's real Prometheus 2.42 and node-exporter
//! (`tests/lab/lab.sh up`). The tests cover instant and range queries, gaps, NaN and ±Inf,
//! PromQL syntax errors with their position, an unreachable server, access through a lab
//! host's SSH connection, the monitoring template's registration, and `promtool check rules`
//! on the template's alert rules.
//!
//! Like `lab.rs`, every test skips when `HOMEPORT_LAB_ENV` is unset and panics when it names an
//! unreadable file. The lab's sshd hosts share this machine's loopback, so Prometheus at
//! `127.0.0.1:<port>` is reachable both directly and through `hplab-key@127.0.0.2:2222`.

mod common;
mod hosts;

use std::path::PathBuf;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use common::Lab;
use homeport_api::{
    Api, IpcError, PrometheusQueryView, PrometheusSourceInput, PrometheusSourceOrigin, PrometheusSpecialValue,
};
use homeport_core::ErrorCode;
use tempfile::TempDir;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64
}

/// Returns the lab Prometheus's host and port, as its URL gives them.
fn prometheus_address(lab: &Lab) -> (String, u16) {
    let url = lab.var("LAB_PROMETHEUS_URL");
    let authority = url
        .strip_prefix("http://")
        .expect("LAB_PROMETHEUS_URL starts with http://");
    let (host, port) = authority.rsplit_once(':').expect("LAB_PROMETHEUS_URL has a port");
    (host.to_string(), port.parse().expect("numeric port"))
}

fn direct(url: &str) -> PrometheusSourceInput {
    PrometheusSourceInput {
        url: url.to_string(),
        through_ssh: false,
    }
}

fn expect_code<T: std::fmt::Debug>(result: Result<T, IpcError>, code: ErrorCode) -> IpcError {
    match result {
        Ok(value) => panic!("expected {code:?}, got {value:?}"),
        Err(err) => {
            assert_eq!(err.code, code, "{err:?}");
            err
        }
    }
}

/// Opens an API with the lab's socket host, whose Prometheus source is the lab's, reached directly.
async fn api_with_direct_source(lab: &Lab, dir: &TempDir) -> (Api, String) {
    let api = hosts::open_api(dir.path()).await;
    let host = hosts::add_socket_host(&api, lab).await;
    api.prometheus_source_set(&host.id, &direct(&lab.var("LAB_PROMETHEUS_URL")))
        .await
        .expect("set the direct source");
    (api, host.id)
}

#[tokio::test]
async fn direct_test_and_instant_query() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().unwrap();
    let (api, host) = api_with_direct_source(&lab, &dir).await;

    let test = api.prometheus_source_test(&host, None).await.expect("test the source");
    assert!(test.version.starts_with("2."), "version {}", test.version);
    // The lab scrapes Prometheus itself, node-exporter and Alertmanager.
    assert_eq!(test.targets_total, 3, "{test:?}");
    assert_eq!(test.targets_up, 3, "{test:?}");

    let result = api
        .prometheus_query(&host, "up{job=\"node\"}", None)
        .await
        .expect("query up");
    let PrometheusQueryView::Vector { samples } = result else {
        panic!("expected a vector, got {result:?}");
    };
    assert_eq!(samples.len(), 1, "{samples:?}");
    assert_eq!(samples[0].labels.get("job").map(String::as_str), Some("node"));
    assert_eq!(samples[0].point.value, Some(1.0));
    assert!((samples[0].point.timestamp_ms - now_ms()).abs() < 60_000);

    let result = api.prometheus_query(&host, "vector(0) / 0", None).await.unwrap();
    let PrometheusQueryView::Vector { samples } = result else {
        panic!("expected a vector, got {result:?}");
    };
    assert_eq!(samples[0].point.value, None);
    assert_eq!(samples[0].point.special, Some(PrometheusSpecialValue::NaN));

    let at = now_ms() - 5_000;
    let result = api.prometheus_query(&host, "1 / 0", Some(at)).await.unwrap();
    let PrometheusQueryView::Scalar { point } = result else {
        panic!("expected a scalar, got {result:?}");
    };
    assert_eq!(point.timestamp_ms, at);
    assert_eq!(point.special, Some(PrometheusSpecialValue::PositiveInfinity));

    let result = api.prometheus_query(&host, "up{job=\"node\"}[5s]", None).await.unwrap();
    let PrometheusQueryView::Matrix { series } = result else {
        panic!("expected a matrix, got {result:?}");
    };
    assert!(!series[0].points.is_empty(), "{series:?}");
}

#[tokio::test]
async fn direct_range_query_of_node_exporter() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().unwrap();
    let (api, host) = api_with_direct_source(&lab, &dir).await;

    let to = now_ms();
    let from = to - 20_000;
    let range = api
        .prometheus_query_range(&host, "node_memory_MemTotal_bytes", from, to, Some(1_000))
        .await
        .expect("range query");
    assert_eq!((range.start_ms, range.end_ms, range.step_ms), (from, to, 1_000));
    assert_eq!(range.series.len(), 1, "{:?}", range.series);
    let series = &range.series[0];
    assert_eq!(series.labels.get("job").map(String::as_str), Some("node"));
    assert_eq!(series.points.len(), 21);
    for (k, point) in series.points.iter().enumerate() {
        assert_eq!(point.timestamp_ms, from + k as i64 * 1_000);
    }
    let values: Vec<f64> = series.points.iter().filter_map(|point| point.value).collect();
    assert!(!values.is_empty(), "no samples in {series:?}");
    assert!(
        values.iter().all(|value| *value > 0.0 && *value == values[0]),
        "{values:?}"
    );

    // Without a step, one is picked: whole seconds, the start on a multiple of it.
    let hour = api
        .prometheus_query_range(
            &host,
            "rate(node_cpu_seconds_total{mode=\"idle\"}[1m])",
            to - 3_600_000,
            to,
            None,
        )
        .await
        .expect("range query without a step");
    assert_eq!(hour.step_ms, 7_000);
    assert_eq!(hour.start_ms % hour.step_ms, 0);
    assert!(!hour.series.is_empty());
    assert!(hour.series.iter().all(|series| series.points.len() <= 601));
}

#[tokio::test]
async fn range_gaps_follow_the_data() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().unwrap();
    let (api, host) = api_with_direct_source(&lab, &dir).await;

    // A series that exists only in even 2-second spans: every other pair of steps is a gap.
    let to = (now_ms() / 1_000) * 1_000;
    let from = to - 20_000;
    let range = api
        .prometheus_query_range(
            &host,
            "vector(1) and on() (vector(time()) % 4 < 2)",
            from,
            to,
            Some(1_000),
        )
        .await
        .expect("range query");
    assert_eq!(range.series.len(), 1);
    let points = &range.series[0].points;
    assert_eq!(points.len(), 21);
    for point in points {
        let present = (point.timestamp_ms / 1_000) % 4 < 2;
        assert_eq!(point.value.is_some(), present, "at {}: {point:?}", point.timestamp_ms);
        assert_eq!(point.special, None);
    }
}

#[tokio::test]
async fn promql_syntax_error_has_position() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().unwrap();
    let (api, host) = api_with_direct_source(&lab, &dir).await;

    let err = expect_code(
        api.prometheus_query(&host, "rate(up[1m]", None).await,
        ErrorCode::PromqlInvalid,
    );
    assert_eq!(err.params.get("line").map(String::as_str), Some("1"), "{err:?}");
    assert_eq!(err.params.get("column").map(String::as_str), Some("12"), "{err:?}");
    assert_eq!(
        err.params.get("detail").map(String::as_str),
        Some("unclosed left parenthesis")
    );

    let to = now_ms();
    let err = expect_code(
        api.prometheus_query_range(&host, "up\n+ sum(up) byy (job)", to - 60_000, to, None)
            .await,
        ErrorCode::PromqlInvalid,
    );
    assert_eq!(err.params.get("line").map(String::as_str), Some("2"), "{err:?}");
    assert_eq!(err.params.get("column").map(String::as_str), Some("11"), "{err:?}");
    assert!(err.message.contains("unexpected identifier"), "{}", err.message);

    // Not a syntax error: a type error in a function call is still reported with Prometheus's
    // position, and a step too small for the range is rejected before any request.
    let err = expect_code(
        api.prometheus_query(&host, "rate(up)", None).await,
        ErrorCode::PromqlInvalid,
    );
    assert!(err.message.contains("range vector"), "{}", err.message);
    expect_code(
        api.prometheus_query_range(&host, "up", to - 86_400_000, to, Some(1_000))
            .await,
        ErrorCode::InvalidInput,
    );
}

#[tokio::test]
async fn unreachable_and_missing_sources() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().unwrap();
    let api = hosts::open_api(dir.path()).await;
    let host = hosts::add_socket_host(&api, &lab).await;

    expect_code(
        api.prometheus_query(&host.id, "up", None).await,
        ErrorCode::PrometheusSourceMissing,
    );

    let closed = format!("http://127.0.0.1:{}", hosts::free_port());
    let err = expect_code(
        api.prometheus_source_test(&host.id, Some(&direct(&closed))).await,
        ErrorCode::PrometheusUnreachable,
    );
    assert_eq!(err.params.get("url"), Some(&closed));
    assert!(err.message.to_lowercase().contains("refused"), "{}", err.message);

    // node-exporter 1.5 returns its HTML start page with HTTP 200 for every path.
    let err = expect_code(
        api.prometheus_source_test(&host.id, Some(&direct(&lab.var("LAB_NODE_EXPORTER_URL"))))
            .await,
        ErrorCode::PrometheusQueryFailed,
    );
    assert!(err.message.contains("not Prometheus API JSON"), "{}", err.message);

    // A socket host has no SSH connection to go through.
    let through_ssh = PrometheusSourceInput {
        url: lab.var("LAB_PROMETHEUS_URL"),
        through_ssh: true,
    };
    expect_code(
        api.prometheus_source_set(&host.id, &through_ssh).await,
        ErrorCode::InvalidInput,
    );
    assert_eq!(api.prometheus_source_get(&host.id).await.unwrap(), None);
}

#[tokio::test]
async fn queries_through_ssh_connection() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().unwrap();
    let api = hosts::open_api(dir.path()).await;
    let host = hosts::add_key_host(&api, &lab).await;
    let (address, port) = prometheus_address(&lab);

    let input = PrometheusSourceInput {
        url: format!("http://{address}:{port}"),
        through_ssh: true,
    };
    let saved = api
        .prometheus_source_set(&host.id, &input)
        .await
        .expect("set the source");
    assert!(saved.through_ssh);
    assert_eq!(saved.added_by, PrometheusSourceOrigin::User);

    let test = api
        .prometheus_source_test(&host.id, None)
        .await
        .expect("test through SSH");
    assert_eq!(test.targets_up, 3, "{test:?}");

    let to = now_ms();
    let range = api
        .prometheus_query_range(&host.id, "up", to - 10_000, to, Some(1_000))
        .await
        .expect("range query through SSH");
    let jobs: Vec<&str> = range
        .series
        .iter()
        .filter_map(|series| series.labels.get("job").map(String::as_str))
        .collect();
    for job in ["prometheus", "node", "alertmanager"] {
        assert!(jobs.contains(&job), "{job} missing from {jobs:?}");
    }

    // The host cannot connect to a closed port on its loopback: sshd refuses the channel.
    let closed = PrometheusSourceInput {
        url: format!("http://127.0.0.1:{}", hosts::free_port()),
        through_ssh: true,
    };
    let err = expect_code(
        api.prometheus_source_test(&host.id, Some(&closed)).await,
        ErrorCode::PrometheusUnreachable,
    );
    assert!(err.message.contains(&lab.var("LAB_SSH_KEY_HOST")), "{}", err.message);
}

#[tokio::test]
async fn monitoring_deploy_registers_source() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().unwrap();
    let api = hosts::open_api(dir.path()).await;
    let host = hosts::add_key_host(&api, &lab).await;
    let (_, port) = prometheus_address(&lab);

    // What a successful deploy of the monitoring template with PROMETHEUS_PORT=port does.
    let registered = api
        .prometheus_source_register_template(&host.id, port)
        .await
        .expect("register");
    assert_eq!(registered.url, format!("http://127.0.0.1:{port}"));
    assert!(registered.through_ssh);
    assert_eq!(registered.added_by, PrometheusSourceOrigin::Template);
    let result = api
        .prometheus_query(&host.id, "count(up)", None)
        .await
        .expect("query the registered source");
    let PrometheusQueryView::Vector { samples } = result else {
        panic!("expected a vector, got {result:?}");
    };
    assert_eq!(samples[0].point.value, Some(3.0));

    // A source the user set survives the next monitoring deploy.
    api.prometheus_source_set(&host.id, &direct(&lab.var("LAB_PROMETHEUS_URL")))
        .await
        .unwrap();
    let kept = api.prometheus_source_register_template(&host.id, 9090).await.unwrap();
    assert_eq!(kept.added_by, PrometheusSourceOrigin::User);
    assert_eq!(kept.url, lab.var("LAB_PROMETHEUS_URL"));

    assert!(api.prometheus_source_remove(&host.id).await.unwrap());
    assert_eq!(api.prometheus_source_get(&host.id).await.unwrap(), None);
}

#[test]
fn monitoring_template_rules_pass_promtool() {
    if common::lab().is_none() {
        return;
    }
    let rules = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/catalog/monitoring/prometheus/rules");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&rules)
        .unwrap_or_else(|err| panic!("cannot list {}: {err}", rules.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "rule files: {files:?}");

    // Debian's promtool 2.42, installed by the lab.
    let output = Command::new("promtool")
        .arg("check")
        .arg("rules")
        .args(&files)
        .output()
        .expect("run promtool; the lab installs the prometheus package");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "promtool check rules failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.matches("SUCCESS").count(), files.len(), "{stdout}");
}

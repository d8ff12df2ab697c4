//! `homeport metrics` against the lab engine on its local socket: collect, query, chart and
//! settings, with text and JSON output. Skips when `HOMEPORT_LAB_ENV` is unset.

#[path = "../../homeport-api/tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

use tempfile::TempDir;

mod run;
use run::{homeport, json};

#[test]
fn collect_query_chart_and_settings() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().expect("temp dir");
    let dir = data.path();
    let socket = lab.var("LAB_DOCKER_SOCK");
    json(
        &homeport(
            dir,
            &["host", "add-engine", "--name", "engine", "--socket", &socket, "--json"],
        ),
        "add the engine",
    );

    let first = json(
        &homeport(dir, &["metrics", "collect", "engine", "--once", "--json"]),
        "collect",
    );
    assert!(first["samples"].as_u64().unwrap_or(0) > 0, "{first}");
    assert!(first["error"].is_null(), "{first}");
    let text = homeport(dir, &["metrics", "collect", "--once"]);
    assert!(text.status.success(), "{}", String::from_utf8_lossy(&text.stderr));
    let line = String::from_utf8_lossy(&text.stdout);
    assert!(line.starts_with("engine: ") && line.contains(" samples, "), "{line}");

    let series = json(
        &homeport(
            dir,
            &[
                "metrics",
                "query",
                "engine",
                "cpu_usage_percent",
                "--label",
                "cpu=total",
                "--json",
            ],
        ),
        "query",
    );
    let series = series.as_array().expect("an array of series");
    assert_eq!(series.len(), 1, "one total CPU series: {series:?}");
    assert_eq!(series[0]["labels"]["cpu"], "total");
    let value = series[0]["points"][0]["v"].as_f64().expect("a CPU value");
    assert!((0.0..=100.0).contains(&value), "{value}");

    let bad = homeport(dir, &["metrics", "query", "engine", "load1", "--since", "6w", "--json"]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("--since") && stderr.contains("6w"),
        "names the option and value: {stderr}"
    );

    let png = dir.join("cpu.png");
    let svg = dir.join("memory.svg");
    let written = homeport(
        dir,
        &[
            "metrics",
            "chart",
            "engine",
            "cpu",
            "--out",
            png.to_str().expect("utf-8"),
            "--since",
            "15m",
        ],
    );
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    let bytes = std::fs::read(&png).expect("the PNG was written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let written = homeport(
        dir,
        &[
            "metrics",
            "chart",
            "engine",
            "memory",
            "--out",
            svg.to_str().expect("utf-8"),
            "--lang",
            "zh-CN",
            "--theme",
            "dark",
        ],
    );
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    let text = std::fs::read_to_string(&svg).expect("the SVG was written");
    assert!(text.contains("内存"), "the title in Chinese");

    let settings = json(
        &homeport(
            dir,
            &[
                "metrics",
                "settings",
                "engine",
                "--interval",
                "30",
                "--retention",
                "90",
                "--json",
            ],
        ),
        "settings",
    );
    assert_eq!(
        settings,
        serde_json::json!({ "intervalSeconds": 30, "retentionDays": 90 })
    );
    let refused = homeport(dir, &["metrics", "settings", "engine", "--retention", "0"]);
    assert!(!refused.status.success());
    let again = json(
        &homeport(dir, &["metrics", "settings", "engine", "--json"]),
        "settings again",
    );
    assert_eq!(
        again["retentionDays"], 90,
        "a refused change leaves the settings as they were"
    );
}

//! The cost calculator through the API: calculation with problems, saved scenarios in the
//! database, exports written to disk in both languages, and a prefill without hosts.

mod common;
mod hosts;

use homeport_api::cost::{CostExportFormat, CostTheme, ProblemKind, Scenario};
use homeport_api::Language;
use homeport_core::ErrorCode;
use hosts::open_api;
use tempfile::TempDir;

fn preset(api: &homeport_api::Api, id: &str) -> Scenario {
    let reference = api.cost_reference().expect("reference data");
    reference
        .presets
        .into_iter()
        .find(|preset| preset.id == id)
        .unwrap_or_else(|| panic!("no preset {id}"))
        .scenario
}

#[tokio::test]
async fn reference_lists_currencies_presets_catalog() {
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let reference = api.cost_reference().unwrap();
    let codes: Vec<&str> = reference
        .currencies
        .iter()
        .map(|currency| currency.code.as_str())
        .collect();
    assert_eq!(codes, ["USD", "EUR", "CNY", "GBP", "JPY"]);
    assert_eq!(reference.presets.len(), 3);
    let immich = reference
        .catalog
        .iter()
        .find(|entry| entry.id == "google-one-2tb")
        .unwrap();
    assert_eq!(immich.replaced_by, ["Immich", "Nextcloud"]);
}

#[tokio::test]
async fn calculate_lists_problems_or_results() {
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let mut scenario = preset(&api, "rule-of-thumb");

    let good = api.cost_calculate(&scenario).unwrap();
    assert!(good.problems.is_empty());
    assert_eq!(good.analysis.unwrap().with_time.payback_years, Some(1.64));

    scenario.hardware[0].life_years = 0.0;
    scenario.currency = String::new();
    let bad = api.cost_calculate(&scenario).unwrap();
    assert!(bad.analysis.is_none());
    let fields: Vec<(&str, ProblemKind)> = bad.problems.iter().map(|p| (p.field.as_str(), p.kind)).collect();
    assert_eq!(
        fields,
        [
            ("currency", ProblemKind::Missing),
            ("hardware[0].lifeYears", ProblemKind::NotPositive)
        ]
    );
}

#[tokio::test]
async fn saved_scenarios_round_trip() {
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let mini = api.cost_scenario_save("Mini", &preset(&api, "mini-pc")).await.unwrap();
    api.cost_scenario_save("Rack", &preset(&api, "used-server"))
        .await
        .unwrap();

    let saved = api.cost_scenarios().await.unwrap();
    let names: Vec<&str> = saved.iter().map(|saved| saved.name.as_str()).collect();
    assert_eq!(names, ["Mini", "Rack"]);
    assert_eq!(
        saved[0].scenario.as_ref().unwrap().name,
        "Mini",
        "the saved name is the scenario's"
    );
    assert!(saved[0].analysis.is_some());
    assert_eq!(saved[0].problem, None);

    // A second process reads the same rows.
    drop(api);
    let api = open_api(dir.path()).await;
    api.cost_scenario_delete(&mini.id).await.unwrap();
    let names: Vec<String> = api
        .cost_scenarios()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["Rack"]);
}

#[tokio::test]
async fn invalid_scenario_is_not_saved() {
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let mut scenario = preset(&api, "mini-pc");
    scenario.kwh_price = -0.2;
    let err = api.cost_scenario_save("Broken", &scenario).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(err.params["field"], "kwhPrice");
    assert!(api.cost_scenarios().await.unwrap().is_empty());
}

#[tokio::test]
async fn exports_write_json_png_and_pdf() {
    let dir = TempDir::new().unwrap();
    let api = open_api(&dir.path().join("data")).await;
    let scenario = preset(&api, "rule-of-thumb");

    let json_path = dir.path().join("scenario.json");
    let written = api
        .cost_export(
            &scenario,
            CostExportFormat::Json,
            Language::En,
            json_path.to_str().unwrap(),
        )
        .unwrap();
    assert_eq!(written.path, json_path.to_string_lossy());
    let text = std::fs::read_to_string(&json_path).unwrap();
    assert_eq!(api.cost_scenario_parse(&text).unwrap(), scenario);
    assert_eq!(written.bytes, text.len() as u64);

    let png_path = dir.path().join("report.png");
    api.cost_export(
        &scenario,
        CostExportFormat::Png,
        Language::ZhCn,
        png_path.to_str().unwrap(),
    )
    .unwrap();
    assert!(std::fs::read(&png_path).unwrap().starts_with(b"\x89PNG"));

    let pdf_path = dir.path().join("report.pdf");
    api.cost_export(
        &scenario,
        CostExportFormat::Pdf,
        Language::ZhCn,
        pdf_path.to_str().unwrap(),
    )
    .unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&pdf_path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is missing: run scripts/deps.sh test");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("自托管的成本与回本"),
        "the Chinese catalog's title: {text}"
    );
    assert!(text.contains("第 20 个月"), "the break-even month in Chinese: {text}");
}

#[tokio::test]
async fn export_to_missing_folder_fails() {
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let scenario = preset(&api, "rule-of-thumb");
    let path = dir.path().join("no-such-folder/report.pdf");
    let err = api
        .cost_export(&scenario, CostExportFormat::Pdf, Language::En, path.to_str().unwrap())
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(err.params["field"], "path");
    assert!(!path.exists());
}

#[tokio::test]
async fn chart_svg_follows_language_and_theme() {
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let scenario = preset(&api, "rule-of-thumb");
    let english = api
        .cost_chart_svg(&scenario, Language::En, CostTheme::Light, 800, 360)
        .unwrap();
    assert!(english.contains("Break-even: month 20"), "{english}");
    let chinese = api
        .cost_chart_svg(&scenario, Language::ZhCn, CostTheme::Dark, 800, 360)
        .unwrap();
    assert!(chinese.contains("回本：第 20 个月"));
    assert!(chinese.contains("#1E1E1E"), "the dark background");
}

#[tokio::test]
async fn catalog_subscription_converts_currency() {
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let usd = api.cost_catalog_subscription("dropbox-plus", "USD").unwrap();
    assert_eq!(usd.amount, 11.99);
    let jpy = api.cost_catalog_subscription("dropbox-plus", "JPY").unwrap();
    // 11.99 × 155 = 1,858.45 yen.
    assert_eq!(jpy.amount, 1858.45);
    assert_eq!(jpy.catalog_id.as_deref(), Some("dropbox-plus"));
    let err = api.cost_catalog_subscription("nope", "USD").unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn prefill_without_hosts_is_empty() {
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let prefill = api.cost_prefill("EUR").await.unwrap();
    assert_eq!(prefill.hosts, 0);
    assert!(prefill.prefill.devices.is_empty());
    assert!(prefill.prefill.subscriptions.is_empty());
}

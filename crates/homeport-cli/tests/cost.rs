//! `homeport cost roi` run as a user runs it: the quick form, a scenario file, invalid values
//! and a report written to disk. Nothing here needs the lab.

use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

mod run;
use run::{homeport, json, stderr_json};

const WORKED_EXAMPLE: [&str; 11] = [
    "cost",
    "roi",
    "--hardware",
    "2500",
    "--watts",
    "60",
    "--kwh-price",
    "0.15",
    "--subscriptions-per-year",
    "1600",
    "--json",
];

#[test]
fn quick_form_computes_worked_example() {
    let dir = TempDir::new().unwrap();
    let result = json(&homeport(dir.path(), &WORKED_EXAMPLE), "cost roi");
    let analysis = &result["analysis"];
    assert_eq!(analysis["breakdown"]["electricityPerYear"], 78.84);
    assert_eq!(analysis["withoutTime"]["savingPerYear"], 1521.16);
    assert_eq!(analysis["withoutTime"]["paybackYears"], 1.64);
    assert_eq!(analysis["withoutTime"]["breakEvenMonth"], 20);
    assert_eq!(analysis["withTime"]["netPositions"][2]["amount"], 5105.8);
    assert_eq!(result["scenario"]["version"], 1);
    assert_eq!(result["scenario"]["currency"], "USD");
    assert!(
        !dir.path().join("homeport.db").exists(),
        "a calculation writes no database"
    );
}

#[test]
fn time_value_changes_payback() {
    let dir = TempDir::new().unwrap();
    let mut args = WORKED_EXAMPLE.to_vec();
    args.extend(["--hours-per-month", "4", "--hour-value", "20"]);
    let result = json(&homeport(dir.path(), &args), "cost roi with time");
    assert_eq!(result["analysis"]["withoutTime"]["paybackYears"], 1.64);
    assert_eq!(result["analysis"]["withTime"]["paybackYears"], 4.46);
}

#[test]
fn never_paying_back_is_stated() {
    let dir = TempDir::new().unwrap();
    let args = [
        "cost",
        "roi",
        "--hardware",
        "2500",
        "--watts",
        "400",
        "--kwh-price",
        "0.40",
        "--subscriptions-per-year",
        "1000",
    ];
    let output = homeport(dir.path(), &args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("never: running costs are at least the subscriptions"),
        "{text}"
    );
    assert!(!text.contains("inf"), "no infinite period: {text}");

    let mut json_args = args.to_vec();
    json_args.push("--json");
    let result = json(&homeport(dir.path(), &json_args), "cost roi never");
    assert_eq!(result["analysis"]["withTime"]["paybackYears"], Value::Null);
    assert_eq!(result["analysis"]["withTime"]["neverReason"], "noSaving");
}

#[test]
fn chinese_locale_prints_chinese() {
    let dir = TempDir::new().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_homeport"))
        .args(&WORKED_EXAMPLE[..10])
        .env("HOMEPORT_DATA_DIR", dir.path())
        .env("LC_ALL", "zh_CN.UTF-8")
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("自托管的成本与回本\n"), "{text}");
    assert!(text.contains("第 20 个月"), "{text}");
}

#[test]
fn negative_values_name_their_options() {
    let dir = TempDir::new().unwrap();
    let args = [
        "--json",
        "cost",
        "roi",
        "--hardware",
        "-5",
        "--watts",
        "-1",
        "--subscriptions-per-year",
        "1600",
    ];
    let error = stderr_json(&homeport(dir.path(), &args));
    assert_eq!(error["error"]["code"], "InvalidInput");
    assert_eq!(error["error"]["params"]["field"], "--hardware");
    let detail = error["error"]["params"]["detail"].as_str().unwrap();
    assert!(detail.contains("--watts '-1'"), "every problem is listed: {detail}");
}

#[test]
fn zero_life_and_unknown_currency_rejected() {
    let dir = TempDir::new().unwrap();
    let args = [
        "--json",
        "cost",
        "roi",
        "--hardware",
        "100",
        "--life",
        "0",
        "--currency",
        "XYZ",
        "--subscriptions-per-year",
        "50",
    ];
    let error = stderr_json(&homeport(dir.path(), &args));
    assert_eq!(error["error"]["params"]["field"], "--currency");
    let detail = error["error"]["params"]["detail"].as_str().unwrap();
    assert!(detail.contains("USD, EUR, CNY, GBP, JPY"), "{detail}");
    assert!(detail.contains("--life '0'"), "{detail}");
}

#[test]
fn missing_hardware_is_explained() {
    let dir = TempDir::new().unwrap();
    let error = stderr_json(&homeport(dir.path(), &["--json", "cost", "roi", "--watts", "5"]));
    assert_eq!(error["error"]["params"]["field"], "--hardware");
}

fn write_scenario(dir: &Path, text: &str) -> String {
    let path = dir.join("scenario.json");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn scenario_file_round_trips() {
    let dir = TempDir::new().unwrap();
    let first = json(&homeport(dir.path(), &WORKED_EXAMPLE), "quick form");
    let file = write_scenario(dir.path(), &serde_json::to_string_pretty(&first["scenario"]).unwrap());
    let second = json(
        &homeport(dir.path(), &["--json", "cost", "roi", "--scenario", &file]),
        "scenario file",
    );
    assert_eq!(second, first);
}

#[test]
fn unknown_field_reports_line_and_column() {
    let dir = TempDir::new().unwrap();
    let file = write_scenario(
        dir.path(),
        "{\n  \"version\": 1,\n  \"currency\": \"USD\",\n  \"kwhPrize\": 0.2\n}\n",
    );
    let error = stderr_json(&homeport(dir.path(), &["--json", "cost", "roi", "--scenario", &file]));
    assert_eq!(error["error"]["params"]["value"], format!("{file}, line 4, column 12"));
    let detail = error["error"]["params"]["detail"].as_str().unwrap();
    assert!(detail.starts_with("unknown field `kwhPrize`"), "{detail}");
}

#[test]
fn scenario_option_excludes_quick_options() {
    let dir = TempDir::new().unwrap();
    let output = homeport(dir.path(), &["cost", "roi", "--scenario", "x.json", "--hardware", "5"]);
    assert_eq!(output.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot be used with"));
}

#[test]
fn report_option_writes_pdf() {
    let dir = TempDir::new().unwrap();
    let report = dir.path().join("report.pdf");
    let mut args = WORKED_EXAMPLE.to_vec();
    args.extend(["--report", report.to_str().unwrap()]);
    json(&homeport(dir.path(), &args), "cost roi --report");
    let bytes = std::fs::read(&report).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
}

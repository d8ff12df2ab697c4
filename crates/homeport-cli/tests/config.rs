//! `homeport config export|import` run as a user runs it: a dry run that writes nothing, an
//! import, a second import that skips everything, and files that are rejected. Nothing here
//! needs the lab: the host is a socket engine that is never connected to.

use serde_json::Value;
use tempfile::TempDir;

mod run;
use run::{homeport, json, stderr_json};

/// Returns a configuration file with one socket host and one cost scenario.
fn config_file(version: u64, extra_field: &str) -> String {
    format!(
        r#"{{
  "format": "homeport-config",
  "version": {version},
  "exportedAt": "2026-12-05T10:00:00Z",{extra_field}
  "hosts": [
    {{
      "name": "desk",
      "kind": "socket",
      "address": "",
      "port": 0,
      "user": "",
      "auth": "none",
      "dockerSocket": "/run/user/1000/docker.sock",
      "group": "home",
      "tags": ["laptop"]
    }}
  ],
  "costScenarios": [{{ "name": "homelab", "scenario": {{ "version": 1 }} }}]
}}
"#
    )
}

fn actions(view: &Value) -> Vec<(String, String, String)> {
    view["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            (
                item["section"].as_str().unwrap().to_string(),
                item["name"].as_str().unwrap().to_string(),
                item["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn dry_run_then_import_then_skip() {
    let data = TempDir::new().unwrap();
    let file = data.path().join("in.json");
    std::fs::write(&file, config_file(1, "")).unwrap();
    let path = file.to_str().unwrap();

    let preview = json(
        &homeport(data.path(), &["--json", "config", "import", path, "--dry-run"]),
        "dry run",
    );
    assert_eq!(preview["applied"], false);
    assert_eq!(
        actions(&preview),
        vec![
            ("host".into(), "desk".into(), "add".into()),
            ("costScenario".into(), "homelab".into(), "add".into()),
        ]
    );
    assert!(
        !data.path().join("homeport.db").exists(),
        "a dry run creates no database"
    );

    let imported = json(&homeport(data.path(), &["--json", "config", "import", path]), "import");
    assert_eq!(imported["applied"], true);
    let hosts = json(&homeport(data.path(), &["--json", "host", "list"]), "host list");
    assert_eq!(hosts[0]["name"], "desk");
    assert_eq!(hosts[0]["group"], "home");

    let again = json(
        &homeport(data.path(), &["--json", "config", "import", path]),
        "second import",
    );
    assert!(actions(&again).iter().all(|(_, _, action)| action == "skip"), "{again}");
}

#[test]
fn export_writes_the_format_and_hosts() {
    let data = TempDir::new().unwrap();
    let file = data.path().join("in.json");
    std::fs::write(&file, config_file(1, "")).unwrap();
    json(
        &homeport(data.path(), &["--json", "config", "import", file.to_str().unwrap()]),
        "import",
    );
    let out = data.path().join("out.json");

    let view = json(
        &homeport(
            data.path(),
            &["--json", "config", "export", "--out", out.to_str().unwrap()],
        ),
        "export",
    );

    assert_eq!(view["hosts"], 1);
    assert_eq!(view["secretsToEnter"], serde_json::json!([]));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["format"], "homeport-config");
    assert_eq!(written["version"], 1);
    assert_eq!(written["hosts"][0]["dockerSocket"], "/run/user/1000/docker.sock");
    assert_eq!(written["costScenarios"][0]["name"], "homelab");
}

#[test]
fn newer_version_is_rejected_with_reason() {
    let data = TempDir::new().unwrap();
    let file = data.path().join("new.json");
    std::fs::write(&file, config_file(2, r#" "backupPlans": [],"#)).unwrap();

    let error = stderr_json(&homeport(
        data.path(),
        &["--json", "config", "import", file.to_str().unwrap()],
    ));

    assert_eq!(error["error"]["code"], "ConfigFileTooNew");
    assert_eq!(error["error"]["params"]["version"], "2");
    assert_eq!(error["error"]["params"]["supported"], "1");
    let hosts = json(&homeport(data.path(), &["--json", "host", "list"]), "host list");
    assert_eq!(hosts, serde_json::json!([]));
}

#[test]
fn unknown_field_names_line_and_column() {
    let data = TempDir::new().unwrap();
    let file = data.path().join("typo.json");
    std::fs::write(&file, config_file(1, r#" "hostz": [],"#)).unwrap();

    let error = stderr_json(&homeport(
        data.path(),
        &["--json", "config", "import", file.to_str().unwrap()],
    ));

    assert_eq!(error["error"]["code"], "ConfigFileInvalid");
    assert_eq!(error["error"]["params"]["line"], "4");
    assert!(
        error["error"]["params"]["detail"].as_str().unwrap().contains("hostz"),
        "{error}"
    );
}

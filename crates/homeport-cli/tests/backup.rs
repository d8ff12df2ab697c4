//! `homeport backup` input checks that need no lab. A plan file is rejected with the field and
//! the value before anything is saved when a repository place does not fit its location, or
//! when Compose would not accept a stack name. A restore of an unknown plan names it.

use serde_json::Value;
use tempfile::TempDir;

mod run;
use run::{homeport, json, stderr_json};

/// Returns the error object a failed `--json` run prints on stderr.
fn error_of(output: &std::process::Output) -> Value {
    stderr_json(output)["error"].clone()
}

fn plan_file(dir: &TempDir, item: &str, repository: &str) -> String {
    let path = dir.path().join("plan.json");
    let text = format!(r#"{{"name": "nas", "host": "local", "items": [{item}], "repositories": [{repository}]}}"#);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn offsite_folder_is_rejected() {
    let data = TempDir::new().unwrap();
    let file = plan_file(
        &data,
        r#"{"kind": "path", "path": "/srv/data"}"#,
        r#"{"name": "usb", "location": "/mnt/usb/restic", "place": "offsite", "distanceKm": 80}"#,
    );

    let error = error_of(&homeport(
        data.path(),
        &["--json", "backup", "plan", "create", "--file", &file],
    ));

    assert_eq!(error["code"], "InvalidInput");
    assert_eq!(error["params"]["field"], "repositories.place");
    assert_eq!(error["params"]["value"], "offsite");
    let plans = json(&homeport(data.path(), &["--json", "backup", "plan", "ls"]), "plan ls");
    assert_eq!(plans, serde_json::json!([]));
}

#[test]
fn bad_stack_name_is_rejected() {
    let data = TempDir::new().unwrap();
    let file = plan_file(
        &data,
        r#"{"kind": "stack", "project": "Paper Less"}"#,
        r#"{"name": "usb", "location": "/mnt/usb/restic", "place": "otherDisk"}"#,
    );

    let error = error_of(&homeport(
        data.path(),
        &["--json", "backup", "plan", "create", "--file", &file],
    ));

    assert_eq!(error["code"], "InvalidInput");
    assert_eq!(error["params"]["field"], "items.project");
    assert_eq!(error["params"]["value"], "Paper Less");
}

#[test]
fn restore_of_unknown_plan_names_it() {
    let data = TempDir::new().unwrap();

    let stack = error_of(&homeport(
        data.path(),
        &[
            "--json",
            "backup",
            "restore-stack",
            "nas",
            "latest",
            "--project",
            "paperless",
        ],
    ));
    let database = error_of(&homeport(
        data.path(),
        &[
            "--json",
            "backup",
            "restore-db",
            "nas",
            "latest",
            "--database",
            "db",
            "--into",
            "db",
            "--yes",
        ],
    ));

    assert_eq!(stack["code"], "BackupPlanNotFound");
    assert!(stack["message"].as_str().unwrap_or_default().contains("nas"), "{stack}");
    assert_eq!(database["code"], "BackupPlanNotFound");
}

//! `homeport stack export`: the file on stdout, warnings on stderr, JSON with --json, and
//! --out writing a folder that a failed export leaves untouched.

use std::path::Path;
use std::process::{Command, Output};

const COMPOSE: &str = "name: shop
services:
  web:
    image: nginx:1.27
    ports: [\"8080:80\"]
    privileged: true
    environment:
      DB_PASSWORD: never-printed-value
";

fn homeport(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homeport"))
        .args(args)
        .env("HOMEPORT_DATA_DIR", data)
        .env_remove("HOMEPORT_LOG")
        .output()
        .expect("homeport runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

#[test]
fn prints_the_file_and_lists_warnings_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let compose = dir.path().join("compose.yaml");
    std::fs::write(&compose, COMPOSE).unwrap();
    let data = dir.path().join("data");
    let compose = compose.to_str().unwrap();

    let output = homeport(&data, &["stack", "export", compose, "--to", "kubernetes"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with("apiVersion: apps/v1\nkind: Deployment\n"),
        "{stdout}"
    );
    assert!(stdout.contains("secretKeyRef"));
    assert!(!stdout.contains("never-printed-value"));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("warning: web: privileged (dropped)"), "{stderr}");

    let output = homeport(&data, &["--json", "stack", "export", compose, "--to", "swarm"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(json["target"], "swarm");
    assert_eq!(json["files"][0]["path"], "stack.yml");
    assert!(json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|warning| warning["field"] == "privileged" && warning["outcome"] == "dropped"));

    let output = homeport(&data, &["stack", "export", compose, "--to", "mesos"]);
    assert!(!output.status.success());
}

#[test]
fn out_writes_the_folder_and_a_failed_export_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let compose = dir.path().join("compose.yaml");
    std::fs::write(&compose, COMPOSE).unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("out");
    let args = |compose: &str| {
        vec![
            "stack".to_string(),
            "export".to_string(),
            compose.to_string(),
            "--to".to_string(),
            "nomad".to_string(),
            "--out".to_string(),
            out.to_str().unwrap().to_string(),
        ]
    };
    let run = |args: Vec<String>| homeport(&data, &args.iter().map(String::as_str).collect::<Vec<_>>());

    let output = run(args(compose.to_str().unwrap()));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let written = out.join("shop.nomad.hcl");
    assert!(text(&output.stdout).contains(&format!("wrote {}", written.display())));
    let job = std::fs::read_to_string(&written).unwrap();
    assert!(job.contains("job \"shop\""));

    // An invalid file fails before anything is written: the old job stays as it was.
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "services:\n  web:\n    ports: [\"x:y:z:w\"]\n").unwrap();
    let output = run(args(broken.to_str().unwrap()));
    assert!(!output.status.success());
    assert_eq!(std::fs::read_to_string(&written).unwrap(), job);
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
}

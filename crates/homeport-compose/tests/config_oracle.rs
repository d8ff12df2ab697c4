//! Compares `Project::to_config_json` with `docker compose config --format json` of Docker
//! Compose v2.40.3 for each fixture folder under tests/fixtures.
//!
//! `scripts/compose-oracle.sh` (run by `scripts/deps.sh test`) installs the binary into
//! `.tools/compose/`; `HOMEPORT_COMPOSE_BIN` names another one. Without it these tests print
//! one line and pass. Compose runs with an empty environment, offline, and only reads files.
//!
//! The comparison is of JSON values, so key order does not matter (Compose prints Go struct
//! order, Homeport sorted keys).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use homeport_compose::{ComposeFile, Environment, OrderError};
use serde_json::Value;
use tempfile::TempDir;

fn compose_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("HOMEPORT_COMPOSE_BIN") {
        return Some(PathBuf::from(path));
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/compose/docker-compose");
    path.is_file().then_some(path)
}

/// Copies a fixture into a folder named `fixture`, so both tools derive the same project name.
fn copy_fixture(name: &str, temp: &TempDir) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    let target = temp.path().join("fixture");
    fs::create_dir_all(&target).unwrap();
    for entry in fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), target.join(entry.file_name())).unwrap();
    }
    target
}

fn compose_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = vec![dir.join("compose.yaml")];
    let overlay = dir.join("compose.override.yaml");
    if overlay.exists() {
        files.push(overlay);
    }
    files
}

fn oracle_config(binary: &Path, dir: &Path, profiles: &[&str]) -> Value {
    let mut command = Command::new(binary);
    command.env_clear().current_dir(dir);
    for file in compose_files(dir) {
        command.arg("-f").arg(file);
    }
    for profile in profiles {
        command.arg("--profile").arg(profile);
    }
    let output = command
        .args(["config", "--format", "json"])
        .output()
        .expect("run docker compose");
    assert!(
        output.status.success(),
        "docker compose config failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("compose prints JSON")
}

/// Runs both on fixture `name` and returns (ours, theirs), or None without the binary.
fn both(name: &str, profiles: &[&str]) -> Option<(Value, Value)> {
    let Some(binary) = compose_binary() else {
        println!("skipped: Docker Compose v2 not installed (run scripts/compose-oracle.sh)");
        return None;
    };
    let temp = TempDir::new().unwrap();
    let dir = copy_fixture(name, &temp);
    let project = ComposeFile::load(&compose_files(&dir), &Environment::default())
        .unwrap_or_else(|diagnostics| panic!("load failed:\n{diagnostics}"));
    let ours = project.to_config_json(profiles);
    let theirs = oracle_config(&binary, &dir, profiles);
    Some((ours, theirs))
}

/// Asserts equality service by service and section by section, so a failure names the part.
fn assert_same(ours: &Value, theirs: &Value) {
    let sections = ["name", "networks", "volumes", "secrets", "configs"];
    for section in sections {
        assert_eq!(ours.get(section), theirs.get(section), "section '{section}'");
    }
    let their_services = theirs["services"].as_object().expect("services");
    let our_services = ours["services"].as_object().expect("services");
    assert_eq!(
        our_services.keys().collect::<Vec<_>>(),
        their_services.keys().collect::<Vec<_>>(),
        "service names"
    );
    for (name, theirs) in their_services {
        let ours = &our_services[name];
        let keys: std::collections::BTreeSet<&String> = theirs
            .as_object()
            .unwrap()
            .keys()
            .chain(ours.as_object().unwrap().keys())
            .collect();
        for key in keys {
            assert_eq!(ours.get(key), theirs.get(key), "services.{name}.{key}");
        }
    }
    assert_eq!(ours, theirs, "whole document");
}

#[test]
fn oracle_basic() {
    if let Some((ours, theirs)) = both("basic", &["core"]) {
        assert_same(&ours, &theirs);
    }
}

#[test]
fn oracle_basic_without_profile_fails_alike() {
    let Some(binary) = compose_binary() else {
        println!("skipped: Docker Compose v2 not installed (run scripts/compose-oracle.sh)");
        return;
    };
    // `web` requires `app`, which only the `core` profile activates: both refuse to start it.
    let temp = TempDir::new().unwrap();
    let dir = copy_fixture("basic", &temp);
    let project = ComposeFile::load(&compose_files(&dir), &Environment::default()).unwrap();
    let error = project.start_order(&[]).unwrap_err();
    assert!(matches!(error, OrderError::MissingDependency { .. }), "{error}");

    let output = Command::new(binary)
        .env_clear()
        .current_dir(&dir)
        .args(["config", "--format", "json"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("depends on undefined service \"app\""), "{message}");
}

#[test]
fn oracle_interpolation() {
    if let Some((ours, theirs)) = both("interpolation", &[]) {
        assert_same(&ours, &theirs);
    }
}

#[test]
fn oracle_override() {
    if let Some((ours, theirs)) = both("override", &[]) {
        assert_same(&ours, &theirs);
    }
}

#[test]
fn oracle_anchors() {
    if let Some((ours, theirs)) = both("anchors", &[]) {
        assert_same(&ours, &theirs);
    }
}

#[test]
fn oracle_resources() {
    if let Some((ours, theirs)) = both("resources", &[]) {
        assert_same(&ours, &theirs);
    }
}

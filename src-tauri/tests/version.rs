//! One version for the app, the CLI and the packages: the workspace's `version` in Cargo.toml
//! is the source, and the files the bundler and the UI build read must repeat it.

use std::path::PathBuf;

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn json_version(path: &str) -> String {
    let text = std::fs::read_to_string(repo_file(path)).unwrap_or_else(|err| panic!("cannot read {path}: {err}"));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|err| panic!("{path}: {err}"));
    value["version"]
        .as_str()
        .unwrap_or_else(|| panic!("{path} has no \"version\" string"))
        .to_string()
}

#[test]
fn tauri_conf_matches_cargo() {
    assert_eq!(
        json_version("src-tauri/tauri.conf.json"),
        env!("CARGO_PKG_VERSION"),
        "set \"version\" in src-tauri/tauri.conf.json to the workspace version in Cargo.toml"
    );
}

#[test]
fn ui_package_matches_cargo() {
    assert_eq!(
        json_version("ui/package.json"),
        env!("CARGO_PKG_VERSION"),
        "set \"version\" in ui/package.json (and package-lock.json) to the workspace version in Cargo.toml"
    );
}

#[test]
fn ui_lock_matches_cargo() {
    assert_eq!(
        json_version("ui/package-lock.json"),
        env!("CARGO_PKG_VERSION"),
        "run `npm install --package-lock-only` in ui/ after changing the version in ui/package.json"
    );
}

#[test]
fn changelog_has_version_entry() {
    let text = std::fs::read_to_string(repo_file("CHANGELOG.md")).expect("CHANGELOG.md exists");
    let heading = format!("## [{}]", env!("CARGO_PKG_VERSION"));
    assert!(
        text.lines().any(|line| line.starts_with(&heading)),
        "CHANGELOG.md has no \"{heading}\" section; add one that lists what this version changes"
    );
}

//! `homeport template import|sources|ls|show|refresh-source|remove-source` against a fresh data
//! folder. No lab is needed: the sources are files in a temporary folder.

use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

mod run;
use run::{homeport, json};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../homeport-import/tests/fixtures/templates")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
}

#[test]
fn import_lists_and_removes_sources() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("templates.json");
    std::fs::write(&file, fixture("portainer-v3.json")).unwrap();

    let source = json(
        &homeport(&data, &["template", "import", file.to_str().unwrap(), "--json"]),
        "template import",
    );
    assert_eq!(source["kind"], "portainer");
    assert_eq!(source["templateCount"], 2);
    let id = source["id"].as_i64().expect("a numeric id");

    let sources = json(&homeport(&data, &["template", "sources", "--json"]), "template sources");
    assert_eq!(sources.as_array().map(Vec::len), Some(1));
    assert_eq!(sources[0]["location"], file.to_str().unwrap());

    let text = homeport(&data, &["template", "ls"]);
    assert!(text.status.success());
    let listing = String::from_utf8_lossy(&text.stdout).to_string();
    let header = listing.lines().next().expect("a header line");
    assert!(header.contains("SOURCE"), "{listing}");
    let redis = listing
        .lines()
        .find(|line| line.starts_with(&format!("{id}/7 ")))
        .unwrap_or_else(|| panic!("no line for {id}/7:\n{listing}"));
    assert!(redis.contains(&format!("Portainer: {}", file.display())), "{redis}");
    let jellyfin = listing
        .lines()
        .find(|line| line.starts_with("jellyfin "))
        .expect("built-in templates are listed");
    assert!(jellyfin.ends_with("built-in"), "{jellyfin}");

    let show = homeport(&data, &["template", "show", &format!("{id}/8")]);
    assert!(show.status.success());
    let show = String::from_utf8_lossy(&show.stdout).to_string();
    assert!(show.contains("https://example.org/templates"), "{show}");
    assert!(show.contains("does not download"), "{show}");

    let refreshed = json(
        &homeport(&data, &["template", "refresh-source", &id.to_string(), "--json"]),
        "template refresh-source",
    );
    assert_eq!(refreshed["templateCount"], 2);

    let removed = homeport(&data, &["template", "remove-source", &id.to_string()]);
    assert!(removed.status.success(), "{}", String::from_utf8_lossy(&removed.stderr));
    let sources = json(&homeport(&data, &["template", "sources", "--json"]), "template sources");
    assert_eq!(sources, Value::Array(Vec::new()));
}

#[test]
fn broken_file_names_line_and_column() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("broken.json");
    std::fs::write(
        &file,
        "{\"version\": \"2\",\n \"templates\": [\n  {\"type\": 1 \"title\": \"x\"}]}",
    )
    .unwrap();

    let output = homeport(&data, &["template", "import", file.to_str().unwrap(), "--json"]);
    assert!(!output.status.success(), "a broken file is rejected");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let error: Value = stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find_map(|value| value.get("error").cloned())
        .unwrap_or_else(|| panic!("no JSON error on stderr: {stderr}"));
    assert_eq!(error["code"], "TemplateSourceInvalid");
    assert_eq!(error["params"]["file"], file.to_str().unwrap());
    assert_eq!(error["params"]["line"], "3");
    assert_eq!(error["params"]["column"], "14");

    let text = homeport(&data, &["template", "import", file.to_str().unwrap()]);
    let message = String::from_utf8_lossy(&text.stderr).to_string();
    assert!(message.contains("line 3, column 14"), "{message}");
    assert!(message.contains("Nothing was imported"), "{message}");

    let sources = json(&homeport(&data, &["template", "sources", "--json"]), "template sources");
    assert_eq!(sources, Value::Array(Vec::new()));
}

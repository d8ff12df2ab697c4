//! `homeport rules import|export|ls|set` and `homeport alerts ls` against a fresh data folder.
//! No lab is needed: the rule files are written to a temporary folder.

use tempfile::TempDir;

mod run;
use run::{homeport, json};

#[test]
fn rule_list_needs_wrap_flag() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("list.yml");
    std::fs::write(&file, "- alert: InstanceDown\n  expr: up == 0\n  for: 5m\n").unwrap();
    let path = file.to_str().unwrap();

    let rejected = homeport(&data, &["rules", "import", path, "--json"]);
    assert!(!rejected.status.success(), "a bare list is rejected");
    let stderr = String::from_utf8_lossy(&rejected.stderr).to_string();
    let error: serde_json::Value = serde_json::from_str(stderr.trim()).expect("a JSON error");
    assert_eq!(error["error"]["code"], "RuleFileInvalid");
    assert_eq!(error["error"]["params"]["kind"], "topLevelList");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("mapping with `groups:`"),
        "{stderr}"
    );

    let imported = json(
        &homeport(&data, &["rules", "import", path, "--wrap", "--json"]),
        "rules import",
    );
    assert_eq!(imported["wrapped"], true);
    assert_eq!(imported["imported"][0]["name"], "InstanceDown");

    let out = dir.path().join("out.yml");
    let exported = homeport(&data, &["rules", "export", "--out", out.to_str().unwrap()]);
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("- name: list"), "{text}");
    assert!(text.contains("alert: InstanceDown"), "{text}");
}

#[test]
fn rules_set_and_empty_inbox() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");

    let changed = json(
        &homeport(
            &data,
            &[
                "rules",
                "set",
                "filesystem_full",
                "--threshold",
                "90",
                "--for",
                "10m",
                "--severity",
                "p1",
                "--json",
            ],
        ),
        "rules set",
    );
    assert_eq!(changed[0]["expr"], "filesystem_used_percent > 90");
    assert_eq!(changed[0]["forSeconds"], 600);
    assert_eq!(changed[0]["severity"], "P1");

    let rules = json(&homeport(&data, &["rules", "ls", "--json"]), "rules ls");
    assert_eq!(rules.as_array().map(Vec::len), Some(6));

    let alerts = json(&homeport(&data, &["alerts", "ls", "--json"]), "alerts ls");
    assert_eq!(alerts.as_array().map(Vec::len), Some(0));

    let missing = homeport(&data, &["alerts", "ack", "no-such-alert"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-alert"));
}

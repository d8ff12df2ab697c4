//! The scenario file: JSON, version 1, strict.
//!
//! Unknown fields are errors, so a misspelt key is reported with its line and column instead
//! of being ignored. A file whose `version` is not 1 gets that one problem, before its fields
//! are checked against a format this build may not know.

use crate::error::{Error, Result};
use crate::scenario::{Scenario, SCENARIO_VERSION};
use crate::validate::{Problem, ProblemKind};

/// Parses a scenario file. The values are not validated yet; [`crate::analyze`] does that.
pub fn parse_scenario(text: &str) -> Result<Scenario> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(json_error)?;
    if let Some(version) = value
        .get("version")
        .filter(|version| version.as_u64() != Some(u64::from(SCENARIO_VERSION)))
    {
        return Err(Error::Invalid(vec![Problem {
            field: "version".into(),
            value: version.to_string(),
            kind: ProblemKind::UnsupportedVersion,
            limit: SCENARIO_VERSION.to_string(),
            message: format!(
                "version '{version}': this build reads version {SCENARIO_VERSION}; set \"version\": {SCENARIO_VERSION}"
            ),
        }]));
    }
    serde_json::from_str(text).map_err(json_error)
}

/// Writes a scenario file, indented, with a final newline.
pub fn write_scenario(scenario: &Scenario) -> String {
    let mut text = serde_json::to_string_pretty(scenario).unwrap_or_default();
    text.push('\n');
    text
}

/// Keeps serde's position apart from its message, which ends with " at line L column C".
fn json_error(err: serde_json::Error) -> Error {
    let message = err.to_string();
    let detail = match message.rfind(" at line ") {
        Some(at) if err.line() > 0 => message[..at].to_string(),
        _ => message,
    };
    Error::Json {
        line: err.line(),
        column: err.column(),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::presets;

    #[test]
    fn presets_round_trip() {
        for preset in presets().unwrap() {
            let text = write_scenario(&preset.scenario);
            assert!(text.starts_with("{\n  \"version\": 1,"), "{text}");
            assert_eq!(parse_scenario(&text).unwrap(), preset.scenario, "preset {}", preset.id);
        }
    }

    #[test]
    fn unknown_field_has_line_and_column() {
        let text = "{\n  \"version\": 1,\n  \"currency\": \"USD\",\n  \"hardwares\": []\n}\n";
        match parse_scenario(text) {
            Err(Error::Json { line, column, detail }) => {
                assert_eq!(line, 4);
                assert_eq!(column, 13);
                assert!(detail.starts_with("unknown field `hardwares`"), "{detail}");
                assert!(!detail.contains("at line"), "{detail}");
            }
            other => panic!("expected a JSON error, got {other:?}"),
        }
    }

    #[test]
    fn unknown_nested_field_is_rejected() {
        let text = r#"{"version": 1, "currency": "USD",
 "hardware": [{"price": 10, "lifeYears": 3, "colour": "red"}]}"#;
        match parse_scenario(text) {
            Err(Error::Json { line, detail, .. }) => {
                assert_eq!(line, 2);
                assert!(detail.contains("colour"), "{detail}");
            }
            other => panic!("expected a JSON error, got {other:?}"),
        }
    }

    #[test]
    fn missing_currency_is_an_error() {
        match parse_scenario(r#"{"version": 1}"#) {
            Err(Error::Json { detail, .. }) => assert!(detail.contains("missing field `currency`"), "{detail}"),
            other => panic!("expected a JSON error, got {other:?}"),
        }
    }

    #[test]
    fn other_version_is_one_problem() {
        match parse_scenario(r#"{"version": 2, "currency": "USD", "future": true}"#) {
            Err(Error::Invalid(problems)) => {
                assert_eq!(problems.len(), 1);
                assert_eq!(problems[0].kind, ProblemKind::UnsupportedVersion);
                assert_eq!(problems[0].value, "2");
            }
            other => panic!("expected the version problem, got {other:?}"),
        }
    }

    #[test]
    fn syntax_error_has_position() {
        match parse_scenario("{\"version\": 1,\n\"currency\": USD}") {
            Err(Error::Json { line, column, .. }) => assert_eq!((line, column), (2, 13)),
            other => panic!("expected a JSON error, got {other:?}"),
        }
    }
}

//! The built-in rules from `assets/alerts/builtin.yaml`, compiled into the binary.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::rules::{parse_duration, Condition, FlapSpec, Operator, Reduce, Rule, RuleSource, Threshold};
use super::Severity;
use crate::error::{Error, Result};

const BUILTIN_YAML: &str = include_str!("../../../../assets/alerts/builtin.yaml");

/// A series without a sample for this long counts as absent, unless the rule sets `staleAfter`.
const DEFAULT_STALE_AFTER_SECS: u64 = 15 * 60;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BuiltinFile {
    rules: Vec<BuiltinRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct BuiltinRule {
    id: String,
    name: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    metric: Option<String>,
    #[serde(default)]
    matchers: BTreeMap<String, String>,
    #[serde(default)]
    increase: Option<String>,
    #[serde(default)]
    op: Option<Operator>,
    #[serde(default)]
    threshold: Option<f64>,
    #[serde(default, rename = "for")]
    for_duration: Option<String>,
    severity: Severity,
    #[serde(default)]
    stale_after: Option<String>,
    #[serde(default)]
    flap: Option<FlapSpec>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

/// Returns the built-in rules with their shipped values. The file is parsed once per process.
pub fn builtin_rules() -> Result<Vec<Rule>> {
    static PARSED: OnceLock<std::result::Result<Vec<Rule>, String>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            let file: BuiltinFile =
                serde_norway::from_str(BUILTIN_YAML).map_err(|err| format!("assets/alerts/builtin.yaml: {err}"))?;
            file.rules
                .into_iter()
                .map(convert)
                .collect::<Result<_>>()
                .map_err(|err| err.to_string())
        })
        .clone()
        .map_err(Error::Internal)
}

fn duration(rule: &str, field: &str, text: Option<&str>, default: u64) -> Result<u64> {
    match text {
        None => Ok(default),
        Some(text) => parse_duration(text)
            .ok_or_else(|| Error::Internal(format!("builtin rule {rule}: invalid {field} duration '{text}'"))),
    }
}

fn convert(spec: BuiltinRule) -> Result<Rule> {
    let condition = match spec.kind.as_deref() {
        Some("hostUnreachable") => Condition::HostUnreachable,
        None | Some("threshold") => {
            let missing = |field: &str| Error::Internal(format!("builtin rule {}: missing {field}", spec.id));
            let reduce = match spec.increase.as_deref() {
                None => Reduce::Latest,
                Some(window) => Reduce::Increase {
                    window_secs: duration(&spec.id, "increase", Some(window), 0)?,
                },
            };
            Condition::Threshold(Threshold {
                metric: spec.metric.clone().ok_or_else(|| missing("metric"))?,
                matchers: spec.matchers.clone(),
                reduce,
                op: spec.op.ok_or_else(|| missing("op"))?,
                value: spec.threshold.ok_or_else(|| missing("threshold"))?,
            })
        }
        Some(other) => {
            return Err(Error::Internal(format!(
                "builtin rule {}: unknown kind '{other}'",
                spec.id
            )))
        }
    };
    Ok(Rule {
        for_secs: duration(&spec.id, "for", spec.for_duration.as_deref(), 0)?,
        stale_after_secs: duration(
            &spec.id,
            "staleAfter",
            spec.stale_after.as_deref(),
            DEFAULT_STALE_AFTER_SECS,
        )?,
        id: spec.id,
        name: spec.name,
        source: RuleSource::Builtin,
        enabled: true,
        condition,
        severity: spec.severity,
        flap: spec.flap,
        labels: spec.labels,
        annotations: spec.annotations,
        keep_firing_for: None,
        expr: None,
        group: None,
        group_interval: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_match_the_specification() {
        let rules = builtin_rules().unwrap();
        let by_id: BTreeMap<&str, &Rule> = rules.iter().map(|rule| (rule.id.as_str(), rule)).collect();
        assert_eq!(rules.len(), 6);
        assert!(rules.iter().all(|rule| rule.enabled));

        let memory = by_id["container_memory_high"];
        assert_eq!(memory.promql(), "container_memory_percent > 80");
        assert_eq!(memory.for_secs, 300);
        assert_eq!(memory.severity, Severity::P2);

        let restarts = by_id["container_restarting"];
        assert_eq!(restarts.promql(), "increase(container_restarts[5m]) > 2");
        assert_eq!(restarts.for_secs, 0);
        assert_eq!(restarts.severity, Severity::P1);

        assert_eq!(by_id["filesystem_full"].promql(), "filesystem_used_percent > 80");
        assert_eq!(by_id["host_unreachable"].condition, Condition::HostUnreachable);
        assert_eq!(by_id["tls_expiring"].promql(), "tls_days_left < 30");
        assert_eq!(
            by_id["backup_too_old"].promql(),
            "backup_last_success_age_seconds > 86400"
        );
        assert_eq!(by_id["backup_too_old"].severity, Severity::P1);
    }
}

//! Prometheus rule files: import and export in Prometheus's own YAML format.
//!
//! The format is the one `promtool check rules` reads in Prometheus 2.x. A file is a mapping
//! with `groups:`, each group with `name`, optional `interval` and `limit`, and `rules:`. Each
//! rule is either a recording rule (`record`, `expr`, `labels`) or an alerting rule (`alert`,
//! `expr`, `for`, `keep_firing_for`, `labels`, `annotations`). Unknown fields are errors, reported with
//! line and column. Recording rules are listed but not imported, because Homeport stores no
//! series they could write. Files that are not rule files but look like one are named as what
//! they are, and a file is never imported as zero rules.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::rules::{format_duration, parse_duration, Condition, Operator, Reduce, Rule, RuleSource, Threshold};
use super::Severity;
use crate::error::{Error, Result};

/// A Prometheus 2.x rule file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub groups: Vec<RuleGroup>,
}

/// One rule group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleGroup {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    #[serde(default)]
    pub rules: Vec<FileRule>,
}

/// One recording or alerting rule, as written in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    pub expr: String,
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_firing_for: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// The rules an import produced and what it left out.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedRules {
    pub rules: Vec<Rule>,
    /// Names of the recording rules, which are not imported.
    pub skipped_records: Vec<String>,
    /// The groups in the file; an import replaces earlier imported rules of these groups.
    pub groups: Vec<String>,
}

/// Parses a rule file. `file` names it in errors.
pub fn import(file: &str, text: &str) -> Result<ImportedRules> {
    let invalid =
        |kind: &'static str, line: usize, column: usize, detail: String| located(file, kind, line, column, detail);

    if let Some(line) = prometheus1_line(text) {
        return Err(invalid(
            "prometheus1",
            line,
            1,
            "this is a Prometheus 1.x rule file (`ALERT … IF …`), a format Prometheus 2.0 replaced; \
             convert it with `promtool update rules` from Prometheus 2.x, then import the .yml file it writes"
                .to_string(),
        ));
    }

    let value: serde_norway::Value = serde_norway::from_str(text).map_err(|err| {
        let (line, column) = location(&err);
        invalid(
            "syntax",
            line,
            column,
            format!("invalid YAML: {}", without_location(&err)),
        )
    })?;
    match &value {
        serde_norway::Value::Sequence(_) => {
            return Err(invalid(
                "topLevelList",
                1,
                1,
                "the file is a list of rules, but a Prometheus rule file is a mapping with `groups:`. \
                 Import it with the option to wrap it in one group (`--wrap` in the CLI)"
                    .to_string(),
            ));
        }
        serde_norway::Value::Mapping(mapping) => {
            let has = |key: &str| mapping.contains_key(serde_norway::Value::String(key.to_string()));
            if (has("global") || has("scrape_configs") || has("rule_files") || has("alerting")) && !has("groups") {
                return Err(invalid(
                    "prometheusConfig",
                    0,
                    0,
                    "this is a Prometheus configuration file (prometheus.yml, with `global:` or `scrape_configs:`), \
                     not a rule file. Import the files its `rule_files:` lists instead"
                        .to_string(),
                ));
            }
        }
        serde_norway::Value::Null => {
            return Err(invalid(
                "noRules",
                0,
                0,
                "the file is empty: it has no rule groups".to_string(),
            ));
        }
        _ => {
            return Err(invalid(
                "syntax",
                1,
                1,
                "expected a mapping with `groups:` at the top of the file".to_string(),
            ));
        }
    }

    let parsed: RuleFile = serde_norway::from_str(text).map_err(|err| {
        let (line, column) = location(&err);
        invalid("syntax", line, column, without_location(&err))
    })?;
    convert(file, text, parsed)
}

/// Wraps a file that is a top-level list of rules into one group named `group`, so that
/// [`import`] reads it. The list's own lines are kept, indented under `rules:`.
pub fn wrap_rule_list(text: &str, group: &str) -> String {
    let mut out = format!(
        "groups:\n  - name: {}\n    rules:\n",
        serde_json::to_string(group).unwrap_or_default()
    );
    for line in text.lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            out.push_str("      ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Writes rules as a Prometheus rule file. Rules keep their group (built-in ones go to the group
/// `homeport`), and imported rules keep their PromQL text unchanged. Rules Homeport checks
/// without a metric series (host reachability) have no PromQL form and are left out.
pub fn export(rules: &[Rule]) -> Result<String> {
    let mut groups: Vec<RuleGroup> = Vec::new();
    for rule in rules {
        if matches!(rule.condition, Condition::HostUnreachable) {
            continue;
        }
        let name = rule.group.clone().unwrap_or_else(|| "homeport".to_string());
        let index = match groups.iter().position(|group| group.name == name) {
            Some(index) => index,
            None => {
                groups.push(RuleGroup {
                    name: name.clone(),
                    interval: rule.group_interval.clone(),
                    limit: None,
                    rules: Vec::new(),
                });
                groups.len() - 1
            }
        };
        groups[index].rules.push(FileRule {
            record: None,
            alert: Some(rule.name.clone()),
            expr: rule.promql(),
            for_duration: (rule.for_secs > 0).then(|| format_duration(rule.for_secs)),
            keep_firing_for: rule.keep_firing_for.clone(),
            labels: rule.labels.clone(),
            annotations: rule.annotations.clone(),
        });
    }
    serde_norway::to_string(&RuleFile { groups })
        .map_err(|err| Error::Internal(format!("writing the rule file: {err}")))
}

/// Builds the error, with the place at the start of `detail` when there is one, so the message
/// names it in every language.
fn located(file: &str, kind: &'static str, line: usize, column: usize, detail: String) -> Error {
    let detail = if line > 0 {
        format!("line {line}, column {column}: {detail}")
    } else {
        detail
    };
    Error::RuleFileInvalid {
        file: file.to_string(),
        kind,
        line,
        column,
        detail,
    }
}

/// Returns the parser's message without its trailing " at line L column C", which
/// [`located`] puts at the front instead.
fn without_location(err: &serde_norway::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(index) if err.location().is_some() => text[..index].to_string(),
        _ => text,
    }
}

fn location(err: &serde_norway::Error) -> (usize, usize) {
    err.location().map(|at| (at.line(), at.column())).unwrap_or((0, 0))
}

/// Returns the 1-based line of a Prometheus 1.x `ALERT name` statement followed by `IF`.
fn prometheus1_line(text: &str) -> Option<usize> {
    let mut alert_line = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if alert_line.is_none() && trimmed.starts_with("ALERT ") {
            alert_line = Some(index + 1);
        } else if alert_line.is_some() && trimmed.starts_with("IF ") {
            return alert_line;
        }
    }
    None
}

/// Returns the 1-based lines of the `alert:` and `record:` keys in file order, so checks after
/// parsing can point at a rule.
fn rule_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let key = line.trim_start().trim_start_matches("- ").trim_start();
            key.starts_with("alert:") || key.starts_with("record:")
        })
        .map(|(index, _)| index + 1)
        .collect()
}

fn convert(file: &str, text: &str, parsed: RuleFile) -> Result<ImportedRules> {
    let lines = rule_lines(text);
    let invalid = |position: usize, detail: String| {
        let line = lines.get(position).copied().unwrap_or(0);
        located(file, "syntax", line, usize::from(line > 0), detail)
    };

    let mut rules = Vec::new();
    let mut skipped_records = Vec::new();
    let mut group_names = HashSet::new();
    let mut position = 0;
    for group in &parsed.groups {
        if group.name.trim().is_empty() {
            return Err(invalid(position, "a rule group has an empty name".to_string()));
        }
        if !group_names.insert(group.name.clone()) {
            return Err(invalid(
                position,
                format!("the group name '{}' is used twice", group.name),
            ));
        }
        if let Some(interval) = &group.interval {
            if parse_duration(interval).is_none() {
                return Err(invalid(
                    position,
                    format!("group '{}': invalid interval '{interval}'", group.name),
                ));
            }
        }
        for (index, file_rule) in group.rules.iter().enumerate() {
            let here = position;
            position += 1;
            match (&file_rule.record, &file_rule.alert) {
                (Some(_), Some(_)) | (None, None) => {
                    return Err(invalid(
                        here,
                        format!(
                            "group '{}', rule {}: set exactly one of `alert` and `record`",
                            group.name,
                            index + 1
                        ),
                    ));
                }
                (Some(record), None) => {
                    skipped_records.push(record.clone());
                    continue;
                }
                (None, Some(_)) => {}
            }
            // The n-th alert of this name in its group, so ids stay the same when recording
            // rules around it come and go.
            let occurrence = group.rules[..index]
                .iter()
                .filter(|earlier| earlier.alert.is_some() && earlier.alert == file_rule.alert)
                .count()
                + 1;
            rules.push(convert_rule(group, occurrence, file_rule).map_err(|detail| invalid(here, detail))?);
        }
    }

    if rules.is_empty() {
        let detail = if skipped_records.is_empty() {
            "the file has no alerting rules".to_string()
        } else {
            format!(
                "the file has only recording rules ({}), which Homeport does not import, and no alerting rules",
                skipped_records.join(", ")
            )
        };
        return Err(Error::RuleFileInvalid {
            file: file.to_string(),
            kind: "noRules",
            line: 0,
            column: 0,
            detail,
        });
    }
    Ok(ImportedRules {
        rules,
        skipped_records,
        groups: parsed.groups.iter().map(|group| group.name.clone()).collect(),
    })
}

fn convert_rule(group: &RuleGroup, occurrence: usize, file_rule: &FileRule) -> std::result::Result<Rule, String> {
    let name = file_rule.alert.clone().unwrap_or_default();
    let valid_name = !name.is_empty()
        && name
            .chars()
            .enumerate()
            .all(|(at, c)| c == '_' || c.is_ascii_alphabetic() || (at > 0 && c.is_ascii_digit()));
    if !valid_name {
        return Err(format!(
            "invalid alert name '{name}': use letters, digits and underscores"
        ));
    }
    if file_rule.expr.trim().is_empty() {
        return Err(format!("alert '{name}': `expr` is empty"));
    }
    let for_secs = match &file_rule.for_duration {
        None => 0,
        Some(text) => parse_duration(text).ok_or_else(|| format!("alert '{name}': invalid `for` duration '{text}'"))?,
    };
    if let Some(text) = &file_rule.keep_firing_for {
        parse_duration(text).ok_or_else(|| format!("alert '{name}': invalid `keep_firing_for` duration '{text}'"))?;
    }

    let condition = match parse_simple_threshold(&file_rule.expr) {
        Some(threshold) => Condition::Threshold(threshold),
        None => Condition::PrometheusOnly,
    };
    Ok(Rule {
        id: format!("prom:{}:{}:{}", group.name, name, occurrence),
        severity: severity_from_labels(&file_rule.labels),
        name,
        source: RuleSource::PrometheusFile,
        enabled: true,
        condition,
        for_secs,
        stale_after_secs: 15 * 60,
        flap: None,
        labels: file_rule.labels.clone(),
        annotations: file_rule.annotations.clone(),
        keep_firing_for: file_rule.keep_firing_for.clone(),
        expr: Some(file_rule.expr.clone()),
        group: Some(group.name.clone()),
        group_interval: group.interval.clone(),
    })
}

/// Maps the labels of an imported rule to a severity: a `priority` label of `P0`–`P3` wins,
/// then the common `severity` values (`critical`/`page` → P1, `warning` → P2, `info` → P3).
/// Anything else is P2.
pub fn severity_from_labels(labels: &BTreeMap<String, String>) -> Severity {
    if let Some(priority) = labels.get("priority") {
        if let Ok(severity) = Severity::parse(&priority.to_ascii_uppercase()) {
            return severity;
        }
    }
    match labels
        .get("severity")
        .map(|value| value.to_ascii_lowercase())
        .as_deref()
    {
        Some("critical") | Some("page") | Some("error") => Severity::P1,
        Some("info") | Some("informational") | Some("none") => Severity::P3,
        _ => Severity::P2,
    }
}

/// Reads `metric op number` and `metric{name="value",…} op number`, the PromQL forms Homeport
/// evaluates over its own series. Anything else (functions, regex matchers, arithmetic,
/// `bool`) returns `None`.
pub fn parse_simple_threshold(expr: &str) -> Option<Threshold> {
    let expr = expr.trim();
    let name_end = expr
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(expr.len());
    let metric = &expr[..name_end];
    if metric.is_empty() || metric.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut rest = expr[name_end..].trim_start();

    let mut matchers = BTreeMap::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let close = inner.find('}')?;
        for pair in inner[..close].split(',').map(str::trim).filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=')?;
            let name = name.trim();
            let value = value.trim();
            if name.ends_with('!') || value.starts_with('~') || name.is_empty() {
                return None;
            }
            let value = value.strip_prefix('"')?.strip_suffix('"')?;
            if value.contains('\\') || value.contains('"') {
                return None;
            }
            matchers.insert(name.to_string(), value.to_string());
        }
        rest = inner[close + 1..].trim_start();
    }

    let op_len = if rest.starts_with(">=") || rest.starts_with("<=") || rest.starts_with("==") || rest.starts_with("!=")
    {
        2
    } else if rest.starts_with('>') || rest.starts_with('<') {
        1
    } else {
        return None;
    };
    let op = Operator::parse(&rest[..op_len])?;
    let number = rest[op_len..].trim();
    let value: f64 = number.parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    Some(Threshold {
        metric: metric.to_string(),
        matchers,
        reduce: Reduce::Latest,
        op,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"groups:
  - name: homelab
    interval: 30s
    rules:
      - alert: DiskAlmostFull
        expr: filesystem_used_percent{mount="/"} > 90
        for: 10m
        labels:
          severity: critical
        annotations:
          summary: "Disk {{ $labels.mount }} almost full"
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: InstanceDown
        expr: up == 0
        for: 5m
        keep_firing_for: 1m
        labels:
          severity: warning
  - name: other
    rules:
      - alert: HighLoad
        expr: rate(node_cpu_seconds_total{mode!="idle"}[5m]) > 0.9
"#;

    fn kind_of(err: Error) -> (&'static str, usize, usize, String) {
        match err {
            Error::RuleFileInvalid {
                kind,
                line,
                column,
                detail,
                ..
            } => (kind, line, column, detail),
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn import_reads_groups_and_skips_records() {
        let imported = import("rules.yml", FILE).unwrap();
        assert_eq!(imported.rules.len(), 3);
        assert_eq!(imported.skipped_records, vec!["job:up:sum".to_string()]);
        assert_eq!(imported.groups, vec!["homelab".to_string(), "other".to_string()]);

        let disk = &imported.rules[0];
        assert_eq!(disk.name, "DiskAlmostFull");
        assert_eq!(disk.source, RuleSource::PrometheusFile);
        assert_eq!(disk.for_secs, 600);
        assert_eq!(disk.severity, Severity::P1);
        assert!(disk.evaluated_here(), "a simple threshold runs in Homeport");
        assert_eq!(disk.group_interval.as_deref(), Some("30s"));

        assert!(
            imported.rules[1].evaluated_here(),
            "`up == 0` is a simple threshold too"
        );
        assert_eq!(imported.rules[1].severity, Severity::P2);
        assert!(!imported.rules[2].evaluated_here(), "rate() runs only in Prometheus");
    }

    #[test]
    fn round_trip_keeps_semantics() {
        let imported = import("rules.yml", FILE).unwrap();
        let exported = export(&imported.rules).unwrap();
        let original: RuleFile = serde_norway::from_str(FILE).unwrap();
        let again: RuleFile = serde_norway::from_str(&exported).unwrap();

        // Recording rules are not imported, so they are not exported either.
        let mut expected = original.clone();
        for group in &mut expected.groups {
            group.rules.retain(|rule| rule.record.is_none());
            for rule in &mut group.rules {
                rule.for_duration = rule
                    .for_duration
                    .as_deref()
                    .and_then(parse_duration)
                    .map(format_duration);
            }
        }
        assert_eq!(again, expected);

        let reimported = import("exported.yml", &exported).unwrap();
        assert_eq!(reimported.rules, imported.rules);
    }

    #[test]
    fn unknown_field_reports_line_and_column() {
        let text =
            "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up == 0\n        severity: critical\n";
        let (kind, line, column, detail) = kind_of(import("rules.yml", text).unwrap_err());
        assert_eq!(kind, "syntax");
        assert_eq!(line, 6);
        assert_eq!(column, 9);
        assert!(detail.contains("unknown field `severity`"), "{detail}");
    }

    #[test]
    fn top_level_list_is_rejected_and_wrappable() {
        let text = "- alert: InstanceDown\n  expr: up == 0\n  for: 5m\n";
        let (kind, _, _, detail) = kind_of(import("list.yml", text).unwrap_err());
        assert_eq!(kind, "topLevelList");
        assert!(detail.contains("mapping with `groups:`"), "{detail}");

        let wrapped = wrap_rule_list(text, "list");
        let imported = import("list.yml", &wrapped).unwrap();
        assert_eq!(imported.rules.len(), 1);
        assert_eq!(imported.rules[0].name, "InstanceDown");
        assert_eq!(imported.rules[0].for_secs, 300);
        assert_eq!(imported.groups, vec!["list".to_string()]);
    }

    #[test]
    fn prometheus_config_is_named() {
        let text = "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['localhost:9100']\n";
        let (kind, _, _, detail) = kind_of(import("prometheus.yml", text).unwrap_err());
        assert_eq!(kind, "prometheusConfig");
        assert!(detail.contains("Prometheus configuration file"), "{detail}");
    }

    #[test]
    fn prometheus1_file_is_named() {
        let text = "# old rules\nALERT InstanceDown\n  IF up == 0\n  FOR 5m\n  LABELS { severity = \"page\" }\n";
        let (kind, line, _, detail) = kind_of(import("old.rules", text).unwrap_err());
        assert_eq!(kind, "prometheus1");
        assert_eq!(line, 2);
        assert!(detail.contains("Prometheus 1.x"), "{detail}");
    }

    #[test]
    fn zero_rules_is_an_error() {
        for (text, expected) in [
            ("", "empty"),
            ("groups: []\n", "no alerting rules"),
            (
                "groups:\n  - name: r\n    rules:\n      - record: a:b\n        expr: sum(up)\n",
                "only recording rules (a:b)",
            ),
        ] {
            let (kind, _, _, detail) = kind_of(import("rules.yml", text).unwrap_err());
            assert_eq!(kind, "noRules", "{text}");
            assert!(detail.contains(expected), "{detail}");
        }
    }

    #[test]
    fn alert_and_record_rejected() {
        let text = "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up == 0\n      - alert: B\n        record: b\n        expr: up\n";
        let (kind, line, _, detail) = kind_of(import("rules.yml", text).unwrap_err());
        assert_eq!(kind, "syntax");
        assert_eq!(line, 6);
        assert!(detail.contains("exactly one of"), "{detail}");
    }

    #[test]
    fn simple_thresholds_parse() {
        let parsed = parse_simple_threshold("container_memory_percent{container=\"db\"} >= 90.5").unwrap();
        assert_eq!(parsed.metric, "container_memory_percent");
        assert_eq!(parsed.matchers["container"], "db");
        assert_eq!(parsed.op, Operator::Ge);
        assert_eq!(parsed.value, 90.5);
        for expr in [
            "rate(x[5m]) > 1",
            "x{a=~\"b.*\"} > 1",
            "x{a!=\"b\"} > 1",
            "x > bool 1",
            "x + y > 1",
            "x > 1 and y > 2",
            "x",
        ] {
            assert!(parse_simple_threshold(expr).is_none(), "{expr}");
        }
    }
}

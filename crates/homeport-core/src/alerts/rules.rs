//! Alert rules: what a rule watches, when it fires, and how it is written in rule files.
//!
//! Every condition a rule watches is a metric series in the metrics store. A rule compares one
//! value per series (the newest sample, or the increase of a counter over a window) with a
//! threshold. Rules imported from Prometheus rule files keep their PromQL text. Those of the
//! form `metric op number` run here too; the others only run in Prometheus.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{FlapPolicy, Severity};
use crate::error::{Error, Result};

/// Where a rule came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleSource {
    /// Shipped with Homeport in `assets/alerts/builtin.yaml`; editable, never deleted.
    Builtin,
    /// Imported from a Prometheus rule file.
    PrometheusFile,
    /// Written in Homeport's rules form or with `homeport rules add`.
    Custom,
}

impl RuleSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleSource::Builtin => "builtin",
            RuleSource::PrometheusFile => "prometheus-file",
            RuleSource::Custom => "custom",
        }
    }
}

/// A comparison of a value with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operator {
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

impl Operator {
    /// Returns PromQL's spelling of the operator.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Gt => ">",
            Operator::Ge => ">=",
            Operator::Lt => "<",
            Operator::Le => "<=",
            Operator::Eq => "==",
            Operator::Ne => "!=",
        }
    }

    /// Parses PromQL's spelling of a comparison operator.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            ">" => Operator::Gt,
            ">=" => Operator::Ge,
            "<" => Operator::Lt,
            "<=" => Operator::Le,
            "==" => Operator::Eq,
            "!=" => Operator::Ne,
            _ => return None,
        })
    }

    /// Applies the comparison. NaN compares false with everything, as in PromQL.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Operator::Gt => value > threshold,
            Operator::Ge => value >= threshold,
            Operator::Lt => value < threshold,
            Operator::Le => value <= threshold,
            Operator::Eq => value == threshold,
            Operator::Ne => value != threshold,
        }
    }
}

/// How a rule turns a series into the one value it compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Reduce {
    /// The newest sample.
    Latest,
    /// The increase of a counter over the window, counting a drop as a counter reset (as
    /// PromQL's `increase` does, but without extrapolating to the window's edges).
    Increase { window_secs: u64 },
}

/// A threshold over every series of one metric whose labels include `matchers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Threshold {
    pub metric: String,
    #[serde(default)]
    pub matchers: BTreeMap<String, String>,
    pub reduce: Reduce,
    pub op: Operator,
    pub value: f64,
}

/// What a rule watches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Condition {
    /// A threshold over Homeport's metric series.
    Threshold(Threshold),
    /// The fleet refresh's reachability of each host (see [`super::observe_fleet`]).
    HostUnreachable,
    /// A PromQL expression Homeport cannot evaluate; Prometheus evaluates it.
    PrometheusOnly,
}

/// One alert rule as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// Stable id: the built-in name, or `prom:<group>:<alert>:<n>` for imported rules, where n
    /// counts the alerts of that name in the group.
    pub id: String,
    /// The alert name, as in Prometheus's `alert:` field.
    pub name: String,
    pub source: RuleSource,
    pub enabled: bool,
    pub condition: Condition,
    /// How long the condition must hold before the rule fires (Prometheus's `for`).
    pub for_secs: u64,
    pub severity: Severity,
    /// A series whose newest sample is older than this counts as absent, so a removed
    /// container's last value cannot keep an alert open.
    pub stale_after_secs: u64,
    /// When set, the flapping guard decides when the rule goes down and up instead of `for`.
    #[serde(default)]
    pub flap: Option<FlapSpec>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// Prometheus's `keep_firing_for` of an imported rule: a firing alert stays open this long
    /// after its condition last held.
    #[serde(default)]
    pub keep_firing_for: Option<String>,
    /// The original PromQL text of an imported rule, exported back unchanged.
    #[serde(default)]
    pub expr: Option<String>,
    /// The Prometheus rule group of an imported rule and its `interval`, if it had one.
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub group_interval: Option<String>,
}

/// The stored form of a [`FlapPolicy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlapSpec {
    pub down_after: u32,
    pub up_after: u32,
    pub renotify_every_secs: u64,
    pub max_renotify: u32,
}

impl FlapSpec {
    pub fn policy(self) -> FlapPolicy {
        FlapPolicy {
            down_after: self.down_after.max(1),
            up_after: self.up_after.max(1),
            renotify_every: Duration::from_secs(self.renotify_every_secs),
            max_renotify: self.max_renotify,
        }
    }
}

impl Rule {
    /// Whether Homeport evaluates this rule over its own series.
    pub fn evaluated_here(&self) -> bool {
        matches!(self.condition, Condition::Threshold(_))
    }

    /// Returns the PromQL text of the rule: the imported text, or one built from the threshold.
    pub fn promql(&self) -> String {
        if let Some(expr) = &self.expr {
            return expr.clone();
        }
        match &self.condition {
            Condition::Threshold(threshold) => threshold_promql(threshold),
            Condition::HostUnreachable => String::new(),
            Condition::PrometheusOnly => String::new(),
        }
    }

    /// Checks the values a user may edit.
    pub fn validate(&self) -> Result<()> {
        if let Condition::Threshold(threshold) = &self.condition {
            if !threshold.value.is_finite() {
                return Err(Error::invalid(
                    "threshold",
                    threshold.value.to_string(),
                    "enter a finite number",
                ));
            }
        }
        if self.for_secs > 7 * 24 * 3600 {
            return Err(Error::invalid(
                "for",
                format_duration(self.for_secs),
                "choose a duration of at most 7 days",
            ));
        }
        if let Some(flap) = self.flap {
            if flap.down_after == 0 || flap.up_after == 0 {
                return Err(Error::invalid("flap", "0".to_string(), "down and up counts start at 1"));
            }
            if flap.down_after > 1_000 || flap.up_after > 1_000 || flap.max_renotify > 1_000 {
                return Err(Error::invalid(
                    "flap",
                    format!("{}/{}/{}", flap.down_after, flap.up_after, flap.max_renotify),
                    "choose counts of at most 1000",
                ));
            }
            if flap.max_renotify > 0 && flap.renotify_every_secs < 60 {
                return Err(Error::invalid(
                    "renotify",
                    format_duration(flap.renotify_every_secs),
                    "remind at most once a minute, or set the number of reminders to 0",
                ));
            }
        }
        if self.source == RuleSource::Custom {
            self.validate_custom()?;
        }
        Ok(())
    }

    /// Checks what only a rule written in Homeport can get wrong: its name and the metric it
    /// names, which the PromQL export writes out as they are.
    fn validate_custom(&self) -> Result<()> {
        if !is_identifier(&self.name) {
            return Err(Error::invalid(
                "name",
                self.name.clone(),
                "use letters, digits and underscores, starting with a letter, such as HighLoad",
            ));
        }
        let Condition::Threshold(threshold) = &self.condition else {
            return Err(Error::invalid(
                "condition",
                self.id.clone(),
                "a rule written here is a threshold",
            ));
        };
        if !is_identifier(&threshold.metric) {
            return Err(Error::invalid(
                "metric",
                threshold.metric.clone(),
                "name a metric Homeport collects, such as host_load1",
            ));
        }
        for name in threshold.matchers.keys() {
            if !is_identifier(name) {
                return Err(Error::invalid(
                    "label",
                    name.clone(),
                    "label names are letters, digits and underscores",
                ));
            }
        }
        if let Reduce::Increase { window_secs } = threshold.reduce {
            if !(60..=86_400).contains(&window_secs) {
                return Err(Error::invalid(
                    "window",
                    format_duration(window_secs),
                    "choose a window between 1m and 1d",
                ));
            }
        }
        if self.stale_after_secs == 0 {
            return Err(Error::invalid("staleAfter", "0s", "choose a positive duration"));
        }
        Ok(())
    }
}

/// Tests whether `text` is a Prometheus metric, label or alert name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && text.len() <= 200
}

/// Writes a threshold in PromQL, such as `increase(container_restarts[5m]) > 2`.
pub fn threshold_promql(threshold: &Threshold) -> String {
    let mut selector = threshold.metric.clone();
    if !threshold.matchers.is_empty() {
        let pairs: Vec<String> = threshold
            .matchers
            .iter()
            .map(|(name, value)| format!("{name}={value:?}"))
            .collect();
        selector.push_str(&format!("{{{}}}", pairs.join(",")));
    }
    let left = match threshold.reduce {
        Reduce::Latest => selector,
        Reduce::Increase { window_secs } => format!("increase({selector}[{}])", format_duration(window_secs)),
    };
    format!("{left} {} {}", threshold.op.as_str(), format_number(threshold.value))
}

fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// Parses a Prometheus duration such as `5m`, `1h30m` or `90s` into seconds. Units: `ms` (rounded
/// down to whole seconds), `s`, `m`, `h`, `d`, `w`, `y` (365 days), as Prometheus 2.x reads them.
pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text == "0" {
        return Some(0);
    }
    let mut total_ms: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit_ms: u64 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            "y" => 365 * 86_400_000,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total_ms = total_ms.checked_add(number.checked_mul(unit_ms)?)?;
    }
    Some(total_ms / 1_000)
}

/// Writes seconds as a Prometheus duration, such as `5m` or `1h30m`; zero is `0s`.
pub fn format_duration(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    let mut rest = seconds;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_prometheus_does() {
        assert_eq!(parse_duration("5m"), Some(300));
        assert_eq!(parse_duration("1h30m"), Some(5_400));
        assert_eq!(parse_duration("0"), Some(0));
        assert_eq!(parse_duration("1500ms"), Some(1));
        assert_eq!(parse_duration("1d"), Some(86_400));
        assert_eq!(parse_duration("5 m"), None);
        assert_eq!(parse_duration("m"), None);
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn durations_format_round_trip() {
        for seconds in [0, 1, 59, 60, 300, 5_400, 86_400, 90_061] {
            assert_eq!(parse_duration(&format_duration(seconds)), Some(seconds), "{seconds}");
        }
    }

    #[test]
    fn threshold_writes_promql() {
        let threshold = Threshold {
            metric: "container_restarts".into(),
            matchers: BTreeMap::new(),
            reduce: Reduce::Increase { window_secs: 300 },
            op: Operator::Gt,
            value: 2.0,
        };
        assert_eq!(threshold_promql(&threshold), "increase(container_restarts[5m]) > 2");
        let threshold = Threshold {
            metric: "filesystem_used_percent".into(),
            matchers: BTreeMap::from([("mount".to_string(), "/".to_string())]),
            reduce: Reduce::Latest,
            op: Operator::Ge,
            value: 80.5,
        };
        assert_eq!(
            threshold_promql(&threshold),
            "filesystem_used_percent{mount=\"/\"} >= 80.5"
        );
    }

    #[test]
    fn nan_never_holds() {
        for op in [Operator::Gt, Operator::Ge, Operator::Lt, Operator::Le, Operator::Eq] {
            assert!(!op.holds(f64::NAN, 1.0));
        }
    }
}

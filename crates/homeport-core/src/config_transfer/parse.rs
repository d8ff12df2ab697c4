//! Strict reading of a configuration file: syntax, format name, version, then every field.

use serde_json::Value;

use super::format::{ConfigFile, FORMAT_NAME, FORMAT_VERSION};
use crate::alerts::notify::ChannelSettings;
use crate::alerts::Rule;
use crate::backup::plan::PlanDefinition;
use crate::error::{Error, Result};

/// Parses `text` read from `file` (used in messages only). Nothing is read from the store, so
/// a rejected file cannot have changed anything.
pub fn parse(text: &str, file: &str) -> Result<ConfigFile> {
    // The version is checked on the loose JSON first: a newer file may contain fields this
    // build does not know, and the user needs "too new", not "unknown field".
    let loose: Value = serde_json::from_str(text).map_err(|err| json_error(file, &err))?;
    let Some(object) = loose.as_object() else {
        return Err(invalid(file, 1, 1, "the file must contain one JSON object"));
    };

    match object.get("format").and_then(Value::as_str) {
        Some(FORMAT_NAME) => {}
        Some(other) => {
            return Err(invalid(
                file,
                0,
                0,
                &format!("format is '{other}', expected '{FORMAT_NAME}'; this is not a Homeport configuration export"),
            ))
        }
        None => {
            return Err(invalid(
                file,
                0,
                0,
                &format!("the field 'format' with the value '{FORMAT_NAME}' is missing; this is not a Homeport configuration export"),
            ))
        }
    }

    let version = object.get("version").and_then(Value::as_u64).ok_or_else(|| {
        invalid(
            file,
            0,
            0,
            "the field 'version' is missing or not a positive whole number",
        )
    })?;
    if version > FORMAT_VERSION {
        return Err(Error::ConfigFileTooNew {
            file: file.to_string(),
            version,
            supported: FORMAT_VERSION,
        });
    }
    if version == 0 {
        return Err(invalid(file, 0, 0, "version 0 does not exist; the first version is 1"));
    }

    let config: ConfigFile = serde_json::from_str(text).map_err(|err| json_error(file, &err))?;
    check_entries(&config, file)?;
    Ok(config)
}

/// Checks the values serde cannot: enumerations kept as text, stored JSON documents, ranges and
/// references between entries of the file.
fn check_entries(config: &ConfigFile, file: &str) -> Result<()> {
    let mut names = std::collections::HashSet::new();
    for (index, host) in config.hosts.iter().enumerate() {
        let at = |field: &str| format!("hosts[{index}].{field}");
        if host.name.trim().is_empty() {
            return Err(invalid(
                file,
                0,
                0,
                &format!("{} is empty; every host needs a name", at("name")),
            ));
        }
        if !names.insert(host.name.as_str()) {
            return Err(invalid(
                file,
                0,
                0,
                &format!(
                    "{} '{}' appears twice; host names must be unique",
                    at("name"),
                    host.name
                ),
            ));
        }
        one_of(file, &at("kind"), &host.kind, &["ssh", "socket", "tcp"])?;
        one_of(file, &at("auth"), &host.auth, &["key", "agent", "password", "none"])?;
        if let Some(metrics) = host.metrics {
            if !(5..=3600).contains(&metrics.interval_seconds) {
                return Err(invalid(
                    file,
                    0,
                    0,
                    &format!(
                        "{} is {}; use 5 to 3600 seconds",
                        at("metrics.intervalSeconds"),
                        metrics.interval_seconds
                    ),
                ));
            }
            if !(1..=400).contains(&metrics.retention_days) {
                return Err(invalid(
                    file,
                    0,
                    0,
                    &format!(
                        "{} is {}; use 1 to 400 days",
                        at("metrics.retentionDays"),
                        metrics.retention_days
                    ),
                ));
            }
        }
    }

    for (index, source) in config.template_sources.iter().enumerate() {
        one_of(
            file,
            &format!("templateSources[{index}].kind"),
            &source.kind,
            &["portainer", "casaos"],
        )?;
        one_of(
            file,
            &format!("templateSources[{index}].locationKind"),
            &source.location_kind,
            &["file", "url"],
        )?;
    }

    for (index, rule) in config.alert_rules.iter().enumerate() {
        one_of(
            file,
            &format!("alertRules[{index}].source"),
            &rule.source,
            &["builtin", "prometheus-file"],
        )?;
        let parsed: Rule = serde_json::from_value(rule.definition.clone()).map_err(|err| {
            invalid(
                file,
                0,
                0,
                &format!("alertRules[{index}].definition is not a valid rule: {err}"),
            )
        })?;
        if parsed.id != rule.id {
            return Err(invalid(
                file,
                0,
                0,
                &format!(
                    "alertRules[{index}].id is '{}' but its definition has the id '{}'; they must match",
                    rule.id, parsed.id
                ),
            ));
        }
    }

    for (index, channel) in config.notify_channels.iter().enumerate() {
        serde_json::from_value::<ChannelSettings>(channel.settings.clone()).map_err(|err| {
            invalid(
                file,
                0,
                0,
                &format!("notifyChannels[{index}].settings are not valid channel settings: {err}"),
            )
        })?;
    }

    for (index, source) in config.metric_sources.iter().enumerate() {
        one_of(
            file,
            &format!("metricSources[{index}].kind"),
            &source.kind,
            &["prometheus"],
        )?;
        one_of(
            file,
            &format!("metricSources[{index}].addedBy"),
            &source.added_by,
            &["user", "template"],
        )?;
    }

    for (index, plan) in config.backup_plans.iter().enumerate() {
        let parsed: PlanDefinition = serde_json::from_value(plan.definition.clone()).map_err(|err| {
            invalid(
                file,
                0,
                0,
                &format!("backupPlans[{index}].definition is not a valid backup plan: {err}"),
            )
        })?;
        if parsed.name != plan.name {
            return Err(invalid(
                file,
                0,
                0,
                &format!(
                    "backupPlans[{index}].name is '{}' but its definition has the name '{}'; they must match",
                    plan.name, parsed.name
                ),
            ));
        }
    }

    for (index, scenario) in config.cost_scenarios.iter().enumerate() {
        if scenario.name.trim().is_empty() {
            return Err(invalid(
                file,
                0,
                0,
                &format!("costScenarios[{index}].name is empty; every scenario needs a name"),
            ));
        }
    }
    Ok(())
}

fn one_of(file: &str, field: &str, value: &str, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(invalid(
        file,
        0,
        0,
        &format!("{field} is '{value}'; use one of {}", allowed.join(", ")),
    ))
}

fn json_error(file: &str, err: &serde_json::Error) -> Error {
    // serde_json appends " at line L column C" to its message; the position goes into the
    // error's own fields instead, so it is not repeated.
    let message = err.to_string();
    let detail = message
        .rsplit_once(" at line ")
        .map(|(head, _)| head.to_string())
        .unwrap_or(message);
    invalid(file, err.line(), err.column(), &detail)
}

fn invalid(file: &str, line: usize, column: usize, detail: &str) -> Error {
    Error::ConfigFileInvalid {
        file: file.to_string(),
        line,
        column,
        detail: detail.to_string(),
    }
}

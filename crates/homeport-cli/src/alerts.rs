//! `homeport alerts ls|ack|silence|resolve|comment` and `homeport rules ls|add|set|rm|import|export`:
//! the alert inbox and the rules from the shell.

use clap::{Args, Subcommand};
use std::collections::BTreeMap;

use homeport_api::alerts::{AlertFilterInput, AlertRuleUpdate, AlertRuleView, AlertView, FlapSetting, NewRuleInput};
use homeport_api::{Api, IpcError};
use homeport_core::alerts::rules::{format_duration, parse_duration};
use homeport_core::Error;

use crate::output::Output;

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// List the open alerts, most severe first; with --history the resolved ones.
    Ls(ListArgs),
    /// Acknowledge an alert, which stops its response timer.
    Ack { id: String },
    /// Hold back an alert's notifications for a while, such as 30m, 4h or 2d; `0` ends it.
    Silence { id: String, duration: String },
    /// Resolve an alert by hand.
    Resolve { id: String },
    /// Add a comment to an alert.
    Comment { id: String, text: String },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// List resolved alerts instead of open ones.
    #[arg(long)]
    pub history: bool,
    /// Only these severities, such as P0 or P1; repeat for more.
    #[arg(long = "severity")]
    pub severities: Vec<String>,
    /// Only alerts of this host id.
    #[arg(long)]
    pub host: Option<String>,
    /// Only alerts from this source, such as homeport or prometheus-file.
    #[arg(long)]
    pub source: Option<String>,
    /// Only alerts whose rule, service, host, values or comments contain this text.
    #[arg(long)]
    pub search: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the built-in and imported rules.
    Ls,
    /// Add a threshold rule over Homeport's metrics, such as `--metric load1 --op '>' --threshold 4`.
    Add(AddArgs),
    /// Change a rule: turn it on or off, or set its threshold, `for` duration, severity or
    /// flapping guard.
    Set(SetArgs),
    /// Remove an added or imported rule; built-in rules can only be switched off.
    Rm { id: String },
    /// Import a Prometheus rule file (a mapping with `groups:`).
    Import {
        file: String,
        /// Wrap a file that is a bare list of rules into one group named after the file.
        #[arg(long)]
        wrap: bool,
    },
    /// Write the enabled rules to a Prometheus rule file.
    Export {
        #[arg(long)]
        out: String,
    },
}

#[derive(Debug, Args)]
pub struct SetArgs {
    pub id: String,
    #[arg(long, conflicts_with = "disable")]
    pub enable: bool,
    #[arg(long)]
    pub disable: bool,
    /// The value the rule compares with, in the metric's unit.
    #[arg(long)]
    pub threshold: Option<f64>,
    /// How long the condition must hold before the rule fires, such as 0s, 5m or 1h.
    #[arg(long = "for")]
    pub for_duration: Option<String>,
    /// P0, P1, P2 or P3.
    #[arg(long)]
    pub severity: Option<String>,
    /// A flapping guard instead of `for`: DOWN,UP[,REMIND_MINUTES,MAX_REMINDERS], such as 2,3,60,3.
    #[arg(long, conflicts_with = "no_flap")]
    pub flap: Option<String>,
    /// Remove the rule's flapping guard.
    #[arg(long)]
    pub no_flap: bool,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The alert name: letters, digits and underscores, such as HighLoad.
    #[arg(long)]
    pub name: String,
    /// The metric, as `homeport metrics query` lists them, such as host_load1.
    #[arg(long)]
    pub metric: String,
    /// Only series with this label, as NAME=VALUE; repeat for more.
    #[arg(long = "label")]
    pub labels: Vec<String>,
    /// >, >=, <, <=, == or !=.
    #[arg(long)]
    pub op: String,
    #[arg(long)]
    pub threshold: f64,
    /// Compare the increase over this window (for counters), such as 5m.
    #[arg(long)]
    pub increase: Option<String>,
    /// How long the condition must hold before the rule fires, such as 0s, 5m or 1h.
    #[arg(long = "for", default_value = "5m")]
    pub for_duration: String,
    /// P0, P1, P2 or P3.
    #[arg(long, default_value = "P2")]
    pub severity: String,
    /// The text of the alert; `{{ $labels.NAME }}` takes a label of the series.
    #[arg(long)]
    pub summary: Option<String>,
    /// A flapping guard instead of `for`: DOWN,UP[,REMIND_MINUTES,MAX_REMINDERS].
    #[arg(long)]
    pub flap: Option<String>,
}

fn duration_arg(field: &'static str, text: &str) -> Result<u64, IpcError> {
    parse_duration(text).ok_or_else(|| {
        IpcError::from(Error::invalid(
            field,
            text.to_string(),
            "use a duration such as 0s, 5m or 1h",
        ))
    })
}

/// Reads `DOWN,UP[,REMIND_MINUTES,MAX_REMINDERS]`; reminders default to none.
fn flap_arg(text: &str) -> Result<FlapSetting, IpcError> {
    let invalid = || {
        IpcError::from(Error::invalid(
            "flap",
            text.to_string(),
            "write DOWN,UP or DOWN,UP,REMIND_MINUTES,MAX_REMINDERS, such as 2,3,60,3",
        ))
    };
    let numbers: Vec<u32> = text
        .split(',')
        .map(|part| part.trim().parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|_| invalid())?;
    match numbers.as_slice() {
        [down, up] => Ok(FlapSetting {
            down_after: *down,
            up_after: *up,
            renotify_minutes: 0,
            max_renotify: 0,
        }),
        [down, up, minutes, max] => Ok(FlapSetting {
            down_after: *down,
            up_after: *up,
            renotify_minutes: *minutes,
            max_renotify: *max,
        }),
        _ => Err(invalid()),
    }
}

fn label_args(labels: &[String]) -> Result<BTreeMap<String, String>, IpcError> {
    let mut matchers = BTreeMap::new();
    for label in labels {
        let (name, value) = label.split_once('=').ok_or_else(|| {
            IpcError::from(Error::invalid(
                "label",
                label.clone(),
                "write NAME=VALUE, such as mount=/",
            ))
        })?;
        matchers.insert(name.trim().to_string(), value.to_string());
    }
    Ok(matchers)
}

pub async fn run_alerts(api: &Api, command: AlertsCommand, output: &Output) -> Result<(), IpcError> {
    match command {
        AlertsCommand::Ls(args) => {
            let alerts = api
                .alerts_list(AlertFilterInput {
                    open: Some(!args.history),
                    severities: args.severities.iter().map(|severity| severity.to_uppercase()).collect(),
                    host_id: args.host,
                    source: args.source,
                    search: args.search,
                    ..AlertFilterInput::default()
                })
                .await?;
            print_alerts(&alerts, output);
        }
        AlertsCommand::Ack { id } => print_alert(&api.alerts_ack(&id).await?, output),
        AlertsCommand::Silence { id, duration } => {
            let seconds = parse_duration(&duration).ok_or_else(|| {
                IpcError::from(Error::invalid(
                    "duration",
                    duration.clone(),
                    "use a duration such as 30m, 4h or 2d",
                ))
            })?;
            let minutes = (seconds > 0).then(|| u32::try_from(seconds.div_ceil(60)).unwrap_or(u32::MAX));
            print_alert(&api.alerts_silence(&id, minutes).await?, output);
        }
        AlertsCommand::Resolve { id } => print_alert(&api.alerts_resolve(&id).await?, output),
        AlertsCommand::Comment { id, text } => print_alert(&api.alerts_comment(&id, &text).await?, output),
    }
    Ok(())
}

pub async fn run_rules(api: &Api, command: RulesCommand, output: &Output) -> Result<(), IpcError> {
    match command {
        RulesCommand::Ls => print_rules(&api.alerts_rules().await?, output),
        RulesCommand::Add(args) => {
            let rule = api
                .alerts_rule_create(NewRuleInput {
                    name: args.name,
                    metric: args.metric,
                    matchers: label_args(&args.labels)?,
                    op: args.op,
                    threshold: args.threshold,
                    increase_seconds: args
                        .increase
                        .as_deref()
                        .map(|text| duration_arg("increase", text))
                        .transpose()?,
                    for_seconds: duration_arg("for", &args.for_duration)?,
                    severity: args.severity.to_uppercase(),
                    summary: args.summary,
                    flap: args.flap.as_deref().map(flap_arg).transpose()?,
                })
                .await?;
            print_rules(std::slice::from_ref(&rule), output);
        }
        RulesCommand::Rm { id } => {
            api.alerts_rule_remove(&id).await?;
            output.done(&format!("Removed rule {id}"));
        }
        RulesCommand::Set(args) => {
            let for_seconds = args
                .for_duration
                .as_deref()
                .map(|text| duration_arg("for", text))
                .transpose()?;
            let enabled = match (args.enable, args.disable) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            let rule = api
                .alerts_rule_update(
                    &args.id,
                    AlertRuleUpdate {
                        enabled,
                        threshold: args.threshold,
                        for_seconds,
                        severity: args.severity.map(|severity| severity.to_uppercase()),
                        flap: args.flap.as_deref().map(flap_arg).transpose()?,
                        clear_flap: args.no_flap.then_some(true),
                    },
                )
                .await?;
            print_rules(std::slice::from_ref(&rule), output);
        }
        RulesCommand::Import { file, wrap } => {
            let result = api.alerts_rules_import(&file, wrap).await?;
            if output.json {
                output.json_value(&serde_json::to_value(&result).unwrap_or_default());
                return Ok(());
            }
            if result.wrapped {
                println!("The file was a list of rules; it was wrapped in one group.");
            }
            println!(
                "Imported {} rule(s), replaced {} earlier one(s).",
                result.imported.len(),
                result.replaced
            );
            for rule in &result.imported {
                let place = if rule.evaluated_here {
                    "evaluated by Homeport"
                } else {
                    "evaluated by Prometheus only"
                };
                println!("  {:<32} {place}: {}", rule.name, rule.expr);
            }
            if !result.skipped_records.is_empty() {
                println!("Recording rules not imported: {}", result.skipped_records.join(", "));
            }
        }
        RulesCommand::Export { out } => {
            let result = api.alerts_rules_export(&out).await?;
            output.done(&format!("Wrote {} rule(s) to {}", result.rules, result.path));
        }
    }
    Ok(())
}

fn print_alerts(alerts: &[AlertView], output: &Output) {
    if output.json {
        output.json_value(&serde_json::to_value(alerts).unwrap_or_default());
        return;
    }
    if alerts.is_empty() {
        println!("No alerts.");
        return;
    }
    println!(
        "{:<36}  {:<3} {:<12} {:<20} {:<20} {:>5}  {}",
        "ID", "SEV", "STATE", "RULE", "HOST", "COUNT", "SERVICE"
    );
    for alert in alerts {
        let mut state = alert.state.clone();
        if alert.overdue {
            state.push('!');
        }
        println!(
            "{:<36}  {:<3} {:<12} {:<20} {:<20} {:>5}  {}",
            alert.id,
            alert.severity,
            state,
            alert.rule_name.as_deref().unwrap_or(&alert.rule),
            alert.host_name.as_deref().unwrap_or("-"),
            alert.count,
            alert.service
        );
    }
    if alerts.iter().any(|alert| alert.overdue) {
        println!("! overdue: no response within the severity's target");
    }
}

fn print_alert(alert: &AlertView, output: &Output) {
    print_alerts(std::slice::from_ref(alert), output);
}

fn print_rules(rules: &[AlertRuleView], output: &Output) {
    if output.json {
        output.json_value(&serde_json::to_value(rules).unwrap_or_default());
        return;
    }
    println!("{:<34} {:<3} {:<4} {:<7} {}", "ID", "SEV", "ON", "FOR", "EXPR");
    for rule in rules {
        let expr = if rule.evaluated_here {
            rule.expr.clone()
        } else {
            format!("{} (Prometheus only)", rule.expr)
        };
        println!(
            "{:<34} {:<3} {:<4} {:<7} {}",
            rule.id,
            rule.severity,
            if rule.enabled { "yes" } else { "no" },
            format_duration(rule.for_seconds),
            expr
        );
    }
}

//! `homeport alerts ls|ack|silence|resolve|comment` and `homeport rules ls|set|import|export`:
//! the alert inbox and the rules from the shell.

use clap::{Args, Subcommand};
use homeport_api::alerts::{AlertFilterInput, AlertRuleUpdate, AlertRuleView, AlertView};
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
    /// Change a rule: turn it on or off, or set its threshold, `for` duration or severity.
    Set(SetArgs),
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
        RulesCommand::Set(args) => {
            let for_seconds = match &args.for_duration {
                None => None,
                Some(text) => Some(parse_duration(text).ok_or_else(|| {
                    IpcError::from(Error::invalid(
                        "for",
                        text.clone(),
                        "use a duration such as 0s, 5m or 1h",
                    ))
                })?),
            };
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

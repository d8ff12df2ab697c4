//! `homeport cost roi`: the payback of self-hosting, from a scenario file or from a few numbers.
//!
//! Text output follows the locale (`LANG`, as error messages do) and uses the report's wording;
//! `--json` prints `{"scenario": …, "analysis": …}`, documented in docs/cost.md.

use std::path::Path;

use clap::{Args, Subcommand};
use homeport_api::cost::{
    cost_error, report_labels, result_rows, sensitivity_rows, Analysis, CostError, CostExportFormat, Device,
    HardwareItem, Period, PowerMode, Problem, Scenario, Subscription, Upkeep,
};
use homeport_api::{Api, IpcError, Language};
use homeport_core::ErrorCode;

use crate::output::Output;

#[derive(Debug, Subcommand)]
pub enum CostCommand {
    /// Calculate the payback of self-hosting: yearly running cost and saving, payback with and
    /// without the value of your time, net position after 1, 3 and 5 years, and what-if cases.
    Roi(RoiArgs),
}

#[derive(Debug, Args)]
// Negative amounts reach the calculator's validation, which names the option and the fix,
// instead of clap reading them as unknown flags.
#[command(allow_negative_numbers = true)]
pub struct RoiArgs {
    /// Scenario file (JSON, version 1, see docs/cost.md). Replaces the options below.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["hardware", "watts", "kwh_price", "subscriptions_per_year", "hours_per_month", "hour_value", "life", "currency"])]
    pub scenario: Option<String>,
    /// Price of the hardware bought up front.
    #[arg(long, value_name = "AMOUNT")]
    pub hardware: Option<f64>,
    /// Years the hardware lasts before it is bought again.
    #[arg(long, value_name = "YEARS", default_value_t = 5.0)]
    pub life: f64,
    /// Average power draw of everything that runs, in watts.
    #[arg(long, value_name = "W", default_value_t = 0.0)]
    pub watts: f64,
    /// Price of one kilowatt-hour of electricity.
    #[arg(long, value_name = "PRICE", default_value_t = 0.0)]
    pub kwh_price: f64,
    /// Yearly cost of the replaced subscriptions.
    #[arg(long, value_name = "AMOUNT")]
    pub subscriptions_per_year: Option<f64>,
    /// Hours of upkeep a month.
    #[arg(long, value_name = "H", default_value_t = 0.0)]
    pub hours_per_month: f64,
    /// Value of one hour of your time; 0 leaves time out.
    #[arg(long, value_name = "V", default_value_t = 0.0)]
    pub hour_value: f64,
    /// Currency of every amount: USD, EUR, CNY, GBP or JPY.
    #[arg(long, default_value = "USD")]
    pub currency: String,
    /// Also write the report to FILE: a PDF for `.pdf`, else a PNG image.
    #[arg(long, value_name = "FILE")]
    pub report: Option<String>,
}

pub async fn run(api: &Api, command: CostCommand, output: &Output) -> Result<(), IpcError> {
    match command {
        CostCommand::Roi(args) => roi(api, args, output),
    }
}

fn roi(api: &Api, args: RoiArgs, output: &Output) -> Result<(), IpcError> {
    let quick = args.scenario.is_none();
    let scenario = match &args.scenario {
        Some(path) => read_scenario(api, path)?,
        None => quick_scenario(&args)?,
    };
    let calculation = api.cost_calculate(&scenario)?;
    let Some(analysis) = calculation.analysis else {
        return Err(problems_error(&calculation.problems, quick));
    };

    if let Some(path) = &args.report {
        let format = if path.to_ascii_lowercase().ends_with(".pdf") {
            CostExportFormat::Pdf
        } else {
            CostExportFormat::Png
        };
        let written = api.cost_export(&scenario, format, Language::System, path)?;
        if !output.json {
            eprintln!("wrote {} ({} bytes)", written.path, written.bytes);
        }
    }

    if output.json {
        let value = serde_json::json!({ "scenario": scenario, "analysis": analysis });
        println!("{}", serde_json::to_string(&value).unwrap_or_default());
    } else {
        print_text(&scenario, &analysis);
    }
    Ok(())
}

fn read_scenario(api: &Api, path: &str) -> Result<Scenario, IpcError> {
    let text = std::fs::read_to_string(Path::new(path)).map_err(|err| {
        IpcError::from(homeport_core::Error::invalid(
            "scenario",
            path,
            format!("cannot read the file: {err}"),
        ))
    })?;
    api.cost_scenario_parse(&text).map_err(|mut err| {
        // The position is in the file the user named.
        if let Some(value) = err.params.get_mut("value") {
            if value.starts_with("line ") {
                *value = format!("{path}, {value}");
            }
        }
        err
    })
}

/// Builds a one-item scenario from the quick options.
fn quick_scenario(args: &RoiArgs) -> Result<Scenario, IpcError> {
    let missing = |option: &'static str, example: &str| {
        IpcError::from(homeport_core::Error::invalid(
            option,
            "",
            format!("give {option}, such as {option} {example}, or a scenario file with --scenario"),
        ))
    };
    let hardware = args.hardware.ok_or_else(|| missing("--hardware", "2500"))?;
    let subscriptions = args
        .subscriptions_per_year
        .ok_or_else(|| missing("--subscriptions-per-year", "1600"))?;

    let mut scenario = Scenario::empty(&args.currency);
    scenario.name = "homeport cost roi".into();
    scenario.hardware.push(HardwareItem {
        name: "Hardware".into(),
        price: hardware,
        life_years: args.life,
        resale: 0.0,
    });
    scenario.devices.push(Device {
        name: "Devices".into(),
        quantity: 1,
        mode: PowerMode::Average,
        average_watts: args.watts,
        idle_watts: 0.0,
        load_watts: 0.0,
        hours_at_load: 0.0,
    });
    scenario.kwh_price = args.kwh_price;
    scenario.upkeep = Upkeep {
        hours_per_month: args.hours_per_month,
        hour_value: args.hour_value,
    };
    scenario.subscriptions.push(Subscription {
        name: "Subscriptions".into(),
        amount: subscriptions,
        period: Period::Year,
        catalog_id: None,
    });
    Ok(scenario)
}

/// Returns the option of the quick form that sets a scenario field.
fn option_for(field: &str) -> Option<&'static str> {
    Some(match field {
        "hardware[0].price" => "--hardware",
        "hardware[0].lifeYears" => "--life",
        "devices[0].averageWatts" => "--watts",
        "kwhPrice" => "--kwh-price",
        "subscriptions[0].amount" => "--subscriptions-per-year",
        "upkeep.hoursPerMonth" => "--hours-per-month",
        "upkeep.hourValue" => "--hour-value",
        "currency" => "--currency",
        _ => return None,
    })
}

/// Turns every invalid value into one error: the first names its option (or its field in the
/// file), and the detail lists the others.
fn problems_error(problems: &[Problem], quick: bool) -> IpcError {
    let place = |problem: &Problem| match option_for(&problem.field).filter(|_| quick) {
        Some(option) => option.to_string(),
        None => problem.field.clone(),
    };
    let fix = |problem: &Problem| {
        let prefix = format!("{} '{}': ", problem.field, problem.value);
        problem
            .message
            .strip_prefix(&prefix)
            .unwrap_or(&problem.message)
            .to_string()
    };
    let mut err = cost_error(CostError::Invalid(problems.to_vec()));
    let Some(first) = problems.first() else {
        return err;
    };
    let mut detail = fix(first);
    for other in &problems[1..] {
        detail.push_str(&format!("; {} '{}': {}", place(other), other.value, fix(other)));
    }
    err.code = ErrorCode::InvalidInput;
    err.params.insert("field".into(), place(first));
    err.params.insert("value".into(), first.value.clone());
    err.params.insert("detail".into(), detail);
    err
}

fn print_text(scenario: &Scenario, analysis: &Analysis) {
    let labels = report_labels(Language::System);
    let name = if scenario.name.trim().is_empty() {
        labels.text("unnamed")
    } else {
        scenario.name.clone()
    };
    let mut text = format!(
        "{}\n{}\n\n",
        labels.text("title"),
        labels.fill("subtitle", &[("name", name), ("currency", scenario.currency.clone())])
    );
    text.push_str(&table(&result_rows(analysis, &labels)));
    text.push_str(&format!("\n{}\n", labels.text("sensitivity")));
    text.push_str(&table(&sensitivity_rows(analysis, &labels)));
    // A closed pipe, as with `| head`, only ends the output.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
}

/// Formats rows as columns padded to the widest cell, counting a CJK character as two columns
/// as terminals draw them.
fn table(rows: &[Vec<String>]) -> String {
    let mut text = String::new();
    let width = |text: &str| text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum::<usize>();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|column| {
            rows.iter()
                .filter_map(|row| row.get(column))
                .map(|cell| width(cell))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if column + 1 < row.len() {
                line.push_str(&" ".repeat(widths[column] - width(cell) + 2));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

fn is_wide(c: char) -> bool {
    matches!(u32::from(c), 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeport_api::cost::ProblemKind;

    fn problem(field: &str, value: &str, fix: &str) -> Problem {
        Problem {
            field: field.into(),
            value: value.into(),
            kind: ProblemKind::Negative,
            limit: String::new(),
            message: format!("{field} '{value}': {fix}"),
        }
    }

    #[test]
    fn quick_problems_name_options() {
        let problems = [
            problem("kwhPrice", "-1", "it is below zero; enter 0 or more"),
            problem("devices[0].averageWatts", "-5", "it is below zero; enter 0 or more"),
        ];
        let err = problems_error(&problems, true);
        assert_eq!(err.params["field"], "--kwh-price");
        assert_eq!(
            err.params["detail"],
            "it is below zero; enter 0 or more; --watts '-5': it is below zero; enter 0 or more"
        );
    }

    #[test]
    fn file_problems_name_fields() {
        let err = problems_error(&[problem("kwhPrice", "-1", "enter 0 or more")], false);
        assert_eq!(err.params["field"], "kwhPrice");
    }
}

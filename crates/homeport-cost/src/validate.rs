//! Checks every value of a scenario and lists each invalid one with its field and the fix.
//!
//! Fields are named by their path in the scenario JSON, such as `hardware[1].lifeYears`, so
//! the screen can mark the input and the CLI's message points into the file.

use serde::{Deserialize, Serialize};

use crate::assets;
use crate::scenario::{Scenario, SCENARIO_VERSION};

/// Maximum amount of money accepted, so a mistyped price cannot turn every figure into
/// nonsense and a chart axis into exponents.
pub const MAX_AMOUNT: f64 = 1e9;
/// Maximum expected hardware life in years.
pub const MAX_LIFE_YEARS: f64 = 50.0;
/// Minimum expected hardware life in years, about five weeks. It bounds how many purchases
/// the calculation follows.
pub const MIN_LIFE_YEARS: f64 = 0.1;
/// Maximum draw of one device in watts.
pub const MAX_WATTS: f64 = 100_000.0;
/// Maximum number of identical devices in one entry.
pub const MAX_QUANTITY: u32 = 1_000;
/// Maximum hours in a month (31 days).
pub const MAX_HOURS_PER_MONTH: f64 = 744.0;
/// Maximum chart span in years.
pub const MAX_HORIZON_YEARS: u32 = 30;
/// Maximum entries in each list of a scenario.
pub const MAX_ENTRIES: usize = 100;
/// Maximum name length, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// The kind of problem with a value. The screen translates each kind as `cost.problem.<kind>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum ProblemKind {
    /// Empty where a value is required.
    Missing,
    /// Below zero.
    Negative,
    /// Zero or below where only a positive value makes sense.
    NotPositive,
    /// Not a number, or infinite.
    NotFinite,
    /// Above the largest accepted value, which `limit` gives.
    TooLarge,
    /// Above zero but below the smallest accepted value, which `limit` gives.
    TooSmall,
    /// A currency code the calculator has no presets for.
    UnknownCurrency,
    /// A scenario format version other than 1.
    UnsupportedVersion,
    /// A resale value above the purchase price.
    ResaleAbovePrice,
    /// More entries in a list than `limit`.
    TooMany,
}

/// One invalid value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// Path of the field in the scenario JSON, such as `hardware[1].lifeYears`.
    pub field: String,
    /// The value as given.
    pub value: String,
    pub kind: ProblemKind,
    /// The bound the value broke, such as `24` for hours at load; empty when there is none.
    pub limit: String,
    /// English sentence with the fix, for the CLI and the logs.
    pub message: String,
}

/// Returns every invalid value of `scenario`, in field order; empty when it is valid.
pub fn validate(scenario: &Scenario) -> Vec<Problem> {
    let mut check = Checker::default();

    if scenario.version != SCENARIO_VERSION {
        check.push(
            "version",
            scenario.version.to_string(),
            ProblemKind::UnsupportedVersion,
            SCENARIO_VERSION.to_string(),
            format!("this build reads version {SCENARIO_VERSION}; set \"version\": {SCENARIO_VERSION}"),
        );
    }
    check.name("name", &scenario.name);
    check.currency(&scenario.currency);

    check.list_length("hardware", scenario.hardware.len());
    for (index, item) in scenario.hardware.iter().enumerate() {
        let field = |name: &str| format!("hardware[{index}].{name}");
        check.name(&field("name"), &item.name);
        check.amount(&field("price"), item.price);
        check.life(&field("lifeYears"), item.life_years);
        check.amount(&field("resale"), item.resale);
        if item.resale.is_finite() && item.price.is_finite() && item.resale > item.price && item.price >= 0.0 {
            check.push(
                &field("resale"),
                number(item.resale),
                ProblemKind::ResaleAbovePrice,
                number(item.price),
                format!(
                    "the resale value {} is above the price {}; enter at most the price",
                    number(item.resale),
                    number(item.price)
                ),
            );
        }
    }

    check.list_length("devices", scenario.devices.len());
    for (index, device) in scenario.devices.iter().enumerate() {
        let field = |name: &str| format!("devices[{index}].{name}");
        check.name(&field("name"), &device.name);
        if device.quantity == 0 {
            check.push(
                &field("quantity"),
                "0".into(),
                ProblemKind::NotPositive,
                String::new(),
                "enter how many of these devices run, 1 or more".into(),
            );
        } else if device.quantity > MAX_QUANTITY {
            check.too_large(
                &field("quantity"),
                device.quantity.to_string(),
                MAX_QUANTITY.to_string(),
            );
        }
        check.bounded(&field("averageWatts"), device.average_watts, MAX_WATTS);
        check.bounded(&field("idleWatts"), device.idle_watts, MAX_WATTS);
        check.bounded(&field("loadWatts"), device.load_watts, MAX_WATTS);
        check.bounded(&field("hoursAtLoad"), device.hours_at_load, 24.0);
    }

    check.bounded("kwhPrice", scenario.kwh_price, MAX_AMOUNT);

    check.list_length("runningCosts", scenario.running_costs.len());
    for (index, cost) in scenario.running_costs.iter().enumerate() {
        check.name(&format!("runningCosts[{index}].name"), &cost.name);
        check.amount(&format!("runningCosts[{index}].amount"), cost.amount);
    }

    check.bounded(
        "upkeep.hoursPerMonth",
        scenario.upkeep.hours_per_month,
        MAX_HOURS_PER_MONTH,
    );
    check.amount("upkeep.hourValue", scenario.upkeep.hour_value);

    check.list_length("subscriptions", scenario.subscriptions.len());
    for (index, subscription) in scenario.subscriptions.iter().enumerate() {
        check.name(&format!("subscriptions[{index}].name"), &subscription.name);
        check.amount(&format!("subscriptions[{index}].amount"), subscription.amount);
    }

    if scenario.horizon_years == 0 {
        check.push(
            "horizonYears",
            "0".into(),
            ProblemKind::NotPositive,
            String::new(),
            format!("enter the years the chart spans, 1 to {MAX_HORIZON_YEARS}"),
        );
    } else if scenario.horizon_years > MAX_HORIZON_YEARS {
        check.too_large(
            "horizonYears",
            scenario.horizon_years.to_string(),
            MAX_HORIZON_YEARS.to_string(),
        );
    }

    check.problems
}

/// Formats a number as the problem's value: integers without decimals.
fn number(value: f64) -> String {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        value.to_string()
    }
}

#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn push(&mut self, field: &str, value: String, kind: ProblemKind, limit: String, fix: String) {
        let message = format!("{field} '{value}': {fix}");
        self.problems.push(Problem {
            field: field.to_string(),
            value,
            kind,
            limit,
            message,
        });
    }

    /// Accepts finite numbers from 0 to [`MAX_AMOUNT`].
    fn amount(&mut self, field: &str, value: f64) {
        self.bounded(field, value, MAX_AMOUNT);
    }

    /// Accepts finite numbers from 0 to `max`.
    fn bounded(&mut self, field: &str, value: f64, max: f64) {
        if !value.is_finite() {
            self.not_finite(field, value);
        } else if value < 0.0 {
            self.push(
                field,
                number(value),
                ProblemKind::Negative,
                String::new(),
                "it is below zero; enter 0 or more".into(),
            );
        } else if value > max {
            self.too_large(field, number(value), number(max));
        }
    }

    /// Accepts a hardware life from [`MIN_LIFE_YEARS`] to [`MAX_LIFE_YEARS`].
    fn life(&mut self, field: &str, value: f64) {
        const FIX: &str = "enter the years it is expected to last, such as 5";
        if !value.is_finite() {
            self.not_finite(field, value);
        } else if value <= 0.0 {
            self.push(
                field,
                number(value),
                ProblemKind::NotPositive,
                String::new(),
                format!("it must be above 0; {FIX}"),
            );
        } else if value < MIN_LIFE_YEARS {
            let limit = number(MIN_LIFE_YEARS);
            self.push(
                field,
                number(value),
                ProblemKind::TooSmall,
                limit.clone(),
                format!("it is below {limit}; {FIX}"),
            );
        } else if value > MAX_LIFE_YEARS {
            self.too_large(field, number(value), number(MAX_LIFE_YEARS));
        }
    }

    fn not_finite(&mut self, field: &str, value: f64) {
        self.push(
            field,
            value.to_string(),
            ProblemKind::NotFinite,
            String::new(),
            "it is not a number; enter a number such as 12.5".into(),
        );
    }

    fn too_large(&mut self, field: &str, value: String, limit: String) {
        let fix = format!("it is above the maximum; enter at most {limit}");
        self.push(field, value, ProblemKind::TooLarge, limit, fix);
    }

    fn name(&mut self, field: &str, name: &str) {
        let chars = name.chars().count();
        if chars > MAX_NAME_CHARS {
            let shown: String = name.chars().take(40).collect();
            self.push(
                field,
                format!("{shown}…"),
                ProblemKind::TooLarge,
                MAX_NAME_CHARS.to_string(),
                format!("the name has {chars} characters; shorten it to at most {MAX_NAME_CHARS}"),
            );
        }
    }

    fn currency(&mut self, code: &str) {
        let known = assets::currencies().map(|list| list.codes()).unwrap_or_default();
        if code.trim().is_empty() {
            self.push(
                "currency",
                String::new(),
                ProblemKind::Missing,
                known.join(", "),
                format!("the currency is missing; choose one of {}", known.join(", ")),
            );
        } else if !known.iter().any(|known| known == code) {
            self.push(
                "currency",
                code.to_string(),
                ProblemKind::UnknownCurrency,
                known.join(", "),
                format!("unknown currency; use one of {}", known.join(", ")),
            );
        }
    }

    fn list_length(&mut self, field: &str, length: usize) {
        if length > MAX_ENTRIES {
            self.push(
                field,
                format!("{length} entries"),
                ProblemKind::TooMany,
                MAX_ENTRIES.to_string(),
                format!("too many entries; keep at most {MAX_ENTRIES}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Device, HardwareItem, Period, PowerMode, Subscription};

    fn valid() -> Scenario {
        let mut scenario = Scenario::empty("USD");
        scenario.hardware.push(HardwareItem {
            name: "server".into(),
            price: 2500.0,
            life_years: 5.0,
            resale: 100.0,
        });
        scenario.devices.push(Device {
            name: "server".into(),
            quantity: 1,
            mode: PowerMode::Average,
            average_watts: 60.0,
            idle_watts: 0.0,
            load_watts: 0.0,
            hours_at_load: 0.0,
        });
        scenario.kwh_price = 0.15;
        scenario.subscriptions.push(Subscription {
            name: "photos".into(),
            amount: 9.99,
            period: Period::Month,
            catalog_id: None,
        });
        scenario
    }

    fn kinds(problems: &[Problem]) -> Vec<(&str, ProblemKind)> {
        problems
            .iter()
            .map(|problem| (problem.field.as_str(), problem.kind))
            .collect()
    }

    #[test]
    fn valid_scenario_has_no_problems() {
        assert_eq!(validate(&valid()), Vec::new());
    }

    #[test]
    fn negative_price_names_field() {
        let mut scenario = valid();
        scenario.hardware[0].price = -10.0;
        scenario.hardware[0].resale = 0.0;
        let problems = validate(&scenario);
        assert_eq!(kinds(&problems), vec![("hardware[0].price", ProblemKind::Negative)]);
        assert_eq!(problems[0].value, "-10");
        assert!(
            problems[0].message.contains("enter 0 or more"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn zero_life_is_rejected() {
        let mut scenario = valid();
        scenario.hardware[0].life_years = 0.0;
        let problems = validate(&scenario);
        assert_eq!(
            kinds(&problems),
            vec![("hardware[0].lifeYears", ProblemKind::NotPositive)]
        );
        assert!(
            problems[0].message.contains("expected to last"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn hours_at_load_above_24_rejected() {
        let mut scenario = valid();
        scenario.devices[0].mode = PowerMode::Profile;
        scenario.devices[0].hours_at_load = 25.0;
        let problems = validate(&scenario);
        assert_eq!(
            kinds(&problems),
            vec![("devices[0].hoursAtLoad", ProblemKind::TooLarge)]
        );
        assert_eq!(problems[0].limit, "24");
    }

    #[test]
    fn missing_and_unknown_currency() {
        let mut scenario = valid();
        scenario.currency = String::new();
        let problems = validate(&scenario);
        assert_eq!(kinds(&problems), vec![("currency", ProblemKind::Missing)]);
        assert!(problems[0].message.contains("USD"), "{}", problems[0].message);

        scenario.currency = "XYZ".into();
        assert_eq!(
            kinds(&validate(&scenario)),
            vec![("currency", ProblemKind::UnknownCurrency)]
        );
    }

    #[test]
    fn every_problem_is_listed_at_once() {
        let mut scenario = valid();
        scenario.version = 2;
        scenario.hardware[0].resale = 3000.0;
        scenario.devices[0].quantity = 0;
        scenario.kwh_price = f64::NAN;
        scenario.upkeep.hours_per_month = 800.0;
        scenario.subscriptions[0].amount = -1.0;
        scenario.horizon_years = 0;
        assert_eq!(
            kinds(&validate(&scenario)),
            vec![
                ("version", ProblemKind::UnsupportedVersion),
                ("hardware[0].resale", ProblemKind::ResaleAbovePrice),
                ("devices[0].quantity", ProblemKind::NotPositive),
                ("kwhPrice", ProblemKind::NotFinite),
                ("upkeep.hoursPerMonth", ProblemKind::TooLarge),
                ("subscriptions[0].amount", ProblemKind::Negative),
                ("horizonYears", ProblemKind::NotPositive),
            ]
        );
    }

    #[test]
    fn too_many_entries_rejected() {
        let mut scenario = valid();
        let subscription = scenario.subscriptions[0].clone();
        scenario.subscriptions = vec![subscription; MAX_ENTRIES + 1];
        assert_eq!(
            kinds(&validate(&scenario)),
            vec![("subscriptions", ProblemKind::TooMany)]
        );
    }
}

//! The calculation: yearly running cost, saving, payback and net position.
//!
//! Money is followed as cash. All hardware is paid at month 0. An item is bought again each
//! time its life ends, and the old one is sold for its resale value then. At the end of a span
//! the hardware in use is not counted as sold. Running costs and subscriptions accrue evenly
//! month by month. The cumulative difference "subscriptions avoided minus self-hosting spent" is
//! linear between purchases, so the payback point is solved exactly rather than month by month.
//! A year has 365 days (8,760 hours) for electricity.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::validate::validate;

/// Hours in a year of 365 days.
pub const HOURS_PER_YEAR: f64 = 8_760.0;
/// How far ahead the payback is searched. A scenario that has not paid back after this many
/// years is reported as never paying back.
pub const SEARCH_YEARS: u32 = 50;
/// The years after which the net position is reported.
pub const NET_POSITION_YEARS: [u32; 3] = [1, 3, 5];

/// The reason a scenario never pays back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum NeverReason {
    /// Running costs are as high as the subscriptions or higher, so nothing is saved.
    NoSaving,
    /// Each year saves money, but the hardware has to be bought again before the saving
    /// covers it.
    HardwareWearsOut,
    /// Each year saves money, but too little to pay back within [`SEARCH_YEARS`] years.
    TooSlow,
}

/// The net position after a number of years.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NetPosition {
    pub years: u32,
    /// Subscriptions avoided minus everything self-hosting cost until then; negative while
    /// self-hosting is behind.
    pub amount: f64,
}

/// Results with or without the value of the owner's time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub includes_time: bool,
    /// Electricity, other running costs and, when included, time, for one month.
    pub running_per_month: f64,
    pub running_per_year: f64,
    /// Subscriptions avoided minus running costs, for one year; negative when running costs more.
    pub saving_per_year: f64,
    /// Years until the saving has covered the hardware, rounded to 2 decimals; `null` when it
    /// never pays back.
    pub payback_years: Option<f64>,
    /// The first whole month at whose end self-hosting has cost no more than the subscriptions
    /// would have, counting from 1; 0 when no hardware is bought. `null` when it never pays back.
    pub break_even_month: Option<u32>,
    /// Set exactly when `payback_years` is `null`.
    pub never_reason: Option<NeverReason>,
    /// After 1, 3 and 5 years.
    pub net_positions: Vec<NetPosition>,
}

/// The yearly figures a result is built from, rounded to cents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Breakdown {
    /// Everything bought at month 0.
    pub hardware_price: f64,
    /// Price minus resale, spread over each item's life.
    pub hardware_per_year: f64,
    /// All devices together, in watts.
    pub average_watts: f64,
    pub kwh_per_year: f64,
    pub electricity_per_year: f64,
    pub other_running_per_year: f64,
    /// Upkeep hours times the hour value.
    pub time_per_year: f64,
    pub subscriptions_per_year: f64,
}

/// Everything the calculator reports for a scenario except the sensitivity cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Calculation {
    pub breakdown: Breakdown,
    pub without_time: Outcome,
    pub with_time: Outcome,
}

/// A hardware purchase after month 0: the new item's price minus the old one's resale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Purchase {
    pub month: f64,
    pub amount: f64,
}

/// The cumulative difference between subscriptions and self-hosting over time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Timeline {
    /// Paid at month 0.
    pub upfront: f64,
    /// Later purchases, sorted by month, up to [`SEARCH_YEARS`].
    pub purchases: Vec<Purchase>,
    pub running_per_month: f64,
    pub subscriptions_per_month: f64,
}

impl Timeline {
    pub fn new(scenario: &Scenario, includes_time: bool) -> Self {
        let search_months = f64::from(SEARCH_YEARS) * 12.0;
        let mut purchases = Vec::new();
        for item in &scenario.hardware {
            let life_months = item.life_years * 12.0;
            let mut month = life_months;
            while month <= search_months {
                purchases.push(Purchase {
                    month,
                    amount: item.price - item.resale,
                });
                month += life_months;
            }
        }
        purchases.sort_by(|a, b| a.month.total_cmp(&b.month));
        Self {
            upfront: scenario.hardware.iter().map(|item| item.price).sum(),
            purchases,
            running_per_month: running_per_year(scenario, includes_time) / 12.0,
            subscriptions_per_month: subscriptions_per_year(scenario) / 12.0,
        }
    }

    /// Returns what self-hosting has cost after `month` months. A purchase at exactly `month`
    /// is not yet counted: the old item served until then.
    pub fn self_hosting_cost(&self, month: f64) -> f64 {
        let purchased: f64 = self
            .purchases
            .iter()
            .take_while(|purchase| purchase.month < month)
            .map(|purchase| purchase.amount)
            .sum();
        self.upfront + purchased + self.running_per_month * month
    }

    /// Returns what the subscriptions would have cost after `month` months.
    pub fn subscriptions_cost(&self, month: f64) -> f64 {
        self.subscriptions_per_month * month
    }

    /// Returns the month at which the subscriptions avoided first cover self-hosting, or why
    /// they never do.
    pub fn payback_month(&self) -> Result<f64, NeverReason> {
        let saving = self.subscriptions_per_month - self.running_per_month;
        if saving <= 0.0 {
            return Err(NeverReason::NoSaving);
        }
        let search_months = f64::from(SEARCH_YEARS) * 12.0;
        // Between purchases the difference grows by `saving` a month from minus everything
        // bought so far, so it reaches zero at `bought / saving`.
        let mut bought = self.upfront;
        let mut segment_start = 0.0;
        let mut purchases = self.purchases.iter().peekable();
        loop {
            let next_purchase = purchases.peek().map(|purchase| purchase.month);
            let crossing = (bought / saving).max(segment_start);
            // Reaching zero at the very moment of a purchase does not count, because the
            // purchase puts self-hosting behind again at once.
            let reached = match next_purchase {
                Some(month) => crossing < month,
                None => crossing <= search_months,
            };
            if reached {
                return Ok(crossing);
            }
            let Some(purchase) = purchases.next() else {
                break;
            };
            bought += purchase.amount;
            segment_start = purchase.month;
        }
        let first_life = self.purchases.first().map_or(f64::INFINITY, |purchase| purchase.month);
        if self.upfront / saving > first_life {
            Err(NeverReason::HardwareWearsOut)
        } else {
            Err(NeverReason::TooSlow)
        }
    }

    fn outcome(&self, includes_time: bool) -> Outcome {
        let payback = self.payback_month();
        let net_positions = NET_POSITION_YEARS
            .iter()
            .map(|&years| {
                let month = f64::from(years) * 12.0;
                NetPosition {
                    years,
                    amount: cents(self.subscriptions_cost(month) - self.self_hosting_cost(month)),
                }
            })
            .collect();
        let running_per_year = self.running_per_month * 12.0;
        Outcome {
            includes_time,
            running_per_month: cents(self.running_per_month),
            running_per_year: cents(running_per_year),
            saving_per_year: cents(self.subscriptions_per_month * 12.0 - running_per_year),
            payback_years: payback.ok().map(|month| round_to(month / 12.0, 2)),
            // A crossing a rounding error past a whole month still counts as that month.
            break_even_month: payback.ok().map(|month| (month - 1e-9).ceil().max(0.0) as u32),
            never_reason: payback.err(),
            net_positions,
        }
    }
}

/// Validates `scenario` and calculates it.
pub fn calculate(scenario: &Scenario) -> Result<Calculation> {
    let problems = validate(scenario);
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(calculate_valid(scenario))
}

/// Calculates a scenario that [`validate`] accepted.
pub(crate) fn calculate_valid(scenario: &Scenario) -> Calculation {
    Calculation {
        breakdown: breakdown(scenario),
        without_time: Timeline::new(scenario, false).outcome(false),
        with_time: Timeline::new(scenario, true).outcome(true),
    }
}

fn breakdown(scenario: &Scenario) -> Breakdown {
    let average_watts = average_watts(scenario);
    let kwh_per_year = average_watts * HOURS_PER_YEAR / 1000.0;
    Breakdown {
        hardware_price: cents(scenario.hardware.iter().map(|item| item.price).sum()),
        hardware_per_year: cents(
            scenario
                .hardware
                .iter()
                .map(|item| (item.price - item.resale) / item.life_years)
                .sum(),
        ),
        average_watts: round_to(average_watts, 2),
        kwh_per_year: round_to(kwh_per_year, 2),
        electricity_per_year: cents(kwh_per_year * scenario.kwh_price),
        other_running_per_year: cents(other_running_per_year(scenario)),
        time_per_year: cents(time_per_year(scenario)),
        subscriptions_per_year: cents(subscriptions_per_year(scenario)),
    }
}

fn average_watts(scenario: &Scenario) -> f64 {
    scenario
        .devices
        .iter()
        .map(|device| device.average_watts() * f64::from(device.quantity))
        .sum()
}

fn other_running_per_year(scenario: &Scenario) -> f64 {
    scenario
        .running_costs
        .iter()
        .map(|cost| cost.amount * cost.period.per_year())
        .sum()
}

fn time_per_year(scenario: &Scenario) -> f64 {
    scenario.upkeep.hours_per_month * scenario.upkeep.hour_value * 12.0
}

fn running_per_year(scenario: &Scenario, includes_time: bool) -> f64 {
    let electricity = average_watts(scenario) * HOURS_PER_YEAR / 1000.0 * scenario.kwh_price;
    let time = if includes_time { time_per_year(scenario) } else { 0.0 };
    electricity + other_running_per_year(scenario) + time
}

fn subscriptions_per_year(scenario: &Scenario) -> f64 {
    scenario
        .subscriptions
        .iter()
        .map(|subscription| subscription.amount * subscription.period.per_year())
        .sum()
}

/// Rounds money to cents.
pub(crate) fn cents(value: f64) -> f64 {
    round_to(value, 2)
}

pub(crate) fn round_to(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    let rounded = (value * scale).round() / scale;
    // Avoids printing -0 for a value that rounds to zero.
    if rounded == 0.0 {
        0.0
    } else {
        rounded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Device, HardwareItem, Period, PowerMode, RunningCost, Subscription, Upkeep};

    fn server(price: f64, life_years: f64, resale: f64) -> HardwareItem {
        HardwareItem {
            name: "server".into(),
            price,
            life_years,
            resale,
        }
    }

    fn device(watts: f64) -> Device {
        Device {
            name: "server".into(),
            quantity: 1,
            mode: PowerMode::Average,
            average_watts: watts,
            idle_watts: 0.0,
            load_watts: 0.0,
            hours_at_load: 0.0,
        }
    }

    fn yearly(name: &str, amount: f64) -> Subscription {
        Subscription {
            name: name.into(),
            amount,
            period: Period::Year,
            catalog_id: None,
        }
    }

    /// 2,500 USD of hardware, 60 W at 0.15 USD/kWh, 1,600 USD a year of subscriptions.
    fn worked_example() -> Scenario {
        let mut scenario = Scenario::empty("USD");
        scenario.hardware.push(server(2500.0, 5.0, 0.0));
        scenario.devices.push(device(60.0));
        scenario.kwh_price = 0.15;
        scenario.subscriptions.push(yearly("all", 1600.0));
        scenario
    }

    #[test]
    fn worked_example_pays_back_in_1_64_years() {
        let result = calculate(&worked_example()).unwrap();
        // 60 W × 8,760 h = 525.6 kWh; × 0.15 = 78.84 USD a year.
        assert_eq!(result.breakdown.kwh_per_year, 525.6);
        assert_eq!(result.breakdown.electricity_per_year, 78.84);
        assert_eq!(result.without_time.running_per_year, 78.84);
        assert_eq!(result.without_time.running_per_month, 6.57);
        assert_eq!(result.without_time.saving_per_year, 1521.16);
        // 2,500 / (1,600 − 78.84) = 1.6435 years = 19.72 months.
        assert_eq!(result.without_time.payback_years, Some(1.64));
        assert_eq!(result.without_time.break_even_month, Some(20));
        assert_eq!(result.without_time.never_reason, None);
        // Hardware over its life: 2,500 / 5 = 500 a year.
        assert_eq!(result.breakdown.hardware_per_year, 500.0);
    }

    #[test]
    fn worked_example_net_positions() {
        let result = calculate(&worked_example()).unwrap();
        let net: Vec<(u32, f64)> = result
            .without_time
            .net_positions
            .iter()
            .map(|position| (position.years, position.amount))
            .collect();
        // Year N: 1,521.16 × N − 2,500. The replacement at exactly year 5 is not yet bought.
        assert_eq!(net, vec![(1, -978.84), (3, 2063.48), (5, 5105.8)]);
    }

    #[test]
    fn time_value_delays_payback() {
        let mut scenario = worked_example();
        scenario.upkeep = Upkeep {
            hours_per_month: 4.0,
            hour_value: 20.0,
        };
        let result = calculate(&scenario).unwrap();
        assert_eq!(result.breakdown.time_per_year, 960.0);
        assert_eq!(result.without_time.payback_years, Some(1.64));
        // 2,500 / (1,600 − 78.84 − 960) = 4.4551 years = 53.46 months.
        assert_eq!(result.with_time.payback_years, Some(4.46));
        assert_eq!(result.with_time.break_even_month, Some(54));
        assert_eq!(result.with_time.running_per_year, 1038.84);
    }

    #[test]
    fn running_above_subscriptions_never_pays_back() {
        let mut scenario = worked_example();
        scenario.running_costs.push(RunningCost {
            name: "colocation".into(),
            amount: 150.0,
            period: Period::Month,
        });
        let result = calculate(&scenario).unwrap();
        assert_eq!(result.without_time.payback_years, None);
        assert_eq!(result.without_time.break_even_month, None);
        assert_eq!(result.without_time.never_reason, Some(NeverReason::NoSaving));
        assert!(result.without_time.saving_per_year < 0.0);
    }

    #[test]
    fn hardware_worn_out_before_payback() {
        let mut scenario = worked_example();
        // Pays back after 1.64 years only if the hardware lasts that long.
        scenario.hardware[0].life_years = 1.5;
        let result = calculate(&scenario).unwrap();
        assert_eq!(result.without_time.payback_years, None);
        assert_eq!(result.without_time.never_reason, Some(NeverReason::HardwareWearsOut));
    }

    #[test]
    fn payback_after_a_replacement() {
        // A 100 USD disk lasting one year and a 1,000 USD server lasting ten; 50 USD a month
        // saved. Without replacements the 1,100 USD would be covered after 22 months, but the
        // disk is bought again at month 12, which moves the crossing to 1,200 / 50 = 24 months,
        // the moment the disk is bought a third time. So it pays back at 1,300 / 50 = 26.
        let mut scenario = Scenario::empty("USD");
        scenario.hardware.push(server(1000.0, 10.0, 0.0));
        scenario.hardware.push(HardwareItem {
            name: "disk".into(),
            price: 100.0,
            life_years: 1.0,
            resale: 0.0,
        });
        scenario.subscriptions.push(yearly("all", 600.0));
        let result = calculate(&scenario).unwrap();
        assert_eq!(result.without_time.break_even_month, Some(26));
        assert_eq!(result.without_time.payback_years, Some(2.17));
    }

    #[test]
    fn resale_reduces_replacement_cost() {
        let mut scenario = worked_example();
        scenario.hardware[0] = server(2500.0, 2.0, 1000.0);
        let timeline = Timeline::new(&scenario, false);
        assert_eq!(
            timeline.purchases[0],
            Purchase {
                month: 24.0,
                amount: 1500.0
            }
        );
        assert_eq!(timeline.self_hosting_cost(24.0), 2500.0 + 6.57 * 24.0);
        assert_eq!(timeline.self_hosting_cost(24.5), 4000.0 + 6.57 * 24.5);
    }

    #[test]
    fn no_hardware_breaks_even_at_once() {
        let mut scenario = Scenario::empty("EUR");
        scenario.subscriptions.push(yearly("photos", 120.0));
        let result = calculate(&scenario).unwrap();
        assert_eq!(result.without_time.payback_years, Some(0.0));
        assert_eq!(result.without_time.break_even_month, Some(0));
    }

    #[test]
    fn quantity_and_profile_add_up() {
        let mut scenario = worked_example();
        scenario.devices = vec![Device {
            name: "pi".into(),
            quantity: 3,
            mode: PowerMode::Profile,
            average_watts: 0.0,
            idle_watts: 3.0,
            load_watts: 7.0,
            hours_at_load: 6.0,
        }];
        // (7 × 6 + 3 × 18) / 24 = 4 W each, 12 W in all: 105.12 kWh, 15.77 USD a year.
        let result = calculate(&scenario).unwrap();
        assert_eq!(result.breakdown.average_watts, 12.0);
        assert_eq!(result.breakdown.kwh_per_year, 105.12);
        assert_eq!(result.breakdown.electricity_per_year, 15.77);
    }

    #[test]
    fn invalid_scenario_is_rejected() {
        let mut scenario = worked_example();
        scenario.hardware[0].price = -1.0;
        match calculate(&scenario) {
            Err(Error::Invalid(problems)) => assert_eq!(problems[0].field, "hardware[0].price"),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }
}

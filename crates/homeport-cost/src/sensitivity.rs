//! What-if cases: the same scenario with one assumption changed, each calculated in full.

use serde::{Deserialize, Serialize};

use crate::calc::{calculate_valid, NeverReason, Outcome};
use crate::scenario::Scenario;

/// The assumption a case changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum SensitivityCase {
    /// The scenario as entered.
    Base,
    /// Electricity costs 50 % more.
    ElectricityPlus50,
    /// Every hardware item lasts a year less; items with a life of a year or less last half
    /// as long instead.
    LifeMinusOneYear,
    /// Electricity left out, as the usual rule of thumb does.
    WithoutElectricity,
}

impl SensitivityCase {
    /// Every case, in the order the table lists them.
    pub const ALL: [SensitivityCase; 4] = [
        SensitivityCase::Base,
        SensitivityCase::ElectricityPlus50,
        SensitivityCase::LifeMinusOneYear,
        SensitivityCase::WithoutElectricity,
    ];

    /// Returns `scenario` with this case's change.
    pub fn apply(self, scenario: &Scenario) -> Scenario {
        let mut changed = scenario.clone();
        match self {
            SensitivityCase::Base => {}
            SensitivityCase::ElectricityPlus50 => changed.kwh_price *= 1.5,
            SensitivityCase::LifeMinusOneYear => {
                for item in &mut changed.hardware {
                    item.life_years = if item.life_years > 1.0 {
                        item.life_years - 1.0
                    } else {
                        item.life_years / 2.0
                    };
                }
            }
            SensitivityCase::WithoutElectricity => changed.kwh_price = 0.0,
        }
        changed
    }
}

/// One row of the sensitivity table, with the value of time included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SensitivityRow {
    pub case: SensitivityCase,
    pub running_per_year: f64,
    pub payback_years: Option<f64>,
    pub break_even_month: Option<u32>,
    pub never_reason: Option<NeverReason>,
    /// The net position after 5 years.
    pub net_after_5_years: f64,
}

/// Calculates every case of a scenario that passed validation.
pub(crate) fn rows(scenario: &Scenario) -> Vec<SensitivityRow> {
    SensitivityCase::ALL
        .iter()
        .map(|&case| {
            // Halving a valid life can go below the validated minimum, which only adds
            // purchases to follow; every other change keeps the scenario valid.
            let outcome = calculate_valid(&case.apply(scenario)).with_time;
            row(case, &outcome)
        })
        .collect()
}

fn row(case: SensitivityCase, outcome: &Outcome) -> SensitivityRow {
    SensitivityRow {
        case,
        running_per_year: outcome.running_per_year,
        payback_years: outcome.payback_years,
        break_even_month: outcome.break_even_month,
        never_reason: outcome.never_reason,
        net_after_5_years: outcome
            .net_positions
            .iter()
            .find(|position| position.years == 5)
            .map_or(0.0, |position| position.amount),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::preset;

    fn case_row(rows: &[SensitivityRow], case: SensitivityCase) -> &SensitivityRow {
        rows.iter().find(|row| row.case == case).unwrap()
    }

    #[test]
    fn rule_of_thumb_cases() {
        let scenario = &preset("rule-of-thumb").unwrap().scenario;
        let rows = rows(scenario);
        assert_eq!(rows.len(), 4);

        let base = case_row(&rows, SensitivityCase::Base);
        assert_eq!(base.payback_years, Some(1.64));

        // 78.84 × 1.5 = 118.26 a year; 2,500 / (1,600 − 118.26) = 1.687 years.
        let dearer = case_row(&rows, SensitivityCase::ElectricityPlus50);
        assert_eq!(dearer.running_per_year, 118.26);
        assert_eq!(dearer.payback_years, Some(1.69));

        // 2,500 / 1,600 = 1.5625 years: the rule of thumb's own figure.
        let without = case_row(&rows, SensitivityCase::WithoutElectricity);
        assert_eq!(without.payback_years, Some(1.56));

        // Four years of life: the server is bought again at year 4, so after 5 years the net
        // position is 2,500 lower than the base case's 5,105.80.
        let shorter = case_row(&rows, SensitivityCase::LifeMinusOneYear);
        assert_eq!(shorter.payback_years, Some(1.64));
        assert_eq!(base.net_after_5_years, 5105.8);
        assert_eq!(shorter.net_after_5_years, 2605.8);
    }

    #[test]
    fn short_life_is_halved() {
        let mut scenario = preset("rule-of-thumb").unwrap().scenario.clone();
        scenario.hardware[0].life_years = 0.8;
        let changed = SensitivityCase::LifeMinusOneYear.apply(&scenario);
        assert_eq!(changed.hardware[0].life_years, 0.4);
    }
}

//! Homeport's cost and payback calculator for self-hosting.
//!
//! A [`Scenario`] lists the hardware, the devices' power draw, the electricity price, other
//! running costs, the owner's upkeep time and the subscriptions self-hosting replaces.
//! [`analyze`] validates it field by field and returns the yearly figures, the payback with and
//! without the value of time, the net position after 1, 3 and 5 years and the what-if cases.
//! [`chart`] draws cumulative costs with plotters, and [`report`] lays out a PNG or PDF report.
//!
//! ```text
//! json::parse_scenario(text) → analyze(&scenario) → chart::render_svg / report::render_pdf
//! ```
//!
//! PDF reports use svg2pdf: plotters draws the report as SVG, usvg parses it with the chart
//! font, and svg2pdf writes it with the text embedded as subset fonts. It runs offline, keeps
//! Chinese text selectable, and reuses the one layout that also gives the PNG, where printpdf
//! would need a second layout written against its own drawing API. There is no network or
//! Tauri code here; the API layer adds storage and the shells.

pub mod assets;
pub mod calc;
pub mod chart;
pub mod error;
pub mod json;
pub mod prefill;
pub mod report;
pub mod scenario;
pub mod sensitivity;
pub mod validate;

use serde::{Deserialize, Serialize};

pub use calc::{Breakdown, Calculation, NetPosition, NeverReason, Outcome};
pub use error::{Error, Result};
pub use scenario::{Device, HardwareItem, Period, PowerMode, RunningCost, Scenario, Subscription, Upkeep};
pub use sensitivity::{SensitivityCase, SensitivityRow};
pub use validate::{validate, Problem, ProblemKind};

/// Everything the calculator reports for one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Analysis {
    pub currency: String,
    pub horizon_years: u32,
    pub breakdown: Breakdown,
    pub without_time: Outcome,
    pub with_time: Outcome,
    pub sensitivity: Vec<SensitivityRow>,
}

/// Validates `scenario` and calculates it with every what-if case. Invalid values give
/// [`Error::Invalid`] with every problem.
pub fn analyze(scenario: &Scenario) -> Result<Analysis> {
    let calculation = calc::calculate(scenario)?;
    tracing::debug!(
        currency = %scenario.currency,
        hardware = scenario.hardware.len(),
        subscriptions = scenario.subscriptions.len(),
        payback_years = ?calculation.with_time.payback_years,
        "cost scenario calculated"
    );
    Ok(Analysis {
        currency: scenario.currency.clone(),
        horizon_years: scenario.horizon_years,
        breakdown: calculation.breakdown,
        without_time: calculation.without_time,
        with_time: calculation.with_time,
        sensitivity: sensitivity::rows(scenario),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_of_thumb_lands_in_its_range() {
        let scenario = &assets::preset("rule-of-thumb").unwrap().scenario;
        let analysis = analyze(scenario).unwrap();
        let without_power = analysis
            .sensitivity
            .iter()
            .find(|row| row.case == SensitivityCase::WithoutElectricity)
            .and_then(|row| row.payback_years)
            .unwrap();
        let with_power = analysis.with_time.payback_years.unwrap();
        assert!((1.5..=2.5).contains(&without_power), "without power: {without_power}");
        assert!((1.5..=2.5).contains(&with_power), "with power: {with_power}");
        assert!(with_power > without_power, "{with_power} <= {without_power}");
    }

    #[test]
    fn every_preset_analyzes() {
        for preset in assets::presets().unwrap() {
            let analysis = analyze(&preset.scenario).unwrap();
            assert_eq!(analysis.sensitivity.len(), SensitivityCase::ALL.len(), "{}", preset.id);
        }
    }

    #[test]
    fn used_server_pays_back_only_without_time() {
        let analysis = analyze(&assets::preset("used-server").unwrap().scenario).unwrap();
        assert!(analysis.without_time.payback_years.is_some());
        assert_eq!(analysis.with_time.never_reason, Some(NeverReason::NoSaving));
    }
}

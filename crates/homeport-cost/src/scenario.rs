//! The scenario: everything the calculation takes, in the shape of the scenario JSON file.
//!
//! Every struct rejects unknown fields, so a misspelt key in a hand-written file is an error
//! with its line and column instead of a value silently left at its default. Money is in the
//! scenario's one currency; the calculation converts nothing.

use serde::{Deserialize, Serialize};

/// The scenario format version this build reads and writes.
pub const SCENARIO_VERSION: u32 = 1;

/// The years the chart spans when a scenario gives none.
pub const DEFAULT_HORIZON_YEARS: u32 = 5;

/// A self-hosting setup and the subscriptions it replaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    /// Format version, 1.
    pub version: u32,
    #[serde(default)]
    pub name: String,
    /// ISO 4217 code of every amount in the scenario, such as `USD` or `CNY`.
    pub currency: String,
    #[serde(default)]
    pub hardware: Vec<HardwareItem>,
    #[serde(default)]
    pub devices: Vec<Device>,
    /// Price of one kilowatt-hour of electricity.
    #[serde(default)]
    pub kwh_price: f64,
    /// Costs of running besides electricity: a domain, offsite storage, spare disks.
    #[serde(default)]
    pub running_costs: Vec<RunningCost>,
    #[serde(default)]
    pub upkeep: Upkeep,
    /// The subscriptions that self-hosting replaces.
    #[serde(default)]
    pub subscriptions: Vec<Subscription>,
    /// Years the chart spans, 1 to 30.
    #[serde(default = "default_horizon")]
    pub horizon_years: u32,
}

fn default_horizon() -> u32 {
    DEFAULT_HORIZON_YEARS
}

/// A piece of hardware bought up front and bought again when it wears out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HardwareItem {
    #[serde(default)]
    pub name: String,
    pub price: f64,
    /// Expected years of service before it is replaced.
    pub life_years: f64,
    /// Sale price at the end of its life; 0 when it is thrown away.
    #[serde(default)]
    pub resale: f64,
}

/// The form a device's power draw is given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum PowerMode {
    /// A measured average, such as a smart plug's reading over a week.
    #[default]
    Average,
    /// Idle and load draw with the hours a day spent at load.
    Profile,
}

/// A device that draws power around the clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Device {
    #[serde(default)]
    pub name: String,
    /// How many identical devices run.
    #[serde(default = "one")]
    pub quantity: u32,
    #[serde(default)]
    pub mode: PowerMode,
    /// Watts on average; used in `average` mode.
    #[serde(default)]
    pub average_watts: f64,
    /// Watts when idle; used in `profile` mode.
    #[serde(default)]
    pub idle_watts: f64,
    /// Watts under load; used in `profile` mode.
    #[serde(default)]
    pub load_watts: f64,
    /// Hours a day at load, 0 to 24; used in `profile` mode.
    #[serde(default)]
    pub hours_at_load: f64,
}

fn one() -> u32 {
    1
}

/// How often an amount is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Period {
    #[default]
    Month,
    Year,
}

impl Period {
    /// Returns how many times a year the amount is paid.
    pub fn per_year(self) -> f64 {
        match self {
            Period::Month => 12.0,
            Period::Year => 1.0,
        }
    }
}

/// A running cost besides electricity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunningCost {
    #[serde(default)]
    pub name: String,
    pub amount: f64,
    #[serde(default)]
    pub period: Period,
}

/// The owner's time spent on upkeep.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Upkeep {
    /// Hours of upkeep a month: updates, backups, fixing what broke.
    #[serde(default)]
    pub hours_per_month: f64,
    /// Value of one hour of the owner's time; 0 leaves time out.
    #[serde(default)]
    pub hour_value: f64,
}

/// A subscription that self-hosting replaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Subscription {
    #[serde(default)]
    pub name: String,
    pub amount: f64,
    #[serde(default)]
    pub period: Period,
    /// The catalog entry it was picked from; `null` when typed in.
    #[serde(default)]
    pub catalog_id: Option<String>,
}

impl Device {
    /// Returns the average draw of one device in watts.
    pub fn average_watts(&self) -> f64 {
        match self.mode {
            PowerMode::Average => self.average_watts,
            PowerMode::Profile => {
                let hours_at_load = self.hours_at_load.clamp(0.0, 24.0);
                (self.load_watts * hours_at_load + self.idle_watts * (24.0 - hours_at_load)) / 24.0
            }
        }
    }
}

impl Scenario {
    /// Returns an empty scenario in `currency`, which the screen starts from.
    pub fn empty(currency: &str) -> Self {
        Self {
            version: SCENARIO_VERSION,
            name: String::new(),
            currency: currency.to_string(),
            hardware: Vec::new(),
            devices: Vec::new(),
            kwh_price: 0.0,
            running_costs: Vec::new(),
            upkeep: Upkeep::default(),
            subscriptions: Vec::new(),
            horizon_years: DEFAULT_HORIZON_YEARS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_averages_idle_and_load() {
        let device = Device {
            name: "nas".into(),
            quantity: 1,
            mode: PowerMode::Profile,
            average_watts: 999.0,
            idle_watts: 20.0,
            load_watts: 80.0,
            hours_at_load: 6.0,
        };
        // (80 × 6 + 20 × 18) / 24 = (480 + 360) / 24 = 35 W.
        assert_eq!(device.average_watts(), 35.0);
    }

    #[test]
    fn average_mode_ignores_profile_fields() {
        let device = Device {
            name: "pi".into(),
            quantity: 1,
            mode: PowerMode::Average,
            average_watts: 4.5,
            idle_watts: 100.0,
            load_watts: 200.0,
            hours_at_load: 12.0,
        };
        assert_eq!(device.average_watts(), 4.5);
    }
}

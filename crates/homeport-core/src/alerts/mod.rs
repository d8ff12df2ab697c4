//! Alerts from Homeport's own rules: the severities and their response targets, the flapping
//! guard that decides when a rule goes down or up, and the built-in rules over host states.
//!
//! An alert opens when its rule goes down and resolves when it comes back up. Repeats of the
//! same event while it is open only raise its count, so one outage is one alert.

mod guard;
mod host_rules;
mod model;

pub use guard::{FlapGuard, FlapPolicy, Transition};
pub use host_rules::{observe_fleet, HOST_UNREACHABLE, HOST_UNREACHABLE_POLICY};
pub use model::{Alert, AlertState, NewAlert, Severity, HOMEPORT_SOURCE};

//! Alerts from Homeport's own rules: the severities and their response targets, the flapping
//! guard that decides when a rule goes down or up, the built-in rules over host states, and the
//! rules engine over metric series with Prometheus's pending → firing → resolved semantics.
//!
//! An alert opens when its rule goes down and resolves when it comes back up. Repeats of the
//! same event while it is open only raise its count, so one outage is one alert.

pub mod alertmanager;
mod builtin;
pub mod engine;
mod guard;
mod host_rules;
mod model;
mod notice;
pub mod notify;
pub mod rule_file;
pub mod rules;
pub mod tls;

pub use builtin::builtin_rules;
pub use engine::{
    evaluate_host, evaluate_host_tracked, HostEvaluation, InstanceEvent, InstanceState, Phase, SeriesInput,
};
pub use guard::{FlapGuard, FlapPolicy, Transition};
pub use host_rules::{observe_fleet, HOST_UNREACHABLE, HOST_UNREACHABLE_POLICY};
pub use model::{Alert, AlertComment, AlertFilter, AlertState, NewAlert, Severity, HOMEPORT_SOURCE};
pub use notice::{AlertNotice, NoticeKind};
pub use rules::{Condition, FlapSpec, Operator, Reduce, Rule, RuleSource, Threshold};

//! Choosing an orchestrator for a homelab.
//!
//! [`rules`] loads the wizard's questions, platforms and decision rules from
//! `assets/orchestrators/rules.yaml`, and [`recommend`] applies them to a set of answers.
//! [`prefill`] guesses answers from the hosts and facts Homeport already stores.

pub mod choice;
pub mod prefill;
pub mod recommend;
pub mod rules;

pub use recommend::{recommend, Recommendation};
pub use rules::{Answers, Ops, Platform, Rules, Scale, Team, Workloads};

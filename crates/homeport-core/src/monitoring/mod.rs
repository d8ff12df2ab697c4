//! Monitoring: collecting and reading host and container metrics, and where each host's
//! metrics come from.

pub mod collect;
pub mod prometheus;
pub mod sources;

//! Alertmanager (API v2) in both directions: its active alerts join the inbox with source
//! `alertmanager` and Alertmanager's fingerprint, and Homeport lists, creates and expires its
//! silences. The server is reached directly or through a host's SSH connection, with the same
//! transport as the Prometheus source.
//!
//! Severity comes from the alert's `severity` label (see [`severity_from_label`]).

mod api;
pub mod source;
mod sync;

pub use api::{AlertmanagerAlert, AlertmanagerClient, Matcher, NewSilence, Silence};
pub use source::{AlertmanagerSource, ALERTMANAGER_SOURCE};
pub use sync::{severity_from_label, sync, SyncReport};

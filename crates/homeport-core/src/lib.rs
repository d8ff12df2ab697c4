//! Homeport's domain logic, shared by the desktop app and the CLI through `homeport-api`.
//!
//! - [`hosts::HostService`] adds, edits and removes hosts and hands out their Docker engines.
//! - [`ssh`] opens verified, authenticated SSH sessions; [`docker`] talks to engines.
//! - [`store::Store`] is the SQLite database; [`secrets::Keychain`] the OS keychain.
//! - [`error::Error`] is the one error type, with a stable [`error::ErrorCode`] for the UI.

pub mod alerts;
pub mod backup;
pub mod catalog;
pub mod config_transfer;
pub mod connections;
pub mod cost_scenarios;
pub mod docker;
pub mod error;
pub mod export;
pub mod facts;
pub mod fleet;
pub mod hosts;
pub mod import;
pub mod inventory;
pub mod monitoring;
pub mod orchestrators;
pub mod paths;
pub mod rollout;
pub mod secrets;
pub mod ssh;
pub mod stacks;
pub mod store;
pub mod template_sources;

pub use error::{Error, ErrorCode, Result};

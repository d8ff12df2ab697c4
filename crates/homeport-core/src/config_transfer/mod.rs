//! Export and import of Homeport's configuration as one JSON file without secrets.
//!
//! [`export`] reads the store. [`parse`] reads a file strictly: syntax, format, version and
//! every field. [`preview`] compares a parsed file with the store, and [`apply`] writes what is
//! new in one SQLite transaction. Items already present (same host name, address or id) are
//! kept as they are, so importing the same file twice changes nothing the second time.

mod apply;
mod export;
mod format;
mod parse;

pub use apply::{apply, preview, Action, AddedHost, ImportPlan, PlanItem, Section};
pub use export::export;
pub use format::*;
pub use parse::parse;

use serde::Serialize;

/// A secret the file leaves out, which the user enters again after an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretToEnter {
    /// `host`, `notifyChannel` or `backupPlan`.
    pub owner_kind: &'static str,
    /// The host or channel name, the plan name, or `plan / repository` for S3 keys.
    pub owner: String,
    /// `password` or `keyPassphrase` for hosts; the channel's secret field (`token`, `url`,
    /// `signingSecret`, `password`); `repositoryPassword` or `s3Keys` for backup plans.
    pub secret: String,
}

impl SecretToEnter {
    fn host(name: &str, secret: &str) -> Self {
        Self {
            owner_kind: "host",
            owner: name.to_string(),
            secret: secret.to_string(),
        }
    }

    fn backup_plan(owner: &str, secret: &str) -> Self {
        Self {
            owner_kind: "backupPlan",
            owner: owner.to_string(),
            secret: secret.to_string(),
        }
    }

    /// Lists the secrets of a backup plan definition: the repository password, and both S3 keys
    /// of each `s3:` repository, with the repository named after the plan.
    fn of_backup_plan(name: &str, definition: &serde_json::Value) -> Vec<Self> {
        let mut secrets = vec![Self::backup_plan(name, "repositoryPassword")];
        let repositories = definition.get("repositories").and_then(|value| value.as_array());
        for repository in repositories.into_iter().flatten() {
            let location = repository
                .get("location")
                .and_then(|value| value.as_str())
                .unwrap_or_default();
            let repository_name = repository
                .get("name")
                .and_then(|value| value.as_str())
                .unwrap_or_default();
            if location.starts_with("s3:") {
                secrets.push(Self::backup_plan(&format!("{name} / {repository_name}"), "s3Keys"));
            }
        }
        secrets
    }

    fn channel(name: &str, field: &str) -> Self {
        Self {
            owner_kind: "notifyChannel",
            owner: name.to_string(),
            secret: field.to_string(),
        }
    }
}

#[cfg(test)]
mod tests;

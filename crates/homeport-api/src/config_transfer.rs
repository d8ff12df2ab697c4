//! Export and import of the configuration file (hosts, rules, channels, sources, scenarios),
//! with the secrets left out listed for re-entry. Core's `config_transfer` contains the format
//! and the transaction; this layer adds the files, the metric settings and the IPC views.

use std::path::Path;

use homeport_core::config_transfer::{self as transfer, Action, ConfigFile, ImportPlan, MetricSettingsEntry};
use homeport_core::Error;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::monitoring::MetricsSettingsView;
use crate::user_path::expand_home;
use crate::{enum_text, Api, ApiResult};

/// A secret the file does not contain, which the user enters again after an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SecretToEnterView {
    /// `host`, `notifyChannel` or `backupPlan`.
    pub owner_kind: String,
    /// The host or channel name, the plan name, or `plan / repository` for S3 keys.
    pub owner: String,
    /// `password` or `keyPassphrase` for hosts; `token`, `url`, `signingSecret` or `password`
    /// for channels; `repositoryPassword` or `s3Keys` for backup plans. The UI translates it as
    /// `configTransfer.secret.<secret>`.
    pub secret: String,
}

/// The result of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConfigExportView {
    /// The file written, with `~` expanded.
    pub path: String,
    pub hosts: u32,
    pub secrets_to_enter: Vec<SecretToEnterView>,
}

/// One item of an import file and what the import does with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConfigImportItemView {
    /// `host`, `trustedKey`, `templateSource`, `alertRule`, `notifyChannel`, `quietHours`,
    /// `tlsEndpoint`, `costScenario`, `metricSource`, `alertmanagerSource` or `backupPlan`.
    pub section: String,
    pub name: String,
    /// `add`, `update` or `skip` (already present here, kept unchanged).
    pub action: String,
}

/// The preview of an import, or the record of an import that ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConfigImportView {
    /// False for a preview: nothing was written.
    pub applied: bool,
    /// The format version of the file.
    pub version: u32,
    pub items: Vec<ConfigImportItemView>,
    pub secrets_to_enter: Vec<SecretToEnterView>,
}

impl Api {
    /// Writes the configuration to `path` and lists the secrets it leaves out.
    pub async fn config_export(&self, path: &str) -> ApiResult<ConfigExportView> {
        let (text, secrets) = self.config_export_text().await?;
        let target = expand_home(path);
        write_file(&target, &text)?;
        let hosts = serde_json::from_str::<ConfigFile>(&text)
            .map(|file| file.hosts.len())
            .unwrap_or(0);
        tracing::info!(path = %target.display(), hosts, "configuration file written");
        Ok(ConfigExportView {
            path: target.display().to_string(),
            hosts: hosts as u32,
            secrets_to_enter: secrets.into_iter().map(secret_view).collect(),
        })
    }

    /// Returns the configuration file's text (pretty JSON) and the secrets it leaves out.
    pub async fn config_export_text(&self) -> ApiResult<(String, Vec<transfer::SecretToEnter>)> {
        let (mut file, secrets) = transfer::export(self.host_service().store()).await?;
        let host_ids = self.host_service().list().await?;
        for host in &mut file.hosts {
            let Some(saved) = host_ids.iter().find(|saved| saved.name == host.name) else {
                continue;
            };
            // Metric settings live in the metrics store; a host that cannot be read there is
            // exported without them, so the importing side keeps its defaults.
            if let Ok(view) = self.metrics_settings(&saved.id).await {
                host.metrics = Some(MetricSettingsEntry {
                    interval_seconds: view.interval_seconds,
                    retention_days: view.retention_days,
                });
            }
        }
        let text = serde_json::to_string_pretty(&file).map_err(|err| Error::Internal(err.to_string()))?;
        Ok((text + "\n", secrets))
    }

    /// Reads the file at `path` and returns what an import would add and skip. Nothing is
    /// written.
    pub async fn config_import_preview(&self, path: &str) -> ApiResult<ConfigImportView> {
        let file = read_config(path)?;
        let plan = transfer::preview(self.host_service().store(), &file).await?;
        Ok(import_view(false, &file, plan))
    }

    /// Imports the file at `path`: every new item in one transaction, so a rejected file
    /// changes nothing. Returns what was done and the secrets to enter again.
    pub async fn config_import_apply(&self, path: &str) -> ApiResult<ConfigImportView> {
        let file = read_config(path)?;
        let (plan, added) = transfer::apply(self.host_service().store(), &file).await?;
        // NOTE: metric settings are in the separate metrics database, so they are written after
        // the main transaction commits. Their ranges were checked by `parse`, so a failure
        // here means the metrics store itself failed; the hosts then keep the default settings.
        for host in added {
            let Some(metrics) = host.metrics else { continue };
            let view = MetricsSettingsView {
                interval_seconds: metrics.interval_seconds,
                retention_days: metrics.retention_days,
            };
            if let Err(err) = self.metrics_settings_set(&host.id, view).await {
                tracing::warn!(host_id = %host.id, error = %err.message, "imported metric settings not stored");
            }
        }
        Ok(import_view(true, &file, plan))
    }
}

fn read_config(path: &str) -> ApiResult<ConfigFile> {
    let source = expand_home(path);
    let text = std::fs::read_to_string(&source).map_err(|err| {
        Error::invalid(
            "path",
            source.display().to_string(),
            format!("the file cannot be read ({err}); choose an exported Homeport configuration file"),
        )
    })?;
    Ok(transfer::parse(&text, &source.display().to_string())?)
}

/// Writes through a temporary file beside the target, so a failed write never leaves half a
/// file under the chosen name.
fn write_file(target: &Path, text: &str) -> ApiResult<()> {
    let failed = |err: std::io::Error| {
        Error::invalid(
            "path",
            target.display().to_string(),
            format!("the file cannot be written ({err}); choose a folder you can write to"),
        )
    };
    let name = target.file_name().ok_or_else(|| {
        Error::invalid(
            "path",
            target.display().to_string(),
            "the path names no file; add a file name such as homeport-config.json",
        )
    })?;
    let mut temporary = target.to_path_buf();
    temporary.set_file_name(format!(".{}.partial", name.to_string_lossy()));
    std::fs::write(&temporary, text).map_err(failed)?;
    std::fs::rename(&temporary, target).map_err(|err| {
        let _ = std::fs::remove_file(&temporary);
        failed(err)
    })?;
    Ok(())
}

fn import_view(applied: bool, file: &ConfigFile, plan: ImportPlan) -> ConfigImportView {
    ConfigImportView {
        applied,
        version: file.version as u32,
        items: plan
            .items
            .into_iter()
            .map(|item| ConfigImportItemView {
                section: enum_text(&item.section),
                name: item.name,
                action: enum_text(&item.action),
            })
            .collect(),
        secrets_to_enter: plan.secrets_to_enter.into_iter().map(secret_view).collect(),
    }
}

fn secret_view(secret: transfer::SecretToEnter) -> SecretToEnterView {
    SecretToEnterView {
        owner_kind: secret.owner_kind.to_string(),
        owner: secret.owner,
        secret: secret.secret,
    }
}

/// Counts the items of a plan by action, for the CLI's summary line.
pub fn count_actions(view: &ConfigImportView) -> (usize, usize, usize) {
    let count = |action: Action| {
        let text = enum_text(&action);
        view.items.iter().filter(|item| item.action == text).count()
    };
    (count(Action::Add), count(Action::Update), count(Action::Skip))
}

//! The configuration file: one JSON object with a format name and version, containing what a new
//! installation needs to take over this one's setup. It contains no secret: passwords, key
//! passphrases and channel tokens stay in the keychain and are listed for re-entry instead.
//!
//! Every struct rejects unknown fields, so a typo or a field from another version fails with
//! its line and column instead of being dropped without notice.

use serde::{Deserialize, Serialize};

/// The `format` value of every Homeport configuration file.
pub const FORMAT_NAME: &str = "homeport-config";

/// The newest format version this build writes and reads. Raise it when a field changes
/// meaning or a required field is added; older versions stay readable.
pub const FORMAT_VERSION: u64 = 1;

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigFile {
    pub format: String,
    pub version: u64,
    /// RFC 3339, for the reader's information only.
    pub exported_at: String,
    #[serde(default)]
    pub hosts: Vec<HostEntry>,
    #[serde(default)]
    pub trusted_keys: Vec<TrustedKeyEntry>,
    #[serde(default)]
    pub template_sources: Vec<TemplateSourceEntry>,
    #[serde(default)]
    pub alert_rules: Vec<AlertRuleEntry>,
    #[serde(default)]
    pub notify_channels: Vec<ChannelEntry>,
    /// The quiet hours as the notification settings store them, or none when never set.
    #[serde(default)]
    pub quiet_hours: Option<serde_json::Value>,
    #[serde(default)]
    pub tls_endpoints: Vec<TlsEndpointEntry>,
    #[serde(default)]
    pub cost_scenarios: Vec<CostScenarioEntry>,
    #[serde(default)]
    pub metric_sources: Vec<MetricSourceEntry>,
    #[serde(default)]
    pub alertmanager_sources: Vec<AlertmanagerSourceEntry>,
    #[serde(default)]
    pub backup_plans: Vec<BackupPlanEntry>,
}

/// A saved host. Hosts refer to each other (jump hosts) and other entries refer to hosts by
/// name, because ids differ between installations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostEntry {
    pub name: String,
    /// `ssh`, `socket` or `tcp`, as in the `hosts.kind` column.
    pub kind: String,
    pub address: String,
    pub port: u16,
    pub user: String,
    /// `key`, `agent`, `password` or `none`.
    pub auth: String,
    #[serde(default)]
    pub key_path: Option<String>,
    pub docker_socket: String,
    /// Whether the host had a password or key passphrase in the keychain. The secret itself is
    /// not exported, so the user enters it again after an import.
    #[serde(default)]
    pub needs_secret: bool,
    #[serde(default)]
    pub jump_host: Option<String>,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The origin of an imported host, such as `ssh_config:nas`.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub tls: bool,
    /// Paths of the TLS files on the exporting computer; the files are not copied.
    #[serde(default)]
    pub tls_ca: Option<String>,
    #[serde(default)]
    pub tls_cert: Option<String>,
    #[serde(default)]
    pub tls_key: Option<String>,
    /// The metrics interval and retention, when the exporter could read them.
    #[serde(default)]
    pub metrics: Option<MetricSettingsEntry>,
}

/// A host's metrics collection interval and retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricSettingsEntry {
    pub interval_seconds: u32,
    pub retention_days: u32,
}

/// A trusted SSH host key. Public keys are not secret, and taking them over spares the user
/// from confirming every fingerprint again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustedKeyEntry {
    pub address: String,
    pub port: u16,
    pub algorithm: String,
    pub fingerprint: String,
    pub public_key: String,
}

/// An imported template source with the templates read from it, so the import needs no
/// download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateSourceEntry {
    /// `portainer` or `casaos`.
    pub kind: String,
    pub location: String,
    /// `file` or `url`.
    pub location_kind: String,
    #[serde(default)]
    pub templates: Vec<ImportedTemplateEntry>,
}

/// One template of a source, as the source wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportedTemplateEntry {
    pub template_id: String,
    pub origin: String,
    pub raw: String,
}

/// An alert rule: its definition is the stored rule JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertRuleEntry {
    pub id: String,
    /// `builtin` or `prometheus-file`.
    pub source: String,
    pub position: i64,
    pub definition: serde_json::Value,
}

/// A notification channel without its secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChannelEntry {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    /// The settings that are not secret (server, topic, chat id, SMTP host), with `kind`.
    pub settings: serde_json::Value,
    /// Names of the secret fields that were set, such as `token`: they must be entered again.
    #[serde(default)]
    pub secrets_to_enter: Vec<String>,
}

/// A TLS endpoint whose certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsEndpointEntry {
    pub address: String,
    pub port: u16,
    #[serde(default)]
    pub server_name: String,
    /// The name of the host the endpoint belongs to.
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub trusted_ca_pem: Option<String>,
}

/// A saved cost scenario; `scenario` is its stored JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CostScenarioEntry {
    pub name: String,
    pub scenario: serde_json::Value,
}

/// A host's Prometheus source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricSourceEntry {
    pub host: String,
    /// `prometheus`.
    pub kind: String,
    pub url: String,
    pub through_ssh: bool,
    /// `user` or `template`.
    pub added_by: String,
}

/// A backup plan without its repository password and S3 keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackupPlanEntry {
    pub name: String,
    /// The name of the host the plan runs on, or `local` for this computer.
    pub host: String,
    /// The plan's stored definition (items, repositories, schedule, retention, drills), whose
    /// `host` is rewritten to the importing installation's host id.
    pub definition: serde_json::Value,
}

/// An Alertmanager whose alerts are synced into the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertmanagerSourceEntry {
    /// The host it belongs to, or none.
    #[serde(default)]
    pub host: Option<String>,
    pub url: String,
    pub through_ssh: bool,
}

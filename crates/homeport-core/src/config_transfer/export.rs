//! Reading the store into a [`ConfigFile`], with the list of secrets it leaves out.

use std::collections::HashMap;

use sqlx::Row;

use super::format::*;
use super::SecretToEnter;
use crate::error::{Error, Result};
use crate::store::{now_rfc3339, Store};

/// The `host_id` of backup plans that run on this computer.
pub(super) const LOCAL_HOST: &str = "local";

/// The `settings` key the notification settings keep quiet hours under.
const QUIET_HOURS_KEY: &str = "notify.quietHours";

/// Reads everything the file holds. Metric settings live in the metrics store, which core does
/// not open, so `HostEntry::metrics` is left empty for the caller to fill.
pub async fn export(store: &Store) -> Result<(ConfigFile, Vec<SecretToEnter>)> {
    let pool = store.pool();
    let mut secrets = Vec::new();

    let host_rows = sqlx::query(
        "SELECT id, name, kind, address, port, user, auth, key_path, docker_socket, has_secret, jump_host_id,
                group_name, tags, source, tls, tls_ca, tls_cert, tls_key
         FROM hosts ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    let host_names: HashMap<String, String> = host_rows
        .iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("name")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let name_of = |id: Option<String>| id.and_then(|id| host_names.get(&id).cloned());

    let mut hosts = Vec::new();
    for row in &host_rows {
        let name: String = row.try_get("name")?;
        let auth: String = row.try_get("auth")?;
        let has_secret: bool = row.try_get("has_secret")?;
        if has_secret {
            let secret = if auth == "password" {
                "password"
            } else {
                "keyPassphrase"
            };
            secrets.push(SecretToEnter::host(&name, secret));
        }
        let tags: String = row.try_get("tags")?;
        hosts.push(HostEntry {
            name,
            kind: row.try_get("kind")?,
            address: row.try_get("address")?,
            port: row.try_get::<i64, _>("port")? as u16,
            user: row.try_get("user")?,
            auth,
            key_path: row.try_get("key_path")?,
            docker_socket: row.try_get("docker_socket")?,
            needs_secret: has_secret,
            jump_host: name_of(row.try_get("jump_host_id")?),
            group: row.try_get("group_name")?,
            tags: serde_json::from_str(&tags).map_err(|err| stored("hosts.tags", err))?,
            source: row.try_get("source")?,
            tls: row.try_get("tls")?,
            tls_ca: row.try_get("tls_ca")?,
            tls_cert: row.try_get("tls_cert")?,
            tls_key: row.try_get("tls_key")?,
            metrics: None,
        });
    }

    let trusted_keys = sqlx::query(
        "SELECT address, port, algorithm, fingerprint, public_key FROM known_host_keys ORDER BY address, port",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(TrustedKeyEntry {
            address: row.try_get("address")?,
            port: row.try_get::<i64, _>("port")? as u16,
            algorithm: row.try_get("algorithm")?,
            fingerprint: row.try_get("fingerprint")?,
            public_key: row.try_get("public_key")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;

    let mut template_sources = Vec::new();
    for row in sqlx::query("SELECT id, kind, location, location_kind FROM template_sources ORDER BY id")
        .fetch_all(pool)
        .await?
    {
        let id: i64 = row.try_get("id")?;
        let templates = sqlx::query(
            "SELECT template_id, origin, raw FROM imported_templates WHERE source_id = ? ORDER BY position",
        )
        .bind(id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| {
            Ok(ImportedTemplateEntry {
                template_id: row.try_get("template_id")?,
                origin: row.try_get("origin")?,
                raw: row.try_get("raw")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        template_sources.push(TemplateSourceEntry {
            kind: row.try_get("kind")?,
            location: row.try_get("location")?,
            location_kind: row.try_get("location_kind")?,
            templates,
        });
    }

    let mut alert_rules = Vec::new();
    for row in sqlx::query("SELECT id, source, position, definition FROM alert_rules ORDER BY source, position, id")
        .fetch_all(pool)
        .await?
    {
        let definition: String = row.try_get("definition")?;
        alert_rules.push(AlertRuleEntry {
            id: row.try_get("id")?,
            source: row.try_get("source")?,
            position: row.try_get("position")?,
            definition: serde_json::from_str(&definition).map_err(|err| stored("alert_rules.definition", err))?,
        });
    }

    let mut notify_channels = Vec::new();
    for row in
        sqlx::query("SELECT id, name, enabled, settings, secrets_set FROM notify_channels ORDER BY created_at, id")
            .fetch_all(pool)
            .await?
    {
        let name: String = row.try_get("name")?;
        let settings: String = row.try_get("settings")?;
        let secrets_set: String = row.try_get("secrets_set")?;
        let secrets_to_enter: Vec<String> =
            serde_json::from_str(&secrets_set).map_err(|err| stored("notify_channels.secrets_set", err))?;
        for field in &secrets_to_enter {
            secrets.push(SecretToEnter::channel(&name, field));
        }
        notify_channels.push(ChannelEntry {
            id: row.try_get("id")?,
            name,
            enabled: row.try_get("enabled")?,
            settings: serde_json::from_str(&settings).map_err(|err| stored("notify_channels.settings", err))?,
            secrets_to_enter,
        });
    }

    let quiet_hours = match store.setting(QUIET_HOURS_KEY).await? {
        Some(text) => Some(serde_json::from_str(&text).map_err(|err| stored("settings.notify.quietHours", err))?),
        None => None,
    };

    let mut tls_endpoints = Vec::new();
    for row in sqlx::query(
        "SELECT address, port, server_name, host_id, trusted_ca_pem FROM tls_endpoints ORDER BY address, port, server_name",
    )
    .fetch_all(pool)
    .await?
    {
        tls_endpoints.push(TlsEndpointEntry {
            address: row.try_get("address")?,
            port: row.try_get::<i64, _>("port")? as u16,
            server_name: row.try_get("server_name")?,
            host: name_of(row.try_get("host_id")?),
            trusted_ca_pem: row.try_get("trusted_ca_pem")?,
        });
    }

    let mut cost_scenarios = Vec::new();
    for row in sqlx::query("SELECT name, scenario FROM cost_scenarios ORDER BY name")
        .fetch_all(pool)
        .await?
    {
        let scenario: String = row.try_get("scenario")?;
        cost_scenarios.push(CostScenarioEntry {
            name: row.try_get("name")?,
            scenario: serde_json::from_str(&scenario).map_err(|err| stored("cost_scenarios.scenario", err))?,
        });
    }

    let mut metric_sources = Vec::new();
    for row in
        sqlx::query("SELECT host_id, kind, url, through_ssh, added_by FROM metric_sources ORDER BY host_id, kind")
            .fetch_all(pool)
            .await?
    {
        let Some(host) = name_of(row.try_get("host_id")?) else {
            continue;
        };
        metric_sources.push(MetricSourceEntry {
            host,
            kind: row.try_get("kind")?,
            url: row.try_get("url")?,
            through_ssh: row.try_get("through_ssh")?,
            added_by: row.try_get("added_by")?,
        });
    }

    let mut alertmanager_sources = Vec::new();
    for row in sqlx::query("SELECT host_id, url, through_ssh FROM alertmanager_sources ORDER BY created_at, id")
        .fetch_all(pool)
        .await?
    {
        alertmanager_sources.push(AlertmanagerSourceEntry {
            host: name_of(row.try_get("host_id")?),
            url: row.try_get("url")?,
            through_ssh: row.try_get("through_ssh")?,
        });
    }

    let mut backup_plans = Vec::new();
    for row in sqlx::query("SELECT name, host_id, definition FROM backup_plans ORDER BY name")
        .fetch_all(pool)
        .await?
    {
        let name: String = row.try_get("name")?;
        let host_id: String = row.try_get("host_id")?;
        // A plan whose host was removed cannot run anywhere, so it is left out.
        let Some(host) = (host_id == LOCAL_HOST)
            .then(|| LOCAL_HOST.to_string())
            .or_else(|| name_of(Some(host_id)))
        else {
            continue;
        };
        let definition: String = row.try_get("definition")?;
        let mut definition: serde_json::Value =
            serde_json::from_str(&definition).map_err(|err| stored("backup_plans.definition", err))?;
        definition["host"] = serde_json::Value::String(host.clone());
        secrets.extend(SecretToEnter::of_backup_plan(&name, &definition));
        backup_plans.push(BackupPlanEntry { name, host, definition });
    }

    let file = ConfigFile {
        format: FORMAT_NAME.to_string(),
        version: FORMAT_VERSION,
        exported_at: now_rfc3339(),
        hosts,
        trusted_keys,
        template_sources,
        alert_rules,
        notify_channels,
        quiet_hours,
        tls_endpoints,
        cost_scenarios,
        metric_sources,
        alertmanager_sources,
        backup_plans,
    };
    tracing::info!(
        hosts = file.hosts.len(),
        secrets = secrets.len(),
        "configuration exported"
    );
    Ok((file, secrets))
}

fn stored(column: &str, err: serde_json::Error) -> Error {
    Error::Storage(format!("the stored value of {column} is not valid JSON: {err}"))
}

//! Comparing a [`ConfigFile`] with the store, and writing what is new in one transaction.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sqlx::{Row, SqliteConnection};

use super::export::LOCAL_HOST;
use super::format::*;
use super::SecretToEnter;
use crate::error::{Error, Result};
use crate::store::{now_rfc3339, Store};

const QUIET_HOURS_KEY: &str = "notify.quietHours";

/// The part of the configuration an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Section {
    Host,
    TrustedKey,
    TemplateSource,
    AlertRule,
    NotifyChannel,
    QuietHours,
    TlsEndpoint,
    CostScenario,
    MetricSource,
    AlertmanagerSource,
    BackupPlan,
}

/// The action an import takes on one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    /// Not present here: it is added.
    Add,
    /// A built-in alert rule whose thresholds differ: the file's values replace these.
    Update,
    /// Already present (same name, address or id): the one here is kept unchanged.
    Skip,
}

/// One item of the file and what the import does with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanItem {
    pub section: Section,
    /// The item as the user knows it: a host or channel name, an address, a rule id. Empty for
    /// the quiet hours, of which there is one.
    pub name: String,
    pub action: Action,
}

/// The preview of an import, or the record of an import that ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportPlan {
    pub items: Vec<PlanItem>,
    /// Secrets of the added hosts and channels, which the file does not contain.
    pub secrets_to_enter: Vec<SecretToEnter>,
}

/// A host the import added, with the metric settings the caller writes to the metrics store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedHost {
    pub id: String,
    pub name: String,
    pub metrics: Option<MetricSettingsEntry>,
}

/// Compares `config` with the store and returns what an import would do. Nothing is written.
pub async fn preview(store: &Store, config: &ConfigFile) -> Result<ImportPlan> {
    let mut connection = store.pool().acquire().await?;
    let state = Existing::read(&mut connection).await?;
    plan(config, &state)
}

/// Adds what the file has and the store lacks, in one transaction: on any error nothing is
/// written. Returns the plan that ran and the added hosts.
pub async fn apply(store: &Store, config: &ConfigFile) -> Result<(ImportPlan, Vec<AddedHost>)> {
    let mut tx = store.pool().begin().await?;
    // The plan is made again inside the transaction, so it matches what is written even when
    // another process changed the store after the preview.
    let state = Existing::read(&mut tx).await?;
    let plan = plan(config, &state)?;
    let added = write(&mut tx, config, &state).await?;
    tx.commit().await?;
    tracing::info!(
        added = plan.items.iter().filter(|item| item.action == Action::Add).count(),
        updated = plan.items.iter().filter(|item| item.action == Action::Update).count(),
        skipped = plan.items.iter().filter(|item| item.action == Action::Skip).count(),
        "configuration imported"
    );
    Ok((plan, added))
}

/// The items the store contains already, by the keys the import compares.
struct Existing {
    host_ids: HashMap<String, String>,
    host_sources: HashSet<String>,
    trusted_keys: HashSet<(String, u16)>,
    template_locations: HashSet<String>,
    /// Rule id to its stored definition.
    alert_rules: HashMap<String, serde_json::Value>,
    channel_ids: HashSet<String>,
    quiet_hours: bool,
    tls_endpoints: HashSet<(String, u16, String)>,
    cost_scenarios: HashSet<String>,
    metric_sources: HashSet<(String, String)>,
    /// Host ids with an Alertmanager source, with "" for the one without a host.
    alertmanager_hosts: HashSet<String>,
    backup_plans: HashSet<String>,
}

impl Existing {
    async fn read(connection: &mut SqliteConnection) -> Result<Self> {
        let mut host_ids = HashMap::new();
        let mut host_sources = HashSet::new();
        for row in sqlx::query("SELECT id, name, source FROM hosts")
            .fetch_all(&mut *connection)
            .await?
        {
            host_ids.insert(row.try_get("name")?, row.try_get("id")?);
            if let Some(source) = row.try_get::<Option<String>, _>("source")? {
                host_sources.insert(source);
            }
        }

        let trusted_keys = sqlx::query("SELECT address, port FROM known_host_keys")
            .fetch_all(&mut *connection)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("address")?, row.try_get::<i64, _>("port")? as u16)))
            .collect::<Result<_, sqlx::Error>>()?;
        let template_locations = sqlx::query_scalar("SELECT location FROM template_sources")
            .fetch_all(&mut *connection)
            .await?
            .into_iter()
            .collect();

        let mut alert_rules = HashMap::new();
        for row in sqlx::query("SELECT id, definition FROM alert_rules")
            .fetch_all(&mut *connection)
            .await?
        {
            let definition: String = row.try_get("definition")?;
            let value = serde_json::from_str(&definition)
                .map_err(|err| Error::Storage(format!("the stored alert rule is not valid JSON: {err}")))?;
            alert_rules.insert(row.try_get("id")?, value);
        }

        let channel_ids = sqlx::query_scalar("SELECT id FROM notify_channels")
            .fetch_all(&mut *connection)
            .await?
            .into_iter()
            .collect();
        let quiet_hours = sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = ?")
            .bind(QUIET_HOURS_KEY)
            .fetch_optional(&mut *connection)
            .await?
            .is_some();
        let tls_endpoints = sqlx::query("SELECT address, port, server_name FROM tls_endpoints")
            .fetch_all(&mut *connection)
            .await?
            .iter()
            .map(|row| {
                Ok((
                    row.try_get("address")?,
                    row.try_get::<i64, _>("port")? as u16,
                    row.try_get("server_name")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()?;
        let cost_scenarios = sqlx::query_scalar("SELECT name FROM cost_scenarios")
            .fetch_all(&mut *connection)
            .await?
            .into_iter()
            .collect();
        let metric_sources = sqlx::query("SELECT host_id, kind FROM metric_sources")
            .fetch_all(&mut *connection)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("host_id")?, row.try_get("kind")?)))
            .collect::<Result<_, sqlx::Error>>()?;
        let alertmanager_hosts = sqlx::query_scalar("SELECT COALESCE(host_id, '') FROM alertmanager_sources")
            .fetch_all(&mut *connection)
            .await?
            .into_iter()
            .collect();

        let backup_plans = sqlx::query_scalar("SELECT name FROM backup_plans")
            .fetch_all(&mut *connection)
            .await?
            .into_iter()
            .collect();

        Ok(Self {
            host_ids,
            host_sources,
            trusted_keys,
            template_locations,
            alert_rules,
            channel_ids,
            quiet_hours,
            tls_endpoints,
            cost_scenarios,
            metric_sources,
            alertmanager_hosts,
            backup_plans,
        })
    }

    /// Returns true when a host of that name is saved here, so the file's host is skipped.
    fn skips_host(&self, host: &HostEntry) -> bool {
        self.host_ids.contains_key(&host.name)
    }
}

fn plan(config: &ConfigFile, state: &Existing) -> Result<ImportPlan> {
    let mut items = Vec::new();
    let mut secrets_to_enter = Vec::new();

    let file_hosts: HashSet<&str> = config.hosts.iter().map(|host| host.name.as_str()).collect();
    let known_host = |name: &str| file_hosts.contains(name) || state.host_ids.contains_key(name);
    for (index, host) in config.hosts.iter().enumerate() {
        if let Some(jump) = &host.jump_host {
            if !known_host(jump) {
                return Err(reference("hosts", index, "jumpHost", jump));
            }
        }
        if push_item(&mut items, Section::Host, host.name.clone(), state.skips_host(host)) == Action::Add
            && host.needs_secret
        {
            let secret = if host.auth == "password" {
                "password"
            } else {
                "keyPassphrase"
            };
            secrets_to_enter.push(SecretToEnter::host(&host.name, secret));
        }
    }

    for key in &config.trusted_keys {
        let present = state.trusted_keys.contains(&(key.address.clone(), key.port));
        push_item(
            &mut items,
            Section::TrustedKey,
            format!("{}:{}", key.address, key.port),
            present,
        );
    }
    for source in &config.template_sources {
        push_item(
            &mut items,
            Section::TemplateSource,
            source.location.clone(),
            state.template_locations.contains(&source.location),
        );
    }
    for rule in &config.alert_rules {
        let action = match state.alert_rules.get(&rule.id) {
            None => Action::Add,
            Some(stored) if rule.source == "builtin" && *stored != rule.definition => Action::Update,
            Some(_) => Action::Skip,
        };
        items.push(PlanItem {
            section: Section::AlertRule,
            name: rule.id.clone(),
            action,
        });
    }
    for channel in &config.notify_channels {
        if push_item(
            &mut items,
            Section::NotifyChannel,
            channel.name.clone(),
            state.channel_ids.contains(&channel.id),
        ) == Action::Add
        {
            for field in &channel.secrets_to_enter {
                secrets_to_enter.push(SecretToEnter::channel(&channel.name, field));
            }
        }
    }
    if config.quiet_hours.is_some() {
        push_item(&mut items, Section::QuietHours, String::new(), state.quiet_hours);
    }
    for (index, endpoint) in config.tls_endpoints.iter().enumerate() {
        if let Some(host) = &endpoint.host {
            if !known_host(host) {
                return Err(reference("tlsEndpoints", index, "host", host));
            }
        }
        let key = (endpoint.address.clone(), endpoint.port, endpoint.server_name.clone());
        push_item(
            &mut items,
            Section::TlsEndpoint,
            format!("{}:{}", endpoint.address, endpoint.port),
            state.tls_endpoints.contains(&key),
        );
    }
    for scenario in &config.cost_scenarios {
        push_item(
            &mut items,
            Section::CostScenario,
            scenario.name.clone(),
            state.cost_scenarios.contains(&scenario.name),
        );
    }
    for (index, source) in config.metric_sources.iter().enumerate() {
        if !known_host(&source.host) {
            return Err(reference("metricSources", index, "host", &source.host));
        }
        let present = state
            .host_ids
            .get(&source.host)
            .is_some_and(|id| state.metric_sources.contains(&(id.clone(), source.kind.clone())));
        push_item(
            &mut items,
            Section::MetricSource,
            format!("{} ({})", source.host, source.kind),
            present,
        );
    }
    for (index, source) in config.alertmanager_sources.iter().enumerate() {
        let host_key = match &source.host {
            Some(host) if !known_host(host) => return Err(reference("alertmanagerSources", index, "host", host)),
            Some(host) => state.host_ids.get(host).cloned(),
            None => Some(String::new()),
        };
        let present = host_key.is_some_and(|key| state.alertmanager_hosts.contains(&key));
        push_item(&mut items, Section::AlertmanagerSource, source.url.clone(), present);
    }

    for (index, plan) in config.backup_plans.iter().enumerate() {
        if plan.host != LOCAL_HOST && !known_host(&plan.host) {
            return Err(reference("backupPlans", index, "host", &plan.host));
        }
        let present = state.backup_plans.contains(&plan.name);
        if push_item(&mut items, Section::BackupPlan, plan.name.clone(), present) == Action::Add {
            secrets_to_enter.extend(SecretToEnter::of_backup_plan(&plan.name, &plan.definition));
        }
    }

    Ok(ImportPlan {
        items,
        secrets_to_enter,
    })
}

/// Appends an item that is added, or skipped when `present`, and returns the action.
fn push_item(items: &mut Vec<PlanItem>, section: Section, name: String, present: bool) -> Action {
    let action = if present { Action::Skip } else { Action::Add };
    items.push(PlanItem { section, name, action });
    action
}

/// Writes the items the plan adds or updates. Hosts come first, so the other entries can refer
/// to their new ids.
async fn write(tx: &mut SqliteConnection, config: &ConfigFile, state: &Existing) -> Result<Vec<AddedHost>> {
    let now = now_rfc3339();
    let mut host_ids = state.host_ids.clone();
    let mut added = Vec::new();

    for host in config.hosts.iter().filter(|host| !state.skips_host(host)) {
        let id = uuid::Uuid::new_v4().to_string();
        let tags = serde_json::to_string(&host.tags).map_err(|err| Error::Internal(err.to_string()))?;
        // `source` is unique. When a host saved under another name came from the same ssh_config
        // alias, that host keeps the link and the added one counts as added by hand.
        let source = host
            .source
            .as_ref()
            .filter(|source| !state.host_sources.contains(*source));
        // The secret is not in the keychain here, so the host starts without one; connecting
        // reports it missing until the user enters it.
        sqlx::query(
            "INSERT INTO hosts (id, name, kind, address, port, user, auth, key_path, docker_socket, has_secret,
                                created_at, updated_at, group_name, tags, source, tls, tls_ca, tls_cert, tls_key)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&host.name)
        .bind(&host.kind)
        .bind(&host.address)
        .bind(i64::from(host.port))
        .bind(&host.user)
        .bind(&host.auth)
        .bind(&host.key_path)
        .bind(&host.docker_socket)
        .bind(&now)
        .bind(&now)
        .bind(&host.group)
        .bind(tags)
        .bind(source)
        .bind(host.tls)
        .bind(&host.tls_ca)
        .bind(&host.tls_cert)
        .bind(&host.tls_key)
        .execute(&mut *tx)
        .await
        .map_err(|err| rejected_row("host", &host.name, err))?;
        host_ids.insert(host.name.clone(), id.clone());
        added.push(AddedHost {
            id,
            name: host.name.clone(),
            metrics: host.metrics,
        });
    }
    // Jump hosts are linked after every host exists, because a host may be listed before the
    // host it jumps through.
    for host in config.hosts.iter().filter(|host| !state.skips_host(host)) {
        if let Some(jump) = &host.jump_host {
            sqlx::query("UPDATE hosts SET jump_host_id = ? WHERE id = ?")
                .bind(&host_ids[jump])
                .bind(&host_ids[&host.name])
                .execute(&mut *tx)
                .await?;
        }
    }

    for key in &config.trusted_keys {
        if state.trusted_keys.contains(&(key.address.clone(), key.port)) {
            continue;
        }
        sqlx::query(
            "INSERT INTO known_host_keys (address, port, algorithm, fingerprint, public_key, trusted_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&key.address)
        .bind(i64::from(key.port))
        .bind(&key.algorithm)
        .bind(&key.fingerprint)
        .bind(&key.public_key)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }

    for source in &config.template_sources {
        if state.template_locations.contains(&source.location) {
            continue;
        }
        let source_id: i64 = sqlx::query_scalar(
            "INSERT INTO template_sources (kind, location, location_kind, imported_at, refreshed_at)
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&source.kind)
        .bind(&source.location)
        .bind(&source.location_kind)
        .bind(&now)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        for (position, template) in source.templates.iter().enumerate() {
            sqlx::query(
                "INSERT INTO imported_templates (source_id, template_id, position, origin, raw) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(source_id)
            .bind(&template.template_id)
            .bind(position as i64)
            .bind(&template.origin)
            .bind(&template.raw)
            .execute(&mut *tx)
            .await
            .map_err(|err| rejected_row("template", &template.template_id, err))?;
        }
    }

    for rule in &config.alert_rules {
        let definition = rule.definition.to_string();
        match state.alert_rules.get(&rule.id) {
            None => {
                sqlx::query(
                    "INSERT INTO alert_rules (id, source, position, definition, updated_at) VALUES (?, ?, ?, ?, ?)",
                )
                .bind(&rule.id)
                .bind(&rule.source)
                .bind(rule.position)
                .bind(definition)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
            }
            Some(stored) if rule.source == "builtin" && *stored != rule.definition => {
                sqlx::query("UPDATE alert_rules SET definition = ?, updated_at = ? WHERE id = ?")
                    .bind(definition)
                    .bind(&now)
                    .bind(&rule.id)
                    .execute(&mut *tx)
                    .await?;
            }
            Some(_) => {}
        }
    }

    for channel in config
        .notify_channels
        .iter()
        .filter(|channel| !state.channel_ids.contains(&channel.id))
    {
        let kind = channel
            .settings
            .get("kind")
            .and_then(|kind| kind.as_str())
            .unwrap_or_default();
        // No secret is in the keychain yet, so none is marked as set.
        sqlx::query(
            "INSERT INTO notify_channels (id, name, kind, enabled, settings, secrets_set, created_at)
             VALUES (?, ?, ?, ?, ?, '[]', ?)",
        )
        .bind(&channel.id)
        .bind(&channel.name)
        .bind(kind)
        .bind(channel.enabled)
        .bind(channel.settings.to_string())
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(|err| rejected_row("notification channel", &channel.name, err))?;
    }

    if let (Some(hours), false) = (&config.quiet_hours, state.quiet_hours) {
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?)")
            .bind(QUIET_HOURS_KEY)
            .bind(hours.to_string())
            .execute(&mut *tx)
            .await?;
    }

    for endpoint in &config.tls_endpoints {
        let key = (endpoint.address.clone(), endpoint.port, endpoint.server_name.clone());
        if state.tls_endpoints.contains(&key) {
            continue;
        }
        sqlx::query(
            "INSERT INTO tls_endpoints (id, address, port, server_name, host_id, trusted_ca_pem, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&endpoint.address)
        .bind(i64::from(endpoint.port))
        .bind(&endpoint.server_name)
        .bind(endpoint.host.as_ref().map(|host| &host_ids[host]))
        .bind(&endpoint.trusted_ca_pem)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(|err| rejected_row("TLS endpoint", &endpoint.address, err))?;
    }

    for scenario in config
        .cost_scenarios
        .iter()
        .filter(|scenario| !state.cost_scenarios.contains(&scenario.name))
    {
        sqlx::query("INSERT INTO cost_scenarios (id, name, scenario, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(&scenario.name)
            .bind(scenario.scenario.to_string())
            .bind(&now)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
    }

    for source in &config.metric_sources {
        let host_id = &host_ids[&source.host];
        if state.metric_sources.contains(&(host_id.clone(), source.kind.clone())) {
            continue;
        }
        sqlx::query(
            "INSERT INTO metric_sources (host_id, kind, url, through_ssh, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(host_id)
        .bind(&source.kind)
        .bind(&source.url)
        .bind(source.through_ssh)
        .bind(&source.added_by)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }

    for source in &config.alertmanager_sources {
        let host_id = source.host.as_ref().map(|host| host_ids[host].clone());
        if state
            .alertmanager_hosts
            .contains(host_id.as_deref().unwrap_or_default())
        {
            continue;
        }
        sqlx::query(
            "INSERT INTO alertmanager_sources (id, host_id, url, through_ssh, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(host_id)
        .bind(&source.url)
        .bind(source.through_ssh)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }

    for plan in config
        .backup_plans
        .iter()
        .filter(|plan| !state.backup_plans.contains(&plan.name))
    {
        let host_id = if plan.host == LOCAL_HOST {
            LOCAL_HOST.to_string()
        } else {
            host_ids[&plan.host].clone()
        };
        let mut definition = plan.definition.clone();
        definition["host"] = serde_json::Value::String(host_id.clone());
        sqlx::query(
            "INSERT INTO backup_plans (id, name, host_id, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&plan.name)
        .bind(host_id)
        .bind(definition.to_string())
        .bind(&now)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }

    Ok(added)
}

fn reference(list: &str, index: usize, field: &str, host: &str) -> Error {
    Error::invalid(
        "configFile",
        format!("{list}[{index}].{field} = '{host}'"),
        "no host of that name is in the file or saved here; add the host to the file or remove the reference",
    )
}

/// Turns a rejected insert (a failed CHECK, a duplicate inside the file) into an error that
/// names the item. The transaction is dropped, so nothing is written.
fn rejected_row(what: &str, name: &str, err: sqlx::Error) -> Error {
    Error::invalid(
        "configFile",
        name.to_string(),
        format!("the {what} cannot be stored ({err}); correct its fields in the file"),
    )
}

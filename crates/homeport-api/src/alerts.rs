//! The alert inbox, the rules and their evaluation after each metrics collection, and
//! Prometheus rule files.
//!
//! [`Api::alerts_after_collection`] runs at the end of every collection of a host: a failed
//! collection opens (or counts into) one "collection failed" alert, and a stored one evaluates
//! the host's rules over its series. Every opened, reminded and resolved alert goes to
//! [`Api::alerts_notify`] unless the alert is silenced.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use homeport_core::alerts::{
    self, rule_file, Alert, AlertFilter, AlertNotice, AlertState, Condition, FlapSpec, InstanceEvent, InstanceState,
    NewAlert, NoticeKind, Operator, Reduce, Rule, RuleSource, SeriesInput, Severity, Threshold, Transition,
    HOMEPORT_SOURCE,
};
use homeport_core::inventory::Host;
use homeport_core::Error;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::monitoring::{metrics_error, CollectReportView};
use crate::{Api, ApiResult};

/// The rule of the alert a failing collection opens.
pub const COLLECTION_FAILED: &str = "collection_failed";

/// A series of a rule written here counts as gone when its newest sample is this old, the
/// same wait as the built-in rules'.
const CUSTOM_STALE_AFTER_SECS: u64 = 15 * 60;

/// The author of comments written in this app; Homeport has one user.
const COMMENT_AUTHOR: &str = "you";

/// An alert in the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AlertView {
    pub id: String,
    /// `homeport`, `prometheus-file`, or an outside source such as Alertmanager.
    pub source: String,
    /// The rule id, such as `filesystem_full`, which selects the translated title.
    pub rule: String,
    /// The rule's alert name, such as `FilesystemFull`, when the rule is known.
    pub rule_name: Option<String>,
    pub host_id: Option<String>,
    pub host_name: Option<String>,
    /// The container, mount, endpoint or plan the alert is about; empty for the host itself.
    pub service: String,
    /// `P0` to `P3`.
    pub severity: String,
    /// `firing`, `acknowledged` or `resolved`.
    pub state: String,
    pub params: BTreeMap<String, String>,
    /// How many times the event was seen while the alert was open.
    pub count: u32,
    /// RFC 3339 times.
    pub first_seen: String,
    pub last_seen: String,
    pub resolved_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub silenced_until: Option<String>,
    /// `rule` or `user`.
    pub resolved_by: Option<String>,
    /// When a response is due: first seen plus the severity's target (P0 at once, P1 1 h,
    /// P2 4 h, P3 24 h).
    pub due_at: Option<String>,
    /// Firing, not acknowledged, and past `dueAt`.
    pub overdue: bool,
    pub silenced: bool,
    pub comments: Vec<AlertCommentView>,
}

/// A comment on an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AlertCommentView {
    pub id: String,
    pub author: String,
    pub body: String,
    pub created_at: String,
}

/// The filter of an alert listing. Empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct AlertFilterInput {
    /// `true` for the open alerts, `false` for the history of resolved ones.
    pub open: Option<bool>,
    /// `firing`, `acknowledged`, `resolved`.
    pub states: Vec<String>,
    /// `P0` to `P3`.
    pub severities: Vec<String>,
    pub host_id: Option<String>,
    pub source: Option<String>,
    pub search: Option<String>,
    /// At most this many; default 500.
    pub limit: Option<u32>,
}

/// A rule as the rules list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AlertRuleView {
    pub id: String,
    pub name: String,
    /// `builtin` or `prometheus-file`.
    pub source: String,
    pub enabled: bool,
    /// `threshold`, `hostUnreachable` or `prometheusOnly`.
    pub kind: String,
    pub metric: Option<String>,
    /// `>`, `>=`, `<`, `<=`, `==` or `!=`.
    pub op: Option<String>,
    pub threshold: Option<f64>,
    /// The window of an increase over a counter, when the rule takes one.
    #[ts(type = "number | null")]
    pub increase_seconds: Option<u64>,
    #[ts(type = "number")]
    pub for_seconds: u64,
    pub severity: String,
    /// The rule in PromQL.
    pub expr: String,
    pub group: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// Whether Homeport evaluates the rule. An imported rule that is not `metric op number`
    /// runs only in Prometheus.
    pub evaluated_here: bool,
    /// The flapping guard, when the rule has one instead of a `for` duration.
    pub flap: Option<FlapSetting>,
    /// Prometheus's `keep_firing_for`, such as `5m`.
    pub keep_firing_for: Option<String>,
}

/// A rule's flapping guard: down after `down_after` failing evaluations in a row, up after
/// `up_after` passing ones, a reminder every `renotify_minutes` while down, at most
/// `max_renotify` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FlapSetting {
    pub down_after: u32,
    pub up_after: u32,
    pub renotify_minutes: u32,
    pub max_renotify: u32,
}

impl From<FlapSpec> for FlapSetting {
    fn from(spec: FlapSpec) -> Self {
        Self {
            down_after: spec.down_after,
            up_after: spec.up_after,
            renotify_minutes: u32::try_from(spec.renotify_every_secs / 60).unwrap_or(u32::MAX),
            max_renotify: spec.max_renotify,
        }
    }
}

impl From<FlapSetting> for FlapSpec {
    fn from(setting: FlapSetting) -> Self {
        Self {
            down_after: setting.down_after,
            up_after: setting.up_after,
            renotify_every_secs: u64::from(setting.renotify_minutes) * 60,
            max_renotify: setting.max_renotify,
        }
    }
}

/// A threshold rule written in the rules form or with `homeport rules add`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewRuleInput {
    /// The alert name, such as `HighLoad`; the rule's id is `custom:<name>`.
    pub name: String,
    pub metric: String,
    /// Labels a series must carry, such as `mount` = `/`.
    #[serde(default)]
    pub matchers: BTreeMap<String, String>,
    /// `>`, `>=`, `<`, `<=`, `==` or `!=`.
    pub op: String,
    pub threshold: f64,
    /// Compare the increase over this window instead of the newest value (counters).
    #[serde(default)]
    #[ts(type = "number | null")]
    pub increase_seconds: Option<u64>,
    #[ts(type = "number")]
    pub for_seconds: u64,
    /// `P0` to `P3`.
    pub severity: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub flap: Option<FlapSetting>,
}

/// Changes to a rule; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct AlertRuleUpdate {
    pub enabled: Option<bool>,
    pub threshold: Option<f64>,
    #[ts(type = "number | null")]
    pub for_seconds: Option<u64>,
    pub severity: Option<String>,
    /// Sets the flapping guard; `clear_flap` removes it.
    pub flap: Option<FlapSetting>,
    pub clear_flap: Option<bool>,
}

/// The result of importing a Prometheus rule file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RuleImportView {
    pub imported: Vec<AlertRuleView>,
    /// Earlier imported rules of the same groups that the import replaced.
    pub replaced: u32,
    /// Recording rules, which Homeport does not import.
    pub skipped_records: Vec<String>,
    /// Whether the file was a top-level list that was wrapped into one group.
    pub wrapped: bool,
}

/// The result of exporting the rules to a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RuleExportView {
    pub path: String,
    pub rules: u32,
}

impl From<&Rule> for AlertRuleView {
    fn from(rule: &Rule) -> Self {
        let (kind, threshold) = match &rule.condition {
            Condition::Threshold(threshold) => ("threshold", Some(threshold)),
            Condition::HostUnreachable => ("hostUnreachable", None),
            Condition::PrometheusOnly => ("prometheusOnly", None),
        };
        Self {
            id: rule.id.clone(),
            name: rule.name.clone(),
            source: rule.source.as_str().to_string(),
            enabled: rule.enabled,
            kind: kind.to_string(),
            metric: threshold.map(|threshold| threshold.metric.clone()),
            op: threshold.map(|threshold| threshold.op.as_str().to_string()),
            threshold: threshold.map(|threshold| threshold.value),
            increase_seconds: threshold.and_then(|threshold| match threshold.reduce {
                Reduce::Increase { window_secs } => Some(window_secs),
                Reduce::Latest => None,
            }),
            for_seconds: rule.for_secs,
            severity: rule.severity.as_str().to_string(),
            expr: rule.promql(),
            group: rule.group.clone(),
            labels: rule.labels.clone(),
            annotations: rule.annotations.clone(),
            evaluated_here: rule.evaluated_here() || kind == "hostUnreachable",
            flap: rule.flap.map(FlapSetting::from),
            keep_firing_for: rule.keep_firing_for.clone(),
        }
    }
}

/// The rules of each database by [`homeport_core::store::Store::alert_rules_version`], so an
/// evaluation after every collection does not parse every rule again. Keyed by the database
/// file because tests open several APIs in one process.
type RulesCache = Mutex<HashMap<PathBuf, ((i64, Option<String>), Arc<Vec<Rule>>)>>;

fn rules_cache() -> &'static RulesCache {
    static CACHE: OnceLock<RulesCache> = OnceLock::new();
    CACHE.get_or_init(RulesCache::default)
}

/// The alert instances of each (database, host) between evaluations, with the write counter
/// they match. Reading every pending and firing instance back from SQLite as JSON after each
/// collection cost more than the evaluation itself. The counter catches writes by another
/// process, and then the instances are read again.
type InstanceCache = Mutex<HashMap<(PathBuf, String), (i64, HashMap<String, InstanceState>)>>;

fn instance_cache() -> &'static InstanceCache {
    static CACHE: OnceLock<InstanceCache> = OnceLock::new();
    CACHE.get_or_init(InstanceCache::default)
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn parse_severity(text: &str) -> ApiResult<Severity> {
    Severity::parse(text).map_err(|_| Error::invalid("severity", text, "choose P0, P1, P2 or P3").into())
}

fn parse_state(text: &str) -> ApiResult<AlertState> {
    AlertState::parse(text).map_err(|_| Error::invalid("state", text, "choose firing, acknowledged or resolved").into())
}

/// Returns the label value that names what a series is about, for grouping the inbox by service.
fn service_of(labels: &BTreeMap<String, String>) -> String {
    ["container", "mount", "endpoint", "plan"]
        .iter()
        .find_map(|name| labels.get(*name).cloned())
        .unwrap_or_default()
}

impl Api {
    /// Lists alerts for the inbox, with their comments and response timers.
    pub async fn alerts_list(&self, filter: AlertFilterInput) -> ApiResult<Vec<AlertView>> {
        let core_filter = AlertFilter {
            open: filter.open,
            states: filter
                .states
                .iter()
                .map(|state| parse_state(state))
                .collect::<ApiResult<_>>()?,
            severities: filter
                .severities
                .iter()
                .map(|severity| parse_severity(severity))
                .collect::<ApiResult<_>>()?,
            host_id: filter.host_id.filter(|id| !id.is_empty()),
            source: filter.source.filter(|source| !source.is_empty()),
            search: filter.search,
            limit: filter.limit.unwrap_or(0),
        };
        let store = self.host_service().store();
        let alerts = store.list_alerts(&core_filter).await?;
        self.alert_views(alerts).await
    }

    /// Returns one alert.
    pub async fn alerts_get(&self, id: &str) -> ApiResult<AlertView> {
        let alert = self.host_service().store().alert(id).await?;
        Ok(self.alert_views(vec![alert]).await?.remove(0))
    }

    /// Acknowledges an alert, which stops its response timer.
    pub async fn alerts_ack(&self, id: &str) -> ApiResult<AlertView> {
        let alert = self.host_service().store().acknowledge_alert(id).await?;
        tracing::info!(alert_id = %alert.id, rule = %alert.rule, "alert acknowledged");
        Ok(self.alert_views(vec![alert]).await?.remove(0))
    }

    /// Silences an alert for `minutes` (1 minute to 30 days), or ends its silence with `None`.
    /// A silenced alert stays in the inbox but sends no notifications.
    pub async fn alerts_silence(&self, id: &str, minutes: Option<u32>) -> ApiResult<AlertView> {
        let until = match minutes {
            None => None,
            Some(minutes) if (1..=30 * 24 * 60).contains(&minutes) => Some(rfc3339(
                time::OffsetDateTime::now_utc() + time::Duration::minutes(i64::from(minutes)),
            )),
            Some(minutes) => {
                return Err(Error::invalid("minutes", minutes.to_string(), "silence for 1 minute to 30 days").into())
            }
        };
        let alert = self.host_service().store().silence_alert(id, until.as_deref()).await?;
        tracing::info!(alert_id = %alert.id, until = ?alert.silenced_until, "alert silence changed");
        Ok(self.alert_views(vec![alert]).await?.remove(0))
    }

    /// Resolves an alert by hand. A rule that still fires opens a new alert at its next
    /// transition.
    pub async fn alerts_resolve(&self, id: &str) -> ApiResult<AlertView> {
        let alert = self.host_service().store().resolve_alert_by_user(id).await?;
        tracing::info!(alert_id = %alert.id, rule = %alert.rule, "alert resolved by hand");
        Ok(self.alert_views(vec![alert]).await?.remove(0))
    }

    /// Adds a comment to an alert.
    pub async fn alerts_comment(&self, id: &str, text: &str) -> ApiResult<AlertView> {
        self.host_service()
            .store()
            .comment_alert(id, COMMENT_AUTHOR, text)
            .await?;
        self.alerts_get(id).await
    }

    /// Lists every rule: built-in ones, then imported ones.
    pub async fn alerts_rules(&self) -> ApiResult<Vec<AlertRuleView>> {
        let rules = self.host_service().store().alert_rules().await?;
        Ok(rules.iter().map(AlertRuleView::from).collect())
    }

    /// Changes a rule's switch, threshold, `for` duration or severity.
    pub async fn alerts_rule_update(&self, id: &str, update: AlertRuleUpdate) -> ApiResult<AlertRuleView> {
        let store = self.host_service().store();
        let mut rule = store.alert_rule(id).await?;
        if let Some(enabled) = update.enabled {
            rule.enabled = enabled;
        }
        if let Some(value) = update.threshold {
            match &mut rule.condition {
                Condition::Threshold(threshold) => {
                    threshold.value = value;
                    // The stored PromQL of an imported rule must match the new threshold.
                    if rule.expr.is_some() {
                        rule.expr = Some(alerts::rules::threshold_promql(threshold));
                    }
                }
                _ => {
                    return Err(Error::invalid("threshold", value.to_string(), "this rule has no threshold").into());
                }
            }
        }
        if let Some(for_seconds) = update.for_seconds {
            rule.for_secs = for_seconds;
        }
        if let Some(severity) = update.severity {
            rule.severity = parse_severity(&severity)?;
        }
        if let Some(flap) = update.flap {
            rule.flap = Some(flap.into());
        }
        if update.clear_flap == Some(true) {
            rule.flap = None;
        }
        store.save_alert_rule(&rule).await?;
        tracing::info!(rule_id = %rule.id, enabled = rule.enabled, "alert rule changed");
        Ok(AlertRuleView::from(&rule))
    }

    /// Adds a threshold rule over Homeport's metrics. It is checked whole before it is stored.
    pub async fn alerts_rule_create(&self, input: NewRuleInput) -> ApiResult<AlertRuleView> {
        let name = input.name.trim().to_string();
        let op = Operator::parse(input.op.trim())
            .ok_or_else(|| Error::invalid("op", input.op.clone(), "use one of > >= < <= == !="))?;
        let reduce = match input.increase_seconds {
            Some(window_secs) => Reduce::Increase { window_secs },
            None => Reduce::Latest,
        };
        let mut annotations = BTreeMap::new();
        if let Some(summary) = input
            .summary
            .map(|text| text.trim().to_string())
            .filter(|text| !text.is_empty())
        {
            annotations.insert("summary".to_string(), summary);
        }
        let rule = Rule {
            id: format!("custom:{name}"),
            name,
            source: RuleSource::Custom,
            enabled: true,
            condition: Condition::Threshold(Threshold {
                metric: input.metric.trim().to_string(),
                matchers: input.matchers,
                reduce,
                op,
                value: input.threshold,
            }),
            for_secs: input.for_seconds,
            severity: parse_severity(&input.severity)?,
            stale_after_secs: CUSTOM_STALE_AFTER_SECS,
            flap: input.flap.map(FlapSpec::from),
            labels: BTreeMap::new(),
            annotations,
            keep_firing_for: None,
            expr: None,
            group: None,
            group_interval: None,
        };
        self.host_service().store().insert_alert_rule(&rule).await?;
        tracing::info!(rule_id = %rule.id, "alert rule added");
        Ok(AlertRuleView::from(&rule))
    }

    /// Removes a rule that was added or imported; built-in rules can only be switched off.
    pub async fn alerts_rule_remove(&self, id: &str) -> ApiResult<()> {
        self.host_service().store().delete_alert_rule(id).await?;
        tracing::info!(rule_id = %id, "alert rule removed");
        Ok(())
    }

    /// Imports a Prometheus rule file. A file that is a top-level list of rules is rejected with
    /// the `topLevelList` kind, so the caller can offer to wrap it. With `wrap`, such a file is
    /// wrapped into one group named after the file and imported.
    pub async fn alerts_rules_import(&self, path: &str, wrap: bool) -> ApiResult<RuleImportView> {
        let text = tokio::fs::read_to_string(path)
            .await
            .map_err(|err| Error::invalid("path", path, format!("cannot read the file: {err}")))?;
        let (imported, wrapped) = match rule_file::import(path, &text) {
            Err(Error::RuleFileInvalid {
                kind: "topLevelList", ..
            }) if wrap => {
                let group = Path::new(path)
                    .file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "imported".to_string());
                (
                    rule_file::import(path, &rule_file::wrap_rule_list(&text, &group))?,
                    true,
                )
            }
            other => (other?, false),
        };
        let replaced = self
            .host_service()
            .store()
            .replace_imported_rules(&imported.groups, &imported.rules)
            .await?;
        tracing::info!(
            path,
            rules = imported.rules.len(),
            replaced,
            records = imported.skipped_records.len(),
            "rule file imported"
        );
        Ok(RuleImportView {
            imported: imported.rules.iter().map(AlertRuleView::from).collect(),
            replaced: u32::try_from(replaced).unwrap_or(u32::MAX),
            skipped_records: imported.skipped_records,
            wrapped,
        })
    }

    /// Writes every enabled rule with a PromQL form to `path` as a Prometheus rule file.
    pub async fn alerts_rules_export(&self, path: &str) -> ApiResult<RuleExportView> {
        let rules: Vec<Rule> = self
            .host_service()
            .store()
            .alert_rules()
            .await?
            .into_iter()
            .filter(|rule| rule.enabled && !matches!(rule.condition, Condition::HostUnreachable))
            .collect();
        let text = rule_file::export(&rules)?;
        tokio::fs::write(path, text)
            .await
            .map_err(|err| Error::invalid("path", path, format!("cannot write the file: {err}")))?;
        tracing::info!(path, rules = rules.len(), "rule file exported");
        Ok(RuleExportView {
            path: path.to_string(),
            rules: u32::try_from(rules.len()).unwrap_or(u32::MAX),
        })
    }

    /// Runs after every collection of `host`: a failure counts into the host's one "collection
    /// failed" alert, and a success resolves that alert and evaluates the host's rules.
    /// Errors are logged, never returned, so alerting never breaks collection.
    pub async fn alerts_after_collection(&self, host: &Host, report: &CollectReportView) {
        let result = match &report.error {
            Some(error) => self.collection_failed(host, &error.message).await,
            None => match self.collection_recovered(host).await {
                Ok(()) => self.alerts_evaluate(&host.id).await.map(|_| ()),
                Err(err) => Err(err),
            },
        };
        if let Err(err) = result {
            tracing::warn!(host_id = %host.id, error = %err, "alert evaluation failed");
        }
    }

    /// Evaluates every enabled rule over the host's stored series now, and returns how many
    /// notices that caused. Reads only the newest sample of each series, plus the window of
    /// the series that an increase rule watches.
    pub async fn alerts_evaluate(&self, host_id: &str) -> ApiResult<usize> {
        let store = self.host_service().store();
        // The engine skips rules it does not evaluate, so the cached list goes in as it is.
        let rules = self.cached_rules().await?;
        let rules = rules.as_slice();
        let cache_key = (self.paths().database_file(), host_id.to_string());
        let generation = store.alert_instances_generation(host_id).await?;
        let cached = instance_cache().lock().expect("instance cache lock").remove(&cache_key);
        let mut states = match cached {
            Some((cached_generation, states)) if cached_generation == generation => states,
            _ => store.alert_instances(host_id).await?,
        };
        if rules.iter().all(|rule| !rule.enabled || !rule.evaluated_here()) && states.is_empty() {
            return Ok(0);
        }

        let series = self.rule_inputs(host_id, rules).await?;
        let now = now_unix();
        let evaluation = alerts::evaluate_host_tracked(rules, host_id, &series, &mut states, now);

        let mut changes: Vec<(String, Option<InstanceState>)> = evaluation
            .changed
            .iter()
            .map(|fingerprint| (fingerprint.clone(), states.get(fingerprint).cloned()))
            .collect();
        changes.extend(evaluation.removed.iter().map(|fingerprint| (fingerprint.clone(), None)));
        // The cache is filled only after a successful write, so a failed one reads the store
        // again next time instead of trusting states the store never saw.
        let generation = store.save_alert_instances(host_id, &changes).await?;
        instance_cache()
            .lock()
            .expect("instance cache lock")
            .insert(cache_key, (generation, states));
        let events = evaluation.events;

        if !events.is_empty() {
            let host = self.host_service().get(host_id).await.ok();
            let by_id: HashMap<&str, &Rule> = rules.iter().map(|rule| (rule.id.as_str(), rule)).collect();
            for event in &events {
                self.apply_event(
                    host.as_ref(),
                    host_id,
                    by_id.get(event.rule_id.as_str()).copied(),
                    event,
                )
                .await?;
            }
        }
        Ok(events.len())
    }

    /// Sends the notices for host-unreachable transitions of one fleet refresh.
    pub async fn alerts_notify_host_transitions(&self, transitions: &[(String, Transition)]) -> ApiResult<()> {
        let store = self.host_service().store();
        for (host_id, transition) in transitions {
            let fingerprint = format!("{}:{host_id}", alerts::HOST_UNREACHABLE);
            let (kind, alert) = match transition {
                Transition::Down | Transition::Renotify => {
                    let open = store
                        .list_alerts(&AlertFilter {
                            open: Some(true),
                            host_id: Some(host_id.clone()),
                            ..AlertFilter::default()
                        })
                        .await?;
                    let kind = if *transition == Transition::Down {
                        NoticeKind::Opened
                    } else {
                        NoticeKind::Reminder
                    };
                    (kind, open.into_iter().find(|alert| alert.fingerprint == fingerprint))
                }
                Transition::Up => {
                    let resolved = store
                        .list_alerts(&AlertFilter {
                            open: Some(false),
                            host_id: Some(host_id.clone()),
                            limit: 20,
                            ..AlertFilter::default()
                        })
                        .await?;
                    (
                        NoticeKind::Resolved,
                        resolved.into_iter().find(|alert| alert.fingerprint == fingerprint),
                    )
                }
            };
            if let Some(alert) = alert {
                let host_name = self.host_service().get(host_id).await.ok().map(|host| host.name);
                self.notify_unless_silenced(alert, kind, host_name).await;
            }
        }
        Ok(())
    }

    /// Returns every rule, from the cache while no rule changed in the database.
    async fn cached_rules(&self) -> ApiResult<Arc<Vec<Rule>>> {
        let store = self.host_service().store();
        let key = self.paths().database_file();
        let mut version = store.alert_rules_version().await?;
        if let Some((cached, rules)) = rules_cache().lock().expect("rules cache lock").get(&key) {
            if *cached == version {
                return Ok(Arc::clone(rules));
            }
        }
        // Only a load with no change around it is cached. The first load may store built-in
        // rules that were missing, which changes the version, so a second load is allowed.
        let mut rules = Arc::new(store.alert_rules().await?);
        for _ in 0..2 {
            let after = store.alert_rules_version().await?;
            if after == version {
                rules_cache()
                    .lock()
                    .expect("rules cache lock")
                    .insert(key, (after, Arc::clone(&rules)));
                break;
            }
            version = after;
            rules = Arc::new(store.alert_rules().await?);
        }
        Ok(rules)
    }

    async fn rule_inputs(&self, host_id: &str, rules: &[Rule]) -> ApiResult<Vec<SeriesInput>> {
        // The maximum increase window each watched metric needs; 0 means the newest sample only.
        let mut windows: HashMap<&str, u64> = HashMap::new();
        for rule in rules.iter().filter(|rule| rule.enabled) {
            if let Condition::Threshold(threshold) = &rule.condition {
                let window = match threshold.reduce {
                    Reduce::Latest => 0,
                    Reduce::Increase { window_secs } => window_secs,
                };
                let entry = windows.entry(threshold.metric.as_str()).or_insert(0);
                *entry = (*entry).max(window);
            }
        }
        if windows.is_empty() {
            return Ok(Vec::new());
        }

        let metrics = self.metrics_store().await?;
        let now_ms = now_unix() * 1_000;
        let mut inputs = Vec::new();
        for (id, key) in metrics.host_series(host_id, None).await.map_err(metrics_error)? {
            let Some(window) = windows.get(key.metric.as_str()).copied() else {
                continue;
            };
            let samples = if window == 0 {
                metrics
                    .latest(id)
                    .await
                    .map_err(metrics_error)?
                    .map(|sample| vec![(sample.timestamp_ms, sample.value)])
                    .unwrap_or_default()
            } else {
                let from_ms = now_ms - (window as i64) * 1_000;
                metrics
                    .raw_range(id, from_ms, now_ms)
                    .await
                    .map_err(metrics_error)?
                    .into_iter()
                    .map(|sample| (sample.timestamp_ms, sample.value))
                    .collect()
            };
            inputs.push(SeriesInput {
                metric: key.metric,
                labels: key.labels,
                samples,
            });
        }
        Ok(inputs)
    }

    async fn apply_event(
        &self,
        host: Option<&Host>,
        host_id: &str,
        rule: Option<&Rule>,
        event: &InstanceEvent,
    ) -> ApiResult<()> {
        let store = self.host_service().store();
        let source = match rule.map(|rule| rule.source) {
            Some(RuleSource::PrometheusFile) => RuleSource::PrometheusFile.as_str(),
            _ => HOMEPORT_SOURCE,
        };
        let host_name = host.map(|host| host.name.clone());
        let alert = match event.kind {
            NoticeKind::Opened | NoticeKind::Reminder => {
                let Some(rule) = rule else {
                    return Ok(());
                };
                let mut params = event.labels.clone();
                if let Some(name) = &host_name {
                    params.insert("host".into(), name.clone());
                }
                params.insert("name".into(), rule.name.clone());
                if let Some(value) = event.value {
                    params.insert("value".into(), format!("{}", (value * 100.0).round() / 100.0));
                }
                if let Condition::Threshold(threshold) = &rule.condition {
                    params.insert("threshold".into(), format!("{}", threshold.value));
                    params.insert("op".into(), threshold.op.as_str().to_string());
                    params.insert("metric".into(), threshold.metric.clone());
                }
                if let Some(summary) = rule.annotations.get("summary") {
                    params.insert("summary".into(), expand_labels(summary, &event.labels));
                }
                let alert = store
                    .open_alert(&NewAlert {
                        source: source.to_string(),
                        fingerprint: event.fingerprint.clone(),
                        rule: rule.id.clone(),
                        host_id: host.map(|host| host.id.clone()),
                        service: service_of(&event.labels),
                        severity: rule.severity,
                        params,
                    })
                    .await?;
                tracing::warn!(host_id, rule_id = %rule.id, alert_id = %alert.id, value = ?event.value, kind = ?event.kind, "alert rule fired");
                Some(alert)
            }
            NoticeKind::Resolved => {
                let alert = store.resolve_alert(source, &event.fingerprint).await?;
                if let Some(alert) = &alert {
                    tracing::info!(host_id, rule_id = %event.rule_id, alert_id = %alert.id, "alert resolved");
                }
                alert
            }
        };
        if let Some(alert) = alert {
            self.notify_unless_silenced(alert, event.kind, host_name).await;
        }
        Ok(())
    }

    async fn notify_unless_silenced(&self, alert: Alert, kind: NoticeKind, host_name: Option<String>) {
        if alert.silenced(time::OffsetDateTime::now_utc()) {
            tracing::debug!(alert_id = %alert.id, kind = ?kind, "alert silenced, no notice sent");
            return;
        }
        self.alerts_notify(&AlertNotice { alert, kind, host_name }).await;
    }

    async fn collection_failed(&self, host: &Host, message: &str) -> ApiResult<()> {
        let params = BTreeMap::from([
            ("host".to_string(), host.name.clone()),
            ("detail".to_string(), message.to_string()),
        ]);
        let alert = self
            .host_service()
            .store()
            .open_alert(&NewAlert {
                source: HOMEPORT_SOURCE.to_string(),
                fingerprint: format!("{COLLECTION_FAILED}:{}", host.id),
                rule: COLLECTION_FAILED.to_string(),
                host_id: Some(host.id.clone()),
                service: String::new(),
                severity: Severity::P1,
                params,
            })
            .await?;
        tracing::warn!(host_id = %host.id, alert_id = %alert.id, count = alert.count, "metrics collection failed");
        // Only the first failure notifies; every retry that fails the same way only counts.
        if alert.count == 1 {
            self.notify_unless_silenced(alert, NoticeKind::Opened, Some(host.name.clone()))
                .await;
        }
        Ok(())
    }

    async fn collection_recovered(&self, host: &Host) -> ApiResult<()> {
        let fingerprint = format!("{COLLECTION_FAILED}:{}", host.id);
        if let Some(alert) = self
            .host_service()
            .store()
            .resolve_alert(HOMEPORT_SOURCE, &fingerprint)
            .await?
        {
            tracing::info!(host_id = %host.id, alert_id = %alert.id, "metrics collection works again");
            self.notify_unless_silenced(alert, NoticeKind::Resolved, Some(host.name.clone()))
                .await;
        }
        Ok(())
    }

    async fn alert_views(&self, alerts: Vec<Alert>) -> ApiResult<Vec<AlertView>> {
        let store = self.host_service().store();
        let ids: Vec<String> = alerts.iter().map(|alert| alert.id.clone()).collect();
        let mut comments: HashMap<String, Vec<AlertCommentView>> = HashMap::new();
        for comment in store.alert_comments(&ids).await? {
            comments
                .entry(comment.alert_id.clone())
                .or_default()
                .push(AlertCommentView {
                    id: comment.id,
                    author: comment.author,
                    body: comment.body,
                    created_at: comment.created_at,
                });
        }
        let hosts: HashMap<String, String> = self
            .host_service()
            .list()
            .await?
            .into_iter()
            .map(|host| (host.id, host.name))
            .collect();
        let rule_names: HashMap<String, String> = self
            .cached_rules()
            .await?
            .iter()
            .map(|rule| (rule.id.clone(), rule.name.clone()))
            .collect();
        let now = time::OffsetDateTime::now_utc();
        Ok(alerts
            .into_iter()
            .map(|alert| AlertView {
                due_at: alert.response_due().map(rfc3339),
                overdue: alert.overdue(now),
                silenced: alert.silenced(now),
                comments: comments.remove(&alert.id).unwrap_or_default(),
                host_name: alert.host_id.as_ref().and_then(|id| hosts.get(id).cloned()),
                rule_name: rule_names.get(&alert.rule).cloned(),
                id: alert.id,
                source: alert.source,
                rule: alert.rule,
                host_id: alert.host_id,
                service: alert.service,
                severity: alert.severity.as_str().to_string(),
                state: alert.state.as_str().to_string(),
                params: alert.params,
                count: alert.count,
                first_seen: alert.first_seen,
                last_seen: alert.last_seen,
                resolved_at: alert.resolved_at,
                acknowledged_at: alert.acknowledged_at,
                silenced_until: alert.silenced_until,
                resolved_by: alert.resolved_by,
            })
            .collect())
    }
}

/// Replaces `{{ $labels.NAME }}` in an annotation with the label's value, the one template
/// form Homeport fills in; other template text stays as written.
fn expand_labels(text: &str, labels: &BTreeMap<String, String>) -> String {
    let mut out = text.to_string();
    for (name, value) in labels {
        for pattern in [format!("{{{{ $labels.{name} }}}}"), format!("{{{{$labels.{name}}}}}")] {
            out = out.replace(&pattern, value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_expand_in_annotations() {
        let labels = BTreeMap::from([("mount".to_string(), "/data".to_string())]);
        assert_eq!(
            expand_labels("Filesystem {{ $labels.mount }} is full", &labels),
            "Filesystem /data is full"
        );
        assert_eq!(expand_labels("{{ $value }}", &labels), "{{ $value }}");
    }
}

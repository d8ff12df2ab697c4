//! The alert inbox's inputs from backups: the metric series the built-in "backup older than the
//! RPO" rule watches, and one alert per plan for failed runs and one for failed drills. A
//! repeated failure raises the open alert's count instead of opening another, and the next
//! success resolves it.

use std::collections::BTreeMap;

use homeport_core::alerts::{NewAlert, Severity, HOMEPORT_SOURCE};
use homeport_core::backup::store::{DrillRecord, RunRecord, RunStatus, StoredPlan};
use homeport_core::inventory::LOCAL_HOST_ID;
use homeport_core::Error;
use homeport_metrics::{Sample, SeriesKey};

use super::age_seconds;
use crate::monitoring::metrics_error;
use crate::{Api, ApiResult, IpcError};

/// Seconds since the plan's last successful backup (since the plan was made, before its first).
pub const BACKUP_LAST_SUCCESS_AGE: &str = "backup_last_success_age_seconds";
/// 1 when the plan's last backup run failed, 0 when it succeeded.
pub const BACKUP_RUN_FAILED: &str = "backup_run_failed";
/// The label that names the plan in both series.
pub const PLAN_LABEL: &str = "plan";

/// The rule name of the alert a failed backup run opens.
pub const BACKUP_FAILED_RULE: &str = "backup_failed";
/// The rule name of the alert a failed restore drill opens.
pub const BACKUP_DRILL_FAILED_RULE: &str = "backup_drill_failed";

impl Api {
    /// Writes the age series of every plan, so the RPO rule reads a growing age between runs.
    /// The desktop shell calls it every few minutes; returns how many plans were written.
    pub async fn backup_record_ages(&self) -> ApiResult<u32> {
        let plans = self.hosts.store().backup_plans().await?;
        for plan in &plans {
            self.backup_write_series(plan, None).await?;
        }
        Ok(plans.len() as u32)
    }

    /// Writes the series and opens or resolves the failure alert after a backup run.
    pub(super) async fn backup_after_run(&self, plan: &StoredPlan, record: &RunRecord, error: Option<&Error>) {
        let failed = match record.status {
            RunStatus::Succeeded => Some(false),
            RunStatus::Failed => Some(true),
            // A cancelled run tells nothing about the repository.
            _ => None,
        };
        if let Err(err) = self.backup_write_series(plan, failed).await {
            tracing::warn!(plan_id = %plan.id, error = %err.message, "cannot write the backup series");
        }
        let fingerprint = format!("{BACKUP_FAILED_RULE}:{}", plan.id);
        let outcome = match (failed, error) {
            (Some(true), Some(err)) => {
                self.backup_open_alert(plan, BACKUP_FAILED_RULE, &fingerprint, &IpcError::from_ref(err))
                    .await
            }
            (Some(false), _) => self.backup_resolve_alert(&fingerprint).await,
            _ => Ok(()),
        };
        if let Err(err) = outcome {
            tracing::warn!(plan_id = %plan.id, error = %err.message, "cannot update the backup alert");
        }
        self.backup_evaluate(plan).await;
    }

    /// Opens the failure alert for a run that could not start, when the plan exists.
    pub(super) async fn backup_note_start_failure(&self, plan: &str, err: &IpcError) {
        let Ok(plan) = self.hosts.store().backup_plan(plan).await else {
            return;
        };
        let fingerprint = format!("{BACKUP_FAILED_RULE}:{}", plan.id);
        if let Err(alert_err) = self
            .backup_open_alert(&plan, BACKUP_FAILED_RULE, &fingerprint, err)
            .await
        {
            tracing::warn!(plan_id = %plan.id, error = %alert_err.message, "cannot open the backup alert");
        }
        if let Err(series_err) = self.backup_write_series(&plan, Some(true)).await {
            tracing::warn!(plan_id = %plan.id, error = %series_err.message, "cannot write the backup series");
        }
        self.backup_evaluate(&plan).await;
    }

    /// Opens (P1) or resolves the drill alert after a drill.
    pub(super) async fn backup_after_drill(&self, plan: &StoredPlan, drill: &DrillRecord) {
        let fingerprint = format!("{BACKUP_DRILL_FAILED_RULE}:{}", plan.id);
        let outcome = if drill.passed {
            self.backup_resolve_alert(&fingerprint).await
        } else {
            let err = IpcError::from(Error::BackupFailed {
                plan: plan.definition.name.clone(),
                stage: "drill".into(),
                detail: drill.failure.clone(),
            });
            self.backup_open_alert(plan, BACKUP_DRILL_FAILED_RULE, &fingerprint, &err)
                .await
        };
        if let Err(err) = outcome {
            tracing::warn!(plan_id = %plan.id, error = %err.message, "cannot update the drill alert");
        }
    }

    async fn backup_open_alert(
        &self,
        plan: &StoredPlan,
        rule: &str,
        fingerprint: &str,
        err: &IpcError,
    ) -> ApiResult<()> {
        let mut params = BTreeMap::from([
            ("plan".to_string(), plan.definition.name.clone()),
            ("code".to_string(), crate::enum_text(&err.code)),
            ("detail".to_string(), err.message.clone()),
        ]);
        for (key, value) in &err.params {
            params.entry(format!("error.{key}")).or_insert_with(|| value.clone());
        }
        let alert = self
            .hosts
            .store()
            .open_alert(&NewAlert {
                source: HOMEPORT_SOURCE.to_string(),
                fingerprint: fingerprint.to_string(),
                rule: rule.to_string(),
                host_id: (plan.host_id != LOCAL_HOST_ID).then(|| plan.host_id.clone()),
                service: plan.definition.name.clone(),
                severity: Severity::P1,
                params,
            })
            .await?;
        tracing::warn!(plan_id = %plan.id, alert_id = %alert.id, count = alert.count, rule, "backup alert open");
        Ok(())
    }

    async fn backup_resolve_alert(&self, fingerprint: &str) -> ApiResult<()> {
        if let Some(alert) = self.hosts.store().resolve_alert(HOMEPORT_SOURCE, fingerprint).await? {
            tracing::info!(alert_id = %alert.id, fingerprint, "backup alert resolved");
        }
        Ok(())
    }

    /// Writes `backup_last_success_age_seconds{plan}` and, when `failed` is known,
    /// `backup_run_failed{plan}`, on the plan's host.
    async fn backup_write_series(&self, plan: &StoredPlan, failed: Option<bool>) -> ApiResult<()> {
        let store = self.hosts.store();
        let since = match store.backup_last_success(&plan.id).await? {
            Some(last) => last,
            None => plan.created_at.clone(),
        };
        let Some(age) = age_seconds(&since) else {
            return Ok(());
        };
        let metrics = self.metrics_store().await?;
        let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
        let mut values = vec![(BACKUP_LAST_SUCCESS_AGE, age)];
        if let Some(failed) = failed {
            values.push((BACKUP_RUN_FAILED, if failed { 1.0 } else { 0.0 }));
        }
        let mut samples = Vec::new();
        for (metric, value) in values {
            let key = SeriesKey::new(&plan.host_id, metric).label(PLAN_LABEL, plan.definition.name.clone());
            let id = metrics.series_id(&key).await.map_err(metrics_error)?;
            samples.push((id, Sample::new(now_ms, value)));
        }
        metrics.append(&samples).await.map_err(metrics_error)?;
        metrics.flush().await.map_err(metrics_error)?;
        Ok(())
    }

    /// Evaluates the host's rules at once, so the RPO rule reads the new value now. Plans on
    /// the local engine have series under its id too; their alerts belong to no saved host.
    async fn backup_evaluate(&self, plan: &StoredPlan) {
        if let Err(err) = self.alerts_evaluate(&plan.host_id).await {
            tracing::warn!(plan_id = %plan.id, host_id = %plan.host_id, error = %err.message, "alert evaluation after a backup failed");
        }
    }
}

impl IpcError {
    /// Builds the transport error of a core error without consuming it.
    fn from_ref(err: &Error) -> Self {
        Self {
            code: err.code(),
            message: err.to_string(),
            params: err
                .params()
                .into_iter()
                .map(|(key, value)| (key.to_string(), value))
                .collect(),
        }
    }
}

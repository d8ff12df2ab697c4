//! The scheduler's question: which backups and drills are due now.

use homeport_core::backup::due::due_items;
use homeport_core::backup::store::RunKind;

use super::{rfc3339, DueRun};
use crate::{Api, ApiResult};

impl Api {
    /// Returns the backups and drills due at `now`, skipping plans with a run in progress. A
    /// time that passed while Homeport was closed comes back once, as a `catchUp` run.
    pub async fn backup_due(&self, now: time::OffsetDateTime) -> ApiResult<Vec<DueRun>> {
        self.backup_abandon_stale_runs(now).await?;
        let store = self.hosts.store();
        let mut due = Vec::new();
        for plan in store.backup_plans().await? {
            if store.backup_run_active(&plan.id).await?.is_some() {
                continue;
            }
            let last_backup = store.backup_last_start(&plan.id, RunKind::Backup).await?;
            let last_drill = store.backup_last_start(&plan.id, RunKind::Drill).await?;
            let items = match due_items(&plan, last_backup.as_deref(), last_drill.as_deref(), now) {
                Ok(items) => items,
                Err(err) => {
                    tracing::warn!(plan_id = %plan.id, error = %err, "cannot tell whether the plan is due");
                    continue;
                }
            };
            for item in items {
                due.push(DueRun {
                    plan_id: plan.id.clone(),
                    plan_name: plan.definition.name.clone(),
                    kind: item.kind,
                    trigger: item.trigger,
                    due_at: rfc3339(item.due_at),
                });
            }
        }
        Ok(due)
    }

    /// Marks runs that are still `running` after [`ABANDON_AFTER`] as failed: the process
    /// that ran them (the app, or the CLI from cron) was killed. Returns how many were marked.
    pub async fn backup_abandon_stale_runs(&self, now: time::OffsetDateTime) -> ApiResult<u64> {
        let before = rfc3339(now - ABANDON_AFTER);
        let count = self.hosts.store().backup_runs_abandon(&before).await?;
        if count > 0 {
            tracing::warn!(
                count,
                "backup runs left running by a stopped process were marked failed"
            );
        }
        Ok(count)
    }
}

/// A run still marked running after this long was left by a process that stopped (the app,
/// or a cron job, was killed). Younger runs may belong to another live process, such as a
/// cron job, so they are left alone.
// NOTE: a run that really lasts longer than this is marked failed while it still works.
pub const ABANDON_AFTER: time::Duration = time::Duration::hours(24);

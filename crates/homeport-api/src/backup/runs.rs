//! Backup runs, restores, drills and unlocks, each recorded, with alerts and metric series
//! written after it.

use homeport_core::backup::databases::{discover, DiscoveredDatabase};
use homeport_core::backup::db_restore::{restore_database, DatabaseRestoreRequest};
use homeport_core::backup::drill::{render_report, run_drill, ReportFormat};
use homeport_core::backup::restic::{Node, Snapshot};
use homeport_core::backup::restore::{self, RestorePreview, RestoreRequest};
use homeport_core::backup::run::{init_repositories, run_backup, unlock, RunEvent};
use homeport_core::backup::stack_restore::{read_manifest, restore_stack, StackRestoreRequest};
use homeport_core::backup::stacks::StackManifest;
use homeport_core::backup::store::{DrillRecord, RunRecord, RunTrigger};
use tokio_util::sync::CancellationToken;

use super::DrillReportView;
use crate::{Api, ApiResult};

/// The maximum number of runs [`Api::backup_runs`] returns when the request gives no limit.
const DEFAULT_RUN_LIMIT: u32 = 50;

impl Api {
    /// Runs the plan's backup now: dump, backup, forget, check and copy, each recorded. A
    /// failed run is returned as a record with `status: failed` and its error code, after its
    /// alert was opened. `Err` means the run could not start: an unknown plan, an unreachable
    /// host, a locked keychain, or a run already in progress.
    pub async fn backup_run(
        &self,
        plan: &str,
        trigger: RunTrigger,
        mut on_event: impl FnMut(RunEvent) + Send,
        cancel: CancellationToken,
    ) -> ApiResult<RunRecord> {
        let context = match self.backup_context(plan, cancel).await {
            Ok(context) => context,
            Err(err) => {
                // A host that cannot be reached fails the backup as much as a failed stage.
                self.backup_note_start_failure(plan, &err).await;
                return Err(err);
            }
        };
        let result = run_backup(&context, trigger, &mut on_event).await?;
        self.backup_after_run(&context.plan, &result.record, result.error.as_ref())
            .await;
        Ok(result.record)
    }

    /// Lists a plan's runs, newest first, with their stages; `limit` 0 means 50.
    pub async fn backup_runs(&self, plan: &str, limit: u32) -> ApiResult<Vec<RunRecord>> {
        let store = self.hosts.store();
        let plan = store.backup_plan(plan).await?;
        let limit = if limit == 0 { DEFAULT_RUN_LIMIT } else { limit };
        Ok(store.backup_runs(&plan.id, limit).await?)
    }

    /// Removes stale locks from the plan's repositories (restic's own rule: this host's dead
    /// processes, or locks older than 30 minutes), or every lock when `remove_all` is set and
    /// `confirmed`.
    pub async fn backup_unlock(
        &self,
        plan: &str,
        remove_all: bool,
        confirmed: bool,
        mut on_event: impl FnMut(RunEvent) + Send,
    ) -> ApiResult<RunRecord> {
        let context = self.backup_context(plan, CancellationToken::new()).await?;
        let result = unlock(&context, remove_all, confirmed, &mut on_event).await?;
        match result.error {
            Some(err) => Err(err.into()),
            None => Ok(result.record),
        }
    }

    /// Initialises the plan's repositories that do not exist yet.
    pub async fn backup_plan_init(
        &self,
        plan: &str,
        mut on_event: impl FnMut(RunEvent) + Send,
    ) -> ApiResult<RunRecord> {
        let context = self.backup_context(plan, CancellationToken::new()).await?;
        let result = init_repositories(&context, &mut on_event).await?;
        match result.error {
            Some(err) => Err(err.into()),
            None => Ok(result.record),
        }
    }

    /// Lists the plan's snapshots in its first repository, oldest first.
    pub async fn backup_snapshots(&self, plan: &str) -> ApiResult<Vec<Snapshot>> {
        let context = self.backup_context(plan, CancellationToken::new()).await?;
        Ok(restore::snapshots(&context).await?)
    }

    /// Lists one folder of a snapshot: the entries directly inside `folder` (`/` for the top).
    pub async fn backup_files(&self, plan: &str, snapshot: &str, folder: &str) -> ApiResult<Vec<Node>> {
        let context = self.backup_context(plan, CancellationToken::new()).await?;
        let scope: Vec<String> = if folder == "/" || folder.is_empty() {
            Vec::new()
        } else {
            vec![folder.trim_end_matches('/').to_string()]
        };
        let nodes = restore::list_files(&context, snapshot, &scope).await?;
        Ok(restore::children_of(
            &nodes,
            if scope.is_empty() { "" } else { &scope[0] },
        ))
    }

    /// Shows what restoring `request` would create and overwrite, and what a symbolic link
    /// would put outside the target. Nothing is changed.
    pub async fn backup_restore_preview(&self, plan: &str, request: &RestoreRequest) -> ApiResult<RestorePreview> {
        let context = self.backup_context(plan, CancellationToken::new()).await?;
        Ok(restore::preview(&context, request).await?)
    }

    /// Restores files. Rejected before anything runs when a file would land outside the
    /// target, or would overwrite an existing file without `overwrite_confirmed`.
    pub async fn backup_restore(
        &self,
        plan: &str,
        request: &RestoreRequest,
        overwrite_confirmed: bool,
        mut on_event: impl FnMut(RunEvent) + Send,
        cancel: CancellationToken,
    ) -> ApiResult<RunRecord> {
        let context = self.backup_context(plan, cancel).await?;
        let result = restore::restore(&context, request, overwrite_confirmed, &mut on_event).await?;
        match result.error {
            Some(err) => Err(err.into()),
            None => Ok(result.record),
        }
    }

    /// Loads one of the plan's database dumps from a snapshot into a running container (which
    /// needs `confirmed`, because the dump replaces its databases) or a new container on the
    /// plan's host. A load after which the dump's databases are missing fails the run.
    pub async fn backup_restore_database(
        &self,
        plan: &str,
        request: &DatabaseRestoreRequest,
        confirmed: bool,
        mut on_event: impl FnMut(RunEvent) + Send,
        cancel: CancellationToken,
    ) -> ApiResult<RunRecord> {
        let context = self.backup_context(plan, cancel).await?;
        let result = restore_database(&context, request, confirmed, &mut on_event).await?;
        match result.error {
            Some(err) => Err(err.into()),
            None => Ok(result.record),
        }
    }

    /// Restores one of the plan's stacks from a snapshot to the plan's host or `request.host`,
    /// under its own or a new name and folder. Replacing a stack of that name on the target
    /// needs `confirmed`. restic runs on the target, which must reach the repository.
    pub async fn backup_restore_stack(
        &self,
        plan: &str,
        request: &StackRestoreRequest,
        confirmed: bool,
        mut on_event: impl FnMut(RunEvent) + Send,
        cancel: CancellationToken,
    ) -> ApiResult<RunRecord> {
        let host = request.host.as_deref().filter(|host| !host.is_empty());
        let context = self.backup_context_on(plan, host, cancel).await?;
        let result = restore_stack(&context, request, confirmed, &mut on_event).await?;
        match result.error {
            Some(err) => Err(err.into()),
            None => Ok(result.record),
        }
    }

    /// Reads the manifest of one of the plan's stacks from a snapshot, for the restore dialog.
    pub async fn backup_stack_manifest(&self, plan: &str, snapshot: &str, project: &str) -> ApiResult<StackManifest> {
        let context = self.backup_context(plan, CancellationToken::new()).await?;
        Ok(read_manifest(&context, snapshot, project).await?)
    }

    /// Lists the database servers running in containers on a host, for the plan wizard.
    pub async fn backup_databases(&self, host: &str) -> ApiResult<Vec<DiscoveredDatabase>> {
        let engine = self.hosts.engine(host).await?;
        Ok(discover(&engine).await?)
    }

    /// Runs a restore drill now. `random` overrides the plan's choice of random files. A
    /// failed drill (any failure, a wrong password included) is recorded as failed and opens
    /// a P1 alert; a passed drill resolves it.
    pub async fn backup_drill(
        &self,
        plan: &str,
        trigger: RunTrigger,
        random: Option<bool>,
        mut on_event: impl FnMut(RunEvent) + Send,
        cancel: CancellationToken,
    ) -> ApiResult<DrillRecord> {
        let context = self.backup_context(plan, cancel).await?;
        let result = run_drill(&context, trigger, random, &mut on_event).await?;
        self.backup_after_drill(&context.plan, &result.drill).await;
        Ok(result.drill)
    }

    /// Lists a plan's drills, newest first.
    pub async fn backup_drills(&self, plan: &str) -> ApiResult<Vec<DrillRecord>> {
        let store = self.hosts.store();
        let plan = store.backup_plan(plan).await?;
        Ok(store.backup_drills(&plan.id).await?)
    }

    /// Exports a plan's drill history as `json`, `csv` or `markdown`.
    pub async fn backup_drill_report(&self, plan: &str, format: &str) -> ApiResult<DrillReportView> {
        let format_kind = ReportFormat::parse(format)?;
        let store = self.hosts.store();
        let plan = store.backup_plan(plan).await?;
        let drills = store.backup_drills(&plan.id).await?;
        let text = render_report(&plan.definition.name, &drills, format_kind)?;
        let extension = match format_kind {
            ReportFormat::Json => "json",
            ReportFormat::Csv => "csv",
            ReportFormat::Markdown => "md",
        };
        Ok(DrillReportView {
            format: format.to_string(),
            file_name: format!("{}-drills.{extension}", plan.definition.name),
            text,
        })
    }
}

//! Backup commands and the scheduler loop. Each command forwards to the `homeport-api`
//! function of the same name; runs report on `on_event` and `backup_cancel` stops them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use homeport_api::backup::CancellationToken;
use homeport_api::backup::{
    BackupPlanInput, BackupPlanView, BackupToolsView, DrillReportView, RestorePreview, RestoreRequest, RunEvent,
    SchedulePreviewView,
};
use homeport_api::{Api, IpcError};
use homeport_core::backup::databases::DiscoveredDatabase;
use homeport_core::backup::db_restore::DatabaseRestoreRequest;
use homeport_core::backup::plan::{PlanDefinition, RepositoryDefinition};
use homeport_core::backup::restic::{Node, Snapshot};
use homeport_core::backup::rule321::Rule321Report;
use homeport_core::backup::stack_restore::StackRestoreRequest;
use homeport_core::backup::stacks::StackManifest;
use homeport_core::backup::store::{DrillRecord, RunKind, RunRecord, RunTrigger};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

/// The interval between the scheduler's checks for due plans.
const SCHEDULER_TICK: Duration = Duration::from_secs(30);
/// The interval between rewrites of every plan's age series, so the RPO rule reads a growing age.
const AGE_SERIES_EVERY: Duration = Duration::from_secs(5 * 60);

/// The cancel tokens of the runs in progress, by plan id.
#[derive(Debug, Default)]
pub struct BackupRuns(Mutex<HashMap<String, CancellationToken>>);

impl BackupRuns {
    fn start(&self, plan: &str) -> CancellationToken {
        let token = CancellationToken::new();
        self.lock().insert(plan.to_string(), token.clone());
        token
    }

    fn finish(&self, plan: &str) {
        self.lock().remove(plan);
    }

    fn cancel(&self, plan: &str) -> bool {
        match self.lock().remove(plan) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `work` with a cancel token registered for the plan, so `backup_cancel` reaches it,
    /// and drops the token when the work ends.
    async fn tracked<T>(
        &self,
        plan: &str,
        work: impl std::future::Future<Output = Result<T, IpcError>>,
    ) -> Result<T, IpcError> {
        let result = work.await;
        self.finish(plan);
        result
    }
}

/// Forwards run events to the UI's channel. A closed channel (the window went away) is not an
/// error for the run, so send failures are ignored.
fn forward(channel: Channel<RunEvent>) -> impl FnMut(RunEvent) + Send {
    move |event| {
        let _ = channel.send(event);
    }
}

/// Starts due backups and drills while the app runs, catching up once on times missed while
/// it was closed, and rewrites the RPO age series every few minutes.
pub async fn run_scheduler(app: AppHandle) {
    let mut tick = tokio::time::interval(SCHEDULER_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_ages = None::<tokio::time::Instant>;
    loop {
        tick.tick().await;
        let api = app.state::<Api>();
        if last_ages.is_none_or(|at| at.elapsed() >= AGE_SERIES_EVERY) {
            if let Err(err) = api.backup_record_ages().await {
                tracing::warn!(error = %err, "cannot write the backup age series");
            }
            last_ages = Some(tokio::time::Instant::now());
        }
        let due = match api.backup_due(time::OffsetDateTime::now_utc()).await {
            Ok(due) => due,
            Err(err) => {
                tracing::warn!(error = %err, "cannot list the due backups");
                continue;
            }
        };
        for item in due {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let api = app.state::<Api>();
                let runs = app.state::<BackupRuns>();
                let cancel = runs.start(&item.plan_id);
                tracing::info!(plan_id = %item.plan_id, kind = ?item.kind, trigger = ?item.trigger, "scheduled backup work starts");
                let result = match item.kind {
                    RunKind::Drill => api
                        .backup_drill(&item.plan_id, item.trigger, None, |_| {}, cancel)
                        .await
                        .map(|_| ()),
                    _ => api
                        .backup_run(&item.plan_id, item.trigger, |_| {}, cancel)
                        .await
                        .map(|_| ()),
                };
                runs.finish(&item.plan_id);
                if let Err(err) = result {
                    tracing::warn!(plan_id = %item.plan_id, error = %err, "scheduled backup work did not start");
                }
            });
        }
    }
}

#[tauri::command]
pub async fn backup_plans(api: State<'_, Api>) -> Result<Vec<BackupPlanView>, IpcError> {
    api.backup_plans().await
}

#[tauri::command]
pub async fn backup_plan(api: State<'_, Api>, plan: String) -> Result<BackupPlanView, IpcError> {
    api.backup_plan(&plan).await
}

#[tauri::command]
pub fn backup_rule321_preview(
    api: State<'_, Api>,
    repositories: Vec<RepositoryDefinition>,
) -> Result<Rule321Report, IpcError> {
    api.backup_rule321_preview(repositories)
}

#[tauri::command]
pub fn backup_schedule_preview(api: State<'_, Api>, schedule: String) -> Result<SchedulePreviewView, IpcError> {
    api.backup_schedule_preview(&schedule)
}

#[tauri::command]
pub fn backup_plan_parse(api: State<'_, Api>, file: String, text: String) -> Result<PlanDefinition, IpcError> {
    api.backup_plan_parse(&file, &text)
}

#[tauri::command]
pub async fn backup_plan_save(api: State<'_, Api>, input: BackupPlanInput) -> Result<BackupPlanView, IpcError> {
    api.backup_plan_save(input).await
}

#[tauri::command]
pub async fn backup_plan_remove(api: State<'_, Api>, plan: String) -> Result<(), IpcError> {
    api.backup_plan_remove(&plan).await
}

#[tauri::command]
pub async fn backup_plan_init(
    api: State<'_, Api>,
    plan: String,
    on_event: Channel<RunEvent>,
) -> Result<RunRecord, IpcError> {
    api.backup_plan_init(&plan, move |event| {
        let _ = on_event.send(event);
    })
    .await
}

#[tauri::command]
pub async fn backup_tools(api: State<'_, Api>, host_id: String) -> Result<BackupToolsView, IpcError> {
    api.backup_tools(&host_id).await
}

#[tauri::command]
pub async fn backup_run(
    api: State<'_, Api>,
    runs: State<'_, BackupRuns>,
    plan: String,
    on_event: Channel<RunEvent>,
) -> Result<RunRecord, IpcError> {
    let cancel = runs.start(&plan);
    let work = api.backup_run(&plan, RunTrigger::Manual, forward(on_event), cancel);
    runs.tracked(&plan, work).await
}

/// Cancels the backup, restore or drill of a plan in progress; returns whether one was.
#[tauri::command]
pub fn backup_cancel(runs: State<'_, BackupRuns>, plan: String) -> bool {
    runs.cancel(&plan)
}

#[tauri::command]
pub async fn backup_runs(api: State<'_, Api>, plan: String, limit: u32) -> Result<Vec<RunRecord>, IpcError> {
    api.backup_runs(&plan, limit).await
}

#[tauri::command]
pub async fn backup_unlock(
    api: State<'_, Api>,
    plan: String,
    remove_all: bool,
    confirmed: bool,
) -> Result<RunRecord, IpcError> {
    api.backup_unlock(&plan, remove_all, confirmed, |_| {}).await
}

#[tauri::command]
pub async fn backup_snapshots(api: State<'_, Api>, plan: String) -> Result<Vec<Snapshot>, IpcError> {
    api.backup_snapshots(&plan).await
}

#[tauri::command]
pub async fn backup_files(
    api: State<'_, Api>,
    plan: String,
    snapshot: String,
    folder: String,
) -> Result<Vec<Node>, IpcError> {
    api.backup_files(&plan, &snapshot, &folder).await
}

#[tauri::command]
pub async fn backup_restore_preview(
    api: State<'_, Api>,
    plan: String,
    request: RestoreRequest,
) -> Result<RestorePreview, IpcError> {
    api.backup_restore_preview(&plan, &request).await
}

/// Loads a database dump from a snapshot into a running or new container on the plan's host.
#[tauri::command]
pub async fn backup_restore_database(
    api: State<'_, Api>,
    runs: State<'_, BackupRuns>,
    plan: String,
    request: DatabaseRestoreRequest,
    confirmed: bool,
    on_event: Channel<RunEvent>,
) -> Result<RunRecord, IpcError> {
    let cancel = runs.start(&plan);
    let work = api.backup_restore_database(&plan, &request, confirmed, forward(on_event), cancel);
    runs.tracked(&plan, work).await
}

/// Restores one of the plan's stacks to the plan's host or another one.
#[tauri::command]
pub async fn backup_restore_stack(
    api: State<'_, Api>,
    runs: State<'_, BackupRuns>,
    plan: String,
    request: StackRestoreRequest,
    confirmed: bool,
    on_event: Channel<RunEvent>,
) -> Result<RunRecord, IpcError> {
    let cancel = runs.start(&plan);
    let work = api.backup_restore_stack(&plan, &request, confirmed, forward(on_event), cancel);
    runs.tracked(&plan, work).await
}

#[tauri::command]
pub async fn backup_stack_manifest(
    api: State<'_, Api>,
    plan: String,
    snapshot: String,
    project: String,
) -> Result<StackManifest, IpcError> {
    api.backup_stack_manifest(&plan, &snapshot, &project).await
}

#[tauri::command]
pub async fn backup_databases(api: State<'_, Api>, host_id: String) -> Result<Vec<DiscoveredDatabase>, IpcError> {
    api.backup_databases(&host_id).await
}

#[tauri::command]
pub async fn backup_restore(
    api: State<'_, Api>,
    runs: State<'_, BackupRuns>,
    plan: String,
    request: RestoreRequest,
    overwrite_confirmed: bool,
    on_event: Channel<RunEvent>,
) -> Result<RunRecord, IpcError> {
    let cancel = runs.start(&plan);
    let work = api.backup_restore(&plan, &request, overwrite_confirmed, forward(on_event), cancel);
    runs.tracked(&plan, work).await
}

#[tauri::command]
pub async fn backup_drill(
    api: State<'_, Api>,
    runs: State<'_, BackupRuns>,
    plan: String,
    random: Option<bool>,
    on_event: Channel<RunEvent>,
) -> Result<DrillRecord, IpcError> {
    let cancel = runs.start(&plan);
    let work = api.backup_drill(&plan, RunTrigger::Manual, random, forward(on_event), cancel);
    runs.tracked(&plan, work).await
}

#[tauri::command]
pub async fn backup_drills(api: State<'_, Api>, plan: String) -> Result<Vec<DrillRecord>, IpcError> {
    api.backup_drills(&plan).await
}

#[tauri::command]
pub async fn backup_drill_report(
    api: State<'_, Api>,
    plan: String,
    format: String,
) -> Result<DrillReportView, IpcError> {
    api.backup_drill_report(&plan, &format).await
}

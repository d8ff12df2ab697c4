//! One backup run: dump databases, `restic backup` to each repository, `forget --prune`,
//! `check`, then the rclone copies, each stage recorded with its output, status and time.
//!
//! A run stops at the first failed stage. The only retry is for a lock that an earlier, killed
//! run of this plan left behind: same host, a PID Homeport recorded, no longer running.
//! `restic unlock` removes such stale locks, so the run removes it and tries the stage once
//! more. Every other failure is returned typed, without retrying.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::classify::{classify, short_age, LockHolder, ResticFailure};
use super::databases::{dump_file_name, dump_to_file_argv, DatabaseEngine, DatabaseTarget, DockerCli};
use super::plan::{BackupItem, Location, RepositoryDefinition};
use super::restic::{
    parse_backup_line, plan_tag, rclone_sync, BackupLine, BackupStatus, Restic, ResticEnv, SecretCommand,
};
use super::shell::{HostShell, ProcessOutcome};
use super::stacks::{self, StackDatabase, StackManifest};
use super::store::{RunKind, RunRecord, RunStatus, RunTrigger, StageRecord, StoredPlan};
use crate::error::{Error, Result};
use crate::secrets::Secret;
use crate::ssh::OutputStream;
use crate::store::{now_rfc3339, Store};

/// The folder on the host that database dumps are written to before the backup, per plan.
pub const DUMP_ROOT: &str = "/var/tmp/homeport-dumps";

/// The secrets a plan's commands need, read from the keychain by the caller.
#[derive(Debug, Clone)]
pub struct PlanSecrets {
    pub password: Secret,
    /// S3 access key id and secret key, by repository name.
    pub s3_keys: BTreeMap<String, (Secret, Secret)>,
}

impl PlanSecrets {
    /// Returns the environment for a repository's restic commands.
    pub fn env_for(&self, repository: &str) -> ResticEnv {
        ResticEnv {
            password: self.password.clone(),
            s3_keys: self.s3_keys.get(repository).cloned(),
        }
    }
}

/// Everything a run, restore or drill needs: the plan, where to run, and the secrets.
#[derive(Debug, Clone)]
pub struct PlanContext {
    pub store: Store,
    pub shell: HostShell,
    /// The host's name for messages.
    pub host_name: String,
    pub plan: StoredPlan,
    pub secrets: PlanSecrets,
    /// The host's `docker` command, for database dumps.
    pub docker: DockerCli,
    pub cancel: CancellationToken,
}

/// A report of a run in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum RunEvent {
    #[serde(rename_all = "camelCase")]
    Started {
        run_id: String,
        plan_id: String,
        kind: RunKind,
    },
    #[serde(rename_all = "camelCase")]
    StageStarted {
        position: u32,
        name: String,
        repository: String,
    },
    /// A `status` line of `restic backup --json`, with restic's own field names.
    Progress { repository: String, status: BackupStatus },
    #[serde(rename_all = "camelCase")]
    StageFinished {
        position: u32,
        name: String,
        repository: String,
        status: RunStatus,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        duration_ms: u64,
    },
    #[serde(rename_all = "camelCase")]
    Finished { run_id: String, status: RunStatus },
}

/// A finished run: its record, and the typed error of a failed or cancelled run.
#[derive(Debug)]
pub struct RunResult {
    pub record: RunRecord,
    pub error: Option<Error>,
}

/// Records a run's stages in the store as they start and end, and reports them as events.
pub(crate) struct Recorder<'a> {
    store: &'a Store,
    pub(crate) record: RunRecord,
    on_event: &'a mut (dyn FnMut(RunEvent) + Send),
}

impl<'a> Recorder<'a> {
    /// Starts a run record of `kind` for the plan.
    pub(crate) async fn start(
        store: &'a Store,
        plan_id: &str,
        kind: RunKind,
        trigger: RunTrigger,
        on_event: &'a mut (dyn FnMut(RunEvent) + Send),
    ) -> Result<Recorder<'a>> {
        let record = RunRecord {
            id: uuid::Uuid::new_v4().to_string(),
            plan_id: plan_id.to_string(),
            kind,
            trigger,
            status: RunStatus::Running,
            started_at: now_rfc3339(),
            finished_at: None,
            error_code: None,
            error_message: None,
            snapshot_ids: Vec::new(),
            files_total: 0,
            bytes_total: 0,
            remote_pids: Vec::new(),
            stages: Vec::new(),
        };
        store.backup_run_start(&record).await?;
        on_event(RunEvent::Started {
            run_id: record.id.clone(),
            plan_id: plan_id.to_string(),
            kind,
        });
        Ok(Self {
            store,
            record,
            on_event,
        })
    }

    pub(crate) fn emit(&mut self, event: RunEvent) {
        (self.on_event)(event);
    }

    /// Records a stage that starts now and returns its position.
    pub(crate) async fn begin(&mut self, name: &str, repository: &str) -> Result<u32> {
        let position = self.record.stages.len() as u32;
        self.record.stages.push(StageRecord {
            position,
            name: name.to_string(),
            repository: repository.to_string(),
            status: RunStatus::Running,
            started_at: now_rfc3339(),
            duration_ms: 0,
            exit_status: None,
            output: String::new(),
        });
        self.store.backup_run_update(&self.record).await?;
        self.emit(RunEvent::StageStarted {
            position,
            name: name.to_string(),
            repository: repository.to_string(),
        });
        Ok(position)
    }

    /// Records a stage that was not needed.
    pub(crate) async fn skip(&mut self, name: &str, repository: &str, reason: &str) -> Result<()> {
        let position = self.begin(name, repository).await?;
        self.end(position, RunStatus::Skipped, None, reason.to_string(), Instant::now())
            .await
    }

    /// Records the end of a stage.
    pub(crate) async fn end(
        &mut self,
        position: u32,
        status: RunStatus,
        exit_status: Option<u32>,
        output: String,
        started: Instant,
    ) -> Result<()> {
        let duration_ms = started.elapsed().as_millis() as u64;
        let stage = &mut self.record.stages[position as usize];
        stage.status = status;
        stage.exit_status = exit_status;
        stage.output = output;
        stage.duration_ms = duration_ms;
        let event = RunEvent::StageFinished {
            position,
            name: stage.name.clone(),
            repository: stage.repository.clone(),
            status,
            duration_ms,
        };
        self.store.backup_run_update(&self.record).await?;
        self.emit(event);
        Ok(())
    }

    /// Ends a stage from a process outcome: succeeded, cancelled or failed.
    pub(crate) async fn end_with(&mut self, position: u32, outcome: &ProcessOutcome, started: Instant) -> Result<()> {
        let status = if outcome.cancelled {
            RunStatus::Cancelled
        } else if outcome.succeeded() {
            RunStatus::Succeeded
        } else {
            RunStatus::Failed
        };
        if let Some(pid) = outcome.pid {
            self.record.remote_pids.push(pid);
        }
        self.end(position, status, outcome.exit_status, outcome.tail.join("\n"), started)
            .await
    }

    /// Finishes the run as succeeded, or as failed or cancelled with `error`.
    pub(crate) async fn finish(mut self, error: Option<Error>) -> Result<RunResult> {
        self.record.status = match &error {
            None => RunStatus::Succeeded,
            Some(Error::Cancelled) => RunStatus::Cancelled,
            Some(_) => RunStatus::Failed,
        };
        if let Some(err) = &error {
            self.record.error_code = Some(format!("{:?}", err.code()));
            self.record.error_message = Some(err.to_string());
        }
        // A stage still marked running ended with the run.
        for stage in &mut self.record.stages {
            if stage.status == RunStatus::Running {
                stage.status = self.record.status;
            }
        }
        self.record.finished_at = Some(now_rfc3339());
        self.store.backup_run_update(&self.record).await?;
        let (run_id, status) = (self.record.id.clone(), self.record.status);
        self.emit(RunEvent::Finished { run_id, status });
        Ok(RunResult {
            record: self.record,
            error,
        })
    }
}

/// Runs the plan's backup now and records it. Returns the finished record; a failed run is a
/// result with its error, not an `Err` (which means the run could not even be recorded).
pub async fn run_backup(
    context: &PlanContext,
    trigger: RunTrigger,
    on_event: &mut (dyn FnMut(RunEvent) + Send),
) -> Result<RunResult> {
    let plan = &context.plan;
    if let Some(active) = context.store.backup_run_active(&plan.id).await? {
        return Err(Error::invalid(
            "plan",
            &plan.definition.name,
            format!("run {active} of this plan is still in progress; wait for it or cancel it"),
        ));
    }
    let mut recorder = Recorder::start(&context.store, &plan.id, RunKind::Backup, trigger, on_event).await?;
    tracing::info!(plan_id = %plan.id, run_id = %recorder.record.id, ?trigger, "backup run started");
    let error = backup_stages(context, &mut recorder).await.err();
    match &error {
        None => tracing::info!(plan_id = %plan.id, run_id = %recorder.record.id, "backup run succeeded"),
        Some(err) => {
            tracing::warn!(plan_id = %plan.id, run_id = %recorder.record.id, error = %err, "backup run failed")
        }
    }
    recorder.finish(error).await
}

async fn backup_stages(context: &PlanContext, recorder: &mut Recorder<'_>) -> Result<()> {
    let plan = &context.plan.definition;
    context.shell.require_tool(&context.host_name, "restic").await?;
    let copies: Vec<&RepositoryDefinition> = plan
        .repositories
        .iter()
        .filter(|repository| repository.copy_from.is_some())
        .collect();
    if !copies.is_empty() {
        context.shell.require_tool(&context.host_name, "rclone").await?;
    }

    let dump_dir = format!("{DUMP_ROOT}/{}", context.plan.id);
    let stacks = resolve_stacks(context, recorder).await?;
    dump_databases(context, recorder, &dump_dir, &stacks).await?;

    let tag = plan_tag(&context.plan.id);
    let mut paths = plan.backup_paths(&dump_dir);
    for path in stacks.iter().flat_map(StackManifest::backup_paths) {
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    let excludes: Vec<String> = stacks
        .iter()
        .flat_map(|stack| stack.excluded().iter().cloned())
        .collect();
    for repository in plan.primary_repositories() {
        let restic = Restic {
            repository: &repository.location,
        };
        let argv = restic.backup(&tag, &paths, &excludes);
        let outcome = run_restic_stage(context, recorder, "backup", repository, argv).await?;
        let summary = outcome
            .stdout
            .iter()
            .rev()
            .find_map(|line| match parse_backup_line(line) {
                BackupLine::Summary(summary) => Some(summary),
                _ => None,
            });
        match summary {
            Some(summary) => {
                recorder.record.snapshot_ids.push(summary.snapshot_id);
                recorder.record.files_total += summary.total_files_processed;
                recorder.record.bytes_total += summary.total_bytes_processed;
            }
            None => {
                return Err(Error::BackupFailed {
                    plan: plan.name.clone(),
                    stage: "backup".into(),
                    detail: format!(
                        "restic exited with status 0 but printed no summary for {}",
                        repository.location
                    ),
                })
            }
        }
    }

    for repository in plan.primary_repositories() {
        if plan.retention.keeps_everything() {
            recorder
                .skip("forget", &repository.name, "the retention policy keeps every snapshot")
                .await?;
            continue;
        }
        let retention = plan.retention;
        let argv = Restic {
            repository: &repository.location,
        }
        .forget(
            &tag,
            retention.keep_daily,
            retention.keep_weekly,
            retention.keep_monthly,
        );
        run_restic_stage(context, recorder, "forget", repository, argv).await?;
    }

    for repository in plan.primary_repositories() {
        let argv = Restic {
            repository: &repository.location,
        }
        .check();
        run_restic_stage(context, recorder, "check", repository, argv).await?;
    }

    // Copies run after `check` passed, so a damaged repository is never synced over the
    // offsite copy (`rclone sync` deletes remote files that are gone locally).
    for copy in copies {
        copy_repository(context, recorder, copy).await?;
    }
    Ok(())
}

/// Finds each stack of the plan on the host, one `stacks` stage per stack.
async fn resolve_stacks(context: &PlanContext, recorder: &mut Recorder<'_>) -> Result<Vec<StackManifest>> {
    let mut manifests = Vec::new();
    for item in &context.plan.definition.items {
        let BackupItem::Stack { project } = item else {
            continue;
        };
        let started = Instant::now();
        let position = recorder.begin("stacks", project).await?;
        let resolved = match stacks::resolve(&context.shell, &context.docker, project).await {
            Ok(manifest) => stacks::check_readable(&context.shell, &manifest)
                .await
                .map(|()| manifest),
            Err(err) => Err(err),
        };
        match resolved {
            Ok(manifest) => {
                let detail = format!(
                    "{}: {} volume(s), {} database(s), {} other folder(s)",
                    manifest.working_dir,
                    manifest.volumes.len(),
                    manifest.databases.len(),
                    manifest.binds.len()
                );
                recorder
                    .end(position, RunStatus::Succeeded, None, detail, started)
                    .await?;
                manifests.push(manifest);
            }
            Err(err) => {
                recorder
                    .end(position, RunStatus::Failed, None, err.to_string(), started)
                    .await?;
                return Err(Error::BackupFailed {
                    plan: context.plan.definition.name.clone(),
                    stage: "stacks".into(),
                    detail: err.to_string(),
                });
            }
        }
    }
    Ok(manifests)
}

/// Runs the dump stage: each database of the plan and of its stacks into a gzip file in
/// `dump_dir` on the host, which the backup stage then includes, with each stack's manifest.
/// The folder is emptied first, so a database removed from the plan leaves no old dump behind.
async fn dump_databases(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    dump_dir: &str,
    stacks: &[StackManifest],
) -> Result<()> {
    let mut targets: Vec<DatabaseTarget> = context
        .plan
        .definition
        .items
        .iter()
        .filter_map(|item| match item {
            BackupItem::Database {
                container,
                engine,
                user,
            } => Some(database_target(container, engine, user.as_deref())),
            _ => None,
        })
        .collect::<Result<_>>()?;
    targets.extend(
        stacks
            .iter()
            .flat_map(|stack| stack.databases.iter().map(StackDatabase::target)),
    );
    if targets.is_empty() && stacks.is_empty() {
        return recorder.skip("dump", "", "the plan has no databases").await;
    }
    let prepare = vec![
        "sh".to_string(),
        "-c".to_string(),
        r#"rm -rf -- "$1" && mkdir -p -m 700 -- "$1""#.to_string(),
        "sh".to_string(),
        dump_dir.to_string(),
    ];
    let prepared = context.shell.exec(&prepare).await?;
    if prepared.exit_status != Some(0) {
        return Err(Error::BackupFailed {
            plan: context.plan.definition.name.clone(),
            stage: "dump".into(),
            detail: format!("cannot create the dump folder {dump_dir}: {}", prepared.stderr.trim()),
        });
    }
    for stack in stacks {
        write_manifest(context, dump_dir, stack).await?;
    }
    for target in &targets {
        let path = format!("{dump_dir}/{}", dump_file_name(target));
        let argv = dump_to_file_argv(&context.docker, target, &path)?;
        let command = super::restic::without_secrets(argv);
        let started = Instant::now();
        let position = recorder.begin("dump", &target.container).await?;
        let outcome = context.shell.run(&command, &mut |_, _| {}, &context.cancel).await?;
        recorder.end_with(position, &outcome, started).await?;
        if outcome.cancelled {
            return Err(Error::Cancelled);
        }
        if !outcome.succeeded() {
            return Err(Error::BackupFailed {
                plan: context.plan.definition.name.clone(),
                stage: "dump".into(),
                detail: format!(
                    "the dump of {} ({}) exited with status {}: {}",
                    target.container,
                    target.engine.as_str(),
                    exit_text(outcome.exit_status),
                    last_line(&outcome)
                ),
            });
        }
    }
    Ok(())
}

/// Writes a stack's manifest to `DUMP_DIR/stacks/PROJECT.json` on the host.
async fn write_manifest(context: &PlanContext, dump_dir: &str, stack: &StackManifest) -> Result<()> {
    let text = serde_json::to_vec_pretty(stack).map_err(|err| Error::Internal(err.to_string()))?;
    let folder = format!("{dump_dir}/{}", stacks::MANIFEST_DIR);
    let command = SecretCommand {
        argv: vec![
            "sh".to_string(),
            "-c".to_string(),
            r#"umask 077 && mkdir -p -- "$1" && cat >"$2""#.to_string(),
            "sh".to_string(),
            folder.clone(),
            format!("{folder}/{}.json", stack.project),
        ],
        stdin: text,
    };
    let outcome = context.shell.run(&command, &mut |_, _| {}, &context.cancel).await?;
    if !outcome.succeeded() {
        return Err(Error::BackupFailed {
            plan: context.plan.definition.name.clone(),
            stage: "dump".into(),
            detail: format!(
                "cannot write the manifest of stack {} in {folder}: {}",
                stack.project,
                last_line(&outcome)
            ),
        });
    }
    Ok(())
}

/// Builds the dump target of a plan's database item.
pub fn database_target(container: &str, engine: &str, user: Option<&str>) -> Result<DatabaseTarget> {
    let engine = match engine {
        "postgres" => DatabaseEngine::Postgres,
        "mysql" => DatabaseEngine::Mysql,
        "mariadb" => DatabaseEngine::Mariadb,
        other => return Err(Error::invalid("items.engine", other, "use postgres, mysql or mariadb")),
    };
    let default_user = match engine {
        DatabaseEngine::Postgres => "postgres",
        DatabaseEngine::Mysql | DatabaseEngine::Mariadb => "root",
    };
    Ok(DatabaseTarget {
        container: container.to_string(),
        engine,
        user: user.unwrap_or(default_user).to_string(),
        server_uid: None,
    })
}

async fn copy_repository(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    copy: &RepositoryDefinition,
) -> Result<()> {
    let plan = &context.plan.definition;
    let source = copy
        .copy_from
        .as_deref()
        .and_then(|name| plan.repositories.iter().find(|repository| repository.name == name));
    let (Some(source), Ok(Location::Rclone { remote_path })) =
        (source, Location::parse("repositories.location", &copy.location))
    else {
        return Err(Error::invalid(
            "repositories.copyFrom",
            copy.copy_from.clone().unwrap_or_default(),
            "name a local repository of this plan",
        ));
    };
    let command = super::restic::without_secrets(rclone_sync(&source.location, &remote_path));
    let started = Instant::now();
    let position = recorder.begin("copy", &copy.name).await?;
    let outcome = context.shell.run(&command, &mut |_, _| {}, &context.cancel).await?;
    recorder.end_with(position, &outcome, started).await?;
    if outcome.cancelled {
        return Err(Error::Cancelled);
    }
    if !outcome.succeeded() {
        return Err(Error::BackupFailed {
            plan: plan.name.clone(),
            stage: "copy".into(),
            detail: format!(
                "rclone sync to {} exited with status {}: {}",
                copy.location,
                exit_text(outcome.exit_status),
                last_line(&outcome)
            ),
        });
    }
    Ok(())
}

/// Runs one restic stage against a repository. On a lock that this plan's own killed run left
/// behind, removes it with `restic unlock` and runs the stage once more.
pub(crate) async fn run_restic_stage(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    stage: &str,
    repository: &RepositoryDefinition,
    argv: Vec<String>,
) -> Result<ProcessOutcome> {
    let env = context.secrets.env_for(&repository.name);
    let command = env.wrap(argv);
    let outcome = run_stage_once(context, recorder, stage, repository, &command).await?;
    if outcome.succeeded() {
        return Ok(outcome);
    }
    let error = stage_error(context, stage, repository, &outcome).await;
    let Error::BackupRepositoryLocked {
        unlock_offered: true,
        pid,
        ..
    } = &error
    else {
        return Err(error);
    };
    let known_pids = context.store.backup_remote_pids(&context.plan.id).await?;
    if !known_pids.contains(pid) {
        return Err(error);
    }

    tracing::info!(plan_id = %context.plan.id, pid, repository = %repository.name, "removing the stale lock of an earlier run of this plan");
    let unlock = env.wrap(
        Restic {
            repository: &repository.location,
        }
        .unlock(false),
    );
    let unlocked = run_stage_once(context, recorder, "unlock", repository, &unlock).await?;
    if !unlocked.succeeded() {
        return Err(stage_error(context, "unlock", repository, &unlocked).await);
    }
    let retried = run_stage_once(context, recorder, stage, repository, &command).await?;
    if retried.succeeded() {
        return Ok(retried);
    }
    Err(stage_error(context, stage, repository, &retried).await)
}

async fn run_stage_once(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    stage: &str,
    repository: &RepositoryDefinition,
    command: &SecretCommand,
) -> Result<ProcessOutcome> {
    let started = Instant::now();
    let position = recorder.begin(stage, &repository.name).await?;
    let repository_name = repository.name.clone();
    let on_event = &mut *recorder.on_event;
    let outcome = context
        .shell
        .run(
            command,
            &mut |stream, line| {
                if stream != OutputStream::Stdout {
                    return;
                }
                if let BackupLine::Status(status) = parse_backup_line(line) {
                    on_event(RunEvent::Progress {
                        repository: repository_name.clone(),
                        status,
                    });
                }
            },
            &context.cancel,
        )
        .await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(err) => {
            recorder
                .end(position, RunStatus::Failed, None, err.to_string(), started)
                .await?;
            return Err(err);
        }
    };
    recorder.end_with(position, &outcome, started).await?;
    Ok(outcome)
}

/// Builds the typed error of a failed restic stage.
pub(crate) async fn stage_error(
    context: &PlanContext,
    stage: &str,
    repository: &RepositoryDefinition,
    outcome: &ProcessOutcome,
) -> Error {
    if outcome.cancelled {
        return Error::Cancelled;
    }
    match classify(outcome.exit_status, &outcome.tail) {
        ResticFailure::Locked(holder) => lock_error(context, &repository.location, &holder).await,
        ResticFailure::WrongPassword => Error::BackupPasswordWrong {
            repository: repository.location.clone(),
        },
        ResticFailure::NotInitialised { detail } | ResticFailure::Unreachable { detail } => {
            Error::BackupRepositoryUnreachable {
                repository: repository.location.clone(),
                detail,
            }
        }
        ResticFailure::Other { detail } => Error::BackupFailed {
            plan: context.plan.definition.name.clone(),
            stage: stage.to_string(),
            detail: format!(
                "restic exited with status {} on {}: {detail}",
                exit_text(outcome.exit_status),
                repository.location
            ),
        },
    }
}

/// Builds the locked-repository error, offering an unlock only for a stale lock of this host.
pub(crate) async fn lock_error(context: &PlanContext, repository: &str, holder: &LockHolder) -> Error {
    let this_host = context.shell.hostname().await.unwrap_or_default();
    let same_host = !this_host.is_empty() && holder.host == this_host;
    // A PID that cannot be checked counts as running, so no unlock is offered by mistake.
    let running = if same_host {
        context.shell.pid_running(holder.pid).await.unwrap_or(true)
    } else {
        true
    };
    Error::BackupRepositoryLocked {
        repository: repository.to_string(),
        holder_host: holder.host.clone(),
        pid: holder.pid,
        user: holder.user.clone(),
        age: short_age(&holder.age),
        storage_id: holder.storage_id.clone(),
        unlock_offered: same_host && !running,
    }
}

fn exit_text(status: Option<u32>) -> String {
    status.map_or_else(|| "none (killed)".to_string(), |status| status.to_string())
}

fn last_line(outcome: &ProcessOutcome) -> String {
    outcome.tail.last().cloned().unwrap_or_default()
}

/// Removes locks from every primary repository of the plan: only stale ones, or all of them
/// with `remove_all`, which needs `confirmed` because it can break a running backup.
pub async fn unlock(
    context: &PlanContext,
    remove_all: bool,
    confirmed: bool,
    on_event: &mut (dyn FnMut(RunEvent) + Send),
) -> Result<RunResult> {
    if remove_all && !confirmed {
        return Err(Error::invalid(
            "confirm",
            "false",
            "removing every lock can break a backup that is running now; confirm that no restic process uses the repository",
        ));
    }
    let mut recorder = Recorder::start(
        &context.store,
        &context.plan.id,
        RunKind::Unlock,
        RunTrigger::Manual,
        on_event,
    )
    .await?;
    let mut error = None;
    for repository in context.plan.definition.primary_repositories() {
        let command = context.secrets.env_for(&repository.name).wrap(
            Restic {
                repository: &repository.location,
            }
            .unlock(remove_all),
        );
        let outcome = run_stage_once(context, &mut recorder, "unlock", repository, &command).await?;
        if !outcome.succeeded() {
            error = Some(stage_error(context, "unlock", repository, &outcome).await);
            break;
        }
    }
    tracing::info!(plan_id = %context.plan.id, remove_all, "repository locks removed");
    recorder.finish(error).await
}

/// Initialises every primary repository of the plan that does not exist yet. A repository that
/// exists and opens with the plan's password is left as it is.
pub async fn init_repositories(
    context: &PlanContext,
    on_event: &mut (dyn FnMut(RunEvent) + Send),
) -> Result<RunResult> {
    let mut recorder = Recorder::start(
        &context.store,
        &context.plan.id,
        RunKind::Init,
        RunTrigger::Manual,
        on_event,
    )
    .await?;
    let error = init_stages(context, &mut recorder).await.err();
    recorder.finish(error).await
}

async fn init_stages(context: &PlanContext, recorder: &mut Recorder<'_>) -> Result<()> {
    context.shell.require_tool(&context.host_name, "restic").await?;
    for repository in context.plan.definition.primary_repositories() {
        let restic = Restic {
            repository: &repository.location,
        };
        let env = context.secrets.env_for(&repository.name);
        // A missing repository is the expected result here, so the probe stage records it as
        // a success with a note rather than as a failed stage of a run that then succeeds.
        let started = Instant::now();
        let position = recorder.begin("probe", &repository.name).await?;
        let probe = context
            .shell
            .run(&env.wrap(restic.cat_config()), &mut |_, _| {}, &context.cancel)
            .await?;
        if probe.succeeded() {
            let detail = "the repository exists".to_string();
            recorder
                .end(position, RunStatus::Succeeded, probe.exit_status, detail, started)
                .await?;
            continue;
        }
        match stage_error(context, "probe", repository, &probe).await {
            Error::BackupRepositoryUnreachable { .. } => {
                let detail = "no repository at this location yet, so it is created".to_string();
                recorder
                    .end(position, RunStatus::Succeeded, probe.exit_status, detail, started)
                    .await?;
            }
            other => {
                recorder.end_with(position, &probe, started).await?;
                return Err(other);
            }
        }
        let created = run_stage_once(context, recorder, "init", repository, &env.wrap(restic.init())).await?;
        if !created.succeeded() {
            return Err(stage_error(context, "init", repository, &created).await);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_text_names_a_kill() {
        assert_eq!(exit_text(None), "none (killed)");
        assert_eq!(exit_text(Some(1)), "1");
    }
}

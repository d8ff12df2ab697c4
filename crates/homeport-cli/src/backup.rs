//! `homeport backup ...`: backup plans, runs, snapshots, restores and drills from the shell.
//! `homeport backup run PLAN` is also what cron on a host or this computer calls.

use clap::Subcommand;
use homeport_api::backup::{BackupPlanInput, BackupPlanView, RestoreAction, RestoreRequest, RunEvent, S3KeyInput};
use homeport_api::{Api, IpcError};
use homeport_core::backup::db_restore::{DatabaseDestination, DatabaseRestoreRequest};
use homeport_core::backup::stack_restore::StackRestoreRequest;
use homeport_core::backup::store::{RunRecord, RunStatus, RunTrigger};
use homeport_core::Error;
use tokio_util::sync::CancellationToken;

use crate::output::Output;

/// The variables an S3 repository's keys are read from when a plan is created from a file,
/// so the keys never sit in the plan file or the shell history.
const S3_KEY_ID_VAR: &str = "HOMEPORT_S3_ACCESS_KEY_ID";
const S3_SECRET_VAR: &str = "HOMEPORT_S3_SECRET_ACCESS_KEY";
/// The variable an existing repository's password is read from.
const PASSWORD_VAR: &str = "HOMEPORT_BACKUP_PASSWORD";

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// List, show, create, initialise and remove backup plans.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Run a plan's backup now: dump, backup, forget --prune, check, rclone copies. Exits 1
    /// when the run fails. This is the command for cron.
    Run {
        plan: String,
        /// Record the run as started by the schedule (as cron does) rather than by hand.
        #[arg(long)]
        scheduled: bool,
    },
    /// List a plan's runs with their stages, newest first.
    Runs {
        plan: String,
        /// At most this many runs.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// List a plan's snapshots, oldest first.
    Snapshots { plan: String },
    /// List one folder of a snapshot.
    Files {
        plan: String,
        snapshot: String,
        /// The folder in the snapshot, such as /srv/app; / for the top.
        #[arg(default_value = "/")]
        folder: String,
    },
    /// Restore files from a snapshot under a target folder (or, without --target, to their
    /// original paths). Prints a preview and stops unless --yes is given.
    Restore {
        plan: String,
        snapshot: String,
        /// The folder on the host to restore under; each file lands at TARGET/original/path.
        #[arg(long)]
        target: Option<String>,
        /// An absolute path in the snapshot to restore; repeat for more. None restores all.
        #[arg(long = "path")]
        paths: Vec<String>,
        /// Restore after the preview, overwriting the existing files it lists.
        #[arg(long)]
        yes: bool,
    },
    /// Load a database dump from a snapshot into a container on the plan's host: the running
    /// container given with --into (its databases are replaced, so it needs --yes), or a new
    /// container with --new NAME --image IMAGE.
    #[command(group(clap::ArgGroup::new("destination").required(true).args(["into", "new"])))]
    RestoreDb {
        plan: String,
        snapshot: String,
        /// The plan's database item, by its container name in the plan.
        #[arg(long)]
        database: String,
        /// Load into this running container.
        #[arg(long, conflicts_with_all = ["new", "image"])]
        into: Option<String>,
        /// Start a new container of this name and load into it.
        #[arg(long, requires = "image")]
        new: Option<String>,
        /// The image of the new container; it must be on the host already (never pulled).
        #[arg(long)]
        image: Option<String>,
        /// Copy the database variables (POSTGRES_*, MARIADB_*, MYSQL_*) of this container into
        /// the new one. Without it, the new one gets a generated root password.
        #[arg(long, requires = "new")]
        env_from: Option<String>,
        /// Confirm the load into a running container.
        #[arg(long)]
        yes: bool,
    },
    /// Restore one of the plan's stacks (project folder, bind mounts, volumes and databases)
    /// to the plan's host or another one, and start it with the host's docker compose. The
    /// target host needs restic and must reach the repository.
    RestoreStack {
        plan: String,
        snapshot: String,
        /// The plan's stack, by Compose project name.
        #[arg(long)]
        project: String,
        /// The host to restore to; the plan's host when left out.
        #[arg(long)]
        host: Option<String>,
        /// The project name on the target; the original when left out.
        #[arg(long)]
        name: Option<String>,
        /// The project folder on the target; the original when left out.
        #[arg(long = "dir")]
        directory: Option<String>,
        /// Replace a stack of the same name on the target (its containers and volumes are
        /// removed first).
        #[arg(long)]
        yes: bool,
    },
    /// List the database servers running in containers on a host, to add to a plan.
    Databases { host: String },
    /// Run a restore drill now: restore a sample into a scratch folder, compare hashes, time it.
    Drill {
        plan: String,
        /// Pick the files at random (the default comes from the plan).
        #[arg(long, conflicts_with = "first")]
        random: bool,
        /// Pick the first files in path order.
        #[arg(long)]
        first: bool,
    },
    /// Print a plan's drill history as json, csv or markdown.
    Drills {
        plan: String,
        #[arg(long, default_value = "markdown")]
        format: String,
    },
    /// Remove stale locks from a plan's repositories (those of processes that no longer run).
    Unlock {
        plan: String,
        /// Remove every lock, also those of running processes. Needs --confirm.
        #[arg(long)]
        remove_all: bool,
        /// Confirm that no restic process uses the repositories now.
        #[arg(long)]
        confirm: bool,
    },
    /// Check whether restic and rclone are installed on a host.
    Tools { host: String },
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// List the plans with their last run and RPO state.
    Ls,
    /// Show a plan with its definition.
    Show { plan: String },
    /// Create or replace a plan from a JSON file (fields in docs/backups.md). A new plan gets
    /// a generated repository password, unless HOMEPORT_BACKUP_PASSWORD contains the password of
    /// existing repositories. S3 keys come from HOMEPORT_S3_ACCESS_KEY_ID and
    /// HOMEPORT_S3_SECRET_ACCESS_KEY.
    Create {
        #[arg(long)]
        file: String,
        /// Replace the plan with this id or name instead of creating one.
        #[arg(long)]
        replace: Option<String>,
    },
    /// Initialise the plan's repositories that do not exist yet (`restic init`).
    Init { plan: String },
    /// Print the repository password, to open a repository with restic by hand.
    Password { plan: String },
    /// Remove a plan and its history; the repositories stay.
    Rm { plan: String },
}

pub async fn run(api: &Api, command: BackupCommand, output: &Output) -> Result<(), IpcError> {
    match command {
        BackupCommand::Plan(plan) => run_plan(api, plan, output).await,
        BackupCommand::Run { plan, scheduled } => {
            let trigger = if scheduled {
                RunTrigger::Schedule
            } else {
                RunTrigger::Manual
            };
            let cancel = cancel_on_ctrl_c();
            let record = api
                .backup_run(&plan, trigger, |event| print_event(&event, output), cancel)
                .await?;
            print_run(&record, output);
            run_status(&record)
        }
        BackupCommand::Runs { plan, limit } => {
            let runs = api.backup_runs(&plan, limit).await?;
            if output.json {
                output.json_value(&serde_json::to_value(&runs).unwrap_or_default());
            } else {
                for run in &runs {
                    print_run(run, output);
                }
            }
            Ok(())
        }
        BackupCommand::Snapshots { plan } => {
            let snapshots = api.backup_snapshots(&plan).await?;
            if output.json {
                output.json_value(&serde_json::to_value(&snapshots).unwrap_or_default());
                return Ok(());
            }
            println!("{:<10} {:<32} {:<16} PATHS", "ID", "TIME", "HOST");
            for snapshot in &snapshots {
                println!(
                    "{:<10} {:<32} {:<16} {}",
                    snapshot.short_id,
                    snapshot.time,
                    snapshot.hostname,
                    snapshot.paths.join(", ")
                );
            }
            Ok(())
        }
        BackupCommand::Files { plan, snapshot, folder } => {
            let nodes = api.backup_files(&plan, &snapshot, &folder).await?;
            if output.json {
                output.json_value(&serde_json::to_value(&nodes).unwrap_or_default());
                return Ok(());
            }
            for node in &nodes {
                let size = node.size.map(|size| size.to_string()).unwrap_or_default();
                println!("{:<11} {:>12}  {}", node.permissions, size, node.path);
            }
            Ok(())
        }
        BackupCommand::Restore {
            plan,
            snapshot,
            target,
            paths,
            yes,
        } => {
            restore(
                api,
                &plan,
                RestoreRequest {
                    snapshot,
                    paths,
                    target,
                },
                yes,
                output,
            )
            .await
        }
        BackupCommand::RestoreDb {
            plan,
            snapshot,
            database,
            into,
            new,
            image,
            env_from,
            yes,
        } => {
            let destination = match (into, new) {
                (Some(container), _) => DatabaseDestination::Running { container },
                (None, Some(container)) => DatabaseDestination::New {
                    container,
                    image: image.unwrap_or_default(),
                    environment_from: env_from,
                },
                (None, None) => unreachable!("clap requires --into or --new"),
            };
            let request = DatabaseRestoreRequest {
                snapshot,
                database,
                destination,
            };
            let record = api
                .backup_restore_database(
                    &plan,
                    &request,
                    yes,
                    |event| print_event(&event, output),
                    cancel_on_ctrl_c(),
                )
                .await?;
            print_run(&record, output);
            Ok(())
        }
        BackupCommand::RestoreStack {
            plan,
            snapshot,
            project,
            host,
            name,
            directory,
            yes,
        } => {
            let request = StackRestoreRequest {
                snapshot,
                project,
                host,
                name,
                directory,
            };
            let record = api
                .backup_restore_stack(
                    &plan,
                    &request,
                    yes,
                    |event| print_event(&event, output),
                    cancel_on_ctrl_c(),
                )
                .await?;
            print_run(&record, output);
            Ok(())
        }
        BackupCommand::Databases { host } => {
            let found = api.backup_databases(&host).await?;
            if output.json {
                output.json_value(&serde_json::to_value(&found).unwrap_or_default());
                return Ok(());
            }
            if found.is_empty() {
                println!("No PostgreSQL, MySQL or MariaDB server runs in a container on {host}.");
            }
            for database in &found {
                println!(
                    "{:<24} {:<9} {}",
                    database.target.container,
                    database.target.engine.as_str(),
                    database.image
                );
            }
            Ok(())
        }
        BackupCommand::Drill { plan, random, first } => {
            let random = if random {
                Some(true)
            } else if first {
                Some(false)
            } else {
                None
            };
            let drill = api
                .backup_drill(
                    &plan,
                    RunTrigger::Manual,
                    random,
                    |event| print_event(&event, output),
                    cancel_on_ctrl_c(),
                )
                .await?;
            if output.json {
                output.json_value(&serde_json::to_value(&drill).unwrap_or_default());
            } else {
                println!(
                    "Drill {}: {} file(s), {} bytes from snapshot {} in {:.1} s (RTO target {} h){}",
                    if drill.passed { "passed" } else { "FAILED" },
                    drill.files_checked,
                    drill.bytes_checked,
                    drill.snapshot_id,
                    drill.duration_ms as f64 / 1000.0,
                    drill.rto_target_seconds / 3600,
                    if drill.failure.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", drill.failure)
                    }
                );
                for database in &drill.databases {
                    println!(
                        "  database {} ({}): {} in {:.1} s{}",
                        database.container,
                        database.engine,
                        if database.ok { "loaded" } else { "FAILED" },
                        database.duration_ms as f64 / 1000.0,
                        if database.ok {
                            format!(", found {}", database.expected.join(", "))
                        } else {
                            format!(": {}", database.failure)
                        }
                    );
                }
            }
            if drill.passed {
                Ok(())
            } else {
                Err(Error::BackupFailed {
                    plan: plan.clone(),
                    stage: "drill".into(),
                    detail: drill.failure.clone(),
                }
                .into())
            }
        }
        BackupCommand::Drills { plan, format } => {
            let report = api.backup_drill_report(&plan, &format).await?;
            print!("{}", report.text);
            Ok(())
        }
        BackupCommand::Unlock {
            plan,
            remove_all,
            confirm,
        } => {
            let record = api
                .backup_unlock(&plan, remove_all, confirm, |event| print_event(&event, output))
                .await?;
            print_run(&record, output);
            Ok(())
        }
        BackupCommand::Tools { host } => {
            let tools = api.backup_tools(&host).await?;
            if output.json {
                output.json_value(&serde_json::to_value(&tools).unwrap_or_default());
                return Ok(());
            }
            let line = |name: &str, version: &Option<String>, install: &str| match version {
                Some(version) => println!("{name}: {version}"),
                None => println!("{name}: missing. Install it with: {install}"),
            };
            line("restic", &tools.restic, &tools.restic_install);
            line("rclone", &tools.rclone, &tools.rclone_install);
            Ok(())
        }
    }
}

async fn run_plan(api: &Api, command: PlanCommand, output: &Output) -> Result<(), IpcError> {
    match command {
        PlanCommand::Ls => {
            let plans = api.backup_plans().await?;
            if output.json {
                output.json_value(&serde_json::to_value(&plans).unwrap_or_default());
                return Ok(());
            }
            if plans.is_empty() {
                println!("No backup plans. Create one with `homeport backup plan create --file plan.json`.");
                return Ok(());
            }
            println!(
                "{:<20} {:<16} {:<10} {:<26} RPO",
                "NAME", "HOST", "LAST RUN", "LAST SUCCESS"
            );
            for view in &plans {
                println!(
                    "{:<20} {:<16} {:<10} {:<26} {}",
                    view.plan.definition.name,
                    view.host_name,
                    view.last_run
                        .as_ref()
                        .map(|run| status_text(run.status))
                        .unwrap_or("never"),
                    view.last_success_at.as_deref().unwrap_or("never"),
                    if view.rpo_met { "met" } else { "MISSED" }
                );
            }
            Ok(())
        }
        PlanCommand::Show { plan } => {
            print_plan(&api.backup_plan(&plan).await?, output);
            Ok(())
        }
        PlanCommand::Create { file, replace } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|err| Error::invalid("file", &file, format!("cannot read the plan file: {err}")))?;
            let definition = api.backup_plan_parse(&file, &text)?;
            let id = match replace {
                Some(name) => Some(api.backup_plan(&name).await?.plan.id),
                None => None,
            };
            let password = std::env::var(PASSWORD_VAR).ok().filter(|value| !value.is_empty());
            let s3_keys = s3_keys_from_env(&definition);
            let view = api
                .backup_plan_save(BackupPlanInput {
                    id,
                    definition,
                    password,
                    s3_keys,
                })
                .await?;
            print_plan(&view, output);
            Ok(())
        }
        PlanCommand::Init { plan } => {
            let record = api.backup_plan_init(&plan, |event| print_event(&event, output)).await?;
            print_run(&record, output);
            Ok(())
        }
        PlanCommand::Password { plan } => {
            let password = api.backup_plan_password(&plan).await?;
            println!("{}", password.expose());
            Ok(())
        }
        PlanCommand::Rm { plan } => {
            api.backup_plan_remove(&plan).await?;
            if !output.json {
                println!("Removed the backup plan {plan}; its repositories were left as they are.");
            }
            Ok(())
        }
    }
}

/// Reads S3 keys for every S3 repository of the plan from the environment.
fn s3_keys_from_env(definition: &homeport_core::backup::plan::PlanDefinition) -> Vec<S3KeyInput> {
    let (Ok(key_id), Ok(secret)) = (std::env::var(S3_KEY_ID_VAR), std::env::var(S3_SECRET_VAR)) else {
        return Vec::new();
    };
    definition
        .repositories
        .iter()
        .filter(|repository| repository.location.starts_with("s3:"))
        .map(|repository| S3KeyInput {
            repository: repository.name.clone(),
            access_key_id: key_id.clone(),
            secret_access_key: secret.clone(),
        })
        .collect()
}

async fn restore(api: &Api, plan: &str, request: RestoreRequest, yes: bool, output: &Output) -> Result<(), IpcError> {
    let preview = api.backup_restore_preview(plan, &request).await?;
    if !yes {
        if output.json {
            output.json_value(&serde_json::to_value(&preview).unwrap_or_default());
        } else {
            println!(
                "Restore under {}: {} new, {} overwritten, {} outside the target.",
                preview.root, preview.create_count, preview.overwrite_count, preview.outside_count
            );
            for entry in preview
                .entries
                .iter()
                .filter(|entry| entry.action != RestoreAction::Create)
            {
                let action = match entry.action {
                    RestoreAction::Overwrite => "overwrite",
                    RestoreAction::Outside => "OUTSIDE",
                    RestoreAction::Create => "create",
                };
                println!("  {action:<9} {}", entry.destination);
            }
            println!("Nothing was changed. Run again with --yes to restore.");
        }
        return Ok(());
    }
    let record = api
        .backup_restore(
            plan,
            &request,
            true,
            |event| print_event(&event, output),
            cancel_on_ctrl_c(),
        )
        .await?;
    print_run(&record, output);
    run_status(&record)
}

/// Returns a token that Ctrl-C cancels, so an interrupted run stops restic on the host.
fn cancel_on_ctrl_c() -> CancellationToken {
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            trigger.cancel();
        }
    });
    cancel
}

fn run_status(record: &RunRecord) -> Result<(), IpcError> {
    if record.status == RunStatus::Succeeded {
        return Ok(());
    }
    // The run is printed already; the error repeats its message as the exit reason.
    Err(IpcError {
        code: serde_json::from_value(serde_json::Value::String(
            record.error_code.clone().unwrap_or_else(|| "BackupFailed".to_string()),
        ))
        .unwrap_or(homeport_core::ErrorCode::BackupFailed),
        message: record
            .error_message
            .clone()
            .unwrap_or_else(|| "the run did not succeed".to_string()),
        params: Default::default(),
    })
}

/// Prints progress: JSON lines on stderr with --json, short text lines on stderr otherwise.
fn print_event(event: &RunEvent, output: &Output) {
    if output.json {
        eprintln!("{}", serde_json::to_string(event).unwrap_or_default());
        return;
    }
    match event {
        RunEvent::StageStarted { name, repository, .. } if repository.is_empty() => eprintln!("{name}..."),
        RunEvent::StageStarted { name, repository, .. } => eprintln!("{name} {repository}..."),
        RunEvent::StageFinished {
            name,
            status,
            duration_ms,
            ..
        } => eprintln!(
            "{name}: {} in {:.1} s",
            status_text(*status),
            *duration_ms as f64 / 1000.0
        ),
        RunEvent::Progress { status, .. } => eprintln!(
            "  {:>5.1}%  {}/{} files  {}/{} bytes{}",
            status.percent_done * 100.0,
            status.files_done,
            status.total_files,
            status.bytes_done,
            status.total_bytes,
            status
                .seconds_remaining
                .map(|seconds| format!("  ETA {seconds} s"))
                .unwrap_or_default()
        ),
        RunEvent::Started { .. } | RunEvent::Finished { .. } => {}
    }
}

fn status_text(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Running => "running",
        RunStatus::Succeeded => "succeeded",
        RunStatus::Failed => "failed",
        RunStatus::Cancelled => "cancelled",
        RunStatus::Skipped => "skipped",
    }
}

fn print_run(record: &RunRecord, output: &Output) {
    if output.json {
        output.json_value(&serde_json::to_value(record).unwrap_or_default());
        return;
    }
    println!(
        "{} {:?} run {} ({:?}): {}{}",
        record.started_at,
        record.kind,
        record.id,
        record.trigger,
        status_text(record.status),
        record
            .error_message
            .as_ref()
            .map(|message| format!(": {message}"))
            .unwrap_or_default()
    );
    for stage in &record.stages {
        println!(
            "  {:<8} {:<12} {:<10} {:>8.1} s",
            stage.name,
            stage.repository,
            status_text(stage.status),
            stage.duration_ms as f64 / 1000.0
        );
    }
    if !record.snapshot_ids.is_empty() {
        println!("  snapshots: {}", record.snapshot_ids.join(", "));
    }
}

fn print_plan(view: &BackupPlanView, output: &Output) {
    if output.json {
        output.json_value(&serde_json::to_value(view).unwrap_or_default());
        return;
    }
    let plan = &view.plan.definition;
    println!("{} ({}) on {}", plan.name, view.plan.id, view.host_name);
    println!("  schedule: {} ({})", plan.schedule, view.schedule_en);
    if let Some(next) = &view.next_run_at {
        println!("  next run: {next}");
    }
    println!(
        "  retention: {} daily, {} weekly, {} monthly",
        plan.retention.keep_daily, plan.retention.keep_weekly, plan.retention.keep_monthly
    );
    println!(
        "  RPO {} h ({}), RTO {} h",
        plan.rpo_hours,
        if view.rpo_met { "met" } else { "missed" },
        plan.rto_hours
    );
    for repository in &plan.repositories {
        match &repository.copy_from {
            Some(source) => println!(
                "  repository {}: {} (rclone copy of {source})",
                repository.name, repository.location
            ),
            None => println!("  repository {}: {}", repository.name, repository.location),
        }
        let place = repository.effective_place().as_str();
        match repository.distance_km {
            Some(km) => println!("    place: {place}, {km} km away"),
            None if repository.place.is_none() => println!("    place: {place} (assumed; set place in the plan)"),
            None => println!("    place: {place}"),
        }
    }
    println!("  last success: {}", view.last_success_at.as_deref().unwrap_or("never"));
    let rule = &view.rule321;
    println!(
        "  3-2-1: {} copies, {} media, {} offsite{}",
        rule.copies,
        rule.media,
        rule.offsite_copies,
        if rule.satisfied() { " (met)" } else { "" }
    );
    for finding in &rule.findings {
        println!("    - {}", finding.message());
    }
}

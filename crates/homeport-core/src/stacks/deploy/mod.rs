//! Deploying a Compose project to a host through the Docker API, so that `docker compose`
//! (v2, and docker-compose 1.29) lists, inspects and takes it down as one of its own.
//!
//! [`deploy`] runs six stages in order, each reported live through the progress callback and
//! recorded with its output lines in the [`DeployReport`]:
//!
//! 1. write files: the Compose files, `.env` and extra files go over SFTP to
//!    `<base_dir>/<name>/` on SSH hosts. Engines reached without SSH get no files.
//! 2. validate: unsupported attributes, name clashes, published ports other containers hold,
//!    missing bind sources, and images that are neither present nor pullable.
//! 3. pull: images not present locally, with per-layer progress.
//! 4. create: networks `<name>_<key>`, volumes `<name>_<key>` and containers
//!    `<name>-<service>-1`, each with Compose's labels (see [`labels`](super::labels)) and the
//!    config hash Compose computes. The containers are created concurrently.
//! 5. start: each service once its `depends_on` services have started and reached
//!    `service_healthy` or `service_completed_successfully`, so independent services start
//!    concurrently.
//! 6. wait healthy: every started container with a health check becomes healthy.
//!
//! A failure or a cancel stops the deploy and removes what this deploy created: its
//! containers, networks and volumes. Containers it replaced are renamed back and started again
//! if they ran. A service whose configuration hash and image are unchanged keeps its container.

mod cleanup;
mod create;
mod events;
mod files;
mod hash;
mod plan;
mod preview;
mod pull;
mod schedule;
mod spec;
mod start;
mod validate;

pub(crate) use files::{read_texts, MAX_TEXT_FILE};

use std::time::{Duration, Instant};

use homeport_compose::Project;
use tokio_util::sync::CancellationToken;

pub(crate) use self::cleanup::{Ledger, Replaced};
pub(crate) use self::events::Reporter;
use crate::docker::DockerEngine;
use crate::error::{Error, Result};
use crate::ssh::SshSession;

pub use self::events::{DeployEvent, Stage, StageOutcome, StageRecord};
pub use self::preview::{preview, ServiceChange, ServicePreview};
// The image update replaces containers with the same events, rollback and pull.
pub(crate) use self::pull::pull_one;

/// The folder under which SSH hosts keep each stack's files, as `<base>/<name>/`.
pub const DEFAULT_BASE_DIR: &str = "/opt/stacks";

/// How long the start stage waits for one `depends_on` condition, and the wait-healthy stage
/// for all health checks, by default.
pub const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(120);

/// The files of a stack, as text, with names relative to the stack's folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackFiles {
    /// The main Compose file first, then override files, each as (file name, text).
    pub compose: Vec<(String, String)>,
    /// Written as `.env`, where `docker compose` on the host reads it.
    pub env: Option<String>,
    /// Other files the services use, such as configuration for bind mounts.
    pub extra: Vec<(String, String)>,
}

/// Everything one deploy needs besides the engine and the session.
#[derive(Debug, Clone)]
pub struct DeployRequest {
    /// The loaded project. Relative bind sources were resolved against its `working_dir`; on SSH
    /// hosts that folder is mapped to the stack's folder on the host.
    pub project: Project,
    /// The Compose project name on the engine.
    pub name: String,
    pub profiles: Vec<String>,
    pub files: StackFiles,
    /// The folder on SSH hosts under which the stack's folder is made.
    pub base_dir: String,
    /// The bound on each wait for a dependency condition and on the final health wait.
    pub ready_timeout: Duration,
}

impl DeployRequest {
    /// Builds a request with the default base folder and timeout.
    pub fn new(project: Project, name: impl Into<String>, profiles: Vec<String>, files: StackFiles) -> Self {
        Self {
            project,
            name: name.into(),
            profiles,
            files,
            base_dir: DEFAULT_BASE_DIR.to_string(),
            ready_timeout: DEFAULT_READY_TIMEOUT,
        }
    }
}

/// The access to the host's files: where the stack's files go and how bind sources are checked.
pub enum FileAccess<'a> {
    /// An SSH host: files are written and bind sources checked over SFTP.
    Sftp(&'a SshSession),
    /// An engine socket on this machine: bind sources are checked on the local file system.
    Local,
    /// A TCP engine: neither files nor bind sources can be reached.
    None,
}

/// The outcome of a deploy that finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployReport {
    pub stages: Vec<StageRecord>,
    /// Attributes of the model that the deploy does not apply, as `service: attribute`.
    pub unsupported: Vec<String>,
    /// Services whose container was created or replaced.
    pub changed: Vec<String>,
    /// Services whose container was kept because nothing changed.
    pub unchanged: Vec<String>,
    pub elapsed: Duration,
}

/// Deploys `request.project` as the Compose project `request.name` on `engine`.
///
/// `on_progress` receives every event as it happens. Cancelling `cancel` stops the deploy at
/// the next step, and the result is [`Error::Cancelled`] once the cleanup has run.
#[tracing::instrument(skip_all, fields(host = %engine.host, stack = %request.name))]
pub async fn deploy(
    engine: &DockerEngine,
    files: FileAccess<'_>,
    request: &DeployRequest,
    on_progress: &mut (dyn FnMut(DeployEvent) + Send),
    cancel: &CancellationToken,
) -> Result<DeployReport> {
    let started = Instant::now();
    let mut reporter = Reporter::new(on_progress);
    let mut ledger = Ledger::default();

    let result = run_stages(engine, &files, request, &mut reporter, &mut ledger, cancel).await;
    match result {
        Ok((unsupported, changed, unchanged)) => {
            ledger.commit(engine, &mut reporter).await;
            let elapsed = started.elapsed();
            tracing::info!(
                millis = elapsed.as_millis() as u64,
                changed = changed.len(),
                "stack deployed"
            );
            Ok(DeployReport {
                stages: reporter.into_records(),
                unsupported,
                changed,
                unchanged,
                elapsed,
            })
        }
        Err(err) => {
            reporter.fail_current();
            let cleanup = ledger.roll_back(engine).await;
            let err = describe_failure(err, engine, request, reporter.last_stage(), cleanup);
            if matches!(err, Error::Cancelled) {
                tracing::info!("stack deploy cancelled");
            } else {
                tracing::warn!(error = %err, "stack deploy failed");
            }
            Err(err)
        }
    }
}

/// Runs every stage and returns the unsupported attributes and the changed and unchanged
/// services.
async fn run_stages(
    engine: &DockerEngine,
    files: &FileAccess<'_>,
    request: &DeployRequest,
    reporter: &mut Reporter<'_>,
    ledger: &mut Ledger,
    cancel: &CancellationToken,
) -> Result<(Vec<String>, Vec<String>, Vec<String>)> {
    plan::check_name(&request.name)?;
    let stack_dir = match files {
        FileAccess::Sftp(_) => Some(format!("{}/{}", request.base_dir.trim_end_matches('/'), request.name)),
        FileAccess::Local | FileAccess::None => None,
    };
    let plan = plan::DeployPlan::build(request, stack_dir.as_deref())?;

    reporter.begin(Stage::WriteFiles);
    match (files, &stack_dir) {
        (FileAccess::Sftp(session), Some(dir)) => {
            files::write_stack_files(session, dir, &request.files, reporter, cancel).await?;
            reporter.finish(StageOutcome::Done);
        }
        _ => {
            reporter.line(
                None,
                "skipped: the engine is reached without SSH, so no files were written; labels name the local project folder",
            );
            reporter.finish(StageOutcome::Skipped);
        }
    }
    checkpoint(cancel)?;

    reporter.begin(Stage::Validate);
    let images = validate::validate(engine, files, &plan, reporter, cancel).await?;
    reporter.finish(StageOutcome::Done);
    checkpoint(cancel)?;

    reporter.begin(Stage::Pull);
    let pulled_any = pull::pull_missing(engine, &plan, &images, reporter, cancel).await?;
    reporter.finish(if pulled_any {
        StageOutcome::Done
    } else {
        StageOutcome::Skipped
    });
    checkpoint(cancel)?;

    reporter.begin(Stage::Create);
    let outcome = create::create_all(engine, &plan, reporter, ledger, cancel).await?;
    reporter.finish(StageOutcome::Done);
    checkpoint(cancel)?;

    reporter.begin(Stage::Start);
    start::start_all(engine, &plan, &outcome, reporter, cancel).await?;
    reporter.finish(StageOutcome::Done);
    checkpoint(cancel)?;

    reporter.begin(Stage::WaitHealthy);
    let waited = start::wait_healthy(engine, &plan, &outcome, reporter, cancel).await?;
    reporter.finish(if waited {
        StageOutcome::Done
    } else {
        StageOutcome::Skipped
    });

    Ok((plan.unsupported.clone(), outcome.changed(), outcome.unchanged()))
}

/// Returns `Cancelled` once `cancel` has fired.
fn checkpoint(cancel: &CancellationToken) -> Result<()> {
    if cancel.is_cancelled() {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
}

/// Turns an error of a stage into the error the caller receives. Errors that already name a
/// service (a missing image, a port in use) stay as they are unless the cleanup failed; others
/// become [`Error::DeployFailed`] with the stage.
fn describe_failure(
    err: Error,
    engine: &DockerEngine,
    request: &DeployRequest,
    stage: Option<Stage>,
    cleanup: std::result::Result<(), String>,
) -> Error {
    let stage_name = stage.map(|stage| stage.as_str().to_string()).unwrap_or_default();
    let err = match err {
        Error::DeployFailed {
            host,
            stack,
            stage,
            service,
            detail,
        } => Error::DeployFailed {
            host,
            stack,
            stage: if stage.is_empty() { stage_name.clone() } else { stage },
            service,
            detail: if cleanup.is_ok() {
                format!("{detail}. Everything this deploy created was removed")
            } else {
                detail
            },
        },
        other => other,
    };
    let typed = matches!(
        err,
        Error::Cancelled
            | Error::ImageMissing { .. }
            | Error::PortInUse { .. }
            | Error::BindSourceMissing { .. }
            | Error::ServiceNotReady { .. }
            | Error::InvalidInput { .. }
            | Error::DeployFailed { .. }
    );
    match cleanup {
        Ok(()) if typed => err,
        Ok(()) => Error::DeployFailed {
            host: engine.host.clone(),
            stack: request.name.clone(),
            stage: stage_name,
            service: String::new(),
            detail: format!("{err}. Everything this deploy created was removed"),
        },
        Err(leftovers) => Error::DeployFailed {
            host: engine.host.clone(),
            stack: request.name.clone(),
            stage: stage_name,
            service: String::new(),
            detail: format!("{err}. The cleanup failed, so these objects remain: {leftovers}. Remove them with `docker compose -p {} down`", request.name),
        },
    }
}

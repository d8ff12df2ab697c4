//! Loading a database dump from a snapshot into a container on the plan's host: a running
//! container (its databases are replaced by the dump's), or a new container started from an
//! image. Restore drills use the new-container path with a scratch container to prove that
//! each dump loads.
//!
//! Each step is a recorded stage. restic restores the dump file into a scratch folder. The new
//! container starts (when asked) and is polled until it accepts connections. Then the dump is
//! loaded, and the databases the dump creates are looked up in the server. psql goes on after
//! a failing statement, so its exit status alone cannot prove a load; the name check can.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::databases::{
    dump_database_names, dump_databases_argv, dump_file_name, list_argv, ready_argv, restore_from_file_argv,
    DatabaseEngine, DatabaseTarget,
};
use super::plan::{generate_password, BackupItem};
use super::restic::{Restic, SecretCommand};
use super::restore::{check_snapshot_id, first_repository, make_scratch, remove_scratch, resolve_snapshot};
use super::run::{database_target, run_restic_stage, PlanContext, Recorder, RunEvent, RunResult, DUMP_ROOT};
use super::store::{RunKind, RunStatus, RunTrigger};
use crate::error::{Error, Result};
use crate::ssh::validate_container_ref;

/// How long a new database container may take to accept connections.
pub const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// The pause between two readiness checks.
const READY_POLL: Duration = Duration::from_secs(1);
/// The scratch folder's name prefix; cleanup removes only folders named like this.
pub const RESTORE_SCRATCH_PREFIX: &str = "homeport-dbrestore.";
/// The folder restores make their scratch folders in. `/tmp` is a memory file system on
/// several distributions, too small for a stack's volumes.
pub const SCRATCH_PARENT: &str = "/var/tmp";

/// The container a dump is loaded into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum DatabaseDestination {
    /// A running container on the plan's host. The dump replaces the databases it creates.
    #[serde(rename_all = "camelCase")]
    Running { container: String },
    /// A new container on the plan's host, started from `image` (never pulled). It copies the
    /// database variables (`POSTGRES_*`, `MARIADB_*`, `MYSQL_*`) of `environment_from`, normally
    /// the original container, so the dump's users log in as before. Without one, a generated
    /// root password is set, which `docker inspect` shows.
    #[serde(rename_all = "camelCase")]
    New {
        container: String,
        image: String,
        #[serde(default)]
        environment_from: Option<String>,
    },
}

impl DatabaseDestination {
    fn container(&self) -> &str {
        match self {
            DatabaseDestination::Running { container } | DatabaseDestination::New { container, .. } => container,
        }
    }
}

/// A request to load one of the plan's database dumps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DatabaseRestoreRequest {
    /// A snapshot id or `latest`.
    pub snapshot: String,
    /// The plan's database item, by the container name the plan gives it.
    pub database: String,
    pub destination: DatabaseDestination,
}

/// The result of a load check: the databases the dump creates, and those the server lacks
/// afterwards.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LoadCheck {
    pub expected: Vec<String>,
    pub missing: Vec<String>,
}

impl LoadCheck {
    pub fn passed(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Runs on the host: starts a new database container. `$1` names a container whose database
/// variables the new one copies (empty for none), `$2` is the new name, `$3` the image, and
/// the rest is the `docker` command. Lines on stdin go into the environment as well. The
/// values travel through files readable by the owner only, removed on exit, so none reaches
/// an argv. `*_FILE` variables are not copied, because the new container lacks the secret
/// files they name. The lines on stdin (a generated password) are used when no password
/// variable was copied.
const START_CONTAINER_SCRIPT: &str = r#"from=$1 name=$2 image=$3
shift 3
umask 077
envfile=$(mktemp) || exit 1
trap 'rm -f -- "$envfile" "$envfile.all"' EXIT
: >"$envfile"
if [ -n "$from" ]; then
  "$@" inspect --format '{{range .Config.Env}}{{println .}}{{end}}' -- "$from" >"$envfile.all" || exit 1
  grep -E '^(POSTGRES_|PGDATA=|MARIADB_|MYSQL_)' "$envfile.all" | grep -v -E '^[A-Z_]*_FILE=' >>"$envfile"
fi
if ! grep -q -E '^(POSTGRES_PASSWORD|MARIADB_ROOT_PASSWORD|MYSQL_ROOT_PASSWORD|MARIADB_ALLOW_EMPTY_ROOT_PASSWORD|MYSQL_ALLOW_EMPTY_PASSWORD)=' "$envfile"; then
  cat >>"$envfile"
fi
"$@" run --detach --pull never --name "$name" --label homeport.restore=1 --env-file "$envfile" -- "$image""#;

/// The argv name of the script, shown by sh in its own messages.
const SCRIPT_NAME: &str = "homeport-db";

/// Loads the dump of `request.database` from the snapshot into the destination and records
/// the run. Loading into a running container needs `confirmed`, because it replaces data.
pub async fn restore_database(
    context: &PlanContext,
    request: &DatabaseRestoreRequest,
    confirmed: bool,
    on_event: &mut (dyn FnMut(RunEvent) + Send),
) -> Result<RunResult> {
    check_snapshot_id(&request.snapshot)?;
    let source = plan_database(context, &request.database)?;
    validate_destination(&request.destination)?;
    let request = &DatabaseRestoreRequest {
        snapshot: resolve_snapshot(context, &request.snapshot).await?,
        ..request.clone()
    };
    if matches!(request.destination, DatabaseDestination::Running { .. }) && !confirmed {
        return Err(Error::invalid(
            "destination",
            request.destination.container(),
            "loading the dump replaces the databases it contains in this running container; confirm to go on",
        ));
    }

    let mut recorder = Recorder::start(
        &context.store,
        &context.plan.id,
        RunKind::Restore,
        RunTrigger::Manual,
        on_event,
    )
    .await?;
    let mut scratch = None;
    let outcome = load_stages(context, &mut recorder, &source, request, &mut scratch).await;
    if let Some(folder) = scratch {
        remove_scratch(context, &mut recorder, &folder, RESTORE_SCRATCH_PREFIX).await?;
    }
    let error = match outcome {
        Ok(check) if check.passed() => None,
        Ok(check) => Some(missing_error(context, &check)),
        Err(err) => Some(err),
    };
    tracing::info!(
        plan_id = %context.plan.id,
        database = %request.database,
        destination = %request.destination.container(),
        ok = error.is_none(),
        "database restore finished"
    );
    recorder.finish(error).await
}

/// Loads a dump into a scratch container started from `image`, checks it, and removes the
/// container. Used by drills; the stages go into the drill's run.
pub(crate) async fn drill_database(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    snapshot: &str,
    source: &DatabaseTarget,
    image: &str,
) -> Result<LoadCheck> {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let container = format!("homeport-drill-{}", &suffix[..12]);
    let request = DatabaseRestoreRequest {
        snapshot: snapshot.to_string(),
        database: source.container.clone(),
        destination: DatabaseDestination::New {
            container: container.clone(),
            image: image.to_string(),
            environment_from: Some(source.container.clone()),
        },
    };
    let mut scratch = None;
    let outcome = load_stages(context, recorder, source, &request, &mut scratch).await;
    let removed_scratch = match scratch {
        Some(folder) => remove_scratch(context, recorder, &folder, RESTORE_SCRATCH_PREFIX).await,
        None => Ok(()),
    };
    remove_container(context, recorder, &container).await?;
    removed_scratch?;
    outcome
}

/// Returns the image of a running container on the host, for a drill's scratch container.
pub(crate) async fn container_image(context: &PlanContext, container: &str) -> Result<String> {
    validate_container_ref(container)?;
    let mut argv = context.docker.command()?;
    argv.extend([
        "inspect".to_string(),
        "--format".to_string(),
        "{{.Config.Image}}".to_string(),
        "--".to_string(),
        container.to_string(),
    ]);
    let output = context.shell.exec(&argv).await?;
    let image = output.stdout.trim().to_string();
    if output.exit_status != Some(0) || image.is_empty() {
        return Err(Error::BackupFailed {
            plan: context.plan.definition.name.clone(),
            stage: "container".into(),
            detail: format!(
                "cannot read the image of {container} to start a scratch copy: {}",
                output.stderr.trim()
            ),
        });
    }
    Ok(image)
}

/// Returns the dump target of the plan's database item `name`.
pub(crate) fn plan_database(context: &PlanContext, name: &str) -> Result<DatabaseTarget> {
    let items = &context.plan.definition.items;
    for item in items {
        if let BackupItem::Database {
            container,
            engine,
            user,
        } = item
        {
            if container == name {
                return database_target(container, engine, user.as_deref());
            }
        }
    }
    let known: Vec<&str> = items
        .iter()
        .filter_map(|item| match item {
            BackupItem::Database { container, .. } => Some(container.as_str()),
            _ => None,
        })
        .collect();
    Err(Error::invalid(
        "database",
        name,
        if known.is_empty() {
            "this plan backs up no database".to_string()
        } else {
            format!("the plan's databases are: {}", known.join(", "))
        },
    ))
}

/// Returns where the dump of `target` is in the plan's snapshots.
pub fn dump_path_in_snapshot(plan_id: &str, target: &DatabaseTarget) -> String {
    format!("{DUMP_ROOT}/{plan_id}/{}", dump_file_name(target))
}

fn validate_destination(destination: &DatabaseDestination) -> Result<()> {
    validate_container_ref(destination.container())?;
    if let DatabaseDestination::New {
        image,
        environment_from,
        ..
    } = destination
    {
        let image_ok = !image.is_empty()
            && !image.starts_with('-')
            && image
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | ':' | '@'));
        if !image_ok {
            return Err(Error::invalid(
                "image",
                image,
                "give an image that is on the host already, such as postgres:16",
            ));
        }
        if let Some(from) = environment_from.as_deref().filter(|from| !from.is_empty()) {
            validate_container_ref(from).map_err(|_| {
                Error::invalid(
                    "environmentFrom",
                    from,
                    "name a container on the host: letters, digits, '_', '.' or '-', starting with a letter or digit",
                )
            })?;
        }
    }
    Ok(())
}

async fn load_stages(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    source: &DatabaseTarget,
    request: &DatabaseRestoreRequest,
    scratch: &mut Option<String>,
) -> Result<LoadCheck> {
    context.shell.require_tool(&context.host_name, "restic").await?;
    let repository = first_repository(context)?.clone();

    let folder = make_scratch(context, SCRATCH_PARENT, RESTORE_SCRATCH_PREFIX).await?;
    *scratch = Some(folder.clone());
    let in_snapshot = dump_path_in_snapshot(&context.plan.id, source);
    let argv = Restic {
        repository: &repository.location,
    }
    .restore(&request.snapshot, &folder, std::slice::from_ref(&in_snapshot), false);
    run_restic_stage(context, recorder, "restore", &repository, argv).await?;
    let dump = format!("{folder}{in_snapshot}");

    let destination = DatabaseTarget {
        container: request.destination.container().to_string(),
        ..source.clone()
    };
    if let DatabaseDestination::New {
        image,
        environment_from,
        ..
    } = &request.destination
    {
        start_container(context, recorder, &destination, image, environment_from.as_deref()).await?;
    }
    wait_ready(context, recorder, &destination).await?;
    if matches!(request.destination, DatabaseDestination::Running { .. }) {
        drop_dump_databases(context, recorder, &destination, &dump).await?;
    }
    load_dump(context, recorder, &destination, &dump).await
}

/// Loads the dump and checks its databases are there. psql goes on after a failed statement,
/// so an `ERROR:` line in the output fails the load, except for objects that already exist,
/// which a dump of every database and role always meets (the role it connects as, say).
pub(crate) async fn load_dump(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    target: &DatabaseTarget,
    dump: &str,
) -> Result<LoadCheck> {
    let argv = restore_from_file_argv(&context.docker, target, dump)?;
    let tail = host_stage(context, recorder, "load", &target.container, argv).await?;
    let errors: Vec<&String> = tail
        .iter()
        .filter(|line| line.contains("ERROR") && !line.contains("already exists"))
        .collect();
    if let Some(first) = errors.first() {
        return Err(stage_failed(
            context,
            "load",
            format!("{} statement(s) of the dump failed, the first: {first}", errors.len()),
        ));
    }
    check_load(context, recorder, target, dump).await
}

/// Removes the databases a PostgreSQL dump creates from the running server first, so the load
/// replaces them instead of adding rows to their tables. MySQL and MariaDB dumps drop each
/// table before creating it, so they need nothing here.
// NOTE: the `postgres` database is never dropped; rows a dump holds for it are added to it.
async fn drop_dump_databases(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    target: &DatabaseTarget,
    dump: &str,
) -> Result<()> {
    if target.engine != DatabaseEngine::Postgres {
        return Ok(());
    }
    let listed = context.shell.exec(&dump_databases_argv(dump)?).await?;
    let names: Vec<String> = dump_database_names(&listed.stdout)
        .into_iter()
        .filter(|name| !matches!(name.as_str(), "postgres" | "template0" | "template1"))
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let argv = super::databases::drop_databases_argv(&context.docker, target, &names)?;
    host_stage(context, recorder, "drop", &target.container, argv).await?;
    Ok(())
}

async fn start_container(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    destination: &DatabaseTarget,
    image: &str,
    environment_from: Option<&str>,
) -> Result<()> {
    let from = environment_from.unwrap_or_default();
    // When no password variable is copied, the server gets a generated root password. It
    // stays in the container's own environment, where the dump script and `docker inspect`
    // read it. PostgreSQL also gets the dump's user, which the load connects as.
    let password = generate_password()?;
    let stdin = match destination.engine {
        DatabaseEngine::Postgres => format!(
            "POSTGRES_PASSWORD={}\nPOSTGRES_USER={}\n",
            password.expose(),
            destination.user
        ),
        DatabaseEngine::Mysql => format!("MYSQL_ROOT_PASSWORD={}\n", password.expose()),
        DatabaseEngine::Mariadb => format!("MARIADB_ROOT_PASSWORD={}\n", password.expose()),
    }
    .into_bytes();

    let mut argv = vec![
        "sh".to_string(),
        "-c".to_string(),
        START_CONTAINER_SCRIPT.to_string(),
        SCRIPT_NAME.to_string(),
        from.to_string(),
        destination.container.clone(),
        image.to_string(),
    ];
    argv.extend(context.docker.command()?);
    let command = SecretCommand { argv, stdin };

    let started = Instant::now();
    let position = recorder.begin("container", &destination.container).await?;
    let outcome = context.shell.run(&command, &mut |_, _| {}, &context.cancel).await?;
    recorder.end_with(position, &outcome, started).await?;

    if outcome.cancelled {
        return Err(Error::Cancelled);
    }
    if !outcome.succeeded() {
        return Err(stage_failed(
            context,
            "container",
            format!(
                "cannot start {} from {image}: {}",
                destination.container,
                outcome.tail.join(" / ")
            ),
        ));
    }
    Ok(())
}

/// Polls the server until it accepts connections, for at most [`READY_TIMEOUT`].
pub(crate) async fn wait_ready(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    target: &DatabaseTarget,
) -> Result<()> {
    let argv = ready_argv(&context.docker, target)?;
    let started = Instant::now();
    let position = recorder.begin("ready", &target.container).await?;
    let mut last = String::new();
    while started.elapsed() < READY_TIMEOUT {
        if context.cancel.is_cancelled() {
            recorder
                .end(position, RunStatus::Cancelled, None, String::new(), started)
                .await?;
            return Err(Error::Cancelled);
        }
        let output = context.shell.exec(&argv).await?;
        if output.exit_status == Some(0) {
            let detail = format!("{} accepts connections", target.container);
            return recorder
                .end(position, RunStatus::Succeeded, Some(0), detail, started)
                .await;
        }
        last = format!("{}{}", output.stdout.trim(), output.stderr.trim());
        tokio::time::sleep(READY_POLL).await;
    }
    let detail = format!(
        "{} did not accept connections within {} s: {last}",
        target.container,
        READY_TIMEOUT.as_secs()
    );
    recorder
        .end(position, RunStatus::Failed, None, detail.clone(), started)
        .await?;
    Err(stage_failed(context, "ready", detail))
}

/// Compares the databases the dump creates with those the server has after the load.
pub(crate) async fn check_load(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    target: &DatabaseTarget,
    dump: &str,
) -> Result<LoadCheck> {
    let started = Instant::now();
    let position = recorder.begin("verify", &target.container).await?;
    let in_dump = context.shell.exec(&dump_databases_argv(dump)?).await?;
    let listed = context.shell.exec(&list_argv(&context.docker, target)?).await?;
    if listed.exit_status != Some(0) {
        let detail = format!(
            "cannot list the databases of {}: {}",
            target.container,
            listed.stderr.trim()
        );
        recorder
            .end(position, RunStatus::Failed, listed.exit_status, detail.clone(), started)
            .await?;
        return Err(stage_failed(context, "verify", detail));
    }

    let expected = dump_database_names(&in_dump.stdout);
    let present: BTreeSet<&str> = listed.stdout.lines().map(str::trim).collect();
    let check = LoadCheck {
        missing: expected
            .iter()
            .filter(|name| !present.contains(name.as_str()))
            .cloned()
            .collect(),
        expected: expected.into_iter().collect(),
    };

    let detail = if check.passed() {
        format!("found the dump's databases: {}", check.expected.join(", "))
    } else {
        format!("missing after the load: {}", check.missing.join(", "))
    };
    let status = if check.passed() {
        RunStatus::Succeeded
    } else {
        RunStatus::Failed
    };
    recorder.end(position, status, Some(0), detail, started).await?;
    Ok(check)
}

/// Runs a host command as a recorded stage and fails the run when it fails.
pub(crate) async fn host_stage(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    stage: &str,
    label: &str,
    argv: Vec<String>,
) -> Result<Vec<String>> {
    if context.cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    // The wrapper prints the program's PID first, so a cancel can signal it.
    let command = super::restic::without_secrets(argv);
    let started = Instant::now();
    let position = recorder.begin(stage, label).await?;
    let outcome = context.shell.run(&command, &mut |_, _| {}, &context.cancel).await?;
    recorder.end_with(position, &outcome, started).await?;
    if outcome.cancelled {
        return Err(Error::Cancelled);
    }
    if !outcome.succeeded() {
        return Err(stage_failed(context, stage, outcome.tail.join(" / ")));
    }
    Ok(outcome.tail)
}

/// Removes a scratch container a drill started, only when its name is a drill's.
async fn remove_container(context: &PlanContext, recorder: &mut Recorder<'_>, container: &str) -> Result<()> {
    let started = Instant::now();
    let position = recorder.begin("cleanup", container).await?;
    if !container.starts_with("homeport-drill-") {
        let detail = format!("kept {container}: its name is not a drill's scratch container");
        return recorder.end(position, RunStatus::Failed, None, detail, started).await;
    }
    let mut argv = context.docker.command()?;
    argv.extend([
        "rm".to_string(),
        "--force".to_string(),
        "--volumes".to_string(),
        "--".to_string(),
        container.to_string(),
    ]);
    let (status, detail) = match context.shell.exec(&argv).await {
        Ok(output) if output.exit_status == Some(0) => (RunStatus::Succeeded, format!("removed {container}")),
        Ok(output) => (RunStatus::Failed, output.stderr),
        Err(err) => (RunStatus::Failed, err.to_string()),
    };
    recorder.end(position, status, None, detail, started).await
}

pub(crate) fn missing_error(context: &PlanContext, check: &LoadCheck) -> Error {
    stage_failed(
        context,
        "verify",
        format!(
            "the dump loaded, but these databases are missing afterwards: {}",
            check.missing.join(", ")
        ),
    )
}

pub(crate) fn stage_failed(context: &PlanContext, stage: &str, detail: String) -> Error {
    Error::BackupFailed {
        plan: context.plan.definition.name.clone(),
        stage: stage.into(),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_checked() {
        let new = |image: &str, from: Option<&str>| DatabaseDestination::New {
            container: "db-copy".into(),
            image: image.into(),
            environment_from: from.map(str::to_string),
        };
        assert!(validate_destination(&new("postgres:16", Some("db"))).is_ok());
        assert!(validate_destination(&new("registry.local:5000/pg@sha256:abc", None)).is_ok());
        assert!(validate_destination(&new("--privileged", None)).is_err());
        assert!(validate_destination(&new("pg 16", None)).is_err());
        assert!(validate_destination(&new("postgres", Some("x;rm"))).is_err());
        let running = DatabaseDestination::Running {
            container: "-it".into(),
        };
        assert!(validate_destination(&running).is_err());
    }

    #[test]
    fn request_json_has_tagged_destination() {
        let text = r#"{"snapshot":"latest","database":"db","destination":{"kind":"new","container":"db2","image":"postgres:16"}}"#;
        let request: DatabaseRestoreRequest = serde_json::from_str(text).unwrap();
        assert_eq!(
            request.destination,
            DatabaseDestination::New {
                container: "db2".into(),
                image: "postgres:16".into(),
                environment_from: None
            }
        );
    }

    #[test]
    fn start_script_keeps_values_out_of_argv() {
        // The copied variables go through --env-file; no `-e NAME=value` is ever built.
        assert!(START_CONTAINER_SCRIPT.contains("--env-file"));
        assert!(!START_CONTAINER_SCRIPT.contains(" -e "));
        assert!(START_CONTAINER_SCRIPT.contains("--pull never"));
    }
}

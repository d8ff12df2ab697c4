//! Restoring a whole stack from a snapshot, to the plan's host or another one: the project
//! folder, bind mounts, named volumes and databases. The host's own `docker compose` (or
//! `docker-compose`) then starts the stack again, so it stays a plain Compose project.
//!
//! Everything runs on the target host, restic included, so the target needs restic and must
//! reach the repository: an SFTP, S3 or rclone repository, or a folder both hosts mount.
//!
//! The stages, in order:
//! - `restore`: the stack's files into a scratch folder, checked before anything changes;
//! - `remove`: only when a stack of the same name exists and the user confirmed replacing it;
//! - `files`: the project folder and bind sources into place, database folders emptied;
//! - `create`: `up --no-start`, which makes empty volumes and the containers;
//! - `volumes`: each volume's files copied in with `docker cp -a`, which keeps owners and
//!   needs no root login;
//! - `start` of the database services, then per database `ready`, `load` and `verify` as in a
//!   database restore;
//! - `start` of every service, and `cleanup`.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::databases::{DatabaseTarget, DockerCli};
use super::db_restore::{host_stage, load_dump, missing_error, wait_ready, SCRATCH_PARENT};
use super::plan::{check_absolute_path, BackupItem};
use super::restic::Restic;
use super::restore::{check_snapshot_id, first_repository, make_scratch, remove_scratch, resolve_snapshot};
use super::run::{run_restic_stage, PlanContext, Recorder, RunEvent, RunResult, DUMP_ROOT};
use super::stacks::{check_project_name, StackManifest, MANIFEST_DIR, PROJECT_LABEL};
use super::store::{RunKind, RunStatus, RunTrigger};
use crate::error::{Error, Result};

/// The scratch folder's name prefix; cleanup removes only folders named like this.
pub const STACK_SCRATCH_PREFIX: &str = "homeport-stackrestore.";

/// Runs Compose v2 when the docker CLI has it, else docker-compose 1.x, with the arguments
/// given. Both read the engine address from DOCKER_HOST.
const COMPOSE_SCRIPT: &str = r#"if docker compose version >/dev/null 2>&1; then exec docker compose "$@"; fi
if command -v docker-compose >/dev/null 2>&1; then exec docker-compose "$@"; fi
echo "neither docker compose nor docker-compose is installed on this host" >&2
exit 127"#;

/// Removes a project's containers, then its volumes and networks, by Compose's label. `$1`
/// is the label filter, the rest the docker command.
const REMOVE_PROJECT_SCRIPT: &str = r#"filter=$1
shift
ids=$("$@" ps --all --quiet --filter "label=$filter") || exit 1
if [ -n "$ids" ]; then "$@" rm --force --volumes $ids || exit 1; fi
volumes=$("$@" volume ls --quiet --filter "label=$filter") || exit 1
if [ -n "$volumes" ]; then "$@" volume rm --force $volumes || exit 1; fi
# A network another container still uses (a reverse proxy, say) stays; `up` reuses it.
networks=$("$@" network ls --quiet --filter "label=$filter") || exit 1
if [ -n "$networks" ]; then "$@" network rm $networks >/dev/null 2>&1 || true; fi
exit 0"#;

/// Copies `$1` to `$2`, keeping modes, times and (as root) owners: a folder's contents into
/// the folder `$2`, which is created, or a file to the path `$2`. A missing `$1` is an error,
/// because everything copied was in the manifest the backup wrote.
const COPY_FOLDER_SCRIPT: &str = r#"if [ -d "$1" ]; then
  mkdir -p -- "$2" && cp -a -- "$1/." "$2/"
elif [ -e "$1" ]; then
  mkdir -p -- "$(dirname -- "$2")" && cp -a -- "$1" "$2"
else
  echo "the snapshot has no $1" >&2
  exit 1
fi"#;

/// A request to restore one of the plan's stacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StackRestoreRequest {
    /// A snapshot id or `latest`.
    pub snapshot: String,
    /// The plan's stack item, by project name.
    pub project: String,
    /// The host to restore to, by id or name; the plan's host when empty.
    #[serde(default)]
    pub host: Option<String>,
    /// The project name on the target; the original when empty.
    #[serde(default)]
    pub name: Option<String>,
    /// The project folder on the target; the original when empty.
    #[serde(default)]
    pub directory: Option<String>,
}

/// The resolved names of a restore.
struct Destination {
    name: String,
    directory: String,
}

/// Restores the stack and records the run under the plan. `context` runs on the target host.
/// Replacing a stack of the same name on the target needs `confirmed`.
pub async fn restore_stack(
    context: &PlanContext,
    request: &StackRestoreRequest,
    confirmed: bool,
    on_event: &mut (dyn FnMut(RunEvent) + Send),
) -> Result<RunResult> {
    check_snapshot_id(&request.snapshot)?;
    check_plan_stack(context, &request.project)?;
    let name = request
        .name
        .clone()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| request.project.clone());
    check_project_name("name", &name)?;
    if let Some(directory) = request.directory.as_deref().filter(|dir| !dir.is_empty()) {
        check_absolute_path("directory", directory)?;
    }
    context.shell.require_tool(&context.host_name, "restic").await?;

    // `latest` is resolved once, among this plan's snapshots, so the manifest and the files
    // come from the same snapshot even when a backup finishes in between.
    let snapshot = resolve_snapshot(context, &request.snapshot).await?;
    let request = &StackRestoreRequest {
        snapshot,
        ..request.clone()
    };
    let manifest = read_manifest(context, &request.snapshot, &request.project).await?;
    let destination = Destination {
        directory: request
            .directory
            .clone()
            .filter(|dir| !dir.is_empty())
            .unwrap_or_else(|| manifest.working_dir.clone()),
        name,
    };
    let existing = project_containers(context, &destination.name, None).await?;
    if !existing.is_empty() && !confirmed {
        return Err(Error::invalid(
            "name",
            &destination.name,
            format!(
                "a stack of this name runs on {} ({} container(s)); confirm to replace it: its containers and volumes are removed first",
                context.host_name,
                existing.len()
            ),
        ));
    }
    let occupied = occupied_folders(context, &manifest, &destination).await?;
    if !occupied.is_empty() && !confirmed {
        return Err(Error::invalid(
            "directory",
            occupied.join(", "),
            format!(
                "these folders on {} are not empty and the restore would write over them; choose another folder and name, or confirm to replace their contents",
                context.host_name
            ),
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
    let outcome = stages(
        context,
        &mut recorder,
        &manifest,
        &destination,
        request,
        !existing.is_empty(),
        &mut scratch,
    )
    .await;
    if let Some(folder) = scratch {
        remove_scratch(context, &mut recorder, &folder, STACK_SCRATCH_PREFIX).await?;
    }
    tracing::info!(
        plan_id = %context.plan.id,
        project = %request.project,
        name = %destination.name,
        host = %context.host_name,
        ok = outcome.is_ok(),
        "stack restore finished"
    );
    recorder.finish(outcome.err()).await
}

/// Reads a stack's manifest from a snapshot.
pub async fn read_manifest(context: &PlanContext, snapshot: &str, project: &str) -> Result<StackManifest> {
    let repository = first_repository(context)?;
    let path = manifest_path(&context.plan.id, project);
    let command = context.secrets.env_for(&repository.name).wrap(
        Restic {
            repository: &repository.location,
        }
        .dump(snapshot, &path),
    );
    let outcome = context.shell.run(&command, &mut |_, _| {}, &context.cancel).await?;
    if !outcome.succeeded() {
        let error = super::run::stage_error(context, "manifest", repository, &outcome).await;
        // A locked repository or a wrong password is reported as it is; only a missing file
        // means the snapshot has no manifest.
        let missing_file = outcome
            .tail
            .iter()
            .any(|line| line.contains("no such file") || line.contains("not found"));
        if !missing_file {
            return Err(error);
        }
        return Err(Error::BackupFailed {
            plan: context.plan.definition.name.clone(),
            stage: "manifest".into(),
            detail: format!(
                "snapshot {snapshot} has no manifest of stack {project}; it was taken before the stack was in the plan, or the run failed ({error})"
            ),
        });
    }
    serde_json::from_str(&outcome.stdout.join("\n")).map_err(|err| Error::BackupFailed {
        plan: context.plan.definition.name.clone(),
        stage: "manifest".into(),
        detail: format!("the manifest of stack {project} in snapshot {snapshot} cannot be read: {err}"),
    })
}

/// Returns where a stack's manifest is in the plan's snapshots.
pub fn manifest_path(plan_id: &str, project: &str) -> String {
    format!("{DUMP_ROOT}/{plan_id}/{MANIFEST_DIR}/{project}.json")
}

fn check_plan_stack(context: &PlanContext, project: &str) -> Result<()> {
    let stacks: Vec<&str> = context
        .plan
        .definition
        .items
        .iter()
        .filter_map(|item| match item {
            BackupItem::Stack { project } => Some(project.as_str()),
            _ => None,
        })
        .collect();
    if stacks.contains(&project) {
        return Ok(());
    }
    Err(Error::invalid(
        "project",
        project,
        if stacks.is_empty() {
            "this plan backs up no stack".to_string()
        } else {
            format!("the plan's stacks are: {}", stacks.join(", "))
        },
    ))
}

async fn stages(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    manifest: &StackManifest,
    destination: &Destination,
    request: &StackRestoreRequest,
    replace: bool,
    scratch: &mut Option<String>,
) -> Result<()> {
    let repository = first_repository(context)?.clone();
    let folder = make_scratch(context, SCRATCH_PARENT, STACK_SCRATCH_PREFIX).await?;
    *scratch = Some(folder.clone());
    let mut includes = manifest.backup_paths();
    includes.extend(
        manifest
            .databases
            .iter()
            .map(|database| super::db_restore::dump_path_in_snapshot(&context.plan.id, &database.target())),
    );
    let argv = Restic {
        repository: &repository.location,
    }
    .restore(&request.snapshot, &folder, &includes, false);
    run_restic_stage(context, recorder, "restore", &repository, argv).await?;
    check_restored(context, manifest, &folder).await?;

    if replace {
        let mut argv = vec![
            "sh".to_string(),
            "-c".to_string(),
            REMOVE_PROJECT_SCRIPT.to_string(),
            "homeport-stack".to_string(),
            format!("{PROJECT_LABEL}={}", destination.name),
        ];
        argv.extend(context.docker.command()?);
        host_stage(context, recorder, "remove", &destination.name, argv).await?;
    }

    let started = Instant::now();
    let position = recorder.begin("files", &destination.directory).await?;
    let mut copies = vec![(
        format!("{folder}{}", manifest.working_dir),
        destination.directory.clone(),
    )];
    copies.extend(
        manifest
            .binds
            .iter()
            .map(|bind| (format!("{folder}{bind}"), bind.clone())),
    );
    for (from, to) in &copies {
        let output = context.shell.exec(&copy_argv(from, to)).await?;
        if output.exit_status != Some(0) {
            let detail = format!("cannot copy the restored files to {to}: {}", output.stderr.trim());
            recorder
                .end(position, RunStatus::Failed, output.exit_status, detail.clone(), started)
                .await?;
            return Err(super::db_restore::stage_failed(context, "files", detail));
        }
    }
    // A database server's bind folder starts empty, so the server sets itself up and the dump
    // fills it. Old files there would come back instead of the dump's data.
    for bind in &manifest.database_binds {
        let target = moved_path(bind, &manifest.working_dir, &destination.directory);
        let output = context.shell.exec(&empty_folder_argv(&target)).await?;
        if output.exit_status != Some(0) {
            let detail = format!("cannot empty the database folder {target}: {}", output.stderr.trim());
            recorder
                .end(position, RunStatus::Failed, output.exit_status, detail.clone(), started)
                .await?;
            return Err(super::db_restore::stage_failed(context, "files", detail));
        }
    }
    let detail = copies.iter().map(|(_, to)| to.as_str()).collect::<Vec<_>>().join(", ");
    recorder
        .end(position, RunStatus::Succeeded, Some(0), detail, started)
        .await?;

    let files = config_files(manifest, &destination.directory);
    host_stage(
        context,
        recorder,
        "create",
        &destination.name,
        compose_argv(
            &context.docker,
            &destination.name,
            &destination.directory,
            &files,
            &["up", "--no-start"],
        )?,
    )
    .await?;

    for volume in manifest.volumes.iter().filter(|volume| !volume.database) {
        let Some(mount) = volume.mounts.first() else {
            continue;
        };
        let containers = project_containers(context, &destination.name, Some(&mount.service)).await?;
        let Some(container) = containers.first() else {
            return Err(super::db_restore::stage_failed(
                context,
                "volumes",
                format!(
                    "the restored stack has no container of service {} to copy volume {} into",
                    mount.service, volume.name
                ),
            ));
        };
        let source = format!("{folder}{}", volume.mountpoint);
        let script = r#"[ -d "$1" ] || { echo "the snapshot has no files of this volume at $1" >&2; exit 1; }
src=$1 dest=$2
shift 2
exec "$@" cp --archive -- "$src/." "$dest""#;
        let mut argv = vec![
            "sh".to_string(),
            "-c".to_string(),
            script.to_string(),
            "homeport-stack".to_string(),
            source,
            format!("{container}:{}", mount.destination),
        ];
        argv.extend(context.docker.command()?);
        host_stage(context, recorder, "volumes", &volume.name, argv).await?;
    }

    // The database services start and get their dumps before the other services start, so
    // an application's first-run set-up never finds an empty database.
    let mut database_services: Vec<&str> = manifest.databases.iter().map(|db| db.service.as_str()).collect();
    database_services.dedup();
    if !database_services.is_empty() {
        let mut args = vec!["up", "--detach", "--no-deps"];
        args.extend(database_services.iter().copied());
        let argv = compose_argv(
            &context.docker,
            &destination.name,
            &destination.directory,
            &files,
            &args,
        )?;
        host_stage(context, recorder, "start", &destination.name, argv).await?;
    }

    for database in &manifest.databases {
        let containers = project_containers(context, &destination.name, Some(&database.service)).await?;
        let Some(container) = containers.first() else {
            return Err(super::db_restore::stage_failed(
                context,
                "load",
                format!("the restored stack has no container of service {}", database.service),
            ));
        };
        let target = DatabaseTarget {
            container: container.clone(),
            ..database.target()
        };
        wait_ready(context, recorder, &target).await?;
        let dump = format!(
            "{folder}{}",
            super::db_restore::dump_path_in_snapshot(&context.plan.id, &database.target())
        );
        let check = load_dump(context, recorder, &target, &dump).await?;
        if !check.passed() {
            return Err(missing_error(context, &check));
        }
    }

    let argv = compose_argv(
        &context.docker,
        &destination.name,
        &destination.directory,
        &files,
        &["up", "--detach"],
    )?;
    host_stage(context, recorder, "start", &destination.name, argv).await?;
    Ok(())
}

/// Returns `path` moved from the original project folder to `directory` when it lies inside
/// it, else unchanged.
fn moved_path(path: &str, original: &str, directory: &str) -> String {
    let original = original.trim_end_matches('/');
    if path == original {
        return directory.to_string();
    }
    match path.strip_prefix(&format!("{original}/")) {
        Some(relative) => format!("{}/{relative}", directory.trim_end_matches('/')),
        None => path.to_string(),
    }
}

/// Builds the argv that empties (or makes) a folder on the host.
fn empty_folder_argv(path: &str) -> Vec<String> {
    vec![
        "sh".to_string(),
        "-c".to_string(),
        r#"mkdir -p -- "$1" && find "$1" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +"#.to_string(),
        "homeport-stack".to_string(),
        path.to_string(),
    ]
}

/// Checks that the scratch folder contains the project folder and its Compose files before
/// anything on the target changes, so a restore that brought back nothing removes nothing.
async fn check_restored(context: &PlanContext, manifest: &StackManifest, folder: &str) -> Result<()> {
    let mut argv = vec![
        "sh".to_string(),
        "-c".to_string(),
        r#"for path do [ -e "$path" ] || printf '%s\n' "$path"; done"#.to_string(),
        "homeport-stack".to_string(),
        format!("{folder}{}", manifest.working_dir),
    ];
    argv.extend(
        config_files(manifest, &manifest.working_dir)
            .iter()
            .map(|file| format!("{folder}{file}")),
    );
    let output = context.shell.exec(&argv).await?;
    match output.stdout.lines().next().filter(|line| !line.is_empty()) {
        None if output.exit_status == Some(0) => Ok(()),
        missing => Err(super::db_restore::stage_failed(
            context,
            "restore",
            format!(
                "the snapshot did not give back {}; nothing on {} was changed",
                missing
                    .and_then(|path| path.strip_prefix(folder))
                    .unwrap_or("the project folder"),
                context.host_name
            ),
        )),
    }
}

/// Lists the destination folders that exist on the target and are not empty: the project
/// folder, bind folders and database folders.
async fn occupied_folders(
    context: &PlanContext,
    manifest: &StackManifest,
    destination: &Destination,
) -> Result<Vec<String>> {
    let mut argv = vec![
        "sh".to_string(),
        "-c".to_string(),
        r#"for path do
  if [ -d "$path" ]; then [ -n "$(ls -A -- "$path" 2>/dev/null)" ] && printf '%s\n' "$path"
  elif [ -e "$path" ]; then printf '%s\n' "$path"; fi
done
exit 0"#
            .to_string(),
        "homeport-stack".to_string(),
        destination.directory.clone(),
    ];
    argv.extend(manifest.binds.iter().cloned());
    argv.extend(
        manifest
            .database_binds
            .iter()
            .map(|bind| moved_path(bind, &manifest.working_dir, &destination.directory)),
    );
    let output = context.shell.exec(&argv).await?;
    Ok(output
        .stdout
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect())
}

fn copy_argv(from: &str, to: &str) -> Vec<String> {
    vec![
        "sh".to_string(),
        "-c".to_string(),
        COPY_FOLDER_SCRIPT.to_string(),
        "homeport-stack".to_string(),
        from.to_string(),
        to.to_string(),
    ]
}

/// Returns the Compose files in the restored folder: each original file's path moved from
/// the original folder to `directory`. Files outside the original folder keep their path.
fn config_files(manifest: &StackManifest, directory: &str) -> Vec<String> {
    manifest
        .config_files
        .iter()
        .map(|file| {
            // docker-compose 1.x labels the files relative to the project folder.
            if file.starts_with('/') {
                moved_path(file, &manifest.working_dir, directory)
            } else {
                format!("{}/{file}", directory.trim_end_matches('/'))
            }
        })
        .collect()
}

/// Builds `compose -p NAME --project-directory DIR -f FILE... ARGS` for the host.
fn compose_argv(
    docker: &DockerCli,
    name: &str,
    directory: &str,
    files: &[String],
    args: &[&str],
) -> Result<Vec<String>> {
    let mut argv = Vec::new();
    if let Some(host) = &docker.host {
        // Validated by the docker command builder first.
        docker.command()?;
        argv.extend(["env".to_string(), format!("DOCKER_HOST={host}")]);
    }
    argv.extend([
        "sh".to_string(),
        "-c".to_string(),
        COMPOSE_SCRIPT.to_string(),
        "homeport-compose".to_string(),
        "--project-name".to_string(),
        name.to_string(),
        "--project-directory".to_string(),
        directory.to_string(),
    ]);
    for file in files {
        argv.extend(["--file".to_string(), file.clone()]);
    }
    argv.extend(args.iter().map(|arg| arg.to_string()));
    Ok(argv)
}

/// Lists the names of a project's containers on the host, of one service when given.
async fn project_containers(context: &PlanContext, project: &str, service: Option<&str>) -> Result<Vec<String>> {
    let mut argv = context.docker.command()?;
    argv.extend([
        "ps".to_string(),
        "--all".to_string(),
        "--format".to_string(),
        "{{.Names}}".to_string(),
        "--filter".to_string(),
        format!("label={PROJECT_LABEL}={project}"),
    ]);
    if let Some(service) = service {
        argv.extend([
            "--filter".to_string(),
            format!("label=com.docker.compose.service={service}"),
        ]);
    }
    let output = context.shell.exec(&argv).await?;
    if output.exit_status != Some(0) {
        return Err(super::db_restore::stage_failed(
            context,
            "check",
            format!(
                "cannot list the containers on {}: {}",
                context.host_name,
                output.stderr.trim()
            ),
        ));
    }
    let mut names: Vec<String> = output
        .stdout
        .lines()
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect();
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> StackManifest {
        StackManifest {
            project: "shop".into(),
            working_dir: "/opt/stacks/shop".into(),
            config_files: vec![
                "/opt/stacks/shop/compose.yaml".into(),
                "/etc/shared/base.yaml".into(),
                "override.yaml".into(),
            ],
            volumes: Vec::new(),
            binds: Vec::new(),
            database_binds: Vec::new(),
            databases: Vec::new(),
        }
    }

    #[test]
    fn config_files_move_with_the_folder() {
        assert_eq!(
            config_files(&manifest(), "/srv/shop-copy/"),
            [
                "/srv/shop-copy/compose.yaml",
                "/etc/shared/base.yaml",
                "/srv/shop-copy/override.yaml"
            ]
        );
    }

    #[test]
    fn compose_argv_sets_docker_host_outside_the_script() {
        let docker = DockerCli {
            host: Some("unix:///run/lab.sock".into()),
        };
        let argv = compose_argv(
            &docker,
            "shop",
            "/srv/shop",
            &["/srv/shop/compose.yaml".into()],
            &["up", "--detach"],
        )
        .unwrap();
        assert_eq!(argv[..2], ["env", "DOCKER_HOST=unix:///run/lab.sock"]);
        assert!(argv.ends_with(&[
            "--file".into(),
            "/srv/shop/compose.yaml".into(),
            "up".into(),
            "--detach".into()
        ]));
        let bad = DockerCli {
            host: Some("-H evil".into()),
        };
        assert!(compose_argv(&bad, "shop", "/srv", &[], &["up"]).is_err());
    }

    #[test]
    fn moved_paths_follow_the_folder() {
        assert_eq!(
            moved_path("/opt/stacks/shop/pgdata", "/opt/stacks/shop", "/srv/copy"),
            "/srv/copy/pgdata"
        );
        assert_eq!(
            moved_path("/opt/stacks/shop", "/opt/stacks/shop/", "/srv/copy"),
            "/srv/copy"
        );
        assert_eq!(
            moved_path("/opt/stacks/shopping", "/opt/stacks/shop", "/srv/copy"),
            "/opt/stacks/shopping"
        );
    }

    #[test]
    fn copy_script_copies_files_and_rejects_missing() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("timezone");
        std::fs::write(&source, "Europe/Berlin\n").unwrap();
        let target = dir.path().join("etc/timezone");
        let run = |from: &std::path::Path, to: &std::path::Path| {
            std::process::Command::new("sh")
                .args(["-c", COPY_FOLDER_SCRIPT, "sh"])
                .arg(from)
                .arg(to)
                .status()
                .unwrap()
        };
        assert!(run(&source, &target).success());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "Europe/Berlin\n");
        assert!(!run(&dir.path().join("missing"), &dir.path().join("out")).success());
    }

    #[test]
    fn request_defaults_to_the_original_host_and_name() {
        let request: StackRestoreRequest = serde_json::from_str(r#"{"snapshot":"latest","project":"shop"}"#).unwrap();
        assert_eq!(request.host, None);
        assert_eq!(request.name, None);
        assert_eq!(request.directory, None);
    }
}

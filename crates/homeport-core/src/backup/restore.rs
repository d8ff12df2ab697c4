//! Snapshots, their files, and restores: to the original paths or under a new folder, with a
//! preview of what would be overwritten and a refusal of anything that would land outside the
//! chosen root.
//!
//! restic 0.14 stores a backed-up absolute path with its full path in the snapshot, so a file
//! `/srv/app/a.txt` restores to `TARGET/srv/app/a.txt`: the original place is target `/`.
//! Run as root on the host, restic restores owners and groups too; permissions and times are
//! restored for every user.

use serde::{Deserialize, Serialize};

use super::plan::check_absolute_path;
use super::restic::{parse_ls_line, parse_snapshots, plan_tag, Node, Restic, SecretCommand, Snapshot};
use super::run::{run_restic_stage, PlanContext, Recorder, RunEvent, RunResult};
use super::shell::ProcessOutcome;
use super::store::{RunKind, RunStatus, RunTrigger};
use crate::error::{Error, Result};

/// Stops listing a snapshot's files past this many, so a huge snapshot cannot fill memory.
pub const MAX_LISTED_NODES: usize = 200_000;
/// Shows at most this many files in a preview; the counts cover all of them.
pub const MAX_PREVIEW_ENTRIES: usize = 1_000;

/// Runs a restic command that only reads (no stage record), returning its outcome.
async fn read_only(context: &PlanContext, command: &SecretCommand) -> Result<ProcessOutcome> {
    context.shell.run(command, &mut |_, _| {}, &context.cancel).await
}

/// Lists the plan's snapshots in its first repository, oldest first.
pub async fn snapshots(context: &PlanContext) -> Result<Vec<Snapshot>> {
    let repository = first_repository(context)?;
    let env = context.secrets.env_for(&repository.name);
    let restic = Restic {
        repository: &repository.location,
    };
    let outcome = read_only(context, &env.wrap(restic.snapshots(&plan_tag(&context.plan.id)))).await?;
    if !outcome.succeeded() {
        return Err(super::run::stage_error(context, "snapshots", repository, &outcome).await);
    }
    parse_snapshots(&outcome.stdout.join("\n")).map_err(|detail| Error::BackupFailed {
        plan: context.plan.definition.name.clone(),
        stage: "snapshots".into(),
        detail,
    })
}

/// Returns the snapshot id to use for `snapshot`: the id itself, or for `latest` the newest
/// snapshot of this plan. restic's own `latest` ignores the plan's tag, so in a repository
/// that several plans share it could name another plan's snapshot.
pub(crate) async fn resolve_snapshot(context: &PlanContext, snapshot: &str) -> Result<String> {
    check_snapshot_id(snapshot)?;
    if snapshot != "latest" {
        return Ok(snapshot.to_string());
    }
    let all = snapshots(context).await?;
    all.last()
        .map(|newest| newest.id.clone())
        .ok_or_else(|| Error::BackupFailed {
            plan: context.plan.definition.name.clone(),
            stage: "snapshots".into(),
            detail: "the plan has no snapshot yet; run a backup first".to_string(),
        })
}

/// Lists the files of a snapshot under `paths` (everything when empty), in restic's order
/// (depth first, by name).
pub async fn list_files(context: &PlanContext, snapshot: &str, paths: &[String]) -> Result<Vec<Node>> {
    let snapshot = &resolve_snapshot(context, snapshot).await?;
    for path in paths {
        check_absolute_path("path", path)?;
    }
    let repository = first_repository(context)?;
    let env = context.secrets.env_for(&repository.name);
    let restic = Restic {
        repository: &repository.location,
    };
    let outcome = read_only(context, &env.wrap(restic.ls(snapshot, paths))).await?;
    if !outcome.succeeded() {
        return Err(super::run::stage_error(context, "ls", repository, &outcome).await);
    }
    Ok(outcome
        .stdout
        .iter()
        .filter_map(|line| parse_ls_line(line))
        .take(MAX_LISTED_NODES)
        .collect())
}

/// Returns the direct children of `folder` in a snapshot, for browsing one level at a time.
pub fn children_of(nodes: &[Node], folder: &str) -> Vec<Node> {
    let folder = folder.trim_end_matches('/');
    nodes
        .iter()
        .filter(|node| match node.path.rsplit_once('/') {
            Some((parent, _)) => parent == folder,
            None => false,
        })
        .cloned()
        .collect()
}

/// A restore request: the files and the destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RestoreRequest {
    /// A snapshot id (short or full) or `latest`.
    pub snapshot: String,
    /// Absolute paths in the snapshot; empty restores the whole snapshot.
    pub paths: Vec<String>,
    /// The folder on the host the files are restored under; `None` restores to the original
    /// paths, which must then lie within the plan's items.
    pub target: Option<String>,
}

/// The effect of restoring one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum RestoreAction {
    Create,
    Overwrite,
    /// The destination, after following symbolic links on the host, is outside the root.
    Outside,
}

/// One file of a preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RestorePreviewEntry {
    pub path: String,
    pub destination: String,
    pub kind: String,
    pub action: RestoreAction,
}

/// The effect of a restore, computed before it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RestorePreview {
    /// The folder every restored file must stay inside.
    pub root: String,
    /// The files that would be overwritten or land outside the root first, then new ones, at
    /// most [`MAX_PREVIEW_ENTRIES`].
    pub entries: Vec<RestorePreviewEntry>,
    pub create_count: u32,
    pub overwrite_count: u32,
    pub outside_count: u32,
}

/// Checks the request's values before anything runs on the host.
pub fn check_request(context: &PlanContext, request: &RestoreRequest) -> Result<()> {
    check_snapshot_id(&request.snapshot)?;
    for path in &request.paths {
        check_absolute_path("paths", path)?;
    }
    match &request.target {
        Some(target) => {
            check_absolute_path("target", target)?;
            if target == "/" {
                return Err(Error::invalid(
                    "target",
                    target,
                    "to restore to the original paths, leave the target empty; otherwise choose a folder",
                ));
            }
        }
        None => {
            let roots = context
                .plan
                .definition
                .backup_paths(&format!("{}/{}", super::run::DUMP_ROOT, context.plan.id));
            if request.paths.is_empty() {
                return Err(Error::invalid(
                    "paths",
                    "[]",
                    "choose the files or folders to put back; restoring a whole snapshot in place needs a target folder",
                ));
            }
            for path in &request.paths {
                let inside = roots.iter().any(|root| is_within(path, root));
                if !inside {
                    return Err(Error::invalid(
                        "paths",
                        path,
                        format!(
                            "only paths within the plan's items ({}) restore to their original place; choose a target folder instead",
                            roots.join(", ")
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Returns whether `path` is `root` or lies below it (both normalised absolute paths).
pub fn is_within(path: &str, root: &str) -> bool {
    let root = root.trim_end_matches('/');
    root.is_empty() || path == root || path.starts_with(&format!("{root}/"))
}

pub(crate) fn check_snapshot_id(snapshot: &str) -> Result<()> {
    let valid = snapshot == "latest"
        || (snapshot.len() >= 8 && snapshot.len() <= 64 && snapshot.chars().all(|c| c.is_ascii_hexdigit()));
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            "snapshot",
            snapshot,
            "use a snapshot id from the list (8 to 64 hexadecimal digits) or latest",
        ))
    }
}

/// The destination of a snapshot path under `root`.
fn destination(root: &str, path: &str) -> String {
    if root == "/" {
        path.to_string()
    } else {
        format!("{}{path}", root.trim_end_matches('/'))
    }
}

/// A sh script that reads `KIND<TAB>PATH` lines and prints `exists` or `outside` lines for
/// the paths that are not new. A path is outside when its real location (symbolic links
/// followed, for a link itself its parent's) is not within the real root given as `$1`.
/// `realpath -m` is GNU coreutils'.
const PREVIEW_SCRIPT: &str = r#"root=$(realpath -m -- "$1") || exit 2
while IFS="	" read -r kind path; do
  probe=$path
  [ "$kind" = symlink ] && probe=$(dirname -- "$path")
  real=$(realpath -m -- "$probe") || { printf 'outside\t%s\n' "$path"; continue; }
  if [ "$root" != / ]; then
    case "$real" in "$root"|"$root"/*) ;; *) printf 'outside\t%s\n' "$path"; continue ;; esac
  fi
  if [ -e "$path" ] || [ -L "$path" ]; then printf 'exists\t%s\n' "$path"; fi
done"#;

/// Lists what restoring `request` would create, overwrite or put outside the root.
pub async fn preview(context: &PlanContext, request: &RestoreRequest) -> Result<RestorePreview> {
    check_request(context, request)?;
    let request = &RestoreRequest {
        snapshot: resolve_snapshot(context, &request.snapshot).await?,
        ..request.clone()
    };
    let nodes = list_files(context, &request.snapshot, &request.paths).await?;
    let root = request.target.clone().unwrap_or_else(|| "/".to_string());
    let mut input = String::new();
    let mut entries = Vec::new();
    for node in &nodes {
        if node.path.contains('\n') || node.path.contains('\t') {
            continue;
        }
        let target = destination(&root, &node.path);
        input.push_str(&format!("{}\t{target}\n", node.kind));
        entries.push(RestorePreviewEntry {
            path: node.path.clone(),
            destination: target,
            kind: node.kind.clone(),
            action: RestoreAction::Create,
        });
    }
    let command = SecretCommand {
        argv: vec![
            "sh".into(),
            "-c".into(),
            PREVIEW_SCRIPT.into(),
            "sh".into(),
            root.clone(),
        ],
        stdin: input.into_bytes(),
    };
    let outcome = read_only(context, &command).await?;
    if !outcome.succeeded() {
        return Err(Error::BackupFailed {
            plan: context.plan.definition.name.clone(),
            stage: "preview".into(),
            detail: format!(
                "the check of the restore target on the host failed: {}",
                outcome.tail.join(" / ")
            ),
        });
    }
    let mut marked = std::collections::HashMap::new();
    for line in &outcome.stdout {
        if let Some((status, path)) = line.split_once('\t') {
            let action = if status == "outside" {
                RestoreAction::Outside
            } else {
                RestoreAction::Overwrite
            };
            marked.insert(path.to_string(), action);
        }
    }
    for entry in &mut entries {
        if let Some(action) = marked.get(&entry.destination) {
            entry.action = *action;
        }
    }
    let count = |action: RestoreAction| entries.iter().filter(|entry| entry.action == action).count() as u32;
    let (create_count, overwrite_count, outside_count) = (
        count(RestoreAction::Create),
        count(RestoreAction::Overwrite),
        count(RestoreAction::Outside),
    );
    // The entries a person must look at come first.
    entries.sort_by_key(|entry| match entry.action {
        RestoreAction::Outside => 0,
        RestoreAction::Overwrite => 1,
        RestoreAction::Create => 2,
    });
    entries.truncate(MAX_PREVIEW_ENTRIES);
    Ok(RestorePreview {
        root,
        entries,
        create_count,
        overwrite_count,
        outside_count,
    })
}

/// Restores files after a preview shows none would land outside the root. Overwriting needs
/// `overwrite_confirmed` when the preview finds existing files.
pub async fn restore(
    context: &PlanContext,
    request: &RestoreRequest,
    overwrite_confirmed: bool,
    on_event: &mut (dyn FnMut(RunEvent) + Send),
) -> Result<RunResult> {
    check_request(context, request)?;
    let request = &RestoreRequest {
        snapshot: resolve_snapshot(context, &request.snapshot).await?,
        ..request.clone()
    };
    let checked = preview(context, request).await?;
    if checked.outside_count > 0 {
        let first = checked
            .entries
            .iter()
            .find(|entry| entry.action == RestoreAction::Outside)
            .map(|entry| entry.destination.clone())
            .unwrap_or_default();
        return Err(Error::invalid(
            "target",
            first,
            format!(
                "{} file(s) would land outside {} through a symbolic link; choose another target folder",
                checked.outside_count, checked.root
            ),
        ));
    }
    if checked.overwrite_count > 0 && !overwrite_confirmed {
        return Err(Error::invalid(
            "overwrite",
            checked.overwrite_count.to_string(),
            "the restore would overwrite existing files; review the preview and confirm",
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
    let repository = first_repository(context)?.clone();
    let argv = Restic {
        repository: &repository.location,
    }
    .restore(&request.snapshot, &checked.root, &request.paths, false);
    let result = run_restic_stage(context, &mut recorder, "restore", &repository, argv).await;
    tracing::info!(plan_id = %context.plan.id, snapshot = %request.snapshot, root = %checked.root, ok = result.is_ok(), "restore finished");
    recorder.finish(result.err()).await
}

pub(crate) fn first_repository(context: &PlanContext) -> Result<&super::plan::RepositoryDefinition> {
    context
        .plan
        .definition
        .primary_repositories()
        .next()
        .ok_or_else(|| Error::invalid("repositories", "[]", "add a repository that restic backs up to"))
}

/// Makes a private scratch folder named `prefix` plus random letters under `parent` on the
/// host and returns its path.
pub(crate) async fn make_scratch(context: &PlanContext, parent: &str, prefix: &str) -> Result<String> {
    let template = format!("{}/{prefix}XXXXXXXX", parent.trim_end_matches('/'));
    let output = context
        .shell
        .exec(&["mktemp".to_string(), "-d".to_string(), template])
        .await?;
    let folder = output.stdout.trim().to_string();
    if output.exit_status != Some(0) || folder.is_empty() {
        return Err(Error::BackupFailed {
            plan: context.plan.definition.name.clone(),
            stage: "restore".into(),
            detail: format!("cannot create a scratch folder in {parent}: {}", output.stderr.trim()),
        });
    }
    Ok(folder)
}

/// Removes a scratch folder as a `cleanup` stage, only when its name starts with `prefix`, so
/// a wrong path can never become an `rm -rf` of something else.
pub(crate) async fn remove_scratch(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    folder: &str,
    prefix: &str,
) -> Result<()> {
    let started = std::time::Instant::now();
    let position = recorder.begin("cleanup", "").await?;
    let name_ok = folder.rsplit('/').next().is_some_and(|name| name.starts_with(prefix))
        && folder.starts_with('/')
        && !folder.contains("/../");
    if !name_ok {
        let detail = format!("kept {folder}: its name is not a scratch folder's");
        return recorder.end(position, RunStatus::Failed, None, detail, started).await;
    }
    let output = context
        .shell
        .exec(&[
            "rm".to_string(),
            "-rf".to_string(),
            "--".to_string(),
            folder.to_string(),
        ])
        .await;
    let (status, detail) = match output {
        Ok(output) if output.exit_status == Some(0) => (RunStatus::Succeeded, format!("removed {folder}")),
        Ok(output) => (RunStatus::Failed, output.stderr),
        Err(err) => (RunStatus::Failed, err.to_string()),
    };
    recorder.end(position, status, None, detail, started).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_checks_whole_parts() {
        assert!(is_within("/srv/app/a", "/srv/app"));
        assert!(is_within("/srv/app", "/srv/app/"));
        assert!(!is_within("/srv/application", "/srv/app"));
        assert!(is_within("/anything", "/"));
    }

    #[test]
    fn destination_joins_root_and_path() {
        assert_eq!(destination("/", "/srv/a"), "/srv/a");
        assert_eq!(destination("/restore/", "/srv/a"), "/restore/srv/a");
    }

    #[test]
    fn snapshot_ids_are_checked() {
        assert!(check_snapshot_id("latest").is_ok());
        assert!(check_snapshot_id("349d02e0").is_ok());
        assert!(check_snapshot_id("349d02e0; rm -rf /").is_err());
        assert!(check_snapshot_id("abc").is_err());
    }

    #[test]
    fn children_are_one_level_deep() {
        let node = |path: &str| Node {
            name: path.rsplit('/').next().unwrap().to_string(),
            kind: "file".into(),
            path: path.into(),
            uid: 0,
            gid: 0,
            size: Some(1),
            permissions: String::new(),
            mtime: String::new(),
        };
        let nodes = vec![node("/srv"), node("/srv/a"), node("/srv/b"), node("/srv/b/c")];
        let names: Vec<_> = children_of(&nodes, "/srv").into_iter().map(|n| n.path).collect();
        assert_eq!(names, ["/srv/a", "/srv/b"]);
        assert_eq!(children_of(&nodes, "").len(), 1);
    }

    #[test]
    fn preview_script_marks_links_out_of_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(root.join("srv")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(root.join("srv/existing"), "x").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("escape")).unwrap();
        let root_text = root.to_str().unwrap();
        let input = format!(
            "file\t{root_text}/srv/existing\nfile\t{root_text}/srv/new\nfile\t{root_text}/escape/f\nfile\t{root_text}/../x\n"
        );
        let mut child = std::process::Command::new("sh")
            .args(["-c", PREVIEW_SCRIPT, "sh", root_text])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let output = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
        assert!(
            output.contains(&format!("exists\t{root_text}/srv/existing")),
            "{output}"
        );
        assert!(output.contains(&format!("outside\t{root_text}/escape/f")), "{output}");
        assert!(output.contains(&format!("outside\t{root_text}/../x")), "{output}");
        assert!(!output.contains("srv/new"), "{output}");
    }
}

//! Restore drills: restore a sample of the newest snapshot into a scratch folder on the host,
//! check every restored file against the snapshot, record the time taken as the measured
//! recovery time, and clean up.
//!
//! The check compares two independent reads of the repository: the SHA-256 of the file that
//! `restic restore` wrote, and the SHA-256 of `restic dump` of the same path. A damaged pack,
//! a missing blob or a restore that writes the wrong bytes makes them differ or fail.

use std::time::Instant;

use super::db_restore::{container_image, drill_database, plan_database, LoadCheck};
use super::plan::BackupItem;
use super::restic::{Node, Restic, SecretCommand};
use super::restore::{first_repository, list_files, make_scratch, remove_scratch};
use super::run::{run_restic_stage, PlanContext, Recorder, RunEvent, RunResult};
use super::stack_restore::read_manifest;
use super::store::{DrillDatabase, DrillFile, DrillRecord, RunKind, RunStatus, RunTrigger};
use crate::error::{Error, Result};

/// The prefix of every scratch folder, so cleanup removes only folders a drill made.
const SCRATCH_PREFIX: &str = "homeport-drill.";

/// A finished drill: the run record and the drill's own record.
#[derive(Debug)]
pub struct DrillResult {
    pub run: RunResult,
    pub drill: DrillRecord,
}

/// Picks up to `count` files, at random or the first ones in path order.
pub fn pick_files(nodes: &[Node], count: usize, random: bool) -> Vec<Node> {
    let mut files: Vec<Node> = nodes
        .iter()
        .filter(|node| node.kind == "file" && !node.path.contains('\n'))
        .cloned()
        .collect();
    if random {
        // Fisher-Yates with the OS's random numbers; the sample needs no reproducibility.
        for index in (1..files.len()).rev() {
            let other = random_below(index + 1);
            files.swap(index, other);
        }
        files.truncate(count);
        files.sort_by(|a, b| a.path.cmp(&b.path));
    } else {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.truncate(count);
    }
    files
}

fn random_below(bound: usize) -> usize {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0;
    }
    (u64::from_le_bytes(bytes) % bound as u64) as usize
}

/// Runs a drill of the plan now and records it.
pub async fn run_drill(
    context: &PlanContext,
    trigger: RunTrigger,
    random: Option<bool>,
    on_event: &mut (dyn FnMut(RunEvent) + Send),
) -> Result<DrillResult> {
    let mut recorder = Recorder::start(&context.store, &context.plan.id, RunKind::Drill, trigger, on_event).await?;
    let mut drill = DrillRecord {
        id: uuid::Uuid::new_v4().to_string(),
        plan_id: context.plan.id.clone(),
        run_id: recorder.record.id.clone(),
        started_at: recorder.record.started_at.clone(),
        passed: false,
        snapshot_id: String::new(),
        files_checked: 0,
        bytes_checked: 0,
        duration_ms: 0,
        rto_target_seconds: context.plan.definition.rto_hours * 3600,
        failure: String::new(),
        files: Vec::new(),
        databases: Vec::new(),
    };
    let random = random.unwrap_or(context.plan.definition.drill.random);
    let mut scratch = None;
    let outcome = drill_stages(context, &mut recorder, &mut drill, random, &mut scratch).await;
    if let Some(folder) = scratch {
        remove_scratch(context, &mut recorder, &folder, SCRATCH_PREFIX).await?;
    }
    let error = match outcome {
        Ok(())
            if drill.files.iter().all(|file| file.ok)
                && !drill.files.is_empty()
                && drill.databases.iter().all(|db| db.ok) =>
        {
            None
        }
        Ok(()) if drill.files.iter().all(|file| file.ok) && !drill.files.is_empty() => {
            let failed: Vec<String> = drill
                .databases
                .iter()
                .filter(|db| !db.ok)
                .map(|db| format!("{}: {}", db.container, db.failure))
                .collect();
            Some(Error::BackupFailed {
                plan: context.plan.definition.name.clone(),
                stage: "load".into(),
                detail: format!("{} database dump(s) did not load: {}", failed.len(), failed.join("; ")),
            })
        }
        Ok(()) => {
            let bad: Vec<_> = drill
                .files
                .iter()
                .filter(|file| !file.ok)
                .map(|file| file.path.clone())
                .collect();
            Some(Error::BackupFailed {
                plan: context.plan.definition.name.clone(),
                stage: "verify".into(),
                detail: if drill.files.is_empty() {
                    "the newest snapshot has no files to check".to_string()
                } else {
                    format!(
                        "{} restored file(s) differ from the snapshot: {}",
                        bad.len(),
                        bad.join(", ")
                    )
                },
            })
        }
        Err(err) => Some(err),
    };
    drill.passed = error.is_none();
    drill.failure = error.as_ref().map(ToString::to_string).unwrap_or_default();
    context.store.backup_drill_save(&drill).await?;
    tracing::info!(
        plan_id = %context.plan.id,
        drill_id = %drill.id,
        passed = drill.passed,
        duration_ms = drill.duration_ms,
        files = drill.files_checked,
        "restore drill finished"
    );
    let run = recorder.finish(error).await?;
    Ok(DrillResult { run, drill })
}

async fn drill_stages(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    drill: &mut DrillRecord,
    random: bool,
    scratch: &mut Option<String>,
) -> Result<()> {
    context.shell.require_tool(&context.host_name, "restic").await?;
    let plan = &context.plan.definition;
    let repository = first_repository(context)?.clone();

    let snapshots = super::restore::snapshots(context).await?;
    let Some(newest) = snapshots.last() else {
        return Err(Error::BackupFailed {
            plan: plan.name.clone(),
            stage: "restore".into(),
            detail: format!(
                "the repository {} has no snapshot of this plan yet; run a backup first",
                repository.location
            ),
        });
    };
    drill.snapshot_id = newest.short_id.clone();
    let nodes = list_files(context, &newest.id, &[]).await?;
    let picked = pick_files(&nodes, plan.drill.files as usize, random);

    let folder = make_scratch(context, &plan.drill.scratch_dir, SCRATCH_PREFIX).await?;
    *scratch = Some(folder.clone());

    let started = Instant::now();
    let includes: Vec<String> = picked.iter().map(|node| node.path.clone()).collect();
    let argv = Restic {
        repository: &repository.location,
    }
    .restore(&newest.id, &folder, &includes, true);
    run_restic_stage(context, recorder, "restore", &repository, argv).await?;
    // The measured RTO is the restore alone. The check below proves the data but is not part
    // of getting it back; its time is recorded with the verify stage.
    drill.duration_ms = started.elapsed().as_millis() as u64;

    let position = recorder.begin("verify", &repository.name).await?;
    let verify_started = Instant::now();
    let restored = hash_restored(context, &folder, &picked).await?;
    let mut lines = Vec::new();
    for (node, restored_sha256) in picked.iter().zip(restored) {
        let snapshot_sha256 = hash_dump(context, &repository, &newest.id, &node.path).await?;
        let ok = !restored_sha256.is_empty() && restored_sha256 == snapshot_sha256;
        lines.push(format!("{} {}", if ok { "ok" } else { "MISMATCH" }, node.path));
        drill.files.push(DrillFile {
            path: node.path.clone(),
            size: node.size.unwrap_or_default(),
            restored_sha256,
            snapshot_sha256,
            ok,
        });
    }
    drill.files_checked = drill.files.len() as u32;
    drill.bytes_checked = drill.files.iter().map(|file| file.size).sum();
    let status = if drill.files.iter().all(|file| file.ok) {
        RunStatus::Succeeded
    } else {
        RunStatus::Failed
    };
    recorder
        .end(position, status, None, lines.join("\n"), verify_started)
        .await?;

    drill_databases(context, recorder, drill, &newest.id).await
}

/// Loads each database dump of the snapshot into a scratch container started from the
/// original container's image, and checks the dump's databases are there afterwards. The
/// time of each is added to the measured RTO: a database is back only once its dump loaded.
async fn drill_databases(
    context: &PlanContext,
    recorder: &mut Recorder<'_>,
    drill: &mut DrillRecord,
    snapshot: &str,
) -> Result<()> {
    let mut sources = Vec::new();
    for item in &context.plan.definition.items {
        match item {
            BackupItem::Database { container, .. } => sources.push(plan_database(context, container)?),
            BackupItem::Stack { project } => {
                let manifest = read_manifest(context, snapshot, project).await?;
                sources.extend(manifest.databases.iter().map(|database| database.target()));
            }
            BackupItem::Path { .. } | BackupItem::Volume { .. } => {}
        }
    }
    for source in sources {
        let started = Instant::now();
        let container = &source.container;
        let outcome = match container_image(context, container).await {
            Ok(image) => drill_database(context, recorder, snapshot, &source, &image).await,
            Err(err) => Err(err),
        };
        if matches!(outcome, Err(Error::Cancelled)) {
            return Err(Error::Cancelled);
        }
        let elapsed = started.elapsed().as_millis() as u64;
        drill.duration_ms += elapsed;
        let (check, failure) = match outcome {
            Ok(check) if check.passed() => (check, String::new()),
            Ok(check) => {
                let failure = format!("missing after the load: {}", check.missing.join(", "));
                (check, failure)
            }
            Err(err) => (LoadCheck::default(), err.to_string()),
        };
        drill.databases.push(DrillDatabase {
            container: container.clone(),
            engine: source.engine.as_str().to_string(),
            ok: failure.is_empty(),
            expected: check.expected,
            missing: check.missing,
            duration_ms: elapsed,
            failure,
        });
    }
    Ok(())
}

/// Returns the SHA-256 of each restored file, or an empty string for a missing one.
async fn hash_restored(context: &PlanContext, folder: &str, picked: &[Node]) -> Result<Vec<String>> {
    let script = r#"while IFS= read -r file; do
  if [ -f "$1$file" ]; then sha256sum < "$1$file" | cut -d' ' -f1; else echo; fi
done"#;
    let input: String = picked.iter().map(|node| format!("{}\n", node.path)).collect();
    let command = SecretCommand {
        argv: vec!["sh".into(), "-c".into(), script.into(), "sh".into(), folder.to_string()],
        stdin: input.into_bytes(),
    };
    let outcome = context.shell.run(&command, &mut |_, _| {}, &context.cancel).await?;
    if !outcome.succeeded() || outcome.stdout.len() != picked.len() {
        return Err(Error::BackupFailed {
            plan: context.plan.definition.name.clone(),
            stage: "verify".into(),
            detail: format!("hashing the restored files failed: {}", outcome.tail.join(" / ")),
        });
    }
    Ok(outcome.stdout.iter().map(|line| line.trim().to_string()).collect())
}

/// Returns the SHA-256 of `restic dump` of one file, computed on the host.
async fn hash_dump(
    context: &PlanContext,
    repository: &super::plan::RepositoryDefinition,
    snapshot: &str,
    path: &str,
) -> Result<String> {
    // restic's exit status goes to stderr, because a pipeline's status is the last command's.
    let script = r#"{ restic -r "$1" dump "$2" "$3"; echo "restic-exit $?" >&2; } | sha256sum | cut -d' ' -f1"#;
    let argv = vec![
        "sh".into(),
        "-c".into(),
        script.into(),
        "sh".into(),
        repository.location.clone(),
        snapshot.to_string(),
        path.to_string(),
    ];
    let command = context.secrets.env_for(&repository.name).wrap(argv);
    let outcome = context.shell.run(&command, &mut |_, _| {}, &context.cancel).await?;
    let restic_ok = outcome.tail.iter().any(|line| line.trim() == "restic-exit 0");
    if outcome.cancelled {
        return Err(Error::Cancelled);
    }
    if !restic_ok {
        return Ok(String::new());
    }
    Ok(outcome
        .stdout
        .last()
        .map(|line| line.trim().to_string())
        .unwrap_or_default())
}

/// A format the drill history exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Json,
    Csv,
    Markdown,
}

impl ReportFormat {
    /// Parses `json`, `csv` or `markdown` (`md`).
    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            "markdown" | "md" => Ok(Self::Markdown),
            other => Err(Error::invalid("format", other, "use json, csv or markdown")),
        }
    }
}

/// Renders the drill history of a plan, newest first.
pub fn render_report(plan_name: &str, drills: &[DrillRecord], format: ReportFormat) -> Result<String> {
    match format {
        ReportFormat::Json => serde_json::to_string_pretty(drills).map_err(|err| Error::Internal(err.to_string())),
        ReportFormat::Csv => {
            let mut text = String::from(
                "started_at,passed,snapshot,files_checked,bytes_checked,duration_seconds,rto_target_seconds,within_rto,failure\n",
            );
            for drill in drills {
                text.push_str(&format!(
                    "{},{},{},{},{},{:.1},{},{},{}\n",
                    drill.started_at,
                    drill.passed,
                    drill.snapshot_id,
                    drill.files_checked,
                    drill.bytes_checked,
                    drill.duration_ms as f64 / 1000.0,
                    drill.rto_target_seconds,
                    drill.within_rto(),
                    csv_field(&drill.failure)
                ));
            }
            Ok(text)
        }
        ReportFormat::Markdown => {
            let mut text = format!(
                "# Restore drills of {plan_name}\n\n| started (UTC) | result | snapshot | files | measured RTO | target | failure |\n|---|---|---|---|---|---|---|\n"
            );
            for drill in drills {
                text.push_str(&format!(
                    "| {} | {} | {} | {} | {:.1} s | {} h | {} |\n",
                    drill.started_at,
                    if drill.passed { "passed" } else { "failed" },
                    drill.snapshot_id,
                    drill.files_checked,
                    drill.duration_ms as f64 / 1000.0,
                    drill.rto_target_seconds / 3600,
                    drill.failure.replace('|', "\\|").replace('\n', " ")
                ));
            }
            Ok(text)
        }
    }
}

/// Quotes a CSV field when it contains a comma, quote or line break (RFC 4180).
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(path: &str, kind: &str) -> Node {
        Node {
            name: path.rsplit('/').next().unwrap().to_string(),
            kind: kind.into(),
            path: path.into(),
            uid: 0,
            gid: 0,
            size: Some(10),
            permissions: String::new(),
            mtime: String::new(),
        }
    }

    #[test]
    fn pick_takes_files_only() {
        let nodes = vec![
            node("/a", "dir"),
            node("/a/2", "file"),
            node("/a/1", "file"),
            node("/a/l", "symlink"),
        ];
        let picked = pick_files(&nodes, 5, false);
        let paths: Vec<_> = picked.iter().map(|n| n.path.as_str()).collect();
        assert_eq!(paths, ["/a/1", "/a/2"]);
    }

    #[test]
    fn random_pick_respects_count() {
        let nodes: Vec<_> = (0..50).map(|i| node(&format!("/d/{i:02}"), "file")).collect();
        let picked = pick_files(&nodes, 7, true);
        assert_eq!(picked.len(), 7);
        let mut unique: Vec<_> = picked.iter().map(|n| n.path.clone()).collect();
        unique.dedup();
        assert_eq!(unique.len(), 7);
    }

    fn drill(passed: bool, failure: &str) -> DrillRecord {
        DrillRecord {
            id: "d1".into(),
            plan_id: "p1".into(),
            run_id: "r1".into(),
            started_at: "2026-01-01T04:00:00Z".into(),
            passed,
            snapshot_id: "349d02e0".into(),
            files_checked: 20,
            bytes_checked: 1000,
            duration_ms: 12_500,
            rto_target_seconds: 4 * 3600,
            failure: failure.into(),
            files: Vec::new(),
            databases: Vec::new(),
        }
    }

    #[test]
    fn csv_quotes_failures() {
        let text = render_report("nas", &[drill(false, "wrong, \"password\"")], ReportFormat::Csv).unwrap();
        let row = text.lines().nth(1).unwrap();
        assert!(row.ends_with("\"wrong, \"\"password\"\"\""), "{row}");
        assert!(row.contains(",12.5,14400,true,"), "{row}");
    }

    #[test]
    fn markdown_has_one_row_per_drill() {
        let text = render_report("nas", &[drill(true, ""), drill(false, "a|b")], ReportFormat::Markdown).unwrap();
        assert_eq!(text.lines().filter(|line| line.starts_with("| 2026")).count(), 2);
        assert!(text.contains("a\\|b"));
    }

    #[test]
    fn format_names_parse() {
        assert_eq!(ReportFormat::parse("md").unwrap(), ReportFormat::Markdown);
        assert!(ReportFormat::parse("pdf").is_err());
    }
}

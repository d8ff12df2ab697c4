//! Backup plans, runs, stages and drills in SQLite (tables from migration 0011).

use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::plan::PlanDefinition;
use crate::error::{Error, Result};
use crate::store::Store;

/// A stored plan: its definition, with the host resolved to an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StoredPlan {
    pub id: String,
    pub host_id: String,
    pub definition: PlanDefinition,
    pub created_at: String,
    pub updated_at: String,
}

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum RunKind {
    Backup,
    Restore,
    Drill,
    Unlock,
    Init,
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum RunTrigger {
    Manual,
    Schedule,
    /// A scheduled time passed while the desktop app was closed.
    CatchUp,
}

/// The state of a run or a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
    Cancelled,
    /// Only for stages: not needed by this plan (no databases, no retention, no copies).
    Skipped,
}

/// One recorded run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    pub id: String,
    pub plan_id: String,
    pub kind: RunKind,
    pub trigger: RunTrigger,
    pub status: RunStatus,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// The `ErrorCode` of a failed run, as the UI spells it.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub snapshot_ids: Vec<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files_total: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_total: u64,
    pub remote_pids: Vec<u32>,
    pub stages: Vec<StageRecord>,
}

/// One stage of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StageRecord {
    pub position: u32,
    /// `dump`, `backup`, `forget`, `check`, `copy`, `unlock`, `init`, `restore`, `verify` or
    /// `cleanup`.
    pub name: String,
    pub repository: String,
    pub status: RunStatus,
    pub started_at: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub duration_ms: u64,
    pub exit_status: Option<u32>,
    /// The last lines of the stage's output.
    pub output: String,
}

/// One checked file of a drill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DrillFile {
    pub path: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// The SHA-256 of the restored copy, empty when it is missing.
    pub restored_sha256: String,
    /// The SHA-256 of `restic dump` of the same file.
    pub snapshot_sha256: String,
    pub ok: bool,
}

/// One database dump a drill loaded into a scratch container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DrillDatabase {
    /// The plan's container the dump came from.
    pub container: String,
    pub engine: String,
    /// The databases the dump creates.
    pub expected: Vec<String>,
    /// Those the scratch server lacked after the load.
    pub missing: Vec<String>,
    /// Restoring the dump file, starting the server and loading the dump.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub duration_ms: u64,
    pub ok: bool,
    /// The reason the load failed, empty when it passed.
    pub failure: String,
}

/// One restore drill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DrillRecord {
    pub id: String,
    pub plan_id: String,
    pub run_id: String,
    pub started_at: String,
    pub passed: bool,
    pub snapshot_id: String,
    pub files_checked: u32,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_checked: u64,
    /// The measured recovery time: restoring the files plus restoring and loading each
    /// database dump. Hash checks are not part of it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub duration_ms: u64,
    pub rto_target_seconds: u32,
    pub failure: String,
    pub files: Vec<DrillFile>,
    #[serde(default)]
    pub databases: Vec<DrillDatabase>,
}

impl DrillRecord {
    /// Returns whether the measured time is within the plan's recovery time objective.
    pub fn within_rto(&self) -> bool {
        self.duration_ms <= u64::from(self.rto_target_seconds) * 1000
    }
}

fn json_text<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|err| Error::Internal(err.to_string()))
}

fn from_json<T: for<'de> Deserialize<'de>>(column: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|err| Error::Storage(format!("backup column {column} is not valid JSON: {err}")))
}

fn enum_text<T: Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value).map_err(|err| Error::Internal(err.to_string()))? {
        serde_json::Value::String(text) => Ok(text),
        other => Err(Error::Internal(format!("{other} is not a unit variant"))),
    }
}

fn enum_from<T: for<'de> Deserialize<'de>>(column: &str, text: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|err| Error::Storage(format!("unknown {column} '{text}' in the database: {err}")))
}

/// Converts a count read from SQLite, where it is a signed integer, to its unsigned type.
fn unsigned<T: TryFrom<i64>>(value: i64) -> T
where
    T: Default,
{
    T::try_from(value).unwrap_or_default()
}

impl Store {
    /// Inserts a new plan or replaces the one with the same id.
    pub async fn backup_plan_save(&self, plan: &StoredPlan) -> Result<()> {
        let definition = json_text(&plan.definition)?;
        let result = sqlx::query(
            "INSERT INTO backup_plans (id, name, host_id, definition, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, host_id = excluded.host_id,
                 definition = excluded.definition, updated_at = excluded.updated_at",
        )
        .bind(&plan.id)
        .bind(&plan.definition.name)
        .bind(&plan.host_id)
        .bind(&definition)
        .bind(&plan.created_at)
        .bind(&plan.updated_at)
        .execute(self.pool())
        .await;
        match result {
            Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Err(Error::invalid(
                "name",
                &plan.definition.name,
                "another backup plan has this name; choose another",
            )),
            other => other.map(|_| ()).map_err(Error::from),
        }
    }

    /// Lists every plan, by name.
    pub async fn backup_plans(&self) -> Result<Vec<StoredPlan>> {
        let rows =
            sqlx::query("SELECT id, host_id, definition, created_at, updated_at FROM backup_plans ORDER BY name")
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(plan_from_row).collect()
    }

    /// Returns the plan with this id or name.
    pub async fn backup_plan(&self, id_or_name: &str) -> Result<StoredPlan> {
        let row = sqlx::query(
            "SELECT id, host_id, definition, created_at, updated_at FROM backup_plans
             WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1",
        )
        .bind(id_or_name)
        .bind(id_or_name)
        .bind(id_or_name)
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(row) => plan_from_row(&row),
            None => Err(Error::BackupPlanNotFound(id_or_name.to_string())),
        }
    }

    /// Removes a plan with its runs and drills; returns whether it existed.
    pub async fn backup_plan_remove(&self, id: &str) -> Result<bool> {
        let result = sqlx::query("DELETE FROM backup_plans WHERE id = ?")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected() > 0)
    }

    /// Records the start of a run.
    pub async fn backup_run_start(&self, run: &RunRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO backup_runs (id, plan_id, kind, trigger, status, started_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&run.id)
        .bind(&run.plan_id)
        .bind(enum_text(&run.kind)?)
        .bind(enum_text(&run.trigger)?)
        .bind(enum_text(&run.status)?)
        .bind(&run.started_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Stores a run's current state and its stages (replacing the stored stages).
    pub async fn backup_run_update(&self, run: &RunRecord) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE backup_runs SET status = ?, finished_at = ?, error_code = ?, error_message = ?,
                 snapshot_ids = ?, files_total = ?, bytes_total = ?, remote_pids = ?
             WHERE id = ?",
        )
        .bind(enum_text(&run.status)?)
        .bind(&run.finished_at)
        .bind(&run.error_code)
        .bind(&run.error_message)
        .bind(json_text(&run.snapshot_ids)?)
        .bind(i64::try_from(run.files_total).unwrap_or(i64::MAX))
        .bind(i64::try_from(run.bytes_total).unwrap_or(i64::MAX))
        .bind(json_text(&run.remote_pids)?)
        .bind(&run.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM backup_stages WHERE run_id = ?")
            .bind(&run.id)
            .execute(&mut *tx)
            .await?;
        for stage in &run.stages {
            sqlx::query(
                "INSERT INTO backup_stages (run_id, position, name, repository, status, started_at, duration_ms,
                     exit_status, output)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&run.id)
            .bind(i64::from(stage.position))
            .bind(&stage.name)
            .bind(&stage.repository)
            .bind(enum_text(&stage.status)?)
            .bind(&stage.started_at)
            .bind(i64::try_from(stage.duration_ms).unwrap_or(i64::MAX))
            .bind(stage.exit_status.map(i64::from))
            .bind(&stage.output)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Lists a plan's runs, newest first, at most `limit`, with their stages.
    pub async fn backup_runs(&self, plan_id: &str, limit: u32) -> Result<Vec<RunRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS} FROM backup_runs WHERE plan_id = ? ORDER BY started_at DESC, rowid DESC LIMIT ?"
        ))
        .bind(plan_id)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        let mut runs = Vec::new();
        for row in &rows {
            let mut run = run_from_row(row)?;
            run.stages = self.backup_stages(&run.id).await?;
            runs.push(run);
        }
        Ok(runs)
    }

    /// Returns one run with its stages.
    pub async fn backup_run(&self, run_id: &str) -> Result<RunRecord> {
        let row = sqlx::query(&format!("SELECT {RUN_COLUMNS} FROM backup_runs WHERE id = ?"))
            .bind(run_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| Error::invalid("run", run_id, "no backup run has this id; reload the list"))?;
        let mut run = run_from_row(&row)?;
        run.stages = self.backup_stages(&run.id).await?;
        Ok(run)
    }

    /// Returns the end time of the plan's newest successful backup run, if any.
    pub async fn backup_last_success(&self, plan_id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT MAX(finished_at) FROM backup_runs WHERE plan_id = ? AND kind = 'backup' AND status = 'succeeded'",
        )
        .bind(plan_id)
        .fetch_one(self.pool())
        .await?)
    }

    /// Returns the repositories that hold a good snapshot of the plan: those whose backup or
    /// copy stage succeeded in a backup run that succeeded as a whole, so its check passed.
    // NOTE: a snapshot removed later by hand, or by `forget` of another tool, still counts.
    pub async fn backup_good_repositories(&self, plan_id: &str) -> Result<std::collections::BTreeSet<String>> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT s.repository FROM backup_stages s JOIN backup_runs r ON s.run_id = r.id
             WHERE r.plan_id = ? AND r.kind = 'backup' AND r.status = 'succeeded'
               AND s.name IN ('backup', 'copy') AND s.status = 'succeeded'",
        )
        .bind(plan_id)
        .fetch_all(self.pool())
        .await?;
        Ok(names.into_iter().collect())
    }

    /// Returns the start time of the plan's newest run of `kind`, finished or not.
    pub async fn backup_last_start(&self, plan_id: &str, kind: RunKind) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT MAX(started_at) FROM backup_runs WHERE plan_id = ? AND kind = ?")
                .bind(plan_id)
                .bind(enum_text(&kind)?)
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Returns whether a run of the plan is marked running.
    pub async fn backup_run_active(&self, plan_id: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM backup_runs WHERE plan_id = ? AND status = 'running' LIMIT 1")
                .bind(plan_id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Marks runs still `running` as failed, for a start-up after the app or CLI was killed
    /// mid-run. Returns how many were marked.
    pub async fn backup_runs_abandon(&self, before: &str) -> Result<u64> {
        let result = sqlx::query(
            "UPDATE backup_runs SET status = 'failed', finished_at = ?, error_code = 'BackupFailed',
                 error_message = 'Homeport stopped while the run was in progress'
             WHERE status = 'running' AND started_at < ?",
        )
        .bind(before)
        .bind(before)
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected())
    }

    /// Returns every PID restic ran with for the plan's runs, so a lock they left is known.
    pub async fn backup_remote_pids(&self, plan_id: &str) -> Result<Vec<u32>> {
        let texts: Vec<String> = sqlx::query_scalar("SELECT remote_pids FROM backup_runs WHERE plan_id = ?")
            .bind(plan_id)
            .fetch_all(self.pool())
            .await?;
        let mut pids = Vec::new();
        for text in texts {
            pids.extend(from_json::<Vec<u32>>("remote_pids", &text)?);
        }
        Ok(pids)
    }

    async fn backup_stages(&self, run_id: &str) -> Result<Vec<StageRecord>> {
        let rows = sqlx::query(
            "SELECT position, name, repository, status, started_at, duration_ms, exit_status, output
             FROM backup_stages WHERE run_id = ? ORDER BY position",
        )
        .bind(run_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StageRecord {
                    position: unsigned(row.try_get::<i64, _>("position")?),
                    name: row.try_get("name")?,
                    repository: row.try_get("repository")?,
                    status: enum_from("status", &row.try_get::<String, _>("status")?)?,
                    started_at: row.try_get("started_at")?,
                    duration_ms: unsigned(row.try_get::<i64, _>("duration_ms")?),
                    exit_status: row.try_get::<Option<i64>, _>("exit_status")?.map(unsigned),
                    output: row.try_get("output")?,
                })
            })
            .collect()
    }

    /// Stores a drill.
    pub async fn backup_drill_save(&self, drill: &DrillRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO backup_drills (id, plan_id, run_id, started_at, passed, snapshot_id, files_checked,
                 bytes_checked, duration_ms, rto_target_seconds, failure, files, databases)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&drill.id)
        .bind(&drill.plan_id)
        .bind(&drill.run_id)
        .bind(&drill.started_at)
        .bind(drill.passed)
        .bind(&drill.snapshot_id)
        .bind(i64::from(drill.files_checked))
        .bind(i64::try_from(drill.bytes_checked).unwrap_or(i64::MAX))
        .bind(i64::try_from(drill.duration_ms).unwrap_or(i64::MAX))
        .bind(i64::from(drill.rto_target_seconds))
        .bind(&drill.failure)
        .bind(json_text(&drill.files)?)
        .bind(json_text(&drill.databases)?)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Lists a plan's drills, newest first.
    pub async fn backup_drills(&self, plan_id: &str) -> Result<Vec<DrillRecord>> {
        let rows = sqlx::query(
            "SELECT id, plan_id, run_id, started_at, passed, snapshot_id, files_checked, bytes_checked, duration_ms,
                 rto_target_seconds, failure, files, databases
             FROM backup_drills WHERE plan_id = ? ORDER BY started_at DESC, rowid DESC",
        )
        .bind(plan_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DrillRecord {
                    id: row.try_get("id")?,
                    plan_id: row.try_get("plan_id")?,
                    run_id: row.try_get("run_id")?,
                    started_at: row.try_get("started_at")?,
                    passed: row.try_get("passed")?,
                    snapshot_id: row.try_get("snapshot_id")?,
                    files_checked: unsigned(row.try_get::<i64, _>("files_checked")?),
                    bytes_checked: unsigned(row.try_get::<i64, _>("bytes_checked")?),
                    duration_ms: unsigned(row.try_get::<i64, _>("duration_ms")?),
                    rto_target_seconds: unsigned(row.try_get::<i64, _>("rto_target_seconds")?),
                    failure: row.try_get("failure")?,
                    files: from_json("files", &row.try_get::<String, _>("files")?)?,
                    databases: from_json("databases", &row.try_get::<String, _>("databases")?)?,
                })
            })
            .collect()
    }
}

const RUN_COLUMNS: &str = "id, plan_id, kind, trigger, status, started_at, finished_at, error_code, error_message, \
     snapshot_ids, files_total, bytes_total, remote_pids";

fn run_from_row(row: &SqliteRow) -> Result<RunRecord> {
    Ok(RunRecord {
        id: row.try_get("id")?,
        plan_id: row.try_get("plan_id")?,
        kind: enum_from("kind", &row.try_get::<String, _>("kind")?)?,
        trigger: enum_from("trigger", &row.try_get::<String, _>("trigger")?)?,
        status: enum_from("status", &row.try_get::<String, _>("status")?)?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        error_code: row.try_get("error_code")?,
        error_message: row.try_get("error_message")?,
        snapshot_ids: from_json("snapshot_ids", &row.try_get::<String, _>("snapshot_ids")?)?,
        files_total: unsigned(row.try_get::<i64, _>("files_total")?),
        bytes_total: unsigned(row.try_get::<i64, _>("bytes_total")?),
        remote_pids: from_json("remote_pids", &row.try_get::<String, _>("remote_pids")?)?,
        stages: Vec::new(),
    })
}

fn plan_from_row(row: &SqliteRow) -> Result<StoredPlan> {
    Ok(StoredPlan {
        id: row.try_get("id")?,
        host_id: row.try_get("host_id")?,
        definition: from_json("definition", &row.try_get::<String, _>("definition")?)?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::plan::parse_plan_json;

    fn plan(id: &str, name: &str) -> StoredPlan {
        let text = format!(
            r#"{{"name": "{name}", "host": "local", "items": [{{"kind": "path", "path": "/srv"}}],
               "repositories": [{{"name": "disk", "location": "/mnt/restic"}}]}}"#
        );
        StoredPlan {
            id: id.into(),
            host_id: "local".into(),
            definition: parse_plan_json("plan.json", &text).unwrap(),
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    fn run(id: &str, plan_id: &str, started_at: &str) -> RunRecord {
        RunRecord {
            id: id.into(),
            plan_id: plan_id.into(),
            kind: RunKind::Backup,
            trigger: RunTrigger::Manual,
            status: RunStatus::Running,
            started_at: started_at.into(),
            finished_at: None,
            error_code: None,
            error_message: None,
            snapshot_ids: Vec::new(),
            files_total: 0,
            bytes_total: 0,
            remote_pids: Vec::new(),
            stages: Vec::new(),
        }
    }

    #[tokio::test]
    async fn plan_round_trips_and_names_are_unique() {
        let store = Store::open_in_memory().await.unwrap();
        store.backup_plan_save(&plan("p1", "nas")).await.unwrap();
        assert_eq!(store.backup_plan("nas").await.unwrap(), plan("p1", "nas"));
        assert_eq!(store.backup_plan("p1").await.unwrap().id, "p1");
        let err = store.backup_plan_save(&plan("p2", "nas")).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { field: "name", .. }), "{err:?}");
        let missing = store.backup_plan("nope").await.unwrap_err();
        assert!(matches!(missing, Error::BackupPlanNotFound(_)));
    }

    #[tokio::test]
    async fn run_with_stages_round_trips() {
        let store = Store::open_in_memory().await.unwrap();
        store.backup_plan_save(&plan("p1", "nas")).await.unwrap();
        let mut record = run("r1", "p1", "2026-01-01T02:30:00Z");
        store.backup_run_start(&record).await.unwrap();
        assert_eq!(store.backup_run_active("p1").await.unwrap().as_deref(), Some("r1"));

        record.status = RunStatus::Succeeded;
        record.finished_at = Some("2026-01-01T02:31:00Z".into());
        record.snapshot_ids = vec!["abcd1234".into()];
        record.remote_pids = vec![4242];
        record.stages.push(StageRecord {
            position: 0,
            name: "backup".into(),
            repository: "disk".into(),
            status: RunStatus::Succeeded,
            started_at: "2026-01-01T02:30:00Z".into(),
            duration_ms: 1234,
            exit_status: Some(0),
            output: "ok".into(),
        });
        store.backup_run_update(&record).await.unwrap();

        assert_eq!(store.backup_run("r1").await.unwrap(), record);
        assert_eq!(store.backup_runs("p1", 10).await.unwrap(), vec![record]);
        assert_eq!(
            store.backup_last_success("p1").await.unwrap().as_deref(),
            Some("2026-01-01T02:31:00Z")
        );
        assert_eq!(store.backup_remote_pids("p1").await.unwrap(), vec![4242]);
        assert!(store.backup_run_active("p1").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn abandoned_runs_are_marked_failed() {
        let store = Store::open_in_memory().await.unwrap();
        store.backup_plan_save(&plan("p1", "nas")).await.unwrap();
        store
            .backup_run_start(&run("r1", "p1", "2026-01-01T02:30:00Z"))
            .await
            .unwrap();
        assert_eq!(store.backup_runs_abandon("2026-01-02T00:00:00Z").await.unwrap(), 1);
        assert_eq!(store.backup_run("r1").await.unwrap().status, RunStatus::Failed);
    }
}

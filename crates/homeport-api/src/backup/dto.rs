//! Transport types of the backup API. Plans, runs, drills, snapshots and restore previews
//! cross IPC as core's own types, which derive `TS` under core's `ts` feature. The types here
//! are the inputs, and the views that combine several of them.

use homeport_core::backup::plan::PlanDefinition;
use homeport_core::backup::rule321::Rule321Report;
use homeport_core::backup::store::{DrillRecord, RunKind, RunRecord, RunTrigger, StoredPlan};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A plan to save. Secrets are separate fields, so the plan itself never carries one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BackupPlanInput {
    /// Empty for a new plan; the id of the plan to change otherwise.
    #[serde(default)]
    pub id: Option<String>,
    pub definition: PlanDefinition,
    /// The password of existing repositories. Empty keeps the stored one, or generates a new
    /// one for a new plan.
    #[serde(default)]
    pub password: Option<String>,
    /// S3 keys of the plan's S3 repositories; a repository not listed keeps its stored keys.
    #[serde(default)]
    pub s3_keys: Vec<S3KeyInput>,
}

/// The access key of one S3 repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct S3KeyInput {
    pub repository: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// A cron schedule in plain language and its next run times, for the plan form's preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SchedulePreviewView {
    pub en: String,
    pub zh_cn: String,
    /// The next three runs, RFC 3339 in UTC.
    pub next_runs: Vec<String>,
}

/// A plan with its state: the last run, the last good backup and its age against the RPO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BackupPlanView {
    pub plan: StoredPlan,
    pub host_name: String,
    /// The schedule in plain words, English and Simplified Chinese.
    pub schedule_en: String,
    pub schedule_zh_cn: String,
    /// The next scheduled run (RFC 3339, UTC), when the plan is enabled.
    pub next_run_at: Option<String>,
    pub last_run: Option<RunRecord>,
    pub last_success_at: Option<String>,
    /// Seconds since the last successful backup; `None` when there was none.
    pub last_success_age_seconds: Option<f64>,
    /// True when the last successful backup is younger than the plan's RPO.
    pub rpo_met: bool,
    pub last_drill: Option<DrillRecord>,
    /// The repositories that have S3 keys in the keychain.
    pub s3_keys_set: Vec<String>,
    /// The 3-2-1 check of the plan's items (all go to every repository, so one report covers
    /// them), counting only repositories with a good snapshot.
    pub rule321: Rule321Report,
    /// The same check as if every repository already held a good snapshot: what the plan
    /// gives once it has run.
    pub rule321_planned: Rule321Report,
}

/// Whether restic and rclone are installed on a host, and how to install them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BackupToolsView {
    pub host: String,
    /// `restic version`'s first line; `None` when restic is missing.
    pub restic: Option<String>,
    pub rclone: Option<String>,
    pub restic_install: String,
    pub rclone_install: String,
}

/// A run that the scheduler should start now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DueRun {
    pub plan_id: String,
    pub plan_name: String,
    /// `backup` or `drill`.
    pub kind: RunKind,
    /// `schedule` when the time has just come, `catchUp` when it passed while Homeport was
    /// closed.
    pub trigger: RunTrigger,
    /// The scheduled time (RFC 3339, UTC).
    pub due_at: String,
}

/// The drill history of a plan in one export format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DrillReportView {
    /// `json`, `csv` or `markdown`.
    pub format: String,
    /// A suggested file name, such as `nas-drills.csv`.
    pub file_name: String,
    pub text: String,
}

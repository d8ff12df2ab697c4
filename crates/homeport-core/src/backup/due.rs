//! The due backups and drills, for the desktop app's scheduler. Schedules are cron
//! expressions in this computer's local time, and times cross this module's boundary in UTC.

use chrono::{DateTime, Local, TimeZone, Utc};
use time::OffsetDateTime;

use super::schedule::CronSchedule;
use super::store::{RunKind, RunTrigger, StoredPlan};
use crate::error::{Error, Result};

/// A run that starts within this long after its scheduled time counts as on schedule. A later
/// start is a catch-up of a time that passed while the app was closed. The scheduler polls far
/// more often than this.
const ON_TIME_SLACK_SECONDS: i64 = 5 * 60;

/// One run the scheduler should start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueItem {
    pub kind: RunKind,
    pub trigger: RunTrigger,
    /// The scheduled time that is due, in UTC.
    pub due_at: OffsetDateTime,
}

fn to_local(at: OffsetDateTime) -> Result<DateTime<Local>> {
    let utc = Utc
        .timestamp_opt(at.unix_timestamp(), at.nanosecond())
        .single()
        .ok_or_else(|| Error::Internal(format!("the time {at} is out of range")))?;
    Ok(utc.with_timezone(&Local))
}

fn to_utc(at: &DateTime<Local>) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(at.timestamp()).map_err(|err| Error::Internal(err.to_string()))
}

fn parse_time(text: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|err| Error::Storage(format!("the stored time '{text}' is not RFC 3339: {err}")))
}

/// Returns the first scheduled time after `after`, in UTC.
pub fn next_run(schedule: &str, after: OffsetDateTime) -> Result<Option<OffsetDateTime>> {
    let schedule = CronSchedule::parse(schedule)?;
    schedule
        .next_after(&to_local(after)?)
        .map(|next| to_utc(&next))
        .transpose()
}

/// Returns the runs of `plan` due at `now`: a backup when a scheduled time passed since the
/// last backup started (or since the plan was created), and likewise a drill. Several missed
/// times give one run, because each backs up the data as it is now.
pub fn due_items(
    plan: &StoredPlan,
    last_backup_start: Option<&str>,
    last_drill_start: Option<&str>,
    now: OffsetDateTime,
) -> Result<Vec<DueItem>> {
    if !plan.definition.enabled {
        return Ok(Vec::new());
    }
    let created = parse_time(&plan.created_at)?;
    let mut items = Vec::new();
    for (kind, schedule, last) in [
        (RunKind::Backup, &plan.definition.schedule, last_backup_start),
        (RunKind::Drill, &plan.definition.drill.schedule, last_drill_start),
    ] {
        let since = match last {
            Some(text) => parse_time(text)?,
            None => created,
        };
        let schedule = CronSchedule::parse(schedule)?;
        let missed = schedule.missed_runs(&to_local(since)?, &to_local(now)?);
        let Some(latest) = missed.latest.filter(|_| missed.catch_up()) else {
            continue;
        };
        let due_at = to_utc(&latest)?;
        let late_by = (now - due_at).whole_seconds();
        let trigger = if late_by <= ON_TIME_SLACK_SECONDS {
            RunTrigger::Schedule
        } else {
            RunTrigger::CatchUp
        };
        items.push(DueItem { kind, trigger, due_at });
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::plan::parse_plan_json;

    fn plan(schedule: &str, created_at: &str) -> StoredPlan {
        let text = format!(
            r#"{{"name": "p", "host": "local", "items": [{{"kind": "path", "path": "/srv"}}],
               "repositories": [{{"name": "disk", "location": "/mnt/restic"}}],
               "schedule": "{schedule}", "drill": {{"schedule": "0 4 1 1 *"}}}}"#
        );
        StoredPlan {
            id: "p1".into(),
            host_id: "local".into(),
            definition: parse_plan_json("plan.json", &text).unwrap(),
            created_at: created_at.into(),
            updated_at: created_at.into(),
        }
    }

    fn at(text: &str) -> OffsetDateTime {
        parse_time(text).unwrap()
    }

    #[test]
    fn hourly_plan_is_due_on_time() {
        let plan = plan("0 * * * *", "2026-03-01T10:30:00Z");
        let items = due_items(&plan, None, Some("2026-03-01T10:30:00Z"), at("2026-03-01T11:00:30Z")).unwrap();
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].kind, RunKind::Backup);
        assert_eq!(items[0].trigger, RunTrigger::Schedule);
    }

    #[test]
    fn missed_runs_give_one_catch_up() {
        let plan = plan("0 * * * *", "2026-03-01T00:30:00Z");
        let items = due_items(
            &plan,
            Some("2026-03-01T01:00:00Z"),
            Some("2026-03-01T01:00:00Z"),
            at("2026-03-01T09:20:00Z"),
        )
        .unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].trigger, RunTrigger::CatchUp);
        assert_eq!(items[0].due_at, at("2026-03-01T09:00:00Z"));
    }

    #[test]
    fn nothing_due_right_after_a_run() {
        let plan = plan("0 * * * *", "2026-03-01T00:30:00Z");
        let items = due_items(
            &plan,
            Some("2026-03-01T09:00:05Z"),
            Some("2026-03-01T09:00:05Z"),
            at("2026-03-01T09:20:00Z"),
        )
        .unwrap();
        assert!(items.is_empty(), "{items:?}");
    }

    #[test]
    fn disabled_plan_is_never_due() {
        let mut plan = plan("* * * * *", "2026-03-01T00:30:00Z");
        plan.definition.enabled = false;
        assert!(due_items(&plan, None, None, at("2026-03-02T00:00:00Z"))
            .unwrap()
            .is_empty());
    }
}

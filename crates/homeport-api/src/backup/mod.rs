//! Backups with restic: the functions the desktop wizard and the `homeport backup` CLI call.
//!
//! Plans
//! - [`Api::backup_plans`], [`Api::backup_plan`]: plans with their last run, last good
//!   backup, RPO state and last drill ([`BackupPlanView`]).
//! - [`Api::backup_plan_parse`]: checks a plan file's text (strict JSON, errors with line and
//!   column) and returns the plan, without saving.
//! - [`Api::backup_plan_save`]: validates and stores a plan ([`BackupPlanInput`]); a new
//!   plan gets a generated repository password in the keychain unless one is given.
//! - [`Api::backup_plan_remove`], [`Api::backup_plan_init`] (runs `restic init` where no
//!   repository exists yet), [`Api::backup_tools`] (restic and rclone on a host).
//!
//! Runs (each takes an event callback and a `CancellationToken`; see [`RunEvent`])
//! - [`Api::backup_run`]: dump, backup, forget, check, copy; records stages, writes the RPO
//!   series, and opens or resolves the plan's failure alert.
//! - [`Api::backup_runs`]: the run history with stages.
//! - [`Api::backup_unlock`]: removes stale locks, or every lock with `remove_all` and
//!   `confirmed`.
//!
//! Snapshots and restores
//! - [`Api::backup_snapshots`], [`Api::backup_files`] (one folder level of a snapshot).
//! - [`Api::backup_restore_preview`], [`Api::backup_restore`] ([`RestoreRequest`]).
//!
//! Drills
//! - [`Api::backup_drill`], [`Api::backup_drills`], [`Api::backup_drill_report`].
//!
//! Scheduling
//! - [`Api::backup_due`]: the backups and drills due at a time, with catch-up of runs missed
//!   while Homeport was closed; the desktop shell polls it. [`Api::backup_record_ages`]
//!   rewrites the `backup_last_success_age_seconds{plan}` series.

mod alerting;
pub mod dto;
mod due;
mod runs;

use std::collections::BTreeMap;
use std::sync::Arc;

use homeport_core::backup::databases::DockerCli;
use homeport_core::backup::due::next_run;
use homeport_core::backup::plan::{
    check_password, generate_password, parse_plan_json, Location, PlanDefinition, RepositoryDefinition,
};
use homeport_core::backup::rule321;
use homeport_core::backup::rule321::Rule321Report;
use homeport_core::backup::run::{PlanContext, PlanSecrets};
use homeport_core::backup::schedule::CronSchedule;
use homeport_core::backup::shell::{HostShell, INSTALL_HINT_RCLONE, INSTALL_HINT_RESTIC};
use homeport_core::backup::store::StoredPlan;
use homeport_core::inventory::{Host, HostKind, DEFAULT_DOCKER_SOCKET};
use homeport_core::secrets::{Keychain, Secret, SecretKey};
use homeport_core::Error;
pub use tokio_util::sync::CancellationToken;

pub use dto::*;
pub use homeport_core::backup::restore::{RestoreAction, RestorePreview, RestorePreviewEntry, RestoreRequest};
pub use homeport_core::backup::run::RunEvent;

use crate::{Api, ApiResult};

/// The keychain field of a plan's repository password.
const PASSWORD_FIELD: &str = "password";

fn s3_key_id_field(repository: &str) -> String {
    format!("s3-key-id/{repository}")
}

fn s3_secret_field(repository: &str) -> String {
    format!("s3-secret/{repository}")
}

/// Runs a blocking keychain call off the async runtime.
async fn keychain<T, F>(call: F) -> ApiResult<T>
where
    F: FnOnce(Keychain) -> homeport_core::Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(move || call(Keychain))
        .await
        .map_err(|err| Error::Internal(format!("the keychain task failed: {err}")))?
        .map_err(Into::into)
}

impl Api {
    /// Parses a plan file's text strictly and checks its values; nothing is saved.
    pub fn backup_plan_parse(&self, file: &str, text: &str) -> ApiResult<PlanDefinition> {
        let plan = parse_plan_json(file, text)?;
        CronSchedule::parse(&plan.schedule).map_err(Error::from)?;
        CronSchedule::parse(&plan.drill.schedule).map_err(|err| {
            let mut error = Error::from(err);
            if let Error::InvalidInput { field, .. } = &mut error {
                *field = "drill.schedule";
            }
            error
        })?;
        Ok(plan)
    }

    /// Describes a cron schedule in both languages with its next three runs, or rejects it
    /// with the column of the wrong field, as saving a plan would.
    pub fn backup_schedule_preview(&self, schedule: &str) -> ApiResult<SchedulePreviewView> {
        let parsed = CronSchedule::parse(schedule).map_err(Error::from)?;
        let preview = parsed.describe();
        let mut next_runs = Vec::new();
        let mut after = time::OffsetDateTime::now_utc();
        for _ in 0..3 {
            let Some(next) = homeport_core::backup::due::next_run(schedule, after)? else {
                break;
            };
            next_runs.push(rfc3339(next));
            after = next;
        }
        Ok(SchedulePreviewView {
            en: preview.en,
            zh_cn: preview.zh_cn,
            next_runs,
        })
    }

    /// Checks a plan's repositories against the 3-2-1 rule as if each contained a good
    /// snapshot, for the plan form while it is edited. The places are checked as saving would.
    pub fn backup_rule321_preview(&self, repositories: Vec<RepositoryDefinition>) -> ApiResult<Rule321Report> {
        let definition = PlanDefinition {
            name: "preview".to_string(),
            host: "local".to_string(),
            items: Vec::new(),
            repositories,
            schedule: homeport_core::backup::plan::DEFAULT_SCHEDULE.to_string(),
            retention: Default::default(),
            rpo_hours: homeport_core::backup::plan::DEFAULT_RPO_HOURS,
            rto_hours: homeport_core::backup::plan::DEFAULT_RTO_HOURS,
            drill: Default::default(),
            enabled: true,
        };
        for repository in &definition.repositories {
            let location = Location::parse("repositories.location", &repository.location)?;
            homeport_core::backup::plan::check_place(repository, &location)?;
        }
        let every = definition.repositories.iter().map(|r| r.name.clone()).collect();
        Ok(rule321::check(&rule321::plan_copies(&definition, &every)))
    }

    /// Validates and stores a plan. A new plan's repository password is generated into the
    /// keychain unless `input.password` gives the password of existing repositories.
    pub async fn backup_plan_save(&self, input: BackupPlanInput) -> ApiResult<BackupPlanView> {
        let text = serde_json::to_string(&input.definition).map_err(|err| Error::Internal(err.to_string()))?;
        let definition = self.backup_plan_parse("plan", &text)?;
        let host = self.hosts.get(&definition.host).await?;
        backup_host_kind(&host)?;
        if let Some(password) = &input.password {
            check_password(password)?;
        }
        for key in &input.s3_keys {
            let is_s3 = definition.repositories.iter().any(|repository| {
                repository.name == key.repository
                    && matches!(Location::parse("location", &repository.location), Ok(Location::S3(_)))
            });
            if !is_s3 {
                return Err(Error::invalid(
                    "s3Keys.repository",
                    &key.repository,
                    "name an S3 repository of this plan",
                )
                .into());
            }
            if key.access_key_id.is_empty()
                || key.secret_access_key.is_empty()
                || key.access_key_id.contains('\n')
                || key.secret_access_key.contains('\n')
            {
                return Err(Error::invalid("s3Keys", &key.repository, "enter both keys, each on one line").into());
            }
        }

        let store = self.hosts.store();
        let now = now_text();
        let existing = match &input.id {
            Some(id) if !id.is_empty() => Some(store.backup_plan(id).await?),
            _ => None,
        };
        let plan = StoredPlan {
            id: existing
                .as_ref()
                .map(|plan| plan.id.clone())
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            host_id: host.id.clone(),
            definition,
            created_at: existing
                .as_ref()
                .map(|plan| plan.created_at.clone())
                .unwrap_or_else(|| now.clone()),
            updated_at: now,
        };

        // Secrets first: a plan row without its password would fail every run.
        let password = match (&input.password, &existing) {
            (Some(password), _) => Some(Secret::new(password.clone())),
            (None, None) => Some(generate_password()?),
            (None, Some(_)) => None,
        };
        if let Some(password) = password {
            let key = SecretKey::backup_plan(&plan.id, PASSWORD_FIELD);
            keychain(move |chain| chain.store(&key, &password)).await?;
        }
        for s3 in input.s3_keys {
            let id_key = SecretKey::backup_plan(&plan.id, &s3_key_id_field(&s3.repository));
            let secret_key = SecretKey::backup_plan(&plan.id, &s3_secret_field(&s3.repository));
            let (id_value, secret_value) = (Secret::new(s3.access_key_id), Secret::new(s3.secret_access_key));
            keychain(move |chain| {
                chain.store(&id_key, &id_value)?;
                chain.store(&secret_key, &secret_value)
            })
            .await?;
        }
        if let Err(err) = store.backup_plan_save(&plan).await {
            if existing.is_none() {
                let plan_id = plan.id.clone();
                let _ = keychain(move |chain| chain.delete(&SecretKey::backup_plan(&plan_id, PASSWORD_FIELD))).await;
            }
            return Err(err.into());
        }
        tracing::info!(plan_id = %plan.id, plan = %plan.definition.name, host_id = %plan.host_id, "backup plan saved");
        self.backup_plan(&plan.id).await
    }

    /// Lists every plan with its state.
    pub async fn backup_plans(&self) -> ApiResult<Vec<BackupPlanView>> {
        let plans = self.hosts.store().backup_plans().await?;
        let mut views = Vec::new();
        for plan in plans {
            views.push(self.backup_plan_view(plan).await?);
        }
        Ok(views)
    }

    /// Returns one plan, by id or name, with its state.
    pub async fn backup_plan(&self, id_or_name: &str) -> ApiResult<BackupPlanView> {
        let plan = self.hosts.store().backup_plan(id_or_name).await?;
        self.backup_plan_view(plan).await
    }

    /// Removes a plan, its history and its keychain entries. The repositories and their
    /// snapshots stay where they are.
    pub async fn backup_plan_remove(&self, id_or_name: &str) -> ApiResult<()> {
        let store = self.hosts.store();
        let plan = store.backup_plan(id_or_name).await?;
        store.backup_plan_remove(&plan.id).await?;
        let mut keys = vec![SecretKey::backup_plan(&plan.id, PASSWORD_FIELD)];
        for repository in &plan.definition.repositories {
            keys.push(SecretKey::backup_plan(&plan.id, &s3_key_id_field(&repository.name)));
            keys.push(SecretKey::backup_plan(&plan.id, &s3_secret_field(&repository.name)));
        }
        keychain(move |chain| keys.iter().try_for_each(|key| chain.delete(key))).await?;
        tracing::info!(plan_id = %plan.id, "backup plan removed");
        Ok(())
    }

    /// Returns the plan's repository password, for a person who needs to open a repository
    /// with restic by hand (the CLI's `backup plan password`). Never logged.
    pub async fn backup_plan_password(&self, id_or_name: &str) -> ApiResult<Secret> {
        let plan = self.hosts.store().backup_plan(id_or_name).await?;
        Ok(self.backup_secrets(&plan).await?.password)
    }

    /// Checks whether restic and rclone are installed on a host.
    pub async fn backup_tools(&self, host_id: &str) -> ApiResult<BackupToolsView> {
        let host = self.hosts.get(host_id).await?;
        let shell = self.backup_shell(&host).await?;
        let version = |tool: &'static str| {
            let shell = shell.clone();
            async move {
                if !shell.has_tool(tool).await.ok()? {
                    return None;
                }
                let output = shell.exec(&[tool.to_string(), "version".to_string()]).await.ok()?;
                Some(output.stdout.lines().next().unwrap_or_default().to_string())
            }
        };
        let restic = version("restic").await;
        let rclone = version("rclone").await;
        Ok(BackupToolsView {
            host: host.name.clone(),
            restic,
            rclone,
            restic_install: INSTALL_HINT_RESTIC.to_string(),
            rclone_install: INSTALL_HINT_RCLONE.to_string(),
        })
    }

    async fn backup_plan_view(&self, plan: StoredPlan) -> ApiResult<BackupPlanView> {
        let store = self.hosts.store();
        let host_name = match self.hosts.get(&plan.host_id).await {
            Ok(host) => host.name,
            Err(_) => plan.host_id.clone(),
        };
        let runs = store.backup_runs(&plan.id, 1).await?;
        let last_success_at = store.backup_last_success(&plan.id).await?;
        let last_success_age_seconds = last_success_at.as_deref().and_then(age_seconds);
        let rpo_met = last_success_age_seconds.is_some_and(|age| age <= f64::from(plan.definition.rpo_hours) * 3600.0);
        let last_drill = store.backup_drills(&plan.id).await?.into_iter().next();
        let (schedule_en, schedule_zh_cn) = match CronSchedule::parse(&plan.definition.schedule) {
            Ok(schedule) => {
                let preview = schedule.describe();
                (preview.en, preview.zh_cn)
            }
            Err(_) => (plan.definition.schedule.clone(), plan.definition.schedule.clone()),
        };
        let next_run_at = if plan.definition.enabled {
            next_run(&plan.definition.schedule, time::OffsetDateTime::now_utc())
                .ok()
                .flatten()
                .map(rfc3339)
        } else {
            None
        };
        let mut s3_keys_set = Vec::new();
        for repository in &plan.definition.repositories {
            let key = SecretKey::backup_plan(&plan.id, &s3_key_id_field(&repository.name));
            if keychain(move |chain| chain.load(&key)).await.ok().flatten().is_some() {
                s3_keys_set.push(repository.name.clone());
            }
        }
        let good = store.backup_good_repositories(&plan.id).await?;
        let rule321 = rule321::check(&rule321::plan_copies(&plan.definition, &good));
        let every: std::collections::BTreeSet<String> =
            plan.definition.repositories.iter().map(|r| r.name.clone()).collect();
        let rule321_planned = rule321::check(&rule321::plan_copies(&plan.definition, &every));
        Ok(BackupPlanView {
            rule321,
            rule321_planned,
            host_name,
            schedule_en,
            schedule_zh_cn,
            next_run_at,
            last_run: runs.into_iter().next(),
            last_success_at,
            last_success_age_seconds,
            rpo_met,
            last_drill,
            s3_keys_set,
            plan,
        })
    }

    /// Reads the plan's secrets from the keychain.
    async fn backup_secrets(&self, plan: &StoredPlan) -> ApiResult<PlanSecrets> {
        let plan_id = plan.id.clone();
        let names: Vec<String> = plan.definition.repositories.iter().map(|r| r.name.clone()).collect();
        let plan_name = plan.definition.name.clone();
        keychain(move |chain| {
            let password = chain
                .load(&SecretKey::backup_plan(&plan_id, PASSWORD_FIELD))?
                .ok_or_else(|| Error::SecretMissing {
                    host: format!("backup plan {plan_name}"),
                })?;
            let mut s3_keys = BTreeMap::new();
            for name in names {
                let id = chain.load(&SecretKey::backup_plan(&plan_id, &s3_key_id_field(&name)))?;
                let secret = chain.load(&SecretKey::backup_plan(&plan_id, &s3_secret_field(&name)))?;
                if let (Some(id), Some(secret)) = (id, secret) {
                    s3_keys.insert(name, (id, secret));
                }
            }
            Ok(PlanSecrets { password, s3_keys })
        })
        .await
    }

    /// Opens what a plan's commands run through: a new SSH session for an SSH host, or this
    /// computer for a local engine.
    async fn backup_shell(&self, host: &Host) -> ApiResult<HostShell> {
        backup_host_kind(host)?;
        match host.kind {
            HostKind::Ssh => Ok(HostShell::Ssh(Arc::new(self.hosts.session(host).await?))),
            _ => Ok(HostShell::Local),
        }
    }

    /// Builds everything a run of the plan needs.
    pub(crate) async fn backup_context(&self, id_or_name: &str, cancel: CancellationToken) -> ApiResult<PlanContext> {
        self.backup_context_on(id_or_name, None, cancel).await
    }

    /// Builds a plan's context with its commands running on `host` (the plan's host when
    /// `None`), for restores to another host.
    pub(crate) async fn backup_context_on(
        &self,
        id_or_name: &str,
        host: Option<&str>,
        cancel: CancellationToken,
    ) -> ApiResult<PlanContext> {
        let plan = self.hosts.store().backup_plan(id_or_name).await?;
        let host = self.hosts.get(host.unwrap_or(&plan.host_id)).await?;
        let shell = self.backup_shell(&host).await?;
        let secrets = self.backup_secrets(&plan).await?;
        let docker = DockerCli {
            host: (host.docker_socket != DEFAULT_DOCKER_SOCKET && !host.docker_socket.is_empty())
                .then(|| format!("unix://{}", host.docker_socket)),
        };
        Ok(PlanContext {
            store: self.hosts.store().clone(),
            shell,
            host_name: host.name.clone(),
            plan,
            secrets,
            docker,
            cancel,
        })
    }
}

/// Rejects TCP engine hosts: they have no shell to run restic in.
fn backup_host_kind(host: &Host) -> ApiResult<()> {
    if host.kind == HostKind::Tcp {
        return Err(Error::invalid(
            "host",
            &host.name,
            "this Docker engine is reached over TCP without SSH, so restic cannot run there; add the machine as an SSH host",
        )
        .into());
    }
    Ok(())
}

fn now_text() -> String {
    rfc3339(time::OffsetDateTime::now_utc())
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Returns the seconds from an RFC 3339 time until now.
fn age_seconds(rfc3339: &str) -> Option<f64> {
    let then = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339).ok()?;
    Some((time::OffsetDateTime::now_utc() - then).as_seconds_f64().max(0.0))
}

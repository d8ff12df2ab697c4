//! The rollout plan: four phases of checklist items, ticked by what Homeport sees on the hosts
//! or by hand.
//!
//! [`checklist`] loads the items from `assets/rollout/checklist.yaml`, [`detect`] scans the
//! hosts, and [`status`] joins both with the ticks kept in the `rollout_checks` table and the
//! orchestrator saved by the wizard.

pub mod checklist;
pub mod detect;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::catalog::Localized;
use crate::error::{Error, ErrorCode, Result};
use crate::hosts::HostService;
use crate::orchestrators::choice::{self, SavedChoice};
use crate::store::{now_rfc3339, Store};

pub use checklist::{Checklist, Detect};
pub use detect::{Detection, Observation};

/// One item with its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemStatus {
    pub id: String,
    pub title: Localized,
    pub detail: Localized,
    pub detect: Option<Detect>,
    /// The detection result; `None` for items Homeport cannot detect.
    pub detection: Option<Detection>,
    /// Ticked by hand.
    pub checked: bool,
    /// Detected or ticked by hand.
    pub done: bool,
}

/// One phase with its items and progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseStatus {
    pub id: String,
    pub title: Localized,
    pub duration: Localized,
    pub items: Vec<ItemStatus>,
    pub done: u32,
    pub total: u32,
}

/// The whole plan as the rollout screen and `homeport rollout` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutStatus {
    pub phases: Vec<PhaseStatus>,
    pub choice: Option<SavedChoice>,
    /// Hosts scanned.
    pub hosts: u32,
    /// Hosts whose containers could not be listed, with the error code.
    pub unreachable: Vec<(String, ErrorCode)>,
}

/// Scans every host (each within `timeout`) and returns the plan with its state.
pub async fn status(service: &HostService, timeout: Duration) -> Result<RolloutStatus> {
    let hosts = service.list().await?;
    let host_count = u32::try_from(hosts.len()).unwrap_or(u32::MAX);
    let observation = detect::observe(service, hosts, timeout).await;
    let checks = checks(service.store()).await?;
    let choice = choice::load(service.store()).await?;
    let mut status = combine(Checklist::embedded()?, &observation, &checks, choice);
    status.hosts = host_count;
    Ok(status)
}

/// Joins the checklist, a scan, the hand-made ticks and the saved choice.
pub fn combine(
    checklist: &Checklist,
    observation: &Observation,
    checks: &BTreeMap<String, bool>,
    choice: Option<SavedChoice>,
) -> RolloutStatus {
    let phases = checklist
        .phases
        .iter()
        .map(|phase| {
            let items: Vec<ItemStatus> = phase
                .items
                .iter()
                .map(|item| {
                    let detection = item.detect.map(|detect| match detect {
                        Detect::OrchestratorChosen => Detection {
                            detected: choice.is_some(),
                            evidence: choice.iter().map(|choice| choice.platform.id().to_string()).collect(),
                        },
                        other => observation.detect(other),
                    });
                    let checked = checks.get(&item.id).copied().unwrap_or(false);
                    let detected = detection.as_ref().is_some_and(|detection| detection.detected);
                    ItemStatus {
                        id: item.id.clone(),
                        title: item.title.clone(),
                        detail: item.detail.clone(),
                        detect: item.detect,
                        detection,
                        checked,
                        done: detected || checked,
                    }
                })
                .collect();
            let done = items.iter().filter(|item| item.done).count();
            PhaseStatus {
                id: phase.id.clone(),
                title: phase.title.clone(),
                duration: phase.duration.clone(),
                done: u32::try_from(done).unwrap_or(u32::MAX),
                total: u32::try_from(items.len()).unwrap_or(u32::MAX),
                items,
            }
        })
        .collect();
    RolloutStatus {
        phases,
        choice,
        hosts: 0,
        unreachable: observation.unreachable.clone(),
    }
}

/// Returns the hand-made ticks by item id. Rows for items the checklist no longer has are
/// left out.
pub async fn checks(store: &Store) -> Result<BTreeMap<String, bool>> {
    let checklist = Checklist::embedded()?;
    let rows: Vec<(String, bool)> = sqlx::query_as("SELECT item, checked FROM rollout_checks")
        .fetch_all(store.pool())
        .await?;
    Ok(rows.into_iter().filter(|(item, _)| checklist.contains(item)).collect())
}

/// Ticks or unticks an item by hand. Fails with [`Error::InvalidInput`] for an unknown item.
pub async fn set_checked(store: &Store, item: &str, checked: bool) -> Result<()> {
    if !Checklist::embedded()?.contains(item) {
        return Err(Error::invalid(
            "item",
            item,
            "use an item id that `homeport rollout` lists, such as reverse_proxy",
        ));
    }
    sqlx::query(
        "INSERT INTO rollout_checks (item, checked, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(item) DO UPDATE SET checked = excluded.checked, updated_at = excluded.updated_at",
    )
    .bind(item)
    .bind(checked)
    .bind(now_rfc3339())
    .execute(store.pool())
    .await?;
    tracing::info!(item, checked, "rollout item ticked by hand");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orchestrators::rules::{Answers, Ops, Platform, Scale, Team, Workloads};

    fn item<'a>(status: &'a RolloutStatus, id: &str) -> &'a ItemStatus {
        status
            .phases
            .iter()
            .flat_map(|phase| &phase.items)
            .find(|item| item.id == id)
            .unwrap_or_else(|| panic!("item '{id}' is missing"))
    }

    #[tokio::test]
    async fn ticks_persist_and_update() {
        let store = Store::open_in_memory().await.unwrap();
        assert!(checks(&store).await.unwrap().is_empty());

        set_checked(&store, "hardware", true).await.unwrap();
        set_checked(&store, "network", true).await.unwrap();
        set_checked(&store, "network", false).await.unwrap();
        let ticks = checks(&store).await.unwrap();
        assert_eq!(ticks.get("hardware"), Some(&true));
        assert_eq!(ticks.get("network"), Some(&false));
    }

    #[tokio::test]
    async fn unknown_item_is_rejected() {
        let store = Store::open_in_memory().await.unwrap();
        let err = set_checked(&store, "moat", true).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.to_string().contains("moat"), "the error names the item: {err}");
    }

    #[tokio::test]
    async fn dropped_item_rows_are_ignored() {
        let store = Store::open_in_memory().await.unwrap();
        sqlx::query("INSERT INTO rollout_checks VALUES ('retired_item', 1, '2024-01-01T00:00:00Z')")
            .execute(store.pool())
            .await
            .unwrap();
        assert!(checks(&store).await.unwrap().is_empty());
    }

    #[test]
    fn progress_counts_detected_and_ticked() {
        let checklist = Checklist::embedded().unwrap();
        let observation = Observation {
            containers: vec![detect::SeenContainer {
                host: "nas".into(),
                image: "caddy:2".into(),
                running: true,
            }],
            docker_hosts: vec!["nas".into()],
            ..Observation::default()
        };
        let checks = BTreeMap::from([("hardware".to_string(), true), ("backups".to_string(), true)]);
        let choice = SavedChoice {
            answers: Answers {
                team: Team::Solo,
                workloads: Workloads::Containers,
                scale: Scale::Single,
                ops: Ops::None,
            },
            platform: Platform::Compose,
            runner_up: Platform::Swarm,
            saved_at: "2024-01-01T00:00:00Z".into(),
        };
        let status = combine(checklist, &observation, &checks, Some(choice));

        let progress: Vec<(u32, u32)> = status.phases.iter().map(|phase| (phase.done, phase.total)).collect();
        // Foundation: hardware by hand, runtime detected. Core: proxy, certificates (Caddy),
        // orchestrator (saved) detected and backups by hand; monitoring is missing.
        assert_eq!(progress, [(2, 5), (4, 5), (0, 5), (0, 5)]);
        assert!(item(&status, "reverse_proxy").detection.as_ref().unwrap().detected);
        assert!(!item(&status, "reverse_proxy").checked, "detected, not ticked by hand");
        assert_eq!(
            item(&status, "orchestrator").detection.as_ref().unwrap().evidence,
            ["compose"]
        );
        assert_eq!(
            item(&status, "backups").detection,
            None,
            "backups are not detectable yet"
        );
        assert!(!item(&status, "monitoring").done);
    }
}

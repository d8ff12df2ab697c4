//! The orchestrator the user saved from the wizard, kept in `orchestrator_choice`.

use super::recommend::Recommendation;
use super::rules::{Answers, Platform};
use crate::error::{Error, Result};
use crate::store::{now_rfc3339, Store};

/// A saved wizard result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedChoice {
    pub answers: Answers,
    pub platform: Platform,
    pub runner_up: Platform,
    /// RFC 3339.
    pub saved_at: String,
}

/// Saves `recommendation` as the chosen orchestrator, replacing an earlier choice.
pub async fn save(store: &Store, recommendation: &Recommendation) -> Result<SavedChoice> {
    let saved_at = now_rfc3339();
    let answers = recommendation.answers;
    sqlx::query(
        "INSERT INTO orchestrator_choice (id, team, workloads, scale, ops, platform, runner_up, saved_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET team = excluded.team, workloads = excluded.workloads,
             scale = excluded.scale, ops = excluded.ops, platform = excluded.platform,
             runner_up = excluded.runner_up, saved_at = excluded.saved_at",
    )
    .bind(answers.team.id())
    .bind(answers.workloads.id())
    .bind(answers.scale.id())
    .bind(answers.ops.id())
    .bind(recommendation.primary.id())
    .bind(recommendation.runner_up.id())
    .bind(&saved_at)
    .execute(store.pool())
    .await?;
    tracing::info!(platform = recommendation.primary.id(), "orchestrator choice saved");

    Ok(SavedChoice {
        answers,
        platform: recommendation.primary,
        runner_up: recommendation.runner_up,
        saved_at,
    })
}

/// Returns the saved choice, or `None` when the user saved none.
pub async fn load(store: &Store) -> Result<Option<SavedChoice>> {
    type Row = (String, String, String, String, String, String, String);
    let row: Option<Row> = sqlx::query_as(
        "SELECT team, workloads, scale, ops, platform, runner_up, saved_at FROM orchestrator_choice WHERE id = 1",
    )
    .fetch_optional(store.pool())
    .await?;
    let Some((team, workloads, scale, ops, platform, runner_up, saved_at)) = row else {
        return Ok(None);
    };

    // A value this build does not know (written by a newer version) is a storage error
    // rather than a silent default, so the rollout plan never shows a choice the user did not
    // make.
    Ok(Some(SavedChoice {
        answers: Answers {
            team: parse_stored(&team)?,
            workloads: parse_stored(&workloads)?,
            scale: parse_stored(&scale)?,
            ops: parse_stored(&ops)?,
        },
        platform: parse_stored(&platform)?,
        runner_up: parse_stored(&runner_up)?,
        saved_at,
    }))
}

fn parse_stored<T: std::str::FromStr<Err = Error>>(text: &str) -> Result<T> {
    text.parse()
        .map_err(|err| Error::Storage(format!("the saved orchestrator choice is invalid: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orchestrators::recommend;
    use crate::orchestrators::rules::{Ops, Scale, Team, Workloads};

    fn answers(scale: Scale) -> Answers {
        Answers {
            team: Team::Solo,
            workloads: Workloads::Containers,
            scale,
            ops: Ops::Limited,
        }
    }

    #[tokio::test]
    async fn save_and_load_back() {
        let store = Store::open_in_memory().await.unwrap();
        assert_eq!(load(&store).await.unwrap(), None, "nothing saved yet");

        let saved = save(&store, &recommend(answers(Scale::Single)).unwrap()).await.unwrap();
        assert_eq!(saved.platform, Platform::Compose);
        assert_eq!(load(&store).await.unwrap(), Some(saved));
    }

    #[tokio::test]
    async fn save_replaces_earlier_choice() {
        let store = Store::open_in_memory().await.unwrap();
        save(&store, &recommend(answers(Scale::Single)).unwrap()).await.unwrap();
        save(&store, &recommend(answers(Scale::Edge)).unwrap()).await.unwrap();

        let loaded = load(&store).await.unwrap().unwrap();
        assert_eq!(loaded.answers.scale, Scale::Edge);
        assert_eq!(loaded.platform, Platform::K3s);
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orchestrator_choice")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[tokio::test]
    async fn unknown_stored_platform_is_storage_error() {
        let store = Store::open_in_memory().await.unwrap();
        sqlx::query(
            "INSERT INTO orchestrator_choice VALUES (1, 'solo', 'containers', 'single', 'none', 'mesos', 'swarm', 'x')",
        )
        .execute(store.pool())
        .await
        .unwrap();
        let err = load(&store).await.unwrap_err();
        assert!(
            matches!(err, Error::Storage(ref detail) if detail.contains("mesos")),
            "got {err:?}"
        );
    }
}

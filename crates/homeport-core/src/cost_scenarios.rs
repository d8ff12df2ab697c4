//! The cost calculator's saved scenarios, kept in `cost_scenarios` as JSON text.
//!
//! Core stores the text as it is given; `homeport-cost` parses and checks it, so core does not
//! depend on the calculator.

use crate::error::{Error, Result};
use crate::store::{now_rfc3339, Store};

/// Maximum length of a saved scenario's name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// A saved scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedScenario {
    pub id: String,
    pub name: String,
    /// The scenario file's JSON text.
    pub scenario: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// Saves `scenario` under `name`, replacing the scenario saved under that name before.
pub async fn save(store: &Store, name: &str, scenario: &str) -> Result<SavedScenario> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", name, "enter a name to save the scenario under"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(
            "name",
            name,
            format!("shorten the name to at most {MAX_NAME_CHARS} characters"),
        ));
    }

    let now = now_rfc3339();
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO cost_scenarios (id, name, scenario, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET scenario = excluded.scenario, updated_at = excluded.updated_at",
    )
    .bind(&id)
    .bind(name)
    .bind(scenario)
    .bind(&now)
    .bind(&now)
    .execute(store.pool())
    .await?;

    let saved = load_by_name(store, name)
        .await?
        .ok_or_else(|| Error::Storage(format!("the scenario '{name}' was not found after saving it")))?;
    tracing::info!(id = %saved.id, "cost scenario saved");
    Ok(saved)
}

/// Returns every saved scenario, by name.
pub async fn list(store: &Store) -> Result<Vec<SavedScenario>> {
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT id, name, scenario, created_at, updated_at FROM cost_scenarios ORDER BY name COLLATE NOCASE, id",
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Deletes the saved scenario `id`.
pub async fn delete(store: &Store, id: &str) -> Result<()> {
    let deleted = sqlx::query("DELETE FROM cost_scenarios WHERE id = ?")
        .bind(id)
        .execute(store.pool())
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(Error::invalid(
            "scenario",
            id,
            "no saved scenario has this id; reload the list of saved scenarios",
        ));
    }
    tracing::info!(id, "cost scenario deleted");
    Ok(())
}

async fn load_by_name(store: &Store, name: &str) -> Result<Option<SavedScenario>> {
    let row: Option<(String, String, String, String, String)> =
        sqlx::query_as("SELECT id, name, scenario, created_at, updated_at FROM cost_scenarios WHERE name = ?")
            .bind(name)
            .fetch_optional(store.pool())
            .await?;
    Ok(row.map(from_row))
}

fn from_row((id, name, scenario, created_at, updated_at): (String, String, String, String, String)) -> SavedScenario {
    SavedScenario {
        id,
        name,
        scenario,
        created_at,
        updated_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn save_list_and_delete() {
        let store = Store::open_in_memory().await.unwrap();
        assert!(list(&store).await.unwrap().is_empty());

        let first = save(&store, "mini PC", r#"{"version":1}"#).await.unwrap();
        let second = save(&store, "Attic server", r#"{"version":1,"name":"b"}"#)
            .await
            .unwrap();
        let names: Vec<String> = list(&store)
            .await
            .unwrap()
            .into_iter()
            .map(|saved| saved.name)
            .collect();
        assert_eq!(names, ["Attic server", "mini PC"]);

        delete(&store, &second.id).await.unwrap();
        assert_eq!(list(&store).await.unwrap(), vec![first]);
    }

    #[tokio::test]
    async fn same_name_replaces_scenario() {
        let store = Store::open_in_memory().await.unwrap();
        let first = save(&store, "home", "old").await.unwrap();
        let second = save(&store, " home ", "new").await.unwrap();
        assert_eq!(second.id, first.id, "the saved scenario keeps its id");
        assert_eq!(second.created_at, first.created_at);
        assert_eq!(second.scenario, "new");
        assert_eq!(list(&store).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn empty_name_is_rejected() {
        let store = Store::open_in_memory().await.unwrap();
        let err = save(&store, "  ", "{}").await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { field: "name", .. }), "{err:?}");
    }

    #[tokio::test]
    async fn deleting_unknown_id_fails() {
        let store = Store::open_in_memory().await.unwrap();
        let err = delete(&store, "missing").await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { field: "scenario", .. }), "{err:?}");
    }
}

//! The `template_sources` and `imported_templates` tables (migration 0005).

use sqlx::Row;

use super::location::Location;
use super::{ReadTemplate, Source, SourceKind};
use crate::error::{Error, Result};
use crate::store::{now_rfc3339, Store};

/// A stored template before it is parsed again.
pub(super) struct TemplateRow {
    pub source_id: i64,
    pub template_id: String,
    pub origin: String,
    pub raw: String,
}

/// Returns the id of the source imported from `location`, if there is one.
pub(super) async fn source_by_location(store: &Store, location: &Location) -> Result<Option<i64>> {
    let id = sqlx::query_scalar("SELECT id FROM template_sources WHERE location = ?")
        .bind(location.as_str())
        .fetch_optional(store.pool())
        .await?;
    Ok(id)
}

/// Stores a new source and its templates in one transaction, and returns its id.
pub(super) async fn insert_source(
    store: &Store,
    kind: SourceKind,
    location: &Location,
    templates: &[ReadTemplate],
) -> Result<i64> {
    let now = now_rfc3339();
    let mut transaction = store.pool().begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO template_sources (kind, location, location_kind, imported_at, refreshed_at) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(kind.as_str())
    .bind(location.as_str())
    .bind(location.kind().as_str())
    .bind(&now)
    .bind(&now)
    .execute(&mut *transaction)
    .await
    .map_err(|err| match &err {
        // Another process imported the same location since the check in `import`.
        sqlx::Error::Database(database) if database.is_unique_violation() => Error::invalid(
            "location",
            location.as_str(),
            "it is already imported; refresh or remove that source instead",
        ),
        _ => Error::from(err),
    })?;
    let id = inserted.last_insert_rowid();
    insert_templates(&mut transaction, id, templates).await?;
    transaction.commit().await?;
    Ok(id)
}

/// Replaces the templates of source `id` and records the refresh, in one transaction.
pub(super) async fn replace_templates(
    store: &Store,
    id: i64,
    kind: SourceKind,
    templates: &[ReadTemplate],
) -> Result<()> {
    let mut transaction = store.pool().begin().await?;
    let updated = sqlx::query("UPDATE template_sources SET kind = ?, refreshed_at = ? WHERE id = ?")
        .bind(kind.as_str())
        .bind(now_rfc3339())
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    if updated.rows_affected() == 0 {
        // Removed by another process while it was being read.
        return Err(Error::invalid(
            "source",
            id.to_string(),
            "the template source was removed meanwhile",
        ));
    }
    sqlx::query("DELETE FROM imported_templates WHERE source_id = ?")
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    insert_templates(&mut transaction, id, templates).await?;
    transaction.commit().await?;
    Ok(())
}

async fn insert_templates(
    transaction: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    source_id: i64,
    templates: &[ReadTemplate],
) -> Result<()> {
    for (position, template) in templates.iter().enumerate() {
        sqlx::query(
            "INSERT INTO imported_templates (source_id, template_id, position, origin, raw) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(source_id)
        .bind(&template.template_id)
        .bind(position as i64)
        .bind(&template.origin)
        .bind(&template.raw)
        .execute(&mut **transaction)
        .await?;
    }
    Ok(())
}

/// Deletes source `id` with its templates, and returns whether it existed.
pub(super) async fn delete_source(store: &Store, id: i64) -> Result<bool> {
    let mut transaction = store.pool().begin().await?;
    // The foreign key would cascade too; deleting explicitly does not depend on the
    // connection's foreign_keys setting.
    sqlx::query("DELETE FROM imported_templates WHERE source_id = ?")
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    let deleted = sqlx::query("DELETE FROM template_sources WHERE id = ?")
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(deleted.rows_affected() > 0)
}

/// Lists every source with its template count, oldest first.
pub(super) async fn sources(store: &Store) -> Result<Vec<Source>> {
    let rows = sqlx::query(
        "SELECT s.id, s.kind, s.location, s.location_kind, s.imported_at, s.refreshed_at, \
                (SELECT COUNT(*) FROM imported_templates t WHERE t.source_id = s.id) AS template_count \
         FROM template_sources s ORDER BY s.id",
    )
    .fetch_all(store.pool())
    .await?;
    rows.into_iter()
        .map(|row| {
            let count: i64 = row.try_get("template_count")?;
            Ok(Source {
                id: row.try_get("id")?,
                kind: SourceKind::parse(row.try_get("kind")?)?,
                location: Location::from_stored(row.try_get("location_kind")?, row.try_get("location")?)?,
                imported_at: row.try_get("imported_at")?,
                refreshed_at: row.try_get("refreshed_at")?,
                template_count: usize::try_from(count).unwrap_or_default(),
            })
        })
        .collect()
}

/// Lists the stored templates of one source, or of all, by source and position.
pub(super) async fn template_rows(store: &Store, source_id: Option<i64>) -> Result<Vec<TemplateRow>> {
    let rows = sqlx::query(
        "SELECT source_id, template_id, origin, raw FROM imported_templates \
         WHERE ?1 IS NULL OR source_id = ?1 ORDER BY source_id, position",
    )
    .bind(source_id)
    .fetch_all(store.pool())
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(TemplateRow {
                source_id: row.try_get("source_id")?,
                template_id: row.try_get("template_id")?,
                origin: row.try_get("origin")?,
                raw: row.try_get("raw")?,
            })
        })
        .collect()
}

//! Template sources: Portainer App Templates files and CasaOS apps imported from a file, a
//! folder or an http(s) URL, kept in the database and shown in the Catalog beside the
//! built-in templates.
//!
//! [`import`] reads and checks the whole source before it writes anything, so a source with
//! one broken template is rejected with the file, line and column and nothing is stored.
//! [`refresh`] reads the source again and replaces its templates in one transaction, and
//! [`remove`] deletes a source with its templates. Each template is stored as the source wrote
//! it and parsed again on every read ([`templates`]), so a newer Homeport reads old imports
//! with its own rules. [`render`] turns an imported template into the files a deploy writes.

pub(crate) mod fetch;
mod location;
mod read;
mod render;
mod store;

use homeport_import::templates::{casaos, portainer, AppTemplate};

use crate::error::{Error, Result};
use crate::store::Store;

pub use fetch::MAX_DOWNLOAD_BYTES;
pub use location::{Location, LocationKind};
pub use read::MAX_CASAOS_APPS;
pub use render::render;

/// The format of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A Portainer App Templates file, versions 1 to 3.
    Portainer,
    /// One CasaOS app (a Compose file with `x-casaos`), or a folder of them.
    Casaos,
}

impl SourceKind {
    /// Returns the name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Portainer => "portainer",
            SourceKind::Casaos => "casaos",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "portainer" => Ok(SourceKind::Portainer),
            "casaos" => Ok(SourceKind::Casaos),
            other => Err(Error::Storage(format!("unknown template source kind '{other}'"))),
        }
    }
}

/// An imported source, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub id: i64,
    pub kind: SourceKind,
    pub location: Location,
    /// RFC 3339 times of the first import and of the last successful read.
    pub imported_at: String,
    pub refreshed_at: String,
    pub template_count: usize,
}

/// One template of an imported source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedTemplate {
    pub source_id: i64,
    pub source_kind: SourceKind,
    pub source_location: Location,
    /// The template as `homeport-import` reads it; its `id` is unique within the source.
    pub template: AppTemplate,
}

impl ImportedTemplate {
    /// Returns the id the Catalog uses, `<source id>/<template id>`. Built-in template ids
    /// never contain `/`, so the two never collide.
    pub fn qualified_id(&self) -> String {
        qualified_id(self.source_id, &self.template.id)
    }
}

/// Returns the Catalog id of template `template_id` of source `source_id`.
pub fn qualified_id(source_id: i64, template_id: &str) -> String {
    format!("{source_id}/{template_id}")
}

/// Splits a Catalog id into source id and template id, or returns `None` for an id without
/// `/`, which is a built-in template's.
pub fn split_qualified_id(id: &str) -> Option<(i64, &str)> {
    let (source, template) = id.split_once('/')?;
    Some((source.parse().ok()?, template))
}

/// A template read from a source, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReadTemplate {
    template_id: String,
    origin: String,
    raw: String,
}

/// Reads the source at `location` (a file or folder path, or an http(s) URL), checks every
/// template in it, and stores the source with its templates in one transaction. A location
/// that is already imported is rejected; refresh that source instead.
pub async fn import(store: &Store, location: &str) -> Result<Source> {
    let location = Location::parse(location)?;
    if let Some(existing) = store::source_by_location(store, &location).await? {
        return Err(Error::invalid(
            "location",
            location.as_str(),
            format!(
                "it is already imported as template source {}; refresh or remove that source instead",
                existing
            ),
        ));
    }
    let (kind, templates) = read::read_source(&location).await?;
    let id = store::insert_source(store, kind, &location, &templates).await?;
    tracing::info!(
        source_id = id,
        kind = kind.as_str(),
        location = %location.as_str(),
        templates = templates.len(),
        "template source imported"
    );
    source(store, id).await
}

/// Reads source `id` again and replaces its templates. When the read or a check fails, the
/// stored templates stay as they were.
pub async fn refresh(store: &Store, id: i64) -> Result<Source> {
    let existing = source(store, id).await?;
    let (kind, templates) = read::read_source(&existing.location).await?;
    store::replace_templates(store, id, kind, &templates).await?;
    tracing::info!(
        source_id = id,
        kind = kind.as_str(),
        templates = templates.len(),
        "template source refreshed"
    );
    source(store, id).await
}

/// Deletes source `id` and its templates. Stacks deployed from them stay on their hosts.
pub async fn remove(store: &Store, id: i64) -> Result<()> {
    if !store::delete_source(store, id).await? {
        return Err(source_not_found(id));
    }
    tracing::info!(source_id = id, "template source removed");
    Ok(())
}

/// Lists the sources in the order they were imported.
pub async fn sources(store: &Store) -> Result<Vec<Source>> {
    store::sources(store).await
}

/// Returns source `id`.
pub async fn source(store: &Store, id: i64) -> Result<Source> {
    store::sources(store)
        .await?
        .into_iter()
        .find(|source| source.id == id)
        .ok_or_else(|| source_not_found(id))
}

/// Returns every imported template, by source and then in the source's order. A stored
/// template that cannot be parsed again is left out with a warning, so one bad row does not
/// empty the Catalog; [`template`] still reports its error.
pub async fn templates(store: &Store) -> Result<Vec<ImportedTemplate>> {
    let sources = store::sources(store).await?;
    let mut templates = Vec::new();
    for row in store::template_rows(store, None).await? {
        let Some(source) = sources.iter().find(|source| source.id == row.source_id) else {
            continue;
        };
        let template_id = row.template_id.clone();
        match parse_row(source, row) {
            Ok(template) => templates.push(template),
            Err(error) => {
                tracing::warn!(source_id = source.id, template = %template_id, error = %error, "stored template skipped");
            }
        }
    }
    Ok(templates)
}

/// Returns the imported template with the Catalog id `id` (`<source id>/<template id>`).
pub async fn template(store: &Store, id: &str) -> Result<ImportedTemplate> {
    let not_found = || {
        Error::invalid(
            "template",
            id,
            "no imported template has this id; list the templates again, as its source may have been refreshed or removed",
        )
    };
    let (source_id, template_id) = split_qualified_id(id).ok_or_else(not_found)?;
    let source = source(store, source_id).await.map_err(|_| not_found())?;
    let row = store::template_rows(store, Some(source_id))
        .await?
        .into_iter()
        .find(|row| row.template_id == template_id)
        .ok_or_else(not_found)?;
    parse_row(&source, row)
}

/// Parses a stored template again. It was checked when it was imported, so a failure means
/// the stored text was changed or this version reads the format differently.
fn parse_row(source: &Source, row: store::TemplateRow) -> Result<ImportedTemplate> {
    let parsed = match source.kind {
        SourceKind::Portainer => portainer::parse_entry(&row.raw, &row.origin),
        SourceKind::Casaos => casaos::parse(&row.raw, &row.origin),
    };
    let mut template = parsed.map_err(|error| Error::TemplateSourceInvalid {
        file: row.origin.clone(),
        line: 0,
        column: 0,
        detail: format!(
            "the stored template '{}' cannot be read again ({error}); refresh or remove source {}",
            row.template_id, source.id
        ),
    })?;
    template.id = row.template_id;
    Ok(ImportedTemplate {
        source_id: source.id,
        source_kind: source.kind,
        source_location: source.location.clone(),
        template,
    })
}

fn source_not_found(id: i64) -> Error {
    Error::invalid(
        "source",
        id.to_string(),
        "no template source has this id; list the sources with `homeport template sources`",
    )
}

//! Template sources: Portainer template lists and CasaOS apps imported into the Catalog.

use homeport_core::template_sources::{self, LocationKind, Source, SourceKind};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Api, ApiResult};

/// The format of an imported template source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum TemplateSourceKind {
    /// A Portainer App Templates file, versions 1 to 3.
    Portainer,
    /// A CasaOS app (a Compose file with `x-casaos`), or a folder of them.
    Casaos,
}

impl From<SourceKind> for TemplateSourceKind {
    fn from(kind: SourceKind) -> Self {
        match kind {
            SourceKind::Portainer => TemplateSourceKind::Portainer,
            SourceKind::Casaos => TemplateSourceKind::Casaos,
        }
    }
}

/// Whether a source is read from this computer or downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum TemplateLocationKind {
    File,
    Url,
}

impl From<LocationKind> for TemplateLocationKind {
    fn from(kind: LocationKind) -> Self {
        match kind {
            LocationKind::File => TemplateLocationKind::File,
            LocationKind::Url => TemplateLocationKind::Url,
        }
    }
}

/// An imported template source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TemplateSourceView {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: TemplateSourceKind,
    /// The absolute file or folder path, or the http(s) URL.
    pub location: String,
    pub location_kind: TemplateLocationKind,
    /// RFC 3339 time of the first import.
    pub imported_at: String,
    /// RFC 3339 time of the last successful read, the import or a refresh.
    pub refreshed_at: String,
    pub template_count: u32,
}

impl From<Source> for TemplateSourceView {
    fn from(source: Source) -> Self {
        Self {
            id: source.id,
            kind: source.kind.into(),
            location: source.location.as_str().to_string(),
            location_kind: source.location.kind().into(),
            imported_at: source.imported_at,
            refreshed_at: source.refreshed_at,
            template_count: u32::try_from(source.template_count).unwrap_or(u32::MAX),
        }
    }
}

impl Api {
    /// Lists the imported template sources, oldest first.
    pub async fn template_source_list(&self) -> ApiResult<Vec<TemplateSourceView>> {
        let sources = template_sources::sources(self.hosts.store()).await?;
        Ok(sources.into_iter().map(Into::into).collect())
    }

    /// Imports a Portainer template file or CasaOS app from `location`: a file or folder path
    /// on this computer, or an http(s) URL. Every template is checked first, so a broken
    /// source is rejected with its file, line and column, and nothing is stored.
    pub async fn template_source_import(&self, location: &str) -> ApiResult<TemplateSourceView> {
        Ok(template_sources::import(self.hosts.store(), location).await?.into())
    }

    /// Reads source `id` again, from its file or URL, and replaces its templates. A failed
    /// read keeps the templates it had.
    pub async fn template_source_refresh(&self, id: i64) -> ApiResult<TemplateSourceView> {
        Ok(template_sources::refresh(self.hosts.store(), id).await?.into())
    }

    /// Removes source `id` and its templates from the Catalog. Stacks deployed from them stay.
    pub async fn template_source_remove(&self, id: i64) -> ApiResult<()> {
        template_sources::remove(self.hosts.store(), id).await?;
        Ok(())
    }
}

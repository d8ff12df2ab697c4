//! The template catalog: ready-made Compose stacks (media, photos, files, proxies,
//! monitoring, …) that Homeport deploys to a host.
//!
//! Each template is a folder `assets/catalog/<id>/` with `template.yaml` (metadata and
//! parameters, in English and Simplified Chinese), `compose.yaml` (a Compose file that
//! references parameters as `${NAME}`) and any files the stack mounts, such as Prometheus
//! rules. [`Catalog::embedded`] loads the copy compiled into the binary; [`Catalog::load_dir`]
//! loads a folder. Loading validates every template strictly, and [`Catalog::render`] produces
//! the stack's `compose.yaml`, its `.env` (with generated passwords) and its other files.
//! `docs/catalog.md` explains how to write a template.

mod embedded;
mod error;
mod fragment;
mod interpolation;
mod metadata;
mod render;
mod secret;
mod validate;
mod values;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;

use crate::secrets::Secret;

pub use error::{CatalogError, CatalogErrorCode, Location};
pub use fragment::{fragment, Fragment};
pub use metadata::{Category, Localized, Parameter, ParameterType, SelectOption, TemplateMetadata};
pub use render::{RenderedStack, StackFile};
pub use validate::PROFILES_PARAMETER;

const METADATA_FILE: &str = "template.yaml";
const COMPOSE_FILE: &str = "compose.yaml";

/// One validated template.
#[derive(Debug, Clone)]
pub struct Template {
    pub metadata: TemplateMetadata,
    /// The text of `compose.yaml`, unchanged.
    pub compose: String,
    /// The other files of the template folder, with paths relative to it, sorted by path.
    pub files: Vec<StackFile>,
}

impl Template {
    /// Renders this template; see [`render::render`]. Templates built outside the catalog,
    /// such as imported ones, render through this.
    pub fn render(
        &self,
        values: &BTreeMap<String, String>,
        secrets: &BTreeMap<String, Secret>,
    ) -> Result<RenderedStack, CatalogError> {
        render::render(self, values, secrets)
    }
}

/// All templates, sorted by id.
#[derive(Debug, Clone)]
pub struct Catalog {
    templates: Vec<Template>,
}

impl Catalog {
    /// Loads the catalog compiled into the binary from `assets/catalog`.
    pub fn embedded() -> Result<Self, CatalogError> {
        Self::from_files(
            embedded::FILES
                .iter()
                .map(|(path, contents)| (path.to_string(), contents.to_string())),
        )
    }

    /// Loads every template folder under `root`. Hidden files (names starting with `.`) are
    /// skipped, since editors leave swap and backup files there.
    pub fn load_dir(root: &Path) -> Result<Self, CatalogError> {
        Self::from_files(read_tree(root)?)
    }

    /// Loads templates from `(path, contents)` pairs, where a path is `<id>/<file>` with `/`
    /// separators.
    pub fn from_files(files: impl IntoIterator<Item = (String, String)>) -> Result<Self, CatalogError> {
        let mut folders: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (path, contents) in files {
            check_file_path(&path)?;
            let (folder, relative) = path.split_once('/').ok_or_else(|| CatalogError::Invalid {
                file: path.clone(),
                field: "path".to_string(),
                detail: "files belong in a template folder, as <id>/<file>".to_string(),
            })?;
            folders
                .entry(folder.to_string())
                .or_default()
                .insert(relative.to_string(), contents);
        }

        let templates = folders
            .into_iter()
            .map(|(folder, files)| load_template(&folder, files))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { templates })
    }

    /// Returns every template, sorted by id.
    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    /// Returns the template with `id`.
    pub fn get(&self, id: &str) -> Result<&Template, CatalogError> {
        self.templates
            .iter()
            .find(|template| template.metadata.id == id)
            .ok_or_else(|| CatalogError::TemplateNotFound(id.to_string()))
    }

    /// Renders the template `id` with `values` for plain parameters and `secrets` for
    /// passwords; see [`render::render`].
    pub fn render(
        &self,
        id: &str,
        values: &BTreeMap<String, String>,
        secrets: &BTreeMap<String, Secret>,
    ) -> Result<RenderedStack, CatalogError> {
        render::render(self.get(id)?, values, secrets)
    }
}

fn load_template(folder: &str, mut files: BTreeMap<String, String>) -> Result<Template, CatalogError> {
    let metadata_text = files.remove(METADATA_FILE).ok_or(CatalogError::MissingFile {
        folder: folder.to_string(),
        file: METADATA_FILE,
    })?;
    let compose = files.remove(COMPOSE_FILE).ok_or(CatalogError::MissingFile {
        folder: folder.to_string(),
        file: COMPOSE_FILE,
    })?;

    let metadata_file = format!("{folder}/{METADATA_FILE}");
    let metadata = validate::parse_metadata(&metadata_file, &metadata_text)?;
    validate::check_metadata(&metadata_file, folder, &metadata)?;

    let extra_paths: Vec<String> = files.keys().cloned().collect();
    validate::check_compose(folder, &metadata, &compose, &extra_paths)?;

    let files = files
        .into_iter()
        .map(|(path, contents)| StackFile { path, contents })
        .collect();
    Ok(Template {
        metadata,
        compose,
        files,
    })
}

/// Rejects a path whose parts are not plain names (`..`, hidden files, characters a shell or
/// Compose treats specially), because the path is written to the host unchanged.
fn check_file_path(path: &str) -> Result<(), CatalogError> {
    let valid = path.split('/').all(|part| {
        part.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
    });
    if valid {
        Ok(())
    } else {
        Err(CatalogError::Invalid {
            file: path.to_string(),
            field: "path".to_string(),
            detail: "each part of a path is letters, digits, '_', '-' and '.', not starting with '.' or '-'"
                .to_string(),
        })
    }
}

/// Reads every non-hidden file below `root` as `(relative path, contents)`.
fn read_tree(root: &Path) -> Result<Vec<(String, String)>, CatalogError> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    let io_error = |path: &Path, err: std::io::Error| CatalogError::Io {
        path: path.display().to_string(),
        detail: err.to_string(),
    };

    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|err| io_error(&dir, err))?;
        for entry in entries {
            let entry = entry.map_err(|err| io_error(&dir, err))?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let file_type = entry.file_type().map_err(|err| io_error(&path, err))?;
            if file_type.is_dir() {
                pending.push(path);
                continue;
            }
            let contents = std::fs::read_to_string(&path).map_err(|err| io_error(&path, err))?;
            let relative = path
                .strip_prefix(root)
                .expect("a walked path starts with its root")
                .components()
                .map(|component| component.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            files.push((relative, contents));
        }
    }
    files.sort();
    Ok(files)
}

//! Reads a source and checks every template in it: a Portainer file (JSON) or a CasaOS
//! Compose file from a path or URL, or a folder of CasaOS apps.

use std::path::{Path, PathBuf};

use homeport_import::templates::{casaos, make_ids_unique, portainer, slug, AppTemplate, TemplateError};

use super::fetch::{self, MAX_DOWNLOAD_BYTES};
use super::location::{Location, LocationKind};
use super::{ReadTemplate, SourceKind};
use crate::error::{Error, Result};

/// The maximum number of apps one folder import reads. By estimate the CasaOS app store has a
/// few hundred, so this bounds a mistaken import of a large folder tree but not a real store.
pub const MAX_CASAOS_APPS: usize = 2000;

/// The file names CasaOS and Compose look for in an app folder, in Compose's order of
/// preference.
const COMPOSE_FILE_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// Reads the source at `location` and returns its format and templates. Nothing is stored.
pub(super) async fn read_source(location: &Location) -> Result<(SourceKind, Vec<ReadTemplate>)> {
    match location.kind() {
        LocationKind::Url => {
            let text = fetch::download(location.as_str()).await?;
            parse_text(&text, location.as_str())
        }
        LocationKind::File => {
            let path = PathBuf::from(location.as_str());
            tokio::task::spawn_blocking(move || read_path(&path))
                .await
                .map_err(|err| Error::Internal(format!("the template file reader failed: {err}")))?
        }
    }
}

fn read_path(path: &Path) -> Result<(SourceKind, Vec<ReadTemplate>)> {
    let metadata = std::fs::metadata(path).map_err(|err| unreadable(path, &err))?;
    if metadata.is_dir() {
        return read_casaos_folder(path);
    }
    let text = read_text(path)?;
    parse_text(&text, &path.display().to_string())
}

/// Parses a downloaded or read file: JSON is a Portainer template list, anything else a
/// CasaOS Compose file. JSON is also YAML, so the first character decides.
fn parse_text(text: &str, origin: &str) -> Result<(SourceKind, Vec<ReadTemplate>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with(['{', '[']) {
        let entries = portainer::parse_entries(text, origin).map_err(|error| invalid(origin, &error))?;
        if entries.is_empty() {
            return Err(Error::TemplateSourceInvalid {
                file: origin.to_string(),
                line: 0,
                column: 0,
                detail: "the template list is empty; check that this is the file Portainer's App Templates setting points at"
                    .to_string(),
            });
        }
        let templates = entries
            .into_iter()
            .map(|entry| ReadTemplate {
                template_id: entry.template.id,
                origin: origin.to_string(),
                raw: entry.json,
            })
            .collect();
        return Ok((SourceKind::Portainer, templates));
    }

    let mut template = casaos::parse(text, origin).map_err(|error| invalid(origin, &error))?;
    template.id = clean_id(&template);
    Ok((
        SourceKind::Casaos,
        vec![ReadTemplate {
            template_id: template.id,
            origin: origin.to_string(),
            raw: text.to_string(),
        }],
    ))
}

/// Reads one app folder (it has a Compose file), or a folder with one app per subfolder, as
/// the CasaOS app store keeps them in `Apps/<app>/docker-compose.yml`.
fn read_casaos_folder(folder: &Path) -> Result<(SourceKind, Vec<ReadTemplate>)> {
    if let Some(file) = compose_file_in(folder) {
        let (app, raw) = read_casaos_file(&file)?;
        return Ok((SourceKind::Casaos, vec![stored(app, &file, raw)]));
    }

    let mut subfolders: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|err| unreadable(folder, &err))?
        .filter_map(|entry| entry.ok())
        .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    subfolders.sort();

    let mut apps = Vec::new();
    let mut files = Vec::new();
    for subfolder in subfolders {
        let Some(file) = compose_file_in(&subfolder) else {
            continue;
        };
        if apps.len() == MAX_CASAOS_APPS {
            return Err(Error::invalid(
                "location",
                folder.display().to_string(),
                format!("the folder has more than {MAX_CASAOS_APPS} apps; import a smaller folder"),
            ));
        }
        let (app, raw) = read_casaos_file(&file)?;
        apps.push(app);
        files.push((file, raw));
    }
    if apps.is_empty() {
        return Err(Error::TemplateSourceInvalid {
            file: folder.display().to_string(),
            line: 0,
            column: 0,
            detail: "the folder contains no Compose file, neither itself nor in a subfolder per app \
                     (docker-compose.yml, as in the CasaOS app store's Apps/<app>/docker-compose.yml)"
                .to_string(),
        });
    }

    make_ids_unique(&mut apps);
    let templates = apps
        .into_iter()
        .zip(files)
        .map(|(app, (file, raw))| stored(app, &file, raw))
        .collect();
    Ok((SourceKind::Casaos, templates))
}

fn read_casaos_file(file: &Path) -> Result<(AppTemplate, String)> {
    let origin = file.display().to_string();
    let text = read_text(file)?;
    let text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
    let mut app = casaos::parse(&text, &origin).map_err(|error| invalid(&origin, &error))?;
    app.id = clean_id(&app);
    Ok((app, text))
}

fn stored(app: AppTemplate, file: &Path, raw: String) -> ReadTemplate {
    ReadTemplate {
        template_id: app.id,
        origin: file.display().to_string(),
        raw,
    }
}

fn compose_file_in(folder: &Path) -> Option<PathBuf> {
    COMPOSE_FILE_NAMES
        .iter()
        .map(|name| folder.join(name))
        .find(|path| path.is_file())
}

/// Keeps an id that is safe in a Catalog id and a command line, and otherwise derives one
/// from it, or from the title when nothing is left.
fn clean_id(app: &AppTemplate) -> String {
    let safe = !app.id.is_empty()
        && app
            .id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'));
    if safe {
        return app.id.clone();
    }
    let derived = slug(&app.id);
    if derived == "app" {
        slug(&app.title.default)
    } else {
        derived
    }
}

fn read_text(path: &Path) -> Result<String> {
    let metadata = std::fs::metadata(path).map_err(|err| unreadable(path, &err))?;
    // Devices and pipes report size 0, so only regular files are read.
    if !metadata.is_file() {
        return Err(Error::invalid(
            "location",
            path.display().to_string(),
            "this is not a regular file; name a template JSON file or a CasaOS app folder",
        ));
    }
    if metadata.len() > MAX_DOWNLOAD_BYTES as u64 {
        return Err(Error::invalid(
            "location",
            path.display().to_string(),
            format!(
                "the file is larger than {} MiB, far more than any template list",
                MAX_DOWNLOAD_BYTES / (1024 * 1024)
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|err| unreadable(path, &err))?;
    String::from_utf8(bytes).map_err(|err| Error::TemplateSourceInvalid {
        file: path.display().to_string(),
        line: 0,
        column: 0,
        detail: format!(
            "the file is not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
            err.utf8_error().valid_up_to()
        ),
    })
}

fn unreadable(path: &Path, err: &std::io::Error) -> Error {
    let reason = if err.kind() == std::io::ErrorKind::NotFound {
        "no such file or folder; check the path".to_string()
    } else {
        format!("cannot read it ({err}); check that your user may read it")
    };
    Error::invalid("location", path.display().to_string(), reason)
}

fn invalid(origin: &str, error: &TemplateError) -> Error {
    let (line, column) = match error {
        TemplateError::InvalidJson { line, column, .. } | TemplateError::InvalidYaml { line, column, .. } => {
            (*line, *column)
        }
        _ => (0, 0),
    };
    Error::TemplateSourceInvalid {
        file: origin.to_string(),
        line,
        column,
        detail: error.to_string(),
    }
}

//! Reads a deployed stack's files back from its host, so a stack made by Homeport or by
//! `docker compose` can be opened in the builder and deployed again.

use std::path::Path;

use super::deploy::{read_texts, FileAccess, MAX_TEXT_FILE};
use super::Stack;
use crate::error::{Error, Result};

/// The files of one stack as they are on its host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSource {
    /// The main Compose file's path on the host and its text.
    pub compose_path: String,
    pub compose: String,
    /// Override files, which the builder does not edit; listed so the user knows of them.
    pub overrides: Vec<String>,
    /// The `.env` beside the main file, when there is one.
    pub env: Option<String>,
    /// Files the builder writes beside compose.yaml (the Caddyfile), when present.
    pub extra: Vec<(String, String)>,
    /// The folder a redeploy writes `<name>/` under: the working folder's parent, when the
    /// working folder is named after the stack as Homeport names it.
    pub base_dir: Option<String>,
}

/// Files beside compose.yaml that the builder generates and so reads back.
const EXTRA_FILES: [&str; 1] = ["Caddyfile"];

/// Reads `stack`'s main Compose file, `.env` and generated files through `access`.
pub async fn read_source(access: &FileAccess<'_>, stack: &Stack) -> Result<StackSource> {
    let Some(main) = stack.config_files.first() else {
        return Err(Error::invalid(
            "stack",
            stack.name.clone(),
            "its containers do not record their Compose files (label com.docker.compose.project.config_files); open the file on the host instead",
        ));
    };
    let folder = Path::new(main)
        .parent()
        .map(|folder| folder.display().to_string())
        .or_else(|| stack.working_dir.clone())
        .unwrap_or_default();

    let mut paths = vec![main.clone(), format!("{folder}/.env")];
    paths.extend(EXTRA_FILES.iter().map(|name| format!("{folder}/{name}")));
    let mut texts = match access {
        FileAccess::Sftp(session) => read_texts(session, &paths).await?,
        FileAccess::Local => paths.iter().map(|path| read_local(path)).collect::<Result<Vec<_>>>()?,
        FileAccess::None => {
            return Err(Error::invalid(
                "stack",
                stack.name.clone(),
                "the host is a Docker engine reached over TCP, whose files Homeport cannot read; add the host over SSH to edit its stacks",
            ))
        }
    }
    .into_iter();

    let compose = texts.next().flatten().ok_or_else(|| {
        Error::invalid(
            "stack",
            main.clone(),
            "the Compose file is no longer on the host; it may have been moved or deleted",
        )
    })?;
    let env = texts.next().flatten();
    let extra = EXTRA_FILES
        .iter()
        .zip(texts)
        .filter_map(|(name, text)| text.map(|text| (name.to_string(), text)))
        .collect();

    let named_after_stack = Path::new(&folder)
        .file_name()
        .is_some_and(|name| name == stack.name.as_str());
    let base_dir = named_after_stack
        .then(|| Path::new(&folder).parent().map(|parent| parent.display().to_string()))
        .flatten();
    Ok(StackSource {
        compose_path: main.clone(),
        compose,
        overrides: stack.config_files.iter().skip(1).cloned().collect(),
        env,
        extra,
        base_dir,
    })
}

fn read_local(path: &str) -> Result<Option<String>> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(Error::invalid("path", path, format!("cannot read the file: {err}"))),
    };
    if !metadata.is_file() || metadata.len() > MAX_TEXT_FILE {
        return Err(Error::invalid(
            "path",
            path,
            format!("this is not a regular file of at most {MAX_TEXT_FILE} bytes, so it is not read as a stack file"),
        ));
    }
    std::fs::read_to_string(path)
        .map(Some)
        .map_err(|err| Error::invalid("path", path, format!("cannot read the file: {err}")))
}

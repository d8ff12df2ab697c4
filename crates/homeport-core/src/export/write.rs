//! Writes an export's files into a folder so that a failure leaves the folder as it was.
//!
//! Every file is first written into a fresh temporary folder next to the target (same parent,
//! so same file system) and flushed. Only when all are written do they move into place: the
//! whole temporary folder is renamed when the target does not exist yet, else each file is
//! renamed over its old version, each rename being atomic.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use homeport_export::ExportFile;

use crate::error::{Error, Result};

/// Writes `files` under `folder` and returns the paths written.
pub fn write_files(folder: &Path, files: &[ExportFile]) -> Result<Vec<PathBuf>> {
    let shown = folder.display().to_string();
    for file in files {
        let relative = Path::new(&file.path);
        if relative.components().any(|part| !matches!(part, Component::Normal(_))) {
            return Err(Error::invalid(
                "path",
                file.path.clone(),
                "an export file must stay inside the folder",
            ));
        }
    }
    if folder.exists() && !folder.is_dir() {
        return Err(Error::invalid("folder", shown, "this is a file; choose a folder"));
    }
    let folder = std::path::absolute(folder).map_err(|err| io_error(&shown, err))?;
    let parent = folder
        .parent()
        .ok_or_else(|| Error::invalid("folder", shown.clone(), "choose a folder inside another folder"))?;
    if !parent.is_dir() {
        return Err(Error::invalid(
            "folder",
            shown,
            format!("the parent folder {} does not exist", parent.display()),
        ));
    }
    let staging = tempfile::Builder::new()
        .prefix(".homeport-export-")
        .tempdir_in(parent)
        .map_err(|err| io_error(&shown, err))?;
    for file in files {
        let path = staging.path().join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|err| io_error(&shown, err))?;
        }
        let mut handle = fs::File::create(&path).map_err(|err| io_error(&shown, err))?;
        handle
            .write_all(file.content.as_bytes())
            .map_err(|err| io_error(&shown, err))?;
        handle.sync_all().map_err(|err| io_error(&shown, err))?;
    }

    let written: Vec<PathBuf> = files.iter().map(|file| folder.join(&file.path)).collect();
    if !folder.exists() {
        let staged = staging.keep();
        if let Err(err) = fs::rename(&staged, &folder) {
            let _ = fs::remove_dir_all(&staged);
            return Err(io_error(&shown, err));
        }
    } else {
        for file in files {
            let target = folder.join(&file.path);
            if let Some(dir) = target.parent() {
                fs::create_dir_all(dir).map_err(|err| io_error(&shown, err))?;
            }
            fs::rename(staging.path().join(&file.path), &target).map_err(|err| io_error(&shown, err))?;
        }
    }
    tracing::info!(folder = %folder.display(), files = files.len(), "export written");
    Ok(written)
}

fn io_error(folder: &str, err: std::io::Error) -> Error {
    Error::invalid(
        "folder",
        folder.to_string(),
        format!("the export cannot be written there ({err})"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, content: &str) -> ExportFile {
        ExportFile {
            path: path.to_string(),
            content: content.to_string(),
        }
    }

    #[test]
    fn write_creates_and_replaces_files() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let written = write_files(&out, &[file("a.yaml", "one"), file("sub/b.hcl", "two")]).unwrap();
        assert_eq!(written.len(), 2);
        assert_eq!(fs::read_to_string(out.join("sub/b.hcl")).unwrap(), "two");

        fs::write(out.join("keep.txt"), "mine").unwrap();
        write_files(&out, &[file("a.yaml", "three")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("a.yaml")).unwrap(), "three");
        assert_eq!(fs::read_to_string(out.join("keep.txt")).unwrap(), "mine");
        let leftovers: Vec<_> = fs::read_dir(root.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().to_string())
            .filter(|name| name.starts_with(".homeport-export-"))
            .collect();
        assert!(leftovers.is_empty(), "staging folders left: {leftovers:?}");
    }

    #[test]
    fn write_failure_leaves_nothing() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        // A file where the second file's folder must go makes the staging write fail.
        let files = [file("a.yaml", "one"), file("a.yaml/b", "two")];
        assert!(write_files(&out, &files).is_err());
        assert!(!out.exists(), "the target folder was created");
        assert_eq!(
            fs::read_dir(root.path()).unwrap().count(),
            0,
            "staging folder left behind"
        );

        assert!(write_files(&out, &[file("../escape", "x")]).is_err());
        assert!(write_files(&root.path().join("missing/out"), &[file("a", "x")]).is_err());
    }
}

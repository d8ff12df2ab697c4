//! The local side of a transfer: the file an upload reads, and the file a download writes.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::paths::{local_folder, local_temporary, random_token};
use crate::error::{Error, Result};

/// Permissions of a temporary file until its final mode is set.
#[cfg(unix)]
const TEMPORARY_MODE: u32 = 0o600;

/// The file an upload reads.
pub(crate) struct LocalSource {
    pub file: tokio::fs::File,
    pub len: u64,
    /// Permission bits without setuid, setgid and sticky; `None` where the OS has none.
    pub mode: Option<u32>,
}

impl LocalSource {
    /// Opens `path`, which must be a regular file (or a link to one).
    pub async fn open(path: &Path) -> Result<Self> {
        check_source(path).await?;
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|err| invalid_path(path, io_reason(&err, "open the file")))?;
        let metadata = file
            .metadata()
            .await
            .map_err(|err| invalid_path(path, io_reason(&err, "read the file's metadata")))?;
        Ok(Self {
            file,
            len: metadata.len(),
            mode: mode_of(&metadata),
        })
    }

    /// Reads up to `len` bytes, fewer only at the end of the file.
    pub async fn read_chunk(&mut self, len: usize, path: &Path) -> Result<Vec<u8>> {
        let mut chunk = vec![0; len];
        let mut filled = 0;
        while filled < len {
            let read = self
                .file
                .read(&mut chunk[filled..])
                .await
                .map_err(|err| invalid_path(path, io_reason(&err, "read the file")))?;
            if read == 0 {
                break;
            }
            filled += read;
        }
        chunk.truncate(filled);
        Ok(chunk)
    }
}

/// Checks that `path` is a regular file. A FIFO is rejected here, before opening it could wait
/// for a writer.
pub(crate) async fn check_source(path: &Path) -> Result<()> {
    let metadata = tokio::fs::metadata(path)
        .await
        .map_err(|err| invalid_path(path, io_reason(&err, "read the file")))?;
    if metadata.is_dir() {
        return Err(invalid_path(path, "the path is a folder; choose a file".into()));
    }
    if !metadata.is_file() {
        return Err(invalid_path(
            path,
            "the path is not a regular file (it is a device, socket or FIFO); choose a regular file".into(),
        ));
    }
    Ok(())
}

/// The destination of a download: a path in an existing folder that names a regular file or
/// nothing yet.
pub(crate) struct LocalDestination {
    pub path: PathBuf,
    /// The permission bits of the file being replaced, without setuid, setgid and sticky.
    pub existing_mode: Option<u32>,
}

impl LocalDestination {
    /// Checks `path`. A symbolic link is followed, so the file it points to is replaced and the
    /// link stays.
    pub async fn check(path: &Path) -> Result<Self> {
        if path.as_os_str().is_empty() {
            return Err(invalid_path(
                path,
                "the path is empty; give the path of the file to write".into(),
            ));
        }
        if path.file_name().is_none() {
            return Err(invalid_path(
                path,
                "the path does not end in a file name; give the path of a file".into(),
            ));
        }

        let mut resolved = path.to_path_buf();
        if let Ok(link) = tokio::fs::symlink_metadata(path).await {
            if link.file_type().is_symlink() {
                resolved = tokio::fs::canonicalize(path).await.map_err(|err| {
                    invalid_path(
                        path,
                        format!("the path is a symbolic link whose target cannot be resolved: {err}"),
                    )
                })?;
            }
        }

        let folder = local_folder(&resolved);
        match tokio::fs::metadata(folder).await {
            Ok(metadata) if metadata.is_dir() => {}
            Ok(_) => {
                return Err(invalid_path(
                    path,
                    format!(
                        "'{}' is not a folder; choose a path in an existing folder",
                        folder.display()
                    ),
                ));
            }
            Err(err) if err.kind() == ErrorKind::NotFound => {
                return Err(invalid_path(
                    path,
                    format!(
                        "the folder '{}' does not exist; create it first or choose another path",
                        folder.display()
                    ),
                ));
            }
            Err(err) => return Err(invalid_path(path, io_reason(&err, "look up the folder"))),
        }

        let existing_mode = match tokio::fs::metadata(&resolved).await {
            Ok(metadata) if metadata.is_dir() => {
                return Err(invalid_path(
                    path,
                    "the path is a folder; add the file name to it".into(),
                ));
            }
            Ok(metadata) if !metadata.is_file() => {
                return Err(invalid_path(
                    path,
                    "the path is not a regular file (it is a device, socket or FIFO); choose another path".into(),
                ));
            }
            Ok(metadata) => mode_of(&metadata),
            Err(err) if err.kind() == ErrorKind::NotFound => None,
            Err(err) => return Err(invalid_path(path, io_reason(&err, "look up the file"))),
        };
        Ok(Self {
            path: resolved,
            existing_mode,
        })
    }
}

/// A file being written beside the destination, removed when dropped unless renamed into place.
pub(crate) struct LocalTemporary {
    path: PathBuf,
    destination: PathBuf,
    file: tokio::fs::File,
    armed: bool,
}

impl LocalTemporary {
    /// Creates a new, empty temporary file beside `destination`.
    pub async fn create(destination: &Path) -> Result<Self> {
        let path = local_temporary(destination, &random_token())?;
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(TEMPORARY_MODE);
        let file = options.open(&path).await.map_err(|err| {
            invalid_path(
                destination,
                io_reason(
                    &err,
                    &format!("create a file in the folder '{}'", local_folder(&path).display()),
                ),
            )
        })?;
        Ok(Self {
            path,
            destination: destination.to_path_buf(),
            file,
            armed: true,
        })
    }

    /// Returns the temporary file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `data`.
    pub async fn write(&mut self, data: &[u8]) -> Result<()> {
        self.file
            .write_all(data)
            .await
            .map_err(|err| invalid_path(&self.destination, io_reason(&err, "write the file (check free space)")))
    }

    /// Flushes the file to disk, sets `mode` and renames it to the destination.
    pub async fn commit(mut self, mode: Option<u32>) -> Result<()> {
        let fail = |err: std::io::Error, action: &str| invalid_path(&self.destination, io_reason(&err, action));
        self.file
            .flush()
            .await
            .map_err(|err| fail(err, "write the file (check free space)"))?;
        self.file
            .sync_all()
            .await
            .map_err(|err| fail(err, "flush the file to disk"))?;
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::PermissionsExt;
            tokio::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(mode))
                .await
                .map_err(|err| fail(err, "set the file's permissions"))?;
        }
        #[cfg(not(unix))]
        let _ = mode;
        tokio::fs::rename(&self.path, &self.destination)
            .await
            .map_err(|err| fail(err, "rename the finished file into place"))?;
        self.armed = false;
        Ok(())
    }
}

impl Drop for LocalTemporary {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        // Unlinking one file is quick, so it runs here instead of on the blocking pool.
        match std::fs::remove_file(&self.path) {
            Ok(()) => tracing::debug!(path = %self.path.display(), "removed the temporary file"),
            Err(err) if err.kind() == ErrorKind::NotFound => {}
            Err(err) => tracing::warn!(path = %self.path.display(), error = %err, "removing the temporary file failed"),
        }
    }
}

#[cfg(unix)]
fn mode_of(metadata: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(metadata.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn mode_of(_metadata: &std::fs::Metadata) -> Option<u32> {
    None
}

fn invalid_path(path: &Path, reason: String) -> Error {
    Error::invalid("localPath", path.display().to_string(), reason)
}

/// Explains a local I/O error in the words of the failed `action`.
fn io_reason(err: &std::io::Error, action: &str) -> String {
    match err.kind() {
        ErrorKind::NotFound => format!("cannot {action}: no such file or folder"),
        ErrorKind::PermissionDenied => {
            format!("cannot {action}: permission denied; choose another path or change its permissions")
        }
        _ => format!("cannot {action}: {err}"),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[tokio::test]
    async fn destination_checks_folder_and_kind() {
        let dir = tempfile::TempDir::new().unwrap();

        let missing_folder = dir.path().join("nope").join("file.bin");
        let err = LocalDestination::check(&missing_folder)
            .await
            .err()
            .expect("missing folder");
        assert!(err.to_string().contains("does not exist"), "{err}");

        let err = LocalDestination::check(dir.path()).await.err().expect("a folder");
        assert!(err.to_string().contains("is a folder"), "{err}");

        let new_file = LocalDestination::check(&dir.path().join("new.bin")).await.unwrap();
        assert_eq!(new_file.existing_mode, None);

        let existing = dir.path().join("old.bin");
        std::fs::write(&existing, b"old").unwrap();
        std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o640)).unwrap();
        let replaced = LocalDestination::check(&existing).await.unwrap();
        assert_eq!(replaced.existing_mode, Some(0o640));
    }

    #[tokio::test]
    async fn destination_follows_symlink() {
        let dir = tempfile::TempDir::new().unwrap();
        let target = dir.path().join("real.conf");
        std::fs::write(&target, b"old").unwrap();
        let link = dir.path().join("link.conf");
        std::os::unix::fs::symlink(&target, &link).unwrap();

        let destination = LocalDestination::check(&link).await.unwrap();
        assert_eq!(destination.path, target.canonicalize().unwrap());
    }

    #[tokio::test]
    async fn dropped_temporary_is_removed() {
        let dir = tempfile::TempDir::new().unwrap();
        let destination = dir.path().join("file.bin");
        let mut temporary = LocalTemporary::create(&destination).await.unwrap();
        temporary.write(b"partial").await.unwrap();
        let path = temporary.path.clone();
        assert!(path.exists(), "the temporary file exists while writing");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600,
            "a partial file is private"
        );

        drop(temporary);
        assert!(!path.exists(), "dropping removes the temporary file");
        assert!(!destination.exists(), "the destination was never created");
    }

    #[tokio::test]
    async fn committed_temporary_replaces_destination() {
        let dir = tempfile::TempDir::new().unwrap();
        let destination = dir.path().join("file.bin");
        std::fs::write(&destination, b"old contents").unwrap();

        let mut temporary = LocalTemporary::create(&destination).await.unwrap();
        temporary.write(b"new").await.unwrap();
        temporary.commit(Some(0o644)).await.unwrap();

        assert_eq!(std::fs::read(&destination).unwrap(), b"new");
        assert_eq!(
            std::fs::metadata(&destination).unwrap().permissions().mode() & 0o777,
            0o644
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("file.bin")],
            "no temporary file is left"
        );
    }

    #[tokio::test]
    async fn source_must_be_regular_file() {
        let dir = tempfile::TempDir::new().unwrap();
        let err = LocalSource::open(dir.path()).await.err().expect("a folder");
        assert!(err.to_string().contains("is a folder"), "{err}");

        let err = LocalSource::open(&dir.path().join("missing"))
            .await
            .err()
            .expect("missing");
        assert!(err.to_string().contains("no such file"), "{err}");

        let file = dir.path().join("data.bin");
        std::fs::write(&file, vec![7u8; 1000]).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o4755)).unwrap();
        let mut source = LocalSource::open(&file).await.unwrap();
        assert_eq!(source.len, 1000);
        assert_eq!(source.mode, Some(0o755), "setuid is dropped");
        assert_eq!(source.read_chunk(600, &file).await.unwrap().len(), 600);
        assert_eq!(source.read_chunk(600, &file).await.unwrap().len(), 400);
        assert!(source.read_chunk(600, &file).await.unwrap().is_empty());
    }
}

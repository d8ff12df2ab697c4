//! Where Homeport keeps its database and logs.
//!
//! `HOMEPORT_DATA_DIR` moves everything into one folder, for tests and portable use. Otherwise
//! the OS-standard folders apply: `~/.local/share/homeport` and `~/.local/state/homeport/logs`
//! on Linux, `~/Library/Application Support/org.homeport.Homeport` on macOS, and
//! `%LOCALAPPDATA%\homeport\Homeport\data` on Windows.
//!
//! On Unix the folders are private to the user (mode 0700) and the files in them 0600, set
//! explicitly so that no umask widens them, and tightened when an older version left them
//! readable by others.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The environment variable that overrides every data and log folder.
pub const DATA_DIR_ENV: &str = "HOMEPORT_DATA_DIR";

/// The folders one Homeport installation uses.
#[derive(Debug, Clone)]
pub struct AppPaths {
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl AppPaths {
    /// Resolves the folders from the environment and the OS conventions, without creating them.
    pub fn resolve() -> Result<Self> {
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|value| !value.is_empty()) {
            return Ok(Self::portable(PathBuf::from(dir)));
        }

        let dirs = directories::ProjectDirs::from("org", "homeport", "Homeport").ok_or_else(|| {
            Error::Internal(format!(
                "no home folder found; set {DATA_DIR_ENV} to a folder Homeport may write to"
            ))
        })?;
        let data_dir = dirs.data_local_dir().to_path_buf();
        let log_dir = dirs
            .state_dir()
            .map(|state| state.join("logs"))
            .unwrap_or_else(|| data_dir.join("logs"));
        Ok(Self { data_dir, log_dir })
    }

    /// Keeps data and logs together under `dir`.
    pub fn portable(dir: PathBuf) -> Self {
        Self {
            log_dir: dir.join("logs"),
            data_dir: dir,
        }
    }

    /// Returns the SQLite database file.
    pub fn database_file(&self) -> PathBuf {
        self.data_dir.join("homeport.db")
    }

    /// Creates the folders if they are missing, private to the user (see
    /// [`create_private_folder`]).
    pub fn create(&self) -> Result<()> {
        for dir in [&self.data_dir, &self.log_dir] {
            create_private_folder(dir)?;
        }
        Ok(())
    }
}

/// The mode of Homeport's folders on Unix: only the user may list or enter them.
pub const PRIVATE_FOLDER_MODE: u32 = 0o700;

/// The mode of Homeport's files on Unix: only the user may read or write them.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// Creates `dir` and its missing parents, and makes `dir` private to the user on Unix (mode
/// 0700), also when it exists already. Parents keep the default mode, since they are shared
/// folders such as `~/.local/state`.
///
/// A folder with the sticky bit (such as `/tmp`) and the home folder are left as they are, so
/// that `HOMEPORT_DATA_DIR` pointing at one of them does not lock other users or programs out.
pub fn create_private_folder(dir: &Path) -> Result<()> {
    let failed = |err: std::io::Error| Error::Storage(format!("cannot create folder '{}': {err}", dir.display()));
    if let Some(parent) = dir.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, PRIVATE_FOLDER_MODE);
    match builder.create(dir) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {}
        Err(err) => return Err(failed(err)),
    }
    #[cfg(unix)]
    if !is_shared_folder(dir) {
        make_private(dir, PRIVATE_FOLDER_MODE)?;
    }
    Ok(())
}

/// Sets the permission bits of the file or folder `path` to exactly `mode`, so the result
/// depends neither on the umask nor on an older version's mode. A path that does not exist is
/// left alone.
#[cfg(unix)]
pub fn make_private(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;

    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(Error::Storage(format!("cannot read '{}': {err}", path.display()))),
    };
    if metadata.permissions().mode() & 0o777 == mode {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|err| {
        Error::Storage(format!(
            "cannot make '{}' private (mode {mode:o}): {err}; make it owned by your user",
            path.display()
        ))
    })
}

/// Tells whether `dir` is a folder others rely on: one with the sticky bit, or the home folder.
#[cfg(unix)]
fn is_shared_folder(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;

    let sticky = std::fs::metadata(dir).is_ok_and(|metadata| metadata.permissions().mode() & 0o1000 != 0);
    let home = directories::BaseDirs::new().is_some_and(|base| same_folder(base.home_dir(), dir));
    sticky || home
}

#[cfg(unix)]
fn same_folder(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode_of(path: &Path) -> u32 {
        std::fs::metadata(path).expect("path exists").permissions().mode() & 0o777
    }

    #[test]
    fn create_makes_new_folders_private() {
        let dir = tempfile::tempdir().unwrap();
        let paths = AppPaths::portable(dir.path().join("data"));
        paths.create().expect("folders created");
        assert_eq!(mode_of(&paths.data_dir), 0o700);
        assert_eq!(mode_of(&paths.log_dir), 0o700);
    }

    #[test]
    fn create_tightens_existing_folders() {
        let dir = tempfile::tempdir().unwrap();
        let paths = AppPaths::portable(dir.path().join("data"));
        for folder in [&paths.data_dir, &paths.log_dir] {
            std::fs::create_dir_all(folder).unwrap();
            std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        paths.create().expect("folders exist");
        assert_eq!(mode_of(&paths.data_dir), 0o700, "an older install's data folder");
        assert_eq!(mode_of(&paths.log_dir), 0o700, "an older install's log folder");
    }

    #[test]
    fn create_leaves_sticky_folders_alone() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        AppPaths::portable(shared.clone()).create().expect("folders exist");
        assert_eq!(
            std::fs::metadata(&shared).unwrap().permissions().mode() & 0o7777,
            0o1777,
            "a folder such as /tmp keeps its mode"
        );
        assert_eq!(
            mode_of(&shared.join("logs")),
            0o700,
            "Homeport's own log folder is private"
        );
    }
}

//! Where Homeport keeps its database and logs.
//!
//! `HOMEPORT_DATA_DIR` moves everything into one folder, for tests and portable use. Otherwise
//! the OS-standard folders apply: `~/.local/share/homeport` and `~/.local/state/homeport/logs`
//! on Linux, `~/Library/Application Support/org.homeport.Homeport` on macOS, and
//! `%LOCALAPPDATA%\homeport\Homeport\data` on Windows.

use std::path::PathBuf;

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

    /// Creates the folders if they are missing.
    pub fn create(&self) -> Result<()> {
        for dir in [&self.data_dir, &self.log_dir] {
            std::fs::create_dir_all(dir)
                .map_err(|err| Error::Storage(format!("cannot create folder '{}': {err}", dir.display())))?;
        }
        Ok(())
    }
}

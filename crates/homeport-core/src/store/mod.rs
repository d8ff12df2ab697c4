//! The SQLite database: one file in the data folder, shared by the app and the CLI.
//!
//! WAL mode lets one process write while others read, and a busy timeout makes a second
//! writer wait instead of failing. Migrations live in `crates/homeport-core/migrations`,
//! numbered, and are never edited once released: a schema change is a new file.

mod facts;
mod hosts;
mod known_keys;
mod settings;

use std::fs::File;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::error::{Error, Result};

pub use known_keys::TrustedKey;

/// How long a writer waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Handle to the database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|err| Error::Storage(err.to_string()))?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|err| Error::Storage(format!("cannot open database '{}': {err}", path.display())))?;

        // Two processes starting at once could both try to apply the same migration; an
        // exclusive lock on a file beside the database makes the second one wait and then
        // find nothing left to do.
        let lock = lock_migrations(path)?;
        let migrated = sqlx::migrate!("./migrations").run(&pool).await;
        drop(lock);
        migrated?;

        Ok(Self { pool })
    }

    /// Opens a private in-memory database, for unit tests.
    pub async fn open_in_memory() -> Result<Self> {
        let options =
            SqliteConnectOptions::from_str("sqlite::memory:").map_err(|err| Error::Storage(err.to_string()))?;
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }

    /// Returns the connection pool, for modules that add their own tables.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn lock_migrations(database: &Path) -> Result<File> {
    let lock_path = database.with_extension("db.migrate-lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|err| Error::Storage(format!("cannot open '{}': {err}", lock_path.display())))?;
    file.lock()
        .map_err(|err| Error::Storage(format!("cannot lock '{}': {err}", lock_path.display())))?;
    Ok(file)
}

/// Returns the current time as RFC 3339 text, the format every timestamp column uses.
pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn open_twice_keeps_schema_and_uses_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("homeport.db");

        let first = Store::open(&path).await.expect("first open");
        let second = Store::open(&path).await.expect("second open while the first is open");

        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(first.pool())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(second.pool())
            .await
            .unwrap();
        assert!(applied >= 1, "migrations recorded once");
    }

    #[tokio::test]
    async fn two_handles_write_concurrently() {
        // The app and the CLI each open their own pool on the same file; WAL and the busy
        // timeout must let both write without "database is locked".
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("homeport.db");
        let app = Store::open(&path).await.unwrap();
        let cli = Store::open(&path).await.unwrap();

        let writer = |store: Store, prefix: &'static str| async move {
            for i in 0..100 {
                store
                    .set_setting(&format!("{prefix}{i}"), "value")
                    .await
                    .expect("write succeeds");
            }
        };
        tokio::join!(writer(app.clone(), "app-"), writer(cli.clone(), "cli-"));

        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM settings")
            .fetch_one(app.pool())
            .await
            .unwrap();
        assert_eq!(count, 200, "every write from both handles is stored");
    }
}

//! The SQLite database: one file in the data folder, shared by the app and the CLI.
//!
//! WAL mode lets one process write while others read, and a busy timeout makes a second
//! writer wait instead of failing. Migrations live in `crates/homeport-core/migrations`,
//! numbered, and are never edited once released: a schema change is a new file.

mod alerts;
mod facts;
mod hosts;
mod known_keys;
mod settings;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::error::{Error, Result};
#[cfg(unix)]
use crate::paths::{make_private, PRIVATE_FILE_MODE};

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
        prepare_private_files(path)?;
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

    /// Opens the database at `path` for a run that must write nothing, such as a preview: the
    /// file read-only when it exists, else an empty in-memory database, so no file or folder is
    /// created. SQLite may still create the `-shm` file of an existing database, which it
    /// needs to read a database in WAL mode.
    // NOTE: a database whose schema is older than this build is opened as `open` does, which
    // applies the missing migrations, because the queries need the current schema.
    pub async fn open_read_only(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Self::open_in_memory().await;
        }
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|err| Error::Storage(err.to_string()))?
            .filename(path)
            .read_only(true)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|err| Error::Storage(format!("cannot open database '{}': {err}", path.display())))?;

        let migrator = sqlx::migrate!("./migrations");
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1")
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
        if migrator.iter().all(|migration| applied.contains(&migration.version)) {
            return Ok(Self { pool });
        }
        pool.close().await;
        Self::open(path).await
    }

    /// Opens a private in-memory database with the current schema, for unit tests and for
    /// runs that must write nothing when no database exists yet.
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

/// Creates the database file private to the user on Unix (mode 0600) before SQLite opens it,
/// and tightens the files of an existing database. SQLite gives its `-wal` and `-shm` files
/// the database file's mode when it creates them, so they are private too.
fn prepare_private_files(database: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;

        let created = File::options()
            .write(true)
            .create_new(true)
            .mode(PRIVATE_FILE_MODE)
            .open(database);
        match created {
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(err) => {
                return Err(Error::Storage(format!(
                    "cannot create database '{}': {err}",
                    database.display()
                )))
            }
        }
        for path in database_files(database) {
            make_private(&path, PRIVATE_FILE_MODE)?;
        }
    }
    #[cfg(not(unix))]
    let _ = database;
    Ok(())
}

/// Returns the files SQLite and Homeport keep for `database`: the file itself, its write-ahead
/// log and shared memory, and the migration lock.
fn database_files(database: &Path) -> [PathBuf; 4] {
    let beside = |suffix: &str| {
        let mut name = database.as_os_str().to_os_string();
        name.push(suffix);
        PathBuf::from(name)
    };
    [
        database.to_path_buf(),
        beside("-wal"),
        beside("-shm"),
        migration_lock_path(database),
    ]
}

fn migration_lock_path(database: &Path) -> PathBuf {
    database.with_extension("db.migrate-lock")
}

fn lock_migrations(database: &Path) -> Result<File> {
    let lock_path = migration_lock_path(database);
    let mut options = File::options();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, PRIVATE_FILE_MODE);
    let file = options
        .open(&lock_path)
        .map_err(|err| Error::Storage(format!("cannot open '{}': {err}", lock_path.display())))?;
    #[cfg(unix)]
    make_private(&lock_path, PRIVATE_FILE_MODE)?;
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

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
            .permissions()
            .mode()
            & 0o777
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn open_creates_private_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("homeport.db");
        let store = Store::open(&path).await.expect("open");
        store.set_setting("k", "v").await.expect("a write creates the WAL");

        for file in database_files(&path) {
            assert_eq!(mode_of(&file), 0o600, "{}", file.display());
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn open_tightens_existing_files() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("homeport.db");
        let store = Store::open(&path).await.expect("first open");
        store.set_setting("k", "v").await.expect("write");
        for file in database_files(&path) {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }

        let _again = Store::open(&path).await.expect("open of an older install's database");
        for file in database_files(&path) {
            assert_eq!(mode_of(&file), 0o600, "{}", file.display());
        }
        drop(store);
    }

    #[tokio::test]
    async fn open_read_only_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("homeport.db");
        let store = Store::open_read_only(&path).await.expect("an empty store");
        assert!(store.hosts().await.expect("hosts").is_empty());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(names.is_empty(), "nothing is written: {names:?}");
    }

    #[tokio::test]
    async fn open_read_only_reads_and_rejects_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("homeport.db");
        let writer = Store::open(&path).await.expect("open");
        writer.set_setting("k", "v").await.expect("write");

        let reader = Store::open_read_only(&path).await.expect("read-only open");
        assert_eq!(reader.setting("k").await.expect("read").as_deref(), Some("v"));
        assert!(reader.set_setting("k", "w").await.is_err(), "a write is rejected");
        assert_eq!(writer.setting("k").await.expect("read").as_deref(), Some("v"));

        // Closing the last connection removes the WAL files, and a reader opens the database
        // without them.
        writer.pool().close().await;
        reader.pool().close().await;
        let reader = Store::open_read_only(&path)
            .await
            .expect("read-only open of a closed database");
        assert_eq!(reader.setting("k").await.expect("read").as_deref(), Some("v"));
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

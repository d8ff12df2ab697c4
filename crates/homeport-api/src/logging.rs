//! Logging: a daily-rotated file in the log folder plus stderr, level from `HOMEPORT_LOG`.
//! On Unix the log folder is private to the user (mode 0700) and so is each log file (0600).
//!
//! Secrets stay out by type ([`homeport_core::secrets::Secret`] prints `[redacted]`), command
//! arguments are never logged, and the libraries that print request bodies or packets at debug
//! and trace level (bollard, hyper, russh) are capped at `info` whatever `HOMEPORT_LOG` requests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::{Level, Metadata};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::RollingFileAppender;
use tracing_subscriber::filter::{filter_fn, EnvFilter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// The environment variable holding the log filter, such as `debug` or `homeport_core=trace`.
pub const LOG_ENV: &str = "HOMEPORT_LOG";

/// How many daily log files are kept.
const KEPT_LOG_FILES: usize = 7;

/// Targets whose debug and trace events can carry request bodies (environment variables,
/// registry credentials) or raw SSH packets.
const CAPPED_TARGETS: [&str; 5] = ["bollard", "hyper", "hyper_util", "russh", "h2"];

/// Starts logging for one program (`app` or `cli`). Keep the guard alive until exit, or the
/// last lines are lost. `stderr_default` is the level used on stderr when `HOMEPORT_LOG` is unset.
pub fn init(log_dir: &Path, program: &str, stderr_default: &str) -> Option<WorkerGuard> {
    let (file_writer, guard) = match PrivateLogFiles::open(log_dir, program) {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            (Some(writer), Some(guard))
        }
        Err(err) => {
            eprintln!("homeport: cannot write logs to '{}': {err}", log_dir.display());
            (None, None)
        }
    };
    init_layers(file_writer, stderr_default);
    guard
}

/// Starts logging to stderr only, for a run that must not write any file (such as
/// `import-ssh-config --dry-run` before Homeport has a data folder).
pub fn init_stderr_only(stderr_default: &str) {
    init_layers(None, stderr_default);
}

fn init_layers(file_writer: Option<tracing_appender::non_blocking::NonBlocking>, stderr_default: &str) {
    let file_layer = file_writer.map(|writer| {
        tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(false)
            .with_filter(env_filter("info"))
            .with_filter(filter_fn(allowed))
    });
    // Colour codes only help a terminal; in a pipe or a CI log they are noise.
    let stderr_layer = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .with_filter(env_filter(stderr_default))
        .with_filter(filter_fn(allowed));

    let _ = tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
}

/// The daily log files of one program, each made private to the user on Unix (mode 0600)
/// whatever the umask. tracing-appender creates files with the default mode, so the files
/// are tightened when logging starts and after each daily rotation, which it does at
/// midnight UTC. The log folder is private too, so no other user can open a file in the
/// moment before it is tightened.
struct PrivateLogFiles {
    appender: RollingFileAppender,
    dir: PathBuf,
    prefix: String,
    /// The UTC day, counted from 1970, when the files were last tightened.
    tightened_on: u64,
}

impl PrivateLogFiles {
    fn open(dir: &Path, program: &str) -> Result<PrivateLogFiles, String> {
        homeport_core::paths::create_private_folder(dir).map_err(|err| err.to_string())?;
        let prefix = format!("homeport-{program}");
        let appender = tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix(&prefix)
            .filename_suffix("log")
            .max_log_files(KEPT_LOG_FILES)
            .build(dir)
            .map_err(|err| err.to_string())?;
        let files = PrivateLogFiles {
            appender,
            dir: dir.to_path_buf(),
            prefix,
            tightened_on: utc_day(),
        };
        files.tighten();
        Ok(files)
    }

    /// Makes every log file of this program private. A failure is reported on stderr, since
    /// the log itself is what failed.
    fn tighten(&self) {
        #[cfg(unix)]
        {
            let Ok(entries) = std::fs::read_dir(&self.dir) else {
                return;
            };
            for entry in entries.flatten() {
                let is_own_file = entry.file_name().to_string_lossy().starts_with(&self.prefix)
                    && entry.file_type().is_ok_and(|kind| kind.is_file());
                if !is_own_file {
                    continue;
                }
                if let Err(err) =
                    homeport_core::paths::make_private(&entry.path(), homeport_core::paths::PRIVATE_FILE_MODE)
                {
                    eprintln!("homeport: {err}");
                }
            }
        }
    }
}

impl Write for PrivateLogFiles {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.appender.write(buf)?;
        let today = utc_day();
        if today != self.tightened_on {
            self.tightened_on = today;
            self.tighten();
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.appender.flush()
    }
}

fn utc_day() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() / 86_400)
}

fn env_filter(default: &str) -> EnvFilter {
    EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new(default))
}

/// Drops debug and trace events of the capped targets.
pub fn allowed(metadata: &Metadata<'_>) -> bool {
    let capped = CAPPED_TARGETS
        .iter()
        .any(|target| metadata.target() == *target || metadata.target().starts_with(&format!("{target}::")));
    !capped || *metadata.level() <= Level::INFO
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).expect("path exists").permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn log_files_and_folder_are_private() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tempfile::tempdir().unwrap();
        let log_dir = dir.path().join("logs");
        std::fs::create_dir(&log_dir).unwrap();
        std::fs::set_permissions(&log_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let older = log_dir.join("homeport-test.2020-01-01.log");
        std::fs::write(&older, "old line\n").unwrap();
        std::fs::set_permissions(&older, std::fs::Permissions::from_mode(0o644)).unwrap();

        let mut files = PrivateLogFiles::open(&log_dir, "test").expect("log files open");
        files.write_all(b"a line\n").unwrap();
        assert_eq!(mode_of(&log_dir), 0o700, "the log folder");
        assert_eq!(mode_of(&older), 0o600, "a file an older version wrote");
        let current: Vec<PathBuf> = std::fs::read_dir(&log_dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path != &older)
            .collect();
        assert_eq!(current.len(), 1, "{current:?}");
        assert_eq!(mode_of(&current[0]), 0o600, "today's file");

        // A file the appender opens after midnight UTC is tightened by the next write.
        std::fs::set_permissions(&current[0], std::fs::Permissions::from_mode(0o644)).unwrap();
        files.tightened_on -= 1;
        files.write_all(b"a line after midnight\n").unwrap();
        assert_eq!(mode_of(&current[0]), 0o600, "a file opened by a rotation");
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn bollard_trace_is_dropped_even_at_trace_level() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_writer(move || writer.clone())
                .with_filter(EnvFilter::new("trace"))
                .with_filter(filter_fn(allowed)),
        );

        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(target: "bollard::docker", "request: DOCKER_ENV_SECRET");
            tracing::debug!(target: "russh::client", "packet");
            tracing::info!(target: "bollard::docker", "bollard info stays");
            tracing::trace!(target: "homeport_core::ssh", "own trace stays");
        });

        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(!text.contains("DOCKER_ENV_SECRET"), "bollard trace leaked: {text}");
        assert!(!text.contains("packet"), "russh debug leaked: {text}");
        assert!(
            text.contains("bollard info stays"),
            "info of capped targets is kept: {text}"
        );
        assert!(text.contains("own trace stays"), "our own trace is kept: {text}");
    }
}

//! Logging: a daily-rotated file in the log folder plus stderr, level from `HOMEPORT_LOG`.
//!
//! Secrets stay out by type ([`homeport_core::secrets::Secret`] prints `[redacted]`), command
//! arguments are never logged, and the libraries that print request bodies or packets at debug
//! and trace level (bollard, hyper, russh) are capped at `info` whatever `HOMEPORT_LOG` requests.

use std::path::Path;

use tracing::{Level, Metadata};
use tracing_appender::non_blocking::WorkerGuard;
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
    let file_appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(format!("homeport-{program}"))
        .filename_suffix("log")
        .max_log_files(KEPT_LOG_FILES)
        .build(log_dir);
    let (file_writer, guard) = match file_appender {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            (Some(writer), Some(guard))
        }
        Err(err) => {
            eprintln!("homeport: cannot write logs to '{}': {err}", log_dir.display());
            (None, None)
        }
    };

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
    guard
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
    use std::io::Write;
    use std::sync::{Arc, Mutex};

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

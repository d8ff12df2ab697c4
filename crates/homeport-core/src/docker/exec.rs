//! Terminals inside containers, through the Docker Engine API's exec endpoints.
//!
//! [`DockerEngine::open_terminal`] creates an exec of a shell with a TTY, attaches to it, and
//! returns the same [`Pty`] handle and events as an SSH terminal. It works on every engine
//! bollard reaches, and the host needs no docker CLI.
//!
//! Docker keeps an exec running when its client goes away, so closing the terminal must end the
//! shell itself. The shell therefore prints its process id (in the container's PID namespace)
//! on a marker line before anything else. That line is removed from the output, and closing
//! sends the shell SIGHUP, then SIGKILL, through a second short exec in the same container.
//!
//! The exec is created with a TTY but started with `Tty: false`. The engine allocates the
//! pseudo-terminal from the create request, but moby's exec start handler picks the stream
//! format from the start request. With `Tty: false` every chunk of output arrives in a
//! multiplexed frame with an 8-byte header, which bollard 0.21 decodes exactly. A raw TTY stream
//! would not survive bollard's decoder, which reads any chunk that starts with byte 0, 1 or 2 as
//! a frame header and then garbles or stalls the output, as `cat` of a binary file would show.
//! The lab test `container_terminal_binary_output_unchanged` checks this against engine 20.10.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bollard::container::LogOutput;
use bollard::exec::{ResizeExecOptions, StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::engine::DockerEngine;
use crate::error::{Error, Result};
use crate::ssh::{pty_queues, validate_container_ref, Pty, PtyEvent, PtyExit, PtyInput, PtySize, TERM};

/// The detach key sequence set on the exec, in Docker's `ctrl-<key>` notation.
///
/// The engine watches the input of every TTY exec for a detach sequence, and an empty value means
/// its default, Ctrl-P Ctrl-Q. While the input matches the start of the sequence, the engine
/// delays those keys, so Ctrl-P (readline's previous-history key) would reach the shell only with
/// the next key, and Ctrl-P Ctrl-Q would end the attach. These eight control keys in a row
/// are not typed by accident. Ctrl-@ is the NUL byte that Ctrl-Space sends, and it is the one key
/// the engine still delays until the next key arrives.
const DETACH_KEYS: &str = "ctrl-@,ctrl-^,ctrl-@,ctrl-_,ctrl-@,ctrl-^,ctrl-@,ctrl-_";

/// The start of the line on which the shell reports its process id. A random token follows it,
/// so output that happens to contain this text is not mistaken for the marker.
const PID_MARKER_PREFIX: &str = "homeport-shell-pid:";

/// How long the shell may take to print its marker line after the exec starts.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The maximum output kept while waiting for the marker line. Nothing but the marker is
/// expected, so more means the wrapper script did not run as written.
const MAX_STARTUP_OUTPUT: usize = 64 * 1024;

/// How long the shell has to exit after SIGHUP, and again after SIGKILL.
const SIGNAL_GRACE: Duration = Duration::from_secs(2);

/// The maximum time closing a terminal spends ending its shell, with every request included.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the engine may take to mark the exec as ended after its output stream ended.
const EXIT_REPORT_WAIT: Duration = Duration::from_secs(2);

/// The interval between exec inspections while waiting for the shell to end.
const EXIT_POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The maximum number of characters of the engine's message that an error includes.
const MAX_DETAIL_CHARS: usize = 500;

/// The output stream of an attached exec, as bollard decodes it.
type ExecOutput = Pin<Box<dyn Stream<Item = std::result::Result<LogOutput, bollard::errors::Error>> + Send>>;

/// The input side of an attached exec.
type ExecInput = Pin<Box<dyn AsyncWrite + Send>>;

impl DockerEngine {
    /// Opens a terminal of `size` inside `container`: bash when the image has it, otherwise sh,
    /// with `TERM=xterm-256color`.
    ///
    /// Returns once the shell has started. A container that is not running gives
    /// [`Error::ContainerNotRunning`], and an image without `sh` gives
    /// [`Error::ContainerShellMissing`]. The terminal uses this engine's connection, so it ends
    /// with [`PtyExit::ConnectionLost`] when that connection drops.
    #[tracing::instrument(skip(self, size), fields(host = %self.host, cols = size.cols(), rows = size.rows()))]
    pub async fn open_terminal(&self, container: &str, size: PtySize) -> Result<Pty> {
        validate_container_ref(container)?;
        self.require_running(container).await?;

        let marker = format!("{PID_MARKER_PREFIX}{}:", uuid::Uuid::new_v4().simple());
        let config = ExecConfig {
            attach_stdin: Some(true),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(true),
            // Engines from API 1.42 size the TTY from the start. Older ones ignore the field and
            // get the resize below.
            console_size: Some(vec![usize::from(size.rows()), usize::from(size.cols())]),
            detach_keys: Some(DETACH_KEYS.to_string()),
            env: Some(vec![format!("TERM={TERM}")]),
            cmd: Some(vec!["sh".to_string(), "-c".to_string(), shell_script(&marker)]),
            ..Default::default()
        };
        let exec_id = self
            .docker
            .create_exec(container, config)
            .await
            .map_err(|err| self.exec_error(container, err))?
            .id;

        // `tty: false` requests the framed stream, for the reason the module documentation gives.
        let start = StartExecOptions {
            detach: false,
            tty: false,
            output_capacity: None,
        };
        let started = self
            .docker
            .start_exec(&exec_id, Some(start))
            .await
            .map_err(|err| self.exec_error(container, err))?;
        let StartExecResults::Attached { mut output, input } = started else {
            return Err(Error::Internal(
                "Docker started the terminal's exec detached, although attaching was requested".into(),
            ));
        };

        let mut shell = ExecShell {
            engine: self.clone(),
            container: container.to_string(),
            exec_id,
            pid: 0,
        };
        let resized = shell.resize(size).await;

        let startup = tokio::time::timeout(START_TIMEOUT, read_until_marker(&mut output, &marker)).await;
        let (pid, early_output) = match startup {
            Ok(Ok(started)) => started,
            Ok(Err(ended)) => return Err(shell.start_failure(ended).await),
            Err(_) => {
                // NOTE: a shell that starts after this timeout keeps running, because its process
                // id is unknown and nothing can end it.
                tracing::warn!(exec_id = %shell.exec_id, "the container shell did not report its process id in time");
                return Err(Error::Docker {
                    host: self.host.clone(),
                    detail: format!(
                        "the shell in container '{container}' did not start within {} s",
                        START_TIMEOUT.as_secs()
                    ),
                });
            }
        };
        shell.pid = pid;

        // A resize that arrived before the process existed may have failed, so it is repeated now
        // that the shell runs.
        if let Err(err) = resized {
            tracing::debug!(error = %err, "first terminal resize failed; trying again");
            if let Err(err) = shell.resize(size).await {
                tracing::warn!(error = %err, exec_id = %shell.exec_id, "terminal resize failed");
            }
        }

        let queues = pty_queues(early_output);
        let shell = Arc::new(shell);
        tokio::spawn(read_output(
            Arc::clone(&shell),
            output,
            queues.events,
            queues.cancel.clone(),
        ));
        tokio::spawn(write_input(Arc::clone(&shell), input, queues.input, queues.cancel));
        tracing::info!(exec_id = %shell.exec_id, shell_pid = pid, "container terminal opened");
        Ok(queues.pty)
    }

    /// Checks that `container` exists and can run a new process.
    async fn require_running(&self, container: &str) -> Result<()> {
        let details = self
            .docker
            .inspect_container(container, None)
            .await
            .map_err(|err| self.exec_error(container, err))?;
        let state = details.state.unwrap_or_default();
        let running = state.running.unwrap_or(false);
        let paused = state.paused.unwrap_or(false);
        let restarting = state.restarting.unwrap_or(false);
        if running && !paused && !restarting {
            return Ok(());
        }
        let status = state
            .status
            .map(|status| status.to_string())
            .filter(|status| !status.is_empty())
            .unwrap_or_else(|| "stopped".to_string());
        Err(Error::ContainerNotRunning {
            host: self.host.clone(),
            container: container.to_string(),
            state: status,
        })
    }

    /// Translates an error of a container or exec request, naming `container`.
    fn exec_error(&self, container: &str, err: bollard::errors::Error) -> Error {
        if let bollard::errors::Error::DockerResponseServerError {
            status_code: 409,
            message,
        } = &err
        {
            return Error::ContainerNotRunning {
                host: self.host.clone(),
                container: container.to_string(),
                state: conflict_state(message).to_string(),
            };
        }
        match self.map_error(err) {
            Error::ContainerNotFound { host, .. } => Error::ContainerNotFound {
                host,
                container: container.to_string(),
            },
            other => other,
        }
    }
}

/// The shell exec behind one terminal, and what ending it needs.
struct ExecShell {
    engine: DockerEngine,
    container: String,
    exec_id: String,
    /// The shell's process id inside the container.
    pid: u32,
}

/// The state of an exec, as an inspection reports it.
enum ExecState {
    Running,
    /// The exec ended, with its exit code when the engine reports one.
    Ended(Option<i64>),
}

impl ExecShell {
    async fn resize(&self, size: PtySize) -> Result<()> {
        let options = ResizeExecOptions {
            height: size.rows(),
            width: size.cols(),
        };
        self.engine
            .docker
            .resize_exec(&self.exec_id, options)
            .await
            .map_err(|err| self.engine.map_error(err))
    }

    async fn state(&self) -> Result<ExecState> {
        let inspected = self
            .engine
            .docker
            .inspect_exec(&self.exec_id)
            .await
            .map_err(|err| self.engine.map_error(err))?;
        if inspected.running.unwrap_or(false) {
            Ok(ExecState::Running)
        } else {
            Ok(ExecState::Ended(inspected.exit_code))
        }
    }

    /// Builds the error for a shell whose exec ended before it printed the marker line.
    async fn start_failure(&self, ended: StartupEnd) -> Error {
        let host = self.engine.host.clone();
        let output = match ended {
            StartupEnd::Output(output) => output,
            StartupEnd::StreamFailed(err) => return self.engine.map_error(err),
            StartupEnd::TooMuchOutput => {
                return Error::Docker {
                    host,
                    detail: format!(
                        "the shell in container '{}' printed more than {MAX_STARTUP_OUTPUT} bytes before \
                         reporting its process id",
                        self.container
                    ),
                };
            }
        };

        let message = detail_text(&output);
        if names_missing_shell(&message) {
            return Error::ContainerShellMissing {
                host,
                container: self.container.clone(),
                detail: message,
            };
        }
        let exit_code = match self.state().await {
            Ok(ExecState::Ended(Some(code))) => format!("exit code {code}"),
            _ => "no exit code".to_string(),
        };
        let printed = if message.is_empty() {
            "no output".to_string()
        } else {
            format!("the output '{message}'")
        };
        Error::Docker {
            host,
            detail: format!(
                "the shell in container '{}' did not start ({exit_code}), with {printed}",
                self.container
            ),
        }
    }

    /// Sends `signal` (a name such as `HUP`) to the shell through a second exec. It uses the
    /// `kill` built into sh, because not every image has a kill binary.
    async fn signal(&self, signal: &str) -> Result<()> {
        let config = ExecConfig {
            attach_stdout: Some(false),
            attach_stderr: Some(false),
            cmd: Some(vec![
                "sh".to_string(),
                "-c".to_string(),
                format!("kill -s {signal} {}", self.pid),
            ]),
            ..Default::default()
        };
        let exec = self
            .engine
            .docker
            .create_exec(&self.container, config)
            .await
            .map_err(|err| self.engine.exec_error(&self.container, err))?;
        let start = StartExecOptions {
            detach: true,
            ..Default::default()
        };
        self.engine
            .docker
            .start_exec(&exec.id, Some(start))
            .await
            .map_err(|err| self.engine.exec_error(&self.container, err))?;
        Ok(())
    }

    /// Polls until the exec has ended or `within` has passed, and returns whether it ended. An
    /// exec that cannot be inspected counts as ended, since its container is gone or unreachable.
    async fn wait_until_ended(&self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            match self.state().await {
                Ok(ExecState::Ended(_)) => return true,
                Ok(ExecState::Running) => {}
                Err(err) => {
                    tracing::debug!(error = %err, exec_id = %self.exec_id, "exec inspection failed");
                    return true;
                }
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(EXIT_POLL_INTERVAL).await;
        }
    }

    /// Ends the shell if it still runs: SIGHUP, as a hung-up terminal sends, then SIGKILL when
    /// the shell ignores it. The kernel hangs up the shell's foreground job when the shell exits.
    async fn end(&self) {
        if self.wait_until_ended(Duration::ZERO).await {
            return;
        }
        for signal in ["HUP", "KILL"] {
            if let Err(err) = self.signal(signal).await {
                tracing::warn!(error = %err, exec_id = %self.exec_id, signal, "signalling the container shell failed");
                return;
            }
            if self.wait_until_ended(SIGNAL_GRACE).await {
                tracing::debug!(exec_id = %self.exec_id, signal, "container shell ended");
                return;
            }
        }
        tracing::warn!(exec_id = %self.exec_id, shell_pid = self.pid, "the container shell still runs after SIGKILL");
    }

    /// Ends the shell while discarding its last output, so that a shell blocked on a full output
    /// buffer can still exit. Bounded by [`SHUTDOWN_TIMEOUT`].
    async fn close(&self, output: &mut ExecOutput) -> PtyExit {
        let ending = tokio::time::timeout(SHUTDOWN_TIMEOUT, self.end());
        tokio::pin!(ending);
        let mut draining = true;
        loop {
            tokio::select! {
                ended = &mut ending => {
                    if ended.is_err() {
                        tracing::warn!(exec_id = %self.exec_id, "ending the container shell timed out");
                    }
                    break;
                }
                item = output.next(), if draining => {
                    draining = matches!(item, Some(Ok(_)));
                }
            }
        }
        PtyExit::ClosedLocally
    }

    /// Finds out how the shell ended after its output stream ended. An exec that still runs
    /// lost its attachment (the detach keys were typed, or the engine dropped it), so it is
    /// ended here as when the terminal closes.
    async fn exit_after_stream_end(&self) -> PtyExit {
        let deadline = Instant::now() + EXIT_REPORT_WAIT;
        loop {
            match self.state().await {
                Ok(ExecState::Ended(Some(code))) => {
                    return u32::try_from(code).map(PtyExit::Status).unwrap_or(PtyExit::Closed);
                }
                Ok(ExecState::Ended(None)) => return PtyExit::Closed,
                Ok(ExecState::Running) if Instant::now() < deadline => {
                    tokio::time::sleep(EXIT_POLL_INTERVAL).await;
                }
                Ok(ExecState::Running) => {
                    tracing::warn!(exec_id = %self.exec_id, "the exec stream ended while the shell runs; ending the shell");
                    if tokio::time::timeout(SHUTDOWN_TIMEOUT, self.end()).await.is_err() {
                        tracing::warn!(exec_id = %self.exec_id, "ending the container shell timed out");
                    }
                    return PtyExit::Closed;
                }
                // NOTE: the shell keeps running in the container, because ending it needs the
                // connection that was lost.
                Err(Error::DockerConnection { .. } | Error::HostUnreachable { .. }) => return PtyExit::ConnectionLost,
                Err(err) => {
                    // The engine no longer has the exec, as when its container was removed.
                    tracing::debug!(error = %err, exec_id = %self.exec_id, "exec inspection after the stream ended failed");
                    return PtyExit::Closed;
                }
            }
        }
    }
}

/// The reason the output ended before the marker line.
enum StartupEnd {
    /// The stream ended, and this is everything it carried.
    Output(Vec<u8>),
    StreamFailed(bollard::errors::Error),
    TooMuchOutput,
}

/// Reads output until the marker line is complete. Returns the shell's process id and the
/// output around the marker line, which is removed.
async fn read_until_marker(output: &mut ExecOutput, marker: &str) -> std::result::Result<(u32, Vec<u8>), StartupEnd> {
    let mut buffer = Vec::new();
    loop {
        match find_pid_marker(&buffer, marker.as_bytes()) {
            MarkerSearch::Found { pid, line } => {
                buffer.drain(line);
                return Ok((pid, buffer));
            }
            MarkerSearch::Invalid => return Err(StartupEnd::Output(buffer)),
            MarkerSearch::Incomplete => {}
        }
        if buffer.len() > MAX_STARTUP_OUTPUT {
            return Err(StartupEnd::TooMuchOutput);
        }
        match output.next().await {
            Some(Ok(item)) => buffer.extend_from_slice(&item.into_bytes()),
            Some(Err(err)) => return Err(StartupEnd::StreamFailed(err)),
            None => return Err(StartupEnd::Output(buffer)),
        }
    }
}

/// The result of looking for the marker line in the output so far.
#[derive(Debug, PartialEq, Eq)]
enum MarkerSearch {
    /// The marker line is complete: the process id, and the line's byte range with its line end.
    Found { pid: u32, line: std::ops::Range<usize> },
    /// The marker or its line end has not arrived yet.
    Incomplete,
    /// The marker is followed by something other than a process id.
    Invalid,
}

/// Looks for `marker` followed by a process id and a line end (`\r\n` from the TTY, or `\n`).
fn find_pid_marker(buffer: &[u8], marker: &[u8]) -> MarkerSearch {
    let Some(start) = buffer.windows(marker.len()).position(|window| window == marker) else {
        return MarkerSearch::Incomplete;
    };
    let rest = &buffer[start + marker.len()..];
    let Some(newline) = rest.iter().position(|&byte| byte == b'\n') else {
        return MarkerSearch::Incomplete;
    };
    let digits = rest[..newline].strip_suffix(b"\r").unwrap_or(&rest[..newline]);
    let pid = std::str::from_utf8(digits)
        .ok()
        .filter(|text| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()))
        .and_then(|text| text.parse::<u32>().ok());
    match pid {
        // Process 1 is the container's init, which an exec never is. Signalling it would stop
        // the container.
        Some(pid) if pid > 1 => MarkerSearch::Found {
            pid,
            line: start..start + marker.len() + newline + 1,
        },
        _ => MarkerSearch::Invalid,
    }
}

/// Returns the script the exec runs with `sh -c`: print the marker line with the process id,
/// then replace this process with bash, or with sh when the image has no bash, so that the
/// reported id becomes the interactive shell's.
fn shell_script(marker: &str) -> String {
    format!("echo \"{marker}$$\"; if command -v bash >/dev/null 2>&1; then exec bash; fi; exec sh")
}

/// Returns whether the engine's message reports that `sh` itself could not be started.
fn names_missing_shell(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("\"sh\"")
        && (lower.contains("executable file not found") || lower.contains("no such file or directory"))
}

/// Returns Docker's state word for a 409 response to an exec request.
fn conflict_state(message: &str) -> &'static str {
    let lower = message.to_ascii_lowercase();
    if lower.contains("paused") {
        "paused"
    } else if lower.contains("restarting") {
        "restarting"
    } else {
        "stopped"
    }
}

/// Returns the engine's output as one trimmed line of text for an error message.
fn detail_text(output: &[u8]) -> String {
    let text = String::from_utf8_lossy(output);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(MAX_DETAIL_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// Forwards output into `events` until the stream ends or `cancel` fires, then ends the shell if
/// it still runs and sends the exit event.
async fn read_output(
    shell: Arc<ExecShell>,
    mut output: ExecOutput,
    events: mpsc::Sender<PtyEvent>,
    cancel: CancellationToken,
) {
    let mut raw_stream_reported = false;
    let exit = loop {
        let item = tokio::select! {
            () = cancel.cancelled() => break shell.close(&mut output).await,
            item = output.next() => item,
        };
        let item = match item {
            Some(Ok(item)) => item,
            Some(Err(err)) => {
                tracing::debug!(error = %err, exec_id = %shell.exec_id, "exec stream failed");
                break shell.exit_after_stream_end().await;
            }
            None => break shell.exit_after_stream_end().await,
        };

        // Console items mean the engine sent unframed bytes despite `Tty: false`, so bollard had
        // to guess where frames start and output may be garbled.
        if matches!(item, LogOutput::Console { .. }) && !raw_stream_reported {
            raw_stream_reported = true;
            tracing::warn!(exec_id = %shell.exec_id, "the engine sent an unframed exec stream; terminal output may be garbled");
        }
        let data = item.into_bytes();
        if data.is_empty() {
            continue;
        }
        let sent = tokio::select! {
            () = cancel.cancelled() => break shell.close(&mut output).await,
            sent = events.send(PtyEvent::Output(data.to_vec())) => sent,
        };
        if sent.is_err() {
            // The event receiver was dropped, which counts as closing.
            break shell.close(&mut output).await;
        }
    };

    // Stops the writer task.
    cancel.cancel();
    tracing::info!(exit = ?exit, exec_id = %shell.exec_id, "container terminal ended");
    let _ = events.send(PtyEvent::Exit(exit)).await;
}

/// Writes queued input and resizes until the terminal ends. Never logs the input, which may
/// contain passwords.
async fn write_input(
    shell: Arc<ExecShell>,
    mut writer: ExecInput,
    mut input: mpsc::Receiver<PtyInput>,
    cancel: CancellationToken,
) {
    loop {
        let next = tokio::select! {
            () = cancel.cancelled() => break,
            next = input.recv() => next,
        };
        let Some(next) = next else {
            // Every PtyControl was dropped, so nothing can write to or close the terminal any
            // more. The reader task then ends the shell.
            cancel.cancel();
            break;
        };
        match next {
            PtyInput::Data(data) => {
                let write = async {
                    writer.write_all(&data).await?;
                    writer.flush().await
                };
                // A shell that stopped reading leaves the write pending until the terminal closes.
                let written = tokio::select! {
                    () = cancel.cancelled() => break,
                    written = write => written,
                };
                if let Err(err) = written {
                    tracing::debug!(error = %err, exec_id = %shell.exec_id, "terminal input not sent; the exec stream is closed");
                    break;
                }
            }
            PtyInput::Resize(size) => {
                let resized = tokio::select! {
                    () = cancel.cancelled() => break,
                    resized = shell.resize(size) => resized,
                };
                if let Err(err) = resized {
                    tracing::warn!(error = %err, exec_id = %shell.exec_id, "terminal resize failed");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKER: &[u8] = b"homeport-shell-pid:0123abcd:";

    #[test]
    fn marker_line_is_found_and_removed() {
        let buffer = b"homeport-shell-pid:0123abcd:42\r\n$ ";
        let found = find_pid_marker(buffer, MARKER);
        assert_eq!(found, MarkerSearch::Found { pid: 42, line: 0..32 });
    }

    #[test]
    fn marker_after_other_output_keeps_that_output() {
        let buffer = b"motd\r\nhomeport-shell-pid:0123abcd:7001\nrest";
        let MarkerSearch::Found { pid, line } = find_pid_marker(buffer, MARKER) else {
            panic!("marker not found");
        };
        assert_eq!(pid, 7001);
        let mut kept = buffer.to_vec();
        kept.drain(line);
        assert_eq!(kept, b"motd\r\nrest");
    }

    #[test]
    fn marker_split_across_reads_is_incomplete() {
        for partial in [
            &b""[..],
            b"homeport-shell",
            b"homeport-shell-pid:0123abcd:",
            b"homeport-shell-pid:0123abcd:42\r",
        ] {
            assert_eq!(
                find_pid_marker(partial, MARKER),
                MarkerSearch::Incomplete,
                "{:?}",
                String::from_utf8_lossy(partial)
            );
        }
    }

    #[test]
    fn marker_with_bad_pid_is_invalid() {
        for bad in [
            &b"homeport-shell-pid:0123abcd:\r\n"[..],
            b"homeport-shell-pid:0123abcd:12a\r\n",
            b"homeport-shell-pid:0123abcd:1\r\n",
            b"homeport-shell-pid:0123abcd:0\r\n",
            b"homeport-shell-pid:0123abcd:99999999999\r\n",
        ] {
            assert_eq!(
                find_pid_marker(bad, MARKER),
                MarkerSearch::Invalid,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn other_token_is_not_the_marker() {
        let buffer = b"homeport-shell-pid:ffffffff:42\r\n";
        assert_eq!(find_pid_marker(buffer, MARKER), MarkerSearch::Incomplete);
    }

    #[test]
    fn shell_script_reports_pid_then_execs_shell() {
        assert_eq!(
            shell_script("homeport-shell-pid:0123abcd:"),
            "echo \"homeport-shell-pid:0123abcd:$$\"; if command -v bash >/dev/null 2>&1; then exec bash; fi; exec sh"
        );
    }

    #[test]
    fn missing_shell_messages_are_recognised() {
        let docker_20 = "OCI runtime exec failed: exec failed: unable to start container process: exec: \"sh\": \
                         executable file not found in $PATH: unknown";
        assert!(names_missing_shell(docker_20));
        assert!(names_missing_shell("exec: \"sh\": stat sh: no such file or directory"));
        assert!(!names_missing_shell("exec: \"sh\": permission denied"));
        assert!(!names_missing_shell(
            "chdir to cwd (\"/app\") set in config.json failed: no such file or directory"
        ));
    }

    #[test]
    fn conflict_messages_name_the_state() {
        assert_eq!(
            conflict_state("Container hp-web is paused, unpause the container before exec"),
            "paused"
        );
        assert_eq!(
            conflict_state("Container 3f2a is restarting, wait until the container is running"),
            "restarting"
        );
        assert_eq!(conflict_state("Container 3f2a is not running"), "stopped");
    }

    #[test]
    fn detail_text_is_one_bounded_line() {
        assert_eq!(
            detail_text(b"  exec failed:\r\n  not found\r\n"),
            "exec failed: not found"
        );
        let long = "é".repeat(MAX_DETAIL_CHARS + 10);
        let detail = detail_text(long.as_bytes());
        assert_eq!(detail.chars().count(), MAX_DETAIL_CHARS + 1, "{detail}");
        assert!(detail.ends_with('…'));
    }

    #[test]
    fn detach_keys_exclude_ctrl_p_ctrl_q() {
        let keys: Vec<&str> = DETACH_KEYS.split(',').collect();
        assert_eq!(keys.len(), 8);
        assert!(!keys.contains(&"ctrl-p"), "{DETACH_KEYS}");
        assert!(!keys.contains(&"ctrl-q"), "{DETACH_KEYS}");
    }
}

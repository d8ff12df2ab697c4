//! The machine a plan's commands run on: an SSH host, or this computer for the local engine.
//! Both run the same argument vectors and stream output lines. A cancel kills only the PID the
//! command printed, so it never touches another process.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_util::sync::CancellationToken;

use super::restic::{SecretCommand, PID_MARKER};
use crate::error::{Error, Result};
use crate::ssh::{ExecOutput, OutputStream, SshSession};

/// How long a cancelled program has to stop after SIGINT (restic then removes its lock) before
/// it gets SIGKILL.
const CANCEL_GRACE: Duration = Duration::from_secs(10);

/// Keeps at most this many output lines of a stage for its record and error messages.
pub const MAX_KEPT_LINES: usize = 200;

/// How to install the tools on the host, by package manager, for the missing-tool message.
pub const INSTALL_HINT_RESTIC: &str =
    "sudo apt-get install restic (Debian, Ubuntu) or sudo dnf install restic (Fedora)";
/// See [`INSTALL_HINT_RESTIC`].
pub const INSTALL_HINT_RCLONE: &str =
    "sudo apt-get install rclone (Debian, Ubuntu) or sudo dnf install rclone (Fedora)";

/// The machine a plan's commands run on.
#[derive(Debug, Clone)]
pub enum HostShell {
    /// This computer, through `tokio::process`.
    Local,
    Ssh(Arc<SshSession>),
}

/// The end state of a streamed program.
#[derive(Debug, Clone, Default)]
pub struct ProcessOutcome {
    pub exit_status: Option<u32>,
    /// The PID the program printed before it started; `None` when it never started.
    pub pid: Option<u32>,
    pub cancelled: bool,
    /// The last [`MAX_KEPT_LINES`] lines of stdout and stderr, in arrival order.
    pub tail: Vec<String>,
    /// The stdout lines, all of them, for commands whose output is data (`ls --json`).
    pub stdout: Vec<String>,
}

impl ProcessOutcome {
    /// Returns whether the program ran and exited with status 0.
    pub fn succeeded(&self) -> bool {
        self.exit_status == Some(0) && !self.cancelled
    }
}

impl HostShell {
    /// Runs a short command to its end and returns its output.
    pub async fn exec(&self, argv: &[String]) -> Result<ExecOutput> {
        match self {
            HostShell::Ssh(session) => session.exec(argv).await,
            HostShell::Local => {
                let output = tokio::process::Command::new(&argv[0])
                    .args(&argv[1..])
                    .stdin(std::process::Stdio::null())
                    .output()
                    .await
                    .map_err(|err| Error::Internal(format!("cannot start {}: {err}", argv[0])))?;
                Ok(ExecOutput {
                    stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                    stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
                    exit_status: output.status.code().map(|code| code as u32),
                })
            }
        }
    }

    /// Returns the host's name as restic records it in snapshots and locks (`uname -n`).
    pub async fn hostname(&self) -> Result<String> {
        let output = self.exec(&["uname".to_string(), "-n".to_string()]).await?;
        Ok(output.stdout.trim().to_string())
    }

    /// Returns whether a process with this PID runs on the host. A process of another user
    /// counts as running too.
    pub async fn pid_running(&self, pid: u32) -> Result<bool> {
        let argv = ["test".to_string(), "-d".to_string(), format!("/proc/{pid}")];
        Ok(self.exec(&argv).await?.exit_status == Some(0))
    }

    /// Returns whether `tool` is on the host's PATH (`command -v`).
    pub async fn has_tool(&self, tool: &str) -> Result<bool> {
        let argv = [
            "sh".to_string(),
            "-c".to_string(),
            "command -v \"$1\" >/dev/null".to_string(),
            "sh".to_string(),
            tool.to_string(),
        ];
        Ok(self.exec(&argv).await?.exit_status == Some(0))
    }

    /// Fails with [`Error::BackupToolMissing`] unless `tool` is installed on the host.
    pub async fn require_tool(&self, host_name: &str, tool: &str) -> Result<()> {
        if self.has_tool(tool).await? {
            return Ok(());
        }
        let install = if tool == "rclone" {
            INSTALL_HINT_RCLONE
        } else {
            INSTALL_HINT_RESTIC
        };
        Err(Error::BackupToolMissing {
            host: host_name.to_string(),
            tool: tool.to_string(),
            install: install.to_string(),
        })
    }

    /// Runs a wrapped command (see [`super::restic::SecretCommand`]), passing each output line
    /// but the PID line to `on_line`. When `cancel` fires, the program gets SIGINT and, if it
    /// still runs after a grace period, SIGKILL, by the PID it printed.
    pub async fn run(
        &self,
        command: &SecretCommand,
        on_line: &mut (dyn FnMut(OutputStream, &str) + Send),
        cancel: &CancellationToken,
    ) -> Result<ProcessOutcome> {
        let mut pid = None;
        let mut stdout = Vec::new();
        let mut tail = Vec::new();
        let (pid_sender, mut pid_receiver) = tokio::sync::watch::channel(None::<u32>);
        let mut collect = |stream: OutputStream, line: &str| {
            if pid.is_none() && stream == OutputStream::Stdout {
                if let Some(found) = line.strip_prefix(PID_MARKER).and_then(|text| text.trim().parse().ok()) {
                    pid = Some(found);
                    let _ = pid_sender.send(Some(found));
                    return;
                }
            }
            if stream == OutputStream::Stdout {
                stdout.push(line.to_string());
            }
            if tail.len() == MAX_KEPT_LINES {
                tail.remove(0);
            }
            tail.push(line.to_string());
            on_line(stream, line);
        };

        // Cancelling is a small state machine, because the output must keep being read while
        // it waits: the PID line may still be on its way, and the program's last lines follow.
        let mut cancelled = false;
        let mut interrupted = false;
        let mut killed = false;
        let mut kill_at = None;
        let result = {
            let running = self.run_streaming(command, &mut collect);
            tokio::pin!(running);
            loop {
                let kill_deadline = kill_at.unwrap_or_else(tokio::time::Instant::now);
                tokio::select! {
                    result = &mut running => break result,
                    () = cancel.cancelled(), if !cancelled => {
                        cancelled = true;
                        let current = *pid_receiver.borrow();
                        if let Some(target) = current {
                            self.signal(target, "INT").await;
                            interrupted = true;
                            kill_at = Some(tokio::time::Instant::now() + CANCEL_GRACE);
                        }
                    }
                    changed = pid_receiver.changed(), if cancelled && !interrupted => {
                        let target = *pid_receiver.borrow();
                        match (changed, target) {
                            (Ok(()), Some(target)) => {
                                self.signal(target, "INT").await;
                                interrupted = true;
                                kill_at = Some(tokio::time::Instant::now() + CANCEL_GRACE);
                            }
                            // The sender is gone, so no PID will come; the program ends by itself.
                            _ => interrupted = true,
                        }
                    }
                    () = tokio::time::sleep_until(kill_deadline), if kill_at.is_some() && !killed => {
                        killed = true;
                        let current = *pid_receiver.borrow();
                        if let Some(target) = current {
                            tracing::warn!(pid = target, "the command did not stop after SIGINT; sending SIGKILL");
                            self.signal(target, "KILL").await;
                        }
                    }
                }
            }
        };
        let exit = result?;
        let mut outcome = ProcessOutcome {
            pid,
            stdout,
            tail,
            ..ProcessOutcome::default()
        };
        outcome.exit_status = exit;
        outcome.cancelled = cancelled;
        Ok(outcome)
    }

    /// Sends `signal` to `pid` on the host. A failure is logged: the process may have ended.
    async fn signal(&self, pid: u32, signal: &str) {
        tracing::info!(pid, signal, "signalling a backup command");
        let argv = ["kill".to_string(), format!("-{signal}"), pid.to_string()];
        if let Err(err) = self.exec(&argv).await {
            tracing::warn!(pid, signal, error = %err, "cannot signal a backup command");
        }
    }

    async fn run_streaming(
        &self,
        command: &SecretCommand,
        on_line: &mut (dyn FnMut(OutputStream, &str) + Send),
    ) -> Result<Option<u32>> {
        match self {
            HostShell::Ssh(session) => Ok(session
                .exec_streaming(&command.argv, &command.stdin, on_line)
                .await?
                .exit_status),
            HostShell::Local => run_local(command, on_line).await,
        }
    }
}

async fn run_local(
    command: &SecretCommand,
    on_line: &mut (dyn FnMut(OutputStream, &str) + Send),
) -> Result<Option<u32>> {
    let mut child = tokio::process::Command::new(&command.argv[0])
        .args(&command.argv[1..])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| Error::Internal(format!("cannot start {}: {err}", command.argv[0])))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A program that exits before reading its input closes the pipe; that is not an error here.
        let _ = stdin.write_all(&command.stdin).await;
    }
    let stdout = child.stdout.take().map(|out| BufReader::new(out).lines());
    let stderr = child.stderr.take().map(|err| BufReader::new(err).lines());
    let (Some(mut stdout), Some(mut stderr)) = (stdout, stderr) else {
        return Err(Error::Internal("the child process has no output pipes".into()));
    };
    let (mut stdout_open, mut stderr_open) = (true, true);
    while stdout_open || stderr_open {
        tokio::select! {
            line = stdout.next_line(), if stdout_open => match line {
                Ok(Some(line)) => on_line(OutputStream::Stdout, line.trim_end_matches('\r')),
                _ => stdout_open = false,
            },
            line = stderr.next_line(), if stderr_open => match line {
                Ok(Some(line)) => on_line(OutputStream::Stderr, line.trim_end_matches('\r')),
                _ => stderr_open = false,
            },
        }
    }
    let status = child
        .wait()
        .await
        .map_err(|err| Error::Internal(format!("cannot wait for {}: {err}", command.argv[0])))?;
    Ok(status.code().map(|code| code as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::restic::without_secrets;

    #[tokio::test]
    async fn local_run_streams_lines_and_records_pid() {
        let command = without_secrets(vec!["sh".into(), "-c".into(), "echo out; echo err >&2; exit 3".into()]);
        let mut seen = Vec::new();
        let outcome = HostShell::Local
            .run(
                &command,
                &mut |stream, line| seen.push((stream, line.to_string())),
                &CancellationToken::new(),
            )
            .await
            .unwrap();
        assert_eq!(outcome.exit_status, Some(3));
        assert!(outcome.pid.is_some());
        assert!(seen.contains(&(OutputStream::Stdout, "out".into())));
        assert!(seen.contains(&(OutputStream::Stderr, "err".into())));
        assert!(!seen.iter().any(|(_, line)| line.starts_with(PID_MARKER)));
    }

    #[tokio::test]
    async fn cancel_interrupts_by_pid() {
        let command = without_secrets(vec!["sleep".into(), "30".into()]);
        let cancel = CancellationToken::new();
        let trigger = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            trigger.cancel();
        });
        let started = std::time::Instant::now();
        let outcome = HostShell::Local.run(&command, &mut |_, _| {}, &cancel).await.unwrap();
        assert!(outcome.cancelled);
        assert!(!outcome.succeeded());
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    }
}

//! Interactive terminals on a host: a PTY on an SSH session channel that runs the login shell or
//! one command.
//!
//! [`open_pty`] requests the PTY and starts the program. Two tasks then drive the channel: one
//! reads output and the exit report into a bounded queue of [`PtyEvent`]s, the other writes
//! input and window changes. They are separate so that input waiting for SSH window space never
//! holds up output. Output stays raw bytes, so a UTF-8 sequence may be split across two events
//! and the consumer must decode it as a stream.
//!
//! Container terminals (`DockerEngine::open_terminal` in `docker/exec.rs`) hand out the same
//! [`Pty`] handle and events, so callers treat both kinds alike.

use russh::client::Msg;
use russh::{ChannelMsg, ChannelReadHalf, ChannelWriteHalf, Sig};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::quote::command_line;
use super::session::SshSession;
use crate::error::{Error, Result};

/// The terminal type announced to the host. xterm.js implements xterm's 256-colour set.
pub const TERM: &str = "xterm-256color";

/// The largest number of columns or rows accepted, a sanity bound well above any screen.
pub const MAX_PTY_DIMENSION: u16 = 4096;

/// The maximum length of a container name or id, in bytes.
const MAX_CONTAINER_REF_LEN: usize = 255;

/// Output events buffered before the reader waits for the consumer.
const EVENT_QUEUE_LEN: usize = 64;

/// Input writes and resizes buffered before [`PtyControl::write`] waits.
const INPUT_QUEUE_LEN: usize = 64;

/// A terminal size in character cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PtySize {
    cols: u16,
    rows: u16,
}

impl PtySize {
    /// Checks that both dimensions are between 1 and [`MAX_PTY_DIMENSION`].
    pub fn new(cols: u16, rows: u16) -> Result<Self> {
        for (field, value) in [("cols", cols), ("rows", rows)] {
            if value == 0 || value > MAX_PTY_DIMENSION {
                return Err(Error::invalid(
                    field,
                    value.to_string(),
                    format!("a terminal needs between 1 and {MAX_PTY_DIMENSION} {field}"),
                ));
            }
        }
        Ok(Self { cols, rows })
    }

    pub fn cols(&self) -> u16 {
        self.cols
    }

    pub fn rows(&self) -> u16 {
        self.rows
    }
}

/// The program a PTY runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PtyProgram {
    /// The user's login shell, as `ssh HOST` starts it.
    Shell,
    /// One command, given as an argument vector and quoted in [`super::quote`].
    Command(Vec<String>),
}

/// Checks a container name or id as Docker spells them: a letter or digit, then letters,
/// digits, `_`, `.` or `-`. Docker API paths embed the value unescaped, so nothing else may pass.
pub fn validate_container_ref(container: &str) -> Result<()> {
    let mut chars = container.chars();
    let valid_start = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let valid_rest = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !valid_start || !valid_rest || container.len() > MAX_CONTAINER_REF_LEN {
        return Err(Error::invalid(
            "container",
            container,
            format!(
                "a container name or id starts with a letter or digit and has at most \
                 {MAX_CONTAINER_REF_LEN} letters, digits, '_', '.' or '-'"
            ),
        ));
    }
    Ok(())
}

/// A message from a running terminal. `Exit` comes last and only once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PtyEvent {
    /// Bytes the program wrote, stdout and stderr merged as a terminal shows them.
    Output(Vec<u8>),
    Exit(PtyExit),
}

/// The reason a terminal ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PtyExit {
    /// The program exited with this status. For a container shell that a signal ended, Docker
    /// reports 128 plus the signal's number (129 for SIGHUP with engine 20.10).
    Status(u32),
    /// A signal ended the program, named as SSH reports it: without `SIG` (`HUP`, `KILL`).
    Signal { name: String, core_dumped: bool },
    /// The SSH server closed the channel, or Docker ended the exec's stream, without reporting
    /// how the program ended.
    Closed,
    /// The SSH connection, or the connection to the Docker engine, dropped before the program
    /// ended.
    ConnectionLost,
    /// [`PtyControl::close`] ended the terminal from this side.
    ClosedLocally,
}

/// Input for the writer task.
#[derive(Debug)]
pub(crate) enum PtyInput {
    Data(Vec<u8>),
    Resize(PtySize),
}

/// A running terminal: its control handle and its events.
#[derive(Debug)]
pub struct Pty {
    control: PtyControl,
    events: mpsc::Receiver<PtyEvent>,
}

impl Pty {
    /// Returns a handle that writes, resizes and closes.
    pub fn control(&self) -> PtyControl {
        self.control.clone()
    }

    /// Waits for the next event. Returns `None` after the `Exit` event.
    pub async fn next_event(&mut self) -> Option<PtyEvent> {
        self.events.recv().await
    }

    /// Splits the terminal, so one task can read events while others write.
    pub fn into_parts(self) -> (PtyControl, mpsc::Receiver<PtyEvent>) {
        (self.control, self.events)
    }
}

/// Writes to, resizes and closes a terminal. Clones share one terminal. The terminal also
/// closes when every clone is dropped, or when output arrives after the event receiver was
/// dropped.
#[derive(Debug, Clone)]
pub struct PtyControl {
    input: mpsc::Sender<PtyInput>,
    cancel: CancellationToken,
}

impl PtyControl {
    /// Queues bytes for the program, as typed: `\r` for Enter, `0x03` for Ctrl-C. Returns
    /// [`Error::Cancelled`] when the terminal has ended.
    pub async fn write(&self, data: Vec<u8>) -> Result<()> {
        self.send(PtyInput::Data(data)).await
    }

    /// Sends the new size to the host (an SSH window-change) or to the Docker engine (an exec
    /// resize), which signals the program with SIGWINCH.
    pub async fn resize(&self, size: PtySize) -> Result<()> {
        self.send(PtyInput::Resize(size)).await
    }

    /// Ends the terminal, and the program gets SIGHUP. On SSH the channel is closed, so the host
    /// hangs up the PTY. In a container a second exec sends the signal, and SIGKILL follows if
    /// the shell outlives a short wait. The event stream ends with [`PtyExit::ClosedLocally`].
    pub fn close(&self) {
        self.cancel.cancel();
    }

    /// Returns whether the terminal has ended.
    pub fn is_closed(&self) -> bool {
        self.cancel.is_cancelled()
    }

    async fn send(&self, input: PtyInput) -> Result<()> {
        if self.cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        self.input.send(input).await.map_err(|_| Error::Cancelled)
    }
}

/// The queues of a new terminal: the [`Pty`] for the caller, and the ends its tasks use.
pub(crate) struct PtyQueues {
    pub pty: Pty,
    pub input: mpsc::Receiver<PtyInput>,
    pub events: mpsc::Sender<PtyEvent>,
    pub cancel: CancellationToken,
}

/// Creates the bounded input and event queues of a terminal, with `early_output` queued as its
/// first event when it is not empty.
pub(crate) fn pty_queues(early_output: Vec<u8>) -> PtyQueues {
    let (event_sender, events) = mpsc::channel(EVENT_QUEUE_LEN);
    let (input_sender, input) = mpsc::channel(INPUT_QUEUE_LEN);
    let cancel = CancellationToken::new();
    if !early_output.is_empty() {
        // The queue is new and has room for EVENT_QUEUE_LEN events, so try_send cannot fail here.
        let _ = event_sender.try_send(PtyEvent::Output(early_output));
    }
    PtyQueues {
        pty: Pty {
            control: PtyControl {
                input: input_sender,
                cancel: cancel.clone(),
            },
            events,
        },
        input,
        events: event_sender,
        cancel,
    }
}

/// Opens a session channel with a PTY of `size` and starts `program` in it.
///
/// The session must stay open while the terminal runs. When its connection drops, the terminal
/// ends with [`PtyExit::ConnectionLost`]. Must be called inside a tokio runtime, because the
/// channel is driven by spawned tasks.
#[tracing::instrument(skip_all, fields(host = %session.target().address, cols = size.cols, rows = size.rows))]
pub async fn open_pty(session: &SshSession, program: PtyProgram, size: PtySize) -> Result<Pty> {
    let transport_error = |err: russh::Error| Error::HostUnreachable {
        host: session.target().address.clone(),
        port: session.target().port,
        detail: err.to_string(),
    };
    let mut channel = session.handle().channel_open_session().await.map_err(transport_error)?;

    // IUTF8 lets the host's line editing erase a whole multi-byte character with one backspace.
    let modes = [(russh::Pty::IUTF8, 1)];
    channel
        .request_pty(true, TERM, u32::from(size.cols), u32::from(size.rows), 0, 0, &modes)
        .await
        .map_err(transport_error)?;
    let mut early_output = Vec::new();
    expect_success(
        &mut channel,
        &mut early_output,
        "the host rejected the PTY request; check that its sshd allows terminals (PermitTTY)",
    )
    .await?;

    match &program {
        PtyProgram::Shell => channel.request_shell(true).await,
        PtyProgram::Command(argv) => channel.exec(true, command_line(argv).as_bytes()).await,
    }
    .map_err(transport_error)?;
    expect_success(
        &mut channel,
        &mut early_output,
        "the host rejected starting the shell or command",
    )
    .await?;

    let (reader, writer) = channel.split();
    let queues = pty_queues(early_output);
    tokio::spawn(read_output(reader, queues.events, queues.cancel.clone()));
    tokio::spawn(write_input(writer, queues.input, queues.cancel));
    tracing::info!("terminal opened");
    Ok(queues.pty)
}

/// Waits for the reply to a request sent with `want_reply`, keeping any output that arrives
/// before it.
async fn expect_success(
    channel: &mut russh::Channel<Msg>,
    early_output: &mut Vec<u8>,
    failure_message: &str,
) -> Result<()> {
    loop {
        match channel.wait().await {
            Some(ChannelMsg::Success) => return Ok(()),
            Some(ChannelMsg::Data { data }) | Some(ChannelMsg::ExtendedData { data, .. }) => {
                early_output.extend_from_slice(&data)
            }
            Some(ChannelMsg::Failure) => return Err(Error::Internal(failure_message.to_string())),
            Some(ChannelMsg::Close) | None => {
                return Err(Error::Internal(format!("{failure_message}: the channel closed")));
            }
            Some(_) => {}
        }
    }
}

/// Forwards output and the exit report into `events` until the channel closes or `cancel` fires.
async fn read_output(mut reader: ChannelReadHalf, events: mpsc::Sender<PtyEvent>, cancel: CancellationToken) {
    let mut reported = None;
    let exit = loop {
        let message = tokio::select! {
            () = cancel.cancelled() => break PtyExit::ClosedLocally,
            message = reader.wait() => message,
        };
        match message {
            // With a PTY the host merges stderr into the data stream; extended data only comes
            // from servers that keep them apart anyway.
            Some(ChannelMsg::Data { data }) | Some(ChannelMsg::ExtendedData { data, .. }) => {
                let sent = tokio::select! {
                    () = cancel.cancelled() => break PtyExit::ClosedLocally,
                    sent = events.send(PtyEvent::Output(data.to_vec())) => sent,
                };
                if sent.is_err() {
                    // The event receiver was dropped, which counts as closing.
                    break PtyExit::ClosedLocally;
                }
            }
            Some(ChannelMsg::ExitStatus { exit_status }) => reported = Some(PtyExit::Status(exit_status)),
            Some(ChannelMsg::ExitSignal {
                signal_name,
                core_dumped,
                ..
            }) => {
                reported = Some(PtyExit::Signal {
                    name: signal_name_of(&signal_name),
                    core_dumped,
                })
            }
            Some(ChannelMsg::Close) => break reported.take().unwrap_or(PtyExit::Closed),
            Some(_) => {}
            // russh drops the channel without a Close message only when the connection ends.
            None => break reported.take().unwrap_or(PtyExit::ConnectionLost),
        }
    };

    // Stops the writer, which closes the channel if the program still runs.
    cancel.cancel();
    tracing::info!(exit = ?exit, "terminal ended");
    let _ = events.send(PtyEvent::Exit(exit)).await;
}

/// Writes queued input and window changes until the terminal ends, then closes the channel.
async fn write_input(writer: ChannelWriteHalf<Msg>, mut input: mpsc::Receiver<PtyInput>, cancel: CancellationToken) {
    loop {
        let next = tokio::select! {
            () = cancel.cancelled() => break,
            next = input.recv() => next,
        };
        let Some(next) = next else {
            // Every PtyControl was dropped, so nothing can write to or close the terminal any more.
            cancel.cancel();
            break;
        };
        let write = async {
            match next {
                PtyInput::Data(data) => writer.data_bytes(data).await,
                PtyInput::Resize(size) => {
                    writer
                        .window_change(u32::from(size.cols), u32::from(size.rows), 0, 0)
                        .await
                }
            }
        };
        // Data waits for SSH window space, which a stopped program never frees.
        let result = tokio::select! {
            () = cancel.cancelled() => break,
            result = write => result,
        };
        if let Err(err) = result {
            tracing::debug!(error = %err, "terminal input not sent; the channel is closed");
            break;
        }
    }

    // EOF, then close, as OpenSSH's client ends a session. Both fail harmlessly when the host
    // closed the channel first.
    let _ = writer.eof().await;
    let _ = writer.close().await;
}

/// Returns a signal's name as SSH spells it.
fn signal_name_of(signal: &Sig) -> String {
    let name = match signal {
        Sig::ABRT => "ABRT",
        Sig::ALRM => "ALRM",
        Sig::FPE => "FPE",
        Sig::HUP => "HUP",
        Sig::ILL => "ILL",
        Sig::INT => "INT",
        Sig::KILL => "KILL",
        Sig::PIPE => "PIPE",
        Sig::QUIT => "QUIT",
        Sig::SEGV => "SEGV",
        Sig::TERM => "TERM",
        Sig::USR1 => "USR1",
        Sig::Custom(name) => name.as_str(),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_bounds_are_checked() {
        assert!(PtySize::new(80, 24).is_ok());
        assert!(PtySize::new(1, 1).is_ok());
        assert!(PtySize::new(MAX_PTY_DIMENSION, MAX_PTY_DIMENSION).is_ok());

        let zero_cols = PtySize::new(0, 24).unwrap_err();
        assert!(
            matches!(&zero_cols, Error::InvalidInput { field: "cols", value, .. } if value == "0"),
            "{zero_cols:?}"
        );
        let huge_rows = PtySize::new(80, MAX_PTY_DIMENSION + 1).unwrap_err();
        assert!(
            matches!(&huge_rows, Error::InvalidInput { field: "rows", .. }),
            "{huge_rows:?}"
        );
    }

    #[test]
    fn container_refs_are_validated() {
        for valid in ["hp-web", "a", "web_1.blue", &"f".repeat(64)] {
            assert!(validate_container_ref(valid).is_ok(), "{valid} should be accepted");
        }
        for invalid in [
            "",
            "-rm",
            ".hidden",
            "a b",
            "a;b",
            "$(id)",
            "/web",
            "容器",
            &"a".repeat(256),
        ] {
            let err = validate_container_ref(invalid).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput { field: "container", .. }),
                "{invalid:?} gave {err:?}"
            );
        }
    }

    #[test]
    fn signal_names_match_ssh() {
        assert_eq!(signal_name_of(&Sig::HUP), "HUP");
        assert_eq!(signal_name_of(&Sig::Custom("WINCH".into())), "WINCH");
    }
}

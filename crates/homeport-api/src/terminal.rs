//! Interactive terminals: a host's login shell, or a shell inside one of its containers.
//!
//! A host shell runs on its own SSH session, so it neither waits for nor breaks the pooled
//! Docker connection, and closing it closes that session. A container shell is an exec through
//! the host's pooled Docker engine. It needs no docker CLI on the host and works on every kind of
//! engine, and closing it ends the shell inside the container. Output reaches the caller through
//! a [`Sink`] as [`TerminalEvent`]s, ending with exactly one `Exit`. Input, resizes and closing
//! go through the terminal's id.
//!
//! NOTE: nothing closes the terminals that are still open when the process exits, so their
//! container shells keep running. A host shell ends anyway, because its SSH connection drops.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use homeport_core::inventory::Host;
use homeport_core::ssh::{self, Pty, PtyControl, PtyEvent, PtyExit, PtyProgram, PtySize, SshSession};
use homeport_core::Error;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use ts_rs::TS;

use crate::{Api, ApiResult, Sink};

/// Identifies one open terminal.
pub type TerminalId = u32;

/// The maximum input, in bytes, of one [`Api::terminal_write`] call. The UI sends pastes in
/// smaller pieces.
pub const MAX_TERMINAL_WRITE: usize = 1024 * 1024;

/// The maximum number of output bytes merged into one [`TerminalEvent::Output`]. Merging what is already
/// queued cuts the number of IPC messages when a program floods the terminal.
const MAX_OUTPUT_EVENT: usize = 64 * 1024;

/// The program a terminal runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TerminalTarget {
    /// The login shell of the host's SSH user.
    Shell,
    /// bash, or sh where the image has no bash, inside a running container, started through the
    /// Docker Engine API's exec. `id` is the container's id or name.
    Container { id: String },
}

/// One message of a terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TerminalEvent {
    /// Bytes the program wrote. A UTF-8 sequence may continue in the next event, so the UI
    /// decodes them as a stream.
    ///
    /// Over IPC the bytes are one base64 string (standard alphabet, padded), about a third the
    /// size of serde's default JSON array of numbers. Tauri 2.12 evaluates JSON channel messages
    /// under 8 KiB straight in the web view. Raw binary messages of 1 KiB or more take an extra
    /// fetch round trip, and they would need a second channel for the exit.
    Output {
        #[serde(with = "base64_bytes")]
        #[ts(type = "string")]
        data: Vec<u8>,
    },
    /// The terminal ended. No event follows.
    Exit { exit: TerminalExit },
}

/// The reason a terminal ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "reason", rename_all = "camelCase")]
pub enum TerminalExit {
    /// The program exited with `status`.
    Exited { status: u32 },
    /// A signal ended the program. `signal` is named without `SIG`, as in `HUP`.
    #[serde(rename_all = "camelCase")]
    Signal { signal: String, core_dumped: bool },
    /// The host or its Docker engine closed the terminal without reporting how the program ended.
    Closed,
    /// The SSH connection, or the connection to the Docker engine, dropped.
    ConnectionLost,
    /// [`Api::terminal_close`] closed it, or its receiver went away.
    ClosedByApp,
}

impl From<PtyExit> for TerminalExit {
    fn from(exit: PtyExit) -> Self {
        match exit {
            PtyExit::Status(status) => TerminalExit::Exited { status },
            PtyExit::Signal { name, core_dumped } => TerminalExit::Signal {
                signal: name,
                core_dumped,
            },
            PtyExit::Closed => TerminalExit::Closed,
            PtyExit::ConnectionLost => TerminalExit::ConnectionLost,
            PtyExit::ClosedLocally => TerminalExit::ClosedByApp,
        }
    }
}

/// The open terminals of one process.
#[derive(Debug, Default)]
pub struct Terminals {
    next_id: AtomicU32,
    open: Arc<Mutex<HashMap<TerminalId, PtyControl>>>,
}

impl Terminals {
    fn insert(&self, control: PtyControl) -> TerminalId {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        lock(&self.open).insert(id, control);
        id
    }

    fn get(&self, id: TerminalId) -> ApiResult<PtyControl> {
        lock(&self.open).get(&id).cloned().ok_or_else(|| {
            Error::invalid(
                "terminal",
                id.to_string(),
                "no open terminal has this id; it has ended or was closed, so open a new one",
            )
            .into()
        })
    }

    fn remove(&self, id: TerminalId) -> Option<PtyControl> {
        lock(&self.open).remove(&id)
    }

    /// Returns how many terminals are open.
    pub fn len(&self) -> usize {
        lock(&self.open).len()
    }

    /// Returns whether no terminal is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn lock(open: &Mutex<HashMap<TerminalId, PtyControl>>) -> std::sync::MutexGuard<'_, HashMap<TerminalId, PtyControl>> {
    open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Api {
    /// Opens a terminal of `cols` × `rows` cells on a host and streams its output into `sink`
    /// until it ends.
    ///
    /// A container terminal needs a running container with `sh` in its image. Both are checked
    /// while opening, so the error names the problem (`ContainerNotRunning`,
    /// `ContainerShellMissing`) instead of the terminal printing it.
    pub async fn terminal_open(
        &self,
        host_id: &str,
        target: TerminalTarget,
        cols: u16,
        rows: u16,
        sink: Sink<TerminalEvent>,
    ) -> ApiResult<TerminalId> {
        let size = PtySize::new(cols, rows)?;
        let host = self.hosts.get(host_id).await?;
        let (pty, session) = match &target {
            TerminalTarget::Shell => {
                let (pty, session) = self.open_shell_terminal(&host, size).await?;
                (pty, Some(session))
            }
            TerminalTarget::Container { id } => (self.open_container_terminal(&host, id, size).await?, None),
        };

        let (control, events) = pty.into_parts();
        let id = self.terminals.insert(control.clone());
        tracing::info!(terminal_id = id, host_id = %host.id, target = ?target, "terminal opened");

        let open = Arc::clone(&self.terminals.open);
        tokio::spawn(async move {
            let exit = forward_events(events, sink, || control.close()).await;
            lock(&open).remove(&id);
            if let Some(session) = session {
                session.close().await;
            }
            tracing::info!(terminal_id = id, exit = ?exit, "terminal closed");
        });
        Ok(id)
    }

    /// Sends bytes to a terminal's program, as typed: `\r` for Enter, `0x03` for Ctrl-C.
    pub async fn terminal_write(&self, id: TerminalId, data: Vec<u8>) -> ApiResult<()> {
        if data.len() > MAX_TERMINAL_WRITE {
            return Err(Error::invalid(
                "data",
                format!("{} bytes", data.len()),
                format!("one write takes at most {MAX_TERMINAL_WRITE} bytes; send it in parts"),
            )
            .into());
        }
        let control = self.terminals.get(id)?;
        Ok(control.write(data).await?)
    }

    /// Changes a terminal's size; the program gets SIGWINCH.
    pub async fn terminal_resize(&self, id: TerminalId, cols: u16, rows: u16) -> ApiResult<()> {
        let size = PtySize::new(cols, rows)?;
        let control = self.terminals.get(id)?;
        Ok(control.resize(size).await?)
    }

    /// Closes a terminal: its shell gets SIGHUP (a container's shell SIGKILL too if it outlives
    /// a short wait), and the last event is an `Exit` with `closedByApp`, sent once the shell has
    /// ended or the wait is over. Unknown or ended ids are ignored.
    pub fn terminal_close(&self, id: TerminalId) {
        if let Some(control) = self.terminals.remove(id) {
            control.close();
        }
    }

    /// Returns the open terminals, for tests and status displays.
    pub fn terminals(&self) -> &Terminals {
        &self.terminals
    }

    /// Opens the host's login shell on a new SSH session, which the caller closes when the
    /// terminal ends.
    async fn open_shell_terminal(&self, host: &Host, size: PtySize) -> ApiResult<(Pty, Arc<SshSession>)> {
        let session = Arc::new(self.hosts.session(host).await?);
        match ssh::open_pty(&session, PtyProgram::Shell, size).await {
            Ok(pty) => Ok((pty, session)),
            Err(err) => {
                session.close().await;
                Err(err.into())
            }
        }
    }

    /// Opens a shell inside `container` through the host's pooled Docker engine.
    async fn open_container_terminal(&self, host: &Host, container: &str, size: PtySize) -> ApiResult<Pty> {
        // Checked before connecting, so a bad value costs no connection.
        ssh::validate_container_ref(container)?;
        let engine = self.hosts.engine(&host.id).await?;
        match engine.open_terminal(container, size).await {
            Ok(pty) => Ok(pty),
            Err(err @ (Error::DockerConnection { .. } | Error::HostUnreachable { .. })) => {
                self.forget_connection(&host.id).await;
                Err(err.into())
            }
            Err(err) => Err(err.into()),
        }
    }
}

/// Sends a terminal's events into `sink`, merging output that is already queued, and returns
/// how it ended. When the sink's receiver is gone, `close` ends the terminal.
async fn forward_events(
    mut events: mpsc::Receiver<PtyEvent>,
    mut sink: Sink<TerminalEvent>,
    close: impl Fn(),
) -> TerminalExit {
    let mut receiver_gone = false;
    loop {
        let exit = match events.recv().await {
            Some(PtyEvent::Output(mut data)) => {
                let mut exit = None;
                while data.len() < MAX_OUTPUT_EVENT {
                    match events.try_recv() {
                        Ok(PtyEvent::Output(more)) => data.extend_from_slice(&more),
                        Ok(PtyEvent::Exit(ended)) => {
                            exit = Some(ended);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                if !receiver_gone && !sink(TerminalEvent::Output { data }) {
                    tracing::debug!("the terminal's receiver is gone; closing the terminal");
                    receiver_gone = true;
                    close();
                }
                exit
            }
            Some(PtyEvent::Exit(ended)) => Some(ended),
            // The reader always sends `Exit` before it stops, unless its task panicked.
            None => Some(PtyExit::ConnectionLost),
        };

        if let Some(exit) = exit {
            let exit = TerminalExit::from(exit);
            if !receiver_gone {
                sink(TerminalEvent::Exit { exit: exit.clone() });
            }
            return exit;
        }
    }
}

/// Serialises bytes as one base64 string (standard alphabet, padded).
mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;

    #[test]
    fn output_is_base64_in_json() {
        // 你 is E4 BD A0; the event ends inside the sequence, as a split SSH packet can.
        let event = TerminalEvent::Output {
            data: vec![b'o', b'k', 0xe4, 0xbd],
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "output", "data": "b2vkvQ=="}));

        let back: TerminalEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn exit_reasons_serialise_in_camel_case() {
        let cases = [
            (
                TerminalExit::Exited { status: 130 },
                serde_json::json!({"reason": "exited", "status": 130}),
            ),
            (
                TerminalExit::Signal {
                    signal: "HUP".into(),
                    core_dumped: false,
                },
                serde_json::json!({"reason": "signal", "signal": "HUP", "coreDumped": false}),
            ),
            (
                TerminalExit::ConnectionLost,
                serde_json::json!({"reason": "connectionLost"}),
            ),
            (TerminalExit::ClosedByApp, serde_json::json!({"reason": "closedByApp"})),
        ];
        for (exit, expected) in cases {
            let event = serde_json::to_value(TerminalEvent::Exit { exit: exit.clone() }).unwrap();
            assert_eq!(event["kind"], "exit", "{exit:?}");
            assert_eq!(event["exit"], expected, "{exit:?}");
        }
    }

    #[test]
    fn targets_parse_from_ui_json() {
        let shell: TerminalTarget = serde_json::from_str(r#"{"kind":"shell"}"#).unwrap();
        assert_eq!(shell, TerminalTarget::Shell);
        let container: TerminalTarget = serde_json::from_str(r#"{"kind":"container","id":"hp-web"}"#).unwrap();
        assert_eq!(container, TerminalTarget::Container { id: "hp-web".into() });
    }

    #[tokio::test]
    async fn queued_output_is_merged_before_exit() {
        let (sender, receiver) = mpsc::channel(8);
        for chunk in [&b"\xe4\xbd"[..], b"\xa0ok", b"\r\n"] {
            sender.send(PtyEvent::Output(chunk.to_vec())).await.unwrap();
        }
        sender.send(PtyEvent::Exit(PtyExit::Status(0))).await.unwrap();
        drop(sender);

        let received = Arc::new(Mutex::new(Vec::new()));
        let sink_received = Arc::clone(&received);
        let sink: Sink<TerminalEvent> = Box::new(move |event| {
            sink_received.lock().unwrap().push(event);
            true
        });
        let closed = AtomicBool::new(false);

        let exit = forward_events(receiver, sink, || closed.store(true, Ordering::Relaxed)).await;
        assert_eq!(exit, TerminalExit::Exited { status: 0 });
        let events = received.lock().unwrap().clone();
        assert_eq!(
            events,
            vec![
                TerminalEvent::Output {
                    data: "你ok\r\n".as_bytes().to_vec()
                },
                TerminalEvent::Exit {
                    exit: TerminalExit::Exited { status: 0 }
                },
            ]
        );
        assert!(!closed.load(Ordering::Relaxed), "a normal exit needs no local close");
    }

    #[tokio::test]
    async fn gone_receiver_closes_terminal() {
        let (sender, receiver) = mpsc::channel(8);
        sender.send(PtyEvent::Output(b"x".to_vec())).await.unwrap();
        sender.send(PtyEvent::Exit(PtyExit::ClosedLocally)).await.unwrap();
        let calls = Arc::new(AtomicU32::new(0));
        let sink_calls = Arc::clone(&calls);
        let sink: Sink<TerminalEvent> = Box::new(move |_| {
            sink_calls.fetch_add(1, Ordering::Relaxed);
            false
        });
        let closed = AtomicBool::new(false);

        let exit = forward_events(receiver, sink, || closed.store(true, Ordering::Relaxed)).await;
        assert_eq!(exit, TerminalExit::ClosedByApp);
        assert!(
            closed.load(Ordering::Relaxed),
            "the terminal is closed once nobody reads it"
        );
        assert_eq!(
            calls.load(Ordering::Relaxed),
            1,
            "nothing is sent after the sink refused"
        );
    }
}

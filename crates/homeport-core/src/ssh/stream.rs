//! Remote commands whose output is read line by line while they run, with bytes written to
//! their standard input first. Long jobs (a restic backup) report progress this way, and
//! secrets reach the program through stdin instead of its argument vector.

use russh::ChannelMsg;

use super::quote::command_line;
use super::session::SshSession;
use crate::error::{Error, Result};

/// Stops keeping an unfinished line past this many bytes, so a program that never prints a
/// newline cannot fill memory. The kept part is passed on as one line.
const MAX_LINE: usize = 1024 * 1024;

/// The output stream of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputStream {
    Stdout,
    Stderr,
}

/// The end state of a streamed command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamExit {
    /// `None` when the command ended without an exit status (killed by a signal, or the
    /// channel closed).
    pub exit_status: Option<u32>,
    /// The signal's name as SSH spells it (`KILL`, `INT`), when the host reported one.
    pub signal: Option<String>,
}

/// Splits a byte stream into lines. A trailing `\r` is dropped, so CRLF output reads the same.
#[derive(Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    /// Appends `data` and passes every complete line to `on_line`.
    pub fn push(&mut self, data: &[u8], on_line: &mut dyn FnMut(&str)) {
        for &byte in data {
            if byte == b'\n' {
                self.emit(on_line);
            } else if self.pending.len() < MAX_LINE {
                self.pending.push(byte);
            }
        }
    }

    /// Passes the unfinished last line, if any, to `on_line`.
    pub fn finish(&mut self, on_line: &mut dyn FnMut(&str)) {
        if !self.pending.is_empty() {
            self.emit(on_line);
        }
    }

    fn emit(&mut self, on_line: &mut dyn FnMut(&str)) {
        if self.pending.last() == Some(&b'\r') {
            self.pending.pop();
        }
        let line = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        on_line(&line);
    }
}

impl SshSession {
    fn transport_failure(&self, err: russh::Error) -> Error {
        let target = self.target();
        Error::HostUnreachable {
            host: target.address.clone(),
            port: target.port,
            detail: err.to_string(),
        }
    }

    /// Runs `argv` on the host, writes `stdin` to it and closes its input, and passes each
    /// output line to `on_line` as it arrives. Returns when the command has ended.
    ///
    /// Cancel by killing the remote process through a second command (its PID printed by the
    /// command itself): dropping this future closes the channel, but sshd does not always
    /// signal the program when a channel without a PTY closes.
    pub async fn exec_streaming<S: AsRef<str>>(
        &self,
        argv: &[S],
        stdin: &[u8],
        on_line: &mut (dyn FnMut(OutputStream, &str) + Send),
    ) -> Result<StreamExit> {
        let line = command_line(argv);
        let mut channel = self
            .handle()
            .channel_open_session()
            .await
            .map_err(|err| self.transport_failure(err))?;
        channel
            .exec(true, line.as_bytes())
            .await
            .map_err(|err| self.transport_failure(err))?;
        if !stdin.is_empty() {
            channel
                .data_bytes(stdin.to_vec())
                .await
                .map_err(|err| self.transport_failure(err))?;
        }
        channel.eof().await.map_err(|err| self.transport_failure(err))?;

        let mut stdout = LineSplitter::default();
        let mut stderr = LineSplitter::default();
        let mut exit = StreamExit::default();
        while let Some(message) = channel.wait().await {
            match message {
                ChannelMsg::Data { data } => stdout.push(&data, &mut |text| on_line(OutputStream::Stdout, text)),
                ChannelMsg::ExtendedData { data, ext: 1 } => {
                    stderr.push(&data, &mut |text| on_line(OutputStream::Stderr, text))
                }
                ChannelMsg::ExitStatus { exit_status } => exit.exit_status = Some(exit_status),
                ChannelMsg::ExitSignal { signal_name, .. } => exit.signal = Some(format!("{signal_name:?}")),
                _ => {}
            }
        }
        stdout.finish(&mut |text| on_line(OutputStream::Stdout, text));
        stderr.finish(&mut |text| on_line(OutputStream::Stderr, text));
        Ok(exit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> Vec<String> {
        let mut lines = Vec::new();
        let mut splitter = LineSplitter::default();
        for chunk in chunks {
            splitter.push(chunk, &mut |line| lines.push(line.to_string()));
        }
        splitter.finish(&mut |line| lines.push(line.to_string()));
        lines
    }

    #[test]
    fn splitter_joins_lines_across_chunks() {
        assert_eq!(
            split(&[b"{\"a\":", b"1}\n{\"b\"", b":2}\n"]),
            ["{\"a\":1}", "{\"b\":2}"]
        );
    }

    #[test]
    fn splitter_drops_carriage_returns_and_keeps_last_line() {
        assert_eq!(split(&[b"one\r\ntwo"]), ["one", "two"]);
    }

    #[test]
    fn splitter_caps_a_line_without_newline() {
        let long = vec![b'x'; MAX_LINE + 10];
        let lines = split(&[&long, b"\nnext\n"]);
        assert_eq!(lines[0].len(), MAX_LINE);
        assert_eq!(lines[1], "next");
    }
}

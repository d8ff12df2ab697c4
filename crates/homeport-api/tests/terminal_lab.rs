//! Terminals against the real test lab (`tests/lab/lab.sh up`): a login shell on the key-only
//! sshd, and shells inside containers through the Docker Engine API, in the lab's `hp-web`
//! container and in throwaway containers made with the docker CLI.
//!
//! Like `lab.rs`, every test skips when `HOMEPORT_LAB_ENV` is unset and panics when it names an
//! unreadable file. The key host needs no keychain entry, so these tests do not touch the
//! Secret Service. Each test has its own data folder and host name. Tests that look at a
//! container's processes make their own container, because other tests open shells in `hp-web`
//! at the same time.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Lab, TestContainer};
use homeport_api::{
    Api, AuthMethod, HostInput, HostView, IpcError, Sink, TerminalEvent, TerminalExit, TerminalId, TerminalTarget,
};
use homeport_core::paths::AppPaths;
use homeport_core::ErrorCode;
use tempfile::TempDir;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::time::Instant;

/// How long a terminal may take to show an expected text or to end.
const DEADLINE: Duration = Duration::from_secs(15);

/// How soon the prompt must return after Ctrl-C interrupts `sleep 30`.
const INTERRUPT_DEADLINE: Duration = Duration::from_secs(5);

/// The shell prompt the shell test sets, so it can wait for the shell to be ready for input.
const PROMPT: &str = "hpprompt> ";

/// Sets [`PROMPT`]. The quotes split the prompt in the echoed command line, so only a prompt
/// matches it.
const SET_PROMPT: &[u8] = b"PS1='hp''prompt> '\n";

async fn open_api(dir: &Path) -> Api {
    Api::open(AppPaths::portable(dir.to_path_buf()))
        .await
        .unwrap_or_else(|err| panic!("Api::open('{}') failed: {err}", dir.display()))
}

/// Adds the lab's key-only sshd host under `name`, trusting the key it presents.
async fn add_key_host(api: &Api, lab: &Lab, name: &str) -> HostView {
    let input = HostInput {
        name: name.to_string(),
        address: lab.var("LAB_SSH_KEY_HOST"),
        port: u32::from(lab.port("LAB_SSH_KEY_PORT")),
        user: lab.var("LAB_SSH_KEY_USER"),
        auth: AuthMethod::Key,
        key_path: Some(lab.var("LAB_SSH_CLIENT_KEY")),
        docker_socket: Some(lab.var("LAB_DOCKER_SOCK")),
        secret: None,
        jump_host: None,
        group: None,
        tags: Vec::new(),
    };
    let unknown = match api.host_add(input.clone(), None).await {
        Ok(view) => return view,
        Err(err) if err.code == ErrorCode::HostKeyUnknown => err,
        Err(err) => panic!("host_add '{name}' failed: {err}"),
    };
    let fingerprint = unknown
        .params
        .get("fingerprint")
        .cloned()
        .unwrap_or_else(|| panic!("HostKeyUnknown has no fingerprint param: {:?}", unknown.params));
    api.host_add(input, Some(fingerprint))
        .await
        .unwrap_or_else(|err| panic!("host_add '{name}' with the reported fingerprint failed: {err}"))
}

/// A terminal opened through the API, with everything it printed so far.
struct Terminal {
    id: TerminalId,
    events: UnboundedReceiver<TerminalEvent>,
    output: Vec<u8>,
    /// Where the next [`Terminal::read_until`] starts searching.
    cursor: usize,
    exit: Option<TerminalExit>,
}

impl Terminal {
    async fn open(api: &Api, host_id: &str, target: TerminalTarget, cols: u16, rows: u16) -> Self {
        let (sender, events) = unbounded_channel();
        let sink: Sink<TerminalEvent> = Box::new(move |event| sender.send(event).is_ok());
        let id = api
            .terminal_open(host_id, target.clone(), cols, rows, sink)
            .await
            .unwrap_or_else(|err| panic!("terminal_open {target:?} failed: {err}"));
        Self {
            id,
            events,
            output: Vec::new(),
            cursor: 0,
            exit: None,
        }
    }

    async fn write(&self, api: &Api, text: &[u8]) {
        api.terminal_write(self.id, text.to_vec())
            .await
            .unwrap_or_else(|err| panic!("terminal_write {:?} failed: {err}", String::from_utf8_lossy(text)));
    }

    /// Receives one event before `deadline`. Returns `false` once the terminal has ended.
    async fn receive(&mut self, deadline: Instant, waiting_for: &str) -> bool {
        if self.exit.is_some() {
            return false;
        }
        let event = match tokio::time::timeout_at(deadline, self.events.recv()).await {
            Ok(event) => event,
            Err(_) => panic!(
                "timed out waiting for {waiting_for}; the terminal printed: {}",
                self.transcript()
            ),
        };
        match event {
            Some(TerminalEvent::Output { data }) => self.output.extend_from_slice(&data),
            Some(TerminalEvent::Exit { exit }) => self.exit = Some(exit),
            None => panic!("the event stream ended without an Exit event while waiting for {waiting_for}"),
        }
        self.exit.is_none()
    }

    /// Reads until `needle` appears after the previous match, and moves past it.
    async fn read_until_within(&mut self, needle: &str, within: Duration) {
        let deadline = Instant::now() + within;
        let waiting_for = format!("{needle:?}");
        loop {
            if let Some(position) = find(&self.output[self.cursor..], needle.as_bytes()) {
                self.cursor += position + needle.len();
                return;
            }
            if !self.receive(deadline, &waiting_for).await {
                panic!(
                    "the terminal ended with {:?} before printing {waiting_for}: {}",
                    self.exit,
                    self.transcript()
                );
            }
        }
    }

    async fn read_until(&mut self, needle: &str) {
        self.read_until_within(needle, DEADLINE).await
    }

    /// Reads the rest of the line after `prefix` and returns it without the line end.
    async fn read_value_after(&mut self, prefix: &str) -> String {
        self.read_until(prefix).await;
        let start = self.cursor;
        self.read_until("\r\n").await;
        String::from_utf8_lossy(&self.output[start..self.cursor - 2]).into_owned()
    }

    /// Reads until the terminal ends and returns how.
    async fn read_exit(&mut self) -> TerminalExit {
        let deadline = Instant::now() + DEADLINE;
        while self.receive(deadline, "the terminal to end").await {}
        let exit = self.exit.clone().expect("receive returned false, so the exit is known");
        assert!(
            tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .ok()
                .flatten()
                .is_none(),
            "no event may follow Exit"
        );
        exit
    }

    fn transcript(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

async fn resize(api: &Api, id: TerminalId, cols: u16, rows: u16) {
    api.terminal_resize(id, cols, rows)
        .await
        .unwrap_or_else(|err| panic!("terminal_resize {cols}x{rows} failed: {err}"));
}

/// Polls until the API has no open terminal, which happens just after the Exit event.
async fn wait_until_no_terminals(api: &Api) {
    let deadline = Instant::now() + DEADLINE;
    while !api.terminals().is_empty() {
        assert!(
            Instant::now() < deadline,
            "{} terminals are still registered after their Exit event",
            api.terminals().len()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn shell_terminal_utf8_resize_interrupt_exit() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_key_host(&api, &lab, &common::unique_name("term")).await;

    let mut terminal = Terminal::open(&api, &host.id, TerminalTarget::Shell, 80, 24).await;
    assert_eq!(api.terminals().len(), 1, "the open terminal is registered");
    terminal.write(&api, SET_PROMPT).await;
    terminal.read_until(PROMPT).await;

    // The command line holds only ASCII escapes, so 你好 in the output proves that the UTF-8
    // bytes the host printed arrived unchanged.
    terminal
        .write(
            &api,
            b"printf '\\344\\275\\240\\345\\245\\275 %s\\n' ok; stty size; printf 'term-%s\\n' \"$TERM\"\n",
        )
        .await;
    terminal.read_until("你好 ok").await;
    terminal.read_until("24 80").await;
    terminal.read_until("term-xterm-256color").await;

    resize(&api, terminal.id, 100, 30).await;
    terminal.write(&api, b"stty size\n").await;
    terminal.read_until("30 100").await;

    interrupt_sleep(&api, &mut terminal).await;

    terminal.write(&api, b"exit\n").await;
    assert_eq!(
        terminal.read_exit().await,
        TerminalExit::Exited { status: 0 },
        "exit ends the shell with status 0; the terminal printed: {}",
        terminal.transcript()
    );
    wait_until_no_terminals(&api).await;

    let late = api.terminal_write(terminal.id, b"echo late\n".to_vec()).await;
    let err = late.expect_err("writing to an ended terminal fails");
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err}");
    assert_eq!(err.params.get("field").map(String::as_str), Some("terminal"), "{err}");

    api.host_remove(&host.id)
        .await
        .unwrap_or_else(|err| panic!("host_remove failed: {err}"));
}

#[tokio::test]
async fn shell_terminal_close_from_app() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_key_host(&api, &lab, &common::unique_name("term-close")).await;

    let mut terminal = Terminal::open(&api, &host.id, TerminalTarget::Shell, 80, 24).await;
    terminal.write(&api, b"printf 'ready-%s\\n' yes\n").await;
    terminal.read_until("ready-yes").await;

    api.terminal_close(terminal.id);
    assert_eq!(
        terminal.read_exit().await,
        TerminalExit::ClosedByApp,
        "closing reports closedByApp"
    );
    wait_until_no_terminals(&api).await;
    api.terminal_close(terminal.id);

    let resize = api.terminal_resize(terminal.id, 100, 30).await;
    let err = resize.expect_err("resizing a closed terminal fails");
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err}");

    api.host_remove(&host.id)
        .await
        .unwrap_or_else(|err| panic!("host_remove failed: {err}"));
}

/// Interrupts a running `sleep` with Ctrl-C and checks that the prompt returns quickly and that
/// the shell saw status 130.
async fn interrupt_sleep(api: &Api, terminal: &mut Terminal) {
    // The marker is printed through a format string, so only the output contains it. It comes
    // from the process that then becomes `sleep`, so Ctrl-C cannot arrive in the gap between
    // the marker and the start of `sleep`, where the shell itself would take the interrupt and
    // then start `sleep` anyway.
    terminal
        .write(api, b"sh -c 'printf \"sleep-%s\\n\" started; exec sleep 30'\n")
        .await;
    terminal.read_until("sleep-started").await;
    let interrupted_at = Instant::now();
    terminal.write(api, &[0x03]).await;
    // A shell may drop input that it read while handling the interrupt (dash does), so the next
    // command waits for the prompt.
    terminal.read_until_within(PROMPT, INTERRUPT_DEADLINE).await;
    assert!(
        interrupted_at.elapsed() < INTERRUPT_DEADLINE,
        "the prompt returned {:?} after Ctrl-C",
        interrupted_at.elapsed()
    );
    terminal.write(api, b"printf 'status-%s\\n' $?\n").await;
    terminal.read_until("status-130").await;
}

/// Returns the command lines of a container's processes, as `docker top` lists them.
fn container_commands(container: &TestContainer) -> Vec<String> {
    let top = container.docker(&["top", &container.name]);
    let text = String::from_utf8_lossy(&top.stdout).into_owned();
    // The columns are UID PID PPID C STIME TTY TIME CMD, and only CMD contains spaces.
    text.lines()
        .skip(1)
        .map(|line| line.split_whitespace().skip(7).collect::<Vec<_>>().join(" "))
        .collect()
}

/// Returns whether process `pid` of the container's PID namespace exists.
fn container_process_exists(container: &TestContainer, pid: &str) -> bool {
    let script = format!("if [ -d /proc/{pid} ]; then echo exists; else echo gone; fi");
    let probe = container.docker(&["exec", &container.name, "sh", "-c", &script]);
    String::from_utf8_lossy(&probe.stdout).trim() == "exists"
}

/// Polls until the shell `pid` and every `sleep 600` are gone from the container, and panics
/// with the process list when they are not gone by the deadline.
async fn wait_until_shell_gone(container: &TestContainer, pid: &str) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let commands = container_commands(container);
        let shell_exists = container_process_exists(container, pid);
        let sleep_exists = commands.iter().any(|command| command == "sleep 600");
        if !shell_exists && !sleep_exists {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "after closing, shell {pid} exists: {shell_exists}, `sleep 600` exists: {sleep_exists}; \
             docker top lists {commands:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens a container terminal, runs `prepare` in its shell, starts `sleep 600` in the
/// foreground when `with_sleep` is set, closes the terminal from the app and checks that neither
/// the shell nor the sleep survive.
async fn close_and_check_shell_gone(
    api: &Api,
    host_id: &str,
    container: &TestContainer,
    prepare: &[u8],
    with_sleep: bool,
) {
    let target = TerminalTarget::Container {
        id: container.name.clone(),
    };
    let mut terminal = Terminal::open(api, host_id, target, 80, 24).await;
    terminal.write(api, prepare).await;
    // Only the output contains `shell-pid-`, because the command line has `shell-%s-`.
    terminal.write(api, b"printf 'shell-%s-%s\\n' pid \"$$\"\n").await;
    let pid = terminal.read_value_after("shell-pid-").await;
    assert!(
        !pid.is_empty() && pid.bytes().all(|byte| byte.is_ascii_digit()),
        "the shell printed '{pid}' as its pid: {}",
        terminal.transcript()
    );
    if with_sleep {
        terminal
            .write(api, b"sh -c 'printf \"sleep-%s\\n\" started; exec sleep 600'\n")
            .await;
        terminal.read_until("sleep-started").await;
    }

    let before = container_commands(container);
    assert!(
        before.iter().any(|command| command == "sh"),
        "docker top lists no terminal shell: {before:?}"
    );
    assert_eq!(
        before.iter().any(|command| command == "sleep 600"),
        with_sleep,
        "docker top lists `sleep 600` only when the test started it: {before:?}"
    );
    assert!(
        container_process_exists(container, &pid),
        "shell {pid} is not in the container"
    );

    api.terminal_close(terminal.id);
    assert_eq!(
        terminal.read_exit().await,
        TerminalExit::ClosedByApp,
        "closing reports closedByApp"
    );
    wait_until_shell_gone(container, &pid).await;
    let after = container_commands(container);
    assert!(
        !after.iter().any(|command| command == "sh"),
        "a terminal shell is left after closing: {after:?}"
    );
}

/// Opens a terminal in `container`, which must fail, and returns the error.
async fn open_container_error(api: &Api, host_id: &str, container: &str) -> IpcError {
    let sink: Sink<TerminalEvent> = Box::new(|_| true);
    let target = TerminalTarget::Container {
        id: container.to_string(),
    };
    match api.terminal_open(host_id, target, 80, 24, sink).await {
        Ok(id) => panic!("terminal {id} opened in container '{container}', which must fail"),
        Err(err) => err,
    }
}

#[tokio::test]
async fn container_terminal_utf8_resize_interrupt_exit() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_key_host(&api, &lab, &common::unique_name("term-exec")).await;
    let container = lab.var("LAB_WEB_CONTAINER");

    let target = TerminalTarget::Container { id: container.clone() };
    let mut terminal = Terminal::open(&api, &host.id, target, 80, 24).await;
    assert_eq!(api.terminals().len(), 1, "the open terminal is registered");
    terminal.write(&api, SET_PROMPT).await;
    terminal.read_until(PROMPT).await;

    terminal.write(&api, "echo 你好\n".as_bytes()).await;
    // The echoed command line has `echo ` before the word, so this matches only the output line.
    terminal.read_until("\r\n你好\r\n").await;
    terminal
        .write(&api, b"stty size; printf 'term-%s\\n' \"$TERM\"\n")
        .await;
    terminal.read_until("24 80").await;
    terminal.read_until("term-xterm-256color").await;

    // The resize is queued before the command, and the engine has applied it when its request
    // returns, so the first `stty size` already reports it.
    resize(&api, terminal.id, 100, 30).await;
    terminal.write(&api, b"stty size\n").await;
    terminal.read_until("30 100").await;

    interrupt_sleep(&api, &mut terminal).await;

    terminal.write(&api, b"exit 3\n").await;
    assert_eq!(
        terminal.read_exit().await,
        TerminalExit::Exited { status: 3 },
        "the exec's exit code is the shell's status; the terminal printed: {}",
        terminal.transcript()
    );
    wait_until_no_terminals(&api).await;

    let late = api.terminal_write(terminal.id, b"echo late\n".to_vec()).await;
    let err = late.expect_err("writing to an ended terminal fails");
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err}");

    api.host_remove(&host.id)
        .await
        .unwrap_or_else(|err| panic!("host_remove failed: {err}"));
}

#[tokio::test]
async fn container_terminal_binary_output_unchanged() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_key_host(&api, &lab, &common::unique_name("term-bin")).await;
    let target = TerminalTarget::Container {
        id: lab.var("LAB_WEB_CONTAINER"),
    };
    let mut terminal = Terminal::open(&api, &host.id, target, 80, 24).await;

    // Each `sleep` makes the engine send the next printf's bytes as a chunk of their own, so
    // chunks start with bytes 0, 2 and 1, which a raw stream decoder could read as frame headers.
    terminal
        .write(
            &api,
            b"printf 'bin-%s\\n' start; sleep 0.2; printf '\\000\\001\\002abcdefgh'; sleep 0.2; \
              printf '\\002\\000\\001tail\\n'; sleep 0.2; printf '\\001bin-%s\\n' end\n",
        )
        .await;
    terminal.read_until("bin-start\r\n").await;
    let start = terminal.cursor;
    terminal.read_until("bin-end\r\n").await;
    let received = terminal.output[start..terminal.cursor].to_vec();
    assert_eq!(
        received,
        b"\x00\x01\x02abcdefgh\x02\x00\x01tail\r\n\x01bin-end\r\n".to_vec(),
        "the bytes between the markers changed"
    );

    api.terminal_close(terminal.id);
    assert_eq!(terminal.read_exit().await, TerminalExit::ClosedByApp);
    api.host_remove(&host.id)
        .await
        .unwrap_or_else(|err| panic!("host_remove failed: {err}"));
}

#[tokio::test]
async fn container_terminal_passes_ctrl_p_ctrl_q() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_key_host(&api, &lab, &common::unique_name("term-keys")).await;
    let target = TerminalTarget::Container {
        id: lab.var("LAB_WEB_CONTAINER"),
    };
    let mut terminal = Terminal::open(&api, &host.id, target, 80, 24).await;

    // In raw mode the TTY hands every byte to `head` as it arrives and does not take Ctrl-Q as
    // flow control. `od` prints the bytes in hex, and raw mode also stops turning `\n` into
    // `\r\n`.
    let read_keys = |count: u8| {
        format!("stty raw -echo; printf 'raw-%s\\r\\n' ready; head -c {count} | od -An -tx1; stty sane\n").into_bytes()
    };

    // Ctrl-P alone must arrive at once: Docker's default detach keys would hold it back until
    // the next key.
    terminal.write(&api, &read_keys(1)).await;
    terminal.read_until("raw-ready").await;
    terminal.write(&api, &[0x10]).await;
    terminal.read_until(" 10\n").await;

    // Ctrl-P then Ctrl-Q, typed as two keys, is Docker's default detach sequence.
    terminal.write(&api, &read_keys(2)).await;
    terminal.read_until("raw-ready").await;
    terminal.write(&api, &[0x10]).await;
    terminal.write(&api, &[0x11]).await;
    terminal.read_until(" 10 11\n").await;

    // The same two keys in one write, as a paste delivers them.
    terminal.write(&api, &read_keys(2)).await;
    terminal.read_until("raw-ready").await;
    terminal.write(&api, &[0x10, 0x11]).await;
    terminal.read_until(" 10 11\n").await;

    terminal.write(&api, b"printf 'alive-%s\\n' yes\n").await;
    terminal.read_until("alive-yes").await;
    terminal.write(&api, b"exit\n").await;
    assert_eq!(
        terminal.read_exit().await,
        TerminalExit::Exited { status: 0 },
        "the shell still ran after the keys; the terminal printed: {}",
        terminal.transcript()
    );

    api.host_remove(&host.id)
        .await
        .unwrap_or_else(|err| panic!("host_remove failed: {err}"));
}

#[tokio::test]
async fn container_terminal_close_ends_shell() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_key_host(&api, &lab, &common::unique_name("term-end")).await;
    let container = TestContainer::start(&lab, &common::unique_name("term-end"));

    // SIGHUP ends the shell, and the kernel hangs up its foreground `sleep`.
    close_and_check_shell_gone(&api, &host.id, &container, b"\n", true).await;
    // A shell that ignores SIGHUP gets SIGKILL after a short wait. Its children would inherit
    // the ignored SIGHUP and outlive it, as under `nohup`, so none is started.
    close_and_check_shell_gone(&api, &host.id, &container, b"trap '' HUP\n", false).await;
    wait_until_no_terminals(&api).await;

    api.host_remove(&host.id)
        .await
        .unwrap_or_else(|err| panic!("host_remove failed: {err}"));
}

#[tokio::test]
async fn container_terminal_connection_drop_reports_lost() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_key_host(&api, &lab, &common::unique_name("term-drop")).await;
    // A container of its own, because the shell outlives the lost connection.
    let container = TestContainer::start(&lab, &common::unique_name("term-drop"));
    let target = TerminalTarget::Container {
        id: container.name.clone(),
    };
    let mut terminal = Terminal::open(&api, &host.id, target, 80, 24).await;
    terminal.write(&api, b"printf 'ready-%s\\n' yes\n").await;
    terminal.read_until("ready-yes").await;

    // Closes the pooled SSH connection that carries the terminal's exec stream.
    api.host_service().drop_connection(&host.id).await;
    assert_eq!(
        terminal.read_exit().await,
        TerminalExit::ConnectionLost,
        "the terminal printed: {}",
        terminal.transcript()
    );
    wait_until_no_terminals(&api).await;

    api.host_remove(&host.id)
        .await
        .unwrap_or_else(|err| panic!("host_remove failed: {err}"));
}

#[tokio::test]
async fn container_terminal_not_running_errors() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_key_host(&api, &lab, &common::unique_name("term-stopped")).await;
    let container = TestContainer::start(&lab, &common::unique_name("term-stopped"));

    container.docker(&["pause", &container.name]);
    let err = open_container_error(&api, &host.id, &container.name).await;
    assert_eq!(err.code, ErrorCode::ContainerNotRunning, "{err}");
    assert_eq!(err.params.get("state").map(String::as_str), Some("paused"), "{err}");
    assert_eq!(
        err.params.get("container"),
        Some(&container.name),
        "the error names the container: {err}"
    );
    container.docker(&["unpause", &container.name]);

    container.docker(&["stop", "--time", "5", &container.name]);
    let err = open_container_error(&api, &host.id, &container.name).await;
    assert_eq!(err.code, ErrorCode::ContainerNotRunning, "{err}");
    assert_eq!(err.params.get("state").map(String::as_str), Some("exited"), "{err}");
    assert!(api.terminals().is_empty(), "failed opens leave no terminal behind");

    api.host_remove(&host.id)
        .await
        .unwrap_or_else(|err| panic!("host_remove failed: {err}"));
}

#[tokio::test]
async fn container_terminal_without_sh_errors() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_key_host(&api, &lab, &common::unique_name("term-nosh")).await;
    let container = TestContainer::start(&lab, &common::unique_name("term-nosh"));
    // The lab image is busybox with applet links, so without the `sh` link no sh is on PATH.
    container.docker(&["exec", &container.name, "rm", "/bin/sh"]);

    let err = open_container_error(&api, &host.id, &container.name).await;
    assert_eq!(err.code, ErrorCode::ContainerShellMissing, "{err}");
    assert_eq!(err.params.get("container"), Some(&container.name), "{err}");
    let detail = err.params.get("detail").cloned().unwrap_or_default();
    assert!(
        detail.contains("\"sh\""),
        "the detail repeats Docker's message: {detail}"
    );
    assert!(api.terminals().is_empty(), "failed opens leave no terminal behind");

    api.host_remove(&host.id)
        .await
        .unwrap_or_else(|err| panic!("host_remove failed: {err}"));
}

#[tokio::test]
async fn container_terminal_errors_before_opening() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_key_host(&api, &lab, &common::unique_name("term-bad")).await;

    let cases = [
        ("--privileged", ErrorCode::InvalidInput),
        ("a;reboot", ErrorCode::InvalidInput),
        ("homeport-no-such-container", ErrorCode::ContainerNotFound),
    ];
    for (container, code) in cases {
        let sink: Sink<TerminalEvent> = Box::new(|_| true);
        let target = TerminalTarget::Container {
            id: container.to_string(),
        };
        let result = api.terminal_open(&host.id, target, 80, 24, sink).await;
        let err = result.expect_err("the terminal must not open");
        assert_eq!(err.code, code, "container '{container}': {err}");
    }

    for (cols, rows) in [(0, 24), (80, 0), (5000, 24)] {
        let sink: Sink<TerminalEvent> = Box::new(|_| true);
        let result = api
            .terminal_open(&host.id, TerminalTarget::Shell, cols, rows, sink)
            .await;
        let err = result.expect_err("a terminal of size 0 or above the maximum must not open");
        assert_eq!(err.code, ErrorCode::InvalidInput, "{cols}x{rows}: {err}");
    }
    assert!(api.terminals().is_empty(), "failed opens leave no terminal behind");

    api.host_remove(&host.id)
        .await
        .unwrap_or_else(|err| panic!("host_remove failed: {err}"));
}

//! Terminals against the real test lab (`tests/lab/lab.sh up`): a login shell on the key-only
//! sshd and `docker exec` into the lab's `hp-web` container.
//!
//! Like `lab.rs`, every test skips when `HOMEPORT_LAB_ENV` is unset and panics when it names an
//! unreadable file. The key host needs no keychain entry, so these tests do not touch the
//! Secret Service. Each test has its own data folder and host name.

mod common;

use std::path::Path;
use std::time::Duration;

use common::Lab;
use homeport_api::{
    Api, AuthMethod, HostInput, HostView, Sink, TerminalEvent, TerminalExit, TerminalId, TerminalTarget,
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
    // The quotes split the prompt in the echoed command line, so only a prompt matches PROMPT.
    terminal.write(&api, b"PS1='hp''prompt> '\n").await;
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

    // The marker is printed through a format string, so only the output contains it. It comes
    // from the process that then becomes `sleep`, so Ctrl-C cannot arrive in the gap between
    // the marker and the start of `sleep`, where the shell itself would take the interrupt and
    // then start `sleep` anyway.
    terminal
        .write(&api, b"sh -c 'printf \"sleep-%s\\n\" started; exec sleep 30'\n")
        .await;
    terminal.read_until("sleep-started").await;
    let interrupted_at = Instant::now();
    terminal.write(&api, &[0x03]).await;
    // dash drops input that it read while handling the interrupt, so the next command waits
    // for the prompt.
    terminal.read_until_within(PROMPT, INTERRUPT_DEADLINE).await;
    assert!(
        interrupted_at.elapsed() < INTERRUPT_DEADLINE,
        "the prompt returned {:?} after Ctrl-C",
        interrupted_at.elapsed()
    );
    terminal.write(&api, b"printf 'status-%s\\n' $?\n").await;
    terminal.read_until("status-130").await;

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

#[tokio::test]
async fn container_terminal_runs_docker_exec() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_key_host(&api, &lab, &common::unique_name("term-exec")).await;
    let container = lab.var("LAB_WEB_CONTAINER");

    let target = TerminalTarget::Container { id: container.clone() };
    let mut terminal = Terminal::open(&api, &host.id, target, 80, 24).await;
    terminal.write(&api, "echo 容器\n".as_bytes()).await;
    // The echoed command line has `echo ` before the word, so this matches only the output line.
    terminal.read_until("\r\n容器\r\n").await;
    terminal.write(&api, b"stty size\n").await;
    terminal.read_until("24 80").await;

    // The docker CLI forwards the size when SIGWINCH reaches it, but it can miss a change that
    // arrives while it is still starting. Each retry therefore changes the size away and back.
    let deadline = Instant::now() + DEADLINE;
    for attempt in 1.. {
        if attempt > 1 {
            resize(&api, terminal.id, 99, 29).await;
        }
        resize(&api, terminal.id, 100, 30).await;

        // Only the output contains `size<attempt>-`, because the command line has `size%s-`.
        let command = format!("printf 'size%s-%s\\n' {attempt} \"$(stty size)\"\n");
        terminal.write(&api, command.as_bytes()).await;
        terminal.read_until(&format!("size{attempt}-")).await;
        let size_start = terminal.cursor;
        terminal.read_until("\r\n").await;
        let size = String::from_utf8_lossy(&terminal.output[size_start..terminal.cursor - 2]).into_owned();
        if size == "30 100" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "stty size in the container never reported 30 100: {}",
            terminal.transcript()
        );
    }

    terminal.write(&api, b"exit 3\n").await;
    assert_eq!(
        terminal.read_exit().await,
        TerminalExit::Exited { status: 3 },
        "docker exec passes the shell's exit status on; the terminal printed: {}",
        terminal.transcript()
    );
    wait_until_no_terminals(&api).await;

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

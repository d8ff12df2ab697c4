//! Start-up to first paint and idle memory of one app launch.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::memory::{self, TreeMemory};
use crate::screen::{Rect, Screen};

/// The time between two screenshots while waiting for the first paint.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// A window counts as painted once the luma inside it varies by more than this standard
/// deviation (0–255 scale). An unmapped screen or a blank window has a deviation of 0.
pub const PAINT_THRESHOLD: f64 = 2.0;

const PAINT_TIMEOUT: Duration = Duration::from_secs(60);
const BLANK_SCREEN_TIMEOUT: Duration = Duration::from_secs(15);
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// What one launch measured.
#[derive(Debug, Clone)]
pub struct Launch {
    pub first_paint: Duration,
    pub window: Rect,
    pub memory: TreeMemory,
}

/// One app binary under test.
pub struct AppUnderTest {
    pub label: &'static str,
    pub binary: PathBuf,
}

/// Launches `app` with fresh state folders, waits for the first paint, waits `idle`, reads
/// the memory of its process tree and stops it. `run` numbers the log file and screenshot.
pub fn measure_launch(
    screen: &Screen,
    app: &AppUnderTest,
    run: usize,
    idle: Duration,
    work_dir: &Path,
) -> Result<Launch, String> {
    let background = wait_for_blank_screen(screen)?;
    let state = tempfile::tempdir().map_err(|err| format!("cannot create a temp dir: {err}"))?;
    let log_path = work_dir.join("logs").join(format!("{}-{run}.log", app.label));
    let log = File::create(&log_path).map_err(|err| format!("cannot create '{}': {err}", log_path.display()))?;
    let log_for_stderr = log
        .try_clone()
        .map_err(|err| format!("cannot reuse '{}': {err}", log_path.display()))?;

    let mut command = Command::new(&app.binary);
    command
        .env("HOMEPORT_DATA_DIR", state.path().join("data"))
        .env("XDG_DATA_HOME", state.path().join("xdg-data"))
        .env("XDG_CACHE_HOME", state.path().join("xdg-cache"))
        .env("XDG_CONFIG_HOME", state.path().join("xdg-config"))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_for_stderr)
        .process_group(0);

    let started = Instant::now();
    let child = command
        .spawn()
        .map_err(|err| format!("cannot start {} '{}': {err}", app.label, app.binary.display()))?;
    let mut running = RunningApp { child, stopped: false };

    let (first_paint, window) =
        wait_for_first_paint(screen, &mut running, background, started, app, run, work_dir, &log_path)?;

    let idle_end = started + first_paint + idle;
    while Instant::now() < idle_end {
        if let Ok(Some(status)) = running.child.try_wait() {
            return Err(format!(
                "{} exited with {status} while idle; see {}",
                app.label,
                log_path.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(200).min(idle_end.saturating_duration_since(Instant::now())));
    }
    let memory = memory::tree_memory(running.child.id());

    running.stop();
    Ok(Launch {
        first_paint,
        window,
        memory,
    })
}

/// Polls screenshots until the window shows varying content. Returns the time since `started`
/// at which the successful screenshot began, and the window's rectangle.
#[allow(clippy::too_many_arguments)]
fn wait_for_first_paint(
    screen: &Screen,
    running: &mut RunningApp,
    background: u32,
    started: Instant,
    app: &AppUnderTest,
    run: usize,
    work_dir: &Path,
    log_path: &Path,
) -> Result<(Duration, Rect), String> {
    loop {
        if let Ok(Some(status)) = running.child.try_wait() {
            return Err(format!(
                "{} exited with {status} before its first paint; see {}",
                app.label,
                log_path.display()
            ));
        }
        let captured = Instant::now();
        if captured - started > PAINT_TIMEOUT {
            return Err(format!(
                "{} showed no content within {} s; see {}",
                app.label,
                PAINT_TIMEOUT.as_secs(),
                log_path.display()
            ));
        }

        let frame = screen.capture()?;
        // The window is the area that differs from the empty root window.
        if let Some(window) = frame.content_box(background) {
            if frame.luma_std_dev(window) > PAINT_THRESHOLD {
                // Kept for checking what counted as the first paint, e.g. a frame read while
                // Xvfb was still copying the window into the framebuffer.
                let path = work_dir
                    .join("screenshots")
                    .join(format!("{}-{run}-first-paint.ppm", app.label));
                frame
                    .write_ppm(&path)
                    .map_err(|err| format!("cannot write '{}': {err}", path.display()))?;
                return Ok((captured - started, window));
            }
        }
        std::thread::sleep(POLL_INTERVAL.saturating_sub(captured.elapsed()));
    }
}

/// Waits until the previous window is gone and returns the colour of the empty screen.
fn wait_for_blank_screen(screen: &Screen) -> Result<u32, String> {
    let deadline = Instant::now() + BLANK_SCREEN_TIMEOUT;
    loop {
        let frame = screen.capture()?;
        if frame.is_uniform() {
            return Ok(frame.pixels.first().copied().unwrap_or(0));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the screen still shows a window after {} s; another program may be drawing on this display",
                BLANK_SCREEN_TIMEOUT.as_secs()
            ));
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

/// A launched app in its own process group. Dropping it stops the whole tree.
struct RunningApp {
    child: Child,
    stopped: bool,
}

impl RunningApp {
    /// Sends SIGTERM to the app's process group, then SIGKILL to whatever of the tree is
    /// still running after 5 s. WebKit's helper processes inherit the group, but they are
    /// also signalled one by one in case one left it.
    fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let group = self.child.id();
        let tree = memory::descendants(group);

        signal_group(group, libc::SIGTERM);
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            let child_done = matches!(self.child.try_wait(), Ok(Some(_)));
            let others_done = tree.iter().skip(1).all(|&pid| !memory::is_running(pid));
            if child_done && others_done {
                return;
            }
            if Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }

        eprintln!(
            "homeport-bench: process group {group} ignored SIGTERM for {} s; sending SIGKILL",
            STOP_TIMEOUT.as_secs()
        );
        signal_group(group, libc::SIGKILL);
        for &pid in tree.iter().skip(1) {
            if memory::is_running(pid) {
                // SAFETY: kill(2) has no memory-safety preconditions. The pid was read from
                // this app's own process tree a moment ago.
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            }
        }
        let _ = self.child.wait();
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        self.stop();
    }
}

fn signal_group(group: u32, signal: libc::c_int) {
    // SAFETY: killpg(2) has no memory-safety preconditions. The group was created for this
    // launch by `process_group(0)`, so its id is the child's pid.
    unsafe { libc::killpg(group as libc::pid_t, signal) };
}

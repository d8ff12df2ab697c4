//! Runs the `homeport` binary for the CLI tests that need no lab harness of their own.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long one `homeport` run may take; the slowest (a rollout scan) waits 5 s per host.
const RUN_DEADLINE: Duration = Duration::from_secs(60);

/// Runs `homeport ARGS…` with its own data folder in the C locale, killing it after
/// [`RUN_DEADLINE`].
pub fn homeport(data_dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_homeport"))
        .args(args)
        .env("HOMEPORT_DATA_DIR", data_dir)
        .env("LC_ALL", "C")
        .env_remove("LANG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start homeport {args:?}: {err}"));
    let deadline = Instant::now() + RUN_DEADLINE;
    while child.try_wait().expect("status").is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("homeport {args:?} did not finish within {RUN_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// Parses a successful run's stdout as JSON; `step` names the run in failures.
pub fn json(output: &Output, step: &str) -> Value {
    assert!(
        output.status.success(),
        "{step} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "{step}: stdout is not JSON ({err}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// Parses a failed `--json` run's stderr, where the CLI prints its error as JSON.
// Not every test binary that includes this module checks failures.
#[allow(dead_code)]
pub fn stderr_json(output: &Output) -> Value {
    assert!(
        !output.status.success(),
        "the run succeeded: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    serde_json::from_slice(&output.stderr).unwrap_or_else(|err| {
        panic!(
            "stderr is not JSON ({err}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

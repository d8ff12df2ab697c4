//! The desktop shell around the screens. The first window shows the About section's version,
//! and update checks are off in a new installation. A second launch on the same data folder
//! hands over to the running app and exits, and the CLI can write to the database meanwhile.
//!
//! tests/package/deb_test.sh runs these against the installed package
//! (`HOMEPORT_E2E_APP=/usr/bin/homeport-app`, `HOMEPORT_E2E_VERSION` from the .deb).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use homeport_e2e::{app_binary, Lab, Session};

/// How long a second launch may take to hand over and exit.
const SECOND_LAUNCH_LIMIT: Duration = Duration::from_secs(30);

/// The version the About section must show: the package's when testing a .deb.
fn expected_version() -> String {
    std::env::var("HOMEPORT_E2E_VERSION").unwrap_or_else(|_| env!("CARGO_PKG_VERSION").to_string())
}

/// Returns the CLI beside the app binary: /usr/bin/homeport for the package, target/debug/homeport
/// for a build.
fn cli_binary(app: &Path) -> PathBuf {
    app.with_file_name("homeport")
}

/// Runs the app binary directly, without WebDriver, on the session's folders.
fn launch_again(app: &Path, home: &Path) -> std::process::Child {
    Command::new(app)
        .env("HOMEPORT_DATA_DIR", home.join("data"))
        .env("XDG_DATA_HOME", home.join("xdg-data"))
        .env("XDG_CACHE_HOME", home.join("xdg-cache"))
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", app.display()))
}

#[tokio::test]
async fn window_shows_version_and_updates_off() {
    let Some(app) = app_binary() else { return };
    let session = Session::start(&app, &[]).await;

    let title = session.client.title().await.expect("window title");
    assert_eq!(title, "Homeport");

    session.click("[data-testid=nav-settings]").await;
    let version = expected_version();
    session
        .wait_for_text("[data-testid=app-version]", &format!("version {version}"), |text| {
            text == version
        })
        .await;
    let commit = session.wait_for("[data-testid=app-commit]").await.text().await.unwrap();
    assert!(!commit.trim().is_empty(), "the About section shows no commit");

    let (checked, _) = session.checkbox_state("[data-testid=check-updates]").await;
    assert!(!checked, "update checks must be off in a new installation");
    let (minimized, _) = session.checkbox_state("[data-testid=start-minimized]").await;
    assert!(!minimized, "starting in the tray must be off in a new installation");

    session.close().await;
}

#[tokio::test]
async fn second_launch_hands_over_and_exits() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    let session = Session::start(&app, &[]).await;

    let mut second = launch_again(&app, session.home());
    let deadline = Instant::now() + SECOND_LAUNCH_LIMIT;
    let status = loop {
        if let Some(status) = second.try_wait().expect("wait for the second launch") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = second.kill();
            let _ = second.wait();
            panic!("the second launch was still running after {SECOND_LAUNCH_LIMIT:?}; it should hand over and exit");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        status.code(),
        Some(0),
        "the second launch must exit with code 0: {status}"
    );

    // The CLI writes to the same database while the app runs, and the app reads the result.
    let name = format!("while-running-{}", std::process::id());
    let output = Command::new(cli_binary(&app))
        .args([
            "host",
            "add-engine",
            "--name",
            &name,
            "--socket",
            &lab.get("LAB_DOCKER_SOCK"),
        ])
        .env("HOMEPORT_DATA_DIR", session.home().join("data"))
        .output()
        .expect("run the CLI");
    assert!(
        output.status.success(),
        "homeport host add-engine failed while the app runs: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    // The first app still responds, and shows the host the CLI added.
    session.click("[data-testid=nav-hosts]").await;
    session
        .wait_for(&format!("[data-testid=host-row][data-host-name='{name}']"))
        .await;

    session.close().await;
}

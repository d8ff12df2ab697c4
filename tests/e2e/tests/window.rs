//! The desktop app in a real window: add an SSH host, trust its key, control a container,
//! read its logs, switch the language, and refuse a rotated host key.

use std::path::PathBuf;

use homeport_e2e::{app_binary, scanned_fingerprint, Lab, Session, TestContainer};

/// Fills the add-host form for a lab host with key authentication and saves it.
async fn add_key_host(session: &Session, lab: &Lab, name: &str, host_var: &str, port_var: &str, user_var: &str) {
    session.click("[data-testid=nav-hosts]").await;
    session.click("[data-testid=add-host]").await;
    session.fill("[data-testid=host-name]", name).await;
    session.fill("[data-testid=host-address]", &lab.get(host_var)).await;
    session.fill("[data-testid=host-port]", &lab.get(port_var)).await;
    session.fill("[data-testid=host-user]", &lab.get(user_var)).await;
    session.select("[data-testid=host-auth]", "key").await;
    session
        .fill("[data-testid=host-key-path]", &lab.get("LAB_SSH_CLIENT_KEY"))
        .await;
    session
        .fill("[data-testid=host-docker-socket]", &lab.get("LAB_DOCKER_SOCK"))
        .await;
    session.click("[data-testid=host-save]").await;
}

/// Accepts the trust dialog after checking it shows the key sshd really serves.
async fn trust_shown_key(session: &Session, expected: &str) {
    session.wait_for("[data-testid=hostkey-dialog]").await;
    let shown = session
        .wait_for_text("[data-testid=hostkey-fingerprint]", "a fingerprint", |text| {
            text.starts_with("SHA256:")
        })
        .await;
    assert_eq!(
        shown.trim(),
        expected,
        "the dialog shows the fingerprint ssh-keyscan reports"
    );
    session.click("[data-testid=hostkey-trust]").await;
}

#[tokio::test]
async fn add_host_trust_key_and_control_container() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    let container = TestContainer::start(&lab, "e2e-web");
    let session = Session::start(&app, &[]).await;

    add_key_host(
        &session,
        &lab,
        "lab-e2e",
        "LAB_SSH_KEY_HOST",
        "LAB_SSH_KEY_PORT",
        "LAB_SSH_KEY_USER",
    )
    .await;
    let expected = scanned_fingerprint(&lab.get("LAB_SSH_KEY_HOST"), &lab.get("LAB_SSH_KEY_PORT"));
    trust_shown_key(&session, &expected).await;

    session
        .click("[data-testid=host-row][data-host-name=lab-e2e] [data-testid=host-open]")
        .await;
    let row = format!("[data-testid=container-row][data-container-name='{}']", container.name);
    session
        .wait_for_attr(&format!("{row} [data-testid=container-state]"), "data-state", "running")
        .await;
    if let Some(dir) = std::env::var_os("HOMEPORT_E2E_SCREENSHOTS") {
        session.screenshot(&PathBuf::from(dir).join("containers-en.png")).await;
    }

    session.click(&format!("{row} [data-testid=container-stop]")).await;
    session
        .wait_for_attr(&format!("{row} [data-testid=container-state]"), "data-state", "exited")
        .await;

    session.click(&format!("{row} [data-testid=container-start]")).await;
    session
        .wait_for_attr(&format!("{row} [data-testid=container-state]"), "data-state", "running")
        .await;

    session.click(&format!("{row} [data-testid=container-logs]")).await;
    session
        .wait_for_text("[data-testid=logs-output]", "the container's output", |text| {
            text.contains("e2e line")
        })
        .await;
    session.click("[data-testid=logs-close]").await;

    session.close().await;
}

#[tokio::test]
async fn chinese_ui_shows_containers() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    let container = TestContainer::start(&lab, "e2e-zh");
    let session = Session::start(&app, &[]).await;

    session.click("[data-testid=nav-settings]").await;
    session.select("[data-testid=language-select]", "zh-CN").await;
    session
        .wait_for_text("[data-testid=nav-hosts]", "the Chinese label", |text| {
            text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        })
        .await;

    add_key_host(
        &session,
        &lab,
        "lab-zh",
        "LAB_SSH_KEY_HOST",
        "LAB_SSH_KEY_PORT",
        "LAB_SSH_KEY_USER",
    )
    .await;
    let expected = scanned_fingerprint(&lab.get("LAB_SSH_KEY_HOST"), &lab.get("LAB_SSH_KEY_PORT"));
    trust_shown_key(&session, &expected).await;
    session
        .click("[data-testid=host-row][data-host-name=lab-zh] [data-testid=host-open]")
        .await;
    let row = format!("[data-testid=container-row][data-container-name='{}']", container.name);
    session
        .wait_for_attr(&format!("{row} [data-testid=container-state]"), "data-state", "running")
        .await;
    if let Some(dir) = std::env::var_os("HOMEPORT_E2E_SCREENSHOTS") {
        session
            .screenshot(&PathBuf::from(dir).join("containers-zh-CN.png"))
            .await;
    }

    session.close().await;
}

#[tokio::test]
async fn rotated_host_key_is_refused() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    let session = Session::start(&app, &[]).await;
    let host = lab.get("LAB_SSH_ROTATE_HOST");
    let port = lab.get("LAB_SSH_ROTATE_PORT");

    add_key_host(
        &session,
        &lab,
        "rotating",
        "LAB_SSH_ROTATE_HOST",
        "LAB_SSH_ROTATE_PORT",
        "LAB_SSH_ROTATE_USER",
    )
    .await;
    let old = scanned_fingerprint(&host, &port);
    trust_shown_key(&session, &old).await;
    session
        .wait_for("[data-testid=host-row][data-host-name=rotating]")
        .await;

    let lab_script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../lab/lab.sh");
    let status = std::process::Command::new(lab_script)
        .arg("rotate-key")
        .status()
        .expect("lab.sh runs");
    assert!(status.success(), "lab.sh rotate-key failed");
    let new = scanned_fingerprint(&host, &port);
    assert_ne!(old, new, "the lab served a new key");

    session
        .click("[data-testid=host-row][data-host-name=rotating] [data-testid=host-check]")
        .await;
    session
        .wait_for_attr(
            "[data-testid=host-row][data-host-name=rotating] [data-testid=error-banner]",
            "data-error-code",
            "HostKeyChanged",
        )
        .await;
    session
        .click("[data-testid=host-row][data-host-name=rotating] [data-testid=host-review-key]")
        .await;
    let shown_old = session
        .wait_for_text("[data-testid=hostkey-old-fingerprint]", "the old key", |t| {
            t.contains("SHA256:")
        })
        .await;
    let shown_new = session
        .wait_for_text("[data-testid=hostkey-new-fingerprint]", "the new key", |t| {
            t.contains("SHA256:")
        })
        .await;
    assert_eq!(shown_old.trim(), old, "the dialog names the trusted key");
    assert_eq!(
        shown_new.trim(),
        new,
        "the dialog names the key the server presents now"
    );

    session.close().await;
}

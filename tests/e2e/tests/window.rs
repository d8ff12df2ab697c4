//! The desktop app in a real window: add an SSH host, trust its key, control a container,
//! read its logs, switch the language, refuse a rotated host key, import hosts from an
//! ssh_config into the fleet view, and import a Docker context with TLS in the Chinese UI.
//! The Files dialog copies a file to a host and back over SFTP, and cancels an upload.
//! A project started with docker-compose 1.29 stops and goes down from the Stacks screen, and
//! the Catalog previews a template in Chinese. The orchestrator wizard recommends a platform
//! and highlights its matrix row, and the rollout plan detects a proxy and keeps a tick made by
//! hand across a restart.

use std::path::{Path, PathBuf};

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

/// Adds the lab's key-only sshd host under `name`, trusts the key ssh-keyscan reports, and
/// waits until the form closes.
async fn add_trusted_key_host(session: &Session, lab: &Lab, name: &str) {
    add_key_host(
        session,
        lab,
        name,
        "LAB_SSH_KEY_HOST",
        "LAB_SSH_KEY_PORT",
        "LAB_SSH_KEY_USER",
    )
    .await;
    let expected = scanned_fingerprint(&lab.get("LAB_SSH_KEY_HOST"), &lab.get("LAB_SSH_KEY_PORT"));
    trust_shown_key(session, &expected).await;
    session.wait_until_gone("[data-testid=host-form]").await;
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

    // A shell on the host in a terminal tab: the command prints UTF-8 bytes that only render
    // as Chinese when the stream is decoded across packets correctly.
    session.click("[data-testid=nav-hosts]").await;
    session
        .click("[data-testid=host-row][data-host-name=lab-e2e] [data-testid=host-terminal]")
        .await;
    session
        .wait_for_attr("[data-testid=terminal-view]", "data-phase", "open")
        .await;
    session
        .type_keys(
            "[data-testid=terminal-screen] .xterm-helper-textarea",
            "printf '\\344\\275\\240\\345\\245\\275 %s\\n' e2e-ok\n",
        )
        .await;
    session
        .wait_for_text(
            "[data-testid=terminal-screen] .xterm-rows",
            "the shell's output",
            |text| {
                // Wide characters take two cells, so the renderer may pad them; check both parts.
                text.contains("你好") && text.contains("e2e-ok")
            },
        )
        .await;
    session
        .type_keys("[data-testid=terminal-screen] .xterm-helper-textarea", "exit\n")
        .await;
    session
        .wait_for_attr("[data-testid=terminal-view]", "data-phase", "ended")
        .await;

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

/// Writes an ssh_config with a bastion and an inner host behind it, plus a copy of the lab's
/// known_hosts, into `dir`. Returns the paths of both files.
fn write_lab_ssh_config(lab: &Lab, dir: &Path) -> (PathBuf, PathBuf) {
    let config = format!(
        "Host bastion-e2e\n  HostName {jump_host}\n  Port {jump_port}\n\n\
         Host inner-e2e\n  HostName {inner_host}\n  Port {inner_port}\n  ProxyJump bastion-e2e\n\n\
         Host gone-e2e\n  HostName 127.0.0.9\n  Port 2299\n\n\
         Host *-e2e\n  User {user}\n  IdentityFile {key}\n",
        jump_host = lab.get("LAB_SSH_JUMP_HOST"),
        jump_port = lab.get("LAB_SSH_JUMP_PORT"),
        inner_host = lab.get("LAB_SSH_INNER_HOST"),
        inner_port = lab.get("LAB_SSH_INNER_PORT"),
        user = lab.get("LAB_SSH_KEY_USER"),
        key = lab.get("LAB_SSH_CLIENT_KEY"),
    );
    let config_path = dir.join("config");
    let known_hosts_path = dir.join("known_hosts");
    std::fs::write(&config_path, config).expect("write ssh_config");
    std::fs::copy(lab.get("LAB_SSH_KNOWN_HOSTS"), &known_hosts_path).expect("copy known_hosts");
    (config_path, known_hosts_path)
}

#[tokio::test]
async fn import_ssh_config_into_fleet() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    let ssh_dir = tempfile::tempdir().expect("temp dir");
    let (config, known_hosts) = write_lab_ssh_config(&lab, ssh_dir.path());
    // Saving an edited host deletes or stores its secret, so the app needs the lab's Secret
    // Service even for a host without a passphrase.
    let dbus_address = lab.get("LAB_DBUS_ADDRESS");
    let session = Session::start(&app, &[("DBUS_SESSION_BUS_ADDRESS", &dbus_address)]).await;

    session.click("[data-testid=nav-hosts]").await;
    session
        .open("[data-testid=import-open]", "[data-testid=import-config-path]")
        .await;
    session
        .fill("[data-testid=import-config-path]", &config.display().to_string())
        .await;
    session.click("[data-testid=import-advanced]").await;
    session
        .fill("[data-testid=import-known-hosts]", &known_hosts.display().to_string())
        .await;
    session.click("[data-testid=import-preview]").await;

    let bastion_row = "[data-testid=import-row][data-alias=bastion-e2e]";
    let inner_row = "[data-testid=import-row][data-alias=inner-e2e]";
    let jump = session
        .wait_for_text(
            &format!("{inner_row} [data-testid=import-jump]"),
            "the jump host",
            |text| !text.trim().is_empty(),
        )
        .await;
    assert_eq!(
        jump.trim(),
        "bastion-e2e",
        "the inner host is reached through the bastion"
    );
    session
        .wait_for_attr(
            &format!("{bastion_row} [data-testid=import-hostkey]"),
            "data-status",
            "known",
        )
        .await;
    session
        .wait_for_attr(
            &format!("{inner_row} [data-testid=import-hostkey]"),
            "data-status",
            "known",
        )
        .await;
    let (inner_checked, inner_enabled) = session
        .checkbox_state(&format!("{inner_row} [data-testid=import-select]"))
        .await;
    assert!(inner_checked, "a host without problems is ticked");
    assert!(inner_enabled, "a ticked host can be unticked");
    let (bastion_checked, bastion_enabled) = session
        .checkbox_state(&format!("{bastion_row} [data-testid=import-select]"))
        .await;
    assert!(bastion_checked, "the jump host of a ticked host is ticked");
    assert!(!bastion_enabled, "the jump host of a ticked host cannot be unticked");

    session.click("[data-testid=import-apply]").await;
    let added = session
        .wait_for_text("[data-testid=import-added]", "the added hosts", |text| {
            text.contains("inner-e2e")
        })
        .await;
    assert!(
        added.contains("bastion-e2e"),
        "the jump host was imported too: {added:?}"
    );
    session.click("[data-testid=import-close]").await;
    session
        .wait_for_text(
            "[data-testid=host-row][data-host-name=inner-e2e] [data-testid=host-jump-line]",
            "the jump host line",
            |text| text.contains("bastion-e2e"),
        )
        .await;

    // The inner host reaches sshd through the bastion, but its Docker socket is the default
    // /var/run/docker.sock, which the lab does not serve.
    let inner_card = "[data-testid=fleet-host][data-host-name=inner-e2e]";
    session.click("[data-testid=nav-fleet]").await;
    session
        .wait_for_attr(inner_card, "data-state", "dockerUnavailable")
        .await;
    session.wait_until_gone("[data-testid=fleet-refreshing]").await;
    session.click("[data-testid=fleet-refresh]").await;
    session.wait_until_gone("[data-testid=fleet-refreshing]").await;

    // Nothing listens where gone-e2e points: the second failed refresh opens a P0 alert.
    let gone_alert = "[data-testid=fleet-host][data-host-name=gone-e2e] [data-testid=fleet-alert]";
    session.wait_for_attr(gone_alert, "data-severity", "P0").await;
    let alert_text = session
        .wait_for_text(gone_alert, "the alert", |text| text.contains("Host unreachable"))
        .await;
    assert!(alert_text.contains("since"), "{alert_text:?}");
    session
        .wait_for_attr(inner_card, "data-state", "dockerUnavailable")
        .await;
    session
        .wait_for_attr(
            &format!("{inner_card} [data-testid=fleet-error]"),
            "data-error-code",
            "DockerUnavailable",
        )
        .await;
    let state = session
        .wait_for_text(
            &format!("{inner_card} [data-testid=fleet-state]"),
            "the state",
            |text| !text.trim().is_empty(),
        )
        .await;
    assert_eq!(state.trim(), "Docker unavailable");
    let card_text = session
        .wait_for_text(inner_card, "the jump host", |text| text.contains("bastion-e2e"))
        .await;
    assert!(
        card_text.contains("via bastion-e2e"),
        "the card names the jump host: {card_text:?}"
    );
    if let Some(dir) = std::env::var_os("HOMEPORT_E2E_SCREENSHOTS") {
        session.screenshot(&PathBuf::from(dir).join("fleet-en.png")).await;
    }

    // With the lab engine's socket the same path through the bastion reaches Docker.
    session.click("[data-testid=nav-hosts]").await;
    session
        .click("[data-testid=host-row][data-host-name=inner-e2e] [data-testid=host-edit]")
        .await;
    session
        .fill("[data-testid=host-docker-socket]", &lab.get("LAB_DOCKER_SOCK"))
        .await;
    session.click("[data-testid=host-save]").await;
    session.wait_until_gone("[data-testid=host-form]").await;

    session.click("[data-testid=nav-settings]").await;
    session.select("[data-testid=language-select]", "zh-CN").await;
    session
        .wait_for_text("[data-testid=nav-fleet]", "the Chinese label", |text| {
            text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        })
        .await;
    session.click("[data-testid=nav-fleet]").await;
    session.wait_for_attr(inner_card, "data-state", "online").await;
    session.wait_until_gone("[data-testid=fleet-refreshing]").await;
    let state = session
        .wait_for_text(
            &format!("{inner_card} [data-testid=fleet-state]"),
            "the state",
            |text| !text.trim().is_empty(),
        )
        .await;
    assert_eq!(state.trim(), "在线", "the state badge is translated");
    session
        .wait_for_text(gone_alert, "the translated alert", |text| text.contains("主机不可达"))
        .await;
    session
        .wait_for_text(
            &format!("{inner_card} [data-testid=fleet-containers]"),
            "the container counts",
            |text| text.contains("运行中"),
        )
        .await;
    if let Some(dir) = std::env::var_os("HOMEPORT_E2E_SCREENSHOTS") {
        session.screenshot(&PathBuf::from(dir).join("fleet-zh-CN.png")).await;
    }

    // The inner host's facts, read through the bastion: the lab sshd runs on this machine, so
    // the root filesystem it reports is this machine's.
    session.click("[data-testid=nav-hosts]").await;
    session
        .click("[data-testid=host-row][data-host-name=inner-e2e] [data-testid=host-facts]")
        .await;
    session
        .wait_for_text("[data-testid=facts-os]", "the OS name", |text| !text.trim().is_empty())
        .await;
    session.wait_for("[data-testid=facts-filesystem][data-mount='/']").await;
    session.click("[data-testid=facts-close]").await;

    session.close().await;
}

/// A Docker context made with the real `docker` command for the lab engine's TLS listener,
/// imported through the Chinese UI, and its engine then online in the fleet view.
#[tokio::test]
async fn import_docker_context_in_chinese() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    let docker_config = tempfile::tempdir().expect("temp dir");
    let endpoint = format!(
        "host=tcp://{}:{},ca={},cert={},key={}",
        lab.get("LAB_DOCKER_TLS_HOST"),
        lab.get("LAB_DOCKER_TLS_PORT"),
        lab.get("LAB_DOCKER_TLS_CA"),
        lab.get("LAB_DOCKER_TLS_CERT"),
        lab.get("LAB_DOCKER_TLS_KEY"),
    );
    for args in [
        vec!["context", "create", "builder-e2e", "--docker", endpoint.as_str()],
        vec!["context", "use", "builder-e2e"],
    ] {
        let status = std::process::Command::new("docker")
            .env("DOCKER_CONFIG", docker_config.path())
            .args(&args)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("docker runs");
        assert!(status.success(), "docker {args:?} failed");
    }
    let dbus_address = lab.get("LAB_DBUS_ADDRESS");
    let session = Session::start(
        &app,
        &[
            ("DBUS_SESSION_BUS_ADDRESS", &dbus_address),
            ("DOCKER_HOST", ""),
            ("DOCKER_CONTEXT", ""),
        ],
    )
    .await;

    session.click("[data-testid=nav-settings]").await;
    session.select("[data-testid=language-select]", "zh-CN").await;
    session.click("[data-testid=nav-hosts]").await;
    session
        .open("[data-testid=import-open]", "[data-testid=import-source-docker]")
        .await;
    session.click("[data-testid=import-source-docker]").await;
    session
        .fill(
            "[data-testid=import-docker-config]",
            &docker_config.path().display().to_string(),
        )
        .await;
    session.click("[data-testid=import-preview]").await;

    let row = "[data-testid=import-row][data-alias='docker-context:builder-e2e']";
    let target = session
        .wait_for_text(&format!("{row} [data-testid=import-target]"), "the endpoint", |text| {
            text.contains("tcp://")
        })
        .await;
    assert!(target.contains(&lab.get("LAB_DOCKER_TLS_HOST")), "{target:?}");
    let current = session
        .wait_for_text(
            &format!("{row} [data-testid=import-current]"),
            "the current badge",
            |text| !text.trim().is_empty(),
        )
        .await;
    assert_eq!(current.trim(), "当前", "the badge is translated");
    if let Some(dir) = std::env::var_os("HOMEPORT_E2E_SCREENSHOTS") {
        // WebKitGTK's snapshot can lag the DOM by a frame or two right after a large change.
        tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
        session
            .screenshot(&PathBuf::from(dir).join("import-docker-zh-CN.png"))
            .await;
    }

    session.click("[data-testid=import-apply]").await;
    session
        .wait_for_text("[data-testid=import-added]", "the added engine", |text| {
            text.contains("builder-e2e")
        })
        .await;
    session.click("[data-testid=import-close]").await;
    let tls_line = session
        .wait_for_text(
            "[data-testid=host-row][data-host-name=builder-e2e] [data-testid=host-tls-line]",
            "the TLS line",
            |text| text.contains("ca.pem"),
        )
        .await;
    assert!(tls_line.contains("TLS"), "{tls_line:?}");

    // The same engine's socket, added by hand through the engine form.
    session.click("[data-testid=add-engine]").await;
    session.fill("[data-testid=engine-name]", "socket-e2e").await;
    session.click("[data-testid=engine-kind-socket]").await;
    session
        .fill("[data-testid=engine-socket]", &lab.get("LAB_DOCKER_SOCK"))
        .await;
    session.click("[data-testid=engine-save]").await;
    session.wait_until_gone("[data-testid=engine-form]").await;
    session
        .wait_for("[data-testid=host-row][data-host-name=socket-e2e]")
        .await;

    let card = "[data-testid=fleet-host][data-host-name=builder-e2e]";
    session.click("[data-testid=nav-fleet]").await;
    session.wait_for_attr(card, "data-state", "online").await;
    session
        .wait_for_attr(
            "[data-testid=fleet-host][data-host-name=socket-e2e]",
            "data-state",
            "online",
        )
        .await;
    session
        .wait_for_text(
            &format!("{card} [data-testid=fleet-containers]"),
            "the container counts",
            |text| text.contains("运行中"),
        )
        .await;

    // A container terminal over the TLS engine: Chinese output, and closing the tab ends the
    // shell inside the container.
    let web = lab.get("LAB_WEB_CONTAINER");
    let processes_before = container_processes(&lab, &web);
    session.click(&format!("{card} [data-testid=fleet-open]")).await;
    session
        .click(&format!(
            "[data-testid=container-row][data-container-name='{web}'] [data-testid=container-terminal]"
        ))
        .await;
    session
        .wait_for_attr("[data-testid=terminal-view]", "data-phase", "open")
        .await;
    session
        .type_keys(
            "[data-testid=terminal-screen] .xterm-helper-textarea",
            "printf '\\344\\275\\240\\345\\245\\275 %s\\n' tls-ok\n",
        )
        .await;
    session
        .wait_for_text(
            "[data-testid=terminal-screen] .xterm-rows",
            "the shell's output",
            |text| text.contains("你好") && text.contains("tls-ok"),
        )
        .await;
    assert!(
        container_processes(&lab, &web) > processes_before,
        "the terminal's shell runs in the container"
    );
    session.click("[data-testid=terminal-tab-close]").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while container_processes(&lab, &web) > processes_before {
        assert!(
            std::time::Instant::now() < deadline,
            "the shell still runs in {web} 15 s after its tab closed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    session.close().await;
}

/// Counts the processes `docker top` lists in a container of the lab engine.
fn container_processes(lab: &Lab, container: &str) -> usize {
    let output = std::process::Command::new("docker")
        .args([
            "-H",
            &format!("unix://{}", lab.get("LAB_DOCKER_SOCK")),
            "top",
            container,
        ])
        .output()
        .expect("docker top runs");
    assert!(output.status.success(), "docker top {container} failed");
    // The first line is the header.
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .count()
        .saturating_sub(1)
}

/// Returns the sorted names of the entries in `dir`.
fn names_in(dir: &Path) -> Vec<String> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|err| panic!("cannot list '{}': {err}", dir.display()));
    let mut names: Vec<String> = entries
        .map(|entry| {
            entry
                .expect("a folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// The Files dialog of an SSH host: a file with Chinese content and a Chinese name goes up to
/// the lab host's /tmp, comes back under another name with the same bytes, and a cancelled
/// upload leaves no file behind.
#[tokio::test]
async fn files_dialog_uploads_downloads_and_cancels() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    // The lab's sshd runs on this machine, so its /tmp is this machine's /tmp and the test can
    // list the "remote" folder directly. The lab user must be able to write to it.
    let remote_dir = tempfile::Builder::new()
        .prefix("hp-e2e-files-")
        .tempdir_in("/tmp")
        .expect("temp dir in /tmp");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(remote_dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod 0777");
    }
    let local_dir = tempfile::tempdir().expect("temp dir");
    // More than one 64 KiB SFTP chunk, so the transfer is split and reassembled.
    let content = "你好，Homeport！文件传输测试：上传、下载、比较。\n".repeat(2000);
    let original = local_dir.path().join("原件.txt");
    std::fs::write(&original, &content).expect("write the original");
    let remote = remote_dir.path().join("远程.txt").display().to_string();
    let copy = local_dir.path().join("副本.txt");

    let session = Session::start(&app, &[]).await;
    add_key_host(
        &session,
        &lab,
        "lab-files",
        "LAB_SSH_KEY_HOST",
        "LAB_SSH_KEY_PORT",
        "LAB_SSH_KEY_USER",
    )
    .await;
    let expected = scanned_fingerprint(&lab.get("LAB_SSH_KEY_HOST"), &lab.get("LAB_SSH_KEY_PORT"));
    trust_shown_key(&session, &expected).await;
    session
        .click("[data-testid=host-row][data-host-name=lab-files] [data-testid=host-files]")
        .await;

    // Upload.
    session.wait_for("[data-testid=files-dialog]").await;
    session
        .fill("[data-testid=files-local-path]", &original.display().to_string())
        .await;
    session.fill("[data-testid=files-remote-path]", &remote).await;
    session.click("[data-testid=files-start]").await;
    session
        .wait_for_attr("[data-testid=files-status]", "data-phase", "done")
        .await;
    let done = session
        .wait_for_text("[data-testid=files-done]", "the upload's result", |text| {
            text.contains("Uploaded")
        })
        .await;
    assert!(done.contains(&remote), "the result names the destination: {done:?}");
    let uploaded = std::fs::read(&remote).expect("the uploaded file exists on the host");
    assert_eq!(uploaded, content.as_bytes(), "the host has the same bytes");
    if let Some(dir) = std::env::var_os("HOMEPORT_E2E_SCREENSHOTS") {
        session.screenshot(&PathBuf::from(dir).join("files-en.png")).await;
    }

    // Download under another name.
    session.click("[data-testid=files-direction-download]").await;
    session
        .wait_for_attr("[data-testid=files-status]", "data-phase", "idle")
        .await;
    session.fill("[data-testid=files-remote-path]", &remote).await;
    session
        .fill("[data-testid=files-local-path]", &copy.display().to_string())
        .await;
    session.click("[data-testid=files-start]").await;
    session
        .wait_for_attr("[data-testid=files-status]", "data-phase", "done")
        .await;
    session
        .wait_for_text("[data-testid=files-done]", "the download's result", |text| {
            text.contains("Downloaded")
        })
        .await;
    let downloaded = std::fs::read(&copy).expect("the downloaded file exists");
    assert_eq!(downloaded, content.as_bytes(), "the copy has the original's bytes");
    assert_eq!(
        names_in(local_dir.path()),
        vec!["副本.txt", "原件.txt"],
        "the download left no temporary file"
    );

    // A cancelled upload. The file is sparse, so it costs no disk here, and large enough that
    // the upload still runs when the click arrives.
    let big = local_dir.path().join("big.bin");
    std::fs::File::create(&big)
        .and_then(|file| file.set_len(4 * 1024 * 1024 * 1024))
        .expect("create a sparse 4 GiB file");
    session.click("[data-testid=files-direction-upload]").await;
    session
        .fill("[data-testid=files-local-path]", &big.display().to_string())
        .await;
    session
        .fill(
            "[data-testid=files-remote-path]",
            &remote_dir.path().join("big.bin").display().to_string(),
        )
        .await;
    session.click("[data-testid=files-start]").await;
    session
        .wait_for_text("[data-testid=files-progress-text]", "the upload's progress", |text| {
            text.contains('%')
        })
        .await;
    session.click("[data-testid=files-cancel]").await;
    session
        .wait_for_attr("[data-testid=files-status]", "data-phase", "cancelled")
        .await;
    assert_eq!(
        names_in(remote_dir.path()),
        vec!["远程.txt"],
        "the cancelled upload left neither the file nor its temporary file"
    );

    session.click("[data-testid=files-close]").await;
    session.wait_until_gone("[data-testid=files-dialog]").await;
    session.close().await;
}

/// A Compose project started with Debian's `docker-compose` 1.29 in a temporary folder,
/// taken down with its volumes when dropped, so a failed test leaves no containers behind.
struct ComposeProject {
    name: String,
    folder: tempfile::TempDir,
    docker_host: String,
}

impl ComposeProject {
    /// Writes a one-service project with the lab image and starts it. `--no-build` and an
    /// image the lab engine already has mean nothing is pulled.
    fn up(lab: &Lab, name: &str) -> Self {
        let folder = tempfile::tempdir().expect("temp dir");
        let compose = format!(
            "version: \"2.4\"\nservices:\n  app:\n    image: {}\n    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 1; done\"]\n",
            lab.get("LAB_IMAGE")
        );
        std::fs::write(folder.path().join("docker-compose.yml"), compose).expect("write docker-compose.yml");
        let project = Self {
            name: name.to_string(),
            folder,
            docker_host: lab.get("LAB_DOCKER_HOST"),
        };
        let output = project.run(&["up", "-d", "--no-build"]);
        assert!(
            output.status.success(),
            "docker-compose up failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        project
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new("docker-compose")
            .current_dir(self.folder.path())
            .env("DOCKER_HOST", &self.docker_host)
            .args(["-p", &self.name])
            .args(args)
            .output()
            .expect("docker-compose runs")
    }

    /// Returns the services `docker-compose ps` reports with the given status.
    fn services_with_status(&self, status: &str) -> Vec<String> {
        let output = self.run(&["ps", "--services", "--filter", &format!("status={status}")]);
        assert!(
            output.status.success(),
            "docker-compose ps failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_string)
            .collect()
    }
}

impl Drop for ComposeProject {
    fn drop(&mut self) {
        let _ = self.run(&["down", "--volumes", "--remove-orphans", "--timeout", "5"]);
    }
}

/// A project made outside Homeport with `docker-compose` 1.29 shows on the Stacks screen of a
/// socket engine, stops and goes down from there. The Catalog then shows Jellyfin's reasons in
/// Chinese and previews its compose.yaml.
#[tokio::test]
async fn stacks_and_catalog_screens() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    let project = ComposeProject::up(&lab, &format!("e2e-stack-{}", std::process::id()));
    let session = Session::start(&app, &[]).await;

    session.click("[data-testid=nav-hosts]").await;
    session.click("[data-testid=add-engine]").await;
    session.fill("[data-testid=engine-name]", "stacks-e2e").await;
    session.click("[data-testid=engine-kind-socket]").await;
    session
        .fill("[data-testid=engine-socket]", &lab.get("LAB_DOCKER_SOCK"))
        .await;
    session.click("[data-testid=engine-save]").await;
    session.wait_until_gone("[data-testid=engine-form]").await;

    session.click("[data-testid=nav-stacks]").await;
    session
        .wait_for("[data-testid=stacks-host-select]")
        .await
        .select_by_label("stacks-e2e")
        .await
        .expect("choose the socket engine in the host list");
    let row = format!("[data-testid=stack-row][data-stack-name='{}']", project.name);
    let status = format!("{row} [data-testid=stack-status]");
    session.wait_for_attr(&status, "data-status", "running").await;
    let version = session
        .wait_for_text(
            &format!("{row} [data-testid=stack-compose-version]"),
            "the Compose version",
            |text| !text.trim().is_empty(),
        )
        .await;
    assert!(
        version.starts_with("1.29"),
        "docker-compose 1.29 made the project: {version:?}"
    );
    if let Some(dir) = std::env::var_os("HOMEPORT_E2E_SCREENSHOTS") {
        // WebKitGTK's snapshot can lag the DOM by a frame or two right after a large change.
        tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
        session.screenshot(&PathBuf::from(dir).join("stacks-en.png")).await;
    }

    session.click(&format!("{row} [data-testid=stack-stop]")).await;
    session.wait_for_attr(&status, "data-status", "stopped").await;
    assert_eq!(project.services_with_status("running"), Vec::<String>::new());
    assert_eq!(project.services_with_status("stopped"), vec!["app".to_string()]);

    session.click(&format!("{row} [data-testid=stack-down]")).await;
    let (volumes_ticked, _) = session.checkbox_state("[data-testid=stack-down-volumes]").await;
    assert!(!volumes_ticked, "removing volumes is off by default");
    session.click("[data-testid=stack-down-confirm]").await;
    session.wait_until_gone(&row).await;
    assert_eq!(project.services_with_status("stopped"), Vec::<String>::new());

    session.click("[data-testid=nav-settings]").await;
    session.select("[data-testid=language-select]", "zh-CN").await;
    session
        .wait_for_text("[data-testid=nav-catalog]", "the Chinese label", |text| {
            text.trim() == "模板库"
        })
        .await;
    session.click("[data-testid=nav-catalog]").await;
    session
        .click("[data-testid=catalog-card][data-template-id=jellyfin]")
        .await;
    session.wait_for("[data-testid=template-detail]").await;
    session
        .wait_for_text(
            "[data-testid=template-param][data-name=HTTP_PORT] [data-testid=template-reason]",
            "the Chinese reason",
            |text| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        )
        .await;
    session.click("[data-testid=template-preview]").await;
    session
        .wait_for_text("[data-testid=template-compose]", "the rendered compose.yaml", |text| {
            text.contains("image:")
        })
        .await;
    if let Some(dir) = std::env::var_os("HOMEPORT_E2E_SCREENSHOTS") {
        tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
        session.screenshot(&PathBuf::from(dir).join("catalog-zh-CN.png")).await;
    }

    session.close().await;
    drop(project);
}

/// Builds a stand-in for a catalog image from the lab image, since no registry is reachable:
/// it only runs a shell loop, which is all a deploy needs to create and start it.
fn stand_in_image(lab: &Lab, tag: &str) {
    use std::io::Write as _;

    let dockerfile = format!(
        "FROM {}\nCMD [\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 1; done\"]\n",
        lab.get("LAB_IMAGE")
    );
    let mut child = std::process::Command::new("docker")
        .args(["-H", &format!("unix://{}", lab.get("LAB_DOCKER_SOCK"))])
        .args(["build", "--quiet", "--tag", tag, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("docker build starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(dockerfile.as_bytes())
        .expect("Dockerfile written");
    assert!(
        child.wait().expect("docker build ends").success(),
        "docker build {tag} failed"
    );
}

/// Makes a world-writable base folder under /tmp for a stack deployed over SSH (the lab user
/// writes it) and returns it with a unique project name starting with `prefix` and the guard
/// that takes the project down at the end.
fn stack_folder(lab: &Lab, prefix: &str) -> (PathBuf, String, ComposeDown) {
    use std::os::unix::fs::PermissionsExt;

    let unique = format!(
        "{}{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.subsec_micros())
            .unwrap_or_default()
    );
    let base = PathBuf::from(format!("/tmp/hp-e2e-{prefix}-{unique}"));
    std::fs::create_dir_all(&base).expect("base folder");
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let project = format!("{prefix}{unique}");
    let down = ComposeDown {
        docker_host: format!("unix://{}", lab.get("LAB_DOCKER_SOCK")),
        folder: base.join(&project),
        project: project.clone(),
    };
    (base, project, down)
}

/// Takes a deployed stack down with Debian's docker-compose 1.29 from the files the deploy
/// wrote on the host, which also shows that Compose can manage what Homeport deployed.
struct ComposeDown {
    docker_host: String,
    folder: PathBuf,
    project: String,
}

impl Drop for ComposeDown {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker-compose")
            .current_dir(&self.folder)
            .env("DOCKER_HOST", &self.docker_host)
            .args(["--project-name", &self.project, "down", "--volumes"])
            .status();
        if let Some(base) = self.folder.parent() {
            let _ = std::fs::remove_dir_all(base);
        }
    }
}

/// A catalog template deployed to an SSH host from the window: the stages fill in, the stack
/// then runs in the Stacks screen, and docker-compose 1.29 takes it down from the files
/// Homeport wrote on the host.
#[tokio::test]
async fn deploy_template_from_catalog() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    stand_in_image(&lab, "vaultwarden/server:1.34.3");
    let (base, project, _down) = stack_folder(&lab, "vault");
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("address").port().to_string()
    };

    let dbus_address = lab.get("LAB_DBUS_ADDRESS");
    let session = Session::start(&app, &[("DBUS_SESSION_BUS_ADDRESS", &dbus_address)]).await;
    add_trusted_key_host(&session, &lab, "deploy-e2e").await;

    session.click("[data-testid=nav-catalog]").await;
    session
        .click("[data-testid=catalog-card][data-template-id=vaultwarden]")
        .await;
    session
        .fill(
            "[data-testid=template-param][data-name=HTTP_PORT] [data-testid=template-param-input]",
            &port,
        )
        .await;
    session.click("[data-testid=template-deploy]").await;
    session.wait_for("[data-testid=deploy-dialog]").await;
    session.fill("[data-testid=deploy-name]", &project).await;
    session
        .fill("[data-testid=deploy-base-dir]", &base.display().to_string())
        .await;
    session.click("[data-testid=deploy-start]").await;
    session.wait_for("[data-testid=deploy-done]").await;
    session
        .wait_for_attr("[data-testid=deploy-stage][data-stage=create]", "data-state", "done")
        .await;
    if let Some(dir) = std::env::var_os("HOMEPORT_E2E_SCREENSHOTS") {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        session.screenshot(&PathBuf::from(dir).join("deploy-en.png")).await;
    }
    assert!(
        base.join(&project).join(".env").is_file(),
        "the stack's .env is on the host"
    );
    session.click("[data-testid=deploy-close]").await;

    // The same template and values again: the preview shows that nothing would change, since
    // the stored admin token is reused.
    session.click("[data-testid=template-deploy]").await;
    session.fill("[data-testid=deploy-name]", &project).await;
    session
        .fill("[data-testid=deploy-base-dir]", &base.display().to_string())
        .await;
    session.click("[data-testid=deploy-preview]").await;
    session
        .wait_for_attr(
            "[data-testid=deploy-change][data-service=vaultwarden]",
            "data-change",
            "unchanged",
        )
        .await;
    session.click("[data-testid=deploy-close]").await;
    session.click("[data-testid=template-close]").await;

    // A docker run command pasted into the Catalog's converter becomes a service, and its
    // flags are listed with their fate.
    session
        .open("[data-testid=run-convert-open]", "[data-testid=run-command]")
        .await;
    session
        .fill(
            "[data-testid=run-command]",
            "docker run -d --name whoami -p 8088:80 --cidfile /tmp/x.cid traefik/whoami",
        )
        .await;
    session.click("[data-testid=run-convert-submit]").await;
    let compose = session
        .wait_for_text("[data-testid=run-compose]", "the Compose file", |text| {
            text.contains("whoami")
        })
        .await;
    assert!(compose.contains("8088:80"), "{compose:?}");
    session.wait_for("[data-testid=run-flag][data-fate=unmapped]").await;
    session.click("[data-testid=run-close]").await;

    session.click("[data-testid=nav-stacks]").await;
    session
        .wait_for_attr(
            &format!("[data-testid=stack-row][data-stack-name={project}] [data-testid=stack-status]"),
            "data-status",
            "running",
        )
        .await;

    session.close().await;
}

/// Waits until the builder has applied the last change, so the next click finds the
/// elements the change re-rendered.
async fn settle(session: &Session) {
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    session
        .wait_for_attr("[data-testid=builder-status]", "data-busy", "false")
        .await;
}

/// The stack builder in the window: a service typed into the YAML editor appears on the
/// canvas, canvas edits write compose.yaml, a route through Caddy writes a Caddyfile with
/// `tls internal`, and the stack deploys to an SSH host where docker-compose 1.29 lists it.
#[tokio::test]
async fn build_route_and_deploy_stack() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    stand_in_image(&lab, "homeport-e2e/web:1");
    stand_in_image(&lab, "caddy:2.10-alpine");
    let (base, project, _down) = stack_folder(&lab, "built");

    let dbus_address = lab.get("LAB_DBUS_ADDRESS");
    let session = Session::start(&app, &[("DBUS_SESSION_BUS_ADDRESS", &dbus_address)]).await;
    add_trusted_key_host(&session, &lab, "builder-e2e").await;

    session.click("[data-testid=nav-builder]").await;
    session.wait_for("[data-testid=builder-canvas]").await;

    // YAML editor to canvas: a service typed at the end of `services:` becomes a card.
    session.click("[data-testid=builder-yaml] .cm-line:last-child").await;
    session
        .type_keys(
            "[data-testid=builder-yaml] .cm-content",
            "  web: {image: homeport-e2e/web:1}",
        )
        .await;
    session.wait_for("[data-testid=builder-card][data-service=web]").await;

    // Canvas to YAML: a blank service, Caddy without its host ports, and a route.
    session
        .fill("[data-testid=builder-new-image]", "homeport-e2e/web:1")
        .await;
    session.click("[data-testid=builder-add-blank]").await;
    session
        .wait_for("[data-testid=service-inspector][data-service=web-2]")
        .await;
    settle(&session).await;
    session.click("[data-testid=builder-back]").await;
    session.click("[data-testid=palette-caddy] button").await;
    session.wait_for("[data-testid=builder-card][data-service=caddy]").await;
    settle(&session).await;
    session.click("[data-testid=builder-card][data-service=caddy]").await;
    for _ in 0..3 {
        session
            .click("[data-testid=service-inspector][data-service=caddy] ul.items button")
            .await;
        settle(&session).await;
    }
    session
        .wait_for_text(
            "[data-testid=builder-yaml]",
            "compose.yaml without Caddy's ports",
            |text| text.contains("caddy-data:/data") && !text.contains("443:443"),
        )
        .await;
    session.click("[data-testid=builder-back]").await;
    session.click("[data-testid=builder-card][data-service=web-2]").await;
    settle(&session).await;
    session.fill("[data-testid=inspector-hostname]", "web.home.arpa").await;
    session.fill("[data-testid=inspector-route-port]", "80").await;
    session.click("[data-testid=inspector-route-apply]").await;
    session.wait_for("[data-testid=builder-edge][data-kind=route]").await;
    session
        .wait_for_text("[data-testid=builder-yaml]", "the route in compose.yaml", |text| {
            text.contains("hostname: web.home.arpa")
        })
        .await;
    session.click("[data-testid=tab-caddyfile]").await;
    session
        .wait_for_text("[data-testid=builder-caddyfile]", "the generated Caddyfile", |text| {
            text.contains("tls internal") && text.contains("reverse_proxy web-2:80")
        })
        .await;
    session
        .wait_for_attr("[data-testid=builder-status]", "data-errors", "0")
        .await;
    if let Some(dir) = std::env::var_os("HOMEPORT_E2E_SCREENSHOTS") {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        session.screenshot(&PathBuf::from(dir).join("builder-en.png")).await;
    }

    session.click("[data-testid=builder-deploy]").await;
    session.wait_for("[data-testid=deploy-dialog]").await;
    session.fill("[data-testid=deploy-name]", &project).await;
    session
        .fill("[data-testid=deploy-base-dir]", &base.display().to_string())
        .await;
    session.click("[data-testid=deploy-start]").await;
    session.wait_for("[data-testid=deploy-done]").await;

    let folder = base.join(&project);
    let caddyfile = std::fs::read_to_string(folder.join("Caddyfile")).expect("the Caddyfile is on the host");
    assert!(caddyfile.contains("web.home.arpa {"), "{caddyfile}");
    assert!(caddyfile.contains("tls internal"), "{caddyfile}");
    let compose = std::fs::read_to_string(folder.join("compose.yaml")).expect("compose.yaml is on the host");
    assert!(compose.contains("  web: {image: homeport-e2e/web:1}"), "{compose}");

    let listed = std::process::Command::new("docker-compose")
        .current_dir(&folder)
        .env("DOCKER_HOST", format!("unix://{}", lab.get("LAB_DOCKER_SOCK")))
        .args(["--project-name", &project, "ps", "--services"])
        .output()
        .expect("docker-compose runs");
    let services = String::from_utf8_lossy(&listed.stdout);
    for service in ["web", "web-2", "caddy"] {
        assert!(services.lines().any(|line| line == service), "{service} in {services}");
    }
    session.click("[data-testid=deploy-close]").await;

    // The deployed stack opens again from its host, with its route.
    session.click("[data-testid=nav-stacks]").await;
    session
        .wait_for("[data-testid=stacks-host-select]")
        .await
        .select_by_label("builder-e2e")
        .await
        .expect("the host is listed");
    session
        .click(&format!(
            "[data-testid=stack-row][data-stack-name='{project}'] [data-testid=stack-edit]"
        ))
        .await;
    session.wait_for("[data-testid=builder-opened]").await;
    session
        .wait_for_text(
            "[data-testid=builder-card][data-service=web-2] [data-testid=card-route]",
            "the route read back from the host",
            |text| text.contains("web.home.arpa"),
        )
        .await;

    session.close().await;
}

/// A Portainer template file imported from disk in the Catalog: the source badge, a `select`
/// variable as a dropdown, a `preset` one hidden, the note as text, a repository stack that
/// names its repository instead of deploying, a broken file rejected with its line, and the
/// source removed again.
#[tokio::test]
async fn import_portainer_templates_from_file() {
    let Some(app) = app_binary() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("templates.json");
    std::fs::write(
        &file,
        r#"{"version": "2", "templates": [
  {"type": 1, "title": "Web", "name": "web", "image": "nginx:1.27",
   "note": "<p>Open <b>port 8080</b>.<script>alert(1)</script></p>",
   "env": [
     {"name": "MODE", "label": "Mode", "select": [
       {"text": "Production", "value": "prod", "default": true},
       {"text": "Debug", "value": "debug"}]},
     {"name": "BUILD_ID", "default": "abc", "preset": true}]},
  {"type": 3, "title": "Blog", "repository": {"url": "https://example.org/stacks", "stackfile": "blog/compose.yml"}}
]}"#,
    )
    .expect("write the template file");
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "[\n  {\"type\": \"container\" \"title\": \"x\"}\n]\n").expect("write the broken file");
    let session = Session::start(&app, &[]).await;

    session.click("[data-testid=nav-catalog]").await;
    session
        .open(
            "[data-testid=catalog-import-open]",
            "[data-testid=template-import-location]",
        )
        .await;
    session
        .fill("[data-testid=template-import-location]", &broken.display().to_string())
        .await;
    session.click("[data-testid=template-import-submit]").await;
    session
        .wait_for_attr(
            "[data-testid=template-import] [data-testid=error-banner]",
            "data-error-code",
            "TemplateSourceInvalid",
        )
        .await;
    session
        .wait_for_text(
            "[data-testid=template-import] [data-testid=error-banner]",
            "the line of the error",
            |text| text.contains("line 2"),
        )
        .await;

    session
        .fill("[data-testid=template-import-location]", &file.display().to_string())
        .await;
    session.click("[data-testid=template-import-submit]").await;
    session.wait_until_gone("[data-testid=template-import]").await;
    let badge = session
        .wait_for_text(
            "[data-testid=catalog-source] [data-testid=template-source-badge]",
            "the source badge",
            |text| text.starts_with("Portainer:"),
        )
        .await;
    assert!(badge.contains("templates.json"), "{badge}");

    session
        .click("[data-testid=catalog-card][data-template-id='1/web']")
        .await;
    session.wait_for("[data-testid=template-detail]").await;
    let select = session
        .wait_for("[data-testid=template-param][data-name=MODE] select[data-testid=template-param-input]")
        .await;
    assert_eq!(
        select.prop("value").await.expect("the select value").as_deref(),
        Some("prod")
    );
    session
        .wait_for_text(
            "[data-testid=template-hidden-count]",
            "the hidden value count",
            |text| text.contains("One value"),
        )
        .await;
    let hidden = session
        .client
        .find_all(fantoccini::Locator::Css(
            "[data-testid=template-param][data-name=BUILD_ID]",
        ))
        .await
        .expect("a search for the preset parameter");
    assert!(hidden.is_empty(), "the preset value is not shown");
    let note = session
        .wait_for_text("[data-testid=template-note]", "the note", |text| {
            text.contains("port 8080")
        })
        .await;
    assert!(!note.contains("alert"), "{note}");
    session.click("[data-testid=template-close]").await;
    session.wait_until_gone("[data-testid=template-detail]").await;

    session
        .click("[data-testid=catalog-card][data-template-id='1/blog']")
        .await;
    session
        .wait_for_text("[data-testid=template-not-deployable]", "the repository", |text| {
            text.contains("https://example.org/stacks") && text.contains("blog/compose.yml")
        })
        .await;
    session.click("[data-testid=template-close]").await;
    session.wait_until_gone("[data-testid=template-detail]").await;

    session.click("[data-testid=catalog-source-remove]").await;
    session.click("[data-testid=confirm-ok]").await;
    session.wait_until_gone("[data-testid=catalog-source]").await;

    session.close().await;
}

/// A container removed with `docker rm -f` when dropped.
struct RemoveContainer {
    docker_host: String,
    name: String,
}

impl Drop for RemoveContainer {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker")
            .args(["-H", &self.docker_host, "rm", "-f", &self.name])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// Waits a moment before a screenshot, because WebKitGTK's snapshot can lag the DOM.
async fn screenshot(session: &Session, name: &str) {
    if let Some(dir) = std::env::var_os("HOMEPORT_E2E_SCREENSHOTS") {
        tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
        session.screenshot(&PathBuf::from(dir).join(name)).await;
    }
}

#[tokio::test]
async fn orchestrator_wizard_and_rollout_plan() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    let docker_host = format!("unix://{}", lab.get("LAB_DOCKER_SOCK"));

    // A container whose image is named caddy, built from the lab image, so the rollout plan
    // detects a reverse proxy and automated certificates.
    let image = format!("homeport-e2e/caddy:rollout-{}", std::process::id());
    stand_in_image(&lab, &image);
    let proxy = RemoveContainer {
        docker_host: docker_host.clone(),
        name: format!("e2e-rollout-caddy-{}", std::process::id()),
    };
    let started = std::process::Command::new("docker")
        .args([
            "-H",
            &docker_host,
            "run",
            "-d",
            "--pull",
            "never",
            "--name",
            &proxy.name,
            &image,
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("docker runs");
    assert!(started.success(), "docker run of the proxy stand-in failed");

    // Both sessions share one data folder, so the second one shows what the first saved.
    let data = tempfile::tempdir().expect("temp dir");
    let data_dir = data.path().join("data");
    let data_env = [("HOMEPORT_DATA_DIR", data_dir.to_str().expect("UTF-8 path"))];
    let session = Session::start(&app, &data_env).await;

    session.click("[data-testid=nav-hosts]").await;
    session.click("[data-testid=add-engine]").await;
    session.fill("[data-testid=engine-name]", "rollout-e2e").await;
    session.click("[data-testid=engine-kind-socket]").await;
    session
        .fill("[data-testid=engine-socket]", &lab.get("LAB_DOCKER_SOCK"))
        .await;
    session.click("[data-testid=engine-save]").await;
    session.wait_until_gone("[data-testid=engine-form]").await;

    // One host, so the scale answer is guessed as one machine and marked as a guess.
    session.click("[data-testid=nav-wizard]").await;
    session.wait_for("[data-testid=wizard-prefilled-scale]").await;
    let (single, _) = session.checkbox_state("[data-testid=wizard-answer-scale-single]").await;
    assert!(single, "one host prefills 'one machine'");
    session.click("[data-testid=wizard-answer-team-solo]").await;
    session.click("[data-testid=wizard-answer-workloads-containers]").await;
    session.click("[data-testid=wizard-answer-ops-limited]").await;
    session
        .wait_for_text("[data-testid=wizard-primary]", "the recommendation", |text| {
            text.trim() == "Docker Compose"
        })
        .await;
    session
        .wait_for_attr("[data-testid=wizard-matrix-row-compose]", "data-highlighted", "true")
        .await;
    session
        .wait_for_attr(
            "[data-testid=wizard-matrix-row-kubernetes]",
            "data-highlighted",
            "false",
        )
        .await;
    screenshot(&session, "wizard-en.png").await;
    session.click("[data-testid=wizard-save]").await;
    session
        .wait_for_text("[data-testid=wizard-save]", "the saved state", |text| {
            text.contains("Saved")
        })
        .await;

    session.click("[data-testid=nav-rollout]").await;
    session
        .wait_for_text(
            "[data-testid=rollout-detected-reverse_proxy]",
            "the detected proxy",
            |text| text.contains(&image),
        )
        .await;
    session.wait_for("[data-testid=rollout-detected-certificates]").await;
    session
        .wait_for("[data-testid=rollout-detected-container_runtime]")
        .await;
    session
        .wait_for_text(
            "[data-testid=rollout-detected-orchestrator]",
            "the saved orchestrator",
            |text| text.contains("Docker Compose"),
        )
        .await;
    let (backups_ticked, backups_enabled) = session.checkbox_state("[data-testid=rollout-check-backups]").await;
    assert!(!backups_ticked, "backups are not detected, so nothing ticks them yet");
    assert!(backups_enabled, "backups can be ticked by hand");
    session.click("[data-testid=rollout-check-backups]").await;
    session
        .wait_for_attr("[data-testid=rollout-item-backups]", "data-saving", "false")
        .await;
    session
        .wait_for_attr("[data-testid=rollout-item-backups]", "data-done", "true")
        .await;
    // Core services: proxy, orchestrator, certificates seen, and backups ticked.
    session
        .wait_for_text("[data-testid=rollout-progress-core]", "the core progress", |text| {
            text.contains("4 of 5")
        })
        .await;
    screenshot(&session, "rollout-en.png").await;
    session.close().await;

    // A new app process on the same data folder keeps the tick and the choice.
    let session = Session::start(&app, &data_env).await;
    session.click("[data-testid=nav-settings]").await;
    session.select("[data-testid=language-select]", "zh-CN").await;
    session
        .wait_for_text("[data-testid=nav-rollout]", "the Chinese label", |text| {
            text.trim() == "部署计划"
        })
        .await;
    session.click("[data-testid=nav-rollout]").await;
    session.wait_for("[data-testid=rollout-detected-orchestrator]").await;
    let (backups_ticked, _) = session.checkbox_state("[data-testid=rollout-check-backups]").await;
    assert!(backups_ticked, "the hand-made tick survived the restart");
    session
        .wait_for_text("[data-testid=rollout-progress-core]", "the core progress", |text| {
            text.contains("4/5")
        })
        .await;
    screenshot(&session, "rollout-zh-CN.png").await;

    session.click("[data-testid=nav-wizard]").await;
    session
        .wait_for_attr("[data-testid=wizard-matrix-row-compose]", "data-highlighted", "true")
        .await;
    let (limited, _) = session.checkbox_state("[data-testid=wizard-answer-ops-limited]").await;
    assert!(limited, "the wizard starts from the saved answers");
    screenshot(&session, "wizard-zh-CN.png").await;
    session
        .client
        .execute(
            "document.querySelector('[data-testid=wizard-matrix]').scrollIntoView()",
            Vec::new(),
        )
        .await
        .expect("scroll to the capability matrix");
    screenshot(&session, "wizard-matrix-zh-CN.png").await;

    session.close().await;
    drop(proxy);
    let _ = std::process::Command::new("docker")
        .args(["-H", &docker_host, "rmi", &image])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

/// The CPU chart's mouse and keyboard surface on the Monitoring screen.
const MONITORING_CPU_OVERLAY: &str = "[data-testid=metrics-chart][data-panel=cpu] [role=slider]";

/// Counts the elements matching `css`.
async fn count_elements(session: &Session, css: &str) -> usize {
    session
        .client
        .find_all(fantoccini::Locator::Css(css))
        .await
        .unwrap_or_else(|err| panic!("cannot look for '{css}': {err}"))
        .len()
}

/// Polls until at least `min` elements match `css`.
async fn wait_for_count(session: &Session, css: &str, min: usize) {
    let deadline = std::time::Instant::now() + homeport_e2e::STEP_TIMEOUT;
    let mut last = 0;
    while std::time::Instant::now() < deadline {
        last = count_elements(session, css).await;
        if last >= min {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("'{css}' matched {last} elements, expected at least {min}");
}

/// Moves the mouse to `x` pixels right of the centre of the element matching `css`, and
/// optionally presses the left button there, drags `drag` pixels to the right and releases.
async fn mouse_over(session: &Session, css: &str, x: f64, drag: Option<f64>) {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};

    let element = session.wait_for(css).await;
    let mut mouse = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element,
        duration: Some(std::time::Duration::from_millis(100)),
        x,
        y: 0.0,
    });
    if let Some(distance) = drag {
        mouse = mouse
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::MoveBy {
                duration: Some(std::time::Duration::from_millis(300)),
                x: distance,
                y: 0.0,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
    }
    session
        .client
        .perform_actions(mouse)
        .await
        .unwrap_or_else(|err| panic!("mouse actions over '{css}' failed: {err}"));
}

/// Points at the right edge of the CPU chart, where the newest samples of a 1 h range sit:
/// 30 px left of the box's edge is inside the plot and within the readout's snapping distance.
async fn hover_newest(session: &Session) {
    // A move to where the pointer already is fires no mousemove, so it starts elsewhere.
    mouse_over(session, "#monitoring-title", 0.0, None).await;
    let overlay = session.wait_for(MONITORING_CPU_OVERLAY).await;
    let (_, _, width, _) = overlay.rectangle().await.expect("overlay size");
    mouse_over(session, MONITORING_CPU_OVERLAY, width / 2.0 - 30.0, None).await;
}

/// Adds the lab's Docker engine on its local socket as host `name`, from the Hosts screen.
async fn add_socket_engine(session: &Session, lab: &Lab, name: &str) {
    session.click("[data-testid=add-engine]").await;
    session.fill("[data-testid=engine-name]", name).await;
    session.click("[data-testid=engine-kind-socket]").await;
    session
        .fill("[data-testid=engine-socket]", &lab.get("LAB_DOCKER_SOCK"))
        .await;
    session.click("[data-testid=engine-save]").await;
    session.wait_until_gone("[data-testid=engine-form]").await;
}

/// Opens the Monitoring screen on the host named `name`.
async fn show_monitoring_of(session: &Session, name: &str) {
    session.click("[data-testid=nav-monitoring]").await;
    session
        .wait_for("[data-testid=monitoring-host]")
        .await
        .select_by_label(name)
        .await
        .expect("choose the socket engine in the host list");
}

/// Clicks "Collect now" until a collection reads the host, at most five times, and returns
/// the status text. A click while the app's own timer collects the host reads nothing, and the
/// report then has no time stamp.
async fn collect_now(session: &Session) -> String {
    const STATUS: &str = "[data-testid=metrics-status]";
    for attempt in 1..=5 {
        let before = session
            .wait_for(STATUS)
            .await
            .attr("data-collections")
            .await
            .expect("read the collection count")
            .unwrap_or_default();
        let after = (before.parse::<u32>().expect("a count") + 1).to_string();
        session.click("[data-testid=metrics-collect]").await;
        session.wait_for_attr(STATUS, "data-collections", &after).await;
        let status = session.wait_for(STATUS).await;
        let taken_at = status.attr("data-taken-at").await.expect("read the time stamp");
        if taken_at.as_deref().is_some_and(|value| value != "0") {
            return status.text().await.expect("read the status");
        }
        eprintln!("collection {attempt} read nothing (time stamp {taken_at:?}); trying again");
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    }
    panic!("five clicks on Collect now never read the host");
}

/// The Monitoring screen charts the lab's socket engine. Two collections a moment apart give
/// CPU rates, and the CPU chart reads values under the pointer and with the arrow keys. A drag
/// and the keyboard both zoom every chart, and a chart saves as a real PNG. The settings reject
/// an interval out of range, and the charts are drawn in Chinese. A second window on the same
/// data folder runs with a dark GTK theme, so the charts are drawn dark.
#[tokio::test]
async fn monitoring_charts_for_socket_engine() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    // A running container of this test, so the container panels have a series to show.
    let container = TestContainer::start(&lab, "e2e-monitoring");

    let data = tempfile::tempdir().expect("temp dir");
    let data_dir = data.path().join("data");
    let data_env = [("HOMEPORT_DATA_DIR", data_dir.to_str().expect("UTF-8 path"))];
    let session = Session::start(&app, &data_env).await;

    session.click("[data-testid=nav-hosts]").await;
    add_socket_engine(&session, &lab, "monitoring-e2e").await;

    show_monitoring_of(&session, "monitoring-e2e").await;

    // CPU use is a rate of two readings, so it needs two collections.
    collect_now(&session).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let second = collect_now(&session).await;
    assert!(
        second.contains("samples") && second.contains(" ms."),
        "the status counts samples and names the script's round trip: {second:?}"
    );

    let cpu = "[data-testid=metrics-chart][data-panel=cpu]";
    session
        .wait_for(&format!("{cpu}[data-state=ready][data-empty=false]"))
        .await;
    // plotters draws each run of a line as a polyline; axes and grid are plain lines.
    wait_for_count(&session, &format!("{cpu} svg polyline"), 1).await;
    let label = session
        .wait_for(&format!("{cpu} [role=img]"))
        .await
        .attr("aria-label")
        .await
        .expect("read the chart's label");
    assert_eq!(label.as_deref(), Some("CPU"));

    hover_newest(&session).await;
    let readout = session
        .wait_for_text(
            &format!("{cpu} [data-testid=metrics-readout]"),
            "a CPU value under the pointer",
            |text| text.contains('%'),
        )
        .await;
    assert!(readout.contains("Busy"), "the readout names the series: {readout:?}");
    screenshot(&session, "monitoring-en-light.png").await;

    // The keyboard moves the same readout, without a pointer over the chart.
    mouse_over(&session, "#monitoring-title", 0.0, None).await;
    session
        .wait_until_gone(&format!("{cpu} [data-testid=metrics-readout]"))
        .await;
    session.type_keys(MONITORING_CPU_OVERLAY, "\u{E010}").await; // End
    let spoken = session
        .wait_for(MONITORING_CPU_OVERLAY)
        .await
        .attr("aria-valuetext")
        .await
        .expect("read the readout text")
        .unwrap_or_default();
    assert!(
        spoken.contains("Busy: ") && spoken.contains('%'),
        "keyboard readout: {spoken:?}"
    );
    session
        .wait_for(&format!("{cpu} [data-testid=metrics-readout-row][data-has-value=true]"))
        .await;

    // A drag across the middle of the plot zooms every chart; reset returns to 1 h.
    mouse_over(&session, MONITORING_CPU_OVERLAY, -100.0, Some(80.0)).await;
    session.wait_for("[data-testid=metrics-zoom-reset]").await;
    session
        .wait_for_text("[data-testid=monitoring-range-shown]", "the zoomed range", |text| {
            text.contains("Showing")
        })
        .await;
    session.click("[data-testid=metrics-zoom-reset]").await;
    session.wait_until_gone("[data-testid=metrics-zoom-reset]").await;
    session
        .wait_for_attr("[data-testid=monitoring-range-1h]", "aria-pressed", "true")
        .await;

    // The keyboard zoom: Enter at the first sample, End, Enter again.
    session
        .type_keys(MONITORING_CPU_OVERLAY, "\u{E011}\u{E007}\u{E010}\u{E007}")
        .await;
    session.wait_for("[data-testid=metrics-zoom-reset]").await;
    session.click("[data-testid=metrics-zoom-reset]").await;
    session.wait_until_gone("[data-testid=metrics-zoom-reset]").await;

    // The test's container has its own charts.
    session
        .select("[data-testid=monitoring-container]", &container.name)
        .await;
    session
        .wait_for(&format!(
            "[data-testid=metrics-chart][data-panel=containerCpu][data-state=ready] [role=img][aria-label='{} · CPU']",
            container.name
        ))
        .await;

    // Saving as PNG writes a real PNG file.
    let out = tempfile::tempdir().expect("temp dir");
    let png_path = out.path().join("cpu chart.png");
    session
        .open(
            &format!("{cpu} [data-testid=metrics-save-png]"),
            "[data-testid=metrics-save-dialog]",
        )
        .await;
    let suggested = session
        .wait_for("[data-testid=metrics-save-path]")
        .await
        .prop("value")
        .await
        .expect("read the suggested path")
        .unwrap_or_default();
    assert!(
        suggested.starts_with("homeport-monitoring-e2e-cpu-") && suggested.ends_with(".png"),
        "suggested file name: {suggested:?}"
    );
    session
        .fill(
            "[data-testid=metrics-save-path]",
            png_path.to_str().expect("UTF-8 path"),
        )
        .await;
    session.click("[data-testid=metrics-save-submit]").await;
    session
        .wait_for_text("[data-testid=metrics-saved]", "the saved path", |text| {
            text.contains("cpu chart.png")
        })
        .await;
    let bytes = std::fs::read(&png_path).expect("the PNG file exists");
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the file starts with the PNG signature: {:?}",
        &bytes[..bytes.len().min(8)]
    );
    session.click("[data-testid=metrics-save-close]").await;
    session.wait_until_gone("[data-testid=metrics-save-dialog]").await;

    // The backend rejects an interval below 5 s, and the message sits beside the field.
    session.wait_for("[data-testid=metrics-interval]:enabled").await;
    session.fill("[data-testid=metrics-interval]", "2").await;
    session.click("[data-testid=metrics-settings-save]").await;
    session
        .wait_for_text("[data-testid=metrics-interval-problem]", "the range message", |text| {
            text.contains("5 to 3600")
        })
        .await;
    session.fill("[data-testid=metrics-interval]", "20").await;
    session.click("[data-testid=metrics-settings-save]").await;
    session.wait_for("[data-testid=metrics-settings-saved]").await;

    session.click("[data-testid=nav-settings]").await;
    session.select("[data-testid=language-select]", "zh-CN").await;
    session
        .wait_for_text("[data-testid=nav-monitoring]", "the Chinese label", |text| {
            text.trim() == "监控"
        })
        .await;
    session.click("[data-testid=nav-monitoring]").await;
    let memory = "[data-testid=metrics-chart][data-panel=memory]";
    session
        .wait_for(&format!("{memory}[data-state=ready] [role=img][aria-label='内存']"))
        .await;
    // The title inside the image is drawn by the backend in the requested language.
    wait_for_count(&session, &format!("{memory} svg text"), 1).await;
    let svg = session
        .wait_for(&format!("{memory} [role=img]"))
        .await
        .html(true)
        .await
        .expect("read the memory chart's SVG");
    assert!(svg.contains("内存"), "the SVG has the Chinese title");
    hover_newest(&session).await;
    session.wait_for(&format!("{cpu} [data-testid=metrics-readout]")).await;
    screenshot(&session, "monitoring-zh-CN-light.png").await;
    session.close().await;

    // WebKitGTK reports prefers-color-scheme: dark for a dark GTK theme, and the app follows it.
    let dark_env = [data_env[0], ("GTK_THEME", "Adwaita:dark")];
    let session = Session::start(&app, &dark_env).await;
    session.click("[data-testid=nav-monitoring]").await;
    session.wait_for(&format!("{cpu}[data-state=ready]")).await;
    // The first window was stopped without a clean exit, so its newest samples may never
    // have reached the file. Two collections give this window CPU rates of its own.
    collect_now(&session).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    collect_now(&session).await;
    wait_for_count(&session, &format!("{cpu} svg polyline"), 1).await;
    let dark = session
        .client
        .execute(
            "return window.matchMedia('(prefers-color-scheme: dark)').matches",
            Vec::new(),
        )
        .await
        .expect("ask for the colour scheme");
    assert_eq!(
        dark,
        serde_json::Value::Bool(true),
        "the window runs with a dark colour scheme"
    );
    // The dark chart background of the backend's theme.
    let svg = session
        .wait_for(&format!("{cpu} [role=img]"))
        .await
        .html(true)
        .await
        .expect("read the CPU chart's SVG");
    assert!(svg.to_uppercase().contains("#1E1E1E"), "the chart is drawn dark");
    hover_newest(&session).await;
    screenshot(&session, "monitoring-zh-CN-dark.png").await;

    session.click("[data-testid=nav-settings]").await;
    session.select("[data-testid=language-select]", "en").await;
    session
        .wait_for_text("[data-testid=nav-monitoring]", "the English label", |text| {
            text.trim() == "Monitoring"
        })
        .await;
    session.click("[data-testid=nav-monitoring]").await;
    session.wait_for(&format!("{cpu}[data-state=ready]")).await;
    hover_newest(&session).await;
    screenshot(&session, "monitoring-en-dark.png").await;
    // Only the screen's own area scrolls; text hidden for screen readers must not make the
    // whole window taller.
    let page_scrolls = session
        .client
        .execute(
            "return document.scrollingElement.scrollHeight > window.innerHeight + 1",
            Vec::new(),
        )
        .await
        .expect("measure the page");
    assert_eq!(
        page_scrolls,
        serde_json::Value::Bool(false),
        "the window itself does not scroll"
    );
    session
        .client
        .execute(
            "document.querySelector('[data-testid=metrics-settings-save]').scrollIntoView()",
            Vec::new(),
        )
        .await
        .expect("scroll to the container charts and settings");
    screenshot(&session, "monitoring-en-dark-containers.png").await;
    session.close().await;
    drop(container);
}

#[tokio::test]
async fn cost_calculator_presets_chart_and_chinese() {
    let Some(app) = app_binary() else { return };
    let session = Session::start(&app, &[]).await;

    // The screen opens with the rule-of-thumb preset: 2,500 / (1,600 − 78.84) = 1.64 years.
    session.click("[data-testid=nav-cost]").await;
    session
        .wait_for_text("[data-testid=cost-payback-without]", "the preset's payback", |text| {
            text.trim() == "1.64 years"
        })
        .await;

    // The mini PC preset: 360 / (299.64 − 96.04) = 1.77 years without time.
    session.select("[data-testid=cost-preset-select]", "mini-pc").await;
    session.click("[data-testid=cost-preset-load]").await;
    session
        .wait_for_text("[data-testid=cost-payback-without]", "the mini PC's payback", |text| {
            text.trim() == "1.77 years"
        })
        .await;

    // A dearer first item: (600 + 110) / 203.60 = 3.49 years.
    session.fill("[data-testid=cost-hardware-price-0]", "600").await;
    session
        .wait_for_text("[data-testid=cost-payback-without]", "the changed payback", |text| {
            text.trim() == "3.49 years"
        })
        .await;
    let chart = session
        .wait_for("[data-testid=cost-chart] svg")
        .await
        .html(false)
        .await
        .expect("read the chart's SVG");
    assert!(
        chart.contains("Subscriptions"),
        "the chart has its legend: {chart:.200}"
    );
    screenshot(&session, "cost-en.png").await;

    // Saved in the database and compared side by side with the preset as loaded.
    session.fill("[data-testid=cost-save-name]", "Dear mini PC").await;
    session.click("[data-testid=cost-save]").await;
    session.wait_for("[data-testid=cost-saved-message]").await;
    session.click("[data-testid='cost-compare-Dear mini PC']").await;
    session
        .wait_for_text("[data-testid=cost-compare]", "the comparison", |text| {
            text.contains("Dear mini PC") && text.contains("$710.00")
        })
        .await;
    session
        .client
        .execute(
            "document.querySelector('[data-testid=cost-sensitivity]').scrollIntoView()",
            Vec::new(),
        )
        .await
        .expect("scroll to the what-if table");
    screenshot(&session, "cost-en-results.png").await;

    session.click("[data-testid=nav-settings]").await;
    session.select("[data-testid=language-select]", "zh-CN").await;
    session
        .wait_for_text("[data-testid=nav-cost]", "the Chinese label", |text| {
            text.trim() == "成本"
        })
        .await;
    session.click("[data-testid=nav-cost]").await;
    session
        .wait_for_text("[data-testid=cost-payback-without]", "the payback in Chinese", |text| {
            text.trim() == "1.64 年"
        })
        .await;
    session
        .wait_for_text(
            "[data-testid=cost-chart]",
            "the chart's Chinese break-even label",
            |text| text.contains("回本：第 20 个月"),
        )
        .await;
    screenshot(&session, "cost-zh-CN.png").await;

    session.close().await;
}

/// A built-in rule fires on real lab data and is handled in the inbox: the lab's socket
/// engine is collected, the filesystem rule's threshold goes down to 1 % in the Rules tab, the
/// next collection fires it, the desktop shows a notification, and the alert appears grouped
/// under the host, with its response timer, and is acknowledged.
///
/// A stand-in notification service on the lab's session bus records the desktop notification;
/// the test prints the time from the "Collect now" click to its arrival, which
/// docs/notifications.md records.
#[tokio::test]
async fn inbox_shows_and_acknowledges_rule_alert() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    let desktop = homeport_e2e::notifications::NotificationService::start().await;
    let data = tempfile::tempdir().expect("temp dir");
    let data_dir = data.path().join("data");
    let data_env = [("HOMEPORT_DATA_DIR", data_dir.to_str().expect("UTF-8 path"))];
    let session = Session::start(&app, &data_env).await;

    // The host goes in first: the app collects a new host at once, and that first collection
    // (with its one-second priming reading) happens before the threshold drops, so the crossing
    // is seen by the "Collect now" click below.
    session.click("[data-testid=nav-hosts]").await;
    add_socket_engine(&session, &lab, "inbox-e2e").await;
    show_monitoring_of(&session, "inbox-e2e").await;
    collect_now(&session).await;

    session.click("[data-testid=nav-inbox]").await;
    session.click("[data-testid=inbox-tab-rules]").await;
    let row = "[data-testid=rule-row][data-rule=filesystem_full]";
    session.click(&format!("{row} [data-testid=rule-edit]")).await;
    session.fill(&format!("{row} [data-testid=rule-threshold]"), "1").await;
    session.click(&format!("{row} [data-testid=rule-save]")).await;
    session
        .wait_for_text(row, "the lowered threshold", |text| {
            text.contains("filesystem_used_percent > 1")
        })
        .await;

    show_monitoring_of(&session, "inbox-e2e").await;
    let clicked = std::time::Instant::now();
    collect_now(&session).await;
    let shown = desktop
        .wait_for("the filesystem alert", std::time::Duration::from_secs(30), |shown| {
            shown.summary.contains("inbox-e2e") || shown.body.contains("inbox-e2e")
        })
        .await;
    // The app's own 15 s collection may get there first on a slow machine, so the test checks
    // the notification and only prints the time.
    match shown.at.checked_duration_since(clicked) {
        Some(after) => println!(
            "desktop notification {:?} / {:?} from {:?}, {} ms after the Collect now click",
            shown.summary,
            shown.body,
            shown.app_name,
            after.as_millis()
        ),
        None => println!(
            "desktop notification {:?} came from a background collection",
            shown.summary
        ),
    }

    session.click("[data-testid=nav-inbox]").await;
    let alert = "[data-testid=inbox-alert][data-rule=filesystem_full]";
    let mut found = false;
    for _ in 0..10 {
        session.click("[data-testid=inbox-refresh]").await;
        if count_elements(&session, alert).await > 0 {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(found, "no filesystem alert in the inbox after two collections");
    let group = session
        .wait_for_text("[data-testid=inbox-group] h2", "the group title", |text| {
            text.contains("inbox-e2e")
        })
        .await;
    assert!(group.contains(" · "), "grouped by host and service: {group:?}");
    let timer = session
        .wait_for_text(
            &format!("{alert} [data-testid=inbox-timer]"),
            "the response timer",
            |text| text.starts_with("Respond within"),
        )
        .await;
    assert!(
        timer.contains('h') || timer.contains("min"),
        "a P2 alert has hours to go: {timer:?}"
    );
    screenshot(&session, "inbox-en.png").await;

    session.click(&format!("{alert} [data-testid=inbox-ack]")).await;
    session
        .wait_for_text(
            &format!("{alert} [data-testid=inbox-state]"),
            "the acknowledged state",
            |text| text.trim() == "Acknowledged",
        )
        .await;
    session.close().await;
}

/// Presses Ctrl plus `key` on the focused element, as a user does anywhere in the window.
async fn press_ctrl(session: &Session, key: &str) {
    let focused = session
        .client
        .active_element()
        .await
        .expect("the window has a focused element");
    focused
        .send_keys(&(fantoccini::key::Key::Control + key))
        .await
        .unwrap_or_else(|err| panic!("cannot press Ctrl-{key}: {err}"));
}

#[tokio::test]
async fn first_run_guide_shows_skips_and_reopens() {
    let Some(app) = app_binary() else { return };
    let session = Session::start_with_guide(&app, &[]).await;

    session.wait_for("[data-startup=ready]").await;
    session
        .wait_for_text("[data-testid=first-run-guide] h2", "the English title", |text| {
            text == "Welcome to Homeport"
        })
        .await;
    session.wait_for("[data-testid=first-run-step-hosts]").await;
    session.click("[data-testid=first-run-next]").await;
    session.wait_for("[data-testid=first-run-step-engine]").await;
    session.click("[data-testid=first-run-skip]").await;
    session.wait_until_gone("[data-testid=first-run-guide]").await;

    session.click("[data-testid=nav-settings]").await;
    session.select("[data-testid=language-select]", "zh-CN").await;
    session
        .wait_for_text("[data-testid=nav-hosts]", "the Chinese label", |text| text == "主机")
        .await;
    session
        .open("[data-testid=show-first-run]", "[data-testid=first-run-guide]")
        .await;
    session
        .wait_for_text("[data-testid=first-run-guide] h2", "the Chinese title", |text| {
            text == "欢迎使用 Homeport"
        })
        .await;
    screenshot(&session, "first-run-zh-CN.png").await;
    session.click("[data-testid=first-run-skip]").await;
    session.wait_until_gone("[data-testid=first-run-guide]").await;
    session.close().await;
}

#[tokio::test]
async fn palette_opens_with_ctrl_k_and_navigates() {
    let Some(app) = app_binary() else { return };
    let session = Session::start(&app, &[]).await;

    press_ctrl(&session, "k").await;
    session.wait_for("[data-testid=command-palette] [role=combobox]").await;
    session.type_keys("[data-testid=palette-input]", "rollout").await;
    session
        .wait_for_attr(
            "[data-testid=palette-option][data-entry='screen:rollout']",
            "aria-selected",
            "true",
        )
        .await;
    session
        .type_keys("[data-testid=palette-input]", &fantoccini::key::Key::Enter.to_string())
        .await;
    session.wait_until_gone("[data-testid=command-palette]").await;
    session.wait_for("[data-testid=nav-rollout][aria-current=page]").await;

    // Escape closes without navigating; Ctrl-2 opens the second sidebar screen.
    press_ctrl(&session, "k").await;
    session.wait_for("[data-testid=command-palette]").await;
    session
        .type_keys("[data-testid=palette-input]", &fantoccini::key::Key::Escape.to_string())
        .await;
    session.wait_until_gone("[data-testid=command-palette]").await;
    session.wait_for("[data-testid=nav-rollout][aria-current=page]").await;
    press_ctrl(&session, "2").await;
    session.wait_for("[data-testid=nav-hosts][aria-current=page]").await;
    session.close().await;
}

#[tokio::test]
async fn theme_switch_sets_data_theme() {
    let Some(app) = app_binary() else { return };
    let session = Session::start(&app, &[]).await;

    session.click("[data-testid=nav-settings]").await;
    session.select("[data-testid=theme-select]", "dark").await;
    session.wait_for_attr("html", "data-theme", "dark").await;
    session.select("[data-testid=theme-select]", "light").await;
    session.wait_for_attr("html", "data-theme", "light").await;
    session.close().await;
}

#[tokio::test]
async fn backups_screen_runs_a_plan() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    // The lab's sshd shares this machine's /tmp, so the lab user reads the data and writes the
    // repository in a folder the test made. That folder must be writable by the lab user.
    let shared = tempfile::Builder::new()
        .prefix("hp-e2e-backup-")
        .tempdir_in("/tmp")
        .expect("temp dir in /tmp");
    let data = shared.path().join("data");
    std::fs::create_dir_all(&data).expect("create the data folder");
    for index in 0..20 {
        std::fs::write(
            data.join(format!("file-{index:02}.txt")),
            format!("backup test file {index}\n").repeat(500),
        )
        .expect("write a data file");
    }
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod 0777");
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod 0755");
    }
    let repository = shared.path().join("repo");

    let session = Session::start(&app, &[]).await;
    add_trusted_key_host(&session, &lab, "backup-e2e").await;

    session.click("[data-testid=nav-backups]").await;
    session.wait_for("[data-testid=backups-empty]").await;
    session.click("[data-testid=backup-new-plan]").await;
    session.fill("[data-testid=backup-wizard-name]", "e2e-plan").await;
    let tools = session
        .wait_for_text("[data-testid=backup-wizard-tools]", "the restic version", |text| {
            text.contains("restic ")
        })
        .await;
    println!("tools on the lab host: {tools:?}");
    session.click("[data-testid=backup-wizard-next]").await;
    session
        .fill("[data-testid=backup-wizard-paths]", data.to_str().expect("UTF-8 path"))
        .await;
    session.click("[data-testid=backup-wizard-next]").await;
    session
        .fill(
            "[data-testid=backup-wizard-repositories]",
            &format!("disk {}", repository.display()),
        )
        .await;
    session.click("[data-testid=backup-wizard-next]").await;
    session.fill("[data-testid=backup-wizard-schedule]", "30 2 * * *").await;
    session.click("[data-testid=backup-wizard-save]").await;
    session.wait_until_gone("[data-testid=backup-wizard]").await;
    assert!(
        repository.join("config").exists(),
        "the wizard initialised the repository"
    );

    let plan = "[data-testid=backup-plan][data-plan-name=e2e-plan]";
    let schedule = session
        .wait_for_text(
            &format!("{plan} [data-testid=backup-schedule]"),
            "the schedule",
            |text| !text.is_empty(),
        )
        .await;
    println!("schedule preview: {schedule:?}");

    session.click(&format!("{plan} [data-testid=backup-run-now]")).await;
    session
        .wait_for_text(
            &format!("{plan} [data-testid=backup-rpo]"),
            "a good backup within the RPO",
            |text| text.contains("within the RPO"),
        )
        .await;
    session
        .wait_for_text(
            &format!("{plan} [data-testid=backup-last-status]"),
            "the backup run",
            |text| text.trim() == "Succeeded · Backup",
        )
        .await;

    session.click(&format!("{plan} [data-testid=backup-tab-history]")).await;
    session
        .click(&format!("{plan} [data-testid=backup-history] summary"))
        .await;
    let stages = session
        .wait_for_text(
            &format!("{plan} [data-testid=backup-history]"),
            "the run's stages",
            |text| text.contains("backup") && text.contains("check"),
        )
        .await;
    println!("history: {stages:?}");
    screenshot(&session, "backups-en.png").await;
    session.close().await;
}

/// A PostgreSQL container from the lab's database image, removed when dropped.
struct PostgresContainer {
    name: String,
    docker_host: String,
}

impl PostgresContainer {
    fn start(lab: &Lab, name: &str) -> Self {
        let docker_host = lab.get("LAB_DOCKER_HOST");
        let status = std::process::Command::new("docker")
            .args(["-H", &docker_host, "run", "-d", "--pull", "never", "--name", name])
            .args(["--label", "homeport.test=1", "homeport-lab/postgres:15"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("docker runs");
        assert!(
            status.success(),
            "docker run of homeport-lab/postgres:15 failed; build it with tests/lab/lab.sh db-images"
        );
        Self {
            name: name.to_string(),
            docker_host,
        }
    }

    /// Runs `sh -c SCRIPT` in `container` and returns stdout, or `None` when it fails.
    fn sh_in(&self, container: &str, script: &str) -> Option<String> {
        let output = std::process::Command::new("docker")
            .args(["-H", &self.docker_host, "exec", container, "sh", "-c", script])
            .output()
            .expect("docker runs");
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn remove(&self, container: &str) {
        let _ = std::process::Command::new("docker")
            .args(["-H", &self.docker_host, "rm", "-f", "-v", container])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

impl Drop for PostgresContainer {
    fn drop(&mut self) {
        self.remove(&self.name);
        self.remove(&format!("{}-restored", self.name));
    }
}

/// The wizard finds a running PostgreSQL container, the plan dumps it, and the snapshot's
/// dump is loaded into a new container from the restore dialog.
#[tokio::test]
async fn backups_screen_restores_a_database() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    let shared = tempfile::Builder::new()
        .prefix("hp-e2e-dbbackup-")
        .tempdir_in("/tmp")
        .expect("temp dir in /tmp");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod 0777");
    }
    let repository = shared.path().join("repo");
    let database = PostgresContainer::start(&lab, &format!("e2e-pg-{}", std::process::id()));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while database.sh_in(&database.name, "pg_isready -q -d postgres").is_none() {
        assert!(std::time::Instant::now() < deadline, "PostgreSQL did not start");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    database
        .sh_in(
            &database.name,
            "createdb e2e_shop && psql -d e2e_shop -c \"CREATE TABLE t (note text); INSERT INTO t VALUES ('restored from the window');\"",
        )
        .expect("the test database is created");

    let session = Session::start(&app, &[]).await;
    add_trusted_key_host(&session, &lab, "db-backup-e2e").await;
    session.click("[data-testid=nav-backups]").await;
    session.click("[data-testid=backup-new-plan]").await;
    session.fill("[data-testid=backup-wizard-name]", "e2e-db-plan").await;
    session.click("[data-testid=backup-wizard-next]").await;

    session.click("[data-testid=find-databases]").await;
    let row = format!(
        "[data-testid=discovered-database][data-container=\"{}\"]",
        database.name
    );
    session.click(&format!("{row} input[type=checkbox]")).await;
    session.click("[data-testid=backup-wizard-next]").await;
    session
        .fill(
            "[data-testid=backup-wizard-repositories]",
            &format!("disk {}", repository.display()),
        )
        .await;
    let findings = session
        .wait_for_text("[data-testid=backup-wizard-rule321]", "the 3-2-1 preview", |text| {
            !text.trim().is_empty()
        })
        .await;
    println!("3-2-1 preview: {findings:?}");
    session.click("[data-testid=backup-wizard-next]").await;
    session.click("[data-testid=backup-wizard-save]").await;
    session.wait_until_gone("[data-testid=backup-wizard]").await;

    let plan = "[data-testid=backup-plan][data-plan-name=e2e-db-plan]";
    session.click(&format!("{plan} [data-testid=backup-run-now]")).await;
    session
        .wait_for_text(
            &format!("{plan} [data-testid=backup-last-status]"),
            "the backup run",
            |text| text.trim() == "Succeeded · Backup",
        )
        .await;

    session
        .click(&format!("{plan} [data-testid=backup-tab-snapshots]"))
        .await;
    session
        .click(&format!(
            "{plan} [data-testid=backup-snapshot] [data-testid=restore-database]"
        ))
        .await;
    session.click("[data-testid=db-restore-mode-new]").await;
    session
        .fill(
            "[data-testid=db-restore-new-name]",
            &format!("{}-restored", database.name),
        )
        .await;
    session
        .fill("[data-testid=db-restore-image]", "homeport-lab/postgres:15")
        .await;
    session.click("[data-testid=db-restore-start]").await;
    let result = session
        .wait_for_text("[data-testid=db-restore-result]", "the restore result", |text| {
            !text.trim().is_empty()
        })
        .await;
    println!("database restore: {result:?}");
    screenshot(&session, "backups-db-restore-en.png").await;

    let rows = database
        .sh_in(
            &format!("{}-restored", database.name),
            "psql -d e2e_shop -tAc 'SELECT note FROM t'",
        )
        .expect("the restored container answers");
    assert_eq!(rows.trim(), "restored from the window");
    session.close().await;
}

/// A Compose project started with docker-compose on the lab engine, removed with its volumes
/// and networks when dropped.
struct ComposeStack {
    name: String,
    docker_host: String,
}

impl ComposeStack {
    fn up(lab: &Lab, name: &str, directory: &Path) -> Self {
        let docker_host = lab.get("LAB_DOCKER_HOST");
        let status = std::process::Command::new("docker-compose")
            .env("DOCKER_HOST", &docker_host)
            .args(["--project-name", name, "--project-directory"])
            .arg(directory)
            .args(["up", "--detach"])
            .status()
            .expect("docker-compose runs");
        assert!(status.success(), "docker-compose up of {name} failed");
        Self {
            name: name.to_string(),
            docker_host,
        }
    }

    /// Returns the names of the project's running containers.
    fn running(&self) -> Vec<String> {
        let output = std::process::Command::new("docker")
            .args(["-H", &self.docker_host, "ps", "--format", "{{.Names}}", "--filter"])
            .arg(format!("label=com.docker.compose.project={}", self.name))
            .output()
            .expect("docker runs");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Removes the project's containers, volumes and networks, as a lost host would.
    fn remove(&self) {
        let label = format!("label=com.docker.compose.project={}", self.name);
        for (list, remove) in [
            (vec!["ps", "-aq"], vec!["rm", "-f", "-v"]),
            (vec!["volume", "ls", "-q"], vec!["volume", "rm", "-f"]),
            (vec!["network", "ls", "-q"], vec!["network", "rm"]),
        ] {
            let output = std::process::Command::new("docker")
                .args(["-H", &self.docker_host])
                .args(&list)
                .args(["--filter", &label])
                .output()
                .expect("docker runs");
            let ids: Vec<String> = String::from_utf8_lossy(&output.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect();
            if !ids.is_empty() {
                let _ = std::process::Command::new("docker")
                    .args(["-H", &self.docker_host])
                    .args(&remove)
                    .args(&ids)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .status();
            }
        }
    }
}

impl Drop for ComposeStack {
    fn drop(&mut self) {
        self.remove();
    }
}

/// A stack picked in the wizard is backed up, lost with its folder, and restored from the
/// snapshot's "Restore stack" dialog.
#[tokio::test]
async fn backups_screen_restores_a_stack() {
    let Some(app) = app_binary() else { return };
    let lab = Lab::load();
    let shared = tempfile::Builder::new()
        .prefix("hp-e2e-stack-")
        .tempdir_in("/tmp")
        .expect("temp dir in /tmp");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod 0777");
    }
    let stack_dir = shared.path().join("notes");
    std::fs::create_dir_all(stack_dir.join("data")).expect("create the stack folder");
    std::fs::write(
        stack_dir.join("compose.yaml"),
        "services:\n  app:\n    image: homeport-lab/busybox:1\n    command: [\"sleep\", \"3600\"]\n    volumes:\n      - ./data:/data\n",
    )
    .expect("write compose.yaml");
    std::fs::write(stack_dir.join("data/note.txt"), "kept by the stack backup\n").expect("write the note");
    let project = format!("e2enotes{}", std::process::id());
    let stack = ComposeStack::up(&lab, &project, &stack_dir);
    let repository = shared.path().join("repo");

    let session = Session::start(&app, &[]).await;
    add_trusted_key_host(&session, &lab, "stack-backup-e2e").await;
    session.click("[data-testid=nav-backups]").await;
    session.click("[data-testid=backup-new-plan]").await;
    session.fill("[data-testid=backup-wizard-name]", "e2e-stack-plan").await;
    session.click("[data-testid=backup-wizard-next]").await;
    session
        .click(&format!(
            "[data-testid=backup-stack-option][data-project=\"{project}\"] input[type=checkbox]"
        ))
        .await;
    session.click("[data-testid=backup-wizard-next]").await;
    session
        .fill(
            "[data-testid=backup-wizard-repositories]",
            &format!("disk {}", repository.display()),
        )
        .await;
    session.click("[data-testid=backup-wizard-next]").await;
    session.click("[data-testid=backup-wizard-save]").await;
    session.wait_until_gone("[data-testid=backup-wizard]").await;

    let plan = "[data-testid=backup-plan][data-plan-name=e2e-stack-plan]";
    session.click(&format!("{plan} [data-testid=backup-run-now]")).await;
    session
        .wait_for_text(
            &format!("{plan} [data-testid=backup-last-status]"),
            "the backup run",
            |text| text.trim() == "Succeeded · Backup",
        )
        .await;

    // The loss: the containers and the whole project folder are gone.
    stack.remove();
    std::fs::remove_dir_all(&stack_dir).expect("remove the stack folder");

    session
        .click(&format!("{plan} [data-testid=backup-tab-snapshots]"))
        .await;
    session
        .click(&format!(
            "{plan} [data-testid=backup-snapshot] [data-testid=restore-stack]"
        ))
        .await;
    let folder = session
        .wait_for_text("[data-testid=stack-restore-folder]", "the manifest", |text| {
            !text.trim().is_empty()
        })
        .await;
    assert_eq!(folder.trim(), stack_dir.to_str().expect("UTF-8 path"));
    session.click("[data-testid=stack-restore-start]").await;
    let result = session
        .wait_for_text("[data-testid=stack-restore-result]", "the restore result", |text| {
            !text.trim().is_empty()
        })
        .await;
    println!("stack restore: {result:?}");
    screenshot(&session, "backups-stack-restore-en.png").await;

    assert_eq!(
        std::fs::read_to_string(stack_dir.join("data/note.txt")).expect("the restored note"),
        "kept by the stack backup\n"
    );
    assert_eq!(stack.running().len(), 1, "the restored stack runs again");
    session.close().await;
}

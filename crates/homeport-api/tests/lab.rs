//! `homeport-api` against the real test lab (`tests/lab/lab.sh up`): sshd hosts, a Docker
//! engine and Secret Service keyrings on loopback.
//!
//! Every lab test skips when `HOMEPORT_LAB_ENV` is unset and panics when it names an unreadable
//! file. The keychain tests expect `DBUS_SESSION_BUS_ADDRESS=$LAB_DBUS_ADDRESS`. Each test has
//! its own data folder, host names and containers, so the tests run in parallel and repeatedly.
//! Only `rotated_host_key_needs_replacement` uses the rotate host.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{Lab, TestContainer};
use homeport_api::{
    Api, ApiResult, AuthMethod, ContainerAction, ContainerEvent, ContainerView, HostInput, HostKind, HostView,
    IpcError, LogEvent, Sink,
};
use homeport_core::paths::AppPaths;
use homeport_core::ErrorCode;
use serde::Serialize;
use tempfile::TempDir;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::time::{timeout, Instant};

/// Serialises the tests that add or remove keychain entries, so one test can compare the
/// keychain before and after a failed add without seeing another test's entries.
static KEYCHAIN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long a stream may take to deliver an expected message.
const STREAM_DEADLINE: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------------------------------------
// Helpers

async fn open_api(dir: &Path) -> Api {
    Api::open(AppPaths::portable(dir.to_path_buf()))
        .await
        .unwrap_or_else(|err| panic!("Api::open('{}') failed: {err}", dir.display()))
}

/// Builds the input for a key-file host on the lab's key-only sshd, with the lab engine's socket.
fn key_input(lab: &Lab, name: &str) -> HostInput {
    HostInput {
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
    }
}

/// Builds the input for a password host on the lab's password sshd.
fn password_input(lab: &Lab, name: &str, password: &str) -> HostInput {
    HostInput {
        name: name.to_string(),
        address: lab.var("LAB_SSH_PASS_HOST"),
        port: u32::from(lab.port("LAB_SSH_PASS_PORT")),
        user: lab.var("LAB_SSH_PASS_USER"),
        auth: AuthMethod::Password,
        key_path: None,
        docker_socket: Some(lab.var("LAB_DOCKER_SOCK")),
        secret: Some(password.to_string()),
        jump_host: None,
        group: None,
        tags: Vec::new(),
    }
}

/// Returns the error of `result`, panicking when it succeeded or has another code.
fn expect_code<T: std::fmt::Debug>(result: ApiResult<T>, code: ErrorCode, step: &str) -> IpcError {
    match result {
        Ok(value) => panic!("{step}: expected {code:?}, but it succeeded with {value:?}"),
        Err(err) => {
            assert_eq!(
                err.code, code,
                "{step}: unexpected error code; message: {}; params: {:?}",
                err.message, err.params
            );
            err
        }
    }
}

/// Returns a parameter of an error, panicking when it is missing.
fn param(err: &IpcError, name: &str) -> String {
    match err.params.get(name) {
        Some(value) => value.clone(),
        None => panic!("error {:?} has no '{name}' param: {:?}", err.code, err.params),
    }
}

/// Adds a host, trusting the fingerprint the first attempt reports when the data folder does
/// not trust the host's key yet.
async fn add_host(api: &Api, input: HostInput) -> HostView {
    let name = input.name.clone();
    match api.host_add(input.clone(), None).await {
        Ok(view) => view,
        Err(err) if err.code == ErrorCode::HostKeyUnknown => {
            let fingerprint = param(&err, "fingerprint");
            api.host_add(input, Some(fingerprint))
                .await
                .unwrap_or_else(|err| panic!("host_add '{name}' with the confirmed fingerprint failed: {err}"))
        }
        Err(err) => panic!("host_add '{name}' failed: {err}"),
    }
}

/// Returns the saved SSH hosts, leaving out the local engine.
async fn ssh_hosts(api: &Api) -> Vec<HostView> {
    let hosts = api
        .host_list()
        .await
        .unwrap_or_else(|err| panic!("host_list failed: {err}"));
    hosts.into_iter().filter(|host| host.kind == HostKind::Ssh).collect()
}

async fn list_containers(api: &Api, host_id: &str) -> Vec<ContainerView> {
    api.container_list(host_id)
        .await
        .unwrap_or_else(|err| panic!("container_list on '{host_id}' failed: {err}"))
}

async fn container_by_id(api: &Api, host_id: &str, container_id: &str) -> Option<ContainerView> {
    list_containers(api, host_id)
        .await
        .into_iter()
        .find(|container| container.id == container_id)
}

async fn act(api: &Api, host_id: &str, container: &str, action: ContainerAction) {
    api.container_action(host_id, container, action)
        .await
        .unwrap_or_else(|err| panic!("container_action {action:?} on '{container}' failed: {err}"));
}

/// Returns a sink that forwards every message into a channel.
fn channel_sink<T: Send + 'static>() -> (Sink<T>, UnboundedReceiver<T>) {
    let (sender, receiver) = unbounded_channel();
    (Box::new(move |message| sender.send(message).is_ok()), receiver)
}

/// Waits for the next message of a stream, panicking after `deadline`.
async fn next_before<T>(receiver: &mut UnboundedReceiver<T>, deadline: Instant, waiting_for: &str) -> Option<T> {
    match tokio::time::timeout_at(deadline, receiver.recv()).await {
        Ok(message) => message,
        Err(_) => panic!("timed out waiting for {waiting_for}"),
    }
}

/// Returns the number in a `line N` log line of the test container.
fn line_number(text: &str) -> u64 {
    let trimmed = text.trim_end();
    trimmed
        .strip_prefix("line ")
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("log line '{trimmed}' is not of the form 'line N'"))
}

/// Reads `container_logs` without following, until its `End`.
async fn read_logs(api: &Api, host_id: &str, container: &str, tail: u32) -> Vec<LogEvent> {
    let (sink, mut receiver) = channel_sink();
    api.container_logs(host_id, container, tail, false, sink)
        .await
        .unwrap_or_else(|err| panic!("container_logs tail={tail} failed: {err}"));
    let deadline = Instant::now() + STREAM_DEADLINE;
    let mut events = Vec::new();
    while let Some(event) = next_before(&mut receiver, deadline, "the end of the log stream").await {
        events.push(event);
    }
    events
}

/// Returns the text of the `Line` events, panicking on an `Error` event.
fn log_lines(events: &[LogEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|event| match event {
            LogEvent::Line { text, .. } => Some(text.trim_end().to_string()),
            LogEvent::End => None,
            LogEvent::Error { error } => panic!("the log stream reported an error: {error}"),
        })
        .collect()
}

/// Returns `State.StartedAt` from `container_inspect`.
async fn started_at(api: &Api, host_id: &str, container: &str) -> String {
    let text = api
        .container_inspect(host_id, container)
        .await
        .unwrap_or_else(|err| panic!("container_inspect '{container}' failed: {err}"));
    let details: serde_json::Value = serde_json::from_str(&text).expect("container_inspect returns JSON");
    details["State"]["StartedAt"]
        .as_str()
        .unwrap_or_else(|| panic!("inspect output of '{container}' has no State.StartedAt: {text}"))
        .to_string()
}

/// The JSON text of every API result a test saw, for the secret scan.
#[derive(Default)]
struct Transcript(Vec<String>);

impl Transcript {
    fn record<T: Serialize>(&mut self, value: &T) {
        self.0
            .push(serde_json::to_string(value).expect("API types serialise to JSON"));
    }

    fn record_result<T: Serialize>(&mut self, result: &ApiResult<T>) {
        match result {
            Ok(value) => self.record(value),
            Err(err) => self.record(err),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Env file parsing (runs without the lab)

#[test]
fn env_file_parser_reads_quoted_values() {
    let text = "# Generated by lab.sh up.\n\
                export LAB_IMAGE='homeport-lab/busybox:1'\n\
                \n\
                export QUOTED='it'\\''s here'\n\
                export EMPTY=''\n";
    let vars = common::parse_env_file(text).expect("valid env file");

    assert_eq!(vars["LAB_IMAGE"], "homeport-lab/busybox:1", "plain quoted value");
    assert_eq!(vars["QUOTED"], "it's here", "'\\'' inside quotes is a single quote");
    assert_eq!(vars["EMPTY"], "", "'' is an empty value");
    assert_eq!(vars.len(), 3, "comments and blank lines add nothing");
}

#[test]
fn env_file_parser_rejects_malformed_lines() {
    for bad in [
        "LAB=1",
        "export LAB='open",
        "export 1LAB='x'",
        "export LAB=$(id)",
        "export LAB=a b",
    ] {
        assert!(common::parse_env_file(bad).is_err(), "'{bad}' must be rejected");
    }
}

// ---------------------------------------------------------------------------------------------
// Hosts

#[tokio::test]
async fn key_host_trust_flow() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let address = lab.var("LAB_SSH_KEY_HOST");
    let port = lab.port("LAB_SSH_KEY_PORT");
    let input = key_input(&lab, &common::unique_name("key"));

    let unknown = expect_code(
        api.host_add(input.clone(), None).await,
        ErrorCode::HostKeyUnknown,
        "host_add without a trusted key",
    );
    let fingerprint = param(&unknown, "fingerprint");
    assert_eq!(
        fingerprint,
        common::keyscan_fingerprint(&address, port),
        "HostKeyUnknown must report the fingerprint ssh-keyscan | ssh-keygen -lf prints"
    );
    assert_eq!(
        param(&unknown, "algorithm"),
        "ssh-ed25519",
        "the lab hosts have only ed25519 keys"
    );
    assert_eq!(param(&unknown, "host"), address, "the error names the address");
    assert_eq!(param(&unknown, "port"), port.to_string(), "the error names the port");
    assert!(ssh_hosts(&api).await.is_empty(), "an untrusted key must save nothing");

    let wrong = expect_code(
        api.host_add(
            input.clone(),
            Some("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into()),
        )
        .await,
        ErrorCode::HostKeyChanged,
        "host_add with a fingerprint the server's key does not have",
    );
    assert_eq!(
        param(&wrong, "fingerprint"),
        fingerprint,
        "the error reports the key actually seen"
    );
    assert_eq!(
        param(&wrong, "oldFingerprint"),
        "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "the error names the fingerprint the user confirmed"
    );
    assert!(
        ssh_hosts(&api).await.is_empty(),
        "a mismatched confirmation must save nothing"
    );

    let view = api
        .host_add(input.clone(), Some(fingerprint.clone()))
        .await
        .unwrap_or_else(|err| panic!("host_add with the confirmed fingerprint failed: {err}"));
    assert_eq!(view.name, input.name, "saved under the given name");
    assert_eq!(view.kind, HostKind::Ssh, "an SSH host");
    assert_eq!(
        view.host_key_fingerprint.as_deref(),
        Some(fingerprint.as_str()),
        "the confirmed key is trusted"
    );
    assert!(!view.has_secret, "an unencrypted key file needs no stored secret");
    assert_eq!(
        view.docker_socket,
        lab.var("LAB_DOCKER_SOCK"),
        "the given socket is saved"
    );
    assert_eq!(
        ssh_hosts(&api).await,
        vec![view.clone()],
        "host_list returns exactly the saved host"
    );

    let info = api
        .host_check(&view.id)
        .await
        .unwrap_or_else(|err| panic!("host_check failed: {err}"));
    assert_eq!(
        info.api_version, "1.41",
        "the lab engine (Docker 20.10) speaks API 1.41"
    );

    api.host_remove(&view.id)
        .await
        .unwrap_or_else(|err| panic!("host_remove failed: {err}"));
    assert!(ssh_hosts(&api).await.is_empty(), "host_remove deletes the host");
}

#[tokio::test]
async fn password_host_keeps_secret_out_of_files() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let _keychain = KEYCHAIN.lock().await;
    let dir = TempDir::new().expect("temp dir");
    let paths = AppPaths::portable(dir.path().to_path_buf());
    paths.create().expect("data and log folders");
    // The only logging setup in this binary, so the log file lands in this test's folder.
    let log_guard = homeport_api::logging::init(&paths.log_dir, "lab-test", "warn");
    let password = lab.var("LAB_SSH_PASS_PASSWORD");
    let mut transcript = Transcript::default();

    let api = open_api(dir.path()).await;
    let input = password_input(&lab, &common::unique_name("pass"), &password);
    let first = api.host_add(input.clone(), None).await;
    transcript.record_result(&first);
    let unknown = expect_code(first, ErrorCode::HostKeyUnknown, "host_add without a trusted key");
    let added = api.host_add(input, Some(param(&unknown, "fingerprint"))).await;
    transcript.record_result(&added);
    let view = added.unwrap_or_else(|err| panic!("host_add with a password failed: {err}"));
    let _entry = common::KeychainEntryGuard {
        host_id: view.id.clone(),
    };
    assert!(view.has_secret, "a password host reports has_secret");
    assert_eq!(view.auth, AuthMethod::Password, "saved with password authentication");
    assert!(
        common::keychain_entries().contains(&common::credential_entry(&view.id)),
        "the password is stored in the Secret Service under host/<id>/credential"
    );

    let listed = api.host_list().await;
    transcript.record_result(&listed);
    let checked = api.host_check(&view.id).await;
    transcript.record_result(&checked);
    checked.unwrap_or_else(|err| panic!("host_check with the password failed: {err}"));
    let containers = api.container_list(&view.id).await;
    transcript.record_result(&containers);
    containers.unwrap_or_else(|err| panic!("container_list with the password failed: {err}"));
    drop(api);

    // A new Api has no connection and no password in memory: only the keychain can supply it.
    let fresh = open_api(dir.path()).await;
    let rechecked = fresh.host_check(&view.id).await;
    transcript.record_result(&rechecked);
    rechecked.unwrap_or_else(|err| panic!("host_check from a fresh Api (password from the keychain) failed: {err}"));

    for file in ["homeport.db", "homeport.db-wal", "homeport.db-shm"] {
        let path = dir.path().join(file);
        if let Ok(bytes) = std::fs::read(&path) {
            assert!(
                !common::contains_bytes(&bytes, password.as_bytes()),
                "the password is in '{}'",
                path.display()
            );
        }
    }
    assert!(
        dir.path().join("homeport.db").exists(),
        "the database file exists, so the scan covered it"
    );

    let removed = fresh.host_remove(&view.id).await;
    transcript.record_result(&removed);
    removed.unwrap_or_else(|err| panic!("host_remove failed: {err}"));
    assert!(
        !common::keychain_entries().contains(&common::credential_entry(&view.id)),
        "host_remove deletes the keychain entry"
    );
    drop(fresh);
    drop(log_guard);

    let log_files = common::files_under(&paths.log_dir);
    assert!(
        !log_files.is_empty(),
        "the log folder has a log file, so the scan covered it"
    );
    let leaks = common::files_containing(dir.path(), password.as_bytes());
    assert!(
        leaks.is_empty(),
        "the password is in these files under the data folder: {leaks:?}"
    );
    for (index, json) in transcript.0.iter().enumerate() {
        assert!(!json.contains(&password), "API result #{index} contains the password");
    }
}

#[tokio::test]
async fn wrong_password_saves_nothing() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let _keychain = KEYCHAIN.lock().await;
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let hosts_before = api.host_list().await.expect("host_list");
    let entries_before = common::keychain_entries();

    let input = password_input(&lab, &common::unique_name("badpass"), "not-the-lab-password");
    let unknown = expect_code(
        api.host_add(input.clone(), None).await,
        ErrorCode::HostKeyUnknown,
        "host_add without a trusted key",
    );
    let failed = expect_code(
        api.host_add(input, Some(param(&unknown, "fingerprint"))).await,
        ErrorCode::AuthFailed,
        "host_add with a wrong password",
    );
    assert_eq!(
        param(&failed, "user"),
        lab.var("LAB_SSH_PASS_USER"),
        "the error names the user"
    );
    assert_eq!(param(&failed, "method"), "password", "the error names the method");

    assert_eq!(
        api.host_list().await.expect("host_list"),
        hosts_before,
        "a failed add leaves the host list unchanged"
    );
    let added: BTreeSet<String> = common::keychain_entries()
        .difference(&entries_before)
        .cloned()
        .collect();
    assert!(
        added.is_empty(),
        "a failed add must create no keychain entry, found {added:?}"
    );
}

#[tokio::test]
async fn encrypted_key_needs_right_passphrase() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let _keychain = KEYCHAIN.lock().await;
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let encrypted_key = lab.var("LAB_SSH_CLIENT_KEY_ENC");
    let encrypted_input = |name: &str, passphrase: Option<String>| HostInput {
        key_path: Some(encrypted_key.clone()),
        secret: passphrase,
        jump_host: None,
        group: None,
        tags: Vec::new(),
        ..key_input(&lab, name)
    };

    let cases = [
        ("wrong passphrase", Some("wrong-passphrase".to_string())),
        ("no passphrase", None),
    ];
    for (case, passphrase) in cases {
        let input = encrypted_input(&common::unique_name("enc-bad"), passphrase);
        let result = match api.host_add(input.clone(), None).await {
            Err(err) if err.code == ErrorCode::HostKeyUnknown => {
                api.host_add(input, Some(param(&err, "fingerprint"))).await
            }
            other => other,
        };
        let err = expect_code(result, ErrorCode::PassphraseWrong, case);
        assert_eq!(
            param(&err, "path"),
            encrypted_key,
            "{case}: the error names the key file"
        );
        assert!(ssh_hosts(&api).await.is_empty(), "{case}: nothing is saved");
    }

    let passphrase = lab.var("LAB_SSH_CLIENT_KEY_PASSPHRASE");
    let view = add_host(&api, encrypted_input(&common::unique_name("enc"), Some(passphrase))).await;
    let _entry = common::KeychainEntryGuard {
        host_id: view.id.clone(),
    };
    assert!(view.has_secret, "the passphrase is stored, so has_secret is true");
    assert!(
        common::keychain_entries().contains(&common::credential_entry(&view.id)),
        "the passphrase is in the keychain"
    );
    api.host_check(&view.id)
        .await
        .unwrap_or_else(|err| panic!("host_check with the encrypted key failed: {err}"));

    api.host_remove(&view.id)
        .await
        .unwrap_or_else(|err| panic!("host_remove failed: {err}"));
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    let port = listener.local_addr().expect("bound address").port();
    drop(listener);

    let input = HostInput {
        address: "127.0.0.1".into(),
        port: u32::from(port),
        ..key_input(&lab, &common::unique_name("closed"))
    };
    let err = expect_code(
        api.host_add(input, None).await,
        ErrorCode::HostUnreachable,
        "host_add on a closed port",
    );
    assert_eq!(param(&err, "host"), "127.0.0.1", "the error names the address");
    assert_eq!(param(&err, "port"), port.to_string(), "the error names the port");
    assert!(ssh_hosts(&api).await.is_empty(), "an unreachable host is not saved");
}

#[tokio::test]
async fn docker_socket_errors_are_precise() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let socket = lab.var("LAB_DOCKER_SOCK");
    let nodocker_user = lab.var("LAB_SSH_NODOCKER_USER");

    let nodocker = add_host(
        &api,
        HostInput {
            user: nodocker_user.clone(),
            ..key_input(&lab, &common::unique_name("nodocker"))
        },
    )
    .await;
    let denied = expect_code(
        api.host_check(&nodocker.id).await,
        ErrorCode::DockerPermissionDenied,
        "host_check as a user outside the docker group",
    );
    assert_eq!(param(&denied, "user"), nodocker_user, "the error names the user");
    assert_eq!(param(&denied, "socket"), socket, "the error names the socket");
    expect_code(
        api.container_list(&nodocker.id).await,
        ErrorCode::DockerPermissionDenied,
        "container_list as a user outside the docker group",
    );

    let missing_socket = "/nonexistent/docker.sock";
    let missing = add_host(
        &api,
        HostInput {
            docker_socket: Some(missing_socket.into()),
            ..key_input(&lab, &common::unique_name("nosocket"))
        },
    )
    .await;
    let unavailable = expect_code(
        api.host_check(&missing.id).await,
        ErrorCode::DockerUnavailable,
        "host_check with a socket path that does not exist",
    );
    assert_eq!(
        param(&unavailable, "socket"),
        missing_socket,
        "the error names the socket"
    );
    expect_code(
        api.container_list(&missing.id).await,
        ErrorCode::DockerUnavailable,
        "container_list with a socket path that does not exist",
    );
}

#[tokio::test]
async fn invalid_input_is_rejected_before_connecting() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let valid = key_input(&lab, &common::unique_name("valid"));

    let cases = [
        (
            "address",
            "nas; rm -rf /",
            HostInput {
                address: "nas; rm -rf /".into(),
                ..valid.clone()
            },
        ),
        (
            "address",
            "$(id)",
            HostInput {
                address: "$(id)".into(),
                ..valid.clone()
            },
        ),
        (
            "name",
            "nas;reboot",
            HostInput {
                name: "nas;reboot".into(),
                ..valid.clone()
            },
        ),
        (
            "port",
            "0",
            HostInput {
                port: 0,
                ..valid.clone()
            },
        ),
    ];
    for (field, value, input) in cases {
        // Without a trusted key, InvalidInput (not HostKeyUnknown) shows no connection was tried.
        let err = expect_code(
            api.host_add(input, None).await,
            ErrorCode::InvalidInput,
            &format!("{field} '{value}'"),
        );
        assert_eq!(param(&err, "field"), field, "the error names the field of '{value}'");
        assert_eq!(param(&err, "value"), value, "the error carries the rejected value");
        assert!(
            err.message.contains(value),
            "the message '{}' names the value '{value}'",
            err.message
        );
    }
    assert!(ssh_hosts(&api).await.is_empty(), "invalid input saves nothing");
}

#[tokio::test]
async fn rotated_host_key_needs_replacement() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let address = lab.var("LAB_SSH_ROTATE_HOST");
    let port = lab.port("LAB_SSH_ROTATE_PORT");
    let input = HostInput {
        address: address.clone(),
        port: u32::from(port),
        user: lab.var("LAB_SSH_ROTATE_USER"),
        ..key_input(&lab, &common::unique_name("rotate"))
    };
    let view = add_host(&api, input).await;
    let old_fingerprint = view
        .host_key_fingerprint
        .clone()
        .expect("an added SSH host has a trusted key");

    let lab_script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/lab/lab.sh");
    common::run_checked(
        Command::new(&lab_script)
            .arg("rotate-key")
            .env("HOMEPORT_LAB_DIR", lab.var("HOMEPORT_LAB_DIR")),
    );
    let new_fingerprint = common::keyscan_fingerprint(&address, port);
    assert_ne!(
        new_fingerprint, old_fingerprint,
        "lab.sh rotate-key must give the host a new key"
    );
    let hosts_before = api.host_list().await.expect("host_list");

    let changed = expect_code(
        api.container_list(&view.id).await,
        ErrorCode::HostKeyChanged,
        "container_list after the host key changed",
    );
    assert_eq!(
        param(&changed, "oldFingerprint"),
        old_fingerprint,
        "the error names the trusted key"
    );
    assert_eq!(
        param(&changed, "fingerprint"),
        new_fingerprint,
        "the error names the key ssh-keyscan sees"
    );
    assert_eq!(
        api.host_list().await.expect("host_list"),
        hosts_before,
        "a changed key alters nothing in the store"
    );

    let wrong = api
        .host_replace_key(&view.id, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    let wrong = match wrong {
        Ok(host) => panic!("host_replace_key with a wrong fingerprint succeeded: {host:?}"),
        Err(err) => err,
    };
    assert!(
        matches!(wrong.code, ErrorCode::HostKeyUnknown | ErrorCode::HostKeyChanged),
        "host_replace_key with a wrong fingerprint must fail on the key, got {:?}: {}",
        wrong.code,
        wrong.message
    );
    assert_eq!(
        api.host_list().await.expect("host_list"),
        hosts_before,
        "a rejected replacement stores nothing"
    );

    let replaced = api
        .host_replace_key(&view.id, &new_fingerprint)
        .await
        .unwrap_or_else(|err| panic!("host_replace_key with the new fingerprint failed: {err}"));
    assert_eq!(
        replaced.host_key_fingerprint.as_deref(),
        Some(new_fingerprint.as_str()),
        "the new key is trusted"
    );
    assert!(
        !list_containers(&api, &view.id).await.is_empty(),
        "container_list works with the replaced key"
    );
}

#[tokio::test]
async fn connection_pool_reuses_and_reconnects() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let view = add_host(&api, key_input(&lab, &common::unique_name("pool"))).await;
    let connections = api.host_service().connections();
    assert_eq!(connections.live_count().await, 0, "host_add keeps no connection open");

    for call in 1..=3 {
        list_containers(&api, &view.id).await;
        assert_eq!(
            connections.live_count().await,
            1,
            "after container_list #{call} one connection is live"
        );
    }
    api.host_check(&view.id)
        .await
        .unwrap_or_else(|err| panic!("host_check failed: {err}"));
    api.container_memory(&view.id)
        .await
        .unwrap_or_else(|err| panic!("container_memory failed: {err}"));
    assert_eq!(
        connections.live_count().await,
        1,
        "host_check and container_memory reuse the connection"
    );

    api.host_service().drop_connection(&view.id).await;
    assert_eq!(
        connections.live_count().await,
        0,
        "drop_connection closes the connection"
    );
    assert!(
        !list_containers(&api, &view.id).await.is_empty(),
        "the next call reconnects and lists containers"
    );
    assert_eq!(connections.live_count().await, 1, "the reconnected link is pooled");
}

// ---------------------------------------------------------------------------------------------
// Containers

#[tokio::test]
async fn container_actions_on_test_container() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_host(&api, key_input(&lab, &common::unique_name("actions")))
        .await
        .id;

    let web_name = lab.var("LAB_WEB_CONTAINER");
    let web_port = lab.port("LAB_WEB_PORT");
    let containers = list_containers(&api, &host).await;
    let web = containers
        .iter()
        .find(|container| container.name == web_name)
        .unwrap_or_else(|| panic!("container_list has no '{web_name}': {containers:?}"));
    assert_eq!(web.state, "running", "the lab keeps '{web_name}' running");
    assert!(
        web.ports
            .iter()
            .any(|port| port.public_port == Some(web_port) && port.ip.as_deref() == Some("127.0.0.1")),
        "'{web_name}' publishes port {web_port} on 127.0.0.1, listed ports: {:?}",
        web.ports
    );

    let test = TestContainer::start(&lab, &common::unique_name("hp-test-actions"));
    let listed = container_by_id(&api, &host, &test.id)
        .await
        .expect("the new container is listed");
    assert_eq!(listed.name, test.name, "listed under its name, without the leading '/'");
    assert_eq!(listed.state, "running", "docker run --detach leaves it running");

    act(&api, &host, &test.name, ContainerAction::Stop).await;
    let stopped = container_by_id(&api, &host, &test.id)
        .await
        .expect("a stopped container is still listed");
    assert_eq!(stopped.state, "exited", "state after stop");

    act(&api, &host, &test.name, ContainerAction::Start).await;
    let started = container_by_id(&api, &host, &test.id)
        .await
        .expect("listed after start");
    assert_eq!(started.state, "running", "state after start");

    let before_restart = started_at(&api, &host, &test.id).await;
    act(&api, &host, &test.id, ContainerAction::Restart).await;
    let restarted = container_by_id(&api, &host, &test.id)
        .await
        .expect("listed after restart");
    assert_eq!(restarted.state, "running", "state after restart");
    assert_ne!(
        started_at(&api, &host, &test.id).await,
        before_restart,
        "restart starts the process again"
    );

    let inspect = api
        .container_inspect(&host, &test.id)
        .await
        .unwrap_or_else(|err| panic!("container_inspect failed: {err}"));
    let details: serde_json::Value = serde_json::from_str(&inspect).expect("container_inspect returns JSON");
    assert_eq!(
        details["Name"],
        format!("/{}", test.name),
        "inspect output names the container"
    );
    assert_eq!(details["Id"], test.id.as_str(), "inspect output has the container's id");

    let memory = api
        .container_memory(&host)
        .await
        .unwrap_or_else(|err| panic!("container_memory failed: {err}"));
    let usage = memory
        .iter()
        .find(|usage| usage.container_id == test.id)
        .unwrap_or_else(|| panic!("container_memory has no entry for the running test container: {memory:?}"));
    assert!(usage.used_bytes > 0, "a running shell uses memory, got {usage:?}");

    let running_remove = api.container_action(&host, &test.id, ContainerAction::Remove).await;
    let refused = expect_code(running_remove, ErrorCode::DockerError, "removing a running container");
    let message = refused.message.to_lowercase();
    assert!(
        message.contains("running") && message.contains("stop"),
        "the error says the container runs and must be stopped: {}",
        refused.message
    );
    let still = container_by_id(&api, &host, &test.id)
        .await
        .expect("a refused remove keeps the container");
    assert_eq!(still.state, "running", "a refused remove leaves it running");

    act(&api, &host, &test.id, ContainerAction::Stop).await;
    act(&api, &host, &test.id, ContainerAction::Remove).await;
    assert!(
        container_by_id(&api, &host, &test.id).await.is_none(),
        "a removed container is no longer listed"
    );
}

#[tokio::test]
async fn container_logs_tail_follow_and_cancel() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_host(&api, key_input(&lab, &common::unique_name("logs"))).await.id;
    let test = TestContainer::start(&lab, &common::unique_name("hp-test-logs"));

    // The script prints ten lines at once; wait until Docker has stored all of them.
    let deadline = Instant::now() + STREAM_DEADLINE;
    loop {
        let lines = log_lines(&read_logs(&api, &host, &test.id, 0).await);
        if lines.len() >= 10 {
            break;
        }
        assert!(Instant::now() < deadline, "the test container logged only {lines:?}");
        tokio::task::yield_now().await;
    }

    let events = read_logs(&api, &host, &test.id, 5).await;
    assert_eq!(
        events.last(),
        Some(&LogEvent::End),
        "a stream without follow ends with End: {events:?}"
    );
    let lines = log_lines(&events);
    assert_eq!(lines.len(), 5, "tail=5 delivers the last five lines: {lines:?}");
    let numbers: Vec<u64> = lines.iter().map(|line| line_number(line)).collect();
    let consecutive = numbers.windows(2).all(|pair| pair[1] == pair[0] + 1);
    assert!(consecutive, "the tail is five consecutive lines: {lines:?}");

    // The test runs on one thread, so the stream cannot deliver while the test sets the flag.
    let cancelled = Arc::new(AtomicBool::new(false));
    let (sender, mut receiver) = unbounded_channel::<(bool, LogEvent)>();
    let flag = Arc::clone(&cancelled);
    let sink: Sink<LogEvent> = Box::new(move |event| sender.send((flag.load(Ordering::SeqCst), event)).is_ok());
    let subscription = api
        .container_logs(&host, &test.id, 1, true, sink)
        .await
        .unwrap_or_else(|err| panic!("container_logs follow failed: {err}"));

    let deadline = Instant::now() + STREAM_DEADLINE;
    let mut first = None;
    loop {
        let Some((_, event)) = next_before(&mut receiver, deadline, "a new line while following").await else {
            panic!("the follow stream ended before a new line arrived");
        };
        let number = match event {
            LogEvent::Line { text, .. } => line_number(&text),
            other => panic!("unexpected message while following: {other:?}"),
        };
        match first {
            None => first = Some(number),
            Some(start) if number > start => break,
            Some(_) => {}
        }
    }

    api.subscription_cancel(subscription);
    cancelled.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + STREAM_DEADLINE;
    while let Some((after_cancel, event)) = next_before(&mut receiver, deadline, "the cancelled stream to close").await
    {
        assert!(
            !after_cancel,
            "the stream delivered {event:?} after subscription_cancel"
        );
    }
}

#[tokio::test]
async fn container_events_report_stop() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_host(&api, key_input(&lab, &common::unique_name("events"))).await.id;
    let test = TestContainer::start(&lab, &common::unique_name("hp-test-events"));

    let (sink, mut receiver) = channel_sink::<ContainerEvent>();
    let subscription = api
        .container_events(&host, sink)
        .await
        .unwrap_or_else(|err| panic!("container_events failed: {err}"));

    // The stream opens in the background and reports nothing that happened before. Provoke an
    // `update` event until one arrives, which proves the stream is live.
    let mut live = false;
    for _attempt in 0..10 {
        test.docker(&["update", "--restart", "no", &test.id]);
        match timeout(
            Duration::from_secs(2),
            wait_for_action(&mut receiver, &test.id, &["update"]),
        )
        .await
        {
            Ok(_) => {
                live = true;
                break;
            }
            Err(_) => continue,
        }
    }
    assert!(
        live,
        "no 'update' event for the test container arrived after ten `docker update` calls"
    );

    test.docker(&["stop", &test.id]);
    let action = timeout(
        STREAM_DEADLINE,
        wait_for_action(&mut receiver, &test.id, &["stop", "die"]),
    )
    .await
    .unwrap_or_else(|_| panic!("no stop or die event within {STREAM_DEADLINE:?} of `docker stop`"));
    assert!(
        ["stop", "die"].contains(&action.as_str()),
        "the event reports the stop, got '{action}'"
    );

    api.subscription_cancel(subscription);
}

/// Waits for a `changed` event of `container_id` with one of `actions` and returns its action.
async fn wait_for_action(
    receiver: &mut UnboundedReceiver<ContainerEvent>,
    container_id: &str,
    actions: &[&str],
) -> String {
    loop {
        match receiver.recv().await {
            Some(ContainerEvent::Changed {
                container_id: id,
                action,
            }) if id == container_id && actions.contains(&action.as_str()) => {
                return action;
            }
            Some(ContainerEvent::Changed { .. }) => {}
            Some(ContainerEvent::Error { error }) => panic!("the event stream reported an error: {error}"),
            None => panic!("the event stream closed"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Jump hosts, ssh_config import and the fleet view

/// Builds the input for a key-file host reached as `address:port` (the bastion or the inner
/// host), using the lab engine's socket.
fn key_input_at(lab: &Lab, name: &str, address: &str, port: u16, jump_host: Option<&str>) -> HostInput {
    HostInput {
        address: address.to_string(),
        port: u32::from(port),
        jump_host: jump_host.map(str::to_string),
        ..key_input(lab, name)
    }
}

#[tokio::test]
async fn jump_host_reaches_inner_docker() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let inner_address = lab.var("LAB_SSH_INNER_HOST");
    let inner_port = lab.port("LAB_SSH_INNER_PORT");

    // The inner host listens on the bastion namespace's loopback: without the jump host the
    // port is closed here, which is what makes the rest of the test meaningful.
    let direct = key_input_at(
        &lab,
        &common::unique_name("inner-direct"),
        &inner_address,
        inner_port,
        None,
    );
    let err = api.host_add(direct, None).await.expect_err("direct add must fail");
    assert_eq!(
        err.code,
        ErrorCode::HostUnreachable,
        "inner host without a jump host: {err}"
    );

    let bastion_name = common::unique_name("bastion");
    let bastion = add_host(
        &api,
        key_input_at(
            &lab,
            &bastion_name,
            &lab.var("LAB_SSH_JUMP_HOST"),
            lab.port("LAB_SSH_JUMP_PORT"),
            None,
        ),
    )
    .await;
    let inner_input = key_input_at(
        &lab,
        &common::unique_name("inner"),
        &inner_address,
        inner_port,
        Some(&bastion_name),
    );
    let unknown = expect_code(
        api.host_add(inner_input.clone(), None).await,
        ErrorCode::HostKeyUnknown,
        "inner host through the bastion",
    );
    assert_eq!(
        param(&unknown, "host"),
        inner_address,
        "the inner host's key is asked for"
    );
    let inner = api
        .host_add(inner_input, Some(param(&unknown, "fingerprint")))
        .await
        .expect("add the inner host with its confirmed key");
    assert_eq!(
        inner.jump_host_id.as_deref(),
        Some(bastion.id.as_str()),
        "jump host stored by id"
    );

    let containers = list_containers(&api, &inner.id).await;
    assert!(
        containers
            .iter()
            .any(|container| container.name == lab.var("LAB_WEB_CONTAINER")),
        "the lab container is listed through the jump host"
    );

    let removal = expect_code(
        api.host_remove(&bastion.id).await,
        ErrorCode::InvalidInput,
        "removing a jump host in use",
    );
    assert!(
        removal.message.contains(&inner.name),
        "the error names the dependent host: {removal}"
    );
    api.host_remove(&inner.id).await.expect("remove the inner host");
    api.host_remove(&bastion.id).await.expect("remove the unused bastion");
}

#[tokio::test]
async fn jump_host_cycle_is_rejected() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let name = common::unique_name("self-jump");
    let host = add_host(&api, key_input(&lab, &name)).await;

    let mut input = key_input(&lab, &name);
    input.jump_host = Some(name.clone());
    let err = expect_code(
        api.host_update(&host.id, input, None).await,
        ErrorCode::InvalidInput,
        "a host jumping through itself",
    );
    assert_eq!(param(&err, "field"), "jumpHost");
}

/// Writes an ssh_config and a known_hosts for the lab into `dir` and returns the import files.
fn write_lab_ssh_config(lab: &Lab, dir: &Path, suffix: &str) -> homeport_api::ImportFiles {
    let key = lab.var("LAB_SSH_CLIENT_KEY");
    let user = lab.var("LAB_SSH_KEY_USER");
    std::fs::create_dir_all(dir.join("config.d")).expect("config dir");
    let config = format!(
        "Host web-{suffix}\n  HostName {key_host}\n  Port {key_port}\n\n\
         Host inner-{suffix}\n  HostName {inner_host}\n  Port {inner_port}\n  ProxyJump bastion-{suffix}\n\n\
         Host bastion-{suffix}\n  HostName {jump_host}\n\n\
         Host web-{suffix} inner-{suffix} bastion-{suffix}\n  User {user}\n  IdentityFile {key}\n\n\
         Host *\n  ServerAliveInterval 30\nInclude {dir}/config.d/*.conf\n",
        key_host = lab.var("LAB_SSH_KEY_HOST"),
        key_port = lab.port("LAB_SSH_KEY_PORT"),
        inner_host = lab.var("LAB_SSH_INNER_HOST"),
        inner_port = lab.port("LAB_SSH_INNER_PORT"),
        jump_host = lab.var("LAB_SSH_JUMP_HOST"),
        dir = dir.display(),
    );
    std::fs::write(dir.join("config"), config).expect("write config");
    std::fs::write(
        dir.join("config.d/10-nas.conf"),
        format!("Host nas-{suffix}\n  HostName 192.0.2.10\n  User backup\n  Port 2222\n"),
    )
    .expect("write include");
    std::fs::copy(lab.var("LAB_SSH_KNOWN_HOSTS"), dir.join("known_hosts")).expect("copy known_hosts");
    homeport_api::ImportFiles {
        config: Some(dir.join("config").display().to_string()),
        known_hosts: Some(vec![dir.join("known_hosts").display().to_string()]),
        ..homeport_api::ImportFiles::default()
    }
}

#[tokio::test]
async fn ssh_config_import_preview_apply_reimport() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(&dir.path().join("data")).await;
    let suffix = common::unique_name("imp");
    let files = write_lab_ssh_config(&lab, &dir.path().join("ssh"), &suffix);

    let preview = api.ssh_import_preview(&files).await.expect("preview");
    assert!(ssh_hosts(&api).await.is_empty(), "a preview writes nothing");
    let names: Vec<&str> = preview
        .candidates
        .iter()
        .map(|candidate| candidate.name.as_str())
        .collect();
    let bastion = format!("bastion-{suffix}");
    let inner = format!("inner-{suffix}");
    let position = |name: &str| names.iter().position(|known| *known == name);
    assert!(
        position(&bastion) < position(&inner) && position(&bastion).is_some(),
        "the jump host comes before the host that uses it: {names:?}"
    );
    let nas = preview
        .candidates
        .iter()
        .find(|candidate| candidate.name == format!("nas-{suffix}"))
        .expect("the included host is offered");
    assert_eq!(
        (nas.address.as_str(), nas.user.as_str(), nas.port),
        ("192.0.2.10", "backup", 2222)
    );
    let web = preview
        .candidates
        .iter()
        .find(|candidate| candidate.name == format!("web-{suffix}"))
        .expect("web host offered");
    assert_eq!(
        web.host_key,
        homeport_api::HostKeyStatus::Known,
        "key found in known_hosts"
    );
    assert_eq!(web.auth, AuthMethod::Key);
    assert!(web.recommended, "a clean host is ticked: {:?}", web.problems);

    let chosen = vec![inner.clone(), format!("web-{suffix}")];
    let result = api
        .ssh_import_apply(&files, &preview.digest, &chosen)
        .await
        .expect("apply");
    assert_eq!(result.added.len(), 3, "the inner host brings its jump host: {result:?}");

    // Imported hosts connect without a trust prompt because known_hosts vouched for them, and
    // the inner one goes through the imported bastion.
    let hosts = ssh_hosts(&api).await;
    let inner_host = hosts.iter().find(|host| host.name == inner).expect("inner imported");
    let bastion_host = hosts
        .iter()
        .find(|host| host.name == bastion)
        .expect("bastion imported");
    assert_eq!(inner_host.jump_host_id.as_deref(), Some(bastion_host.id.as_str()));
    let mut edit = key_input_at(
        &lab,
        &inner,
        &inner_host.address,
        inner_host.port,
        Some(&bastion_host.id),
    );
    edit.docker_socket = Some(lab.var("LAB_DOCKER_SOCK"));
    api.host_update(&inner_host.id, edit, None)
        .await
        .expect("set the lab socket on the imported host");
    assert!(!list_containers(&api, &inner_host.id).await.is_empty());

    let again = api.ssh_import_preview(&files).await.expect("second preview");
    let result = api
        .ssh_import_apply(&files, &again.digest, &chosen)
        .await
        .expect("second apply");
    assert!(result.added.is_empty(), "re-import adds nothing: {result:?}");
    assert_eq!(ssh_hosts(&api).await.len(), 3, "re-import does not duplicate");
    let after = ssh_hosts(&api).await;
    let inner_after = after.iter().find(|host| host.name == inner).expect("inner kept");
    assert_eq!(
        inner_after.docker_socket,
        lab.var("LAB_DOCKER_SOCK"),
        "re-import keeps what the configuration does not describe"
    );

    let stale = api.ssh_import_apply(&files, "0000", &chosen).await;
    assert_eq!(
        stale.expect_err("a stale digest is refused").code,
        ErrorCode::InvalidInput
    );
}

#[tokio::test]
async fn ssh_config_syntax_error_names_line() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(&dir.path().join("data")).await;
    let files = write_lab_ssh_config(&lab, &dir.path().join("ssh"), "bad");
    let include = dir.path().join("ssh/config.d/20-broken.conf");
    std::fs::write(&include, "Host broken\n  HostName 192.0.2.99\n  Prot 22\n").expect("write broken include");

    let err = expect_code(
        api.ssh_import_preview(&files).await,
        ErrorCode::ConfigInvalid,
        "config with an unknown keyword",
    );
    assert_eq!(
        param(&err, "file"),
        include.display().to_string(),
        "the broken file is named"
    );
    assert_eq!(param(&err, "line"), "3");
    assert_eq!(param(&err, "column"), "3");
    assert!(
        ssh_hosts(&api).await.is_empty(),
        "nothing is imported from a broken configuration"
    );
}

#[tokio::test]
async fn revoked_known_hosts_key_is_rejected() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(&dir.path().join("data")).await;
    let files = write_lab_ssh_config(&lab, &dir.path().join("ssh"), "rev");
    let known_hosts = dir.path().join("ssh/known_hosts");
    let original = std::fs::read_to_string(&known_hosts).expect("read known_hosts");
    let key_host = format!("[{}]:{} ", lab.var("LAB_SSH_KEY_HOST"), lab.port("LAB_SSH_KEY_PORT"));
    let revoked: String = original
        .lines()
        .map(|line| match line.strip_prefix(&key_host) {
            Some(key) => format!("@revoked * {key}\n"),
            None => format!("{line}\n"),
        })
        .collect();
    std::fs::write(&known_hosts, revoked).expect("write known_hosts");

    let preview = api.ssh_import_preview(&files).await.expect("preview");
    let web = preview
        .candidates
        .iter()
        .find(|candidate| candidate.name == "web-rev")
        .expect("web host offered");
    assert_ne!(
        web.host_key,
        homeport_api::HostKeyStatus::Known,
        "a revoked key is never offered"
    );
    let result = api
        .ssh_import_apply(&files, &preview.digest, &["web-rev".to_string()])
        .await
        .expect("apply");
    assert_eq!(result.revoked_keys_recorded, 1);

    let err = expect_code(
        api.host_add(
            key_input(&lab, &common::unique_name("revoked")),
            Some(common::keyscan_fingerprint(
                &lab.var("LAB_SSH_KEY_HOST"),
                lab.port("LAB_SSH_KEY_PORT"),
            )),
        )
        .await,
        ErrorCode::HostKeyRevoked,
        "adding a host whose key is revoked, even with its fingerprint confirmed",
    );
    assert_eq!(param(&err, "host"), lab.var("LAB_SSH_KEY_HOST"));
}

#[tokio::test]
async fn fleet_status_reports_each_host() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let online = add_host(&api, key_input(&lab, &common::unique_name("fleet-on"))).await;
    let fleet_address = lab.var("LAB_SSH_FLEET_HOSTS");
    let second_address = fleet_address.split_whitespace().nth(1).expect("fleet addresses");
    let second = add_host(
        &api,
        key_input_at(
            &lab,
            &common::unique_name("fleet-2"),
            second_address,
            lab.port("LAB_SSH_FLEET_PORT"),
            None,
        ),
    )
    .await;

    // A host whose sshd stops answering after it was added: a listener that accepts and
    // never speaks, so only the per-host timeout can end the attempt.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a silent listener");
    let silent_port = silent.local_addr().expect("listener address").port();
    let dead = add_host(&api, key_input(&lab, &common::unique_name("fleet-dead"))).await;
    let mut moved = key_input_at(&lab, &dead.name, "127.0.0.1", silent_port, None);
    moved.docker_socket = Some(lab.var("LAB_DOCKER_SOCK"));
    // Editing connects first, so point the host at the silent port behind the API's back.
    let store = api.host_service().store();
    let spec = homeport_core::inventory::HostDraft::from(moved)
        .validate()
        .expect("valid draft");
    store
        .update_host_with(&dead.id, &spec, false, None)
        .await
        .expect("move the host to the silent port");

    let started = std::time::Instant::now();
    let fleet = api
        .fleet_status(Some(Duration::from_secs(2)))
        .await
        .expect("fleet status");
    let elapsed = started.elapsed();
    drop(silent);

    let state_of = |id: &str| fleet.iter().find(|entry| entry.host.id == id).expect("host in fleet");
    assert_eq!(state_of(&online.id).state, homeport_api::HostState::Online);
    assert_eq!(state_of(&second.id).state, homeport_api::HostState::Online);
    let counts = state_of(&online.id).containers.expect("counts for an online host");
    assert!(counts.running >= 1, "the lab container runs");
    let dead_entry = state_of(&dead.id);
    assert_eq!(
        dead_entry.state,
        homeport_api::HostState::Unreachable,
        "{:?}",
        dead_entry.error
    );
    assert!(
        elapsed < Duration::from_secs(6),
        "one silent host costs its own timeout, not the sum of all hosts: took {elapsed:?}"
    );
    assert!(
        state_of(&online.id).elapsed_ms < 2000,
        "the online host's time does not include the silent host's wait"
    );
}

#[tokio::test]
async fn host_facts_are_read_then_cached() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_host(&api, key_input(&lab, &common::unique_name("facts"))).await;

    let fresh = api
        .host_facts(&host.id, false)
        .await
        .expect("facts without a cache read the host");
    assert_eq!(
        fresh.architecture.as_deref(),
        Some(std::env::consts::ARCH),
        "same machine as the lab sshd"
    );
    assert!(
        fresh.filesystems.iter().any(|filesystem| filesystem.mount_point == "/"),
        "the root filesystem is listed: {:?}",
        fresh.filesystems
    );
    assert!(fresh.docker_version.is_some(), "the lab user may run docker");

    let cached = api.host_facts(&host.id, false).await.expect("cached facts");
    assert_eq!(
        cached.read_at, fresh.read_at,
        "a second call without refresh uses the cache"
    );
    let refreshed = api.host_facts(&host.id, true).await.expect("refreshed facts");
    assert!(refreshed.read_at > fresh.read_at, "refresh reads the host again");
}

// ---------------------------------------------------------------------------------------------
// Authentication methods and key types

#[tokio::test]
async fn keyboard_interactive_host_takes_password() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let _keychain = KEYCHAIN.lock().await;
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let password = lab.var("LAB_SSH_PASS_PASSWORD");
    let input = HostInput {
        address: lab.var("LAB_SSH_KBD_HOST"),
        port: u32::from(lab.port("LAB_SSH_KBD_PORT")),
        ..password_input(&lab, &common::unique_name("kbd"), &password)
    };

    let wrong = HostInput {
        secret: Some("not-the-password".into()),
        ..input.clone()
    };
    let fingerprint = common::keyscan_fingerprint(&lab.var("LAB_SSH_KBD_HOST"), lab.port("LAB_SSH_KBD_PORT"));
    expect_code(
        api.host_add(wrong, Some(fingerprint.clone())).await,
        ErrorCode::AuthFailed,
        "keyboard-interactive with a wrong password",
    );

    let host = api
        .host_add(input, Some(fingerprint))
        .await
        .expect("keyboard-interactive host with the right password");
    assert!(
        !list_containers(&api, &host.id).await.is_empty(),
        "the host works after a keyboard-interactive login"
    );
    api.host_remove(&host.id).await.expect("remove the host and its secret");
}

#[tokio::test]
async fn ecdsa_and_rsa_keys_authenticate() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;

    for variable in ["LAB_SSH_CLIENT_KEY_ECDSA", "LAB_SSH_CLIENT_KEY_RSA"] {
        let input = HostInput {
            key_path: Some(lab.var(variable)),
            ..key_input(&lab, &common::unique_name("keytype"))
        };
        let host = add_host(&api, input).await;
        assert!(
            !list_containers(&api, &host.id).await.is_empty(),
            "login with the key from {variable} works"
        );
    }
}

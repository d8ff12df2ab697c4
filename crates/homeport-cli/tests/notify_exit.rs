//! A CLI command that opens an alert sends its notifications before the process exits: the
//! sends run in the background, and `homeport` waits for them at exit. Against the lab engine
//! on its local socket and the lab keychain; skips when `HOMEPORT_LAB_ENV` is unset.

#[path = "../../homeport-api/tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use homeport_api::notify::{NotifyChannelInput, NotifySecretInput};
use homeport_api::Api;
use homeport_core::alerts::notify::{ChannelSettings, SecretField};
use homeport_core::paths::AppPaths;
use tempfile::TempDir;

mod run;
use run::{homeport, json};

/// Accepts webhook requests on loopback in a thread and records each request line.
fn receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            // Recorded before the reply, so the sender cannot have finished before this.
            log.lock().expect("log lock").push(line.trim_end().to_string());
            let mut header = String::new();
            while reader.read_line(&mut header).map(|read| read > 0).unwrap_or(false) && header.trim_end() != "" {
                header.clear();
            }
            let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n");
        }
    });
    (url, requests)
}

#[test]
fn collect_once_sends_before_exit() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let data = TempDir::new().expect("temp dir");
    let dir = data.path();
    let (url, requests) = receiver();

    // Channels have no CLI command; the API writes the same database and keychain.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let api = Api::open(AppPaths::portable(dir.to_path_buf()))
            .await
            .expect("open the API");
        api.notify_channel_save(NotifyChannelInput {
            id: None,
            name: "receiver".into(),
            enabled: true,
            settings: ChannelSettings::Webhook {},
            secrets: vec![NotifySecretInput {
                field: SecretField::Url,
                value: url.clone(),
            }],
        })
        .await
        .expect("save the webhook channel");
    });
    drop(runtime);

    let socket = lab.var("LAB_DOCKER_SOCK");
    json(
        &homeport(
            dir,
            &["host", "add-engine", "--name", "engine", "--socket", &socket, "--json"],
        ),
        "add the engine",
    );
    json(
        &homeport(dir, &["rules", "set", "filesystem_full", "--threshold", "1", "--json"]),
        "lower the threshold",
    );
    json(
        &homeport(dir, &["metrics", "collect", "engine", "--once", "--json"]),
        "collect",
    );

    let seen = requests.lock().expect("log lock").clone();
    assert!(
        seen.iter().any(|line| line.starts_with("POST /hook")),
        "the webhook was called before homeport exited: {seen:?}"
    );
}

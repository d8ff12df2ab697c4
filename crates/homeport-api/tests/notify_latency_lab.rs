//! Measures the time from a threshold crossing to a notification, end to end through the real
//! pieces: a TLS check of a lab certificate that expires in 2 days writes `tls_days_left`, the
//! built-in rule `tls_days_left < 30` (for 0 s) fires when the check evaluates the host's rules,
//! and the webhook channel posts to a receiver on loopback that timestamps the request. docs/notifications.md records
//! the number this prints.
//!
//! Skips when `HOMEPORT_LAB_ENV` is unset; expects `DBUS_SESSION_BUS_ADDRESS=$LAB_DBUS_ADDRESS`.

mod common;
mod tls_server;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use homeport_api::notify::{NotifyChannelInput, NotifySecretInput};
use homeport_api::{Api, EngineInput};
use homeport_core::alerts::notify::{ChannelSettings, SecretField};
use homeport_core::alerts::tls::TlsEndpoint;
use homeport_core::paths::AppPaths;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Starts a webhook receiver that records the arrival time of each request line.
async fn receiver() -> (String, Arc<Mutex<Vec<Instant>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let log = arrivals.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                reader.read_line(&mut line).await.unwrap();
                log.lock().unwrap().push(Instant::now());
                // Drain the headers and body: the request is small, one read of each line.
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).await.unwrap_or(0) == 0 || header.trim_end().is_empty() {
                        break;
                    }
                }
                let mut stream = reader.into_inner();
                let _ = stream
                    .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (base, arrivals)
}

#[tokio::test]
async fn threshold_crossing_to_webhook() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let dir = TempDir::new().unwrap();
    let api = Api::open(AppPaths::portable(dir.path().to_path_buf())).await.unwrap();
    let host = api
        .host_add_engine(EngineInput {
            name: "latency-engine".into(),
            socket: Some(lab.var("LAB_DOCKER_SOCK")),
            address: None,
            port: None,
            tls: None,
            group: None,
            tags: Vec::new(),
        })
        .await
        .unwrap();
    let (base, arrivals) = receiver().await;
    let channel = api
        .notify_channel_save(NotifyChannelInput {
            id: None,
            name: "latency".into(),
            enabled: true,
            settings: ChannelSettings::Webhook {},
            secrets: vec![NotifySecretInput {
                field: SecretField::Url,
                value: format!("{base}/hook"),
            }],
        })
        .await
        .unwrap();
    let certs = Path::new(&lab.var("LAB_TLS_CHECK_DIR")).to_path_buf();
    let port = tls_server::serve(&certs, "soon").await;

    // Saving checks the endpoint, writes `tls_days_left` and evaluates the host's rules.
    let started = Instant::now();
    let saved = api
        .tls_endpoint_save(TlsEndpoint {
            id: String::new(),
            address: "127.0.0.1".into(),
            port,
            server_name: lab.var("LAB_TLS_CHECK_NAME"),
            host_id: Some(host.id.clone()),
            trusted_ca_pem: None,
        })
        .await
        .unwrap();
    let returned = Instant::now();
    assert_eq!(saved.report.unwrap().days_left, Some(2));

    let deadline = Instant::now() + Duration::from_secs(15);
    let arrived = loop {
        if let Some(at) = arrivals.lock().unwrap().first().copied() {
            break at;
        }
        assert!(Instant::now() < deadline, "no webhook request within 15 s");
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let latency = arrived.duration_since(started);
    println!(
        "latency: TLS check start -> webhook received {:.1} ms (the save returned after {:.1} ms)",
        latency.as_secs_f64() * 1000.0,
        returned.duration_since(started).as_secs_f64() * 1000.0
    );
    assert!(latency < Duration::from_secs(5), "{latency:?}");
    assert_eq!(arrivals.lock().unwrap().len(), 1, "the rule fires once");
    assert_eq!(
        api.alerts_evaluate(&host.id).await.unwrap(),
        0,
        "evaluating again sends nothing new"
    );

    api.notify_channel_remove(&channel.id).await.unwrap();
}

//! Notification channels through the API: secrets in the lab's keychain (never in the
//! database), test messages in the app's language, dispatch to every enabled channel with
//! per-channel failures, and quiet hours with the summary. Servers are on loopback.
//!
//! Every test skips when `HOMEPORT_LAB_ENV` is unset and expects
//! `DBUS_SESSION_BUS_ADDRESS=$LAB_DBUS_ADDRESS`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use homeport_api::notify::{NotifyChannelInput, NotifySecretInput, Outcome};
use homeport_api::{Api, Language, Settings};
use homeport_core::alerts::notify::{ChannelSettings, QuietHours, SecretField};
use homeport_core::alerts::{Alert, AlertNotice, AlertState, NoticeKind, Severity};
use homeport_core::paths::AppPaths;
use homeport_core::ErrorCode;
use serde_json::Value;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Serialises the tests, because they add and remove keychain entries.
static KEYCHAIN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn open_api(dir: &Path) -> Api {
    Api::open(AppPaths::portable(dir.to_path_buf())).await.unwrap()
}

/// Starts an HTTP server on loopback that returns 200 `{}` and records each request's target and
/// JSON body.
async fn recorder() -> (String, Arc<Mutex<Vec<(String, Value)>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let writer = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let writer = writer.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream);
                let mut request_line = String::new();
                reader.read_line(&mut request_line).await.unwrap();
                let target = request_line.split_whitespace().nth(1).unwrap_or_default().to_string();
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).await.unwrap();
                    if line.trim_end().is_empty() {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':') {
                        if name.eq_ignore_ascii_case("content-length") {
                            length = value.trim().parse().unwrap();
                        }
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).await.unwrap();
                writer
                    .lock()
                    .unwrap()
                    .push((target, serde_json::from_slice(&body).unwrap_or(Value::Null)));
                let mut stream = reader.into_inner();
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                    .await
                    .unwrap();
            });
        }
    });
    (base, log)
}

fn webhook_input(name: &str, url: &str) -> NotifyChannelInput {
    NotifyChannelInput {
        id: None,
        name: name.to_string(),
        enabled: true,
        settings: ChannelSettings::Webhook {},
        secrets: vec![NotifySecretInput {
            field: SecretField::Url,
            value: url.to_string(),
        }],
    }
}

fn notice(severity: Severity, kind: NoticeKind) -> AlertNotice {
    AlertNotice {
        alert: Alert {
            id: format!("alert-{}", severity.as_str()),
            source: "homeport".into(),
            fingerprint: "filesystem_full:h1:/".into(),
            rule: "filesystem_full".into(),
            host_id: None,
            service: String::new(),
            severity,
            state: AlertState::Firing,
            params: BTreeMap::from([("value".to_string(), "93 %".to_string())]),
            count: 1,
            first_seen: "2026-12-05T07:00:00Z".into(),
            last_seen: "2026-12-05T07:00:00Z".into(),
            resolved_at: None,
            acknowledged_at: None,
            silenced_until: None,
            resolved_by: None,
        },
        kind,
        host_name: Some("nas".into()),
    }
}

#[tokio::test]
async fn secrets_stay_out_of_the_database() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let _guard = KEYCHAIN.lock().await;
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let (base, log) = recorder().await;
    let url = format!("{base}/hook?key=very-secret-key-123");

    let saved = api.notify_channel_save(webhook_input("Ops hook", &url)).await.unwrap();
    assert_eq!(saved.secrets_set, vec![SecretField::Url]);
    assert!(saved.secrets_missing.is_empty());
    let entry = format!("notify/{}/url", saved.id);
    assert!(
        common::keychain_entries().contains(&entry),
        "the URL is in the keychain as {entry}"
    );

    let report = api.notify_channel_test(&saved.id).await.unwrap();
    assert_eq!(report.status, 200);
    assert_eq!(log.lock().unwrap().len(), 1);
    assert_eq!(log.lock().unwrap()[0].0, "/hook?key=very-secret-key-123");

    drop(api);
    for file in std::fs::read_dir(dir.path()).unwrap().flatten() {
        if file.path().is_file() {
            let bytes = std::fs::read(file.path()).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("very-secret-key-123"),
                "{} contains the webhook key",
                file.path().display()
            );
        }
    }

    let api = open_api(dir.path()).await;
    api.notify_channel_remove(&saved.id).await.unwrap();
    assert!(
        !common::keychain_entries().contains(&entry),
        "removing the channel deletes its entry"
    );
    let err = api.notify_channel_test(&saved.id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotifyChannelNotFound);
}

#[tokio::test]
async fn test_message_follows_language_setting() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let _guard = KEYCHAIN.lock().await;
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let (base, log) = recorder().await;
    let saved = api
        .notify_channel_save(webhook_input("值班群", &format!("{base}/zh")))
        .await
        .unwrap();

    api.settings_set(Settings {
        language: Language::ZhCn,
        ..api.settings_get().await.unwrap()
    })
    .await
    .unwrap();
    api.notify_channel_test(&saved.id).await.unwrap();
    api.settings_set(Settings {
        language: Language::En,
        ..api.settings_get().await.unwrap()
    })
    .await
    .unwrap();
    api.notify_channel_test(&saved.id).await.unwrap();

    let requests = log.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].1["title"], "Homeport 测试消息");
    assert_eq!(requests[0].1["event"], "test");
    assert_eq!(requests[1].1["title"], "Homeport test message");
    api.notify_channel_remove(&saved.id).await.unwrap();
}

#[tokio::test]
async fn dispatch_reaches_enabled_channels_and_reports_failures() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let _guard = KEYCHAIN.lock().await;
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let (base, log) = recorder().await;
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();

    let good = api
        .notify_channel_save(webhook_input("good", &format!("{base}/good")))
        .await
        .unwrap();
    let broken = api
        .notify_channel_save(webhook_input("broken", &format!("http://127.0.0.1:{closed_port}/x")))
        .await
        .unwrap();
    let mut off = webhook_input("off", &format!("{base}/off"));
    off.enabled = false;
    let off = api.notify_channel_save(off).await.unwrap();

    let outcome = api
        .alerts_notify_wait(&notice(Severity::P1, NoticeKind::Opened), 12 * 60)
        .await
        .unwrap();
    let Outcome::Sent(results) = outcome else {
        panic!("expected Sent, got {outcome:?}")
    };
    let by_id: BTreeMap<_, _> = results.into_iter().collect();
    assert_eq!(by_id.len(), 2, "only enabled channels are used");
    assert_eq!(by_id[&good.id], Ok(200));
    assert!(
        by_id[&broken.id].is_err(),
        "the closed port fails: {:?}",
        by_id[&broken.id]
    );

    let requests = log.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].0, "/good");
    let body = &requests[0].1;
    assert_eq!(body["severity"], "P1");
    assert_eq!(body["host"], "nas");
    assert_eq!(body["rule"], "filesystem_full");
    assert_eq!(body["value"], "93 %");
    assert_eq!(body["event"], "opened");

    for id in [good.id, broken.id, off.id] {
        api.notify_channel_remove(&id).await.unwrap();
    }
}

#[tokio::test]
async fn quiet_hours_hold_and_summarize() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let _guard = KEYCHAIN.lock().await;
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let (base, log) = recorder().await;
    let channel = api
        .notify_channel_save(webhook_input("night", &format!("{base}/n")))
        .await
        .unwrap();
    api.settings_set(Settings {
        language: Language::En,
        ..api.settings_get().await.unwrap()
    })
    .await
    .unwrap();
    api.notify_quiet_hours_set(QuietHours {
        enabled: true,
        start: "22:00".into(),
        end: "07:00".into(),
    })
    .await
    .unwrap();

    let night = 23 * 60;
    let held = api
        .alerts_notify_wait(&notice(Severity::P1, NoticeKind::Opened), night)
        .await
        .unwrap();
    assert_eq!(held, Outcome::Held);
    let held = api
        .alerts_notify_wait(&notice(Severity::P3, NoticeKind::Opened), night)
        .await
        .unwrap();
    assert_eq!(held, Outcome::Held);
    assert_eq!(api.notify_held_count().await.unwrap(), 2);
    assert!(log.lock().unwrap().is_empty(), "nothing is sent for held notices");

    let urgent = api
        .alerts_notify_wait(&notice(Severity::P0, NoticeKind::Opened), night)
        .await
        .unwrap();
    assert!(matches!(urgent, Outcome::Sent(_)), "P0 ignores quiet hours");
    assert_eq!(log.lock().unwrap().len(), 1);

    assert_eq!(api.notify_flush_held(3 * 60).await.unwrap(), 0, "still quiet at 03:00");
    assert_eq!(
        api.notify_flush_held(7 * 60).await.unwrap(),
        2,
        "the summary goes out at 07:00"
    );
    assert_eq!(api.notify_held_count().await.unwrap(), 0);
    assert_eq!(
        api.notify_flush_held(7 * 60 + 1).await.unwrap(),
        0,
        "the summary is sent once"
    );

    let requests = log.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    let summary = &requests[1].1;
    assert_eq!(summary["title"], "2 notifications from quiet hours");
    assert_eq!(summary["severity"], "P1", "the summary has the highest held severity");
    let text = summary["message"].as_str().unwrap();
    assert!(text.contains("[P1] Filesystem almost full on nas"), "{text}");
    assert!(text.contains("[P3] Filesystem almost full on nas"), "{text}");

    api.notify_channel_remove(&channel.id).await.unwrap();
}

#[tokio::test]
async fn invalid_quiet_hours_are_rejected() {
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let err = api
        .notify_quiet_hours_set(QuietHours {
            enabled: true,
            start: "25:00".into(),
            end: "07:00".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(api.notify_quiet_hours().await.unwrap(), QuietHours::default());
}

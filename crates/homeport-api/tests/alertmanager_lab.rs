//! Alertmanager against the lab's real server (`LAB_ALERTMANAGER_URL`), where the lab's
//! Prometheus keeps the alert `LAB_ALERT_NAME` firing. The sync opens one inbox alert with
//! Alertmanager's fingerprint, and a second sync adds nothing. A silence created from Homeport
//! hides the alert, so the next sync resolves it, and expiring the silence brings it back.
//!
//! Skips when `HOMEPORT_LAB_ENV` is unset.

mod common;

use std::time::Duration;

use homeport_api::Api;
use homeport_core::alerts::alertmanager::{AlertmanagerSource, Matcher, NewSilence, ALERTMANAGER_SOURCE};
use homeport_core::alerts::{AlertState, Severity};
use homeport_core::paths::AppPaths;
use homeport_core::ErrorCode;
use tempfile::TempDir;

fn rfc3339(offset: time::Duration) -> String {
    (time::OffsetDateTime::now_utc() + offset)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// Syncs until the lab alert's state matches `active`, at most 20 times 0.5 s apart, because
/// Alertmanager applies a new or expired silence to its alert list within about a second.
async fn sync_until(api: &Api, id: &str, active: bool) -> homeport_api::alertmanager::AlertmanagerSyncView {
    for _ in 0..20 {
        let view = api.alertmanager_sync(id).await.unwrap();
        if (view.active > 0) == active {
            return view;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!(
        "the lab alert did not become {}",
        if active { "active" } else { "silenced" }
    );
}

#[tokio::test]
async fn sync_and_silence_round_trip() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().unwrap();
    let api = Api::open(AppPaths::portable(dir.path().to_path_buf())).await.unwrap();
    let alert_name = lab.var("LAB_ALERT_NAME");
    let source = api
        .alertmanager_source_set(AlertmanagerSource {
            id: String::new(),
            host_id: None,
            url: lab.var("LAB_ALERTMANAGER_URL"),
            through_ssh: false,
        })
        .await
        .unwrap();

    // A run that failed midway may have left its silence: expire it first.
    for silence in api.alertmanager_silences(&source.id).await.unwrap() {
        if silence.created_by == "homeport-test" && silence.state == "active" {
            api.alertmanager_silence_expire(&source.id, &silence.id).await.unwrap();
        }
    }
    let first = sync_until(&api, &source.id, true).await;
    assert!(first.opened <= 1);
    let again = api.alertmanager_sync(&source.id).await.unwrap();
    assert_eq!(again.opened, 0, "an open alert is not opened twice");

    let store = homeport_core::store::Store::open(&dir.path().join("homeport.db"))
        .await
        .unwrap();
    let open: Vec<_> = store
        .open_alerts()
        .await
        .unwrap()
        .into_iter()
        .filter(|alert| alert.source == ALERTMANAGER_SOURCE && alert.rule == alert_name)
        .collect();
    assert_eq!(open.len(), 1, "one inbox alert for the lab alert");
    let alert = &open[0];
    assert_eq!(alert.count, 1, "polling does not raise the count");
    assert_eq!(
        alert.fingerprint.len(),
        16,
        "Alertmanager's fingerprint: {}",
        alert.fingerprint
    );
    assert_eq!(alert.severity, Severity::P3, "the lab alert has severity=info");
    assert!(alert
        .params
        .get("detail")
        .is_some_and(|detail| detail.contains("Always fires")));

    let silence_id = api
        .alertmanager_silence_create(
            &source.id,
            NewSilence {
                matchers: vec![Matcher {
                    name: "alertname".into(),
                    value: alert_name.clone(),
                    is_regex: false,
                    is_equal: true,
                }],
                starts_at: rfc3339(time::Duration::ZERO),
                ends_at: rfc3339(time::Duration::minutes(10)),
                created_by: "homeport-test".into(),
                comment: "alertmanager_lab".into(),
            },
        )
        .await
        .unwrap();
    let silences = api.alertmanager_silences(&source.id).await.unwrap();
    let created = silences
        .iter()
        .find(|silence| silence.id == silence_id)
        .expect("the new silence is listed");
    assert_eq!(created.state, "active");
    assert_eq!(created.matchers[0].value, alert_name);

    let silenced = sync_until(&api, &source.id, false).await;
    assert_eq!(silenced.resolved, 1, "the silenced alert resolves");
    let resolved = store.open_alerts().await.unwrap();
    assert!(resolved
        .iter()
        .all(|open| open.fingerprint != alert.fingerprint || open.state == AlertState::Resolved));

    api.alertmanager_silence_expire(&source.id, &silence_id).await.unwrap();
    let back = sync_until(&api, &source.id, true).await;
    assert_eq!(back.opened, 1, "a new episode opens after the silence expires");
}

#[tokio::test]
async fn unreachable_server_reports_alertmanager_failed() {
    let dir = TempDir::new().unwrap();
    let api = Api::open(AppPaths::portable(dir.path().to_path_buf())).await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let source = api
        .alertmanager_source_set(AlertmanagerSource {
            id: String::new(),
            host_id: None,
            url: format!("http://127.0.0.1:{port}"),
            through_ssh: false,
        })
        .await
        .unwrap();
    let err = api.alertmanager_sync(&source.id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::AlertmanagerFailed);
}

#[tokio::test]
async fn sync_through_ssh_uses_host() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().unwrap();
    let api = Api::open(AppPaths::portable(dir.path().to_path_buf())).await.unwrap();
    let input = homeport_api::HostInput {
        name: "am-ssh".into(),
        address: lab.var("LAB_SSH_KEY_HOST"),
        port: u32::from(lab.port("LAB_SSH_KEY_PORT")),
        user: lab.var("LAB_SSH_KEY_USER"),
        auth: homeport_api::AuthMethod::Key,
        key_path: Some(lab.var("LAB_SSH_CLIENT_KEY")),
        docker_socket: Some(lab.var("LAB_DOCKER_SOCK")),
        secret: None,
        jump_host: None,
        group: None,
        tags: Vec::new(),
    };
    // The first attempt reports the host key; the second trusts it.
    let err = api.host_add(input.clone(), None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::HostKeyUnknown);
    let host = api
        .host_add(input, Some(err.params["fingerprint"].clone()))
        .await
        .unwrap();

    // The lab's sshd runs on this machine, so the Alertmanager URL resolves the same on the host.
    let source = api
        .alertmanager_source_set(AlertmanagerSource {
            id: String::new(),
            host_id: Some(host.id.clone()),
            url: lab.var("LAB_ALERTMANAGER_URL"),
            through_ssh: true,
        })
        .await
        .unwrap();
    assert!(source.through_ssh);
    let view = sync_until(&api, &source.id, true).await;
    assert!(view.active >= 1);

    let store = homeport_core::store::Store::open(&dir.path().join("homeport.db"))
        .await
        .unwrap();
    let alerts = store.open_alerts().await.unwrap();
    let pulled = alerts
        .iter()
        .find(|alert| alert.source == ALERTMANAGER_SOURCE)
        .expect("an alert pulled through SSH");
    assert_eq!(
        pulled.host_id.as_deref(),
        Some(host.id.as_str()),
        "the alert belongs to the host"
    );
}

//! TLS endpoint checks through the API: the report is stored and becomes the metric series
//! `tls_days_left{endpoint}` and `tls_name_mismatch{endpoint}` that the rules engine reads.
//! Certificates come from the lab's local CA (`tests/lab/lab.sh up`).
//!
//! The tests skip when `HOMEPORT_LAB_ENV` is unset.

mod common;
mod tls_server;

use std::path::Path;

use homeport_api::tls_checks::UNASSIGNED_HOST_ID;
use homeport_api::Api;
use homeport_core::alerts::tls::TlsEndpoint;
use homeport_core::paths::AppPaths;
use homeport_core::ErrorCode;
use tempfile::TempDir;
use tls_server::serve;

#[tokio::test]
async fn check_writes_metric_series() {
    let Some(lab) = common::lab() else { return };
    let certs = Path::new(&lab.var("LAB_TLS_CHECK_DIR")).to_path_buf();
    let dir = TempDir::new().unwrap();
    let api = Api::open(AppPaths::portable(dir.path().to_path_buf())).await.unwrap();
    let name = lab.var("LAB_TLS_CHECK_NAME");

    let soon_port = serve(&certs, "soon").await;
    let soon = api
        .tls_endpoint_save(TlsEndpoint {
            id: String::new(),
            address: "127.0.0.1".into(),
            port: soon_port,
            server_name: name.clone(),
            host_id: None,
            trusted_ca_pem: Some(std::fs::read_to_string(certs.join("ca.pem")).unwrap()),
        })
        .await
        .unwrap();
    let report = soon.report.clone().expect("saving checks at once");
    assert_eq!(report.days_left, Some(2));
    assert!(report.trusted);

    let wrong_port = serve(&certs, "wrong-name").await;
    let wrong = api
        .tls_endpoint_save(TlsEndpoint {
            id: String::new(),
            address: "127.0.0.1".into(),
            port: wrong_port,
            server_name: name.clone(),
            host_id: None,
            trusted_ca_pem: None,
        })
        .await
        .unwrap();
    assert!(wrong.report.as_ref().unwrap().name_mismatch);

    let metrics = api.metrics_store().await.unwrap();
    let days = metrics
        .host_series(UNASSIGNED_HOST_ID, Some("tls_days_left"))
        .await
        .unwrap();
    assert_eq!(days.len(), 2, "one tls_days_left series per endpoint: {days:?}");
    let soon_label = format!("{name}@127.0.0.1:{soon_port}");
    let (soon_series, _) = days
        .iter()
        .find(|(_, key)| key.labels.get("endpoint") == Some(&soon_label))
        .unwrap_or_else(|| panic!("no series labelled {soon_label}: {days:?}"));
    let latest = metrics.latest(*soon_series).await.unwrap().expect("a sample");
    assert_eq!(latest.value, 2.0);

    let mismatch = metrics
        .host_series(UNASSIGNED_HOST_ID, Some("tls_name_mismatch"))
        .await
        .unwrap();
    let wrong_label = format!("{name}@127.0.0.1:{wrong_port}");
    let (wrong_series, _) = mismatch
        .iter()
        .find(|(_, key)| key.labels.get("endpoint") == Some(&wrong_label))
        .unwrap();
    assert_eq!(metrics.latest(*wrong_series).await.unwrap().unwrap().value, 1.0);

    // The endpoints belong to no host, and the built-in `tls_expiring` rule still opens one
    // alert for the certificate that expires in 2 days, tied to no host.
    let open = api
        .alerts_list(homeport_api::alerts::AlertFilterInput {
            open: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    let expiring: Vec<_> = open.iter().filter(|alert| alert.rule == "tls_expiring").collect();
    assert_eq!(expiring.len(), 1, "{open:?}");
    assert_eq!(expiring[0].host_id, None);
    assert_eq!(expiring[0].service, soon_label);

    let listed = api.tls_endpoints().await.unwrap();
    assert_eq!(listed.len(), 2);
    api.tls_endpoint_remove(&soon.endpoint.id).await.unwrap();
    let err = api.tls_check(&soon.endpoint.id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn invalid_endpoint_is_rejected() {
    let dir = TempDir::new().unwrap();
    let api = Api::open(AppPaths::portable(dir.path().to_path_buf())).await.unwrap();
    let err = api
        .tls_endpoint_save(TlsEndpoint {
            id: String::new(),
            address: "https://example.org/".into(),
            port: 443,
            server_name: String::new(),
            host_id: None,
            trusted_ca_pem: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(err.params.get("field").map(String::as_str), Some("address"));
}

//! TLS endpoint checks against certificates from the lab's local CA (`tests/lab/lab.sh up`
//! makes them with openssl): one that expires in 2 days, one that expired yesterday, one valid
//! for 90 days, and one with the wrong name. Each test serves its certificate from a rustls
//! server on loopback.
//!
//! The tests skip when `HOMEPORT_LAB_ENV` is unset.

#[path = "../../homeport-api/tests/common/mod.rs"]
mod common;
#[path = "../../homeport-api/tests/tls_server/mod.rs"]
mod tls_server;

use std::path::Path;
use tokio::net::TcpListener;

use common::Lab;
use homeport_core::alerts::tls::{self, TlsEndpoint, TlsReport};

/// Serves `<name>.pem` with `<name>-key.pem` from the lab's TLS check folder and returns the
/// port. Each connection completes the handshake and closes.
async fn serve(lab: &Lab, name: &str) -> u16 {
    tls_server::serve(Path::new(&lab.var("LAB_TLS_CHECK_DIR")), name).await
}

fn endpoint(lab: &Lab, port: u16, trust_lab_ca: bool) -> TlsEndpoint {
    let ca = std::fs::read_to_string(Path::new(&lab.var("LAB_TLS_CHECK_DIR")).join("ca.pem")).unwrap();
    TlsEndpoint {
        id: "e1".into(),
        address: "127.0.0.1".into(),
        port,
        server_name: lab.var("LAB_TLS_CHECK_NAME"),
        host_id: None,
        trusted_ca_pem: trust_lab_ca.then_some(ca),
    }
}

async fn check(lab: &Lab, name: &str, trust_lab_ca: bool) -> TlsReport {
    let port = serve(lab, name).await;
    let report = tls::check(&endpoint(lab, port, trust_lab_ca)).await;
    assert_eq!(report.error, None, "{name}: the handshake completes");
    report
}

#[tokio::test]
async fn expiring_soon_reports_two_days() {
    let Some(lab) = common::lab() else { return };
    let report = check(&lab, "soon", true).await;
    assert_eq!(report.days_left, Some(2));
    assert!(!report.expired);
    assert!(!report.name_mismatch);
    assert!(report.trusted, "{:?}", report.trust_detail);
    assert_eq!(report.names, vec![lab.var("LAB_TLS_CHECK_NAME")]);
    assert!(report.issuer.as_deref().unwrap().contains("Homeport lab TLS check CA"));
}

#[tokio::test]
async fn expired_yesterday_is_expired_but_trusted() {
    let Some(lab) = common::lab() else { return };
    let report = check(&lab, "expired", true).await;
    assert!(report.expired);
    assert_eq!(report.days_left, Some(-1), "expired one day ago is -1");
    assert!(!report.not_yet_valid);
    assert!(
        report.trusted,
        "expiry is reported on its own: {:?}",
        report.trust_detail
    );
}

#[tokio::test]
async fn valid_ninety_days() {
    let Some(lab) = common::lab() else { return };
    let report = check(&lab, "valid", true).await;
    assert!(
        matches!(report.days_left, Some(89) | Some(90)),
        "{:?}",
        report.days_left
    );
    assert!(!report.expired);
    assert!(!report.name_mismatch);
    assert!(report.trusted);
    assert!(!report.self_signed);
    assert_eq!(report.chain_length, 1);
}

#[tokio::test]
async fn wrong_name_is_a_mismatch() {
    let Some(lab) = common::lab() else { return };
    let report = check(&lab, "wrong-name", true).await;
    assert!(report.name_mismatch);
    assert_eq!(report.names, vec!["other.homeport.test".to_string()]);
    assert!(report.trusted, "the chain itself is fine");
}

#[tokio::test]
async fn private_ca_is_untrusted_without_its_certificate() {
    let Some(lab) = common::lab() else { return };
    let report = check(&lab, "valid", false).await;
    assert!(!report.trusted);
    assert!(report.trust_detail.is_some());
    assert_eq!(
        report.days_left.map(|days| days >= 89),
        Some(true),
        "the report is complete anyway"
    );
}

#[tokio::test]
async fn self_signed_ca_is_reported() {
    let Some(lab) = common::lab() else { return };
    // The CA certificate is self-signed; serve it with its own key.
    let report = check(&lab, "ca", false).await;
    assert!(report.self_signed);
    assert!(report.name_mismatch, "the CA carries no server name");
}

#[tokio::test]
async fn closed_port_reports_an_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let report = tls::check(&TlsEndpoint {
        id: "e2".into(),
        address: "127.0.0.1".into(),
        port,
        server_name: String::new(),
        host_id: None,
        trusted_ca_pem: None,
    })
    .await;
    let error = report.error.expect("a closed port is an error");
    assert!(error.contains("cannot connect"), "{error}");
    assert_eq!(report.days_left, None);
}

//! Engine hosts reached without SSH, against the test lab's engine (`tests/lab/lab.sh up`): its
//! Unix socket, and its TCP listener, where dockerd runs with `--tlsverify` and so demands a
//! client certificate signed by the lab's CA.
//!
//! The tests skip when `HOMEPORT_LAB_ENV` is unset and fail when it is set but the lab is down.

#[path = "../../homeport-api/tests/common/mod.rs"]
mod common;

use std::path::PathBuf;

use common::Lab;
use homeport_core::hosts::HostService;
use homeport_core::inventory::{EngineDraft, EngineEndpoint, EngineTls, HostKind};
use homeport_core::secrets::Keychain;
use homeport_core::store::Store;
use homeport_core::{Error, ErrorCode};

async fn service() -> (HostService, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("homeport.db")).await.expect("store");
    (HostService::new(store, Keychain), dir)
}

fn lab_tls(lab: &Lab) -> EngineTls {
    EngineTls {
        ca: lab.var("LAB_DOCKER_TLS_CA").into(),
        cert: Some(lab.var("LAB_DOCKER_TLS_CERT").into()),
        key: Some(lab.var("LAB_DOCKER_TLS_KEY").into()),
    }
}

fn tcp_draft(lab: &Lab, name: &str, tls: Option<EngineTls>) -> EngineDraft {
    EngineDraft {
        name: name.into(),
        endpoint: EngineEndpoint::Tcp {
            address: lab.var("LAB_DOCKER_TLS_HOST"),
            port: u32::from(lab.port("LAB_DOCKER_TLS_PORT")),
            tls,
        },
        group: None,
        tags: vec!["tls".into()],
    }
}

fn lists_web_container(names: &[String], lab: &Lab) -> bool {
    let web = lab.var("LAB_WEB_CONTAINER");
    names.iter().any(|name| name == &web)
}

#[tokio::test]
async fn tls_engine_with_client_certificate_lists_containers() {
    let Some(lab) = common::lab() else { return };
    let (service, _dir) = service().await;

    let host = service
        .add_engine(tcp_draft(&lab, "tls-engine", Some(lab_tls(&lab))))
        .await
        .expect("the lab engine accepts the lab client certificate");
    assert_eq!(host.kind, HostKind::Tcp);
    assert_eq!(host.tls, Some(lab_tls(&lab)), "paths are stored as given");

    let engine = service.engine(&host.id).await.expect("engine");
    let names: Vec<String> = engine
        .containers()
        .await
        .expect("containers over TLS")
        .into_iter()
        .map(|container| container.name)
        .collect();
    assert!(lists_web_container(&names, &lab), "got {names:?}");

    let stored = service.get("tls-engine").await.expect("stored host");
    assert_eq!(stored.user, "", "an engine host has no SSH login");
    assert!(matches!(
        service.session(&stored).await,
        Err(Error::InvalidInput { field: "host", .. })
    ));
}

#[tokio::test]
async fn engine_signed_by_another_ca_is_refused() {
    let Some(lab) = common::lab() else { return };
    let (service, _dir) = service().await;

    let tls = EngineTls {
        ca: lab.var("LAB_DOCKER_TLS_OTHER_CA").into(),
        ..lab_tls(&lab)
    };
    let err = service
        .add_engine(tcp_draft(&lab, "wrong-ca", Some(tls)))
        .await
        .expect_err("a certificate from another CA must be refused");
    assert_eq!(err.code(), ErrorCode::EngineTls, "{err}");
    assert!(err.to_string().contains("certificate"), "{err}");
    assert!(service.get("wrong-ca").await.is_err(), "nothing is saved");
}

#[tokio::test]
async fn engine_demanding_a_client_certificate_refuses_none() {
    let Some(lab) = common::lab() else { return };
    let (service, _dir) = service().await;

    let tls = EngineTls {
        cert: None,
        key: None,
        ..lab_tls(&lab)
    };
    let err = service
        .add_engine(tcp_draft(&lab, "no-client-cert", Some(tls)))
        .await
        .expect_err("dockerd --tlsverify wants a client certificate");
    assert_eq!(err.code(), ErrorCode::EngineTls, "{err}");
}

#[tokio::test]
async fn missing_tls_file_is_named() {
    let Some(lab) = common::lab() else { return };
    let (service, _dir) = service().await;

    let missing = PathBuf::from(lab.var("HOMEPORT_LAB_DIR")).join("tls/absent-ca.pem");
    let tls = EngineTls {
        ca: missing.clone(),
        ..lab_tls(&lab)
    };
    let err = service
        .add_engine(tcp_draft(&lab, "absent", Some(tls)))
        .await
        .expect_err("missing CA file");
    assert_eq!(err.code(), ErrorCode::EngineTls);
    assert!(err.to_string().contains(&missing.display().to_string()), "{err}");
}

#[tokio::test]
async fn plain_http_to_a_tls_listener_fails_clearly() {
    let Some(lab) = common::lab() else { return };
    let (service, _dir) = service().await;

    let err = service
        .add_engine(tcp_draft(&lab, "plain", None))
        .await
        .expect_err("the lab listener speaks only TLS");
    assert_eq!(err.code(), ErrorCode::EngineTls, "{err}");
    assert!(err.to_string().contains("accepts only TLS"), "{err}");
}

#[tokio::test]
async fn socket_engine_lists_containers() {
    let Some(lab) = common::lab() else { return };
    let (service, _dir) = service().await;

    let host = service
        .add_engine(EngineDraft {
            name: "lab-socket".into(),
            endpoint: EngineEndpoint::Socket {
                path: lab.var("LAB_DOCKER_SOCK"),
            },
            group: Some("lab".into()),
            tags: Vec::new(),
        })
        .await
        .expect("socket engine");
    assert_eq!(host.kind, HostKind::Socket);

    let engine = service.engine("lab-socket").await.expect("engine");
    let names: Vec<String> = engine
        .containers()
        .await
        .expect("containers")
        .into_iter()
        .map(|container| container.name)
        .collect();
    assert!(lists_web_container(&names, &lab), "got {names:?}");
}

#[tokio::test]
async fn engine_host_cannot_be_a_jump_host() {
    let Some(lab) = common::lab() else { return };
    let (service, _dir) = service().await;
    service
        .add_engine(EngineDraft {
            name: "socket-engine".into(),
            endpoint: EngineEndpoint::Socket {
                path: lab.var("LAB_DOCKER_SOCK"),
            },
            group: None,
            tags: Vec::new(),
        })
        .await
        .expect("socket engine");

    let draft = homeport_core::inventory::HostDraft {
        name: "behind".into(),
        address: lab.var("LAB_SSH_KEY_HOST"),
        port: u32::from(lab.port("LAB_SSH_KEY_PORT")),
        user: lab.var("LAB_SSH_KEY_USER"),
        auth: Some(homeport_core::inventory::AuthMethod::Key),
        key_path: Some(lab.var("LAB_SSH_CLIENT_KEY")),
        jump_host: Some("socket-engine".into()),
        ..Default::default()
    };
    let err = service.add(draft, None).await.expect_err("an engine is no jump host");
    assert!(matches!(&err, Error::InvalidInput { field: "jumpHost", .. }), "{err:?}");
}

#[tokio::test]
async fn swapped_client_files_are_named() {
    let Some(lab) = common::lab() else { return };
    let (service, _dir) = service().await;

    let swapped = EngineTls {
        cert: Some(lab.var("LAB_DOCKER_TLS_KEY").into()),
        key: Some(lab.var("LAB_DOCKER_TLS_CERT").into()),
        ..lab_tls(&lab)
    };
    let err = service
        .add_engine(tcp_draft(&lab, "swapped", Some(swapped)))
        .await
        .expect_err("a key given as the certificate");
    assert_eq!(err.code(), ErrorCode::EngineTls);
    assert!(err.to_string().contains("not its key"), "{err}");
}

//! The configuration file through the API, with the lab's password host and a channel whose
//! secrets are in the lab's keychain. The file must contain neither secret and must list both
//! for re-entry. It imports into a fresh data folder once, and a second import changes nothing.
//!
//! Every test skips when `HOMEPORT_LAB_ENV` is unset and expects
//! `DBUS_SESSION_BUS_ADDRESS=$LAB_DBUS_ADDRESS`.

mod common;

use homeport_api::notify::{NotifyChannelInput, NotifySecretInput};
use homeport_api::{Api, AuthMethod, HostInput};
use homeport_core::alerts::notify::{ChannelSettings, SecretField};
use homeport_core::paths::AppPaths;
use homeport_core::ErrorCode;
use tempfile::TempDir;

async fn open_api(dir: &std::path::Path) -> Api {
    Api::open(AppPaths::portable(dir.to_path_buf())).await.unwrap()
}

#[tokio::test]
async fn exported_file_has_no_secret_and_imports_once() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let source_dir = TempDir::new().unwrap();
    let target_dir = TempDir::new().unwrap();
    let api = open_api(source_dir.path()).await;

    let password = lab.var("LAB_SSH_PASS_PASSWORD");
    let address = lab.var("LAB_SSH_PASS_HOST");
    let port = lab.port("LAB_SSH_PASS_PORT");
    let host_name = common::unique_name("transfer");
    let host = api
        .host_add(
            HostInput {
                name: host_name.clone(),
                address: address.clone(),
                port: u32::from(port),
                user: lab.var("LAB_SSH_PASS_USER"),
                auth: AuthMethod::Password,
                key_path: None,
                docker_socket: Some(lab.var("LAB_DOCKER_SOCK")),
                secret: Some(password.clone()),
                jump_host: None,
                group: Some("lab".into()),
                tags: vec!["transfer".into()],
            },
            Some(common::keyscan_fingerprint(&address, port)),
        )
        .await
        .expect("adding the lab's password host");
    let _host_entry = common::KeychainEntryGuard {
        host_id: host.id.clone(),
    };

    let token = format!("tk_{}", common::unique_name("token").replace('-', "_"));
    let channel = api
        .notify_channel_save(NotifyChannelInput {
            id: None,
            name: "Phone".into(),
            enabled: true,
            settings: ChannelSettings::Ntfy {
                server: "http://127.0.0.1:9".into(),
                topic: "homeport-lab".into(),
            },
            secrets: vec![NotifySecretInput {
                field: SecretField::Token,
                value: token.clone(),
            }],
        })
        .await
        .expect("saving the ntfy channel");

    let file = source_dir.path().join("homeport-config.json");
    let exported = api.config_export(file.to_str().unwrap()).await.expect("export");
    let text = std::fs::read_to_string(&file).unwrap();

    assert!(
        !text.contains(&password),
        "the exported file contains the host password"
    );
    assert!(!text.contains(&token), "the exported file contains the channel token");
    assert!(text.contains(&host_name), "the exported file lists the host");
    assert_eq!(exported.hosts, 1);
    let secrets: Vec<(String, String, String)> = exported
        .secrets_to_enter
        .iter()
        .map(|secret| (secret.owner_kind.clone(), secret.owner.clone(), secret.secret.clone()))
        .collect();
    assert!(
        secrets.contains(&("host".into(), host_name.clone(), "password".into())),
        "{secrets:?}"
    );
    assert!(
        secrets.contains(&("notifyChannel".into(), "Phone".into(), "token".into())),
        "{secrets:?}"
    );

    let target = open_api(target_dir.path()).await;
    let preview = target
        .config_import_preview(file.to_str().unwrap())
        .await
        .expect("preview");
    assert!(!preview.applied);
    assert!(target.host_list().await.unwrap().is_empty(), "a preview adds no host");
    assert!(preview
        .items
        .iter()
        .any(|item| item.section == "host" && item.name == host_name && item.action == "add"));

    let imported = target
        .config_import_apply(file.to_str().unwrap())
        .await
        .expect("import");
    assert!(imported.applied);
    assert_eq!(imported.secrets_to_enter.len(), 2, "{:?}", imported.secrets_to_enter);
    let hosts = target.host_list().await.unwrap();
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0].name, host_name);
    assert_eq!(hosts[0].group, "lab");
    assert!(
        !hosts[0].has_secret,
        "the password was not imported, so it must be entered again"
    );
    assert_eq!(
        hosts[0].host_key_fingerprint, host.host_key_fingerprint,
        "the trusted host key came along"
    );
    let channels = target.notify_channels().await.unwrap();
    assert_eq!(channels.len(), 1);
    assert!(channels[0].secrets_set.is_empty());

    let again = target
        .config_import_apply(file.to_str().unwrap())
        .await
        .expect("second import");
    assert!(
        again.items.iter().all(|item| item.action == "skip"),
        "{:?}",
        again.items
    );
    assert!(again.secrets_to_enter.is_empty());
    assert_eq!(target.host_list().await.unwrap().len(), 1);

    api.notify_channel_remove(&channel.id).await.unwrap();
}

#[tokio::test]
async fn newer_or_damaged_file_changes_nothing() {
    let Some(_lab) = common::lab() else { return };
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let newer = dir.path().join("newer.json");
    std::fs::write(
        &newer,
        r#"{"format": "homeport-config", "version": 2, "exportedAt": "", "hosts": []}"#,
    )
    .unwrap();
    let damaged = dir.path().join("damaged.json");
    std::fs::write(
        &damaged,
        "{\"format\": \"homeport-config\", \"version\": 1, \"hosts\": [",
    )
    .unwrap();

    let err = api.config_import_apply(newer.to_str().unwrap()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ConfigFileTooNew);
    assert_eq!(err.params.get("version").map(String::as_str), Some("2"));

    let err = api.config_import_apply(damaged.to_str().unwrap()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ConfigFileInvalid);
    assert_eq!(err.params.get("line").map(String::as_str), Some("1"));

    assert!(api.host_list().await.unwrap().is_empty());
}

/// Stacks are not copied into the file: they are Compose projects on the hosts. Importing the
/// hosts brings them back, found by their labels, and a backup plan of a stack comes along.
#[tokio::test]
async fn imported_host_shows_its_stacks_again() {
    use homeport_api::backup::BackupPlanInput;
    use homeport_core::backup::plan::{BackupItem, PlanDefinition, RepositoryDefinition};

    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let stack_dir = TempDir::new().unwrap();
    std::fs::write(
        stack_dir.path().join("compose.yaml"),
        "services:\n  app:\n    image: homeport-lab/busybox:1\n    command: [\"sleep\", \"3600\"]\n",
    )
    .unwrap();
    let project = common::LabProject {
        name: common::unique_name("hptransfer").to_lowercase().replace('.', "-"),
        docker_host: lab.docker_host(),
    };
    project.compose(stack_dir.path(), &["up", "--detach"]);

    let source_dir = TempDir::new().unwrap();
    let api = open_api(source_dir.path()).await;
    let address = lab.var("LAB_SSH_KEY_HOST");
    let port = lab.port("LAB_SSH_KEY_PORT");
    let host_name = common::unique_name("transfer-key");
    api.host_add(
        HostInput {
            name: host_name.clone(),
            address: address.clone(),
            port: u32::from(port),
            user: lab.var("LAB_SSH_KEY_USER"),
            auth: AuthMethod::Key,
            key_path: Some(lab.var("LAB_SSH_CLIENT_KEY")),
            docker_socket: Some(lab.var("LAB_DOCKER_SOCK")),
            secret: None,
            jump_host: None,
            group: None,
            tags: Vec::new(),
        },
        Some(common::keyscan_fingerprint(&address, port)),
    )
    .await
    .expect("adding the lab's key host");
    let plan_name = common::unique_name("stack-plan");
    api.backup_plan_save(BackupPlanInput {
        id: None,
        definition: PlanDefinition {
            name: plan_name.clone(),
            host: host_name.clone(),
            items: vec![BackupItem::Stack {
                project: project.name.clone(),
            }],
            repositories: vec![RepositoryDefinition {
                name: "disk".into(),
                location: "/srv/backup/restic".into(),
                copy_from: None,
                place: None,
                distance_km: None,
            }],
            schedule: "30 2 * * *".into(),
            retention: Default::default(),
            rpo_hours: 24,
            rto_hours: 4,
            drill: Default::default(),
            enabled: true,
        },
        password: None,
        s3_keys: Vec::new(),
    })
    .await
    .expect("saving the stack plan");

    let file = source_dir.path().join("homeport-config.json");
    api.config_export(file.to_str().unwrap()).await.expect("export");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains("compose.yaml"),
        "the file must not carry stack files; the stack stays on its host"
    );

    let target_dir = TempDir::new().unwrap();
    let target = open_api(target_dir.path()).await;
    target
        .config_import_apply(file.to_str().unwrap())
        .await
        .expect("import");
    let hosts = target.host_list().await.unwrap();
    let host = hosts
        .iter()
        .find(|host| host.name == host_name)
        .expect("the imported host");
    let stacks = target.stack_list(&host.id).await.expect("stacks of the imported host");
    let stack = stacks
        .iter()
        .find(|stack| stack.name == project.name)
        .expect("the stack is found again on the imported host");
    assert_eq!(stack.working_dir.as_deref(), stack_dir.path().to_str());

    let plan = target.backup_plan(&plan_name).await.expect("the imported plan");
    assert_eq!(
        plan.plan.definition.items,
        [BackupItem::Stack {
            project: project.name.clone()
        }]
    );
}

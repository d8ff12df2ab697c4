//! The builder against the test lab (`tests/lab/lab.sh up`): a stack routed through Caddy is
//! deployed to the key-only sshd host, its Caddyfile lands beside compose.yaml, and opening
//! the deployed stack again gives back the same files. Skips when `HOMEPORT_LAB_ENV` is unset.
//! Caddy is a stand-in: the lab image tagged `caddy:2.10-alpine`, so nothing is pulled.

mod common;
mod hosts;

use hosts::{add_key_host, open_api};

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::Duration;

use common::Lab;
use homeport_api::builder::{BuilderDeployInput, BuilderDraft, BuilderEdit, ProxyKind};
use homeport_api::TemplateDeployEvent;

fn docker(lab: &Lab, args: &[&str]) {
    let status = Command::new("docker")
        .args(["-H", &format!("unix://{}", lab.var("LAB_DOCKER_SOCK"))])
        .args(args)
        .status()
        .expect("docker runs");
    assert!(status.success(), "docker {args:?} failed");
}

#[tokio::test]
async fn routed_stack_deploys_and_reopens() {
    let Some(lab) = common::lab() else { return };
    let image = lab.var("LAB_IMAGE");
    docker(&lab, &["tag", &image, "caddy:2.10-alpine"]);
    let dir = tempfile::tempdir().unwrap();
    let api = open_api(dir.path()).await;
    let host = add_key_host(&api, &lab).await;

    let sleeper = r#"["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]"#;
    let mut state = api
        .builder_open(BuilderDraft {
            compose: format!("# built in a test\nservices:\n  app:\n    image: {image}\n    command: {sleeper}\n"),
            ..BuilderDraft::default()
        })
        .unwrap();
    state = api
        .builder_edit(state.draft, &BuilderEdit::AddProxy { kind: ProxyKind::Caddy })
        .unwrap();
    for _ in 0..3 {
        let edit = BuilderEdit::RemovePort {
            service: "caddy".into(),
            index: 0,
        };
        state = api.builder_edit(state.draft, &edit).unwrap();
    }
    let route = BuilderEdit::SetRoute {
        service: "app".into(),
        hostname: "app.home.arpa".into(),
        port: "80".into(),
    };
    state = api.builder_edit(state.draft, &route).unwrap();
    // The stand-in needs a command that keeps it running; the editor path adds it.
    let compose = state.draft.compose.replace(
        "    image: caddy:2.10-alpine\n",
        &format!("    image: caddy:2.10-alpine\n    command: {sleeper}\n"),
    );
    state = api.builder_open(BuilderDraft { compose, ..state.draft }).unwrap();
    let errors: Vec<_> = state.diagnostics.iter().filter(|d| d.severity == "error").collect();
    assert!(errors.is_empty(), "{errors:?}");

    let base = tempfile::Builder::new()
        .prefix("hp-builder-")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(base.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let name = format!("built{}", std::process::id());
    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
    let input = BuilderDeployInput {
        host_id: host.id.clone(),
        name: name.clone(),
        draft: BuilderDraft {
            env: "APP_TOKEN=not-for-other-users\n".to_string(),
            ..state.draft.clone()
        },
        base_dir: Some(base.path().display().to_string()),
    };
    api.builder_deploy(input, Box::new(move |event| events.send(event).is_ok()))
        .await
        .unwrap();
    // Bounded by the deadline; progress events are skipped until the final one.
    let outcome = tokio::time::timeout(Duration::from_secs(90), async {
        while let Some(event) = received.recv().await {
            if !matches!(event, TemplateDeployEvent::Progress { .. }) {
                return Some(event);
            }
        }
        None
    })
    .await
    .ok()
    .flatten();
    let deployed = matches!(outcome, Some(TemplateDeployEvent::Done { .. }));

    let folder = base.path().join(&name);
    let reopened = if deployed {
        Some(api.builder_open_stack(&host.id, &name).await)
    } else {
        None
    };
    let _ = api
        .stack_action(&host.id, &name, homeport_api::StackActionKind::Down, true)
        .await;

    assert!(deployed, "the deploy ended with {outcome:?}");
    let env_mode = std::fs::metadata(folder.join(".env"))
        .expect("the .env beside compose.yaml")
        .permissions()
        .mode();
    assert_eq!(env_mode & 0o777, 0o600, "the .env is readable by its owner only");
    let caddyfile = std::fs::read_to_string(folder.join("Caddyfile")).expect("the Caddyfile beside compose.yaml");
    assert!(caddyfile.contains("app.home.arpa {\n\t# A LAN name"), "{caddyfile}");
    assert!(
        caddyfile.contains("\ttls internal\n\treverse_proxy app:80\n}"),
        "{caddyfile}"
    );

    let reopened = reopened.unwrap().unwrap();
    assert_eq!(reopened.state.draft.compose, state.draft.compose);
    assert_eq!(reopened.base_dir.as_deref(), Some(base.path().to_str().unwrap()));
    assert!(reopened.overrides.is_empty());
    let names: Vec<_> = reopened
        .state
        .view
        .unwrap()
        .services
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["app", "caddy"]);
    assert_eq!(reopened.state.draft.files.len(), 1);
}

#[tokio::test]
async fn draft_env_round_trips_keychain() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let dir = tempfile::tempdir().unwrap();
    let api = open_api(dir.path()).await;

    api.builder_env_save("DB_PASSWORD='s3cret'\n".to_string())
        .await
        .unwrap();
    assert_eq!(api.builder_env_load().await.unwrap(), "DB_PASSWORD='s3cret'\n");
    let entries = common::keychain_entries();
    let entry = entries
        .iter()
        .find(|name| name.starts_with("builder/") && name.ends_with("/env"));
    assert!(entry.is_some(), "{entries:?}");

    // Another data folder has a draft of its own.
    let other_dir = tempfile::tempdir().unwrap();
    let other = open_api(other_dir.path()).await;
    assert_eq!(other.builder_env_load().await.unwrap(), "");

    api.builder_env_save(String::new()).await.unwrap();
    assert_eq!(api.builder_env_load().await.unwrap(), "");
    assert!(!common::keychain_entries().contains(entry.unwrap()));
}

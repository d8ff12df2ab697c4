//! The builder's API calls without a host: templates added twice, edits that fail without
//! changing the draft, and the Caddyfile kept in step with the routes.

mod common;
mod hosts;

use hosts::open_api;

use homeport_api::builder::{BuilderDraft, BuilderEdit, ProxyKind};

fn empty() -> BuilderDraft {
    BuilderDraft {
        compose: "services:\n".to_string(),
        ..BuilderDraft::default()
    }
}

#[tokio::test]
async fn template_added_twice_is_renamed() {
    let dir = tempfile::tempdir().unwrap();
    let api = open_api(dir.path()).await;

    let first = api.builder_add_template(empty(), "uptime-kuma").unwrap();
    assert!(
        first.diagnostics.iter().all(|d| d.severity != "error"),
        "{:?}",
        first.diagnostics
    );
    assert!(first.draft.env.contains("UPTIME_KUMA_"), "{}", first.draft.env);
    let names: Vec<_> = first
        .view
        .as_ref()
        .unwrap()
        .services
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(names, ["uptime-kuma"]);

    let second = api.builder_add_template(first.draft.clone(), "uptime-kuma").unwrap();
    assert_eq!(
        second.renamed,
        [("uptime-kuma".to_string(), "uptime-kuma-uptime-kuma".to_string())]
    );
    let first_lines = first.draft.env.lines().count();
    let copies = second
        .draft
        .env
        .lines()
        .filter(|line| line.starts_with("UPTIME_KUMA_2_"))
        .count();
    assert_eq!(copies, first_lines, "the second copy gets values of its own");
    assert!(
        second.draft.compose.contains("${UPTIME_KUMA_2_"),
        "{}",
        second.draft.compose
    );
}

#[tokio::test]
async fn template_passwords_stay_in_env() {
    let dir = tempfile::tempdir().unwrap();
    let api = open_api(dir.path()).await;
    let state = api.builder_add_template(empty(), "immich").unwrap();
    assert!(
        state.diagnostics.iter().all(|d| d.severity != "error"),
        "{:?}",
        state.diagnostics
    );
    let password_line = state
        .draft
        .env
        .lines()
        .find(|line| line.starts_with("IMMICH_DB_PASSWORD="))
        .expect("a generated database password");
    let password = password_line.split_once('=').unwrap().1.trim_matches('\'');
    assert!(password.len() >= 20, "{password_line}");
    assert!(
        !state.draft.compose.contains(password),
        "compose.yaml references the password only"
    );
}

#[tokio::test]
async fn failed_edit_keeps_the_draft() {
    let dir = tempfile::tempdir().unwrap();
    let api = open_api(dir.path()).await;
    let error = api
        .builder_edit(
            empty(),
            &BuilderEdit::SetRoute {
                service: "web".into(),
                hostname: "web.lan".into(),
                port: "80".into(),
            },
        )
        .unwrap_err();
    assert_eq!(error.code, homeport_core::ErrorCode::InvalidInput);
    assert!(error.message.contains("reverse proxy"), "{}", error.message);

    let broken = BuilderDraft {
        compose: "services: [\n".to_string(),
        ..BuilderDraft::default()
    };
    let error = api
        .builder_edit(broken, &BuilderEdit::AddProxy { kind: ProxyKind::Caddy })
        .unwrap_err();
    assert_eq!(error.code, homeport_core::ErrorCode::ComposeInvalid);
}

#[tokio::test]
async fn caddyfile_follows_the_routes() {
    let dir = tempfile::tempdir().unwrap();
    let api = open_api(dir.path()).await;
    let mut state = api.builder_open(empty()).unwrap();
    for edit in [
        BuilderEdit::AddService {
            name: "app".into(),
            image: "nginx:1.27".into(),
        },
        BuilderEdit::AddProxy { kind: ProxyKind::Caddy },
        BuilderEdit::SetRoute {
            service: "app".into(),
            hostname: "app.home.arpa".into(),
            port: "80".into(),
        },
    ] {
        state = api.builder_edit(state.draft.clone(), &edit).unwrap();
    }
    let caddyfile = state.draft.files.iter().find(|file| file.path == "Caddyfile").unwrap();
    assert!(
        caddyfile.contents.contains("app.home.arpa {\n"),
        "{}",
        caddyfile.contents
    );

    // The route changed in the YAML text is what the next Caddyfile serves.
    let typed = BuilderDraft {
        compose: state.draft.compose.replace("app.home.arpa", "media.example.com"),
        ..state.draft.clone()
    };
    let reread = api.builder_open(typed).unwrap();
    let caddyfile = reread.draft.files.iter().find(|file| file.path == "Caddyfile").unwrap();
    assert!(
        caddyfile
            .contents
            .contains("media.example.com {\n\treverse_proxy app:80"),
        "{}",
        caddyfile.contents
    );
    assert!(!caddyfile.contents.contains("tls internal"), "{}", caddyfile.contents);
    assert_eq!(reread.draft.files.len(), 1);
}

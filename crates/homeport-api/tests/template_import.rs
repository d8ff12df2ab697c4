//! Imported templates through the API: a Portainer container template is imported from a
//! file, listed beside the built-in templates, rendered, and the rendered files are loaded by
//! the Compose crate as a deploy loads them. The lab test deploys one to the lab engine (it
//! skips when `HOMEPORT_LAB_ENV` is unset) and checks the container's environment.

mod common;
mod hosts;

use hosts::open_api;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use homeport_api::{
    EngineInput, TemplateDeployEvent, TemplateDeployInput, TemplateDeploymentView, TemplateLocationKind,
    TemplateSourceKind,
};
use homeport_compose::{ComposeFile, Environment};
use homeport_core::ErrorCode;
use tempfile::TempDir;

/// The bound on one whole deploy; the container starts within seconds.
const DEPLOY_DEADLINE: Duration = Duration::from_secs(90);

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../homeport-import/tests/fixtures/templates")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write file");
    path
}

#[tokio::test]
async fn imported_container_renders_valid_compose() {
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(&dir.path().join("data")).await;
    let file = write(dir.path(), "templates.json", &fixture("portainer-v2.json"));

    let source = api
        .template_source_import(file.to_str().unwrap())
        .await
        .expect("import");
    assert_eq!(source.kind, TemplateSourceKind::Portainer);
    assert_eq!(source.location_kind, TemplateLocationKind::File);
    assert_eq!(source.template_count, 3);
    assert_eq!(
        api.template_source_list().await.expect("sources"),
        std::slice::from_ref(&source)
    );

    let templates = api.template_list().await.expect("list");
    assert!(
        templates.iter().any(|template| template.id == "jellyfin"),
        "built-in templates stay"
    );
    let web_id = format!("{}/web", source.id);
    let web = templates
        .iter()
        .find(|template| template.id == web_id)
        .expect("the imported template is listed");
    let origin = web.source.as_ref().expect("an imported template names its source");
    assert_eq!(origin.location, file.to_str().unwrap());
    assert_eq!(web.deployment, TemplateDeploymentView::Compose);
    let kinds: Vec<(&str, &str)> = web
        .parameters
        .iter()
        .map(|parameter| (parameter.name.as_str(), parameter.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [("MODE", "select"), ("WORKERS", "string"), ("BUILD_ID", "hidden")]
    );
    assert_eq!(web.parameters[0].options.len(), 2);
    let note = web.note.as_deref().expect("the note as text");
    assert!(note.starts_with("Open port 8080 after deploying."), "{note}");
    assert!(!note.contains('<'), "{note}");

    let wordpress = api
        .template_show(&format!("{}/wordpress", source.id))
        .await
        .expect("show");
    assert!(matches!(
        &wordpress.deployment,
        TemplateDeploymentView::Repository { url, file } if url == "https://example.org/templates" && file == "stacks/wordpress/docker-compose.yml"
    ));
    let error = api
        .template_render(&wordpress.id, &BTreeMap::new())
        .await
        .expect_err("a repository stack cannot be rendered");
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert!(error.message.contains("https://example.org/templates"), "{error}");

    let values = BTreeMap::from([("MODE".to_string(), "debug".to_string())]);
    let rendered = api.template_render(&web_id, &values).await.expect("render");
    assert!(rendered.secrets.is_empty());

    // Load the files as the deploy does: compose.yaml with the .env beside it.
    let project_dir = dir.path().join("project");
    std::fs::create_dir(&project_dir).expect("project folder");
    let compose_path = write(&project_dir, "compose.yaml", &rendered.compose);
    write(&project_dir, ".env", &rendered.env);
    let project = ComposeFile::load(&[compose_path], &Environment::default()).unwrap_or_else(|diagnostics| {
        panic!(
            "the Compose crate rejects the rendered file:\n{}\n{:?}",
            rendered.compose, diagnostics
        )
    });
    let service = project.services.get("web").expect("service web");
    assert_eq!(service.image.as_deref(), Some("docker.io/library/nginx:1.27"));
    assert_eq!(service.environment.get("MODE"), Some(&Some("debug".to_string())));
    assert_eq!(service.environment.get("WORKERS"), Some(&Some("4".to_string())));
    // The preset value keeps its literal dollar sign.
    assert_eq!(service.environment.get("BUILD_ID"), Some(&Some("a$b".to_string())));
    assert!(project.warnings.is_empty(), "no warnings: {:?}", project.warnings);

    let hidden = BTreeMap::from([("BUILD_ID".to_string(), "other".to_string())]);
    let error = api
        .template_render(&web_id, &hidden)
        .await
        .expect_err("a preset value cannot be set");
    assert_eq!(error.code, ErrorCode::InvalidInput);

    api.template_source_remove(source.id).await.expect("remove");
    let templates = api.template_list().await.expect("list");
    assert!(templates.iter().all(|template| template.source.is_none()));
    let error = api.template_show(&web_id).await.expect_err("removed");
    assert_eq!(error.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn broken_import_reports_place_and_keeps_list() {
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(&dir.path().join("data")).await;
    let broken = write(
        dir.path(),
        "broken.json",
        "[\n  {\"type\": \"container\", \"title\": \"A\", \"image\": \"a:1\",}\n]\n",
    );

    let error = api
        .template_source_import(broken.to_str().unwrap())
        .await
        .expect_err("a trailing comma");
    assert_eq!(error.code, ErrorCode::TemplateSourceInvalid);
    assert_eq!(error.params["file"], broken.to_str().unwrap());
    assert_eq!(error.params["line"], "2");
    assert_ne!(error.params["column"], "0");
    for locale in [homeport_api::messages::Locale::En, homeport_api::messages::Locale::ZhCn] {
        let text = homeport_api::messages::localized_error(&error, locale);
        assert!(text.contains(broken.to_str().unwrap()), "{text}");
        assert!(!text.contains('{'), "{text}");
    }
    assert!(api.template_source_list().await.expect("sources").is_empty());
}

/// A Portainer container template deployed to the lab engine as a socket host: the select
/// value the user chose and the preset value reach the container.
#[tokio::test]
async fn imported_template_deploys_to_lab_engine() {
    let Some(lab) = common::lab() else { return };
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(&dir.path().join("data")).await;
    let image = lab.var("LAB_IMAGE");
    let templates = format!(
        r#"{{"version": "2", "templates": [{{
            "type": 1,
            "title": "Lab sleeper",
            "name": "sleeper",
            "image": "{image}",
            "command": "sh -c 'trap \"exit 0\" TERM; while true; do sleep 1; done'",
            "env": [
                {{"name": "GREETING", "label": "Greeting", "select": [
                    {{"text": "Hello", "value": "hello", "default": true}},
                    {{"text": "Bonjour", "value": "bonjour"}}
                ]}},
                {{"name": "BUILD", "default": "preset-1", "preset": true}}
            ]
        }}]}}"#
    );
    let file = write(dir.path(), "lab-templates.json", &templates);
    let source = api
        .template_source_import(file.to_str().unwrap())
        .await
        .expect("import");
    let host = api
        .host_add_engine(EngineInput {
            name: common::unique_name("import-socket"),
            socket: Some(lab.var("LAB_DOCKER_SOCK")),
            address: None,
            port: None,
            tls: None,
            group: None,
            tags: Vec::new(),
        })
        .await
        .expect("host_add_engine for the lab socket");
    let name = common::unique_name("imported").replace('-', "");

    let (sender, receiver) = std::sync::mpsc::channel();
    let input = TemplateDeployInput {
        template_id: format!("{}/sleeper", source.id),
        host_id: host.id.clone(),
        name: name.clone(),
        values: BTreeMap::from([("GREETING".to_string(), "bonjour".to_string())]),
        base_dir: None,
    };
    let sink: homeport_api::Sink<TemplateDeployEvent> = Box::new(move |event| sender.send(event).is_ok());
    api.template_deploy(input, sink).await.expect("deploy starts");
    let outcome = tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + DEPLOY_DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match receiver.recv_timeout(left).expect("the deploy ends in time") {
                TemplateDeployEvent::Done { result } => return Ok(result),
                TemplateDeployEvent::Error { error } => return Err(error),
                TemplateDeployEvent::Progress { .. } => {}
            }
        }
    })
    .await
    .expect("join");
    let result = outcome.unwrap_or_else(|error| panic!("deploy failed: {error}"));
    assert_eq!(result.name, name);

    let inspect = common::run_checked(Command::new("docker").args([
        "--host",
        &lab.docker_host(),
        "ps",
        "--filter",
        &format!("label=com.docker.compose.project={name}"),
        "--format",
        "{{.ID}}",
    ]));
    let container = String::from_utf8_lossy(&inspect.stdout).trim().to_string();
    assert!(!container.is_empty(), "the stack's container runs");
    let environment = common::run_checked(Command::new("docker").args([
        "--host",
        &lab.docker_host(),
        "inspect",
        "--format",
        "{{range .Config.Env}}{{println .}}{{end}}",
        &container,
    ]));
    let environment = String::from_utf8_lossy(&environment.stdout).to_string();
    assert!(
        environment.lines().any(|line| line == "GREETING=bonjour"),
        "{environment}"
    );
    assert!(
        environment.lines().any(|line| line == "BUILD=preset-1"),
        "{environment}"
    );

    api.stack_action(&host.id, &name, homeport_api::StackActionKind::Down, true)
        .await
        .expect("stack down");
}

#[tokio::test]
async fn imported_casaos_app_renders_valid_compose() {
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(&dir.path().join("data")).await;
    let app_dir = dir.path().join("Apps/Syncthing");
    std::fs::create_dir_all(&app_dir).expect("app folder");
    write(&app_dir, "docker-compose.yml", &fixture("casaos-en_US.yml"));

    let source = api
        .template_source_import(dir.path().join("Apps").to_str().unwrap())
        .await
        .expect("import a CasaOS app store folder");
    assert_eq!(source.kind, TemplateSourceKind::Casaos);
    let id = format!("{}/syncthing", source.id);
    let view = api.template_show(&id).await.expect("show");
    let names: Vec<&str> = view
        .parameters
        .iter()
        .map(|parameter| parameter.name.as_str())
        .collect();
    assert_eq!(names, ["PUID", "PGID", "TZ", "AppID"]);
    assert_eq!(view.parameters[0].title.zh_cn, "以指定的 UID 运行 Syncthing。");
    assert_eq!(view.parameters[0].help.en, "", "the label is not repeated as help");

    let values = BTreeMap::from([("TZ".to_string(), "Europe/Berlin".to_string())]);
    let rendered = api.template_render(&id, &values).await.expect("render");
    let project_dir = dir.path().join("project");
    std::fs::create_dir(&project_dir).expect("project folder");
    let compose_path = write(&project_dir, "compose.yaml", &rendered.compose);
    write(&project_dir, ".env", &rendered.env);
    let project = ComposeFile::load(&[compose_path], &Environment::default())
        .unwrap_or_else(|diagnostics| panic!("the Compose crate rejects the CasaOS file: {diagnostics:?}"));
    let service = project.services.get("syncthing").expect("service syncthing");
    let environment: BTreeMap<&str, Option<&str>> = service
        .environment
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_deref()))
        .collect();
    assert_eq!(environment["PUID"], Some("1000"));
    assert_eq!(environment["TZ"], Some("Europe/Berlin"));
    let source_path = service.volumes.first().and_then(|volume| volume.source.clone());
    assert_eq!(source_path.as_deref(), Some("/DATA/AppData/syncthing/config"));
    assert!(project.warnings.is_empty(), "no unset variable: {:?}", project.warnings);
}

//! Stack deploys against the real test lab (`tests/lab/lab.sh up`). A three-service project goes
//! to the key-only sshd host (files over SFTP) and to the lab engine as a socket host. Then
//! Docker Compose v2 (`.tools/compose/docker-compose`, from scripts/compose-oracle.sh) and
//! Debian's docker-compose 1.29 must list it, and `docker compose down` must remove it.
//!
//! Every test skips when `HOMEPORT_LAB_ENV` is unset. Only the lab image is used, and the one
//! image that is missing on purpose names a registry on 127.0.0.1 port 9, so the engine's
//! lookup fails on loopback and nothing is pulled. The tests run as root (the lab needs root)
//! and put the SSH host's stack folders under `/tmp/hp-deploy-*` with mode 0777, because the
//! lab user writes them.

mod common;
mod hosts;

use hosts::{add_key_host, add_socket_host, free_port, labelled, open_api, BaseDir, ProjectDir, ProjectGuard};

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Lab;
use homeport_api::{Api, DeployEvent, DeployResult, HostView, IpcError, StackDeployInput};
use homeport_core::ErrorCode;
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

/// The bound on one whole deploy in these tests; the web health check passes within seconds.
const DEPLOY_DEADLINE: Duration = Duration::from_secs(90);

/// Returns the three-service stack: `db` runs, `migrate` runs once and exits 0, and `web` waits for
/// both, serves HTTP and has a health check.
fn stack_yaml(image: &str, port: u16) -> String {
    format!(
        r#"services:
  web:
    image: {image}
    command: ["sh", "-c", "mkdir -p /www && echo ok > /www/health && exec busybox httpd -f -p 80 -h /www"]
    ports: ["127.0.0.1:{port}:80"]
    volumes: ["./site:/site:ro"]
    environment:
      GREETING: hello
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O- http://127.0.0.1/health"]
      interval: 1s
      timeout: 2s
      retries: 30
    depends_on:
      db: {{condition: service_started}}
      migrate: {{condition: service_completed_successfully}}
  db:
    image: {image}
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    volumes: ["dbdata:/data"]
  migrate:
    image: {image}
    command: ["sh", "-c", "echo migrated > /dev/null"]
    depends_on: [db]
volumes:
  dbdata: {{}}
"#
    )
}

/// Returns the ids of every container, network and volume of the project.
fn leftovers(lab: &Lab, project: &str) -> Vec<String> {
    let host = lab.docker_host();
    let mut all = labelled(&host, "container", project);
    all.extend(labelled(&host, "network", project));
    all.extend(labelled(&host, "volume", project));
    all
}

/// Runs Compose v2 from `.tools/compose` against the lab engine.
fn compose_v2(lab: &Lab, args: &[&str]) -> Output {
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/compose/docker-compose");
    assert!(
        binary.exists(),
        "{} is missing; run scripts/compose-oracle.sh",
        binary.display()
    );
    common::run_checked(Command::new(binary).env("DOCKER_HOST", lab.docker_host()).args(args))
}

/// Runs Debian's docker-compose 1.29 against the lab engine in `folder`, because it needs a
/// Compose file even for `ps`.
fn compose_v1(lab: &Lab, folder: &Path, args: &[&str]) -> Output {
    common::run_checked(
        Command::new("docker-compose")
            .current_dir(folder)
            .env("DOCKER_HOST", lab.docker_host())
            .args(args),
    )
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Returns the ids of the project's containers, by name.
fn container_ids(lab: &Lab, project: &str) -> Vec<String> {
    let filter = format!("label=com.docker.compose.project={project}");
    let output = common::run_checked(Command::new("docker").args([
        "--host",
        &lab.docker_host(),
        "ps",
        "-a",
        "--filter",
        &filter,
        "--format",
        "{{.Names}} {{.ID}}",
    ]));
    let mut lines: Vec<String> = stdout(&output).lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn inspect(lab: &Lab, container: &str, format: &str) -> String {
    let output = common::run_checked(Command::new("docker").args([
        "--host",
        &lab.docker_host(),
        "inspect",
        "--format",
        format,
        container,
    ]));
    stdout(&output).trim().to_string()
}

/// Deploys and collects the events, bounded by [`DEPLOY_DEADLINE`].
async fn deploy(
    api: &Api,
    host: &HostView,
    input: &StackDeployInput,
    name: &str,
    cancel: CancellationToken,
    cancel_on: Option<&'static str>,
) -> (Result<DeployResult, IpcError>, Vec<DeployEvent>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let trigger = cancel.clone();
    let on_progress = move |event: DeployEvent| {
        if let (Some(needle), DeployEvent::Line { text, .. }) = (cancel_on, &event) {
            if text.contains(needle) {
                trigger.cancel();
            }
        }
        sink.lock().unwrap().push(event);
    };
    let run = api.stack_deploy(&host.id, input, Some(name), &[], on_progress, cancel);
    let result = tokio::time::timeout(DEPLOY_DEADLINE, run)
        .await
        .unwrap_or_else(|_| panic!("the deploy of {name} did not finish within {DEPLOY_DEADLINE:?}"));
    let events = events.lock().unwrap().clone();
    (result, events)
}

/// Checks what Compose v2 and docker-compose 1.29 see of a deployed project, redeploys it
/// unchanged, and takes it down with Compose v2.
/// `folder` contains the project's Compose file as the host sees it.
async fn check_deployed_and_down(
    api: &Api,
    lab: &Lab,
    host: &HostView,
    input: &StackDeployInput,
    name: &str,
    folder: &Path,
) {
    let web = format!("{name}-web-1");
    assert_eq!(inspect(lab, &web, "{{.State.Health.Status}}"), "healthy");
    assert_eq!(inspect(lab, &format!("{name}-migrate-1"), "{{.State.ExitCode}}"), "0");
    assert_eq!(
        inspect(lab, &web, "{{index .Config.Labels \"com.docker.compose.oneoff\"}}"),
        "False"
    );
    let aliases = inspect(
        lab,
        &web,
        &format!("{{{{json (index .NetworkSettings.Networks \"{name}_default\").Aliases}}}}"),
    );
    assert!(
        aliases.contains("\"web\""),
        "web has the service name as alias: {aliases}"
    );

    let listed = stdout(&compose_v2(lab, &["ls", "-a"]));
    assert!(listed.contains(name), "compose ls lists {name}:\n{listed}");
    let v2_ps = stdout(&compose_v2(lab, &["-p", name, "ps", "-a"]));
    for service in ["web", "db", "migrate"] {
        assert!(
            v2_ps.contains(&format!("{name}-{service}-1")),
            "compose v2 ps shows {service}:\n{v2_ps}"
        );
    }
    let v1_ps = stdout(&compose_v1(lab, folder, &["-p", name, "ps"]));
    assert!(v1_ps.contains(&web), "docker-compose 1.29 ps shows web:\n{v1_ps}");
    assert!(
        v1_ps.contains(&format!("{name}-db-1")),
        "docker-compose 1.29 ps shows db:\n{v1_ps}"
    );

    let before = container_ids(lab, name);
    let (again, _) = deploy(api, host, input, name, CancellationToken::new(), None).await;
    let again = again.unwrap_or_else(|err| panic!("redeploy of {name} failed: {err}"));
    assert!(
        again.changed.is_empty(),
        "an unchanged redeploy changes nothing: {:?}",
        again.changed
    );
    assert_eq!(again.unchanged.len(), 3);
    assert_eq!(container_ids(lab, name), before, "container ids stay");

    compose_v2(lab, &["-p", name, "down", "-v"]);
    assert_eq!(
        leftovers(lab, name),
        Vec::<String>::new(),
        "compose down removed everything"
    );
}

#[tokio::test]
async fn deploy_ssh_host_seen_by_compose() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().unwrap();
    let api = open_api(data.path()).await;
    let host = add_key_host(&api, &lab).await;
    let base = BaseDir::create("hp-deploy");
    let name = common::unique_name("hpdeploy");
    let _guard = ProjectGuard {
        docker_host: lab.docker_host(),
        name: name.clone(),
    };
    let project = ProjectDir::new(&stack_yaml(&lab.var("LAB_IMAGE"), free_port()));
    let input = project.input(Some(&base.path));

    let (result, events) = deploy(&api, &host, &input, &name, CancellationToken::new(), None).await;
    let result = result.unwrap_or_else(|err| panic!("deploy to the SSH host failed: {err}"));
    assert_eq!(result.stages.len(), 6, "{:?}", result.stages);
    assert_eq!(result.changed.len(), 3);
    assert!(
        events
            .iter()
            .any(|event| matches!(event, DeployEvent::StageFinished { .. })),
        "stages are reported live"
    );
    let stack_dir = base.path.join(&name);
    assert!(
        stack_dir.join("compose.yaml").is_file(),
        "compose.yaml written over SFTP"
    );
    assert_eq!(
        std::fs::read_to_string(stack_dir.join("site/index.html")).unwrap(),
        "hello\n"
    );
    let web = format!("{name}-web-1");
    assert_eq!(
        inspect(
            &lab,
            &web,
            "{{index .Config.Labels \"com.docker.compose.project.working_dir\"}}"
        ),
        stack_dir.display().to_string()
    );
    let binds = inspect(&lab, &web, "{{json .HostConfig.Binds}}");
    assert!(
        binds.contains(&format!("{}/site:/site:ro", stack_dir.display())),
        "the bind source is the stack folder on the host: {binds}"
    );

    check_deployed_and_down(&api, &lab, &host, &input, &name, &stack_dir).await;
}

#[tokio::test]
async fn deploy_socket_engine_seen_by_compose() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().unwrap();
    let api = open_api(data.path()).await;
    let host = add_socket_host(&api, &lab).await;
    let name = common::unique_name("hpdeploy");
    let _guard = ProjectGuard {
        docker_host: lab.docker_host(),
        name: name.clone(),
    };
    let project = ProjectDir::new(&stack_yaml(&lab.var("LAB_IMAGE"), free_port()));
    let input = project.input(None);

    let (result, _) = deploy(&api, &host, &input, &name, CancellationToken::new(), None).await;
    let result = result.unwrap_or_else(|err| panic!("deploy to the socket engine failed: {err}"));
    let write_stage = &result.stages[0];
    assert!(
        write_stage.lines.iter().any(|line| line.contains("skipped")),
        "the write stage records why it skipped: {write_stage:?}"
    );
    check_preview(&api, &host, &project, &input, &name).await;
    check_deployed_and_down(&api, &lab, &host, &input, &name, project.dir.path()).await;
}

/// Checks the redeploy preview against the deployed project. As deployed, every service is
/// unchanged. After an edit, the edited service is replaced, an added one created, and a
/// dropped one reported.
/// The files are restored afterwards.
async fn check_preview(api: &Api, host: &HostView, project: &ProjectDir, input: &StackDeployInput, name: &str) {
    let changes = |previews: Vec<homeport_api::ServicePreviewView>| -> Vec<(String, String)> {
        previews
            .into_iter()
            .map(|preview| (preview.service, preview.change))
            .collect()
    };
    let preview = api
        .stack_deploy_preview(&host.id, input, Some(name), &[])
        .await
        .expect("preview");
    assert!(
        changes(preview.clone()).iter().all(|(_, change)| change == "unchanged"),
        "{preview:?}"
    );

    let path = project.dir.path().join("compose.yaml");
    let original = std::fs::read_to_string(&path).expect("compose.yaml");
    let edited = original
        .replace("GREETING: hello", "GREETING: bonjour")
        .replace("  migrate:\n", "  extra:\n")
        .replace("depends_on:\n      db: {condition: service_started}\n      migrate: {condition: service_completed_successfully}", "depends_on:\n      db: {condition: service_started}");
    std::fs::write(&path, &edited).expect("edit compose.yaml");
    let preview = api
        .stack_deploy_preview(&host.id, input, Some(name), &[])
        .await
        .expect("preview after the edit");
    std::fs::write(&path, &original).expect("restore compose.yaml");
    let found = changes(preview);
    let change_of = |service: &str| {
        found
            .iter()
            .find(|(name, _)| name == service)
            .map(|(_, change)| change.as_str())
    };
    assert_eq!(change_of("web"), Some("config"), "{found:?}");
    assert_eq!(change_of("db"), Some("unchanged"), "{found:?}");
    assert_eq!(change_of("extra"), Some("new"), "{found:?}");
    assert_eq!(change_of("migrate"), Some("removed"), "{found:?}");
}

#[tokio::test]
async fn deploy_missing_image_leaves_nothing() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().unwrap();
    let api = open_api(data.path()).await;
    let host = add_socket_host(&api, &lab).await;
    let name = common::unique_name("hpdeploy");
    let _guard = ProjectGuard {
        docker_host: lab.docker_host(),
        name: name.clone(),
    };
    let yaml = stack_yaml(&lab.var("LAB_IMAGE"), free_port()).replacen(
        &format!("  db:\n    image: {}", lab.var("LAB_IMAGE")),
        "  db:\n    image: 127.0.0.1:9/homeport-missing:1",
        1,
    );
    let project = ProjectDir::new(&yaml);

    let (result, _) = deploy(&api, &host, &project.input(None), &name, CancellationToken::new(), None).await;
    let err = result.expect_err("a missing image fails the deploy");
    assert_eq!(err.code, ErrorCode::ImageMissing, "{err}");
    assert_eq!(err.params.get("service").map(String::as_str), Some("db"), "{err}");
    assert_eq!(leftovers(&lab, &name), Vec::<String>::new());
}

#[tokio::test]
async fn deploy_cancel_during_start_leaves_nothing() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().unwrap();
    let api = open_api(data.path()).await;
    let host = add_key_host(&api, &lab).await;
    let base = BaseDir::create("hp-deploy");
    let name = common::unique_name("hpdeploy");
    let _guard = ProjectGuard {
        docker_host: lab.docker_host(),
        name: name.clone(),
    };
    // `db` never becomes healthy, so `web` waits in the start stage until the cancel.
    let yaml = stack_yaml(&lab.var("LAB_IMAGE"), free_port())
        .replace("db: {condition: service_started}", "db: {condition: service_healthy}")
        + "";
    let yaml = yaml.replacen(
        "    volumes: [\"dbdata:/data\"]\n",
        "    volumes: [\"dbdata:/data\"]\n    healthcheck:\n      test: [\"CMD\", \"false\"]\n      interval: 1s\n      retries: 1000\n",
        1,
    );
    let project = ProjectDir::new(&yaml);

    let (result, events) = deploy(
        &api,
        &host,
        &project.input(Some(&base.path)),
        &name,
        CancellationToken::new(),
        Some("waiting for db"),
    )
    .await;
    let err = result.expect_err("the cancelled deploy fails");
    assert_eq!(err.code, ErrorCode::Cancelled, "{err}");
    assert!(
        events
            .iter()
            .any(|event| matches!(event, DeployEvent::Line { text, .. } if text.contains("started"))),
        "containers were started before the cancel"
    );
    assert_eq!(
        leftovers(&lab, &name),
        Vec::<String>::new(),
        "the cancel removed everything"
    );
}

/// Builds a stand-in for a catalog image from the lab image, since no registry is reachable: it
/// only runs a shell loop, which is enough for the deploy to create and start it.
fn stand_in_image(lab: &Lab, tag: &str) {
    let dockerfile = format!(
        "FROM {}\nCMD [\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 1; done\"]\n",
        lab.var("LAB_IMAGE")
    );
    let mut child = Command::new("docker")
        .args(["--host", &lab.docker_host(), "build", "--quiet", "--tag", tag, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("docker build starts");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(dockerfile.as_bytes())
        .expect("Dockerfile written");
    assert!(
        child.wait().expect("docker build ends").success(),
        "docker build {tag} failed"
    );
}

/// The Vaultwarden template deployed in one call: its generated admin token goes to the
/// keychain and the stack's `.env` on the host, never to the database, and a second deploy
/// reuses the token.
#[tokio::test]
async fn template_deploy_keeps_its_password_in_the_keychain() {
    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    stand_in_image(&lab, "vaultwarden/server:1.34.3");
    let dir = TempDir::new().expect("temp dir");
    let api = open_api(dir.path()).await;
    let host = add_key_host(&api, &lab).await;
    let base = PathBuf::from(format!("/tmp/{}", common::unique_name("hp-tdeploy")));
    std::fs::create_dir_all(&base).expect("base folder");
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let name = common::unique_name("vault").replace('-', "");

    let run = || {
        let (sender, receiver) = std::sync::mpsc::channel();
        let input = homeport_api::TemplateDeployInput {
            template_id: "vaultwarden".into(),
            host_id: host.id.clone(),
            name: name.clone(),
            values: [("HTTP_PORT".to_string(), free_port().to_string())].into(),
            base_dir: Some(base.display().to_string()),
        };
        let sink: homeport_api::Sink<homeport_api::TemplateDeployEvent> =
            Box::new(move |event| sender.send(event).is_ok());
        (input, sink, receiver)
    };
    let finish = |receiver: std::sync::mpsc::Receiver<homeport_api::TemplateDeployEvent>| {
        let deadline = std::time::Instant::now() + DEPLOY_DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match receiver.recv_timeout(left).expect("the deploy ends in time") {
                homeport_api::TemplateDeployEvent::Done { result } => return result,
                homeport_api::TemplateDeployEvent::Error { error } => panic!("deploy failed: {error}"),
                homeport_api::TemplateDeployEvent::Progress { .. } => {}
            }
        }
    };

    let (input, sink, receiver) = run();
    api.template_deploy(input, sink).await.expect("deploy starts");
    let result = tokio::task::spawn_blocking(move || finish(receiver))
        .await
        .expect("join");
    assert_eq!(result.name, name);

    let env_path = base.join(&name).join(".env");
    let env = std::fs::read_to_string(&env_path).expect("the .env on the host");
    let token = env
        .lines()
        .find_map(|line| line.strip_prefix("ADMIN_TOKEN="))
        .expect("ADMIN_TOKEN in .env")
        .trim_matches('\'')
        .to_string();
    assert!(token.len() >= 32, "a generated token: {token:?}");
    let entry = format!("stack/{}/{name}/ADMIN_TOKEN", host.id);
    assert!(common::keychain_entries().contains(&entry), "keychain entry {entry}");
    let database = std::fs::read(dir.path().join("homeport.db")).unwrap_or_default();
    assert!(
        !String::from_utf8_lossy(&database).contains(&token),
        "the token is not in the database"
    );

    let (input, sink, receiver) = run();
    api.template_deploy(input, sink).await.expect("second deploy starts");
    tokio::task::spawn_blocking(move || finish(receiver))
        .await
        .expect("join");
    let env_again = std::fs::read_to_string(&env_path).expect("the .env again");
    assert!(env_again.contains(&token), "the redeploy reuses the token");

    api.stack_action(&host.id, &name, homeport_api::StackActionKind::Down, true)
        .await
        .expect("stack down");
    assert!(leftovers(&lab, &name).is_empty(), "nothing is left");
    let _ = Command::new("secret-tool")
        .args(["clear", "service", "homeport", "account", &entry])
        .status();
    let _ = std::fs::remove_dir_all(&base);
}

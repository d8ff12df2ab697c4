//! Image update checks and updates against the real test lab (`tests/lab/lab.sh up`): its
//! engine and its registry at `LAB_REGISTRY` (127.0.0.9:5000).
//!
//! Each test builds its images from the lab image with `docker build`, pushes them under a
//! repository of its own (`LAB_REGISTRY/hp/<unique>/…`), deploys a stack with Homeport, and
//! then pushes a different image under the same tag. The new version is removed from the
//! engine again after the push, so the update has to pull it from the registry, as it would
//! after another machine pushed it.
//!
//! Every test skips when `HOMEPORT_LAB_ENV` is unset. The SSH test puts its stack folder under
//! `/tmp/hp-update-*` with mode 0777, because the lab user writes it.

mod common;
mod hosts;

use hosts::{add_key_host, add_socket_host, open_api};

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Lab;
use homeport_api::{
    Api, DeployEvent, DeployStage, HostView, ImageUpdateStatus, ImageUpdateView, IpcError, StackDeployInput,
    StackUpdateResult,
};
use homeport_core::ErrorCode;
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

/// The bound on one deploy or update in these tests; each takes a few seconds on the lab.
const RUN_DEADLINE: Duration = Duration::from_secs(90);

/// The loop every test service runs. It exits at once on SIGTERM, so replacing it is quick.
const IDLE: &str = "trap 'exit 0' TERM; while true; do sleep 1; done";

fn docker(lab: &Lab, args: &[&str]) -> String {
    let output = common::run_checked(Command::new("docker").args(["--host", &lab.docker_host()]).args(args));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn inspect(lab: &Lab, target: &str, format: &str) -> String {
    docker(lab, &["inspect", "--format", format, target])
}

/// Builds `reference` from the lab image with a file, an environment variable and a label that
/// name `version`, so each version is a different image with a layer of its own. Returns the
/// image id.
fn build_image(lab: &Lab, reference: &str, version: u32) -> String {
    let dockerfile = format!(
        "FROM {base}\nRUN echo v{version} > /version\nENV HP_VERSION={version}\nLABEL homeport.test.version={version}\n",
        base = lab.var("LAB_IMAGE")
    );
    let mut child = Command::new("docker")
        .args([
            "--host",
            &lab.docker_host(),
            "build",
            "--quiet",
            "--tag",
            reference,
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker build starts");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(dockerfile.as_bytes()).expect("Dockerfile written");
    }
    let output = child.wait_with_output().expect("docker build ends");
    assert!(
        output.status.success(),
        "docker build {reference} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    inspect(lab, reference, "{{.Id}}")
}

/// Pushes `reference` to the lab registry and returns the digest the push recorded.
fn push(lab: &Lab, reference: &str) -> String {
    docker(lab, &["push", reference]);
    let repository = repository_of(reference);
    let digests = inspect(lab, reference, "{{range .RepoDigests}}{{println .}}{{end}}");
    digests
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{repository}@")))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no RepoDigest of {repository} after the push: {digests}"))
}

/// Builds version `version` of `reference`, pushes it and removes it from the engine again,
/// putting the tag back on `previous_id`. Returns the new image's id and digest.
fn publish_elsewhere(lab: &Lab, reference: &str, version: u32, previous_id: &str) -> (String, String) {
    let id = build_image(lab, reference, version);
    let digest = push(lab, reference);
    docker(lab, &["tag", previous_id, reference]);
    docker(lab, &["rmi", &id]);
    (id, digest)
}

/// Returns a repository prefix of this test run in the lab registry, such as
/// `127.0.0.9:5000/hp/update-1-0-5`.
fn repository_prefix(lab: &Lab) -> String {
    format!("{}/hp/{}", lab.var("LAB_REGISTRY"), common::unique_name("update"))
}

/// Returns `reference` without its tag.
fn repository_of(reference: &str) -> String {
    reference
        .rsplit_once(':')
        .map(|(name, _)| name)
        .unwrap_or(reference)
        .to_string()
}

/// A project folder on this machine with compose.yaml.
struct ProjectDir {
    dir: TempDir,
}

impl ProjectDir {
    fn new(compose: &str) -> Self {
        let dir = TempDir::new().expect("temporary project folder");
        std::fs::write(dir.path().join("compose.yaml"), compose).expect("write compose.yaml");
        Self { dir }
    }

    fn input(&self, base_dir: Option<&Path>) -> StackDeployInput {
        StackDeployInput {
            files: vec![self.dir.path().join("compose.yaml").display().to_string()],
            env_file: None,
            extra_files: Vec::new(),
            base_dir: base_dir.map(|path| path.display().to_string()),
        }
    }
}

/// A base folder the lab user may write in, removed when dropped.
struct BaseDir {
    path: PathBuf,
}

impl BaseDir {
    fn create() -> Self {
        let path = PathBuf::from("/tmp").join(common::unique_name("hp-update"));
        std::fs::create_dir(&path).unwrap_or_else(|err| panic!("cannot create '{}': {err}", path.display()));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777))
            .unwrap_or_else(|err| panic!("cannot chmod '{}': {err}", path.display()));
        Self { path }
    }
}

impl Drop for BaseDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Removes the project's containers, networks and volumes, and every image of the test's
/// repositories, when dropped, so a failed test leaves nothing behind on the engine. The
/// registry keeps what was pushed.
struct Cleanup {
    docker_host: String,
    project: String,
    repositories: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let filter = format!("label=com.docker.compose.project={}", self.project);
        let run = |args: &[&str]| -> Vec<String> {
            Command::new("docker")
                .args(["--host", &self.docker_host])
                .args(args)
                .stdin(Stdio::null())
                .output()
                .map(|output| {
                    String::from_utf8_lossy(&output.stdout)
                        .lines()
                        .map(str::to_string)
                        .filter(|line| !line.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        for id in run(&["ps", "-aq", "--filter", &filter]) {
            run(&["rm", "-f", &id]);
        }
        for id in run(&["network", "ls", "-q", "--filter", &filter]) {
            run(&["network", "rm", &id]);
        }
        for id in run(&["volume", "ls", "-q", "--filter", &filter]) {
            run(&["volume", "rm", &id]);
        }
        // Listing by repository finds the images that lost their tag too.
        for repository in &self.repositories {
            for id in run(&["images", "-q", "--no-trunc", repository]) {
                run(&["rmi", "-f", &id]);
            }
        }
    }
}

/// Returns `NAME ID` of each of the project's containers, sorted.
fn containers(lab: &Lab, project: &str) -> Vec<String> {
    let filter = format!("label=com.docker.compose.project={project}");
    let listed = docker(
        lab,
        &["ps", "-a", "--filter", &filter, "--format", "{{.Names}} {{.ID}}"],
    );
    let mut lines: Vec<String> = listed.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

async fn deploy(api: &Api, host: &HostView, input: &StackDeployInput, name: &str) {
    let run = api.stack_deploy(&host.id, input, Some(name), &[], |_| {}, CancellationToken::new());
    tokio::time::timeout(RUN_DEADLINE, run)
        .await
        .unwrap_or_else(|_| panic!("the deploy of {name} did not finish within {RUN_DEADLINE:?}"))
        .unwrap_or_else(|err| panic!("the deploy of {name} failed: {err}"));
}

/// Runs an update and collects its events. `cancel_when` cancels it at the first event it
/// matches.
async fn update(
    api: &Api,
    host: &HostView,
    name: &str,
    services: &[String],
    cancel_when: Option<fn(&DeployEvent) -> bool>,
) -> (Result<StackUpdateResult, IpcError>, Vec<DeployEvent>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let on_progress = move |event: DeployEvent| {
        if cancel_when.is_some_and(|matches| matches(&event)) {
            trigger.cancel();
        }
        sink.lock().unwrap().push(event);
    };
    let run = api.stack_update(&host.id, name, services, on_progress, cancel);
    let result = tokio::time::timeout(RUN_DEADLINE, run)
        .await
        .unwrap_or_else(|_| panic!("the update of {name} did not finish within {RUN_DEADLINE:?}"));
    let events = events.lock().unwrap().clone();
    (result, events)
}

async fn check(api: &Api, host: &HostView, name: &str) -> Vec<ImageUpdateView> {
    api.stack_update_check(&host.id, name)
        .await
        .unwrap_or_else(|err| panic!("stack_update_check of {name} failed: {err}"))
}

fn service<'a>(checks: &'a [ImageUpdateView], name: &str) -> &'a ImageUpdateView {
    checks
        .iter()
        .find(|check| check.service == name)
        .unwrap_or_else(|| panic!("no check for service {name}: {checks:?}"))
}

/// The main case on an SSH host: only the service whose image changed is replaced, with its
/// Compose labels, its settings and its anonymous volume's data, and the other services'
/// containers stay as they were.
#[tokio::test]
async fn update_replaces_only_changed_service() {
    let Some(lab) = common::lab() else { return };
    let prefix = repository_prefix(&lab);
    let app = format!("{prefix}/app:1");
    let side = format!("{prefix}/side:1");
    let name = common::unique_name("hpupdate");
    let _cleanup = Cleanup {
        docker_host: lab.docker_host(),
        project: name.clone(),
        repositories: vec![repository_of(&app), repository_of(&side)],
    };
    let app_v1 = build_image(&lab, &app, 1);
    let app_v1_digest = push(&lab, &app);
    build_image(&lab, &side, 1);
    push(&lab, &side);

    // `app` keeps a random id in an anonymous volume, written on its first start only, and has
    // a health check, so the update's wait-healthy stage runs.
    let compose = format!(
        r#"services:
  app:
    image: {app}
    command: ["sh", "-c", "[ -f /cache/first ] || cat /proc/sys/kernel/random/uuid > /cache/first; {IDLE}"]
    environment:
      GREETING: hello
    volumes: ["/cache"]
    healthcheck:
      test: ["CMD", "test", "-f", "/cache/first"]
      interval: 1s
      retries: 30
  side:
    image: {side}
    command: ["sh", "-c", "{IDLE}"]
  local:
    image: {local}
    command: ["sh", "-c", "{IDLE}"]
"#,
        local = lab.var("LAB_IMAGE"),
    );
    let project = ProjectDir::new(&compose);
    let data = TempDir::new().unwrap();
    let api = open_api(data.path()).await;
    let host = add_key_host(&api, &lab).await;
    let base = BaseDir::create();
    let input = project.input(Some(&base.path));
    deploy(&api, &host, &input, &name).await;

    let checks = check(&api, &host, &name).await;
    assert_eq!(checks.len(), 3, "{checks:?}");
    let app_check = service(&checks, "app");
    assert_eq!(app_check.status, ImageUpdateStatus::UpToDate, "{app_check:?}");
    assert_eq!(app_check.image, app);
    assert_eq!(app_check.local_digest.as_deref(), Some(app_v1_digest.as_str()));
    assert_eq!(app_check.remote_digest.as_deref(), Some(app_v1_digest.as_str()));
    assert_eq!(service(&checks, "side").status, ImageUpdateStatus::UpToDate);
    let local_check = service(&checks, "local");
    assert_eq!(local_check.status, ImageUpdateStatus::LocalOnly, "{local_check:?}");
    assert_eq!(
        local_check.remote_digest, None,
        "the registry is not asked for a local image"
    );

    let (app_v2, app_v2_digest) = publish_elsewhere(&lab, &app, 2, &app_v1);
    let checks = check(&api, &host, &name).await;
    let app_check = service(&checks, "app");
    assert_eq!(app_check.status, ImageUpdateStatus::UpdateAvailable, "{app_check:?}");
    assert_eq!(app_check.local_digest.as_deref(), Some(app_v1_digest.as_str()));
    assert_eq!(app_check.remote_digest.as_deref(), Some(app_v2_digest.as_str()));
    assert_eq!(service(&checks, "side").status, ImageUpdateStatus::UpToDate);
    assert_eq!(service(&checks, "local").status, ImageUpdateStatus::LocalOnly);

    let app_container = format!("{name}-app-1");
    let first_start = docker(&lab, &["exec", &app_container, "cat", "/cache/first"]);
    let before = containers(&lab, &name);
    let old_app_id = inspect(&lab, &app_container, "{{.Id}}");

    let (result, events) = update(&api, &host, &name, &[], None).await;
    let result = result.unwrap_or_else(|err| panic!("the update of {name} failed: {err}"));
    assert_eq!(result.updated, vec!["app".to_string()]);
    assert_eq!(result.unchanged, vec!["local".to_string(), "side".to_string()]);
    assert!(
        events
            .iter()
            .any(|event| matches!(event, DeployEvent::Layer { service, .. } if service == "app")),
        "the pull reports layer progress"
    );
    let pull = result
        .stages
        .iter()
        .find(|record| record.stage == DeployStage::Pull)
        .expect("a pull stage");
    assert!(
        pull.lines.iter().any(|line| line.contains(&format!("pulled {app}"))),
        "{pull:?}"
    );
    let waited = result
        .stages
        .iter()
        .find(|record| record.stage == DeployStage::WaitHealthy)
        .expect("a wait-healthy stage");
    assert!(waited.lines.iter().any(|line| line.contains("healthy")), "{waited:?}");

    let new_app_id = inspect(&lab, &app_container, "{{.Id}}");
    assert_ne!(new_app_id, old_app_id, "app's container was replaced");
    assert_eq!(
        inspect(&lab, &app_container, "{{.Image}}"),
        app_v2,
        "app runs the new image"
    );
    assert_eq!(
        inspect(&lab, &app_container, "{{.Config.Image}}"),
        app,
        "by the same reference"
    );
    assert_eq!(inspect(&lab, &app_container, "{{.State.Status}}"), "running");
    for (label, expected) in [
        ("com.docker.compose.project", name.as_str()),
        ("com.docker.compose.service", "app"),
        ("com.docker.compose.oneoff", "False"),
        ("com.docker.compose.image", app_v2.as_str()),
        ("homeport.test.version", "2"),
    ] {
        assert_eq!(
            inspect(
                &lab,
                &app_container,
                &format!("{{{{index .Config.Labels \"{label}\"}}}}")
            ),
            expected,
            "label {label}"
        );
    }
    let env = inspect(&lab, &app_container, "{{json .Config.Env}}");
    assert!(
        env.contains("\"GREETING=hello\""),
        "the service's variable stays: {env}"
    );
    assert!(
        env.contains("\"HP_VERSION=2\""),
        "the new image's variable applies: {env}"
    );
    assert!(!env.contains("HP_VERSION=1"), "the old image's value is gone: {env}");
    assert_eq!(
        docker(&lab, &["exec", &app_container, "cat", "/version"]),
        "v2",
        "the new image's files"
    );
    assert_eq!(
        docker(&lab, &["exec", &app_container, "cat", "/cache/first"]),
        first_start,
        "the anonymous volume came along"
    );

    let after = containers(&lab, &name);
    assert_eq!(after.len(), before.len(), "the old container is gone: {after:?}");
    for unchanged in ["side", "local"] {
        let line = |list: &[String]| {
            list.iter()
                .find(|line| line.starts_with(&format!("{name}-{unchanged}-1 ")))
                .cloned()
        };
        assert_eq!(line(&after), line(&before), "{unchanged} kept its container");
    }

    let compose_v2 = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/compose/docker-compose");
    if compose_v2.exists() {
        let listed = common::run_checked(Command::new(&compose_v2).env("DOCKER_HOST", lab.docker_host()).args([
            "-p",
            &name,
            "ps",
            "--format",
            "{{.Name}}",
        ]));
        let listed = String::from_utf8_lossy(&listed.stdout);
        assert!(
            listed.lines().any(|line| line == app_container),
            "docker compose ps lists the new container: {listed}"
        );
    } else {
        println!(
            "note: {} is missing, so docker compose ps was not run",
            compose_v2.display()
        );
    }

    let checks = check(&api, &host, &name).await;
    assert_eq!(service(&checks, "app").status, ImageUpdateStatus::UpToDate);

    // The update recorded the new image id, so an unchanged redeploy keeps every container.
    let previews = api
        .stack_deploy_preview(&host.id, &input, Some(&name), &[])
        .await
        .unwrap_or_else(|err| panic!("preview after the update failed: {err}"));
    for preview in &previews {
        assert_eq!(preview.change, "unchanged", "{previews:?}");
    }
}

/// Tells the create stage's line for a replaced container.
fn recreated(event: &DeployEvent) -> bool {
    matches!(event, DeployEvent::Line { text, .. } if text.starts_with("recreated"))
}

/// A cancel after the new container was created removes it and puts the old one back, running
/// under its own name.
#[tokio::test]
async fn update_cancel_puts_old_container_back() {
    let Some(lab) = common::lab() else { return };
    let prefix = repository_prefix(&lab);
    let app = format!("{prefix}/app:1");
    let name = common::unique_name("hpupdate");
    let _cleanup = Cleanup {
        docker_host: lab.docker_host(),
        project: name.clone(),
        repositories: vec![repository_of(&app)],
    };
    let app_v1 = build_image(&lab, &app, 1);
    push(&lab, &app);
    let project = ProjectDir::new(&format!(
        "services:\n  app:\n    image: {app}\n    command: [\"sh\", \"-c\", \"{IDLE}\"]\n"
    ));
    let data = TempDir::new().unwrap();
    let api = open_api(data.path()).await;
    let host = add_socket_host(&api, &lab).await;
    deploy(&api, &host, &project.input(None), &name).await;
    publish_elsewhere(&lab, &app, 2, &app_v1);
    let before = containers(&lab, &name);

    let (result, events) = update(&api, &host, &name, &[], Some(recreated)).await;
    let err = result.expect_err("the cancelled update fails");
    assert_eq!(err.code, ErrorCode::Cancelled, "{err}");
    assert!(
        events.iter().any(recreated),
        "the new container existed before the cancel"
    );

    assert_eq!(
        containers(&lab, &name),
        before,
        "the old container is back under its name"
    );
    let app_container = format!("{name}-app-1");
    assert_eq!(inspect(&lab, &app_container, "{{.State.Status}}"), "running");
    assert_eq!(inspect(&lab, &app_container, "{{.Image}}"), app_v1);
}

/// A tag the registry no longer has is a registry error for that service alone, a reference
/// with a digest is pinned, and an update skips both without touching a container.
#[tokio::test]
async fn update_check_registry_error_and_pinned() {
    let Some(lab) = common::lab() else { return };
    let registry = lab.var("LAB_REGISTRY");
    let prefix = repository_prefix(&lab);
    let app = format!("{prefix}/app:1");
    let name = common::unique_name("hpupdate");
    let _cleanup = Cleanup {
        docker_host: lab.docker_host(),
        project: name.clone(),
        repositories: vec![repository_of(&app)],
    };
    build_image(&lab, &app, 1);
    let digest = push(&lab, &app);
    let repository = repository_of(&app);
    let pinned = format!("{repository}@{digest}");
    let project = ProjectDir::new(&format!(
        "services:\n  app:\n    image: {app}\n    command: [\"sh\", \"-c\", \"{IDLE}\"]\n  pinned:\n    image: {pinned}\n    command: [\"sh\", \"-c\", \"{IDLE}\"]\n"
    ));
    let data = TempDir::new().unwrap();
    let api = open_api(data.path()).await;
    let host = add_socket_host(&api, &lab).await;
    deploy(&api, &host, &project.input(None), &name).await;

    // The registry API deletes a manifest by digest; the tag then names nothing.
    let path = repository.trim_start_matches(&format!("{registry}/"));
    common::run_checked(Command::new("curl").args([
        "-fsS",
        "-X",
        "DELETE",
        &format!("http://{registry}/v2/{path}/manifests/{digest}"),
    ]));

    let checks = check(&api, &host, &name).await;
    let app_check = service(&checks, "app");
    assert_eq!(app_check.status, ImageUpdateStatus::RegistryError, "{app_check:?}");
    let message = app_check.error.as_deref().unwrap_or_default();
    assert!(message.contains("manifest unknown"), "the engine's message: {message}");
    assert_eq!(app_check.local_digest.as_deref(), Some(digest.as_str()));
    let pinned_check = service(&checks, "pinned");
    assert_eq!(pinned_check.status, ImageUpdateStatus::Pinned, "{pinned_check:?}");
    assert_eq!(pinned_check.local_digest.as_deref(), Some(digest.as_str()));

    let before = containers(&lab, &name);
    let (result, _) = update(&api, &host, &name, &["app".to_string()], None).await;
    let result = result.unwrap_or_else(|err| panic!("the update of {name} failed: {err}"));
    assert!(result.updated.is_empty(), "{result:?}");
    assert_eq!(result.unchanged, vec!["app".to_string()]);
    assert_eq!(result.checks.len(), 1, "only the named service is checked");
    assert_eq!(containers(&lab, &name), before, "no container changed");

    let err = api
        .stack_update(
            &host.id,
            &name,
            &["nosuch".to_string()],
            |_| {},
            CancellationToken::new(),
        )
        .await
        .expect_err("an unknown service is rejected");
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err}");
    assert!(
        err.message.contains("app, pinned"),
        "the message lists the services: {err}"
    );

    let err = api
        .stack_update_check(&host.id, &common::unique_name("hpnostack"))
        .await
        .expect_err("a stack that does not exist");
    assert_eq!(err.code, ErrorCode::StackNotFound, "{err}");
}

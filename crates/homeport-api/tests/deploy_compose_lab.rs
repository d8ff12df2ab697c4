//! Stack deploys checked against the real test lab (`tests/lab/lab.sh up`) and Docker Compose
//! v2.40.3 (`.tools/compose/docker-compose`, from scripts/compose-oracle.sh):
//!
//! - `docker compose up -d` after a Homeport deploy keeps every container, network and volume,
//!   because Homeport writes the config hashes Compose computes;
//! - independent services start concurrently, and a `depends_on` chain starts in order;
//! - when one of several containers created at once fails, the deploy removes exactly what it
//!   created and puts the replaced container back.
//!
//! Every test skips when `HOMEPORT_LAB_ENV` is unset. Only the lab image is used and nothing is
//! pulled (`--pull never`). The SSH host's stack folders go under `/tmp/hp-compose-*` with mode
//! 0777, because the lab user writes them.

mod common;
mod hosts;

use hosts::{add_key_host, add_socket_host, free_port, labelled, open_api, BaseDir, ProjectDir, ProjectGuard};

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Lab;
use homeport_api::{Api, DeployEvent, DeployResult, DeployStage, HostView, IpcError, StackDeployInput};
use homeport_core::ErrorCode;
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

/// The bound on one whole deploy in these tests; the health checks pass within seconds.
const DEPLOY_DEADLINE: Duration = Duration::from_secs(90);

/// A shell loop that exits on SIGTERM, so stopping takes no 10 s timeout.
const LOOP: &str = r#"["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]"#;

fn docker(lab: &Lab, args: &[&str]) -> String {
    let output = common::run_checked(Command::new("docker").args(["--host", &lab.docker_host()]).args(args));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Returns `name id` of every container of the project, sorted.
fn containers(lab: &Lab, project: &str) -> Vec<String> {
    let filter = format!("label=com.docker.compose.project={project}");
    let listed = docker(
        lab,
        &[
            "ps",
            "-a",
            "--no-trunc",
            "--filter",
            &filter,
            "--format",
            "{{.Names}} {{.ID}}",
        ],
    );
    let mut lines: Vec<String> = listed.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn inspect(lab: &Lab, container: &str, format: &str) -> String {
    docker(lab, &["inspect", "--format", format, container])
}

/// Runs Compose v2 from `.tools/compose` against the lab engine in `folder`.
fn compose_v2(lab: &Lab, folder: &Path, args: &[&str]) -> Output {
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/compose/docker-compose");
    assert!(
        binary.exists(),
        "{} is missing; run scripts/compose-oracle.sh",
        binary.display()
    );
    common::run_checked(
        Command::new(binary)
            .current_dir(folder)
            .env("DOCKER_HOST", lab.docker_host())
            .args(args),
    )
}

/// A progress event with the time it arrived.
type Timed = (Instant, DeployEvent);

/// Deploys and collects the events, bounded by [`DEPLOY_DEADLINE`].
async fn deploy(
    api: &Api,
    host: &HostView,
    input: &StackDeployInput,
    name: &str,
) -> (Result<DeployResult, IpcError>, Vec<Timed>) {
    deploy_cancelled_on(api, host, input, name, None).await
}

/// Deploys as [`deploy`] does, and cancels the deploy at the first output line that contains
/// `cancel_on`.
async fn deploy_cancelled_on(
    api: &Api,
    host: &HostView,
    input: &StackDeployInput,
    name: &str,
    cancel_on: Option<&'static str>,
) -> (Result<DeployResult, IpcError>, Vec<Timed>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let on_progress = move |event: DeployEvent| {
        if let (Some(needle), DeployEvent::Line { text, .. }) = (cancel_on, &event) {
            if text.contains(needle) {
                trigger.cancel();
            }
        }
        sink.lock().unwrap().push((Instant::now(), event));
    };
    let run = api.stack_deploy(&host.id, input, Some(name), &[], on_progress, cancel);
    let result = tokio::time::timeout(DEPLOY_DEADLINE, run)
        .await
        .unwrap_or_else(|_| panic!("the deploy of {name} did not finish within {DEPLOY_DEADLINE:?}"));
    let events = events.lock().unwrap().clone();
    (result, events)
}

/// Returns the start-stage lines about `service`, in the order they arrived.
fn start_lines(events: &[Timed], service: &str) -> Vec<String> {
    events
        .iter()
        .filter_map(|(_, event)| match event {
            DeployEvent::Line {
                stage: DeployStage::Start,
                service: Some(about),
                text,
            } if about == service => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// Returns the time the start stage reported `started` for `service`.
fn started_at(events: &[Timed], service: &str) -> Instant {
    events
        .iter()
        .find_map(|(at, event)| match event {
            DeployEvent::Line {
                stage: DeployStage::Start,
                service: Some(about),
                text,
            } if about == service && text.starts_with("started ") => Some(*at),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no 'started' line for {service}"))
}

/// Splits an engine time such as `2024-05-01T10:00:07.5Z` into its whole seconds and its
/// fraction, which compare correctly where the texts do not (the engine drops trailing zeros).
fn engine_time(text: &str) -> (String, f64) {
    let text = text.trim_end_matches('Z');
    match text.split_once('.') {
        Some((seconds, fraction)) => (
            seconds.to_string(),
            format!("0.{fraction}")
                .parse()
                .unwrap_or_else(|err| panic!("engine time {text}: {err}")),
        ),
        None => (text.to_string(), 0.0),
    }
}

/// Returns a stack with most attributes Homeport applies: ports, bind, volume and tmpfs mounts, health
/// checks, limits, two networks (one with IPAM and driver options) and a labelled volume.
fn rich_stack(image: &str, port: u16) -> String {
    format!(
        r#"services:
  web:
    image: {image}
    command: {LOOP}
    environment:
      GREETING: "<hello> & bye"
      PRICE: "5$$"
    labels:
      app.tier: front
    ports: ["127.0.0.1:{port}:80"]
    volumes:
      - ./site:/site:ro
      - data:/data
      - type: tmpfs
        target: /cache
        tmpfs:
          size: 1m
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      retries: 3
    restart: unless-stopped
    stop_grace_period: 5s
    cap_add: [NET_ADMIN]
    extra_hosts: ["gateway:10.0.0.1"]
    dns_search: example.internal
    tmpfs: /run2
    sysctls:
      net.core.somaxconn: 1024
    hostname: web
    user: "0"
    working_dir: /
    shm_size: 64m
    mem_limit: 256m
    pids_limit: 200
    expose: [8080]
    security_opt: ["no-new-privileges:true"]
    depends_on:
      db:
        condition: service_healthy
    networks:
      front:
        aliases: [www]
      back:
  db:
    image: {image}
    command: {LOOP}
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
    networks: [back]
    deploy:
      resources:
        limits:
          memory: 128m
networks:
  front:
    labels:
      tier: front
  back:
    driver: bridge
    driver_opts:
      com.docker.network.bridge.enable_icc: "true"
    ipam:
      config:
        - subnet: 172.29.231.0/24
volumes:
  data:
    labels:
      keep: "yes"
"#
    )
}

/// Deploys the rich stack with Homeport, runs `docker compose up -d` on the same project in
/// `folder`, and checks that Compose recreated nothing.
async fn check_compose_keeps(
    lab: &Lab,
    api: &Api,
    host: &HostView,
    project: &ProjectDir,
    base: Option<&Path>,
    name: &str,
) {
    let input = project.input(base);
    let (result, _) = deploy(api, host, &input, name).await;
    let result = result.unwrap_or_else(|err| panic!("deploy of {name} failed: {err}"));
    assert!(
        result.unsupported.is_empty(),
        "everything applies: {:?}",
        result.unsupported
    );
    let folder = base.map_or_else(|| project.dir.path().to_path_buf(), |base| base.join(name));

    let before = (
        containers(lab, name),
        labelled(&lab.docker_host(), "network", name),
        labelled(&lab.docker_host(), "volume", name),
    );
    assert_eq!(before.0.len(), 2, "two containers: {:?}", before.0);
    let up = compose_v2(lab, &folder, &["-p", name, "up", "-d", "--pull", "never"]);
    let after = (
        containers(lab, name),
        labelled(&lab.docker_host(), "network", name),
        labelled(&lab.docker_host(), "volume", name),
    );
    let log = String::from_utf8_lossy(&up.stderr);
    assert_eq!(after.0, before.0, "compose up recreated no container:\n{log}");
    assert_eq!(after.1, before.1, "compose up kept the networks:\n{log}");
    assert_eq!(after.2, before.2, "compose up kept the volume:\n{log}");
    assert!(!log.contains("Recreate"), "compose up recreated something:\n{log}");
    assert_eq!(inspect(lab, &format!("{name}-web-1"), "{{.State.Status}}"), "running");

    compose_v2(lab, &folder, &["-p", name, "down", "-v"]);
}

#[tokio::test]
async fn compose_up_keeps_socket_deploy() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().unwrap();
    let api = open_api(data.path()).await;
    let host = add_socket_host(&api, &lab).await;
    let name = common::unique_name("hpcompose");
    let _guard = ProjectGuard {
        docker_host: lab.docker_host(),
        name: name.clone(),
    };
    let project = ProjectDir::new(&rich_stack(&lab.var("LAB_IMAGE"), free_port()));
    check_compose_keeps(&lab, &api, &host, &project, None, &name).await;
}

#[tokio::test]
async fn compose_up_keeps_ssh_deploy() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().unwrap();
    let api = open_api(data.path()).await;
    let host = add_key_host(&api, &lab).await;
    let base = BaseDir::create("hp-compose");
    let name = common::unique_name("hpcompose");
    let _guard = ProjectGuard {
        docker_host: lab.docker_host(),
        name: name.clone(),
    };
    // The 172.29.231.0/24 subnet can exist once, so this stack uses another one.
    let yaml = rich_stack(&lab.var("LAB_IMAGE"), free_port()).replace("172.29.231.0/24", "172.29.232.0/24");
    let project = ProjectDir::new(&yaml);
    check_compose_keeps(&lab, &api, &host, &project, Some(&base.path), &name).await;
}

/// Returns a stack where `a` becomes healthy after about two seconds, `b` waits for that, and
/// `c` starts after `b`. `x` and `y` depend on nothing.
fn chain_stack(image: &str) -> String {
    let slow_healthy = r#"["sh", "-c", "trap 'exit 0' TERM; sleep 2; touch /tmp/ready; while true; do sleep 1; done"]"#;
    format!(
        r#"services:
  a:
    image: {image}
    command: {slow_healthy}
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      retries: 30
  b:
    image: {image}
    command: {LOOP}
    depends_on:
      a:
        condition: service_healthy
  c:
    image: {image}
    command: {LOOP}
    depends_on: [b]
  x:
    image: {image}
    command: {LOOP}
  y:
    image: {image}
    command: {LOOP}
"#
    )
}

#[tokio::test]
async fn start_chain_order_and_concurrency() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().unwrap();
    let api = open_api(data.path()).await;
    let host = add_socket_host(&api, &lab).await;
    let name = common::unique_name("hpstart");
    let _guard = ProjectGuard {
        docker_host: lab.docker_host(),
        name: name.clone(),
    };
    let project = ProjectDir::new(&chain_stack(&lab.var("LAB_IMAGE")));

    let (result, events) = deploy(&api, &host, &project.input(None), &name).await;
    result.unwrap_or_else(|err| panic!("deploy of {name} failed: {err}"));

    // Each service's start lines come in a fixed order.
    assert_eq!(start_lines(&events, "a"), vec![format!("started {name}-a-1")]);
    assert_eq!(
        start_lines(&events, "b"),
        vec![
            "waiting for a to reach service_healthy".to_string(),
            format!("started {name}-b-1"),
        ]
    );
    assert_eq!(start_lines(&events, "c"), vec![format!("started {name}-c-1")]);

    // The chain starts in order.
    assert!(started_at(&events, "a") < started_at(&events, "b"), "a starts before b");
    assert!(started_at(&events, "b") < started_at(&events, "c"), "b starts before c");
    // `b` waited for the health check, which passes about two seconds after `a` started.
    let waited = started_at(&events, "b") - started_at(&events, "a");
    assert!(waited >= Duration::from_millis(1500), "b started {waited:?} after a");
    // `x` and `y` did not wait for the chain.
    for independent in ["x", "y"] {
        assert!(
            started_at(&events, independent) < started_at(&events, "b"),
            "{independent} starts while b waits for a"
        );
    }

    // The engine agrees: b and c started after a's health check passed, x and y before.
    let engine_started =
        |service: &str| engine_time(&inspect(&lab, &format!("{name}-{service}-1"), "{{.State.StartedAt}}"));
    assert!(engine_started("a") < engine_started("b"));
    assert!(engine_started("b") <= engine_started("c"));
    assert!(engine_started("x") < engine_started("b"));
    assert!(engine_started("y") < engine_started("b"));
}

/// Returns a stack where `a` and `b` run. The second version keeps `a`, changes `b`, and adds
/// `c`, `d` and `e`, whose capability the engine rejects at create.
fn cleanup_stack(image: &str, second: bool) -> String {
    let mut yaml = format!(
        r#"services:
  a:
    image: {image}
    command: {LOOP}
    volumes: ["data:/data"]
  b:
    image: {image}
    command: {LOOP}
    environment:
      VERSION: "{version}"
"#,
        version = if second { 2 } else { 1 }
    );
    if second {
        for service in ["c", "d"] {
            yaml.push_str(&format!("  {service}:\n    image: {image}\n    command: {LOOP}\n"));
        }
        yaml.push_str(&format!(
            "  e:\n    image: {image}\n    command: {LOOP}\n    cap_add: [NOT_A_CAPABILITY]\n"
        ));
    }
    yaml.push_str("volumes:\n  data: {}\n");
    yaml
}

#[tokio::test]
async fn failed_create_removes_only_new_objects() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().unwrap();
    let api = open_api(data.path()).await;
    let host = add_socket_host(&api, &lab).await;
    let name = common::unique_name("hpcleanup");
    let _guard = ProjectGuard {
        docker_host: lab.docker_host(),
        name: name.clone(),
    };
    let image = lab.var("LAB_IMAGE");
    let project = ProjectDir::new(&cleanup_stack(&image, false));
    let input = project.input(None);

    let (first, _) = deploy(&api, &host, &input, &name).await;
    first.unwrap_or_else(|err| panic!("first deploy of {name} failed: {err}"));
    let before = (
        containers(&lab, &name),
        labelled(&lab.docker_host(), "network", &name),
        labelled(&lab.docker_host(), "volume", &name),
    );

    project.write(&cleanup_stack(&image, true));
    let (second, events) = deploy(&api, &host, &input, &name).await;
    let err = second.expect_err("the capability is rejected");
    assert_eq!(err.code, ErrorCode::DeployFailed, "{err}");
    assert_eq!(err.params.get("service").map(String::as_str), Some("e"), "{err}");
    // The other containers were created at the same time, before the cleanup removed them.
    for service in ["c", "d"] {
        let created = events.iter().any(|(_, event)| {
            matches!(event, DeployEvent::Line { stage: DeployStage::Create, service: Some(about), text }
                if about == service && text.starts_with("created "))
        });
        assert!(created, "{service} was created before the cleanup");
    }

    let after = (
        containers(&lab, &name),
        labelled(&lab.docker_host(), "network", &name),
        labelled(&lab.docker_host(), "volume", &name),
    );
    assert_eq!(
        after.0, before.0,
        "the containers of the first deploy remain, under their names"
    );
    assert_eq!(after.1, before.1, "the network remains");
    assert_eq!(after.2, before.2, "the volume remains");
    assert_eq!(inspect(&lab, &format!("{name}-b-1"), "{{.State.Status}}"), "running");
    assert_eq!(
        inspect(
            &lab,
            &format!("{name}-b-1"),
            "{{range .Config.Env}}{{println .}}{{end}}"
        )
        .lines()
        .find(|line| line.starts_with("VERSION="))
        .unwrap_or_default(),
        "VERSION=1",
        "b is the old container"
    );
}

/// Returns a stack where `migrate` exits with 1, and `app` waits for it to complete but does
/// not require it.
fn optional_stack(image: &str) -> String {
    format!(
        r#"services:
  migrate:
    image: {image}
    command: ["sh", "-c", "exit 1"]
  app:
    image: {image}
    command: {LOOP}
    depends_on:
      migrate:
        condition: service_completed_successfully
        required: false
"#
    )
}

#[tokio::test]
async fn optional_dependency_failure_is_reported() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().unwrap();
    let api = open_api(data.path()).await;
    let host = add_socket_host(&api, &lab).await;
    let name = common::unique_name("hpoptional");
    let _guard = ProjectGuard {
        docker_host: lab.docker_host(),
        name: name.clone(),
    };
    let project = ProjectDir::new(&optional_stack(&lab.var("LAB_IMAGE")));

    let (result, events) = deploy(&api, &host, &project.input(None), &name).await;
    result.unwrap_or_else(|err| panic!("the deploy failed although the failed dependency is optional: {err}"));
    assert_eq!(
        start_lines(&events, "app"),
        vec![
            "waiting for migrate to reach service_completed_successfully".to_string(),
            "optional dependency migrate did not reach service_completed_successfully (the container exited \
             with code 1); starting anyway"
                .to_string(),
            format!("started {name}-app-1"),
        ]
    );
    assert_eq!(inspect(&lab, &format!("{name}-app-1"), "{{.State.Status}}"), "running");

    // The same dependency marked as required fails the deploy.
    project.write(&optional_stack(&lab.var("LAB_IMAGE")).replace("required: false", "required: true"));
    let other = common::unique_name("hprequired");
    let _other_guard = ProjectGuard {
        docker_host: lab.docker_host(),
        name: other.clone(),
    };
    let (result, _) = deploy(&api, &host, &project.input(None), &other).await;
    let err = result.expect_err("a failed required dependency fails the deploy");
    assert_eq!(err.code, ErrorCode::ServiceNotReady, "{err}");
}

/// Returns a stack where `app` is restarted when `db` is replaced, because its dependency sets
/// `restart: true`.
fn restart_stack(image: &str, version: u32) -> String {
    format!(
        r#"services:
  db:
    image: {image}
    command: {LOOP}
    environment:
      VERSION: "{version}"
  app:
    image: {image}
    command: {LOOP}
    depends_on:
      db:
        condition: service_started
        restart: true
  side:
    image: {image}
    command: {LOOP}
    depends_on: [db]
"#
    )
}

#[tokio::test]
async fn replaced_dependency_restarts_dependent() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().unwrap();
    let api = open_api(data.path()).await;
    let host = add_socket_host(&api, &lab).await;
    let name = common::unique_name("hprestart");
    let _guard = ProjectGuard {
        docker_host: lab.docker_host(),
        name: name.clone(),
    };
    let image = lab.var("LAB_IMAGE");
    let project = ProjectDir::new(&restart_stack(&image, 1));
    let input = project.input(None);
    let (first, _) = deploy(&api, &host, &input, &name).await;
    first.unwrap_or_else(|err| panic!("first deploy of {name} failed: {err}"));
    let state = |service: &str| {
        inspect(
            &lab,
            &format!("{name}-{service}-1"),
            "{{.Id}} {{.State.Status}} {{.State.StartedAt}}",
        )
    };
    let (app_before, side_before) = (state("app"), state("side"));

    project.write(&restart_stack(&image, 2));
    let (second, events) = deploy(&api, &host, &input, &name).await;
    let second = second.unwrap_or_else(|err| panic!("second deploy of {name} failed: {err}"));
    assert_eq!(second.changed, vec!["db".to_string()]);
    assert_eq!(
        start_lines(&events, "app"),
        vec![format!("restarted {name}-app-1 because db was replaced")]
    );
    assert_eq!(start_lines(&events, "side"), vec!["already running".to_string()]);

    let app_after = state("app");
    let same_id = |before: &str, after: &str| before.split(' ').next() == after.split(' ').next();
    assert!(same_id(&app_before, &app_after), "app kept its container");
    assert!(app_after.contains(" running "), "app runs: {app_after}");
    assert_ne!(app_before, app_after, "app started again");
    assert_eq!(
        state("side"),
        side_before,
        "side, without restart: true, was left alone"
    );
}

#[tokio::test]
async fn cancel_during_create_removes_created_containers() {
    let Some(lab) = common::lab() else { return };
    let data = TempDir::new().unwrap();
    let api = open_api(data.path()).await;
    let host = add_socket_host(&api, &lab).await;
    let name = common::unique_name("hpcancel");
    let _guard = ProjectGuard {
        docker_host: lab.docker_host(),
        name: name.clone(),
    };
    let project = ProjectDir::new(&chain_stack(&lab.var("LAB_IMAGE")));

    // The first container line comes while the other creates are in flight.
    let (result, events) =
        deploy_cancelled_on(&api, &host, &project.input(None), &name, Some("created hpcancel")).await;
    let err = result.expect_err("the cancelled deploy fails");
    assert_eq!(err.code, ErrorCode::Cancelled, "{err}");
    let created = events
        .iter()
        .filter(|(_, event)| matches!(event, DeployEvent::Line { stage: DeployStage::Create, text, .. } if text.starts_with("created hpcancel")))
        .count();
    assert!(created >= 1, "at least one container was created before the cancel");
    assert!(
        !events.iter().any(|(_, event)| matches!(
            event,
            DeployEvent::StageStarted {
                stage: DeployStage::Start
            }
        )),
        "the start stage never began"
    );
    for kind in ["container", "network", "volume"] {
        assert_eq!(
            labelled(&lab.docker_host(), kind, &name),
            Vec::<String>::new(),
            "the cancel removed every {kind}"
        );
    }
}

//! Deploys an exported Swarm stack to a real engine in swarm mode and checks that the docker
//! CLI's own `docker stack ls` and `ps` see it, then removes it with `docker stack rm`.
//!
//! The engine is a second dockerd started by `tests/lab/swarm-engine.sh` in its own network
//! namespace (the shared lab engine stays out of swarm mode) and stopped again at the end.
//! Skips when `HOMEPORT_LAB_ENV` is unset, fails when it is set but the lab is down.

#[path = "../../homeport-api/tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use homeport_compose::{ComposeFile, Environment};
use homeport_core::docker::DockerEngine;
use homeport_core::export::{deploy_stack, ExportInput};
use homeport_core::ErrorCode;

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/lab/swarm-engine.sh")
}

/// Stops the swarm engine when the test ends, also when it fails.
struct SwarmEngine {
    socket: String,
}

impl SwarmEngine {
    fn start() -> SwarmEngine {
        let output = common::run_checked(Command::new(script()).arg("up"));
        let socket = String::from_utf8(output.stdout).unwrap().trim().to_string();
        SwarmEngine { socket }
    }

    fn docker(&self, args: &[&str]) -> String {
        let output = common::run_checked(
            Command::new("docker")
                .arg("-H")
                .arg(format!("unix://{}", self.socket))
                .args(args),
        );
        String::from_utf8(output.stdout).unwrap()
    }
}

impl Drop for SwarmEngine {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("down").status();
    }
}

const COMPOSE: &str = r#"
services:
  web:
    image: homeport-lab/busybox:1
    command: ["sh", "-c", "echo $$GREETING > /www/index.html; exec httpd -f -p 8080 -h /www"]
    environment:
      GREETING: hello
      ADMIN_PASSWORD: lab-only-value
    ports: ["18099:8080"]
    volumes: ["site:/www"]
    networks: [front]
    restart: on-failure:3
    container_name: ignored-by-swarm
    deploy:
      replicas: 2
      resources:
        limits: {cpus: "0.5", memory: 64m}
volumes:
  site: {}
networks:
  front: {}
"#;

#[tokio::test]
async fn exported_stack_deploys_to_a_real_swarm() {
    let Some(_lab) = common::lab() else {
        return;
    };
    let engine = SwarmEngine::start();
    let stack = common::unique_name("hpswarm").replace('.', "-");
    let project = ComposeFile::load_strs(
        &[(PathBuf::from("/tmp/hp-swarm-test/compose.yaml"), COMPOSE.to_string())],
        &Environment::default(),
    )
    .expect("compose loads");
    let docker = DockerEngine::connect_unix(&engine.socket, "swarm-lab")
        .await
        .expect("engine connects");

    let report = deploy_stack(&docker, &project, &ExportInput::default(), &stack)
        .await
        .expect("deploy");
    assert_eq!(report.services_created, [format!("{stack}_web")]);
    assert_eq!(report.networks_created, [format!("{stack}_front")]);
    assert!(
        report.warnings.iter().any(|warning| warning.field == "container_name"),
        "{:#?}",
        report.warnings
    );

    // The docker CLI finds the stack by its namespace label.
    let stacks = engine.docker(&["stack", "ls", "--format", "{{.Name}} {{.Services}}"]);
    assert!(
        stacks.lines().any(|line| line == format!("{stack} 1")),
        "docker stack ls: {stacks}"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let running = loop {
        let tasks = engine.docker(&["stack", "ps", &stack, "--format", "{{.Name}} {{.CurrentState}}"]);
        let running = tasks.lines().filter(|line| line.contains(" Running")).count();
        if running == 2 || Instant::now() > deadline {
            break (running, tasks);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(running.0, 2, "docker stack ps: {}", running.1);

    let inspect = engine.docker(&[
        "service",
        "inspect",
        &format!("{stack}_web"),
        "--format",
        "{{json .Spec}}",
    ]);
    let spec: serde_json::Value = serde_json::from_str(&inspect).unwrap();
    let task = &spec["TaskTemplate"];
    assert_eq!(task["RestartPolicy"]["Condition"], "on-failure");
    assert_eq!(task["RestartPolicy"]["MaxAttempts"], 3);
    assert_eq!(task["Resources"]["Limits"]["NanoCPUs"], 500_000_000);
    assert_eq!(task["Resources"]["Limits"]["MemoryBytes"], 64 * 1024 * 1024);
    assert_eq!(spec["Mode"]["Replicated"]["Replicas"], 2);
    assert_eq!(spec["EndpointSpec"]["Ports"][0]["PublishedPort"], 18099);
    assert_eq!(task["ContainerSpec"]["Mounts"][0]["Source"], format!("{stack}_site"));
    let env = task["ContainerSpec"]["Env"].as_array().unwrap();
    assert!(
        env.contains(&serde_json::json!("ADMIN_PASSWORD=lab-only-value")),
        "the deploy sends real values: {env:?}"
    );

    // A second deploy updates in place.
    let again = deploy_stack(&docker, &project, &ExportInput::default(), &stack)
        .await
        .expect("redeploy");
    assert_eq!(again.services_updated, [format!("{stack}_web")]);
    assert!(again.services_created.is_empty() && again.networks_created.is_empty());

    engine.docker(&["stack", "rm", &stack]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let stacks = engine.docker(&["stack", "ls", "--format", "{{.Name}}"]);
        if !stacks.lines().any(|line| line == stack) {
            break;
        }
        assert!(Instant::now() < deadline, "docker stack rm left {stack}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn a_plain_engine_is_refused_before_anything_is_created() {
    let Some(lab) = common::lab() else {
        return;
    };
    let project = ComposeFile::load_strs(
        &[(PathBuf::from("/tmp/hp-swarm-test/compose.yaml"), COMPOSE.to_string())],
        &Environment::default(),
    )
    .unwrap();
    let docker = DockerEngine::connect_unix(&lab.var("LAB_DOCKER_SOCK"), "lab")
        .await
        .unwrap();
    let error = deploy_stack(&docker, &project, &ExportInput::default(), "hp-not-swarm")
        .await
        .expect_err("the lab engine is no swarm manager");
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert!(error.to_string().contains("swarm manager"), "{error}");
}

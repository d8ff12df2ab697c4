//! The orchestrator wizard's prefill against the lab engine: it counts stacks only over a
//! connection that is already pooled, so opening the wizard never connects to a host.
//!
//! Skips when `HOMEPORT_LAB_ENV` is unset. Only the lab image is used (`--pull never`).

mod common;
mod hosts;

use std::process::Command;

use common::{run_checked, unique_name, Lab};
use homeport_core::orchestrators::{Scale, Workloads};
use hosts::{add_socket_host, open_api};
use tempfile::TempDir;

/// A container with Compose's project label, so the engine lists a stack; removed on drop.
struct ProjectContainer {
    docker_host: String,
    name: String,
}

impl ProjectContainer {
    fn start(lab: &Lab) -> Self {
        let name = unique_name("prefill");
        let docker_host = lab.docker_host();
        run_checked(Command::new("docker").args([
            "--host",
            &docker_host,
            "run",
            "--detach",
            "--pull",
            "never",
            "--name",
            &name,
            "--label",
            "homeport.test=1",
            "--label",
            &format!("com.docker.compose.project={name}"),
            "--label",
            "com.docker.compose.service=app",
            &lab.var("LAB_IMAGE"),
            "sleep",
            "300",
        ]));
        Self { docker_host, name }
    }
}

impl Drop for ProjectContainer {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["--host", &self.docker_host, "rm", "--force", &self.name])
            .output();
    }
}

#[tokio::test]
async fn prefill_counts_stacks_only_when_connected() {
    let Some(lab) = common::lab() else { return };
    let _project = ProjectContainer::start(&lab);
    let dir = TempDir::new().unwrap();
    {
        let api = open_api(dir.path()).await;
        add_socket_host(&api, &lab).await;
    }

    // A new process's pool is empty, as when the app starts with the wizard.
    let api = open_api(dir.path()).await;
    let cold = api.orchestrator_prefill().await.expect("prefill");
    assert_eq!(cold.hosts, 1);
    assert_eq!(cold.scale, Some(Scale::Single), "one host guesses one machine");
    assert_eq!(cold.hosts_with_stacks_counted, 0, "no connection was open");
    assert_eq!(cold.workloads, None, "no stacks counted, so no guess");
    assert_eq!(
        api.host_service().connections().live_count().await,
        0,
        "the prefill opened no connection"
    );

    // The fleet view pools the engine, and then the prefill counts its stacks.
    api.fleet_status(None).await.expect("fleet status");
    let warm = api.orchestrator_prefill().await.expect("prefill");
    assert_eq!(warm.hosts_with_stacks_counted, 1);
    assert!(warm.stacks >= 1, "the labelled container is a stack: {warm:?}");
    assert_eq!(warm.workloads, Some(Workloads::Containers));
}

//! The cost calculator's prefill against the lab engine: the stored host becomes a device, and a
//! Compose project whose image is named like Vaultwarden's suggests a password manager. The
//! stacks are read only over a connection that is already pooled.
//!
//! Skips when `HOMEPORT_LAB_ENV` is unset. The image is the lab image under another tag, so
//! nothing is pulled.

mod common;
mod hosts;

use std::process::Command;

use common::{run_checked, unique_name, Lab};
use hosts::{add_socket_host, open_api};
use tempfile::TempDir;

/// The lab image tagged as a Vaultwarden image, and a container of it labelled as a Compose
/// project; both removed on drop.
struct FakeVaultwarden {
    docker_host: String,
    name: String,
    image: String,
}

impl FakeVaultwarden {
    fn start(lab: &Lab) -> Self {
        let name = unique_name("cost");
        let docker_host = lab.docker_host();
        let image = format!("homeport-lab/vaultwarden/server:{name}");
        run_checked(Command::new("docker").args(["--host", &docker_host, "tag", &lab.var("LAB_IMAGE"), &image]));
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
            "com.docker.compose.service=vaultwarden",
            &image,
            "sleep",
            "300",
        ]));
        Self {
            docker_host,
            name,
            image,
        }
    }
}

impl Drop for FakeVaultwarden {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["--host", &self.docker_host, "rm", "--force", &self.name])
            .output();
        let _ = Command::new("docker")
            .args(["--host", &self.docker_host, "rmi", &self.image])
            .output();
    }
}

#[tokio::test]
async fn prefill_suggests_deployed_apps() {
    let Some(lab) = common::lab() else { return };
    let _app = FakeVaultwarden::start(&lab);
    let dir = TempDir::new().unwrap();
    let api = open_api(dir.path()).await;
    let host = add_socket_host(&api, &lab).await;

    let cold = open_api(dir.path()).await.cost_prefill("USD").await.expect("prefill");
    assert_eq!(cold.hosts, 1);
    assert_eq!(cold.hosts_with_stacks_read, 0, "a new process has no open connection");
    assert_eq!(cold.prefill.devices.len(), 1);
    assert_eq!(cold.prefill.devices[0].name, host.name);
    assert!(cold.prefill.subscriptions.is_empty());

    // The fleet view pools the engine, and then the prefill reads its stacks.
    api.fleet_status(None).await.expect("fleet status");
    let warm = api.cost_prefill("USD").await.expect("prefill");
    assert_eq!(warm.hosts_with_stacks_read, 1);
    let apps: Vec<&str> = warm.prefill.apps.iter().map(|app| app.id.as_str()).collect();
    assert!(apps.contains(&"vaultwarden"), "{apps:?}");
    let suggested: Vec<&str> = warm
        .prefill
        .subscriptions
        .iter()
        .filter_map(|subscription| subscription.catalog_id.as_deref())
        .collect();
    assert!(suggested.contains(&"1password-individual"), "{suggested:?}");
}

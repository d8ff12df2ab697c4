//! Helpers shared by the lab test binaries of `homeport-api` that need the API itself: an API
//! over a throwaway data folder and the lab's hosts added to it. Each binary includes this
//! with `mod hosts;` next to `mod common;`.

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use homeport_api::{Api, AuthMethod, EngineInput, HostInput, HostView, StackDeployInput};
use homeport_core::paths::AppPaths;
use tempfile::TempDir;

use crate::common::{self, Lab};

/// Opens the API over a portable data folder, panicking with the folder on failure.
pub async fn open_api(dir: &Path) -> Api {
    Api::open(AppPaths::portable(dir.to_path_buf()))
        .await
        .unwrap_or_else(|err| panic!("Api::open('{}') failed: {err}", dir.display()))
}

/// Adds the lab's key-only sshd host, trusting the key `ssh-keyscan` reports.
pub async fn add_key_host(api: &Api, lab: &Lab) -> HostView {
    let address = lab.var("LAB_SSH_KEY_HOST");
    let port = lab.port("LAB_SSH_KEY_PORT");
    let fingerprint = common::keyscan_fingerprint(&address, port);
    let input = HostInput {
        name: common::unique_name("lab-ssh"),
        address,
        port: u32::from(port),
        user: lab.var("LAB_SSH_KEY_USER"),
        auth: AuthMethod::Key,
        key_path: Some(lab.var("LAB_SSH_CLIENT_KEY")),
        docker_socket: Some(lab.var("LAB_DOCKER_SOCK")),
        secret: None,
        jump_host: None,
        group: None,
        tags: Vec::new(),
    };
    api.host_add(input, Some(fingerprint))
        .await
        .unwrap_or_else(|err| panic!("host_add for the key host failed: {err}"))
}

/// Adds the lab engine's socket as a socket host.
pub async fn add_socket_host(api: &Api, lab: &Lab) -> HostView {
    let input = EngineInput {
        name: common::unique_name("lab-socket"),
        socket: Some(lab.var("LAB_DOCKER_SOCK")),
        address: None,
        port: None,
        tls: None,
        group: None,
        tags: Vec::new(),
    };
    api.host_add_engine(input)
        .await
        .unwrap_or_else(|err| panic!("host_add_engine for the lab socket failed: {err}"))
}

/// Returns a free TCP port on 127.0.0.1, for a service to publish.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A base folder the lab user may write in, removed when dropped.
pub struct BaseDir {
    pub path: PathBuf,
}

impl BaseDir {
    pub fn create(prefix: &str) -> Self {
        let path = PathBuf::from("/tmp").join(common::unique_name(prefix));
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

/// Removes every object of a project when dropped, so a failed test leaves nothing behind.
pub struct ProjectGuard {
    pub docker_host: String,
    pub name: String,
}

impl Drop for ProjectGuard {
    fn drop(&mut self) {
        for kind in ["container", "network", "volume"] {
            for id in labelled(&self.docker_host, kind, &self.name) {
                let mut command = Command::new("docker");
                command.args(["--host", &self.docker_host]);
                match kind {
                    "container" => command.args(["rm", "-f", &id]),
                    other => command.args([other, "rm", &id]),
                };
                let _ = command.output();
            }
        }
    }
}

/// Returns the ids of the project's objects of one kind, found by the Compose project label.
pub fn labelled(docker_host: &str, kind: &str, project: &str) -> Vec<String> {
    let filter = format!("label=com.docker.compose.project={project}");
    let mut command = Command::new("docker");
    command.args(["--host", docker_host]);
    match kind {
        "container" => command.args(["ps", "-a", "-q", "--no-trunc", "--filter", &filter]),
        "network" => command.args(["network", "ls", "-q", "--no-trunc", "--filter", &filter]),
        _ => command.args(["volume", "ls", "-q", "--filter", &filter]),
    };
    let output = common::run_checked(&mut command);
    let mut ids: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .filter(|line| !line.is_empty())
        .collect();
    ids.sort();
    ids
}

/// A project folder on this machine with compose.yaml and site/index.html.
pub struct ProjectDir {
    pub dir: TempDir,
}

impl ProjectDir {
    pub fn new(compose: &str) -> Self {
        let dir = TempDir::new().expect("temporary project folder");
        std::fs::write(dir.path().join("compose.yaml"), compose).expect("write compose.yaml");
        std::fs::create_dir(dir.path().join("site")).expect("create site/");
        std::fs::write(dir.path().join("site/index.html"), "hello\n").expect("write site/index.html");
        Self { dir }
    }

    pub fn write(&self, compose: &str) {
        std::fs::write(self.dir.path().join("compose.yaml"), compose).expect("rewrite compose.yaml");
    }

    pub fn input(&self, base_dir: Option<&Path>) -> StackDeployInput {
        StackDeployInput {
            files: vec![self.dir.path().join("compose.yaml").display().to_string()],
            env_file: None,
            extra_files: vec!["site/index.html".to_string()],
            base_dir: base_dir.map(|path| path.display().to_string()),
        }
    }
}

//! Database dumps against the real test lab: PostgreSQL 15 and MariaDB containers from the
//! lab's database images (`tests/lab/lab.sh db-images`), found through the Docker API, dumped
//! on the key host over SSH through `docker exec` and gzip, and loaded into a fresh container.
//!
//! Like `lab.rs`, every test skips when `HOMEPORT_LAB_ENV` is unset. A missing database image
//! fails the test with the command that builds it. Containers are started here with
//! `--pull never` and removed when the test ends, whatever happened.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{keyscan_fingerprint, run_checked, unique_name, Lab};
use homeport_core::backup::databases::{
    discover, dump_to_file_argv, ready_argv, restore_from_file_argv, DatabaseEngine, DiscoveredDatabase, DockerCli,
    Evidence,
};
use homeport_core::docker::DockerEngine;
use homeport_core::ssh::{connect, KeyPolicy, SshAuth, SshSession, SshTarget};
use tokio::time::Instant;

const POSTGRES_IMAGE: &str = "homeport-lab/postgres:15";
const MARIADB_IMAGE: &str = "homeport-lab/mariadb:10.11";

/// How long a database container may take to be found and accept connections.
const READY_DEADLINE: Duration = Duration::from_secs(60);

/// The pause between two readiness checks.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// A database container on the lab engine, removed (forced) when dropped.
struct DbContainer {
    name: String,
    docker_host: String,
}

impl DbContainer {
    fn start(lab: &Lab, image: &str, env: &[(&str, &str)]) -> Self {
        let docker_host = lab.docker_host();
        require_image(&docker_host, image);
        let name = unique_name("hp-db");
        let mut command = Command::new("docker");
        command.args([
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
        ]);
        for (key, value) in env {
            command.arg("--env").arg(format!("{key}={value}"));
        }
        command.arg(image);
        run_checked(&mut command);
        Self { name, docker_host }
    }

    /// Runs `sh -c SCRIPT` in the container with the docker CLI and returns its stdout.
    fn sh(&self, script: &str) -> String {
        let output = run_checked(Command::new("docker").args([
            "--host",
            &self.docker_host,
            "exec",
            &self.name,
            "sh",
            "-c",
            script,
        ]));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for DbContainer {
    fn drop(&mut self) {
        // A container the test already removed is fine, so the result is ignored.
        let _ = Command::new("docker")
            .args(["--host", &self.docker_host, "rm", "--force", "--volumes", &self.name])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn require_image(docker_host: &str, image: &str) {
    let found = Command::new("docker")
        .args(["--host", docker_host, "image", "inspect", image])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("docker runs");
    assert!(
        found.success(),
        "the lab image {image} is missing; build it with `tests/lab/lab.sh db-images`"
    );
}

async fn key_host_session(lab: &Lab) -> SshSession {
    let address = lab.var("LAB_SSH_KEY_HOST");
    let port = lab.port("LAB_SSH_KEY_PORT");
    let auth = SshAuth::Key {
        path: lab.var("LAB_SSH_CLIENT_KEY").into(),
        passphrase: None,
    };
    let target = SshTarget::new(address.clone(), port, lab.var("LAB_SSH_KEY_USER"), auth);
    let policy = KeyPolicy::Trusted(keyscan_fingerprint(&address, port));
    connect(&target, policy)
        .await
        .unwrap_or_else(|err| panic!("ssh to the key host failed: {err}"))
}

async fn lab_engine(lab: &Lab) -> DockerEngine {
    DockerEngine::connect_unix(&lab.var("LAB_DOCKER_SOCK"), "lab")
        .await
        .unwrap_or_else(|err| panic!("cannot reach the lab engine: {err}"))
}

fn docker_cli(lab: &Lab) -> DockerCli {
    DockerCli {
        host: Some(lab.docker_host()),
    }
}

/// Polls discovery until it lists `container`, then polls the readiness command on the host
/// until the server accepts connections.
async fn wait_for_database(
    lab: &Lab,
    engine: &DockerEngine,
    session: &SshSession,
    container: &str,
) -> DiscoveredDatabase {
    let deadline = Instant::now() + READY_DEADLINE;
    let database = loop {
        let found = discover(engine).await.expect("discovery runs");
        if let Some(database) = found
            .into_iter()
            .find(|database| database.target.container == container)
        {
            break database;
        }
        assert!(
            Instant::now() < deadline,
            "discovery did not list {container} within {READY_DEADLINE:?}"
        );
        tokio::time::sleep(POLL_INTERVAL).await;
    };

    let ready = ready_argv(&docker_cli(lab), &database.target).expect("ready argv");
    let mut last = None;
    while Instant::now() < deadline {
        let output = session.exec(&ready).await.expect("ssh exec runs");
        if output.exit_status == Some(0) {
            return database;
        }
        last = Some(output);
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    panic!("{container} did not accept connections within {READY_DEADLINE:?}; last check: {last:?}");
}

/// Creates a folder on the host (this machine) that the SSH user may write to. It is removed
/// when the returned value is dropped.
fn shared_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp folder");
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777))
        .expect("chmod the temp folder");
    dir
}

fn gunzip(path: &Path) -> String {
    let output = run_checked(Command::new("gzip").arg("-dc").arg(path));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn run_on_host(session: &SshSession, argv: &[String], what: &str) {
    let output = session.exec(argv).await.expect("ssh exec runs");
    assert_eq!(
        output.exit_status,
        Some(0),
        "{what} failed: stdout: {} stderr: {}",
        output.stdout,
        output.stderr
    );
}

#[tokio::test]
async fn postgres_dump_and_restore() {
    let Some(lab) = common::lab() else { return };
    let engine = lab_engine(&lab).await;
    let session = key_host_session(&lab).await;
    let docker = docker_cli(&lab);

    let source = DbContainer::start(&lab, POSTGRES_IMAGE, &[]);
    let database = wait_for_database(&lab, &engine, &session, &source.name).await;
    assert_eq!(database.target.engine, DatabaseEngine::Postgres);
    assert_eq!(database.target.user, "postgres");
    assert!(database.target.server_uid.is_some(), "{database:?}");
    assert!(
        database.evidence.contains(&Evidence::Process("postgres".to_string())),
        "{:?}",
        database.evidence
    );
    assert!(database.evidence.contains(&Evidence::Environment("PGDATA".to_string())));

    let marker = unique_name("pg-row");
    source.sh("createdb hp_backup_test");
    source.sh(&format!(
        "psql -d hp_backup_test -c \"CREATE TABLE items (id int, note text); INSERT INTO items VALUES (1, '{marker}');\""
    ));

    let folder = shared_folder();
    let dump = folder.path().join("pg.sql.gz");
    let dump_path = dump.to_str().unwrap();
    run_on_host(
        &session,
        &dump_to_file_argv(&docker, &database.target, dump_path).unwrap(),
        "the dump",
    )
    .await;
    let sql = gunzip(&dump);
    assert!(sql.contains("CREATE TABLE public.items"), "the dump lacks the table");
    assert!(sql.contains(&marker), "the dump lacks the row");

    let fresh = DbContainer::start(&lab, POSTGRES_IMAGE, &[]);
    let target = wait_for_database(&lab, &engine, &session, &fresh.name).await;
    run_on_host(
        &session,
        &restore_from_file_argv(&docker, &target.target, dump_path).unwrap(),
        "the restore",
    )
    .await;
    let rows = fresh.sh("psql -d hp_backup_test -tAc 'SELECT note FROM items WHERE id = 1'");
    assert_eq!(rows.trim(), marker);
}

#[tokio::test]
async fn mariadb_dump_and_restore_with_password() {
    let Some(lab) = common::lab() else { return };
    let engine = lab_engine(&lab).await;
    let session = key_host_session(&lab).await;
    let docker = docker_cli(&lab);
    let password = unique_name("Root-Pw");

    let source = DbContainer::start(&lab, MARIADB_IMAGE, &[("MARIADB_ROOT_PASSWORD", &password)]);
    let database = wait_for_database(&lab, &engine, &session, &source.name).await;
    assert_eq!(database.target.engine, DatabaseEngine::Mariadb);
    assert_eq!(database.target.user, "root");
    assert_eq!(database.password_variable.as_deref(), Some("MARIADB_ROOT_PASSWORD"));
    assert!(
        database.evidence.contains(&Evidence::Process("mariadbd".to_string())),
        "{:?}",
        database.evidence
    );
    assert!(
        !format!("{database:?}").contains(&password),
        "discovery keeps no password"
    );

    // Without the password, root is rejected: the dump below works only because the script
    // read the password inside the container.
    let without = Command::new("docker")
        .args([
            "--host",
            &lab.docker_host(),
            "exec",
            &source.name,
            "mariadb",
            "-u",
            "root",
            "-e",
            "SELECT 1",
        ])
        .output()
        .expect("docker runs");
    assert!(!without.status.success(), "root logged in without a password");

    let marker = unique_name("maria-row");
    source.sh(&format!(
        "MYSQL_PWD=\"$MARIADB_ROOT_PASSWORD\" mariadb -u root -e \"CREATE DATABASE hp_backup_test; \
         CREATE TABLE hp_backup_test.items (id int, note text); \
         INSERT INTO hp_backup_test.items VALUES (1, '{marker}');\""
    ));

    let folder = shared_folder();
    let dump = folder.path().join("maria.sql.gz");
    let dump_path = dump.to_str().unwrap();
    let argv = dump_to_file_argv(&docker, &database.target, dump_path).unwrap();
    assert!(
        !argv.iter().any(|arg| arg.contains(&password)),
        "the password is on the argv"
    );
    run_on_host(&session, &argv, "the dump").await;
    let sql = gunzip(&dump);
    assert!(sql.contains("CREATE TABLE `items`"), "the dump lacks the table");
    assert!(sql.contains(&marker), "the dump lacks the row");
    assert!(!sql.contains(&password), "the dump holds the plain password");

    let fresh = DbContainer::start(&lab, MARIADB_IMAGE, &[("MARIADB_ROOT_PASSWORD", &password)]);
    let target = wait_for_database(&lab, &engine, &session, &fresh.name).await;
    run_on_host(
        &session,
        &restore_from_file_argv(&docker, &target.target, dump_path).unwrap(),
        "the restore",
    )
    .await;
    let rows = fresh.sh("MYSQL_PWD=\"$MARIADB_ROOT_PASSWORD\" mariadb -u root -N -B -e 'SELECT note FROM hp_backup_test.items WHERE id = 1'");
    assert_eq!(rows.trim(), marker);
}

#[tokio::test]
async fn failed_dump_leaves_no_file() {
    let Some(lab) = common::lab() else { return };
    let engine = lab_engine(&lab).await;
    let session = key_host_session(&lab).await;

    let source = DbContainer::start(&lab, POSTGRES_IMAGE, &[]);
    let mut database = wait_for_database(&lab, &engine, &session, &source.name).await;
    // A role that does not exist makes pg_dumpall fail after gzip has started.
    database.target.user = "no_such_role".to_string();

    let folder = shared_folder();
    let dump = folder.path().join("broken.sql.gz");
    let argv = dump_to_file_argv(&docker_cli(&lab), &database.target, dump.to_str().unwrap()).unwrap();
    let output = session.exec(&argv).await.expect("ssh exec runs");
    assert_ne!(output.exit_status, Some(0), "the dump of a missing role succeeded");
    assert!(output.stderr.contains("no_such_role"), "stderr: {}", output.stderr);
    assert!(!dump.exists(), "a failed dump left {}", dump.display());
    assert_eq!(
        std::fs::read_dir(folder.path()).unwrap().count(),
        0,
        "a partial file is left"
    );
}

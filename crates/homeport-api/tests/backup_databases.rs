//! Database dumps and stack restores against the real test lab, with PostgreSQL 15 and MariaDB
//! containers from the lab's database images (`tests/lab/lab.sh db-images`).
//!
//! The containers are found through the Docker API, dumped on the key host over SSH through
//! `docker exec` and gzip, and loaded into a fresh container. Plans back up a database or a whole
//! Compose stack, which is then restored into running and new containers, in place and to
//! another host, and drilled.
//!
//! Like `lab.rs`, every test skips when `HOMEPORT_LAB_ENV` is unset. A missing database image
//! fails the test with the command that builds it. Containers are started here with
//! `--pull never` and removed when the test ends, whatever happened.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{keyscan_fingerprint, run_checked, unique_name, Lab, LabProject};
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

/// Adds the lab's key host to a new app data folder, with the lab engine as its Docker socket.
async fn api_with_key_host(lab: &Lab, dir: &Path) -> (homeport_api::Api, String) {
    use homeport_api::{AuthMethod, HostInput};

    let api = homeport_api::Api::open(homeport_core::paths::AppPaths::portable(dir.to_path_buf()))
        .await
        .expect("Api::open");
    let name = unique_name("dbplan");
    let address = lab.var("LAB_SSH_KEY_HOST");
    let port = lab.port("LAB_SSH_KEY_PORT");
    let input = HostInput {
        name: name.clone(),
        address: address.clone(),
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
    api.host_add(input, Some(keyscan_fingerprint(&address, port)))
        .await
        .expect("host_add");
    (api, name)
}

/// Lists containers on the lab engine whose name starts with `prefix`, stopped ones included.
fn containers_named(lab: &Lab, prefix: &str) -> Vec<String> {
    let output = run_checked(Command::new("docker").args([
        "--host",
        &lab.docker_host(),
        "ps",
        "--all",
        "--format",
        "{{.Names}}",
    ]));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|name| name.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

/// Saves a plan that backs up `item` on `host` to a local repository at `repository`, with a
/// generated password, and returns its id.
async fn save_plan(
    api: &homeport_api::Api,
    name: &str,
    host: &str,
    item: homeport_core::backup::plan::BackupItem,
    repository: &Path,
) -> String {
    use homeport_api::backup::BackupPlanInput;
    use homeport_core::backup::plan::{PlanDefinition, RepositoryDefinition};

    let definition = PlanDefinition {
        name: unique_name(name),
        host: host.to_string(),
        items: vec![item],
        repositories: vec![RepositoryDefinition {
            name: "disk".into(),
            location: repository.to_string_lossy().into_owned(),
            copy_from: None,
            place: None,
            distance_km: None,
        }],
        schedule: "30 2 * * *".into(),
        retention: Default::default(),
        rpo_hours: 24,
        rto_hours: 4,
        drill: Default::default(),
        enabled: true,
    };
    let view = api
        .backup_plan_save(BackupPlanInput {
            id: None,
            definition,
            password: None,
            s3_keys: Vec::new(),
        })
        .await
        .expect("backup_plan_save");
    view.plan.id
}

/// Saves and initialises a plan that backs up one database, and runs it once; the dump stage
/// must succeed.
async fn database_plan(api: &homeport_api::Api, host: &str, container: &str, engine: &str, folder: &Path) -> String {
    use homeport_core::backup::plan::BackupItem;
    use homeport_core::backup::store::{RunStatus, RunTrigger};
    use tokio_util::sync::CancellationToken;

    let item = BackupItem::Database {
        container: container.to_string(),
        engine: engine.into(),
        user: None,
    };
    let plan = save_plan(api, &format!("{engine}-plan"), host, item, &folder.join("repo")).await;
    let init = api.backup_plan_init(&plan, |_| {}).await.expect("init");
    // Probing for a repository that does not exist yet is part of a good init, not a failure.
    let probe = init
        .stages
        .iter()
        .find(|stage| stage.name == "probe")
        .expect("probe stage");
    assert_eq!(probe.status, RunStatus::Succeeded, "{init:?}");
    let run = api
        .backup_run(&plan, RunTrigger::Manual, |_| {}, CancellationToken::new())
        .await
        .expect("backup_run");
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    let dump_stage = run
        .stages
        .iter()
        .find(|stage| stage.name == "dump")
        .expect("dump stage");
    assert_eq!(dump_stage.status, RunStatus::Succeeded, "{dump_stage:?}");
    plan
}

/// A plan that dumps a PostgreSQL container, then its dump loaded three ways from the
/// snapshot: into a new container, back into the running one, and by a drill into a scratch
/// container that is removed afterwards.
#[tokio::test]
async fn postgres_plan_restores_into_containers_and_drills() {
    use homeport_core::backup::db_restore::{DatabaseDestination, DatabaseRestoreRequest};
    use homeport_core::backup::store::RunTrigger;
    use tokio_util::sync::CancellationToken;

    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let engine = lab_engine(&lab).await;
    let session = key_host_session(&lab).await;
    let source = DbContainer::start(&lab, POSTGRES_IMAGE, &[]);
    wait_for_database(&lab, &engine, &session, &source.name).await;
    let marker = unique_name("pg-plan-row");
    source.sh("createdb hp_plan_test");
    source.sh(&format!(
        "psql -d hp_plan_test -c \"CREATE TABLE items (id int, note text); INSERT INTO items VALUES (1, '{marker}');\""
    ));

    let app_dir = tempfile::tempdir().unwrap();
    let (api, host) = api_with_key_host(&lab, app_dir.path()).await;
    let folder = shared_folder();
    let plan = database_plan(&api, &host, &source.name, "postgres", folder.path()).await;

    // Into a new container that copies the original's database variables.
    let copy = DbContainer {
        name: unique_name("hp-db-copy"),
        docker_host: lab.docker_host(),
    };
    let request = DatabaseRestoreRequest {
        snapshot: "latest".into(),
        database: source.name.clone(),
        destination: DatabaseDestination::New {
            container: copy.name.clone(),
            image: POSTGRES_IMAGE.into(),
            environment_from: Some(source.name.clone()),
        },
    };
    let record = api
        .backup_restore_database(&plan, &request, false, |_| {}, CancellationToken::new())
        .await
        .expect("restore into a new container");
    let stages: Vec<_> = record.stages.iter().map(|stage| stage.name.as_str()).collect();
    assert_eq!(stages, ["restore", "container", "ready", "load", "verify", "cleanup"]);
    let rows = copy.sh("psql -d hp_plan_test -tAc 'SELECT note FROM items WHERE id = 1'");
    assert_eq!(rows.trim(), marker);

    // Back into the running original, after a row was added there: refused until confirmed,
    // because the load replaces the database, and then the added row is gone.
    source.sh("psql -d hp_plan_test -c \"INSERT INTO items VALUES (2, 'added after the backup');\"");
    let back = DatabaseRestoreRequest {
        destination: DatabaseDestination::Running {
            container: source.name.clone(),
        },
        ..request.clone()
    };
    let err = api
        .backup_restore_database(&plan, &back, false, |_| {}, CancellationToken::new())
        .await
        .expect_err("an unconfirmed load into a running container");
    assert_eq!(err.code, homeport_core::ErrorCode::InvalidInput, "{err:?}");
    let record = api
        .backup_restore_database(&plan, &back, true, |_| {}, CancellationToken::new())
        .await
        .expect("restore into the running container");
    let stages: Vec<_> = record.stages.iter().map(|stage| stage.name.as_str()).collect();
    assert_eq!(stages, ["restore", "ready", "drop", "load", "verify", "cleanup"]);
    let rows = source.sh("psql -d hp_plan_test -tAc 'SELECT note FROM items ORDER BY id'");
    assert_eq!(rows.trim(), marker, "the load replaced the database");

    // A drill loads the dump into a scratch container from the same image and removes it.
    let drill = api
        .backup_drill(&plan, RunTrigger::Manual, None, |_| {}, CancellationToken::new())
        .await
        .expect("drill");
    assert!(drill.passed, "{drill:?}");
    assert_eq!(drill.databases.len(), 1, "{drill:?}");
    assert!(drill.databases[0].ok, "{:?}", drill.databases[0]);
    assert!(
        drill.databases[0].expected.contains(&"hp_plan_test".to_string()),
        "{:?}",
        drill.databases[0]
    );
    assert!(containers_named(&lab, "homeport-drill-").is_empty());
    println!(
        "drill: measured RTO {} ms, of which the database load {} ms",
        drill.duration_ms, drill.databases[0].duration_ms
    );

    // The plan's 3-2-1 report now counts the repository that contains a good snapshot.
    let view = api.backup_plan(&plan).await.expect("plan view");
    assert_eq!(view.rule321.copies, 2, "{:?}", view.rule321);
}

/// A drill of a MariaDB plan: the scratch container copies the root password variable of the
/// original, loads the dump and lists the dump's databases with `SHOW DATABASES`.
#[tokio::test]
async fn mariadb_plan_drill_loads_the_dump() {
    use homeport_core::backup::store::RunTrigger;
    use tokio_util::sync::CancellationToken;

    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let engine = lab_engine(&lab).await;
    let session = key_host_session(&lab).await;
    let password = unique_name("root-pw");
    let source = DbContainer::start(&lab, MARIADB_IMAGE, &[("MARIADB_ROOT_PASSWORD", &password)]);
    wait_for_database(&lab, &engine, &session, &source.name).await;
    source.sh("MYSQL_PWD=\"$MARIADB_ROOT_PASSWORD\" mariadb -u root -e 'CREATE DATABASE hp_drill_test'");

    let app_dir = tempfile::tempdir().unwrap();
    let (api, host) = api_with_key_host(&lab, app_dir.path()).await;
    let folder = shared_folder();
    let plan = database_plan(&api, &host, &source.name, "mariadb", folder.path()).await;

    let drill = api
        .backup_drill(&plan, RunTrigger::Manual, None, |_| {}, CancellationToken::new())
        .await
        .expect("drill");
    assert!(drill.passed, "{drill:?}");
    assert!(
        drill.databases[0].expected.contains(&"hp_drill_test".to_string()),
        "{:?}",
        drill.databases[0]
    );
    assert!(containers_named(&lab, "homeport-drill-").is_empty());
}

/// The test stack: an app with a bind-mounted folder and a named volume, and PostgreSQL on a
/// volume of its own.
const STACK_COMPOSE: &str = r#"services:
  app:
    image: homeport-lab/busybox:1
    command: ["sleep", "3600"]
    volumes:
      - ./data:/data
      - files:/files
  db:
    image: homeport-lab/postgres:15
    volumes:
      - dbdata:/var/lib/postgresql/15/main
volumes:
  files:
  dbdata:
"#;

/// Polls `pg_isready` in the project's db container until the server accepts connections.
async fn wait_for_project_db(project: &LabProject) {
    let deadline = Instant::now() + READY_DEADLINE;
    loop {
        let name = project.container("db");
        let ready = Command::new("docker")
            .args([
                "--host",
                &project.docker_host,
                "exec",
                &name,
                "pg_isready",
                "-q",
                "-d",
                "postgres",
            ])
            .status()
            .expect("docker runs");
        if ready.success() {
            return;
        }
        assert!(Instant::now() < deadline, "the db of {} did not start", project.name);
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// A stack backed up by a plan on the local engine, lost with its folder and volumes, and
/// restored twice: in place, and as a new project in a new folder through the lab's SSH host,
/// as another machine would. On the local engine restic runs here as root, so it reads the
/// volume.
#[tokio::test]
async fn stack_restores_in_place_and_to_another_host() {
    use homeport_api::EngineInput;
    use homeport_core::backup::plan::BackupItem;
    use homeport_core::backup::stack_restore::StackRestoreRequest;
    use homeport_core::backup::store::{RunStatus, RunTrigger};
    use tokio_util::sync::CancellationToken;

    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    require_image(&lab.docker_host(), POSTGRES_IMAGE);
    let folder = shared_folder();
    let stack_dir = folder.path().join("shop");
    std::fs::create_dir_all(stack_dir.join("data")).unwrap();
    std::fs::write(stack_dir.join("compose.yaml"), STACK_COMPOSE).unwrap();
    let marker = unique_name("stack-note");
    std::fs::write(stack_dir.join("data/note.txt"), &marker).unwrap();

    let project = LabProject {
        name: unique_name("hpstack").to_lowercase().replace('.', "-"),
        docker_host: lab.docker_host(),
    };
    project.compose(&stack_dir, &["up", "--detach"]);
    wait_for_project_db(&project).await;
    project.sh("app", &format!("echo {marker} > /files/in-volume.txt"));
    project.sh(
        "db",
        &format!("createdb hp_stack && psql -d hp_stack -c \"CREATE TABLE t (note text); INSERT INTO t VALUES ('{marker}');\""),
    );

    let app_dir = tempfile::tempdir().unwrap();
    let (api, ssh_host) = api_with_key_host(&lab, app_dir.path()).await;
    let local_host = unique_name("local-engine");
    api.host_add_engine(EngineInput {
        name: local_host.clone(),
        socket: Some(lab.var("LAB_DOCKER_SOCK")),
        address: None,
        port: None,
        tls: None,
        group: None,
        tags: Vec::new(),
    })
    .await
    .expect("host_add_engine");
    let repository = folder.path().join("repo");
    let item = BackupItem::Stack {
        project: project.name.clone(),
    };
    let plan = save_plan(&api, "stack-plan", &local_host, item, &repository).await;
    api.backup_plan_init(&plan, |_| {}).await.expect("init");
    let run = api
        .backup_run(&plan, RunTrigger::Manual, |_| {}, CancellationToken::new())
        .await
        .expect("backup_run");
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    let manifest = api
        .backup_stack_manifest(&plan, "latest", &project.name)
        .await
        .expect("manifest");
    assert_eq!(manifest.working_dir, stack_dir.to_string_lossy());
    assert_eq!(manifest.databases.len(), 1, "{manifest:?}");
    assert!(manifest.volumes.iter().any(|volume| volume.database), "{manifest:?}");

    // The disaster: the project, its volumes and its folder are gone.
    project.remove();
    std::fs::remove_dir_all(&stack_dir).unwrap();

    let request = StackRestoreRequest {
        snapshot: "latest".into(),
        project: project.name.clone(),
        host: None,
        name: None,
        directory: None,
    };
    let record = api
        .backup_restore_stack(&plan, &request, false, |_| {}, CancellationToken::new())
        .await
        .expect("restore in place");
    let stages: Vec<_> = record.stages.iter().map(|stage| stage.name.as_str()).collect();
    assert_eq!(
        stages,
        ["restore", "files", "create", "volumes", "start", "ready", "load", "verify", "start", "cleanup"],
        "{record:?}"
    );
    assert_eq!(
        std::fs::read_to_string(stack_dir.join("data/note.txt")).unwrap(),
        marker
    );
    assert_eq!(project.sh("app", "cat /files/in-volume.txt").trim(), marker);
    let rows = project.sh("db", "psql -d hp_stack -tAc 'SELECT note FROM t'");
    assert_eq!(rows.trim(), marker);

    // The same name again is refused until confirmed: it would replace a running stack.
    let err = api
        .backup_restore_stack(&plan, &request, false, |_| {}, CancellationToken::new())
        .await
        .expect_err("a second restore over a running stack");
    assert_eq!(err.code, homeport_core::ErrorCode::InvalidInput, "{err:?}");

    // To another host: the SSH host, as its own (non-root) user, reading the same folder as
    // a second machine reads a shared disk. The repository is opened up to that user.
    run_checked(Command::new("chmod").args(["-R", "a+rwX"]).arg(&repository));
    let copy = LabProject {
        name: format!("{}-copy", project.name),
        docker_host: lab.docker_host(),
    };
    let copy_dir = folder.path().join("shop-copy");
    let elsewhere = StackRestoreRequest {
        host: Some(ssh_host),
        name: Some(copy.name.clone()),
        directory: Some(copy_dir.to_string_lossy().into_owned()),
        ..request.clone()
    };
    api.backup_restore_stack(&plan, &elsewhere, false, |_| {}, CancellationToken::new())
        .await
        .expect("restore to another host");
    assert_eq!(std::fs::read_to_string(copy_dir.join("data/note.txt")).unwrap(), marker);
    assert_eq!(copy.sh("app", "cat /files/in-volume.txt").trim(), marker);
    let rows = copy.sh("db", "psql -d hp_stack -tAc 'SELECT note FROM t'");
    assert_eq!(rows.trim(), marker);

    // A drill of the plan loads the stack's database dump into a scratch container.
    let drill = api
        .backup_drill(&plan, RunTrigger::Manual, None, |_| {}, CancellationToken::new())
        .await
        .expect("drill");
    assert!(drill.passed, "{drill:?}");
    assert_eq!(drill.databases.len(), 1, "{drill:?}");
    assert!(
        drill.databases[0].expected.contains(&"hp_stack".to_string()),
        "{drill:?}"
    );
}

/// A stack with a named volume, backed up over SSH as a user that cannot read Docker's data
/// folder, fails at the `stacks` stage with the volume's folder and the fix, before restic runs.
#[tokio::test]
async fn unreadable_stack_volume_fails_before_restic() {
    use homeport_core::backup::plan::BackupItem;
    use homeport_core::backup::store::{RunStatus, RunTrigger};
    use tokio_util::sync::CancellationToken;

    let Some(lab) = common::lab() else { return };
    lab.require_unlocked_keychain();
    let folder = shared_folder();
    let stack_dir = folder.path().join("files");
    std::fs::create_dir_all(&stack_dir).unwrap();
    std::fs::write(
        stack_dir.join("compose.yaml"),
        "services:\n  app:\n    image: homeport-lab/busybox:1\n    command: [\"sleep\", \"3600\"]\n    volumes:\n      - files:/files\nvolumes:\n  files:\n",
    )
    .unwrap();
    let project = LabProject {
        name: unique_name("hpunread").to_lowercase().replace('.', "-"),
        docker_host: lab.docker_host(),
    };
    project.compose(&stack_dir, &["up", "--detach"]);

    let app_dir = tempfile::tempdir().unwrap();
    let (api, host) = api_with_key_host(&lab, app_dir.path()).await;
    let item = BackupItem::Stack {
        project: project.name.clone(),
    };
    let plan = save_plan(&api, "unreadable", &host, item, &folder.path().join("repo")).await;
    api.backup_plan_init(&plan, |_| {}).await.expect("init");

    let run = api
        .backup_run(&plan, RunTrigger::Manual, |_| {}, CancellationToken::new())
        .await
        .expect("backup_run records the failure");

    assert_eq!(run.status, RunStatus::Failed, "{run:?}");
    let names: Vec<_> = run.stages.iter().map(|stage| stage.name.as_str()).collect();
    assert_eq!(names, ["stacks"], "restic must not start: {run:?}");
    let message = run.error_message.clone().unwrap_or_default();
    assert!(message.contains("/_data"), "{message}");
    assert!(message.contains("root"), "{message}");
}

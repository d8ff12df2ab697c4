//! Backups against the real test lab (`tests/lab/lab.sh up`) and real restic 0.14: a run,
//! snapshots, a restore and a drill over the lab's key-only sshd, and the three failure cases:
//! a locked repository, a wrong password, and a backup killed half-way.
//!
//! Every test skips when `HOMEPORT_LAB_ENV` is unset. The lab's sshd runs on this machine, so
//! the "remote" folders are made here, under `/tmp/hp-backup-*`, open to the lab user that
//! restic runs as. Plans keep their repository password in the lab's Secret Service.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Lab;
use homeport_api::backup::{BackupPlanInput, RestoreRequest, RunEvent};
use homeport_api::{Api, AuthMethod, HostInput};
use homeport_core::alerts::HOMEPORT_SOURCE;
use homeport_core::backup::plan::{BackupItem, PlanDefinition, RepositoryDefinition, Retention};
use homeport_core::backup::store::{RunStatus, RunTrigger};
use homeport_core::paths::AppPaths;
use homeport_core::ErrorCode;
use tempfile::TempDir;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long one restic step (a lock appearing, a process starting) may take in the lab.
const STEP_DEADLINE: Duration = Duration::from_secs(60);

const MIB: usize = 1024 * 1024;

/// restic arguments that take a lock and keep it until the process ends: a backup that waits
/// for stdin, which the test never writes.
const HOLD_LOCK: &[&str] = &["backup", "--stdin", "--stdin-filename", "held"];

/// A folder under /tmp that the lab user can write, removed when dropped.
struct SharedDir {
    path: PathBuf,
}

impl SharedDir {
    fn new(prefix: &str) -> Self {
        let path = PathBuf::from("/tmp").join(common::unique_name(prefix));
        std::fs::create_dir_all(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
        Self { path }
    }

    fn join(&self, name: &str) -> String {
        self.path.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for SharedDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Writes `count` files of `size` bytes of random data (from /dev/urandom) under `dir`.
fn write_files(dir: &Path, count: usize, size: usize) {
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let mut urandom = std::fs::File::open("/dev/urandom").unwrap();
    for index in 0..count {
        let mut data = vec![0u8; size];
        std::io::Read::read_exact(&mut urandom, &mut data).unwrap();
        let name = if index % 2 == 0 {
            format!("file-{index:03}.bin")
        } else {
            format!("sub/file-{index:03}.bin")
        };
        std::fs::write(dir.join(name), data).unwrap();
    }
    for folder in [dir.to_path_buf(), dir.join("sub")] {
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

struct Fixture {
    _app_dir: TempDir,
    api: Api,
    lab: Lab,
    shared: SharedDir,
    host_name: String,
}

impl Fixture {
    async fn new(lab: Lab) -> Self {
        lab.require_unlocked_keychain();
        let app_dir = tempfile::tempdir().unwrap();
        let api = Api::open(AppPaths::portable(app_dir.path().to_path_buf()))
            .await
            .expect("Api::open");
        let host_name = common::unique_name("backup");
        let address = lab.var("LAB_SSH_KEY_HOST");
        let port = lab.port("LAB_SSH_KEY_PORT");
        let fingerprint = common::keyscan_fingerprint(&address, port);
        let input = HostInput {
            name: host_name.clone(),
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
        api.host_add(input, Some(fingerprint)).await.expect("host_add");
        Self {
            _app_dir: app_dir,
            api,
            lab,
            shared: SharedDir::new("hp-backup"),
            host_name,
        }
    }

    fn definition(&self, name: &str) -> PlanDefinition {
        PlanDefinition {
            name: name.to_string(),
            host: self.host_name.clone(),
            items: vec![BackupItem::Path {
                path: self.shared.join("data"),
            }],
            repositories: vec![RepositoryDefinition {
                name: "disk".into(),
                location: self.shared.join("repo"),
                copy_from: None,
                place: None,
                distance_km: None,
            }],
            schedule: "30 2 * * *".into(),
            retention: Retention {
                keep_daily: 7,
                keep_weekly: 0,
                keep_monthly: 0,
            },
            rpo_hours: 24,
            rto_hours: 4,
            drill: Default::default(),
            enabled: true,
        }
    }

    /// Saves a plan with `password` (generated when `None`) and initialises its repository.
    async fn plan(&self, name: &str, password: Option<&str>) -> String {
        let view = self
            .api
            .backup_plan_save(BackupPlanInput {
                id: None,
                definition: self.definition(name),
                password: password.map(str::to_string),
                s3_keys: Vec::new(),
            })
            .await
            .unwrap_or_else(|err| panic!("backup_plan_save '{name}': {err}"));
        self.api
            .backup_plan_init(&view.plan.id, |_| {})
            .await
            .unwrap_or_else(|err| panic!("backup_plan_init '{name}': {err}"));
        view.plan.id
    }

    fn lab_user_ids(&self) -> (String, String) {
        let user = self.lab.var("LAB_SSH_KEY_USER");
        let id = |flag: &str| {
            let output = common::run_checked(Command::new("id").args([flag, &user]));
            String::from_utf8_lossy(&output.stdout).trim().to_string()
        };
        (id("-u"), id("-g"))
    }

    /// Starts restic as the lab user on the plan's repository, optionally in a new UTS
    /// namespace with another host name, so its lock names that host.
    fn spawn_restic_as_lab_user(&self, password: &str, hostname: Option<&str>, args: &[&str]) -> Child {
        let (uid, gid) = self.lab_user_ids();
        let mut argv: Vec<String> = Vec::new();
        if let Some(name) = hostname {
            argv.extend(["unshare", "-u", "sh", "-c", "hostname \"$0\" && exec \"$@\"", name].map(String::from));
        }
        argv.extend(
            [
                "setpriv",
                &format!("--reuid={uid}"),
                &format!("--regid={gid}"),
                "--clear-groups",
                "restic",
                "--no-cache",
                "-r",
                &self.shared.join("repo"),
            ]
            .map(String::from),
        );
        argv.extend(args.iter().map(|arg| arg.to_string()));
        Command::new(&argv[0])
            .args(&argv[1..])
            .env("RESTIC_PASSWORD", password)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("restic starts")
    }

    fn lock_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.shared.path.join("repo/locks"))
            .map(|entries| {
                entries
                    .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits until the repository holds a lock file.
    async fn wait_for_lock(&self) {
        let deadline = Instant::now() + STEP_DEADLINE;
        while self.lock_files().is_empty() {
            assert!(Instant::now() < deadline, "no lock appeared in {:?}", STEP_DEADLINE);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn open_alerts(&self, fingerprint: &str) -> Vec<homeport_core::alerts::Alert> {
        self.api
            .host_service()
            .store()
            .open_alerts()
            .await
            .unwrap()
            .into_iter()
            .filter(|alert| alert.source == HOMEPORT_SOURCE && alert.fingerprint == fingerprint)
            .collect()
    }
}

/// Kills a child process started by the test and reaps it.
fn kill_child(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn backup_restore_drill_round_trip() {
    let Some(lab) = common::lab() else { return };
    let fixture = Fixture::new(lab).await;
    write_files(&fixture.shared.path.join("data"), 10, 64 * 1024);
    let plan_id = fixture.plan("round-trip", None).await;

    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let record = fixture
        .api
        .backup_run(
            &plan_id,
            RunTrigger::Manual,
            move |event| sink.lock().unwrap().push(event),
            CancellationToken::new(),
        )
        .await
        .expect("backup_run");
    assert_eq!(record.status, RunStatus::Succeeded, "{record:?}");
    let stage_names: Vec<_> = record.stages.iter().map(|stage| stage.name.as_str()).collect();
    assert_eq!(stage_names, ["dump", "backup", "forget", "check"]);
    assert_eq!(record.snapshot_ids.len(), 1);
    assert_eq!(record.files_total, 10);
    let progress = events
        .lock()
        .unwrap()
        .iter()
        .filter(|event| matches!(event, RunEvent::Progress { .. }))
        .count();
    assert!(progress >= 1, "restic's status lines arrive as progress events");

    let snapshots = fixture.api.backup_snapshots(&plan_id).await.expect("snapshots");
    assert_eq!(snapshots.len(), 1);
    assert_eq!(snapshots[0].short_id, record.snapshot_ids[0]);

    let data = fixture.shared.join("data");
    let files = fixture
        .api
        .backup_files(&plan_id, &snapshots[0].id, &data)
        .await
        .expect("files");
    let names: Vec<_> = files.iter().map(|node| node.name.as_str()).collect();
    assert!(names.contains(&"sub"), "{names:?}");
    assert!(names.contains(&"file-000.bin"), "{names:?}");

    // Restore into a new folder: everything is new, and the bytes match the source.
    let target = fixture.shared.join("restored");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o777)).unwrap();
    let request = RestoreRequest {
        snapshot: snapshots[0].id.clone(),
        paths: vec![format!("{data}/sub")],
        target: Some(target.clone()),
    };
    let preview = fixture
        .api
        .backup_restore_preview(&plan_id, &request)
        .await
        .expect("preview");
    assert_eq!(preview.overwrite_count, 0);
    assert_eq!(preview.outside_count, 0);
    assert!(preview.create_count >= 5, "{preview:?}");
    let restored = fixture
        .api
        .backup_restore(&plan_id, &request, false, |_| {}, CancellationToken::new())
        .await
        .expect("restore");
    assert_eq!(restored.status, RunStatus::Succeeded);
    let original = std::fs::read(format!("{data}/sub/file-001.bin")).unwrap();
    let copy = std::fs::read(format!("{target}{data}/sub/file-001.bin")).unwrap();
    assert_eq!(original, copy, "the restored file has the backed-up bytes");

    // A second restore would overwrite those files: the preview lists them and the restore
    // needs confirmation.
    let again = fixture
        .api
        .backup_restore_preview(&plan_id, &request)
        .await
        .expect("preview");
    assert!(again.overwrite_count >= 5, "{again:?}");
    let unconfirmed = fixture
        .api
        .backup_restore(&plan_id, &request, false, |_| {}, CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(unconfirmed.code, ErrorCode::InvalidInput);
    assert_eq!(unconfirmed.params.get("field").map(String::as_str), Some("overwrite"));

    // A symbolic link inside the target that points elsewhere is refused.
    let escape_target = fixture.shared.join("escape-target");
    let elsewhere = fixture.shared.join("elsewhere");
    std::fs::create_dir_all(&escape_target).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    let first_part = data.trim_start_matches('/').split('/').next().unwrap().to_string();
    std::os::unix::fs::symlink(&elsewhere, format!("{escape_target}/{first_part}")).unwrap();
    let escaping = RestoreRequest {
        target: Some(escape_target.clone()),
        ..request.clone()
    };
    let refused = fixture
        .api
        .backup_restore(&plan_id, &escaping, true, |_| {}, CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    assert_eq!(refused.params.get("field").map(String::as_str), Some("target"));
    assert!(
        std::fs::read_dir(&elsewhere).unwrap().next().is_none(),
        "nothing was written through the link"
    );

    // Original paths outside the plan's items are refused before anything runs.
    let outside = RestoreRequest {
        snapshot: "latest".into(),
        paths: vec!["/etc".into()],
        target: None,
    };
    let err = fixture
        .api
        .backup_restore_preview(&plan_id, &outside)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);

    // A drill restores a sample, compares hashes and cleans up its scratch folder.
    let drill = fixture
        .api
        .backup_drill(
            &plan_id,
            RunTrigger::Manual,
            Some(true),
            |_| {},
            CancellationToken::new(),
        )
        .await
        .expect("drill");
    assert!(drill.passed, "{drill:?}");
    assert_eq!(drill.files_checked, 10);
    assert!(drill
        .files
        .iter()
        .all(|file| file.ok && file.restored_sha256.len() == 64));
    assert!(drill.within_rto());
    let leftovers: Vec<_> = std::fs::read_dir("/tmp")
        .unwrap()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("homeport-drill."))
        .filter(|entry| entry.metadata().map(|meta| meta.uid()).ok() == fixture.lab_user_ids().0.parse().ok())
        .collect();
    assert!(leftovers.is_empty(), "scratch folders left: {leftovers:?}");
    let report = fixture.api.backup_drill_report(&plan_id, "csv").await.expect("report");
    assert_eq!(report.text.lines().count(), 2, "{}", report.text);

    // The generated password is in the keychain only: not in the database, not in the logs,
    // not in any view.
    let password = fixture.api.backup_plan_password(&plan_id).await.expect("password");
    let needle = password.expose().as_bytes().to_vec();
    let leaks = common::files_containing(fixture.api.paths().data_dir.as_path(), &needle);
    assert!(leaks.is_empty(), "the password is in {leaks:?}");
    let leaks = common::files_containing(fixture.api.paths().log_dir.as_path(), &needle);
    assert!(leaks.is_empty(), "the password is in {leaks:?}");
    let view = serde_json::to_vec(&fixture.api.backup_plans().await.unwrap()).unwrap();
    assert!(!common::contains_bytes(&view, &needle), "the password is in a view");
}

#[tokio::test]
async fn wrong_password_fails_once_without_lock() {
    let Some(lab) = common::lab() else { return };
    let fixture = Fixture::new(lab).await;
    write_files(&fixture.shared.path.join("data"), 2, 1024);
    let plan_id = fixture.plan("wrong-password", Some("the-right-password")).await;

    // The plan is given another password, as after a typo in the wizard.
    let definition = fixture.definition("wrong-password");
    fixture
        .api
        .backup_plan_save(BackupPlanInput {
            id: Some(plan_id.clone()),
            definition,
            password: Some("not-the-password".into()),
            s3_keys: Vec::new(),
        })
        .await
        .expect("save with another password");

    let fingerprint = format!("backup_failed:{plan_id}");
    for attempt in 1..=2 {
        let record = fixture
            .api
            .backup_run(&plan_id, RunTrigger::Schedule, |_| {}, CancellationToken::new())
            .await
            .expect("the run is recorded");
        assert_eq!(record.status, RunStatus::Failed);
        assert_eq!(record.error_code.as_deref(), Some("BackupPasswordWrong"));
        let backups = record.stages.iter().filter(|stage| stage.name == "backup").count();
        assert_eq!(backups, 1, "no retry with the same password: {:?}", record.stages);
        assert!(fixture.lock_files().is_empty(), "no lock is left behind");
        let alerts = fixture.open_alerts(&fingerprint).await;
        assert_eq!(alerts.len(), 1, "one alert for the plan");
        assert_eq!(alerts[0].count, attempt, "a repeat raises the count");
    }

    let drill = fixture
        .api
        .backup_drill(&plan_id, RunTrigger::Manual, None, |_| {}, CancellationToken::new())
        .await
        .expect("the drill is recorded");
    assert!(!drill.passed);
    assert!(drill.failure.contains("wrong password"), "{}", drill.failure);
    assert_eq!(
        fixture
            .open_alerts(&format!("backup_drill_failed:{plan_id}"))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn locked_repository_is_classified() {
    let Some(lab) = common::lab() else { return };
    let fixture = Fixture::new(lab).await;
    write_files(&fixture.shared.path.join("data"), 2, 1024);
    let password = "lock-test-password";
    let plan_id = fixture.plan("locked", Some(password)).await;
    let fingerprint = format!("backup_failed:{plan_id}");

    // A lock of a restic on another host: `backup --stdin` holds its lock while it waits for
    // input that never comes, and is killed so the lock stays. The run's backup stage shares
    // the lock; its forget stage needs the repository alone and fails.
    let foreign = fixture.spawn_restic_as_lab_user(password, Some("nas01"), HOLD_LOCK);
    fixture.wait_for_lock().await;
    let foreign_pid = foreign.id();
    kill_child(foreign);

    for attempt in 1..=2 {
        let record = fixture
            .api
            .backup_run(&plan_id, RunTrigger::Schedule, |_| {}, CancellationToken::new())
            .await
            .expect("the run is recorded");
        assert_eq!(record.status, RunStatus::Failed);
        assert_eq!(
            record.error_code.as_deref(),
            Some("BackupRepositoryLocked"),
            "{record:?}"
        );
        let alerts = fixture.open_alerts(&fingerprint).await;
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].count, attempt);
        let params = &alerts[0].params;
        assert_eq!(params.get("error.holderHost").map(String::as_str), Some("nas01"));
        assert_eq!(params.get("error.pid"), Some(&foreign_pid.to_string()));
        assert_eq!(
            params.get("error.unlockOffered").map(String::as_str),
            Some("false"),
            "another host's lock is not offered for removal"
        );
    }

    // Removing every lock needs confirmation.
    let refused = fixture
        .api
        .backup_unlock(&plan_id, true, false, |_| {})
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    assert!(!fixture.lock_files().is_empty(), "nothing was removed");
    fixture
        .api
        .backup_unlock(&plan_id, true, true, |_| {})
        .await
        .expect("unlock --remove-all");
    assert!(fixture.lock_files().is_empty());

    // A stale lock of this host (the holder PID no longer runs) is offered for removal, and
    // plain `unlock` removes it.
    let local = fixture.spawn_restic_as_lab_user(password, None, HOLD_LOCK);
    fixture.wait_for_lock().await;
    kill_child(local);
    let record = fixture
        .api
        .backup_run(&plan_id, RunTrigger::Manual, |_| {}, CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(
        record.error_code.as_deref(),
        Some("BackupRepositoryLocked"),
        "{record:?}"
    );
    let alerts = fixture.open_alerts(&fingerprint).await;
    assert_eq!(
        alerts[0].params.get("error.unlockOffered").map(String::as_str),
        Some("true")
    );
    fixture
        .api
        .backup_unlock(&plan_id, false, false, |_| {})
        .await
        .expect("unlock");
    assert!(fixture.lock_files().is_empty(), "restic removed the stale lock");

    let record = fixture
        .api
        .backup_run(&plan_id, RunTrigger::Manual, |_| {}, CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(record.status, RunStatus::Succeeded, "{record:?}");
    assert!(
        fixture.open_alerts(&fingerprint).await.is_empty(),
        "success resolves the alert"
    );
}

/// Returns the PIDs of restic processes whose command line names `repository`.
fn restic_pids(repository: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().filter_map(|entry| entry.ok()) {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<_> = cmdline.split(|byte| *byte == 0).map(String::from_utf8_lossy).collect();
        if args.first().is_some_and(|arg| arg.ends_with("restic")) && args.iter().any(|arg| arg == repository) {
            pids.push(pid);
        }
    }
    pids
}

#[tokio::test]
async fn killed_backup_fails_and_next_run_succeeds() {
    let Some(lab) = common::lab() else { return };
    let fixture = Arc::new(Fixture::new(lab).await);
    write_files(&fixture.shared.path.join("data"), 6, 32 * MIB);
    let plan_id = fixture.plan("killed", None).await;
    let repository = fixture.shared.join("repo");

    let (progress_tx, mut progress_rx) = tokio::sync::mpsc::unbounded_channel();
    let running = {
        let fixture = Arc::clone(&fixture);
        let plan_id = plan_id.clone();
        tokio::spawn(async move {
            fixture
                .api
                .backup_run(
                    &plan_id,
                    RunTrigger::Manual,
                    move |event| {
                        if let RunEvent::Progress { status, .. } = &event {
                            if status.bytes_done > 0 {
                                let _ = progress_tx.send(());
                            }
                        }
                    },
                    CancellationToken::new(),
                )
                .await
        })
    };

    // Kill restic on the host once it has written data, as an OOM killer or a reboot would.
    tokio::time::timeout(STEP_DEADLINE, progress_rx.recv())
        .await
        .expect("restic reports progress in time")
        .expect("a progress event");
    let pids = restic_pids(&repository);
    assert_eq!(pids.len(), 1, "one restic runs for the repository: {pids:?}");
    common::run_checked(Command::new("kill").args(["-KILL", &pids[0].to_string()]));

    let record = tokio::time::timeout(STEP_DEADLINE, running)
        .await
        .expect("the run ends after the kill")
        .unwrap()
        .expect("the run is recorded");
    assert_eq!(record.status, RunStatus::Failed, "{record:?}");
    assert!(record.snapshot_ids.is_empty());
    let fingerprint = format!("backup_failed:{plan_id}");
    assert_eq!(
        fixture.open_alerts(&fingerprint).await.len(),
        1,
        "the failed run opened an alert"
    );
    assert!(
        fixture
            .api
            .backup_snapshots(&plan_id)
            .await
            .expect("snapshots")
            .is_empty(),
        "a killed backup leaves no snapshot"
    );

    // The next run removes the killed run's own stale lock, backs up and checks.
    let record = fixture
        .api
        .backup_run(&plan_id, RunTrigger::Manual, |_| {}, CancellationToken::new())
        .await
        .expect("the next run");
    assert_eq!(record.status, RunStatus::Succeeded, "{record:?}");
    let check = record
        .stages
        .iter()
        .rfind(|stage| stage.name == "check")
        .expect("a check stage");
    assert_eq!(check.status, RunStatus::Succeeded);
    assert!(check.output.contains("no errors were found"), "{}", check.output);
    assert_eq!(fixture.api.backup_snapshots(&plan_id).await.unwrap().len(), 1);
    assert!(
        fixture.open_alerts(&fingerprint).await.is_empty(),
        "success resolves the alert"
    );
}

//! `homeport-backup-bench`: a backup of generated data through Homeport against the same
//! `restic backup` run by hand on the lab host, and the measured RTO of a drill of that data,
//! written as a Markdown page.
//!
//! - Data: `--size-mb` files of 1 MiB from /dev/urandom (incompressible, no duplicates), in a
//!   folder of this machine, which is the lab's key host.
//! - Homeport: `backup_run` of a plan with one local repository over the lab's key-only sshd.
//!   The whole run (backup, forget, check) and the backup stage alone are timed.
//! - By hand: `restic -r REPO backup DATA` started as the lab user on the same machine, with
//!   the same password in `RESTIC_PASSWORD` and the same home folder (restic's cache).
//! - Each round uses two new repositories, so every backup is a first backup; the order of the
//!   two methods alternates between rounds.
//! - Drill: one drill of every file of the last Homeport repository, files in path order.

#[allow(dead_code)]
mod lab;
#[allow(dead_code)]
mod stats;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use clap::Parser;
use homeport_api::backup::BackupPlanInput;
use homeport_api::{Api, AuthMethod, HostInput};
use homeport_core::backup::plan::{BackupItem, DrillSettings, PlanDefinition, RepositoryDefinition, Retention};
use homeport_core::backup::store::{RunStatus, RunTrigger};
use homeport_core::paths::AppPaths;
use tokio_util::sync::CancellationToken;

/// Compares a Homeport backup with a hand-run restic backup of the same data.
#[derive(Parser)]
struct Args {
    /// The lab's env file, as `tests/lab/lab.sh env` prints it.
    #[arg(long, env = "HOMEPORT_LAB_ENV")]
    lab_env: PathBuf,
    /// The Markdown file to write; an existing file is replaced.
    #[arg(long)]
    output: PathBuf,
    /// How much data to generate, in MiB.
    #[arg(long, default_value_t = 100)]
    size_mb: usize,
    /// Rounds of both methods.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

/// The password of the benchmark's repositories. They are deleted at the end.
const PASSWORD: &str = "homeport-backup-bench";

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(err) = runtime.block_on(run(&args)) {
        eprintln!("homeport-backup-bench: {err}");
        std::process::exit(1);
    }
}

struct Round {
    homeport_run_s: f64,
    homeport_backup_s: f64,
    by_hand_s: f64,
}

async fn run(args: &Args) -> Result<(), String> {
    let lab = lab::Lab::load(&args.lab_env)?;
    let work = PathBuf::from(format!("/tmp/hp-backup-bench-{}", std::process::id()));
    let result = measure(args, &lab, &work).await;
    let _ = std::fs::remove_dir_all(&work);
    let (rounds, drill_s, drill_files, drill_bytes) = result?;
    write_report(args, &rounds, drill_s, drill_files, drill_bytes)
}

async fn measure(args: &Args, lab: &lab::Lab, work: &Path) -> Result<(Vec<Round>, f64, u32, u64), String> {
    let data = work.join("data");
    make_open_dir(work)?;
    generate(&data, args.size_mb)?;

    let app_dir = tempfile::tempdir().map_err(|err| err.to_string())?;
    let api = Api::open(AppPaths::portable(app_dir.path().to_path_buf()))
        .await
        .map_err(|err| err.to_string())?;
    let host = add_key_host(&api, lab).await?;
    let user = lab.get("LAB_SSH_KEY_USER")?.to_string();
    let home = home_of(&user)?;

    let mut rounds = Vec::new();
    let mut last_plan = String::new();
    for round in 0..args.rounds {
        let homeport_repo = work.join(format!("homeport-{round}"));
        let by_hand_repo = work.join(format!("by-hand-{round}"));
        let plan = save_plan(&api, &host, &data, &homeport_repo, round, args.size_mb).await?;
        api.backup_plan_init(&plan, |_| {})
            .await
            .map_err(|err| err.to_string())?;
        restic_as(&user, &home, &by_hand_repo, &["init"])?;

        let mut homeport = (0.0, 0.0);
        let mut by_hand = 0.0;
        for first in [round % 2 == 0, round % 2 != 0] {
            if first {
                homeport = homeport_backup(&api, &plan).await?;
            } else {
                let started = Instant::now();
                restic_as(&user, &home, &by_hand_repo, &["backup", "--", &data.to_string_lossy()])?;
                by_hand = started.elapsed().as_secs_f64();
            }
        }
        eprintln!(
            "round {round}: Homeport run {:.2} s (backup stage {:.2} s), by hand {by_hand:.2} s",
            homeport.0, homeport.1
        );
        rounds.push(Round {
            homeport_run_s: homeport.0,
            homeport_backup_s: homeport.1,
            by_hand_s: by_hand,
        });
        last_plan = plan;
    }

    let drill = api
        .backup_drill(
            &last_plan,
            RunTrigger::Manual,
            Some(false),
            |_| {},
            CancellationToken::new(),
        )
        .await
        .map_err(|err| err.to_string())?;
    if !drill.passed {
        return Err(format!("the drill failed: {}", drill.failure));
    }
    Ok((
        rounds,
        drill.duration_ms as f64 / 1000.0,
        drill.files_checked,
        drill.bytes_checked,
    ))
}

/// Runs one backup through Homeport; returns the whole run and the backup stage, in seconds.
async fn homeport_backup(api: &Api, plan: &str) -> Result<(f64, f64), String> {
    let started = Instant::now();
    let record = api
        .backup_run(plan, RunTrigger::Manual, |_| {}, CancellationToken::new())
        .await
        .map_err(|err| err.to_string())?;
    let whole = started.elapsed().as_secs_f64();
    if record.status != RunStatus::Succeeded {
        return Err(format!("the Homeport run failed: {:?}", record.error_message));
    }
    let stage = record
        .stages
        .iter()
        .find(|stage| stage.name == "backup")
        .map(|stage| stage.duration_ms as f64 / 1000.0)
        .ok_or("the run has no backup stage")?;
    Ok((whole, stage))
}

async fn save_plan(
    api: &Api,
    host: &str,
    data: &Path,
    repository: &Path,
    round: usize,
    size_mb: usize,
) -> Result<String, String> {
    let definition = PlanDefinition {
        name: format!("bench-{}-{round}", std::process::id()),
        host: host.to_string(),
        items: vec![BackupItem::Path {
            path: data.to_string_lossy().into_owned(),
        }],
        repositories: vec![RepositoryDefinition {
            name: "disk".into(),
            location: repository.to_string_lossy().into_owned(),
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
        drill: DrillSettings {
            files: u32::try_from(size_mb).unwrap_or(u32::MAX),
            random: false,
            ..DrillSettings::default()
        },
        enabled: false,
    };
    let view = api
        .backup_plan_save(BackupPlanInput {
            id: None,
            definition,
            password: Some(PASSWORD.to_string()),
            s3_keys: Vec::new(),
        })
        .await
        .map_err(|err| err.to_string())?;
    Ok(view.plan.id)
}

/// Adds the lab's key host, trusting the key its first connection reports.
async fn add_key_host(api: &Api, lab: &lab::Lab) -> Result<String, String> {
    let name = format!("bench-backup-{}", std::process::id());
    let input = HostInput {
        name: name.clone(),
        address: lab.get("LAB_SSH_KEY_HOST")?.to_string(),
        port: lab
            .get("LAB_SSH_KEY_PORT")?
            .parse()
            .map_err(|err| format!("LAB_SSH_KEY_PORT: {err}"))?,
        user: lab.get("LAB_SSH_KEY_USER")?.to_string(),
        auth: AuthMethod::Key,
        key_path: Some(lab.get("LAB_SSH_CLIENT_KEY")?.to_string()),
        docker_socket: Some(lab.get("LAB_DOCKER_SOCK")?.to_string()),
        secret: None,
        jump_host: None,
        group: None,
        tags: Vec::new(),
    };
    let fingerprint = match api.host_add(input.clone(), None).await {
        Err(err) => err
            .params
            .get("fingerprint")
            .cloned()
            .ok_or_else(|| format!("the first connection failed: {err}"))?,
        Ok(_) => return Ok(name),
    };
    api.host_add(input, Some(fingerprint))
        .await
        .map_err(|err| err.to_string())?;
    Ok(name)
}

fn make_open_dir(path: &Path) -> Result<(), String> {
    std::fs::create_dir_all(path).map_err(|err| format!("{}: {err}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777)).map_err(|err| err.to_string())
}

/// Writes `size_mb` files of 1 MiB of random bytes.
fn generate(dir: &Path, size_mb: usize) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|err| err.to_string())?;
    let mut urandom = std::fs::File::open("/dev/urandom").map_err(|err| err.to_string())?;
    let mut block = vec![0u8; 1024 * 1024];
    for index in 0..size_mb {
        std::io::Read::read_exact(&mut urandom, &mut block).map_err(|err| err.to_string())?;
        std::fs::write(dir.join(format!("file-{index:04}.bin")), &block).map_err(|err| err.to_string())?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).map_err(|err| err.to_string())
}

fn home_of(user: &str) -> Result<String, String> {
    let output = Command::new("getent")
        .args(["passwd", user])
        .output()
        .map_err(|err| err.to_string())?;
    let line = String::from_utf8_lossy(&output.stdout).into_owned();
    line.split(':')
        .nth(5)
        .map(str::to_string)
        .ok_or_else(|| format!("getent passwd {user} printed no home folder"))
}

/// Runs restic as `user`, as a person logged in on the host would.
fn restic_as(user: &str, home: &str, repository: &Path, args: &[&str]) -> Result<(), String> {
    let status = Command::new("setpriv")
        .args([
            &format!("--reuid={user}"),
            &format!("--regid={user}"),
            "--init-groups",
            "restic",
            "-q",
            "-r",
            &repository.to_string_lossy(),
        ])
        .args(args)
        .env("RESTIC_PASSWORD", PASSWORD)
        .env("HOME", home)
        .status()
        .map_err(|err| format!("cannot start restic: {err}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("restic {args:?} as {user} failed: {status}"))
    }
}

fn write_report(args: &Args, rounds: &[Round], drill_s: f64, drill_files: u32, drill_bytes: u64) -> Result<(), String> {
    let column = |pick: fn(&Round) -> f64| rounds.iter().map(pick).collect::<Vec<_>>();
    let run = stats::median(&column(|round| round.homeport_run_s));
    let stage = stats::median(&column(|round| round.homeport_backup_s));
    let by_hand = stats::median(&column(|round| round.by_hand_s));
    let mut text = String::from("# Backup benchmark\n\n");
    text.push_str(&format!(
        "Written by `homeport-backup-bench` (`make bench`). {} MiB of random data in 1 MiB files, \
         backed up {} times to new local repositories on the lab's key host (this machine: 2 cores), \
         restic {}. Medians of the rounds.\n\n",
        args.size_mb,
        rounds.len(),
        restic_version()
    ));
    text.push_str("| method | seconds | ratio to by hand |\n|---|---|---|\n");
    text.push_str(&format!("| `restic backup` by hand | {by_hand:.2} | 1.00 |\n"));
    text.push_str(&format!(
        "| Homeport, backup stage (over SSH, `--json`, password via stdin) | {stage:.2} | {:.2} |\n",
        stage / by_hand
    ));
    text.push_str(&format!(
        "| Homeport, whole run (backup, forget --prune, check) | {run:.2} | {:.2} |\n\n",
        run / by_hand
    ));
    text.push_str(&format!(
        "The target is a backup stage within 1.05 times the hand-run backup. The whole run also \
         runs `forget --prune` and `check`, which a hand-run backup does not.\n\n\
         Drill of the same data ({drill_files} files, {drill_bytes} bytes): measured RTO (the \
         restore with `--verify`) {drill_s:.2} s against a target of 4 h. The drill then compares \
         a SHA-256 of each restored file with one of `restic dump`, which is timed apart.\n\n"
    ));
    text.push_str("| round | Homeport run (s) | Homeport backup stage (s) | by hand (s) |\n|---|---|---|---|\n");
    for (index, round) in rounds.iter().enumerate() {
        text.push_str(&format!(
            "| {index} | {:.2} | {:.2} | {:.2} |\n",
            round.homeport_run_s, round.homeport_backup_s, round.by_hand_s
        ));
    }
    std::fs::write(&args.output, text).map_err(|err| format!("{}: {err}", args.output.display()))
}

fn restic_version() -> String {
    Command::new("restic")
        .arg("version")
        .output()
        .map(|output| {
            String::from_utf8_lossy(&output.stdout)
                .split_whitespace()
                .nth(1)
                .unwrap_or("?")
                .to_string()
        })
        .unwrap_or_else(|_| "?".to_string())
}

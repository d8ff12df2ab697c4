//! `homeport-deploy-bench`: the wall time of a five-service stack deploy through Homeport next to
//! `docker compose up -d` (Compose v2 from `.tools/compose`) and Debian's docker-compose 1.29,
//! and of a redeploy with nothing changed, written as a Markdown page.
//!
//! Every tool deploys the same Compose file to the lab engine, from local images only: the lab
//! image runs `sh` loops that exit on SIGTERM. Each fresh deploy is taken down with Compose v2
//! (`down -v`) before the next one, outside the timed part.

#[allow(dead_code)]
mod lab;
#[allow(dead_code)]
mod stats;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use clap::Parser;
use homeport_api::{Api, AuthMethod, DeployResult, DeployStage, EngineInput, HostInput, StackDeployInput};
use homeport_core::paths::AppPaths;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

/// Measures stack deploys against docker compose on the lab engine.
#[derive(Parser)]
struct Args {
    /// The lab's env file, as `tests/lab/lab.sh env` prints it.
    #[arg(long, env = "HOMEPORT_LAB_ENV")]
    lab_env: PathBuf,
    /// The Markdown file to write; an existing file is replaced.
    #[arg(long)]
    output: PathBuf,
    /// Timed runs of each measurement.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

fn main() {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("homeport-deploy-bench: cannot start the tokio runtime: {err}");
            std::process::exit(1);
        }
    };
    if let Err(err) = runtime.block_on(run(&args)) {
        eprintln!("homeport-deploy-bench: {err}");
        std::process::exit(1);
    }
}

/// Five services: `db` first, three workers after it, and `edge` after the workers.
fn stack_yaml(image: &str) -> String {
    let loop_command = r#"["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]"#;
    let mut yaml = String::from("services:\n");
    yaml.push_str(&format!("  db:\n    image: {image}\n    command: {loop_command}\n"));
    for worker in ["worker-a", "worker-b", "worker-c"] {
        yaml.push_str(&format!(
            "  {worker}:\n    image: {image}\n    command: {loop_command}\n    depends_on: [db]\n"
        ));
    }
    yaml.push_str(&format!(
        "  edge:\n    image: {image}\n    command: {loop_command}\n    depends_on: [worker-a, worker-b, worker-c]\n"
    ));
    yaml
}

struct Tools {
    docker_host: String,
    compose_v2: PathBuf,
    project_dir: PathBuf,
}

impl Tools {
    /// Runs a Compose binary in the project folder and returns its wall time in milliseconds.
    fn compose(&self, binary: &Path, args: &[&str]) -> Result<f64, String> {
        let started = Instant::now();
        let output = Command::new(binary)
            .current_dir(&self.project_dir)
            .env("DOCKER_HOST", &self.docker_host)
            .args(args)
            .output()
            .map_err(|err| format!("cannot run {}: {err}", binary.display()))?;
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        if !output.status.success() {
            return Err(format!(
                "{} {args:?} failed: {}",
                binary.display(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(millis)
    }

    fn down(&self, project: &str) -> Result<(), String> {
        self.compose(&self.compose_v2, &["-p", project, "down", "-v"])
            .map(|_| ())
    }

    /// Returns the engine's share of a fresh deploy, in milliseconds: from the creation of the
    /// project's first container to the start of its last one, as the engine recorded them.
    fn engine_span(&self, project: &str) -> Result<f64, String> {
        let filter = format!("label=com.docker.compose.project={project}");
        let listed = self.docker(&["ps", "-aq", "--filter", &filter])?;
        let ids: Vec<&str> = listed.split_whitespace().collect();
        if ids.is_empty() {
            return Err(format!("project {project} has no containers"));
        }
        let mut args = vec!["inspect", "--format", "{{.Created}} {{.State.StartedAt}}"];
        args.extend(ids);
        let inspected = self.docker(&args)?;
        let parse =
            |text: &str| OffsetDateTime::parse(text, &Rfc3339).map_err(|err| format!("engine time '{text}': {err}"));
        let mut first_created: Option<OffsetDateTime> = None;
        let mut last_started: Option<OffsetDateTime> = None;
        for line in inspected.lines() {
            let Some((created, started)) = line.split_once(' ') else {
                continue;
            };
            let (created, started) = (parse(created)?, parse(started)?);
            first_created = Some(first_created.map_or(created, |first| first.min(created)));
            last_started = Some(last_started.map_or(started, |last| last.max(started)));
        }
        match (first_created, last_started) {
            (Some(first), Some(last)) => Ok((last - first).as_seconds_f64() * 1000.0),
            _ => Err(format!("docker inspect printed no times for project {project}")),
        }
    }

    fn docker(&self, args: &[&str]) -> Result<String, String> {
        let output = Command::new("docker")
            .args(["--host", &self.docker_host])
            .args(args)
            .output()
            .map_err(|err| format!("cannot run docker: {err}"))?;
        if !output.status.success() {
            return Err(format!(
                "docker {args:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

async fn run(args: &Args) -> Result<(), String> {
    let lab = lab::Lab::load(&args.lab_env)?;
    let image = lab.get("LAB_IMAGE")?.to_string();
    let socket = lab.get("LAB_DOCKER_SOCK")?.to_string();
    let work = tempfile::tempdir().map_err(|err| format!("cannot create a temporary folder: {err}"))?;
    let project_dir = work.path().join("bench");
    std::fs::create_dir(&project_dir).map_err(|err| err.to_string())?;
    std::fs::write(project_dir.join("compose.yaml"), stack_yaml(&image)).map_err(|err| err.to_string())?;
    let tools = Tools {
        docker_host: format!("unix://{socket}"),
        compose_v2: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/compose/docker-compose"),
        project_dir: project_dir.clone(),
    };
    let compose_v1 = PathBuf::from("/usr/bin/docker-compose");

    let api = Api::open(AppPaths::portable(work.path().join("data")))
        .await
        .map_err(|err| err.to_string())?;
    let engine = api
        .host_add_engine(EngineInput {
            name: "bench-socket".into(),
            socket: Some(socket.clone()),
            address: None,
            port: None,
            tls: None,
            group: None,
            tags: Vec::new(),
        })
        .await
        .map_err(|err| err.to_string())?;
    let ssh = add_ssh_host(&api, &lab).await?;
    let input = StackDeployInput {
        files: vec![project_dir.join("compose.yaml").display().to_string()],
        env_file: None,
        extra_files: Vec::new(),
        base_dir: Some(work.path().join("stacks").display().to_string()),
    };
    std::fs::create_dir(work.path().join("stacks")).map_err(|err| err.to_string())?;
    set_mode_0777(&work.path().join("stacks"))?;
    set_mode_0777(work.path())?;

    let deploy_with_stages = |host: String, name: String| {
        let api = &api;
        let input = &input;
        async move {
            let started = Instant::now();
            let result = api
                .stack_deploy(&host, input, Some(&name), &[], |_| {}, CancellationToken::new())
                .await
                .map_err(|err| format!("deploy of {name} failed: {err}"))?;
            Ok::<(f64, DeployResult), String>((started.elapsed().as_secs_f64() * 1000.0, result))
        }
    };
    let deploy = |host: String, name: String| {
        let run = deploy_with_stages(host, name);
        async move { run.await.map(|(millis, _)| millis) }
    };

    let mut homeport = Vec::new();
    let mut stages = StageTimes::default();
    let mut spans = EngineSpans::default();
    let mut compose_v2 = Vec::new();
    let mut compose_v1_times = Vec::new();
    for run in 0..args.runs {
        let name = format!("hpbench-hp-{run}");
        let (millis, result) = deploy_with_stages(engine.id.clone(), name.clone()).await?;
        homeport.push(millis);
        stages.add(millis, &result);
        spans.homeport.push(tools.engine_span(&name)?);
        tools.down(&name)?;

        let name = format!("hpbench-v2-{run}");
        compose_v2.push(tools.compose(&tools.compose_v2, &["-p", &name, "up", "-d"])?);
        spans.compose_v2.push(tools.engine_span(&name)?);
        tools.down(&name)?;

        let name = format!("hpbench-v1-{run}");
        compose_v1_times.push(tools.compose(&compose_v1, &["-p", &name, "up", "-d"])?);
        spans.compose_v1.push(tools.engine_span(&name)?);
        tools.down(&name)?;
    }

    let mut redeploy_socket = Vec::new();
    let mut redeploy_ssh = Vec::new();
    deploy(engine.id.clone(), "hpbench-re".into()).await?;
    for _ in 0..args.runs {
        redeploy_socket.push(deploy(engine.id.clone(), "hpbench-re".into()).await?);
    }
    tools.down("hpbench-re")?;
    deploy(ssh.clone(), "hpbench-ressh".into()).await?;
    for _ in 0..args.runs {
        redeploy_ssh.push(deploy(ssh.clone(), "hpbench-ressh".into()).await?);
    }
    tools.down("hpbench-ressh")?;

    let page = report(&Measurements {
        runs: args.runs,
        machine: machine(&tools)?,
        homeport: &homeport,
        stages: &stages,
        spans: &spans,
        compose_v2: &compose_v2,
        compose_v1: &compose_v1_times,
        redeploy_socket: &redeploy_socket,
        redeploy_ssh: &redeploy_ssh,
    });
    std::fs::write(&args.output, page).map_err(|err| format!("cannot write {}: {err}", args.output.display()))?;
    println!("wrote {}", args.output.display());
    Ok(())
}

async fn add_ssh_host(api: &Api, lab: &lab::Lab) -> Result<String, String> {
    let address = lab.get("LAB_SSH_KEY_HOST")?.to_string();
    let port: u16 = lab
        .get("LAB_SSH_KEY_PORT")?
        .parse()
        .map_err(|err| format!("LAB_SSH_KEY_PORT: {err}"))?;
    let input = HostInput {
        name: "bench-ssh".into(),
        address,
        port: u32::from(port),
        user: lab.get("LAB_SSH_KEY_USER")?.to_string(),
        auth: AuthMethod::Key,
        key_path: Some(lab.get("LAB_SSH_CLIENT_KEY")?.to_string()),
        docker_socket: Some(lab.get("LAB_DOCKER_SOCK")?.to_string()),
        secret: None,
        jump_host: None,
        group: None,
        tags: Vec::new(),
    };
    // The first attempt returns the unknown key's fingerprint, which the second one trusts.
    let fingerprint = match api.host_add(input.clone(), None).await {
        Err(err) => err
            .params
            .get("fingerprint")
            .cloned()
            .ok_or_else(|| format!("adding the SSH host failed: {err}"))?,
        Ok(host) => return Ok(host.id),
    };
    let host = api
        .host_add(input, Some(fingerprint))
        .await
        .map_err(|err| err.to_string())?;
    Ok(host.id)
}

fn set_mode_0777(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777))
        .map_err(|err| format!("cannot chmod {}: {err}", path.display()))
}

/// Per-stage wall times of the fresh Homeport deploys, in milliseconds, as the deploy report
/// records them, and the rest of each deploy (loading the files, finding the engine).
#[derive(Default)]
struct StageTimes {
    stages: Vec<(DeployStage, Vec<f64>)>,
    outside: Vec<f64>,
}

impl StageTimes {
    fn add(&mut self, total: f64, result: &DeployResult) {
        let mut inside = 0.0;
        for record in &result.stages {
            let millis = record.millis as f64;
            inside += millis;
            match self.stages.iter_mut().find(|(stage, _)| *stage == record.stage) {
                Some((_, samples)) => samples.push(millis),
                None => self.stages.push((record.stage, vec![millis])),
            }
        }
        self.outside.push((total - inside).max(0.0));
    }
}

/// Per tool, the engine's share of each fresh deploy (see [`Tools::engine_span`]).
#[derive(Default)]
struct EngineSpans {
    homeport: Vec<f64>,
    compose_v2: Vec<f64>,
    compose_v1: Vec<f64>,
}

/// The machine and tools the numbers were taken on, for the page.
struct Machine {
    cpu: String,
    cpus: usize,
    memory_gib: f64,
    engine: String,
    profile: &'static str,
}

/// Reads the CPU model, CPU count and memory from /proc, and the engine's version from the
/// engine itself.
fn machine(tools: &Tools) -> Result<Machine, String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map(|(_, model)| model.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".to_string());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_kib: f64 = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0.0);
    let output = Command::new("docker")
        .args([
            "--host",
            &tools.docker_host,
            "version",
            "--format",
            "{{.Server.Version}}, API {{.Server.APIVersion}}",
        ])
        .output()
        .map_err(|err| format!("cannot run docker version: {err}"))?;
    Ok(Machine {
        cpu,
        cpus: std::thread::available_parallelism().map_or(0, |count| count.get()),
        memory_gib: memory_kib / 1024.0 / 1024.0,
        engine: String::from_utf8_lossy(&output.stdout).trim().to_string(),
        profile: if cfg!(debug_assertions) { "debug" } else { "release" },
    })
}

struct Measurements<'a> {
    runs: usize,
    machine: Machine,
    homeport: &'a [f64],
    stages: &'a StageTimes,
    spans: &'a EngineSpans,
    compose_v2: &'a [f64],
    compose_v1: &'a [f64],
    redeploy_socket: &'a [f64],
    redeploy_ssh: &'a [f64],
}

fn report(measured: &Measurements<'_>) -> String {
    let row = |label: &str, samples: &[f64]| {
        format!(
            "| {label} | {:.0} | {:.0} | {:.0} |\n",
            stats::median(samples),
            stats::min(samples),
            stats::max(samples)
        )
    };
    let machine = &measured.machine;
    let home = stats::median(measured.homeport);
    let v2 = stats::median(measured.compose_v2);
    let v1 = stats::median(measured.compose_v1);

    let mut page = String::from("# Stack deploy benchmark\n\n");
    page.push_str(&format!(
        "Written by `homeport-deploy-bench` (tests/bench/src/deploy_main.rs), {} build: {} runs of \
         each measurement, wall time in milliseconds, on the lab engine (`tests/lab/lab.sh up`: \
         Docker {}) from local images only. Machine: {} CPUs ({}), {:.1} GiB of memory, with the \
         lab's other containers running.\n\n",
        machine.profile, measured.runs, machine.engine, machine.cpus, machine.cpu, machine.memory_gib
    ));
    page.push_str(
        "```sh\n\
         cargo build -p homeport-bench --bin homeport-deploy-bench\n\
         source /tmp/homeport-lab/env\n\
         HOMEPORT_LAB_ENV=/tmp/homeport-lab/env DBUS_SESSION_BUS_ADDRESS=$LAB_DBUS_ADDRESS \\\n  \
         target/debug/homeport-deploy-bench --output docs/benchmarks-deploy.md --runs 9\n\
         ```\n\n",
    );
    page.push_str(
        "The stack has five services (`db`, three workers that depend on it, and `edge` after the \
         workers) on one network, without health checks. Homeport deploys to the lab engine as a \
         socket host, so no files are written. Each run deploys with Homeport, Compose v2 and \
         docker-compose 1.29 in turn, and each fresh deploy is taken down with `docker compose \
         down -v` outside the timed part.\n\n",
    );
    page.push_str("| measurement | median | min | max |\n|---|---|---|---|\n");
    page.push_str(&row("Homeport deploy, 5 services", measured.homeport));
    page.push_str(&row("docker compose up -d (Compose v2.40.3)", measured.compose_v2));
    page.push_str(&row("docker-compose up -d (1.29.2, Debian)", measured.compose_v1));
    page.push_str(&row(
        "Homeport redeploy unchanged, socket host",
        measured.redeploy_socket,
    ));
    page.push_str(&row(
        "Homeport redeploy unchanged, SSH host (new SSH session, files over SFTP)",
        measured.redeploy_ssh,
    ));
    page.push_str(&format!(
        "\nRatios of medians: Homeport / Compose v2 = {:.2} (target 0.8 or less), Homeport / \
         docker-compose 1.29 = {:.2}.\n",
        home / v2,
        home / v1
    ));

    page.push_str("\nWhere a fresh Homeport deploy spends its time, from the stage times of its report:\n\n");
    page.push_str("| stage | median | min | max |\n|---|---|---|---|\n");
    for (stage, samples) in &measured.stages.stages {
        page.push_str(&row(&format!("{stage:?}"), samples));
    }
    page.push_str(&row(
        "outside the stages (loading the files, finding the engine)",
        &measured.stages.outside,
    ));

    page.push_str(
        "\nThe engine's share of each fresh deploy: from the creation of the first container to the \
         start of the last one, by the times the engine recorded (`Created`, `State.StartedAt`). The \
         rest of each wall time is the tool's own work before the first container exists and the \
         return of the last start.\n\n",
    );
    page.push_str("| tool | engine median | min | max | rest of the wall time, median |\n|---|---|---|---|---|\n");
    for (label, spans, totals) in [
        ("Homeport", &measured.spans.homeport, measured.homeport),
        ("Compose v2.40.3", &measured.spans.compose_v2, measured.compose_v2),
        ("docker-compose 1.29.2", &measured.spans.compose_v1, measured.compose_v1),
    ] {
        let rest: Vec<f64> = totals
            .iter()
            .zip(spans.iter())
            .map(|(total, span)| total - span)
            .collect();
        page.push_str(&format!(
            "| {label} | {:.0} | {:.0} | {:.0} | {:.0} |\n",
            stats::median(spans),
            stats::min(spans),
            stats::max(spans),
            stats::median(&rest)
        ));
    }
    let engine = stats::median(&measured.spans.homeport);
    let target = if home / v2 <= 0.8 {
        "met".to_string()
    } else if engine / v2 > 0.8 {
        format!(
            "not met in this run. The engine's share of Homeport's deploy alone is {:.2} of Compose \
             v2's median wall time, so no change in Homeport's own work can reach it on this engine",
            engine / v2
        )
    } else {
        format!(
            "not met in this run. Homeport's own work is {:.0} ms of its median deploy",
            home - engine
        )
    };
    page.push_str(&format!(
        "\nNotes:\n\n\
         - Homeport creates every container at once, then starts each service as soon as the \
         services it depends on have started, so the three workers start together. Compose v2 \
         also starts by dependency level, so both tools wait for the same three levels (`db`, the \
         workers, `edge`). The engine's share is {:.0}% of Homeport's median deploy.\n\
         - The Compose times include starting the CLI process and reading the file. Homeport's \
         include loading the file; the engine connection is opened by the first deploy and reused \
         after it.\n\
         - The target of 0.8 or less for Homeport / Compose v2 is {target}.\n\
         - The unchanged redeploy target is 200 ms. On the SSH host each redeploy opens a new SSH \
         session and writes the files over SFTP.\n",
        engine / home * 100.0
    ));
    page
}

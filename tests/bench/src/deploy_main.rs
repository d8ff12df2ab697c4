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
use homeport_api::{Api, AuthMethod, EngineInput, HostInput, StackDeployInput};
use homeport_core::paths::AppPaths;
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

    let deploy = |host: String, name: String| {
        let api = &api;
        let input = &input;
        async move {
            let started = Instant::now();
            api.stack_deploy(&host, input, Some(&name), &[], |_| {}, CancellationToken::new())
                .await
                .map_err(|err| format!("deploy of {name} failed: {err}"))?;
            Ok::<f64, String>(started.elapsed().as_secs_f64() * 1000.0)
        }
    };

    let mut homeport = Vec::new();
    let mut compose_v2 = Vec::new();
    let mut compose_v1_times = Vec::new();
    for run in 0..args.runs {
        let name = format!("hpbench-hp-{run}");
        homeport.push(deploy(engine.id.clone(), name.clone()).await?);
        tools.down(&name)?;

        let name = format!("hpbench-v2-{run}");
        compose_v2.push(tools.compose(&tools.compose_v2, &["-p", &name, "up", "-d"])?);
        tools.down(&name)?;

        let name = format!("hpbench-v1-{run}");
        compose_v1_times.push(tools.compose(&compose_v1, &["-p", &name, "up", "-d"])?);
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

    let page = report(
        args.runs,
        &homeport,
        &compose_v2,
        &compose_v1_times,
        &redeploy_socket,
        &redeploy_ssh,
    );
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

fn report(
    runs: usize,
    homeport: &[f64],
    compose_v2: &[f64],
    compose_v1: &[f64],
    redeploy_socket: &[f64],
    redeploy_ssh: &[f64],
) -> String {
    let row = |label: &str, samples: &[f64]| {
        format!(
            "| {label} | {:.0} | {:.0} | {:.0} |\n",
            stats::median(samples),
            stats::min(samples),
            stats::max(samples)
        )
    };
    let home = stats::median(homeport);
    let mut page = String::from("# Stack deploy benchmark\n\n");
    page.push_str(&format!(
        "Written by `homeport-deploy-bench` (tests/bench/src/deploy_main.rs). {runs} runs of each \
         measurement, wall time in milliseconds, on the lab engine (`tests/lab/lab.sh up`: Docker \
         20.10.24, API 1.41) from local images only. The stack has five services (`db`, three \
         workers that depend on it, and `edge` after the workers) on one network, no health \
         checks. Homeport deploys to the lab engine as a socket host, so no files are written.\n\n"
    ));
    page.push_str("| measurement | median | min | max |\n|---|---|---|---|\n");
    page.push_str(&row("Homeport deploy, 5 services", homeport));
    page.push_str(&row("docker compose up -d (Compose v2.40.3)", compose_v2));
    page.push_str(&row("docker-compose up -d (1.29.2, Debian)", compose_v1));
    page.push_str(&row("Homeport redeploy unchanged, socket host", redeploy_socket));
    page.push_str(&row(
        "Homeport redeploy unchanged, SSH host (new SSH session, files over SFTP)",
        redeploy_ssh,
    ));
    page.push_str(&format!(
        "\nRatios of medians: Compose v2 / Homeport = {:.2}, docker-compose 1.29 / Homeport = {:.2}.\n",
        stats::median(compose_v2) / home,
        stats::median(compose_v1) / home
    ));
    page.push_str(
        "\nThe Compose times include starting the CLI process and reading the file. Homeport's \
         include loading the file; the engine connection is opened by the first deploy and reused \
         after it. The redeploy target is 200 ms.\n",
    );
    page
}

//! `homeport-fleet-bench`: the wall time of a fleet refresh over the lab's fleet hosts, next to
//! the docker CLI listing the same hosts in parallel, written as a Markdown page.
//!
//! The lab's fleet hosts are loopback addresses served by sshd on this machine, all in front of
//! the one lab engine, so "N hosts × M containers" means N SSH hosts that each see the same M
//! containers. The benchmark creates containers (never started, never pulled) until the engine
//! contains at least `--containers`; `tests/lab/lab.sh down` removes them with the lab's label.

#[allow(dead_code)]
mod lab;
#[allow(dead_code)]
mod latency;
#[allow(dead_code)]
mod stats;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use homeport_api::{Api, AuthMethod, HostInput, HostState};
use homeport_core::paths::AppPaths;

use crate::latency::{DockerCli, Target};

/// Measures a fleet refresh against the docker CLI over the same SSH hosts.
#[derive(Parser)]
struct Args {
    /// The lab's env file, as `tests/lab/lab.sh env` prints it.
    #[arg(long, env = "HOMEPORT_LAB_ENV")]
    lab_env: PathBuf,
    /// The Markdown file to write; an existing file is replaced.
    #[arg(long)]
    output: PathBuf,
    /// Containers the engine must hold; missing ones are created (not started).
    #[arg(long, default_value_t = 50)]
    containers: usize,
    /// Timed warm refreshes, after the first (cold) one.
    #[arg(long, default_value_t = 10)]
    runs: usize,
}

fn main() {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("homeport-fleet-bench: cannot start the tokio runtime: {err}");
            std::process::exit(1);
        }
    };
    if let Err(err) = runtime.block_on(run(&args)) {
        eprintln!("homeport-fleet-bench: {err}");
        std::process::exit(1);
    }
}

/// Samples of one run, in milliseconds.
struct Measured {
    hosts: usize,
    containers: usize,
    cold_ms: f64,
    warm_ms: Vec<f64>,
    docker_ms: Vec<f64>,
}

async fn run(args: &Args) -> Result<(), String> {
    if args.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    let lab = lab::Lab::load(&args.lab_env)?;
    let addresses: Vec<String> = lab
        .get("LAB_SSH_FLEET_HOSTS")?
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let port = lab.get("LAB_SSH_FLEET_PORT")?.to_string();
    let user = lab.get("LAB_SSH_KEY_USER")?.to_string();
    let containers = ensure_containers(&lab, args.containers).await?;

    let data = tempfile::tempdir().map_err(|err| format!("cannot create a temp dir: {err}"))?;
    let api = Api::open(AppPaths::portable(data.path().join("data")))
        .await
        .map_err(|err| format!("cannot open a Homeport store: {err}"))?;
    add_fleet_hosts(&api, &lab, &addresses, &port, &user).await?;

    let cold_ms = timed_refresh(&api, addresses.len(), containers).await?;
    let mut warm_ms = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        warm_ms.push(timed_refresh(&api, addresses.len(), containers).await?);
    }
    let docker_ms = docker_cli_fleet(&lab, &addresses, &port, &user, args.runs).await?;

    let measured = Measured {
        hosts: addresses.len(),
        containers,
        cold_ms,
        warm_ms,
        docker_ms,
    };
    eprintln!(
        "homeport-fleet-bench: {} hosts x {} containers: cold {:.0} ms, warm median {:.0} ms, docker CLI median {:.0} ms",
        measured.hosts,
        measured.containers,
        measured.cold_ms,
        stats::median(&measured.warm_ms),
        stats::median(&measured.docker_ms)
    );
    std::fs::write(&args.output, render(&measured))
        .map_err(|err| format!("cannot write '{}': {err}", args.output.display()))
}

/// Creates stopped containers from the lab image until the engine has `wanted` of them, and
/// returns the number it has then.
async fn ensure_containers(lab: &lab::Lab, wanted: usize) -> Result<usize, String> {
    let docker = local_docker(lab)?;
    let present = count_lines(&docker.run(&["ps", "-a", "-q"]).await?);
    let image = lab.get("LAB_IMAGE")?;
    for index in present..wanted {
        let name = format!("hp-bench-{index}");
        docker
            .run(&[
                "create",
                "--pull",
                "never",
                "--label",
                "homeport.lab=1",
                "--name",
                &name,
                image,
                "true",
            ])
            .await?;
    }
    Ok(count_lines(&docker.run(&["ps", "-a", "-q"]).await?))
}

fn count_lines(text: &str) -> usize {
    text.lines().filter(|line| !line.trim().is_empty()).count()
}

/// Builds a docker CLI runner for the lab engine's socket.
fn local_docker(lab: &lab::Lab) -> Result<DockerCli, String> {
    let home = std::env::temp_dir().join("homeport-fleet-bench-home");
    std::fs::create_dir_all(&home).map_err(|err| format!("cannot create '{}': {err}", home.display()))?;
    Ok(DockerCli {
        home,
        path: std::env::var("PATH").unwrap_or_default(),
        docker_host: lab.get("LAB_DOCKER_HOST")?.to_string(),
    })
}

async fn add_fleet_hosts(
    api: &Api,
    lab: &lab::Lab,
    addresses: &[String],
    port: &str,
    user: &str,
) -> Result<(), String> {
    let first = addresses.first().ok_or("LAB_SSH_FLEET_HOSTS is empty")?;
    // Every fleet address is served with the same host key.
    let fingerprint = latency::host_key_fingerprint(&Target {
        address: first.clone(),
        port: port.to_string(),
        user: user.to_string(),
    })?;
    let port: u32 = port
        .parse()
        .map_err(|_| format!("invalid LAB_SSH_FLEET_PORT '{port}'"))?;
    for (index, address) in addresses.iter().enumerate() {
        let input = HostInput {
            name: format!("fleet-{:02}", index + 1),
            address: address.clone(),
            port,
            user: user.to_string(),
            auth: AuthMethod::Key,
            key_path: Some(lab.get("LAB_SSH_CLIENT_KEY")?.to_string()),
            docker_socket: Some(lab.get("LAB_DOCKER_SOCK")?.to_string()),
            secret: None,
            jump_host: None,
            group: Some(if index % 2 == 0 { "even" } else { "odd" }.to_string()),
            tags: vec!["bench".to_string()],
        };
        api.host_add(input, Some(fingerprint.clone()))
            .await
            .map_err(|err| format!("cannot add fleet host {address}: {err}"))?;
    }
    Ok(())
}

/// Runs one fleet refresh and checks that every host is online and lists every container.
async fn timed_refresh(api: &Api, hosts: usize, containers: usize) -> Result<f64, String> {
    let started = Instant::now();
    let fleet = api
        .fleet_status(Some(Duration::from_secs(10)))
        .await
        .map_err(|err| format!("fleet_status failed: {err}"))?;
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;

    let online: Vec<_> = fleet
        .iter()
        .filter(|entry| entry.state == HostState::Online && entry.host.name.starts_with("fleet-"))
        .collect();
    if online.len() != hosts {
        let failed: Vec<String> = fleet
            .iter()
            .filter(|entry| entry.state != HostState::Online)
            .map(|entry| format!("{}: {:?}", entry.host.name, entry.error.as_ref().map(|e| &e.message)))
            .collect();
        return Err(format!("{} of {hosts} hosts online; failed: {failed:?}", online.len()));
    }
    if let Some(short) = online
        .iter()
        .find(|entry| entry.containers.map(|counts| counts.total as usize) != Some(containers))
    {
        return Err(format!(
            "{} listed {:?} containers, expected {containers}",
            short.host.name, short.containers
        ));
    }
    Ok(elapsed)
}

/// Times `docker -H ssh://… ps -a` against every fleet host at once, `runs` times after a
/// warm-up, the way a script would check a fleet with the docker CLI.
async fn docker_cli_fleet(
    lab: &lab::Lab,
    addresses: &[String],
    port: &str,
    user: &str,
    runs: usize,
) -> Result<Vec<f64>, String> {
    let home = tempfile::tempdir().map_err(|err| format!("cannot create a temp dir: {err}"))?;
    let bin = latency::write_ssh_wrapper(lab, home.path())?;
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let clients: Vec<DockerCli> = addresses
        .iter()
        .map(|address| DockerCli {
            home: home.path().to_path_buf(),
            path: path.clone(),
            docker_host: format!("ssh://{user}@{address}:{port}"),
        })
        .collect();

    let mut samples = Vec::with_capacity(runs);
    for run in 0..=runs {
        let started = Instant::now();
        let results = futures_util::future::join_all(clients.iter().map(|client| client.run(&["ps", "-a"]))).await;
        for result in results {
            result?;
        }
        if run > 0 {
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    Ok(samples)
}

fn render(measured: &Measured) -> String {
    let warm = stats::median(&measured.warm_ms);
    let docker = stats::median(&measured.docker_ms);
    let machine = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "# Fleet refresh benchmark\n\n\
         Written by `homeport-fleet-bench` (`make bench`). {hosts} lab SSH hosts (loopback \
         addresses served by two sshd on this machine, all in front of the one lab engine), \
         each listing the same {containers} containers. Debug build, {cpus} CPUs, load average \
         at the end: {load}.\n\n\
         | Measure | Median (ms) | p90 (ms) | Min (ms) | Max (ms) |\n\
         |---|---:|---:|---:|---:|\n\
         | Homeport fleet refresh, cold (connects every host) | {cold:.0} | | | |\n\
         | Homeport fleet refresh, warm ({runs} runs) | {warm:.0} | {warm_p90:.0} | {warm_min:.0} | {warm_max:.0} |\n\
         | docker CLI, `docker -H ssh://… ps -a` to every host at once ({runs} runs) | {docker:.0} | {docker_p90:.0} | {docker_min:.0} | {docker_max:.0} |\n\n\
         Warm refresh over docker CLI: **{ratio:.3}** (target for one warm host list: at most 0.1; \
         target for the refresh: at most 1000 ms).\n",
        hosts = measured.hosts,
        containers = measured.containers,
        cpus = std::thread::available_parallelism().map(usize::from).unwrap_or(0),
        load = machine.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        cold = measured.cold_ms,
        runs = measured.warm_ms.len(),
        warm_p90 = stats::percentile(&measured.warm_ms, 90.0),
        warm_min = stats::min(&measured.warm_ms),
        warm_max = stats::max(&measured.warm_ms),
        docker_p90 = stats::percentile(&measured.docker_ms, 90.0),
        docker_min = stats::min(&measured.docker_ms),
        docker_max = stats::max(&measured.docker_ms),
        ratio = warm / docker,
    )
}

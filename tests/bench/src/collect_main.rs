//! `homeport-collect-bench`: what Homeport's agentless collection costs the host, next to one
//! scrape of Debian's prometheus-node-exporter (the agent a Prometheus setup installs), written
//! as a Markdown page.
//!
//! - Script: the collection script run `RUNS` times with `sh -c` on this machine; CPU time is
//!   the children's user + system time (getrusage), so every process it starts is counted.
//! - node-exporter: `RUNS` scrapes of the lab's node-exporter; CPU time is the exporter
//!   process's own user + system time (/proc/PID/stat) across the scrapes.
//! - Over SSH: collections of the lab's key host through Homeport's API, measuring the round
//!   trip of the script and the CPU time of the lab sshd's process tree (the per-connection
//!   sshd and the shells it starts), which is what the host spends per collection.

#[allow(dead_code)]
mod lab;
#[allow(dead_code)]
mod stats;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use homeport_api::{Api, AuthMethod, HostInput};
use homeport_core::monitoring::collect::SCRIPT;
use homeport_core::paths::AppPaths;

/// Measures the host-side cost of one collection against one node-exporter scrape.
#[derive(Parser)]
struct Args {
    /// The lab's env file, as `tests/lab/lab.sh env` prints it.
    #[arg(long, env = "HOMEPORT_LAB_ENV")]
    lab_env: PathBuf,
    /// The Markdown file to write; an existing file is replaced.
    #[arg(long)]
    output: PathBuf,
    /// Readings per method.
    #[arg(long, default_value_t = 100)]
    runs: usize,
}

struct Cost {
    cpu_ms: f64,
    wall_ms: Vec<f64>,
    bytes: f64,
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(err) = runtime.block_on(run(&args)) {
        eprintln!("homeport-collect-bench: {err}");
        std::process::exit(1);
    }
}

async fn run(args: &Args) -> Result<(), String> {
    let lab = lab::Lab::load(&args.lab_env)?;
    let runs = args.runs.max(1);

    let script = script_cost(runs)?;
    let exporter = exporter_cost(&lab, runs)?;
    let (ssh, samples, containers) = ssh_cost(&lab, runs.min(30)).await?;

    let page = render(args, &script, &exporter, &ssh, samples, containers);
    std::fs::write(&args.output, page).map_err(|err| format!("cannot write {}: {err}", args.output.display()))?;
    println!("wrote {}", args.output.display());
    Ok(())
}

fn children_cpu_ms() -> f64 {
    // SAFETY: getrusage only writes into the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let ms = |time: libc::timeval| time.tv_sec as f64 * 1000.0 + time.tv_usec as f64 / 1000.0;
    ms(usage.ru_utime) + ms(usage.ru_stime)
}

fn script_cost(runs: usize) -> Result<Cost, String> {
    let before = children_cpu_ms();
    let mut wall_ms = Vec::new();
    let mut bytes = 0usize;
    for _ in 0..runs {
        let started = Instant::now();
        let output = Command::new("sh")
            .arg("-c")
            .arg(SCRIPT)
            .stdin(Stdio::null())
            .output()
            .map_err(|err| format!("cannot run sh: {err}"))?;
        wall_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        bytes += output.stdout.len();
    }
    Ok(Cost {
        cpu_ms: (children_cpu_ms() - before) / runs as f64,
        wall_ms,
        bytes: bytes as f64 / runs as f64,
    })
}

/// User + system CPU of one process and of its reaped children, in milliseconds.
fn process_cpu_ms(pid: u32) -> Result<f64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|err| format!("cannot read /proc/{pid}/stat: {err}"))?;
    // Fields after the parenthesised command name; utime is field 14, cstime field 17.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or("malformed /proc stat")?;
    let fields: Vec<u64> = rest
        .split_whitespace()
        .skip(1)
        .map(|field| field.parse().unwrap_or(0))
        .collect();
    let ticks: u64 = fields.get(11..15).map(|times| times.iter().sum()).unwrap_or(0);
    // SAFETY: sysconf has no memory effects.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Ok(ticks as f64 * 1000.0 / hz)
}

fn pid_file(name: &str) -> Result<u32, String> {
    let path = Path::new("/tmp/homeport-lab/pids").join(format!("{name}.pid"));
    let text = std::fs::read_to_string(&path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    text.split_whitespace()
        .next()
        .and_then(|pid| pid.parse().ok())
        .ok_or(format!("no PID in {}", path.display()))
}

fn exporter_cost(lab: &lab::Lab, runs: usize) -> Result<Cost, String> {
    let url = lab.get("LAB_NODE_EXPORTER_URL")?;
    let address = url.trim_start_matches("http://").trim_end_matches('/').to_string();
    let pid = pid_file("node-exporter")?;
    let before = process_cpu_ms(pid)?;
    let mut wall_ms = Vec::new();
    let mut bytes = 0usize;
    for _ in 0..runs {
        let started = Instant::now();
        let mut stream = TcpStream::connect(&address).map_err(|err| format!("cannot connect to {address}: {err}"))?;
        stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
        write!(stream, "GET /metrics HTTP/1.0\r\nHost: {address}\r\n\r\n").map_err(|err| err.to_string())?;
        let mut body = Vec::new();
        stream.read_to_end(&mut body).map_err(|err| err.to_string())?;
        wall_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        bytes += body.len();
    }
    Ok(Cost {
        cpu_ms: (process_cpu_ms(pid)? - before) / runs as f64,
        wall_ms,
        bytes: bytes as f64 / runs as f64,
    })
}

/// Returns every process under `pid`, found through /proc children lists.
fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut queue = vec![pid];
    while let Some(next) = queue.pop() {
        let path = format!("/proc/{next}/task/{next}/children");
        for child in std::fs::read_to_string(path).unwrap_or_default().split_whitespace() {
            if let Ok(child) = child.parse() {
                out.push(child);
                queue.push(child);
            }
        }
    }
    out
}

async fn ssh_cost(lab: &lab::Lab, runs: usize) -> Result<(Cost, usize, usize), String> {
    let dir = tempfile::tempdir().map_err(|err| err.to_string())?;
    let api = Api::open(AppPaths::portable(dir.path().to_path_buf()))
        .await
        .map_err(|err| err.to_string())?;
    let address = lab.get("LAB_SSH_KEY_HOST")?.to_string();
    let port = lab.get("LAB_SSH_KEY_PORT")?.to_string();
    let keyscan = Command::new("ssh-keyscan")
        .args(["-p", &port, "-t", "ed25519", &address])
        .output()
        .map_err(|err| format!("cannot run ssh-keyscan: {err}"))?;
    let fingerprint = fingerprint_of(&String::from_utf8_lossy(&keyscan.stdout))?;
    let input = HostInput {
        name: "collect-bench".into(),
        address,
        port: port.parse().map_err(|_| "bad LAB_SSH_KEY_PORT")?,
        user: lab.get("LAB_SSH_KEY_USER")?.to_string(),
        auth: AuthMethod::Key,
        key_path: Some(lab.get("LAB_SSH_CLIENT_KEY")?.to_string()),
        docker_socket: Some(lab.get("LAB_DOCKER_SOCK")?.to_string()),
        secret: None,
        jump_host: None,
        group: None,
        tags: Vec::new(),
    };
    let host = api
        .host_add(input, Some(fingerprint))
        .await
        .map_err(|err| err.to_string())?;

    // The first collection connects and primes the counters; it is not measured.
    api.metrics_collect_once(&host.id)
        .await
        .map_err(|err| err.to_string())?;
    let listener = pid_file("sshd-key")?;
    let tree_cpu = || {
        descendants(listener)
            .into_iter()
            .map(|pid| process_cpu_ms(pid).unwrap_or(0.0))
            .sum::<f64>()
    };
    let before = tree_cpu();
    let mut wall_ms = Vec::new();
    let mut samples = 0;
    let mut containers = 0;
    for _ in 0..runs {
        let report = api
            .metrics_collect_once(&host.id)
            .await
            .map_err(|err| err.to_string())?;
        if let Some(err) = report.error {
            return Err(format!("collection failed: {err}"));
        }
        wall_ms.push(report.script_ms.unwrap_or(0) as f64);
        samples = report.samples;
        containers = report.containers;
    }
    let cpu_ms = (tree_cpu() - before) / runs as f64;
    api.metrics_flush().await.map_err(|err| err.to_string())?;
    let bytes = script_cost(1)?.bytes;
    Ok((Cost { cpu_ms, wall_ms, bytes }, samples, containers))
}

/// `ssh-keyscan` prints `host ssh-ed25519 BASE64`; the fingerprint is SHA256 of the key blob.
fn fingerprint_of(keyscan: &str) -> Result<String, String> {
    let line = keyscan
        .lines()
        .find(|line| !line.starts_with('#'))
        .ok_or("ssh-keyscan printed no key")?;
    let mut file = tempfile::NamedTempFile::new().map_err(|err| err.to_string())?;
    writeln!(file, "{line}").map_err(|err| err.to_string())?;
    let output = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(file.path())
        .output()
        .map_err(|err| err.to_string())?;
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .nth(1)
        .map(str::to_string)
        .ok_or("ssh-keygen printed no fingerprint".into())
}

fn render(args: &Args, script: &Cost, exporter: &Cost, ssh: &Cost, samples: usize, containers: usize) -> String {
    let row = |name: &str, cost: &Cost| {
        format!(
            "| {name} | {:.2} | {:.1} | {:.1} | {:.1} |\n",
            cost.cpu_ms,
            stats::median(&cost.wall_ms),
            stats::percentile(&cost.wall_ms, 95.0),
            cost.bytes / 1024.0
        )
    };
    let cpus = std::thread::available_parallelism().map_or(0, |cpus| cpus.get());
    let date = time::OffsetDateTime::now_utc().date();
    let mut page = String::new();
    page.push_str("# Benchmark: the host-side cost of agentless collection\n\n");
    page.push_str(&format!(
        "Written by `homeport-collect-bench` (`make bench`) on {date}, {cpus} CPUs, debug profile, {} readings per row. \
         Every row reads the same machine: the lab's hosts share this computer's kernel.\n\n",
        args.runs
    ));
    page.push_str(
        "| Method | CPU time per reading (ms) | Wall time median (ms) | Wall time p95 (ms) | Bytes sent (KiB) |\n",
    );
    page.push_str("|---|---|---|---|---|\n");
    page.push_str(&row("Homeport script, `sh -c` on the host", script));
    page.push_str(&row("Homeport over SSH (sshd and the shell it starts)", ssh));
    page.push_str(&row("Peer: one prometheus-node-exporter scrape", exporter));
    page.push_str(&format!(
        "\nRatio of CPU time per reading, Homeport over SSH to node-exporter: {:.2}. \
         Each collection over SSH stored {samples} samples, {containers} containers included; \
         container figures come from the Docker engine's stats endpoint, which this table does not count.\n\n",
        ssh.cpu_ms / exporter.cpu_ms.max(0.001)
    ));
    page.push_str(
        "What the numbers mean: at the default 15 s interval the host spends the CPU time of the second row \
         every 15 s, and nothing between collections: no process stays behind on the host. \
         node-exporter's row leaves out its resident memory and its idle cost between scrapes.\n",
    );
    page
}

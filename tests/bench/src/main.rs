//! `make bench`: measures Homeport's start-up to first paint and idle memory next to a bare
//! Tauri window, and its warm container-list latency next to the docker CLI, then writes the
//! results to a Markdown page. Run it through `scripts/bench.sh`, which builds both apps, starts
//! the lab and provides the X display.

mod lab;
mod latency;
mod memory;
mod report;
mod screen;
mod stats;
mod window;

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::report::{Machine, Results};
use crate::screen::Screen;
use crate::window::{AppUnderTest, Launch};

/// Benchmarks Homeport against a bare Tauri window and the docker CLI, and writes Markdown.
#[derive(Parser)]
struct Args {
    /// Homeport's desktop binary, built with `--features custom-protocol`.
    #[arg(long)]
    homeport: PathBuf,
    /// The bare Tauri window (`homeport-bare-window`), built with the same profile.
    #[arg(long)]
    bare: PathBuf,
    /// The Markdown file to write; an existing file is replaced.
    #[arg(long)]
    output: PathBuf,
    /// The lab's env file, as `tests/lab/lab.sh env` prints it.
    #[arg(long, env = "HOMEPORT_LAB_ENV")]
    lab_env: PathBuf,
    /// Xvfb's framebuffer file (`Xvfb -fbdir DIR` creates `DIR/Xvfb_screen0`). Without it,
    /// every screenshot runs ImageMagick's `import`.
    #[arg(long)]
    framebuffer: Option<PathBuf>,
    /// The cargo profile both apps were built with, as stated in the report: `debug` or `release`.
    #[arg(long, default_value = "debug")]
    profile: String,
    /// Launches per app.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Timed container lists per client, after one warm-up call.
    #[arg(long, default_value_t = 30)]
    calls: usize,
    /// Seconds to wait after the first paint before reading memory.
    #[arg(long, default_value_t = 10)]
    idle_seconds: u64,
    /// Folder for app logs, the first-paint screenshots and the raw samples.
    #[arg(long, default_value = "target/bench")]
    work_dir: PathBuf,
}

fn main() {
    let args = Args::parse();
    if let Err(err) = run(&args) {
        eprintln!("homeport-bench: {err}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), String> {
    if args.runs == 0 || args.calls == 0 {
        return Err("--runs and --calls must be at least 1".into());
    }
    if std::env::var_os("DISPLAY").is_none() {
        return Err("DISPLAY is not set; run the benchmark under xvfb-run (scripts/bench.sh does)".into());
    }
    let lab = lab::Lab::load(&args.lab_env)?;
    for folder in ["logs", "screenshots"] {
        let path = args.work_dir.join(folder);
        std::fs::create_dir_all(&path).map_err(|err| format!("cannot create '{}': {err}", path.display()))?;
    }
    let screen = match &args.framebuffer {
        Some(path) => Screen::Framebuffer(path.clone()),
        None => Screen::Import,
    };
    let machine_before = Machine::read(&args.profile);

    let apps = [
        AppUnderTest {
            label: "homeport",
            binary: args.homeport.clone(),
        },
        AppUnderTest {
            label: "bare",
            binary: args.bare.clone(),
        },
    ];
    let mut launches: [Vec<Launch>; 2] = [Vec::new(), Vec::new()];
    let idle = Duration::from_secs(args.idle_seconds);
    // Alternate the apps so that a slow phase of the machine affects both alike.
    for run in 1..=args.runs {
        for (app, results) in apps.iter().zip(launches.iter_mut()) {
            let launch = window::measure_launch(&screen, app, run, idle, &args.work_dir)?;
            eprintln!(
                "homeport-bench: {} run {run}: first paint {:.0} ms, window {}x{}, RSS {} KiB, PSS {} KiB ({} processes)",
                app.label,
                launch.first_paint.as_secs_f64() * 1000.0,
                launch.window.width(),
                launch.window.height(),
                launch.memory.rss_kib,
                launch.memory.pss_kib,
                launch.memory.processes.len()
            );
            results.push(launch);
        }
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the tokio runtime: {err}"))?;
    let latency = runtime.block_on(latency::measure(&lab, args.calls))?;
    eprintln!(
        "homeport-bench: container list median: homeport {:.1} ms, docker CLI {:.1} ms",
        stats::median(&latency.homeport_ms),
        stats::median(&latency.docker_ms)
    );

    let [homeport, bare] = launches;
    let results = Results {
        machine: machine_before,
        load_after: report::load_average(),
        screen: screen.describe(),
        idle_seconds: args.idle_seconds,
        homeport,
        bare,
        latency,
    };
    write_samples(&args.work_dir.join("samples.json"), &results)?;
    let markdown = report::render(&results);
    std::fs::write(&args.output, markdown).map_err(|err| format!("cannot write '{}': {err}", args.output.display()))?;
    eprintln!("homeport-bench: wrote {}", args.output.display());
    Ok(())
}

/// Writes every raw sample as JSON, for comparing runs beyond the medians in the report.
fn write_samples(path: &std::path::Path, results: &Results) -> Result<(), String> {
    let launches = |runs: &[Launch]| -> serde_json::Value {
        runs.iter()
            .map(|launch| {
                serde_json::json!({
                    "first_paint_ms": launch.first_paint.as_secs_f64() * 1000.0,
                    "window": [launch.window.width(), launch.window.height()],
                    "rss_kib": launch.memory.rss_kib,
                    "pss_kib": launch.memory.pss_kib,
                    "processes": launch.memory.processes,
                })
            })
            .collect()
    };
    let samples = serde_json::json!({
        "homeport": launches(&results.homeport),
        "bare": launches(&results.bare),
        "container_list_ms": {
            "homeport": results.latency.homeport_ms,
            "docker_cli": results.latency.docker_ms,
        },
    });
    let text = serde_json::to_string_pretty(&samples).map_err(|err| format!("cannot encode the samples: {err}"))?;
    std::fs::write(path, text).map_err(|err| format!("cannot write '{}': {err}", path.display()))
}

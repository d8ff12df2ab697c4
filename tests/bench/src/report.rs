//! The Markdown page `make bench` writes.

use std::fmt::Write;
use std::process::Command;

use crate::latency::Latency;
use crate::stats::{max, median, min, percentile};
use crate::window::{Launch, PAINT_THRESHOLD, POLL_INTERVAL};

/// The machine and build the numbers come from.
pub struct Machine {
    pub date: String,
    pub cpu_model: String,
    pub cpus: usize,
    pub memory_total: String,
    pub kernel: String,
    pub load_before: String,
    pub profile: String,
    pub tauri_version: String,
    pub webkit_version: String,
    pub docker_version: String,
    pub commit: String,
}

impl Machine {
    pub fn read(profile: &str) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_total = meminfo
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|value| value.split_whitespace().next()?.parse::<f64>().ok())
            .map(|kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0))
            .unwrap_or_else(|| "unknown".into());
        let date = time::OffsetDateTime::now_utc()
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .unwrap_or_else(|_| "unknown".into());

        Machine {
            date,
            cpu_model: cpu_field(&cpuinfo, "model name").unwrap_or_else(|| "unknown".into()),
            cpus: std::thread::available_parallelism().map(usize::from).unwrap_or(0),
            memory_total,
            kernel: first_line(std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()),
            load_before: load_average(),
            profile: profile.to_string(),
            tauri_version: locked_version("tauri"),
            webkit_version: first_line(command_output(
                "dpkg-query",
                &["-W", "-f", "${Version}", "libwebkit2gtk-4.1-0"],
            )),
            // `docker version` exits 1 when no local engine is reachable, so read `docker --version`.
            docker_version: first_line(command_output("docker", &["--version"])),
            commit: commit(),
        }
    }
}

/// Everything one run measured.
pub struct Results {
    pub machine: Machine,
    pub load_after: String,
    pub screen: String,
    pub idle_seconds: u64,
    pub homeport: Vec<Launch>,
    pub bare: Vec<Launch>,
    pub latency: Latency,
}

/// Returns the 1, 5 and 15 minute load averages from `/proc/loadavg`.
pub fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn cpu_field(cpuinfo: &str, name: &str) -> Option<String> {
    cpuinfo
        .lines()
        .find(|line| line.starts_with(name))
        .and_then(|line| line.split_once(':'))
        .map(|(_, value)| value.trim().to_string())
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

fn first_line(text: Option<String>) -> String {
    text.as_deref()
        .and_then(|text| text.lines().next())
        .map(|line| line.trim().to_string())
        .filter(|line| !line.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Returns the version of `package` that the workspace's Cargo.lock pins.
fn locked_version(package: &str) -> String {
    let lock_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock");
    let lock = std::fs::read_to_string(lock_path).unwrap_or_default();
    let marker = format!("name = \"{package}\"\n");
    lock.split("[[package]]")
        .find(|entry| entry.contains(&marker))
        .and_then(|entry| entry.lines().find_map(|line| line.strip_prefix("version = ")))
        .map(|version| version.trim_matches('"').to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn commit() -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let head = first_line(command_output("git", &["-C", root, "rev-parse", "--short", "HEAD"]));
    let dirty =
        command_output("git", &["-C", root, "status", "--porcelain"]).is_some_and(|text| !text.trim().is_empty());
    if dirty {
        format!("{head} with uncommitted changes")
    } else {
        head
    }
}

/// The window size in pixels that both apps' `tauri.conf.json` set.
const WINDOW_SIZE: (usize, usize) = (1180, 780);

fn paint_ms(runs: &[Launch]) -> Vec<f64> {
    runs.iter()
        .map(|launch| launch.first_paint.as_secs_f64() * 1000.0)
        .collect()
}

fn rss_mib(runs: &[Launch]) -> Vec<f64> {
    runs.iter()
        .map(|launch| launch.memory.rss_kib as f64 / 1024.0)
        .collect()
}

fn pss_mib(runs: &[Launch]) -> Vec<f64> {
    runs.iter()
        .map(|launch| launch.memory.pss_kib as f64 / 1024.0)
        .collect()
}

/// Lists the process names of the last launch, with counts, e.g. `homeport-app, WebKitWebProcess ×2`.
fn process_names(runs: &[Launch]) -> String {
    let Some(last) = runs.last() else {
        return String::new();
    };
    let mut counted: Vec<(String, usize)> = Vec::new();
    for name in &last.memory.processes {
        match counted.iter_mut().find(|(known, _)| known == name) {
            Some((_, count)) => *count += 1,
            None => counted.push((name.clone(), 1)),
        }
    }
    counted
        .into_iter()
        .map(|(name, count)| if count == 1 { name } else { format!("{name} ×{count}") })
        .collect::<Vec<_>>()
        .join(", ")
}

fn list_ms(samples: &[f64]) -> String {
    samples
        .iter()
        .map(|value| format!("{value:.0}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Renders the whole page.
pub fn render(results: &Results) -> String {
    let mut page = String::new();
    render_header(&mut page, results);
    render_startup(&mut page, results);
    render_memory(&mut page, results);
    render_latency(&mut page, results);
    render_limits(&mut page, results);
    page
}

fn render_header(page: &mut String, results: &Results) {
    let machine = &results.machine;
    let profile = match machine.profile.as_str() {
        "release" => "`release` (`cargo build --release`: optimised, thin LTO, stripped, as set in the root `Cargo.toml`)".to_string(),
        "debug" => "`debug` (`cargo build`, the dev profile: workspace crates unoptimised, dependencies at opt-level 1, as set in the root `Cargo.toml`)".to_string(),
        other => format!("`{other}`"),
    };
    let _ = writeln!(page, "# Benchmarks\n");
    let _ = writeln!(
        page,
        "Written by `make bench` (`scripts/bench.sh`, which runs the `homeport-bench` binary from `tests/bench`). \
         Every run replaces this page, so the numbers below all come from one run on one machine.\n"
    );
    let _ = writeln!(page, "What was measured:\n");
    let _ = writeln!(
        page,
        "1. Cold start to first paint of Homeport's window and of a bare Tauri window."
    );
    let _ = writeln!(
        page,
        "2. Memory of both apps, idle, {} s after the first paint.",
        results.idle_seconds
    );
    let _ = writeln!(
        page,
        "3. Warm container-list latency over SSH: Homeport's pooled connection against the docker CLI.\n"
    );

    let _ = writeln!(page, "## Machine and build\n");
    let _ = writeln!(page, "| | |\n|---|---|");
    let _ = writeln!(page, "| Date | {} |", machine.date);
    let _ = writeln!(page, "| CPU | {} |", machine.cpu_model);
    let _ = writeln!(page, "| Logical CPUs (`nproc`) | {} |", machine.cpus);
    let _ = writeln!(page, "| Memory | {} |", machine.memory_total);
    let _ = writeln!(page, "| Kernel | {} |", machine.kernel);
    let _ = writeln!(
        page,
        "| Load average (1, 5, 15 min) before / after | {} / {} |",
        machine.load_before, results.load_after
    );
    let _ = writeln!(page, "| Build profile of both apps | {profile} |");
    let _ = writeln!(page, "| Tauri (from `Cargo.lock`) | {} |", machine.tauri_version);
    let _ = writeln!(
        page,
        "| WebKitGTK (`libwebkit2gtk-4.1-0`) | {} |",
        machine.webkit_version
    );
    let _ = writeln!(page, "| docker CLI | {} |", machine.docker_version);
    let _ = writeln!(page, "| Commit | {} |\n", machine.commit);
}

fn render_startup(page: &mut String, results: &Results) {
    let homeport = paint_ms(&results.homeport);
    let bare = paint_ms(&results.bare);
    let _ = writeln!(page, "## 1. Cold start to first paint\n");
    let _ = writeln!(
        page,
        "Each app was started {} times, alternating Homeport and the bare window, on an otherwise empty \
         Xvfb display (1280x860, depth 24, no window manager). The time runs from `spawn` to the first \
         screenshot in which the window's area (the pixels that differ from the empty root window) has a \
         luma standard deviation above {PAINT_THRESHOLD} on a 0–255 scale. A mapped but blank window does \
         not count, so this is the first paint of page content. Screenshots came from {}, one every {} ms, \
         so each time is late by at most one interval plus the time to take a screenshot.\n",
        results.homeport.len(),
        results.screen,
        POLL_INTERVAL.as_millis()
    );
    let _ = writeln!(
        page,
        "\"Cold\" means cold app state, not a cold machine: every launch got a new empty `HOMEPORT_DATA_DIR`, \
         `XDG_DATA_HOME`, `XDG_CACHE_HOME` and `XDG_CONFIG_HOME`, but the binaries and system libraries were \
         in the page cache from earlier launches.\n"
    );
    let _ = writeln!(
        page,
        "The bare window is `tests/bench/bare-window`: `tauri::Builder::default().run(tauri::generate_context!())`, \
         one 1180x780 window, a page with one heading on a coloured background, built with the same Tauri \
         version, profile and `custom-protocol` feature as Homeport, so both serve their page from the binary.\n"
    );
    let _ = writeln!(
        page,
        "| App | Median | Min | Max | All runs (ms) |\n|---|---:|---:|---:|---|"
    );
    for (label, samples) in [("Homeport", &homeport), ("Bare Tauri window", &bare)] {
        let _ = writeln!(
            page,
            "| {label} | {:.0} ms | {:.0} ms | {:.0} ms | {} |",
            median(samples),
            min(samples),
            max(samples),
            list_ms(samples)
        );
    }
    let partial: Vec<String> = [("Homeport", &results.homeport), ("bare window", &results.bare)]
        .iter()
        .flat_map(|(label, runs)| {
            runs.iter()
                .enumerate()
                .filter(|(_, launch)| (launch.window.width(), launch.window.height()) != WINDOW_SIZE)
                .map(move |(index, launch)| {
                    format!(
                        "{label} run {} ({}x{})",
                        index + 1,
                        launch.window.width(),
                        launch.window.height()
                    )
                })
        })
        .collect();
    if !partial.is_empty() {
        let _ = writeln!(
            page,
            "\nIn these launches the screenshot that counted showed content in only part of the {}x{} window: {}. \
             The screenshots are in the work folder (see Limits).",
            WINDOW_SIZE.0,
            WINDOW_SIZE.1,
            partial.join(", ")
        );
    }
    let _ = writeln!(
        page,
        "\nRatio of the medians, Homeport / bare window: **{:.2}** ({:+.0} ms).\n",
        median(&homeport) / median(&bare),
        median(&homeport) - median(&bare)
    );
}

fn render_memory(page: &mut String, results: &Results) {
    let _ = writeln!(page, "## 2. Idle memory\n");
    let _ = writeln!(
        page,
        "Read {} s after each launch's first paint, summed over the app process and all its descendants \
         (found through the parent pid in `/proc/*/stat`), from `/proc/PID/smaps_rollup`. RSS counts shared \
         pages in full for every process that maps them; PSS divides each shared page among the processes \
         that map it, so PSS is the better total for a process tree. The table gives the median of the {} \
         launches per app and the range.\n",
        results.idle_seconds,
        results.homeport.len()
    );
    let _ = writeln!(page, "| App | RSS median | RSS range | PSS median | PSS range | Processes (last run) |\n|---|---:|---:|---:|---:|---|");
    for (label, runs) in [("Homeport", &results.homeport), ("Bare Tauri window", &results.bare)] {
        let rss = rss_mib(runs);
        let pss = pss_mib(runs);
        let _ = writeln!(
            page,
            "| {label} | {:.1} MiB | {:.1}–{:.1} MiB | {:.1} MiB | {:.1}–{:.1} MiB | {} |",
            median(&rss),
            min(&rss),
            max(&rss),
            median(&pss),
            min(&pss),
            max(&pss),
            process_names(runs)
        );
    }
    let rss_difference = median(&rss_mib(&results.homeport)) - median(&rss_mib(&results.bare));
    let pss_difference = median(&pss_mib(&results.homeport)) - median(&pss_mib(&results.bare));
    let _ = writeln!(
        page,
        "\nHomeport's own cost, the difference of the medians: **{pss_difference:+.1} MiB PSS**, {rss_difference:+.1} MiB RSS. \
         Ratio of the PSS medians, Homeport / bare window: {:.2}.\n",
        median(&pss_mib(&results.homeport)) / median(&pss_mib(&results.bare))
    );
}

fn render_latency(page: &mut String, results: &Results) {
    let latency = &results.latency;
    let calls = latency.homeport_ms.len();
    let _ = writeln!(page, "## 3. Container list latency over SSH, warm\n");
    let _ = writeln!(
        page,
        "Both clients list all containers ({} on the lab engine) of the lab's key-only sshd host on \
         loopback, after one untimed warm-up call, {calls} times in a row.\n",
        latency.containers
    );
    let _ = writeln!(
        page,
        "- **Homeport**: `homeport_api::Api::container_list` in the benchmark process, on a fresh store with the \
         lab host added through `host_add` (key authentication, host key fingerprint from `ssh-keyscan` and \
         `ssh-keygen -lf`). After the warm-up, every call reuses the pooled SSH connection and talks to the \
         engine's socket through it.\n\
         - **docker CLI**: `docker ps -a` with `DOCKER_HOST=ssh://USER@HOST:PORT`. Every command starts `ssh`, \
         logs in anew and runs `docker system dial-stdio` on the host, because the CLI keeps no connection \
         between commands. `ssh` ran with a private config (the lab's client key and known_hosts) through a \
         wrapper first in `PATH`, and the CLI with a private `HOME` for its own config. The time includes \
         starting the CLI process.\n"
    );
    let _ = writeln!(page, "| Client | Median | p90 | Min | Max |\n|---|---:|---:|---:|---:|");
    for (label, samples) in [
        ("Homeport, pooled connection", &latency.homeport_ms),
        ("docker CLI over ssh://", &latency.docker_ms),
    ] {
        let _ = writeln!(
            page,
            "| {label} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
            median(samples),
            percentile(samples, 90.0),
            min(samples),
            max(samples)
        );
    }
    let _ = writeln!(
        page,
        "\nRatio docker CLI / Homeport: **{:.1}×** at the median, {:.1}× at p90. p90 is the nearest-rank \
         percentile: the {}th of {calls} sorted samples.\n",
        median(&latency.docker_ms) / median(&latency.homeport_ms),
        percentile(&latency.docker_ms, 90.0) / percentile(&latency.homeport_ms, 90.0),
        ((0.9 * calls as f64).ceil() as usize).max(1)
    );
}

fn render_limits(page: &mut String, results: &Results) {
    let _ = writeln!(page, "## Limits\n");
    let _ = writeln!(
        page,
        "- One run on a shared machine. The load averages above show how busy it was; other builds may have \
         run at the same time. Compare ratios between runs rather than absolute times.\n\
         - {} launches per app give a median but no confidence interval.\n\
         - PSS also splits shared library pages with unrelated processes that map the same libraries, such as \
         another WebKit app running at the same time, so it varies between runs. The Homeport minus bare \
         difference is the steadier number.\n\
         - The lab's sshd, dockerd and both clients share the same CPUs, and the network is loopback, so the \
         latency numbers contain no network round trip.\n\
         - Raw samples, app logs and the first-paint screenshot of every launch (PPM) are in the benchmark's work folder \
         (`target/bench` by default), which is not committed.",
        results.homeport.len()
    );
}

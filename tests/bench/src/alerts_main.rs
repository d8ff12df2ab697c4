//! `homeport-alerts-bench`: one evaluation cycle of 1,000 alert rules over 500 series, written
//! as a Markdown page, next to Prometheus's own rule evaluation in `promtool test rules`.
//!
//! - Engine: `alerts::evaluate_host` alone, over series already in memory, with the instance
//!   state carried from cycle to cycle as the app carries it.
//! - API: `Api::alerts_evaluate`, what runs after each collection: it reads the rules and the
//!   instance state from SQLite, the newest sample of each series from the metrics store, runs
//!   the engine, and writes the changed instances and any alerts.
//! - promtool: the same rules and series in `promtool test rules`, timed for a test with 1 and
//!   with 61 evaluations. The difference divided by 60 estimates its cost per evaluation cycle.
//!
//! The rules and series: metrics `bench_m0` … `bench_m9`, each with 50 series labelled
//! `container="c0"` … `"c49"` (500 series) with values spread over 0 to 99. Rule k watches
//! `bench_m(k mod 10)`; even rules select one container, odd rules every container of their
//! metric, so one cycle evaluates 25,500 (rule, series) instances. Two scenarios set the
//! thresholds: "quiet" (90 + k mod 10, so few instances hold) and "storm" (k mod 100, so about
//! half of them hold and thousands of alerts are open at once).

#[allow(dead_code)]
mod stats;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use clap::Parser;
use homeport_api::Api;
use homeport_core::alerts::{self, rule_file, SeriesInput};
use homeport_core::paths::AppPaths;
use homeport_metrics::{Sample, SeriesKey};
use stats::{max, median, percentile};

const RULES: usize = 1_000;
const METRICS: usize = 10;
const CONTAINERS: usize = 50;
const HOST: &str = "bench-host";

/// Times the alert rules engine and writes the numbers to a Markdown page.
#[derive(Parser)]
struct Args {
    /// The Markdown file to write; an existing file is replaced.
    #[arg(long)]
    output: PathBuf,
    /// Evaluation cycles timed per method.
    #[arg(long, default_value_t = 200)]
    cycles: usize,
    /// The build profile, for the page.
    #[arg(long, default_value = "debug")]
    profile: String,
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(err) = runtime.block_on(run(&args)) {
        eprintln!("homeport-alerts-bench: {err}");
        std::process::exit(1);
    }
}

fn value_of(metric: usize, container: usize) -> f64 {
    ((metric * 31 + container * 7) % 100) as f64
}

#[derive(Clone, Copy)]
enum Scenario {
    Quiet,
    Storm,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Quiet => "quiet",
            Scenario::Storm => "storm",
        }
    }

    fn threshold(self, k: usize) -> usize {
        match self {
            Scenario::Quiet => 90 + k % 10,
            Scenario::Storm => k % 100,
        }
    }
}

fn rule_file_text(scenario: Scenario) -> String {
    let mut text = String::from("groups:\n  - name: bench\n    rules:\n");
    for k in 0..RULES {
        let metric = k % METRICS;
        let selector = if k % 2 == 0 {
            format!("bench_m{metric}{{container=\"c{}\"}}", k % CONTAINERS)
        } else {
            format!("bench_m{metric}")
        };
        let _ = write!(
            text,
            "      - alert: Bench{k}\n        expr: '{selector} > {}'\n        for: {}\n",
            scenario.threshold(k),
            if k % 3 == 0 { "0s" } else { "5m" }
        );
    }
    text
}

fn series_inputs(now_ms: i64) -> Vec<SeriesInput> {
    let mut inputs = Vec::with_capacity(METRICS * CONTAINERS);
    for metric in 0..METRICS {
        for container in 0..CONTAINERS {
            inputs.push(SeriesInput {
                metric: format!("bench_m{metric}"),
                labels: BTreeMap::from([("container".to_string(), format!("c{container}"))]),
                samples: vec![(now_ms, value_of(metric, container))],
            });
        }
    }
    inputs
}

struct Timing {
    cycles_ms: Vec<f64>,
    first_ms: f64,
    notices_first: usize,
}

fn time_engine(rules: &[homeport_core::alerts::Rule], cycles: usize) -> Timing {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut states = HashMap::new();
    let mut cycles_ms = Vec::with_capacity(cycles);
    let mut first_ms = 0.0;
    let mut notices_first = 0;
    for cycle in 0..=cycles {
        let at = now + cycle as i64 * 15;
        let inputs = series_inputs(at * 1_000);
        let started = Instant::now();
        let events = alerts::evaluate_host(rules, HOST, &inputs, &mut states, at);
        let elapsed = started.elapsed().as_secs_f64() * 1_000.0;
        if cycle == 0 {
            first_ms = elapsed;
            notices_first = events.len();
        } else {
            cycles_ms.push(elapsed);
        }
    }
    Timing {
        cycles_ms,
        first_ms,
        notices_first,
    }
}

async fn time_api(rules_path: &Path, cycles: usize) -> Result<Timing, String> {
    let dir = tempfile::tempdir().map_err(|err| err.to_string())?;
    let api = Api::open(AppPaths::portable(dir.path().to_path_buf()))
        .await
        .map_err(|err| err.to_string())?;
    // Only the imported rules: the built-in ones watch metrics this host has no series of.
    for rule in api.alerts_rules().await.map_err(|err| err.to_string())? {
        let update = homeport_api::alerts::AlertRuleUpdate {
            enabled: Some(false),
            ..Default::default()
        };
        api.alerts_rule_update(&rule.id, update)
            .await
            .map_err(|err| err.to_string())?;
    }
    let imported = api
        .alerts_rules_import(rules_path.to_str().ok_or("non-UTF-8 path")?, false)
        .await
        .map_err(|err| err.to_string())?;
    if imported.imported.len() != RULES {
        return Err(format!("imported {} rules, expected {RULES}", imported.imported.len()));
    }

    let store = api.metrics_store().await.map_err(|err| err.to_string())?;
    let mut ids = Vec::new();
    for metric in 0..METRICS {
        for container in 0..CONTAINERS {
            let key = SeriesKey::new(HOST, format!("bench_m{metric}")).label("container", format!("c{container}"));
            ids.push((
                store.series_id(&key).await.map_err(|err| err.to_string())?,
                metric,
                container,
            ));
        }
    }

    let mut cycles_ms = Vec::with_capacity(cycles);
    let mut first_ms = 0.0;
    let mut notices_first = 0;
    for cycle in 0..=cycles {
        let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1_000;
        let samples: Vec<_> = ids
            .iter()
            .map(|(id, metric, container)| (*id, Sample::new(now_ms + cycle as i64, value_of(*metric, *container))))
            .collect();
        store.append(&samples).await.map_err(|err| err.to_string())?;
        let started = Instant::now();
        let notices = api.alerts_evaluate(HOST).await.map_err(|err| err.to_string())?;
        let elapsed = started.elapsed().as_secs_f64() * 1_000.0;
        if cycle == 0 {
            first_ms = elapsed;
            notices_first = notices;
        } else {
            cycles_ms.push(elapsed);
        }
    }
    Ok(Timing {
        cycles_ms,
        first_ms,
        notices_first,
    })
}

/// Writes a promtool unit test over the same series with evaluations up to `minutes`, and
/// returns the wall time of `promtool test rules` on it, best of `runs`.
fn time_promtool(dir: &Path, minutes: usize, runs: usize) -> Result<f64, String> {
    let mut test =
        format!("rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n");
    for metric in 0..METRICS {
        for container in 0..CONTAINERS {
            let _ = write!(
                test,
                "      - series: 'bench_m{metric}{{container=\"c{container}\"}}'\n        values: '{}+0x{minutes}'\n",
                value_of(metric, container)
            );
        }
    }
    // Rule 99 never fires in either scenario (its threshold is 99, above every value), so
    // the test passes with no alerts.
    let _ = write!(
        test,
        "    alert_rule_test:\n      - eval_time: {minutes}m\n        alertname: Bench99\n        exp_alerts: []\n"
    );
    let path = dir.join(format!("test-{minutes}.yml"));
    std::fs::write(&path, test).map_err(|err| err.to_string())?;
    let mut best = f64::MAX;
    for _ in 0..runs {
        let started = Instant::now();
        let output = Command::new("promtool")
            .arg("test")
            .arg("rules")
            .arg(&path)
            .current_dir(dir)
            .output()
            .map_err(|err| format!("promtool: {err}"))?;
        if !output.status.success() {
            return Err(format!(
                "promtool test rules failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        best = best.min(started.elapsed().as_secs_f64() * 1_000.0);
    }
    Ok(best)
}

fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|output| {
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Timings of one scenario.
struct Measured {
    scenario: Scenario,
    parse_ms: f64,
    engine: Timing,
    api: Timing,
    promtool: Option<(f64, f64, f64)>,
}

async fn measure(args: &Args, scenario: Scenario) -> Result<Measured, String> {
    let dir = tempfile::tempdir().map_err(|err| err.to_string())?;
    let rules_path = dir.path().join("rules.yml");
    let text = rule_file_text(scenario);
    std::fs::write(&rules_path, &text).map_err(|err| err.to_string())?;

    let parse_started = Instant::now();
    let imported = rule_file::import("rules.yml", &text).map_err(|err| err.to_string())?;
    let parse_ms = parse_started.elapsed().as_secs_f64() * 1_000.0;
    let rules = imported.rules;
    if rules.iter().any(|rule| !rule.evaluated_here()) {
        return Err("every bench rule should be a simple threshold".into());
    }

    eprintln!("{}: timing the engine over {} cycles", scenario.name(), args.cycles);
    let engine = time_engine(&rules, args.cycles);
    let api_cycles = (args.cycles / 4).max(10);
    eprintln!(
        "{}: timing Api::alerts_evaluate over {api_cycles} cycles",
        scenario.name()
    );
    let api = time_api(&rules_path, api_cycles).await?;

    eprintln!("{}: timing promtool test rules", scenario.name());
    let promtool = match (time_promtool(dir.path(), 0, 3), time_promtool(dir.path(), 60, 3)) {
        (Ok(one), Ok(many)) => Some((one, many, (many - one) / 60.0)),
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("promtool comparison skipped: {err}");
            None
        }
    };
    Ok(Measured {
        scenario,
        parse_ms,
        engine,
        api,
        promtool,
    })
}

async fn run(args: &Args) -> Result<(), String> {
    // Other work on the machine slows every method alike, so the page states the load.
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut results = Vec::new();
    for scenario in [Scenario::Quiet, Scenario::Storm] {
        results.push(measure(args, scenario).await?);
    }
    let promtool_version = command_line("promtool", &["--version"]);

    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name").and_then(|rest| rest.split(':').nth(1)))
        .map(str::trim)
        .unwrap_or("unknown")
        .to_string();
    let cpus = std::thread::available_parallelism().map(usize::from).unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let date = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default();

    let row = |name: String, timing: &Timing| {
        format!(
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2} ({} notices) |\n",
            median(&timing.cycles_ms),
            percentile(&timing.cycles_ms, 95.0),
            max(&timing.cycles_ms),
            timing.first_ms,
            timing.notices_first
        )
    };
    let mut page = String::new();
    let _ = writeln!(page, "# Alert rules benchmark\n");
    let _ = writeln!(
        page,
        "One evaluation cycle of {RULES} alert rules over {} series of one host (25,500 rule and \
         series pairs), with a target of at most 10 ms per cycle. Written by \
         `homeport-alerts-bench` (tests/bench/src/alerts_main.rs), which describes the rules and \
         series; run it with `cargo run -p homeport-bench --bin homeport-alerts-bench -- --output \
         docs/benchmarks-alerts.md`.\n",
        METRICS * CONTAINERS
    );
    let _ = writeln!(
        page,
        "- Date: {date}\n- CPU: {cpu}, {cpus} logical CPUs\n- Kernel: {}\n- Load average (1, 5, 15 min) before the run: {}\n- Build profile: {}\n- Cycles timed per scenario: {} (engine), {} (API)\n",
        kernel.trim(),
        load_before.split_whitespace().take(3).collect::<Vec<_>>().join(", "),
        args.profile,
        results[0].engine.cycles_ms.len(),
        results[0].api.cycles_ms.len()
    );
    let _ = writeln!(
        page,
        "| Scenario and method | Median ms | p95 ms | Max ms | First cycle ms |"
    );
    let _ = writeln!(page, "|---|---:|---:|---:|---:|");
    for result in &results {
        let name = result.scenario.name();
        page.push_str(&row(
            format!("{name}: engine (`alerts::evaluate_host`, in memory)"),
            &result.engine,
        ));
        page.push_str(&row(
            format!("{name}: API (`Api::alerts_evaluate`: SQLite, metrics store, engine)"),
            &result.api,
        ));
    }
    let _ = writeln!(
        page,
        "\nThe first cycle opens the alert of every instance that fires at once (`for: 0s`), so it \
         writes that many alert rows. Later cycles change little: the `for: 5m` instances stay \
         pending because the cycles are seconds apart. The API's steady cycles write nothing and \
         keep the instances' state in memory; they read one write counter from SQLite, the \
         rules' version, and the newest sample of each series from the metrics store. Other \
         load on the machine moves every row, so compare rows of one run rather than runs. Parsing the \
         {RULES}-rule file took {:.1} ms.\n",
        results[0].parse_ms
    );
    let _ = writeln!(page, "## Prometheus for comparison\n");
    for result in &results {
        match result.promtool {
            Some((one, many, per_cycle)) => {
                let _ = writeln!(
                    page,
                    "- {}: `promtool test rules` with the same rules and series took {one:.0} ms for a test \
                     with one evaluation and {many:.0} ms for 61 evaluations (best of 3 each), so about \
                     **{per_cycle:.2} ms per evaluation cycle**.",
                    result.scenario.name()
                );
            }
            None => {
                let _ = writeln!(
                    page,
                    "- {}: promtool was not available or failed.",
                    result.scenario.name()
                );
            }
        }
    }
    let _ = writeln!(
        page,
        "\n{promtool_version}. The promtool numbers are an estimate of Prometheus's cost, not a \
         measurement of a server: promtool evaluates PromQL over its in-memory test storage and \
         also checks the test's expectations, so it does more than a Prometheus server's rule \
         group evaluation.\n"
    );
    std::fs::write(&args.output, page).map_err(|err| err.to_string())?;
    eprintln!("wrote {}", args.output.display());
    Ok(())
}

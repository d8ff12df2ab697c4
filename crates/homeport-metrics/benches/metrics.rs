//! Store and chart benchmarks. Run with `cargo bench -p homeport-metrics --bench metrics`
//! (the bench profile, which inherits the release settings). Writes the results table to
//! docs/benchmarks-metrics.md.
//!
//! Data: 50 series of simulated host metrics over 30 days at 15 s (8,640,000 samples), see
//! `Generator`. The peer is plain SQLite rows `(series, ts, value)` in a WITHOUT ROWID
//! table keyed by (series, ts), with the same WAL and synchronous settings, filled in the
//! same batches.

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use homeport_metrics::chart::{render_svg, ChartSeries, ChartSpec, Unit};
use homeport_metrics::{downsample, MetricsStore, Point, Sample, SeriesId, SeriesKey};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

const SERIES: usize = 50;
const STEP_MS: i64 = 15_000;
const DAYS: i64 = 30;
const SAMPLES_PER_SERIES: usize = (DAYS * 86_400_000 / STEP_MS) as usize;
const T0: i64 = 1_700_000_000_000;
/// Samples per series per append call: one hour of scrapes.
const BATCH_STEPS: usize = 240;
const DISPLAY_POINTS: usize = 1_000;
const QUERY_RUNS: usize = 15;

#[derive(Clone, Copy)]
enum Kind {
    /// Random walk, steps uniform in ±2 points, clamped to 0–100, rounded to 0.01 as the
    /// collector will store CPU %.
    Percent,
    /// Load average: random walk, steps ±0.05, two decimals as /proc/loadavg prints it.
    Load,
    /// Memory in bytes: a page-multiple change of up to ±1 MiB on 10% of the scrapes.
    Memory,
    /// Filesystem bytes used: grows by up to 64 pages on 5% of the scrapes.
    Disk,
    /// Byte counter: increments whose rate does a random walk, in 512-byte sectors.
    Counter,
}

struct Generator {
    kind: Kind,
    value: f64,
    rate: f64,
    rng: Lcg,
}

impl Generator {
    fn new(kind: Kind, seed: u64) -> Self {
        let mut rng = Lcg(seed);
        let value = match kind {
            Kind::Percent => rng.next_f64() * 60.0,
            Kind::Load => 1.0,
            Kind::Memory => 4096.0 * (1_000_000.0 + (rng.next_u64() % 1_000_000) as f64),
            Kind::Disk => 4096.0 * (10_000_000.0 + (rng.next_u64() % 1_000_000) as f64),
            Kind::Counter => (rng.next_u64() % 1_000_000_000_000) as f64,
        };
        Self {
            kind,
            value,
            rate: 2_000.0,
            rng,
        }
    }

    fn next(&mut self) -> f64 {
        let rng = &mut self.rng;
        self.value = match self.kind {
            Kind::Percent => ((self.value + rng.next_f64() * 4.0 - 2.0).clamp(0.0, 100.0) * 100.0).round() / 100.0,
            Kind::Load => ((self.value + rng.next_f64() * 0.1 - 0.05).max(0.0) * 100.0).round() / 100.0,
            Kind::Memory if rng.next_f64() < 0.1 => self.value + 4096.0 * ((rng.next_u64() % 513) as f64 - 256.0),
            Kind::Disk if rng.next_f64() < 0.05 => self.value + 4096.0 * (rng.next_u64() % 64) as f64,
            Kind::Counter => {
                self.rate = (self.rate * (0.8 + rng.next_f64() * 0.4)).clamp(1.0, 200_000.0);
                self.value + 512.0 * (self.rate * 15.0 / 512.0).round()
            }
            _ => self.value,
        };
        self.value
    }
}

/// Returns the 50 series of one simulated host.
fn host_series() -> Vec<(SeriesKey, Kind)> {
    let mut series = Vec::new();
    for core in 0..16 {
        series.push((
            SeriesKey::new("bench", "cpu_percent").label("cpu", core.to_string()),
            Kind::Percent,
        ));
    }
    series.push((
        SeriesKey::new("bench", "cpu_percent").label("cpu", "total"),
        Kind::Percent,
    ));
    for name in [
        "mem_used_bytes",
        "mem_available_bytes",
        "mem_cached_bytes",
        "swap_used_bytes",
    ] {
        series.push((SeriesKey::new("bench", name), Kind::Memory));
    }
    for minutes in ["1", "5", "15"] {
        series.push((SeriesKey::new("bench", "load").label("minutes", minutes), Kind::Load));
    }
    for fs in ["/", "/home", "/var", "/srv"] {
        series.push((
            SeriesKey::new("bench", "fs_used_bytes").label("filesystem", fs),
            Kind::Disk,
        ));
    }
    for disk in ["sda", "sdb", "nvme0n1", "nvme1n1"] {
        for direction in ["read", "written"] {
            series.push((
                SeriesKey::new("bench", format!("disk_{direction}_bytes_total")).label("device", disk),
                Kind::Counter,
            ));
        }
    }
    for interface in ["eth0", "eth1", "docker0", "wg0"] {
        for direction in ["rx", "tx"] {
            series.push((
                SeriesKey::new("bench", format!("net_{direction}_bytes_total")).label("interface", interface),
                Kind::Counter,
            ));
        }
    }
    for container in 0..6 {
        series.push((
            SeriesKey::new("bench", "container_cpu_percent").label("container", format!("app{container}")),
            Kind::Percent,
        ));
    }
    assert_eq!(series.len(), SERIES);
    series
}

/// Generates all samples, step-major: `values[step][series]`.
fn generate() -> Vec<Vec<f64>> {
    let mut generators: Vec<Generator> = host_series()
        .iter()
        .enumerate()
        .map(|(index, (_, kind))| Generator::new(*kind, 1 + index as u64))
        .collect();
    (0..SAMPLES_PER_SERIES)
        .map(|_| generators.iter_mut().map(Generator::next).collect())
        .collect()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

struct Measured {
    ingest: Duration,
    bytes: u64,
    query_render: Duration,
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    println!("generating {} samples", SERIES * SAMPLES_PER_SERIES);
    let values = generate();

    let store = bench_store(&dir.path().join("metrics.db"), &values).await;
    let peer = bench_peer(&dir.path().join("plain.db"), &values).await;
    let scrape = bench_scrape_ingest(&dir.path().join("scrape.db"), &values).await;
    write_report(&store.0, &store.1, &peer, scrape);
}

/// Measures ingest, size and query + render for the compressed store.
async fn bench_store(path: &Path, values: &[Vec<f64>]) -> (Measured, StoreDetails) {
    let store = MetricsStore::open(path).await.unwrap();
    let mut ids = Vec::new();
    for (key, _) in host_series() {
        ids.push(store.series_id(&key).await.unwrap());
    }

    let started = Instant::now();
    let mut batch = Vec::with_capacity(BATCH_STEPS * SERIES);
    for (step, row) in values.iter().enumerate() {
        let timestamp = T0 + step as i64 * STEP_MS;
        batch.extend(
            ids.iter()
                .zip(row)
                .map(|(id, value)| (*id, Sample::new(timestamp, *value))),
        );
        if batch.len() >= BATCH_STEPS * SERIES {
            store.append(&batch).await.unwrap();
            batch.clear();
        }
    }
    store.append(&batch).await.unwrap();
    store.flush().await.unwrap();
    let ingest = started.elapsed();

    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.pool())
        .await
        .unwrap();
    let bytes = file_size(path);
    let by_resolution: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT resolution_ms, SUM(LENGTH(data)) FROM chunks GROUP BY resolution_ms ORDER BY resolution_ms",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();

    let id = ids[0];
    let to = T0 + (SAMPLES_PER_SERIES as i64 - 1) * STEP_MS;
    let query_render = median(QUERY_RUNS, || async {
        let samples = store.raw_range(id, T0, to).await.unwrap();
        assert_eq!(samples.len(), SAMPLES_PER_SERIES);
        let points: Vec<Point> = samples.iter().map(|s| point(s.timestamp_ms, s.value)).collect();
        render(&points);
    })
    .await;
    let rollup_render = median(QUERY_RUNS, || async {
        let result = store.range(id, T0, to).await.unwrap();
        render(&result.points);
    })
    .await;
    let query_only = median(QUERY_RUNS, || async {
        store.raw_range(id, T0, to).await.unwrap();
    })
    .await;
    store.pool().close().await;
    (
        Measured {
            ingest,
            bytes,
            query_render,
        },
        StoreDetails {
            by_resolution,
            rollup_render,
            query_only,
        },
    )
}

struct StoreDetails {
    by_resolution: Vec<(i64, i64)>,
    rollup_render: Duration,
    query_only: Duration,
}

/// Measures the same work on plain rows.
async fn bench_peer(path: &Path, values: &[Vec<f64>]) -> Measured {
    let pool = open_plain(path).await;
    sqlx::query("CREATE TABLE samples (series INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (series, ts)) WITHOUT ROWID")
        .execute(&pool)
        .await
        .unwrap();
    const ROWS_PER_STATEMENT: usize = 100;
    let statement = format!(
        "INSERT INTO samples (series, ts, value) VALUES {}",
        vec!["(?, ?, ?)"; ROWS_PER_STATEMENT].join(", ")
    );

    let started = Instant::now();
    let mut rows: Vec<(i64, i64, f64)> = Vec::with_capacity(BATCH_STEPS * SERIES);
    for (step, row) in values.iter().enumerate() {
        let timestamp = T0 + step as i64 * STEP_MS;
        rows.extend(
            row.iter()
                .enumerate()
                .map(|(series, value)| (series as i64 + 1, timestamp, *value)),
        );
        if rows.len() >= BATCH_STEPS * SERIES || step + 1 == values.len() {
            let mut transaction = pool.begin().await.unwrap();
            for part in rows.chunks(ROWS_PER_STATEMENT) {
                if part.len() == ROWS_PER_STATEMENT {
                    let mut query = sqlx::query(&statement);
                    for (series, timestamp, value) in part {
                        query = query.bind(series).bind(timestamp).bind(value);
                    }
                    query.execute(&mut *transaction).await.unwrap();
                } else {
                    for (series, timestamp, value) in part {
                        sqlx::query("INSERT INTO samples (series, ts, value) VALUES (?, ?, ?)")
                            .bind(series)
                            .bind(timestamp)
                            .bind(value)
                            .execute(&mut *transaction)
                            .await
                            .unwrap();
                    }
                }
            }
            transaction.commit().await.unwrap();
            rows.clear();
        }
    }
    let ingest = started.elapsed();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await
        .unwrap();
    let bytes = file_size(path);

    let to = T0 + (SAMPLES_PER_SERIES as i64 - 1) * STEP_MS;
    let query_render = median(QUERY_RUNS, || async {
        let rows: Vec<(i64, f64)> =
            sqlx::query_as("SELECT ts, value FROM samples WHERE series = 1 AND ts BETWEEN ? AND ? ORDER BY ts")
                .bind(T0)
                .bind(to)
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(rows.len(), SAMPLES_PER_SERIES);
        let points: Vec<Point> = rows
            .iter()
            .map(|(timestamp, value)| point(*timestamp, *value))
            .collect();
        render(&points);
    })
    .await;
    pool.close().await;
    Measured {
        ingest,
        bytes,
        query_render,
    }
}

/// Measures one append per scrape (50 samples) for one simulated day, as a live collector writes.
async fn bench_scrape_ingest(path: &Path, values: &[Vec<f64>]) -> (usize, Duration) {
    let store = MetricsStore::open(path).await.unwrap();
    let mut ids: Vec<SeriesId> = Vec::new();
    for (key, _) in host_series() {
        ids.push(store.series_id(&key).await.unwrap());
    }
    let steps = (86_400_000 / STEP_MS) as usize;
    let started = Instant::now();
    for (step, row) in values.iter().take(steps).enumerate() {
        let timestamp = T0 + step as i64 * STEP_MS;
        let batch: Vec<(SeriesId, Sample)> = ids
            .iter()
            .zip(row)
            .map(|(id, value)| (*id, Sample::new(timestamp, *value)))
            .collect();
        store.append(&batch).await.unwrap();
    }
    store.flush().await.unwrap();
    (steps * SERIES, started.elapsed())
}

fn point(timestamp_ms: i64, value: f64) -> Point {
    Point {
        timestamp_ms,
        value: Some(value),
        min: Some(value),
        max: Some(value),
    }
}

fn render(points: &[Point]) {
    let reduced = downsample::min_max(points, DISPLAY_POINTS);
    let spec = ChartSpec {
        title: Some("cpu 0".into()),
        unit: Unit::Percent,
        series: vec![ChartSeries {
            label: "cpu0".into(),
            points: reduced,
        }],
        ..ChartSpec::default()
    };
    let chart = render_svg(&spec).unwrap();
    assert!(chart.svg.len() > 1_000);
}

async fn median<F, Fut>(runs: usize, mut work: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    work().await;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        work().await;
        times.push(started.elapsed());
    }
    times.sort();
    times[runs / 2]
}

async fn open_plain(path: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::from_str("sqlite://")
        .unwrap()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .unwrap()
}

fn file_size(path: &Path) -> u64 {
    let mut total = std::fs::metadata(path).unwrap().len();
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_os_string();
        name.push(suffix);
        total += std::fs::metadata(name).map(|meta| meta.len()).unwrap_or(0);
    }
    total
}

fn hardware() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| {
            line.strip_prefix("model name")
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_gib = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .map(|kib| kib / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    format!("{model}, {cores} cores available, {memory_gib:.0} GiB memory")
}

fn write_report(store: &Measured, details: &StoreDetails, peer: &Measured, scrape: (usize, Duration)) {
    let total = (SERIES * SAMPLES_PER_SERIES) as f64;
    let rate = |duration: Duration| total / duration.as_secs_f64();
    let per_sample = |bytes: u64| bytes as f64 / total;
    let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
    let resolution_bytes = |resolution: i64| {
        details
            .by_resolution
            .iter()
            .find(|(r, _)| *r == resolution)
            .map(|(_, bytes)| *bytes as f64 / total)
            .unwrap_or(0.0)
    };

    let mut report = String::new();
    report.push_str("# Metrics store benchmarks\n\n");
    report.push_str("Written by `cargo bench -p homeport-metrics --bench metrics` (the `bench` profile, which\n");
    report.push_str("inherits the workspace's release settings; debug builds are several times slower and not\n");
    report.push_str("representative). The numbers below are from one run; rerunning replaces this file.\n\n");
    report.push_str(&format!("Hardware: {}.\n\n", hardware()));
    report.push_str(&format!(
        "Data: {SERIES} series of one simulated host, {DAYS} days at 15 s ({} samples each, {} in total). \
         The series are 23 CPU % random walks (steps ±2, rounded to 0.01), 3 load averages (two \
         decimals), 4 memory gauges (page-sized changes on 10% of scrapes), 4 filesystem gauges \
         (growth on 5%) and 16 byte counters (disk and network, rate doing a random walk). \
         Timestamps fall exactly on the 15 s ticks. Appends carry one hour of scrapes ({} samples) \
         per call.\n\n\
         The peer is plain SQLite rows `(series, ts, value)` in a WITHOUT ROWID table keyed by \
         (series, ts). It has the same WAL and synchronous=NORMAL settings and takes the same \
         batches, 100 rows per INSERT statement. The store's file uses 16 KiB pages (its default), \
         the peer's SQLite's default of 4 KiB.\n\n",
        SAMPLES_PER_SERIES,
        SERIES * SAMPLES_PER_SERIES,
        BATCH_STEPS * SERIES
    ));
    report.push_str("| measure | target | homeport-metrics | plain rows | ratio |\n");
    report.push_str("| --- | --- | --- | --- | --- |\n");
    report.push_str(&format!(
        "| ingest, samples/s (incl. rollups, flush) | ≥ 100,000 | {:.0} | {:.0} | {:.2}× |\n",
        rate(store.ingest),
        rate(peer.ingest),
        rate(store.ingest) / rate(peer.ingest)
    ));
    report.push_str(&format!(
        "| bytes per sample on disk (whole file) | ≤ 3 | {:.2} | {:.2} | {:.1}× smaller |\n",
        per_sample(store.bytes),
        per_sample(peer.bytes),
        peer.bytes as f64 / store.bytes as f64
    ));
    report.push_str(&format!(
        "| query 30 days raw (172,800 points) + min/max to {DISPLAY_POINTS} + SVG, median of {QUERY_RUNS} | ≤ 50 ms | {:.1} ms | {:.1} ms | {:.2}× |\n",
        ms(store.query_render),
        ms(peer.query_render),
        ms(peer.query_render) / ms(store.query_render)
    ));
    report.push_str("\nMore detail on the same run:\n\n");
    report.push_str(&format!(
        "- File size: {:.1} MiB compressed, {:.1} MiB plain rows (the compressed file includes the 1-minute and 15-minute rollups; the plain one has none).\n",
        store.bytes as f64 / 1_048_576.0,
        peer.bytes as f64 / 1_048_576.0
    ));
    report.push_str(&format!(
        "- Chunk payload per raw sample: {:.2} bytes raw chunks, {:.2} bytes 1-minute rollups, {:.2} bytes 15-minute rollups; the rest is SQLite pages and keys.\n",
        resolution_bytes(0),
        resolution_bytes(60_000),
        resolution_bytes(900_000)
    ));
    report.push_str(&format!(
        "- Raw query alone (decode 172,800 samples): {:.1} ms median.\n",
        ms(details.query_only)
    ));
    report.push_str(&format!(
        "- `range` over 30 days (picks 15-minute rollups, 2,880 points) + SVG: {:.1} ms median.\n",
        ms(details.rollup_render)
    ));
    report.push_str(&format!(
        "- Live-collector pattern, one append per scrape of 50 samples for one day ({} samples): {:.0} samples/s. \
         Most of these appends write nothing to SQLite, because open chunks are written every 30 s \
         and this run takes less than that.\n",
        scrape.0,
        scrape.0 as f64 / scrape.1.as_secs_f64()
    ));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/benchmarks-metrics.md");
    std::fs::write(&path, &report).unwrap();
    println!("{report}");
    println!("written to {}", path.display());
}

/// Small deterministic generator, so the bench needs no random-number crate.
struct Lcg(u64);

impl Lcg {
    fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51afd7ed558ccd);
        x ^ (x >> 33)
    }

    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

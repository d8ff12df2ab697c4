//! The store against a real SQLite file: round trips, ordering, rollups, retention and gaps.

use std::path::Path;
use std::time::Duration;

use homeport_metrics::{
    Bucket, Error, HostSettings, MetricsStore, Resolution, Sample, SeriesId, SeriesKey, StoreOptions,
};

const T0: i64 = 1_700_000_000_000;
const STEP: i64 = 15_000;

async fn open(path: &Path) -> MetricsStore {
    MetricsStore::open(path).await.unwrap()
}

fn cpu_key(host: &str) -> SeriesKey {
    SeriesKey::new(host, "cpu_percent").label("cpu", "total")
}

async fn append_series(store: &MetricsStore, id: SeriesId, samples: &[Sample]) {
    let batch: Vec<(SeriesId, Sample)> = samples.iter().map(|sample| (id, *sample)).collect();
    for part in batch.chunks(500) {
        store.append(part).await.unwrap();
    }
}

fn walk(count: usize, start: i64, seed: u64) -> Vec<Sample> {
    let mut rng = Lcg(seed);
    let mut value = 50.0;
    (0..count)
        .map(|i| {
            value = f64::clamp(value + rng.next_f64() * 4.0 - 2.0, 0.0, 100.0);
            Sample::new(start + i as i64 * STEP, (value * 100.0).round() / 100.0)
        })
        .collect()
}

#[tokio::test]
async fn samples_round_trip_across_chunks_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.db");
    let samples = walk(2_000, T0, 1);
    {
        let store = open(&path).await;
        let id = store.series_id(&cpu_key("h1")).await.unwrap();
        append_series(&store, id, &samples).await;
        // Before any flush, the open chunk is only in memory and must still be returned.
        assert_eq!(store.raw_range(id, i64::MIN, i64::MAX).await.unwrap(), samples);
        assert_eq!(store.latest(id).await.unwrap(), samples.last().copied());
        store.flush().await.unwrap();
        assert_eq!(store.raw_range(id, i64::MIN, i64::MAX).await.unwrap(), samples);
    }
    let store = open(&path).await;
    let id = store.find_series(&cpu_key("h1")).await.unwrap();
    assert_eq!(store.raw_range(id, i64::MIN, i64::MAX).await.unwrap(), samples);
    assert_eq!(store.latest(id).await.unwrap(), samples.last().copied());
    let inner = store
        .raw_range(id, samples[700].timestamp_ms, samples[1_300].timestamp_ms)
        .await
        .unwrap();
    assert_eq!(inner, samples[700..=1_300].to_vec());

    // Appending continues the open chunk read back from the file.
    let more = walk(100, samples.last().unwrap().timestamp_ms + STEP, 2);
    append_series(&store, id, &more).await;
    let all = store.raw_range(id, i64::MIN, i64::MAX).await.unwrap();
    assert_eq!(all.len(), 2_100);
    assert_eq!(all[2_000..], more[..]);
}

#[tokio::test]
async fn out_of_order_batch_rejected_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.db");
    let store = open(&path).await;
    let id = store.series_id(&cpu_key("h1")).await.unwrap();
    store
        .append(&[(id, Sample::new(T0, 1.0)), (id, Sample::new(T0 + STEP, 2.0))])
        .await
        .unwrap();

    let err = store
        .append(&[(id, Sample::new(T0 + 2 * STEP, 3.0)), (id, Sample::new(T0 + STEP, 4.0))])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::OutOfOrder { last_ms, timestamp_ms, .. } if last_ms == T0 + 2 * STEP && timestamp_ms == T0 + STEP),
        "{err}"
    );
    assert_eq!(err.code(), "metrics_out_of_order");
    assert!(err.to_string().contains("h1/cpu_percent"), "{err}");
    assert_eq!(store.raw_range(id, i64::MIN, i64::MAX).await.unwrap().len(), 2);

    let err = store.append(&[(id, Sample::new(T0 + STEP, 5.0))]).await.unwrap_err();
    assert!(matches!(err, Error::OutOfOrder { .. }), "{err}");

    // The last timestamp survives a restart.
    store.flush().await.unwrap();
    drop(store);
    let store = open(&path).await;
    let err = store.append(&[(id, Sample::new(T0, 6.0))]).await.unwrap_err();
    assert!(matches!(err, Error::OutOfOrder { .. }), "{err}");
    store.append(&[(id, Sample::new(T0 + 2 * STEP, 7.0))]).await.unwrap();
}

fn expected_buckets(samples: &[Sample], width: i64) -> Vec<Bucket> {
    let mut buckets: Vec<Bucket> = Vec::new();
    for sample in samples {
        let start = sample.timestamp_ms - sample.timestamp_ms.rem_euclid(width);
        match buckets.last_mut() {
            Some(bucket) if bucket.start_ms == start => {
                bucket.min = bucket.min.min(sample.value);
                bucket.max = bucket.max.max(sample.value);
                bucket.sum += sample.value;
                bucket.last = sample.value;
                bucket.count += 1;
            }
            _ => buckets.push(Bucket {
                start_ms: start,
                min: sample.value,
                max: sample.value,
                sum: sample.value,
                last: sample.value,
                count: 1,
            }),
        }
    }
    buckets
}

fn assert_buckets_match(expected: &[Bucket], actual: &[Bucket]) {
    assert_eq!(expected.len(), actual.len());
    for (want, got) in expected.iter().zip(actual) {
        assert_eq!(want.start_ms, got.start_ms);
        assert_eq!(want.min, got.min, "min at {}", want.start_ms);
        assert_eq!(want.max, got.max, "max at {}", want.start_ms);
        assert_eq!(want.last, got.last, "last at {}", want.start_ms);
        assert_eq!(want.count, got.count, "count at {}", want.start_ms);
        assert!(
            (want.sum - got.sum).abs() < 1e-9 * want.sum.abs().max(1.0),
            "sum at {}: {} vs {}",
            want.start_ms,
            want.sum,
            got.sum
        );
        assert!((want.avg() - got.avg()).abs() < 1e-9 * want.avg().abs().max(1.0));
    }
}

#[tokio::test]
async fn rollups_match_brute_force_across_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.db");
    // Three days with irregular steps, so buckets hold 1 to 8 samples.
    let mut rng = Lcg(7);
    let mut timestamp = T0 + 7_000;
    let mut samples = Vec::new();
    while timestamp < T0 + 3 * 86_400_000 {
        samples.push(Sample::new(timestamp, (rng.next_f64() * 1000.0).round() / 10.0));
        timestamp += 7_500 + (rng.next_u64() % 30_000) as i64;
    }
    let half = samples.len() / 2;
    {
        let store = open(&path).await;
        let id = store.series_id(&cpu_key("h1")).await.unwrap();
        append_series(&store, id, &samples[..half]).await;
        store.flush().await.unwrap();
    }
    let store = open(&path).await;
    let id = store.find_series(&cpu_key("h1")).await.unwrap();
    append_series(&store, id, &samples[half..]).await;

    for resolution in Resolution::ROLLUPS {
        let expected = expected_buckets(&samples, resolution.bucket_ms());
        let actual = store
            .rollup_range(id, resolution, i64::MIN / 2, i64::MAX / 2)
            .await
            .unwrap();
        assert_buckets_match(&expected, &actual);
    }
    store.flush().await.unwrap();
    let expected = expected_buckets(&samples, 60_000);
    let actual = store
        .rollup_range(id, Resolution::OneMinute, i64::MIN / 2, i64::MAX / 2)
        .await
        .unwrap();
    assert_buckets_match(&expected, &actual);

    // A sub-range returns the buckets overlapping it.
    let from = T0 + 86_400_000 + 30_000;
    let to = T0 + 86_400_000 + 600_000;
    let part = store.rollup_range(id, Resolution::OneMinute, from, to).await.unwrap();
    let expected_part: Vec<Bucket> = expected
        .into_iter()
        .filter(|b| b.start_ms + 60_000 > from && b.start_ms <= to)
        .collect();
    assert_buckets_match(&expected_part, &part);
    assert!(matches!(
        store.rollup_range(id, Resolution::Raw, 0, 1).await,
        Err(Error::InvalidArgument(_))
    ));
}

#[tokio::test]
async fn retention_deletes_old_chunks_per_host() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.db");
    let options = StoreOptions {
        persist_interval: Duration::ZERO,
        retention_batch: 3,
    };
    let store = MetricsStore::open_with(&path, options).await.unwrap();
    store
        .set_host_settings(
            "short",
            HostSettings {
                interval_ms: STEP,
                retention_ms: 86_400_000,
            },
        )
        .await
        .unwrap();
    assert_eq!(store.host_settings("long").await.unwrap(), HostSettings::default());
    let short = store.series_id(&cpu_key("short")).await.unwrap();
    let long = store.series_id(&cpu_key("long")).await.unwrap();
    let samples = walk(4 * 5_760, T0, 3);
    append_series(&store, short, &samples).await;
    append_series(&store, long, &samples).await;
    store.flush().await.unwrap();

    let now = samples.last().unwrap().timestamp_ms;
    let deleted = store.enforce_retention(now).await.unwrap();
    assert!(deleted > 3, "{deleted} chunks deleted");

    let cutoff = now - 86_400_000;
    let kept = store.raw_range(short, i64::MIN, i64::MAX).await.unwrap();
    // Retention removes whole chunks, so up to one chunk (2 h) before the cutoff remains.
    assert!(
        kept.first().unwrap().timestamp_ms >= cutoff - 2 * 3_600_000,
        "oldest kept {}",
        kept.first().unwrap().timestamp_ms
    );
    assert!(kept.first().unwrap().timestamp_ms <= cutoff);
    assert_eq!(kept.last(), samples.last());
    let rollups = store
        .rollup_range(short, Resolution::FifteenMinutes, i64::MIN / 2, i64::MAX / 2)
        .await
        .unwrap();
    assert!(rollups.first().unwrap().start_ms >= cutoff - 86_400_000);
    assert_eq!(store.raw_range(long, i64::MIN, i64::MAX).await.unwrap(), samples);

    // Nothing is older than the cutoff any more.
    assert_eq!(store.enforce_retention(now).await.unwrap(), 0);
    assert!(matches!(
        store
            .set_host_settings(
                "short",
                HostSettings {
                    interval_ms: 0,
                    retention_ms: 1
                }
            )
            .await,
        Err(Error::InvalidArgument(_))
    ));
}

#[tokio::test]
async fn retention_clears_stale_open_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("metrics.db")).await;
    let id = store.series_id(&cpu_key("h1")).await.unwrap();
    append_series(&store, id, &walk(10, T0, 4)).await;
    store.flush().await.unwrap();
    store.enforce_retention(T0 + 40 * 86_400_000).await.unwrap();
    store.flush().await.unwrap();
    assert!(store.raw_range(id, i64::MIN, i64::MAX).await.unwrap().is_empty());
    assert_eq!(store.latest(id).await.unwrap(), None);
}

#[tokio::test]
async fn gaps_returned_as_gaps_not_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("metrics.db")).await;
    let id = store.series_id(&cpu_key("h1")).await.unwrap();
    // One hour of data, a 10-minute outage, one more hour; one missed scrape stays a line.
    let mut samples = walk(240, T0, 5);
    samples.remove(100);
    let after_outage = walk(240, T0 + 240 * STEP + 600_000, 6);
    samples.extend(after_outage);
    append_series(&store, id, &samples).await;

    let result = store.range(id, T0, T0 + 3 * 3_600_000).await.unwrap();
    assert_eq!(result.resolution, Resolution::Raw);
    let gaps: Vec<_> = result.points.iter().filter(|p| p.is_gap()).collect();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(gaps[0].timestamp_ms > T0 + 239 * STEP);
    assert!(gaps[0].timestamp_ms < T0 + 240 * STEP + 600_000);
    assert_eq!(result.points.len(), samples.len() + 1);
    assert!(result.points.iter().all(|p| p.is_gap() || p.value.unwrap() > 0.0));

    // Long ranges use rollups and keep the same gap.
    let result = store.range(id, T0 - 86_400_000, T0 + 3 * 3_600_000).await.unwrap();
    assert_eq!(result.resolution, Resolution::OneMinute);
    assert_eq!(result.points.iter().filter(|p| p.is_gap()).count(), 1);
    assert!(result.points.iter().all(|p| p.is_gap() || p.value.unwrap() > 0.0));

    // NaN samples are stored as NaN but come back as gaps.
    let nan_id = store.series_id(&cpu_key("h2")).await.unwrap();
    store
        .append(&[
            (nan_id, Sample::new(T0, 1.0)),
            (nan_id, Sample::new(T0 + STEP, f64::NAN)),
            (nan_id, Sample::new(T0 + 2 * STEP, 3.0)),
        ])
        .await
        .unwrap();
    let result = store.range(nan_id, T0, T0 + 3 * STEP).await.unwrap();
    assert_eq!(
        result.points.iter().map(|p| p.value).collect::<Vec<_>>(),
        vec![Some(1.0), None, Some(3.0)]
    );
    assert!(store.raw_range(nan_id, T0, T0 + 3 * STEP).await.unwrap()[1]
        .value
        .is_nan());
}

#[tokio::test]
async fn gap_threshold_follows_host_interval() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("metrics.db")).await;
    store
        .set_host_settings(
            "slow",
            HostSettings {
                interval_ms: 60_000,
                retention_ms: 86_400_000,
            },
        )
        .await
        .unwrap();
    let id = store.series_id(&cpu_key("slow")).await.unwrap();
    let samples: Vec<Sample> = (0..30).map(|i| Sample::new(T0 + i * 60_000, 1.0 + i as f64)).collect();
    append_series(&store, id, &samples).await;
    let result = store.range(id, T0, T0 + 3_600_000).await.unwrap();
    assert!(
        result.points.iter().all(|p| !p.is_gap()),
        "60 s steps are no gap at a 60 s interval"
    );
}

#[tokio::test]
async fn unknown_series_and_bad_range() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("metrics.db")).await;
    let err = store.find_series(&cpu_key("nobody")).await.unwrap_err();
    assert!(matches!(err, Error::SeriesNotFound(_)), "{err}");
    let id = store.series_id(&cpu_key("h1")).await.unwrap();
    assert_eq!(store.series_id(&cpu_key("h1")).await.unwrap(), id);
    assert_ne!(store.series_id(&cpu_key("h1").label("cpu", "3")).await.unwrap(), id);
    assert!(matches!(
        store.raw_range(id, 10, 5).await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        store.append(&[(SeriesId(999), Sample::new(0, 1.0))]).await,
        Err(Error::SeriesNotFound(_))
    ));
}

#[tokio::test]
async fn database_uses_wal() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("metrics.db")).await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn random_series_property() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.db");
    let mut rng = Lcg(99);
    let mut expected: Vec<(SeriesKey, Vec<Sample>)> = Vec::new();
    {
        let store = MetricsStore::open_with(
            &path,
            StoreOptions {
                persist_interval: Duration::ZERO,
                ..StoreOptions::default()
            },
        )
        .await
        .unwrap();
        for index in 0..60 {
            let key = SeriesKey::new(format!("host{}", index % 4), "metric").label("n", index.to_string());
            let id = store.series_id(&key).await.unwrap();
            let length = (rng.next_u64() % 1_500) as usize;
            let mut timestamp = T0 + (rng.next_u64() % 1_000_000) as i64;
            let mut samples = Vec::with_capacity(length);
            for _ in 0..length {
                let value = match index % 4 {
                    0 => rng.next_f64() * 100.0,
                    1 => (rng.next_u64() % 1_000_000) as f64,
                    2 => f64::from_bits(rng.next_u64()),
                    _ => (rng.next_f64() * 1e4).round() / 100.0,
                };
                samples.push(Sample::new(timestamp, value));
                timestamp += 1 + (rng.next_u64() % 120_000) as i64;
            }
            // Appends in random batch sizes.
            let mut offset = 0;
            while offset < samples.len() {
                let take = 1 + (rng.next_u64() % 300) as usize;
                let end = (offset + take).min(samples.len());
                let batch: Vec<(SeriesId, Sample)> = samples[offset..end].iter().map(|s| (id, *s)).collect();
                store.append(&batch).await.unwrap();
                offset = end;
            }
            expected.push((key, samples));
        }
        store.flush().await.unwrap();
    }
    let store = open(&path).await;
    for (key, samples) in expected {
        let id = store.find_series(&key).await.unwrap();
        let stored = store.raw_range(id, i64::MIN, i64::MAX).await.unwrap();
        assert_eq!(stored.len(), samples.len(), "{key}");
        for (want, got) in samples.iter().zip(&stored) {
            assert_eq!(want.timestamp_ms, got.timestamp_ms, "{key}");
            assert_eq!(want.value.to_bits(), got.value.to_bits(), "{key}");
        }
    }
}

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

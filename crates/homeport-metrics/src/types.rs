//! The values the store takes and returns.

use std::collections::BTreeMap;
use std::fmt;

/// Default collection interval: 15 s.
pub const DEFAULT_INTERVAL_MS: i64 = 15_000;
/// Default retention: 30 days.
pub const DEFAULT_RETENTION_MS: i64 = 30 * 24 * 3_600_000;

/// Identity of a series: the host it comes from, the metric name and its labels (such as
/// `cpu`, `filesystem`, `interface` or `container`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey {
    pub host_id: String,
    pub metric: String,
    pub labels: BTreeMap<String, String>,
}

impl SeriesKey {
    /// Creates a key without labels.
    pub fn new(host_id: impl Into<String>, metric: impl Into<String>) -> Self {
        Self {
            host_id: host_id.into(),
            metric: metric.into(),
            labels: BTreeMap::new(),
        }
    }

    /// Adds or replaces one label.
    pub fn label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(name.into(), value.into());
        self
    }

    /// Returns the labels as a JSON object with sorted keys, the form stored in `series.labels`.
    pub(crate) fn labels_json(&self) -> String {
        serde_json::to_string(&self.labels).unwrap_or_else(|_| "{}".into())
    }
}

impl fmt::Display for SeriesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.host_id, self.metric)?;
        if !self.labels.is_empty() {
            let pairs: Vec<String> = self
                .labels
                .iter()
                .map(|(name, value)| format!("{name}={value:?}"))
                .collect();
            write!(f, "{{{}}}", pairs.join(","))?;
        }
        Ok(())
    }
}

/// Database id of a series, from [`crate::MetricsStore::series_id`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesId(pub i64);

/// One stored value. `timestamp_ms` is Unix time in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub timestamp_ms: i64,
    pub value: f64,
}

impl Sample {
    pub fn new(timestamp_ms: i64, value: f64) -> Self {
        Self { timestamp_ms, value }
    }
}

/// Per-host collection interval and retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostSettings {
    /// Expected time between samples; gaps are detected against it.
    pub interval_ms: i64,
    /// How long samples and rollups are kept.
    pub retention_ms: i64,
}

impl Default for HostSettings {
    fn default() -> Self {
        Self {
            interval_ms: DEFAULT_INTERVAL_MS,
            retention_ms: DEFAULT_RETENTION_MS,
        }
    }
}

/// The resolution of stored data: raw samples or one of the two rollups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolution {
    Raw,
    OneMinute,
    FifteenMinutes,
}

impl Resolution {
    /// The rollup resolutions, finest first.
    pub const ROLLUPS: [Resolution; 2] = [Resolution::OneMinute, Resolution::FifteenMinutes];

    /// Bucket width in milliseconds, 0 for raw samples (the value in `chunks.resolution_ms`).
    pub fn bucket_ms(self) -> i64 {
        match self {
            Resolution::Raw => 0,
            Resolution::OneMinute => 60_000,
            Resolution::FifteenMinutes => 900_000,
        }
    }

    /// Picks the resolution for a query range: raw up to 12 h (2,880 points at 15 s),
    /// 1-minute buckets up to 7 days (10,080 points), 15-minute buckets beyond.
    pub fn for_range(range_ms: i64) -> Resolution {
        const HOUR_MS: i64 = 3_600_000;
        if range_ms <= 12 * HOUR_MS {
            Resolution::Raw
        } else if range_ms <= 7 * 24 * HOUR_MS {
            Resolution::OneMinute
        } else {
            Resolution::FifteenMinutes
        }
    }
}

/// One rollup bucket: the samples with `start_ms ≤ timestamp < start_ms + width`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub start_ms: i64,
    pub min: f64,
    pub max: f64,
    /// Sum of the samples; the average is `sum / count`.
    pub sum: f64,
    /// The latest sample in the bucket.
    pub last: f64,
    pub count: u32,
}

impl Bucket {
    /// Average of the bucket's samples.
    pub fn avg(&self) -> f64 {
        self.sum / f64::from(self.count.max(1))
    }
}

/// One point of a query result. A point whose `value` is `None` is a gap: the series had no
/// data for more than two expected steps there, and a chart must break its line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub timestamp_ms: i64,
    /// The sample, or the bucket average for rollups.
    pub value: Option<f64>,
    /// The smallest value the point stands for (the sample itself for raw data).
    pub min: Option<f64>,
    /// The largest value the point stands for.
    pub max: Option<f64>,
}

impl Point {
    /// Creates a gap marker at `timestamp_ms`.
    pub fn gap(timestamp_ms: i64) -> Self {
        Self {
            timestamp_ms,
            value: None,
            min: None,
            max: None,
        }
    }

    pub fn is_gap(&self) -> bool {
        self.value.is_none()
    }
}

/// Result of [`crate::MetricsStore::range`]: points in time order with explicit gap markers.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeResult {
    pub resolution: Resolution,
    pub points: Vec<Point>,
}

//! In-memory open chunks: the samples and rollup buckets of each series that are not in a
//! sealed chunk yet. Writers change them under a short lock; readers copy what they need.

use std::collections::HashMap;
use std::sync::Arc;

use crate::codec::{self, encode_chunk};
use crate::error::Result;
use crate::types::{Bucket, Resolution, Sample, SeriesId};

/// A raw chunk is sealed at this many samples (2 h at the default 15 s interval).
pub(crate) const RAW_CHUNK_SAMPLES: usize = 480;
/// A raw chunk spans less than this, so a chunk never covers more than 2 h of time.
pub(crate) const RAW_CHUNK_SPAN_MS: i64 = 2 * 3_600_000;

/// Sealing limits for rollup chunks: buckets per chunk and time span (6 h of 1-minute
/// buckets, 24 h of 15-minute buckets).
pub(crate) fn rollup_chunk_limits(resolution: Resolution) -> (usize, i64) {
    match resolution {
        Resolution::OneMinute => (360, 6 * 3_600_000),
        _ => (96, 24 * 3_600_000),
    }
}

/// Maximum time span of one chunk at `resolution`, used to bound range scans.
pub(crate) fn max_chunk_span_ms(resolution: Resolution) -> i64 {
    match resolution {
        Resolution::Raw => RAW_CHUNK_SPAN_MS,
        other => rollup_chunk_limits(other).1,
    }
}

/// A chunk that is full and waits to be written. Readers include it until the write commits.
#[derive(Debug)]
pub(crate) struct SealedChunk {
    pub series: SeriesId,
    pub resolution: Resolution,
    pub data: ChunkData,
}

/// The contents of a chunk, decoded.
#[derive(Debug, Clone, Default)]
pub(crate) enum ChunkData {
    #[default]
    Empty,
    Raw(Vec<Sample>),
    Rollup(Vec<Accumulator>),
}

impl ChunkData {
    pub(crate) fn start_end(&self) -> Option<(i64, i64)> {
        match self {
            ChunkData::Empty => None,
            ChunkData::Raw(samples) => Some((samples.first()?.timestamp_ms, samples.last()?.timestamp_ms)),
            ChunkData::Rollup(buckets) => Some((buckets.first()?.bucket.start_ms, buckets.last()?.bucket.start_ms)),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            ChunkData::Empty => 0,
            ChunkData::Raw(samples) => samples.len(),
            ChunkData::Rollup(buckets) => buckets.len(),
        }
    }

    /// Encodes the chunk in the format of `codec`.
    pub(crate) fn encode(&self) -> Result<Vec<u8>> {
        match self {
            ChunkData::Empty => encode_chunk(&[], &[&[]]),
            ChunkData::Raw(samples) => {
                let timestamps: Vec<i64> = samples.iter().map(|sample| sample.timestamp_ms).collect();
                let values: Vec<f64> = samples.iter().map(|sample| sample.value).collect();
                encode_chunk(&timestamps, &[&values])
            }
            ChunkData::Rollup(buckets) => {
                let timestamps: Vec<i64> = buckets.iter().map(|acc| acc.bucket.start_ms).collect();
                let column =
                    |read: fn(&Bucket) -> f64| buckets.iter().map(|acc| read(&acc.bucket)).collect::<Vec<f64>>();
                let min = column(|bucket| bucket.min);
                let max = column(|bucket| bucket.max);
                let sum = column(|bucket| bucket.sum);
                let last = column(|bucket| bucket.last);
                let count = column(|bucket| f64::from(bucket.count));
                encode_chunk(&timestamps, &[&min, &max, &sum, &last, &count])
            }
        }
    }
}

/// Decodes a stored raw chunk.
pub(crate) fn decode_raw(bytes: &[u8]) -> Result<Vec<Sample>> {
    let (timestamps, columns) = codec::decode_chunk(bytes)?;
    let values = columns
        .into_iter()
        .next()
        .ok_or_else(|| crate::Error::CorruptChunk("raw chunk without a value column".into()))?;
    Ok(timestamps
        .into_iter()
        .zip(values)
        .map(|(timestamp_ms, value)| Sample { timestamp_ms, value })
        .collect())
}

/// Decodes a stored rollup chunk.
pub(crate) fn decode_rollup(bytes: &[u8]) -> Result<Vec<Bucket>> {
    let (timestamps, columns) = codec::decode_chunk(bytes)?;
    if columns.len() != 5 {
        return Err(crate::Error::CorruptChunk(format!(
            "rollup chunk with {} columns instead of 5",
            columns.len()
        )));
    }
    Ok(timestamps
        .iter()
        .enumerate()
        .map(|(index, &start_ms)| Bucket {
            start_ms,
            min: columns[0][index],
            max: columns[1][index],
            sum: columns[2][index],
            last: columns[3][index],
            count: columns[4][index] as u32,
        })
        .collect())
}

/// A bucket being filled. The sum is kept as an exact decimal integer while every sample is
/// a short decimal, so the stored sum compresses like the samples and the average is exact.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Accumulator {
    pub bucket: Bucket,
    /// Sum × 10^scale and the scale, while exact.
    exact_sum: Option<(i128, u32)>,
}

impl Accumulator {
    pub(crate) fn start(start_ms: i64, sample: Sample) -> Self {
        let bucket = Bucket {
            start_ms,
            min: sample.value,
            max: sample.value,
            sum: sample.value,
            last: sample.value,
            count: 1,
        };
        let exact_sum = codec::smallest_scale(sample.value).map(|(integer, scale)| (i128::from(integer), scale));
        Self { bucket, exact_sum }
    }

    /// Resumes a bucket read back from the database.
    pub(crate) fn resume(bucket: Bucket) -> Self {
        let exact_sum = codec::smallest_scale(bucket.sum).map(|(integer, scale)| (i128::from(integer), scale));
        Self { bucket, exact_sum }
    }

    pub(crate) fn add(&mut self, sample: Sample) {
        let value = sample.value;
        let bucket = &mut self.bucket;
        // `f64::min` ignores NaN, so a NaN sample does not erase the bucket's extremes.
        bucket.min = bucket.min.min(value);
        bucket.max = bucket.max.max(value);
        bucket.last = value;
        bucket.count += 1;
        self.exact_sum = match (self.exact_sum, codec::smallest_scale(value)) {
            (Some((sum, sum_scale)), Some((integer, scale))) if sum_scale.max(scale) <= codec::MAX_SCALE => {
                let common = sum_scale.max(scale);
                let widened_sum = sum * 10i128.pow(common - sum_scale);
                let widened_value = i128::from(integer) * 10i128.pow(common - scale);
                Some((widened_sum + widened_value, common))
            }
            _ => None,
        };
        bucket.sum = match self.exact_sum {
            Some((sum, scale)) if sum.unsigned_abs() <= 1u128 << 53 => sum as f64 / 10f64.powi(scale as i32),
            _ => {
                self.exact_sum = None;
                bucket.sum + value
            }
        };
    }
}

/// Open data of one series.
#[derive(Debug, Default)]
pub(crate) struct SeriesState {
    /// The series key as text, for error messages.
    pub name: String,
    pub host_id: String,
    pub last_timestamp_ms: Option<i64>,
    pub raw: Vec<Sample>,
    /// Open buckets per rollup, in [`Resolution::ROLLUPS`] order; the last one may still grow.
    pub rollups: [Vec<Accumulator>; 2],
    /// Whether the open data changed since it was last written.
    pub dirty: bool,
}

impl SeriesState {
    /// Appends a sample that is known to be in order, moving full chunks to `sealed`.
    pub(crate) fn push(&mut self, series: SeriesId, sample: Sample, sealed: &mut Vec<Arc<SealedChunk>>) {
        if let Some(first) = self.raw.first() {
            if self.raw.len() >= RAW_CHUNK_SAMPLES || sample.timestamp_ms - first.timestamp_ms >= RAW_CHUNK_SPAN_MS {
                let data = ChunkData::Raw(std::mem::take(&mut self.raw));
                sealed.push(Arc::new(SealedChunk {
                    series,
                    resolution: Resolution::Raw,
                    data,
                }));
            }
        }
        self.raw.push(sample);

        for (index, resolution) in Resolution::ROLLUPS.into_iter().enumerate() {
            let width = resolution.bucket_ms();
            let start_ms = sample.timestamp_ms - sample.timestamp_ms.rem_euclid(width);
            let buckets = &mut self.rollups[index];
            if let Some(current) = buckets.last_mut() {
                if current.bucket.start_ms == start_ms {
                    current.add(sample);
                    continue;
                }
            }
            let (max_buckets, max_span) = rollup_chunk_limits(resolution);
            if let Some(first) = buckets.first() {
                if buckets.len() >= max_buckets || start_ms - first.bucket.start_ms >= max_span {
                    let data = ChunkData::Rollup(std::mem::take(buckets));
                    sealed.push(Arc::new(SealedChunk {
                        series,
                        resolution,
                        data,
                    }));
                }
            }
            buckets.push(Accumulator::start(start_ms, sample));
        }
        self.last_timestamp_ms = Some(sample.timestamp_ms);
        self.dirty = true;
    }

    /// Returns the open chunk at `resolution`.
    pub(crate) fn open_chunk(&self, resolution: Resolution) -> ChunkData {
        match resolution {
            Resolution::Raw if self.raw.is_empty() => ChunkData::Empty,
            Resolution::Raw => ChunkData::Raw(self.raw.clone()),
            rollup => {
                let buckets = &self.rollups[rollup_index(rollup)];
                if buckets.is_empty() {
                    ChunkData::Empty
                } else {
                    ChunkData::Rollup(buckets.clone())
                }
            }
        }
    }
}

pub(crate) fn rollup_index(resolution: Resolution) -> usize {
    match resolution {
        Resolution::FifteenMinutes => 1,
        _ => 0,
    }
}

/// Everything writers keep in memory.
#[derive(Debug, Default)]
pub(crate) struct OpenState {
    pub series: HashMap<SeriesId, SeriesState>,
    /// Sealed chunks whose write has not committed yet.
    pub pending: Vec<Arc<SealedChunk>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accumulator_keeps_exact_decimal_sum() {
        let mut accumulator = Accumulator::start(0, Sample::new(0, 0.1));
        for index in 1..10 {
            accumulator.add(Sample::new(index, 0.1));
        }
        // Summing 0.1 ten times in f64 gives 0.9999999999999999.
        assert_eq!(accumulator.bucket.sum, 1.0);
        assert_eq!(accumulator.bucket.count, 10);
        assert_eq!(accumulator.bucket.avg(), 0.1);
    }

    #[test]
    fn accumulator_min_max_last() {
        let mut accumulator = Accumulator::start(0, Sample::new(0, 5.0));
        accumulator.add(Sample::new(1, -2.0));
        accumulator.add(Sample::new(2, 9.5));
        accumulator.add(Sample::new(3, 1.0 / 3.0));
        let bucket = accumulator.bucket;
        assert_eq!(bucket.min, -2.0);
        assert_eq!(bucket.max, 9.5);
        assert_eq!(bucket.last, 1.0 / 3.0);
        assert_eq!(bucket.count, 4);
        assert!((bucket.sum - (12.5 + 1.0 / 3.0)).abs() < 1e-12);
    }
}

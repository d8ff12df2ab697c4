//! Range and latest-value queries. Each query copies the matching open data from memory
//! first and then reads the database, so a chunk sealed and written in between is found in
//! one of the two. Chunks found in both are taken from memory.

use super::state::{decode_raw, decode_rollup, max_chunk_span_ms, rollup_index, ChunkData};
use super::MetricsStore;
use crate::error::{Error, Result};
use crate::types::{Bucket, Point, RangeResult, Resolution, Sample, SeriesId};

impl MetricsStore {
    /// Returns the stored samples of `series` with `from_ms ≤ timestamp ≤ to_ms`, in time order.
    pub async fn raw_range(&self, series: SeriesId, from_ms: i64, to_ms: i64) -> Result<Vec<Sample>> {
        check_range(from_ms, to_ms)?;
        let (memory, memory_starts) = self.memory_chunks(series, Resolution::Raw);
        let mut samples = Vec::new();
        for data in memory {
            if let ChunkData::Raw(chunk) = data {
                samples.extend(
                    chunk
                        .into_iter()
                        .filter(|s| s.timestamp_ms >= from_ms && s.timestamp_ms <= to_ms),
                );
            }
        }
        for (start_ms, data) in self.stored_chunks(series, Resolution::Raw, from_ms, to_ms).await? {
            if memory_starts.contains(&start_ms) {
                continue;
            }
            samples.extend(
                decode_raw(&data)?
                    .into_iter()
                    .filter(|s| s.timestamp_ms >= from_ms && s.timestamp_ms <= to_ms),
            );
        }
        samples.sort_by_key(|sample| sample.timestamp_ms);
        Ok(samples)
    }

    /// Returns the rollup buckets of `series` at `resolution` that overlap
    /// `from_ms..=to_ms`, in time order. The newest bucket may still be filling.
    pub async fn rollup_range(
        &self,
        series: SeriesId,
        resolution: Resolution,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Bucket>> {
        check_range(from_ms, to_ms)?;
        if resolution == Resolution::Raw {
            return Err(Error::InvalidArgument(
                "rollup_range needs a rollup resolution, not raw".into(),
            ));
        }
        let width = resolution.bucket_ms();
        let overlaps = |bucket: &Bucket| bucket.start_ms + width > from_ms && bucket.start_ms <= to_ms;
        let (memory, memory_starts) = self.memory_chunks(series, resolution);
        let mut buckets = Vec::new();
        for data in memory {
            if let ChunkData::Rollup(chunk) = data {
                buckets.extend(chunk.into_iter().map(|acc| acc.bucket).filter(overlaps));
            }
        }
        for (start_ms, data) in self.stored_chunks(series, resolution, from_ms - width, to_ms).await? {
            if memory_starts.contains(&start_ms) {
                continue;
            }
            buckets.extend(decode_rollup(&data)?.into_iter().filter(overlaps));
        }
        buckets.sort_by_key(|bucket| bucket.start_ms);
        Ok(buckets)
    }

    /// Returns the newest sample of `series`, or `None` when it has none.
    pub async fn latest(&self, series: SeriesId) -> Result<Option<Sample>> {
        {
            let open = self.open.lock().expect("open lock");
            if let Some(sample) = open.series.get(&series).and_then(|state| state.raw.last()) {
                return Ok(Some(*sample));
            }
        }
        let data: Option<Vec<u8>> = sqlx::query_scalar(
            "SELECT data FROM chunks WHERE series_id = ? AND resolution_ms = 0 ORDER BY start_ms DESC LIMIT 1",
        )
        .bind(series.0)
        .fetch_optional(&self.pool)
        .await?;
        match data {
            Some(data) => Ok(decode_raw(&data)?.last().copied()),
            None => Ok(None),
        }
    }

    /// Returns `series` over `from_ms..=to_ms` at the resolution [`Resolution::for_range`]
    /// picks, with a gap marker wherever more than two expected steps have no data. The
    /// expected step is the host's interval for raw data and the larger of the interval
    /// and the bucket width for rollups.
    pub async fn range(&self, series: SeriesId, from_ms: i64, to_ms: i64) -> Result<RangeResult> {
        check_range(from_ms, to_ms)?;
        let resolution = Resolution::for_range(to_ms - from_ms);
        let settings = self.host_settings(&self.series_host(series).await?).await?;
        let step_ms = settings.interval_ms.max(resolution.bucket_ms());
        let points: Vec<Point> = if resolution == Resolution::Raw {
            self.raw_range(series, from_ms, to_ms)
                .await?
                .into_iter()
                .map(|sample| Point {
                    timestamp_ms: sample.timestamp_ms,
                    value: Some(sample.value),
                    min: Some(sample.value),
                    max: Some(sample.value),
                })
                .collect()
        } else {
            self.rollup_range(series, resolution, from_ms, to_ms)
                .await?
                .into_iter()
                .map(|bucket| Point {
                    timestamp_ms: bucket.start_ms,
                    value: Some(bucket.avg()),
                    min: Some(bucket.min),
                    max: Some(bucket.max),
                })
                .collect()
        };
        Ok(RangeResult {
            resolution,
            points: insert_gaps(points, step_ms),
        })
    }

    /// Copies the pending and open chunks of `series` at `resolution`, with their starts.
    fn memory_chunks(&self, series: SeriesId, resolution: Resolution) -> (Vec<ChunkData>, Vec<i64>) {
        let open = self.open.lock().expect("open lock");
        let mut chunks: Vec<ChunkData> = open
            .pending
            .iter()
            .filter(|chunk| chunk.series == series && chunk.resolution == resolution)
            .map(|chunk| chunk.data.clone())
            .collect();
        if let Some(state) = open.series.get(&series) {
            let data = match resolution {
                Resolution::Raw => ChunkData::Raw(state.raw.clone()),
                rollup => ChunkData::Rollup(state.rollups[rollup_index(rollup)].clone()),
            };
            chunks.push(data);
        }
        let starts = chunks
            .iter()
            .filter_map(|data| data.start_end().map(|(start, _)| start))
            .collect();
        (chunks, starts)
    }

    /// Reads the stored chunks that may hold data in `from_ms..=to_ms`.
    async fn stored_chunks(
        &self,
        series: SeriesId,
        resolution: Resolution,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, Vec<u8>)>> {
        let earliest_start = from_ms.saturating_sub(max_chunk_span_ms(resolution));
        Ok(sqlx::query_as(
            "SELECT start_ms, data FROM chunks
             WHERE series_id = ? AND resolution_ms = ? AND start_ms BETWEEN ? AND ? AND end_ms >= ?
             ORDER BY start_ms",
        )
        .bind(series.0)
        .bind(resolution.bucket_ms())
        .bind(earliest_start)
        .bind(to_ms)
        .bind(from_ms)
        .fetch_all(&self.pool)
        .await?)
    }
}

fn check_range(from_ms: i64, to_ms: i64) -> Result<()> {
    if from_ms > to_ms {
        return Err(Error::InvalidArgument(format!(
            "range start {from_ms} ms is after its end {to_ms} ms"
        )));
    }
    Ok(())
}

/// Inserts a gap marker after each point that is followed by more than two steps without
/// data. Non-finite values also become gaps, so NaN never reaches a chart as a number.
pub(crate) fn insert_gaps(points: Vec<Point>, step_ms: i64) -> Vec<Point> {
    let mut result = Vec::with_capacity(points.len() + 8);
    let mut previous: Option<i64> = None;
    for point in points {
        if let Some(previous) = previous {
            if point.timestamp_ms - previous > 2 * step_ms {
                result.push(Point::gap(previous + step_ms));
            }
        }
        previous = Some(point.timestamp_ms);
        if point.value.is_some_and(f64::is_finite) {
            result.push(point);
        } else {
            result.push(Point::gap(point.timestamp_ms));
        }
    }
    result
}

//! Appending samples, writing chunks and enforcing retention.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use super::state::{decode_raw, decode_rollup, rollup_index, Accumulator, ChunkData, SealedChunk, SeriesState};
use super::MetricsStore;
use crate::error::{Error, Result};
use crate::types::{Resolution, Sample, SeriesId};

/// Upper bound on retention batches per host and call, so one call always ends; the next
/// call continues where it stopped.
const MAX_RETENTION_BATCHES: u32 = 10_000;

/// One chunk row to write.
struct ChunkRow {
    series: SeriesId,
    resolution: Resolution,
    start_ms: i64,
    end_ms: i64,
    count: usize,
    sealed: bool,
    data: Vec<u8>,
}

impl MetricsStore {
    /// Appends samples of one or more series. Within each series, timestamps must increase
    /// and follow the series' last stored sample. If one does not, nothing of the batch is
    /// stored and `OutOfOrder` names the first offending sample.
    pub async fn append(&self, samples: &[(SeriesId, Sample)]) -> Result<()> {
        let mut writer = self.writer.lock().await;
        self.load_missing_states(samples).await?;

        {
            let mut open = self.open.lock().expect("open lock");
            check_order(&open.series, samples)?;
            let mut sealed = Vec::new();
            for (series, sample) in samples {
                if let Some(state) = open.series.get_mut(series) {
                    state.push(*series, *sample, &mut sealed);
                }
            }
            open.pending.extend(sealed);
        }

        let persist_open = writer.last_persist.elapsed() >= self.options.persist_interval;
        self.write_pending(persist_open).await?;
        if persist_open {
            writer.last_persist = Instant::now();
        }
        Ok(())
    }

    /// Writes every sealed and open chunk, so the database contains all appended data.
    /// Call it before the process exits.
    pub async fn flush(&self) -> Result<()> {
        let mut writer = self.writer.lock().await;
        self.write_pending(true).await?;
        writer.last_persist = Instant::now();
        Ok(())
    }

    /// Writes the sealed chunks waiting in memory and, with `include_open`, the open chunks
    /// that changed. Sealed chunks stay visible to readers from memory until the commit,
    /// and stay queued when the write fails.
    async fn write_pending(&self, include_open: bool) -> Result<()> {
        let (pending, open_rows) = {
            let mut open = self.open.lock().expect("open lock");
            let pending = open.pending.clone();
            let open_rows = if include_open {
                collect_open_rows(&mut open.series)?
            } else {
                Vec::new()
            };
            (pending, open_rows)
        };
        if pending.is_empty() && open_rows.is_empty() {
            return Ok(());
        }

        let mut rows = Vec::with_capacity(pending.len() + open_rows.len());
        for chunk in &pending {
            if let Some(row) = sealed_row(chunk)? {
                rows.push(row);
            }
        }
        rows.extend(open_rows);

        if let Err(err) = self.write_rows(&rows).await {
            // The open chunks were marked written when they were collected. Marking them
            // changed again makes the next write or `flush` retry them; sealed chunks stay
            // pending anyway.
            let mut open = self.open.lock().expect("open lock");
            for row in rows.iter().filter(|row| !row.sealed) {
                if let Some(state) = open.series.get_mut(&row.series) {
                    state.dirty = true;
                }
            }
            tracing::warn!(error = %err, chunks = rows.len(), "writing metric chunks failed; they stay queued");
            return Err(err);
        }

        let mut open = self.open.lock().expect("open lock");
        open.pending
            .retain(|chunk| !pending.iter().any(|written| Arc::ptr_eq(chunk, written)));
        Ok(())
    }

    async fn write_rows(&self, rows: &[ChunkRow]) -> Result<()> {
        let mut transaction = self.pool.begin().await?;
        for row in rows {
            sqlx::query(
                "INSERT OR REPLACE INTO chunks (series_id, resolution_ms, start_ms, end_ms, sample_count, sealed, data)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(row.series.0)
            .bind(row.resolution.bucket_ms())
            .bind(row.start_ms)
            .bind(row.end_ms)
            .bind(row.count as i64)
            .bind(row.sealed)
            .bind(&row.data)
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// Reads the open chunks and last timestamp of series that are not in memory yet.
    async fn load_missing_states(&self, samples: &[(SeriesId, Sample)]) -> Result<()> {
        let mut missing: Vec<SeriesId> = {
            let open = self.open.lock().expect("open lock");
            samples
                .iter()
                .map(|(series, _)| *series)
                .filter(|series| !open.series.contains_key(series))
                .collect()
        };
        missing.sort_unstable();
        missing.dedup();
        for series in missing {
            let state = self.load_state(series).await?;
            self.open.lock().expect("open lock").series.insert(series, state);
        }
        Ok(())
    }

    async fn load_state(&self, series: SeriesId) -> Result<SeriesState> {
        let row: Option<(String, String, String)> =
            sqlx::query_as("SELECT host_id, metric, labels FROM series WHERE id = ?")
                .bind(series.0)
                .fetch_optional(&self.pool)
                .await?;
        let (host_id, metric, labels) = row.ok_or_else(|| Error::SeriesNotFound(format!("series id {}", series.0)))?;
        let mut state = SeriesState {
            name: format!("{host_id}/{metric}{labels}"),
            host_id,
            ..SeriesState::default()
        };

        state.last_timestamp_ms =
            sqlx::query_scalar("SELECT MAX(end_ms) FROM chunks WHERE series_id = ? AND resolution_ms = 0")
                .bind(series.0)
                .fetch_one(&self.pool)
                .await?;

        let open_rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT resolution_ms, data FROM chunks WHERE series_id = ? AND sealed = 0 ORDER BY start_ms",
        )
        .bind(series.0)
        .fetch_all(&self.pool)
        .await?;
        for (resolution_ms, data) in open_rows {
            if resolution_ms == 0 {
                state.raw = decode_raw(&data)?;
                continue;
            }
            let Some(resolution) = Resolution::ROLLUPS.into_iter().find(|r| r.bucket_ms() == resolution_ms) else {
                continue;
            };
            state.rollups[rollup_index(resolution)] =
                decode_rollup(&data)?.into_iter().map(Accumulator::resume).collect();
        }
        Ok(state)
    }

    /// Deletes chunks older than each host's retention, `retention_batch` chunks per
    /// transaction, so readers and writers wait at most one small batch. `now_ms` is the
    /// current Unix time in milliseconds. Returns the number of chunks deleted.
    pub async fn enforce_retention(&self, now_ms: i64) -> Result<u64> {
        let hosts: Vec<String> = sqlx::query_scalar("SELECT DISTINCT host_id FROM series")
            .fetch_all(&self.pool)
            .await?;
        let mut deleted = 0u64;
        for host in hosts {
            let settings = self.host_settings(&host).await?;
            let cutoff = now_ms.saturating_sub(settings.retention_ms);
            self.drop_expired_open_data(&host, cutoff).await;
            for batch in 0..MAX_RETENTION_BATCHES {
                let result = sqlx::query(
                    "DELETE FROM chunks WHERE rowid IN (
                         SELECT rowid FROM chunks
                         WHERE end_ms < ? AND series_id IN (SELECT id FROM series WHERE host_id = ?)
                         LIMIT ?)",
                )
                .bind(cutoff)
                .bind(&host)
                .bind(i64::from(self.options.retention_batch))
                .execute(&self.pool)
                .await?;
                deleted += result.rows_affected();
                if result.rows_affected() < u64::from(self.options.retention_batch) {
                    break;
                }
                if batch + 1 == MAX_RETENTION_BATCHES {
                    tracing::warn!(host_id = %host, deleted, "retention stopped after its batch limit; the next run continues");
                }
                tokio::task::yield_now().await;
            }
        }
        if deleted > 0 {
            tracing::info!(deleted, "expired metric chunks deleted");
        }
        Ok(deleted)
    }

    /// Clears open chunks of `host` whose newest data is older than `cutoff`, so a later
    /// write does not bring back data that retention deleted.
    async fn drop_expired_open_data(&self, host: &str, cutoff: i64) {
        let _writer = self.writer.lock().await;
        let mut open = self.open.lock().expect("open lock");
        for state in open.series.values_mut().filter(|state| state.host_id == host) {
            if state.raw.last().is_some_and(|sample| sample.timestamp_ms < cutoff) {
                state.raw.clear();
            }
            for (index, resolution) in Resolution::ROLLUPS.into_iter().enumerate() {
                let buckets = &mut state.rollups[index];
                if buckets
                    .last()
                    .is_some_and(|acc| acc.bucket.start_ms + resolution.bucket_ms() <= cutoff)
                {
                    buckets.clear();
                }
            }
        }
    }
}

/// Rejects the batch if any sample is not after the previous one of its series.
fn check_order(states: &HashMap<SeriesId, SeriesState>, samples: &[(SeriesId, Sample)]) -> Result<()> {
    let mut last: HashMap<SeriesId, i64> = HashMap::new();
    for (series, sample) in samples {
        let state = states
            .get(series)
            .ok_or_else(|| Error::SeriesNotFound(format!("series id {}", series.0)))?;
        let previous = last.get(series).copied().or(state.last_timestamp_ms);
        if let Some(previous) = previous {
            if sample.timestamp_ms <= previous {
                return Err(Error::OutOfOrder {
                    series: state.name.clone(),
                    last_ms: previous,
                    timestamp_ms: sample.timestamp_ms,
                });
            }
        }
        last.insert(*series, sample.timestamp_ms);
    }
    Ok(())
}

fn sealed_row(chunk: &SealedChunk) -> Result<Option<ChunkRow>> {
    chunk_row(chunk.series, chunk.resolution, &chunk.data, true)
}

fn chunk_row(series: SeriesId, resolution: Resolution, data: &ChunkData, sealed: bool) -> Result<Option<ChunkRow>> {
    let Some((start_ms, end_ms)) = data.start_end() else {
        return Ok(None);
    };
    Ok(Some(ChunkRow {
        series,
        resolution,
        start_ms,
        end_ms,
        count: data.len(),
        sealed,
        data: data.encode()?,
    }))
}

/// Encodes the open chunks of series that changed and marks them unchanged.
fn collect_open_rows(states: &mut HashMap<SeriesId, SeriesState>) -> Result<Vec<ChunkRow>> {
    let mut rows = Vec::new();
    for (series, state) in states.iter_mut().filter(|(_, state)| state.dirty) {
        for resolution in [Resolution::Raw, Resolution::OneMinute, Resolution::FifteenMinutes] {
            if let Some(row) = chunk_row(*series, resolution, &state.open_chunk(resolution), false)? {
                rows.push(row);
            }
        }
        state.dirty = false;
    }
    Ok(rows)
}

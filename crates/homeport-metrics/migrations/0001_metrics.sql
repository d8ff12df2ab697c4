-- Series and their samples, in a database file of their own so that metric writes never
-- hold the lock on the app's tables.

-- One row per (host, metric, labels). `labels` is a JSON object with sorted keys, so equal
-- label sets compare equal as text.
CREATE TABLE series (
    id      INTEGER PRIMARY KEY,
    host_id TEXT NOT NULL,
    metric  TEXT NOT NULL,
    labels  TEXT NOT NULL,
    UNIQUE (host_id, metric, labels)
);

-- Per-host collection interval and retention; hosts without a row use the defaults in code.
CREATE TABLE host_settings (
    host_id      TEXT PRIMARY KEY NOT NULL,
    interval_ms  INTEGER NOT NULL CHECK (interval_ms > 0),
    retention_ms INTEGER NOT NULL CHECK (retention_ms > 0)
);

-- Compressed chunks (see src/codec.rs). `resolution_ms` is 0 for raw samples (one value
-- column) and the bucket width for rollups (columns min, max, sum, last, count). `start_ms`
-- and `end_ms` are the first and last timestamp or bucket start in the chunk. A chunk with
-- `sealed` = 0 is the open chunk of its series, rewritten until it is full.
-- A rowid table, not WITHOUT ROWID: chunks are 0.3 to 2 KiB, and WITHOUT ROWID rows spill
-- to an overflow page past about 1 KiB, which made the benchmark's file 21% larger.
CREATE TABLE chunks (
    series_id     INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    resolution_ms INTEGER NOT NULL,
    start_ms      INTEGER NOT NULL,
    end_ms        INTEGER NOT NULL,
    sample_count  INTEGER NOT NULL,
    sealed        INTEGER NOT NULL,
    data          BLOB NOT NULL
);

CREATE UNIQUE INDEX chunks_by_series ON chunks (series_id, resolution_ms, start_ms);

-- Retention deletes by age.
CREATE INDEX chunks_by_end ON chunks (end_ms);

-- Backup plans, their runs with each run's stages, and restore drills. Repository passwords
-- and S3 keys are never stored here: they live in the OS keychain under `backup/<plan id>/...`.

CREATE TABLE backup_plans (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    -- The host the plan runs on; 'local' is this computer. Not a foreign key, because the local
    -- engine has no row in `hosts`; removing a host leaves its plans to be edited or removed.
    host_id     TEXT NOT NULL,
    -- The plan as JSON (items, repositories, schedule, retention, RPO, RTO, drill settings).
    definition  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- One row per backup, restore, drill or unlock, from start to end.
CREATE TABLE backup_runs (
    id            TEXT PRIMARY KEY NOT NULL,
    plan_id       TEXT NOT NULL REFERENCES backup_plans(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('backup', 'restore', 'drill', 'unlock', 'init')),
    -- What started it: the desktop's scheduler, a catch-up after the app was closed, or a person.
    trigger       TEXT NOT NULL CHECK (trigger IN ('manual', 'schedule', 'catchUp')),
    status        TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    -- The ErrorCode and English message of a failed run.
    error_code    TEXT,
    error_message TEXT,
    -- JSON array of the snapshot ids the run made, one per repository.
    snapshot_ids  TEXT NOT NULL DEFAULT '[]',
    files_total   INTEGER NOT NULL DEFAULT 0,
    bytes_total   INTEGER NOT NULL DEFAULT 0,
    -- JSON array of the PIDs restic ran with on the host, so a later run can tell its own
    -- stale locks (holder PID gone) from another process's.
    remote_pids   TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX backup_runs_plan ON backup_runs(plan_id, started_at);

-- The stages of a run in order: dump, backup, forget, check, copy, restore, verify, cleanup.
CREATE TABLE backup_stages (
    run_id      TEXT NOT NULL REFERENCES backup_runs(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    -- The repository the stage worked on; empty for stages on the host alone.
    repository  TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'skipped')),
    started_at  TEXT NOT NULL,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    exit_status INTEGER,
    -- The last lines of the stage's output (at most 200).
    output      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, position)
);

-- Restore drills: what was restored and checked, and the measured recovery time.
CREATE TABLE backup_drills (
    id                 TEXT PRIMARY KEY NOT NULL,
    plan_id            TEXT NOT NULL REFERENCES backup_plans(id) ON DELETE CASCADE,
    run_id             TEXT NOT NULL REFERENCES backup_runs(id) ON DELETE CASCADE,
    started_at         TEXT NOT NULL,
    passed             INTEGER NOT NULL CHECK (passed IN (0, 1)),
    snapshot_id        TEXT NOT NULL DEFAULT '',
    files_checked      INTEGER NOT NULL DEFAULT 0,
    bytes_checked      INTEGER NOT NULL DEFAULT 0,
    -- Restore plus verification, in milliseconds: the measured recovery time.
    duration_ms        INTEGER NOT NULL DEFAULT 0,
    rto_target_seconds INTEGER NOT NULL,
    -- Why it failed; empty when it passed.
    failure            TEXT NOT NULL DEFAULT '',
    -- JSON array of the checked files with their results.
    files              TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX backup_drills_plan ON backup_drills(plan_id, started_at);

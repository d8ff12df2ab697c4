-- Alerts and the flapping guard behind Homeport's own rules.
--
-- One row per alert episode: it opens when a rule goes down, merges repeats of the same event
-- (same source and fingerprint) by counting them, and closes when the rule comes back up. A
-- later failure opens a new row, so the history keeps every episode.
CREATE TABLE alerts (
    id              TEXT PRIMARY KEY NOT NULL,
    -- Where the alert came from: 'homeport' for built-in and user rules.
    source          TEXT NOT NULL,
    -- The rule and what it watched, such as `host_unreachable:<host id>`.
    fingerprint     TEXT NOT NULL,
    rule            TEXT NOT NULL,
    host_id         TEXT REFERENCES hosts(id) ON DELETE CASCADE,
    service         TEXT NOT NULL DEFAULT '',
    severity        TEXT NOT NULL CHECK (severity IN ('P0', 'P1', 'P2', 'P3')),
    state           TEXT NOT NULL CHECK (state IN ('firing', 'acknowledged', 'resolved')),
    -- Values the UI's translated message interpolates, as a JSON object of strings.
    params          TEXT NOT NULL DEFAULT '{}',
    -- How many times the same event was seen while the alert was open.
    count           INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    resolved_at     TEXT
);

-- At most one open alert per event: repeats update it instead of adding rows.
CREATE UNIQUE INDEX alerts_open_event ON alerts(source, fingerprint) WHERE state <> 'resolved';
CREATE INDEX alerts_host ON alerts(host_id, state);

-- Consecutive results of each watched event, so a rule goes down only after N failures in a
-- row and up only after M passes, however often the process restarts in between.
CREATE TABLE alert_guards (
    fingerprint     TEXT PRIMARY KEY NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0,
    passes          INTEGER NOT NULL DEFAULT 0,
    down            INTEGER NOT NULL DEFAULT 0,
    -- Unix seconds of the last notification, and re-notifications sent in this episode.
    notified_at     INTEGER,
    renotified      INTEGER NOT NULL DEFAULT 0
);

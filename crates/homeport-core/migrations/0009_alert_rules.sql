-- The rules engine and the inbox.
--
-- Rules are stored whole as JSON (`alerts::Rule`), because their shape differs by kind and the
-- engine always reads every rule at once. Built-in rules are written on first use from
-- assets/alerts/builtin.yaml and edited in place afterwards.
CREATE TABLE alert_rules (
    id              TEXT PRIMARY KEY NOT NULL,
    -- 'builtin' or 'prometheus-file'.
    source          TEXT NOT NULL,
    position        INTEGER NOT NULL DEFAULT 0,
    definition      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- The state of each (rule, series) instance that is pending, firing or counting failures.
-- Inactive instances have no row, so each evaluation reads and writes only a few.
CREATE TABLE alert_instances (
    fingerprint     TEXT PRIMARY KEY NOT NULL,
    host_id         TEXT NOT NULL,
    rule_id         TEXT NOT NULL,
    -- `alerts::InstanceState` as JSON.
    state           TEXT NOT NULL
);
CREATE INDEX alert_instances_host ON alert_instances(host_id);

-- Inbox actions: when someone acknowledged the alert, until when it is silenced (no
-- notifications before then, RFC 3339), and who resolved it ('rule' or 'user').
ALTER TABLE alerts ADD COLUMN acknowledged_at TEXT;
ALTER TABLE alerts ADD COLUMN silenced_until TEXT;
ALTER TABLE alerts ADD COLUMN resolved_by TEXT;

CREATE TABLE alert_comments (
    id              TEXT PRIMARY KEY NOT NULL,
    alert_id        TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    author          TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX alert_comments_alert ON alert_comments(alert_id, created_at);

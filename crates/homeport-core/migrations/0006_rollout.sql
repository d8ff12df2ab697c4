-- The rollout plan's hand-made ticks and the orchestrator chosen in the wizard.
--
-- Items are named by the ids in assets/rollout/checklist.yaml. A row whose item a later
-- checklist drops is ignored, not an error, so the checklist can change without a migration.
CREATE TABLE rollout_checks (
    item        TEXT PRIMARY KEY NOT NULL,
    checked     INTEGER NOT NULL CHECK (checked IN (0, 1)),
    -- RFC 3339, when the user last ticked or unticked the item.
    updated_at  TEXT NOT NULL
);

-- The wizard result the user saved, at most one row. The answers are kept so the wizard can
-- show them again; the platforms are the ones recommended when it was saved.
CREATE TABLE orchestrator_choice (
    id          INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    team        TEXT NOT NULL,
    workloads   TEXT NOT NULL,
    scale       TEXT NOT NULL,
    ops         TEXT NOT NULL,
    platform    TEXT NOT NULL,
    runner_up   TEXT NOT NULL,
    saved_at    TEXT NOT NULL
);

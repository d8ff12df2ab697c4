-- Scenarios the user saved in the cost calculator.
--
-- `scenario` is the scenario file's JSON text (format version 1, docs/cost.md), so a later
-- format can be read and converted in code without a schema change. Names are unique because
-- saving under an existing name replaces that scenario.
CREATE TABLE cost_scenarios (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    scenario    TEXT NOT NULL,
    -- RFC 3339.
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

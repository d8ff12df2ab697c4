-- A counter per host that every write of its alert instances raises. The app keeps the
-- instances in memory between evaluations and reads this one row to learn whether another
-- process (a CLI TLS check, say) changed them since.
CREATE TABLE alert_instance_generations (
    host_id         TEXT PRIMARY KEY NOT NULL,
    generation      INTEGER NOT NULL
);

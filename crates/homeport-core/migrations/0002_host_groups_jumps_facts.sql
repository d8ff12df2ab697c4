-- Jump hosts, groups and tags for the fleet view, where an imported host came from, and the
-- facts last read from each host.

-- The host whose SSH connection reaches this one (OpenSSH's ProxyJump). A chain is a host
-- whose jump host has a jump host of its own. A host another host jumps through cannot be
-- deleted: the service checks first, and the foreign key backs it.
ALTER TABLE hosts ADD COLUMN jump_host_id TEXT REFERENCES hosts(id);

-- One group per host (empty: none) and any number of tags, as a JSON array of strings.
ALTER TABLE hosts ADD COLUMN group_name TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';

-- Where the host was imported from, such as `ssh_config:nas`, so importing again updates the
-- same row instead of adding a second one. NULL for hosts entered by hand.
ALTER TABLE hosts ADD COLUMN source TEXT;
CREATE UNIQUE INDEX hosts_source ON hosts(source) WHERE source IS NOT NULL;

-- The facts of each host as one JSON document, with the time they were read.
CREATE TABLE host_facts (
    host_id TEXT PRIMARY KEY NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    facts   TEXT NOT NULL,
    read_at TEXT NOT NULL
);

-- Host keys marked `@revoked` in an imported known_hosts file. A connection presenting one
-- is rejected whatever else is trusted, as OpenSSH does.
CREATE TABLE revoked_host_keys (
    fingerprint TEXT PRIMARY KEY NOT NULL,
    algorithm   TEXT NOT NULL,
    source      TEXT NOT NULL,
    revoked_at  TEXT NOT NULL
);

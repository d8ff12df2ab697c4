-- Hosts that are Docker engines reached without SSH: a Unix socket on this machine, or a TCP
-- endpoint with or without TLS, as Docker contexts and DOCKER_HOST describe them.
--
-- SQLite cannot change a CHECK constraint in place, and the old ones forbid what such a host
-- stores (no SSH login, no port for a socket), so the table is rebuilt. sqlx runs every SQLite
-- migration inside a transaction, where `PRAGMA foreign_keys = OFF` has no effect, so dropping
-- the old table deletes the rows of host_facts through ON DELETE CASCADE. They are kept in a
-- temporary table and put back. The new table's self-reference names the new table, because
-- renaming it rewrites references to it, which makes that reference `hosts(id)` again.

CREATE TEMP TABLE host_facts_kept AS SELECT * FROM host_facts;

CREATE TABLE hosts_rebuilt (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL UNIQUE,
    -- 'ssh': reached over SSH, the engine through its socket there. 'socket': an engine socket
    -- on this machine. 'tcp': an engine's TCP endpoint, address and port below.
    kind          TEXT NOT NULL DEFAULT 'ssh' CHECK (kind IN ('ssh', 'socket', 'tcp')),
    address       TEXT NOT NULL,
    port          INTEGER NOT NULL CHECK (port BETWEEN 0 AND 65535),
    user          TEXT NOT NULL,
    auth          TEXT NOT NULL CHECK (auth IN ('key', 'agent', 'password', 'none')),
    key_path      TEXT,
    docker_socket TEXT NOT NULL,
    has_secret    INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    jump_host_id  TEXT REFERENCES hosts_rebuilt(id),
    group_name    TEXT NOT NULL DEFAULT '',
    tags          TEXT NOT NULL DEFAULT '[]',
    source        TEXT,
    -- TLS files of a 'tcp' host, by path: the files stay where the user keeps them, and the
    -- private key is never copied into this database. tls = 0 means plain HTTP.
    tls           INTEGER NOT NULL DEFAULT 0,
    tls_ca        TEXT,
    tls_cert      TEXT,
    tls_key       TEXT,
    CHECK (kind = 'ssh' OR (auth = 'none' AND jump_host_id IS NULL AND has_secret = 0)),
    CHECK (kind <> 'ssh' OR (auth <> 'none' AND port >= 1)),
    CHECK (kind = 'tcp' OR tls = 0)
);

INSERT INTO hosts_rebuilt (id, name, kind, address, port, user, auth, key_path, docker_socket, has_secret,
                           created_at, updated_at, jump_host_id, group_name, tags, source)
SELECT id, name, 'ssh', address, port, user, auth, key_path, docker_socket, has_secret,
       created_at, updated_at, jump_host_id, group_name, tags, source
FROM hosts;

DROP TABLE hosts;

ALTER TABLE hosts_rebuilt RENAME TO hosts;

CREATE UNIQUE INDEX hosts_source ON hosts(source) WHERE source IS NOT NULL;

INSERT INTO host_facts SELECT * FROM host_facts_kept;

DROP TABLE host_facts_kept;

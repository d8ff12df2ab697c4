-- Hosts the user manages, their trusted SSH host keys, and app settings.
-- Secrets are never stored here: `has_secret` only records that the OS keychain holds one.

CREATE TABLE hosts (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL UNIQUE,
    address       TEXT NOT NULL,
    port          INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    user          TEXT NOT NULL,
    auth          TEXT NOT NULL CHECK (auth IN ('key', 'agent', 'password')),
    key_path      TEXT,
    docker_socket TEXT NOT NULL,
    has_secret    INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- One trusted key per address and port, as OpenSSH's known_hosts keys entries by `[host]:port`.
CREATE TABLE known_host_keys (
    address     TEXT NOT NULL,
    port        INTEGER NOT NULL,
    algorithm   TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    trusted_at  TEXT NOT NULL,
    PRIMARY KEY (address, port)
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

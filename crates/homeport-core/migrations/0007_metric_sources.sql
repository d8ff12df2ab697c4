-- Where Homeport reads a host's metrics from besides its own collection: for now the user's
-- Prometheus. Only the address is kept: no user name, password or token.

CREATE TABLE metric_sources (
    host_id     TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    -- One source of each kind per host.
    kind        TEXT NOT NULL CHECK (kind IN ('prometheus')),
    -- The server's base URL, such as http://127.0.0.1:9090.
    url         TEXT NOT NULL,
    -- 1: the host's SSH connection opens the TCP connection, so the URL's host and port are
    -- resolved on the host. 0: this computer connects to the URL itself.
    through_ssh INTEGER NOT NULL CHECK (through_ssh IN (0, 1)),
    -- 'user': set in the host's settings. 'template': registered by a deploy of the
    -- monitoring template, and replaced by the next one.
    added_by    TEXT NOT NULL CHECK (added_by IN ('user', 'template')),
    added_at    TEXT NOT NULL,
    PRIMARY KEY (host_id, kind)
);

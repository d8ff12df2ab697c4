-- Notification channels, notices held during quiet hours, and TLS endpoints with their last
-- check. Secrets (tokens, webhook URLs that contain keys, SMTP passwords) are never stored
-- here: they live in the OS keychain under `notify/<channel id>/<field>`.

CREATE TABLE notify_channels (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('ntfy', 'gotify', 'webhook', 'smtp', 'telegram', 'dingtalk', 'wecom', 'feishu')),
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    -- The non-secret settings as JSON: server, topic, chat id, SMTP host and recipients.
    settings    TEXT NOT NULL,
    -- The secret fields that have a keychain entry, as a JSON array of names, so the UI can
    -- show "set" without reading the keychain.
    secrets_set TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL
);

-- Notices held during quiet hours, sent as one summary when they end.
CREATE TABLE notify_held (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    held_at     TEXT NOT NULL,
    -- The rendered message as JSON (title, body, severity, rule, host, value).
    message     TEXT NOT NULL
);

-- TLS endpoints the user asked Homeport to check.
CREATE TABLE tls_endpoints (
    id          TEXT PRIMARY KEY NOT NULL,
    -- Host name or address and port to connect to.
    address     TEXT NOT NULL,
    port        INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    -- The name sent as SNI and checked against the certificate; empty means `address`.
    server_name TEXT NOT NULL DEFAULT '',
    -- The Homeport host the endpoint belongs to, whose metrics get its series; NULL for none.
    host_id     TEXT REFERENCES hosts(id) ON DELETE SET NULL,
    -- A CA certificate (PEM) trusted for this endpoint besides the OS's, for private CAs.
    trusted_ca_pem TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (address, port, server_name)
);

-- The last check of each endpoint, as JSON, with its time.
CREATE TABLE tls_results (
    endpoint_id TEXT PRIMARY KEY NOT NULL REFERENCES tls_endpoints(id) ON DELETE CASCADE,
    checked_at  TEXT NOT NULL,
    report      TEXT NOT NULL
);

-- Alertmanager servers whose alerts join the inbox (source 'alertmanager') and whose silences
-- Homeport lists, creates and expires. One global server (host_id NULL) and one per host.
CREATE TABLE alertmanager_sources (
    id          TEXT PRIMARY KEY NOT NULL,
    -- The host it belongs to: its alerts get this host, and `through_ssh` uses its connection.
    host_id     TEXT REFERENCES hosts(id) ON DELETE CASCADE,
    -- The base URL, such as http://127.0.0.1:9093.
    url         TEXT NOT NULL,
    through_ssh INTEGER NOT NULL DEFAULT 0 CHECK (through_ssh IN (0, 1)),
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX alertmanager_sources_host ON alertmanager_sources(COALESCE(host_id, ''));

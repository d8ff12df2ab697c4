-- Template lists imported from other tools, shown in the Catalog beside the built-in
-- templates: Portainer App Templates files and CasaOS apps, read from a file, a folder or an
-- http(s) URL. Only what the source contains is kept: no value a user entered and no password.

CREATE TABLE template_sources (
    -- AUTOINCREMENT, so the id of a removed source is never given to a new one and a stale
    -- template id cannot name another source's template.
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL CHECK (kind IN ('portainer', 'casaos')),
    -- The absolute file or folder path, or the URL, as it is read again on refresh.
    location      TEXT NOT NULL UNIQUE,
    location_kind TEXT NOT NULL CHECK (location_kind IN ('file', 'url')),
    imported_at   TEXT NOT NULL,
    refreshed_at  TEXT NOT NULL
);

CREATE TABLE imported_templates (
    source_id     INTEGER NOT NULL REFERENCES template_sources(id) ON DELETE CASCADE,
    -- Unique within its source; the Catalog shows it as `<source_id>/<template_id>`.
    template_id   TEXT NOT NULL,
    -- The order of the templates in the source.
    position      INTEGER NOT NULL,
    -- The file or URL the template was read from: the source itself, or one app's Compose
    -- file in a CasaOS folder.
    origin        TEXT NOT NULL,
    -- The template as the source wrote it: a Portainer template's JSON object, or a CasaOS
    -- app's Compose file. It is parsed again on every read.
    raw           TEXT NOT NULL,
    PRIMARY KEY (source_id, template_id)
);

-- Feed sources and what de-duplicates their items.
CREATE TABLE sources (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL UNIQUE,
    region_code     TEXT NOT NULL REFERENCES regions (code),
    title           TEXT NOT NULL DEFAULT '',
    poll_seconds    INTEGER NOT NULL CHECK (poll_seconds > 0),
    enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    etag            TEXT,
    last_modified   TEXT,
    polls           INTEGER NOT NULL DEFAULT 0,   -- successful polls; the first stores silently
    last_polled_at  REAL,
    last_success_at REAL,
    last_error      TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,   -- consecutive
    next_poll_at    REAL NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);

ALTER TABLE items ADD COLUMN source_id INTEGER REFERENCES sources (id) ON DELETE SET NULL;
ALTER TABLE items ADD COLUMN guid TEXT;           -- the feed's id for the entry
ALTER TABLE items ADD COLUMN canonical_url TEXT;  -- link without tracking parameters
ALTER TABLE items ADD COLUMN title_key TEXT;      -- normalised title
ALTER TABLE items ADD COLUMN day TEXT;            -- local date of publication, YYYY-MM-DD

-- The same story is stored once: by guid within a source, by link anywhere, and by the same
-- normalised title in the same region on the same day.
CREATE UNIQUE INDEX items_by_source_guid ON items (source_id, guid)
    WHERE source_id IS NOT NULL AND guid IS NOT NULL;
CREATE UNIQUE INDEX items_by_link ON items (canonical_url) WHERE canonical_url IS NOT NULL;
CREATE UNIQUE INDEX items_by_title_day ON items (region_code, title_key, day)
    WHERE title_key IS NOT NULL AND day IS NOT NULL;

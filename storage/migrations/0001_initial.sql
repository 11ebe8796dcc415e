-- Regions, chats and items: what /latest and /region need.
CREATE TABLE regions (
    code    TEXT PRIMARY KEY,            -- ISO 3166-2:UA, or 'UA' for all Ukraine
    name_uk TEXT NOT NULL,
    name_en TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE chats (
    id         INTEGER PRIMARY KEY,      -- Telegram chat id
    type       TEXT NOT NULL CHECK (type IN ('private', 'group', 'supergroup', 'channel')),
    title      TEXT,
    language   TEXT,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,         -- unix seconds, UTC
    updated_at INTEGER NOT NULL
);

CREATE TABLE items (
    id           INTEGER PRIMARY KEY,
    region_code  TEXT NOT NULL REFERENCES regions (code),
    kind         TEXT NOT NULL DEFAULT 'news' CHECK (kind IN ('news', 'breaking', 'event')),
    title        TEXT NOT NULL CHECK (length(title) > 0),
    summary      TEXT NOT NULL DEFAULT '',
    url          TEXT,                   -- NULL when the source gave no link
    source_name  TEXT NOT NULL DEFAULT '',
    published_at INTEGER NOT NULL,       -- unix seconds, UTC
    created_at   INTEGER NOT NULL,
    retracted_at INTEGER                 -- hidden from readers once set
);

CREATE INDEX items_by_time ON items (published_at DESC, id DESC) WHERE retracted_at IS NULL;
CREATE INDEX items_by_region_time ON items (region_code, published_at DESC, id DESC)
    WHERE retracted_at IS NULL;

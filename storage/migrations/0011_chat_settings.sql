-- /settings: each chat's language, delivery mode, quiet hours and link previews; and bundles,
-- the messages that carry several items at once (the daily digest, the list after quiet hours).

CREATE TABLE chat_settings (
    chat_id         INTEGER PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    language        TEXT CHECK (language IN ('uk', 'en')),     -- NULL: the user's Telegram's
    digest_at       TEXT,                                      -- 'HH:MM' (Kyiv); NULL: instantly
    quiet_from      TEXT,                                      -- 'HH:MM'; NULL: no quiet hours
    quiet_to        TEXT,
    quiet_mode      TEXT NOT NULL DEFAULT 'hold' CHECK (quiet_mode IN ('hold', 'silent')),
    previews        INTEGER NOT NULL DEFAULT 0,
    last_digest_day TEXT,                                      -- 'YYYY-MM-DD' of the last digest
    updated_at      INTEGER NOT NULL
) WITHOUT ROWID;

-- One message of a bundle (a bundle longer than a message is split at item boundaries).
CREATE TABLE bundles (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('digest', 'morning')),
    day        TEXT NOT NULL,          -- the chat's local date it was made for
    part       INTEGER NOT NULL,
    parts      INTEGER NOT NULL,
    body_html  TEXT NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (chat_id, kind, day, part)
);

-- Deliveries gain two states and may carry a bundle instead of an item:
--   held:    an ordinary item for a chat in digest mode or in its quiet hours, kept for a bundle;
--   bundled: it went out inside a bundle (whose own delivery records the send).
-- SQLite cannot change a CHECK constraint in place: the table is built anew.
CREATE TABLE deliveries_new (
    id              INTEGER PRIMARY KEY,
    item_id         INTEGER REFERENCES items (id) ON DELETE CASCADE,
    bundle_id       INTEGER UNIQUE REFERENCES bundles (id) ON DELETE CASCADE,
    chat_id         INTEGER NOT NULL,
    priority        INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'cancelled',
                          'held', 'bundled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    message_id      INTEGER,
    error           TEXT,
    created_at      REAL NOT NULL,
    sent_at         REAL,
    revision        INTEGER NOT NULL DEFAULT 0,
    change          TEXT CHECK (change IN ('pending', 'deleted', 'replaced', 'gone', 'failed')),
    bundled_in      INTEGER REFERENCES bundles (id) ON DELETE SET NULL,
    UNIQUE (item_id, chat_id),
    CHECK ((item_id IS NULL) <> (bundle_id IS NULL))
);
INSERT INTO deliveries_new (id, item_id, chat_id, priority, status, attempts, next_attempt_at,
                            message_id, error, created_at, sent_at, revision, change)
SELECT id, item_id, chat_id, priority, status, attempts, next_attempt_at,
       message_id, error, created_at, sent_at, revision, change
FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_open ON deliveries (priority DESC, id)
    WHERE status IN ('pending', 'sending');
CREATE INDEX deliveries_by_chat ON deliveries (chat_id) WHERE status = 'pending';
CREATE INDEX deliveries_held ON deliveries (chat_id) WHERE status = 'held';

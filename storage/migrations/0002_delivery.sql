-- Subscriptions, the outbox of deliveries, and leases (one delivery worker per database).
CREATE TABLE subscriptions (
    chat_id     INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    region_code TEXT NOT NULL REFERENCES regions (code),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, region_code)
) WITHOUT ROWID;
CREATE INDEX subscriptions_by_region ON subscriptions (region_code, chat_id);

-- One row per (item, chat): created with the item in one transaction, then drained.
-- status: pending -> sending (claimed, request in flight) -> sent | failed | skipped | cancelled
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    item_id         INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    chat_id         INTEGER NOT NULL,
    priority        INTEGER NOT NULL DEFAULT 0,      -- 1 for breaking items: sent first
    status          TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,         -- unix seconds; retries wait until then
    message_id      INTEGER,                         -- Telegram's, once sent
    error           TEXT,                            -- the last error, or why it was skipped
    created_at      REAL NOT NULL,
    sent_at         REAL,
    UNIQUE (item_id, chat_id)
);
CREATE INDEX deliveries_open ON deliveries (priority DESC, id)
    WHERE status IN ('pending', 'sending');
CREATE INDEX deliveries_by_chat ON deliveries (chat_id) WHERE status = 'pending';

CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;

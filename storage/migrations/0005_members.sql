-- The network's members (organisations or people), their status history, and notes about the
-- network as a whole.
CREATE TABLE members (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    status      TEXT NOT NULL CHECK (status IN ('candidate', 'admitted', 'suspended', 'left')),
    since       TEXT,                       -- ISO date of the latest status change; NULL: unknown
    event_note  TEXT NOT NULL DEFAULT '',   -- where the latest change happened, in words
    event_id    INTEGER REFERENCES events (id) ON DELETE SET NULL,
    contact     TEXT NOT NULL DEFAULT '',   -- for coordinators and admins only
    notes       TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX members_by_region ON members (region_code, status);

-- Every status change (the first one too), with who made it.
CREATE TABLE member_history (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    since      TEXT,                        -- ISO date of the change; NULL: unknown
    event_note TEXT NOT NULL DEFAULT '',
    event_id   INTEGER REFERENCES events (id) ON DELETE SET NULL,
    reason     TEXT NOT NULL DEFAULT '',
    changed_by INTEGER NOT NULL,
    changed_at INTEGER NOT NULL
);
CREATE INDEX member_history_by_member ON member_history (member_id, id);

-- Facts about the network that no member row holds (e.g. what the source does not name).
CREATE TABLE network_notes (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

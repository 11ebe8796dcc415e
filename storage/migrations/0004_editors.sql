-- Roles, the audit log, persistent conversation state, editors' items, events and reminders.
CREATE TABLE roles (
    user_id     INTEGER NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('editor', 'coordinator')),
    region_code TEXT NOT NULL REFERENCES regions (code),   -- 'UA': all regions
    granted_by  INTEGER NOT NULL,
    granted_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, role, region_code)
) WITHOUT ROWID;

-- Every privileged action: who, what, when, which item.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    action  TEXT NOT NULL,
    item_id INTEGER,
    details TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_item ON audit_log (item_id) WHERE item_id IS NOT NULL;

-- aiogram FSM storage: a flow survives a restart of the bot.
CREATE TABLE fsm_states (
    key   TEXT PRIMARY KEY,
    state TEXT,
    data  TEXT NOT NULL DEFAULT '{}'
) WITHOUT ROWID;

ALTER TABLE items ADD COLUMN author_id INTEGER;   -- the editor, for pushed items and events
ALTER TABLE items ADD COLUMN updated_at INTEGER;  -- last correction
ALTER TABLE items ADD COLUMN body_html TEXT;      -- an editor's formatted text (Telegram HTML)

-- An announced event; its announcement is an item of kind 'event'.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL UNIQUE REFERENCES items (id) ON DELETE CASCADE,
    region_code TEXT NOT NULL REFERENCES regions (code),
    title       TEXT NOT NULL,
    starts_at   INTEGER NOT NULL,   -- unix seconds, UTC
    ends_at     INTEGER,            -- for ranges
    all_day     INTEGER NOT NULL DEFAULT 0,
    place       TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    cancelled   INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX events_upcoming ON events (starts_at) WHERE cancelled = 0;

CREATE TABLE reminders (
    id       INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    due_at   INTEGER NOT NULL,
    offset_s INTEGER NOT NULL,      -- seconds before the start
    sent_at  INTEGER,
    UNIQUE (event_id, offset_s)
);
CREATE INDEX reminders_due ON reminders (due_at) WHERE sent_at IS NULL;

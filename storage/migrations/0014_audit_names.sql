-- The audit log in each reader's language: an entry's facts (whose roles, which regions, which
-- member or source, what it was and became) as JSON, worded when /roles shows them.
ALTER TABLE audit_log ADD COLUMN data TEXT NOT NULL DEFAULT '{}';

-- The names of users the bot has seen in private chats (their Telegram first and last name),
-- so that the audit log and /roles say who did what, not only a number. Written when a name
-- is new or changed; /stop in the private chat forgets it.
CREATE TABLE people (
    user_id INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    seen_at INTEGER NOT NULL
);

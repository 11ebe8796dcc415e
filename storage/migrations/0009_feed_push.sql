-- What the last poll that stored new entries did with them, for /sources: how many it stored and
-- how many of those it pushed (the rest: a new source's backlog, a flood over FEED_PUSH_LIMIT,
-- or entries too old to push).
ALTER TABLE sources ADD COLUMN last_new INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN last_pushed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN last_new_at REAL;

-- Each poll asks for the newest entry stored from its source: none older is pushed.
CREATE INDEX items_by_source_published ON items (source_id, published_at)
    WHERE source_id IS NOT NULL;

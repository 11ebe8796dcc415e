-- Corrections and retractions reach every copy, those that were in flight included.
-- An item's revision goes up with each correction; each copy records the revision it shows.
ALTER TABLE items ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
-- What became of a sent copy after it was sent: NULL (nothing), 'pending' (being changed now,
-- by an editor's command or by the delivery worker, whichever claimed it first), 'deleted',
-- 'replaced' (by the retraction notice), 'gone' (deleted in the chat already), 'failed'.
ALTER TABLE deliveries ADD COLUMN change TEXT
    CHECK (change IN ('pending', 'deleted', 'replaced', 'gone', 'failed'));

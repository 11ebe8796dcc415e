-- Retracted means gone everywhere.
--
-- Readers (/latest, /region, /search, /events, reminders, digests, /stats) read items only
-- through `visible_items`, the one place that says what a reader may see. Editors and the
-- delivery worker read `items` itself: they must know an item was retracted.
CREATE VIEW visible_items AS SELECT * FROM items WHERE retracted_at IS NULL;

-- A reminder of an event is an item of its own; it names its event, so that retracting the
-- announcement retracts the reminders already published too (ItemsRepo.retract).
ALTER TABLE items ADD COLUMN event_id INTEGER REFERENCES events (id) ON DELETE SET NULL;
CREATE INDEX items_by_event ON items (event_id) WHERE event_id IS NOT NULL;

-- Reminders published before: their event is the one with the same title, region and editor,
-- announced last before the reminder went out.
UPDATE items
SET event_id = (
    SELECT e.id FROM events AS e
    WHERE e.title = items.title AND e.region_code = items.region_code
        AND e.created_by = items.author_id AND e.created_at <= items.created_at
    ORDER BY e.created_at DESC, e.id DESC
    LIMIT 1
)
WHERE kind = 'event' AND reminder = 1;

-- Reminders of announcements retracted before this migration go the same way, and their
-- copies not sent yet are not sent.
UPDATE items
SET retracted_at = (
    SELECT a.retracted_at FROM events AS e JOIN items AS a ON a.id = e.item_id
    WHERE e.id = items.event_id
)
WHERE retracted_at IS NULL AND event_id IN (
    SELECT e.id FROM events AS e JOIN items AS a ON a.id = e.item_id
    WHERE a.retracted_at IS NOT NULL
);
UPDATE deliveries SET status = 'cancelled', error = 'retracted'
WHERE status = 'pending' AND item_id IN (SELECT id FROM items WHERE retracted_at IS NOT NULL);

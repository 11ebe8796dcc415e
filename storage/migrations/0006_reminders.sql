-- A reminder of an event is an item marked as one; the word "Reminder" is added when it is
-- shown, in each reader's language. Reminders stored before had the Ukrainian word in their
-- title and text: it is taken out of them here.
ALTER TABLE items ADD COLUMN reminder INTEGER NOT NULL DEFAULT 0 CHECK (reminder IN (0, 1));

UPDATE items
SET reminder = 1,
    title = substr(title, length('Нагадування: ') + 1),
    body_html = replace(body_html, '🗓 ⏰ Нагадування: ', '🗓 ')
WHERE kind = 'event' AND title LIKE 'Нагадування: %' AND length(title) > length('Нагадування: ');

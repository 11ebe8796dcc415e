-- An event's cancellation is told to every chat that got its announcement, by an item of its
-- own (tied to the event, so that retracting the announcement retracts it too); "Cancelled"
-- is added in each reader's language, as "Reminder" is for reminders.
ALTER TABLE items ADD COLUMN cancellation INTEGER NOT NULL DEFAULT 0;

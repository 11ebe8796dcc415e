-- An editor's item may be a photo with its text as the caption: the photo's Telegram file id,
-- which every copy sends again (sendPhoto) and corrections leave as it is (editMessageCaption).
ALTER TABLE items ADD COLUMN photo TEXT;

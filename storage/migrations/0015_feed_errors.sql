-- Why a feed's last poll failed, in a word that /sources puts in each reader's language ('dns',
-- 'refused', 'timeout', 'http:404', 'not_feed', …); last_error keeps the technical text for
-- diagnosis. Failures recorded before get the kind their text tells.
ALTER TABLE sources ADD COLUMN error_kind TEXT;

UPDATE sources
SET error_kind = CASE
    WHEN last_error GLOB 'HTTP [0-9][0-9][0-9]*' THEN 'http:' || substr(last_error, 6, 3)
    WHEN last_error LIKE 'timed out%' THEN 'timeout'
    WHEN last_error LIKE 'address in a private network (%)'
        THEN 'private:' || substr(last_error, 31, length(last_error) - 31)
    WHEN last_error LIKE 'an HTML page%' THEN 'html_page'
    WHEN last_error LIKE 'not an RSS%' OR last_error LIKE 'empty response%'
        OR last_error LIKE 'the feed %' OR last_error LIKE 'no entry %' THEN 'not_feed'
    WHEN last_error LIKE 'ClientConnectorDNSError%' THEN 'dns'
    ELSE 'connection'
END
WHERE last_error IS NOT NULL;

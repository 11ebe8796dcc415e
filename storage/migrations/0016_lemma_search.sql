-- Search that understands Ukrainian (/search): the index holds lemmas, not folded text.
--
-- Each word of a title and a body stands in the index for every dictionary form it may be an
-- inflection of (доріг → дорога, Києві → кий, київ), folded (ї/і, й/и, є/е, ґ/г alike, no
-- apostrophes); see storage/lemmas.py. `search_terms` is that function, which the storage layer
-- registers on its connection (storage/db.py): these triggers, and so any write to items,
-- need it. A region column holds the item's region ("ua74") for /search Чернігів: …
--
-- Retracted items leave the index, so they are never found; a correction re-indexes its item.
-- The table keeps its text (not contentless): a row is deleted by its rowid alone.
DROP TRIGGER items_search_insert;
DROP TRIGGER items_search_delete;
DROP TRIGGER items_search_update;
DROP TABLE items_search;

CREATE VIRTUAL TABLE items_index USING fts5(
    title, body, region, tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO items_index (rowid, title, body, region)
SELECT id, search_terms(title), search_terms(summary), lower(replace(region_code, '-', ''))
FROM items WHERE retracted_at IS NULL;

-- The same for the newest 50,000 items. Ranking reads each query term's document count, which
-- FTS5 gets by reading the term's whole list of rows: 15-20 ms for a word in half of a million
-- items, and the database's one thread waits meanwhile. A word common enough for that is
-- found often enough among recent items, so /search ranks there first (storage.repositories).
CREATE VIRTUAL TABLE items_recent USING fts5(
    title, body, region, tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO items_recent (rowid, title, body, region)
SELECT rowid, title, body, region FROM items_index
WHERE rowid > (SELECT coalesce(max(id), 0) - 50000 FROM items);

CREATE TRIGGER items_index_insert AFTER INSERT ON items WHEN new.retracted_at IS NULL BEGIN
    INSERT INTO items_index (rowid, title, body, region)
    VALUES (new.id, search_terms(new.title), search_terms(new.summary),
            lower(replace(new.region_code, '-', '')));
    INSERT INTO items_recent (rowid, title, body, region)
    SELECT rowid, title, body, region FROM items_index WHERE rowid = new.id;
    DELETE FROM items_recent WHERE rowid <= new.id - 50000;
END;
CREATE TRIGGER items_index_update AFTER UPDATE OF title, summary, region_code, retracted_at
ON items BEGIN
    DELETE FROM items_index WHERE rowid = old.id;
    DELETE FROM items_recent WHERE rowid = old.id;
    INSERT INTO items_index (rowid, title, body, region)
    SELECT new.id, search_terms(new.title), search_terms(new.summary),
           lower(replace(new.region_code, '-', ''))
    WHERE new.retracted_at IS NULL;
    INSERT INTO items_recent (rowid, title, body, region)
    SELECT rowid, title, body, region FROM items_index
    WHERE rowid = new.id AND rowid > (SELECT max(id) FROM items) - 50000;
END;
CREATE TRIGGER items_index_delete AFTER DELETE ON items BEGIN
    DELETE FROM items_index WHERE rowid = old.id;
    DELETE FROM items_recent WHERE rowid = old.id;
END;

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

CREATE TRIGGER items_index_insert AFTER INSERT ON items WHEN new.retracted_at IS NULL BEGIN
    INSERT INTO items_index (rowid, title, body, region)
    VALUES (new.id, search_terms(new.title), search_terms(new.summary),
            lower(replace(new.region_code, '-', '')));
END;
CREATE TRIGGER items_index_update AFTER UPDATE OF title, summary, region_code, retracted_at
ON items BEGIN
    DELETE FROM items_index WHERE rowid = old.id;
    INSERT INTO items_index (rowid, title, body, region)
    SELECT new.id, search_terms(new.title), search_terms(new.summary),
           lower(replace(new.region_code, '-', ''))
    WHERE new.retracted_at IS NULL;
END;
CREATE TRIGGER items_index_delete AFTER DELETE ON items BEGIN
    DELETE FROM items_index WHERE rowid = old.id;
END;

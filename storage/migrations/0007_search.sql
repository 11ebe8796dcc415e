-- Full-text search over titles and summaries (/search). unicode61 folds the case of Cyrillic
-- and Latin letters (and Latin diacritics); Ukrainian word endings are handled by prefix
-- queries (storage/search.py).
CREATE VIRTUAL TABLE items_search USING fts5(
    title, summary, content = 'items', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO items_search (rowid, title, summary) SELECT id, title, summary FROM items;

CREATE TRIGGER items_search_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_search (rowid, title, summary) VALUES (new.id, new.title, new.summary);
END;
CREATE TRIGGER items_search_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_search (items_search, rowid, title, summary)
    VALUES ('delete', old.id, old.title, old.summary);
END;
CREATE TRIGGER items_search_update AFTER UPDATE OF title, summary ON items BEGIN
    INSERT INTO items_search (items_search, rowid, title, summary)
    VALUES ('delete', old.id, old.title, old.summary);
    INSERT INTO items_search (rowid, title, summary) VALUES (new.id, new.title, new.summary);
END;

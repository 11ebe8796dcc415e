-- Full-text search over titles and summaries (/search). The index holds a folded copy of the
-- text: ї/і, й/и, є/е and ґ/г alike and apostrophes dropped («пам’ять», «памʼять», "память"), the
-- way people type Ukrainian on any keyboard; unicode61 folds the case. storage/search.py folds
-- the query the same way, and handles word endings with prefix queries. The index is
-- contentless: results are joined to items by id.
CREATE VIRTUAL TABLE items_search USING fts5(
    title, summary, content = '', tokenize = 'unicode61'
);
INSERT INTO items_search (rowid, title, summary)
SELECT id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(title, 'ї', 'і'), 'Ї', 'І'), 'й', 'и'), 'Й', 'И'), 'є', 'е'), 'Є', 'Е'), 'ґ', 'г'), 'Ґ', 'Г'), '''', ''), '’', ''), 'ʼ', ''), replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(summary, 'ї', 'і'), 'Ї', 'І'), 'й', 'и'), 'Й', 'И'), 'є', 'е'), 'Є', 'Е'), 'ґ', 'г'), 'Ґ', 'Г'), '''', ''), '’', ''), 'ʼ', '') FROM items;

CREATE TRIGGER items_search_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_search (rowid, title, summary)
    VALUES (new.id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(new.title, 'ї', 'і'), 'Ї', 'І'), 'й', 'и'), 'Й', 'И'), 'є', 'е'), 'Є', 'Е'), 'ґ', 'г'), 'Ґ', 'Г'), '''', ''), '’', ''), 'ʼ', ''), replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(new.summary, 'ї', 'і'), 'Ї', 'І'), 'й', 'и'), 'Й', 'И'), 'є', 'е'), 'Є', 'Е'), 'ґ', 'г'), 'Ґ', 'Г'), '''', ''), '’', ''), 'ʼ', ''));
END;
CREATE TRIGGER items_search_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_search (items_search, rowid, title, summary)
    VALUES ('delete', old.id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(old.title, 'ї', 'і'), 'Ї', 'І'), 'й', 'и'), 'Й', 'И'), 'є', 'е'), 'Є', 'Е'), 'ґ', 'г'), 'Ґ', 'Г'), '''', ''), '’', ''), 'ʼ', ''), replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(old.summary, 'ї', 'і'), 'Ї', 'І'), 'й', 'и'), 'Й', 'И'), 'є', 'е'), 'Є', 'Е'), 'ґ', 'г'), 'Ґ', 'Г'), '''', ''), '’', ''), 'ʼ', ''));
END;
CREATE TRIGGER items_search_update AFTER UPDATE OF title, summary ON items BEGIN
    INSERT INTO items_search (items_search, rowid, title, summary)
    VALUES ('delete', old.id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(old.title, 'ї', 'і'), 'Ї', 'І'), 'й', 'и'), 'Й', 'И'), 'є', 'е'), 'Є', 'Е'), 'ґ', 'г'), 'Ґ', 'Г'), '''', ''), '’', ''), 'ʼ', ''), replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(old.summary, 'ї', 'і'), 'Ї', 'І'), 'й', 'и'), 'Й', 'И'), 'є', 'е'), 'Є', 'Е'), 'ґ', 'г'), 'Ґ', 'Г'), '''', ''), '’', ''), 'ʼ', ''));
    INSERT INTO items_search (rowid, title, summary)
    VALUES (new.id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(new.title, 'ї', 'і'), 'Ї', 'І'), 'й', 'и'), 'Й', 'И'), 'є', 'е'), 'Є', 'Е'), 'ґ', 'г'), 'Ґ', 'Г'), '''', ''), '’', ''), 'ʼ', ''), replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(new.summary, 'ї', 'і'), 'Ї', 'І'), 'й', 'и'), 'Й', 'И'), 'є', 'е'), 'Є', 'Е'), 'ґ', 'г'), 'Ґ', 'Г'), '''', ''), '’', ''), 'ʼ', ''));
END;

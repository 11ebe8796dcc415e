"""/search's query: every word in any form, never FTS5 syntax; and what the index finds."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from storage.db import Database, load_migrations
from storage.models import NewItem
from storage.repositories import Storage
from storage.search import MAX_WORDS, search_expression

MOMENT = datetime(2025, 11, 12, 10, 0, tzinfo=UTC)


async def test_apostrophes_and_swapped_letters_do_not_matter(store: Storage) -> None:
    [item_id] = await store.items.add_many(
        [NewItem("UA-74", "Пам’ять про з'їзд: ґанок є", MOMENT)]
    )
    for query in ("пам'ять", "памʼять", "память", "зїзд", "з’їзд", "ганок", "ґанок"):
        assert [item.id for item in await store.items.search(query)] == [item_id], query


def test_words_lose_their_endings_and_become_prefixes() -> None:
    assert search_expression("Податки") == '"подат"*'
    assert search_expression("ніжин офіс") == '"ніжи"* "офіс"*'
    assert search_expression("  ,  ") is None
    assert search_expression("а 5 в") == '"5"*'  # one letter says nothing; a digit may
    assert search_expression('"; DROP TABLE items; --') == '"drop"* "tabl"* "item"*'
    assert search_expression("рада рада рада") == '"рада"*'


@given(st.text(max_size=200))
def test_any_text_is_a_valid_query(text: str) -> None:
    expression = search_expression(text)
    if expression is None:
        return
    assert len(expression.split()) <= MAX_WORDS
    with sqlite3.connect(":memory:") as connection:
        connection.execute(
            "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')"
        )
        connection.execute("INSERT INTO t VALUES ('Чернігівська громада')")
        connection.execute("SELECT * FROM t WHERE t MATCH ?", (expression,)).fetchall()


async def test_search_follows_new_corrected_and_retracted_items(store: Storage) -> None:
    ids = await store.items.add_many(
        [
            NewItem("UA-74", "Податкові надходження зросли", MOMENT, summary="Звіт ОДА"),
            NewItem("UA-46", "Сплачено податків на 3 млрд", MOMENT + timedelta(hours=1)),
            NewItem("UA-46", "Ярмарок у неділю", MOMENT, summary="Їжа, музика й майстер-класи"),
        ]
    )
    titles = [item.title for item in await store.items.search("податки")]
    assert titles == ["Сплачено податків на 3 млрд", "Податкові надходження зросли"]
    # Case does not matter, nor ї/і, й/и, є/е, ґ/г or apostrophes; the summary counts.
    assert [i.id for i in await store.items.search("ЇЖА майстер")] == [ids[2]]
    assert [i.id for i in await store.items.search("іжа музика и")] == [ids[2]]
    assert [i.id for i in await store.items.search("майстеркласи")] == []  # a hyphen splits
    assert await store.items.search("податки ярмарок") == []
    # A correction is found by its new words, no longer by the old ones.
    assert await store.editorial.correct(
        ids[2], "Ярмарок перенесено", "<b>Ярмарок перенесено</b>", 1
    )
    assert [i.id for i in await store.items.search("перенесено")] == [ids[2]]
    assert [i.id for i in await store.items.search("неділю")] == []
    # Retracted items are not found.
    assert await store.items.retract(ids[1])
    assert [i.id for i in await store.items.search("податки")] == [ids[0]]


async def test_items_stored_before_the_index_are_found(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "old.db", migrate=False)
    try:
        await db.migrate(load_migrations()[:6])
        await db.execute(
            "INSERT INTO regions (code, name_uk, name_en) VALUES ('UA-74', 'Чернігівщина', 'x')"
        )
        await db.execute(
            "INSERT INTO items (region_code, title, published_at, created_at) "
            "VALUES ('UA-74', 'Брифінг в ОВА', 0, 0)"
        )
        await db.migrate()
        assert [item.title for item in await Storage(db).items.search("брифінгу")] == [
            "Брифінг в ОВА"
        ]
    finally:
        await db.close()

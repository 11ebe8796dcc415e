"""/search: every word in any of its forms, never FTS5 syntax; what the index finds, and how
it ranks it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.search import parse_search, query_groups
from storage.db import Database, load_migrations
from storage.models import NewItem
from storage.repositories import SEARCH_CHUNK, Storage
from storage.search import MAX_WORDS, match_expression, text_groups, ts_query
from tests.client import BotClient

MOMENT = datetime(2025, 11, 12, 10, 0, tzinfo=UTC)


async def test_apostrophes_and_swapped_letters_do_not_matter(store: Storage) -> None:
    [item_id] = await store.items.add_many(
        [NewItem("UA-74", "Пам’ять про з'їзд: ґанок є", MOMENT)]
    )
    for query in ("пам'ять", "памʼять", "память", "зїзд", "з’їзд", "ганок", "ґанок"):
        assert [item.id for item in await store.items.search(query)] == [item_id], query


def test_words_become_their_lemmas_and_nothing_typed_is_syntax() -> None:
    assert text_groups("Податків") == [frozenset({"податок", "податків"})]
    assert text_groups("доріг") == [frozenset({"дорога", "доріг"})]
    assert frozenset({"чернігів", "чернігові"}) == text_groups("Чернігові")[0]
    assert "киів" in text_groups("Києві")[0]  # pymorphy's first guess is «кий»; «київ» is there
    assert text_groups("  ,  ") == []
    assert text_groups("а 5 в") == [frozenset({"5"})]  # one letter says nothing; a digit may
    assert len(text_groups("рада рада Рада")) == 1
    expression = match_expression(text_groups('"; DROP TABLE items; --'))
    assert expression is not None and '"drop"' in expression and ";" not in expression
    assert match_expression([]) is None
    assert match_expression([frozenset({"рада"})], "UA-74") == (
        'region : "ua74" AND {title body} : ("рада")'
    )
    two = [frozenset({"податок", "податків"}), frozenset({"рада"})]
    assert match_expression(two) == '{title body} : (("податків" OR "податок") AND "рада")'
    three = [frozenset({"а1", "б1", "в1"})]
    assert match_expression(three) == '{title body} : (("а1" OR "б1" OR "в1"))'
    # A word with nothing to look for is passed over, and the rest still counts.
    assert match_expression([frozenset({"!"}), frozenset({"рада"})]) == '{title body} : ("рада")'
    many = "один два три чотири п'ять шість сім вісім дев'ять десять"
    assert len(text_groups(many)) == MAX_WORDS


def test_postgresql_gets_the_same_query_and_nothing_typed_is_syntax() -> None:
    """PostgreSQL's `to_tsquery` reads the same groups: every word (&), any of its terms (|)."""
    assert ts_query(text_groups("Податків")) == "(податків | податок)"
    assert ts_query(text_groups("податків рада")) == "(податків | податок) & (рад | рада | радии)"
    assert ts_query([frozenset({"рада"}), frozenset({"рада"})]) == "рада"  # the same group once
    # A group with nothing to look for is passed over, and the rest still counts.
    assert ts_query([frozenset({"!"}), frozenset({"рада"})]) == "рада"
    assert ts_query([frozenset({"рада", "&"})]) == "рада"
    assert ts_query([]) is None
    assert ts_query([frozenset({"|"})]) is None
    groups = [frozenset({f"слово{n}"}) for n in range(MAX_WORDS + 3)]
    assert ts_query(groups) == " & ".join(f"слово{n}" for n in range(MAX_WORDS))
    injected = ts_query(text_groups("'; DROP TABLE items; -- ) | !"))
    assert injected is not None and "drop" in injected
    assert not set(injected) & set(";'-!:*")


def test_place_names_match_the_regions_other_names() -> None:
    [kyiv] = query_groups(parse_search("Kyiv"))
    assert "киів" in kyiv  # Latin finds Cyrillic
    [chernihiv] = query_groups(parse_search("Чернігові"))
    assert {"чернігів", "чернігівщина"} <= chernihiv
    assert not {"чернівці", "чернівеччина"} & chernihiv  # never Chernivtsi
    # A town is not its oblast: «Ніжин» finds Nizhyn, not all of Chernihiv oblast's news.
    [nizhyn] = query_groups(parse_search("Ніжин"))
    assert "ніжин" in nizhyn and "чернігівщина" not in nizhyn
    filtered = parse_search("Чернігів: податки")
    assert filtered.region is not None and filtered.region.code == "UA-74"
    assert filtered.words == ("податки",)
    # A colon after anything but a region is punctuation.
    plain = parse_search("Увага: податки")
    assert plain.region is None and plain.words == ("увага", "податки")


async def test_ye_and_e_are_one_letter_either_way(store: Storage) -> None:
    """README: "є/е do not matter", in the query and in the item alike."""
    europe, energy = await store.items.add_many(
        [
            NewItem("UA-74", "Європейський тиждень місцевої демократії", MOMENT),
            NewItem("UA-46", "Енергетичний марафон у громадах", MOMENT),
        ]
    )
    for query, found in (
        ("европейський", europe),
        ("ЄВРОПЕЙСЬКИЙ тиждень", europe),
        ("єнергетичний", energy),
        ("Енергетичний", energy),
    ):
        assert [item.id for item in await store.items.search(query)] == [found], query


@given(st.text(max_size=200))
def test_any_text_is_a_valid_query(text: str) -> None:
    groups = text_groups(text)
    assert len(groups) <= MAX_WORDS
    expression = match_expression(groups, "UA-74")
    if expression is None:
        assert not groups
        return
    with sqlite3.connect(":memory:") as connection:
        connection.execute(
            "CREATE VIRTUAL TABLE t USING fts5(title, body, region, "
            "tokenize = 'unicode61 remove_diacritics 0')"
        )
        connection.execute("INSERT INTO t VALUES ('чернігівськии громада', '', 'ua74')")
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


async def test_relevance_ranks_first_then_recency(store: Storage) -> None:
    now = MOMENT.timestamp()
    ids = await store.items.add_many(
        [
            NewItem("UA-74", "Засідання сесії", MOMENT, summary="Ішлося й про ремонт доріг"),
            NewItem("UA-74", "Ремонт доріг у громаді", MOMENT - timedelta(hours=3)),
            NewItem("UA-46", "Ремонт доріг у громаді", MOMENT - timedelta(hours=2)),
            NewItem("UA-46", "Ремонт доріг у громаді", MOMENT - timedelta(days=90)),
        ]
    )
    items, total = await store.items.search_page("дорога ремонт", now=now)
    # Of equal matches the newer first; in a title beats in a body, but a season-old match
    # needs more than that.
    assert [item.id for item in items] == [ids[2], ids[1], ids[0], ids[3]]
    assert total == 4
    page, total = await store.items.search_page("дорога ремонт", 2, offset=2, now=now)
    assert [item.id for item in page] == [ids[0], ids[3]] and total == 4
    past, total = await store.items.search_page("дорога ремонт", 2, offset=10, now=now)
    assert past == [] and total == 4
    # Narrowed to a region.
    lviv = await store.items.search("ремонт", region_code="UA-46")
    assert {item.id for item in lviv} == {ids[2], ids[3]}


async def test_the_words_people_type_find_the_forms_headlines_use(store: Storage) -> None:
    ids = await store.items.add_many(
        [
            NewItem("UA-30", "Ремонт доріг у Києві", MOMENT),
            NewItem("UA-74", "Чернігів приймає конференцію", MOMENT),
            NewItem("UA-18", "На Житомирщині сплатили більше податків", MOMENT),
            NewItem("UA-46", "Рада Львова ухвалила бюджет", MOMENT),
        ]
    )

    async def found(text: str) -> list[int]:
        return [item.id for item in await store.items.search(query_groups(parse_search(text)))]

    assert await found("Київ дорога") == [ids[0]]
    assert await found("Kyiv ремонт") == [ids[0]]
    assert await found("Чернігові") == [ids[1]]
    assert await found("Житомирщина податок") == [ids[2]]
    assert await found("Львів бюджет") == [ids[3]]
    assert await found("Чернівці") == []


async def test_a_reader_finds_news_by_the_words_they_would_say(
    client: BotClient, store: Storage
) -> None:
    ids = await store.items.add_many(
        [
            NewItem("UA-30", "Ремонт доріг у Києві", MOMENT),
            NewItem("UA-74", "Чернігів приймає конференцію з е-демократії", MOMENT),
            NewItem("UA-74", "Податкові надходження Чернігівщини зросли", MOMENT),
            NewItem("UA-18", "На Житомирщині сплатили більше податків", MOMENT),
        ]
    )
    [kyiv] = await client.send("/search Київ дорога")
    assert "Ремонт доріг у Києві" in kyiv.plain_text
    [chernihiv] = await client.send("/search Чернігові")
    assert "Чернігів приймає конференцію" in chernihiv.plain_text
    [taxes] = await client.send("/search податки")
    assert "Чернігівщини" in taxes.plain_text and "Житомирщині" in taxes.plain_text
    [narrowed] = await client.send("/search Чернігів: податки")
    assert "Чернігівщини" in narrowed.plain_text and "Житомирщині" not in narrowed.plain_text
    # A retracted item is found no more.
    assert await store.items.retract(ids[0])
    [gone] = await client.send("/search Київ дорога")
    assert "Нічого не знайдено" in gone.plain_text


@pytest.mark.sqlite_only  # SQLite's two FTS5 tables (migration 0016)
async def test_common_words_rank_among_the_newest_items_and_stay_in_step(
    store: Storage,
) -> None:
    # More matches than one ranking statement takes (SEARCH_CHUNK), and than RECENT_ENOUGH.
    count = SEARCH_CHUNK + 120
    ids = await store.items.add_many(
        [
            NewItem("UA-74", f"Громада №{n} ремонтує дороги", MOMENT + timedelta(minutes=n))
            for n in range(count)
        ]
    )

    async def rows(table: str) -> int:
        row = await store.db.fetchone(f"SELECT count(*) FROM {table}")
        return int(row[0]) if row else -1

    assert await rows("items_recent") == await rows("items_index") == count
    newest_first = ids[::-1]
    items, total = await store.items.search_page("дорога громада", now=MOMENT.timestamp())
    assert total == count and [item.id for item in items] == newest_first[:10]
    last, total = await store.items.search_page(
        "дорога громада", 10, offset=count - 5, now=MOMENT.timestamp()
    )
    assert [item.id for item in last] == newest_first[-5:]
    assert await store.items.retract(ids[-1])
    assert await store.editorial.correct(ids[-2], "Свято в парку", "<b>Свято в парку</b>", 1)
    assert await rows("items_recent") == await rows("items_index") == count - 1
    items, total = await store.items.search_page("дорога громада", now=MOMENT.timestamp())
    assert total == count - 2 and [item.id for item in items] == newest_first[2:12]
    assert [item.id for item in await store.items.search("свято парк")] == [ids[-2]]


async def test_words_the_dictionaries_cannot_read_are_stored_and_found(store: Storage) -> None:
    # pymorphy3 raises on characters without a Unicode name; the title is stored all the same.
    [item_id] = await store.items.add_many([NewItem("UA-74", "Знак 0𗀀 у назві", MOMENT)])
    assert [item.id for item in await store.items.search("0𗀀")] == [item_id]
    assert [item.id for item in await store.items.search("знак")] == [item_id]

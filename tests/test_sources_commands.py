"""Admins manage feed sources in the chat: /addsource, /sources, /delsource."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.repositories import Storage
from tests.client import ADMIN_ID, BotClient
from tests.feed_server import Feed, FeedServer, rss


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    yield server
    await server.stop()


async def test_an_admin_adds_lists_and_removes_a_source(
    client: BotClient, feeds: FeedServer, store: Storage
) -> None:
    admin = client.as_user(ADMIN_ID)
    items = [(f"g{n}", f"Новина {n}", f"https://ova.example/{n}") for n in range(7)]
    feeds.feeds["/rss"] = Feed(rss("Чернігівська ОВА", items))
    [added] = await admin.send(f"/addsource {feeds.url('/rss')}?utm_source=tg Чернігівщина")
    assert "«Чернігівська ОВА»" in added.plain_text
    assert "7" in added.plain_text
    [source] = await store.sources.all()
    assert source.url == feeds.url("/rss") and source.region_code == "UA-74"
    assert len(await store.items.latest(20)) == 7

    feeds.feeds["/down"] = Feed(b"", status=500)
    [failing] = await admin.send(f"/addsource {feeds.url('/down')} Львів")
    assert "HTTP 500" in failing.plain_text

    [listing] = await admin.send("/sources")
    assert "№1 Чернігівська ОВА · Чернігівщина" in listing.plain_text
    assert "HTTP 500" in listing.plain_text and "Львівщина" in listing.plain_text

    [removed] = await admin.send("/delsource 2")
    assert "№2" in removed.plain_text
    assert [s.id for s in await store.sources.all()] == [1]
    [missing] = await admin.send("/delsource 99")
    assert "№99" in missing.plain_text


async def test_wrong_arguments_get_clear_answers(client: BotClient) -> None:
    admin = client.as_user(ADMIN_ID)
    [usage] = await admin.send("/addsource")
    assert "/addsource" in usage.plain_text and "https://" in usage.plain_text
    [not_url] = await admin.send("/addsource javascript:alert(1) Київ")
    assert "http(s)" in not_url.plain_text
    [no_region] = await admin.send("/addsource https://x.example/rss Атлантида")
    assert "Атлантида" in no_region.plain_text
    [bad_id] = await admin.send("/delsource abc")
    assert "/sources" in bad_id.plain_text
    [empty] = await admin.send("/sources")
    assert "/addsource" in empty.plain_text


async def test_citizens_cannot_manage_sources(client: BotClient, store: Storage) -> None:
    for command in ("/sources", "/addsource https://x.example/rss Київ", "/delsource 1"):
        [answer] = await client.send(command)
        assert answer.plain_text == "Ця команда вам недоступна."
    assert await store.sources.all() == []

"""Feed ingestion against a local feed server: polling, health, de-duplication and push."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sources_file import load_sources, read_sources_file
from infra.settings import Settings, SettingsError
from jobs.ingest import FeedClient, IngestConfig, PollReport, poll_due_sources, poll_source
from storage.models import ChatType, Source
from storage.repositories import Storage
from tests.feed_server import Feed, FeedServer, rss

# The feed server listens on 127.0.0.1: private addresses allowed (test_feed_addresses.py
# tests refusing them).
CONFIG = IngestConfig(timeout=1.0, max_bytes=2 * 1024 * 1024, max_redirects=3, allow_private=True)


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client() -> AsyncIterator[FeedClient]:
    feed_client = FeedClient(CONFIG)
    yield feed_client
    await feed_client.close()


async def add(store: Storage, url: str, region: str = "UA-74") -> Source:
    source, _new = await store.sources.upsert(url, region, 300)
    return source


async def poll(
    store: Storage, client: FeedClient, settings: Settings, source_id: int
) -> PollReport:
    source = await store.sources.get(source_id)
    assert source is not None
    return await poll_source(
        source, http=client.http(), store=store, config=CONFIG, tz=settings.tz
    )


async def subscriber(store: Storage, chat_id: int, region: str) -> None:
    await store.chats.upsert(chat_id, ChatType.PRIVATE, None, "uk")
    await store.subscriptions.add(chat_id, [region])


async def delivered_to(store: Storage) -> dict[str, set[int]]:
    rows = await store.db.fetchall(
        "SELECT items.title, deliveries.chat_id FROM deliveries JOIN items ON items.id = item_id"
    )
    result: dict[str, set[int]] = {}
    for title, chat_id in rows:
        result.setdefault(title, set()).add(chat_id)
    return result


async def test_first_poll_is_silent_then_only_new_items_are_pushed(
    feeds: FeedServer, client: FeedClient, store: Storage, settings: Settings
) -> None:
    await subscriber(store, 1, "UA-74")  # Chernihiv
    await subscriber(store, 2, "UA-46")  # Lviv
    await subscriber(store, 3, "UA")  # all Ukraine
    old = [(f"g{n}", f"Стара новина {n}", f"https://ova.example/{n}") for n in range(50)]
    feeds.feeds["/rss"] = Feed(rss("Чернігівська ОВА", old))
    source = await add(store, feeds.url("/rss"))
    first = await poll(store, client, settings, source.id)
    assert first.ok and first.entries == 50 and first.new == 50 and first.pushed == 0
    assert await delivered_to(store) == {}
    assert len(await store.items.latest(20)) == 20  # /latest shows them

    fresh = [("new1", "Свіжа новина", "https://ova.example/new1", datetime.now(UTC)), *old]
    feeds.feeds["/rss"] = Feed(rss("Чернігівська ОВА", fresh))
    second = await poll(store, client, settings, source.id)
    assert second.new == 1 and second.pushed == 1
    assert await delivered_to(store) == {"Свіжа новина": {1, 3}}  # not Lviv's subscriber
    [latest] = await store.items.latest(1)
    assert latest.title == "Свіжа новина" and latest.source_name == "Чернігівська ОВА"


async def test_etag_and_last_modified_make_a_second_poll_cost_nothing(
    feeds: FeedServer, client: FeedClient, store: Storage, settings: Settings
) -> None:
    items = [("a", "Новина А", "https://ova.example/a")]
    feeds.feeds["/etag"] = Feed(rss("З ETag", items), etag='"v1"')
    feeds.feeds["/lm"] = Feed(rss("З датою", items), last_modified="Wed, 12 Nov 2025 13:28:00 GMT")
    for path in ("/etag", "/lm"):
        source = await add(store, feeds.url(path))
        await poll(store, client, settings, source.id)
        report = await poll(store, client, settings, source.id)
        assert report.ok and report.not_modified
        assert feeds.conditional[path] == 1
        polled = await store.sources.get(source.id)
        assert polled is not None and polled.polls == 2 and polled.failures == 0


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/broken", "HTTP 500"),
        ("/slow", "timed out"),
        ("/loop", "too many redirects"),
        ("/huge", "too large"),
        ("/page", "not an RSS or Atom feed"),
        ("/missing", "HTTP 404"),
    ],
)
async def test_a_failing_feed_backs_off_and_shows_its_error(
    feeds: FeedServer,
    client: FeedClient,
    store: Storage,
    settings: Settings,
    path: str,
    error: str,
) -> None:
    feeds.feeds["/broken"] = Feed(b"", status=500)
    feeds.feeds["/page"] = Feed(
        "<html><body><h1>Новини</h1><p>Сторінка, а не стрічка</p></body></html>".encode(),
        content_type="text/html; charset=utf-8",
    )
    source = await add(store, feeds.url(path))
    before = time.time()
    report = await poll(store, client, settings, source.id)
    assert not report.ok and report.error is not None and error in report.error
    failed = await store.sources.get(source.id)
    assert failed is not None
    assert failed.failures == 1 and failed.last_error is not None and error in failed.last_error
    assert failed.next_poll_at >= before + 300
    await poll(store, client, settings, source.id)
    again = await store.sources.get(source.id)
    assert again is not None and again.failures == 2
    assert again.next_poll_at >= before + 600  # doubled


async def test_backoff_is_capped_at_an_hour(
    feeds: FeedServer, client: FeedClient, store: Storage, settings: Settings
) -> None:
    feeds.feeds["/down"] = Feed(b"", status=503)
    source = await add(store, feeds.url("/down"))
    for _ in range(6):
        await poll(store, client, settings, source.id)
    down = await store.sources.get(source.id)
    assert down is not None and down.failures == 6
    assert down.next_poll_at <= time.time() + 3600 + 1


async def test_the_same_story_from_two_feeds_is_stored_once(
    feeds: FeedServer, client: FeedClient, store: Storage, settings: Settings
) -> None:
    await subscriber(store, 5, "UA-74")
    story = "Відкрили третій офіс «Зроблено в Україні»"
    feeds.feeds["/one"] = Feed(rss("ОВА", [("x1", "Перша", "https://one.example/1")]))
    feeds.feeds["/two"] = Feed(rss("Газета", [("y1", "Інша", "https://two.example/1")]))
    one, two = await add(store, feeds.url("/one")), await add(store, feeds.url("/two"))
    await poll(store, client, settings, one.id)
    await poll(store, client, settings, two.id)
    # The same link (with tracking) in one feed, the same title in the other.
    now = datetime.now(UTC)
    feeds.feeds["/one"] = Feed(
        rss("ОВА", [("x2", story, "https://news.example/office?utm_source=rss", now)])
    )
    feeds.feeds["/two"] = Feed(
        rss(
            "Газета",
            [
                ("y2", story.upper(), "https://two.example/office", now),
                ("y3", "Зовсім інша", "https://news.example/office"),
            ],
        )
    )
    # One after the other, so that which copy is first is fixed: the first feed's.
    first = await poll(store, client, settings, one.id)
    second = await poll(store, client, settings, two.id)
    assert (first.new, second.new) == (1, 0)
    assert await delivered_to(store) == {story: {5}}
    # The scheduler's job polls due sources together; nothing new is stored again.
    await store.db.execute("UPDATE sources SET next_poll_at = 0")
    stats = await poll_due_sources(http=client.http(), store=store, config=CONFIG, tz=settings.tz)
    assert stats.new == 0 and len(stats.reports) == 2
    # Polling again stores nothing new: the guids are known.
    assert (await poll(store, client, settings, one.id)).new == 0


async def test_bozo_feed_keeps_what_parsed(
    feeds: FeedServer, client: FeedClient, store: Storage, settings: Settings
) -> None:
    body = rss("ОВА", [("a", "Ціла новина", "https://ova.example/a")])
    truncated = body.replace(b"</channel></rss>", "<item><title>Обірва".encode())
    feeds.feeds["/cut"] = Feed(truncated)
    source = await add(store, feeds.url("/cut"))
    report = await poll(store, client, settings, source.id)
    assert report.ok and report.new == 1 and report.warning


async def test_polls_identify_themselves(
    feeds: FeedServer, client: FeedClient, store: Storage, settings: Settings
) -> None:
    feeds.feeds["/ua"] = Feed(rss("ОВА", []))
    source = await add(store, feeds.url("/ua"))
    await poll(store, client, settings, source.id)
    assert feeds.user_agents[-1].startswith("VisnykBot/")


async def test_sources_file_loads_idempotently(tmp_path: Path, store: Storage) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[source]]\nurl = "https://ova.example/rss?utm_medium=x"\nregion = "Чернігів"\n'
        '[[source]]\nurl = "https://lviv.example/feed"\nregion = "UA-46"\ninterval = 900\n',
        encoding="utf-8",
    )
    specs = read_sources_file(path, 300)
    assert [(s.url, s.region_code, s.poll_seconds) for s in specs] == [
        ("https://ova.example/rss", "UA-74", 300),
        ("https://lviv.example/feed", "UA-46", 900),
    ]
    assert await load_sources(store, specs) == 2
    assert await load_sources(store, specs) == 0
    assert len(await store.sources.all()) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[[source]]\nurl = "ftp://x"\nregion = "Київ"\n', "'url' must be an http(s) address"),
        ('[[source]]\nurl = "https://x.example"\nregion = "Атлантида"\n', "unknown region"),
        ('[[source]]\nurl = "https://x.example"\nregion = "Київ"\ninterval = 5\n', "interval"),
        ("[[source]\n", "SOURCES_FILE"),
    ],
)
def test_a_malformed_sources_file_is_one_clear_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError) as error:
        read_sources_file(path, 300)
    assert str(error.value).startswith("SOURCES_FILE:") and message in str(error.value)

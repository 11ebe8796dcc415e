"""Feeds cannot flood readers: of a poll's new entries a few are sent, the newest first, and
nothing old; the rest is stored (searchable, in /latest) without sending. End to end: the feed
server, the scheduler's job, the delivery worker and the Bot API sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from infra.settings import Settings
from jobs.delivery import DeliveryLimits, DeliveryWorker
from jobs.ingest import FeedClient, IngestConfig, IngestStats, poll_due_sources
from sandbox import BotAPISandbox
from storage.repositories import Storage
from tests.client import ADMIN_ID, BotClient
from tests.feed_server import Feed, FeedServer, rss
from tests.test_delivery import delivering, subscribe

# The defaults of FEED_PUSH_LIMIT (5) and FEED_PUSH_MAX_AGE_HOURS (48); the feed server is on
# 127.0.0.1.
CONFIG = IngestConfig(timeout=10.0, allow_private=True)
# Quick, but with room between two messages to one chat, so their order is the worker's.
LIMITS = DeliveryLimits(overall_per_second=1000, chat_interval=0.3, backoff_base=0.05)
SUBSCRIBERS = (71, 72, 73)


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def feed_client() -> AsyncIterator[FeedClient]:
    client = FeedClient(CONFIG)
    yield client
    await client.close()


async def poll_due(
    store: Storage, client: FeedClient, settings: Settings, worker: DeliveryWorker
) -> IngestStats:
    """The scheduler's job, with every source due."""
    await store.db.execute("UPDATE sources SET next_poll_at = 0")
    return await poll_due_sources(
        http=client.http(), store=store, config=CONFIG, tz=settings.tz, on_published=worker.wake
    )


def headlines(sandbox: BotAPISandbox, chat_id: int) -> list[str]:
    return [message.plain_text.splitlines()[0] for message in sandbox.sent(chat_id)]


async def test_a_feed_that_jumps_to_2000_new_entries_sends_each_reader_its_5_newest(
    client: BotClient,
    sandbox: BotAPISandbox,
    settings: Settings,
    store: Storage,
    feeds: FeedServer,
    feed_client: FeedClient,
) -> None:
    now = datetime.now(UTC)
    for chat_id in SUBSCRIBERS:
        await subscribe(store, chat_id, "UA-74")
    start = ("start", "Початкова новина", "https://ova.example/start", now - timedelta(hours=1))
    feeds.feeds["/rss"] = Feed(rss("Чернігівська ОВА", [start]))
    await store.sources.upsert(feeds.url("/rss"), "UA-74", 300)
    # 2,000 new entries, a second apart, listed oldest first: the newest are at the feed's end.
    flood = [
        (f"f{n}", f"Новина номер {n}", f"https://ova.example/{n}", now - timedelta(seconds=n))
        for n in range(2000)
    ]
    async with delivering(sandbox, settings, store, LIMITS) as running:
        await poll_due(store, feed_client, settings, running.worker)  # the backlog: silent
        feeds.feeds["/rss"] = Feed(rss("Чернігівська ОВА", [start, *reversed(flood)]))
        stats = await poll_due(store, feed_client, settings, running.worker)
        await running.settled(timeout=30)

    [report] = stats.reports
    assert (report.new, report.pushed) == (2000, 5)
    newest = [f"Новина номер {n}" for n in range(5)]
    for chat_id in SUBSCRIBERS:
        assert headlines(sandbox, chat_id) == newest
    # Everything is stored: in /latest and found by /search.
    assert await store.items.count() == 2001
    latest = [item.title for item in await store.items.latest(7)]
    assert latest == [*newest, "Новина номер 5", "Новина номер 6"]
    [found] = await store.items.search("номер 1999")
    assert found.title == "Новина номер 1999"

    [listing] = await client.as_user(ADMIN_ID).send("/sources")
    assert "щонайбільше 5 найсвіжіших новин, не старших за 48 год" in listing.plain_text
    assert "1\xa0995 з 2\xa0000 нових новин збережено без розсилання" in listing.plain_text
    [english] = await client.as_user(ADMIN_ID, language="en").send("/sources")
    assert "1,995 of 2,000 new items stored without sending" in english.plain_text


async def test_old_entries_are_stored_but_not_sent(
    sandbox: BotAPISandbox,
    settings: Settings,
    store: Storage,
    feeds: FeedServer,
    feed_client: FeedClient,
) -> None:
    now = datetime.now(UTC)
    await subscribe(store, 81, "UA-74")
    start = ("start", "Початкова новина", "https://ova.example/start", now - timedelta(hours=1))
    feeds.feeds["/rss"] = Feed(rss("Чернігівська ОВА", [start]))
    await store.sources.upsert(feeds.url("/rss"), "UA-74", 300)
    new_entries = [
        ("fresh", "Свіжа новина", "https://ova.example/fresh", now),
        # Older than the entry the first poll saw (a late or re-dated entry).
        ("late", "Запізніла новина", "https://ova.example/late", now - timedelta(hours=2)),
        # Older than FEED_PUSH_MAX_AGE_HOURS.
        ("old", "Давня новина", "https://ova.example/old", now - timedelta(hours=72)),
    ]
    async with delivering(sandbox, settings, store, LIMITS) as running:
        await poll_due(store, feed_client, settings, running.worker)
        feeds.feeds["/rss"] = Feed(rss("Чернігівська ОВА", [*new_entries, start]))
        stats = await poll_due(store, feed_client, settings, running.worker)
        await running.settled()

    [report] = stats.reports
    assert (report.new, report.pushed) == (3, 1)
    assert headlines(sandbox, 81) == ["Свіжа новина"]
    titles = {item.title for item in await store.items.latest(10)}
    assert titles == {"Початкова новина", "Свіжа новина", "Запізніла новина", "Давня новина"}
    source = (await store.sources.all())[0]
    assert (source.last_new, source.last_pushed) == (3, 1)

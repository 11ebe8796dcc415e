"""The sandbox knows when the bot is done (`in_flight`, `quiet`), and serves a sample feed
that gains a headline every `feed_interval` seconds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import formatdate

import aiohttp
import feedparser
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from infra.settings import Settings
from jobs.ingest import FeedClient, IngestConfig, poll_source
from sandbox import SANDBOX_TOKEN, BotAPISandbox, ChatFault
from sandbox.feed import FEED_ITEMS, SampleFeed
from storage.models import ChatType
from storage.repositories import Storage
from tests.client import BotClient, until

USER = 501


@pytest.fixture
async def raw_bot(sandbox: BotAPISandbox) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(sandbox.base_url))
    bot = Bot(SANDBOX_TOKEN, session=session)
    yield bot
    await bot.session.close()


async def test_quiet_waits_for_a_request_in_flight(sandbox: BotAPISandbox, raw_bot: Bot) -> None:
    sandbox.add_user(USER)
    sandbox.set_fault(USER, ChatFault("delay", delay=0.3))
    sending = asyncio.create_task(raw_bot.send_message(USER, "повільна відповідь"))
    await until(lambda: sandbox.in_flight == 1)
    assert await sandbox.quiet(settle=0.05, timeout=5)
    assert sending.done() and sandbox.in_flight == 0
    assert [message.text for message in sandbox.sent(USER)] == ["повільна відповідь"]


async def test_quiet_times_out_while_an_update_waits_for_the_bot(sandbox: BotAPISandbox) -> None:
    sandbox.send_message(USER, "/start")  # nobody polls
    assert not await sandbox.quiet(settle=0.05, timeout=0.3)


async def test_a_long_poll_with_nothing_to_take_is_quiet(
    sandbox: BotAPISandbox, raw_bot: Bot
) -> None:
    polling = asyncio.create_task(raw_bot.get_updates(timeout=3))
    await until(lambda: sandbox.calls["getUpdates"] == 1)
    assert await sandbox.quiet(settle=0.05, timeout=1)
    assert not polling.done()
    polling.cancel()


async def test_quiet_after_the_bot_answered(client: BotClient, sandbox: BotAPISandbox) -> None:
    sandbox.send_message(client.chat_id, "/help")
    assert await sandbox.quiet(settle=0.1, timeout=10)
    assert "/latest" in sandbox.sent(client.chat_id)[-1].plain_text


def test_the_sample_feed_gains_an_item_every_interval() -> None:
    feed = SampleFeed(60, "http://sandbox", started=1_000_000.0)
    assert feed.newest(1_000_000.0) == 0 and feed.newest(1_000_059.9) == 0
    assert feed.newest(1_000_060.0) == 1
    parsed = feedparser.parse(feed.xml(1_000_000.0 + 60 * 25))
    assert len(parsed.entries) == FEED_ITEMS
    numbers = [entry.title.rsplit("№ ", 1)[1].rstrip(")") for entry in parsed.entries]
    assert numbers == [str(n) for n in range(26, 26 - FEED_ITEMS, -1)]  # newest first
    assert parsed.entries[0].link == "http://sandbox/feeds/sample/26"
    assert len({entry.id for entry in parsed.entries}) == FEED_ITEMS


async def test_the_sample_feed_answers_conditional_gets() -> None:
    async with BotAPISandbox(feed_interval=0.3) as sandbox, aiohttp.ClientSession() as http:
        async with http.get(sandbox.sample_feed_url) as response:
            assert response.status == 200
            etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
            first = feedparser.parse(await response.text())
        async with http.get(sandbox.sample_feed_url, headers={"If-None-Match": etag}) as again:
            assert again.status == 304
        later = formatdate(usegmt=True)
        async with http.get(sandbox.sample_feed_url, headers={"If-Modified-Since": later}) as lm:
            assert lm.status == 304 and modified
        await asyncio.sleep(0.35)
        async with http.get(sandbox.sample_feed_url, headers={"If-None-Match": etag}) as new:
            assert new.status == 200
            assert len(feedparser.parse(await new.text()).entries) == len(first.entries) + 1


async def test_ingest_finds_the_sample_feeds_new_item_within_its_interval(
    store: Storage, settings: Settings
) -> None:
    config = IngestConfig(allow_private=True)
    feeds = FeedClient(config)
    await store.chats.upsert(USER, ChatType.PRIVATE, None, "uk")
    await store.subscriptions.add(USER, ["UA-74"])
    try:
        async with BotAPISandbox(feed_interval=0.5) as sandbox:
            source, _ = await store.sources.upsert(sandbox.sample_feed_url, "UA-74", 60)
            first = await poll_source(
                source, http=feeds.http(), store=store, config=config, tz=settings.tz
            )
            assert first.ok and first.new == 1 and first.pushed == 0  # the first poll is silent
            await asyncio.sleep(0.55)
            polled = await store.sources.get(source.id)
            assert polled is not None
            second = await poll_source(
                polled, http=feeds.http(), store=store, config=config, tz=settings.tz
            )
            assert second.new == 1 and second.pushed == 1
    finally:
        await feeds.close()
    [newest, oldest] = await store.items.latest(2)
    assert "(№ 2)" in newest.title and "(№ 1)" in oldest.title
    assert newest.published_at <= datetime.now(UTC)
    rows = await store.db.fetchall("SELECT chat_id FROM deliveries")
    assert [row[0] for row in rows] == [USER]

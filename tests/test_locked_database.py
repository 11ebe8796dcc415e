"""A database locked by another process (a backup script, say) holds delivery up; it never
ends it."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from infra.settings import Settings
from jobs.delivery import DeliveryLimits
from sandbox import BotAPISandbox
from storage.db import Database
from storage.models import DeliveryStatus
from storage.repositories import Storage
from tests.test_delivery import delivering, news, subscribe

pytestmark = pytest.mark.sqlite_only  # SQLite's own write lock

CHATS = range(4000, 4040)
BUSY_TIMEOUT = 1.0  # the bot's is 5 s; the same, five times faster
LOCK_SECONDS = 4.0  # several of the bot's writes fail while the lock is held


@contextlib.asynccontextmanager
async def write_lock(database: Path) -> AsyncIterator[None]:
    """SQLite's write lock, held by another connection, as another process would hold it."""
    connection = sqlite3.connect(
        database, isolation_level=None, timeout=30, check_same_thread=False
    )
    try:
        await asyncio.to_thread(connection.execute, "BEGIN IMMEDIATE")
        yield
        connection.execute("COMMIT")
    finally:
        connection.close()


async def test_delivery_goes_on_after_the_database_was_locked_three_times(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    for chat in CHATS:
        await subscribe(store, chat, "UA-74")
    impatient = Storage(await Database.open(settings.database_path, busy_timeout=BUSY_TIMEOUT))
    limits = DeliveryLimits(overall_per_second=4, chat_interval=0.05, backoff_base=0.05)
    async with delivering(sandbox, settings, impatient, limits) as running:
        first = await running.publish(news(title="Перша"))
        await sandbox.wait_until(lambda: sandbox.sent_total >= 3, timeout=10)
        for _ in range(3):
            async with write_lock(settings.database_path):
                await asyncio.sleep(LOCK_SECONDS)
            await asyncio.sleep(1.0)
        assert sandbox.sent_total < len(CHATS), "the broadcast ended before the locks"
        counts = await running.settled(first, timeout=60)
        assert counts[DeliveryStatus.SENT] == len(CHATS)
        assert sandbox.delivered_counts() == dict.fromkeys(CHATS, 1)  # each exactly once
        # The worker is still alive: a later item is delivered too.
        later = await running.publish(news(title="Пізніша"))
        counts = await running.settled(later, timeout=30)
        assert counts[DeliveryStatus.SENT] == len(CHATS)
    await impatient.db.close()
    assert sandbox.delivered_counts() == dict.fromkeys(CHATS, 2)

"""A digest across kill -9: every message of it arrives exactly once, and no second digest is
made after the restart."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.factory import open_storage
from infra.settings import Settings
from sandbox import BotAPISandbox, ChatFault
from storage.models import NewItem
from tests.test_crash import start_bot

CHAT = 7000
ITEMS = 60


async def prepare(settings: Settings) -> None:
    """A chat in digest mode (at 00:00, so it is due whenever the bot starts) with 60 items
    held for it, long enough to need several messages."""
    store = await open_storage(settings)
    try:
        now = int(time.time())
        await store.db.execute(
            "INSERT INTO chats (id, type, language, active, created_at, updated_at) "
            "VALUES (?, 'private', 'uk', 1, ?, ?)",
            (CHAT, now, now),
        )
        await store.subscriptions.add(CHAT, ["UA-74"])
        await store.chat_settings.update(CHAT, digest_at="00:00")
        for n in range(ITEMS):
            await store.outbox.publish(
                NewItem(
                    "UA-74",
                    f"Новина {n:02d}: " + "довгий заголовок про події громади " * 6,
                    datetime.now(UTC),
                    url=f"https://example.org/{n}",
                )
            )
        await store.db.execute("UPDATE deliveries SET status = 'held'")
    finally:
        await store.db.close()


def bundle_deliveries_sent(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT count(*) FROM deliveries WHERE bundle_id IS NOT NULL AND status = 'sent'"
        ).fetchone()
    return int(row[0])


async def test_a_digest_is_sent_exactly_once_across_a_kill(
    sandbox: BotAPISandbox, tmp_path: Path
) -> None:
    settings = Settings(_env_file=None, database_path=tmp_path / "digest.db")  # type: ignore[call-arg]
    await prepare(settings)
    first = await start_bot(sandbox, settings.database_path)
    try:
        # Three parts go at once (a chat's burst); the fourth waits a second for the chat's
        # pace, and Telegram then holds it: killed with the three recorded and the fourth on
        # its way (never answered), which the next process sends again. (A process starting
        # on a loaded machine takes its time: the timeouts are generous.)
        await sandbox.wait_until(lambda: len(sandbox.sent(CHAT)) >= 3, timeout=90)
        sandbox.set_fault(CHAT, ChatFault("hold"))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while bundle_deliveries_sent(settings.database_path) < 3:
            assert loop.time() < deadline, "the first parts were not recorded"
            await asyncio.sleep(0.01)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    sandbox.clear_faults()
    with sqlite3.connect(settings.database_path) as connection:
        parts = connection.execute("SELECT count(*) FROM bundles").fetchone()[0]
    assert parts >= 4
    assert len(sandbox.sent(CHAT)) < parts, "the digest was done before the kill"

    second = await start_bot(sandbox, settings.database_path)
    try:
        await sandbox.wait_until(lambda: len(sandbox.sent(CHAT)) >= parts, timeout=90)
        await sandbox.wait_until(
            lambda: bundle_deliveries_sent(settings.database_path) == parts, timeout=10
        )
    finally:
        second.send_signal(signal.SIGTERM)
        _out, stderr = await asyncio.wait_for(second.communicate(), timeout=30)
    assert second.returncode == 0, stderr.decode()
    numbers = [message.plain_text.rsplit("\n", 1)[-1] for message in sandbox.sent(CHAT)]
    assert numbers == [f"{n}/{parts}" for n in range(1, parts + 1)]  # each once, in order
    with sqlite3.connect(settings.database_path) as connection:
        assert connection.execute("SELECT count(*) FROM bundles").fetchone()[0] == parts
        held = connection.execute(
            "SELECT count(*) FROM deliveries WHERE status = 'bundled'"
        ).fetchone()[0]
    assert held == ITEMS

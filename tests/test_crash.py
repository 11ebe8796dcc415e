"""kill -9 in the middle of a broadcast, then a restart: nobody missed, nobody twice
(except, at most, the messages that were in flight at the kill)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.factory import open_storage
from infra.settings import Settings
from jobs.delivery import DeliveryLimits
from sandbox import SANDBOX_TOKEN, BotAPISandbox
from storage.models import DeliveryStatus, NewItem

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIBERS = 400
RATE = 100  # BROADCAST_RATE: four seconds for the whole broadcast


async def prepare(settings: Settings) -> int:
    store = await open_storage(settings)
    now = int(time.time())
    async with store.db.transaction() as connection:
        await connection.executemany(
            "INSERT INTO chats (id, type, language, active, created_at, updated_at) "
            "VALUES (?, 'private', 'uk', 1, ?, ?)",
            [(1000 + n, now, now) for n in range(SUBSCRIBERS)],
        )
    await store.subscriptions.subscribe_many([1000 + n for n in range(SUBSCRIBERS)], "UA-74")
    published = await store.outbox.publish(
        NewItem("UA-74", "Новина для всіх", datetime(2025, 11, 12, 13, 0, tzinfo=UTC))
    )
    assert published.deliveries == SUBSCRIBERS
    await store.db.close()
    return published.item_id


async def start_bot(sandbox: BotAPISandbox, database: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": SANDBOX_TOKEN,
        "TELEGRAM_API_URL": sandbox.base_url,
        "DATABASE_PATH": str(database),
        "BROADCAST_RATE": str(RATE),
        "LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot"),
        env=env,
        cwd=database.parent,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_kill_9_mid_broadcast_then_restart(sandbox: BotAPISandbox, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_path=tmp_path / "crash.db")  # type: ignore[call-arg]
    item_id = await prepare(settings)

    first = await start_bot(sandbox, settings.database_path)
    # A process starting on a loaded machine takes its time: the timeouts are generous.
    await sandbox.wait_until(lambda: sandbox.sent_total >= SUBSCRIBERS // 3, timeout=90)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    at_kill = sandbox.sent_total
    assert at_kill < SUBSCRIBERS, "the broadcast finished before the kill"

    second = await start_bot(sandbox, settings.database_path)
    try:
        await sandbox.wait_until(
            lambda: len(sandbox.delivered_counts()) >= SUBSCRIBERS, timeout=120
        )
        # Anything extra (a second copy) would be sent now, not after a pause.
        assert await sandbox.quiet(settle=0.5, timeout=30)
    finally:
        second.send_signal(signal.SIGTERM)
        _out, stderr = await asyncio.wait_for(second.communicate(), timeout=30)
    assert second.returncode == 0, stderr.decode()

    counts = sandbox.delivered_counts()
    assert set(counts) == {1000 + n for n in range(SUBSCRIBERS)}  # nobody missed
    duplicates = sum(count - 1 for count in counts.values())
    in_flight_window = DeliveryLimits(overall_per_second=RATE).max_in_flight
    print(f"sent before the kill: {at_kill}, sent twice: {duplicates}")
    assert max(counts.values()) <= 2
    assert duplicates <= in_flight_window, f"{duplicates} sent twice"

    store = await open_storage(settings)
    try:
        statuses = await store.outbox.counts(item_id)
    finally:
        await store.db.close()
    assert statuses[DeliveryStatus.SENT] == SUBSCRIBERS

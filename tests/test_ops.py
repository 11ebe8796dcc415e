"""/healthz and /metrics of the real `python -m bot`, asked over HTTP as Docker and Prometheus
ask them, while traffic goes through the sandbox."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.factory import open_storage
from infra.settings import Settings
from sandbox import BotAPISandbox, ChatFault
from storage.lemmas import index_terms
from storage.models import ChatType, ItemKind, NewItem
from storage.repositories import Storage
from tests.feed_server import Feed, FeedServer, rss
from tests.test_entrypoint import free_port, start_bot

READERS = tuple(range(7001, 7009))
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def get_json(url: str) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.json()


async def scrape(port: int) -> Samples:
    status, text = await get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200, text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def eventually(check: Callable[[], object], timeout: float = 20.0) -> None:
    """Ask again (an HTTP endpoint, a file) until `check` returns something true."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the condition did not hold in time")
        await asyncio.sleep(0.2)


async def stop(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGTERM)
    _stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    return stderr.decode()


@pytest.fixture
async def readers(tmp_path: Path) -> AsyncIterator[Storage]:
    """The bot's database, opened by the test too, with eight chats subscribed to Chernihiv."""
    settings = Settings(_env_file=None, database_path=tmp_path / "visnyk.db")  # type: ignore[call-arg]
    store = await open_storage(settings)
    for chat_id in READERS:
        await store.chats.upsert(chat_id, ChatType.PRIVATE, None, "uk")
        await store.subscriptions.add(chat_id, ["UA-74"])
    yield store
    await store.db.close()


async def test_metrics_move_with_deliveries_a_429_a_feed_poll_and_updates(
    sandbox: BotAPISandbox, readers: Storage, tmp_path: Path
) -> None:
    feeds = FeedServer()
    await feeds.start()
    feeds.feeds["/rss"] = Feed(rss("Чернігівщина", [("g1", "Перша новина", "https://e.org/1")]))
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[source]]\nurl = "{feeds.url("/rss")}"\nregion = "UA-74"\n')
    for chat_id in READERS:
        sandbox.add_user(chat_id, first_name=f"Reader{chat_id}", language_code="uk")
    port = free_port()
    process = await start_bot(
        sandbox,
        tmp_path / "visnyk.db",
        tmp_path,
        METRICS_PORT=str(port),
        SOURCES_FILE=str(sources),
        FEEDS_ALLOW_PRIVATE="true",
    )
    try:
        sandbox.add_user(31, first_name="Тарас", language_code="uk")
        sandbox.send_message(31, "/start", user_id=31)
        await sandbox.wait_for(31, 1, timeout=30)
        status, health = await get_json(f"http://127.0.0.1:{port}/healthz")
        assert status == 200, health
        assert health["status"] == "ok" and health["delivery"] == "delivering"
        # The start-up poll of the feed (its first: stored, not pushed).
        await eventually(lambda: feeds.hits["/rss"] >= 1)
        before = await scrape(port)
        assert value(before, "visnyk_deliveries_total", status="sent") == 0
        assert value(before, "visnyk_telegram_429_total") == 0
        assert value(before, "visnyk_subscribers", region="UA-74") == len(READERS)
        assert value(before, "visnyk_active_chats", kind="private") == len(READERS) + 1

        # A breaking item, published by another process (this one) into the bot's database;
        # one reader's chat answers the first copy with a 429.
        sandbox.set_fault(READERS[0], ChatFault("flood", retry_after=1, times=1))
        await readers.outbox.publish(
            NewItem("UA-74", "Тривога", datetime.now(UTC), kind=ItemKind.BREAKING)
        )
        await sandbox.wait_until(
            lambda: all(sandbox.sent(chat_id) for chat_id in READERS), timeout=30
        )
        sandbox.send_message(31, "/latest", user_id=31)

        async def settled() -> bool:
            samples = await scrape(port)
            return (
                value(samples, "visnyk_deliveries_total", status="sent") == len(READERS)
                and value(samples, "visnyk_updates_total", type="message", outcome="handled") >= 2
            )

        await eventually(settled)
        after = await scrape(port)
    finally:
        log = await stop(process)
        await feeds.stop()
    assert process.returncode == 0, log
    assert value(after, "visnyk_telegram_429_total") >= 1
    assert value(after, "visnyk_deliveries_total", status="failed") == 0
    assert value(after, "visnyk_feed_polls_total", outcome="ok") >= 1
    assert value(after, "visnyk_update_handling_seconds_count", type="message") >= 2
    assert value(after, "visnyk_outbox_depth") == 0
    assert value(after, "visnyk_outbox_oldest_age_seconds") == 0
    assert value(after, "visnyk_delivery_lease_held") == 1
    [source_age] = [
        seconds
        for (name, labels), seconds in after.items()
        if name == "visnyk_feed_source_success_age_seconds"
    ]
    assert 0 <= source_age < 60


async def test_webhook_mode_serves_health_and_metrics_on_the_webhook_port(
    sandbox: BotAPISandbox, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    process = await start_bot(
        sandbox,
        tmp_path / "visnyk.db",
        tmp_path,
        WEBHOOK_URL=url,
        WEBHOOK_SECRET="s3cret-token",
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
        METRICS_PORT=str(port),
    )
    try:
        sandbox.add_user(32, first_name="Леся", language_code="uk")
        sandbox.send_message(32, "/start", user_id=32)
        await sandbox.wait_for(32, 1, timeout=30)
        status, health = await get_json(f"http://127.0.0.1:{port}/healthz")
        assert status == 200, health
        assert health == {
            "status": "ok",
            "reasons": [],
            "delivery": "delivering",
            "outbox": 0,
            "oldest_pending_seconds": 0,
        }
        samples = await scrape(port)
        assert value(samples, "visnyk_updates_total", type="message", outcome="handled") == 1
    finally:
        log = await stop(process)
    assert process.returncode == 0, log
    assert "Traceback" not in log


async def test_healthz_is_503_with_the_reason_when_the_delivery_worker_dies(
    sandbox: BotAPISandbox, readers: Storage, tmp_path: Path
) -> None:
    port = free_port()
    process = await start_bot(sandbox, tmp_path / "visnyk.db", tmp_path, METRICS_PORT=str(port))
    try:
        sandbox.add_user(33, first_name="Ганна", language_code="uk")
        sandbox.send_message(33, "/start", user_id=33)
        await sandbox.wait_for(33, 1, timeout=30)
        assert (await get(f"http://127.0.0.1:{port}/healthz"))[0] == 200
        # A row no version of the bot could have written (a chat of an unknown kind, past the
        # CHECK constraint): reading the outbox raises, and the worker dies on each restart.
        with sqlite3.connect(tmp_path / "visnyk.db") as raw:
            # The search index follows items through a function the bot registers.
            raw.create_function("search_terms", 1, index_terms, deterministic=True)
            raw.execute("PRAGMA ignore_check_constraints = ON")
            raw.execute(
                "INSERT INTO chats (id, type, language, active, created_at, updated_at) "
                "VALUES (-5, 'hovercraft', 'uk', 1, 0, 0)"
            )
            item_id = raw.execute(
                "INSERT INTO items (region_code, kind, title, published_at, created_at) "
                "VALUES ('UA-74', 'news', 'x', 0, 0)"
            ).lastrowid
            raw.execute(
                "INSERT INTO deliveries (item_id, chat_id, created_at) VALUES (?, -5, ?)",
                (item_id, time.time()),
            )

        answers: list[tuple[int, dict[str, object]]] = []

        async def unhealthy() -> bool:
            answers.append(await get_json(f"http://127.0.0.1:{port}/healthz"))
            return answers[-1][0] == 503

        await eventually(unhealthy)
    finally:
        log = await stop(process)
    status, body = answers[-1]
    assert status == 503
    assert body["status"] == "unhealthy"
    [reason] = body["reasons"]  # type: ignore[misc]
    assert reason.startswith("delivery worker: ")
    assert "ValueError: 'hovercraft' is not a valid ChatType" in reason
    assert "delivery died; restarting" in log  # the supervisor's line, with the traceback


async def test_healthz_names_a_database_that_does_not_answer(
    sandbox: BotAPISandbox, store: Storage, settings: Settings
) -> None:
    """In-process: the same Health the entry point builds, over a closed connection."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.factory import build_bot, build_delivery
    from bot.ops import Health
    from bot.supervise import Supervisor

    bot_settings = settings.model_copy(update={"telegram_api_url": sandbox.base_url})
    bot = build_bot(bot_settings, token="123456:SANDBOX-token", retry=False)
    worker = build_delivery(bot_settings, store, bot)
    supervisor = Supervisor()
    supervisor.start("delivery", worker.run)
    scheduler = AsyncIOScheduler()
    scheduler.start()
    health = Health(store, supervisor, scheduler, worker, max_delivery_age=60)
    try:
        await eventually(lambda: worker.holding_lease, timeout=5)
        healthy, body = await health.check()
        assert healthy, body
        await store.db.close()
        healthy, body = await health.check()
    finally:
        scheduler.shutdown(wait=False)
        supervisor.stopping()
        with contextlib.suppress(Exception):  # the worker cannot release its lease now
            await worker.stop(timeout=1)
        await supervisor.stop(timeout=1)
        await bot.session.close()
    assert not healthy and body["status"] == "unhealthy"
    # (The worker may have died on the closed connection too, and be named as well.)
    # SQLite: "ValueError: no active connection"; PostgreSQL: "PoolClosed: the pool … closed".
    reasons = body["reasons"]
    assert isinstance(reasons, list)
    assert any(
        reason.startswith("database: ")
        and ("no active connection" in reason or "closed" in reason)
        for reason in reasons
    ), reasons


async def test_a_busy_metrics_port_is_one_line_and_status_2(
    sandbox: BotAPISandbox, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await start_bot(
            sandbox, tmp_path / "visnyk.db", tmp_path, METRICS_PORT=str(port)
        )
        _stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    assert (
        stderr.decode()
        .strip()
        .startswith(
            f"visnyk: configuration error: METRICS_PORT: cannot listen on 127.0.0.1:{port}"
        )
    )
    assert "Traceback" not in stderr.decode()


async def test_a_second_bot_on_the_same_database_is_healthy_standing_by(
    sandbox: BotAPISandbox, tmp_path: Path
) -> None:
    first, second = free_port(), free_port()
    database = tmp_path / "visnyk.db"
    leader = await start_bot(sandbox, database, tmp_path, METRICS_PORT=str(first))
    follower = None
    try:
        sandbox.add_user(34, first_name="Олена", language_code="uk")
        sandbox.send_message(34, "/start", user_id=34)
        await sandbox.wait_for(34, 1, timeout=30)
        follower = await start_bot(sandbox, database, tmp_path, METRICS_PORT=str(second))
        answers: list[tuple[int, dict[str, object]]] = []

        async def answering() -> bool:
            try:
                answers.append(await get_json(f"http://127.0.0.1:{second}/healthz"))
            except aiohttp.ClientConnectionError:
                return False  # not listening yet
            return True

        await eventually(answering, timeout=30)
        status, health = await get_json(f"http://127.0.0.1:{first}/healthz")
        assert status == 200 and health["delivery"] == "delivering"
        status, health = answers[-1]
        assert status == 200 and health["delivery"] == "standing by", health
        samples = await scrape(second)
        assert value(samples, "visnyk_delivery_lease_held") == 0
    finally:
        for process in (leader, follower):
            if process is not None:
                await stop(process)

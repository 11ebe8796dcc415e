"""The delivery worker end to end: the outbox, Telegram's limits, and every error class."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod

from bot.factory import build_bot, build_delivery
from infra import log_context
from infra.settings import Settings
from jobs.delivery import ERROR_LIMIT, DeliveryLimits, DeliveryWorker, backoff
from sandbox import SANDBOX_TOKEN, BotAPISandbox, ChatFault, RateLimits
from storage.models import ChatType, DeliveryStatus, Item, ItemKind, NewItem
from storage.repositories import Storage
from tests.client import ADMIN_ID, running_bot, until

FAST = DeliveryLimits(
    overall_per_second=1000, chat_interval=0.05, group_interval=0.1, backoff_base=0.05
)


def news(region: str = "UA-74", title: str = "Новина", kind: ItemKind = ItemKind.NEWS) -> NewItem:
    return NewItem(region, title, datetime(2025, 11, 12, 13, 28, tzinfo=UTC), kind=kind)


async def subscribe(
    store: Storage, chat_id: int, *codes: str, kind: ChatType = ChatType.PRIVATE
) -> None:
    await store.chats.upsert(chat_id, kind, None, "uk")
    await store.subscriptions.add(chat_id, codes)


@dataclass
class Delivering:
    sandbox: BotAPISandbox
    store: Storage
    worker: DeliveryWorker

    async def publish(self, item: NewItem) -> int:
        published = await self.store.outbox.publish(item)
        self.worker.wake()
        return published.item_id

    async def settled(
        self, item_id: int | None = None, timeout: float = 10.0
    ) -> dict[DeliveryStatus, int]:
        """Wait until nothing is pending or in flight; return the counts."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            counts = await self.store.outbox.counts(item_id)
            if counts[DeliveryStatus.PENDING] == counts[DeliveryStatus.SENDING] == 0:
                return counts
            if loop.time() > deadline:
                raise TimeoutError(f"deliveries did not settle: {counts}")
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def delivering(
    sandbox: BotAPISandbox,
    settings: Settings,
    store: Storage,
    limits: DeliveryLimits = FAST,
    render: Callable[[Item, str], str] | None = None,
) -> AsyncIterator[Delivering]:
    bot_settings = settings.model_copy(update={"telegram_api_url": sandbox.base_url})
    bot = build_bot(bot_settings, token=SANDBOX_TOKEN, retry=False)
    worker = build_delivery(bot_settings, store, bot, limits=limits)
    if render is not None:
        worker.render = render
    task = asyncio.create_task(worker.run())
    try:
        yield Delivering(sandbox, store, worker)
    finally:
        await worker.stop(timeout=2)
        await asyncio.wait_for(task, timeout=5)
        await bot.session.close()


@pytest.fixture
async def delivery(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> AsyncIterator[Delivering]:
    async with delivering(sandbox, settings, store) as running:
        yield running


async def test_regional_and_national_routing(delivery: Delivering) -> None:
    store, sandbox = delivery.store, delivery.sandbox
    await subscribe(store, 1, "UA-74")  # Chernihiv
    await subscribe(store, 2, "UA-77")  # Chernivtsi
    await subscribe(store, 3, "UA")  # all Ukraine
    await subscribe(store, 4, "UA-74", "UA-77")
    await store.chats.upsert(5, ChatType.PRIVATE, None, "uk")  # no subscriptions
    chernihiv = await delivery.publish(news("UA-74", "Чернігівська новина"))
    national = await delivery.publish(news("UA", "Загальнонаціональна новина"))
    await delivery.settled()
    received = {chat: [m.plain_text for m in sandbox.sent(chat)] for chat in range(1, 6)}
    assert ["Чернігівська" in text for text in received[1]] == [True, False]
    assert len(received[2]) == 1 and "Загальнонаціональна" in received[2][0]
    assert len(received[3]) == 2
    assert len(received[4]) == 2  # two regions, one copy of each item
    assert received[5] == []
    counts = await store.outbox.counts(chernihiv)
    assert counts[DeliveryStatus.SENT] == 3
    assert (await store.outbox.counts(national))[DeliveryStatus.SENT] == 4


async def test_the_message_subscribers_get(delivery: Delivering) -> None:
    await subscribe(delivery.store, 7, "UA-74")
    await delivery.publish(
        NewItem(
            "UA-74",
            "Шукала легкого заробітку <в Інтернеті> & втратила",
            datetime(2025, 11, 12, 13, 24, tzinfo=UTC),
            summary="Поліція закликає громадян не довіряти оголошенням",
            url="https://example.org/a?b=1&c=2",
            source_name="Чернігівська ОВА",
        )
    )
    await delivery.settled()
    [message] = delivery.sandbox.sent(7)
    assert message.plain_text.splitlines() == [
        "Шукала легкого заробітку <в Інтернеті> & втратила",
        "",
        "Поліція закликає громадян не довіряти оголошенням",
        "",
        "Чернігівська ОВА · 12.11.2025 15:24",
        "#Чернігівщина",
    ]
    assert 'href="https://example.org/a?b=1&amp;c=2"' in message.text


async def test_a_delivery_that_breaks_unexpectedly_fails_alone_with_the_reason(
    delivery: Delivering,
) -> None:
    """The worker outlives anything one delivery does: that copy is failed with the error,
    the log line names the delivery, its item and its chat, and every other copy goes out."""
    store = delivery.store
    for chat in (71, 72):
        await subscribe(store, chat, "UA-74")
    render = delivery.worker.render

    def breaking(item: Item, language: str) -> str:
        if item.title == "Зламана":
            raise RuntimeError("a template went missing: " + "ш" * 600)
        return render(item, language)

    delivery.worker.render = breaking
    lines: list[tuple[str, dict[str, object]]] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append((record.getMessage(), dict(log_context.current())))

    handler = Lines(logging.ERROR)
    logging.getLogger("jobs.delivery").addHandler(handler)
    try:
        broken = await delivery.publish(news(title="Зламана"))
        fine = await delivery.publish(news(title="Ціла"))
        await delivery.settled()
    finally:
        logging.getLogger("jobs.delivery").removeHandler(handler)
    rows = await store.db.fetchall(
        "SELECT chat_id, status, error FROM deliveries WHERE item_id = ? ORDER BY chat_id",
        (broken,),
    )
    error = ("internal error: RuntimeError('a template went missing: " + "ш" * 600)[:ERROR_LIMIT]
    assert [tuple(row) for row in rows] == [(71, "failed", error), (72, "failed", error)]
    assert (await store.outbox.counts(fine))[DeliveryStatus.SENT] == 2
    fields = sorted(
        (fields["chat_id"], fields["item_id"])
        for message, fields in lines
        if "failed unexpectedly" in message and "delivery_id" in fields
    )
    assert fields == [(71, broken), (72, broken)]


async def test_each_delivery_records_its_outcome(delivery: Delivering) -> None:
    await subscribe(delivery.store, 8, "UA-74")
    item_id = await delivery.publish(news())
    await delivery.settled()
    [message] = delivery.sandbox.sent(8)
    row = await delivery.store.db.fetchone(
        "SELECT status, attempts, message_id, sent_at, error FROM deliveries WHERE item_id = ?",
        (item_id,),
    )
    assert row is not None
    assert (row[0], row[1], row[2], row[4]) == ("sent", 1, message.message_id, None)
    assert row[3] > 0


async def test_breaking_items_go_first(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    for chat in range(10, 20):
        await subscribe(store, chat, "UA-74")
    for number in range(3):
        await store.outbox.publish(news(title=f"Звичайна {number}"))
    await store.outbox.publish(news(title="Термінова", kind=ItemKind.BREAKING))
    async with delivering(sandbox, settings, store) as running:
        await running.settled()
    for chat in range(10, 20):
        texts = [m.plain_text for m in sandbox.sent(chat)]
        assert len(texts) == 4
        assert "Термінова" in texts[0] and "Терміново" in texts[0]


async def test_flood_control_is_waited_out_never_dropped(delivery: Delivering) -> None:
    await subscribe(delivery.store, 21, "UA-74")
    await subscribe(delivery.store, 22, "UA-74")
    delivery.sandbox.set_fault(21, ChatFault("flood", retry_after=1, times=2))
    item_id = await delivery.publish(news())
    counts = await delivery.settled(timeout=10)
    assert counts[DeliveryStatus.SENT] == 2
    assert len(delivery.sandbox.sent(21)) == 1 and len(delivery.sandbox.sent(22)) == 1
    assert delivery.sandbox.errors[429] == 2
    row = await delivery.store.db.fetchone(
        "SELECT attempts FROM deliveries WHERE item_id = ? AND chat_id = 21", (item_id,)
    )
    assert row is not None and row[0] == 1  # a 429 is not a failed attempt


@pytest.mark.parametrize("kind", ["blocked", "deactivated", "kicked", "not_found"])
async def test_a_vanished_chat_is_deactivated_and_skipped(delivery: Delivering, kind: str) -> None:
    store = delivery.store
    await subscribe(store, 31, "UA-74")
    await subscribe(store, 32, "UA-74")
    delivery.sandbox.set_fault(31, ChatFault(kind))  # type: ignore[arg-type]
    first = await delivery.publish(news(title="Перша"))
    second = await delivery.publish(news(title="Друга"))
    await delivery.settled()
    chat = await store.chats.get(31)
    assert chat is not None and not chat.active
    assert (await store.outbox.counts(first))[DeliveryStatus.SKIPPED] == 1
    assert (await store.outbox.counts(second))[DeliveryStatus.SKIPPED] == 1
    rows = await store.db.fetchall(
        "SELECT attempts, error FROM deliveries WHERE chat_id = 31 ORDER BY item_id"
    )
    description = {
        "blocked": "Forbidden: bot was blocked by the user",
        "deactivated": "Forbidden: user is deactivated",
        "kicked": "Forbidden: bot was kicked from the group chat",
        "not_found": "Bad Request: chat not found",
    }[kind]
    # The copy that met the answer was tried once; the other was skipped without a try.
    assert [tuple(row) for row in rows] == [(1, description), (0, description)]
    assert len(delivery.sandbox.sent(32)) == 2
    calls_before = delivery.sandbox.calls["sendMessage"]
    third = await delivery.publish(news(title="Третя"))
    await delivery.settled()
    assert (await store.outbox.counts(third))[DeliveryStatus.SENT] == 1  # chat 31 not asked
    assert delivery.sandbox.calls["sendMessage"] == calls_before + 1


async def test_a_group_that_became_a_supergroup_is_followed(delivery: Delivering) -> None:
    store, sandbox = delivery.store, delivery.sandbox
    sandbox.add_chat(-40, type="group", title="Громада")
    sandbox.add_chat(-10040, type="supergroup", title="Громада")
    await subscribe(store, -40, "UA-74", kind=ChatType.GROUP)
    sandbox.set_fault(-40, ChatFault("migrate", migrate_to_chat_id=-10040))
    item_id = await delivery.publish(news())
    await delivery.settled()
    assert len(sandbox.sent(-10040)) == 1
    assert await store.subscriptions.regions_of(-10040) == {"UA-74"}
    assert await store.subscriptions.regions_of(-40) == set()
    counts = await store.outbox.counts(item_id)
    assert counts[DeliveryStatus.SENT] == 1 and sum(counts.values()) == 1


async def test_invalid_html_is_resent_as_plain_text(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    await subscribe(store, 50, "UA-74")
    await subscribe(store, 51, "UA-74")

    def broken(item: Item, language: str) -> str:
        return f"<b>{item.title} & <unclosed>"

    async with delivering(sandbox, settings, store, render=broken) as running:
        item_id = await running.publish(news(title="Заголовок"))
        await running.settled()
        assert running.worker.stats.plain_text_fallbacks == 2  # /metrics: one for each copy
    for chat in (50, 51):
        [message] = sandbox.sent(chat)
        assert message.parse_mode is None and message.text == "Заголовок & "
    assert (await store.outbox.counts(item_id))[DeliveryStatus.SENT] == 2


async def test_server_errors_are_retried_with_backoff(delivery: Delivering) -> None:
    await subscribe(delivery.store, 60, "UA-74")
    delivery.sandbox.set_fault(60, ChatFault("server_error", times=2))
    item_id = await delivery.publish(news())
    await delivery.settled()
    row = await delivery.store.db.fetchone(
        "SELECT status, attempts FROM deliveries WHERE item_id = ?", (item_id,)
    )
    assert row is not None and tuple(row) == ("sent", 3)
    assert len(delivery.sandbox.sent(60)) == 1


async def test_persistent_server_errors_fail_with_the_reason(delivery: Delivering) -> None:
    """Five attempts, four retries (counted for /metrics), then failed with Telegram's answer,
    its first ERROR_LIMIT characters however long it was."""
    await subscribe(delivery.store, 61, "UA-74")
    delivery.sandbox.set_fault(61, ChatFault("server_error", detail=": " + "ж" * 1000))
    item_id = await delivery.publish(news())
    await delivery.settled(timeout=20)
    row = await delivery.store.db.fetchone(
        "SELECT status, attempts, error FROM deliveries WHERE item_id = ?", (item_id,)
    )
    assert row is not None
    assert (row[0], row[1]) == ("failed", FAST.max_attempts)
    assert row[2] == ("Telegram server says - Internal Server Error: " + "ж" * 1000)[:ERROR_LIMIT]
    assert delivery.worker.stats.retried == FAST.max_attempts - 1


async def test_a_gone_chats_long_answer_is_kept_to_the_limit(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    await subscribe(store, 33, "UA-74")
    sandbox.set_fault(33, ChatFault("blocked", detail=" " + "ї" * 1000))
    # Both stored before the worker starts: once the chat is gone, a new item has no copy
    # for it (a slow second publish used to race the first copy's answer).
    await store.outbox.publish(news(title="Перша"))
    await store.outbox.publish(news(title="Друга"))
    async with delivering(sandbox, settings, store) as running:
        await running.settled()
    rows = await store.db.fetchall("SELECT error FROM deliveries WHERE chat_id = 33")
    kept = ("Forbidden: bot was blocked by the user " + "ї" * 1000)[:ERROR_LIMIT]
    assert [row[0] for row in rows] == [kept, kept]  # the copy that met it, and the other


def test_backoff_doubles_up_to_its_cap_give_or_take_half() -> None:
    """Each wait is drawn anew: over 300 draws, both ends of ±50 % show up (a draw outside
    [0.6, 1.4] of the middle has a 1-in-10 chance, so missing either is 1 in 10^13)."""
    limits = DeliveryLimits(backoff_base=2.0, backoff_cap=300.0)
    for attempts, middle in ((1, 2.0), (3, 8.0), (8, 256.0), (9, 300.0), (20, 300.0)):
        waits = [backoff(attempts, limits) for _ in range(300)]
        assert middle * 0.5 <= min(waits) < middle * 0.6, attempts
        assert middle * 1.4 < max(waits) <= middle * 1.5, attempts


async def test_timeouts_are_retried(delivery: Delivering) -> None:
    await subscribe(delivery.store, 62, "UA-74")
    delivery.worker.bot.session.timeout = 0.3
    delivery.sandbox.set_fault(62, ChatFault("delay", delay=1.0, times=1))
    item_id = await delivery.publish(news())
    await delivery.settled()
    row = await delivery.store.db.fetchone(
        "SELECT status, attempts FROM deliveries WHERE item_id = ?", (item_id,)
    )
    assert row is not None and row[0] == "sent" and row[1] >= 2


async def test_server_errors_back_off_exponentially_with_jitter(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """The n-th failed attempt waits backoff_base ** n, give or take half of it (jitter):
    with a base of 8, 4–12 s after the first and 32–96 s after the second; then it fails
    with the reason. (Each wait is cut short in the store: the schedule is what is checked.)"""
    await subscribe(store, 63, "UA-74")
    sandbox.set_fault(63, ChatFault("server_error"))
    limits = DeliveryLimits(backoff_base=8.0, max_attempts=3)
    async with delivering(sandbox, settings, store, limits) as running:
        item_id = await running.publish(news())
        for attempts, low, high in ((1, 4.0, 12.0), (2, 32.0, 96.0)):
            deadline = time.monotonic() + 10
            while True:
                row = await store.db.fetchone(
                    "SELECT status, attempts, error, next_attempt_at FROM deliveries "
                    "WHERE item_id = ?",
                    (item_id,),
                )
                assert row is not None
                if row[1] == attempts:
                    break
                assert time.monotonic() < deadline, f"no attempt {attempts}"
                await asyncio.sleep(0.01)
            assert row[0] == "pending" and "Internal Server Error" in row[2]
            assert low - 0.5 <= row[3] - time.time() <= high
            await store.db.execute("UPDATE deliveries SET next_attempt_at = 0")
            running.worker.wake()
        counts = await running.settled(item_id)
    row = await store.db.fetchone("SELECT attempts, error FROM deliveries")
    assert counts[DeliveryStatus.FAILED] == 1 and row is not None and row[0] == 3
    assert "Internal Server Error" in row[1]


async def test_stats_show_what_the_worker_did(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """/stats: since the start, copies sent, failed, skipped (chats gone: the copy that met
    the answer and those pending for that chat), and flood waits."""
    for chat in (64, 65, 66, 67, 68):
        await subscribe(store, chat, "UA-74")
    sandbox.set_fault(65, ChatFault("blocked"))
    sandbox.set_fault(68, ChatFault("deactivated"))
    sandbox.set_fault(66, ChatFault("server_error"))
    sandbox.set_fault(67, ChatFault("flood", retry_after=1, times=1))
    await store.outbox.publish(news(title="Перша"))
    await store.outbox.publish(news(title="Друга"))
    async with delivering(sandbox, settings, store) as running:
        await running.settled(timeout=20)
        async with running_bot(sandbox, settings, store, delivery=running.worker) as client:
            [answer] = await client.as_user(ADMIN_ID, language="en").send("/stats")
    assert (
        "Since the bot started: sent 4, failed 2, skipped 4 (chats gone), flood waits 1"
        in answer.plain_text
    ), answer.plain_text


@pytest.mark.parametrize("at_once", [True, False], ids=["at once", "each after the last"])
async def test_per_chat_pace_is_kept_without_429s(
    at_once: bool, sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """Telegram at its strictest (one message a second per chat, no burst) and the worker set
    to match: three items to one chat, published at once or each after the copy before was
    recorded (nothing of the chat in flight then), arrive a second apart and none is refused."""
    sandbox.limits = RateLimits(per_chat_burst=1)
    await subscribe(store, 70, "UA-74")
    limits = DeliveryLimits(chat_interval=1.2, chat_burst=1)
    async with delivering(sandbox, settings, store, limits) as running:
        for number in range(3):
            item_id = await running.publish(news(title=f"Новина {number}"))
            if not at_once:
                assert (await running.settled(item_id))[DeliveryStatus.SENT] == 1
        await running.settled(timeout=10)
    copies = sandbox.sent(70)
    assert [m.plain_text.split("\n")[0] for m in copies] == ["Новина 0", "Новина 1", "Новина 2"]
    assert sandbox.errors[429] == 0
    arrived = [copy.arrived for copy in copies]
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(arrived))


async def test_one_worker_per_database(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    for chat in range(100, 130):
        await subscribe(store, chat, "UA-74")
    async with (
        delivering(sandbox, settings, store) as first,
        delivering(sandbox, settings, store) as second,
    ):
        await until(lambda: first.worker.holding_lease or second.worker.holding_lease)
        assert first.worker.holding_lease != second.worker.holding_lease
        for number in range(3):
            await first.publish(news(title=f"Новина {number}"))
            second.worker.wake()
        await first.settled()
    assert all(len(sandbox.sent(chat)) == 3 for chat in range(100, 130))
    assert sandbox.sent_total == 90


async def test_graceful_stop_leaves_the_rest_pending(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    for chat in range(200, 260):
        await subscribe(store, chat, "UA-74")
    limits = DeliveryLimits(overall_per_second=20)
    async with delivering(sandbox, settings, store, limits) as running:
        item_id = await running.publish(news())
        await sandbox.wait_until(lambda: sandbox.sent_total >= 5, timeout=10)
    counts = await store.outbox.counts(item_id)
    assert counts[DeliveryStatus.SENDING] == 0
    assert 0 < counts[DeliveryStatus.SENT] < 60
    assert counts[DeliveryStatus.SENT] + counts[DeliveryStatus.PENDING] == 60
    assert counts[DeliveryStatus.SENT] == sandbox.sent_total
    # A new worker finishes the job, sending nobody a second copy.
    async with delivering(sandbox, settings, store) as running:
        await running.settled()
    assert all(len(sandbox.sent(chat)) == 1 for chat in range(200, 260))


async def test_a_copy_still_on_its_way_past_the_stops_grace_stays_pending(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """A request Telegram has not answered when the stop's grace ends is given up: its copy
    is pending again, due at once, with no attempt counted (whether it arrived is unknown)."""
    await subscribe(store, 90, "UA-74")
    sandbox.set_fault(90, ChatFault("hold", times=1))
    async with delivering(sandbox, settings, store) as running:
        item_id = await running.publish(news())
        await sandbox.wait_until(lambda: sandbox.held == 1)
        await running.worker.stop(timeout=0.2)
        row = await store.db.fetchone(
            "SELECT status, attempts, next_attempt_at FROM deliveries WHERE item_id = ?",
            (item_id,),
        )
        sandbox.release()
    assert row is not None and (row[0], row[1]) == ("pending", 0)
    assert row[2] is not None and row[2] <= time.time()


async def test_network_errors_are_retried_then_failed_with_the_reason(
    settings: Settings, store: Storage
) -> None:
    # A Bot API address where nothing listens: every request is a connection error.
    nowhere = BotAPISandbox()
    await nowhere.start()
    await nowhere.stop()
    await subscribe(store, 80, "UA-74")
    async with delivering(nowhere, settings, store) as running:
        item_id = await running.publish(news())
        await running.settled(timeout=20)
    row = await store.db.fetchone(
        "SELECT status, attempts, error FROM deliveries WHERE item_id = ?", (item_id,)
    )
    assert row is not None
    assert (row[0], row[1]) == ("failed", FAST.max_attempts)
    assert "Connect" in row[2], row[2]


async def test_never_more_in_flight_than_the_bound(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    now = 1_700_000_000
    async with store.db.transaction() as connection:
        await connection.executemany(
            "INSERT INTO chats (id, type, language, active, created_at, updated_at) "
            "VALUES (?, 'private', 'uk', 1, ?, ?)",
            [(5000 + n, now, now) for n in range(2000)],
        )
    await store.subscriptions.subscribe_many([5000 + n for n in range(2000)], "UA-74")
    limits = DeliveryLimits(overall_per_second=1000)
    peak = 0
    async with delivering(sandbox, settings, store, limits) as running:
        item_id = await running.publish(news())
        while True:
            counts = await store.outbox.counts(item_id)
            peak = max(peak, counts[DeliveryStatus.SENDING])
            if counts[DeliveryStatus.SENT] == 2000:
                break
            await asyncio.sleep(0.005)
    assert 0 < peak <= 200  # README: "200 at most"


async def test_at_most_half_a_seconds_worth_is_in_flight(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """README: after a kill, only the copies in flight at the kill go out again, "15 messages
    at 30/s": Telegram holds 40 copies' requests, and the worker sends only 15 of them."""
    chats = range(600, 640)
    for chat in chats:
        await subscribe(store, chat, "UA-74")
        sandbox.set_fault(chat, ChatFault("hold", times=1))
    async with delivering(sandbox, settings, store, DeliveryLimits()) as running:
        item_id = await running.publish(news())
        await sandbox.wait_until(lambda: sandbox.held >= 15, timeout=10)
        assert await sandbox.quiet(settle=0.3)  # the 16th would have gone by now
        assert sandbox.held == 15
        assert (await store.outbox.counts(item_id))[DeliveryStatus.SENDING] == 15
        sandbox.release()
        counts = await running.settled(item_id)
    assert counts[DeliveryStatus.SENT] == 40
    assert DeliveryLimits(overall_per_second=1).max_in_flight == 1  # at least one
    assert DeliveryLimits(paid_broadcast=True).max_in_flight == 200  # at 1000/s: at most 200


class PassingMiddleware(BaseRequestMiddleware):
    """A request middleware that changes nothing: the worker then sends through aiogram."""

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        return await make_request(bot, method)


@pytest.mark.parametrize("through_aiogram", [False, True], ids=["direct", "through-aiogram"])
async def test_paid_broadcast_copies_carry_allow_paid_broadcast(
    sandbox: BotAPISandbox, settings: Settings, store: Storage, through_aiogram: bool
) -> None:
    """PAID_BROADCAST=true: every copy is sent with allow_paid_broadcast, and goes at up to
    1000/s without a 429 from a Telegram that holds unpaid messages to 30/s."""
    sandbox.limits = RateLimits()
    chats = range(700, 790)
    for chat in chats:
        await subscribe(store, chat, "UA-74")
    paid = DeliveryLimits(paid_broadcast=True)
    async with delivering(sandbox, settings, store, paid) as running:
        if through_aiogram:
            running.worker.bot.session.middleware(PassingMiddleware())
        counts = await running.settled(await running.publish(news()), timeout=20)
    assert counts[DeliveryStatus.SENT] == len(chats)
    flags = {str(sandbox.sent(chat)[0].params.get("allow_paid_broadcast")) for chat in chats}
    assert {flag.lower() for flag in flags} == {"true"}
    assert sandbox.errors[429] == 0
    busiest = sandbox.stats()["busiest_second"]
    assert busiest["unpaid"] == 0
    assert busiest["all"] > 45  # faster than the 30/s of unpaid messages

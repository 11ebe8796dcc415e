"""Each copy as its chat gets it (language, photo, link previews, a digest's message) and as the
outbox records it (Telegram's refusals, copies whose item or digest went away, waits that
outlive a restart), and what /stats counts of them."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence

import pytest

from infra import log_context
from infra.settings import Settings
from jobs.delivery import DeliveryLimits
from sandbox import BotAPISandbox, ChatFault
from storage.models import ChatType, Delivery, DeliveryResult, DeliveryStatus, Item, NewItem
from storage.repositories import Storage
from tests.client import until
from tests.test_delivery import delivering, news, subscribe
from tests.test_lease import LockedDatabase
from tests.test_photos import JPEG

URL = "https://example.org/novyna"
GROUP = -92


async def row_of(store: Storage, chat_id: int) -> tuple[str, int, str | None, float]:
    """(status, attempts, error, next_attempt_at) of the chat's one copy."""
    row = await store.db.fetchone(
        "SELECT status, attempts, error, next_attempt_at FROM deliveries WHERE chat_id = ?",
        (chat_id,),
    )
    assert row is not None
    return str(row[0]), int(row[1]), row[2], float(row[3])


async def digest_for(store: Storage, chat_id: int, body: str) -> None:
    """The chat's digest of the day, made of one item held for it (as jobs.bundles makes it)."""
    await store.chat_settings.update(chat_id, digest_at="08:00")
    item_id = (await store.outbox.publish(news(title="У дайджест"))).item_id
    row = await store.db.fetchone(
        "SELECT id FROM deliveries WHERE item_id = ? AND chat_id = ?", (item_id, chat_id)
    )
    assert row is not None
    await store.outbox.record([DeliveryResult(int(row[0]), DeliveryStatus.HELD, 0)])
    held = await store.chat_settings.held(chat_id)
    assert await store.chat_settings.bundle(held, "digest", "2026-12-04", [body], digest=True)


def then(
    store: Storage, change: Callable[[list[Delivery]], Awaitable[None]]
) -> Callable[..., Awaitable[list[Delivery]]]:
    """OutboxRepo.due, followed by `change` to what it read: what another process (an
    operator, a /stop) does between the worker's read and its send."""
    due = store.outbox.due

    async def reading(limit: int, now: float, skip_chats: Collection[int] = ()) -> list[Delivery]:
        found = await due(limit, now, skip_chats)
        if found:
            await change(found)
        return found

    return reading


async def test_english_chats_get_the_english_copy(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    await subscribe(store, 31, "UA-74")
    await store.chats.upsert(32, ChatType.PRIVATE, None, "en")
    await store.subscriptions.add(32, ["UA-74"])
    async with delivering(sandbox, settings, store) as running:
        await running.settled(await running.publish(news(title="Міст відкрито")))
    [uk] = sandbox.sent(31)
    [en] = sandbox.sent(32)
    assert uk.plain_text.splitlines()[-1] == "#Чернігівщина"
    assert en.plain_text.splitlines()[-1] == "#Chernihiv"


async def test_a_photo_item_goes_out_as_the_photo_with_its_caption(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    update = sandbox.send_message(77, "", user_id=77, photo=("bridge.jpg", JPEG))
    file_id = update["message"]["photo"][-1]["file_id"]
    await subscribe(store, 33, "UA-74")
    photo = NewItem("UA-74", "Міст закрито", news().published_at, photo=file_id)
    async with delivering(sandbox, settings, store) as running:
        await running.settled(await running.publish(photo))
    [copy] = sandbox.sent(33)
    assert copy.method == "sendPhoto" and copy.params["photo"] == file_id
    assert copy.plain_text.startswith("Міст закрито")


def previews_shown(copy_params: dict[str, object]) -> bool:
    options = copy_params.get("link_preview_options")
    return not (isinstance(options, dict) and options.get("is_disabled"))


async def test_link_previews_as_each_chat_chose_and_never_in_a_digest(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    await subscribe(store, 36, "UA-74")
    await store.chat_settings.update(36, previews=True)
    await digest_for(store, 36, "<b>Дайджест</b> " + URL)
    await subscribe(store, 34, "UA-74")  # previews off: the default
    await subscribe(store, 35, "UA-74")
    await store.chat_settings.update(35, previews=True)
    linked = NewItem("UA-74", "Новина з посиланням", news().published_at, url=URL)
    async with delivering(sandbox, settings, store) as running:
        await running.publish(linked)
        await running.settled()
    [off] = sandbox.sent(34)
    assert not previews_shown(off.params)
    [on] = sandbox.sent(35)
    assert "Новина з посиланням" in on.plain_text and previews_shown(on.params)
    [digest] = sandbox.sent(36)  # the item itself is held for tomorrow's digest
    assert digest.plain_text.startswith("Дайджест") and not previews_shown(digest.params)


async def test_a_digest_whose_html_telegram_refuses_goes_as_plain_text_logged_as_the_digest(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    await subscribe(store, 37, "UA-74")
    await digest_for(store, 37, "<b>Дайджест & <незакритий>")
    lines: list[dict[str, object]] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "rejected its HTML" in record.getMessage():
                lines.append(dict(log_context.current()))

    handler = Lines(logging.WARNING)
    logging.getLogger("jobs.delivery").addHandler(handler)
    try:
        async with delivering(sandbox, settings, store) as running:
            await running.settled()
    finally:
        logging.getLogger("jobs.delivery").removeHandler(handler)
    [digest] = sandbox.sent(37)
    assert digest.parse_mode is None and digest.text == "Дайджест & "
    [fields] = lines
    bundle = await store.db.fetchone("SELECT id FROM bundles WHERE chat_id = 37")
    assert bundle is not None and fields["bundle_id"] == bundle[0]
    assert fields["chat_id"] == 37 and "item_id" not in fields


async def test_a_copy_telegram_refuses_fails_at_once_with_its_answer(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """A 400 other than bad HTML or a vanished chat: no retry, no plain-text resend, the copy
    failed with Telegram's words, and /stats counts each."""
    for chat in (38, 39):
        await subscribe(store, chat, "UA-74")

    def too_long(item: Item, language: str) -> str:
        return "Задовгий текст. " * 400

    async with delivering(sandbox, settings, store, render=too_long) as running:
        await running.settled(await running.publish(news()))
        stats = running.worker.stats
    assert (stats.failed, stats.plain_text_fallbacks, stats.sent) == (2, 0, 0)
    assert sandbox.errors[400] == 2  # one request each
    for chat in (38, 39):
        assert await row_of(store, chat) == ("failed", 1, "Bad Request: message is too long", 0.0)


async def test_a_timeout_that_never_ends_fails_the_copy_naming_it(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    await subscribe(store, 40, "UA-74")
    sandbox.set_fault(40, ChatFault("delay", delay=1.0))
    limits = DeliveryLimits(
        overall_per_second=1000, chat_interval=0.05, backoff_base=0.05, max_attempts=2
    )
    async with delivering(sandbox, settings, store, limits) as running:
        running.worker.bot.session.timeout = 0.2
        await running.settled(await running.publish(news()))
    status, attempts, error, _at = await row_of(store, 40)
    assert (status, attempts) == ("failed", 2)
    assert error == "HTTP Client says - Request timeout error"


async def test_a_proxys_bad_gateway_page_is_retried_like_a_server_error(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """Telegram's front answers "502 Bad Gateway" in HTML now and then: not the Bot API's
    JSON, yet a server error all the same, retried, then failed with the reason."""
    for chat in (52, 53):
        await subscribe(store, chat, "UA-74")
    sandbox.set_fault(52, ChatFault("bad_gateway", times=1))
    sandbox.set_fault(53, ChatFault("bad_gateway"))
    limits = DeliveryLimits(
        overall_per_second=1000, chat_interval=0.05, backoff_base=0.05, max_attempts=2
    )
    async with delivering(sandbox, settings, store, limits) as running:
        await running.settled(await running.publish(news()))
    assert (await row_of(store, 52))[:3] == ("sent", 2, None)
    assert len(sandbox.sent(52)) == 1
    reason = "Telegram server says - HTTP 502: Bad Gateway (not a Bot API answer)"
    assert (await row_of(store, 53))[:3] == ("failed", 2, reason)


async def test_a_floods_wait_is_kept_across_a_restart(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """The 429's retry_after is in the outbox, not only in the worker's memory: a worker
    started after the 429 waits it out too."""
    await subscribe(store, 41, "UA-74")
    sandbox.set_fault(41, ChatFault("flood", retry_after=3, times=1))
    async with delivering(sandbox, settings, store) as running:
        await running.publish(news())
        await sandbox.wait_until(lambda: sandbox.errors[429] == 1)
        flooded = time.monotonic()
    status, attempts, _error, at = await row_of(store, 41)
    assert (status, attempts) == ("pending", 0) and at >= time.time() + 1.5
    async with delivering(sandbox, settings, store) as running:
        await running.settled(timeout=10)
    [copy] = sandbox.sent(41)
    assert copy.arrived >= flooded + 2.9


async def test_a_group_waits_out_its_429_in_the_outbox_and_no_longer(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """A group's copies after a 429 go when retry_after has passed (a group has no burst to
    take off it), and wait pending meanwhile, holding none of the places in flight."""
    sandbox.add_chat(GROUP, type="group", title="Громада")
    await subscribe(store, GROUP, "UA-74", kind=ChatType.GROUP)
    sandbox.set_fault(GROUP, ChatFault("flood", retry_after=2, times=1))
    # Private chats' burst would add 2 × 2 s to a group paced as one.
    limits = DeliveryLimits(overall_per_second=1000, chat_interval=2.0, group_interval=0.1)
    async with delivering(sandbox, settings, store, limits) as running:
        await running.publish(news(title="Перша"))
        await running.publish(news(title="Друга"))
        await sandbox.wait_until(lambda: sandbox.errors[429] == 1)
        flooded = time.monotonic()
        await asyncio.sleep(0.5)
        counts = await store.outbox.counts()
        assert (counts[DeliveryStatus.PENDING], counts[DeliveryStatus.SENDING]) == (2, 0)
        await running.settled(timeout=10)
    first, second = sandbox.sent(GROUP)
    assert flooded + 1.9 <= first.arrived <= flooded + 3.5
    assert second.arrived >= first.arrived + 0.09


async def test_floods_are_counted_each(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    await subscribe(store, 42, "UA-74")
    sandbox.set_fault(42, ChatFault("flood", retry_after=1, times=2))
    async with delivering(sandbox, settings, store) as running:
        await running.settled(await running.publish(news()), timeout=10)
        assert running.worker.stats.rate_limited == 2
    assert len(sandbox.sent(42)) == 1


@pytest.mark.parametrize("gone", ["item", "digest"])
async def test_a_copy_whose_item_or_digest_was_deleted_meanwhile_is_not_sent(
    sandbox: BotAPISandbox, settings: Settings, store: Storage, gone: str
) -> None:
    """Deleted between the worker's claim and its send (an operator's cleanup, a /stop that
    drops the chat's digests): nothing is sent, and /metrics counts it cancelled."""
    await subscribe(store, 43, "UA-74")
    if gone == "digest":
        await digest_for(store, 43, "Дайджест")
    else:
        await store.outbox.publish(news())

    claim = store.outbox.claim

    async def claim_then_delete(ids: Sequence[int]) -> set[int]:
        claimed = await claim(ids)
        await store.db.execute("DELETE FROM bundles")
        await store.db.execute("DELETE FROM items")
        return claimed

    async with delivering(sandbox, settings, store) as running:
        running.worker.store.outbox.claim = claim_then_delete  # type: ignore[method-assign]
        stats = running.worker.stats
        await until(lambda: stats.cancelled + stats.failed + stats.sent > 0)
        assert (stats.cancelled, stats.failed, stats.sent) == (1, 0, 0)
    assert sandbox.sent(43) == []


async def test_copies_another_sender_claimed_first_are_left_to_it(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """Around a lease's handover two senders may read the same rows: the one that claims a
    copy sends it; the other sends the rest of what it read."""
    for chat in (44, 45, 46):
        await subscribe(store, chat, "UA-74")
    item_id = (await store.outbox.publish(news())).item_id

    async def taken_by_the_other(found: list[Delivery]) -> None:
        first = min(found, key=lambda delivery: delivery.chat_id)
        await store.outbox.claim([first.id])
        await store.outbox.record([DeliveryResult(first.id, DeliveryStatus.SENT, 1)])

    async with delivering(sandbox, settings, store) as running:
        running.worker.store.outbox.due = then(store, taken_by_the_other)  # type: ignore[method-assign]
        counts = await running.settled(item_id)
    assert counts[DeliveryStatus.SENT] == 3
    assert [len(sandbox.sent(chat)) for chat in (44, 45, 46)] == [0, 1, 1]


async def test_an_idle_worker_looks_at_the_outbox_about_once_a_second(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    reads = 0
    async with delivering(sandbox, settings, store) as running:
        due = store.outbox.due

        async def counted(
            limit: int, now: float, skip_chats: Collection[int] = ()
        ) -> list[Delivery]:
            nonlocal reads
            reads += 1
            return await due(limit, now, skip_chats)

        running.worker.store.outbox.due = counted  # type: ignore[method-assign]
        await asyncio.sleep(2.0)
    assert 1 <= reads <= 6, reads


async def test_at_two_a_second_one_copy_at_a_time_still_goes(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    limits = DeliveryLimits(overall_per_second=2, chat_interval=0.05, backoff_base=0.05)
    assert limits.max_in_flight == 1
    for chat in (47, 48, 49):
        await subscribe(store, chat, "UA-74")
    async with delivering(sandbox, settings, store, limits) as running:
        counts = await running.settled(await running.publish(news()), timeout=10)
    assert counts[DeliveryStatus.SENT] == 3


async def test_outcomes_the_database_refused_are_recorded_at_the_next_flush(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    for chat in (54, 55):
        await subscribe(store, chat, "UA-74")
    store.outbox.record = LockedDatabase(store.outbox.record, times=2)  # type: ignore[method-assign]
    async with delivering(sandbox, settings, store) as running:
        counts = await running.settled(await running.publish(news()))
    assert counts[DeliveryStatus.SENT] == 2
    assert [len(sandbox.sent(chat)) for chat in (54, 55)] == [1, 1]  # each once


async def test_outcomes_being_written_at_the_stop_are_written_before_it_returns(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """The stop cancels the flush that is writing (a slow disk): its outcomes are written
    again by the stop's own flush, not left 'sending' for the next start."""
    await subscribe(store, 56, "UA-74")
    record = store.outbox.record
    writing = asyncio.Event()

    async def slowly(results: Sequence[DeliveryResult]) -> None:
        writing.set()
        await asyncio.sleep(0.5)
        await record(results)

    store.outbox.record = slowly  # type: ignore[method-assign]
    async with delivering(sandbox, settings, store) as running:
        item_id = await running.publish(news())
        await writing.wait()
    assert (await store.outbox.counts(item_id))[DeliveryStatus.SENT] == 1


async def test_a_copy_on_its_way_as_its_item_is_corrected_is_edited_once_recorded(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    await subscribe(store, 57, "UA-74")
    sandbox.set_fault(57, ChatFault("hold", times=1))
    async with delivering(sandbox, settings, store) as running:
        item_id = await running.publish(news(title="Зустріч о 10:00"))
        await sandbox.wait_until(lambda: sandbox.held == 1)
        assert await store.editorial.correct(item_id, "Зустріч об 11:00", "", 1) == 1
        sandbox.release()
        await sandbox.wait_until(lambda: any(copy.edits for copy in sandbox.sent(57)))
    [copy] = sandbox.sent(57)
    assert copy.plain_text.startswith("Зустріч об 11:00") and copy.edits == 1

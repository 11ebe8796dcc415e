"""The outbox as the delivery worker reads it: what is due, how much of it, and what each copy
carries (its chat, language, attempts, the item's state, its bundle)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from storage.models import ChatType, Delivery, DeliveryResult, DeliveryStatus, ItemKind, NewItem
from storage.repositories import Storage
from tests.test_delivery import news, subscribe

GROUP = -1001


async def copy_of(store: Storage, item_id: int, chat_id: int) -> int:
    row = await store.db.fetchone(
        "SELECT id FROM deliveries WHERE item_id = ? AND chat_id = ?", (item_id, chat_id)
    )
    assert row is not None
    return int(row[0])


async def test_each_due_copy_carries_what_its_sending_needs(store: Storage) -> None:
    await subscribe(store, 5, "UA-74")
    await store.chat_settings.update(5, language="en")  # /settings: English here
    await subscribe(store, GROUP, "UA-74", kind=ChatType.GROUP)
    ordinary = (await store.outbox.publish(news(title="Звичайна"))).item_id
    breaking = (
        await store.outbox.publish(news(title="Термінова", kind=ItemKind.BREAKING))
    ).item_id
    reminder = NewItem("UA-74", "Нагадування", datetime.now(UTC), reminder=True)
    reminded = (await store.outbox.publish(reminder)).item_id
    assert await store.items.retract(ordinary)
    assert await store.editorial.correct(reminded, "Нагадування (оновлено)", "", 1) == 1
    retried = await copy_of(store, ordinary, GROUP)
    await store.outbox.record([DeliveryResult(retried, DeliveryStatus.PENDING, 2)])

    due = await store.outbox.due(10, time.time())

    assert [d.item_id for d in due] == [breaking] * 2 + [ordinary] * 2 + [reminded] * 2
    assert [d.id for d in due[2:]] == sorted(d.id for d in due[2:])  # breaking, then oldest
    ids = {(d.item_id, d.chat_id): d.id for d in due}
    expected = [
        Delivery(ids[breaking, 5], breaking, 5, ChatType.PRIVATE, "en", 1, 0, urgent=True),
        Delivery(ids[breaking, GROUP], breaking, GROUP, ChatType.GROUP, "uk", 1, 0, urgent=True),
        Delivery(ids[ordinary, 5], ordinary, 5, ChatType.PRIVATE, "en", 0, 0, retracted=True),
        Delivery(retried, ordinary, GROUP, ChatType.GROUP, "uk", 0, 2, retracted=True),
        Delivery(ids[reminded, 5], reminded, 5, ChatType.PRIVATE, "en", 0, 0, 1, urgent=True),
        Delivery(
            ids[reminded, GROUP], reminded, GROUP, ChatType.GROUP, "uk", 0, 0, 1, urgent=True
        ),
    ]
    assert sorted(due, key=lambda d: d.id) == sorted(expected, key=lambda d: d.id)


async def test_a_bundles_copy_is_due_as_the_bundle(store: Storage) -> None:
    await subscribe(store, 6, "UA-74")
    await store.chat_settings.update(6, digest_at="08:00")
    item_id = (await store.outbox.publish(news())).item_id
    copy_id = await copy_of(store, item_id, 6)
    await store.outbox.record([DeliveryResult(copy_id, DeliveryStatus.HELD, 0)])  # the digest's
    held = await store.chat_settings.held(6)
    assert await store.chat_settings.bundle(
        held, "digest", "2026-12-04", ["Дайджест"], digest=True
    )

    [copy] = await store.outbox.due(10, time.time())

    assert copy.item_id is None and copy.bundle_id is not None and copy.chat_id == 6
    assert not copy.urgent and not copy.retracted
    assert await store.chat_settings.bundle_text(copy.bundle_id) == "Дайджест"


async def test_due_gives_as_many_as_asked_leaving_out_busy_chats(store: Storage) -> None:
    for chat in (1, 2, 3, 4):
        await subscribe(store, chat, "UA-74")
    item_id = (await store.outbox.publish(news())).item_id
    now = time.time()

    assert [d.chat_id for d in await store.outbox.due(1, now)] == [1]
    assert await store.outbox.due(0, now) == []
    # Chats with a copy on its way are left out, and the rest fill the limit.
    assert [d.chat_id for d in await store.outbox.due(2, now, skip_chats={1, 2})] == [3, 4]
    assert [d.chat_id for d in await store.outbox.due(9, now, skip_chats={3})] == [1, 2, 4]
    # Not before its time.
    first = await copy_of(store, item_id, 1)
    later = DeliveryResult(first, DeliveryStatus.PENDING, 1, next_attempt_at=now + 60)
    await store.outbox.record([later])
    assert [d.chat_id for d in await store.outbox.due(9, now)] == [2, 3, 4]
    assert [d.chat_id for d in await store.outbox.due(9, now + 61)] == [1, 2, 3, 4]


async def test_a_copy_is_claimed_once(store: Storage) -> None:
    for chat in (1, 2, 3):
        await subscribe(store, chat, "UA-74")
    await store.outbox.publish(news())
    ids = [d.id for d in await store.outbox.due(9, time.time())]

    assert await store.outbox.claim(ids[:2]) == set(ids[:2])
    assert await store.outbox.claim(ids) == {ids[2]}  # another sender's claim finds them taken
    assert await store.outbox.claim(ids) == set()
    assert await store.outbox.claim([]) == set()
    assert await store.outbox.due(9, time.time()) == []
    counts = await store.outbox.counts()
    assert counts[DeliveryStatus.SENDING] == 3


async def test_a_copy_put_off_is_due_at_its_time_and_a_claimed_one_is_left_alone(
    store: Storage,
) -> None:
    """The worker puts off a copy whose chat must wait; a copy another sender claimed
    meanwhile keeps its claim."""
    for chat in (1, 2):
        await subscribe(store, chat, "UA-74")
    await store.outbox.publish(news())
    now = time.time()
    first, second = await store.outbox.due(9, now)
    assert await store.outbox.claim([second.id]) == {second.id}  # another sender's

    await store.outbox.defer(
        [
            DeliveryResult(copy.id, DeliveryStatus.PENDING, 0, next_attempt_at=now + 60)
            for copy in (first, second)
        ]
    )

    assert await store.outbox.due(9, now) == []
    assert [copy.id for copy in await store.outbox.due(9, now + 61)] == [first.id]
    counts = await store.outbox.counts()
    assert (counts[DeliveryStatus.PENDING], counts[DeliveryStatus.SENDING]) == (1, 1)

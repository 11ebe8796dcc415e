"""Retracted means gone everywhere: /events and its buttons (crafted ones too), /latest,
/region, /search, reminders, and copies not sent yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from handlers.events.keyboards import EventAction, EventCb
from infra.settings import Settings
from jobs.reminders import reminder_item, send_due_reminders
from sandbox import BotAPISandbox, ChatFault, SentMessage
from storage.db import Database, load_migrations
from storage.models import DeliveryStatus, NewItem
from storage.repositories import Storage
from tests.client import ADMIN_ID, BotClient, outcome, running_bot
from tests.test_delivery import delivering, subscribe
from tests.test_events import KYIV, LVIV, announce

NO_EVENTS = "Найближчих подій поки немає."
GONE = "Ця подія вже недоступна."


async def retract(client: BotClient, item_id: int) -> None:
    """/retract by an admin, confirmed, as an editor does it."""
    admin = client.as_user(ADMIN_ID, language="en")
    [confirm] = await admin.send(f"/retract {item_id}")
    [status] = await admin.click(confirm, "Retract")
    assert f"Item № {item_id} is retracted" in status.plain_text


async def announcement_of(store: Storage, event_id: int) -> int:
    event = await store.events.get(event_id)
    assert event is not None
    return event.item_id


def button_data(message: SentMessage, label: str) -> str:
    [data] = [
        str(button["callback_data"])
        for row in message.buttons
        for button in row
        if label in str(button["text"])
    ]
    return data


async def test_a_retracted_announcement_cannot_be_opened_from_events(
    client: BotClient, store: Storage, sandbox: BotAPISandbox
) -> None:
    now = datetime.now(UTC)
    listed = await announce(store, "Толока в парку", now + timedelta(days=2))
    unlisted = await announce(store, "Лекція в бібліотеці", now + timedelta(days=3))
    await subscribe(store, client.chat_id, LVIV)
    [listing] = await client.send("/events")
    assert "Толока в парку" in listing.plain_text
    # Before the retraction, the button opens the announcement.
    [shown] = await client.click(listing, "Толока")
    assert shown.text.startswith("<b>Толока в парку</b>")

    await retract(client, await announcement_of(store, listed))
    await retract(client, await announcement_of(store, unlisted))
    before = len(sandbox.sent(client.chat_id))
    # The button of the list shown before the retraction...
    answer = await client.click_data(listing, button_data(listing, "Толока"))
    assert answer.get("text") == GONE and answer.get("show_alert")
    # ...and crafted data naming an event this user never saw listed.
    crafted = EventCb(action=EventAction.SHOW, event_id=unlisted).pack()
    answer = await client.click_data(listing, crafted)
    assert answer.get("text") == GONE
    assert len(sandbox.sent(client.chat_id)) == before  # nothing of either was shown
    [listing] = await client.send("/events")
    assert listing.plain_text == "🗓 " + NO_EVENTS
    [listing] = await client.send("/events Львів")
    assert listing.plain_text == "🗓 " + NO_EVENTS


async def test_a_retracted_events_reminders_leave_every_list_and_are_not_sent(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """A reminder already published is an item of its own: retracting the announcement
    takes it out of /latest, /region and /search, and its copies not sent yet stay unsent."""
    now = datetime.now(UTC)
    starts_at = now + timedelta(days=2)
    await subscribe(store, 8, LVIV)  # reads only what is delivered
    event_id = await announce(store, "Концерт просто неба", starts_at, now=now - timedelta(days=1))
    await store.outbox.publish(NewItem(LVIV, "Ярмарок меду", now))
    day_before = starts_at - timedelta(hours=23)
    assert await send_due_reminders(store, tz=KYIV, now=day_before) == 1
    [reminder] = [item for item in await store.items.latest(5) if item.reminder]

    async with running_bot(sandbox, settings, store) as client:
        reader = client.as_user(7)
        [latest] = await reader.send("/latest")
        assert "Нагадування: Концерт просто неба" in latest.plain_text
        [found] = await reader.send("/search концерт")
        assert "Концерт просто неба" in found.plain_text

        await retract(client, await announcement_of(store, event_id))
        for command in ("/latest", "/region Львів", "/latest 20", "/region Україна"):
            [answer] = await reader.send(command)
            assert "Ярмарок меду" in answer.plain_text, command
            assert "Концерт" not in answer.plain_text, command
        [found] = await reader.send("/search концерт")
        assert found.plain_text.startswith("Нічого не знайдено"), found.plain_text

    # Neither the announcement nor the reminder reaches the subscriber now.
    async with delivering(sandbox, settings, store) as running:
        await running.settled()
    [fair] = sandbox.sent(8)
    assert fair.plain_text.startswith("Ярмарок меду")
    counts = await store.outbox.counts(reminder.id)
    assert counts[DeliveryStatus.CANCELLED] == 1 and counts[DeliveryStatus.SENT] == 0
    # And the reminder still ahead is never published.
    assert await send_due_reminders(store, tz=KYIV, now=starts_at - timedelta(minutes=30)) == 0


async def test_a_reminder_found_due_just_before_the_retraction_is_not_published(
    store: Storage,
) -> None:
    now = datetime.now(UTC)
    starts_at = now + timedelta(days=2)
    event_id = await announce(store, "Форум громад", starts_at, now=now - timedelta(days=1))
    due_at = starts_at - timedelta(hours=23)
    [due] = await store.events.due_reminders(due_at.timestamp())
    stored = await store.items.count()
    assert await store.items.retract(await announcement_of(store, event_id))
    assert await store.events.send_reminder(due.id, reminder_item(due, KYIV, due_at)) is None
    assert await store.items.count() == stored


async def test_the_migration_hides_reminders_of_announcements_retracted_before(
    tmp_path: Path,
) -> None:
    """Reminders published before migration 0010 are tied to their events by title, region
    and editor; those of retracted announcements are hidden, their pending copies cancelled."""
    db = await Database.open(tmp_path / "old.db", migrate=False)
    try:
        await db.migrate(tuple(m for m in load_migrations() if m.version < 10))
        day = 86_400
        for sql in (
            "INSERT INTO regions VALUES ('UA-46', 'Львівщина', 'Lviv')",
            "INSERT INTO chats (id, type, active, created_at, updated_at) "
            "VALUES (7, 'private', 1, 0, 0)",
            # 1: retracted announcement of event 1; 2: live announcement of event 2.
            "INSERT INTO items (id, region_code, kind, title, published_at, created_at, "
            f"author_id, retracted_at) VALUES (1, 'UA-46', 'event', 'Толока', 0, 0, 5, {day})",
            "INSERT INTO items (id, region_code, kind, title, published_at, created_at, "
            "author_id) VALUES (2, 'UA-46', 'event', 'Лекція', 0, 0, 5)",
            "INSERT INTO events (id, item_id, region_code, title, starts_at, created_by, "
            f"created_at) VALUES (1, 1, 'UA-46', 'Толока', {3 * day}, 5, 0)",
            "INSERT INTO events (id, item_id, region_code, title, starts_at, created_by, "
            f"created_at) VALUES (2, 2, 'UA-46', 'Лекція', {3 * day}, 5, 0)",
            # Their reminders, published before the retraction, with a copy each pending.
            "INSERT INTO items (id, region_code, kind, title, published_at, created_at, "
            f"author_id, reminder) VALUES (3, 'UA-46', 'event', 'Толока', {day // 2}, "
            f"{day // 2}, 5, 1)",
            "INSERT INTO items (id, region_code, kind, title, published_at, created_at, "
            f"author_id, reminder) VALUES (4, 'UA-46', 'event', 'Лекція', {day // 2}, "
            f"{day // 2}, 5, 1)",
            "INSERT INTO deliveries (item_id, chat_id, created_at) VALUES (3, 7, 0), (4, 7, 0)",
        ):
            await db.execute(sql)
        await db.migrate()
        store = Storage(db)
        assert [item.id for item in await store.items.latest(10)] == [4, 2]
        assert await store.items.search("толока") == []
        assert (await store.outbox.counts(3))[DeliveryStatus.CANCELLED] == 1
        assert (await store.outbox.counts(4))[DeliveryStatus.PENDING] == 1
        # From now on, retracting the live announcement takes its reminder with it.
        assert await store.items.retract(2)
        assert await store.items.latest(10) == []
        assert (await store.outbox.counts(4))[DeliveryStatus.CANCELLED] == 1
    finally:
        await db.close()


async def test_retracting_an_announcement_removes_its_delivered_reminders_too(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    now = datetime.now(UTC)
    starts_at = now + timedelta(days=2)
    await subscribe(store, 8, LVIV)
    event_id = await announce(store, "Концерт просто неба", starts_at, now=now)
    assert await send_due_reminders(store, tz=KYIV, now=starts_at - timedelta(hours=23)) == 1
    async with delivering(sandbox, settings, store) as running:
        await running.settled()
        assert len(sandbox.sent(8)) == 2  # the announcement and its reminder
        async with running_bot(sandbox, settings, store, delivery=running.worker) as client:
            admin = client.as_user(ADMIN_ID, language="en")
            [confirm] = await admin.send(f"/retract {await announcement_of(store, event_id)}")
            [status] = await admin.click(confirm, "Retract")
            assert "Copies deleted: 2" in await outcome(sandbox, status)
    assert sandbox.sent(8) == []


async def test_a_retracted_item_is_never_sent_though_its_copies_were_pending(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """The worker reads an item's state with each delivery: copies still pending when their
    item was retracted (before the retraction cancelled them, say) do not go out."""
    now = datetime.now(UTC)
    for chat in (21, 22):
        await subscribe(store, chat, LVIV)
    wrong = await store.outbox.publish(NewItem(LVIV, "Хибна тривога", now))
    await store.outbox.publish(NewItem(LVIV, "Справжня новина", now))
    await store.outbox.publish(NewItem(LVIV, "Ще одна новина", now))
    assert await store.items.retract(wrong.item_id)  # hidden; its two copies still pending
    assert (await store.outbox.counts(wrong.item_id))[DeliveryStatus.PENDING] == 2
    async with delivering(sandbox, settings, store) as running:
        await running.settled()
        stats = running.worker.stats
        assert (stats.cancelled, stats.sent) == (2, 4)  # /metrics counts them
    for chat in (21, 22):
        assert [m.plain_text.split("\n")[0] for m in sandbox.sent(chat)] == [
            "Справжня новина",
            "Ще одна новина",
        ]
    rows = await store.db.fetchall(
        "SELECT status, error FROM deliveries WHERE item_id = ?", (wrong.item_id,)
    )
    assert [tuple(row) for row in rows] == [("cancelled", "item retracted")] * 2


async def test_a_copy_sent_after_a_correction_reads_corrected(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """A copy that Telegram refused for a while (429) goes out after the item was corrected:
    it reads as the item reads now, though the worker had the old text at hand (it sent it to
    another chat), and needs no edit."""
    now = datetime.now(UTC)
    for chat in (23, 24):
        await subscribe(store, chat, LVIV)
    sandbox.set_fault(24, ChatFault("flood", retry_after=2, times=1))
    async with delivering(sandbox, settings, store) as running:
        item_id = await running.publish(NewItem(LVIV, "Зустріч о 10:00", now))
        await sandbox.wait_for(23)
        await sandbox.wait_until(lambda: sandbox.errors[429] == 1)  # 24 waits its 2 s
        assert await store.editorial.correct(item_id, "Зустріч об 11:00", "", ADMIN_ID) == 1
        counts = await running.settled(item_id)
    assert counts[DeliveryStatus.SENT] == 2
    [later] = sandbox.sent(24)
    assert later.plain_text.startswith("Зустріч об 11:00") and later.edits == 0
    # The outbox knows the copy reads as revision 1: no needless edit ("not modified").
    assert sandbox.errors[400] == 0
    row = await store.db.fetchone("SELECT revision FROM deliveries WHERE chat_id = 24")
    assert row is not None and row[0] == 1

"""An event after its announcement, end to end through the sandbox and the delivery worker:
/correct keeps its date and place and changes the event, /reschedule moves it (every copy and
its reminders too), /cancel_event tells every chat that got it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

import handlers.editors.push
from infra.settings import Settings
from jobs.reminders import send_due_reminders
from sandbox import BotAPISandbox
from storage.models import ChatType
from storage.repositories import Storage
from storage.roles import Role
from tests.client import ADMIN_ID, BotClient, outcome, running_bot
from tests.test_delivery import Delivering, delivering, news, subscribe
from tests.test_events import KYIV, in_days, labels, typed

EDITOR = 4545
LVIV, KHERSON = "UA-46", "UA-65"


@pytest.fixture(autouse=True)
def quick_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handlers.editors.push, "PROGRESS_INTERVAL", 0.1)


@pytest.fixture
async def worker(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> AsyncIterator[Delivering]:
    async with delivering(sandbox, settings, store) as running:
        yield running


@pytest.fixture
async def client(
    sandbox: BotAPISandbox, settings: Settings, store: Storage, worker: Delivering
) -> AsyncIterator[BotClient]:
    async with running_bot(sandbox, settings, store, delivery=worker.worker) as bot_client:
        yield bot_client


async def editor_of(client: BotClient, store: Storage, *regions: str) -> BotClient:
    await store.roles.grant(EDITOR, Role.EDITOR, set(regions), by=ADMIN_ID)
    return client.as_user(EDITOR, language="en")


async def announce(editor: BotClient, title: str, when: str, place: str) -> int:
    """/announce in Lviv, with no description, sent: the announcement's number."""
    [question] = await editor.send("/announce")
    await editor.click(question, "Lviv")
    await editor.send(title)
    await editor.send(when)
    [skip] = await editor.send(place)
    [_intro, preview] = await editor.click(skip, "Skip", expect=2)
    [done] = await editor.click(preview, "Send")
    return int(done.plain_text.split("№")[1].split()[0])


async def test_a_correction_keeps_the_date_and_place_and_changes_the_event(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    await subscribe(store, 11, LVIV)
    await store.chats.upsert(12, ChatType.PRIVATE, None, "en")
    await store.subscriptions.add(12, [LVIV])
    editor = await editor_of(client, store, LVIV)
    starts_at = in_days(3)
    item_id = await announce(editor, "Толока", typed(starts_at), "Ратуша")
    await worker.settled()
    published = await send_due_reminders(
        store, tz=KYIV, now=starts_at - timedelta(hours=23), on_published=worker.worker.wake
    )
    assert published == 1
    await worker.settled()
    assert len(client.sandbox.sent(11)) == 2  # the announcement and its reminder

    [prompt] = await editor.send(f"/correct {item_id}")
    assert "The date and place stay as they are" in prompt.plain_text
    _intro, preview = await editor.send("Толока в парку\nБеріть рукавиці", expect=2)
    assert typed(starts_at) in preview.plain_text and "📍 Ратуша" in preview.plain_text
    [status] = await editor.click(preview, "Correct")
    assert "Copies with the corrected text: 4" in await outcome(client.sandbox, status)
    for chat in (11, 12):
        announcement, reminder = client.sandbox.sent(chat)
        for copy in (announcement, reminder):
            assert copy.edits == 1, chat
            assert "Толока в парку" in copy.plain_text and "Беріть рукавиці" in copy.plain_text
            assert typed(starts_at) in copy.plain_text and "📍 Ратуша" in copy.plain_text
        assert reminder.plain_text.startswith(("⏰ Нагадування", "⏰ Reminder"))
    [event] = await store.events.upcoming(None, datetime.now(UTC).timestamp())
    assert (event.title, event.description, event.place) == (
        "Толока в парку",
        "Беріть рукавиці",
        "Ратуша",
    )
    [listing] = await client.as_user(11).send("/events")
    assert "Толока в парку" in listing.plain_text
    [found] = await client.as_user(11).send("/search рукавиці")
    assert "Толока в парку" in found.plain_text


async def test_reschedule_moves_the_event_its_reminders_and_every_copy(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    await subscribe(store, 11, LVIV)
    editor = await editor_of(client, store, LVIV)
    item_id = await announce(editor, "Концерт", typed(in_days(3)), "Філармонія")
    await worker.settled()
    later = in_days(6)
    [question] = await editor.send(f"/reschedule {item_id}")
    assert "Rescheduling the event" in question.plain_text and "Філармонія" in question.plain_text
    [answer] = await editor.send("01.01.2020 10:00")  # the past is refused, with the reason
    assert "already passed" in answer.plain_text
    [place] = await editor.send(typed(later))
    assert f"When: {typed(later)}." in place.plain_text and "Now: Філармонія." in place.plain_text
    [_intro, preview] = await editor.click(place, "Keep the place", expect=2)
    assert typed(later) in preview.plain_text and "Філармонія" in preview.plain_text
    [status] = await editor.click(preview, "Reschedule")
    report = await outcome(client.sandbox, status)
    assert "Copies with the corrected text: 1" in report
    assert f"rescheduled to {typed(later)}" in status.plain_text
    assert "Reminders will come a day and an hour before the start." in status.plain_text
    [copy] = client.sandbox.sent(11)
    assert typed(later) in copy.plain_text and copy.edits == 1
    [event] = await store.events.upcoming(None, datetime.now(UTC).timestamp())
    assert event.starts_at == later
    assert [(offset, due) for offset, due, _sent in await store.events.reminders(event.id)] == [
        (86_400, later - timedelta(days=1)),
        (3_600, later - timedelta(hours=1)),
    ]
    [listing] = await client.as_user(11).send("/events")
    assert typed(later) in listing.plain_text

    # Only the place: the date stays.
    [question] = await editor.send(f"/reschedule {item_id}")
    [place] = await editor.click(question, "Keep the date")
    assert "The date stays." in place.plain_text
    [_intro, preview] = await editor.send("Оперний театр", expect=2)
    [status] = await editor.click(preview, "Reschedule")
    assert "Copies with the corrected text: 1" in await outcome(client.sandbox, status)
    copy = client.sandbox.sent(11)[0]  # the announcement (then the answer to /events)
    assert (
        copy.edits == 2
        and "📍 Оперний театр" in copy.plain_text
        and typed(later) in copy.plain_text
    )
    # Nothing new: nothing changes.
    [question] = await editor.send(f"/reschedule {item_id}")
    [place] = await editor.click(question, "Keep the date")
    [answer] = await editor.click(place, "Keep the place")
    assert "nothing to change" in answer.plain_text
    assert [e.action for e in await store.audit.recent(10, item_id=item_id)].count(
        "reschedule"
    ) == 2


async def test_cancel_event_tells_every_chat_that_got_it(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    await subscribe(store, 11, LVIV)
    await store.chats.upsert(12, ChatType.PRIVATE, None, "en")
    await store.subscriptions.add(12, [LVIV])
    editor = await editor_of(client, store, LVIV)
    item_id = await announce(editor, "Лекція", typed(in_days(4)), "Бібліотека")
    await worker.settled()
    await subscribe(store, 13, LVIV)  # too late for the announcement: nothing to cancel there
    [question] = await editor.send(f"/cancel_event {item_id}")
    assert "Cancel the event" in question.plain_text
    assert labels(question) == ["❌ Cancel the event", "↩️ Keep it"]
    [hint] = await editor.send("так")
    assert "Press “Cancel the event” or “Keep it”" in hint.plain_text
    [done] = await editor.click(question, "Cancel the event")
    assert "is cancelled" in done.plain_text
    assert "The notice goes to 2 chats that got the announcement." in done.plain_text
    await worker.settled()
    notice = client.sandbox.sent(11)[-1]
    assert notice.plain_text.startswith("❌ Подію скасовано\n🗓 Лекція")
    assert "📍 Бібліотека" in notice.plain_text
    assert client.sandbox.sent(12)[-1].plain_text.startswith("❌ The event is cancelled")
    assert client.sandbox.sent(13) == []
    [event] = [e for e in [await store.events.of_item(item_id)] if e is not None]
    assert event.cancelled and await store.events.reminders(event.id) == []
    [listing] = await client.as_user(11).send("/events")
    assert "Лекція" not in listing.plain_text
    [latest] = await client.as_user(11).send("/latest 1")
    assert "❌ Скасовано: Лекція" in latest.plain_text
    [again] = await editor.send(f"/cancel_event {item_id}")
    assert "cancelled already" in again.plain_text
    [again] = await editor.send(f"/reschedule {item_id}")
    assert "cancelled already" in again.plain_text
    assert "cancel_event" in [e.action for e in await store.audit.recent(5, item_id=item_id)]


async def test_keep_it_leaves_the_event_and_other_items_are_not_events(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    editor = await editor_of(client, store, LVIV)
    item_id = await announce(editor, "Ярмарок", typed(in_days(2)), "Площа")
    [question] = await editor.send(f"/cancel_event {item_id}")
    await editor.click(question, "Keep it", expect=0)
    await client.sandbox.wait_until(lambda: question.buttons == [])
    event = await store.events.of_item(item_id)
    assert event is not None and not event.cancelled
    news_id = await worker.publish(news(LVIV, "Просто новина"))
    for command in ("/reschedule", "/cancel_event"):
        [answer] = await editor.send(f"{command} {news_id}")
        assert "not an event's announcement" in answer.plain_text
    # Another region's editor may not touch it.
    await store.roles.grant(99, Role.EDITOR, {KHERSON}, by=ADMIN_ID)
    other = client.as_user(99, language="en")
    [answer] = await other.send(f"/reschedule {item_id}")
    assert "not from your regions" in answer.plain_text
    # Citizens are refused.
    [answer] = await client.send(f"/cancel_event {item_id}")
    assert answer.plain_text == "Ця команда вам недоступна."

"""Events end to end: /announce, reminders, /events.

The editors here speak English, so the texts asserted are the source texts whether or not
the catalogs translate them yet.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.factory import open_storage
from domain.dates import format_when
from handlers.events.keyboards import AnnounceAction, AnnounceCb
from infra.settings import Settings
from jobs.reminders import DEFAULT_OFFSETS, send_due_reminders
from sandbox import BotAPISandbox, SentMessage
from storage.events import NewEvent
from storage.models import ChatType, ItemKind, NewItem
from storage.repositories import Storage
from storage.roles import Role
from tests.client import ADMIN_ID, BotClient, running_bot
from tests.test_delivery import delivering, subscribe

KYIV = ZoneInfo("Europe/Kyiv")
EDITOR_ID = 601
LVIV, KHERSON = "UA-46", "UA-65"
HOUR, DAY = 3600, 86_400


async def editor(client: BotClient, store: Storage, *regions: str) -> BotClient:
    await store.roles.grant(EDITOR_ID, Role.EDITOR, set(regions or {LVIV}), by=ADMIN_ID)
    return client.as_user(EDITOR_ID, language="en")


def typed(moment: datetime) -> str:
    return moment.astimezone(KYIV).strftime("%d.%m.%Y %H:%M")


def in_days(days: int) -> datetime:
    """A whole hour `days` from now."""
    return (datetime.now(UTC) + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


def labels(message: SentMessage) -> list[str]:
    return [str(button["text"]) for row in message.buttons for button in row]


async def announce(
    store: Storage,
    title: str,
    starts_at: datetime,
    *,
    region: str = LVIV,
    ends_at: datetime | None = None,
    all_day: bool = False,
    offsets: tuple[int, ...] = DEFAULT_OFFSETS,
    now: datetime | None = None,
) -> int:
    """An event stored as /announce stores it."""
    moment = now or datetime.now(UTC)
    event = NewEvent(region, title, starts_at, ends_at, all_day, "Ратуша", "", EDITOR_ID)
    item = NewItem(region, title, moment, kind=ItemKind.EVENT, body_html=f"<b>{title}</b>")
    event_id, _ = await store.events.create(event, item, offsets, now=moment.timestamp())
    return event_id


async def test_announce_from_start_to_subscribers(
    client: BotClient, store: Storage, sandbox: BotAPISandbox, settings: Settings
) -> None:
    await subscribe(store, 7, LVIV)
    await subscribe(store, 8, "UA")
    await subscribe(store, 9, KHERSON)
    user = await editor(client, store)
    [question] = await user.send("/announce")
    assert labels(question) == ["Lviv", "✖️ Cancel"]  # only the regions this editor may use
    [answer] = await user.click(question, "Lviv")
    assert "What is the event called?" in answer.plain_text
    [answer] = await user.send("Толока <у парку> & пікнік")
    assert "When is it?" in answer.plain_text
    # Past, impossible and unreadable dates: said so, and the same question again.
    [answer] = await user.send("01.01.2020 10:00")
    assert "already passed" in answer.plain_text and "When is it?" in answer.plain_text
    [answer] = await user.send("31.02.2030")
    assert "no such date" in answer.plain_text and "When is it?" in answer.plain_text
    [answer] = await user.send(f"{in_days(3):%d.%m.%Y} 25:00")
    assert "no such date" in answer.plain_text
    [answer] = await user.send("наступного тижня")
    assert "could not read" in answer.plain_text
    starts_at = in_days(3)
    [answer] = await user.send(typed(starts_at))
    assert typed(starts_at) in answer.plain_text
    assert "Where does it take place?" in answer.plain_text
    [answer] = await user.send("Стрийський парк")
    assert "Skip" in labels(answer)
    [intro, preview] = await user.send("Беріть рукавиці", expect=2)
    assert "how subscribers will see" in intro.plain_text
    assert "<b>Толока &lt;у парку&gt; &amp; пікнік</b>" in preview.text
    assert typed(starts_at) in preview.plain_text
    assert "Стрийський парк" in preview.plain_text and "Беріть рукавиці" in preview.plain_text
    assert "#Lviv" in preview.plain_text  # the hashtag as English readers see it

    async with delivering(sandbox, settings, store):
        [done] = await user.click(preview, "Send")
        assert "Announcement №" in done.plain_text and "It goes to 2 chats." in done.plain_text
        await sandbox.wait_for(7)
        await sandbox.wait_for(8)
    [got] = sandbox.sent(7)
    # Subscribers get the preview's text (but for the time of publication in the footer).
    assert got.plain_text.split("\n")[:4] == preview.plain_text.split("\n")[:4]
    assert sandbox.sent(9) == []
    [event] = await store.events.upcoming(None, datetime.now(UTC).timestamp())
    assert (event.title, event.region_code, event.starts_at) == (
        "Толока <у парку> & пікнік",
        LVIV,
        starts_at,
    )
    item = await store.items.get(event.item_id)
    assert item is not None and item.kind is ItemKind.EVENT and item.author_id == EDITOR_ID
    reminders = await store.events.reminders(event.id)
    assert [(offset, due) for offset, due, _ in reminders] == [
        (DAY, starts_at - timedelta(days=1)),
        (HOUR, starts_at - timedelta(hours=1)),
    ]
    assert [entry.action for entry in await store.audit.recent(item_id=item.id)] == ["announce"]
    # The flow is over: pressing "Send" again announces nothing more.
    await user.click_data(preview, AnnounceCb(action=AnnounceAction.SEND).pack())
    assert len(await store.events.upcoming(None, datetime.now(UTC).timestamp())) == 1


async def test_skip_the_description_and_all_day_ranges(client: BotClient, store: Storage) -> None:
    user = await editor(client, store)
    [question] = await user.send("/announce")
    await user.click(question, "Lviv")
    await user.send("Ярмарок")
    first = in_days(5).astimezone(KYIV)
    last = first + timedelta(days=1)
    [answer] = await user.send(f"{first:%d.%m}-{last:%d.%m.%Y}")
    assert "Where does it take place?" in answer.plain_text
    [skip] = await user.send("Площа Ринок")
    [_intro, preview] = await user.click(skip, "Skip", expect=2)
    shown = format_when(
        datetime(first.year, first.month, first.day, tzinfo=KYIV),
        datetime(last.year, last.month, last.day, tzinfo=KYIV) + timedelta(days=1),
        True,
        KYIV,
    )
    assert shown in preview.plain_text
    await user.click(preview, "Send")
    [event] = await store.events.upcoming(None, datetime.now(UTC).timestamp())
    assert event.all_day and event.description == "" and event.place == "Площа Ринок"


async def test_cancel_leaves_the_flow(client: BotClient, store: Storage) -> None:
    user = await editor(client, store)
    [question] = await user.send("/announce")
    await user.click(question, "Lviv")
    await user.send("Концерт")
    [answer] = await user.send("/cancel")
    assert "cancelled" in answer.plain_text
    # Back to normal: text is no longer read as a date.
    [answer] = await user.send("/announce")
    [answer] = await user.click(answer, "Cancel")
    assert "cancelled" in answer.plain_text
    assert await store.events.upcoming(None, 0) == []


async def test_an_editor_of_lviv_cannot_announce_in_kherson(
    client: BotClient, store: Storage
) -> None:
    user = await editor(client, store)
    [question] = await user.send("/announce")
    crafted = AnnounceCb(action=AnnounceAction.REGION, code=KHERSON).pack()
    answer = await user.click_data(question, crafted)
    assert "cannot announce" in str(answer.get("text"))
    # Still at the region question: text is not taken as a title.
    [answer] = await user.send("Заголовок")
    assert "I do not know a region called «Заголовок»" in answer.plain_text
    assert "Lviv" in labels(answer)

    # Access is checked again when sending: a role narrowed mid-flow announces nothing.
    await store.roles.grant(EDITOR_ID, Role.EDITOR, {KHERSON}, by=ADMIN_ID)
    [question] = await user.send("/announce")
    await user.click(question, "Kherson")
    await user.send("Подія")
    await user.send(typed(in_days(2)))
    await user.send("Місце")
    [_intro, preview] = await user.send("Опис", expect=2)
    await store.roles.revoke(EDITOR_ID, Role.EDITOR, by=ADMIN_ID)
    await store.roles.grant(EDITOR_ID, Role.EDITOR, {LVIV}, by=ADMIN_ID)
    answer = await user.click_data(preview, AnnounceCb(action=AnnounceAction.SEND).pack())
    assert "cannot announce" in str(answer.get("text"))
    assert await store.events.upcoming(None, 0) == []
    assert await store.items.count() == 0


async def test_citizens_cannot_announce(client: BotClient, store: Storage) -> None:
    [answer] = await client.send("/announce")
    assert answer.plain_text == "Ця команда вам недоступна."
    crafted = AnnounceCb(action=AnnounceAction.REGION, code=LVIV).pack()
    [message] = await client.send("/events")
    await client.click_data(message, crafted)
    assert await store.items.count() == 0


async def test_a_restart_in_the_middle_resumes_the_flow(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    await store.roles.grant(EDITOR_ID, Role.EDITOR, {LVIV}, by=ADMIN_ID)
    async with running_bot(sandbox, settings, store) as client:
        user = client.as_user(EDITOR_ID, language="en")
        [question] = await user.send("/announce")
        await user.click(question, "Lviv")
        [answer] = await user.send("Лекція")
        assert "When is it?" in answer.plain_text
    async with running_bot(sandbox, settings, store) as client:
        user = client.as_user(EDITOR_ID, language="en")
        [answer] = await user.send(typed(in_days(4)))
        assert "Where does it take place?" in answer.plain_text
        await user.send("Бібліотека")
        [_intro, preview] = await user.send("Вхід вільний", expect=2)
        assert "Лекція" in preview.plain_text
        await user.click(preview, "Send")
    [event] = await store.events.upcoming(None, datetime.now(UTC).timestamp())
    assert event.title == "Лекція" and event.place == "Бібліотека"


async def test_reminders_fire_on_time_and_survive_a_restart(settings: Settings) -> None:
    store = await open_storage(settings)
    now = datetime.now(UTC)
    starts_at = now + timedelta(days=3)
    event_id = await announce(store, "Марафон", starts_at, offsets=(DAY, HOUR, 600))
    # Already past at creation: not created at all.
    soon = await announce(store, "Скоро", now + timedelta(minutes=30))
    assert await store.events.reminders(soon) == []
    await store.db.close()

    store = await open_storage(settings)  # a restart: the reminders are in the database
    try:
        assert await send_due_reminders(store, tz=KYIV, now=starts_at - timedelta(hours=25)) == 0
        woken: list[bool] = []
        due = starts_at - timedelta(hours=24)
        sent = await send_due_reminders(
            store, tz=KYIV, now=due, on_published=lambda: woken.append(True)
        )
        assert sent == 1 and woken == [True]
        assert await send_due_reminders(store, tz=KYIV, now=due) == 0  # once only
        [reminder] = await store.items.latest(1)
        assert (
            reminder.title == "Марафон" and reminder.kind is ItemKind.EVENT and reminder.reminder
        )
        assert reminder.region_code == LVIV and reminder.body_html is not None
        assert "Марафон" in reminder.body_html and typed(starts_at) in reminder.body_html
        # Late (the bot was down): both remaining ones go, once each.
        assert await send_due_reminders(store, tz=KYIV, now=starts_at - timedelta(minutes=5)) == 2
        assert [sent for _, _, sent in await store.events.reminders(event_id)] == [True] * 3
        # An event that has begun gets no more reminders.
        late = await announce(store, "Пізно", now + timedelta(hours=2), offsets=(HOUR,))
        assert await send_due_reminders(store, tz=KYIV, now=now + timedelta(hours=3)) == 0
        assert [sent for _, _, sent in await store.events.reminders(late)] == [False]
    finally:
        await store.db.close()


async def test_reminders_reach_the_regions_subscribers(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    await subscribe(store, 7, LVIV)
    await subscribe(store, 8, KHERSON)
    await store.chats.upsert(9, ChatType.PRIVATE, None, "uk")
    await store.chats.upsert(10, ChatType.PRIVATE, None, "en")  # reads English
    await store.subscriptions.add(10, [LVIV])
    starts_at = datetime.now(UTC) + timedelta(days=2)
    await announce(store, "Концерт", starts_at, now=datetime.now(UTC) - timedelta(days=1))
    async with delivering(sandbox, settings, store) as running:
        await running.settled()  # the announcement itself
        sent = await send_due_reminders(
            store, tz=KYIV, now=starts_at - timedelta(hours=23), on_published=running.worker.wake
        )
        assert sent == 1
        await running.settled()
    announcement, reminder = sandbox.sent(7)
    assert announcement.plain_text.startswith("Концерт")
    assert reminder.plain_text.startswith("⏰ Нагадування\n🗓 Концерт")
    assert reminder.text.startswith("⏰ <b>Нагадування</b>\n🗓 <b>Концерт</b>")
    assert [m.plain_text.split("\n")[0] for m in sandbox.sent(10)] == ["Концерт", "⏰ Reminder"]
    assert sandbox.sent(8) == [] and sandbox.sent(9) == []
    # In the lists of /latest too, each reader sees the word in their language.
    async with running_bot(sandbox, settings, store) as client:
        [latest] = await client.as_user(10, language="uk").send("/latest 1")
        assert "⏰ Нагадування: Концерт" in latest.plain_text
        [latest] = await client.as_user(11, language="en").send("/latest 1")
        assert "⏰ Reminder: Концерт" in latest.plain_text


async def test_cancel_drops_reminders_and_reschedule_moves_them(store: Storage) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    starts_at = now + timedelta(days=3)
    cancelled = await announce(store, "Скасована", starts_at)
    moved = await announce(store, "Перенесена", starts_at)
    assert await store.events.cancel(cancelled)
    assert not await store.events.cancel(cancelled)
    assert await store.events.reminders(cancelled) == []
    assert (
        await send_due_reminders(store, tz=KYIV, now=starts_at - timedelta(minutes=1)) == 2
    )  # the moved one's…
    later = starts_at + timedelta(days=7)
    assert await store.events.reschedule(moved, later, None, DEFAULT_OFFSETS)
    # …sent for the old time, both are due again for the new one.
    assert await store.events.reminders(moved) == [
        (DAY, later - timedelta(days=1), False),
        (HOUR, later - timedelta(hours=1), False),
    ]
    nearer = now + timedelta(minutes=90)  # only the hour's reminder still ahead
    assert await store.events.reschedule(moved, nearer, None, DEFAULT_OFFSETS)
    assert await store.events.reminders(moved) == [(HOUR, nearer - timedelta(hours=1), False)]
    event = await store.events.get(moved)
    assert event is not None and event.starts_at == nearer
    assert await send_due_reminders(store, tz=KYIV, now=nearer - timedelta(minutes=30)) == 1
    assert not await store.events.reschedule(cancelled, later, None, DEFAULT_OFFSETS)
    assert await store.events.upcoming(None, now.timestamp()) == [event]


async def test_events_lists_upcoming_ones_soonest_first(client: BotClient, store: Storage) -> None:
    now = datetime.now(UTC)
    today = now.astimezone(KYIV).replace(hour=0, minute=0, second=0, microsecond=0)
    await announce(store, "Минула", now - timedelta(hours=3), now=now - timedelta(days=2))
    await announce(store, "Пізніша", now + timedelta(days=5))
    await announce(store, "Рання", now + timedelta(days=2))
    await announce(
        store,
        "Фестиваль",
        today - timedelta(days=1),
        ends_at=today + timedelta(days=2),
        all_day=True,
        now=now - timedelta(days=3),
    )
    await announce(store, "Херсонська", now + timedelta(days=1), region=KHERSON)
    gone = await announce(store, "Скасована", now + timedelta(days=1))
    await store.events.cancel(gone)
    await subscribe(store, client.chat_id, LVIV)
    [answer] = await client.send("/events")
    lines = answer.plain_text.split("\n")
    titles = [line.split(". ", 1)[1] for line in lines if line[:1].isdigit() and ". " in line]
    assert titles == ["Фестиваль", "Рання", "Пізніша"]
    assert "📍 Ратуша" in answer.plain_text
    rannia = now + timedelta(days=2)
    assert typed(rannia) in answer.plain_text
    [shown] = await client.click(answer, "2. Рання")
    assert shown.text.startswith("<b>Рання</b>")
    assert "#Львівщина" in shown.plain_text
    # A region named: its events.
    [answer] = await client.send("/events Херсон")
    assert "Херсонська" in answer.plain_text and "Рання" not in answer.plain_text


async def test_announce_reads_dates_as_people_type_them(client: BotClient, store: Storage) -> None:
    """`завтра 10:00`, `23 травня 2027 10:00`, `2027-05-23 10:00`: each is read, and the
    flow goes on to the place with the date as the bot understood it."""
    user = await editor(client, store)
    tomorrow = (datetime.now(KYIV) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    next_year = datetime.now(KYIV).year + 1
    for text, shown in [
        ("завтра 10:00", f"{tomorrow:%d.%m.%Y} 10:00"),
        (f"23 травня {next_year} о 10:00", f"23.05.{next_year} 10:00"),
        (f"{next_year}-05-23 10.00", f"23.05.{next_year} 10:00"),
        (f"23–24 травня {next_year}", f"23–24.05.{next_year}"),
    ]:
        [question] = await user.send("/announce")
        await user.click(question, "Lviv")
        await user.send("Толока")
        [answer] = await user.send(text)
        assert f"When: {shown}." in answer.plain_text, text
        assert "Where does it take place?" in answer.plain_text
        await user.send("/cancel")

"""/settings end to end: the menu, language, the daily digest and quiet hours, with the worker's
clock and the bundle job's `now` set by the test (nothing waits for real hours)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.factory import build_bundle_renderer
from domain.formatting import MESSAGE_LIMIT, utf16_len
from handlers.settings.times import parse_range, parse_time
from infra.settings import Settings
from jobs.bundles import send_bundles
from sandbox import BotAPISandbox, SentMessage
from storage.models import ChatType, DeliveryStatus, ItemKind, NewItem
from storage.repositories import Storage
from tests.client import USER_ID, BotClient, running_bot
from tests.test_delivery import Delivering, delivering, subscribe
from tests.test_subscriptions import in_group, press

KYIV = ZoneInfo("Europe/Kyiv")
EVENING = datetime(2026, 12, 2, 23, 0, tzinfo=KYIV)
MORNING = datetime(2026, 12, 3, 8, 1, tzinfo=KYIV)
CHERNIHIV = "UA-74"


@pytest.fixture
async def worker(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> AsyncIterator[Delivering]:
    async with delivering(sandbox, settings, store) as running:
        running.worker.clock = lambda: EVENING
        yield running


@pytest.fixture
async def client(
    sandbox: BotAPISandbox, settings: Settings, store: Storage, worker: Delivering
) -> AsyncIterator[BotClient]:
    async with running_bot(sandbox, settings, store, delivery=worker.worker) as bot_client:
        yield bot_client


def item(title: str, *, minutes: int = 0, kind: ItemKind = ItemKind.NEWS) -> NewItem:
    return NewItem(
        CHERNIHIV,
        title,
        EVENING - timedelta(minutes=minutes),
        url=f"https://example.org/{abs(hash(title))}",
        source_name="Чернігівська ОВА",
        kind=kind,
    )


async def open_settings(client: BotClient) -> SentMessage:
    [menu] = await client.send("/settings")
    assert "Налаштування цього чату" in menu.plain_text
    return menu


async def choose(client: BotClient, menu: SentMessage, *labels: str) -> None:
    """Press buttons of the menu in turn (each edits it in place)."""
    for label in labels:
        await press(client, menu, label)


async def bundles(store: Storage, settings: Settings, now: datetime) -> int:
    return await send_bundles(store, build_bundle_renderer(settings), now=now)


async def test_the_menu_shows_and_saves_each_setting(client: BotClient, store: Storage) -> None:
    menu = await open_settings(client)
    assert "Доставка: кожна новина одразу" in menu.plain_text
    assert "Тихі години: вимкнено" in menu.plain_text
    await choose(client, menu, "Доставка", "08:00")
    await choose(client, menu, "Назад", "Тихі години", "22:00–08:00", "без звуку", "Назад")
    await choose(client, menu, "Увімкнути перегляд")
    assert "Доставка: щоденний дайджест о 08:00" in menu.plain_text
    assert "Тихі години: 22:00–08:00, новини надходять без звуку" in menu.plain_text
    assert "Попередній перегляд посилань: увімкнено" in menu.plain_text
    saved = await store.chat_settings.get(USER_ID)
    assert (saved.digest_at, saved.quiet, saved.quiet_mode, saved.previews) == (
        "08:00",
        ("22:00", "08:00"),
        "silent",
        True,
    )
    # A fresh /settings (a restart forgets nothing: the store holds it) shows the same.
    store.chat_settings.forget()
    again = await open_settings(client)
    assert "щоденний дайджест о 08:00" in again.plain_text


async def test_a_time_of_ones_own_is_typed(client: BotClient, store: Storage) -> None:
    menu = await open_settings(client)
    await choose(client, menu, "Доставка")
    answer = await client.click_data(menu, menu.button("Інший час")["callback_data"])
    assert "07:30" in str(answer.get("text"))
    [refused] = await client.send("25:00")
    assert "Не можу це прочитати" in refused.plain_text
    [saved] = await client.send("7.45")
    assert "✅" in saved.plain_text and "✅ 07:45" in " ".join(
        button["text"] for row in saved.buttons for button in row
    )
    assert (await store.chat_settings.get(USER_ID)).digest_at == "07:45"


async def test_english_chosen_here_is_spoken_everywhere(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    """The chat's language beats its user's Telegram language, for answers and news alike."""
    await subscribe(store, USER_ID, CHERNIHIV)
    menu = await open_settings(client)
    await choose(client, menu, "Мова", "English")
    assert "Settings of this chat" in menu.plain_text
    [help_text] = await client.send("/help")
    assert "/latest" in help_text.plain_text and "Команди" not in help_text.plain_text
    await worker.publish(item("Перекрито міст", kind=ItemKind.BREAKING))
    await worker.settled()
    [copy] = client.sandbox.sent(USER_ID)[-1:]
    assert copy.plain_text.startswith("🔴 Breaking:")
    # English readers get English hashtags too.
    assert copy.plain_text.endswith("#Chernihiv") and "#Чернігівщина" not in copy.plain_text


async def test_a_digest_once_a_day_with_breaking_news_at_once(
    client: BotClient, store: Storage, settings: Settings, worker: Delivering
) -> None:
    await subscribe(store, USER_ID, CHERNIHIV)
    await store.chat_settings.update(USER_ID, digest_at="08:00")
    since = client.sandbox.last_message_id(USER_ID)
    for minutes, title in enumerate(("Ремонт дороги", "Нова школа", "Концерт у парку")):
        await worker.publish(item(title, minutes=minutes))
    await worker.publish(item("Повітряна тривога", kind=ItemKind.BREAKING))
    await worker.settled()
    [breaking] = [m for m in client.sandbox.sent(USER_ID) if m.message_id > since]
    assert "Повітряна тривога" in breaking.plain_text  # at once, digest or not
    counts = await store.outbox.counts()
    assert counts[DeliveryStatus.HELD] == 3
    # Before its time nothing goes; at 08:01 one message with the three, newest first.
    assert await bundles(store, settings, MORNING.replace(hour=7, minute=59)) == 0
    assert await bundles(store, settings, MORNING) == 1
    worker.worker.wake()
    await worker.settled()
    [digest] = [m for m in client.sandbox.sent(USER_ID) if m.message_id > breaking.message_id]
    text = digest.plain_text
    assert text.startswith("📰 Новини дня, 03.12.2026")
    assert text.index("Ремонт дороги") < text.index("Нова школа") < text.index("Концерт у парку")
    assert "Чернігівщина" in text and 'href="https://example.org/' in digest.text
    # The same day never gets a second digest, and a day without news gets none.
    assert await bundles(store, settings, MORNING + timedelta(hours=3)) == 0
    assert await bundles(store, settings, MORNING + timedelta(days=1)) == 0
    counts = await store.outbox.counts()
    assert counts[DeliveryStatus.BUNDLED] == 3 and counts[DeliveryStatus.HELD] == 0


async def test_a_long_digest_comes_whole_in_several_messages(
    client: BotClient, store: Storage, settings: Settings, worker: Delivering
) -> None:
    await subscribe(store, USER_ID, CHERNIHIV)
    await store.chat_settings.update(USER_ID, digest_at="08:00")
    titles = [f"Новина {n:02d}: " + "довгий заголовок про події громади " * 6 for n in range(40)]
    for minutes, title in enumerate(titles):
        await worker.publish(item(title, minutes=minutes))
    await worker.settled()
    made = await bundles(store, settings, MORNING)
    assert made >= 2
    worker.worker.wake()
    await worker.settled()
    parts = client.sandbox.sent(USER_ID)[-made:]
    assert all(utf16_len(part.plain_text) <= MESSAGE_LIMIT for part in parts)
    assert [part.plain_text.rsplit("\n", 1)[-1] for part in parts] == [
        f"{number}/{made}" for number in range(1, made + 1)
    ]
    joined = "\n".join(part.plain_text for part in parts)
    for title in titles:
        assert joined.count(title[:12]) == 1


async def test_quiet_hours_hold_ordinary_items_until_morning(
    client: BotClient, store: Storage, settings: Settings, worker: Delivering
) -> None:
    await subscribe(store, USER_ID, CHERNIHIV)
    await store.chat_settings.update(USER_ID, quiet_from="22:00", quiet_to="08:00")
    since = client.sandbox.last_message_id(USER_ID)
    await worker.publish(item("Нічна новина"))
    await worker.publish(item("Ще одна нічна новина", minutes=5))
    await worker.publish(item("Тривога", kind=ItemKind.BREAKING))
    await worker.settled()
    [breaking] = [m for m in client.sandbox.sent(USER_ID) if m.message_id > since]
    assert "Тривога" in breaking.plain_text
    assert await bundles(store, settings, EVENING + timedelta(minutes=30)) == 0  # still quiet
    assert await bundles(store, settings, MORNING) == 1
    worker.worker.wake()
    await worker.settled()
    [morning] = [m for m in client.sandbox.sent(USER_ID) if m.message_id > breaking.message_id]
    assert morning.plain_text.startswith("🌙 Новини, що надійшли в тихі години")
    assert "Нічна новина" in morning.plain_text and "Ще одна нічна новина" in morning.plain_text


async def test_silent_quiet_hours_send_without_sound(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    await subscribe(store, USER_ID, CHERNIHIV)
    await store.chat_settings.update(
        USER_ID, quiet_from="22:00", quiet_to="08:00", quiet_mode="silent"
    )
    await worker.publish(item("Тиха новина"))
    await worker.publish(item("Гучна новина", kind=ItemKind.BREAKING))
    await worker.settled()
    sent = {m.plain_text.split("\n")[0]: m for m in client.sandbox.sent(USER_ID)}
    quiet = next(m for title, m in sent.items() if "Тиха новина" in title)
    loud = next(m for title, m in sent.items() if "Гучна новина" in title)
    assert quiet.params.get("disable_notification") is True
    assert not loud.params.get("disable_notification")


async def test_in_a_group_only_admins_change_the_settings(
    client: BotClient, store: Storage
) -> None:
    member = in_group(client, 502)
    await store.chats.upsert(member.chat_id, ChatType.SUPERGROUP, "Громада", "uk")
    [menu] = await member.send("/settings")
    answer = await member.click_data(menu, menu.button("перегляд")["callback_data"])
    assert "лише його адміністратори" in str(answer.get("text"))
    assert not (await store.chat_settings.get(member.chat_id)).previews


def test_times_and_ranges_people_type() -> None:
    assert parse_time("8:30") == "08:30" and parse_time("08.30") == "08:30"
    assert parse_time("24:00") is None and parse_time("8") is None
    assert parse_range("22:00-7:30") == ("22:00", "07:30")
    assert parse_range("22.00 – 07.00") == ("22:00", "07:00")
    assert parse_range("22:00-22:00") is None

"""End to end through the Bot API sandbox: /subscribe, /unsubscribe, /subscriptions, deep links,
admins in groups and channels, the bot joining and leaving chats, and /latest by subscription."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Chat, User

from domain.named_regions import parse_regions
from handlers.permissions import AdminCheck
from handlers.subscriptions.steps import deep_link_region
from sandbox import SANDBOX_TOKEN, BotAPISandbox, SentMessage
from storage.models import NewItem
from storage.repositories import Storage
from tests.client import USER_ID, BotClient

GROUP_ID = -100700
CHANNEL_ID = -100800
MEMBER_ID = 502
GROUP_ADMIN_ID = 503


def labels(message: SentMessage) -> list[str]:
    return [button["text"] for row in message.buttons for button in row]


async def press(client: BotClient, message: SentMessage, label: str) -> dict[str, Any]:
    """Press a button and wait until its press is answered (edits are done by then)."""
    data = message.button(label)["callback_data"]
    return await client.click_data(message, data)


async def post(sandbox: BotAPISandbox, chat_id: int, text: str) -> list[SentMessage]:
    """An admin's post in a channel; the bot's answers in the channel."""
    since = sandbox.last_message_id(chat_id)
    sandbox.channel_post(chat_id, text)
    return await sandbox.wait_for(chat_id, since=since)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def in_group(client: BotClient, user_id: int) -> BotClient:
    client.sandbox.add_chat(GROUP_ID, type="supergroup", title="Громада <Ріпки>")
    client.sandbox.add_user(user_id, first_name=f"User{user_id}", language_code="uk")
    return BotClient(client.sandbox, user_id, GROUP_ID, client.in_hand)


@pytest.mark.parametrize(
    ("text", "codes", "unknown"),
    [
        ("Львів Київ", ["UA-46", "UA-30"], []),
        ("Вся Україна", ["UA"], []),
        ("Чернігів, Київська область", ["UA-74", "UA-32"], []),
        ("Чернігів Київська область", ["UA-74", "UA-32"], []),
        ("Вся Україна Львів", ["UA", "UA-46"], []),
        ("Житомир Суми", ["UA-18", "UA-59"], []),
        ("Lviv and Kyiv oblast", ["UA-46", "UA-32"], []),
        ("у Чернігові; Автономна Республіка Крим", ["UA-74", "UA-43"], []),
        ("Черні Львів", ["UA-46"], ["Черні"]),
        ("Одеса, Мордор", ["UA-51"], ["Мордор"]),
    ],
)
def test_names_in_one_argument(text: str, codes: list[str], unknown: list[str]) -> None:
    named = parse_regions(text)
    assert [region.code for region in named.regions] == codes
    assert [missing.query for missing in named.not_found] == unknown


def test_deep_link_payloads() -> None:
    found = {p: deep_link_region(p) for p in ("UA-74", "ua_74", "UA74", "UA", "all", "74", "x")}
    assert {p: r.code if r else None for p, r in found.items()} == {
        "UA-74": "UA-74",
        "ua_74": "UA-74",
        "UA74": "UA-74",
        "UA": "UA",
        "all": "UA",
        "74": None,
        "x": None,
    }


async def test_subscribe_by_names_confirms_and_stores(client: BotClient, store: Storage) -> None:
    [two] = await client.send("/subscribe Львів Київ")
    assert "Підписано: Львівщина, Київ." in two.plain_text
    assert "/subscriptions" in two.plain_text
    assert await store.subscriptions.regions_of(USER_ID) == {"UA-46", "UA-30"}
    chat = await store.chats.get(USER_ID)
    assert chat is not None and chat.active

    [more] = await client.send("/subscribe Чернігів, Київська область; Львів")
    assert "Підписано: Чернігівщина, Київщина." in more.plain_text
    assert "Уже в підписках: Львівщина." in more.plain_text
    [national] = await client.send("/subscribe Вся Україна")
    assert "Підписано: Вся Україна." in national.plain_text
    assert await store.subscriptions.regions_of(USER_ID) == {
        "UA",
        "UA-30",
        "UA-32",
        "UA-46",
        "UA-74",
    }


async def test_unknown_names_get_suggestions_that_subscribe(
    client: BotClient, store: Storage
) -> None:
    [answer] = await client.send("/subscribe Одеса, Черні, Мордор <b>")
    text = answer.plain_text
    assert "Підписано: Одещина." in text
    assert "Регіон «Черні» не знайдено. Схожі регіони:" in text
    assert "Чернігівська область" in text
    assert "Регіон «Мордор <b>» не знайдено." in text  # escaped, shown as typed
    assert "➕ Чернігівська область" in labels(answer)
    pressed = await press(client, answer, "➕ Чернігівська область")
    assert pressed.get("text") == "Підписано: Чернігівщина."
    assert "➕ Чернігівська область" not in labels(answer)  # a used suggestion goes away
    assert await store.subscriptions.regions_of(USER_ID) == {"UA-51", "UA-74"}


async def test_toggle_keyboard_marks_choices_in_place_and_closes_into_a_summary(
    client: BotClient, store: Storage
) -> None:
    await client.send("/subscribe Львів")
    [keyboard] = await client.send("/subscribe")
    assert "Оберіть регіони" in keyboard.plain_text
    assert keyboard.buttons[0] == [keyboard.button("Вся Україна")]  # a row of its own
    assert all(len(row) == 2 for row in keyboard.buttons[1:14])
    assert labels(keyboard)[-1] == "Готово"
    assert len(labels(keyboard)) == 29
    assert "✅ Львівщина" in labels(keyboard)

    answer = await press(client, keyboard, "Чернігівщина")
    assert answer.get("text") == "Підписано: Чернігівщина."
    assert "✅ Чернігівщина" in labels(keyboard)
    assert await store.subscriptions.regions_of(USER_ID) == {"UA-46", "UA-74"}

    answer = await press(client, keyboard, "Чернігівщина")
    assert answer.get("text") == "Підписку скасовано: Чернігівщина."
    assert "Чернігівщина" in labels(keyboard) and "✅ Чернігівщина" not in labels(keyboard)
    await press(client, keyboard, "Вся Україна")
    assert await store.subscriptions.regions_of(USER_ID) == {"UA", "UA-46"}
    assert keyboard.edits == 3
    assert len(client.sandbox.sent(USER_ID)) == 2  # edited in place, nothing new sent

    await press(client, keyboard, "Готово")
    assert "Готово! Підписки: Вся Україна, Львівщина." in keyboard.plain_text
    assert keyboard.buttons == []


async def test_unsubscribe_names_all_and_no_argument(client: BotClient, store: Storage) -> None:
    await client.send("/subscribe Львів, Київ, Чернігів")
    [some] = await client.send("/unsubscribe Львів, Одеса")
    assert "Підписку скасовано: Львівщина." in some.plain_text
    assert "Немає в підписках: Одещина." in some.plain_text
    assert await store.subscriptions.regions_of(USER_ID) == {"UA-30", "UA-74"}
    [listing] = await client.send("/unsubscribe")
    assert "Ваші підписки (2)" in listing.plain_text
    [everything] = await client.send("/unsubscribe все")
    assert "Усі підписки скасовано (2)." in everything.plain_text
    assert await store.subscriptions.regions_of(USER_ID) == set()
    [nothing] = await client.send("/unsubscribe all")
    assert "Підписок тут і не було" in nothing.plain_text


async def test_subscriptions_list_removes_in_place(client: BotClient, store: Storage) -> None:
    [empty] = await client.send("/subscriptions")
    assert "У вас поки немає підписок." in empty.plain_text
    await client.send("/subscribe Львів Чернігів")
    [listing] = await client.send("/subscriptions")
    assert "Ваші підписки (2)" in listing.plain_text
    assert "• Львівщина" in listing.plain_text and "• Чернігівщина" in listing.plain_text
    assert {"❌ Львівщина", "❌ Чернігівщина"} <= set(labels(listing))

    answer = await press(client, listing, "❌ Львівщина")
    assert answer.get("text") == "Підписку скасовано: Львівщина."
    assert "Ваші підписки (1)" in listing.plain_text
    assert "Львівщина" not in listing.plain_text
    assert await store.subscriptions.regions_of(USER_ID) == {"UA-74"}

    await press(client, listing, "❌ Чернігівщина")
    assert "У вас поки немає підписок." in listing.plain_text
    await press(client, listing, "Обрати регіони")  # opens the /subscribe keyboard in place
    assert "Оберіть регіони" in listing.plain_text
    assert len(labels(listing)) == 29


async def test_deep_links_subscribe_at_once(client: BotClient, store: Storage) -> None:
    [chernihiv] = await client.send("/start UA-74")
    assert "Підписано: Чернігівщина." in chernihiv.plain_text
    [national] = await client.send("/start UA")
    assert "Підписано: Вся Україна." in national.plain_text
    assert await store.subscriptions.regions_of(USER_ID) == {"UA", "UA-74"}
    other = client.as_user(601, language="en")
    [everything] = await other.send("/start all")
    assert "Subscribed: All Ukraine." in everything.plain_text
    assert await store.subscriptions.regions_of(601) == {"UA"}
    [greeting] = await client.send("/start UA-99")
    assert "Вітаю" in greeting.plain_text
    assert await store.subscriptions.regions_of(USER_ID) == {"UA", "UA-74"}


async def test_only_group_admins_change_the_groups_subscriptions(
    client: BotClient, store: Storage
) -> None:
    member = in_group(client, MEMBER_ID)
    [refused] = await member.send("/subscribe Львів")
    assert "лише його адміністратори" in refused.plain_text
    [refused_link] = await member.send("/start UA-46")
    assert "лише його адміністратори" in refused_link.plain_text
    assert await store.subscriptions.regions_of(GROUP_ID) == set()

    client.sandbox.set_member(GROUP_ID, GROUP_ADMIN_ID, "administrator")
    admin = in_group(client, GROUP_ADMIN_ID)
    [done] = await admin.send("/subscribe Львів")
    assert "Підписано: Львівщина." in done.plain_text
    assert await store.subscriptions.regions_of(GROUP_ID) == {"UA-46"}
    chat = await store.chats.get(GROUP_ID)
    assert chat is not None and chat.title == "Громада <Ріпки>"

    # Everyone may look; only admins may press.
    [listing] = await member.send("/subscriptions")
    assert "Підписки цього чату (1)" in listing.plain_text
    answer = await press(member, listing, "❌ Львівщина")
    assert answer.get("show_alert") is True
    assert "лише його адміністратори" in str(answer.get("text"))
    [keyboard] = await admin.send("/subscribe")
    crafted = await member.click_data(keyboard, "s:toggle:UA-74")
    assert "лише його адміністратори" in str(crafted.get("text"))
    assert await store.subscriptions.regions_of(GROUP_ID) == {"UA-46"}

    await press(admin, keyboard, "Чернігівщина")
    assert await store.subscriptions.regions_of(GROUP_ID) == {"UA-46", "UA-74"}
    # Telegram was asked once per user: the answers are kept for a while.
    assert client.sandbox.calls["getChatMember"] == 2


async def test_an_anonymous_group_admin_counts_as_admin(client: BotClient, store: Storage) -> None:
    group = client.sandbox.add_chat(GROUP_ID, type="supergroup", title="Громада")
    since = client.sandbox.last_message_id(GROUP_ID)
    text = "/subscribe Одеса"
    client.sandbox.enqueue_update(
        {
            "message": {
                "message_id": 9000,
                "from": {
                    "id": 1087968824,
                    "is_bot": True,
                    "first_name": "Group",
                    "username": "GroupAnonymousBot",
                },
                "sender_chat": group,
                "chat": group,
                "date": int(time.time()),
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len("/subscribe")}],
            }
        }
    )
    [answer] = await client.sandbox.wait_for(GROUP_ID, since=since)
    assert "Підписано: Одещина." in answer.plain_text
    assert await store.subscriptions.regions_of(GROUP_ID) == {"UA-51"}


async def test_a_member_posting_as_a_channel_is_not_an_admin(
    client: BotClient, store: Storage
) -> None:
    """Telegram lets a member post in a group on behalf of a channel of their own
    (sender_chat is that channel, not the group): that speaks for nobody but the member."""
    group = client.sandbox.add_chat(GROUP_ID, type="supergroup", title="Громада")
    own_channel = client.sandbox.add_chat(CHANNEL_ID, type="channel", title="Мій канал")
    since = client.sandbox.last_message_id(GROUP_ID)
    text = "/subscribe Одеса"
    client.sandbox.enqueue_update(
        {
            "message": {
                "message_id": 9001,
                "from": {
                    "id": 136817688,
                    "is_bot": True,
                    "first_name": "Channel",
                    "username": "Channel_Bot",
                },
                "sender_chat": own_channel,
                "chat": group,
                "date": int(time.time()),
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len("/subscribe")}],
            }
        }
    )
    [answer] = await client.sandbox.wait_for(GROUP_ID, since=since)
    assert "лише його адміністратори" in answer.plain_text
    assert await store.subscriptions.regions_of(GROUP_ID) == set()


async def test_telegrams_no_is_kept_ten_seconds_and_its_yes_a_minute(
    sandbox: BotAPISandbox,
) -> None:
    """A user promoted a moment after a refusal is refused for 10 s at most; one demoted keeps
    an admin's rights for a minute at most; meanwhile Telegram is not asked again."""
    now = [1000.0]
    check = AdminCheck(clock=lambda: now[0])
    group = Chat(id=GROUP_ID, type="supergroup", title="Громада")
    user = User(id=MEMBER_ID, is_bot=False, first_name="Member")
    sandbox.add_chat(GROUP_ID, type="supergroup", title="Громада")
    sandbox.add_user(MEMBER_ID, first_name="Member")
    bot = Bot(
        SANDBOX_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox.base_url))
    )
    try:
        assert not await check.may_change(bot, group, user)
        sandbox.set_member(GROUP_ID, MEMBER_ID, "administrator")
        now[0] += 9.9
        assert not await check.may_change(bot, group, user)  # the "no" still holds
        now[0] = 1010.0
        assert await check.may_change(bot, group, user)  # 10 s on: asked again
        sandbox.set_member(GROUP_ID, MEMBER_ID, "member")
        now[0] += 59.8
        assert await check.may_change(bot, group, user)  # the "yes" still holds
        now[0] += 0.3
        assert not await check.may_change(bot, group, user)
        assert sandbox.calls["getChatMember"] == 3
        # Private chats need no asking; a bot never counts as an admin.
        private = Chat(id=MEMBER_ID, type="private")
        assert await check.may_change(bot, private, user)
        robot = User(id=42, is_bot=True, first_name="Robot")
        sandbox.set_member(GROUP_ID, 42, "administrator")
        assert not await check.may_change(bot, group, robot)
        assert not await check.may_change(bot, group, None)
        assert sandbox.calls["getChatMember"] == 3
        # Telegram cannot say (a chat it does not know): not an admin, and nothing kept.
        unknown = Chat(id=-100999, type="supergroup", title="Невідома")
        assert not await check.may_change(bot, unknown, user)
        sandbox.add_chat(-100999, type="supergroup", title="Невідома")
        sandbox.set_member(-100999, MEMBER_ID, "administrator")
        assert await check.may_change(bot, unknown, user)  # the next press asks again
        assert sandbox.calls["getChatMember"] == 5
    finally:
        await bot.session.close()


async def test_a_full_admin_cache_forgets_the_expired_answers_first(
    sandbox: BotAPISandbox,
) -> None:
    """A flood of distinct users never grows the cache past its bound."""
    now = [0.0]
    check = AdminCheck(max_entries=2, clock=lambda: now[0])
    group = Chat(id=GROUP_ID, type="supergroup", title="Громада")
    sandbox.add_chat(GROUP_ID, type="supergroup", title="Громада")
    users = {}
    members = ((601, "administrator"), (602, "member"), (603, "member"), (604, "member"))
    for user_id, status in members:
        sandbox.add_user(user_id, first_name=f"User{user_id}")
        sandbox.set_member(GROUP_ID, user_id, status)
        users[user_id] = User(id=user_id, is_bot=False, first_name=f"User{user_id}")
    bot = Bot(
        SANDBOX_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox.base_url))
    )
    try:
        assert await check.may_change(bot, group, users[601])  # kept a minute
        assert not await check.may_change(bot, group, users[602])  # kept 10 s
        now[0] = 10.0  # 602's answer ends now
        assert not await check.may_change(bot, group, users[603])  # full: 602 is forgotten
        assert await check.may_change(bot, group, users[601])  # still known: not asked
        assert sandbox.calls["getChatMember"] == 3
        assert len(check) == 2
        # Full again, and nothing has expired: the cache starts over rather than grow.
        assert not await check.may_change(bot, group, users[604])
        assert len(check) == 1
        assert await check.may_change(bot, group, users[601])  # asked again
        assert sandbox.calls["getChatMember"] == 5
    finally:
        await bot.session.close()


async def test_channel_posts_are_commands(client: BotClient, store: Storage) -> None:
    sandbox = client.sandbox
    sandbox.add_chat(CHANNEL_ID, type="channel", title="Новини громади")
    [answer] = await post(sandbox, CHANNEL_ID, "/subscribe Львів")
    assert "Підписано: Львівщина." in answer.plain_text
    assert await store.subscriptions.regions_of(CHANNEL_ID) == {"UA-46"}
    [listing] = await post(sandbox, CHANNEL_ID, "/subscriptions")
    assert "Підписки цього чату (1)" in listing.plain_text
    [keyboard] = await post(sandbox, CHANNEL_ID, "/subscribe")
    reader = BotClient(sandbox, user_id=MEMBER_ID, chat_id=CHANNEL_ID)
    refused = await press(reader, keyboard, "Київщина")
    assert "лише його адміністратори" in str(refused.get("text"))
    sandbox.set_member(CHANNEL_ID, GROUP_ADMIN_ID, "administrator")
    admin = BotClient(sandbox, user_id=GROUP_ADMIN_ID, chat_id=CHANNEL_ID)
    await press(admin, keyboard, "Київщина")
    assert await store.subscriptions.regions_of(CHANNEL_ID) == {"UA-32", "UA-46"}
    [help_post] = await post(sandbox, CHANNEL_ID, "/help")
    assert "/subscribe" in help_post.plain_text


async def test_bot_added_to_a_group_introduces_itself(client: BotClient, store: Storage) -> None:
    sandbox = client.sandbox
    sandbox.add_chat(GROUP_ID, type="group", title="Сусіди")
    since = sandbox.last_message_id(GROUP_ID)
    sandbox.my_chat_member(GROUP_ID, user_id=USER_ID, old_status="left", new_status="member")
    [intro] = await sandbox.wait_for(GROUP_ID, since=since)
    assert "Вісник" in intro.plain_text
    assert "/subscribe Чернігів" in intro.plain_text
    chat = await store.chats.get(GROUP_ID)
    assert chat is not None and chat.active and chat.title == "Сусіди"


async def test_bot_blocked_or_kicked_marks_the_chat_inactive(
    client: BotClient, store: Storage
) -> None:
    await client.send("/subscribe Львів")
    sandbox = client.sandbox
    sandbox.my_chat_member(USER_ID, user_id=USER_ID, old_status="member", new_status="kicked")

    async def inactive() -> bool:
        chat = await store.chats.get(USER_ID)
        return chat is not None and not chat.active

    await eventually(inactive)
    assert len(sandbox.sent(USER_ID)) == 1  # nothing said to a chat that blocked the bot


async def test_latest_shows_the_chats_regions_and_national_news(
    client: BotClient, store: Storage
) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    await store.items.add_many(
        [
            NewItem(region_code=code, title=title, published_at=start + timedelta(minutes=n))
            for n, (code, title) in enumerate(
                [
                    ("UA-46", "Львівська новина"),
                    ("UA-63", "Харківська новина"),
                    ("UA", "Всеукраїнська новина"),
                    ("UA-74", "Чернігівська новина"),
                ]
            )
        ]
    )
    [everything] = await client.send("/latest")
    assert everything.plain_text.count("🕒") == 4
    await client.send("/subscribe Львів")
    [mine] = await client.send("/latest")
    assert "Останні новини ваших регіонів" in mine.plain_text
    assert "Львівська новина" in mine.plain_text and "Всеукраїнська новина" in mine.plain_text
    assert "Харківська новина" not in mine.plain_text
    assert "Чернігівська новина" not in mine.plain_text
    await client.send("/subscribe Вся Україна")
    [national] = await client.send("/latest")
    assert "Останні новини всієї України" in national.plain_text
    assert national.plain_text.count("🕒") == 4

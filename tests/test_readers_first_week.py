"""What readers complained about in their first week (issue 14, "Everyone"), end to end: a
command addressed to another bot, a city that is not a regional centre, a region without news
that could not be subscribed to from its answer, and /latest past its limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.models import NewItem
from storage.repositories import Storage
from tests.client import ADMIN_ID, USER_ID, BotClient

GROUP_ID = -100514


async def test_a_command_for_another_bot_is_not_answered(client: BotClient) -> None:
    await client.silence("/help@other_bot")
    await client.silence("/frobnicate@other_bot")
    client.sandbox.add_chat(GROUP_ID, type="supergroup", title="Громада")
    member = BotClient(client.sandbox, user_id=USER_ID, chat_id=GROUP_ID)
    await member.silence("/help@other_bot")
    # Addressed to this bot, or to no bot, it is answered.
    [unknown] = await client.send("/frobnicate")
    assert "Я не знаю команди /frobnicate" in unknown.plain_text
    [helped] = await client.send("/help@visnyk_sandbox_bot")
    assert "/latest" in helped.plain_text


async def test_a_region_without_news_offers_to_subscribe(
    client: BotClient, store: Storage
) -> None:
    [answer] = await client.send("Чернівці")
    assert answer.plain_text == "Чернівеччина: новин поки немає."
    await client.click(answer, "Підписатися на регіон Чернівеччина", expect=0)
    await client.sandbox.wait_until(lambda: not client.sandbox.sent(USER_ID)[-1].buttons)
    assert await store.subscriptions.regions_of(USER_ID) == {"UA-77"}
    # Subscribed, the region's news come without the button.
    [again] = await client.send("/region Чернівці")
    assert again.buttons == []
    # In a group, /region is for reading: no button that only its admins could press.
    client.sandbox.add_chat(GROUP_ID, type="supergroup", title="Громада")
    member = BotClient(client.sandbox, user_id=USER_ID, chat_id=GROUP_ID)
    [in_group] = await member.send("/region Чернівці")
    assert in_group.buttons == []


async def test_a_city_that_is_not_a_centre_says_which_oblast_it_is(
    client: BotClient, store: Storage
) -> None:
    line = "Кривий Ріг — це Дніпропетровщина."
    [plain] = await client.send("Кривий Ріг")
    assert plain.plain_text.startswith("📍 " + line)
    assert "Дніпропетровщина: новин поки немає." in plain.plain_text
    [region] = await client.send("/region у Кривому Розі")
    assert line in region.plain_text
    [centre] = await client.send("/region Дніпро")
    assert "це" not in centre.plain_text
    [subscribed] = await client.send("/subscribe Кривий Ріг, Львів")
    assert subscribed.plain_text.startswith("📍 " + line)
    assert "Дніпропетровщина, Львівщина" in subscribed.plain_text
    assert await store.subscriptions.regions_of(USER_ID) == {"UA-12", "UA-46"}
    [unsubscribed] = await client.send("/unsubscribe Маріуполь, Кривий Ріг")
    assert "Маріуполь — це Донеччина." in unsubscribed.plain_text
    assert line in unsubscribed.plain_text
    [events] = await client.send("/events Кривий Ріг")
    assert events.plain_text.startswith("📍 " + line + "\n🗓 ")
    english = client.as_user(777, language="en")
    [read] = await english.send("Kryvyi Rih")
    assert read.plain_text.startswith("📍 Kryvyi Rih is in Dnipropetrovsk Oblast.")
    # Staff commands read regions too.
    admin = client.as_user(ADMIN_ID)
    [admit] = await admin.send("/admit Кривий Ріг ГО «Рудана»")
    assert line in admit.plain_text and "ГО «Рудана»" in admit.plain_text
    [members] = await admin.send("/members Нікополь")
    assert "Нікополь — це Дніпропетровщина." in members.plain_text


async def test_latest_past_twenty_shows_twenty_and_says_so(
    client: BotClient, store: Storage
) -> None:
    start = datetime(2026, 11, 1, 8, tzinfo=UTC)
    await store.items.add_many(
        [
            NewItem(
                region_code="UA-74",
                title=f"Новина номер {n}",
                published_at=start + timedelta(minutes=n),
            )
            for n in range(25)
        ]
    )
    for asked in ("21", "1000", "99999999999999999999"):
        answers = await client.send(f"/latest {asked}")
        text = "\n".join(answer.plain_text for answer in answers)
        assert text.count("🕒") == 20, asked
        assert "Показую щонайбільше 20 новин за раз." in text
        assert "Новина номер 24" in text and "Новина номер 5" in text
        assert "Новина номер 4\n" not in text + "\n"
    [five] = await client.send("/latest")
    assert five.plain_text.count("🕒") == 5 and "щонайбільше" not in five.plain_text
    [zero] = await client.send("/latest 0")
    assert "від 1 до 20" in zero.plain_text
    english = client.as_user(777, language="en")
    answers = await english.send("/latest 21")
    assert "I show at most 20 items at a time." in answers[0].plain_text

"""Pages of news: ◀️/▶️ under /latest, /region and /search edit the answer in place, and work
from an old message after a restart; a region's news offers a subscription."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.factory import open_storage
from infra.settings import Settings
from sandbox import BotAPISandbox, SentMessage
from storage.models import NewItem
from storage.repositories import Storage
from tests.client import USER_ID, BotClient, running_bot

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def numbers(message: SentMessage) -> list[int]:
    return [int(found) for found in re.findall(r"Новина №(\d+)", message.plain_text)]


def labels(message: SentMessage) -> list[str]:
    return [button["text"] for row in message.buttons for button in row]


async def pressed(user: BotClient, message: SentMessage, label: str) -> None:
    """Press a button that edits its own message, and wait for the edit."""
    edits = message.edits
    user.sandbox.press(message, label, user_id=user.user_id)
    await user.sandbox.wait_until(lambda: message.edits > edits)


async def add_news(store: Storage, count: int, region: str = "UA-74", title: str = "") -> None:
    await store.items.add_many(
        [
            NewItem(
                region,
                f"Новина №{number} {title}".strip(),
                START + timedelta(minutes=number),
                source_name="ОДА",
            )
            for number in range(1, count + 1)
        ]
    )


async def test_latest_pages_back_and_forth_in_place(client: BotClient, store: Storage) -> None:
    await add_news(store, 12)
    [answer] = await client.send("/latest")
    assert numbers(answer) == [12, 11, 10, 9, 8]
    assert "Сторінка 1 з 3" in answer.plain_text
    assert labels(answer) == ["▶️"]
    await pressed(client, answer, "▶️")
    assert numbers(answer) == [7, 6, 5, 4, 3]
    assert "Сторінка 2 з 3" in answer.plain_text
    assert labels(answer) == ["◀️", "▶️"]
    await pressed(client, answer, "▶️")
    assert numbers(answer) == [2, 1] and labels(answer) == ["◀️"]
    await pressed(client, answer, "◀️")
    assert numbers(answer) == [7, 6, 5, 4, 3]
    # /latest N pages by N; one message all along.
    [ten] = await client.send("/latest 10")
    assert numbers(ten) == list(range(12, 2, -1)) and "Сторінка 1 з 2" in ten.plain_text
    await pressed(client, ten, "▶️")
    assert numbers(ten) == [2, 1]
    assert len(client.sandbox.sent(USER_ID)) == 2


async def test_a_single_page_has_no_buttons(client: BotClient, store: Storage) -> None:
    await add_news(store, 3)
    [answer] = await client.send("/latest")
    assert numbers(answer) == [3, 2, 1]
    assert "Сторінка" not in answer.plain_text and answer.buttons == []


async def test_a_page_button_from_before_a_restart_still_works(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    await add_news(store, 25)
    async with running_bot(sandbox, settings, store) as client:
        [region] = await client.send("/region Чернігів")
        [found] = await client.send("/search новина")
    await store.db.close()

    # A new process: a new connection to the same database, a new dispatcher, no memory.
    reopened = await open_storage(settings)
    try:
        async with running_bot(sandbox, settings, reopened) as client:
            await pressed(client, region, "▶️")
            assert numbers(region) == list(range(15, 5, -1))
            assert "Сторінка 2 з 3" in region.plain_text
            await pressed(client, found, "▶️")
            assert "Сторінка 2 з 3" in found.plain_text and len(numbers(found)) == 10
    finally:
        await reopened.db.close()


async def test_a_regions_news_offers_to_subscribe(client: BotClient, store: Storage) -> None:
    await add_news(store, 12, region="UA-46")
    [lviv] = await client.send("/region Львів")
    assert "➕ Підписатися на регіон Львівщина" in labels(lviv)
    await pressed(client, lviv, "▶️")
    assert "➕ Підписатися на регіон Львівщина" in labels(lviv)  # pages keep it
    await pressed(client, lviv, "Підписатися")
    assert await store.subscriptions.regions_of(USER_ID) == {"UA-46"}
    assert labels(lviv) == ["◀️"]  # the subscription button is gone, the pages stay
    # Subscribed: no such button; nor under a region that all-Ukraine covers.
    [again] = await client.send("/region Львів")
    assert not any("Підписатися" in label for label in labels(again))
    await store.subscriptions.add(USER_ID, ["UA"])
    [kyiv] = await client.send("/region Київ")
    assert not any("Підписатися" in label for label in labels(kyiv))


async def test_search_pages_carry_their_words_and_region(
    client: BotClient, store: Storage
) -> None:
    await add_news(store, 14, region="UA-74", title="про ремонт доріг")
    await add_news(store, 3, region="UA-46", title="про ремонт доріг")
    [found] = await client.send("/search Чернігівщина: дорога ремонт")
    assert "Сторінка 1 з 2" in found.plain_text and len(numbers(found)) == 10
    assert "Львівщина" not in found.plain_text
    await pressed(client, found, "▶️")
    assert len(numbers(found)) == 4 and "Сторінка 2 з 2" in found.plain_text
    assert "Львівщина" not in found.plain_text
    assert "Чернігівщина: дорога ремонт" in found.plain_text


async def test_search_pages_of_many_long_words_keep_those_that_fit_a_button(
    client: BotClient, store: Storage
) -> None:
    """Telegram's 64 bytes of callback data hold three of these five long words: the pages
    go on with those, instead of the answer failing."""
    words = "реконструкція гідроелектростанції модернізація телекомунікацій електрифікація"
    await add_news(store, 12, title=words)
    [found] = await client.send(f"/search {words}")
    assert "Сторінка 1 з 2" in found.plain_text and len(numbers(found)) == 10
    await pressed(client, found, "▶️")
    assert "Сторінка 2 з 2" in found.plain_text and len(numbers(found)) == 2


async def test_stale_or_crafted_page_buttons_are_answered(
    client: BotClient, store: Storage
) -> None:
    await add_news(store, 12)
    [answer] = await client.send("/latest")
    for data in ("p:r:2:0:UA-99:", "p:s:1:0::", "p:s:1:0::~zz-", "p:x:1:0::"):
        reply = await client.click_data(answer, data)
        assert "застаріла" in str(reply.get("text")), data
    # A page past the end (items retracted since) shows the last one.
    reply = await client.click_data(answer, "p:l:9:0::")
    assert "застаріла" not in str(reply.get("text"))
    await client.sandbox.wait_until(lambda: "Сторінка 3 з 3" in answer.plain_text)

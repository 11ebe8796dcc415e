"""End to end through the Bot API sandbox: what a user sees for /start, /help, /latest, /region."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.demo_data import DEMO_ITEMS
from sandbox import BotAPISandbox, SentMessage
from storage.models import ItemKind, NewItem
from storage.repositories import Storage
from storage.roles import Role
from tests.client import ADMIN_ID, USER_ID, BotClient

GROUP_ID = -100500


def texts(messages: list[SentMessage]) -> str:
    return "\n".join(message.plain_text for message in messages)


def labels(message: SentMessage) -> list[str]:
    return [button["text"] for row in message.buttons for button in row]


@pytest.fixture
async def demo(store: Storage) -> Storage:
    await store.items.add_many(DEMO_ITEMS)
    return store


async def test_start_greets_by_name_offers_buttons_and_remembers_the_chat(
    client: BotClient, store: Storage
) -> None:
    client.sandbox.add_user(USER_ID, first_name="Олена", language_code="uk")
    [answer] = await client.send("/start")
    assert "Вітаю, Олена!" in answer.plain_text
    assert "Вісник" in answer.plain_text
    assert any("Обрати регіони" in label for label in labels(answer))
    assert any("Останні новини" in label for label in labels(answer))
    chat = await store.chats.get(USER_ID)
    assert chat is not None and chat.active and chat.language == "uk"


async def test_start_speaks_english_to_english_users(client: BotClient) -> None:
    english = client.as_user(777, language="en")
    [answer] = await english.send("/start")
    assert "Hello, User777!" in answer.plain_text
    assert any("Choose regions" in label for label in labels(answer))
    assert "Вітаю" not in answer.plain_text


async def test_other_languages_get_ukrainian(client: BotClient) -> None:
    german = client.as_user(778, language="de")
    [answer] = await german.send("/help")
    assert "/latest" in answer.plain_text and "останніх новин" in answer.plain_text


async def test_start_buttons_lead_to_news_and_regions(client: BotClient, demo: Storage) -> None:
    [menu] = await client.send("/start")
    [latest] = await client.click(menu, "Останні новини")
    assert "Останні новини" in latest.plain_text
    assert latest.plain_text.count("🕒") == 5
    [regions] = await client.click(menu, "Обрати регіони")
    assert len(labels(regions)) == 28
    assert labels(regions)[0] == "Вся Україна"
    [chernihiv] = await client.click(regions, "Чернігівщина")
    assert "Чернігівщина: останні новини" in chernihiv.plain_text
    assert "«Зроблено в Україні»" in chernihiv.plain_text


async def test_help_lists_commands_for_the_users_role(client: BotClient, store: Storage) -> None:
    [citizen_help] = await client.send("/help")
    for command in ("/latest", "/region", "/subscribe", "/start", "/help"):
        assert command in citizen_help.plain_text
    assert "/push" not in citizen_help.plain_text and "/grant" not in citizen_help.plain_text
    await store.roles.grant(31337, Role.EDITOR, {"UA-74"}, by=ADMIN_ID)
    [editor_help] = await client.as_user(31337).send("/help")
    assert "Для редакторів" in editor_help.plain_text and "/push" in editor_help.plain_text
    assert "/grant" not in editor_help.plain_text
    admin = client.as_user(ADMIN_ID)
    [admin_help] = await admin.send("/help")
    assert "Для адміністраторів" in admin_help.plain_text
    assert "/grant" in admin_help.plain_text and "/push" in admin_help.plain_text


async def test_latest_shows_five_newest_with_kyiv_time_region_and_source(
    client: BotClient, demo: Storage
) -> None:
    [answer] = await client.send("/latest")
    text = answer.plain_text
    assert text.count("🕒") == 5
    # Newest first; 15:28 Kyiv time is 13:28 UTC on 12 November 2025.
    first, second = text.index("Екологічне виховання"), text.index("Шукала легкого")
    assert first < second
    assert "12.11.2025 15:28 · Чернігівщина" in text
    assert "Чернігівська ОВА" in text
    # The sixth (oldest) item, the conference article of May, is not among the five.
    assert "е-врядування" not in text
    # HTML, and no preview of the first link pushing the list down.
    assert answer.parse_mode == "HTML"
    assert answer.params["link_preview_options"] == {"is_disabled": True}


async def test_latest_n_and_wrong_n(client: BotClient, demo: Storage) -> None:
    [two] = await client.send("/latest 2")
    assert two.plain_text.count("🕒") == 2
    [all_six] = await client.send("/latest 20")
    assert all_six.plain_text.count("🕒") == 6
    for wrong in ("/latest abc", "/latest 0", "/latest -3", "/latest 5 6"):
        [answer] = await client.send(wrong)
        assert "Вкажіть число від 1 до 20" in answer.plain_text, wrong


async def test_latest_on_an_empty_store_says_so(client: BotClient) -> None:
    [answer] = await client.send("/latest")
    assert "Новин поки немає" in answer.plain_text


async def test_item_links_and_escaping_survive_html_mode(
    client: BotClient, store: Storage
) -> None:
    now = datetime.now(UTC)
    await store.items.add(
        NewItem(
            region_code="UA-46",
            title='<script>alert("x")</script> & Co <b>',
            url="https://example.org/news?a=1&b=2",
            source_name="Львів <ОВА> & партнери",
            published_at=now,
            kind=ItemKind.BREAKING,
        )
    )
    [answer] = await client.send("/latest 1")
    assert '<script>alert("x")</script> & Co <b>' in answer.plain_text
    assert "Львів <ОВА> & партнери" in answer.plain_text
    assert "Терміново" in answer.plain_text
    assert 'href="https://example.org/news?a=1&amp;b=2"' in answer.text


async def test_a_long_page_fits_in_one_message_with_shorter_titles(
    client: BotClient, store: Storage
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    await store.items.add_many(
        [
            NewItem(
                region_code="UA-63",
                title=f"Новина {number:02d} " + "дуже довгий заголовок " * 20,
                url=f"https://example.org/{number}/" + "x" * 200,
                source_name="Харківська ОВА",
                published_at=start + timedelta(minutes=number),
            )
            for number in range(20)
        ]
    )
    # A page is edited in place by its buttons, so it is one message: titles are cut shorter.
    [answer] = await client.send("/latest 20")
    assert len(answer.plain_text) <= 4096
    found = re.findall(r"Новина (\d\d)", answer.plain_text)
    assert found == [f"{number:02d}" for number in range(19, -1, -1)]
    assert "заголовок…" in answer.plain_text


async def test_region_by_name_shows_only_that_region(client: BotClient, demo: Storage) -> None:
    await demo.items.add(
        NewItem(
            region_code="UA-77",
            title="Буковинська новина",
            published_at=datetime.now(UTC),
        )
    )
    [chernihiv] = await client.send("/region Чернігові")
    assert "Чернігівщина: останні новини" in chernihiv.plain_text
    assert "Буковинська новина" not in chernihiv.plain_text
    assert chernihiv.plain_text.count("🕒") == 6
    [chernivtsi] = await client.send("/region chernivtsi")
    assert "Буковинська новина" in chernivtsi.plain_text
    assert "Зроблено в Україні" not in chernivtsi.plain_text
    [kyiv] = await client.send("/region Київ")
    assert "Київ: новин поки немає" in kyiv.plain_text
    [everything] = await client.send("/region Вся Україна")
    assert "Буковинська новина" in everything.plain_text


async def test_region_without_a_name_offers_a_keyboard(client: BotClient, demo: Storage) -> None:
    [keyboard] = await client.send("/region")
    assert "Оберіть регіон" in keyboard.plain_text
    assert {"Київ", "Київщина", "Чернігівщина", "Чернівеччина"} <= set(labels(keyboard))
    assert len(labels(keyboard)) == 28


async def test_unknown_region_gets_suggestions_that_work(client: BotClient, demo: Storage) -> None:
    [answer] = await client.send("/region Черні")
    assert "не знайдено" in answer.plain_text
    assert "Чернігівська область" in labels(answer)
    [news] = await client.click(answer, "Чернігівська")
    assert "Зроблено в Україні" in news.plain_text
    [nothing] = await client.send("/region qqqqqqqqqqqq")
    assert "не знайдено" in nothing.plain_text
    assert any("Усі регіони" in label for label in labels(nothing))


async def test_unknown_input_in_private_chat_gets_a_hint(client: BotClient, demo: Storage) -> None:
    [unknown] = await client.send("/frobnicate now")
    assert "/frobnicate" in unknown.plain_text and "/help" in unknown.plain_text
    [plain] = await client.send("привіт, що нового?")
    assert "/help" in plain.plain_text
    [region] = await client.send("Чернігівщина")
    assert "Зроблено в Україні" in region.plain_text
    [html_like] = await client.send("/<b>")
    assert "/help" in html_like.plain_text


async def test_a_document_gets_a_clear_answer(client: BotClient) -> None:
    since = client.sandbox.last_message_id(client.chat_id)
    client.sandbox.send_message(
        client.chat_id, "", user_id=client.user_id, document=("a.txt", b"hi")
    )
    [answer] = await client.sandbox.wait_for(client.chat_id, since=since)
    assert "лише текст і команди" in answer.plain_text


async def test_privileged_commands_are_refused_to_citizens(client: BotClient) -> None:
    for command in ("/push", "/grant 1 editor", "/network", "/sources", "/export_members"):
        [answer] = await client.send(command)
        assert answer.plain_text == "Ця команда вам недоступна.", command
    [answer] = await client.send("/stats")
    assert answer.plain_text == "Ця команда вам недоступна."


async def test_search_finds_words_in_any_form(client: BotClient, demo: Storage) -> None:
    # «податків» in the title, asked as «податки»; «Ніжині» as «ніжин», in lower case.
    [found] = await client.send("/search податки")
    assert "Знайдено за запитом «податки»" in found.plain_text
    assert found.plain_text.count("🕒") == 1 and "34,7 млрд" in found.plain_text
    [found] = await client.send("/search ніжин офіс")
    assert "У Ніжині запрацював" in found.plain_text and found.plain_text.count("🕒") == 1
    # Words of the summary count too («лайки» is only there); every word must be there.
    [both] = await client.send("/search поліція лайки")
    assert "Шукала легкого заробітку" in both.plain_text and both.plain_text.count("🕒") == 1
    [none] = await client.send("/search податки Ніжин")
    assert "Нічого не знайдено за запитом «податки Ніжин»" in none.plain_text
    [hint] = await client.send("/search")
    assert "/search податки" in hint.plain_text
    english = client.as_user(612, language="en")
    [found] = await english.send("/search ПОДАТКИ")
    assert "Found for “ПОДАТКИ”" in found.plain_text and "34,7 млрд" in found.plain_text


async def test_groups_get_commands_but_no_chatter(client: BotClient, demo: Storage) -> None:
    client.sandbox.add_chat(GROUP_ID, type="supergroup", title="Громада")
    member = BotClient(client.sandbox, USER_ID, GROUP_ID, client.in_hand)
    [latest] = await member.send("/latest@visnyk_sandbox_bot 1")
    assert latest.plain_text.count("🕒") == 1
    await member.silence("просто розмова в групі")
    await member.silence("/frobnicate")
    await member.silence("/latest@some_other_bot")


async def test_crafted_or_stale_callback_data_is_answered(client: BotClient) -> None:
    [menu] = await client.send("/start")
    for data in ("r:show:UA-99", "r:fly:UA-74", "garbage", "m:nowhere"):
        answer = await client.click_data(menu, data)
        assert "застаріла" in str(answer.get("text")), data


async def test_menu_is_set_in_ukrainian_and_english(
    client: BotClient, sandbox: BotAPISandbox
) -> None:
    await client.send("/help")  # the bot has started once it answers
    uk = {c["command"]: c["description"] for c in sandbox.commands[("default", "")]}
    en = {c["command"]: c["description"] for c in sandbox.commands[("default", "en")]}
    assert uk["latest"] == "Останні новини"
    assert en["latest"] == "Latest news"
    assert uk["search"] == "Пошук новин"
    assert en["events"] == "Upcoming events" and uk["stop"] == "Зупинити й забути цей чат"
    assert (
        list(uk)
        == list(en)
        == [
            "start",
            "latest",
            "region",
            "search",
            "events",
            "subscribe",
            "subscriptions",
            "unsubscribe",
            "settings",
            "stop",
            "help",
        ]
    )


async def test_an_unknown_start_code_is_said_then_greeted(client: BotClient) -> None:
    for payload in ("UA-99", "promo_2025"):
        [answer] = await client.send(f"/start {payload}")
        text = answer.plain_text
        assert f"Код «{payload}» у посиланні мені невідомий." in text
        assert text.index("невідомий") < text.index("Вітаю")
        assert any("Обрати регіони" in label for label in labels(answer))
    [known] = await client.send("/start UA-74")
    assert "невідомий" not in known.plain_text


async def test_a_failing_handler_still_answers(client: BotClient, store: Storage) -> None:
    await store.db.close()  # every query now raises
    [answer] = await client.send("/latest")
    assert "Щось пішло не так" in answer.plain_text

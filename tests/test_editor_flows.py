"""Editors' flows as a newsroom uses them (issue 14): a region typed at the region question,
text typed at a confirmation, /cancel with nothing to cancel, what /announce promises.

Editors speak English here unless a test says otherwise, so that the assertions read the
source texts; the Ukrainian ones are checked where the wording is the point.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandbox import SentMessage
from storage.repositories import Storage
from storage.roles import Role
from tests.client import ADMIN_ID, BotClient
from tests.test_events import KYIV, in_days, labels, typed

EDITOR = 4343
LVIV, KHERSON, CHERNIHIV, DNIPRO = "UA-46", "UA-65", "UA-74", "UA-12"


async def editor_of(
    client: BotClient, store: Storage, *regions: str, language: str = "en"
) -> BotClient:
    await store.roles.grant(EDITOR, Role.EDITOR, set(regions), by=ADMIN_ID)
    return client.as_user(EDITOR, language=language)


# --- a region typed at the region question --------------------------------------------------


async def test_push_takes_a_typed_region(client: BotClient, store: Storage) -> None:
    editor = await editor_of(client, store, LVIV, CHERNIHIV)
    [question] = await editor.send("/push")
    assert "Lviv" in labels(question)
    [prompt] = await editor.send("Чернігів")
    assert "Breaking news for Chernihiv" in prompt.plain_text
    assert question.buttons == []  # the question's buttons are gone with it
    # The flow goes on: the text is previewed, not read as a region.
    _intro, preview = await editor.send("Міст закрито", expect=2)
    # The preview is in the editor's English, hashtag included.
    assert "Міст закрито" in preview.plain_text and "#Chernihiv" in preview.plain_text


async def test_push_says_which_oblast_a_city_is_in(client: BotClient, store: Storage) -> None:
    editor = await editor_of(client, store, DNIPRO, language="uk")
    await editor.send("/push")
    [prompt] = await editor.send("у Кривому Розі")
    first, second = prompt.plain_text.split("\n")[:2]
    assert first == "Кривий Ріг — Дніпропетровщина"
    assert "Дніпропетровщина" in second
    english = client.as_user(EDITOR, language="en")
    [prompt] = await english.send("/push Kryvyi Rih")
    assert prompt.plain_text.startswith("Kryvyi Rih — Dnipropetrovsk\n")


async def test_push_refuses_a_typed_region_out_of_scope(client: BotClient, store: Storage) -> None:
    editor = await editor_of(client, store, LVIV)
    [question] = await editor.send("/push")
    buttons = labels(question)
    [again] = await editor.send("Херсонщина")
    assert "You cannot publish to Kherson." in again.plain_text
    assert "Which region is it for?" in again.plain_text
    assert labels(again) == buttons and question.buttons == []
    [again] = await editor.send("Бла-бла")
    assert "I do not know a region called «Бла-бла»" in again.plain_text
    assert "Lviv" in labels(again)
    [prompt] = await editor.send("Львівщина")
    assert "Breaking news for Lviv" in prompt.plain_text
    assert await store.items.count() == 0


async def test_announce_takes_a_typed_region(client: BotClient, store: Storage) -> None:
    editor = await editor_of(client, store, LVIV, DNIPRO, language="uk")
    [question] = await editor.send("/announce")
    buttons = labels(question)
    [again] = await editor.send("Херсон")
    assert "Ви не можете анонсувати події в регіоні «Херсонщина»." in again.plain_text
    assert labels(again) == buttons and question.buttons == []
    [answer] = await editor.send("Кривий Ріг")
    assert answer.plain_text.split("\n")[:2] == [
        "Кривий Ріг — Дніпропетровщина",
        "Регіон: Дніпропетровщина.",
    ]
    assert again.buttons == []
    [answer] = await editor.send("Толока")  # the title, not a region
    assert "Коли це буде?" in answer.plain_text


# --- text typed at a confirmation -----------------------------------------------------------


async def push_preview(editor: BotClient, text: str) -> SentMessage:
    await editor.send("/push Львів")
    _intro, preview = await editor.send(text, expect=2)
    return preview


async def test_a_new_text_at_the_push_preview_replaces_the_draft(
    client: BotClient, store: Storage
) -> None:
    editor = await editor_of(client, store, LVIV)
    first = await push_preview(editor, "Перший варіант")
    assert "send a new text to replace" in client.sandbox.sent(EDITOR)[-2].plain_text
    intro, second = await editor.send("Другий варіант\nз подробицями", expect=2)
    assert "replaces the draft" in intro.plain_text
    assert "Другий варіант" in second.plain_text and "Перший" not in second.plain_text
    assert first.buttons == [] and "📤 Send" in labels(second)
    [status] = await editor.click(second, "Send")
    assert "№" in status.plain_text
    [item] = await store.items.latest(1)
    assert item.title == "Другий варіант"


async def test_a_photo_or_sticker_at_the_preview_gets_the_hint(
    client: BotClient, store: Storage
) -> None:
    editor = await editor_of(client, store, LVIV)
    await push_preview(editor, "Чернетка")
    since = client.sandbox.last_message_id(EDITOR)
    client.sandbox.send_message(EDITOR, "", user_id=EDITOR, document=("a.pdf", b"%PDF"))
    [hint] = await client.sandbox.wait_for(EDITOR, since=since)
    assert "Press “Send” or “Cancel”" in hint.plain_text
    assert "send a new text" in hint.plain_text


async def test_a_new_text_at_the_correction_preview_replaces_it(
    client: BotClient, store: Storage
) -> None:
    editor = await editor_of(client, store, LVIV)
    preview = await push_preview(editor, "Міст закрито")
    [status] = await editor.click(preview, "Send")
    item_id = int(status.plain_text.split("№")[1].split()[0])
    await editor.send(f"/correct {item_id}")
    _intro, first = await editor.send("Міст відкрито", expect=2)
    intro, second = await editor.send("Міст відкрито о 10:00", expect=2)
    assert "replaces the draft" in intro.plain_text
    assert first.buttons == [] and "10:00" in second.plain_text
    [done] = await editor.click(second, "Correct")
    assert "corrected" in done.plain_text
    item = await store.items.get(item_id)
    assert item is not None and item.title == "Міст відкрито о 10:00"


# --- /cancel with nothing to cancel ---------------------------------------------------------


async def test_cancel_outside_a_flow_says_there_is_nothing_to_cancel(
    client: BotClient, store: Storage
) -> None:
    [answer] = await client.send("/cancel")  # a citizen
    assert answer.plain_text == "Немає чого скасовувати."
    editor = await editor_of(client, store, LVIV)
    [answer] = await editor.send("/cancel")
    assert answer.plain_text == "There is nothing to cancel."
    [help_text] = await editor.send("/help")
    assert "/cancel — " in help_text.plain_text


# --- what /announce says when it is sent ----------------------------------------------------


async def announce_at(editor: BotClient, when: str) -> SentMessage:
    """/announce in Lviv at `when`, sent: the confirmation."""
    [question] = await editor.send("/announce")
    await editor.click(question, "Lviv")
    await editor.send("Толока")
    await editor.send(when)
    [skip] = await editor.send("Парк")
    [_intro, preview] = await editor.click(skip, "Skip", expect=2)
    [done] = await editor.click(preview, "Send")
    return done


def in_minutes(minutes: int) -> str:
    moment = (datetime.now(UTC) + timedelta(minutes=minutes)).astimezone(KYIV)
    return f"{moment:%d.%m.%Y %H:%M}"


async def test_announce_says_its_number_and_which_reminders_will_come(
    client: BotClient, store: Storage
) -> None:
    editor = await editor_of(client, store, LVIV)
    done = await announce_at(editor, typed(in_days(3)))
    [event] = await store.events.upcoming(None, datetime.now(UTC).timestamp())
    assert f"№\u00a0{event.item_id}" in done.plain_text
    assert "a day and an hour before the start" in done.plain_text
    done = await announce_at(editor, in_minutes(62))
    assert "an hour before the start" in done.plain_text
    assert "a day" not in done.plain_text
    done = await announce_at(editor, in_minutes(50))
    assert "No reminders" in done.plain_text


async def test_announce_says_in_ukrainian_which_reminders_will_come(
    client: BotClient, store: Storage
) -> None:
    editor = await editor_of(client, store, LVIV, language="uk")
    [question] = await editor.send("/announce")
    await editor.click(question, "Львівщина")
    [when] = await editor.send("Толока")
    assert "завтра 10:00" in when.plain_text  # the question shows the forms people type
    [answer] = await editor.send("01.01.2020 10:00")
    assert "Цей час уже минув" in answer.plain_text
    await editor.send(in_minutes(62))
    [skip] = await editor.send("Парк")
    [_intro, preview] = await editor.click(skip, "Пропустити", expect=2)
    [done] = await editor.click(preview, "Надіслати")
    assert "Нагадування прийде за годину до початку." in done.plain_text

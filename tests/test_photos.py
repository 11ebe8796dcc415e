"""A photo in /push, end to end: its caption is the news (the first line the headline), the
preview and every copy are the photo (sendPhoto), a caption over Telegram's 1,024 characters
is refused with the reason, and /correct and /retract change the captions."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

import handlers.editors.push
from infra.settings import Settings
from sandbox import BotAPISandbox, SentMessage
from storage.models import ChatType
from storage.repositories import Storage
from storage.roles import Role
from tests.client import ADMIN_ID, BotClient, running_bot
from tests.test_delivery import Delivering, delivering, subscribe

EDITOR = 4646
LVIV = "UA-46"
JPEG = b"\xff\xd8\xff\xe0 a bridge"


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


async def editor_of(client: BotClient, store: Storage) -> BotClient:
    await store.roles.grant(EDITOR, Role.EDITOR, {LVIV}, by=ADMIN_ID)
    return client.as_user(EDITOR, language="en")


async def send_photo(
    client: BotClient, caption: str, expect: int = 2
) -> tuple[str, list[SentMessage]]:
    """The editor sends a photo with `caption`: its file id, and the bot's answers."""
    sandbox = client.sandbox
    since = sandbox.last_message_id(EDITOR)
    update = sandbox.send_message(EDITOR, caption, user_id=EDITOR, photo=("bridge.jpg", JPEG))
    answers = await sandbox.wait_for(EDITOR, expect, since=since)
    await sandbox.quiet()
    return update["message"]["photo"][-1]["file_id"], answers


async def push_photo(client: BotClient, editor: BotClient, caption: str) -> tuple[int, str]:
    """/push Львів, a photo with `caption`, Send: the item's number and the photo's file id,
    once every copy went out."""
    await editor.send("/push Львів")
    file_id, [intro, preview] = await send_photo(client, caption)
    assert "how subscribers in Lviv will see it" in intro.plain_text
    [status] = await editor.click(preview, "Send")
    await client.sandbox.wait_until(lambda: "Report on item" in status.plain_text)
    return int(status.plain_text.split("№")[1].split()[0]), file_id


async def test_a_photo_with_its_caption_goes_out_as_a_photo(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    await subscribe(store, 11, LVIV)
    await store.chats.upsert(12, ChatType.PRIVATE, None, "en")
    await store.subscriptions.add(12, [LVIV])
    editor = await editor_of(client, store)
    await editor.send("/push Львів")
    file_id, [_intro, preview] = await send_photo(client, "Міст закрито\nОбʼїзд через центр.")
    assert preview.method == "sendPhoto" and preview.params["photo"] == file_id
    assert preview.plain_text.startswith("🔴 Breaking: Міст закрито")
    assert "Send" in str(preview.buttons)
    [status] = await editor.click(preview, "Send")
    await client.sandbox.wait_until(lambda: "Delivered: 2" in status.plain_text)
    for chat, mark, hashtag in (
        (11, "🔴 Терміново: ", "#Львівщина"),
        (12, "🔴 Breaking: ", "#Lviv"),
    ):
        [copy] = client.sandbox.sent(chat)
        assert copy.method == "sendPhoto" and copy.params["photo"] == file_id
        assert copy.plain_text.startswith(mark + "Міст закрито")
        assert "Обʼїзд через центр." in copy.plain_text and copy.plain_text.endswith(hashtag)
    [item] = await store.items.latest(1)
    assert item.title == "Міст закрито" and item.photo == file_id
    [latest] = await client.as_user(11).send("/latest 1")
    assert "Міст закрито" in latest.plain_text


async def test_a_caption_over_telegrams_limit_is_refused_with_the_reason(
    client: BotClient, store: Storage
) -> None:
    editor = await editor_of(client, store)
    await editor.send("/push Львів")
    _file_id, [refused] = await send_photo(client, "Заголовок\n" + "я" * 1100, expect=1)
    assert "1,024 characters long at most" in refused.plain_text
    assert "would have 1\u00a0" in refused.plain_text  # how long it would be, with its frame
    assert "without the photo" in refused.plain_text
    _file_id, [refused] = await send_photo(client, "", expect=1)
    assert "Add a caption to the photo" in refused.plain_text
    # Still in the flow: a caption that fits is taken; as text, the long one is too.
    _file_id, [_intro, preview] = await send_photo(client, "Заголовок\nКоротко")
    assert preview.method == "sendPhoto"
    _intro, text = await editor.send("Заголовок\n" + "я" * 1100, expect=2)
    assert text.method == "sendMessage" and preview.buttons == []
    assert await store.items.count() == 0


async def test_correct_and_retract_change_the_captions(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    await subscribe(store, 11, LVIV)
    await subscribe(store, 12, LVIV)
    editor = await editor_of(client, store)
    item_id, file_id = await push_photo(client, editor, "Міст закрито")
    await editor.send(f"/correct {item_id}")
    [_intro, preview] = await editor.send("Міст відкрито\nРух відновлено.", expect=2)
    assert preview.method == "sendPhoto" and preview.params["photo"] == file_id
    [status] = await editor.click(preview, "Correct")
    await client.sandbox.wait_until(
        lambda: "Copies with the corrected text: 2" in status.plain_text
    )
    for chat in (11, 12):
        [copy] = client.sandbox.sent(chat)
        assert copy.method == "sendPhoto" and copy.edits == 1
        assert copy.plain_text.startswith("🔴 Терміново: Міст відкрито")
    # A copy too old to delete gets the notice in its caption.
    await store.db.execute(
        "UPDATE deliveries SET sent_at = ? WHERE chat_id = 12", (time.time() - 49 * 3600,)
    )
    [confirm] = await editor.send(f"/retract {item_id}")
    [status] = await editor.click(confirm, "Retract")
    await client.sandbox.wait_until(
        lambda: "Copies replaced with a notice: 1" in status.plain_text
    )
    assert "Copies deleted: 1" in status.plain_text
    [gone] = client.sandbox.sent(11, include_deleted=True)
    assert gone.deleted
    [kept] = client.sandbox.sent(12)
    assert kept.method == "sendPhoto" and "відкликала" in kept.plain_text

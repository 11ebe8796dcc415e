"""Editors end to end: /push, /correct, /retract, /report, through the sandbox and a worker.

Editors here speak English, so that the assertions hold before and after the Ukrainian
catalog gains these texts; subscribers speak Ukrainian.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Collection
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import DeleteMessage, EditMessageCaption, EditMessageText, TelegramMethod

import handlers.editors.changes
import handlers.editors.copies
import handlers.editors.push
import handlers.editors.steps
from handlers.editors.keyboards import EditorAction, EditorCb
from infra.pacing import PaceLimits, Pacer
from infra.settings import Settings
from jobs.editing import DELETE_WINDOW, correct_copies, retract_copies
from sandbox import BotAPISandbox, ChatFault, SentMessage
from storage.editorial import DeliveredCopy, ItemState
from storage.models import ChatType, CopyChange, DeliveryStatus, NewItem
from storage.repositories import Storage
from storage.roles import Role
from tests.client import ADMIN_ID, BotClient, outcome, running_bot
from tests.test_delivery import Delivering, delivering, subscribe

EDITOR = 4242
LVIV, KHERSON, CHERNIHIV = "UA-46", "UA-65", "UA-74"


@pytest.fixture(autouse=True)
def quick_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handlers.editors.push, "PROGRESS_INTERVAL", 0.1)
    monkeypatch.setattr(handlers.editors.steps, "SETTLE_INTERVAL", 0.01)


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


async def pressed(user: BotClient, message: SentMessage, label: str) -> None:
    """Press a button that edits its own message, and wait for the edit."""
    edits = message.edits
    await user.click(message, label, expect=0)
    await user.sandbox.wait_until(lambda: message.edits > edits)


async def push(editor: BotClient, region_label: str, text: str) -> int:
    """/push, a region, the text, Send: returns the item's number once delivery is done."""
    [choose] = await editor.send("/push")
    await pressed(editor, choose, region_label)
    assert "Breaking news for" in choose.plain_text
    intro, preview = await editor.send(text, expect=2)
    assert "how subscribers" in intro.plain_text
    [status] = await editor.click(preview, "Send")
    item_id = int(status.plain_text.split("№")[1].split()[0])
    await editor.sandbox.wait_until(lambda: "Report on item" in status.plain_text)
    return item_id


async def test_a_push_reaches_its_region_only(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    await subscribe(store, 11, LVIV)
    await subscribe(store, 12, KHERSON)
    await subscribe(store, 13, "UA")
    editor = await editor_of(client, store, LVIV, CHERNIHIV)
    [choose] = await editor.send("/push")
    labels = [button["text"] for row in choose.buttons for button in row]
    assert "Lviv" in " ".join(labels) and "Kherson" not in " ".join(labels)
    assert "All Ukraine" not in labels  # only editors of every region push nationwide
    item_id = await push(editor, "Lviv", "Air raid alert in Lviv\nGo to shelters.")
    for chat in (11, 13):
        [received] = client.sandbox.sent(chat)
        assert received.plain_text.startswith("🔴 Терміново: Air raid alert in Lviv")
        assert "Go to shelters." in received.plain_text
    assert client.sandbox.sent(12) == []
    [status] = [m for m in client.sandbox.sent(EDITOR) if "Report on item" in m.plain_text]
    assert f"№\u00a0{item_id}" in status.plain_text and "Delivered: 2" in status.plain_text
    assert [e.action for e in await store.audit.recent(5, item_id=item_id)] == ["push"]
    # The item is in /latest, marked as breaking.
    reader = client.as_user(11)
    [latest] = await reader.send("/latest 1")
    assert "Терміново" in latest.plain_text and "Air raid alert in Lviv" in latest.plain_text


async def test_only_editors_push(client: BotClient, store: Storage) -> None:
    await store.roles.grant(77, Role.COORDINATOR, {LVIV}, by=ADMIN_ID)
    for user_id in (77, 501):
        user = client.as_user(user_id)
        for command in ("/push", "/push Львів", "/correct 1", "/retract 1", "/report 1"):
            [answer] = await user.send(command)
            assert answer.plain_text == "Ця команда вам недоступна.", (user_id, command)


async def test_an_editor_of_lviv_cannot_push_to_kherson(client: BotClient, store: Storage) -> None:
    await subscribe(store, 12, KHERSON)
    editor = await editor_of(client, store, LVIV, CHERNIHIV)
    [choose] = await editor.send("/push Херсон")  # refused, and asked again
    assert "cannot publish to Kherson" in choose.plain_text and "Lviv" in str(choose.buttons)
    crafted = EditorCb(action=EditorAction.REGION, code=KHERSON).pack()
    answer = await editor.click_data(choose, crafted)
    assert "cannot publish to" in str(answer.get("text"))
    # Rights taken away in the middle of a flow: the final button checks again.
    await store.roles.grant(EDITOR, Role.EDITOR, {KHERSON}, by=ADMIN_ID)
    await editor.click_data(choose, crafted)  # now allowed
    await client.sandbox.wait_until(lambda: "Breaking news for Kherson" in choose.plain_text)
    _intro, preview = await editor.send("Not for Kherson", expect=2)
    await store.roles.revoke(EDITOR, Role.EDITOR, by=ADMIN_ID)
    await store.roles.grant(EDITOR, Role.EDITOR, {LVIV}, by=ADMIN_ID)
    answer = await editor.click_data(preview, EditorCb(action=EditorAction.SEND).pack())
    assert "cannot publish to" in str(answer.get("text"))
    assert await store.items.count() == 0 and client.sandbox.sent(12) == []


async def test_a_flow_survives_a_restart(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    await subscribe(store, 11, LVIV)
    await store.roles.grant(EDITOR, Role.EDITOR, {LVIV}, by=ADMIN_ID)
    async with delivering(sandbox, settings, store) as running:
        async with running_bot(sandbox, settings, store, delivery=running.worker) as first:
            editor = first.as_user(EDITOR, language="en")
            [prompt] = await editor.send("/push Львів")
            assert "Breaking news for Lviv" in prompt.plain_text
        async with running_bot(sandbox, settings, store, delivery=running.worker) as second:
            editor = second.as_user(EDITOR, language="en")
            _intro, preview = await editor.send("After the restart", expect=2)
            [status] = await editor.click(preview, "Send")
            await running.settled()
            await sandbox.wait_until(lambda: "Report on item" in status.plain_text)
    [received] = sandbox.sent(11)
    assert "After the restart" in received.plain_text


async def test_cancel_leaves_the_flow(client: BotClient, store: Storage) -> None:
    editor = await editor_of(client, store, LVIV)
    await editor.send("/push Львів")
    [cancelled] = await editor.send("/cancel")
    assert "Cancelled" in cancelled.plain_text
    [hint] = await editor.send("Some text")  # no flow: plain text is a region search
    assert "how subscribers" not in hint.plain_text
    [choose] = await editor.send("/push")
    await pressed(editor, choose, "Cancel")
    assert "Cancelled" in choose.plain_text and choose.buttons == []
    assert await store.items.count() == 0


async def test_a_correction_edits_every_copy(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    for chat in (11, 12, 13):
        await subscribe(store, chat, LVIV)
    await store.chats.upsert(13, ChatType.PRIVATE, None, "en")  # reads as the editor does
    client.sandbox.set_fault(12, ChatFault("hold", times=1))  # still on its way at the Send
    editor = await editor_of(client, store, LVIV)
    item_id, _pushed = await send_push(editor, "Lviv", "Bridge closed")
    await client.sandbox.wait_until(lambda: client.sandbox.held == 1)
    [prompt] = await editor.send(f"/correct {item_id}")
    assert "Correcting item" in prompt.plain_text
    _intro, preview = await editor.send("Bridge open again\nTraffic restored.", expect=2)
    client.sandbox.set_fault(11, ChatFault("blocked"))  # 11 blocked the bot meanwhile
    [status] = await editor.click(preview, "Correct")
    assert f"Item № {item_id} is corrected; delivered copies to edit: 3" in status.plain_text
    assert preview.buttons == []  # pressed: the buttons go
    client.sandbox.release()
    report = await outcome(client.sandbox, status)
    assert f"Item № {item_id} is corrected." in report
    assert "Copies with the corrected text: 2" in report and "Could not edit: 1" in report
    [ukrainian] = client.sandbox.sent(12)
    assert "Bridge open again" in ukrainian.plain_text and "Терміново" in ukrainian.plain_text
    [english] = client.sandbox.sent(13)
    assert english.edits == 1 and english.text == preview.text  # the preview was exact
    [stale_copy] = client.sandbox.sent(11)
    assert "Bridge closed" in stale_copy.plain_text
    [latest] = await client.as_user(14).send("/latest 1")
    assert "Bridge open again" in latest.plain_text and "Bridge closed" not in latest.plain_text
    item = await store.items.get(item_id)
    assert item is not None and "Traffic restored." in item.body_html  # as the store keeps it
    assert "correct" in [e.action for e in await store.audit.recent(5, item_id=item_id)]


async def test_a_retraction_deletes_every_copy(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    for chat in (11, 12):
        await subscribe(store, chat, LVIV)
    editor = await editor_of(client, store, LVIV)
    item_id = await push(editor, "Lviv", "False alarm")
    [confirm] = await editor.send(f"/retract {item_id}")
    assert "Retract item" in confirm.plain_text
    [status] = await editor.click(confirm, "Retract")
    assert confirm.buttons == []  # pressed: the buttons go
    report = await outcome(client.sandbox, status)
    assert "Copies deleted: 2" in report
    assert f"Item № {item_id} is retracted." in report
    for chat in (11, 12):
        [copy] = client.sandbox.sent(chat, include_deleted=True)
        assert copy.deleted
    [latest] = await client.as_user(11).send("/latest")
    assert "False alarm" not in latest.plain_text
    assert (await store.outbox.counts(item_id))[DeliveryStatus.SENT] == 2
    [entry] = [e for e in await store.audit.recent(5, item_id=item_id) if e.action == "retract"]
    assert (entry.user_id, entry.details) == (EDITOR, "False alarm")


async def test_a_retraction_cancels_the_copies_not_sent_yet(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    await subscribe(store, 11, LVIV)
    await subscribe(store, 12, LVIV)
    client.sandbox.set_fault(12, ChatFault("flood", retry_after=30, times=1))  # waits 30 s
    editor = await editor_of(client, store, LVIV)
    item_id, _status = await send_push(editor, "Lviv", "Not for everyone")
    await client.sandbox.wait_until(lambda: client.sandbox.errors[429] == 1)
    [confirm] = await editor.send(f"/retract {item_id}")
    [status] = await editor.click(confirm, "Retract")
    report = await outcome(client.sandbox, status)
    assert "Copies not sent, cancelled: 1" in report and "Copies deleted: 1" in report
    counts = await store.outbox.counts(item_id)
    assert counts[DeliveryStatus.CANCELLED] == 1 and counts[DeliveryStatus.PENDING] == 0
    assert client.sandbox.sent(12) == []


async def test_a_button_of_a_flow_that_ended_changes_nothing(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    """Retract and Correct pressed after /cancel (or a later command) ended their flow: out
    of date, and the item stays."""
    await subscribe(store, 11, LVIV)
    editor = await editor_of(client, store, LVIV)
    item_id = await push(editor, "Lviv", "Item one")
    assert item_id == 1  # the first item: what a flow without an item would default to
    [confirm] = await editor.send(f"/retract {item_id}")
    await editor.send("/cancel")
    answer = await editor.click_data(confirm, confirm.button("Retract")["callback_data"])
    assert answer.get("text") == "This button is out of date. Start again with the command."
    await editor.send(f"/correct {item_id}")
    _intro, preview = await editor.send("Item one, corrected", expect=2)
    await editor.send("/cancel")
    answer = await editor.click_data(preview, preview.button("Correct")["callback_data"])
    assert answer.get("text") == "This button is out of date. Start again with the command."
    # A Correct button naming another item than the flow's (crafted) is out of date too.
    other = await push(editor, "Lviv", "Item two")
    await editor.send(f"/correct {item_id}")
    await editor.send("Item one, corrected", expect=2)
    crafted = EditorCb(action=EditorAction.CORRECT, item_id=other).pack()
    answer = await editor.click_data(preview, crafted)
    assert answer.get("text") == "This button is out of date. Start again with the command."
    # ...and so is a Retract button naming another item than the flow's.
    [confirm] = await editor.send(f"/retract {item_id}")
    crafted = EditorCb(action=EditorAction.RETRACT, item_id=other).pack()
    answer = await editor.click_data(confirm, crafted)
    assert answer.get("text") == "This button is out of date. Start again with the command."
    [copy, second] = client.sandbox.sent(11)
    assert not copy.deleted and copy.edits == 0 and second.edits == 0
    states = await store.editorial.states([item_id, other])
    assert states == {item_id: ItemState(0, False), other: ItemState(0, False)}


async def test_a_correction_of_an_item_retracted_meanwhile_says_so(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    await subscribe(store, 11, LVIV)
    editor = await editor_of(client, store, LVIV)
    item_id = await push(editor, "Lviv", "Bridge closed")
    await editor.send(f"/correct {item_id}")
    _intro, preview = await editor.send("Bridge open", expect=2)
    admin = client.as_user(ADMIN_ID, language="en")
    [confirm] = await admin.send(f"/retract {item_id}")
    await admin.click(confirm, "Retract")
    await editor.click_data(preview, preview.button("Correct")["callback_data"])
    said = [m.plain_text for m in client.sandbox.sent(EDITOR)][-1]
    assert said == f"Item № {item_id} was retracted."
    [copy] = client.sandbox.sent(11, include_deleted=True)
    assert copy.edits == 0  # nothing corrected


async def test_the_audit_log_keeps_a_retracted_items_title_to_200_characters(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    title = "Дуже довгий заголовок " * 12  # 264 characters
    published = await store.outbox.publish(NewItem(LVIV, title.strip(), datetime.now(UTC)))
    editor = await editor_of(client, store, LVIV)
    [confirm] = await editor.send(f"/retract {published.item_id}")
    [status] = await editor.click(confirm, "Retract")
    await outcome(client.sandbox, status)
    [entry, *_older] = await store.audit.recent(5)
    assert (entry.action, entry.details) == ("retract", title.strip()[:200])


async def send_push(editor: BotClient, region_label: str, text: str) -> tuple[int, SentMessage]:
    """/push, a region, the text, Send: the item's number and the editor's status message,
    as soon as the broadcast has started."""
    [choose] = await editor.send("/push")
    await pressed(editor, choose, region_label)
    _intro, preview = await editor.send(text, expect=2)
    [status] = await editor.click(preview, "Send")
    return int(status.plain_text.split("№")[1].split()[0]), status


async def test_a_correction_or_retraction_that_breaks_off_says_so(
    client: BotClient, store: Storage, worker: Delivering, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The editor is never left with "editing copies…" for good: a failure half-way ends the
    status message with a warning and the way to see where the copies stand."""

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(handlers.editors.copies, "correct_copies", broken)
    monkeypatch.setattr(handlers.editors.changes, "retract_copies", broken)
    await subscribe(store, 11, LVIV)
    editor = await editor_of(client, store, LVIV)
    item_id = await push(editor, "Lviv", "Bridge closed")
    await editor.send(f"/correct {item_id}")
    _intro, preview = await editor.send("Bridge open", expect=2)
    [status] = await editor.click(preview, "Correct")
    warning = f"⚠️ Item № {item_id}: something went wrong, and not every copy may be changed."
    assert (await outcome(client.sandbox, status)).startswith(warning)
    assert f"/report {item_id} shows where they stand." in status.plain_text
    [confirm] = await editor.send(f"/retract {item_id}")
    [status] = await editor.click(confirm, "Retract")
    assert (await outcome(client.sandbox, status)).startswith(warning)


SLOW = range(31, 37)  # subscribers whose copies Telegram holds until the test releases them


async def slow_subscribers(client: BotClient, store: Storage, holds: int = 1) -> None:
    """SLOW subscribed; Telegram holds their next `holds` requests until released."""
    for chat in SLOW:
        await subscribe(store, chat, LVIV)
        client.sandbox.set_fault(chat, ChatFault("hold", times=holds))


async def test_a_retraction_reaches_the_copies_in_flight(
    client: BotClient, store: Storage, worker: Delivering, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copies on their way at the retraction are deleted as soon as they are sent, and the
    editor's report waits until they are (a slow database between a copy recorded sent and
    its deletion claimed does not make it come early)."""
    states = store.editorial.states

    async def slow_states(item_ids: Collection[int]) -> dict[int, ItemState]:
        await asyncio.sleep(0.2)
        return await states(item_ids)

    monkeypatch.setattr(store.editorial, "states", slow_states)
    await slow_subscribers(client, store, holds=2)  # the copy, then its deletion
    editor = await editor_of(client, store, LVIV)
    item_id, _status = await send_push(editor, "Lviv", "Wrong address")
    await client.sandbox.wait_until(lambda: client.sandbox.held == len(SLOW))
    [confirm] = await editor.send(f"/retract {item_id}")
    [status] = await editor.click(confirm, "Retract")
    assert f"Item № {item_id} is retracted; delivered copies to remove: 6" in status.plain_text
    assert (await store.outbox.counts(item_id))[DeliveryStatus.SENDING] == 6  # all in flight
    client.sandbox.release(later_too=False)  # the copies arrive; the worker deletes them,
    sandbox = client.sandbox
    await sandbox.wait_until(lambda: all(map(sandbox.sent, SLOW)) and sandbox.held > 0)
    assert await client.sandbox.quiet(settle=0.1)
    assert not status.plain_text.startswith("✅")  # one by one: the report waits for that
    client.sandbox.release()
    assert "Copies deleted: 6" in await outcome(client.sandbox, status, timeout=15)
    for chat in SLOW:
        assert client.sandbox.sent(chat) == []  # each copy arrived, and was deleted
        assert len(client.sandbox.sent(chat, include_deleted=True)) == 1
    [report] = await editor.send(f"/report {item_id}")
    assert "Delivered: 6" in report.plain_text
    assert "Removed after the retraction: 6" in report.plain_text


async def test_a_correction_reaches_the_copies_in_flight(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    await slow_subscribers(client, store)
    editor = await editor_of(client, store, LVIV)
    item_id, _status = await send_push(editor, "Lviv", "Meeting at 10")
    await client.sandbox.wait_until(lambda: client.sandbox.held == len(SLOW))
    await editor.send(f"/correct {item_id}")
    _intro, preview = await editor.send("Meeting at 11", expect=2)
    [status] = await editor.click(preview, "Correct")
    assert f"Item № {item_id} is corrected; delivered copies to edit: 6" in status.plain_text
    assert (await store.outbox.counts(item_id))[DeliveryStatus.SENDING] == 6  # all in flight
    client.sandbox.release()
    report = await outcome(client.sandbox, status, timeout=30)
    assert "Copies with the corrected text: 6" in report
    for chat in SLOW:
        [copy] = client.sandbox.sent(chat)
        assert "Meeting at 11" in copy.plain_text and "Meeting at 10" not in copy.plain_text


async def test_the_report_adds_up(client: BotClient, store: Storage, worker: Delivering) -> None:
    """Two copies delivered, one to a chat that has blocked the bot (skipped): the report
    says so, in numbers that match the store's and add up to the total."""
    for chat in (11, 12, 13):
        await subscribe(store, chat, LVIV)
    client.sandbox.set_fault(13, ChatFault("blocked"))
    editor = await editor_of(client, store, LVIV)
    item_id = await push(editor, "Lviv", "Count me")
    [report] = await editor.send(f"/report {item_id}")
    parts = {
        line.split(":")[0].split()[-1]: int(line.rsplit(":", 1)[1].replace("\u00a0", ""))
        for line in report.plain_text.splitlines()
        if line.rsplit(":", 1)[-1].strip().replace("\u00a0", "").isdecimal()
    }
    assert {key: parts[key] for key in ("Total", "Delivered", "Pending", "Failed")} == {
        "Total": 3,
        "Delivered": 2,
        "Pending": 0,
        "Failed": 0,
    }
    assert parts["cancelled)"] == 1  # "Skipped (chat blocked the bot or is gone, or cancelled)"
    counts = await store.outbox.counts(item_id)
    assert (counts[DeliveryStatus.SENT], counts[DeliveryStatus.SKIPPED]) == (2, 1)
    chat = await store.chats.get(13)
    assert chat is not None and not chat.active
    [other] = await client.as_user(ADMIN_ID, language="en").send(f"/report {item_id}")
    assert "Report on item" in other.plain_text  # admins see every region
    await store.roles.grant(99, Role.EDITOR, {KHERSON}, by=ADMIN_ID)
    [refused] = await client.as_user(99, language="en").send(f"/report {item_id}")
    assert "not from your regions" in refused.plain_text


async def test_odd_text_never_breaks_the_html(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    await subscribe(store, 11, LVIV)
    editor = await editor_of(client, store, LVIV)
    odd = "<script>alert(1)</script> & <b>not bold</b> 1 < 2 &amp;"
    await push(editor, "Lviv", odd)
    [received] = client.sandbox.sent(11)
    assert odd in received.plain_text
    # Formatting from a real Telegram client arrives as entities, kept as HTML.
    await editor.send("/push Львів")
    since = client.sandbox.last_message_id(EDITOR)
    text = "Bold <and> italic link"
    client.sandbox.enqueue_update(
        {
            "message": {
                "message_id": 10_000,
                "from": {"id": EDITOR, "is_bot": False, "first_name": "E", "language_code": "en"},
                "chat": {"id": EDITOR, "type": "private", "first_name": "E"},
                "date": 1,
                "text": text,
                "entities": [
                    {"type": "bold", "offset": 0, "length": 4},
                    {"type": "italic", "offset": 11, "length": 6},
                    {
                        "type": "text_link",
                        "offset": 18,
                        "length": 4,
                        "url": "https://e.org/?a=1&b=2",
                    },
                ],
            }
        }
    )
    await client.sandbox.wait_for(EDITOR, 2, since=since)
    preview: SentMessage = client.sandbox.sent(EDITOR)[-1]
    assert "<b>Bold</b>" in preview.text and "&lt;and&gt;" in preview.text
    assert '<a href="https://e.org/?a=1&amp;b=2">link</a>' in preview.text
    [status] = await editor.click(preview, "Send")
    await client.sandbox.wait_until(lambda: "Report on item" in status.plain_text)
    latest = client.sandbox.sent(11)[-1]
    assert "<b>Bold</b>" in latest.text and "Bold <and> italic link" in latest.plain_text


async def test_copies_older_than_48_hours_get_a_notice_instead_of_being_deleted(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    """Telegram lets a bot delete its messages for 48 hours: an older copy is replaced with
    the notice (in its chat's language), a younger one deleted."""
    for chat in (11, 12, 13):
        await subscribe(store, chat, LVIV)
    await store.chats.upsert(13, ChatType.PRIVATE, None, "en")
    editor = await editor_of(client, store, LVIV)
    item_id = await push(editor, "Lviv", "Old news")
    two_days = 48 * 3600
    await store.db.execute(  # as if copies 12 and 13 had gone out two days ago (and a bit)
        "UPDATE deliveries SET sent_at = sent_at - ? WHERE item_id = ? AND chat_id IN (12, 13)",
        (two_days, item_id),
    )
    [confirm] = await editor.send(f"/retract {item_id}")
    [status] = await editor.click(confirm, "Retract")
    report = await outcome(client.sandbox, status)
    assert "Copies replaced with a notice: 2" in report and "Copies deleted: 1" in report
    [young] = client.sandbox.sent(11, include_deleted=True)
    assert young.deleted
    for chat, notice in ((12, "Цю новину відкликала редакція."), (13, NOTICE_EN)):
        [old] = client.sandbox.sent(chat)
        assert not old.deleted and old.edits == 1 and old.plain_text == notice


NOTICE_EN = "This news item was retracted by the editors."


async def move_editor(store: Storage, region: str) -> None:
    """An admin takes the editor's region away and gives another."""
    await store.roles.revoke(EDITOR, Role.EDITOR, by=ADMIN_ID)
    await store.roles.grant(EDITOR, Role.EDITOR, {region}, by=ADMIN_ID)


async def test_retract_and_correct_check_the_editors_regions_at_every_step(
    client: BotClient, store: Storage, worker: Delivering
) -> None:
    """Rights taken away in the middle of /retract or /correct: the next step refuses, and
    the item stays as it was everywhere."""
    await subscribe(store, 11, LVIV)
    editor = await editor_of(client, store, LVIV)
    item_id = await push(editor, "Lviv", "Stays as it is")
    refused = "This item is not from your regions."

    [confirm] = await editor.send(f"/retract {item_id}")
    await move_editor(store, KHERSON)
    answer = await editor.click_data(confirm, confirm.button("Retract")["callback_data"])
    assert answer.get("text") == refused

    await move_editor(store, LVIV)
    await editor.send(f"/correct {item_id}")
    await move_editor(store, KHERSON)
    [answer_to_text] = await editor.send("Changed after all")
    assert answer_to_text.plain_text == refused

    await move_editor(store, LVIV)
    await editor.send(f"/correct {item_id}")
    _intro, preview = await editor.send("Changed after all", expect=2)
    await move_editor(store, KHERSON)
    answer = await editor.click_data(preview, preview.button("Correct")["callback_data"])
    assert answer.get("text") == refused

    [copy] = client.sandbox.sent(11)
    assert not copy.deleted and copy.edits == 0 and "Stays as it is" in copy.plain_text
    item = await store.items.get(item_id)
    assert item is not None and item.title == "Stays as it is"
    assert (await store.editorial.states([item_id]))[item_id] == ItemState(0, retracted=False)


class Chats:
    """Telegram's deleteMessage, editMessageText and editMessageCaption, as jobs.editing calls
    them: each call is recorded (method, chat, when, what it was given). A chat answers as
    `script` says, one answer per call (then OK): "blocked", "undeletable" (a deletion refused
    as Telegram refuses it for a message too old to delete), "unchanged" (an edit to the text
    it already has), or "flood N" (429, retry after N s)."""

    SHOWN = ("chat_id", "message_id", "text", "caption", "parse_mode")

    def __init__(self, script: dict[int, list[str]]) -> None:
        self.script = script
        self.calls: list[tuple[str, int]] = []
        self.times: list[float] = []
        self.given: list[dict[str, object]] = []

    def _answer(self, name: str, method: TelegramMethod[Any], chat_id: int) -> bool:
        self.calls.append((name, chat_id))
        self.times.append(time.monotonic())
        dump = method.model_dump()
        self.given.append({key: dump[key] for key in self.SHOWN if dump.get(key) is not None})
        answers = self.script.get(chat_id, [])
        answer = answers.pop(0) if answers else "ok"
        if answer == "blocked":
            raise TelegramForbiddenError(method, "Forbidden: bot was blocked by the user")
        if answer == "undeletable":
            raise TelegramBadRequest(method, "Bad Request: message can't be deleted for everyone")
        if answer == "unchanged":
            raise TelegramBadRequest(method, "Bad Request: message is not modified: specified new")
        if answer.startswith("flood"):
            seconds = int(answer.split()[1])
            raise TelegramRetryAfter(method, f"Too Many Requests: retry after {seconds}", seconds)
        return True

    async def delete_message(self, chat_id: int, message_id: int) -> bool:
        method = DeleteMessage(chat_id=chat_id, message_id=message_id)
        return self._answer("delete", method, chat_id)

    async def edit_message_text(self, **given: Any) -> bool:
        return self._answer("edit", EditMessageText(**given), given["chat_id"])

    async def edit_message_caption(self, **given: Any) -> bool:
        return self._answer("caption", EditMessageCaption(**given), given["chat_id"])


async def test_a_retraction_deletes_what_it_may_and_replaces_the_rest_with_the_notice() -> None:
    """Younger than DELETE_WINDOW: deleted (refused: the notice instead); as old or older: the
    notice. A deletion is not a message: a group's pace does not hold it up."""
    sent = 1_000_000.0
    old, young = sent, sent + 1
    chats = Chats({-12: ["undeletable"], -14: ["blocked"], -16: ["blocked"]})
    copies = [
        DeliveredCopy(-11, 1, "uk", old),  # exactly DELETE_WINDOW old: too old to delete
        DeliveredCopy(-15, 2, "en", young),
        DeliveredCopy(-12, 3, "uk", young),  # Telegram refuses the deletion
        DeliveredCopy(-14, 4, "uk", young),  # blocked: nothing can be done
        DeliveredCopy(-16, 5, "uk", old),  # blocked: the notice fails
    ]
    pacer = Pacer(PaceLimits(rate=1000, chat_interval=60.0, group_interval=60.0))
    pacer.chat_sent(-15, group=True)  # a copy went to -15 a moment ago
    notices = {"uk": "Вилучено", "en": "Retracted"}
    removed = await asyncio.wait_for(
        retract_copies(cast(Bot, chats), copies, notices, pacer, now=old + DELETE_WINDOW),
        timeout=5,  # a deletion held to the group's pace would wait a minute
    )
    assert [(copy.chat_id, change) for copy, change in removed] == [
        (-11, CopyChange.REPLACED),
        (-15, CopyChange.DELETED),
        (-12, CopyChange.REPLACED),
        (-14, CopyChange.FAILED),
        (-16, CopyChange.FAILED),
    ]
    assert chats.calls == [
        ("edit", -11),
        ("delete", -15),
        ("delete", -12),
        ("edit", -12),
        ("delete", -14),
        ("edit", -16),
    ]


async def test_a_correction_edits_each_copy_as_telegram_lets_it() -> None:
    """Each copy in its language, a photo's by its caption, as HTML; "not modified" is done;
    a 429 is waited out once (at the chat's pace, a group's for a group), a second one fails."""
    copies = [
        DeliveredCopy(21, 1, "uk", 0.0),
        DeliveredCopy(-22, 2, "en", 0.0, caption=True),
        DeliveredCopy(23, 3, "uk", 0.0),  # already reads so
        DeliveredCopy(-24, 4, "uk", 0.0),  # 429, then fine
        DeliveredCopy(-24, 5, "uk", 0.0),  # the reminder in the same group
        DeliveredCopy(25, 6, "uk", 0.0),  # 429 twice
        DeliveredCopy(26, 7, "uk", 0.0),  # blocked
        DeliveredCopy(27, 8, "uk", 0.0),  # a 429 too long to wait out here
        DeliveredCopy(-28, 9, "uk", 0.0),  # two copies in another group:
        DeliveredCopy(-28, 10, "uk", 0.0),  # a group's pace between them
    ]
    chats = Chats(
        {
            23: ["unchanged"],
            -24: ["flood 1"],
            25: ["flood 0", "flood 0"],
            26: ["blocked"],
            27: ["flood 61"],
        }
    )
    pacer = Pacer(PaceLimits(rate=1000, chat_interval=2.0, group_interval=0.4))
    texts = {"uk": "<b>Виправлено</b>", "en": "<b>Corrected</b>"}
    edited = await asyncio.wait_for(correct_copies(cast(Bot, chats), copies, texts, pacer), 20)
    failed = CopyChange.FAILED
    assert [change for _copy, change in edited] == [None] * 5 + [failed] * 3 + [None] * 2
    assert chats.calls == [
        ("edit", 21),
        ("caption", -22),
        ("edit", 23),
        ("edit", -24),
        ("edit", -24),
        ("edit", -24),
        ("edit", 25),
        ("edit", 25),
        ("edit", 26),
        ("edit", 27),
        ("edit", -28),
        ("edit", -28),
    ]
    assert chats.given[0] == {
        "chat_id": 21, "message_id": 1, "text": texts["uk"], "parse_mode": "HTML"
    }  # fmt: skip
    assert chats.given[1] == {
        "chat_id": -22, "message_id": 2, "caption": texts["en"], "parse_mode": "HTML"
    }  # fmt: skip
    flooded, again, reminder = chats.times[3:6]
    assert 1.0 <= again - flooded < 4.0  # the 429's retry_after (not a private chat's 4 s burst)
    assert reminder - again >= 0.4  # and then a group's pace
    assert chats.times[-1] - chats.times[-2] >= 0.4
    assert pacer.pauses == 0  # one chat's 429 holds up that chat only

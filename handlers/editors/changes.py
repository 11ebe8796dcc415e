"""What an item goes through after it went out: /correct (new text in every copy), /retract
(taken back from everywhere), /report (what became of every copy)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.dates import event_html
from domain.formatting import SUMMARY_LIMIT, item_message, retraction_notice, trim
from handlers.editors.copies import Spreading, spread_correction
from handlers.editors.drafts import draft
from handlers.editors.keyboards import EditorAction, EditorCb, cancel_keyboard, confirm_keyboard
from handlers.editors.steps import (
    close_keyboard,
    copy_sender,
    draft_problem,
    drop_preview,
    edit_or_ignore,
    editable_item,
    live_item,
    not_a_draft,
    send_preview,
    settled,
)
from handlers.editors.texts import (
    item_label,
    number,
    report_text,
    retracted_text,
    stale_text,
    unfinished_text,
)
from handlers.events.announce import DESCRIPTION_LIMIT, TITLE_LIMIT
from handlers.events.texts import too_long as too_long_field
from handlers.filters import Access
from handlers.news import callback_chat, stale
from infra.background import BackgroundJobs
from infra.i18n import LOCALES
from infra.pacing import Pacer
from infra.settings import Settings
from jobs.delivery import DeliveryWorker
from jobs.editing import retract_copies
from jobs.reminders import DEFAULT_OFFSETS
from storage.events import EventDetails
from storage.models import Item
from storage.repositories import Storage


class CorrectFlow(StatesGroup):
    text = State()
    confirm = State()


class RetractFlow(StatesGroup):
    confirm = State()


async def cmd_correct(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    access: Access,
    store: Storage,
) -> None:
    """/correct <id>: new text for an item; every delivered copy is edited in place. An
    event's announcement keeps its date and place: only the title and description change."""
    await state.clear()
    usage = _("Usage: /correct <item number>, for example: /correct 42")
    item = await live_item(message, command, store, access, usage)
    if item is None:
        return
    event = await store.events.of_item(item.id)
    if event is not None and event.cancelled:
        await message.answer(_("This event is cancelled; its announcement stays as it is."))
        return
    await state.set_state(CorrectFlow.text)
    await state.set_data({"item_id": item.id, "event": event is not None})
    if event is not None:
        ask = _(
            "Send the new title and description as one message: the first line is the title. "
            "The date and place stay as they are (/reschedule {id} changes them)."
        ).format(id=item.id)
    else:
        ask = _("Send the new text as one message; the first line becomes the headline.")
    await message.answer(
        "✏️ " + _("Correcting item {label}.").format(label=item_label(item)) + "\n" + ask,
        reply_markup=cancel_keyboard(),
    )


async def on_correct_text(
    message: Message,
    bot: Bot,
    state: FSMContext,
    access: Access,
    store: Storage,
    settings: Settings,
    i18n: I18n,
) -> None:
    """The corrected text: a preview of the item as it will read everywhere. At the preview,
    a new text replaces the draft."""
    data = await state.get_data()
    item_id = int(data.get("item_id", 0))
    item = await store.items.get(item_id)
    if item is None or not access.can_edit(item.region_code):
        await state.clear()
        await message.answer(_("This item is not from your regions."))
        return
    if data.get("event"):
        event = await store.events.of_item(item_id)
        if event is None:
            await state.clear()
            await message.answer(stale_text())
            return
        parts = event_draft(message)
        if isinstance(parts, str):
            await message.answer(parts)
            return
        title, description = parts
        body_html = event_html(replace(event, title=title, description=description), settings.tz)
        draft_data = {"title": title, "description": description}
    else:
        text_parts = draft(message)
        if text_parts is None:
            await message.answer(_("The text is empty. Send the news as a text message."))
            return
        title, body_html = text_parts
        draft_data = {"title": title, "body_html": body_html}
    corrected = _corrected(item, title, body_html)
    problem = draft_problem(corrected, settings, i18n)
    if problem is not None:
        await message.answer(problem)
        return
    replacing = await state.get_state() == CorrectFlow.confirm.state
    await drop_preview(bot, message.chat.id, data)
    await state.update_data(draft_data)
    await state.set_state(CorrectFlow.confirm)
    await message.answer(
        "👁 "
        + (
            _("The new text replaces the draft. The corrected item will read:")
            if replacing
            else _(
                "The corrected item will read as below. Press “Correct” under it, or send a "
                "new text to replace the draft:"
            )
        )
    )
    shown = await send_preview(
        message,
        corrected,
        item_message(corrected, settings.tz, i18n.current_locale),
        confirm_keyboard(EditorAction.CORRECT, "✏️ " + _("Correct"), item.id),
    )
    await state.update_data(preview_id=shown.message_id)


def event_draft(message: Message) -> tuple[str, str] | str:
    """(title, description) of an event from an editor's message, or what is wrong with it."""
    lines = (message.text or "").strip().splitlines()
    title = " ".join(lines[0].split()) if lines else ""
    description = "\n".join(lines[1:]).strip()
    if not title:
        return _("The text is empty. Send the news as a text message.")
    if len(title) > TITLE_LIMIT:
        return too_long_field(TITLE_LIMIT)
    if len(description) > DESCRIPTION_LIMIT:
        return too_long_field(DESCRIPTION_LIMIT)
    return title, description


async def on_correct_not_draft(message: Message) -> None:
    """Neither a button nor a new text at the /correct preview."""
    await not_a_draft(message, _("Correct"))


def _corrected(item: Item, title: str, body_html: str) -> Item:
    return replace(item, title=title, body_html=body_html)


async def on_correct_apply(
    callback: CallbackQuery,
    callback_data: EditorCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    state: FSMContext,
    access: Access,
    store: Storage,
    settings: Settings,
    delivery: DeliveryWorker | None,
    pacer: Pacer,
    jobs: BackgroundJobs,
    i18n: I18n,
) -> None:
    """ "Correct" under the preview: store the text, then edit every delivered copy (of an
    event's reminders too)."""
    data = await state.get_data()  # at the preview: the item and the draft (on_correct_text)
    item_id = int(data["item_id"])
    item = await store.items.get(item_id)
    if item is None or callback_data.item_id != item_id:
        await state.clear()
        stale(callback_answer, stale_text())
        return
    if not access.can_edit(item.region_code):
        await state.clear()
        stale(callback_answer, _("This item is not from your regions."))
        return
    await state.clear()
    await close_keyboard(bot, callback.message)
    revisions: dict[int, int] | None
    title = str(data["title"])
    if data.get("event"):
        revisions = await _correct_event(store, settings, item_id, title, data, access.user_id)
    else:
        revision = await store.editorial.correct(
            item_id, title, str(data["body_html"]), access.user_id
        )
        revisions = None if revision is None else {item_id: revision}
    chat_id = callback_chat(callback)
    if revisions is None:
        await bot.send_message(chat_id, _("Item № {id} was retracted.").format(id=item_id))
        return
    callback_answer.text = _("Saved.")
    spreading = Spreading(bot, store, delivery, pacer, jobs, settings, i18n)
    await spread_correction(spreading, chat_id, revisions)


async def _correct_event(
    store: Storage,
    settings: Settings,
    item_id: int,
    title: str,
    data: dict[str, Any],
    editor: int,
) -> dict[int, int] | None:
    """The event's new title and description, in the event, its announcement and its
    reminders; their date and place as they are now (a /reschedule meanwhile stays)."""
    event = await store.events.of_item(item_id)
    if event is None:
        return None
    description = str(data.get("description", ""))
    details = EventDetails(
        title, event.starts_at, event.ends_at, event.all_day, event.place, description
    )
    return await store.events.revise(
        event.id,
        details,
        event_html(details, settings.tz),
        summary=trim(description, SUMMARY_LIMIT),
        editor=editor,
        action="correct",
        offsets=DEFAULT_OFFSETS,
    )


async def cmd_retract(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    access: Access,
    store: Storage,
) -> None:
    """/retract <id>: after a confirmation, take an item back from everywhere."""
    await state.clear()
    usage = _("Usage: /retract <item number>, for example: /retract 42")
    item = await live_item(message, command, store, access, usage)
    if item is None:
        return
    await state.set_data({"item_id": item.id})
    await state.set_state(RetractFlow.confirm)
    await message.answer(
        "⚠️ "
        + _("Retract item {label}?").format(label=item_label(item))
        + "\n"
        + _(
            "Delivered copies will be deleted (older than 48 hours: replaced with a notice), "
            "copies not sent yet will not go out, and the item leaves /latest and /region."
        ),
        reply_markup=confirm_keyboard(EditorAction.RETRACT, "🗑 " + _("Retract"), item.id),
    )


async def on_retract_text(message: Message) -> None:
    """A message where /retract waits for its button."""
    await message.answer(_("Press “{button}” or “Cancel” above.").format(button=_("Retract")))


async def on_retract_confirm(
    callback: CallbackQuery,
    callback_data: EditorCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    state: FSMContext,
    access: Access,
    store: Storage,
    settings: Settings,
    delivery: DeliveryWorker | None,
    pacer: Pacer,
    jobs: BackgroundJobs,
    i18n: I18n,
) -> None:
    """ "Retract" confirmed: hide the item, cancel what is pending, delete what went out."""
    item_id = int((await state.get_data())["item_id"])  # cmd_retract set it with the state
    item = await store.items.get(item_id)
    if item is None or callback_data.item_id != item_id:
        await state.clear()
        stale(callback_answer, stale_text())
        return
    if not access.can_edit(item.region_code):
        await state.clear()
        stale(callback_answer, _("This item is not from your regions."))
        return
    await state.clear()
    await close_keyboard(bot, callback.message)
    await store.items.retract(item_id)
    cancelled = await store.editorial.cancel_pending(item_id)
    await store.audit.log(access.user_id, "retract", item_id=item_id, details=item.title[:200])
    callback_answer.text = _("Retracted.")
    notices = {}
    for locale in LOCALES:
        with i18n.use_locale(locale):
            notices[locale] = retraction_notice()
    # Copies in flight now are removed by the delivery worker as soon as their message ids
    # are known; these are the ones Telegram holds (of the event's reminders too).
    family = await store.editorial.family(item_id)
    in_flight = await store.editorial.in_flight(family)
    copies = await store.editorial.claim_copies(item_ids=family)
    chat_id = callback_chat(callback)
    status = await bot.send_message(
        chat_id,
        _("Item № {id} is retracted; delivered copies to remove: {count}…").format(
            id=item_id, count=number(len(copies) + len(in_flight))
        ),
    )
    sender = copy_sender(bot, delivery)

    async def remove_all() -> None:
        removed = await retract_copies(sender, copies, notices, pacer)
        await store.editorial.record_changes(
            [(copy.delivery_id, change, None) for copy, change in removed]
        )
        await settled(lambda: store.editorial.unsettled(in_flight, retracted=True))
        changes = await store.editorial.changes(family)
        text = retracted_text(item_id, changes, cancelled)
        await edit_or_ignore(bot, chat_id, status.message_id, text)

    unfinished = unfinished_text(item_id)
    jobs.start(
        remove_all(), failed=partial(edit_or_ignore, bot, chat_id, status.message_id, unfinished)
    )


async def cmd_report(
    message: Message, command: CommandObject, access: Access, store: Storage, i18n: I18n
) -> None:
    """/report <id>: delivered, pending, failed (by reason), skipped, and timing."""
    usage = _("Usage: /report <item number>, for example: /report 42")
    item = await editable_item(message, command, store, access, usage)
    if item is None:
        return
    report = await store.editorial.report(item.id)
    if report is None:
        await message.answer(_("There is no item № {id}.").format(id=item.id))
        return
    await message.answer(report_text(item, report, i18n.current_locale))

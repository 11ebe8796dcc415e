"""What an item goes through after it went out: /correct (new text in every copy), /retract
(taken back from everywhere), /report (what became of every copy)."""

from __future__ import annotations

import time
from dataclasses import replace

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.formatting import item_message, retraction_notice
from handlers.editors.drafts import draft, too_long
from handlers.editors.keyboards import EditorAction, EditorCb, cancel_keyboard, confirm_keyboard
from handlers.editors.steps import (
    close_keyboard,
    copy_sender,
    edit_or_ignore,
    editable_item,
    live_item,
    settled,
)
from handlers.editors.texts import (
    corrected_text,
    item_label,
    number,
    renders,
    report_text,
    retracted_text,
    stale_text,
)
from handlers.filters import Access
from handlers.news import stale
from infra.background import BackgroundJobs
from infra.i18n import LOCALES
from infra.pacing import Pacer
from infra.settings import Settings
from jobs.delivery import DeliveryWorker
from jobs.editing import correct_copies, retract_copies
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
    """/correct <id>: new text for an item; every delivered copy is edited in place."""
    await state.clear()
    usage = _("Usage: /correct <item number>, for example: /correct 42")
    item = await live_item(message, command, store, access, usage)
    if item is None:
        return
    await state.set_state(CorrectFlow.text)
    await state.set_data({"item_id": item.id})
    await message.answer(
        "✏️ "
        + _("Correcting item {label}.").format(label=item_label(item))
        + "\n"
        + _("Send the new text as one message; the first line becomes the headline."),
        reply_markup=cancel_keyboard(),
    )


async def on_correct_text(
    message: Message,
    state: FSMContext,
    access: Access,
    store: Storage,
    settings: Settings,
    i18n: I18n,
) -> None:
    """The corrected text: a preview of the item as it will read everywhere."""
    item_id = int((await state.get_data()).get("item_id", 0))
    item = await store.items.get(item_id)
    if item is None or not access.can_edit(item.region_code):
        await state.clear()
        await message.answer(_("This item is not from your regions."))
        return
    parts = draft(message)
    if parts is None:
        await message.answer(_("The text is empty. Send the news as a text message."))
        return
    title, body_html = parts
    corrected = _corrected(item, title, body_html)
    preview = item_message(corrected, settings.tz, i18n.current_locale)
    if too_long(preview):
        await message.answer(_("The text is too long for one message. Please shorten it."))
        return
    await state.update_data(title=title, body_html=body_html)
    await state.set_state(CorrectFlow.confirm)
    await message.answer("👁 " + _("The corrected item will read:"))
    await message.answer(
        preview,
        reply_markup=confirm_keyboard(EditorAction.CORRECT, "✏️ " + _("Correct"), item.id),
    )


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
    """ "Correct" under the preview: store the text, then edit every delivered copy."""
    data = await state.get_data()
    item_id = int(data.get("item_id", 0))
    title, body_html = data.get("title"), data.get("body_html")
    item = await store.items.get(item_id)
    if item is None or not title or not body_html or callback_data.item_id != item_id:
        await state.clear()
        stale(callback_answer, stale_text())
        return
    if not access.can_edit(item.region_code):
        await state.clear()
        stale(callback_answer, _("This item is not from your regions."))
        return
    await state.clear()
    await close_keyboard(bot, callback.message)
    revision = await store.editorial.correct(item_id, title, body_html, access.user_id)
    if revision is None:
        await bot.send_message(
            callback.from_user.id, _("Item № {id} was retracted.").format(id=item_id)
        )
        return
    if delivery is not None:
        delivery.forget_item(item_id)
    callback_answer.text = _("Saved.")
    texts = renders(_corrected(item, title, body_html), settings, i18n)
    # Copies not sent yet go out corrected; those in flight now are corrected by the delivery
    # worker as soon as their message ids are known; these are the ones Telegram holds.
    in_flight = await store.editorial.in_flight([item_id])
    copies = await store.editorial.claim_copies(item_ids=[item_id], below_revision=revision)
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    status = await bot.send_message(
        chat_id,
        _("Item № {id} is corrected; delivered copies to edit: {count}…").format(
            id=item_id, count=number(len(copies) + len(in_flight))
        ),
    )
    sender = copy_sender(bot, delivery)

    async def edit_all() -> None:
        edited = await correct_copies(sender, copies, texts, pacer)
        await store.editorial.record_changes(
            [(copy.delivery_id, change, None if change else revision) for copy, change in edited]
        )
        await settled(lambda: store.editorial.unsettled(in_flight, revision=revision))
        current, older = await store.editorial.revision_counts(item_id, revision)
        await edit_or_ignore(
            bot, chat_id, status.message_id, corrected_text(item_id, current, older)
        )

    jobs.start(edit_all())


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
    await state.set_state(RetractFlow.confirm)
    await state.set_data({"item_id": item.id})
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
    item_id = int((await state.get_data()).get("item_id", 0))
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
    if delivery is not None:
        delivery.forget_item(item_id)
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
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    status = await bot.send_message(
        chat_id,
        _("Item № {id} is retracted; delivered copies to remove: {count}…").format(
            id=item_id, count=number(len(copies) + len(in_flight))
        ),
    )
    sender = copy_sender(bot, delivery)

    async def remove_all() -> None:
        removed = await retract_copies(sender, copies, notices, pacer, time.time())
        await store.editorial.record_changes(
            [(copy.delivery_id, change, None) for copy, change in removed]
        )
        await settled(lambda: store.editorial.unsettled(in_flight, retracted=True))
        changes = await store.editorial.changes(family)
        text = retracted_text(item_id, changes, cancelled)
        await edit_or_ignore(bot, chat_id, status.message_id, text)

    jobs.start(remove_all())


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

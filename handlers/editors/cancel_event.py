"""/cancel_event: an announced event called off, after a confirmation: a notice to every
chat that got its announcement, and its reminders dropped."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from domain.dates import event_html
from domain.formatting import trim
from handlers.editors.keyboards import EditorAction, EditorCb, confirm_keyboard
from handlers.editors.steps import announced_event, close_keyboard, when_of
from handlers.editors.texts import item_label, number, stale_text
from handlers.filters import Access
from handlers.news import callback_chat, stale
from infra.settings import Settings
from jobs.delivery import DeliveryWorker
from storage.events import Event
from storage.models import ItemKind, NewItem
from storage.repositories import Storage


class CancelEventFlow(StatesGroup):
    confirm = State()


async def cmd_cancel_event(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    access: Access,
    store: Storage,
    settings: Settings,
) -> None:
    """/cancel_event <id>: after a confirmation, the event is called off."""
    await state.clear()
    usage = _("Usage: /cancel_event <announcement number>, for example: /cancel_event 42")
    found = await announced_event(message, command, store, access, usage)
    if found is None:
        return
    item, event = found
    await state.set_state(CancelEventFlow.confirm)
    await state.set_data({"item_id": item.id})
    await message.answer(
        "⚠️ "
        + _("Cancel the event {label}, {when}?").format(
            label=item_label(item), when=when_of(event, settings)
        )
        + "\n"
        + _(
            "Every chat that got its announcement gets a notice that the event is cancelled, "
            "its reminders will not come, and it leaves /events."
        ),
        reply_markup=confirm_keyboard(
            EditorAction.CANCEL_EVENT,
            "❌ " + _("Cancel the event"),
            item.id,
            cancel="↩️ " + _("Keep it"),
        ),
    )


async def on_cancel_event_confirm(
    callback: CallbackQuery,
    callback_data: EditorCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    state: FSMContext,
    access: Access,
    store: Storage,
    settings: Settings,
    delivery: DeliveryWorker | None,
) -> None:
    """ "Cancel the event" confirmed: the notice goes out, the reminders are dropped."""
    item_id = int((await state.get_data()).get("item_id", 0))
    event = await store.events.of_item(item_id)
    if event is None or event.cancelled or callback_data.item_id != item_id:
        await state.clear()
        stale(callback_answer, stale_text())
        return
    if not access.can_edit(event.region_code):
        await state.clear()
        stale(callback_answer, _("This item is not from your regions."))
        return
    await state.clear()
    await close_keyboard(bot, callback.message)
    notice = NewItem(
        region_code=event.region_code,
        title=event.title,
        published_at=datetime.now(UTC),
        kind=ItemKind.EVENT,
        author_id=access.user_id,
        body_html=event_html(event, settings.tz),
        cancellation=True,  # "The event is cancelled" in each reader's language
    )
    published = await store.events.cancel_with_notice(event.id, notice, editor=access.user_id)
    chat_id = callback_chat(callback)
    if published is None:
        await bot.send_message(chat_id, stale_text())
        return
    if delivery is not None:
        delivery.wake()
    callback_answer.text = _("Cancelled.")
    told = (
        ngettext(
            "The notice goes to {count} chat that got the announcement.",
            "The notice goes to {count} chats that got the announcement.",
            published.deliveries,
        ).format(count=number(published.deliveries))
        if published.deliveries
        else _("No chat got the announcement, so there is no one to tell.")
    )
    await bot.send_message(
        chat_id,
        "✅ "
        + _("The event {label} is cancelled.").format(label=item_label_of(event))
        + "\n"
        + told
        + "\n"
        + _("Its reminders will not come, and it is gone from /events."),
    )


def item_label_of(event: Event) -> str:
    return f"№\u00a0{event.item_id} «{html.escape(trim(event.title, 80))}»"


async def on_cancel_event_text(message: Message) -> None:
    """Text where /cancel_event waits for a button."""
    await message.answer(
        _("Press “{button}” or “{keep}” above.").format(
            button=_("Cancel the event"), keep=_("Keep it")
        )
    )

"""What the editors' flows share: work that outlives a handler, edits of the bot's messages,
the item a command names, and the ways out of a flow."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.dates import format_when
from domain.formatting import item_message
from handlers.editors.drafts import caption_problem, too_long
from handlers.editors.texts import renders, stale_text
from handlers.filters import Access
from handlers.news import stale
from infra.settings import Settings
from jobs.delivery import DeliveryWorker
from storage.events import Event, EventDetails
from storage.models import Item
from storage.repositories import Storage

log = logging.getLogger(__name__)

SETTLE_INTERVAL = 0.25  # seconds between looks at copies that were in flight at a change
SETTLE_LIMIT = 120.0  # the report comes after this long at most, settled or not


async def edit_or_ignore(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Edit a bot message; "not modified" and a vanished message are fine, nothing raises."""
    try:
        await bot.edit_message_text(
            text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            log.info("could not edit message %s in %s: %s", message_id, chat_id, exc.message)
    except TelegramAPIError as exc:
        log.info("could not edit message %s in %s: %s", message_id, chat_id, exc)


async def close_keyboard(bot: Bot, message: MaybeInaccessibleMessageUnion | None) -> None:
    """Take the buttons off a message once they have been used."""
    if message is not None:
        await close_keyboard_of(bot, message.chat.id, message.message_id)


async def close_keyboard_of(bot: Bot, chat_id: int, message_id: int) -> None:
    """Take the buttons off a message by its id (one a flow asked its question with)."""
    with contextlib.suppress(TelegramAPIError):
        await bot.edit_message_reply_markup(
            chat_id=chat_id, message_id=message_id, reply_markup=None
        )


async def drop_preview(bot: Bot, chat_id: int, data: dict[str, Any]) -> None:
    """The buttons off the flow's last preview (`data`: the flow's), which a new draft
    replaces."""
    preview_id = data.get("preview_id")
    if isinstance(preview_id, int):
        await close_keyboard_of(bot, chat_id, preview_id)


def draft_problem(item: Item, settings: Settings, i18n: I18n) -> str | None:
    """Why an item cannot go out as the editor wrote it (too long for one message, or for a
    photo's caption, in any language); None when it can."""
    if item.photo is not None:
        return caption_problem(renders(item, settings, i18n).values())
    if too_long(item_message(item, settings.tz, i18n.current_locale)):
        return _("The text is too long for one message. Please shorten it.")
    return None


async def send_preview(
    message: Message, item: Item, preview: str, markup: InlineKeyboardMarkup
) -> Message:
    """The item as subscribers will get it: a photo with its caption, or a message."""
    if item.photo is not None:
        return await message.answer_photo(item.photo, caption=preview, reply_markup=markup)
    return await message.answer(preview, reply_markup=markup)


def copy_sender(bot: Bot, delivery: DeliveryWorker | None) -> Bot:
    """Edits of delivered copies go through the worker's bot (unpaced: jobs.editing paces
    them) when it runs here."""
    return delivery.bot if delivery is not None else bot


async def editable_item(
    message: Message, command: CommandObject, store: Storage, access: Access, usage: str
) -> Item | None:
    """The item a command names, if it exists and this editor may change it; else answers."""
    argument = (command.args or "").strip().lstrip("№#").strip()
    if not argument.isdecimal() or len(argument) > 12:
        await message.answer(html.escape(usage))
        return None
    item = await store.items.get(int(argument))
    if item is None:
        await message.answer(_("There is no item № {id}.").format(id=int(argument)))
        return None
    if not access.can_edit(item.region_code):
        await message.answer(_("This item is not from your regions."))
        return None
    return item


async def live_item(
    message: Message, command: CommandObject, store: Storage, access: Access, usage: str
) -> Item | None:
    """`editable_item`, refusing one that was retracted (it can be neither corrected nor
    retracted again)."""
    item = await editable_item(message, command, store, access, usage)
    if item is not None and await store.editorial.is_retracted(item.id):
        await message.answer(_("Item № {id} was retracted.").format(id=item.id))
        return None
    return item


async def announced_event(
    message: Message, command: CommandObject, store: Storage, access: Access, usage: str
) -> tuple[Item, Event] | None:
    """The announcement a command names and its live event; else the editor is told why not."""
    item = await live_item(message, command, store, access, usage)
    if item is None:
        return None
    event = await store.events.of_item(item.id)
    if event is None:
        await message.answer(
            _("Item №\u00a0{id} is not an event's announcement.").format(id=item.id)
        )
        return None
    if event.cancelled:
        await message.answer(_("This event is cancelled already."))
        return None
    return item, event


def when_of(event: Event | EventDetails, settings: Settings) -> str:
    return format_when(event.starts_at, event.ends_at, event.all_day, settings.tz)


async def settled(unsettled: Callable[[], Awaitable[int]]) -> None:
    """Until copies that were in flight at an editor's change have been dealt with (or a
    while has passed: the report then says what is known)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_LIMIT
    while loop.time() < deadline:
        if not await unsettled():
            return
        await asyncio.sleep(SETTLE_INTERVAL)  # the store is the only one that knows


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    """/cancel inside an editor's flow."""
    await state.clear()
    await message.answer(_("Cancelled; nothing was published or changed."))


async def on_cancel(
    callback: CallbackQuery, callback_answer: CallbackAnswer, bot: Bot, state: FSMContext
) -> None:
    """ "Cancel" at any step."""
    await state.clear()
    callback_answer.text = _("Cancelled.")
    if callback.message is not None:
        await edit_or_ignore(
            bot,
            callback.message.chat.id,
            callback.message.message_id,
            _("Cancelled; nothing was published or changed."),
        )


async def on_stale(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """A flow's button pressed when that flow is no longer at that step."""
    stale(callback_answer, stale_text())


async def not_a_draft(message: Message, button: str) -> None:
    """A sticker or file at a preview, where only its buttons (`button`, then Cancel) or a
    new text will do."""
    await message.answer(
        _(
            "Press “{button}” or “Cancel” under the preview, or send a new text to replace "
            "the draft."
        ).format(button=button)
    )


async def on_not_text(message: Message) -> None:
    """A photo, sticker or file where a flow waits for text."""
    await message.answer(_("Please send the text as a message, or /cancel."))


async def on_not_a_post(message: Message) -> None:
    """A sticker, file or voice where /push waits for the news."""
    await message.answer(
        _(
            "Please send the news as a text, or as a photo with the text as its caption, "
            "or /cancel."
        )
    )

"""What the editors' flows share: work that outlives a handler, edits of the bot's messages,
the item a command names, and the ways out of a flow."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import Awaitable, Callable

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
from aiogram.utils.i18n import gettext as _

from handlers.editors.texts import stale_text
from handlers.filters import Access
from handlers.news import stale
from jobs.delivery import DeliveryWorker
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
    if message is None:
        return
    with contextlib.suppress(TelegramAPIError):
        await bot.edit_message_reply_markup(
            chat_id=message.chat.id, message_id=message.message_id, reply_markup=None
        )


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


async def on_not_text(message: Message) -> None:
    """A photo, sticker or file where a flow waits for text."""
    await message.answer(
        _(
            "Please send the text as a plain message (photos and files are not supported yet), "
            "or /cancel."
        )
    )

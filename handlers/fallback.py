"""The catch-all, registered last: no private message goes unanswered."""

from __future__ import annotations

import html

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.formatting import Pages
from domain.regions import match_region
from handlers.news import show_region, stale
from storage.repositories import Storage


async def unknown_command(message: Message, bot: Bot) -> None:
    """A command nobody handles, in a private chat; one addressed to another bot
    (/help@other_bot) is not for this one, and gets no answer."""
    command, _at, mention = (message.text or "").split()[0].partition("@")
    if mention and mention.casefold() != ((await bot.me()).username or "").casefold():
        return
    await message.answer(
        _("I don't know the command {command}. See /help for what I can do.").format(
            command=html.escape(command[:64])
        )
    )


async def cancel_whatever(message: Message, state: FSMContext) -> None:
    """/cancel that no flow took: a flow whose own router no longer lets this user in (a role
    revoked midway) ends here, and with no flow there is nothing to cancel."""
    if await state.get_state() is None:
        await message.answer(_("There is nothing to cancel."))
        return
    await state.clear()
    await message.answer(_("Cancelled."))


async def plain_text(message: Message, bot: Bot, store: Storage, pages: Pages, i18n: I18n) -> None:
    """Text without a command: a region's name shows its news; anything else gets a hint."""
    text = message.text or ""
    match = match_region(text) if len(text) <= 64 else None
    if match is not None and match.region is not None:
        await show_region(
            bot, message.chat.id, match.region, store, pages, i18n.current_locale, city=match.city
        )
        return
    await message.answer(
        _("Send a region's name to see its news, or a command: /latest, /region, /help.")
    )


async def anything_else(message: Message) -> None:
    """Stickers, photos, voice and the rest in a private chat."""
    await message.answer(_("I understand text and commands only. See /help."))


async def stale_button(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """A button whose data no handler knows (an old keyboard, or crafted data)."""
    stale(callback_answer, _("This button is out of date. Try /start."))


def router() -> Router:
    fallback = Router(name=__name__)
    private = F.chat.type == ChatType.PRIVATE
    fallback.message.register(cancel_whatever, Command("cancel"))  # in any chat
    fallback.message.register(unknown_command, private, F.text.startswith("/"))
    fallback.message.register(plain_text, private, F.text)
    fallback.message.register(anything_else, private)
    fallback.callback_query.register(stale_button)
    return fallback

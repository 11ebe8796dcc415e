"""First contact: /start and /help."""

from __future__ import annotations

import html

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.settings import Settings
from handlers.keyboards import start_keyboard
from storage.models import ChatType
from storage.repositories import Storage


async def cmd_start(message: Message, store: Storage, settings: Settings) -> None:
    """/start: remember the chat, greet, and offer the two things to do first."""
    user = message.from_user
    await store.chats.upsert(
        message.chat.id,
        ChatType(message.chat.type),
        message.chat.title,
        user.language_code if user else None,
    )
    name = html.escape(user.first_name) if user and message.chat.type == "private" else ""
    greeting = _("Hello, {name}!").format(name=name) if name else _("Hello!")
    text = "\n\n".join(
        [
            f"👋 <b>{greeting}</b>",
            _(
                "I am Visnyk, a bot of regional news of Ukraine. I show the latest headlines "
                "of the 27 regions and all of Ukraine, and soon I will send new ones to you "
                "as they appear."
            ),
            _("Choose a region or look at the latest news:"),
        ]
    )
    await message.answer(text, reply_markup=start_keyboard())


def help_text(is_admin: bool) -> str:
    """The commands this user can use; admins see theirs too."""
    lines = [
        "ℹ️ <b>" + _("Visnyk: regional news of Ukraine") + "</b>",
        "",
        "/latest — " + _("the 5 latest news items"),
        "/latest 10 — " + _("the 10 latest (from 1 to 20)"),
        "/region — " + _("choose a region from a list"),
        "/region " + _("Chernihiv") + " — " + _("news of a region by its name"),
        "/start — " + _("the main menu"),
        "/help — " + _("this help"),
        "",
        _("A region can be named any way: «Чернігів», «Чернігівщина», Chernihiv, UA-74."),
    ]
    if is_admin:
        lines += [
            "",
            "🛠 <b>" + _("For administrators") + "</b>",
            _(
                "Roles (/grant, /revoke, /roles), feed sources (/sources, /addsource, "
                "/delsource) and /stats are not ready in this version yet."
            ),
        ]
    return "\n".join(lines)


async def cmd_help(message: Message, settings: Settings) -> None:
    """/help: the commands available to this user's roles."""
    user_id = message.from_user.id if message.from_user else None
    await message.answer(help_text(settings.is_admin(user_id)))


def router() -> Router:
    start = Router(name=__name__)
    start.message.register(cmd_start, CommandStart())
    start.message.register(cmd_help, Command("help"))
    return start

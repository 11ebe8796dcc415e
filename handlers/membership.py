"""The bot's own membership: added to a chat, or blocked and removed (my_chat_member)."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import JOIN_TRANSITION, LEAVE_TRANSITION, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated
from aiogram.utils.i18n import gettext as _

from storage.models import ChatType
from storage.repositories import Storage

log = logging.getLogger(__name__)


def introduction(chat_type: ChatType) -> str:
    """What the bot says when it joins a group or a channel."""
    example = _("Chernihiv")
    lines = [
        "👋 <b>" + _("Hello! I am Visnyk, a bot of regional news of Ukraine.") + "</b>",
        "",
        _(
            "I will send new headlines of the regions this chat subscribes to, and show the "
            "latest ones on request: /latest."
        ),
        "",
        _(
            "The admins choose the regions: /subscribe {example} (several: "
            "/subscribe {example}, {other}), or /subscribe for a list."
        ).format(example=example, other=_("Lviv")),
    ]
    if chat_type is ChatType.CHANNEL:
        lines.append(_("In a channel, post the command as a message."))
    lines += ["", _("The chat's regions: /subscriptions. Everything else: /help.")]
    return "\n".join(lines)


async def on_added(event: ChatMemberUpdated, bot: Bot, store: Storage) -> None:
    """The bot joined a chat (or a user unblocked it): remember the chat, introduce itself."""
    chat = event.chat
    chat_type = ChatType(chat.type)
    await store.chats.upsert(chat.id, chat_type, chat.title, event.from_user.language_code)
    if chat_type is ChatType.PRIVATE:
        return  # an unblocked bot: the user's /start greets them
    try:
        await bot.send_message(chat.id, introduction(chat_type))
    except TelegramAPIError as exc:
        # A channel may not let the bot post; nobody is there to tell.
        log.info("could not introduce the bot in chat %s: %s", chat.id, exc)


async def on_removed(event: ChatMemberUpdated, store: Storage) -> None:
    """The bot was blocked, kicked or left: no more deliveries there (and nothing to say)."""
    await store.outbox.skip_chat(event.chat.id, "blocked")


def router() -> Router:
    membership = Router(name=__name__)
    membership.my_chat_member.register(on_added, ChatMemberUpdatedFilter(JOIN_TRANSITION))
    membership.my_chat_member.register(on_removed, ChatMemberUpdatedFilter(LEAVE_TRANSITION))
    return membership

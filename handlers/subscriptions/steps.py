"""Steps that choosing regions shares with other features: a deep link's region, the chat
remembered, who may change a chat, subscribing by name, editing a message in place."""

from __future__ import annotations

import re

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    Message,
    User,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from domain.named_regions import NamedRegions
from domain.regions import ALL_UKRAINE, Region, get_region
from handlers.news import stale
from handlers.permissions import AdminCheck
from handlers.subscriptions.keyboards import SubscriptionCb, add_suggestions_keyboard
from handlers.subscriptions.texts import changes_footer, names, not_found_line, refusal_text
from storage.models import ChatType
from storage.repositories import Storage

_MAX_SUGGESTIONS = 6  # suggestion buttons under one answer
# Deep links: t.me/<bot>?start=UA-74 (also UA_74, UA74), start=UA or start=all for all Ukraine.
_DEEP_LINK = re.compile(r"ua(?:[-_]?(\d{2}))?|all", re.IGNORECASE)


def deep_link_region(payload: str | None) -> Region | None:
    """The region of a /start payload ("UA-74", "UA", "all"), or None for anything else."""
    match = _DEEP_LINK.fullmatch((payload or "").strip())
    if match is None:
        return None
    return get_region(f"UA-{match[1]}" if match[1] else ALL_UKRAINE)


async def remember_chat(store: Storage, chat: Chat, user: User | None) -> None:
    """Subscriptions reference the chat: store it (and mark it active again) first."""
    language = user.language_code if user else None
    await store.chats.upsert(chat.id, ChatType(chat.type), chat.title, language)


async def may_change(message: Message, bot: Bot, admin_check: AdminCheck) -> bool:
    """Whether the sender may change this chat's subscriptions; refuses politely if not."""
    if await admin_check.may_change(bot, message.chat, message.from_user, message.sender_chat):
        return True
    await message.answer(refusal_text() + " " + _("Anyone can see them: /subscriptions"))
    return False


async def subscribe_named(
    message: Message, named: NamedRegions, store: Storage, lang: str
) -> None:
    """Subscribe the chat to the named regions and say what was added, kept and not found."""
    chat_id = message.chat.id
    added: set[str] = set()
    if named.regions:
        await remember_chat(store, message.chat, message.from_user)
        added = await store.subscriptions.add(chat_id, [region.code for region in named.regions])
    fresh = [region for region in named.regions if region.code in added]
    kept = [region for region in named.regions if region.code not in added]
    lines: list[str] = []
    if fresh:
        lines.append("✅ " + _("Subscribed: {regions}.").format(regions=names(fresh, lang)))
    if kept:
        lines.append(_("Already subscribed: {regions}.").format(regions=names(kept, lang)))
    lines += [not_found_line(missing, lang) for missing in named.not_found]
    if fresh:
        lines += ["", changes_footer()]
    markup = None
    if named.not_found:
        subscribed = await store.subscriptions.regions_of(chat_id)
        suggestions = {
            region.code: region
            for missing in named.not_found
            for region in missing.suggestions
            if region.code not in subscribed
        }
        markup = add_suggestions_keyboard(lang, list(suggestions.values())[:_MAX_SUGGESTIONS])
    await message.answer("\n".join(lines), reply_markup=markup)


async def subscribe_from_link(
    message: Message, region: Region, bot: Bot, store: Storage, admin_check: AdminCheck, lang: str
) -> None:
    """/start UA-74: subscribe at once (admins only in groups)."""
    if await may_change(message, bot, admin_check):
        await subscribe_named(message, NamedRegions((region,), ()), store, lang)


async def edit_message(
    bot: Bot,
    message: MaybeInaccessibleMessageUnion,
    markup: InlineKeyboardMarkup | None,
    text: str | None = None,
) -> None:
    """Edit a keyboard (and the text, when given) in place; an edit that changes nothing is
    fine (two quick presses can both arrive at the same state)."""
    try:
        if text is None:
            await bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=message.message_id, reply_markup=markup
            )
        else:
            await bot.edit_message_text(
                text=text,
                chat_id=message.chat.id,
                message_id=message.message_id,
                reply_markup=markup,
            )
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            raise


async def pressed_by_admin(
    callback: CallbackQuery, callback_answer: CallbackAnswer, bot: Bot, admin_check: AdminCheck
) -> MaybeInaccessibleMessageUnion | None:
    """The pressed message, when the presser may change the chat; None (answered) otherwise."""
    message = callback.message
    if message is None:
        stale(callback_answer, _("This button is out of date. Try /subscribe."))
        return None
    if not await admin_check.may_change(bot, message.chat, callback.from_user):
        stale(callback_answer, refusal_text())
        return None
    return message


async def region_press(
    callback: CallbackQuery,
    callback_data: SubscriptionCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    admin_check: AdminCheck,
) -> tuple[Region, MaybeInaccessibleMessageUnion] | None:
    """A region button pressed by someone who may change the chat: the region and the pressed
    message, with the chat remembered; None (answered) for a stale button or a refusal."""
    region = button_region(callback_data, callback_answer)
    if region is None:
        return None
    message = await pressed_by_admin(callback, callback_answer, bot, admin_check)
    if message is None:
        return None
    await remember_chat(store, message.chat, callback.from_user)
    return region, message


def button_region(callback_data: SubscriptionCb, callback_answer: CallbackAnswer) -> Region | None:
    region = get_region(callback_data.code)
    if region is None:
        stale(callback_answer, _("This button is out of date. Try /subscribe."))
    return region

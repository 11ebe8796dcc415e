"""/subscribe [region…], /unsubscribe [region…|all], /subscriptions."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.named_regions import parse_regions
from handlers.permissions import AdminCheck
from handlers.subscriptions.keyboards import subscribe_keyboard
from handlers.subscriptions.steps import may_change, remember_chat, subscribe_named
from handlers.subscriptions.texts import (
    names,
    not_found_line,
    subscribe_prompt,
    subscriptions_view,
)
from storage.models import ChatType
from storage.repositories import Storage

# "/unsubscribe all" and its Ukrainian spellings.


ALL_WORDS = frozenset({"all", "все", "усе", "усі", "всі"})


async def cmd_subscribe(
    message: Message,
    command: CommandObject,
    bot: Bot,
    store: Storage,
    i18n: I18n,
    admin_check: AdminCheck,
) -> None:
    """/subscribe [region…]: subscribe to the named regions, or a keyboard of all of them."""
    if not await may_change(message, bot, admin_check):
        return
    lang = i18n.current_locale
    args = (command.args or "").strip()
    if not args:
        chosen = await store.subscriptions.regions_of(message.chat.id)
        await message.answer(subscribe_prompt(), reply_markup=subscribe_keyboard(lang, chosen))
        return
    await subscribe_named(message, parse_regions(args), store, lang)


async def cmd_unsubscribe(
    message: Message,
    command: CommandObject,
    bot: Bot,
    store: Storage,
    i18n: I18n,
    admin_check: AdminCheck,
) -> None:
    """/unsubscribe [region…|all]: drop the named regions or all; no argument: the list."""
    lang = i18n.current_locale
    args = (command.args or "").strip()
    if not args:
        await show_subscriptions(message, store, lang)
        return
    if not await may_change(message, bot, admin_check):
        return
    chat_id = message.chat.id
    await remember_chat(store, message.chat, message.from_user)
    if args.casefold() in ALL_WORDS:
        removed = await store.subscriptions.remove(chat_id)
        if removed:
            text = "🔕 " + _("Unsubscribed from all regions ({count}).").format(count=len(removed))
        else:
            text = _("There were no subscriptions here. To choose regions: /subscribe")
        await message.answer(text)
        return
    named = parse_regions(args)
    codes = [region.code for region in named.regions]
    removed = await store.subscriptions.remove(chat_id, codes) if codes else set()
    gone = [region for region in named.regions if region.code in removed]
    absent = [region for region in named.regions if region.code not in removed]
    lines: list[str] = []
    if gone:
        lines.append("🔕 " + _("Unsubscribed: {regions}.").format(regions=names(gone, lang)))
    if absent:
        lines.append(_("Not subscribed to: {regions}.").format(regions=names(absent, lang)))
    lines += [not_found_line(missing, lang) for missing in named.not_found]
    lines += ["", _("To see the list: /subscriptions")]
    await message.answer("\n".join(lines))


async def cmd_subscriptions(message: Message, store: Storage, i18n: I18n) -> None:
    """/subscriptions: the chat's regions, each with a button that removes it."""
    await show_subscriptions(message, store, i18n.current_locale)


async def show_subscriptions(message: Message, store: Storage, lang: str) -> None:
    codes = await store.subscriptions.regions_of(message.chat.id)
    text, markup = subscriptions_view(codes, lang, message.chat.type == ChatType.PRIVATE)
    await message.answer(text, reply_markup=markup)

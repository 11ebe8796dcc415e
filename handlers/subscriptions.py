"""Choosing regions: /subscribe, /unsubscribe, /subscriptions, and their buttons.

Anyone may look at a chat's subscriptions; in groups and channels only the chat's admins may
change them (handlers.permissions). The commands work in channel posts too, where only admins
can post.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    Message,
    User,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.formatting import trim
from domain.named_regions import NamedRegions, NotFound, parse_regions
from domain.regions import ALL_UKRAINE, REGIONS, Region, get_region
from handlers.deps import provide
from handlers.keyboards import (
    SubscriptionAction,
    SubscriptionCb,
    add_suggestions_keyboard,
    choose_regions_keyboard,
    subscribe_keyboard,
    subscriptions_keyboard,
)
from handlers.news import stale
from handlers.permissions import AdminCheck
from storage.models import ChatType
from storage.repositories import Storage

# "/unsubscribe all" and its Ukrainian spellings.
ALL_WORDS = frozenset({"all", "все", "усе", "усі", "всі"})
_MAX_SUGGESTIONS = 6  # suggestion buttons under one answer
# Deep links: t.me/<bot>?start=UA-74 (also UA_74, UA74), start=UA or start=all for all Ukraine.
_DEEP_LINK = re.compile(r"ua(?:[-_]?(\d{2}))?|all", re.IGNORECASE)


def deep_link_region(payload: str | None) -> Region | None:
    """The region of a /start payload ("UA-74", "UA", "all"), or None for anything else."""
    match = _DEEP_LINK.fullmatch((payload or "").strip())
    if match is None:
        return None
    return get_region(f"UA-{match[1]}" if match[1] else ALL_UKRAINE)


def ordered(codes: Collection[str]) -> list[Region]:
    """Regions of `codes` in the order of REGIONS ("All Ukraine" first)."""
    return [region for region in REGIONS if region.code in codes]


def names(regions: Iterable[Region], lang: str) -> str:
    return ", ".join(html.escape(region.short(lang)) for region in regions)


# ----------------------------------------------------------------------------- texts


def refusal_text() -> str:
    return _("Only the admins of this chat can change its subscriptions.")


def subscribe_prompt() -> str:
    return "\n".join(
        [
            "📍 <b>" + _("Choose the regions to subscribe to") + "</b>",
            _("Tap a region to subscribe or unsubscribe; ✅ marks the chosen ones."),
        ]
    )


def changes_footer() -> str:
    return _(
        "New headlines from these regions will come to this chat. "
        "To see or change the list: /subscriptions"
    )


def not_found_line(missing: NotFound, lang: str) -> str:
    query = html.escape(trim(missing.query, 64))
    if not missing.suggestions:
        return "❓ " + _("Region “{query}” not found.").format(query=query)
    suggestions = ", ".join(html.escape(region.name(lang)) for region in missing.suggestions)
    return "❓ " + _("Region “{query}” not found. Did you mean: {regions}?").format(
        query=query, regions=suggestions
    )


def subscriptions_view(
    codes: Collection[str], lang: str, private: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """The /subscriptions message: the list with a ❌ button per region, or how to start one."""
    regions = ordered(codes)
    if not regions:
        empty = (
            _("You have no subscriptions yet.")
            if private
            else _("This chat has no subscriptions yet.")
        )
        text = "📋 " + empty + "\n" + _("Choose regions, and their new headlines will come here.")
        return text, choose_regions_keyboard()
    title = _("Your subscriptions") if private else _("This chat's subscriptions")
    lines = [f"📋 <b>{title}</b> ({len(regions)})", ""]
    lines += ["• " + html.escape(region.short(lang)) for region in regions]
    if ALL_UKRAINE in codes:
        lines += ["", _("“All Ukraine” brings the news of every region.")]
    lines += ["", _("Press ❌ to unsubscribe from a region.")]
    return "\n".join(lines), subscriptions_keyboard(lang, regions)


def done_text(codes: Collection[str], lang: str) -> str:
    regions = ordered(codes)
    if not regions:
        return _("No regions chosen. You can choose them any time: /subscribe")
    return "\n".join(
        [
            "✅ <b>"
            + _("Done!")
            + "</b> "
            + _("Subscriptions: {regions}.").format(regions=names(regions, lang)),
            "",
            changes_footer(),
        ]
    )


# ----------------------------------------------------------------------------- shared steps


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


# ----------------------------------------------------------------------------- commands


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


# ----------------------------------------------------------------------------- buttons


async def on_toggle(
    callback: CallbackQuery,
    callback_data: SubscriptionCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    i18n: I18n,
    admin_check: AdminCheck,
) -> None:
    """A region on the /subscribe keyboard: flip it, and redraw the keyboard in place."""
    pressed = await region_press(callback, callback_data, callback_answer, bot, store, admin_check)
    if pressed is None:
        return
    region, message = pressed
    lang = i18n.current_locale
    subscribed = await store.subscriptions.toggle(message.chat.id, region.code)
    chosen = await store.subscriptions.regions_of(message.chat.id)
    await edit_message(bot, message, subscribe_keyboard(lang, chosen))
    answer = _("Subscribed: {regions}.") if subscribed else _("Unsubscribed: {regions}.")
    callback_answer.text = answer.format(regions=region.short(lang))


async def on_done(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    i18n: I18n,
    admin_check: AdminCheck,
) -> None:
    """ "Done" on the /subscribe keyboard: the message becomes a summary."""
    message = await pressed_by_admin(callback, callback_answer, bot, admin_check)
    if message is None:
        return
    codes = await store.subscriptions.regions_of(message.chat.id)
    await edit_message(bot, message, None, done_text(codes, i18n.current_locale))


async def on_add(
    callback: CallbackQuery,
    callback_data: SubscriptionCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    i18n: I18n,
    admin_check: AdminCheck,
) -> None:
    """A suggested region under "not found": subscribe, and take its button away."""
    pressed = await region_press(callback, callback_data, callback_answer, bot, store, admin_check)
    if pressed is None:
        return
    region, message = pressed
    lang = i18n.current_locale
    added = await store.subscriptions.add(message.chat.id, [region.code])
    answer = _("Subscribed: {regions}.") if added else _("Already subscribed: {regions}.")
    callback_answer.text = answer.format(regions=region.short(lang))
    if isinstance(message, Message) and message.reply_markup is not None:
        rows = [
            [button for button in row if button.callback_data != callback.data]
            for row in message.reply_markup.inline_keyboard
        ]
        rows = [row for row in rows if row]
        markup = InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
        await edit_message(bot, message, markup)


async def on_remove(
    callback: CallbackQuery,
    callback_data: SubscriptionCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    i18n: I18n,
    admin_check: AdminCheck,
) -> None:
    """ "❌ region" on the /subscriptions list: remove it, and redraw the list in place."""
    pressed = await region_press(callback, callback_data, callback_answer, bot, store, admin_check)
    if pressed is None:
        return
    region, message = pressed
    lang = i18n.current_locale
    removed = await store.subscriptions.remove(message.chat.id, [region.code])
    codes = await store.subscriptions.regions_of(message.chat.id)
    text, markup = subscriptions_view(codes, lang, message.chat.type == ChatType.PRIVATE)
    await edit_message(bot, message, markup, text)
    answer = _("Unsubscribed: {regions}.") if removed else _("Not subscribed to: {regions}.")
    callback_answer.text = answer.format(regions=region.short(lang))


async def on_open(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    i18n: I18n,
    admin_check: AdminCheck,
) -> None:
    """ "Choose regions" / "Add regions": the message becomes the /subscribe keyboard."""
    message = await pressed_by_admin(callback, callback_answer, bot, admin_check)
    if message is None:
        return
    chosen = await store.subscriptions.regions_of(message.chat.id)
    markup = subscribe_keyboard(i18n.current_locale, chosen)
    await edit_message(bot, message, markup, subscribe_prompt())


def router(admin_check: AdminCheck) -> Router:
    subscriptions = Router(name=__name__)
    provide(subscriptions, admin_check=admin_check)
    # Channel posts too: only a channel's admins can post there.
    for observer in (subscriptions.message, subscriptions.channel_post):
        observer.register(cmd_subscribe, Command("subscribe"))
        observer.register(cmd_unsubscribe, Command("unsubscribe"))
        observer.register(cmd_subscriptions, Command("subscriptions"))
    buttons = subscriptions.callback_query
    action = SubscriptionCb.filter
    buttons.register(on_toggle, action(F.action == SubscriptionAction.TOGGLE))
    buttons.register(on_done, action(F.action == SubscriptionAction.DONE))
    buttons.register(on_add, action(F.action == SubscriptionAction.ADD))
    buttons.register(on_remove, action(F.action == SubscriptionAction.REMOVE))
    buttons.register(on_open, action(F.action == SubscriptionAction.OPEN))
    return subscriptions

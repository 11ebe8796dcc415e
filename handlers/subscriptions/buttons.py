"""The buttons of /subscribe, /subscriptions and "not found": each changes the chat's regions
and redraws its message in place."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from handlers.permissions import AdminCheck
from handlers.subscriptions.keyboards import SubscriptionCb, subscribe_keyboard
from handlers.subscriptions.steps import edit_message, pressed_by_admin, region_press
from handlers.subscriptions.texts import done_text, subscribe_prompt, subscriptions_view
from storage.models import ChatType
from storage.repositories import Storage


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

"""/settings: the menu, edited in place; a time or range of hours typed after its button."""

from __future__ import annotations

import html

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from handlers.filters import access_of
from handlers.menus import set_user_menu
from handlers.news import stale
from handlers.permissions import AdminCheck
from handlers.settings.keyboards import (
    SettingsAction,
    SettingsCb,
    delivery_keyboard,
    language_keyboard,
    menu_keyboard,
    quiet_keyboard,
)
from handlers.settings.texts import menu_text
from handlers.settings.times import parse_range, parse_time, unpacked
from handlers.subscriptions.steps import remember_chat
from infra.i18n import locale_for
from infra.settings import Settings
from storage.chat_settings import ChatSettings
from storage.repositories import Storage


class SettingsFlow(StatesGroup):
    digest_time = State()
    quiet_range = State()


def submenu(action: SettingsAction, settings: ChatSettings) -> tuple[str, InlineKeyboardMarkup]:
    """The text and keyboard of a screen of the menu."""
    if action is SettingsAction.LANGUAGE:
        return "🌐 " + html.escape(
            _("The language of everything I send to this chat, news included.")
        ), language_keyboard(settings)
    if action is SettingsAction.DELIVERY:
        return "📬 " + html.escape(
            _("Each item as it comes, or once a day, as a digest at the time you choose.")
        ), delivery_keyboard(settings)
    if action in (SettingsAction.QUIET, SettingsAction.QUIET_MODE):
        return "🌙 " + html.escape(
            _(
                "In quiet hours ordinary items wait until they end and then come as one list, "
                "or come at once without sound."
            )
        ), quiet_keyboard(settings)
    return menu_text(settings), menu_keyboard(settings)


async def cmd_settings(message: Message, store: Storage, state: FSMContext) -> None:
    """/settings: the chat's settings, with buttons to change them."""
    await state.clear()
    settings = await store.chat_settings.get(message.chat.id)
    await message.answer(menu_text(settings), reply_markup=menu_keyboard(settings))


async def on_settings_button(
    callback: CallbackQuery,
    callback_data: SettingsCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    store: Storage,
    admin_check: AdminCheck,
    state: FSMContext,
    i18n: I18n,
    settings: Settings,
) -> None:
    """Any button of the menu: a screen, or a change (by someone who may change the chat)."""
    message = callback.message
    if message is None:
        stale(callback_answer, _("This button is out of date. Try /settings."))
        return
    if not await admin_check.may_change(bot, message.chat, callback.from_user):
        stale(callback_answer, _("Only the admins of this chat can change its settings."))
        return
    chat_id = message.chat.id
    chat_settings = await store.chat_settings.get(chat_id)
    action, value = callback_data.action, callback_data.value
    screen = action
    if value == "ask":
        await state.set_state(
            SettingsFlow.digest_time
            if action is SettingsAction.DELIVERY
            else SettingsFlow.quiet_range
        )
        await state.update_data(menu=message.message_id)
        callback_answer.text = (
            _("Send the time, for example 07:30")
            if action is SettingsAction.DELIVERY
            else _("Send the hours, for example 22:30–07:00")
        )
        callback_answer.show_alert = True
        return
    changes = _changes(action, value, chat_settings)
    if changes is None and value:
        stale(callback_answer, _("This button is out of date. Try /settings."))
        return
    if changes:
        await remember_chat(store, message.chat, callback.from_user)
        chat_settings = await store.chat_settings.update(chat_id, **changes)
        if action in (SettingsAction.LANGUAGE, SettingsAction.PREVIEWS):
            screen = SettingsAction.MENU
        if action is SettingsAction.LANGUAGE and message.chat.type == "private":
            # An editor's own command menu speaks the chat's language too.
            access = await access_of(callback.from_user.id, store, settings)
            if access.is_editor or access.is_coordinator:
                await set_user_menu(bot, callback.from_user.id, store, settings, i18n)
    # A new language speaks at once: the menu is drawn in it.
    locale = chat_settings.language or locale_for(callback.from_user.language_code)
    with i18n.use_locale(locale):
        text, keyboard = submenu(screen, chat_settings)
        saved = _("Saved.") if changes else None
    if saved:
        callback_answer.text = saved
    await _show(bot, chat_id, message.message_id, text, keyboard)


def _changes(
    action: SettingsAction, value: str, settings: ChatSettings
) -> dict[str, object] | None:
    """What a button with a value changes ({}: nothing, it opens a screen; None: not a value
    this button can have)."""
    if action is SettingsAction.PREVIEWS:
        return {"previews": not settings.previews}
    if not value:
        return {}
    if action is SettingsAction.LANGUAGE and value in ("uk", "en", "auto"):
        return {"language": None if value == "auto" else value}
    if action is SettingsAction.DELIVERY:
        if value == "now":
            return {"digest_at": None}
        digest_time = parse_time(unpacked(value))
        return {"digest_at": digest_time} if digest_time else None
    if action is SettingsAction.QUIET:
        if value == "off":
            return {"quiet_from": None, "quiet_to": None}
        hours = parse_range(unpacked(value))
        return {"quiet_from": hours[0], "quiet_to": hours[1]} if hours else None
    if action is SettingsAction.QUIET_MODE and value in ("hold", "silent"):
        return {"quiet_mode": value}
    return None


async def _show(
    bot: Bot, chat_id: int, message_id: int, text: str, keyboard: InlineKeyboardMarkup
) -> None:
    """The menu message, edited in place ("not modified" is fine: nothing changed)."""
    try:
        await bot.edit_message_text(
            text=text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard
        )
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            raise


async def on_typed_time(
    message: Message,
    bot: Bot,
    store: Storage,
    state: FSMContext,
    admin_check: AdminCheck,
) -> None:
    """A digest time typed after "Another time…"."""
    await _typed(message, bot, store, state, admin_check, digest=True)


async def on_typed_range(
    message: Message,
    bot: Bot,
    store: Storage,
    state: FSMContext,
    admin_check: AdminCheck,
) -> None:
    """Quiet hours typed after "Other hours…"."""
    await _typed(message, bot, store, state, admin_check, digest=False)


async def _typed(
    message: Message,
    bot: Bot,
    store: Storage,
    state: FSMContext,
    admin_check: AdminCheck,
    *,
    digest: bool,
) -> None:
    if not await admin_check.may_change(bot, message.chat, message.from_user, message.sender_chat):
        await state.clear()
        return
    text = message.text or ""
    changes: dict[str, object] | None
    if digest:
        digest_time = parse_time(text)
        changes = {"digest_at": digest_time} if digest_time else None
        example = _("Send the time, for example 07:30, or /cancel.")
    else:
        hours = parse_range(text)
        changes = {"quiet_from": hours[0], "quiet_to": hours[1]} if hours else None
        example = _("Send the hours, for example 22:30–07:00, or /cancel.")
    if changes is None:
        await message.answer(html.escape(_("I cannot read that.") + " " + example))
        return
    await state.clear()
    await remember_chat(store, message.chat, message.from_user)
    settings = await store.chat_settings.update(message.chat.id, **changes)
    text, keyboard = submenu(SettingsAction.DELIVERY if digest else SettingsAction.QUIET, settings)
    await message.answer("✅ " + html.escape(_("Saved.")) + "\n\n" + text, reply_markup=keyboard)


async def on_cancel_typing(message: Message, state: FSMContext) -> None:
    """/cancel while a time is awaited."""
    await state.clear()
    await message.answer(html.escape(_("Nothing was changed. /settings shows the settings.")))

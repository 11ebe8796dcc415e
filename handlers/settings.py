"""/settings: one menu per chat, edited in place: language, delivery (instantly or a daily
digest), quiet hours (and what they mean), link previews.

Anyone may look at a chat's settings; in groups and channels only its admins change them
(handlers.permissions). A time or a range of one's own is typed after its button.
"""

from __future__ import annotations

import html
import re
from enum import StrEnum

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.deps import provide
from handlers.filters import access_of
from handlers.menus import set_user_menu
from handlers.news import stale
from handlers.permissions import AdminCheck
from handlers.subscriptions import remember_chat
from infra.i18n import locale_for
from infra.settings import Settings
from storage.chat_settings import ChatSettings
from storage.repositories import Storage

DIGEST_TIMES = ("07:00", "08:00", "09:00", "12:00", "18:00", "21:00")
QUIET_RANGES = (("22:00", "08:00"), ("23:00", "07:00"))
_TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
_RANGE = re.compile(rf"\s*{_TIME.pattern}\s*[-–—]\s*{_TIME.pattern}\s*")


class SettingsAction(StrEnum):
    MENU = "menu"  # back to the main menu
    LANGUAGE = "lang"  # the language submenu, or (with a value) a language
    DELIVERY = "deliv"  # the delivery submenu, or: "now", "HH:MM", "ask"
    QUIET = "quiet"  # the quiet hours submenu, or: "off", "HH:MM-HH:MM", "ask"
    QUIET_MODE = "qmode"  # "hold" or "silent"
    PREVIEWS = "prev"  # toggle


class SettingsCb(CallbackData, prefix="st"):
    action: SettingsAction
    value: str = ""


class SettingsFlow(StatesGroup):
    digest_time = State()
    quiet_range = State()


# ----------------------------------------------------------------------------- texts


def language_name(code: str | None) -> str:
    if code == "uk":
        return "Українська"
    if code == "en":
        return "English"
    return _("as in Telegram")


def delivery_text(settings: ChatSettings) -> str:
    if settings.digest_at is None:
        return _("each item at once")
    return _("a daily digest at {time}").format(time=settings.digest_at)


def quiet_text(settings: ChatSettings) -> str:
    if settings.quiet is None:
        return _("off")
    span = f"{settings.quiet[0]}–{settings.quiet[1]}"
    if settings.quiet_mode == "silent":
        return _("{span}, items come without sound").format(span=span)
    return _("{span}, items wait until the end").format(span=span)


def menu_text(settings: ChatSettings) -> str:
    return "\n".join(
        [
            "⚙️ <b>" + html.escape(_("Settings of this chat")) + "</b>",
            "",
            "🌐 "
            + html.escape(_("Language: {name}").format(name=language_name(settings.language))),
            "📬 " + html.escape(_("Delivery: {mode}").format(mode=delivery_text(settings))),
            "🌙 " + html.escape(_("Quiet hours: {hours}").format(hours=quiet_text(settings))),
            "🔗 "
            + html.escape(
                _("Link previews: {state}").format(
                    state=_("on") if settings.previews else _("off")
                )
            ),
            "",
            html.escape(
                _("Breaking news and event reminders come at once, whatever is set here.")
            ),
        ]
    )


def packed(value: str) -> str:
    """A time or range in callback data, where ':' separates fields: '07:00' -> '0700'."""
    return value.replace(":", "")


def unpacked(value: str) -> str:
    """'0700' -> '07:00', '2200-0800' -> '22:00-08:00'."""
    return re.sub(r"(\d\d)(\d\d)", r"\1:\2", value)


def _button(
    builder: InlineKeyboardBuilder, text: str, action: SettingsAction, value: str = ""
) -> None:
    builder.button(text=text, callback_data=SettingsCb(action=action, value=value))


def menu_keyboard(settings: ChatSettings) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    _button(builder, "🌐 " + _("Language"), SettingsAction.LANGUAGE)
    _button(builder, "📬 " + _("Delivery"), SettingsAction.DELIVERY)
    _button(builder, "🌙 " + _("Quiet hours"), SettingsAction.QUIET)
    _button(
        builder,
        "🔗 " + (_("Turn link previews off") if settings.previews else _("Turn link previews on")),
        SettingsAction.PREVIEWS,
    )
    builder.adjust(1)
    return builder.as_markup()


def chosen(label: str, is_chosen: bool) -> str:
    return f"✅ {label}" if is_chosen else label


def language_keyboard(settings: ChatSettings) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in ("uk", "en", "auto"):
        current = settings.language or "auto"
        _button(
            builder,
            chosen(language_name(None if code == "auto" else code), current == code),
            SettingsAction.LANGUAGE,
            code,
        )
    _button(builder, "◀️ " + _("Back"), SettingsAction.MENU)
    builder.adjust(1)
    return builder.as_markup()


def delivery_keyboard(settings: ChatSettings) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    _button(
        builder,
        chosen(_("Each item at once"), settings.digest_at is None),
        SettingsAction.DELIVERY,
        "now",
    )
    for digest_time in DIGEST_TIMES:
        _button(
            builder,
            chosen(digest_time, settings.digest_at == digest_time),
            SettingsAction.DELIVERY,
            packed(digest_time),
        )
    other = settings.digest_at is not None and settings.digest_at not in DIGEST_TIMES
    _button(
        builder,
        chosen(_("Another time…") if not other else str(settings.digest_at), other),
        SettingsAction.DELIVERY,
        "ask",
    )
    _button(builder, "◀️ " + _("Back"), SettingsAction.MENU)
    builder.adjust(1, 3, 3, 1, 1)
    return builder.as_markup()


def quiet_keyboard(settings: ChatSettings) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    _button(builder, chosen(_("Off"), settings.quiet is None), SettingsAction.QUIET, "off")
    for start, end in QUIET_RANGES:
        _button(
            builder,
            chosen(f"{start}–{end}", settings.quiet == (start, end)),
            SettingsAction.QUIET,
            packed(f"{start}-{end}"),
        )
    other = settings.quiet is not None and settings.quiet not in QUIET_RANGES
    label = f"{settings.quiet[0]}–{settings.quiet[1]}" if other and settings.quiet else None
    _button(builder, chosen(label or _("Other hours…"), other), SettingsAction.QUIET, "ask")
    hold = settings.quiet_mode == "hold"
    _button(
        builder, chosen(_("Items wait until the end"), hold), SettingsAction.QUIET_MODE, "hold"
    )
    _button(
        builder,
        chosen(_("Items come without sound"), not hold),
        SettingsAction.QUIET_MODE,
        "silent",
    )
    _button(builder, "◀️ " + _("Back"), SettingsAction.MENU)
    builder.adjust(1, 2, 1, 1, 1, 1)
    return builder.as_markup()


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


def parse_time(text: str) -> str | None:
    """'8:30', '08.30', '08:30' -> '08:30'; None for anything else."""
    match = _TIME.fullmatch(text.strip())
    return f"{int(match[1]):02d}:{match[2]}" if match else None


def parse_range(text: str) -> tuple[str, str] | None:
    """'22:00-7:30', '22.00 – 07.30' -> ('22:00', '07:30'); None for anything else, or for an
    empty range."""
    match = _RANGE.fullmatch(text)
    if match is None:
        return None
    start = f"{int(match[1]):02d}:{match[2]}"
    end = f"{int(match[3]):02d}:{match[4]}"
    return None if start == end else (start, end)


# ----------------------------------------------------------------------------- handlers


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


def router(admin_check: AdminCheck) -> Router:
    settings = Router(name=__name__)
    provide(settings, admin_check=admin_check)
    settings.message.register(cmd_settings, Command("settings"))
    settings.channel_post.register(cmd_settings, Command("settings"))
    settings.callback_query.register(on_settings_button, SettingsCb.filter())
    awaiting = StateFilter(SettingsFlow.digest_time, SettingsFlow.quiet_range)
    settings.message.register(on_cancel_typing, awaiting, Command("cancel"))
    settings.message.register(on_typed_time, SettingsFlow.digest_time, F.text)
    settings.message.register(on_typed_range, SettingsFlow.quiet_range, F.text)
    return settings

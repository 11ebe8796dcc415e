"""The /settings menu's buttons: their callback data and keyboards."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.settings.texts import language_name
from handlers.settings.times import packed
from storage.chat_settings import ChatSettings

DIGEST_TIMES = ("07:00", "08:00", "09:00", "12:00", "18:00", "21:00")
QUIET_RANGES = (("22:00", "08:00"), ("23:00", "07:00"))


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

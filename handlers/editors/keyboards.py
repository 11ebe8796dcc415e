"""Editors' buttons: their callback data and keyboards."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from domain.regions import get_region
from handlers.filters import Access


class EditorAction(StrEnum):
    REGION = "region"  # /push: the region chosen
    SEND = "send"  # /push: publish the previewed item
    CORRECT = "correct"  # /correct: apply the previewed text
    RETRACT = "retract"  # /retract: confirmed
    CANCEL = "cancel"  # any flow, any step


class EditorCb(CallbackData, prefix="ed"):
    action: EditorAction
    code: str = ""
    item_id: int = 0


def cancel_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="✖️ " + _("Cancel"), callback_data=EditorCb(action=EditorAction.CANCEL))
    return builder.as_markup()


def confirm_keyboard(action: EditorAction, label: str, item_id: int = 0) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=label, callback_data=EditorCb(action=action, item_id=item_id))
    builder.button(text="✖️ " + _("Cancel"), callback_data=EditorCb(action=EditorAction.CANCEL))
    builder.adjust(2)
    return builder.as_markup()


def push_regions_keyboard(access: Access, lang: str) -> InlineKeyboardMarkup:
    """The regions this editor may publish to ("All Ukraine" on its own row), then Cancel."""
    builder = InlineKeyboardBuilder()
    codes = access.editable_regions()
    national = [code for code in codes if (region := get_region(code)) and region.is_national]
    for code in [*national, *(code for code in codes if code not in national)]:
        region = get_region(code)
        if region is not None:
            builder.button(
                text=region.short(lang),
                callback_data=EditorCb(action=EditorAction.REGION, code=code),
            )
    builder.button(text="✖️ " + _("Cancel"), callback_data=EditorCb(action=EditorAction.CANCEL))
    others = len(codes) - len(national)
    builder.adjust(*([1] * len(national)), *([2] * (others // 2)), *([1] * (others % 2)), 1)
    return builder.as_markup()

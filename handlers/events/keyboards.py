"""The buttons of /announce and /events: their callback data and keyboards."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from domain.formatting import trim
from domain.regions import get_region
from handlers.filters import Access
from storage.events import Event


class AnnounceAction(StrEnum):
    REGION = "region"
    SKIP = "skip"  # no description
    SEND = "send"
    CANCEL = "cancel"


class AnnounceCb(CallbackData, prefix="an"):
    action: AnnounceAction
    code: str = ""


class EventAction(StrEnum):
    SHOW = "show"  # the full announcement of a listed event


class EventCb(CallbackData, prefix="ev"):
    action: EventAction
    event_id: int


def _cancel_button(builder: InlineKeyboardBuilder) -> None:
    builder.button(text=_("Cancel"), callback_data=AnnounceCb(action=AnnounceAction.CANCEL))


def regions_keyboard(access: Access, lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in access.editable_regions():
        region = get_region(code)
        if region is not None:
            builder.button(
                text=region.short(lang),
                callback_data=AnnounceCb(action=AnnounceAction.REGION, code=code),
            )
    _cancel_button(builder)
    builder.adjust(2)
    return builder.as_markup()


def cancel_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    _cancel_button(builder)
    return builder.as_markup()


def skip_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Skip"), callback_data=AnnounceCb(action=AnnounceAction.SKIP))
    _cancel_button(builder)
    builder.adjust(2)
    return builder.as_markup()


def confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="✅ " + _("Send"), callback_data=AnnounceCb(action=AnnounceAction.SEND))
    _cancel_button(builder)
    builder.adjust(2)
    return builder.as_markup()


def events_keyboard(events: list[Event]) -> InlineKeyboardMarkup | None:
    if not events:
        return None
    builder = InlineKeyboardBuilder()
    for number, event in enumerate(events, start=1):
        builder.button(
            text=f"📄 {number}. {trim(event.title, 40)}",
            callback_data=EventCb(action=EventAction.SHOW, event_id=event.id),
        )
    builder.adjust(1)
    return builder.as_markup()

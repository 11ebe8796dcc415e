"""The main menu's and the news' keyboards (/start, /latest, /region) and their callback data.

Those of other features live beside their handlers (handlers/subscriptions/keyboards.py…).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from domain.regions import REGIONS, Region


class MenuAction(StrEnum):
    REGIONS = "regions"
    LATEST = "latest"


class MenuCb(CallbackData, prefix="m"):
    action: MenuAction


class RegionAction(StrEnum):
    SHOW = "show"
    SUBSCRIBE = "sub"  # under a region's news: subscribe the chat to it (handlers.subscriptions)


class RegionCb(CallbackData, prefix="r"):
    action: RegionAction
    code: str


def cancel_label() -> str:
    """The one label of every Cancel button."""
    return "✖️ " + _("Cancel")


def subscribe_region_keyboard(region: Region) -> InlineKeyboardMarkup:
    """Under a region's news, for a chat not subscribed to it."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text="🔔 " + _("Subscribe"),
        callback_data=RegionCb(action=RegionAction.SUBSCRIBE, code=region.code),
    )
    return builder.as_markup()


def start_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text="📍 " + _("Choose regions"), callback_data=MenuCb(action=MenuAction.REGIONS)
    )
    builder.button(text="📰 " + _("Latest news"), callback_data=MenuCb(action=MenuAction.LATEST))
    builder.adjust(1)
    return builder.as_markup()


def regions_keyboard(lang: str, regions: Sequence[Region] = REGIONS) -> InlineKeyboardMarkup:
    """Every region, two a row, "All Ukraine" on a row of its own."""
    builder = InlineKeyboardBuilder()
    national = [region for region in regions if region.is_national]
    others = [region for region in regions if not region.is_national]
    for region in national:
        builder.button(
            text=region.short(lang),
            callback_data=RegionCb(action=RegionAction.SHOW, code=region.code),
        )
    for region in others:
        builder.button(
            text=region.short(lang),
            callback_data=RegionCb(action=RegionAction.SHOW, code=region.code),
        )
    builder.adjust(*([1] * len(national)), 2)
    return builder.as_markup()


def suggestions_keyboard(lang: str, suggestions: Sequence[Region]) -> InlineKeyboardMarkup:
    """The closest regions, then a way to see them all."""
    builder = InlineKeyboardBuilder()
    for region in suggestions:
        builder.button(
            text=region.name(lang),
            callback_data=RegionCb(action=RegionAction.SHOW, code=region.code),
        )
    builder.button(text="📍 " + _("All regions"), callback_data=MenuCb(action=MenuAction.REGIONS))
    builder.adjust(1)
    return builder.as_markup()

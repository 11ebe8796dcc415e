"""The buttons that choose regions: their callback data and keyboards."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from domain.regions import REGIONS, Region
from handlers.keyboards import SubscriptionAction, SubscriptionCb

__all__ = [
    "SubscriptionAction",
    "SubscriptionCb",
    "add_suggestions_keyboard",
    "choose_regions_keyboard",
    "subscribe_keyboard",
    "subscriptions_keyboard",
]


def subscribe_keyboard(lang: str, chosen: Collection[str]) -> InlineKeyboardMarkup:
    """Every region as a switch (✅ in front of the chosen ones), then "Done"."""
    builder = InlineKeyboardBuilder()
    for region in REGIONS:
        mark = "✅ " if region.code in chosen else ""
        builder.button(
            text=mark + region.short(lang),
            callback_data=SubscriptionCb(action=SubscriptionAction.TOGGLE, code=region.code),
        )
    builder.button(text=_("Done"), callback_data=SubscriptionCb(action=SubscriptionAction.DONE))
    national = sum(1 for region in REGIONS if region.is_national)
    pairs, odd = divmod(len(REGIONS) - national, 2)
    builder.adjust(*([1] * national), *([2] * pairs), *([1] * odd), 1)
    return builder.as_markup()


def subscriptions_keyboard(lang: str, regions: Sequence[Region]) -> InlineKeyboardMarkup:
    """A "❌" button per subscribed region, then a way to add more."""
    builder = InlineKeyboardBuilder()
    for region in regions:
        builder.button(
            text="❌ " + region.short(lang),
            callback_data=SubscriptionCb(action=SubscriptionAction.REMOVE, code=region.code),
        )
    builder.button(
        text="➕ " + _("Add regions"), callback_data=SubscriptionCb(action=SubscriptionAction.OPEN)
    )
    builder.adjust(*([2] * (len(regions) // 2)), *([1] * (len(regions) % 2)), 1)
    return builder.as_markup()


def choose_regions_keyboard() -> InlineKeyboardMarkup:
    """One button that opens the /subscribe keyboard."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text="📍 " + _("Choose regions"),
        callback_data=SubscriptionCb(action=SubscriptionAction.OPEN),
    )
    return builder.as_markup()


def add_suggestions_keyboard(lang: str, suggestions: Sequence[Region]) -> InlineKeyboardMarkup:
    """Subscribe to a suggested region with one press, or pick from the whole list."""
    builder = InlineKeyboardBuilder()
    for region in suggestions:
        builder.button(
            text="➕ " + region.name(lang),
            callback_data=SubscriptionCb(action=SubscriptionAction.ADD, code=region.code),
        )
    builder.button(
        text="📍 " + _("All regions"), callback_data=SubscriptionCb(action=SubscriptionAction.OPEN)
    )
    builder.adjust(1)
    return builder.as_markup()

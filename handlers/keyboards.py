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


class RegionCb(CallbackData, prefix="r"):
    action: RegionAction
    code: str


def cancel_label() -> str:
    """The one label of every Cancel button."""
    return "✖️ " + _("Cancel")


# Subscribing is the subscriptions package's, but a region's news offers it too: the callback
# data live here, where both can import them (handlers.subscriptions.keyboards re-exports them).
class SubscriptionAction(StrEnum):
    TOGGLE = "toggle"  # the /subscribe keyboard: flip one region
    DONE = "done"  # the /subscribe keyboard: close it into a summary
    ADD = "add"  # a suggestion for a name that was not found
    REMOVE = "remove"  # the /subscriptions list: drop one region
    OPEN = "open"  # open the /subscribe keyboard


class SubscriptionCb(CallbackData, prefix="s"):
    action: SubscriptionAction
    code: str = ""


class PageKind(StrEnum):
    LATEST = "l"  # /latest: the chat's regions (as they are when the button is pressed)
    REGION = "r"  # /region: one region
    SEARCH = "s"  # /search: words, perhaps narrowed to a region


class PageCb(CallbackData, prefix="p"):
    """A page of news: everything the page needs is here, so that a button works after a
    restart and under an old message (Telegram allows 64 bytes)."""

    kind: PageKind
    page: int  # from 1
    size: int = 0  # items a page (/latest N); 0: the kind's own
    region: str = ""  # REGION: its code; SEARCH: the region it is narrowed to, if any
    words: str = ""  # SEARCH: the words, packed (domain.search.pack_words)


CALLBACK_DATA_LIMIT = 64  # bytes


def fits(callback_data: CallbackData) -> bool:
    try:
        packed = callback_data.pack()  # aiogram refuses (ValueError) past Telegram's limit
    except ValueError:
        return False
    return len(packed.encode()) <= CALLBACK_DATA_LIMIT


def page_keyboard(
    where: PageCb, pages: int, subscribe: Region | None = None, lang: str = "uk"
) -> InlineKeyboardMarkup | None:
    """◀️ and ▶️ to the pages beside `where` (of `pages`), and a way to subscribe to the region
    whose news these are when the chat is not subscribed to it."""
    builder = InlineKeyboardBuilder()
    turns = 0
    if where.page > 1:
        builder.button(text="◀️", callback_data=where.model_copy(update={"page": where.page - 1}))
        turns += 1
    if where.page < pages:
        builder.button(text="▶️", callback_data=where.model_copy(update={"page": where.page + 1}))
        turns += 1
    if subscribe is not None:
        builder.button(
            text="➕ " + _("Subscribe to {region}").format(region=subscribe.short(lang)),
            callback_data=SubscriptionCb(action=SubscriptionAction.ADD, code=subscribe.code),
        )
    if not turns and subscribe is None:
        return None
    builder.adjust(*([turns] if turns else []), 1)
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

"""Coordinators' buttons: their callback data and keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from domain.formatting import trim
from domain.regions import get_region
from handlers.members.names import AdmitReading
from handlers.members.texts import status_label
from storage.members import Member, MemberStatus


class MemberAction(StrEnum):
    PAGE = "page"  # a page of /members
    SHOW = "show"  # a member's card
    SET = "set"  # a status button on the card
    ADMIT = "admit"  # confirm the pending /admit
    CANCEL = "cancel"  # drop the pending /admit


class MemberCb(CallbackData, prefix="mb"):
    action: MemberAction
    member_id: int = 0
    page: int = 0
    scope: str = ""  # /members: "" the user's regions, "UA" all, or a region code
    status: MemberStatus = MemberStatus.ADMITTED


class AdmitReadingCb(CallbackData, prefix="mr"):
    """One reading of an /admit that can be read several ways: the region takes `words`."""

    words: int


def page_keyboard(
    members: Sequence[Member], scope: str, page: int, pages: int
) -> InlineKeyboardMarkup:
    """A button per member of a /members page (its card), then ◀️ ▶️ when there are pages."""
    builder = InlineKeyboardBuilder()
    for member in members:
        builder.button(
            text=f"№{member.id}",
            callback_data=MemberCb(action=MemberAction.SHOW, member_id=member.id),
        )
    sizes = [5] * (len(members) // 5) + ([len(members) % 5] if len(members) % 5 else [])
    if pages > 1:
        if page > 0:
            builder.button(
                text="◀️",
                callback_data=MemberCb(action=MemberAction.PAGE, page=page - 1, scope=scope),
            )
        if page + 1 < pages:
            builder.button(
                text="▶️",
                callback_data=MemberCb(action=MemberAction.PAGE, page=page + 1, scope=scope),
            )
        sizes.append(2)
    builder.adjust(*sizes)
    return builder.as_markup()


def card_keyboard(member: Member) -> InlineKeyboardMarkup:
    """A member's card: a button for each status the member is not in."""
    builder = InlineKeyboardBuilder()
    for status in MemberStatus:
        if status is not member.status:
            builder.button(
                text="→ " + status_label(status),
                callback_data=MemberCb(
                    action=MemberAction.SET, member_id=member.id, status=status
                ),
            )
    builder.adjust(2)
    return builder.as_markup()


def choice_keyboard(members: Sequence[Member], lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for member in members:
        region = get_region(member.region_code)
        place = region.short(lang) if region else member.region_code
        builder.button(
            text=trim(f"№{member.id} {member.name} ({place})", 60),
            callback_data=MemberCb(action=MemberAction.SHOW, member_id=member.id),
        )
    builder.adjust(1)
    return builder.as_markup()


def readings_keyboard(readings: Sequence[AdmitReading], lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for reading in readings:
        builder.button(
            text=trim(f"{reading.region.short(lang)} · «{reading.name}»", 60),
            callback_data=AdmitReadingCb(words=reading.words),
        )
    builder.button(text="✖️ " + _("Cancel"), callback_data=MemberCb(action=MemberAction.CANCEL))
    builder.adjust(1)
    return builder.as_markup()


def admit_keyboard() -> InlineKeyboardMarkup:
    """Under the /admit question."""
    builder = InlineKeyboardBuilder()
    builder.button(text="✅ " + _("Admit"), callback_data=MemberCb(action=MemberAction.ADMIT))
    builder.button(text="✖️ " + _("Cancel"), callback_data=MemberCb(action=MemberAction.CANCEL))
    return builder.as_markup()

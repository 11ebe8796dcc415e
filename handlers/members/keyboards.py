"""Coordinators' buttons: their callback data and keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from domain.dates import format_when
from domain.formatting import trim
from domain.regions import get_region
from handlers.keyboards import cancel_label
from handlers.members.names import AdmitReading
from handlers.members.texts import status_label
from infra.settings import Settings
from storage.events import Event
from storage.members import Member, MemberStatus

BUTTON_NAME = 40  # characters of a member's number and name on a /members button


class MemberAction(StrEnum):
    PAGE = "page"  # a page of /members
    SHOW = "show"  # a member's card
    SET = "set"  # a status button on the card: asks first
    ADMIT = "admit"  # confirm the pending /admit
    CANCEL = "cancel"  # drop the pending /admit or change: "nothing was changed"
    CONFIRM = "ok"  # make the pending change (a status, a field, an event)
    BACK = "back"  # drop the pending change asked on a card: the card again
    EDIT = "edit"  # a field button on the card: asks for the new text
    EVENTS = "events"  # the event button on the card: the events to choose from
    EVENT = "event"  # one of them chosen (event_id 0: none)


class MemberField(StrEnum):
    NAME = "name"
    CONTACT = "contact"
    NOTES = "notes"


class MemberCb(CallbackData, prefix="mb"):
    action: MemberAction
    member_id: int = 0
    page: int = 0
    scope: str = ""  # /members: "" the user's regions, "UA" all, or a region code
    status: MemberStatus = MemberStatus.ADMITTED
    field: MemberField = MemberField.NAME
    event_id: int = 0


class AdmitReadingCb(CallbackData, prefix="mr"):
    """One reading of an /admit that can be read several ways: the region takes `words`."""

    words: int


def page_keyboard(
    members: Sequence[Member], scope: str, page: int, pages: int
) -> InlineKeyboardMarkup:
    """A button per member of a /members page, a row each (its card: «№3 ГО „Відкрите місто“»,
    a long name shortened), then ◀️ ▶️ when there are pages."""
    builder = InlineKeyboardBuilder()
    for member in members:
        builder.button(
            text=trim(f"№{member.id} {member.name}", BUTTON_NAME),
            callback_data=MemberCb(action=MemberAction.SHOW, member_id=member.id),
        )
    sizes = [1] * len(members)
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
    """A member's card: a button for each status the member is not in, one for each field
    to edit, and one for the event it took part in. Each asks before it changes anything."""
    builder = InlineKeyboardBuilder()
    for status in MemberStatus:
        if status is not member.status:
            builder.button(
                text="→ " + status_label(status),
                callback_data=MemberCb(
                    action=MemberAction.SET, member_id=member.id, status=status
                ),
            )
    labels = {
        MemberField.NAME: _("Name"),
        MemberField.CONTACT: _("Contact"),
        MemberField.NOTES: _("Notes"),
    }
    for field, label in labels.items():
        builder.button(
            text="✏️ " + label,
            callback_data=MemberCb(action=MemberAction.EDIT, member_id=member.id, field=field),
        )
    builder.button(
        text="🗓 " + _("Event"),
        callback_data=MemberCb(action=MemberAction.EVENTS, member_id=member.id),
    )
    builder.adjust(3, 3, 1)
    return builder.as_markup()


def confirm_keyboard(member_id: int, *, on_card: bool) -> InlineKeyboardMarkup:
    """Under a question about a change: do it, or not (on a card: back to the card)."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text="✅ " + _("Yes, change"),
        callback_data=MemberCb(action=MemberAction.CONFIRM, member_id=member_id),
    )
    builder.button(
        text=cancel_label(),
        callback_data=MemberCb(
            action=MemberAction.BACK if on_card else MemberAction.CANCEL, member_id=member_id
        ),
    )
    return builder.as_markup()


def events_keyboard(
    member: Member, events: Sequence[Event], settings: Settings
) -> InlineKeyboardMarkup:
    """The latest events to choose from («23–24.05.2025 · Всеукраїнська конф…»), a way to
    clear the one noted, and back to the card."""
    builder = InlineKeyboardBuilder()
    for event in events:
        when = format_when(event.starts_at, event.ends_at, event.all_day, settings.tz)
        builder.button(
            text=trim(f"{when} · {event.title}", 60),
            callback_data=MemberCb(
                action=MemberAction.EVENT, member_id=member.id, event_id=event.id
            ),
        )
    if member.event_id is not None:
        builder.button(
            text="🗑 " + _("No event"),
            callback_data=MemberCb(action=MemberAction.EVENT, member_id=member.id, event_id=0),
        )
    builder.button(
        text=cancel_label(), callback_data=MemberCb(action=MemberAction.BACK, member_id=member.id)
    )
    builder.adjust(1)
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
    builder.button(text=cancel_label(), callback_data=MemberCb(action=MemberAction.CANCEL))
    builder.adjust(1)
    return builder.as_markup()


def admit_keyboard() -> InlineKeyboardMarkup:
    """Under the /admit question."""
    builder = InlineKeyboardBuilder()
    builder.button(text="✅ " + _("Admit"), callback_data=MemberCb(action=MemberAction.ADMIT))
    builder.button(text=cancel_label(), callback_data=MemberCb(action=MemberAction.CANCEL))
    return builder.as_markup()

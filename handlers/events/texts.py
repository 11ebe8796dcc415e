"""What /announce asks and /events lists."""

from __future__ import annotations

import html
from collections.abc import Collection

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from domain.dates import format_when
from domain.formatting import trim
from domain.regions import get_region
from handlers.editors.texts import number
from infra.settings import Settings
from jobs.reminders import DAY, HOUR
from storage.events import Event


def when_question() -> str:
    return _(
        "When is it? Kyiv time, written as you like: <code>23.05.2026 10:00</code>, "
        "<code>завтра 10:00</code> or <code>23 травня 10:00</code>; a whole day or several: "
        "<code>23.05</code> or <code>23–24 травня</code>."
    )


def announced_text(item_id: int, chats: int) -> str:
    """The announcement's number (what /correct, /reschedule and the others take) and its
    audience."""
    announced = _("Announcement №\u00a0{id} is sent.").format(id=item_id)
    if not chats:
        return announced + " " + _("No chat is subscribed to its region yet.")
    return (
        announced
        + " "
        + ngettext("It goes to {count} chat.", "It goes to {count} chats.", chats).format(
            count=number(chats)
        )
    )


def reminders_promise(offsets: Collection[int], started: bool) -> str:
    """Which reminders will actually come (`offsets`: seconds before the start of those
    planned; `started`: an all-day event of today): those whose time has passed already are
    not promised."""
    day, hour = DAY in offsets, HOUR in offsets
    if day and hour:
        return _("Reminders will come a day and an hour before the start.")
    if day:
        return _("A reminder will come a day before the start.")
    if hour:
        return _("A reminder will come an hour before the start.")
    if started:
        return _("No reminders: the event has already begun.")
    return _("No reminders: the event starts in less than an hour.")


def date_problem(reason: str) -> str:
    if reason == "past":
        return _("This time has already passed.")
    if reason == "impossible":
        return _("There is no such date or time.")
    return _("I could not read this date.")


def too_long(limit: int) -> str:
    return ngettext(
        "That is too long: {limit} character at most.",
        "That is too long: {limit} characters at most.",
        limit,
    ).format(limit=number(limit))


def event_block(number: int, event: Event, settings: Settings, lang: str) -> str:
    region = get_region(event.region_code)
    when = format_when(event.starts_at, event.ends_at, event.all_day, settings.tz)
    head = f"{number}. <b>{html.escape(trim(event.title, 120))}</b>"
    lines = [head, f"🕒 {when}" + (f" · {html.escape(region.short(lang))}" if region else "")]
    if event.place:
        lines.append("📍 " + html.escape(trim(event.place, 120)))
    return "\n".join(lines)

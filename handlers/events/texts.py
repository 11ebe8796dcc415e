"""What /announce asks and /events lists."""

from __future__ import annotations

import html

from aiogram.utils.i18n import gettext as _

from domain.dates import format_when
from domain.formatting import trim
from domain.regions import get_region
from infra.settings import Settings
from storage.events import Event


def when_question() -> str:
    return _(
        "When is it? Kyiv time, for example: <code>23.05.2026 10:00</code>, "
        "<code>23.05.2026</code> (all day) or <code>23–24.05.2026</code>."
    )


def date_problem(reason: str) -> str:
    if reason == "past":
        return _("This time has already passed.")
    if reason == "impossible":
        return _("There is no such date or time.")
    return _("I could not read this date.")


def too_long(limit: int) -> str:
    return _("That is too long: {limit} characters at most.").format(limit=limit)


def event_block(number: int, event: Event, settings: Settings, lang: str) -> str:
    region = get_region(event.region_code)
    when = format_when(event.starts_at, event.ends_at, event.all_day, settings.tz)
    head = f"{number}. <b>{html.escape(trim(event.title, 120))}</b>"
    lines = [head, f"🕒 {when}" + (f" · {html.escape(region.short(lang))}" if region else "")]
    if event.place:
        lines.append("📍 " + html.escape(trim(event.place, 120)))
    return "\n".join(lines)
